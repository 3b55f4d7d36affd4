# cull's C ViT against a PyTorch reference written from the architecture's definition
# (tests/reference/vit_reference.py, Debian's python3-torch), on tiny random-weight models in the
# Hugging Face layout (config.json + model.safetensors): patch 16 and 32, quick_gelu and gelu, F32,
# F16 and BF16 files, vision-only and joint (text tower included, data in shuffled order) files,
# nested (CLIPModel) and flat configs, image sizes 224 and 64.
#
# Images are PNGs of random smooth fields plus noise, shortest side at most 256 so the decoder's
# preview is the image itself; the reference preprocesses them with its own numpy re-derivation of
# Pillow's bicubic resize (bit-exact with Pillow 9.4) + transformers' centre crop + CLIP mean/std,
# so sizes other than 224×224 check cull's preprocessing too, and 224×224 ones check the network
# alone. Pass: every embedding value within 1e-4 of the reference (float64) for every file type:
# F16/BF16 weights are widened to float32 by both sides, so the same tolerance applies; what the
# rounding to 16 bits itself changes is a property of the file, not of cull. These float32 claims
# run with CULL_PRECISION=f32; where oneDNN has a native bf16 kernel (AMX or AVX512-BF16), the bf16
# path (cull's default there) is then checked against the reference with the same roundings
# (vit_reference.py expect --bf16), on every ISA this CPU offers.
#
# Also: the id ("vit-" + 12 hex of model.safetensors' SHA-256) and its cached checksum, `cull index`
# with the model (fp16 storage: 1e-3 relative), damaged folders, the named encoders and the default.
# Skips (TAP "# SKIP") when /usr/bin/python3 lacks torch or numpy (apt install python3-torch).

. "$(dirname "$0")/../e2e_lib.sh"
REF=$(cd "$(dirname "$0")/../reference" && pwd)/vit_reference.py
PY=/usr/bin/python3
skip_all() { n_test=$((n_test + 1)); echo "ok $n_test - # SKIP $1"; exit 0; }
[ -x "$PY" ] && "$PY" -c 'import torch, numpy' 2>/dev/null || skip_all "/usr/bin/python3 has no torch/numpy (apt install python3-torch)"

# ---- images ----
"$PY" "$REF" images "$T/img" 224x224 300x240 240x300 100x150 256x1000 61x250 224x231 --seed 5
IMGS=("$T"/img/*.png)
check "reference wrote ${#IMGS[@]} test images" test "${#IMGS[@]}" -eq 7
"$PY" "$REF" images "$T/img64" 64x64 90x70 --seed 6

# ---- models: name, then vit_reference.py model options ----
MODELS=(
    "f32-p32-quick --hidden 64 --heads 4 --inter 128 --layers 2 --patch 32 --proj 32 --act quick_gelu --dtype F32 --nested"
    "f16-p16-gelu --hidden 48 --heads 3 --inter 96 --layers 2 --patch 16 --proj 24 --act gelu --dtype F16"
    "bf16-p32-gelu-joint --hidden 96 --heads 6 --inter 200 --layers 1 --patch 32 --proj 16 --act gelu --dtype BF16 --joint --shuffle --nested"
    "f32-p16-quick-deep --hidden 128 --heads 8 --inter 256 --layers 4 --patch 16 --proj 40 --act quick_gelu --dtype F32 --eps 1e-6"
    "f16-img64-joint --hidden 32 --heads 2 --inter 64 --layers 3 --image 64 --patch 16 --proj 8 --act quick_gelu --dtype F16 --joint --nested"
)
for spec in "${MODELS[@]}"; do
    set -- $spec
    name=$1; shift
    "$PY" "$REF" model "$T/models/$name" --seed "${#name}" "$@" || fail "write model $name"
done

export CULL_PRECISION=f32

compare() { # label, want.jsonl, got.jsonl, tolerance, [compare options]
    local line
    while IFS= read -r line; do
        case $line in
        "ok - "*) pass "${line#ok - }" ;;
        "not ok - "*) fail "${line#not ok - }" ;;
        esac
    done < <("$PY" "$REF" compare "$2" "$3" "$4" "${@:5}" --label "$1: ")
}

for spec in "${MODELS[@]}"; do
    set -- $spec
    name=$1
    dir=$T/models/$name
    imgs=("${IMGS[@]}")
    case $name in *img64*) imgs=("$T"/img64/*.png) ;; esac
    "$PY" "$REF" expect "$dir" "${imgs[@]}" >"$T/want-$name.jsonl" 2>"$T/ref.err" ||
        { fail "$name: reference ran" "$(tail -3 "$T/ref.err")"; continue; }
    "$CULL" embed --encoder "$dir" "${imgs[@]}" >"$T/got-$name.jsonl" 2>"$T/err"
    RC=$?
    if [ "$RC" -ne 0 ]; then fail "$name: cull embed" "exit $RC" "$(head -3 "$T/err")"; continue; fi
    compare "$name" "$T/want-$name.jsonl" "$T/got-$name.jsonl" 1e-4
done

# ---- bf16: against the reference rounded as cull rounds (each linear layer's input and weights
# to bf16, float32 sums). Random tiny networks are touchy: a value rounding the other way in one
# layer moves the next ones, so float32 instead of float64 sums alone move that reference by up to
# 1% of its largest value. Pass: within 2% of the largest value, and cosine ≥ 0.999 with the
# float64 reference (real CLIP weights: see the bench). Where oneDNN has no native bf16 kernel,
# asking for bf16 is an error and float32 is the default.
#
# Each path this CPU can take is run: oneDNN's best (AMX where there is one), then capped with
# ONEDNN_MAX_CPU_ISA at AVX512_CORE_BF16 (the path of AMD Zen 4/5 and Intel Cooper Lake, tested on
# an AMX machine too) and at AVX512_CORE (no native bf16: the float32 fallback).
imgs_of() { case $1 in *img64*) echo "$T"/img64/*.png ;; *) echo "${IMGS[@]}" ;; esac; }
bf16_checks() { # label; ONEDNN_MAX_CPU_ISA is set (or not) by the caller
    local label=$1 name dir imgs
    if CULL_PRECISION=bf16 "$CULL" embed --encoder "$T/models/f32-p32-quick" "${IMGS[0]}" >/dev/null 2>"$T/bf16.err"; then
        for spec in "${MODELS[@]}"; do
            set -- $spec
            name=$1 dir=$T/models/$1
            read -ra imgs <<<"$(imgs_of "$name")"
            [ -s "$T/want16-$name.jsonl" ] || "$PY" "$REF" expect --bf16 "$dir" "${imgs[@]}" >"$T/want16-$name.jsonl" 2>"$T/ref.err" ||
                { rm -f "$T/want16-$name.jsonl"; fail "$name bf16: reference ran" "$(tail -3 "$T/ref.err")"; continue; }
            CULL_PRECISION=bf16 "$CULL" embed --encoder "$dir" "${imgs[@]}" >"$T/got16-$name.jsonl" 2>"$T/err" ||
                { fail "$label: $name: CULL_PRECISION=bf16 cull embed" "$(head -3 "$T/err")"; continue; }
            compare "$label: $name bf16" "$T/want16-$name.jsonl" "$T/got16-$name.jsonl" 2e-2 --relative
            compare "$label: $name bf16 vs float64" "$T/want-$name.jsonl" "$T/got16-$name.jsonl" 1 --relative --min-cos 0.999
        done
        env -u CULL_PRECISION "$CULL" embed --encoder "$T/models/f32-p32-quick" "${IMGS[@]}" >"$T/auto.jsonl" 2>&1
        check "$label: native bf16 here, so bf16 is the default (CULL_PRECISION unset)" cmp -s "$T/auto.jsonl" "$T/got16-f32-p32-quick.jsonl"
    else
        check "$label: no native bf16 here: CULL_PRECISION=bf16 says why ($(head -1 "$T/bf16.err"))" \
            grep -q "need AMX or AVX512-BF16" "$T/bf16.err"
        env -u CULL_PRECISION "$CULL" embed --encoder "$T/models/f32-p32-quick" "${IMGS[@]}" >"$T/auto.jsonl" 2>&1
        check "$label: no native bf16 here, so float32 is the default (CULL_PRECISION unset)" \
            cmp -s "$T/auto.jsonl" "$T/got-f32-p32-quick.jsonl"
    fi
}
flags=$(grep -m1 '^flags' /proc/cpuinfo)
if [ -n "${ONEDNN_MAX_CPU_ISA:-}" ]; then
    bf16_checks "ONEDNN_MAX_CPU_ISA=$ONEDNN_MAX_CPU_ISA (from the caller)"
else
    bf16_checks "oneDNN's best ISA"
    case " $flags " in
    *" amx_bf16 "*) ONEDNN_MAX_CPU_ISA=AVX512_CORE_BF16 bf16_checks "ONEDNN_MAX_CPU_ISA=AVX512_CORE_BF16" ;;
    esac
    case " $flags " in
    *" avx512_bf16 "*) ONEDNN_MAX_CPU_ISA=AVX512_CORE bf16_checks "ONEDNN_MAX_CPU_ISA=AVX512_CORE" ;;
    esac
fi
CULL_PRECISION=f64 "$CULL" embed --encoder "$T/models/f32-p32-quick" "${IMGS[0]}" >/dev/null 2>"$T/err"
check "CULL_PRECISION=f64: refused with the values allowed" grep -q "expected auto, f32 or bf16" "$T/err"

# ---- the id: "vit-" + the first 12 hex digits of the weights' SHA-256, cached beside them ----
dir=$T/models/f32-p32-quick
sum=$(sha256sum "$dir/model.safetensors" | cut -c1-12)
id=$(sed -n '1s/.*"encoder":"\([^"]*\)".*/\1/p' "$T/got-f32-p32-quick.jsonl")
check "id is vit-<sha256 of model.safetensors> ($id)" test "$id" = "vit-$sum"
check "the checksum is cached in model.safetensors.sha256" grep -q "^sha256 $(sha256sum "$dir/model.safetensors" | cut -d' ' -f1) size " "$dir/model.safetensors.sha256"
# Same size, new bytes, new mtime: a new id (the cache is keyed by size + mtime).
cp -r "$dir" "$T/models/changed"
printf '\x42' | dd of="$T/models/changed/model.safetensors" bs=1 seek=$(($(stat -c %s "$dir/model.safetensors") - 1)) conv=notrunc 2>/dev/null
touch -d '2001-01-01' "$T/models/changed/model.safetensors"
run_cull embed --encoder "$T/models/changed" "${IMGS[0]}"
sum2=$(sha256sum "$T/models/changed/model.safetensors" | cut -c1-12)
expect_match "changed weights, same size: a new id" "$OUT" "\"encoder\":\"vit-$sum2\""
check "... and it differs from the old one" test "$sum2" != "$sum"

# ---- cull index with the model: the stored vectors (fp16) match the reference ----
run_cull index --quiet --jobs 2 --encoder "$dir" "$T/img"
expect_rc "cull index --encoder FOLDER --jobs 2" 0
sqlite3 "$CULL_DB" "SELECT p.path, hex(e.vector) FROM embeddings e JOIN paths p ON p.image_id = e.image_id
                    WHERE e.encoder = 'vit-$sum'" >"$T/stored.txt" 2>&1
"$PY" - "$T/stored.txt" "$T/want-f32-p32-quick.jsonl" <<'EOF' >"$T/stored.cmp" 2>&1
import json, sys, numpy as np
want = {r["path"]: np.array(r["vector"]) for r in map(json.loads, open(sys.argv[2]))}
bad, n = [], 0
for line in open(sys.argv[1]):
    path, hexv = line.rstrip("\n").rsplit("|", 1)
    got = np.frombuffer(bytes.fromhex(hexv), dtype="<f2").astype(np.float64)
    w = want[path]
    n += 1
    if len(got) != len(w) or np.abs(got - w).max() > 1e-3 * max(1, np.abs(w).max()):
        bad.append(path)
print(n, "stored,", len(bad), "off:", *bad)
sys.exit(1 if bad or n != len(want) else 0)
EOF
check "index stored every image's vector, each within fp16 rounding of the reference: $(cat "$T/stored.cmp")" test $? -eq 0

# ---- damaged folders: clear errors naming the file ----
cp -r "$dir" "$T/models/truncated"
truncate -s 5000 "$T/models/truncated/model.safetensors"
run_cull embed --encoder "$T/models/truncated" "${IMGS[0]}"
expect_rc "truncated weights: exit 1" 1
expect_match "... naming the file" "$ERR" "truncated/model.safetensors: (truncated|tensor)"
cp -r "$dir" "$T/models/badact"
sed -i 's/"quick_gelu"/"swish"/' "$T/models/badact/config.json"
run_cull embed --encoder "$T/models/badact" "${IMGS[0]}"
expect_match "unknown activation: named" "$ERR" "badact/config.json: hidden_act 'swish' is not supported"
cp -r "$dir" "$T/models/mismatch"
sed -i 's/"num_hidden_layers": 2/"num_hidden_layers": 3/' "$T/models/mismatch/config.json"
run_cull embed --encoder "$T/models/mismatch" "${IMGS[0]}"
expect_match "config with more layers than the file: the missing tensor named" "$ERR" "no tensor 'vision_model.encoder.layers.2"

mkdir -p "$T/models/noconfig" && cp "$dir/model.safetensors" "$T/models/noconfig/"
run_cull embed --encoder "$T/models/noconfig" "${IMGS[0]}"
expect_match "weights without config.json: says so (not a tfjs error)" "$ERR" "noconfig/config.json: No such file"

# ---- named encoders and the default ----
run_cull embed --encoder clip-vit-b32 "${IMGS[0]}"
expect_rc "clip-vit-b32 not installed: exit 1" 1
expect_match "... says how to get it" "$ERR" "clip-vit-b32: not installed.*cull model fetch clip-vit-b32"
mkdir -p "$XDG_DATA_HOME/cull/models"
cp -r "$dir" "$XDG_DATA_HOME/cull/models/clip-vit-b32"
run_cull embed "${IMGS[0]}"
expect_match "installed clip-vit-b32 is the default encoder" "$OUT" "\"encoder\":\"clip-vit-b32-$sum\""
run_cull embed --encoder laion-vit-b32 "${IMGS[0]}"
expect_match "laion-vit-b32 is a known name" "$ERR" "laion-vit-b32: not installed"
echo "1..$n_test"
