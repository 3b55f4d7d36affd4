# index: finds images by content, skips unchanged files unread, follows moves, notices deletions.
. "$(dirname "$0")/../e2e_lib.sh"

mkdir -p "$T/pics/sub"
make_photo "$T/pics/a.jpg" 1
make_photo "$T/pics/sub/b.png" 2
convert "$T/pics/a.jpg" -resize 50% "$T/pics/c.webp"
make_screenshot "$T/pics/sub/d.gif" 3
make_photo "$T/tmp4.jpg" 4 && mv "$T/tmp4.jpg" "$T/pics/no-extension"
echo "just text" >"$T/pics/notes.txt"
mkdir -p "$T/heif"
vips copy "$T/pics/c.webp" "$T/heif/e.heic" && vips copy "$T/pics/sub/b.png" "$T/heif/f.avif"

run_cull index --jobs 2 "$T/pics"
expect_rc "index exits 0 on good files" 0
expect_match "summary counts 5 indexed" "$ERR" "5 images: 5 indexed"
expect_match "text file without image name is ignored quietly" "$ERR" "1 other file ignored"
check "library holds 5 images" test "$(sql 'select count(*) from images')" = 5
check "formats detected by content" test "$(sql "select group_concat(format) from (select format from images order by format)")" = "gif,jpeg,jpeg,png,webp"
check "one lite embedding per image" test "$(sql "select count(*) from embeddings where encoder='lite-1'")" = 5
check "embeddings are fp16 (2 bytes per value)" test "$(sql "select count(distinct length(vector)) from embeddings")" = 1

run_cull index "$T/pics"
expect_match "re-run skips every file on stat alone" "$ERR" "5 images: 0 indexed, 0 moved or copied, 5 unchanged"

mv "$T/pics/a.jpg" "$T/pics/sub/renamed.jpg"
run_cull index "$T/pics"
expect_match "a moved file is known by content, not decoded again" "$ERR" "0 indexed, 1 moved or copied, 4 unchanged"
expect_match "the old path is noted as gone" "$ERR" "1 no longer on disk"
check "the image count stays 5" test "$(sql 'select count(*) from images')" = 5

run_cull label delete "$T/pics/sub/renamed.jpg"
mv "$T/pics/sub/renamed.jpg" "$T/pics/moved-again.jpg"
run_cull index "$T/pics"
run_cull rank --all --format tsv "$T/pics/moved-again.jpg"
check "a label follows the content to its new name" test "$(sql "select l.label from labels l join paths p on p.image_id=l.image_id where p.path=cast('$T/pics/moved-again.jpg' as blob)")" = 1

touch -d '2001-01-01' "$T/pics/sub/b.png"
run_cull index "$T/pics"
expect_match "a touched file is re-read (and recognised)" "$ERR" "0 indexed, 1 moved or copied"

# A file replaced by rename with one of the same size and mtime (an editor's or a sync tool's
# save): only its inode tells, and the new content must not inherit the old one's embedding or label.
mkdir "$T/swap"
png_same_size() { convert -size 64x48 "gradient:$2" -strip -define png:compression-level=0 -define png:color-type=2 "PNG:$1"; }
png_same_size "$T/swap/pic.png" red-blue
run_cull index "$T/swap"
run_cull label delete "$T/swap/pic.png"
png_same_size "$T/swap/.pic.png.new" green-yellow
touch -r "$T/swap/pic.png" "$T/swap/.pic.png.new"
before=$(stat -c '%s %y %i' "$T/swap/pic.png")
mv "$T/swap/.pic.png.new" "$T/swap/pic.png"
after=$(stat -c '%s %y %i' "$T/swap/pic.png")
check "the swap keeps size and mtime, not the inode ($before; $after)" \
    test "${before% *}" = "${after% *}" -a "${before##* }" != "${after##* }"
run_cull index "$T/swap"
expect_match "a same-size, same-mtime file swapped in by rename is read again" "$ERR" "1 indexed"
path_sha=$(sql "select lower(hex(i.sha256)) from images i join paths p on p.image_id = i.id where p.path = cast('$T/swap/pic.png' as blob)")
check "the path now holds the new content" test "$path_sha" = "$(sha256sum <"$T/swap/pic.png" | cut -d' ' -f1)"
check "which carries no label of the old" test -z "$(sql "select l.label from labels l join paths p on p.image_id = l.image_id where p.path = cast('$T/swap/pic.png' as blob)")"

run_cull index "$T/pics/notes.txt"
expect_rc "a non-image named explicitly fails with status 1" 1
expect_match "its error names the file and the reason" "$ERR" "notes.txt: not an image"

run_cull index "$T/does-not-exist"
expect_rc "a missing root is an error" 1
expect_match "the missing root is named" "$ERR" "does-not-exist: No such file or directory"

run_cull --db "$T/other.db" index --quiet "$T/pics/c.webp"
check "--db picks another library" test -s "$T/other.db"
check "--quiet prints nothing on success" test -z "$ERR"

run_cull index
expect_rc "index without a path is a usage error" 2

run_cull index "$T/heif"
expect_rc "HEIC and AVIF index" 0
check "both are stored as heif" test "$(sql "select count(*) from images where format = 'heif'")" = 2

make_photo "$T/cam.jpg" 11 300x200
exiftool -q -overwrite_original -Make=Canon -Model="Canon EOS 5D" -DateTimeOriginal="2021:06:07 08:09:10" "$T/cam.jpg"
run_cull index "$T/cam.jpg"
check "EXIF make, model and date are stored" \
    test "$(sql "select make || '|' || model || '|' || datetime from images where make != ''")" = "Canon|Canon EOS 5D|2021:06:07 08:09:10"
check "size, pixels and format are stored" \
    test "$(sql "select width || 'x' || height || ' ' || format || ' ' || (bytes = $(stat -c %s "$T/cam.jpg")) from images where make != ''")" = "300x200 jpeg 1"
