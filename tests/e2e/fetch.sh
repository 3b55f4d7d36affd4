# `cull model fetch` for the ViT models, the real download code (libcurl) against a stand-in for
# the Hugging Face hub on 127.0.0.1 (tests/e2e/hf_server.py, CULL_HF_ENDPOINT): a hub-like 302 to a
# CDN with X-Linked-Size / X-Linked-Etag, range requests, and modes that misbehave.
#
#   - a vision-only checkpoint: downloaded whole, size + SHA-256 checked, installed, loads, embeds
#   - a joint CLIP checkpoint (text + vision): each tower fetched by range requests into its own
#     file (model.safetensors: exactly the vision tensors; text_model.safetensors: the text ones),
#     no tensor byte twice, plus vocab.json and merges.txt; images and texts embed exactly as with
#     the joint folder itself
#   - an install from before cull read text (vision tower only): `model fetch` adds the text tower,
#     keeps model.safetensors (same bytes, same encoder id) and downloads no vision byte; words
#     before that say how to add it
#   - a vision-only checkpoint: installed for images only, said so, and counted as intact
#   - a connection dropped mid-file: resumed with a Range request, no byte twice, same SHA-256
#   - a run that gives up (every attempt dropped), then a new run: continues from the partial file
#   - a corrupted byte: SHA-256 mismatch, refused, nothing installed
#   - a server with no checksum: size-only, said so; a 503 at first: retried
#   - offline (nothing listening), HTTP 404, an unknown name: clear errors
#   - already installed and intact: nothing fetched; --force fetches again
# Skips when /usr/bin/python3 lacks numpy (the model writer) or this cull's `model fetch` does not
# know the ViT models.

. "$(dirname "$0")/../e2e_lib.sh"
HERE=$(cd "$(dirname "$0")" && pwd)
REF=$HERE/../reference/vit_reference.py
PY=/usr/bin/python3
skip_all() { n_test=$((n_test + 1)); echo "ok $n_test - # SKIP $1"; exit 0; }
[ -x "$PY" ] && "$PY" -c 'import numpy' 2>/dev/null || skip_all "/usr/bin/python3 has no numpy"
export CULL_MODELS=$T/models CULL_HTTP_BACKOFF_MS=20
HUB=$T/hub
B32=openai/clip-vit-base-patch32 B16=openai/clip-vit-base-patch16 LAION=laion/CLIP-ViT-B-32-laion2B-s34B-b79K
"$PY" "$REF" model "$HUB/$B16" --hidden 64 --heads 4 --inter 128 --layers 2 --patch 16 --proj 32 --dtype F32 --seed 1
"$PY" "$REF" model "$HUB/$B32" --hidden 64 --heads 4 --inter 128 --layers 2 --patch 32 --proj 32 --dtype F16 --joint --nested --seed 2
"$PY" "$REF" model "$HUB/$LAION" --hidden 48 --heads 4 --inter 96 --layers 1 --patch 32 --proj 16 --act gelu --dtype F32 --joint --shuffle --nested --seed 3
"$PY" "$REF" images "$T/img" 224x224 300x240 --seed 4

SERVER_PID=
start_server() { # mode options...
    stop_server
    rm -f "$T/port" "$T/log"
    "$PY" "$HERE/hf_server.py" "$HUB" --port-file "$T/port" --log "$T/log" "$@" 2>"$T/server.err" &
    SERVER_PID=$!
    for _ in $(seq 100); do [ -s "$T/port" ] && break; sleep 0.05; done
    export CULL_HF_ENDPOINT=http://127.0.0.1:$(cat "$T/port")
}
stop_server() {
    [ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null && wait "$SERVER_PID" 2>/dev/null
    SERVER_PID=
}
trap 'stop_server; chmod -R u+rwx "$T" 2>/dev/null; rm -rf "$T"' EXIT

# bytes the CDN sent for model.safetensors in the log so far
cdn_bytes() { awk '$2 ~ /^\/cdn\/.*model.safetensors$/ { s += $5 } END { print s + 0 }' "$T/log"; }

start_server
run_cull model fetch clip-vit-b32
if [ "$RC" -ne 0 ] && printf '%s' "$ERR" | grep -q "unknown model 'clip-vit-b32'"; then
    skip_all "this cull's \`model fetch\` does not know the ViT models (src/fetch/model_fetch.c)"
fi

# ---- a joint checkpoint: each tower into its own file ----
expect_rc "fetch clip-vit-b32 (joint checkpoint)" 0
expect_match "... says it fetches the vision tower by itself" "$ERR" "joint checkpoint.*only the vision tower, 40 of 79 tensors"
expect_match "... and the text tower by itself" "$ERR" "joint checkpoint.*only the text tower, 39 of 79 tensors"
D=$CULL_MODELS/clip-vit-b32
full=$(stat -c %s "$HUB/$B32/model.safetensors")
header=$("$PY" -c 'import struct,sys; print(8 + struct.unpack("<Q", open(sys.argv[1],"rb").read(8))[0])' "$HUB/$B32/model.safetensors")
check "installed: config.json, model.safetensors, text_model.safetensors, vocab.json, merges.txt" \
    test -s "$D/config.json" -a -s "$D/model.safetensors" -a -s "$D/text_model.safetensors" -a -s "$D/vocab.json" -a -s "$D/merges.txt"
check "the tokenizer files are the hub's" cmp -s "$D/vocab.json" "$HUB/$B32/vocab.json"
check "no tensor byte twice: the CDN sent $(cdn_bytes) for the $full-byte file, its header ($header) read once per tower" \
    test "$(cdn_bytes)" -le $((full + header))
check "ranged requests only (every CDN answer a 206)" test -z "$(awk '$2 ~ /^\/cdn\// && $4 != 206' "$T/log")"
"$PY" - "$D/model.safetensors" <<'EOF' >"$T/names" 2>&1
import json, struct, sys
d = open(sys.argv[1], "rb").read()
(n,) = struct.unpack("<Q", d[:8])
h = json.loads(d[8:8 + n])
ends = sorted(e["data_offsets"] for k, e in h.items() if k != "__metadata__")
assert n % 8 == 0 and ends[0][0] == 0 and all(a[1] == b[0] for a, b in zip(ends, ends[1:])), "gaps"
assert 8 + n + ends[-1][1] == len(d), "size"
print(len(h), all(k.startswith("vision_model.") or k == "visual_projection.weight" for k in h))
EOF
check "the written file: 40 tensors, all vision, contiguous, sized exactly ($(cat "$T/names"))" grep -qx "40 True" "$T/names"
"$CULL" embed --encoder "$HUB/$B32" "$T"/img/*.png | sed 's/"encoder":"[^"]*",//' >"$T/joint.jsonl"
"$CULL" embed --encoder clip-vit-b32 "$T"/img/*.png >"$T/fetched.jsonl"
sed 's/"encoder":"[^"]*",//' "$T/fetched.jsonl" >"$T/fetched.cmp"
check "the vision-only file embeds exactly as the joint checkpoint" cmp -s "$T/joint.jsonl" "$T/fetched.cmp"
TEXTS=("a photo of a cat" "it's a SCREENSHOT &amp; more" "")
"$CULL" embed --encoder "$HUB/$B32" --text "${TEXTS[@]}" | sed 's/"encoder":"[^"]*",//' >"$T/joint-text.jsonl"
"$CULL" embed --encoder clip-vit-b32 --text "${TEXTS[@]}" >"$T/fetched-text.jsonl"
sed 's/"encoder":"[^"]*",//' "$T/fetched-text.jsonl" >"$T/fetched-text.cmp"
check "the fetched text tower embeds texts ($(wc -l <"$T/fetched-text.cmp") lines)" test "$(wc -l <"$T/fetched-text.cmp")" = 3
check "... exactly as the joint checkpoint (same tokens and vectors)" cmp -s "$T/joint-text.jsonl" "$T/fetched-text.cmp"
check "... and texts carry the image encoder's id" \
    test "$(grep -o '"encoder":"[^"]*"' "$T/fetched-text.jsonl" | sort -u)" = "$(grep -o '"encoder":"[^"]*"' "$T/fetched.jsonl" | sort -u)"
check "id clip-vit-b32-<sha256 of the written file>" grep -q "\"encoder\":\"clip-vit-b32-$(sha256sum "$D/model.safetensors" | cut -c1-12)\"" "$T/fetched.jsonl"
check "the fetch left the checksum cached (no rehash on first use)" test -s "$D/model.safetensors.sha256"
check "provenance recorded in fetched.json" grep -q '"vision_tower_only": true' "$D/fetched.json"
check "... the text tower's too" grep -q '"text_tower": {' "$D/fetched.json"
check "no staging folder left" test ! -e "$CULL_MODELS/.tmp-clip-vit-b32"
run_cull model list
expect_match "model list shows the ViT as installed and verified" "$OUT" "^clip-vit-b32 .*\(safetensors\) +verified"

# ---- an install from before cull read text: the text tower is added, the vision tower kept ----
id_before=$(sha256sum "$D/model.safetensors")
rm "$D/text_model.safetensors" "$D/vocab.json" "$D/merges.txt"
"$PY" -c 'import json, sys
d = json.load(open(sys.argv[1])); del d["text_tower"]; json.dump(d, open(sys.argv[1], "w"), indent=2)' "$D/fetched.json"
run_cull model list
expect_match "model list: a vision-only install is verified, images only, and says how to add the text tower" "$OUT" \
    "^clip-vit-b32 .*verified, images only \(cull model fetch NAME adds the text tower\)"
run_cull embed --encoder clip-vit-b32 "$T"/img/*.png
check "... and it still embeds images" test "$RC" = 0
run_cull embed --encoder clip-vit-b32 --text "a cat"
expect_rc "words with a vision-only install: exit 1" 1
expect_match "... says the text tower is missing and how to add it" "$ERR" "clip-vit-b32: no text tower in .*run .cull model fetch clip-vit-b32. to add it"
: >"$T/log"
run_cull model fetch clip-vit-b32
expect_rc "model fetch completes a vision-only install" 0
expect_match "... saying it adds the text tower" "$ERR" "has no text tower yet: adding it"
expect_match "... and keeps the vision tower" "$ERR" "vision tower installed is from this very file: kept"
check "... model.safetensors unchanged (the encoder id and every embedding stay valid)" \
    test "$(sha256sum "$D/model.safetensors")" = "$id_before"
check "... no vision byte downloaded: the CDN sent $(cdn_bytes), at most the text tower + header" \
    test "$(cdn_bytes)" -le $(($(stat -c %s "$D/text_model.safetensors") + header))
"$CULL" embed --encoder clip-vit-b32 --text "${TEXTS[@]}" | sed 's/"encoder":"[^"]*",//' >"$T/added-text.jsonl"
check "... and texts embed as before" cmp -s "$T/joint-text.jsonl" "$T/added-text.jsonl"

# ---- installed and intact: nothing to do; --force fetches again ----
: >"$T/log"
run_cull model fetch clip-vit-b32
expect_match "already installed: nothing to do" "$ERR" "installed in .* and intact; nothing to do"
check "... and nothing was downloaded" test ! -s "$T/log"
# Another fetch holds the models folder: this one stops at once and says why.
flock "$CULL_MODELS" "$CULL" model fetch --force clip-vit-b32 >"$T/out" 2>"$T/err"
RC=$?; ERR=$(cat "$T/err")
expect_rc "a fetch while another holds the models folder fails" 1
expect_match "... and says another cull is fetching" "$ERR" "another cull is fetching a model into .*models right now"
check "... the installed copy still loads" test -s "$CULL_MODELS/clip-vit-b32/model.safetensors"
run_cull model fetch --force clip-vit-b32
expect_rc "--force fetches again" 0
check "... downloading again" test -s "$T/log"

# ---- a vision-only checkpoint, dropped twice mid-file: resumed ----
start_server --drop-after 100000 --drop-count 2
run_cull model fetch clip-vit-b16
expect_rc "fetch clip-vit-b16 with the connection dropped twice" 0
expect_match "... the drops were retried" "$ERR" "retrying in"
check "... resumed with Range requests at 100000 and 200000" \
    grep -q "model.safetensors bytes=200000-" "$T/log"
size=$(stat -c %s "$HUB/$B16/model.safetensors")
header16=$("$PY" -c 'import struct,sys; print(8 + struct.unpack("<Q", open(sys.argv[1],"rb").read(8))[0])' "$HUB/$B16/model.safetensors")
check "... no byte fetched twice (CDN sent $(cdn_bytes) for the $size-byte file; its header read once more, looking for a text tower)" \
    test "$(cdn_bytes)" -le $((size + 2 * header16))
check "... the file is identical to the hub's" cmp -s "$HUB/$B16/model.safetensors" "$CULL_MODELS/clip-vit-b16/model.safetensors"
expect_match "... and its SHA-256 matched the hub's" "$ERR" "matches the hub"
expect_match "... a checkpoint without a text tower: images only, said so" "$ERR" "no text tower: images only"
check "... recorded, so the install counts as whole" grep -q '"text_tower": null' "$CULL_MODELS/clip-vit-b16/fetched.json"
run_cull model fetch clip-vit-b16
expect_match "... and a second fetch has nothing to do" "$ERR" "installed in .* and intact; nothing to do"

# ---- a run that gives up, then another: continues from the partial file ----
rm -rf "$CULL_MODELS/clip-vit-b16"
start_server --drop-after 20000 --drop-count 1000
run_cull model fetch clip-vit-b16
expect_rc "every attempt dropped: gives up, exit 1" 1
part=$CULL_MODELS/.tmp-clip-vit-b16/model.safetensors.part
have=$(stat -c %s "$part" 2>/dev/null || echo 0)
check "... keeping the $have bytes it got" test "$have" -ge 100000
start_server
run_cull model fetch clip-vit-b16
expect_rc "the next run completes" 0
expect_match "... resuming" "$ERR" "resuming after"
check "... from byte $have" grep -q "model.safetensors bytes=$have-" "$T/log"
check "... the file is identical to the hub's" cmp -s "$HUB/$B16/model.safetensors" "$CULL_MODELS/clip-vit-b16/model.safetensors"

# ---- the joint checkpoint's extraction interrupted and resumed ----
start_server --drop-after 30000 --drop-count 1000
run_cull model fetch laion-vit-b32
expect_rc "laion-vit-b32 (joint, shuffled): every attempt dropped: exit 1" 1
start_server --drop-after 50000 --drop-count 1
run_cull model fetch laion-vit-b32
expect_rc "... the next run completes (dropped once more on the way)" 0
"$CULL" embed --encoder "$HUB/$LAION" "$T"/img/*.png | sed 's/"encoder":"[^"]*",//' >"$T/joint2.jsonl"
"$CULL" embed --encoder laion-vit-b32 "$T"/img/*.png | sed 's/"encoder":"[^"]*",//' >"$T/fetched2.jsonl"
check "... and embeds exactly as the joint checkpoint (gelu, tensors stored out of order)" cmp -s "$T/joint2.jsonl" "$T/fetched2.jsonl"

# ---- a corrupted byte: refused ----
rm -rf "$CULL_MODELS/clip-vit-b16"
start_server --corrupt-at 5000
run_cull model fetch clip-vit-b16
expect_rc "a corrupted byte: exit 1" 1
expect_match "... SHA-256 mismatch, refused" "$ERR" "SHA-256 mismatch.*refused"
check "... nothing installed" test ! -e "$CULL_MODELS/clip-vit-b16"
start_server
run_cull model fetch clip-vit-b16
expect_rc "... the next run starts over and succeeds" 0

# ---- a server without checksums; a busy server ----
rm -rf "$CULL_MODELS/clip-vit-b16"
start_server --no-sha --fail-first 2
run_cull model fetch clip-vit-b16
expect_rc "503 twice, then no X-Linked-Etag: fetched" 0
expect_match "... the 503s were retried" "$ERR" "HTTP 503; retrying"
expect_match "... and it says only the size was checked" "$ERR" "no SHA-256 .* only its size is checked"

# ---- failures that must be clear ----
stop_server
export CULL_HF_ENDPOINT=http://127.0.0.1:9   # nothing listens on the discard port
rm -rf "$CULL_MODELS/clip-vit-b16"
run_cull model fetch clip-vit-b16
expect_rc "offline: exit 1" 1
expect_match "... says it cannot connect" "$ERR" "cannot connect to .*Offline"
start_server
mv "$HUB/$B16/model.safetensors" "$T/moved"
run_cull model fetch clip-vit-b16
expect_match "HTTP 404: says no such file" "$ERR" "HTTP 404"
mv "$T/moved" "$HUB/$B16/model.safetensors"
check "nothing installed after failures" test ! -e "$CULL_MODELS/clip-vit-b16"
run_cull model fetch clip-vit-b99
expect_rc "unknown name: usage error" 2
stop_server
echo "1..$n_test"
