# cull import: labels from XMP written the way darktable, digiKam and Lightroom write it (by
# ExifTool, in each tool's convention), embedded or in sidecars; from a Lightroom Classic catalog;
# and hostile XMP and catalogs, each a clear error naming the file while the batch goes on.
. "$(dirname "$0")/../e2e_lib.sh"

P="$T/photos"
mkdir -p "$P/dt" "$P/dk" "$P/lr" "$P/emb" "$P/bad"
n=0
pic() { n=$((n + 1)); make_photo "$1" "$n" 96x64; }   # a different picture each time
xmp() { exiftool -q -o "$1" "${@:2}" "$T/src.jpg" 2>/dev/null; }   # a sidecar from scratch
make_photo "$T/src.jpg" 999 32x32

# darktable: IMG.jpg.xmp, rating -1 for a reject, its own history beside it.
pic "$P/dt/reject.jpg";  xmp "$P/dt/reject.jpg.xmp" -XMP-xmp:Rating=-1 -XMP-dc:Subject=holiday
pic "$P/dt/three.jpg";   xmp "$P/dt/three.jpg.xmp" -XMP-xmp:Rating=3
pic "$P/dt/zero.jpg";    xmp "$P/dt/zero.jpg.xmp" -XMP-xmp:Rating=0
# digiKam: IMG.jpg.xmp, PickLabel 1 rejected / 3 accepted, a colour label.
pic "$P/dk/rejected.jpg"; xmp "$P/dk/rejected.jpg.xmp" -XMP-digiKam:PickLabel=1 -XMP-xmp:Rating=4
pic "$P/dk/accepted.jpg"; xmp "$P/dk/accepted.jpg.xmp" -XMP-digiKam:PickLabel=3
pic "$P/dk/purple.jpg";   xmp "$P/dk/purple.jpg.xmp" -XMP-digiKam:ColorLabel=4
# Lightroom: IMG.xmp (the extension replaced), stars and a colour label's name; one with many
# unrelated properties (keywords, GPS, a history) around the rating.
pic "$P/lr/two.jpg";     xmp "$P/lr/two.xmp" -XMP-xmp:Rating=2 -XMP-xmp:Label=Red
pic "$P/lr/busy.jpg";    xmp "$P/lr/busy.xmp" -XMP-xmp:Rating=5 -XMP-dc:Subject=a -XMP-dc:Subject=b \
    -XMP-exif:GPSLatitude=48.85 -XMP-exif:GPSLongitude=2.35 -XMP-photoshop:History=edited -XMP-xmp:CreatorTool=Lightroom
# Embedded: in a JPEG and in a PNG; and a file with no XMP at all.
pic "$P/emb/in.jpg";  exiftool -q -overwrite_original -XMP-xmp:Rating=-1 "$P/emb/in.jpg"
convert -size 80x60 gradient:green-white "$P/emb/in.png"; exiftool -q -overwrite_original -XMP-xmp:Rating=1 "$P/emb/in.png" 2>/dev/null
pic "$P/emb/none.jpg"

run_cull import xmp --dry-run "$P/dt" "$P/dk" "$P/lr" "$P/emb"
expect_rc "import xmp --dry-run exits 0" 0
check "a dry run makes no library" test ! -e "$CULL_DB"
expect_match "the counts come first" "$(printf '%s\n' "$OUT" | head -1)" \
    "^11 images: 5 would be keep, 3 delete, 3 left unlabelled \(1 without XMP\)$"
lab() { printf '%s\n' "$OUT" | awk -F'\t' -v p="$1" '$3 == p {print $1 " " $2}'; }
check "darktable's rating -1 is a delete" test "$(lab "$P/dt/reject.jpg")" = "delete rejected (rating -1)"
check "three stars keep" test "$(lab "$P/dt/three.jpg")" = "keep rating 3 ≥ 1"
check "zero stars stay unlabelled" test -z "$(lab "$P/dt/zero.jpg")"
check "digiKam's rejected pick is a delete, over its 4 stars" test "$(lab "$P/dk/rejected.jpg")" = "delete rejected (pick)"
check "digiKam's accepted pick keeps" test "$(lab "$P/dk/accepted.jpg")" = "keep picked"
check "a colour label alone keeps nothing by default" test -z "$(lab "$P/dk/purple.jpg")"
check "Lightroom's IMG.xmp sidecar is read" test "$(lab "$P/lr/two.jpg")" = "keep rating 2 ≥ 1"
check "a rating among many unrelated properties is read" test "$(lab "$P/lr/busy.jpg")" = "keep rating 5 ≥ 1"
check "XMP embedded in a JPEG" test "$(lab "$P/emb/in.jpg")" = "delete rejected (rating -1)"
check "XMP embedded in a PNG" test "$(lab "$P/emb/in.png")" = "keep rating 1 ≥ 1"

run_cull import xmp --dry-run --keep 'rating>=3,label=red,color=4' "$P"
expect_match "--keep rating>=3,label=red,color=4" "$(printf '%s\n' "$OUT" | head -1)" "4 would be keep"
check "a label matches whatever its case" test "$(lab "$P/lr/two.jpg")" = "keep label Red"
check "a digiKam colour label keeps when asked" test "$(lab "$P/dk/purple.jpg")" = "keep color label 4"
run_cull import xmp --keep 'stars>2' "$P"
expect_rc "a bad keep rule is a usage error" 2
expect_match "naming the item" "$ERR" "'stars>2' is not a keep rule item"
check "-z ends records in NUL" test "$("$CULL" import xmp --dry-run -z "$P/dt" | tr -cd '\0' | wc -c)" = 2

# The real run: indexed, labelled, source xmp; a label made in cull stands.
"$CULL" label --quiet keep "$P/dt/reject.jpg"
run_cull import xmp "$P/dt" "$P/dk" "$P/lr" "$P/emb"
expect_rc "import xmp exits 0" 0
expect_match "it says what it did" "$ERR" "11 images: 5 labelled keep, 2 delete, 3 left unlabelled \(1 without XMP\); 1 labelled in cull kept their label"
label_of() { sql "select coalesce((select l.label || ' ' || l.source from labels l join paths p on p.image_id = l.image_id where p.path = cast('$1' as blob)), 'none')"; }
check "the labels are stored with source xmp" test "$(label_of "$P/dk/rejected.jpg")" = "1 xmp"
check "a keep from cull is not replaced by the XMP reject" test "$(label_of "$P/dt/reject.jpg")" = "0 cli"
check "unlabelled ones are indexed but not labelled" test "$(label_of "$P/dt/zero.jpg")" = none
run_cull status --format json
check "status shows labels by source" jqe '.labels.by_source.xmp == {"keep": 5, "delete": 2} and .labels.by_source.cli.keep == 1' <<<"$OUT"
exiftool -q -overwrite_original -XMP-xmp:Rating=-1 "$P/lr/two.xmp"
run_cull import xmp "$P/lr"
check "a re-import follows the other tool's decision now" test "$(label_of "$P/lr/two.jpg")" = "1 xmp"
exiftool -q -overwrite_original -XMP-xmp:Rating=0 "$P/lr/two.xmp"
run_cull import xmp "$P/lr"
check "and clears the label when the other tool took its decision back" test "$(label_of "$P/lr/two.jpg")" = none
expect_match "saying so" "$ERR" "1 labels an earlier import set cleared"

# --- hostile XMP: named, and the batch goes on ---
pic "$P/bad/good.jpg"; xmp "$P/bad/good.jpg.xmp" -XMP-xmp:Rating=2
pic "$P/bad/broken.jpg"; printf '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF><rdf:Description' >"$P/bad/broken.jpg.xmp"
pic "$P/bad/laughs.jpg"
cat >"$P/bad/laughs.jpg.xmp" <<'EOF'
<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;"><!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">]>
<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
<rdf:Description xmlns:xmp="http://ns.adobe.com/xap/1.0/" xmp:Rating="5" xmp:Label="&lol4;"/></rdf:RDF></x:xmpmeta>
EOF
pic "$P/bad/huge.jpg"; head -c $((17 << 20)) /dev/zero | tr '\0' ' ' >"$P/bad/huge.jpg.xmp"
pic "$P/bad/latin1.jpg"; printf '<x:xmpmeta xmlns:x="adobe:ns:meta/"><!-- caf\xe9 --></x:xmpmeta>' >"$P/bad/latin1.jpg.xmp"
pic "$P/bad/folder.jpg"; mkdir "$P/bad/folder.jpg.xmp"
pic "$P/bad/link.jpg"; ln -s /etc/passwd "$P/bad/link.jpg.xmp"
run_cull import xmp "$P/bad"
expect_rc "hostile sidecars: exit 1" 1
expect_match "the good one is still labelled" "$ERR" "1 labelled keep"
check "and stored" test "$(label_of "$P/bad/good.jpg")" = "0 xmp"
expect_match "malformed XMP is named" "$ERR" "broken.jpg.xmp: malformed XMP"
expect_match "entity expansion is refused" "$ERR" "laughs.jpg.xmp: XMP with a DTD or entity declarations is refused"
expect_match "a huge sidecar is refused" "$ERR" "huge.jpg.xmp: sidecar of 17825792 bytes is over the limit"
expect_match "a sidecar that is not UTF-8 is refused" "$ERR" "latin1.jpg.xmp: XMP is not UTF-8"
expect_match "a sidecar that is a folder is refused" "$ERR" "folder.jpg.xmp: the sidecar is a folder"
expect_match "a sidecar that is a symbolic link is not followed" "$ERR" "link.jpg.xmp: the sidecar is a symbolic link"
check "nothing hostile got a label" test "$(sql "select count(*) from labels l join paths p on p.image_id = l.image_id where cast(p.path as text) like '$P/bad/%' and cast(p.path as text) not like '%good.jpg'")" = 0

# --- a Lightroom Classic catalog ---
L="$T/lr"; mkdir -p "$L/pics/2024/trip"
for f in pick reject three none; do pic "$L/pics/2024/trip/$f.jpg"; done
printf 'not a picture: a video the catalog also holds' >"$L/pics/2024/trip/clip.mov"
cat_sql() { sqlite3 "$1" <<EOF
CREATE TABLE AgLibraryRootFolder (id_local INTEGER PRIMARY KEY, absolutePath TEXT, name TEXT);
CREATE TABLE AgLibraryFolder (id_local INTEGER PRIMARY KEY, pathFromRoot TEXT, rootFolder INTEGER);
CREATE TABLE AgLibraryFile (id_local INTEGER PRIMARY KEY, baseName TEXT, extension TEXT, folder INTEGER);
CREATE TABLE Adobe_images (id_local INTEGER PRIMARY KEY, rootFile INTEGER, pick REAL, rating REAL, colorLabels TEXT);
INSERT INTO AgLibraryRootFolder VALUES (1, 'C:/Users/me/Pictures/', 'Pictures');
INSERT INTO AgLibraryFolder VALUES (10, '2024/trip/', 1);
INSERT INTO AgLibraryFile VALUES (100, 'pick', 'jpg', 10), (101, 'reject', 'jpg', 10), (102, 'three', 'jpg', 10),
    (103, 'none', 'jpg', 10), (104, 'offline', 'jpg', 10);
INSERT INTO AgLibraryFile VALUES (105, 'clip', 'mov', 10);
INSERT INTO Adobe_images VALUES (1, 100, 1, NULL, ''), (2, 101, -1, 2, 'Red'), (3, 102, 0, 3, ''), (4, 103, 0, 0, ''),
    (5, 104, 1, 5, ''), (6, 100, -1, 0, ''), (7, 105, 1, 5, '');
EOF
}
cat_sql "$L/Lightroom Catalog.lrcat"
sum_before=$(sha256sum "$L/Lightroom Catalog.lrcat" | cut -d' ' -f1)
export CULL_DB="$T/lr.db"
run_cull import lightroom --dry-run "$L/Lightroom Catalog.lrcat"
expect_rc "without --map-root the Windows paths are not found (still exit 0)" 0
expect_match "each is named" "$ERR" "not found: C:/Users/me/Pictures/2024/trip/pick.jpg"
expect_match "and counted once per file" "$OUT" "6 in the catalog not found"
run_cull import lightroom --map-root "C:/Users/me/Pictures=$L/pics" "$L/Lightroom Catalog.lrcat"
expect_rc "import lightroom --map-root exits 0" 0
expect_match "picks, rejects and stars imported, the offline file named, the video left out" "$ERR" \
    "4 images: 1 labelled keep, 2 delete, 1 left unlabelled; 1 in the catalog not images \\(videos\\); 1 in the catalog not found"
check "a picked master with a rejected virtual copy: the reject wins" test "$(label_of "$L/pics/2024/trip/pick.jpg")" = "1 lightroom"
check "a reject deletes (over its 2 stars)" test "$(label_of "$L/pics/2024/trip/reject.jpg")" = "1 lightroom"
check "three stars keep" test "$(label_of "$L/pics/2024/trip/three.jpg")" = "0 lightroom"
check "unflagged and unrated: not even indexed" test "$(sql "select count(*) from paths where cast(path as text) like '%/none.jpg'")" = 0
check "the catalog is unchanged, byte for byte" test "$(sha256sum "$L/Lightroom Catalog.lrcat" | cut -d' ' -f1)" = "$sum_before"
check "and left no journal or lock beside it" test "$(ls "$L" | wc -l)" = 2
# A catalog path a URI would cut short (# and ?) is still opened read-only and immutable.
mkdir -p "$L/odd #2?"
cp "$L/Lightroom Catalog.lrcat" "$L/odd #2?/c.lrcat"
run_cull import lightroom --dry-run --map-root "C:/Users/me/Pictures=$L/pics" "$L/odd #2?/c.lrcat"
expect_match "a catalog in a folder named 'odd #2?' is read" "$OUT" "^4 images: 1 would be keep, 2 delete"
check "and nothing is left beside it" test "$(ls "$L/odd #2?")" = c.lrcat

# A catalog whose latest decisions are still in its write-ahead log: they count, and the
# catalog and its log are only read.
cp "$L/Lightroom Catalog.lrcat" "$L/wal.lrcat"
python3 - "$L/wal.lrcat" <<'EOF'
import sqlite3, sys, shutil
db = sqlite3.connect(sys.argv[1]); db.execute("PRAGMA journal_mode=WAL"); db.execute("PRAGMA wal_autocheckpoint=0")
db.execute("UPDATE Adobe_images SET pick = -1 WHERE id_local = 3"); db.commit()
shutil.copy(sys.argv[1], sys.argv[1] + ".snap"); shutil.copy(sys.argv[1] + "-wal", sys.argv[1] + "-wal.snap")
import os; os._exit(0)   # no checkpoint on close: the change stays in the log
EOF
mv "$L/wal.lrcat.snap" "$L/wal.lrcat"; mv "$L/wal.lrcat-wal.snap" "$L/wal.lrcat-wal"; rm -f "$L/wal.lrcat-shm"
wal_sum=$(cat "$L/wal.lrcat" "$L/wal.lrcat-wal" | sha256sum)
run_cull import lightroom --dry-run --map-root "C:/Users/me/Pictures=$L/pics" "$L/wal.lrcat"
check "a change still in the write-ahead log counts" test "$(lab "$L/pics/2024/trip/three.jpg")" = "delete rejected (pick)"
check "catalog and log unchanged" test "$(cat "$L/wal.lrcat" "$L/wal.lrcat-wal" | sha256sum)" = "$wal_sum"

printf 'not a database at all, just text that is long enough to look like a header.....' >"$L/text.lrcat"
run_cull import lightroom "$L/text.lrcat"
expect_rc "a catalog that is not SQLite: exit 1" 1
expect_match "named with the reason" "$ERR" "text.lrcat: not an SQLite file"
sqlite3 "$L/other.lrcat" "CREATE TABLE Adobe_images (id_local INTEGER PRIMARY KEY, rootFile INTEGER)"
run_cull import lightroom "$L/other.lrcat"
expect_match "another schema names what is missing" "$ERR" "other.lrcat: not a Lightroom Classic catalog: no column Adobe_images.pick"
run_cull import lightroom "$L/missing.lrcat"
expect_match "a missing catalog is named" "$ERR" "missing.lrcat: No such file"
run_cull import lightroom --map-root nothing "$L/Lightroom Catalog.lrcat"
expect_rc "--map-root without = is a usage error" 2
sqlite3 "$L/empty.lrcat" "CREATE TABLE t (x)"
run_cull import lightroom "$L/empty.lrcat"
expect_match "an SQLite file without the tables names the first missing one" "$ERR" "not a Lightroom Classic catalog: no table Adobe_images"
