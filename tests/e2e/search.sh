# `cull search TEXT`: images by cosine with a sentence, on a tiny random-weight joint CLIP model
# written by the PyTorch reference (tests/reference/vit_reference.py --joint). The expected order
# and cosines come from the reference alone: its image embeddings (vit_reference.py expect) and
# text embeddings (clip_text_reference.py expect), cosines in numpy. cull's image vectors are
# stored as fp16, so cosines must agree within 2e-3 and the order may differ only between images
# whose reference cosines are that close.
#
# Also: --limit, --above, --format json/paths, -z, PATH (new files indexed first), --unlabelled,
# the library's encoder chosen without --encoder, and the refusals: no library (none created), an
# image-only encoder, a vision-only CLIP folder (with the command that adds the text tower).
# Skips (TAP "# SKIP") when /usr/bin/python3 lacks torch or numpy (apt install python3-torch).

. "$(dirname "$0")/../e2e_lib.sh"
REF_DIR=$(cd "$(dirname "$0")/../reference" && pwd)
PY=/usr/bin/python3
skip_all() { n_test=$((n_test + 1)); echo "ok $n_test - # SKIP $1"; exit 0; }
[ -x "$PY" ] && "$PY" -c 'import torch, numpy' 2>/dev/null || skip_all "/usr/bin/python3 has no torch/numpy (apt install python3-torch)"
export CULL_PRECISION=f32

M=$T/model
"$PY" "$REF_DIR/vit_reference.py" model "$M" --hidden 64 --heads 4 --inter 128 --layers 2 --patch 32 --proj 32 \
    --joint --nested --text-hidden 32 --text-heads 4 --text-layers 2 --seed 11 || skip_all "the reference could not write a model"
"$PY" "$REF_DIR/vit_reference.py" images "$T/img" 224x224 300x240 240x300 100x150 256x256 230x224 224x260 --seed 12
"$PY" "$REF_DIR/vit_reference.py" images "$T/img/later" 224x224 250x224 --seed 13

QUERY="a photo of a cat"
printf '"%s"\n' "$QUERY" >"$T/q.jsonl"
"$PY" "$REF_DIR/vit_reference.py" expect "$M" "$T"/img/*.png "$T"/img/later/*.png >"$T/img.jsonl"
"$PY" "$REF_DIR/clip_text_reference.py" expect "$M" "$T/q.jsonl" >"$T/text.jsonl"
"$PY" - "$T/img.jsonl" "$T/text.jsonl" >"$T/want.tsv" <<'EOF'
import json, sys, numpy as np
imgs = [json.loads(l) for l in open(sys.argv[1])]
t = np.array(json.loads(open(sys.argv[2]).readline())["vector"])
t /= np.linalg.norm(t)
rows = sorted(((float(np.array(r["vector"]) @ t / np.linalg.norm(r["vector"])), r["path"]) for r in imgs), reverse=True)
for c, p in rows:
    print(f"{c:.6f}\t{p}")
EOF

# compare WANT GOT: same paths in an order the reference allows, cosines within 2e-3
compare() {
    "$PY" - "$1" "$2" <<'EOF'
import sys
def load(p):
    return [(float(c), path) for c, path in (l.rstrip("\n").split("\t", 1) for l in open(p) if l.strip())]
want, got = load(sys.argv[1]), load(sys.argv[2])
w = {p: c for c, p in want}
if sorted(p for _, p in got) != sorted(w):
    sys.exit(f"paths differ: got {len(got)}, wanted {len(want)}")
worst = max(abs(c - w[p]) for c, p in got)
if worst > 2e-3:
    sys.exit(f"a cosine is off by {worst:.1e}")
for (c1, p1), (c2, p2) in zip(got, got[1:]):
    if w[p1] < w[p2] - 2e-3:
        sys.exit(f"{p2} (reference {w[p2]:.4f}) listed after {p1} ({w[p1]:.4f})")
print(f"{len(got)} images, cosines within {worst:.1e} of the reference, order as the reference's")
EOF
}

# ---- refusals before there is a library ----
run_cull search --encoder "$M" "$QUERY"
expect_rc "no library: exit 1" 1
expect_match "... saying so" "$ERR" "no library at"
check "... and none is created" test ! -e "$CULL_DB"

# ---- search over what index stored ----
run_cull index --quiet --encoder "$M" "$T/img"
expect_rc "index the first images with the model" 0
run_cull search --encoder "$M" "$QUERY" "$T/img"
expect_rc "search TEXT PATH: exit 0" 0
printf '%s\n' "$OUT" >"$T/got.tsv"
check "tsv is COSINE<TAB>PATH for every image, new ones under PATH indexed first ($(compare "$T/want.tsv" "$T/got.tsv" 2>&1))" \
    eval 'compare "$T/want.tsv" "$T/got.tsv" >/dev/null'
check "... the two added under PATH are in the library now" \
    test "$(sqlite3 "$CULL_DB" "SELECT count(*) FROM paths WHERE cast(path AS text) LIKE '%/later/%'")" = 2
run_cull search --encoder "$M" --limit 3 "$QUERY"
check "--limit 3: the first three" test "$OUT" = "$(head -3 "$T/got.tsv")"
third=$(sed -n 3p "$T/got.tsv" | cut -f1)
run_cull search --encoder "$M" --above "$third" "$QUERY"
check "--above the third cosine: at least three, each at or above it" \
    test "$(printf '%s\n' "$OUT" | awk -F'\t' -v a="$third" '$1 < a { bad++ } END { print NR, bad + 0 }' | cut -d' ' -f2)" = 0
"$CULL" search --encoder "$M" --format paths -z "$QUERY" >"$T/out"
check "--format paths -z: NUL-terminated paths in the same order" \
    test "$(tr '\0' '\n' <"$T/out")" = "$(cut -f2 "$T/got.tsv")"
run_cull search --encoder "$M" --format json "$QUERY"
check "--format json: an array of {cosine, path} in the same order" \
    test "$(printf '%s' "$OUT" | jq -r '.[].path')" = "$(cut -f2 "$T/got.tsv")"
first=$(head -1 "$T/got.tsv" | cut -f2)
run_cull label keep "$first"
run_cull search --encoder "$M" --format json "$QUERY"
check "... with each image's label" test "$(printf '%s' "$OUT" | jq -r '.[0].label')" = keep
run_cull search --encoder "$M" --unlabelled "$QUERY"
check "--unlabelled leaves out the labelled image" test "$(printf '%s\n' "$OUT" | grep -c "$first")" = 0
run_cull search --encoder "$M" --format json -z "$QUERY"
expect_rc "-z with json: usage error" 2
run_cull search --encoder "$M"
expect_rc "no TEXT: usage error" 2
run_cull search --encoder "$M" "$(printf 'bad \377 byte')"
expect_rc "a TEXT that is not UTF-8: exit 1" 1
expect_match "... saying so" "$ERR" "not valid UTF-8"

# ---- the library's encoder, installed under its registry name, without --encoder ----
mkdir -p "$XDG_DATA_HOME/cull/models"
cp -r "$M" "$XDG_DATA_HOME/cull/models/clip-vit-b32"
run_cull model use clip-vit-b32
run_cull search "$QUERY"
expect_rc "search without --encoder uses the library's encoder (model use clip-vit-b32)" 0
printf '%s\n' "$OUT" >"$T/got2.tsv"
check "... same results" eval 'compare "$T/want.tsv" "$T/got2.tsv" >/dev/null'

# ---- encoders without words ----
run_cull search --encoder lite "$QUERY"
expect_rc "an image-only encoder: exit 1" 1
expect_match "... saying it has no text tower and what does" "$ERR" "lite: an image-only encoder, it has no text tower.*cull model fetch clip-vit-b32"
mkdir -p "$T/vision-only"
"$PY" "$REF_DIR/vit_reference.py" model "$T/vision-only" --hidden 64 --heads 4 --inter 128 --layers 1 --patch 32 --proj 32
run_cull search --encoder "$T/vision-only" "$QUERY"
expect_rc "a vision-only model folder: exit 1" 1
expect_match "... naming what is missing" "$ERR" "no text tower in .*vision-only"
rm "$XDG_DATA_HOME/cull/models/clip-vit-b32/vocab.json"
run_cull search "$QUERY"
expect_match "an install without its tokenizer: says how to add it" "$ERR" "vocab.json: No such file.*cull model fetch clip-vit-b32"
echo "1..$n_test"
