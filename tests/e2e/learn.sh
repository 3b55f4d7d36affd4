# label → train → rank on a learnable set: photos kept, screenshots deleted.
. "$(dirname "$0")/../e2e_lib.sh"

mkdir -p "$T/kept" "$T/rejected" "$T/incoming"
for i in $(seq 1 14); do make_photo "$T/kept/IMG_$((1000 + i)).jpg" "$i" 320x240; done
for i in $(seq 1 14); do make_screenshot "$T/rejected/Screenshot_2024-01-$((10 + i)).png" "$i" 400x300; done
for i in $(seq 31 36); do make_photo "$T/incoming/IMG_$((1000 + i)).jpg" "$i" 320x240; done
for i in $(seq 31 36); do make_screenshot "$T/incoming/Screenshot_2024-02-$((i - 20)).png" "$i" 400x300; done

mkdir -p "$T/empty" && "$CULL" index --quiet "$T/empty"   # a library with nothing in it
run_cull rank
expect_rc "rank with no labels fails with status 1" 1
expect_match "it says labels are missing" "$ERR" "too few labels"

run_cull label keep "$T/kept"
expect_match "label keep counts the folder" "$ERR" "labelled 14 files keep"
run_cull label delete "$T/rejected"
expect_rc "label delete exits 0" 0
run_cull index "$T/incoming"

run_cull train
expect_rc "train exits 0" 0
expect_match "train prints ROC-AUC" "$OUT" "ROC-AUC +[01]\.[0-9]{3}"
expect_match "train prints the effort curve" "$OUT" "first 10% / 30% / 50% of the ranking"
auc=$(printf '%s' "$OUT" | awk '/^  ROC-AUC/ {print $2}')
check "cross-validated ROC-AUC on a separable set is ≥ 0.9 (got $auc)" awk -v a="$auc" 'BEGIN {exit !(a >= 0.9)}'
check "the model is stored with its encoder" test "$(sql "select encoder from models")" = lite-1
# Training groups near-duplicates at the threshold cull dupes uses for the encoder: the same
# number printed, stored in the model and used by dupes (a change at train's call site shows here).
train_t=$(printf '%s' "$OUT" | grep -oP 'near-duplicates: .*cosine ≥ \K[0-9.]+')
stored_t=$(sql "select json_extract(model, '$.selection.dupes_threshold') from models order by id desc limit 1")
run_cull dupes
dupes_t=$(printf '%s' "$ERR" | grep -oP 'cosine >= \K[0-9.]+(?=, lite-1)')
check "train groups near-duplicates at dupes' threshold (train $train_t, stored $stored_t, dupes $dupes_t)" \
    awk -v a="$train_t" -v b="$stored_t" -v c="$dupes_t" 'BEGIN {exit !(a != "" && c != "" && a == c + 0 && (b - c) ^ 2 < 1e-10)}'

run_cull rank
expect_rc "rank exits 0" 0
check "rank lists the 12 unlabelled images" test "$(printf '%s\n' "$OUT" | wc -l)" = 12
check "tsv lines are P<TAB>/absolute/path" test "$(printf '%s\n' "$OUT" | grep -cP '^(0|1)\.\d{6}\t/')" = 12
check "scores are sorted, most likely delete first" sh -c "printf '%s\n' \"\$1\" | cut -f1 | sort -rn -c" _ "$OUT"
check "the 6 screenshots come first" test "$(printf '%s\n' "$OUT" | head -6 | grep -c Screenshot_)" = 6
check "rank did not retrain a fresh model (stderr holds only the review-cost line)" test "$(printf "%s\n" "$ERR" | grep -vc "cross-validated on your")" = 0

run_cull rank --all --format paths
check "--all includes labelled images (40 paths)" test "$(printf '%s\n' "$OUT" | wc -l)" = 40
check "--format paths prints bare absolute paths" test "$(printf '%s\n' "$OUT" | grep -c '^/')" = 40

run_cull rank --format json --limit 3
check "--format json is a 3-element array with p_delete and path" \
    test "$(printf '%s' "$OUT" | jq 'map(select(.p_delete >= 0 and .p_delete <= 1 and (.path | startswith("/")))) | length')" = 3

run_cull rank "$T/incoming/IMG_1031.jpg"
check "PATH limits the ranking" test "$(printf '%s\n' "$OUT" | wc -l)" = 1

run_cull rank --links "$T/links" --limit 4
check "--links makes numbered symlinks in rank order" \
    test "$(readlink "$T/links/000001-$(basename "$(printf '%s\n' "$OUT" | head -1 | cut -f2)")")" = "$(printf '%s\n' "$OUT" | head -1 | cut -f2)"
check "--links made 4 links" test "$(ls "$T/links" | wc -l)" = 4
run_cull rank --links "$T/links"
expect_rc "--links refuses a folder that is not empty" 2

run_cull label delete "$T/incoming/Screenshot_2024-02-11.png"
run_cull rank
expect_match "rank retrains when the labels changed, and says so" "$ERR" "labels or prompts changed since the model was trained: retrained"
check "the newly labelled image left the ranking" test "$(printf '%s\n' "$OUT" | wc -l)" = 11

run_cull label clear "$T/incoming/Screenshot_2024-02-11.png"
expect_match "clear forgets a label" "$ERR" "cleared the label of 1 file \(1 had one\)"

run_cull status
expect_match "status counts labels" "$OUT" "labels: 14 keep, 14 delete"
expect_match "status shows the model's metrics" "$OUT" "cross-validated ROC-AUC"
expect_match "status notices stale models" "$OUT" "labels or prompts changed since"
