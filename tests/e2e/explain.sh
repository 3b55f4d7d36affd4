# cull explain, rank --explain and the cost of reviewing N: on a learnable synthetic set (always),
# then on the demo split (the images `make demo` uses, fetched by `make check` from Debian
# packages; skipped when they are not there).
. "$(dirname "$0")/../e2e_lib.sh"

mkdir -p "$T/kept" "$T/rejected" "$T/incoming"
for i in $(seq 1 12); do make_photo "$T/kept/IMG_$((1000 + i)).jpg" "$i" 320x240; done
for i in $(seq 1 12); do make_screenshot "$T/rejected/Screenshot_2024-01-$((10 + i)).png" "$i" 400x300; done
# The planted token: photos like the kept ones, deleted, all named junkmeme_NNNN (four digits, as
# the kept IMG_NNNN). Only the name tells them apart, so the model must lean on the token.
for i in $(seq 21 32); do make_photo "$T/rejected/junkmeme_$((1000 + i)).jpg" "$i" 320x240; done
make_photo "$T/incoming/junkmeme_1099.jpg" 99 320x240
make_screenshot "$T/incoming/Screenshot_2024-02-01.png" 77 400x300
make_photo "$T/incoming/IMG_2001.jpg" 55 320x240
"$CULL" label --quiet keep "$T/kept"
"$CULL" label --quiet delete "$T/rejected"
"$CULL" index --quiet "$T/incoming"
"$CULL" train --model logreg >/dev/null

run_cull explain --format json "$T/incoming/Screenshot_2024-02-01.png"
expect_rc "explain exits 0" 0
shot=$(printf '%s' "$OUT" | jq '.[0]')
check "a new screenshot's 5 nearest labelled images are all screenshots labelled delete" \
    test "$(jq '[.neighbours[] | select(.label == "delete" and (.path | test("/Screenshot_")))] | length' <<<"$shot")" = 5
check "neighbours are most similar first" jqe '[.neighbours[].similarity] | . == (sort | reverse)' <<<"$shot"
check "it is not its own neighbour, and its label is null (unlabelled)" \
    jqe '.label == null and ([.neighbours[].path | select(test("incoming"))] | length) == 0' <<<"$shot"
# Logistic regression: the terms (with the intercept) are the log-odds, and P is its sigmoid.
check "contributions sum to the log-odds within 1e-6" \
    jqe '.method == "exact" and (([.contributions[].value] | add) - .log_odds | fabs) < 1e-6' <<<"$shot"
check "p_delete is the sigmoid of the log-odds" jqe '(1 / (1 + (-.log_odds | exp)) - .p_delete | fabs) < 1e-9' <<<"$shot"
run_cull rank --format json "$T/incoming/Screenshot_2024-02-01.png"
check "explain's P(delete) is rank's" \
    jqe -n --argjson a "$shot" --argjson b "$OUT" '($a.p_delete - $b[0].p_delete | fabs) < 1e-6'

run_cull explain --format json "$T/incoming/junkmeme_1099.jpg"
meme=$(printf '%s' "$OUT" | jq '.[0]')
check "the planted name token is the most influential token" \
    test "$(jq -r '[.contributions[] | select(.kind == "token")][0].token' <<<"$meme")" = junkmeme
check "and it pushes towards delete" jqe '[.contributions[] | select(.token == "junkmeme")][0].value > 0' <<<"$meme"
check "every metadata feature is listed once" \
    test "$(jq '[.contributions[] | select(.kind == "metadata") | .feature] | unique | length' <<<"$meme")" = 7

run_cull explain -k 3 "$T/incoming/IMG_2001.jpg" "$T/kept/IMG_1001.jpg"
expect_rc "text explain of two files exits 0" 0
expect_match "text names the file and its P(delete)" "$OUT" "IMG_2001.jpg
  P\(delete\) 0\.[0-9]{6}   log-odds [+-][0-9.]+, logistic regression"
check "text shows 3 neighbours for each file" test "$(printf '%s\n' "$OUT" | grep -cE '^    (keep|delete)  ')" = 6
expect_match "a labelled file says its label" "$OUT" "; labelled keep"
expect_match "text ends the terms with their sum" "$OUT" "= [+-][0-9.]+  log-odds"

run_cull explain "$T/incoming/IMG_2001.jpg" "$T/nothing.jpg"
expect_rc "a missing file: exit 1" 1
expect_match "the missing file is named" "$ERR" "nothing.jpg: No such file"
run_cull explain --format yaml "$T/incoming/IMG_2001.jpg"
expect_rc "a bad --format is a usage error" 2
run_cull explain
expect_rc "no file is a usage error" 2

"$CULL" train --model mlp >/dev/null
run_cull explain --format json "$T/incoming/junkmeme_1099.jpg"
check "an MLP is explained by occlusion, without an intercept" \
    jqe '.[0].method == "occlusion" and .[0].model == "MLP" and ([.[0].contributions[] | select(.kind == "intercept")] | length) == 0' <<<"$OUT"
"$CULL" train --model logreg >/dev/null

# rank --explain and the cost of reviewing N.
run_cull rank --format json --explain
expect_rc "rank --explain exits 0" 0
check "every ranked image carries its neighbours" jqe 'length == 3 and all(.[]; (.neighbours | length) == 5)' <<<"$OUT"
check "the top-ranked image's neighbours are labelled delete" jqe '[.[0].neighbours[].label] | all(. == "delete")' <<<"$OUT"
run_cull rank --explain
expect_rc "--explain without json is a usage error" 2
run_cull rank
expect_match "rank ends with what reviewing the list should find" "$ERR" \
    "^of these 3, reviewing the first [0-9]+ should find about half the deletes.*\(cross-validated on your 36 labels\)$"
run_cull rank --limit 1
expect_match "with --limit, what the first N should find" "$ERR" \
    "^reviewing the first 1 of 3 should find about [0-9]+% of the deletes \(cross-validated on your 36 labels\)$"
# --until stops at the first N whose predicted share reaches it: N says ≥ 50%, N − 1 less.
share_of() { "$CULL" rank --limit "$1" 2>&1 >/dev/null | grep -oP 'find about \K[0-9]+(?=%)'; }
full=$("$CULL" rank 2>/dev/null)
run_cull rank --until 0.5
n=$(printf '%s\n' "$OUT" | grep -c .)
check "--until 0.5 prints the head of rank's list ($n lines)" \
    test "$n" -ge 1 -a "$OUT" = "$(printf '%s\n' "$full" | head -n "$n")"
check "the first $n should find at least half the deletes ($(share_of "$n")%), the first $((n - 1)) less" \
    sh -c '[ "$1" -ge 50 ] && { [ "$2" -eq 0 ] || [ "$3" -lt 50 ]; }' _ "$(share_of "$n")" "$((n - 1))" \
    "$([ "$n" -gt 1 ] && share_of $((n - 1)) || echo 0)"
run_cull rank --until 2
expect_rc "--until above 1 is a usage error" 2

# --- the demo split: 60% of each folder labelled, the held-out 40% ranked (as scripts/demo.sh) ---
DEMO=${CULL_DEMO_IMAGES:-${XDG_CACHE_HOME:-$HOME/.cache}/cull/demo}
if [ ! -e "$DEMO/.complete" ]; then
    pass "# SKIP no demo images in $DEMO (scripts/fetch-demo-images.sh, which make check runs, fetches them)"
    exit 0
fi
export CULL_DB="$T/demo.db"
for f in keep delete; do
    find "$DEMO/$f" -type f | sort | awk -v l="$T/$f.labelled" -v h="$T/$f.heldout" '{ print > ((NR - 1) % 5 < 3 ? l : h) }'
done
"$CULL" index --quiet --encoder lite "$DEMO"
xargs -d '\n' "$CULL" label --quiet keep <"$T/keep.labelled"
xargs -d '\n' "$CULL" label --quiet delete <"$T/delete.labelled"
"$CULL" train --model logreg >/dev/null
mapfile -t shots < <(head -5 "$T/delete.heldout")
run_cull explain --format json "${shots[@]}"
n_right=$(printf '%s' "$OUT" | jq '[.[] | select(([.neighbours[] | select(.label == "delete" and (.path | test("/delete/")))] | length) >= 4)] | length')
check "demo: each of 5 held-out screenshots has ≥ 4 of 5 neighbours that are screenshots labelled delete ($n_right of 5)" \
    test "$n_right" = 5
check "demo: contributions sum to the log-odds within 1e-6 for every file" \
    jqe 'all(.[]; (([.contributions[].value] | add) - .log_odds | fabs) < 1e-6)' <<<"$OUT"

# The cost of reviewing N against what the held-out ranking actually finds. Measured on this split
# (lite, logistic regression): predicted 50 / 80 / 90% found 58 / 94 / 96%: the prediction is
# cautious, as the final model (trained on every label) scores more sharply than the folds'. The
# stated margin: within 15 points.
"$CULL" rank >"$T/ranking.tsv" 2>/dev/null
held=$(grep -c "	$DEMO/delete/" "$T/ranking.tsv")
for share in 0.5 0.8 0.9; do
    n=$("$CULL" rank --until "$share" 2>/dev/null | wc -l)
    found=$(head -n "$n" "$T/ranking.tsv" | grep -c "	$DEMO/delete/")
    check "demo: rank --until $share finds $found of $held held-out deletes in its first $n, within 0.15 of $share" \
        awk -v f="$found" -v h="$held" -v s="$share" 'BEGIN { d = f / h - s; exit !(h > 0 && d < 0.15 && d > -0.15) }'
done
