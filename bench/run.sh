#!/bin/sh
# bench/run.sh BUILD_DIR — runs cull's benchmarks (built by `make bench` into BUILD_DIR/bench/),
# writes bench/results.txt (replaced each run) and prints it.
#
#   1. decode  — shrink-on-load (cull's media_decode) against full decode + resize, on a 12 MP and
#                a 24 MP photo-like JPEG (and a smooth 12 MP one), one libvips thread
#   2. index   — end-to-end `cull index --encoder lite --jobs $(nproc)` on 60 12-MP JPEGs, fresh
#                library each time, and the unchanged re-scan
#   3. train   — 25,000 labelled rows through what `cull train` runs, lite-sized and 1792-d rows,
#                with the OpenBLAS kernels cull picks, then 1792-d again on other kernel sets
#   4. scale   — a synthetic library of SCALE_N (default 100,000) small images in folders of 100
#                (bench/gensmall.c): first index, unchanged re-scan, label, train, rank, status;
#                time, peak memory and library bytes per image (targets: DESIGN §5)
#
# Test images are generated here (bench/genimg.c): the decode ones into a temporary folder that
# is removed at the end, the index corpus once into $TMPDIR/cull-bench-cache/ and reused.
# Takes about three minutes on 2 cores (plus about half a minute the first time, for the corpus).
# shellcheck disable=SC2317  # the benchmark functions are called through section()
set -eu

BUILD=${1:-build}
HERE=$(cd "$(dirname "$0")" && pwd)
RESULTS=$HERE/results.txt
B=$BUILD/bench
CULL=$BUILD/cull

DECODE_REPEATS=7
INDEX_REPEATS=3
INDEX_FILES=60
TRAIN_ROWS=25000
MOBILENET_DIM=1792

SCALE_N=${SCALE_N:-100000}

for t in "$B/genimg" "$B/gensmall" "$B/decode" "$B/index" "$B/train" "$B/sysinfo" "$CULL"; do
    [ -x "$t" ] || { echo "bench/run.sh: $t is missing; run 'make bench'" >&2; exit 2; }
done

TMP=${TMPDIR:-/tmp}
CACHE=$TMP/cull-bench-cache
WORK=$(mktemp -d "$TMP/cull-bench.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
trap 'exit 130' INT TERM
OUT=$WORK/results.txt
JOBS=$(nproc)
T0=$(date +%s)
FAILED=0
exec 3>&2   # progress messages, while a section's own stderr is being captured

# info KEY [--cull]: one figure from bench/sysinfo.c.
info() { "$B/sysinfo" ${2:+"$2"} | sed -n "s/^$1: //p"; }

cpu_model() {
    m=$(lscpu 2>/dev/null | sed -n 's/^Model name:[[:space:]]*//p' | head -n 1)
    [ -n "$m" ] || m=$(sed -n 's/^model name[[:space:]]*:[[:space:]]*//p' /proc/cpuinfo | head -n 1)
    echo "${m:-unknown}"
}

jpeg_version() {
    for p in libjpeg62-turbo libjpeg-turbo8 libjpeg8; do
        v=$(dpkg-query -W -f='${Version}' "$p" 2>/dev/null) && [ -n "$v" ] && { echo "$p $v"; return; }
    done
    echo unknown
}

# section TITLE COMMAND...: runs COMMAND with its output going into the results.
section() {
    title=$1
    shift
    echo "bench: $title ..." >&3
    s=$(date +%s)
    { echo; echo "== $title"; } >>"$OUT"
    if "$@" >>"$OUT" 2>"$WORK/stderr"; then
        :
    else
        rc=$?
        FAILED=1
        echo "FAILED (exit $rc):" >>"$OUT"
        sed 's/^/  /' "$WORK/stderr" >>"$OUT"
    fi
    echo "  ($(($(date +%s) - s)) s)" >>"$OUT"
}

# The corpus for the index benchmark, made once: generated beside it and renamed into place, so a
# folder that exists is complete.
corpus() {
    dir=$CACHE/corpus-12mp-$INDEX_FILES-v1
    if [ ! -d "$dir" ]; then
        echo "bench: generating $INDEX_FILES 12-MP JPEGs into $dir (once) ..." >&3
        mkdir -p "$CACHE"
        part=$(mktemp -d "$CACHE/partial.XXXXXX")
        "$B/genimg" "$part" "$INDEX_FILES" 4000 3000 100 || { rm -rf "$part"; return 1; }
        mv "$part" "$dir"
    fi
    echo "$dir"
}

decode_bench() {
    d=$WORK/decode
    mkdir -p "$d/12" "$d/24" "$d/smooth"
    "$B/genimg" "$d/12" 1 4000 3000 1 &&
        "$B/genimg" "$d/24" 1 6000 4000 2 &&
        "$B/genimg" "$d/smooth" 1 4000 3000 3 0 &&
        "$B/decode" "$DECODE_REPEATS" "$d/12/img_000.jpg" "$d/24/img_000.jpg" "$d/smooth/img_000.jpg"
}

index_bench() {
    dir=$(corpus) && "$B/index" "$CULL" "$dir" "$WORK" "$JOBS" "$INDEX_REPEATS"
}

train_bench() {
    "$B/train" "$TRAIN_ROWS" lite "$MOBILENET_DIM" || return
    # The larger training again on other OpenBLAS kernel sets, for comparison: the one OpenBLAS
    # detects by itself (a generic fallback on CPUs it does not recognise, which util/blas_setup
    # replaces), and the AVX2 set when the CPU has AVX2.
    picked=$(info openblas-core --cull)
    detected=$(info openblas-core)
    others=$detected
    [ "$detected" != Haswell ] && grep -qw avx2 /proc/cpuinfo && others="$others Haswell"
    for core in $others; do
        [ "$core" != "$picked" ] || continue
        echo
        echo "  for comparison, OPENBLAS_CORETYPE=$core:"
        OPENBLAS_CORETYPE=$core "$B/train" "$TRAIN_ROWS" "$MOBILENET_DIM" >"$WORK/train-$core" || return
        tail -n +2 "$WORK/train-$core"
    done
}

# timed LABEL COMMAND...: one line with wall time and peak memory of COMMAND (run on this library).
timed() {
    label=$1
    shift
    /usr/bin/time -f '%e %M' -o "$WORK/time" "$@" >"$WORK/cmd.out" 2>"$WORK/cmd.err" || {
        echo "  $label: FAILED"; sed 's/^/    /' "$WORK/cmd.err" | tail -5; return 1; }
    set -- $(tail -n 1 "$WORK/time")
    printf '  %-34s %8.2f s   peak %6.0f MB\n' "$label" "$1" "$(($2 / 1024))"
}

scale_bench() {
    lib=$WORK/scale.db
    dir=$CACHE/small-$SCALE_N-v1
    if [ ! -d "$dir" ]; then
        echo "bench: generating $SCALE_N small JPEGs into $dir (once) ..." >&3
        mkdir -p "$CACHE"
        part=$(mktemp -d "$CACHE/partial.XXXXXX")
        "$B/gensmall" "$part" "$SCALE_N" || { rm -rf "$part"; return 1; }
        mv "$part" "$dir"
    fi
    folders=$(ls "$dir" | wc -l)
    echo "$SCALE_N images of 64×48 in $folders folders; $JOBS jobs; lite encoder"
    timed "first index" "$CULL" --db "$lib" index --quiet --encoder lite "$dir" || return
    timed "re-scan, unchanged (target ≤ 10 s)" "$CULL" --db "$lib" index --quiet --encoder lite "$dir" || return
    # Label 30% of the folders (photo-like keep, screenshot-like delete).
    n_label=$((folders * 3 / 10))
    keep=$(ls -d "$dir"/d* | head -n "$n_label" | awk 'NR % 2 == 1')
    del=$(ls -d "$dir"/d* | head -n "$n_label" | awk 'NR % 2 == 0')
    # shellcheck disable=SC2086  # folder lists
    timed "label keep ($(echo "$keep" | wc -l) folders)" "$CULL" --db "$lib" label --quiet --encoder lite keep $keep || return
    # shellcheck disable=SC2086
    timed "label delete ($(echo "$del" | wc -l) folders)" "$CULL" --db "$lib" label --quiet --encoder lite delete $del || return
    timed "train (5-fold CV + fit)" "$CULL" --db "$lib" train --encoder lite || return
    grep -E 'trained on|ROC-AUC' "$WORK/cmd.out" | sed 's/^ */    /'
    timed "rank all unlabelled (target ≤ 2 s)" "$CULL" --db "$lib" rank --encoder lite || return
    echo "    $(wc -l <"$WORK/cmd.out") images ranked"
    timed "status" "$CULL" --db "$lib" status || return
    "$CULL" --db "$lib" index --quiet --encoder lite "$dir" >/dev/null 2>&1   # leaves the WAL checkpointed
    bytes=$(stat -c %s "$lib")
    echo "  library: $((bytes / 1048576)) MB, $((bytes / SCALE_N)) bytes per image (lite: 48 values; target ≤ 4 KB per image per 1792-d encoder)"
}

{
    echo "cull benchmarks — bench/run.sh $BUILD"
    echo "date:      $(date '+%Y-%m-%d %H:%M:%S %z')"
    echo "commit:    $(git -C "$HERE" rev-parse --short HEAD 2>/dev/null || echo unknown)$(
        [ -n "$(git -C "$HERE" status --porcelain --untracked-files=no 2>/dev/null)" ] && echo ' (with uncommitted changes)')"
    echo "CPU:       $(cpu_model)"
    echo "cores:     $(nproc) (nproc)"
    echo "memory:    $(awk '/^MemTotal:/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)"
    echo "kernel:    $(uname -sr)"
    echo "libvips:   $(info libvips); JPEG codec: $(jpeg_version)"
    echo "OpenBLAS:  $(info openblas)"
    echo "           core $(info openblas-core) as detected; cull runs $(info openblas-core --cull)" \
        "(util/blas_setup); $(info openblas-threads) threads"
    echo "compiler:  $(info compiler) (optimised: $(info optimised))"
    echo "load:      $(cut -d' ' -f1-3 /proc/loadavg) (1, 5, 15 min, at the start)"
} >"$OUT"

section "1. decode: shrink-on-load vs full decode + resize (target: ≥ 5× faster)" decode_bench
section "2. index: end-to-end, lite encoder, --jobs $JOBS" index_bench
section "3. train: $TRAIN_ROWS rows, as cull train (target: ≤ 10 s at $MOBILENET_DIM-d)" train_bench
section "4. scale: a library of $SCALE_N images" scale_bench

echo >>"$OUT"
echo "total bench time: $(($(date +%s) - T0)) s; load at the end: $(cut -d' ' -f1-3 /proc/loadavg)" >>"$OUT"
cp "$OUT" "$RESULTS"
cat "$RESULTS"
exit $FAILED
