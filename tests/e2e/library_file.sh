# The library file is never created or written by accident:
#   - a command that only reads (or needs what a library holds) on a path with no library fails,
#     naming the path and the command that creates one, and creates nothing, not even a folder;
#   - `--db` without a value is a usage error, not "unknown option";
#   - a library this user may not write (mode 444; another user's file in another user's folder)
#     is opened read-only: status, rank, suspects, dupes and report work (a stale model is retrained
#     in memory and said so), writers fail saying the library is read-only, and the file's bytes
#     do not change.
# As root, "this user" is nobody (setpriv), since root may write any file; skipped when nobody
# cannot run this cull (a checkout under a private home folder).
. "$(dirname "$0")/../e2e_lib.sh"

# ---- no library: nothing is created ----
for cmd in status rank suspects dupes report train apply undo review; do
    run_cull --db "$T/nodir/typo.db" $cmd
    if [ "$RC" -eq 1 ] && printf '%s' "$ERR" | grep -q "no library at $T/nodir/typo.db (cull index or cull label creates one"; then
        pass "$cmd on a path with no library fails and names it"
    else
        fail "$cmd on a path with no library fails and names it" "exit $RC" "$ERR"
    fi
done
check "... and none of them created the folder or a library" test ! -e "$T/nodir"
run_cull --db
expect_rc "--db without a value is a usage error" 2
expect_match "... that says what --db wants" "$ERR" "--db needs the path of a library file"
run_cull --db= status
expect_rc "--db= (empty) is a usage error too" 2
mkdir "$T/adir"
run_cull --db "$T/adir" status
expect_rc "a folder as the library fails" 1
expect_match "... saying it is a folder" "$ERR" "is not a library file \(it is a folder\)"

# ---- a library with labels and a model, then a stale model ----
mkdir -p "$T/lib/pics" "$T/new"
for i in 1 2 3 4 5 6; do make_photo "$T/lib/pics/p$i.jpg" "$i" 320x240; make_screenshot "$T/lib/pics/s$i.png" "$((i + 10))"; done
make_photo "$T/new/fresh.jpg" 40 320x240
export CULL_DB="$T/lib/library.db"
"$CULL" index --quiet "$T/lib/pics"
"$CULL" label --quiet keep "$T"/lib/pics/p[1-5].jpg
"$CULL" label --quiet delete "$T"/lib/pics/s[1-5].png
"$CULL" train >/dev/null 2>&1
"$CULL" label --quiet keep "$T/lib/pics/p6.jpg"   # the stored model is now older than the labels
chmod 755 "$T"
mkdir -m 777 "$T/reports"

AS=()
if [ "$(id -u)" -eq 0 ]; then
    AS=(setpriv --reuid=65534 --regid=65534 --clear-groups --)
    if ! "${AS[@]}" "$CULL" --version >/dev/null 2>&1; then
        pass "# SKIP the read-only cases: user nobody cannot run $CULL"
        exit 0
    fi
    chown -R 65534:65534 "$T/lib"
fi
run_as() { "${AS[@]}" "$CULL" "$@" >"$T/out" 2>"$T/err"; RC=$?; OUT=$(cat "$T/out"); ERR=$(cat "$T/err"); }

read_only_checks() { # what
    local what=$1 before
    before=$(sha256sum <"$CULL_DB")
    run_as status
    expect_rc "$what: status works" 0
    expect_match "$what: ... and counts the labels" "$OUT" "11 labelled"
    run_as rank
    expect_rc "$what: rank works" 0
    expect_match "$what: ... retraining the stale model in memory, and saying so" "$ERR" \
        "retrained on 11 labels .*in memory only: the library is read-only here"
    check "$what: ... and ranks the one unlabelled image" test "$(printf '%s\n' "$OUT" | grep -c 's6.png$')" = 1
    run_as rank "$T/new"
    expect_rc "$what: rank PATH works" 0
    expect_match "$what: ... saying nothing new is indexed" "$ERR" "read-only here: .*nothing new is indexed"
    run_as suspects
    expect_rc "$what: suspects works" 0
    run_as dupes
    expect_rc "$what: dupes works" 0
    run_as report --output "$T/reports/$RANDOM.html"
    expect_rc "$what: report works" 0
    run_as label keep "$T/lib/pics/s6.png"
    expect_rc "$what: label fails" 1
    expect_match "$what: ... saying the library is read-only" "$ERR" "library file is read-only for this user"
    run_as train
    expect_rc "$what: train works" 0
    expect_match "$what: ... and says the model was not stored" "$ERR" "read-only here: the model was not stored"
    check "$what: the library file is unchanged" test "$(sha256sum <"$CULL_DB")" = "$before"
}

chmod 444 "$CULL_DB"
read_only_checks "mode 444"
# Another user's library in a folder this user cannot write: SQLite cannot make its -shm file.
rm -f "$CULL_DB-wal" "$CULL_DB-shm"
chmod 555 "$T/lib"
read_only_checks "read-only folder"
check "no -wal or -shm file appeared" test ! -e "$CULL_DB-wal" -a ! -e "$CULL_DB-shm"
chmod 755 "$T/lib"

# ---- a library from before schema 6 (embeddings in a WITHOUT ROWID table) is upgraded in place:
# every vector kept byte for byte, rows now in place (a 512-d vector no longer spills into an
# overflow page of its own), rank unchanged ----
export CULL_DB=$T/old.db
mkdir -p "$T/old"
for i in 1 2 3; do make_photo "$T/old/keep$i.jpg" "$((i + 40))" 120x90; make_screenshot "$T/old/del$i.png" "$((i + 40))" 120x90; done
"$CULL" label --quiet --encoder lite keep "$T"/old/keep*.jpg
"$CULL" label --quiet --encoder lite delete "$T"/old/del*.png
"$CULL" rank --all --encoder lite >"$T/rank-before" 2>/dev/null
sql "SELECT encoder, image_id, hex(vector) FROM embeddings ORDER BY encoder, image_id" >"$T/vectors-before"
sql "DROP INDEX embeddings_key; ALTER TABLE embeddings RENAME TO embeddings_new;
     CREATE TABLE embeddings (image_id INTEGER NOT NULL REFERENCES images(id), encoder TEXT NOT NULL,
       vector BLOB NOT NULL, PRIMARY KEY (encoder, image_id)) WITHOUT ROWID;
     INSERT INTO embeddings SELECT image_id, encoder, vector FROM embeddings_new; DROP TABLE embeddings_new;
     PRAGMA user_version = 5;"
check "the library now has schema 5's embeddings table" sh -c "sqlite3 '$CULL_DB' 'SELECT sql FROM sqlite_master WHERE name = \"embeddings\"' | grep -q 'WITHOUT ROWID'"
run_cull status
expect_rc "a command on a schema-5 library: exit 0" 0
check "... upgraded it to schema 6" test "$(sql 'PRAGMA user_version')" = 6
check "... its embeddings are a rowid table with a unique (encoder, image_id) index" \
    sh -c "! sqlite3 '$CULL_DB' 'SELECT sql FROM sqlite_master WHERE name = \"embeddings\"' | grep -q 'WITHOUT ROWID' &&
           sqlite3 '$CULL_DB' 'SELECT sql FROM sqlite_master WHERE name = \"embeddings_key\"' | grep -q 'UNIQUE INDEX'"
sql "SELECT encoder, image_id, hex(vector) FROM embeddings ORDER BY encoder, image_id" >"$T/vectors-after"
check "... every vector kept byte for byte ($(wc -l <"$T/vectors-after") of them)" cmp -s "$T/vectors-before" "$T/vectors-after"
"$CULL" rank --all --encoder lite >"$T/rank-after" 2>/dev/null
check "... and rank lists the same images with the same scores" cmp -s "$T/rank-before" "$T/rank-after"
check "... and an image still has one vector per encoder (a second one is refused)" \
    sh -c "! sqlite3 '$CULL_DB' 'INSERT INTO embeddings (image_id, encoder, vector) SELECT image_id, encoder, vector FROM embeddings LIMIT 1' 2>/dev/null"
