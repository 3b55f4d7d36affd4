#!/bin/bash
# Installs the mobilenet model for `make demo` and `make check` unless it is already there:
#   scripts/fetch-models.sh [--optional] [CULL]        (CULL defaults to build/cull)
# `cull model fetch` itself checks what is installed (sizes and sha256 sums) and does nothing when
# the model is intact, so this is cheap to run every time. It needs node, npm and the npm registry
# only when the model is missing. With --optional a failed fetch (offline, no npm) is a warning and
# the exit status is 0: the tests that need the model then report themselves skipped and the demo
# uses the lite encoder.
set -u
optional=0
if [ "${1:-}" = --optional ]; then optional=1; shift; fi
CULL=${1:-build/cull}
if "$CULL" model fetch mobilenet; then
    exit 0
fi
if [ "$optional" = 1 ]; then
    echo "fetch-models: warning: the mobilenet model is not installed; going on without it" >&2
    exit 0
fi
exit 1
