# A hostile corpus, generated here (no binaries are committed): truncations at many offsets,
# bit flips, decompression bombs in several formats, a real 250-megapixel JPEG, animations, a
# 2 MB EXIF block, long names. Indexing it never crashes or hangs, stays under 1 GB, indexes
# every good file and names every bad one with a reason.
. "$(dirname "$0")/../e2e_lib.sh"

S="$T/src" H="$T/hostile"
mkdir -p "$S" "$H"
make_photo "$S/p.jpg" 1 640x480
convert "$S/p.jpg" "$S/p.png"
convert "$S/p.jpg" "$S/p.webp"
convert "$S/p.jpg" -colors 64 "$S/p.gif"
vips copy "$S/p.jpg" "$S/p.heic"

# Truncated at 9 offsets each.
for f in "$S"/p.*; do
    size=$(stat -c %s "$f"); ext=${f##*.}
    for k in 1 2 3 5 8 11 13 14 15; do head -c $((size * k / 16)) "$f" >"$H/trunc-$k-16.$ext"; done
done

# 12 random byte flips after the first 64 bytes, 6 variants per format (seeded: reproducible).
flip() { # file seed
    local size; size=$(stat -c %s "$1")
    awk -v s="$2" -v n="$size" 'BEGIN { srand(s); for (i = 0; i < 12; i++) printf "%d %d\n", 64 + int(rand() * (n - 64)), int(rand() * 256) }' |
    while read -r off byte; do
        printf "$(printf '\\%03o' "$byte")" | dd of="$1" bs=1 seek="$off" conv=notrunc status=none
    done
}
for f in "$S"/p.*; do
    ext=${f##*.}
    for s in 1 2 3 4 5 6; do cp "$f" "$H/flip-$s.$ext"; flip "$H/flip-$s.$ext" "$s$ext"; done
done

# Bombs: tiny files declaring huge sizes.
set_be16() { printf "$(printf '\\%03o\\%03o' $(($2 >> 8)) $(($2 & 255)))" | dd of="$1" bs=1 seek="$3" conv=notrunc status=none; }
set_le16() { printf "$(printf '\\%03o\\%03o' $(($2 & 255)) $(($2 >> 8)))" | dd of="$1" bs=1 seek="$3" conv=notrunc status=none; }
convert -size 64x64 xc:gray "$H/bomb-jpeg.jpg"
sof=$(grep -obUaP '\xff\xc0' "$H/bomb-jpeg.jpg" | head -1 | cut -d: -f1)
set_be16 "$H/bomb-jpeg.jpg" 65000 $((sof + 5)); set_be16 "$H/bomb-jpeg.jpg" 65000 $((sof + 7))
convert -size 64x64 xc:gray "$H/bomb-gif.gif"
set_le16 "$H/bomb-gif.gif" 65535 6; set_le16 "$H/bomb-gif.gif" 65535 8
png_bomb() { # path width height — a PNG whose IHDR (with a correct CRC) declares the size
    local ihdr crc
    ihdr=$(printf '49484452%08x%08x0802000000' "$2" "$3")
    crc=$(printf '%s' "$ihdr" | sed 's/../\\x&/g' | xargs -0 printf | gzip -c | tail -c8 | head -c4 | od -An -tx1 | awk '{print $4$3$2$1}')
    printf '%s' "89504e470d0a1a0a0000000d${ihdr}${crc}0000000049454e44ae426082" | sed 's/../\\x&/g' | xargs -0 printf >"$1"
}
png_bomb "$H/bomb-50k.png" 50000 50000
png_bomb "$H/bomb-100k.png" 100000 100000

# Awkward but good.
vips black "$H/huge-250mp.jpg" 20000 12500 --bands 3
convert -delay 10 "$S/p.png" "$S/p.jpg" -loop 0 "$H/animated.webp"
convert -delay 10 "$S/p.gif" "$S/p.jpg" -loop 0 "$H/animated.gif"
head -c 2000000 /dev/zero | tr '\0' 'x' >"$T/comment.txt"
cp "$S/p.png" "$H/exif-2mb.png" && exiftool -q -q -overwrite_original "-UserComment<=$T/comment.txt" "$H/exif-2mb.png"
cp "$S/p.jpg" "$H/$(printf 'n%.0s' $(seq 1 251)).jpg"
good=5   # huge-250mp, animated x2, exif-2mb, the 255-byte name

/usr/bin/time -f '%M' -o "$T/rss" timeout 300 "$CULL" index --jobs 2 "$H" >"$T/out" 2>"$T/err"
RC=$?
ERR=$(cat "$T/err")
check "indexing the hostile corpus ends with status 1, not a crash or a hang (got $RC)" test "$RC" = 1
check "no sanitizer or runtime report" sh -c "! grep -qE 'Sanitizer|runtime error' '$T/err'"
total=$(ls "$H" | wc -l)
summary=$(tail -1 "$T/err")
indexed=$(printf '%s' "$summary" | sed -nE 's/^([0-9]+) images: ([0-9]+) indexed, ([0-9]+) moved or copied, [0-9]+ unchanged, ([0-9]+) failed.*/\2 \3 \4/p')
set -- $indexed
check "every file is accounted for: indexed + known + failed = $total ($summary)" test "$(( $1 + $2 + $3 ))" = "$total"
check "each failure names its file with a reason" test "$(grep -c "^cull: $H/.*: ." "$T/err")" = "$3"
for f in huge-250mp.jpg animated.webp animated.gif exif-2mb.png; do
    check "good file indexed: $f" test "$(sql "select count(*) from paths where path = cast('$H/$f' as blob)")" = 1
done
check "the 255-byte name is indexed" test "$(sql "select count(*) from paths where length(path) = length('$H/') + 255")" = 1
# (bomb-gif.gif only inflates the GIF's logical screen; libvips decodes its 64×64 frame, so it
# may be indexed: the peak-memory check below is what guards it.)
for b in bomb-jpeg.jpg bomb-50k.png bomb-100k.png; do
    expect_match "decompression bomb refused: $b" "$ERR" "$b: .*(over the limit|cannot)"
done
check "the 250 MP image was not refused (default --max-pixels 300000000)" sh -c "! grep -q 'huge-250mp.jpg' '$T/err'"
rss=$(tail -1 "$T/rss")
case "${CULL_BUILD:-}" in
*asan*) pass "# SKIP peak memory is not meaningful under ASan ($((rss / 1024)) MB)" ;;
*) check "peak memory stays under 1 GB (got $((rss / 1024)) MB)" test "$rss" -lt 1048576 ;;
esac
run_cull --db "$T/fresh.db" index --max-pixels 100000000 "$H/huge-250mp.jpg"
expect_match "--max-pixels refuses the 250 MP image when asked" "$ERR" "20000×12500 pixels is over the limit of 100000000"
