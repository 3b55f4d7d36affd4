# Output a script can split, whatever the file names: names with a tab, a newline, a double quote,
# a backslash, invalid UTF-8 and valid UTF-8, through rank, suspects, apply --dry-run and undo
# --dry-run, as -z records (round-tripped through xargs -0), as quoted tsv (compared with git's own
# quoting of the same names), and as JSON (status, model list, apply and undo dry runs).
. "$(dirname "$0")/../e2e_lib.sh"

D=$T/pics
mkdir -p "$D"
for i in 1 2 3; do make_photo "$D/keep$i.jpg" "$i" 320x240; make_screenshot "$D/del$i.png" "$((i + 10))"; done
# The odd names: unlabelled, so rank lists them; two of them labelled delete later, for apply.
odd=("tab	name.png" "new
line.png" 'quo"te.png' 'back\slash.png' $'bad\xe9byte.png' "été.png" "plain name.png")
seed=20
for n in "${odd[@]}"; do make_screenshot "$D/$n" "$seed"; seed=$((seed + 1)); done
"$CULL" index --quiet "$D"
"$CULL" label --quiet keep "$D"/keep*.jpg
"$CULL" label --quiet delete "$D"/del*.png
"$CULL" train >/dev/null 2>&1

# ---- rank -z: exact bytes, through xargs -0 ----
"$CULL" rank -z --format paths >"$T/z" 2>/dev/null
check "rank -z: one NUL-ended record per unlabelled image (${#odd[@]})" test "$(tr -cd '\0' <"$T/z" | wc -c)" = "${#odd[@]}"
check "rank -z: every record is an existing file (xargs -0)" xargs -0 -n1 test -f <"$T/z"
check "rank -z: the names come back byte for byte" \
    test "$(xargs -0 -n1 basename <"$T/z" | LC_ALL=C sort | od -c | md5sum)" = "$(printf '%s\n' "${odd[@]}" | LC_ALL=C sort | od -c | md5sum)"
"$CULL" rank -z >"$T/ztsv" 2>/dev/null
check "rank -z (tsv): P_DELETE<TAB>PATH records" test "$(tr '\0' '\n' <"$T/ztsv" | grep -c $'^0\.[0-9]*\t/')" -ge "${#odd[@]}"

# ---- tsv: one line per record, paths quoted as git quotes them ----
run_cull rank
check "rank tsv: one line per image, whatever the names" test "$(printf '%s\n' "$OUT" | wc -l)" = "${#odd[@]}"
check "rank tsv: two fields on every line" test "$(printf '%s\n' "$OUT" | awk -F'\t' 'NF != 2' | wc -l)" = 0
if command -v git >/dev/null; then
    (cd "$D" && git init -q . && git add -- . >/dev/null 2>&1)
    for n in "${odd[@]}"; do
        qp=false
        printf '%s' "$n" | iconv -f UTF-8 -t UTF-8 >/dev/null 2>&1 || qp=true # git quotes invalid bytes only then
        want=$(cd "$D" && git -c core.quotePath=$qp ls-files -- "$n")
        case "$want" in \"*) want="\"$D/${want#\"}" ;; *) want="$D/$want" ;; esac
        got=$(printf '%s\n' "$OUT" | cut -f2 | grep -Fx -- "$want")
        check "rank tsv quotes $(printf '%q' "$n") as git does: $want" test -n "$got"
    done
    rm -rf "$D/.git"
else
    pass "# SKIP git is not installed: no reference for the quoted names"
fi
check "a plain name with a space is not quoted" grep -q $'\t'"$D/plain name.png\$" "$T/out"

# ---- suspects -z ----
"$CULL" suspects -z >"$T/sz" 2>/dev/null
check "suspects -z: one record per labelled image (6)" test "$(tr -cd '\0' <"$T/sz" | wc -c)" = 6
run_cull suspects -z --format json
expect_rc "-z with json is a usage error" 2

# ---- apply and undo dry runs ----
"$CULL" label --quiet delete "$D/new
line.png" "$D/tab	name.png"
"$CULL" apply --dry-run -z >"$T/az" 2>/dev/null
check "apply --dry-run -z: 5 records" test "$(tr -cd '\0' <"$T/az" | wc -c)" = 5
check "apply --dry-run -z: BYTES<TAB>raw path, the newline name whole" \
    test "$(tr '\0' '\n' <"$T/az" | grep -c "^[0-9]*	$D/new\$")" = 1
run_cull apply --dry-run
check "apply --dry-run: 5 lines, the newline name quoted" test "$(printf '%s\n' "$OUT" | wc -l)" = 5
expect_match "apply --dry-run: ... as \"...new\\nline.png\"" "$OUT" "	\"$D/new\\\\nline.png\"$"
run_cull apply --dry-run --format json
expect_rc "apply --dry-run --format json exits 0" 0
check "apply --dry-run --format json: files, bytes, gone and items with the names whole" python3 -c '
import json, sys
o = json.load(open(sys.argv[1]))
names = sorted(i["path"].rsplit("/", 1)[1] for i in o["items"])
assert o["files"] == 5 and o["gone"] == 0 and o["bytes"] == sum(i["bytes"] for i in o["items"]), o
assert "new\nline.png" in names and "tab\tname.png" in names, names' "$T/out"
run_cull apply --format json
expect_rc "--format without --dry-run is a usage error" 2
"$CULL" apply --yes >/dev/null 2>&1
"$CULL" undo --dry-run -z >"$T/uz" 2>"$T/err"
check "undo --dry-run -z: the 5 moved files, paths raw" test "$(tr -cd '\0' <"$T/uz" | wc -c)" = 5
check "undo --dry-run: says what it would put back" grep -q "would put back 5 files" "$T/err"
check "undo --dry-run moves nothing" test ! -e "$D/del1.png"
run_cull undo --dry-run --format json
check "undo --dry-run --format json lists the newline name whole" python3 -c '
import json, sys
o = json.load(open(sys.argv[1]))
assert o["files"] == 5 and any(i["path"].endswith("/new\nline.png") for i in o["items"]), o' "$T/out"
"$CULL" undo >/dev/null 2>&1
check "undo puts them back" test -e "$D/new
line.png"

# ---- JSON for status and model list ----
run_cull status --format json
expect_rc "status --format json exits 0" 0
check "status --format json: counts, labels, encoder, coverage, embeddings with the model" python3 -c '
import json, sys
o = json.load(open(sys.argv[1]))
assert o["images"] == 13 and o["labels"] == {"keep": 3, "delete": 5, "by_source": {"cli": {"keep": 3, "delete": 5}}}, o
assert o["encoder_in_use"]["name"] and o["coverage"][0]["labelled"] == 8, o
assert o["embeddings"][0]["count"] == 13 and o["embeddings"][0]["model"]["kind"], o
assert o["read_only"] is False and o["gone"] == [], o' "$T/out"
run_cull model list --format json
expect_rc "model list --format json exits 0" 0
check "model list --format json: every fetchable model, and the library's coverage" python3 -c '
import json, sys
o = json.load(open(sys.argv[1]))
names = {m["name"] for m in o["models"]}
assert {"mobilenet", "clip-vit-b32", "clip-vit-b16", "laion-vit-b32"} <= names, names
assert o["library"]["encoder_in_use"]["name"], o' "$T/out"

# ---- dupes -z: an exact copy under an odd name ----
cp "$D/keep1.jpg" "$D/copy
of keep1.jpg"
"$CULL" index --quiet "$D"
"$CULL" dupes -z >"$T/dz" 2>/dev/null
check "dupes -z: the copy's record holds its raw name" \
    test "$(tr '\0' '\n' <"$T/dz" | grep -c "	$D/copy\$")" = 1
check "dupes -z: as many records as tsv lines" test "$(tr -cd '\0' <"$T/dz" | wc -c)" = "$("$CULL" dupes 2>/dev/null | wc -l)"
