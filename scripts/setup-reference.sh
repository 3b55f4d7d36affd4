#!/bin/bash
# Installs the Node packages of the TensorFlow.js reference test (tests/reference: @tensorflow/tfjs
# with its pure JavaScript CPU backend, and nsfwjs) exactly as package-lock.json pins them.
#   scripts/setup-reference.sh [--optional]
# Does nothing when node_modules already matches the lock file (a stamp holds the lock's sha256).
# No install scripts run, and no native code is downloaded. With --optional a failure (no npm,
# offline) is a warning and the exit status is 0: the reference test then reports itself skipped.
set -u
optional=0
[ "${1:-}" = --optional ] && optional=1
cd "$(dirname "$0")/../tests/reference" || exit 1
fail() {
    echo "setup-reference: $1" >&2
    if [ "$optional" = 1 ]; then
        echo "setup-reference: warning: going on without the reference packages (the test will skip)" >&2
        exit 0
    fi
    exit 1
}
stamp=node_modules/.cull-lock-sha256
want=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
    exit 0
fi
command -v npm >/dev/null || fail "npm is not installed (Debian/Ubuntu: apt install npm)"
echo "setup-reference: npm ci in tests/reference (@tensorflow/tfjs, nsfwjs: 73 packages)" >&2
npm ci --ignore-scripts --no-audit --no-fund --engine-strict=false --loglevel=error \
    --fetch-retries=2 --fetch-retry-mintimeout=2000 --fetch-retry-maxtimeout=8000 >&2 ||
    fail "npm ci failed (is the npm registry reachable?)"
echo "$want" >"$stamp"
