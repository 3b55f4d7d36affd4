#!/bin/bash
# Runs every test suite against each build folder given (e.g. build build-asan) and ends with
# one line "N passed, N failed, N skipped" over all of them.
#
# Unit tests are cmocka programs (TAP output); end-to-end tests are tests/e2e/*.sh scripts that
# drive the cull binary and print TAP lines too. A suite that dies without reporting (a crash, a
# sanitizer abort) counts as one failure. A TAP line with "# SKIP" (cmocka writes "not ok N # SKIP"
# for skip(), the scripts "ok N - # SKIP reason") is a test that cannot run on this machine: it
# counts as skipped, and its reason is shown.
set -u
cd "$(dirname "$0")/.."
passed=0 failed=0 skipped=0
log_dir=${TEST_LOG_DIR:-$(mktemp -d /tmp/cull-tests.XXXXXX)}
mkdir -p "$log_dir"

export CMOCKA_MESSAGE_OUTPUT=tap
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$PWD/tests/lsan.supp:print_suppressions=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

run_suite() { # name, command...
    local name=$1; shift
    local log="$log_dir/${name//\//_}.log" t0=$SECONDS
    "$@" >"$log" 2>&1
    local rc=$? took=$((SECONDS - t0))
    local ok bad skip
    skip=$(grep -cE '^(not )?ok .*# SKIP' "$log")
    ok=$(grep '^ok ' "$log" | grep -vc '# SKIP')
    bad=$(grep '^not ok ' "$log" | grep -vc '# SKIP')
    if [ "$rc" -ne 0 ] && [ "$bad" -eq 0 ]; then bad=1; fi
    passed=$((passed + ok)); failed=$((failed + bad)); skipped=$((skipped + skip))
    if [ "$bad" -gt 0 ]; then
        printf 'FAIL %-40s %d passed, %d failed, %d skipped (exit %d, %d s)\n' "$name" "$ok" "$bad" "$skip" "$rc" "$took"
        grep -E '^not ok|ERROR|runtime error|Sanitizer|^#' "$log" | head -30 | sed 's/^/    /'
    else
        printf 'ok   %-40s %d passed%s (%d s)\n' "$name" "$ok" "$([ "$skip" -gt 0 ] && echo ", $skip skipped")" "$took"
        # A skip's reason: on its own line (scripts) or on the comment line before it (cmocka).
        awk '/^(not )?ok .*# SKIP/ { if (prev ~ /^# /) print "    " prev; print "    " $0 } { prev = $0 }' "$log"
    fi
}

for build in "$@"; do
    for t in "$build"/tests/test_*; do
        [ -x "$t" ] || continue
        run_suite "$build/$(basename "$t")" "$t"
    done
    for r in "$build"/tests/replay_*; do
        [ -x "$r" ] || continue
        name=$(basename "$r"); name=${name#replay_}
        seeds=tests/fuzz/seeds/$name
        if [ "$name" = fuzz_decode ]; then seeds=$log_dir/decode-seeds; tests/fuzz/decode_seeds.sh "$seeds"; fi
        run_suite "$build/$(basename "$r")" "$r" "$seeds" "tests/fuzz/regressions/$name"
    done
    for s in tests/e2e/*.sh; do
        run_suite "$build/e2e/$(basename "$s" .sh)" env CULL="$PWD/$build/cull" CULL_BUILD="$build" bash "$s"
    done
done
echo "logs: $log_dir"
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
