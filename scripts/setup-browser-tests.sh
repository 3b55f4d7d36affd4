#!/bin/sh
# Sets up the browser tests of `cull review` (tests/browser), idempotently: Debian's chromium
# (/usr/bin/chromium; apt-get, with sudo when not root) and playwright-core from
# tests/browser/package-lock.json (npm ci; it downloads no browser of its own).
# Quick when both are already there.
set -eu
cd "$(dirname "$0")/.."
if [ ! -x /usr/bin/chromium ]; then
    SUDO=""
    [ "$(id -u)" -eq 0 ] || SUDO=sudo
    echo "installing: chromium"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends chromium
fi
# playwright-core needs Node.js 20 or newer (Debian 12's own is 18): without it the browser part
# of tests/e2e/review.sh reports itself skipped, and everything else still runs.
major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
if ! command -v npm >/dev/null || [ "$major" -lt 20 ]; then
    echo "setup-browser-tests: warning: Node.js 20+ and npm are needed for the browser tests; skipping them" >&2
    exit 0
fi
lock=tests/browser/package-lock.json
stamp=tests/browser/node_modules/.cull-lock
if [ ! -f "$stamp" ] || ! cmp -s "$lock" "$stamp"; then
    (cd tests/browser && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error)
    cp "$lock" "$stamp"
fi
