# cull suspects: labels the cross-validated model disagrees with come first; and cull train's
# model choice (--model logreg|mlp|auto) and near-duplicate report.
. "$(dirname "$0")/../e2e_lib.sh"

mkdir -p "$T/kept" "$T/rejected"
for i in $(seq 1 14); do make_photo "$T/kept/IMG_$((1000 + i)).jpg" "$i" 320x240; done
for i in $(seq 1 14); do make_screenshot "$T/rejected/Screenshot_2024-01-$((10 + i)).png" "$i" 400x300; done

mkdir -p "$T/empty" && "$CULL" index --quiet "$T/empty"   # a library with nothing in it
run_cull suspects
expect_rc "suspects with no labels fails with status 1" 1
expect_match "it says labels are missing" "$ERR" "too few labels"

run_cull label keep "$T/kept"
run_cull label delete "$T/rejected"
# Two mistakes: a screenshot labelled keep, a photo labelled delete.
wrong_keep="$T/rejected/Screenshot_2024-01-13.png"
wrong_delete="$T/kept/IMG_1005.jpg"
run_cull label keep "$wrong_keep"
run_cull label delete "$wrong_delete"

run_cull suspects
expect_rc "suspects exits 0" 0
expect_match "it trains first when the labels changed, and says so" "$ERR" "retrained"
check "all 28 labelled images are listed" test "$(printf '%s\n' "$OUT" | wc -l)" = 28
check "tsv lines are SCORE<TAB>LABEL<TAB>/absolute/path" \
    test "$(printf '%s\n' "$OUT" | grep -cP '^(0|1)\.\d{6}\t(keep|delete)\t/')" = 28
check "scores are sorted, most doubtful first" sh -c "printf '%s\n' \"\$1\" | cut -f1 | sort -rn -c" _ "$OUT"
# ImageMagick's noise differs from run to run, so allow one correct label to slip between them.
top3=$(printf '%s\n' "$OUT" | head -3 | cut -f3)
check "the two wrong labels are among the top 3 suspects (of 28)" \
    test "$(printf '%s\n' "$top3" | grep -cxF -e "$wrong_keep" -e "$wrong_delete")" = 2
check "the screenshot labelled keep is listed as keep with a score above 0.5" \
    test "$(printf '%s\n' "$OUT" | awk -F'\t' -v p="$wrong_keep" '$3 == p && $2 == "keep" && $1 > 0.5' | wc -l)" = 1
expect_match "the summary counts the disagreements" "$ERR" "disagrees with [0-9]+ of their labels"

run_cull suspects --limit 3 --format json
check "--format json --limit 3: score, label, p_delete, path" \
    test "$(printf '%s' "$OUT" | jq '[.[] | select(.score >= 0 and .score <= 1 and (.label == "keep" or .label == "delete") and (.p_delete | type) == "number" and (.path | startswith("/")))] | length')" = 3
check "score is P(delete) for keep labels and 1 - P(delete) for delete labels" \
    test "$(printf '%s' "$OUT" | jq '[.[] | select(if .label == "keep" then (.score - .p_delete) else (.score - 1 + .p_delete) end | fabs < 1e-5)] | length')" = 3
run_cull suspects --limit x
expect_rc "--limit x is a usage error" 2

run_cull label delete "$wrong_keep"
run_cull suspects --limit 1
check "a fixed label leaves the top" test "$(printf '%s\n' "$OUT" | cut -f3)" != "$wrong_keep"

# cull train: model choice and the near-duplicate report.
convert "$T/kept/IMG_1001.jpg" -resize 50% "$T/kept/IMG_1001_small.jpg"
run_cull label keep "$T/kept/IMG_1001_small.jpg"
run_cull train --model logreg
expect_rc "train --model logreg exits 0" 0
expect_match "it names the model and λ, as asked" "$OUT" "model: logistic regression \(λ = [0-9.e-]+\), as asked"
expect_match "it reports the near-duplicate groups" "$OUT" "near-duplicates: [0-9]+ groups holding [0-9]+ labelled images"
expect_match "it shows what grouping changed" "$OUT" "grouping near-duplicates changed logistic regression's ROC-AUC from [01]\.[0-9]{3} to [01]\.[0-9]{3}"
check "the stored model says logreg" test "$(sql "select json_extract(model, '\$.kind') from models")" = logreg
run_cull train --model mlp
expect_rc "train --model mlp exits 0" 0
expect_match "it names the MLP" "$OUT" "model: MLP \(32 hidden units, weight decay [0-9.e-]+\), as asked: cross-validated ROC-AUC"
check "the stored model says mlp" test "$(sql "select json_extract(model, '\$.kind') from models")" = mlp
run_cull rank --all --limit 1
expect_rc "rank works with an MLP" 0
run_cull label clear "$T/kept/IMG_1002.jpg"
run_cull rank --limit 1
expect_match "a stale MLP is retrained" "$ERR" "retrained"
check "as an MLP again (the kind asked for is kept)" test "$(sql "select json_extract(model, '\$.kind') from models")" = mlp
run_cull train
expect_rc "train (auto) exits 0" 0
expect_match "auto says which won and by how much" "$OUT" "chosen by auto: cross-validated ROC-AUC [01]\.[0-9]{3} against .* [01]\.[0-9]{3} \([+-][0-9.]+\)"
run_cull train --model forest
expect_rc "an unknown --model is a usage error" 2
run_cull status
expect_match "status names the model kind" "$OUT" "(logistic regression|MLP); cross-validated ROC-AUC"
