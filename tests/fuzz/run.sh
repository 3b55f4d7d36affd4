#!/bin/bash
# make fuzz: runs every libFuzzer target in BUILD/fuzz for SECONDS each, starting from the seeds
# in tests/fuzz/seeds/TARGET (plus images generated here for the decoder) and the crashers kept
# in tests/fuzz/regressions/TARGET. A new crasher is copied into regressions/ so that every
# later test run replays it (tests/run.sh runs the replay_* binaries).
set -u
cd "$(dirname "$0")/../.."
build=${1:-build-fuzz} seconds=${2:-60}
work=$(mktemp -d /tmp/cull-fuzz.XXXXXX)
trap 'rm -rf "$work"' EXIT
status=0
for bin in "$build"/fuzz/fuzz_*; do
    name=$(basename "$bin")
    corpus="$work/$name" && mkdir -p "$corpus" "tests/fuzz/regressions/$name"
    [ -d "tests/fuzz/seeds/$name" ] && cp -r "tests/fuzz/seeds/$name/." "$corpus/"
    [ "$name" = fuzz_decode ] && tests/fuzz/decode_seeds.sh "$corpus"
    echo "== $name: $seconds s"
    "$bin" -max_total_time="$seconds" -rss_limit_mb=2048 -timeout=10 -artifact_prefix="$work/$name-" \
        "$corpus" "tests/fuzz/regressions/$name" 2>"$work/$name.log"
    rc=$?
    grep -E '^#[0-9]+.*(DONE|pulse)|^Done' "$work/$name.log" | tail -2
    for a in "$work/$name"-*; do
        [ -e "$a" ] || continue
        cp "$a" "tests/fuzz/regressions/$name/"
        echo "   new crasher kept: tests/fuzz/regressions/$name/$(basename "$a")"
    done
    if [ "$rc" -ne 0 ]; then status=1; tail -40 "$work/$name.log"; fi
done
exit $status
