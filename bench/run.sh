#!/bin/sh
# bench/run.sh BUILD_DIR — runs cull's benchmarks (built by `make bench` into BUILD_DIR/bench/),
# writes bench/results.txt (replaced each run) and prints it.
#
#   1. decode  — shrink-on-load (cull's media_decode) against full decode + resize, on a 12 MP and
#                a 24 MP photo-like JPEG (and a smooth 12 MP one), one libvips thread
#   2. index   — end-to-end `cull index --encoder lite --jobs $(nproc)` on 120 12-MP JPEGs (enough
#                that the fixed start-up, ~0.1 s, weighs little), fresh library each time, and the
#                unchanged re-scan
#   3. train   — 25,000 labelled rows through what `cull train` runs, lite-sized and 1792-d rows,
#                512-d rows with 8 prompt columns (and the comparison without them), with the
#                OpenBLAS kernels cull picks, then 1792-d again on other kernel sets
#   4. scale   — a synthetic library of SCALE_N (default 100,000) small images in folders of 100
#                (bench/gensmall.c): first index, unchanged re-scan, label, train, rank, status, dupes;
#                time, peak memory and library bytes per image (targets: DESIGN §5); then the
#                near-duplicate search over as many synthetic 1792-d embeddings, and the 5 nearest of
#                them for query batches of 1, 16 and 256 (explain; bench/dupes.c)
#   5. vit     — ViT-B/32 (random weights) model-only images/s at batch 1 and 16 (bench/vit.c) against
#                PyTorch on the same shapes and threads (bench/vit_torch.py, Debian's python3-torch
#                with the OpenBLAS kernels cull picks), the machine's GEMM rate and the share of it
#                the forward pass reaches; then end-to-end `cull index --encoder FOLDER --jobs $(nproc)`
#                on the 12-MP corpus with that model written as a Hugging Face folder
#   6. mobilenet — cull's mobilenet encoder: model only (bench/mobilenet.c), end to end, vs PIL +
#                PyTorch (bench/mobilenet_torch.py)
#   7. words   — one prompt through the CLIP ViT-B/32 text tower (random weights; 8, 24 and 77
#                tokens) and a search over SCALE_N stored 512-d embeddings (bench/text.c), against
#                PyTorch running the same tower and numpy searching an in-memory matrix
#                (bench/text_torch.py)
#
# Test images are generated here (bench/genimg.c): the decode ones into a temporary folder that
# is removed at the end, the index corpus once into $TMPDIR/cull-bench-cache/ and reused.
# Takes about ten minutes on 2 cores (plus a few minutes the first time, for the corpora);
# BENCH_ONLY=WORD runs only the sections whose title holds WORD.
# shellcheck disable=SC2317  # the benchmark functions are called through section()
set -eu

BUILD=${1:-build}
HERE=$(cd "$(dirname "$0")" && pwd)
RESULTS=$HERE/results.txt
B=$BUILD/bench
CULL=$BUILD/cull

DECODE_REPEATS=7
INDEX_REPEATS=3
INDEX_FILES=120
TRAIN_ROWS=25000
MOBILENET_DIM=1792

SCALE_N=${SCALE_N:-100000}

for t in "$B/genimg" "$B/gensmall" "$B/decode" "$B/index" "$B/train" "$B/sysinfo" "$B/sgemm" "$B/vit" "$B/dupes" "$B/mobilenet" "$B/text" "$CULL"; do
    [ -x "$t" ] || { echo "bench/run.sh: $t is missing; run 'make bench'" >&2; exit 2; }
done

# cull is measured as a user runs it: choosing its own OpenBLAS kernels. Some machines set
# OPENBLAS_CORETYPE (and OPENBLAS_L2_SIZE) in the environment, which cull would obey; they are left
# out here, and the header says so. BENCH_KEEP_BLAS_ENV=1 keeps them.
BLAS_ENV_NOTE=
if [ -z "${BENCH_KEEP_BLAS_ENV:-}" ] && [ -n "${OPENBLAS_CORETYPE:-}${OPENBLAS_L2_SIZE:-}" ]; then
    BLAS_ENV_NOTE="OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE:-} OPENBLAS_L2_SIZE=${OPENBLAS_L2_SIZE:-} from the environment left out"
    unset OPENBLAS_CORETYPE OPENBLAS_L2_SIZE
fi

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

# section TITLE COMMAND...: runs COMMAND with its output going into the results. With BENCH_ONLY
# set (e.g. BENCH_ONLY=vit), only the sections whose title contains it run.
section() {
    title=$1
    shift
    case $title in *"${BENCH_ONLY:-}"*) ;; *) return 0 ;; esac
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
    "$B/train" "$TRAIN_ROWS" lite "$MOBILENET_DIM" 512p8 || return
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
    # The synthetic pictures are variations of a few hundred patterns: at the default cosine 0.985
    # lite's 48 values chain nearly all of them (cull refuses past 10 million pairs).
    timed "dupes --threshold 0.9999" "$CULL" --db "$lib" dupes --encoder lite --threshold 0.9999 || return
    echo "    $(cut -f1 "$WORK/cmd.out" | sort -u | wc -l) groups, $(wc -l <"$WORK/cmd.out") files in them"
    echo "  near-duplicate and nearest-neighbour search at this size with a 1792-d encoder (synthetic embeddings, bench/dupes.c):"
    "$B/dupes" "$SCALE_N" "$MOBILENET_DIM" | sed 's/^/  /' || return
    "$CULL" --db "$lib" index --quiet --encoder lite "$dir" >/dev/null 2>&1   # leaves the WAL checkpointed
    bytes=$(stat -c %s "$lib")
    echo "  library: $((bytes / 1048576)) MB, $((bytes / SCALE_N)) bytes per image (lite: 48 values; target ≤ 4 KB per image per 1792-d encoder)"
}

# ViT-B/32: cull's forward pass and PyTorch's, model only, then cull end to end. Both sides report
# the best pass of about VIT_SECONDS each (the least disturbed by other load).
VIT_SECONDS=${VIT_SECONDS:-4}
vit_bench() {
    "$B/vit" "$VIT_SECONDS" >"$WORK/vit.out" || return
    grep -v '^[a-z0-9_]*: ' "$WORK/vit.out"
    if /usr/bin/python3 -c 'import torch' 2>/dev/null; then
        OPENBLAS_CORETYPE=$(info openblas-core --cull) /usr/bin/python3 "$HERE/vit_torch.py" "$VIT_SECONDS" \
            >"$WORK/vit_torch.out" || return
        grep -v '^[a-z0-9_]*: ' "$WORK/vit_torch.out"
        for b in b1 b16; do
            c=$(sed -n "s/^ips_$b: //p" "$WORK/vit.out")
            p=$(sed -n "s/^ips_$b: //p" "$WORK/vit_torch.out")
            awk -v c="$c" -v p="$p" -v b="${b#b}" 'BEGIN { printf "  batch %2d: cull / PyTorch = %.2f×%s (float32 both)\n", b, c / p,
                b == 16 ? "  (target ≥ 1.3×)" : "" }'
        done
        c=$(sed -n "s/^ips_b16_bf16: //p" "$WORK/vit.out")
        p=$(sed -n "s/^ips_b16_bf16: //p" "$WORK/vit_torch.out")
        [ -n "$c" ] && [ -n "$p" ] && awk -v c="$c" -v p="$p" 'BEGIN { printf "  batch 16: cull / PyTorch = %.2f× (bf16 both)\n", c / p }'
        [ -n "$c" ] && f=$(sed -n "s/^ips_b16: //p" "$WORK/vit_torch.out") &&
            awk -v c="$c" -v p="$f" 'BEGIN { printf "  batch 16: cull bf16 / PyTorch float32 = %.2f× (what a user sees against the usual PyTorch)\n", c / p }'
    else
        echo "  PyTorch: /usr/bin/python3 has no torch (apt install python3-torch): no comparison"
    fi
    dir=$(corpus) || return
    mkdir -p "$WORK/vit-b32" && "$B/vit" --write-model "$WORK/vit-b32" || return
    "$CULL" embed --encoder "$WORK/vit-b32" "$dir/img_000.jpg" >/dev/null || return  # caches the checksum
    n=$(ls "$dir" | wc -l)
    for precision in auto f32; do
        runs=$(index_runs "$WORK/vit-b32" "$dir" 3 CULL_PRECISION=$precision) || return
        # shellcheck disable=SC2086  # four words
        set -- $runs
        echo "  end to end, CULL_PRECISION=$precision: cull index --encoder (ViT-B/32 folder) --jobs $JOBS, $n" \
            "12-MP JPEGs, median of 3: $1 s, $2 images/s (target ≥ 18), peak $3 MB  (runs: $4 s)"
    done
}

# index_runs ENCODER DIR RUNS [VAR=VALUE...]: `cull index` into a fresh library RUNS times, with
# those variables set; prints the median wall time, its images/s, the largest peak RSS (MB) and
# every run's time. The last run's stderr stays in $WORK/index_runs.err.
index_runs() {
    enc=$1 dir=$2 reps=$3
    shift 3
    lib=$WORK/index_runs.db
    n=$(ls "$dir" | wc -l)
    runs=""
    for _ in $(seq "$reps"); do
        rm -f "$lib" "$lib-wal" "$lib-shm" "$lib-journal"
        env "$@" /usr/bin/time -f '%e %M' -o "$WORK/index_runs.time" "$CULL" --db "$lib" index --encoder "$enc" \
            --jobs "$JOBS" "$dir" >/dev/null 2>"$WORK/index_runs.err" || { tail -n 5 "$WORK/index_runs.err" >&2; return 1; }
        runs="$runs $(tail -n 1 "$WORK/index_runs.time")"
    done
    echo "$runs" | awk -v n="$n" '{ k = 0
        for (i = 1; i < NF; i += 2) { t[++k] = $i; s = s "," $i; if ($(i + 1) > m) m = $(i + 1) }
        for (a = 2; a <= k; a++) for (b = a; b > 1 && t[b - 1] > t[b]; b--) { x = t[b]; t[b] = t[b - 1]; t[b - 1] = x }
        med = k % 2 ? t[(k + 1) / 2] : (t[k / 2] + t[k / 2 + 1]) / 2
        printf "%.2f %.2f %d %s\n", med, n / med, m / 1024, substr(s, 2) }'
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
        "(util/blas_setup); $(info openblas-threads) threads${BLAS_ENV_NOTE:+; $BLAS_ENV_NOTE}"
    echo "sgemm 1024³ (bench/sgemm.c), the kernels OpenBLAS detects, then those cull runs:"
    "$B/sgemm" | grep -v '^[a-z0-9_]*: '
    "$B/sgemm" --cull | grep -v '^[a-z0-9_]*: '
    echo "compiler:  $(info compiler) (optimised: $(info optimised))"
    echo "load:      $(cut -d' ' -f1-3 /proc/loadavg) (1, 5, 15 min, at the start)"
} >"$OUT"

section "1. decode: shrink-on-load vs full decode + resize (target: ≥ 5× faster)" decode_bench
section "2. index: end-to-end, lite encoder, --jobs $JOBS" index_bench
section "3. train: $TRAIN_ROWS rows, as cull train (target: ≤ 10 s at $MOBILENET_DIM-d)" train_bench
section "4. scale: a library of $SCALE_N images" scale_bench
section "5. vit: ViT-B/32 model only vs PyTorch (target ≥ 1.3× at batch 16), and end to end" vit_bench

# 6. mobilenet — cull's mobilenet encoder (the installed nsfwjs MobileNetV2-1.4): model only at batch 1
# and 16 on $JOBS threads, with the machine's sgemm rate and the share of it the forward pass reaches
# (bench/mobilenet.c); end to end, `cull index --encoder mobilenet --jobs $JOBS` on the 12-MP corpus
# (fresh library each time, median of MOBILENET_REPEATS, peak memory); then a PIL + PyTorch pipeline of
# the same network on the same files (bench/mobilenet_torch.py: full decode at batch 1, the way people
# write it; PIL draft at batch 32; model only) and the ratios. Skipped with a note when the model is not
# installed; the PyTorch part when /usr/bin/python3 lacks torch, torchvision or PIL.
MOBILENET_REPEATS=3
mobilenet_bench() {
    if ! "$CULL" model info mobilenet >/dev/null 2>&1; then
        echo "  skipped: the mobilenet model is not installed (cull model fetch mobilenet)"
        return 0
    fi
    load0=$(cut -d' ' -f1-3 /proc/loadavg)
    "$B/mobilenet" >"$WORK/mn.out" || return
    grep -v '^[a-z0-9_]*: ' "$WORK/mn.out"
    dir=$(corpus) || return
    n=$(ls "$dir" | wc -l)
    runs=$(index_runs mobilenet "$dir" "$MOBILENET_REPEATS") || return
    # shellcheck disable=SC2086  # four words
    set -- $runs
    e2e=$2
    echo "  end to end, cull index --encoder mobilenet --jobs $JOBS, $n 12-MP JPEGs, fresh library, median of" \
        "$MOBILENET_REPEATS: $1 s, $2 images/s, peak $3 MB  (runs: $4 s)"
    echo "    cull's summary: $(grep -v '^[[:space:]]*$' "$WORK/index_runs.err" | tail -n 1)"
    b1=$(sed -n 's/^ips_b1: //p' "$WORK/mn.out")
    b16=$(sed -n 's/^ips_b16: //p' "$WORK/mn.out")
    if /usr/bin/python3 -c 'import torch, torchvision, PIL' 2>/dev/null; then
        OPENBLAS_CORETYPE=$(info openblas-core --cull) /usr/bin/python3 "$HERE/mobilenet_torch.py" "$dir" \
            >"$WORK/mn_torch.out" || return
        grep -v '^[a-z0-9_]*: ' "$WORK/mn_torch.out"
        awk -v c="$e2e" -v c1="$b1" -v c16="$b16" -F': ' '/^ips_a: / { a = $2 } /^ips_b: / { b = $2 }
            /^ips_b1: / { p1 = $2 } /^ips_b16: / { p16 = $2 } END {
            printf "  ratios, same run: end to end cull / (a) = %.1f× (target ≥ 5×), cull / (b) = %.1f× (target ≥ 2×);\n", c / a, c / b
            printf "                    model only cull / PyTorch = %.1f× at batch 1, %.1f× at batch 16\n", c1 / p1, c16 / p16 }' \
            "$WORK/mn_torch.out"
    else
        echo "  PyTorch: /usr/bin/python3 lacks torch, torchvision or PIL (scripts/install-deps.sh installs them): no comparison"
    fi
    awk -v c="$e2e" -v c1="$b1" -v c16="$b16" 'function ok(x, t) { return x >= t ? "met" : "NOT met" } BEGIN {
        printf "  targets: end to end %.1f images/s (≥ 30: %s); model only %.1f / %.1f images/s at batch 1 / 16 (≥ 100: %s / %s)\n",
            c, ok(c, 30), c1, c16, ok(c1, 100), ok(c16, 100) }'
    echo "  load (1, 5, 15 min): $load0 at the start of this section, $(cut -d' ' -f1-3 /proc/loadavg) at the end"
}
section "6. mobilenet: model only, end to end, vs PIL + PyTorch (targets ≥ 30 images/s, ≥ 5× and ≥ 2×)" mobilenet_bench

words_bench() {
    "$B/text" "$VIT_SECONDS" "$SCALE_N" >"$WORK/text.out" || return
    grep -v '^[a-z0-9_]*: ' "$WORK/text.out"
    if /usr/bin/python3 -c 'import torch' 2>/dev/null; then
        OPENBLAS_CORETYPE=$(info openblas-core --cull) /usr/bin/python3 "$HERE/text_torch.py" "$VIT_SECONDS" "$SCALE_N" \
            >"$WORK/text_torch.out" || return
        grep -v '^[a-z0-9_]*: ' "$WORK/text_torch.out"
        for p in p8 p24 p77; do
            c=$(sed -n "s/^ms_${p}_f32: //p" "$WORK/text.out")
            full=$(sed -n "s/^torch_ms_$p: //p" "$WORK/text_torch.out")
            short=$(sed -n "s/^torch_ms_${p}_short: //p" "$WORK/text_torch.out")
            awk -v c="$c" -v f="$full" -v s="$short" -v p="${p#p}" 'BEGIN { printf "  %2d tokens: PyTorch / cull = %.1f× (77 positions, as Hugging Face runs it), %.1f× (its own tokens only; float32 both)\n", p, f / c, s / c }'
        done
        c=$(sed -n "s/^search_s: //p" "$WORK/text.out")
        np=$(sed -n "s/^numpy_search_s: //p" "$WORK/text_torch.out")
        awk -v c="$c" -v n="$np" 'BEGIN { printf "  search: cull / numpy = %.1f× the time (cull reads the library file and the paths; numpy starts from a matrix in memory)\n", c / n }'
    else
        echo "  PyTorch: /usr/bin/python3 has no torch (apt install python3-torch): no comparison"
    fi
}
section "7. words: one prompt through the text tower (target < 20 ms), search over $SCALE_N embeddings (target < 0.5 s)" words_bench

echo >>"$OUT"
echo "total bench time: $(($(date +%s) - T0)) s; load at the end: $(cut -d' ' -f1-3 /proc/loadavg)" >>"$OUT"
cp "$OUT" "$RESULTS"
cat "$RESULTS"
exit $FAILED
