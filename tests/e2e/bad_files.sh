# Bad and awkward files: each bad one is reported by name and reason, every good one is indexed,
# the batch always finishes, and cull never crashes.
. "$(dirname "$0")/../e2e_lib.sh"

D="$T/in"
mkdir -p "$D"
make_photo "$T/good.jpg" 7 1200x900
make_photo "$T/good.png" 8 300x200

# --- bad files ---
: >"$D/zero.jpg"
head -c 4000 "$T/good.jpg" >"$D/truncated.jpg"
head -c 3000 "$T/good.png" >"$D/truncated.png"
echo "this is not a picture" >"$D/text.jpg"

# A 57-byte PNG that declares 50000×50000 pixels (its IHDR CRC is right, its data is not).
png_chunk() { # type hexdata → chunk bytes with CRC (gzip's trailer carries the CRC-32)
    local body crc
    body=$(printf '%s' "$1" | od -An -tx1 | tr -d ' \n')$2
    crc=$(printf '%s' "$body" | sed 's/../\\x&/g' | xargs -0 printf | gzip -c | tail -c8 | head -c4 |
          od -An -tx1 | awk '{print $4$3$2$1}')
    printf '%08x%s%s' $(( ${#2} / 2 )) "$body" "$crc"
}
hex="89504e470d0a1a0a$(png_chunk IHDR 0000c3500000c3500802000000)$(png_chunk IDAT 789c03000000000001)$(png_chunk IEND '')"
printf '%s' "$hex" | sed 's/../\\x&/g' | xargs -0 printf >"$D/bomb.png"

# --- awkward but good files ---
convert "$T/good.jpg" -colorspace CMYK "$D/cmyk.jpg"
convert "$T/good.png" -depth 16 "$D/sixteen-bit.png"
convert "$T/good.png" -alpha set -channel A -evaluate set 40% "$D/alpha.png"
convert -delay 10 "$T/good.png" "$T/good.jpg[300x200!]" "$D/animated.gif"
convert "$T/good.png" -colors 16 -type Palette "$D/palette.png"
convert "$T/good.png" -colorspace Gray "$D/grey.jpg"
cp "$T/good.png" "$D/name with spaces.png"
cp "$T/good.jpg" "$D/$(printf 'new\nline.jpg')"
cp "$T/good.jpg" "$D/$(printf 'bad\377utf8.jpg')"
mkdir "$D/loop" && ln -s ../loop "$D/loop/again" && ln -s self "$D/self"
ln -s nowhere "$D/dangling.jpg"
mkfifo "$D/fifo.jpg"

run_cull index "$D"
expect_rc "a batch with bad files exits 1" 1
expect_match "zero-byte file reported" "$ERR" "zero.jpg: empty file"
expect_match "truncated JPEG reported" "$ERR" "truncated.jpg: cannot decode jpeg"
expect_match "truncated PNG reported" "$ERR" "truncated.png: cannot decode png"
expect_match "text named .jpg reported" "$ERR" "text.jpg: not an image"
expect_match "decompression bomb refused before decoding" "$ERR" "bomb.png: 50000×50000 pixels is over the limit"
expect_match "symlink loop reported" "$ERR" "self: symlink loop"
expect_match "dangling link reported" "$ERR" "dangling.jpg: dangling symlink"
expect_match "summary counts the failures" "$ERR" "7 failed"
check "the fifo was not opened (the run did not hang) and all 9 good files are indexed" \
    test "$(sql 'select count(*) from paths')" = 9
check "CMYK, 16-bit, alpha, animated, palette, grey all stored" \
    test "$(sql "select count(*) from paths where cast(path as text) glob '*/in/[cs]*' or cast(path as text) glob '*/in/[apg]*'")" = 6
check "odd names are stored byte for byte" \
    test "$(sql "select count(*) from paths where hex(path) like '%$(printf 'bad\377' | od -An -tx1 | tr -d ' \n' | tr a-f A-F)%'")" = 1
check "the loop was walked once" test "$(sql "select count(*) from paths where cast(path as text) like '%again%'")" = 0

make_photo "$T/big.jpg" 9 1200x900
run_cull index --max-pixels 100000 "$T/big.jpg"
expect_match "--max-pixels is honoured" "$ERR" "1200×900 pixels is over the limit of 100000"

# Unreadable files: root reads everything, so drop to nobody for this check.
cp "$T/good.jpg" "$D/locked.jpg" && chmod 000 "$D/locked.jpg"
if [ "$(id -u)" -eq 0 ]; then
    chmod 777 "$T" && chmod -R a+rwX "$T/xdg" "$T"/library.db* 2>/dev/null
    setpriv --reuid=nobody --regid=nogroup --clear-groups env CULL_DB="$T/nobody.db" "$CULL" index "$D/locked.jpg" \
        >"$T/out" 2>"$T/err"
    RC=$?; ERR=$(cat "$T/err")
else
    run_cull index "$D/locked.jpg"
fi
expect_rc "an unreadable file exits 1" 1
expect_match "an unreadable file is named with the reason" "$ERR" "locked.jpg: cannot open: Permission denied"

# EXIF orientation: all 8 tags give upright sizes; a rotated-and-tagged copy embeds like the original.
convert -size 400x200 gradient:red-blue -fill white -draw "rectangle 10,10 60,60" "$T/upright.jpg"
mkdir "$T/orient"
for o in 1 2 3 4 5 6 7 8; do
    case $o in 1|2|3|4) rot=0 ;; 5|6) rot=-90 ;; 7|8) rot=90 ;; esac
    convert "$T/upright.jpg" -rotate $rot "$T/orient/o$o.jpg"
    exiftool -q -overwrite_original -Orientation#=$o "$T/orient/o$o.jpg"
done
run_cull index "$T/orient"
check "all 8 orientations decode upright at 400×200" \
    test "$(sql "select count(*) from images where width = 400 and height = 200")" = 8
"$CULL" embed "$T/upright.jpg" "$T/orient/o6.jpg" | jq -s '[.[0].vector, .[1].vector] | transpose | map((.[0]-.[1]) | fabs) | max' >"$T/diff"
check "orientation 6 embeds like the upright original (max |Δ| < 0.05)" awk '{exit !($1 < 0.05)}' "$T/diff"
