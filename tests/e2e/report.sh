# cull report: one self-contained HTML page (inline SVG charts, embedded thumbnails, no network)
# with the model's curves, calibration, metrics by group, labels over time and top suspects.
. "$(dirname "$0")/../e2e_lib.sh"

mkdir -p "$T/kept" "$T/rejected"
for i in $(seq 1 14); do make_photo "$T/kept/IMG_$((1000 + i)).jpg" "$i" 320x240; done
for i in $(seq 1 14); do make_screenshot "$T/rejected/Screenshot_2024-01-$((10 + i)).png" "$i" 400x300; done
# A folder whose name holds markup, a newline and a byte that is not UTF-8.
odd="$T/we\"ird<b>"$'\n'"x"$'\xff'
mkdir -p "$odd"
make_photo "$odd/IMG_2001.jpg" 99 320x240

mkdir -p "$T/empty" && "$CULL" index --quiet "$T/empty"   # a library with nothing in it
run_cull report -o "$T/none.html"
expect_rc "report with no labels fails with status 1" 1
expect_match "it says labels are missing" "$ERR" "too few labels"
check "no page is written" test ! -e "$T/none.html"

run_cull label keep "$T/kept"
run_cull label keep "$odd"
run_cull label delete "$T/rejected"
run_cull train
expect_rc "train exits 0" 0
train_auc=$(printf '%s\n' "$OUT" | sed -n 's/^  ROC-AUC *\([0-9.]*\)$/\1/p')

page="$T/pages/report.html"
mkdir -p "$T/pages"
run_cull report -o "$page"
expect_rc "report exits 0" 0
check "it prints the page's path" test "$OUT" = "$page"
check "the page exists and is not empty" test -s "$page"
check "the stored model is used (no retrain)" test -z "$(printf '%s' "$ERR" | grep retrained)"
html=$(cat "$page")
if command -v xmllint >/dev/null 2>&1; then
    check "the page is well-formed (xmllint, as XML)" xmllint --noout "$page"
    # (libxml2's HTML parser, which predates inline SVG, reported a non-SVG error once in three
    # CI runs and never in ten local ones; until that is understood the strict XML check above
    # stands for structure.)
else
    check "the page starts and ends as HTML" sh -c 'head -1 "$1" | grep -q "<!DOCTYPE html>" && tail -1 "$1" | grep -qx "</html>"' _ "$page"
fi
for id in curves calibration by-format by-camera by-folder timeline suspects; do
    check "section $id is there" grep -q "<h2 id=\"$id\">" "$page"
done
check "one <svg> per chart (ROC, effort, calibration, labels over time)" test "$(grep -c '<svg ' "$page")" = 4
check "the header's ROC-AUC is cull train's ($train_auc)" grep -q "<b id=\"cv-auc\">$train_auc</b>" "$page"
check "the ROC curve shows the same AUC" grep -q "ROC curve (AUC $train_auc)" "$page"
expect_match "the header names the encoder and the model" "$html" "(logistic regression|MLP), trained on 15 keep and 14 delete labels"
expect_match "the effort curve has the random diagonal" "$html" "random order"
check "calibration has 10 bins" test "$(grep -c '<tr><td class="k">0\.[0-9] – ' "$page")" = 10
expect_match "by format: png with 14 images, 14 deletes" "$html" '<td class="k">png</td><td>14</td><td>14</td><td>–</td>'
expect_match "by camera: none, all 29" "$html" '<td class="k">none</td><td>29</td><td>14</td><td>[01]\.[0-9]{3}</td>'
expect_match "by folder: the kept folder" "$html" "<td class=\"k\">$T/kept</td><td>14</td><td>0</td>"
expect_match "labels over time: today's 15 keep and 14 delete" "$html" \
    "<tr><td class=\"k\">$(date -u +%Y-%m-%d)</td><td>15</td><td>14</td></tr>"
check "24 suspect thumbnails as data: URIs" test "$(grep -o 'src="data:image/jpeg;base64,[A-Za-z0-9+/=]*"' "$page" | wc -l)" = 24
check "each suspect shows the 3 labelled images it looks most like" \
    test "$(grep -o '<div class="near">looks like:\(<div><span class="lab-\(keep\|delete\)">[a-z]*</span> [01]\.[0-9]\{3\} [^<]*</div>\)\{3\}</div>' "$page" | wc -l)" = 24
check "no reference to the network but the SVG namespace" \
    test "$(grep -oiE '(https?|ftp)://[^" ]*' "$page" | sort -u)" = "http://www.w3.org/2000/svg"
check "no script" test "$(grep -ci '<script' "$page")" = 0
check "the odd folder is escaped: markup, newline, invalid byte" \
    grep -qF "we&quot;ird&lt;b&gt;\\nx"$'\xef\xbf\xbd' "$page"
check "the raw name does not leak" test "$(grep -c 'ird<b>' "$page")" = 0
check "the page is valid UTF-8" iconv -f UTF-8 -t UTF-8 "$page" -o /dev/null

cd "$T/pages" && run_cull report
expect_rc "report with no -o exits 0" 0
check "it writes ./cull-report.html and says so" test "$OUT" = cull-report.html -a -s "$T/pages/cull-report.html"
cd - >/dev/null

run_cull label clear "$T/kept/IMG_1002.jpg"
run_cull report -o "$page"
expect_rc "report after a label change exits 0" 0
expect_match "a stale model is retrained first, and said so" "$ERR" "retrained"
check "its header counts the labels now" grep -q "trained on 14 keep and 14 delete labels" "$page"
run_cull report -o "$T/no/such/dir/r.html"
expect_rc "an unwritable output fails with status 1" 1
run_cull report --bogus
expect_rc "an unknown option is a usage error" 2
run_cull report extra
expect_rc "an extra argument is a usage error" 2
run_cull report --help
expect_rc "--help exits 0" 0
expect_match "--help shows the usage" "$OUT" "usage: cull report"
