# cull's CLIP text tower and tokenizer (`cull embed --encoder DIR --text TEXT...`) against a
# PyTorch reference written from the architecture's definition (tests/reference/clip_text_reference.py:
# OpenAI's simple_tokenizer.py + Hugging Face's CLIPTextModelWithProjection, Debian's python3-torch),
# on tiny random-weight joint CLIP models in the Hugging Face layout (config.json with text_config,
# model.safetensors, vocab.json, merges.txt; the merges learnt by byte-level BPE on a small corpus),
# written by tests/reference/vit_reference.py model --joint.
#
# The texts are tests/reference/text_prompts.jsonl: case, contractions, digits, NFC and NFD accents,
# curly quotes, full width, ligatures, HTML entities (double-escaped, numeric edge cases, unknown
# names), whitespace of every kind, emoji, CJK, Cyrillic, Arabic, the special tokens written out,
# more than 77 tokens, the empty string, punctuation runs, what users type.
#
# Models vary the text tower's width (16..64), heads (1..8), layers (1..3), activation (quick_gelu,
# gelu), layer_norm_eps, file type (F32, F16, BF16), pooling (eos_token_id 2, the old configs: the
# largest id; or the endoftext id), with and without the I64 position_ids buffer, tensors in name
# order or shuffled, and the number of merges (50..400).
#
# Pass: for every model and every text, the 77 token ids exactly the reference's and every vector
# value within 1e-4 of the reference (float64; CULL_PRECISION=f32). Where oneDNN has a native bf16
# kernel, the bf16 path as in vit.sh: within 2% of the largest value of the reference rounded as
# cull rounds (clip_text_reference.py expect --bf16), and cosine ≥ 0.999 with the float64 one.
# Also: one text alone; vocab.json written with \uXXXX escapes; folders without a text tower,
# without merges.txt, with a damaged vocab.json or merges.txt: exit 1, the file named.
# Skips (TAP "# SKIP") when /usr/bin/python3 lacks torch or numpy.

. "$(dirname "$0")/../e2e_lib.sh"
HERE=$(cd "$(dirname "$0")/../reference" && pwd)
REF=$HERE/clip_text_reference.py
VIT=$HERE/vit_reference.py
PROMPTS=$HERE/text_prompts.jsonl
PY=/usr/bin/python3
skip_all() { n_test=$((n_test + 1)); echo "ok $n_test - # SKIP $1"; exit 0; }
[ -x "$PY" ] && "$PY" -c 'import torch, numpy' 2>/dev/null || skip_all "/usr/bin/python3 has no torch/numpy (apt install python3-torch)"

# The prompts as arguments: NUL-separated, so tabs, newlines and the empty string pass as they are.
mapfile -d '' TEXTS < <("$PY" "$REF" args "$PROMPTS")
check "read ${#TEXTS[@]} prompts from text_prompts.jsonl" test "${#TEXTS[@]}" -eq "$(grep -c . "$PROMPTS")" -a "${#TEXTS[@]}" -gt 40

# ---- models: name, then vit_reference.py model options (the vision tower small: 64 px, patch 16) ----
VISION="--hidden 32 --heads 2 --inter 64 --layers 1 --image 64 --patch 16"
MODELS=(
    "q32-f32-eos2 --proj 16 --dtype F32 --joint --text-hidden 32 --text-heads 4 --text-inter 64 --text-layers 2 --text-act quick_gelu --eos-id 2"
    "g48-f16-max --proj 24 --dtype F16 --joint --shuffle --text-hidden 48 --text-heads 3 --text-inter 96 --text-layers 1 --text-act gelu --eos-id max --no-position-ids --merges 200"
    "q64-bf16-deep --proj 32 --dtype BF16 --joint --text-hidden 64 --text-heads 8 --text-inter 160 --text-layers 3 --text-act quick_gelu --eos-id max --merges 400"
    "g16-f32-eps --proj 8 --dtype F32 --joint --text-hidden 16 --text-heads 1 --text-inter 48 --text-layers 2 --text-act gelu --text-eps 1e-6 --eos-id 2 --merges 50"
)
for spec in "${MODELS[@]}"; do
    set -- $spec
    name=$1; shift
    # shellcheck disable=SC2086
    "$PY" "$VIT" model "$T/models/$name" --seed "${#name}" $VISION "$@" || fail "write model $name"
done

export CULL_PRECISION=f32

compare() { # label, want.jsonl, got.jsonl, tolerance, [compare options]: one TAP line per text
    local line seen_bad=0 rc
    while IFS= read -r line; do
        case $line in
        "ok - "*) pass "${line#ok - }" ;;
        "not ok - "*) fail "${line#not ok - }"; seen_bad=1 ;;
        esac
    done < <("$PY" "$REF" compare "$2" "$3" "$4" "${@:5}" --label "$1: " 2>"$T/compare.err"; echo "rc $?" >"$T/compare.rc")
    rc=$(cut -d' ' -f2 "$T/compare.rc")
    [ "$rc" -ne 0 ] && [ "$seen_bad" -eq 0 ] && fail "$1: the comparison ran" "exit $rc" "$(tail -3 "$T/compare.err")"
    return 0
}

for spec in "${MODELS[@]}"; do
    set -- $spec
    name=$1
    dir=$T/models/$name
    "$PY" "$REF" expect "$dir" "$PROMPTS" >"$T/want-$name.jsonl" 2>"$T/ref.err" ||
        { fail "$name: reference ran" "$(tail -3 "$T/ref.err")"; continue; }
    "$CULL" embed --encoder "$dir" --text "${TEXTS[@]}" >"$T/got-$name.jsonl" 2>"$T/err"
    RC=$?
    if [ "$RC" -ne 0 ]; then fail "$name: cull embed --text (${#TEXTS[@]} texts)" "exit $RC" "$(head -3 "$T/err")"; continue; fi
    compare "$name" "$T/want-$name.jsonl" "$T/got-$name.jsonl" 1e-4
    ids=$(sed -n 's/.*"encoder": *"\([^"]*\)".*/\1/p' "$T/got-$name.jsonl" | sort | uniq -c)
    check "$name: every line names the encoder, the same one ($(echo $ids))" \
        test "$(printf '%s\n' "$ids" | grep -c .)" -eq 1 -a "$(awk '{ print $1 }' <<<"$ids")" -eq "${#TEXTS[@]}"
done

# One text alone (a batch of one) gives what it gives among the others.
dir=$T/models/q32-f32-eos2
"$CULL" embed --encoder "$dir" --text "${TEXTS[1]}" >"$T/one.jsonl" 2>"$T/err"
check "one text alone: one line" test "$(grep -c . "$T/one.jsonl")" -eq 1
sed -n 2p "$T/want-q32-f32-eos2.jsonl" >"$T/want-one.jsonl"
compare "q32-f32-eos2 alone" "$T/want-one.jsonl" "$T/one.jsonl" 1e-4

# The same vocabulary written as other writers do: every non-ASCII symbol as a \uXXXX escape,
# indented, keys in reverse order. Same model, so the same tokens and vectors.
cp -r "$dir" "$T/models/escaped"
"$PY" - "$T/models/escaped/vocab.json" <<'EOF' || fail "rewrite vocab.json"
import json, sys
v = json.load(open(sys.argv[1], encoding="utf-8"))
json.dump(dict(reversed(list(v.items()))), open(sys.argv[1], "w"), ensure_ascii=True, indent=2)
EOF
"$CULL" embed --encoder "$T/models/escaped" --text "${TEXTS[@]}" >"$T/got-escaped.jsonl" 2>"$T/err" ||
    fail "vocab.json with \\u escapes: cull embed --text" "$(head -3 "$T/err")"
compare "vocab.json with \\u escapes" "$T/want-q32-f32-eos2.jsonl" "$T/got-escaped.jsonl" 1e-4

# ---- bf16: as vit.sh (each linear layer's input and weights rounded to bf16, float32 sums):
# within 2% of the largest value of the reference rounded so, and cosine ≥ 0.999 with the float64
# one. Where oneDNN has no native bf16 kernel, asking for bf16 is an error and float32 the default.
# Each path this CPU can take is run: oneDNN's best, then capped at AVX512_CORE_BF16 (on AMX
# machines) and at AVX512_CORE (no native bf16: the float32 fallback).
bf16_checks() { # label; ONEDNN_MAX_CPU_ISA is set (or not) by the caller
    local label=$1 name dir
    if CULL_PRECISION=bf16 "$CULL" embed --encoder "$T/models/q32-f32-eos2" --text hi >/dev/null 2>"$T/bf16.err"; then
        for spec in "${MODELS[@]}"; do
            set -- $spec
            name=$1 dir=$T/models/$1
            [ -s "$T/want16-$name.jsonl" ] || "$PY" "$REF" expect --bf16 "$dir" "$PROMPTS" >"$T/want16-$name.jsonl" 2>"$T/ref.err" ||
                { rm -f "$T/want16-$name.jsonl"; fail "$name bf16: reference ran" "$(tail -3 "$T/ref.err")"; continue; }
            CULL_PRECISION=bf16 "$CULL" embed --encoder "$dir" --text "${TEXTS[@]}" >"$T/got16-$name.jsonl" 2>"$T/err" ||
                { fail "$label: $name: CULL_PRECISION=bf16 cull embed --text" "$(head -3 "$T/err")"; continue; }
            compare "$label: $name bf16" "$T/want16-$name.jsonl" "$T/got16-$name.jsonl" 2e-2 --relative
            compare "$label: $name bf16 vs float64" "$T/want-$name.jsonl" "$T/got16-$name.jsonl" 1 --relative --min-cos 0.999
        done
        env -u CULL_PRECISION "$CULL" embed --encoder "$T/models/q32-f32-eos2" --text "${TEXTS[@]}" >"$T/auto.jsonl" 2>&1
        check "$label: native bf16 here, so bf16 is the default (CULL_PRECISION unset)" cmp -s "$T/auto.jsonl" "$T/got16-q32-f32-eos2.jsonl"
    else
        check "$label: no native bf16 here: CULL_PRECISION=bf16 says why ($(head -1 "$T/bf16.err"))" \
            grep -q "need AMX or AVX512-BF16" "$T/bf16.err"
        env -u CULL_PRECISION "$CULL" embed --encoder "$T/models/q32-f32-eos2" --text "${TEXTS[@]}" >"$T/auto.jsonl" 2>&1
        check "$label: no native bf16 here, so float32 is the default (CULL_PRECISION unset)" \
            cmp -s "$T/auto.jsonl" "$T/got-q32-f32-eos2.jsonl"
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

# ---- folders that cannot embed text: exit 1, the reason and the file named ----
"$PY" "$VIT" model "$T/models/vision-flat" --seed 3 $VISION --proj 16 || fail "write model vision-flat"
run_cull embed --encoder "$T/models/vision-flat" --text hi
expect_rc "vision-only model (flat config): --text exits 1" 1
expect_match "... saying it has no text tower" "$ERR" "no text tower"
# A CLIPModel config.json (a text_config stub) over vision-only weights, as a fetch leaves it.
"$PY" "$VIT" model "$T/models/vision-nested" --seed 3 $VISION --proj 16 --nested || fail "write model vision-nested"
run_cull embed --encoder "$T/models/vision-nested" --text hi
expect_rc "vision-only weights, CLIPModel config: --text exits 1" 1
expect_match "... saying it has no text tower" "$ERR" "no text tower"

src=$T/models/q32-f32-eos2
broken() { rm -rf "$T/models/$1" && cp -r "$src" "$T/models/$1"; }

broken nomerges
rm "$T/models/nomerges/merges.txt"
run_cull embed --encoder "$T/models/nomerges" --text hi
expect_rc "joint model without merges.txt: exit 1" 1
expect_match "... naming merges.txt" "$ERR" "nomerges/merges\.txt"

broken novocab
rm "$T/models/novocab/vocab.json"
run_cull embed --encoder "$T/models/novocab" --text hi
expect_rc "joint model without vocab.json: exit 1" 1
expect_match "... naming vocab.json" "$ERR" "novocab/vocab\.json"

broken notjson
head -c 300 "$src/vocab.json" >"$T/models/notjson/vocab.json"
run_cull embed --encoder "$T/models/notjson" --text hi
expect_rc "vocab.json cut short (not JSON): exit 1" 1
expect_match "... naming vocab.json" "$ERR" "notjson/vocab\.json"

# The symbol of byte 0x00 (U+0100, id 188), which no text here uses: only a check at load notices.
broken nobyte
"$PY" - "$T/models/nobyte/vocab.json" <<'EOF' || fail "rewrite vocab.json"
import json, sys
v = json.load(open(sys.argv[1], encoding="utf-8"))
del v["\u0100"]
json.dump(v, open(sys.argv[1], "w", encoding="utf-8"), ensure_ascii=False)
EOF
run_cull embed --encoder "$T/models/nobyte" --text hi
expect_rc "vocab.json missing a byte's symbol: exit 1" 1
expect_match "... naming vocab.json" "$ERR" "nobyte/vocab\.json"

# A merge whose result ("\u0100\u0101", bytes 0x00 0x01) is not in vocab.json: no text here uses it.
broken badmerge
printf '\xc4\x80 \xc4\x81\n' >>"$T/models/badmerge/merges.txt"
run_cull embed --encoder "$T/models/badmerge" --text hi
expect_rc "merges.txt with a merge whose result is not in vocab.json: exit 1" 1
expect_match "... naming the file (merges.txt or vocab.json)" "$ERR" "badmerge/(merges\.txt|vocab\.json)"

echo "1..$n_test"
