# `cull prompt` and the zero-shot start: prompts stored in the library (add, list, remove, their
# errors), rank scoring by them while there are too few labels (P(delete) and order checked against
# the PyTorch reference: softmax of the checkpoint's logit scale × the best delete and best keep
# prompt cosines), the switch to a trained model once there are labels, and the review page's
# words: the prompts and the zero-shot state in /api/state, the search queue in /api/queue, and in a
# real browser the search box (tests/browser/words.test.mjs) when chromium is set up.
#
# The model is a tiny random-weight joint CLIP checkpoint written by tests/reference/vit_reference.py;
# real-weight quality cannot be measured without the real weights (see the README).
# Skips (TAP "# SKIP") when /usr/bin/python3 lacks torch or numpy (apt install python3-torch).

. "$(dirname "$0")/../e2e_lib.sh"
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
REF_DIR=$ROOT/tests/reference
PY=/usr/bin/python3
export XDG_CACHE_HOME="$T/cache"
PID=""
stop_server() { [ -n "$PID" ] && kill "$PID" 2>/dev/null && wait "$PID" 2>/dev/null; PID=""; }
trap 'stop_server; chmod -R u+rwx "$T" 2>/dev/null; rm -rf "$T"' EXIT
skip_all() { n_test=$((n_test + 1)); echo "ok $n_test - # SKIP $1"; exit 0; }
export CULL_PRECISION=f32

# ---- the prompts themselves (no model needed) ----
run_cull prompt list
expect_rc "prompt list without a library: exit 1" 1
check "... and no library is created" test ! -e "$CULL_DB"
run_cull prompt add delete "a screenshot of a chat" "a photo of a receipt"
expect_rc "prompt add delete TEXT TEXT: exit 0 (creates the library)" 0
check "... prints each new prompt's number" test "$OUT" = "$(printf '1\tdelete\ta screenshot of a chat\n2\tdelete\ta photo of a receipt')"
run_cull prompt add keep "a photo of my family"
run_cull prompt list
check "prompt list: N<TAB>keep|delete<TAB>TEXT, oldest first" \
    test "$OUT" = "$(printf '1\tdelete\ta screenshot of a chat\n2\tdelete\ta photo of a receipt\n3\tkeep\ta photo of my family')"
run_cull prompt list --format json
check "--format json: id, label, text, added" test "$(printf '%s' "$OUT" | jq -c '[.[] | [.id, .label, .text, (.added > 0)]]')" = \
    '[[1,"delete","a screenshot of a chat",true],[2,"delete","a photo of a receipt",true],[3,"keep","a photo of my family",true]]'
run_cull prompt add maybe "x"
expect_rc "a side other than keep|delete: usage error" 2
run_cull prompt add delete
expect_rc "no TEXT: usage error" 2
run_cull prompt add delete "   "
expect_rc "a TEXT with nothing in it: exit 1" 1
expect_match "... saying so" "$ERR" "says nothing"
run_cull prompt add delete "$(printf 'bad \377')"
expect_match "a TEXT that is not UTF-8: refused, saying so" "$ERR" "not valid UTF-8"
run_cull prompt add delete "$(printf 'a tab\there')"
run_cull prompt list
check "a tab in a prompt is quoted in the list, as paths are" grep -qF '"a tab\there"' "$T/out"
run_cull prompt remove 4
run_cull prompt add delete "a meme"
check "a prompt number is never reused (the removed 4 stays unused: 5)" test "$(cut -f1 "$T/out")" = 5
run_cull prompt remove 5
run_cull prompt remove 9 x
expect_rc "remove a non-number: usage error" 2
run_cull prompt remove 9
expect_rc "remove a prompt that is not there: exit 1" 1
expect_match "... naming it" "$ERR" "there is no prompt 9"
run_cull status
expect_match "status counts the prompts" "$OUT" "^prompts: 1 keep, 2 delete \(cull prompt list\)"
run_cull status --format json
check "... and so does its JSON" test "$(printf '%s' "$OUT" | jq -c .prompts)" = '{"keep":1,"delete":2}'
run_cull prompt remove 2
expect_rc "remove 2: exit 0" 0
run_cull prompt list
check "... it is gone, the others keep their numbers" \
    test "$(cut -f1 "$T/out" | tr '\n' ' ')" = "1 3 "

[ -x "$PY" ] && "$PY" -c 'import torch, numpy' 2>/dev/null || skip_all "/usr/bin/python3 has no torch/numpy (apt install python3-torch)"

# ---- zero-shot rank against the reference ----
M=$T/model
"$PY" "$REF_DIR/vit_reference.py" model "$M" --hidden 64 --heads 4 --inter 128 --layers 2 --patch 32 --proj 32 \
    --joint --nested --text-hidden 32 --text-heads 4 --text-layers 2 --seed 21
"$PY" "$REF_DIR/vit_reference.py" images "$T/img" 224x224 300x240 240x300 100x150 256x256 230x224 224x260 250x250 --seed 22
run_cull index --quiet --encoder "$M" "$T/img"
expect_rc "index 8 images with the model" 0
run_cull rank --encoder "$M"
expect_rc "rank with prompts and no labels: exit 0" 0
expect_match "... says it scores by the prompts" "$ERR" "too few labels to train: scoring by your 1 keep and 1 delete prompts instead \(zero-shot"
printf '%s\n' "$OUT" >"$T/got.tsv"
"$CULL" prompt list --format json | jq -c '.[] | .text' >"$T/prompts.jsonl"
"$CULL" prompt list --format json | jq -r '.[] | .label' >"$T/sides"
"$PY" "$REF_DIR/vit_reference.py" expect "$M" "$T"/img/*.png >"$T/img.jsonl"
"$PY" "$REF_DIR/clip_text_reference.py" expect "$M" "$T/prompts.jsonl" >"$T/text.jsonl"
"$PY" - "$T/img.jsonl" "$T/text.jsonl" "$T/sides" "$M/model.safetensors" "$T/got.tsv" <<'EOF' >"$T/cmp" 2>&1
import json, math, struct, sys, numpy as np
imgs = [json.loads(l) for l in open(sys.argv[1])]
texts = [np.array(json.loads(l)["vector"]) for l in open(sys.argv[2])]
sides = open(sys.argv[3]).read().split()
d = open(sys.argv[4], "rb").read()
(n,) = struct.unpack("<Q", d[:8]); h = json.loads(d[8:8 + n]); e = h["logit_scale"]
raw = d[8 + n + e["data_offsets"][0]:8 + n + e["data_offsets"][1]]
scale = math.exp(struct.unpack("<f", raw)[0]) if e["dtype"] == "F32" else None
want = {}
for r in imgs:
    v = np.array(r["vector"]); v /= np.linalg.norm(v)
    c = [float(v @ (t / np.linalg.norm(t))) for t in texts]
    best = {s: max(ci for ci, si in zip(c, sides) if si == s) for s in ("keep", "delete")}
    want[r["path"]] = 1 / (1 + math.exp(scale * (best["keep"] - best["delete"])))
got = [(float(p), path) for p, path in (l.rstrip("\n").split("\t", 1) for l in open(sys.argv[5]) if l.strip())]
assert sorted(p for _, p in got) == sorted(want), "paths differ"
worst = max(abs(p - want[path]) for p, path in got)
assert worst < 2e-3, f"P(delete) off by {worst:.1e}"
for (p1, a), (p2, b) in zip(got, got[1:]):
    assert want[a] >= want[b] - 2e-3, f"{b} ({want[b]:.4f}) after {a} ({want[a]:.4f})"
print(f"{len(got)} images, P(delete) within {worst:.1e} of the reference (scale {scale:.2f}), most likely delete first")
EOF
check "rank's zero-shot P(delete) and order match the reference: $(cat "$T/cmp")" grep -q "most likely delete first" "$T/cmp"
run_cull rank --encoder "$M" --format json --explain
expect_rc "--explain with a zero-shot ranking: exit 1" 1
expect_match "... saying it needs labels" "$ERR" "--explain needs a model trained on labels"
run_cull prompt remove 3
run_cull rank --encoder "$M"
expect_rc "prompts of one side only: exit 1" 1
expect_match "... saying a keep prompt is needed" "$ERR" "say only what you delete.*cull prompt add keep TEXT"
run_cull rank --encoder lite
expect_rc "prompts with an image-only encoder: exit 1" 1
run_cull prompt remove 1
run_cull rank --encoder "$M"
expect_match "no prompts, no labels: the error says prompts can stand in" "$ERR" "too few labels.*cull prompt add delete"
"$CULL" prompt add keep "a photo of my family" >/dev/null
"$CULL" prompt add delete "a screenshot of a chat" >/dev/null

# ---- with labels, the trained model takes over ----
set -- "$T"/img/*.png
"$CULL" label keep "$1" "$2" "$3" >/dev/null 2>&1
"$CULL" label delete "$4" "$5" "$6" >/dev/null 2>&1
run_cull rank --encoder "$M"
expect_rc "rank with enough labels: exit 0" 0
check "... scores by the model trained on them, not the prompts" sh -c '! grep -q "zero-shot" "$1"' - "$T/err"

# ---- with labels, each prompt's cosine is a feature, and train says what the prompts changed ----
model_json() { sqlite3 "$CULL_DB" "select model from models order by id desc limit 1"; }
run_cull train --encoder "$M" --model logreg
expect_rc "train with labels and prompts: exit 0" 0
expect_match "train says the prompts joined the features" "$OUT" "^prompts: 2 \(1 keep, 1 delete\) are features: each image's cosine with each prompt's words"
expect_match "... and what they changed in cross-validation" "$OUT" "prompts changed logistic regression's ROC-AUC from [0-9.]+ to [0-9.]+"
run_cull status
expect_match "status: the model's prompts" "$OUT" "model trained .* on 3 keep \+ 3 delete with 2 prompts$"
run_cull status --format json
check "... and in its JSON" jqe '[.embeddings[].model | select(. != null) | .prompts] | index(2) != null' <<<"$OUT"
model_json >"$T/model.json"
check "the stored model holds the prompts (number, side, words) in the library's order" \
    test "$(jq -c '[.prompts[] | [.id, .label, .text]]' "$T/model.json")" = \
    "$("$CULL" prompt list --format json | jq -c '[.[] | [.id, .label, .text]]')"
check "... and the cosine-free figure beside the one with them" \
    jqe '(.selection.auc_without_prompts | type) == "number"' "$T/model.json"
run_cull report --encoder "$M" -o "$T/report.html"
expect_rc "report on a model with prompts: exit 0" 0
changed=$("$CULL" train --encoder "$M" --model logreg 2>/dev/null | sed -n 's/.*ROC-AUC from \([0-9.]*\) to \([0-9.]*\)$/\1 \2/p')
check "the report says what the prompts changed, as train does ($changed)" \
    grep -q "from <b id=\"auc-without-prompts\">${changed% *}</b> to <b id=\"auc-with-prompts\">${changed#* }</b>" "$T/report.html"
check "... and lists each prompt with its number and side" \
    test "$(grep -o '<div class="prompt">[0-9]* <span class="lab-[a-z]*">[a-z]*</span> [^<]*</div>' "$T/report.html" |
            sed 's/<div class="prompt">\([0-9]*\) <span[^>]*>\([a-z]*\)<\/span> \(.*\)<\/div>/\1 \2 \3/')" = \
    "$("$CULL" prompt list --format json | jq -r '.[] | "\(.id) \(.label) \(.text)"')"
"$CULL" prompt list --format json | jq -c '.[] | .text' >"$T/prompts2.jsonl"
"$PY" "$REF_DIR/clip_text_reference.py" expect "$M" "$T/prompts2.jsonl" >"$T/text2.jsonl"
"$PY" - "$T/model.json" "$T/text2.jsonl" <<'EOF' >"$T/cmp2" 2>&1
import json, sys, numpy as np
m = json.load(open(sys.argv[1]))
want = [np.array(json.loads(l)["vector"]) for l in open(sys.argv[2])]
got = [np.array(p["vector"]) for p in m["prompts"]]
assert len(got) == len(want) == 2, (len(got), len(want))
worst = max(float(np.abs(g - w / np.linalg.norm(w)).max()) for g, w in zip(got, want))
assert worst < 1e-4, f"prompt vectors off by {worst:.1e}"
assert m["dim"] == m["embed_dim"] + 29 + 2 + 256, m["dim"]
print(f"its prompt vectors are the reference's unit text vectors within {worst:.1e}")
EOF
check "... $(cat "$T/cmp2")" grep -q "within" "$T/cmp2"
run_cull explain --encoder "$M" --format json "$7"
OUT=$(printf '%s' "$OUT" | jq -c '.[0]')
check "explain: a term per prompt, with its number, side and words" \
    test "$(printf '%s' "$OUT" | jq -c '[.contributions[] | select(.kind == "prompt") | [.prompt, .side, .text]] | sort')" = \
    "$("$CULL" prompt list --format json | jq -c '[.[] | [.id, .label, .text]] | sort')"
check "... and with them the terms still add up to the log-odds" \
    jqe '(([.contributions[].value] | add) - .log_odds | fabs) < 1e-6' <<<"$OUT"
run_cull explain --encoder "$M" "$7"
expect_match "explain's text names the prompt" "$OUT" "likeness to prompt [0-9]+ \(delete\): a screenshot of a chat"

"$CULL" prompt add delete "a photo of a receipt" >/dev/null
run_cull rank --encoder "$M"
expect_match "a prompt added: the model is stale, rank retrains and says why" "$ERR" \
    "labels or prompts changed since the model was trained: retrained"
check "... and the new model has the new prompt" test "$(model_json | jq '.prompts | length')" = 3

# The prompts the model holds need no text tower to retrain; a new one does, and train says so.
model_json | jq -c '[.prompts[].vector]' >"$T/vectors"
mv "$M/vocab.json" "$M/vocab.away"
"$CULL" label keep "$7" >/dev/null 2>&1
run_cull rank --encoder "$M"
expect_rc "labels changed, the text tower unreadable: rank retrains all the same" 0
check "... keeping the prompts' vectors from the model before" \
    test "$(model_json | jq -c '[.prompts[].vector]')" = "$(cat "$T/vectors")"
"$CULL" prompt add keep "a landscape" >/dev/null
landscape=$("$CULL" prompt list --format json | jq '.[] | select(.text == "a landscape") | .id')
run_cull train --encoder "$M"
expect_rc "a prompt the model has not met, no text tower: train still trains" 0
expect_match "... with the prompts it has vectors for" "$OUT" "^prompts: 3 \(1 keep, 2 delete\) are features"
expect_match "... and names the one left out, and why" "$OUT" \
    "^prompts left out of the model: prompt $landscape \(no vector yet: .*vocab"
check "... which the model lacks" test "$(model_json | jq -c '[.prompts[].text] | index("a landscape")')" = null
run_cull status
expect_match "status: the model leaves a prompt out" "$OUT" "with 3 prompts \(1 of the library's prompts left out: cull train says why\)"
"$CULL" label delete "$8" >/dev/null 2>&1
run_cull rank --encoder "$M"
expect_match "a retrain by rank names the prompt left out too" "$ERR" "^cull: prompts left out of the model: prompt $landscape"
mv "$M/vocab.away" "$M/vocab.json"
run_cull train --encoder "$M"
expect_match "the text tower back: train has every prompt again" "$OUT" "^prompts: 4 \(2 keep, 2 delete\) are features"
run_cull train --encoder lite
expect_match "an image-only encoder: the prompts are left out, and train says why" "$OUT" \
    "^prompts left out of the model: prompt [0-9]+, prompt [0-9]+, prompt [0-9]+, prompt [0-9]+ \(no vector yet: lite: an image-only encoder"
"$CULL" prompt remove $("$CULL" prompt list --format json | jq -r '.[] | select(.text == "a photo of a receipt" or .text == "a landscape") | .id') >/dev/null

# ---- the review page's words ----
get() { curl -s -H "X-Cull-Token: $TOKEN" "$BASE$1"; }
"$CULL" label clear "$T/img" >/dev/null 2>&1
start_review --encoder "$M" --retrain-every 1000
check "review starts" test -n "$URL"
# The stored model (trained on the labels just cleared) scores until the learner has found there
# are too few labels now; then the prompts do, as in rank.
for _ in $(seq 1 300); do
    get /api/state >"$T/state.json"
    [ "$(jq -c '[.zero_shot, .training]' "$T/state.json")" = '[true,false]' ] && break
    sleep 0.1
done
check "state: scored by the prompts (zero_shot), no model" test "$(jq -c '[.zero_shot, .model]' "$T/state.json")" = '[true,null]'
check "state: the search box is there, and the prompts" \
    test "$(jq -c '[.words.search, [.words.prompts[] | .label + ":" + .text]]' "$T/state.json")" = \
    '[true,["keep:a photo of my family","delete:a screenshot of a chat"]]'
get "/api/queue?name=likely&limit=50" >"$T/likely.json"
check "the likely queue follows rank's zero-shot order" \
    test "$(jq -r '.items[].path' "$T/likely.json")" = "$("$CULL" rank --encoder "$M" --format paths 2>/dev/null)"
get "/api/queue?name=search&limit=50&text=a%20photo%20of%20a%20cat" >"$T/search.json"
check "the search queue: every image, most like the words first, as cull search orders them" \
    test "$(jq -r '.items[].path' "$T/search.json")" = "$("$CULL" search --encoder "$M" --format paths 'a photo of a cat')"
check "... each with its cosine" test "$(jq '[.items[] | .cosine | type == "number"] | all' "$T/search.json")" = true
check "search without text: 400" test "$(curl -s -o /dev/null -w '%{http_code}' -H "X-Cull-Token: $TOKEN" "$BASE/api/queue?name=search")" = 400
first=$(jq -r '.items[0].id' "$T/search.json")
curl -s -H "X-Cull-Token: $TOKEN" -d "{\"id\":$first}" "$BASE/api/skip" >/dev/null
get "/api/queue?name=search&limit=50&text=a%20photo%20of%20a%20cat" >"$T/search2.json"
check "an image skipped leaves the search queue" test "$(jq "[.items[].id] | index($first)" "$T/search2.json")" = null

if [ -x "${CHROMIUM:-/usr/bin/chromium}" ] && [ -d "$ROOT/tests/browser/node_modules/playwright-core" ] && command -v node >/dev/null; then
    case "$CULL" in *asan*) slow=4 ;; *) slow=1 ;; esac
    WANT_FIRST=$(jq -r '.items[0].id' "$T/search2.json") REVIEW_URL="$URL" SLOW=$slow \
        timeout 120 node "$ROOT/tests/browser/words.test.mjs" >"$T/browser.log" 2>&1
    brc=$?
    while IFS= read -r line; do
        case "$line" in
            PASS\ *) pass "browser: ${line#PASS }" ;;
            FAIL\ *) fail "browser: ${line#FAIL }" ;;
        esac
    done <"$T/browser.log"
    if [ "$brc" -ne 0 ] && ! grep -q '^FAIL ' "$T/browser.log"; then fail "browser test ran" "exit $brc" "$(tail -20 "$T/browser.log")"; fi
else
    n_test=$((n_test + 1))
    echo "ok $n_test - browser test of the search box # SKIP chromium or tests/browser/node_modules missing (run scripts/setup-browser-tests.sh)"
fi

# The prompts follow the library: one added or removed in another terminal shows on the page, and
# the queue is scored again with it. rescored_after V waits (for the learner, not for a time) until
# a round after queue version V has ended, and leaves the state in $T/state.json.
rescored_after() {
    for _ in $(seq 1 600); do
        get /api/state >"$T/state.json"
        jqe ".queue_version > $1 and .training == false" "$T/state.json" && return 0
        sleep 0.1
    done
    return 1
}
v=$(get /api/state | jq .queue_version)
"$CULL" prompt add delete "a photo of a cat" >/dev/null
check "a prompt added in another terminal: the learner scores again" rescored_after "$v"
check "... the page lists it" \
    test "$(jq -c '[.words.prompts[] | .label + ":" + .text]' "$T/state.json")" = \
    '["keep:a photo of my family","delete:a screenshot of a chat","delete:a photo of a cat"]'
get "/api/queue?name=likely&limit=50" >"$T/likely2.json"
skipped=$(jq -r '.items[0].path' "$T/search.json")
check "... and the queue follows rank's zero-shot order with it (less the image skipped)" \
    test "$(jq -r '.items[].path' "$T/likely2.json")" = \
    "$("$CULL" rank --encoder "$M" --format paths 2>/dev/null | grep -vxF "$skipped")"
check "... which it changed" sh -c '! cmp -s "$1" "$2"' - "$T/likely.json" "$T/likely2.json"
# With labels, a prompt added now is encoded by the page's own text tower and handed to the
# trainer: the model has it although the tower's files are gone from disk meanwhile.
"$CULL" label keep "$1" "$2" "$3" >/dev/null 2>&1
"$CULL" label delete "$4" "$5" "$6" >/dev/null 2>&1
mv "$M/vocab.json" "$M/vocab.away"
v=$(get /api/state | jq .queue_version)
"$CULL" prompt add keep "a landscape" >/dev/null
check "a prompt added with labels: the learner retrains" rescored_after "$v"
check "... a trained model scores, not the prompts" jqe '.zero_shot == false and .model != null' "$T/state.json"
check "... and it holds the new prompt, encoded by the page's tower (none on disk)" \
    test "$(model_json | jq -c '[.prompts[].text]')" = \
    '["a photo of my family","a screenshot of a chat","a photo of a cat","a landscape"]'
check "... so no prompt was left out" sh -c '! grep -q "left out" "$1"' - "$T/review.err"
mv "$M/vocab.away" "$M/vocab.json"
v=$(get /api/state | jq .queue_version)
"$CULL" prompt remove "$("$CULL" prompt list --format json | jq '.[] | select(.text == "a photo of a cat") | .id')" >/dev/null
check "a prompt removed: the learner retrains" rescored_after "$v"
check "... and the page no longer lists it" \
    test "$(jq -c '[.words.prompts[] | .text]' "$T/state.json")" = '["a photo of my family","a screenshot of a chat","a landscape"]'
# The page adds and removes prompts itself (POST /api/prompt), as cull prompt does.
post_prompt() { curl -s -o "$T/body" -w '%{http_code}' -H "X-Cull-Token: $TOKEN" -d "$1" "$BASE/api/prompt"; }
check "POST /api/prompt: a side that is neither keep nor delete is refused (400)" \
    test "$(post_prompt '{"label": "maybe", "text": "a cat"}')" = 400
code=$(post_prompt '{"label": "delete", "text": " \t\n "}')
check "... words that say nothing too (400: $(jq -r .error "$T/body"))" sh -c '[ "$1" = 400 ] && grep -q "says nothing" "$2"' - "$code" "$T/body"
code=$(post_prompt "{\"label\": \"delete\", \"text\": \"$(printf 'a%.0s' $(seq 1 4097))\"}")
check "... and words over 4096 bytes (400: $(jq -r .error "$T/body"))" sh -c '[ "$1" = 400 ] && grep -q "longer than 4096" "$2"' - "$code" "$T/body"
check "... and a body that both adds and removes (400)" test "$(post_prompt '{"remove": 1, "label": "keep", "text": "x"}')" = 400
check "... removing a prompt that is not there: 404" test "$(post_prompt '{"remove": 999999}')" = 404
check "... none of which changed the prompts" test "$("$CULL" prompt list --format json | jq length)" = 3
v=$(get /api/state | jq .queue_version)
check "the page adds a prompt: 200" test "$(post_prompt '{"label": "delete", "text": "a blurry photo"}')" = 200
added=$(jq .id "$T/body")
check "... the answer's state lists it at once" jqe '.state.words.prompts[-1] == {"id": '"$added"', "label": "delete", "text": "a blurry photo"}' "$T/body"
check "... it is in the library, as cull prompt add puts it" \
    test "$("$CULL" prompt list --format json | jq -c '.[-1] | [.id, .label, .text]')" = "[$added,\"delete\",\"a blurry photo\"]"
check "... and the learner retrains with it" rescored_after "$v"
check "... into a model that holds it" test "$(model_json | jq -c '[.prompts[].text] | index("a blurry photo") != null')" = true
v=$(get /api/state | jq .queue_version)
check "the page removes it: 200" test "$(post_prompt "{\"remove\": $added}")" = 200
check "... gone from the answer's state and the library" \
    sh -c '! jq -e ".state.words.prompts[] | select(.text == \"a blurry photo\")" "$1" >/dev/null && ! "$2" prompt list | grep -q "a blurry photo"' - "$T/body" "$CULL"
check "... and the learner retrains without it" rescored_after "$v"
kill -TERM "$PID"
wait "$PID"
rc=$?
PID=""
check "the review stops cleanly (exit $rc, nothing from a sanitizer)" sh -c '[ "$1" = 0 ] && ! grep -q Sanitizer "$2"' - "$rc" "$T/review.err"

start_review --encoder lite
get /api/state >"$T/state-lite.json"
check "an image-only encoder: no search box, and the page is told why" \
    test "$(jq -c '[.words.search, (.words.note | test("image-only"))]' "$T/state-lite.json")" = '[false,true]'
check "... the search queue says so too (409)" \
    test "$(curl -s -o /dev/null -w '%{http_code}' -H "X-Cull-Token: $TOKEN" "$BASE/api/queue?name=search&text=x")" = 409
check "... and adding a prompt (409)" test "$(post_prompt '{"label": "keep", "text": "a cat"}')" = 409
stop_server
echo "1..$n_test"
