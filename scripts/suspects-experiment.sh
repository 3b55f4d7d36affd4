#!/bin/bash
# scripts/suspects-experiment.sh [CULL [RUNS [SHARE [ENCODER]]]] — how well `cull suspects` finds
# wrong labels.
#
# On a copy of the demo library (build/demo/library.db, made by `make demo`), flips SHARE (default
# 8%) of the labels, chosen at random with a fixed seed per run, then asks `cull suspects` (which
# retrains on the flipped labels) and counts how many flipped labels appear among the first
# 3 × SHARE of the suspects list (and, stricter, among the first SHARE). Repeats for RUNS seeds (default 10) and prints each run and the
# mean. ENCODER (default: cull's default) picks whose embeddings and model; the demo library has
# lite's and, when mobilenet is installed, mobilenet's. The demo library itself is never changed. Deterministic: the same seeds give the same
# flips, and training is deterministic.
set -euo pipefail
CULL=$(realpath "${1:-build/cull}")
RUNS=${2:-10}
SHARE=${3:-0.08}
ENC=(${4:+--encoder "$4"})
SRC=build/demo/library.db
[ -f "$SRC" ] || { echo "suspects-experiment: $SRC is missing; run make demo first" >&2; exit 2; }
WORK=$(mktemp -d /tmp/cull-suspects.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
export CULL_DB=$WORK/library.db

# image id, label and one present path of every labelled image, in id order
sqlite3 -separator $'\t' "$SRC" \
    "SELECT l.image_id, l.label, (SELECT MIN(p.path) FROM paths p WHERE p.image_id = l.image_id AND p.present = 1)
     FROM labels l ORDER BY l.image_id" | awk -F'\t' '$3 != ""' >"$WORK/labels.tsv"
n=$(wc -l <"$WORK/labels.tsv")
flip=$(awk -v n="$n" -v s="$SHARE" 'BEGIN { printf "%d", n * s + 0.5 }')
top=$((3 * flip))
echo "demo library: $n labelled images with a file; flipping $flip per run ($SHARE), looking at the top $top suspects${4:+ (encoder $4)}"

total=0 total1=0
for run in $(seq 1 "$RUNS"); do
    cp "$SRC" "$CULL_DB"
    rm -f "$CULL_DB-wal" "$CULL_DB-shm"
    # Seeded choice of $flip labelled images: sort by a hash of (seed, id), take the first.
    awk -F'\t' -v seed="$run" 'BEGIN { srand(seed) } { print rand() "\t" $0 }' "$WORK/labels.tsv" |
        sort -k1,1g | awk -v k="$flip" 'NR <= k' | cut -f2- >"$WORK/flipped.tsv"
    while IFS=$'\t' read -r _ label path; do
        if [ "$label" = 1 ]; then to=keep; else to=delete; fi
        "$CULL" label --quiet "$to" "$path" 2>/dev/null
    done <"$WORK/flipped.tsv"
    "$CULL" suspects "${ENC[@]}" --limit "$top" 2>/dev/null | cut -f3 >"$WORK/top.txt"
    found=$(cut -f3 "$WORK/flipped.tsv" | grep -cxFf "$WORK/top.txt" || true)
    found1=$(cut -f3 "$WORK/flipped.tsv" | grep -cxFf <(awk -v k="$flip" 'NR <= k' "$WORK/top.txt") || true)
    total=$((total + found)) total1=$((total1 + found1))
    echo "  run $run: $found of $flip flipped labels in the top $top ($found1 in the top $flip)"
done
awk -v t="$total" -v t1="$total1" -v r="$RUNS" -v f="$flip" -v top="$top" \
    'BEGIN { printf "mean: %.1f of %d flipped labels (%.0f%%) in the top %d suspects (3 × %d); %.0f%% in the top %d\n",
                    t / r, f, 100 * t / (r * f), top, f, 100 * t1 / (r * f), f }'
