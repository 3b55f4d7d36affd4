# cull dupes: planted copies (re-encoded, halved, centre-cropped, byte-identical) are grouped with
# their originals, unrelated pictures are not, and each group puts the file to keep first (a
# picture labelled keep, then the most pixels; of exact copies the name that is not a copy's);
# groups never chain; --trash-copies moves exact copies to the Trash, asked, logged, undoable.
. "$(dirname "$0")/../e2e_lib.sh"

# Pictures lite tells apart: plasma of different colours, blur and noise (make_photo's all share
# one palette, and lite, which sees statistics, finds them alike).
make_picture() { # path index
    local colours=(red-yellow blue-cyan green-white purple-orange grey20-grey60 navy-pink brown-khaki black-lime)
    local blur=(0x1 0x4 0x0.5 0x8 0x2 0x1 0x3 0x0)
    convert -size 640x480 -seed "$2" "plasma:${colours[$2]}" -blur "${blur[$2]}" \
        -attenuate "0.$((($2 * 3) % 9 + 1))" +noise Gaussian "$1"
}

mkdir -p "$T/pics"
for i in 0 1 2 3 4 5 6 7; do make_picture "$T/pics/p$i.jpg" "$i"; done
convert "$T/pics/p1.jpg" -quality 60 "$T/pics/p1_q60.jpg"
convert "$T/pics/p2.jpg" -resize 50% "$T/pics/p2_half.jpg"
convert "$T/pics/p3.jpg" -gravity center -crop 90%x90%+0+0 +repage "$T/pics/p3_crop.jpg"
cp "$T/pics/p4.jpg" "$T/pics/p4_copy.jpg"
run_cull index --quiet "$T/pics"
expect_rc "index exits 0" 0

run_cull dupes
expect_rc "dupes exits 0 with no labels" 0
expect_match "without a model it says P_DELETE is left out" "$ERR" "no model.*P_DELETE is left out"
expect_match "the summary counts 1 exact and 3 near groups" "$ERR" "1 exact-duplicate group, 3 near-duplicate groups"
expect_match "near groups found by lite come with its measured caveat" "$ERR" \
    "note: lite compares colour and texture statistics, not what is drawn"
lines=$(printf '%s\n' "$OUT" | wc -l)
check "8 files are listed (4 groups of 2; got $lines)" test "$lines" = 8
check "every line is GROUP, KIND, COSINE, ROLE, P_DELETE, PATH" \
    test "$(printf '%s\n' "$OUT" | grep -cP '^[0-9]+\t(exact|near)\t[01]\.\d{6}\t(keep|dup|copy)\t(-|[01]\.\d{6})\t/')" = 8
group_of() { printf '%s\n' "$OUT" | awk -F'\t' -v p="$T/pics/$1" '$6 == p {print $1}'; }
for pair in "p1 p1_q60 re-encoded at quality 60" "p2 p2_half halved" "p3 p3_crop cropped to the centre 90%" \
    "p4 p4_copy copied byte for byte"; do
    set -- $pair
    a=$(group_of "$1.jpg") b=$(group_of "$2.jpg")
    check "$1 and its copy ${*:3} share a group ($a, $b)" test -n "$a" -a "$a" = "$b"
done
check "the byte-identical copy is an exact group" \
    test "$(printf '%s\n' "$OUT" | awk -F'\t' -v g="$(group_of p4.jpg)" '$1 == g {print $2}' | sort -u)" = exact
check "the others are near groups" test "$(printf '%s\n' "$OUT" | awk -F'\t' '$2 == "near"' | wc -l)" = 6
for p in p0 p5 p6 p7; do
    check "unrelated picture $p is in no group" test -z "$(group_of $p.jpg)"
done
check "the byte-identical copy named *_copy is the copy, its original the keep" \
    test "$(printf '%s\n' "$OUT" | awk -F'\t' -v p="$T/pics/p4_copy.jpg" '$6 == p {print $4}')" = copy
check "each group has one keep, listed first" \
    test "$(printf '%s\n' "$OUT" | awk -F'\t' '$1 != g {g = $1; if ($4 != "keep") bad++; next} $4 == "keep" {bad++} END {print bad + 0}')" = 0
check "the halved copy's original is kept (largest image)" \
    test "$(printf '%s\n' "$OUT" | awk -F'\t' -v p="$T/pics/p2.jpg" '$6 == p {print $4}')" = keep
check "the crop's original is kept (largest image)" \
    test "$(printf '%s\n' "$OUT" | awk -F'\t' -v p="$T/pics/p3.jpg" '$6 == p {print $4}')" = keep
check "the kept file's cosine is 1" \
    test "$(printf '%s\n' "$OUT" | awk -F'\t' '$4 == "keep" && $3 != "1.000000"' | wc -l)" = 0

run_cull dupes --format json
check "--format json: 4 groups of 2 members with role, cosine and a null p_delete" \
    test "$(printf '%s' "$OUT" | jq '[.[] | select((.members | length) == 2 and .members[0].role == "keep" and .members[0].p_delete == null and (.members[1].cosine | type) == "number")] | length')" = 4

run_cull dupes --threshold 1
check "--threshold 1 leaves only the exact group" test "$(printf '%s\n' "$OUT" | cut -f2 | sort -u)" = exact
run_cull dupes --threshold 0
expect_rc "--threshold 0 is a usage error" 2
run_cull dupes --threshold x
expect_rc "--threshold x is a usage error" 2
run_cull dupes --format csv
expect_rc "--format csv is a usage error" 2

# With labels: a picture labelled keep is kept, whatever the model says, even over more pixels.
run_cull label keep "$T/pics/p0.jpg" "$T/pics/p5.jpg" "$T/pics/p1.jpg" "$T/pics/p3_crop.jpg"
run_cull label delete "$T/pics/p6.jpg" "$T/pics/p7.jpg" "$T/pics/p2_half.jpg"
run_cull dupes
expect_rc "dupes with labels exits 0" 0
expect_match "it trained a model first and says so" "$ERR" "retrained"
check "every file has a P(delete)" test "$(printf '%s\n' "$OUT" | cut -f5 | grep -c '^[01]\.[0-9]\{6\}$')" = 8
check "the crop labelled keep is kept over its larger unlabelled original" \
    test "$(printf '%s\n' "$OUT" | awk -F'\t' -v p="$T/pics/p3_crop.jpg" '$6 == p {print $4}')" = keep
check "the original labelled keep is kept over its re-encoded copy" \
    test "$(printf '%s\n' "$OUT" | awk -F'\t' -v p="$T/pics/p1.jpg" '$6 == p {print $4}')" = keep

# An exact copy inside a near group is shown as a copy, not as a near duplicate.
cp "$T/pics/p1_q60.jpg" "$T/pics/p1_q60 (2).jpg"
run_cull index --quiet "$T/pics"
run_cull dupes
check "the byte-identical file in a near group has role copy" \
    test "$(printf '%s\n' "$OUT" | awk -F'\t' -v p="$T/pics/p1_q60 (2).jpg" '$6 == p {print $2 "," $3 "," $4}')" = "near,$(printf '%s\n' "$OUT" | awk -F'\t' -v p="$T/pics/p1_q60.jpg" '$6 == p {print $3}'),copy"

# --trash-copies: every path of an exact group but the kept one goes to the Trash.
run_cull dupes --trash-copies --dry-run
expect_rc "--trash-copies --dry-run exits 0" 0
check "... lists the two copies, not the originals" \
    test "$(printf '%s\n' "$OUT" | cut -f2 | sort | tr '\n' '|')" = "$T/pics/p1_q60 (2).jpg|$T/pics/p4_copy.jpg|"
mkdir -p "$T/other"
run_cull dupes --trash-copies --dry-run "$T/other"
check "... PATH limits it to copies under PATH (none under another folder)" test -z "$OUT"
run_cull dupes --trash-copies --dry-run "$T/pics/p4_copy.jpg"
check "... and a copy's own path lists just it" test "$(printf '%s\n' "$OUT" | cut -f2)" = "$T/pics/p4_copy.jpg"
run_cull dupes --trash-copies </dev/null
expect_rc "--trash-copies without a terminal and without --yes is refused" 2
check "... nothing moved" test -e "$T/pics/p4_copy.jpg"
run_cull dupes --trash-copies --yes
expect_rc "--trash-copies --yes exits 0" 0
expect_match "... and says what moved and how to undo" "$ERR" "moved 2 files .* to the Trash; \`cull undo\` puts them back"
check "... the copies are in the Trash, the originals in place" \
    test ! -e "$T/pics/p4_copy.jpg" -a -e "$T/pics/p4.jpg" -a -e "$T/pics/p1_q60.jpg" -a -e "$XDG_DATA_HOME/Trash/files/p4_copy.jpg"
check "... logged as moves" test "$(sql "select count(*) from action_log where event = 'moved'")" = 2
run_cull dupes
check "... dupes no longer lists the exact group" test -z "$(group_of p4.jpg)"
run_cull undo
check "undo puts the copies back" test -e "$T/pics/p4_copy.jpg" -a -e "$T/pics/p1_q60 (2).jpg"
rm "$T/pics/p1_q60 (2).jpg"

rm "$T/pics/p4_copy.jpg"
run_cull index --quiet "$T/pics"
run_cull dupes
check "a deleted copy leaves its group" test -z "$(group_of p4.jpg)"

# A chain of pictures, each near the next and the ends far apart (lite cosines: neighbours >= 0.993,
# the ends 0.951): no group holds two pictures below the threshold of each other's kept picture.
export CULL_DB=$T/chain.db
mkdir -p "$T/chain"
convert -size 640x480 -seed 3 plasma:purple-orange -blur 0x2 "$T/chain0.png"
for i in 0 1 2 3 4 5 6 7 8; do
    convert "$T/chain0.png" -fill "rgb($((i * 30)),$((i * 20)),0)" -colorize $((i * 6))% "$T/chain/c$i.jpg"
done
"$CULL" index --quiet --encoder lite "$T/chain"
run_cull dupes --threshold 0.99
check "the chain is split into several groups" test "$(printf '%s\n' "$OUT" | cut -f1 | sort -u | wc -l)" -ge 2
check "every member is within 0.99 of its group's kept picture" \
    test "$(printf '%s\n' "$OUT" | awk -F'\t' '$3 < 0.99' | wc -l)" = 0
