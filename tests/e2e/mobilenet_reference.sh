# cull's C mobilenet against TensorFlow.js: the same converted model run by @tensorflow/tfjs (pure
# JavaScript CPU backend, tests/reference) and by `cull embed --encoder mobilenet`, on 12 real
# 224×224 images made here with ImageMagick (fractal plasma, noisy photo-like plasma, the built-in
# rose/logo/wizard/netscape/granite pictures, gradients, a checkerboard, a screenshot-like page).
# Both sides get identical pixels: cull decodes the PNG, tfjs reads the same pixels as raw RGB
# (no resize anywhere: the images are already 224×224), and feeds pixel/255 as nsfwjs does.
#
# Pass: every one of the 1792 features within 1e-3 absolute, every class probability within 1e-4
# absolute, per image. Then, to localise a difference, a few layers are compared one by one on two
# images: the model cut off after that layer (tests/reference/truncate_model.mjs) and run through
# `cull embed --encoder FOLDER`, every value within 1e-3 · max(1, max |value|).
#
# Skips (TAP "# SKIP") when the model is not installed (scripts/fetch-models.sh), the reference
# packages are missing (scripts/setup-reference.sh), node or ImageMagick is missing, or this cull
# has no mobilenet encoder. The tfjs outputs are cached by the hash of everything they depend on,
# in ${XDG_CACHE_HOME:-~/.cache}/cull/reference, since the JavaScript CPU backend is slow.

CACHE=${XDG_CACHE_HOME:-${HOME:-/tmp}/.cache}/cull/reference
REF_DIR=$(cd "$(dirname "$0")/../reference" && pwd)
. "$(dirname "$0")/../e2e_lib.sh"
MODELS=$USER_MODELS
export CULL_MODELS=$MODELS
MODEL=$MODELS/mobilenet

skip_all() { n_test=$((n_test + 1)); echo "ok $n_test - # SKIP $1"; exit 0; }

[ -f "$MODEL/model.json" ] || skip_all "the mobilenet model is not installed in $MODELS (scripts/fetch-models.sh)"
command -v node >/dev/null || skip_all "node is not installed"
command -v convert >/dev/null || skip_all "ImageMagick (convert) is not installed"
[ -d "$REF_DIR/node_modules/@tensorflow/tfjs" ] && [ -d "$REF_DIR/node_modules/nsfwjs" ] ||
    skip_all "tests/reference/node_modules is missing (scripts/setup-reference.sh)"

# ---- the images: PNG for cull, raw RGB of the same pixels for tfjs ----
mkdir -p "$T/img"
png() { # name, convert arguments producing a 224×224 image
    local name=$1; shift
    convert "$@" -strip -depth 8 -type TrueColor "PNG24:$T/img/$name.png" &&
        convert "$T/img/$name.png" -depth 8 "rgb:$T/img/$name.rgb"
}
png plasma -size 224x224 -seed 11 plasma:fractal
make_photo "$T/img/photo.jpg" 12 224x224 && png photo "$T/img/photo.jpg" && rm -f "$T/img/photo.jpg"
png plasma_blur -size 224x224 -seed 13 plasma:fractal -blur 0x3
png rose rose: -resize '224x224!'
png logo logo: -resize '224x224!'
png wizard wizard: -resize '224x224!'
png netscape netscape: -resize '224x224!'
png granite -size 224x224 tile:granite:
png gradient -size 224x224 gradient:navy-orange
png radial -size 224x224 radial-gradient:white-darkgreen
png checker -size 224x224 pattern:checkerboard
make_screenshot "$T/img/shot.png" 7 224x224 && png screenshot "$T/img/shot.png" && rm -f "$T/img/shot.png"
NAMES=(plasma photo plasma_blur rose logo wizard netscape granite gradient radial checker screenshot)
bad=0
for n in "${NAMES[@]}"; do
    [ "$(stat -c %s "$T/img/$n.rgb" 2>/dev/null)" = 150528 ] || bad=1
done
check "ImageMagick made ${#NAMES[@]} 224×224 RGB images" test "$bad" = 0
RGB=() PNG=()
for n in "${NAMES[@]}"; do RGB+=("$T/img/$n.rgb"); PNG+=("$T/img/$n.png"); done

# ---- does this cull have the encoder at all? ----
run_cull embed --encoder mobilenet "${PNG[0]}"
if [ "$RC" -ne 0 ] && printf '%s' "$ERR" | grep -q "unknown encoder 'mobilenet'"; then
    skip_all "this cull has no mobilenet encoder"
fi

# ---- the tfjs reference (cached) ----
key=$( {
    cat "${RGB[@]}" "$MODEL"/model.json "$MODEL"/*.bin
    cat "$REF_DIR"/mobilenet_reference.mjs "$REF_DIR"/package-lock.json
    node --version
} | sha256sum | cut -c1-32)
REF=$CACHE/$key
if [ ! -f "$REF/reference.json" ]; then
    mkdir -p "$CACHE" && rm -rf "$REF.tmp.$$" && mkdir "$REF.tmp.$$" &&
        node "$REF_DIR/mobilenet_reference.mjs" "$MODEL" "$REF.tmp.$$/reference.json" \
            --raw-dir "$REF.tmp.$$" --raw-images 2 "${RGB[@]}" 2>"$T/ref.err" &&
        { mv "$REF.tmp.$$" "$REF" 2>/dev/null || [ -f "$REF/reference.json" ]; }
    rm -rf "$REF.tmp.$$"
fi
if [ -f "$REF/reference.json" ]; then
    pass "tfjs reference ran (converted model = nsfwjs's own bundled model, weight for weight)"
else
    fail "tfjs reference ran" "$(cat "$T/ref.err" 2>/dev/null)"
    exit 0
fi

# ---- the full outputs ----
"$CULL" embed --encoder mobilenet "${PNG[@]}" >"$T/embed.jsonl" 2>"$T/embed.err"
RC=$?
if [ "$RC" -eq 0 ]; then pass "cull embed --encoder mobilenet on ${#PNG[@]} images"; else fail "cull embed --encoder mobilenet" "exit $RC" "$(head -5 "$T/embed.err")"; fi

report() { # reads compare.mjs output: one TAP line per check, details as comments
    local status text
    while IFS=$'\t' read -r status text; do
        case $status in
        ok) pass "$text" ;;
        "not ok") n_test=$((n_test + 1)); echo "not ok $n_test - $text" ;;
        '#') echo "# $text" ;;
        esac
    done
}
node "$REF_DIR/compare.mjs" outputs "$REF/reference.json" "$T/embed.jsonl" >"$T/cmp" 2>&1 ||
    fail "compare outputs" "$(cat "$T/cmp")"
report <"$T/cmp"

# ---- layer by layer, on the first two images ----
layers=$(node -e 'const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
for (const [k, v] of Object.entries(r.intermediate_nodes)) console.log(k + "\t" + v);' "$REF/reference.json")
while IFS=$'\t' read -r short node_name; do
    [ -n "$short" ] || continue
    cut_dir="$T/cut/$short"
    if ! node "$REF_DIR/truncate_model.mjs" "$MODEL" "$node_name" "$cut_dir" 2>"$T/cut.err"; then
        fail "$short: cut the model" "$(cat "$T/cut.err")"
        continue
    fi
    for n in "${NAMES[@]:0:2}"; do
        if ! "$CULL" embed --encoder "$cut_dir" "$T/img/$n.png" >"$T/layer.jsonl" 2>"$T/layer.err"; then
            fail "$short/$n: cull embed --encoder FOLDER runs the cut model" "$(grep -m5 -vE '^ *$' "$T/layer.err")"
            continue
        fi
        node "$REF_DIR/compare.mjs" tensor "$short/$n" "$REF/$n.$short.f32" "$T/layer.jsonl" >"$T/cmp" 2>&1 ||
            fail "$short/$n: compare" "$(cat "$T/cmp")"
        report <"$T/cmp"
    done
done <<<"$layers"

# ---- the index path: batched encoding (encode_batch, 16 at a time) stores what embed computes ----
mkdir -p "$T/batch"
for n in "${NAMES[@]}"; do
    cp "$T/img/$n.png" "$T/batch/$n.png"
    convert "$T/img/$n.png" -flop "$T/batch/$n-flop.png"
done
"$CULL" index --quiet --encoder mobilenet --jobs 2 "$T/batch" 2>"$T/index.err" || fail "index --encoder mobilenet" "$(cat "$T/index.err")"
"$CULL" embed --encoder mobilenet "$T/batch"/*.png >"$T/batch.jsonl" 2>/dev/null
sqlite3 "$CULL_DB" "select cast(p.path as text), hex(e.vector) from paths p join embeddings e on e.image_id = p.image_id
                    where e.encoder like 'mobilenet-%'" >"$T/stored.txt"
node -e '
const fs = require("fs");
const want = new Map(fs.readFileSync(process.argv[1], "utf8").trim().split("\n").map(l => JSON.parse(l)).map(o => [o.path, o.vector]));
const half = h => { const s = h >> 15 ? -1 : 1, e = (h >> 10) & 31, m = h & 1023;
    return e === 0 ? s * m * 2 ** -24 : e === 31 ? s * Infinity : s * (1 + m / 1024) * 2 ** (e - 15); };
let n = 0, worst = 0;
for (const line of fs.readFileSync(process.argv[2], "utf8").trim().split("\n")) {
    const [path, hex] = line.split("|"), v = want.get(path);
    if (!v) continue;
    n++;
    const b = Buffer.from(hex, "hex");
    for (let i = 0; i < v.length; i++) {
        const d = Math.abs(half(b.readUInt16LE(2 * i)) - v[i]) / Math.max(1, Math.abs(v[i]));
        if (d > worst) worst = d;
    }
}
console.log(n + " " + worst);' "$T/batch.jsonl" "$T/stored.txt" >"$T/batch.cmp"
read -r n_cmp worst <"$T/batch.cmp"
check "index stored all $((2 * ${#NAMES[@]})) images (two batches)" test "$n_cmp" = $((2 * ${#NAMES[@]}))
check "batched index vectors equal embed's within fp16 rounding (worst $worst ≤ 1e-3 relative)" \
    awk -v w="$worst" 'BEGIN { exit !(w <= 1e-3) }'
