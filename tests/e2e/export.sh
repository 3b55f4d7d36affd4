# cull export xmp: P(delete) into sidecars written by ExifTool in darktable's, digiKam's and
# Lightroom's conventions; every original property read back unchanged by ExifTool; flags set only
# where the user has none and never read back as the user's decision; atomic, logged writes that
# `cull undo` restores byte for byte; hostile sidecars named while the batch goes on; and kills at
# every write leave each sidecar whole (old or new) and undoable.
. "$(dirname "$0")/../e2e_lib.sh"

# --- a trained library: photos keep, screenshots delete ---
mkdir -p "$T/train/keep" "$T/train/delete"
for i in $(seq 1 12); do
    make_photo "$T/train/keep/k$i.jpg" "$i" 96x64
    make_screenshot "$T/train/delete/s$i.png" "$i" 160x120
done
"$CULL" label --quiet keep "$T/train/keep" && "$CULL" label --quiet delete "$T/train/delete" && "$CULL" train >/dev/null 2>&1
check "a model to export from" test "$(sql 'select count(*) from models')" -ge 1

P="$T/photos"
mkdir -p "$P/dt" "$P/dk" "$P/lr" "$P/emb"
xmp() { exiftool -q -o "$1" "${@:2}" "$T/train/keep/k1.jpg" 2>/dev/null; }   # a sidecar from scratch
# darktable: IMG.ext.xmp, its reject is rating -1; one rated, one unrated, one a screenshot.
make_photo "$P/dt/rated.jpg" 31 96x64;        xmp "$P/dt/rated.jpg.xmp" -XMP-xmp:Rating=3 -XMP-dc:Subject=holiday
make_screenshot "$P/dt/shot.png" 32 160x120;  xmp "$P/dt/shot.png.xmp" -XMP-xmp:Rating=0 -XMP-darktable:XmpVersion=4
make_screenshot "$P/dt/bare.png" 33 160x120   # no sidecar: a new one, darktable-named
# digiKam: IMG.ext.xmp with a pick label and a colour label.
make_screenshot "$P/dk/picked.png" 34 160x120; xmp "$P/dk/picked.png.xmp" -XMP-digiKam:PickLabel=3 -XMP-digiKam:ColorLabel=4
make_screenshot "$P/dk/none.png" 35 160x120;   xmp "$P/dk/none.png.xmp" -XMP-digiKam:ColorLabel=2
# Lightroom: IMG.xmp with many unrelated properties; a new one is named the same way.
make_photo "$P/lr/busy.jpg" 36 96x64
xmp "$P/lr/busy.xmp" -XMP-xmp:Rating=5 -XMP-xmp:Label=Red -XMP-dc:Subject=a -XMP-dc:Subject=b \
    -XMP-exif:GPSLatitude=48.85 -XMP-exif:GPSLongitude=2.35 -XMP-photoshop:History=edited -XMP-xmp:CreatorTool=Lightroom
make_screenshot "$P/lr/new.png" 37 160x120
# Embedded XMP and no sidecar: the new sidecar starts from the embedded packet.
make_photo "$P/emb/in.jpg" 38 96x64; exiftool -q -overwrite_original -XMP-xmp:Rating=2 -XMP-dc:Subject=family "$P/emb/in.jpg"

cp -a "$P" "$T/before"
# tree_sums DIR [EXCEPT]: every file's SHA-256, but EXCEPT's (a path under DIR, like ./dk/a.xmp).
tree_sums() { (cd "$1" && find . -type f ! -path "${2:-/nothing}" -print0 | sort -z | xargs -0 sha256sum); }
props() { exiftool -j -G1 -a -XMP:all --XMP-x:XMPToolkit "$@" | jq -S 'map(del(.SourceFile))'; }   # the writer's name changes: exempi wrote it
orig_props=$(props "$T/before/dt/rated.jpg.xmp" "$T/before/dt/shot.png.xmp" "$T/before/dk/picked.png.xmp" \
    "$T/before/dk/none.png.xmp" "$T/before/lr/busy.xmp")

run_cull export xmp --dry-run "$P"
expect_rc "export xmp --dry-run exits 0" 0
expect_match "it counts what it would write" "$ERR" "would write 8 sidecars \(3 new\)"
rec() { printf '%s\n' "$OUT" | awk -F'\t' -v p="$1" '$3 == p {print $2}'; }
check "an existing darktable sidecar is updated" test "$(rec "$P/dt/rated.jpg.xmp")" = update
check "a new one is named as darktable names it" test "$(rec "$P/dt/bare.png.xmp")" = create
check "a new one in Lightroom's folder is named as Lightroom names it" test "$(rec "$P/lr/new.xmp")" = create
check "an image with embedded XMP gets a sidecar" test "$(rec "$P/emb/in.jpg.xmp")" = create
check "the dry run changed nothing" test "$(tree_sums "$P")" = "$(tree_sums "$T/before")"
check "-z ends records in NUL" test "$("$CULL" export xmp --dry-run -z "$P" 2>/dev/null | tr -cd '\0' | wc -c)" = 8

run_cull export xmp "$P"
expect_rc "without a terminal to ask and no --yes: exit 2" 2
expect_match "saying how to go on" "$ERR" "8 files would be written, and there is no terminal to ask: nothing written"
check "and nothing was written" test "$(tree_sums "$P")" = "$(tree_sums "$T/before")"

run_cull export xmp --yes "$P"
expect_rc "export xmp --yes exits 0" 0
expect_match "it says what it wrote" "$ERR" "wrote 8 sidecars \(3 new\)"
cp -a "$P" "$T/after1"
check "every original property reads back unchanged (ExifTool)" test "$(props "$P/dt/rated.jpg.xmp" "$P/dt/shot.png.xmp" \
    "$P/dk/picked.png.xmp" "$P/dk/none.png.xmp" "$P/lr/busy.xmp" | jq -S 'map(with_entries(select(.key | startswith("XMP-cull:") | not)))')" = "$orig_props"
pd() { exiftool -s3 -XMP-cull:PDelete "$1"; }
check "ExifTool reads cull:PDelete" test -n "$(pd "$P/dt/shot.png.xmp")"
check "a screenshot scores above a photo" awk -v s="$(pd "$P/dt/shot.png.xmp")" -v p="$(pd "$P/dt/rated.jpg.xmp")" 'BEGIN { exit !(s > p) }'
rank_p=$("$CULL" rank "$P/dt/shot.png" | cut -f1)
check "the value is rank's P(delete)" awk -v a="$rank_p" -v b="$(pd "$P/dt/shot.png.xmp")" 'BEGIN { d = a - b; exit !(d < 0.0001 && d > -0.0001) }'
check "with cull:Model and cull:Date" test -n "$(exiftool -s3 -XMP-cull:Model "$P/dt/shot.png.xmp")" -a -n "$(exiftool -s3 -XMP-cull:Date "$P/dt/shot.png.xmp")"
check "the new sidecar of an image with embedded XMP keeps its rating and keywords" \
    test "$(exiftool -s3 -XMP-xmp:Rating -XMP-dc:Subject "$P/emb/in.jpg.xmp" | tr '\n' ' ')" = "2 family "
check "the image itself is untouched" cmp -s "$P/emb/in.jpg" "$T/before/emb/in.jpg"

run_cull export xmp --yes "$P"
expect_match "a second export with the same model rewrites nothing" "$ERR" "wrote 0 sidecars \(0 new\); 8 already up to date"
check "byte for byte" test "$(tree_sums "$P")" = "$(tree_sums "$T/after1")"

# --- flags: only where the user has none; never read back as the user's decision ---
run_cull export xmp --yes --mark reject --above 0.5 "$P"
expect_rc "export --mark reject exits 0" 0
rating() { exiftool -s3 -XMP-xmp:Rating "$1"; }
check "an unrated screenshot is flagged rejected" test "$(rating "$P/dt/shot.png.xmp")" = -1
check "a new sidecar's screenshot too" test "$(rating "$P/lr/new.xmp")" = -1
check "a rated photo is not (below --above, and rated)" test "$(rating "$P/dt/rated.jpg.xmp")" = 3
check "cull records the flag it set" test "$(exiftool -s3 -XMP-cull:Mark "$P/dt/shot.png.xmp")" = "xmp:Rating"
run_cull import xmp --dry-run "$P"
check "import does not take cull's flag for the user's reject" test -z "$(printf '%s\n' "$OUT" | awk -F'\t' '$1 == "delete"')"
run_cull export xmp --yes --mark pick --above 0 "$P"
check "a pick flag replaces the reject flag" test "$(rating "$P/dt/shot.png.xmp")" = 0 -a "$(exiftool -s3 -XMP-digiKam:PickLabel "$P/dt/shot.png.xmp")" = 2
check "the user's accepted pick stays" test "$(exiftool -s3 -XMP-digiKam:PickLabel "$P/dk/picked.png.xmp")" = 3
expect_match "and the count says so" "$ERR" "kept your own flag"
run_cull export xmp --yes --mark label=cull --above 0.5 "$P"
check "a label flag where there is none" test "$(exiftool -s3 -XMP-xmp:Label "$P/dt/shot.png.xmp")" = cull
check "Lightroom's Red label stays" test "$(exiftool -s3 -XMP-xmp:Label "$P/lr/busy.xmp")" = Red
check "the pick flag was taken back" test -z "$(exiftool -s3 -XMP-digiKam:PickLabel "$P/dt/shot.png.xmp")"
exiftool -q -overwrite_original -XMP-xmp:Label=Purple "$P/dk/none.png.xmp"   # the user relabels one cull flagged
cp -a "$P" "$T/after4"
run_cull export xmp --yes "$P"
check "without --mark cull's flags are taken back" test -z "$(exiftool -s3 -XMP-xmp:Label "$P/dt/shot.png.xmp")"
check "one the user changed since is theirs" test "$(exiftool -s3 -XMP-xmp:Label "$P/dk/none.png.xmp")" = Purple

# --- a pair sharing Adobe's IMG.xmp: export gives each its own sidecar, import still reads the pair's ---
mkdir -p "$T/pair"
make_screenshot "$T/pair/IMG_7.png" 60 160x120; convert "$T/pair/IMG_7.png" "$T/pair/IMG_7.jpg"
xmp "$T/pair/IMG_7.xmp" -XMP-xmp:Rating=-1
CULL_DB="$T/pair.db" "$CULL" import xmp --quiet "$T/pair"
pair_labels() { sqlite3 "$T/pair.db" "select group_concat(l.label || l.source, ' ') from labels l join paths p on p.image_id = l.image_id where cast(p.path as text) like '$T/pair/%'"; }
check "import: both files of the pair take the reject in IMG_7.xmp" test "$(pair_labels)" = "1xmp 1xmp"
CULL_DB="$T/pair.db" "$CULL" label --quiet keep "$T/train/keep" && CULL_DB="$T/pair.db" "$CULL" label --quiet delete "$T/train/delete"
CULL_DB="$T/pair.db" "$CULL" export xmp --yes --all "$T/pair" 2>/dev/null
check "export: each file of the pair gets a sidecar of its own, IMG_7.xmp is left alone" \
    test -f "$T/pair/IMG_7.png.xmp" -a -f "$T/pair/IMG_7.jpg.xmp" -a "$(rating "$T/pair/IMG_7.xmp")" = -1
CULL_DB="$T/pair.db" "$CULL" import xmp --quiet "$T/pair"
check "import again: a sidecar with only cull's properties hides nothing, the pair stays rejected" test "$(pair_labels)" = "1xmp 1xmp"

# --- one run that moves or writes files at a time per library (flock(1) holds the lock here) ---
if command -v flock >/dev/null; then
    before_lock=$(tree_sums "$P")
    out=$(flock "$CULL_DB.changes-lock" "$CULL" undo 2>&1); rc=$?
    check "undo while another run holds the library's lock: exit 1" test "$rc" = 1
    expect_match "saying why" "$out" "another cull apply, export, undo or review is moving or writing files of this library now"
    out=$(flock "$CULL_DB.changes-lock" "$CULL" export xmp --yes --mark pick --above 0 "$P" 2>&1); rc=$?
    check "export likewise" test "$rc" = 1
    out=$(flock "$CULL_DB.changes-lock" "$CULL" apply --yes "$P" 2>&1); rc=$?
    check "apply likewise" test "$rc" = 1
    check "and none of them changed a file" test "$(tree_sums "$P")" = "$before_lock"
else
    pass "# SKIP flock(1) is not installed"
fi
# After a killed apply, an export waits until the apply is finished or undone (undo's order).
sql "INSERT OR REPLACE INTO meta VALUES ('unfinished_apply', 999)"
run_cull export xmp --yes --mark pick --above 0 "$P"
expect_rc "export after an unfinished apply: exit 1" 1
expect_match "saying what to run" "$ERR" \
    "a move to the Trash was cut short \(cull apply or cull dupes --trash-copies\): run either again .* or cull undo first"
sql "DELETE FROM meta WHERE key = 'unfinished_apply'"

# --- undo: newest export first, byte for byte ---
run_cull undo --dry-run
expect_match "undo --dry-run lists the sidecars" "$OUT" "$P/dt/shot.png.xmp"
run_cull undo
expect_rc "undo exits 0" 0
expect_match "saying what it restored" "$ERR" "restored [0-9]+ files as they were before cull export"
check "the last export is undone, byte for byte" test "$(tree_sums "$P")" = "$(tree_sums "$T/after4")"
for i in 1 2 3; do "$CULL" undo 2>/dev/null; done   # the three flag exports
relabelled=./dk/none.png.xmp   # the user's since the label export: every undo leaves it
check "then the first one's sidecars are back" test "$(tree_sums "$P" $relabelled)" = "$(tree_sums "$T/after1" $relabelled)"
"$CULL" undo 2>/dev/null
check "and then the originals: the new sidecars gone, the others byte for byte" \
    test "$(tree_sums "$P" $relabelled)" = "$(tree_sums "$T/before" $relabelled)"
check "but the sidecar the user relabelled keeps their label" test "$(exiftool -s3 -XMP-xmp:Label "$P/$relabelled")" = Purple
run_cull undo
expect_match "nothing left to undo" "$ERR" "nothing to undo"

# A sidecar the user changed after the export stays as they left it.
"$CULL" export xmp --yes "$P/dt" 2>/dev/null
exiftool -q -overwrite_original -XMP-xmp:Rating=4 "$P/dt/rated.jpg.xmp"
cp "$P/dt/rated.jpg.xmp" "$T/user.xmp"
run_cull undo
expect_rc "undo with a sidecar changed since: exit 1" 1
expect_match "naming it" "$ERR" "rated.jpg.xmp: changed or removed since cull export wrote it: left as it is"
check "it is left as the user made it" cmp -s "$P/dt/rated.jpg.xmp" "$T/user.xmp"
check "the others are restored" cmp -s "$P/dt/shot.png.xmp" "$T/before/dt/shot.png.xmp"
check "the one cull created is removed" test ! -e "$P/dt/bare.png.xmp"

# --- hostile sidecars: named, the batch goes on ---
B="$P/bad"; mkdir -p "$B"
make_screenshot "$B/good.png" 40 160x120
make_screenshot "$B/broken.png" 41 160x120; printf '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF' >"$B/broken.png.xmp"
make_screenshot "$B/link.png" 42 160x120; ln -s /etc/passwd "$B/link.png.xmp"
make_screenshot "$B/folder.png" 43 160x120; mkdir "$B/folder.png.xmp"
make_screenshot "$B/laughs.png" 44 160x120
printf '<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;&a;">]><x:xmpmeta xmlns:x="adobe:ns:meta/"/>' >"$B/laughs.png.xmp"
passwd_sum=$(sha256sum /etc/passwd)
run_cull export xmp --yes "$B"
expect_rc "hostile sidecars: exit 1" 1
expect_match "the good one is written" "$ERR" "wrote 1 sidecar \(1 new\); 4 failed"
expect_match "malformed XMP is named" "$ERR" "broken.png.xmp: malformed XMP"
expect_match "a symbolic link is not written through" "$ERR" "link.png.xmp: the sidecar is a symbolic link"
expect_match "a folder is named" "$ERR" "folder.png.xmp: the sidecar is a folder"
expect_match "a DTD is refused" "$ERR" "laughs.png.xmp: XMP with a DTD"
check "the link's target is untouched" test "$(sha256sum /etc/passwd)" = "$passwd_sum"
check "the broken sidecar is untouched" test "$(cat "$B/broken.png.xmp")" = '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF'
run_cull export xmp --yes "$T/no-such-folder"
expect_rc "a missing PATH: exit 1" 1

# --- killed at each write: every sidecar whole, and undo restores the originals ---
rm -rf "$P" && cp -a "$T/before" "$P"
"$CULL" undo >/dev/null 2>&1   # the hostile run's one sidecar
steps=$(steps_of export xmp --yes "$P")
"$CULL" undo >/dev/null 2>&1
check "the counted run was undone" test "$(tree_sums "$P")" = "$(tree_sums "$T/before")"
renames=$(STOP_SHIM_CALLS=rename,renameat2 steps_of export xmp --yes "$P")
"$CULL" undo >/dev/null 2>&1
check "one rename per sidecar written" test "$renames" = 8
whole() {   # each sidecar parses, and is its original or holds cull's PDelete
    local f
    for f in $(cd "$P" && find . -name '*.xmp'); do
        if ! cmp -s "$P/$f" "$T/before/$f" && [ -z "$(exiftool -s3 -XMP-cull:PDelete "$P/$f")" ]; then return 1; fi
    done
}
for k in 1 3 6 8; do
    CULL_DB="$CULL_DB" stopped_at "$k" calls=rename,renameat2 export xmp --yes "$P"
    kill -9 "$STOPPED" 2>/dev/null; { wait "$STOPPED"; } 2>/dev/null
    check "killed before rename $k of $renames: every sidecar whole" whole
    run_cull undo
    check "killed before rename $k: undo restores the originals byte for byte (and removes the temporary file)" test "$(tree_sums "$P")" = "$(tree_sums "$T/before")"
done
echo "# an uninterrupted export takes $steps steps ($renames renames)"

# --- --embedded: into the image's own packet, the image as it was in the Trash ---
E="$T/emb"; mkdir -p "$E"
make_screenshot "$E/shot.jpg" 50 160x120
exiftool -q -overwrite_original -Make=Canon -Orientation#=1 -XMP-xmp:Rating=0 -XMP-dc:Subject=work "$E/shot.jpg"
make_screenshot "$E/shot.png" 51 160x120
make_screenshot "$E/shot.tif" 52 160x120
make_screenshot "$E/side.png" 53 160x120; xmp "$E/side.png.xmp" -XMP-xmp:Label=Blue   # has a sidecar: it is used
# A JPEG with Extended XMP (what a phone's depth map uses; here a 100 KB description, which
# ExifTool splits so): the rewrite would drop it, so it gets a sidecar.
make_screenshot "$E/depth.jpg" 54 160x120
head -c 80000 /dev/urandom | base64 -w0 >"$T/depth.b64"
exiftool -q -overwrite_original "-XMP-dc:Description<=$T/depth.b64" "$E/depth.jpg"
check "(the JPEG has Extended XMP)" test -n "$(exiftool -s3 -XMP-xmpNote:HasExtendedXMP "$E/depth.jpg")"
cp -a "$E" "$T/emb-before"
pixels() { identify -format '%#\n' "$@"; }
run_cull export xmp --embedded --all "$E"
expect_rc "--embedded is for unlabelled images: --all is a usage error" 2
run_cull export xmp --embedded --dry-run "$E"
check "--dry-run: JPEG, PNG and TIFF are embedded into" test "$(printf '%s\n' "$OUT" | cut -f2 | sort | uniq -c | awk '{print $1 $2}' | tr '\n' ' ')" = "1create 3embed 1update "
check "the JPEG with Extended XMP gets a sidecar instead" test "$(printf '%s\n' "$OUT" | awk -F'\t' -v p="$E/depth.jpg.xmp" '$3 == p {print $2}')" = create
run_cull export xmp --embedded --yes --mark reject "$E"
expect_rc "export --embedded exits 0" 0
expect_match "it says what it wrote" "$ERR" "wrote 2 sidecars \(1 new\) and the XMP in 3 images"
check "the depth map is still in the JPEG, byte for byte" cmp -s "$E/depth.jpg" "$T/emb-before/depth.jpg"
for f in shot.jpg shot.png shot.tif; do
    check "$f: ExifTool reads cull:PDelete in the image" test -n "$(exiftool -s3 -XMP-cull:PDelete "$E/$f")"
    check "$f: the pixels are the same" test "$(pixels "$E/$f")" = "$(pixels "$T/emb-before/$f")"
    check "$f: the image as it was is in the Trash" cmp -s "$XDG_DATA_HOME/Trash/files/$f" "$T/emb-before/$f"
done
check "the JPEG keeps its EXIF and its XMP keywords" test "$(exiftool -s3 -Make -XMP-dc:Subject "$E/shot.jpg" | tr '\n' ' ')" = "Canon work "
check "an unrated JPEG is flagged in its own packet" test "$(exiftool -s3 -XMP-xmp:Rating "$E/shot.jpg")" = -1
check "no sidecar was made for them" test -z "$(find "$E" -name 'shot.*.xmp')"
run_cull index "$E"
expect_match "the library follows the new content: nothing to read again" "$ERR" "0 indexed, 0 moved or copied, 5 unchanged"
run_cull rank "$E"
check "and rank still scores them" test "$(printf '%s\n' "$OUT" | wc -l)" = 5
run_cull import xmp --dry-run "$E"
check "import does not take cull's flag in the image for a reject" test -z "$(printf '%s\n' "$OUT" | awk -F'\t' '$1 == "delete"')"
run_cull undo
expect_match "undo restores images and sidecars" "$ERR" "restored 5 files as they were before cull export"
check "every image and the sidecar are back byte for byte" test "$(tree_sums "$E")" = "$(tree_sums "$T/emb-before")"
check "and the Trash no longer holds them" test -z "$(ls "$XDG_DATA_HOME/Trash/files" | grep '^shot\.')"
run_cull index "$E"
expect_match "the library follows them back" "$ERR" "0 indexed, 0 moved or copied, 5 unchanged"

# An image the user changed after the export stays as they made it; the one before stays in the Trash.
"$CULL" export xmp --embedded --yes "$E" 2>/dev/null
exiftool -q -overwrite_original -XMP-xmp:Rating=5 "$E/shot.png"
cp "$E/shot.png" "$T/user.png"
run_cull undo
expect_rc "undo with an image changed since: exit 1" 1
expect_match "naming it" "$ERR" "shot.png: changed or removed since cull export wrote it: left as it is"
check "it is left as the user made it" cmp -s "$E/shot.png" "$T/user.png"
check "the image before is still in the Trash" cmp -s "$XDG_DATA_HOME/Trash/files/shot.png" "$T/emb-before/shot.png"
check "the others are back" cmp -s "$E/shot.jpg" "$T/emb-before/shot.jpg"
mv "$XDG_DATA_HOME/Trash/files/shot.png" "$E/shot.png" && rm -f "$XDG_DATA_HOME/Trash/info/shot.png.trashinfo"
"$CULL" index "$E" >/dev/null 2>&1

# The Trash emptied since: the image before is gone, cull's version stays, and undo moves on.
"$CULL" export xmp --embedded --yes "$E" 2>/dev/null
rm -f "$XDG_DATA_HOME/Trash/files/shot.tif" "$XDG_DATA_HOME/Trash/info/shot.tif.trashinfo"
cp "$E/shot.tif" "$T/cull-version.tif"
run_cull undo
expect_rc "undo with the Trash emptied of one image: exit 1" 1
expect_match "naming it" "$ERR" "shot.tif: the image before cull export is no longer in the Trash"
check "cull's version of it stays" cmp -s "$E/shot.tif" "$T/cull-version.tif"
check "the others are back" cmp -s "$E/shot.jpg" "$T/emb-before/shot.jpg"
run_cull undo
expect_match "the next undo goes on to older runs, not this one again" "$ERR" "nothing to undo|restored [0-9]+ files"
cp "$T/emb-before/shot.tif" "$E/shot.tif" && "$CULL" index "$E" >/dev/null 2>&1

# Killed at every rename of an embedded export, then of its undo: each image whole, nothing lost.
image_whole() {   # each image is its original or cull's version, and what is not here is in the Trash
    local f
    for f in shot.jpg shot.png shot.tif; do
        if [ -e "$E/$f" ]; then
            cmp -s "$E/$f" "$T/emb-before/$f" || [ -n "$(exiftool -s3 -XMP-cull:PDelete "$E/$f")" ] || return 1
        else
            cmp -s "$XDG_DATA_HOME/Trash/files/$f" "$T/emb-before/$f" || return 1
        fi
    done
}
erenames=$(STOP_SHIM_CALLS=rename,renameat2 steps_of export xmp --embedded --yes "$E")
"$CULL" undo >/dev/null 2>&1
# Two renames per image (to the Trash, into place), one for the sidecar, and exempi's own inside
# the work folder: kills land between each.
check "at least two renames per image and one for the sidecar" test "$erenames" -ge 7
for k in $(seq 1 "$erenames"); do
    stopped_at "$k" calls=rename,renameat2 export xmp --embedded --yes "$E"
    kill -9 "$STOPPED" 2>/dev/null; { wait "$STOPPED"; } 2>/dev/null
    check "--embedded killed before rename $k: every image whole or in the Trash" image_whole
    run_cull undo
    check "--embedded killed before rename $k: undo brings back every file byte for byte" \
        test "$(tree_sums "$E")" = "$(tree_sums "$T/emb-before")"
done
"$CULL" export xmp --embedded --yes "$E" 2>/dev/null
urenames=$(STOP_SHIM_CALLS=rename,renameat2 steps_of undo)
"$CULL" export xmp --embedded --yes "$E" 2>/dev/null
for k in $(seq 1 "$urenames"); do
    stopped_at "$k" calls=rename,renameat2 undo
    kill -9 "$STOPPED" 2>/dev/null; { wait "$STOPPED"; } 2>/dev/null
    check "undo killed before rename $k of $urenames: every image whole or in the Trash" image_whole
    run_cull undo
    check "undo killed before rename $k: the re-run brings back every file byte for byte" \
        test "$(tree_sums "$E")" = "$(tree_sums "$T/emb-before")"
    [ "$k" = "$urenames" ] || "$CULL" export xmp --embedded --yes "$E" 2>/dev/null
done
