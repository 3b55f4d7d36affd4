# apply / undo: delete-labelled files go to the freedesktop.org Trash with a .trashinfo, logged
# before and after; undo puts identical bytes back; nothing is ever lost.
. "$(dirname "$0")/../e2e_lib.sh"

TRASH="$XDG_DATA_HOME/Trash"
mkdir -p "$T/pics/a" "$T/pics/b" "$T/orig"
make_photo "$T/pics/a/keep1.jpg" 1 300x200
make_photo "$T/pics/a/keep2.jpg" 2 300x200
make_screenshot "$T/pics/a/shot.png" 3
make_screenshot "$T/pics/b/shot.png" 4            # same name in another folder: a Trash collision
make_screenshot "$T/pics/b/with space %.png" 5
cp -a "$T/pics" "$T/orig/"
"$CULL" label --quiet keep "$T/pics/a/keep1.jpg" "$T/pics/a/keep2.jpg"
"$CULL" label --quiet delete "$T/pics/a/shot.png" "$T/pics/b"

run_cull apply --dry-run
expect_rc "apply --dry-run exits 0" 0
check "the dry run lists the 3 delete-labelled files" test "$(printf '%s\n' "$OUT" | wc -l)" = 3
expect_match "and their total" "$ERR" "would move 3 files"
check "the dry run moves nothing" test -e "$T/pics/a/shot.png" -a ! -e "$TRASH"

# No terminal to ask (a pipe, a script, cron): nothing moves without --yes.
run_cull apply </dev/null
expect_rc "apply without a terminal and without --yes is refused" 2
expect_match "... and says so, and how to go on" "$ERR" "3 files .* no terminal to ask: nothing moved .*cull apply --yes"
check "... nothing moved" test -e "$T/pics/a/shot.png" -a ! -e "$TRASH"
# On a terminal it asks; anything but y moves nothing.
if command -v script >/dev/null; then
    printf 'n\n' | script -qec "\"$CULL\" apply" /dev/null >"$T/tty" 2>&1
    check "on a terminal, apply asks before it moves" grep -q "move 3 files .* to the Trash? \[y/N\]" "$T/tty"
    check "... and an answer of n moves nothing" test -e "$T/pics/a/shot.png" -a ! -e "$TRASH"
    check "... and says so" grep -q "nothing moved" "$T/tty"
else
    pass "# SKIP script(1) from util-linux is not installed: no terminal to test the question on"
fi

run_cull apply --yes
expect_rc "apply exits 0" 0
expect_match "apply reports what it moved" "$ERR" "moved 3 files .* to the Trash"
check "the delete-labelled files are gone from their folders" \
    test ! -e "$T/pics/a/shot.png" -a ! -e "$T/pics/b/shot.png" -a ! -e "$T/pics/b/with space %.png"
check "keep-labelled files are untouched" cmp -s "$T/pics/a/keep1.jpg" "$T/orig/pics/a/keep1.jpg"
check "3 files in Trash/files" test "$(ls "$TRASH/files" | wc -l)" = 3
check "a name collision gets a numbered name" test -e "$TRASH/files/shot.png" -a -e "$TRASH/files/shot.2.png"
check "each has a .trashinfo" test "$(ls "$TRASH/info"/*.trashinfo | wc -l)" = 3
info="$TRASH/info/with space %.png.trashinfo"
check ".trashinfo starts with [Trash Info]" test "$(head -1 "$info")" = "[Trash Info]"
check ".trashinfo Path is the absolute path, URL-escaped" grep -qx "Path=$T/pics/b/with%20space%20%25.png" "$info"
check ".trashinfo has a DeletionDate" grep -Eqx 'DeletionDate=[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}' "$info"
check "trashed bytes are the original bytes" cmp -s "$TRASH/files/with space %.png" "$T/orig/pics/b/with space %.png"
check "the log holds planned + moved for each file" \
    test "$(sql "select group_concat(event) from (select event from action_log order by id)")" = "planned,moved,planned,moved,planned,moved"
check "labels and embeddings stay as training data" test "$(sql 'select count(*) from labels where label = 1')" = 3
run_cull train
expect_rc "training still works with the files in the Trash" 0

run_cull apply --yes
expect_match "a second apply finds nothing to move" "$ERR" "nothing to move"

run_cull undo
expect_rc "undo exits 0" 0
expect_match "undo reports what it put back" "$ERR" "put back 3 files"
for f in a/shot.png b/shot.png "b/with space %.png"; do
    check "undo restored identical bytes: $f" cmp -s "$T/pics/$f" "$T/orig/pics/$f"
done
check "undo emptied the Trash of them (files and info)" test "$(find "$TRASH" -type f | wc -l)" = 0
run_cull undo
expect_match "a second undo has nothing to do" "$ERR" "nothing to undo"

# Undo never overwrites: a new file at the original path keeps the trashed one in the Trash.
run_cull apply --yes "$T/pics/a"
check "apply with a PATH moves only files under it" test ! -e "$T/pics/a/shot.png" -a -e "$T/pics/b/shot.png"
echo "new file" >"$T/pics/a/shot.png"
run_cull undo
expect_rc "undo with a taken path exits 1" 1
expect_match "and says the file stays in the Trash" "$ERR" "shot.png: something else is at the original path"
check "the new file was not overwritten" grep -q "new file" "$T/pics/a/shot.png"
rm "$T/pics/a/shot.png"
run_cull undo
check "once the path is free, undo puts it back" cmp -s "$T/pics/a/shot.png" "$T/orig/pics/a/shot.png"

# A file changed since it was labelled is not trashed.
"$CULL" label --quiet delete "$T/pics/a/keep2.jpg"
convert "$T/pics/a/keep2.jpg" -negate "$T/pics/a/keep2.jpg"
run_cull apply --yes "$T/pics/a/keep2.jpg"
expect_rc "a changed file makes apply exit 1" 1
expect_match "and is named with the reason" "$ERR" "keep2.jpg: content differs from the labelled image"
check "the changed file is still there" test -e "$T/pics/a/keep2.jpg"
"$CULL" label --quiet keep "$T/pics/a/keep2.jpg"

# A read-only folder: the file stays, the batch goes on.
mkdir "$T/ro" && make_screenshot "$T/ro/locked.png" 9 && make_screenshot "$T/ro/../free.png" 10
"$CULL" label --quiet delete "$T/ro/locked.png" "$T/free.png"
if [ "$(id -u)" -eq 0 ] && chattr +i "$T/ro" 2>/dev/null; then ro=chattr; else chmod 555 "$T/ro"; ro=chmod; fi
run_cull apply --yes
[ $ro = chattr ] && chattr -i "$T/ro" || chmod 755 "$T/ro"
expect_rc "a read-only folder makes apply exit 1" 1
expect_match "the read-only file is named with the reason" "$ERR" "locked.png: cannot move"
check "the read-only file stays" test -e "$T/ro/locked.png"
check "the other file still went to the Trash" test ! -e "$T/free.png"
check "no .trashinfo is left for the file that did not move" test ! -e "$TRASH/info/locked.png.trashinfo"
run_cull undo

# kill -9 in the middle of an apply loses nothing; the next apply finishes the same batch, so one
# undo puts back all. The kill lands after 40 of the 150 moves on any machine: tests/tools/stop_shim
# stops apply at the entry of its 41st move (STOP_SHIM_CALLS=renameat2,rename), then it is killed.
mkdir "$T/bulk"
make_screenshot "$T/bulk/s.png" 20
for i in $(seq 1 150); do convert "$T/bulk/s.png" -fill "rgb($i,0,0)" -draw "point 1,1" "$T/bulk/s$i.png"; done
rm "$T/bulk/s.png"
"$CULL" label --quiet delete "$T/bulk"
stopped_at 41 calls=renameat2,rename apply --yes
kill -9 "$STOPPED" 2>/dev/null
{ wait "$STOPPED"; } 2>/dev/null
in_place=$(ls "$T/bulk" | wc -l)
in_trash=$(ls "$TRASH/files" | grep -c '^s[0-9]*\.png$')
check "after kill -9 every file is in its folder or the Trash ($in_place + $in_trash)" test $((in_place + in_trash)) = 150
check "the kill came after 40 moves ($in_trash in the Trash)" test "$in_trash" = 40
check "the library is intact" test "$(sql 'pragma integrity_check')" = ok
run_cull apply --yes
expect_rc "the next apply completes" 0
expect_match "it says it finished the interrupted apply" "$ERR" "with those the interrupted apply before this one moved"
check "all 150 are in the Trash" test "$(ls "$TRASH/files" | grep -c '^s[0-9]*\.png$')" = 150
check "every bulk file's last logged event is moved" \
    test "$(sql "select count(*) from action_log a where id = (select max(id) from action_log b where b.path = a.path) and event = 'moved' and cast(path as text) like '%/bulk/%'")" = 150
check "the killed apply and its re-run are one batch" \
    test "$(sql "select count(distinct batch) from action_log where cast(path as text) like '%/bulk/%'")" = 1
run_cull undo
check "undo brings all 150 back" test "$(ls "$T/bulk" | wc -l)" = 150

# Another filesystem: its own Trash at the top of it, or (when that cannot be used) the home
# Trash across devices: copy, fsync, verify, then remove.
shm=/dev/shm/cull-e2e-$$
if [ -d /dev/shm ] && [ "$(stat -c %d /dev/shm)" != "$(stat -c %d "$T")" ] && mkdir "$shm" 2>/dev/null &&
   [ ! -e "/dev/shm/.Trash-$(id -u)" ]; then
    make_screenshot "$shm/x.png" 30 && cp "$shm/x.png" "$T/x.orig"
    "$CULL" label --quiet delete "$shm/x.png"
    run_cull apply --yes "$shm"
    check "a file on another filesystem goes to that filesystem's .Trash-UID" test -e "/dev/shm/.Trash-$(id -u)/files/x.png"
    check "its .trashinfo Path is relative to the top of that filesystem" \
        grep -qx "Path=cull-e2e-$$/x.png" "/dev/shm/.Trash-$(id -u)/info/x.png.trashinfo"
    run_cull undo
    check "and comes back" cmp -s "$shm/x.png" "$T/x.orig"
    rm -rf "/dev/shm/.Trash-$(id -u)"
    : >"/dev/shm/.Trash-$(id -u)"                 # that Trash cannot be used now
    run_cull apply --yes "$shm"
    check "cross-device: copied into the home Trash and verified" cmp -s "$TRASH/files/x.png" "$T/x.orig"
    check "cross-device: the original is removed only after that" test ! -e "$shm/x.png"
    run_cull undo
    check "cross-device undo copies it back" cmp -s "$shm/x.png" "$T/x.orig"
    # A kill at each step of a move across filesystems (every rename and unlink: the copy under
    # its partial name, the verified copy renamed into place, the source removed), then the same
    # command again: the file ends whole in one place, no partial copy is left anywhere, and a
    # half-copied file never sits under the picture's name.
    partial_left() { find "$shm" "$TRASH/files" -name '.cull-partial-*' | grep -q .; }
    in_trash_whole() { # the home Trash holds the file, whole, and nothing else; it is gone from $shm
        local f
        f=$(find "$TRASH/files" -type f)
        [ "$(printf '%s\n' "$f" | grep -c .)" = 1 ] && cmp -s "$f" "$T/x.orig" && [ ! -e "$shm/x.png" ] && ! partial_left
    }
    back_whole() { cmp -s "$shm/x.png" "$T/x.orig" && [ -z "$(find "$TRASH/files" -type f)" ] && ! partial_left; }
    torn_partials() { # a kill in the middle of a copy leaves its partial copy short: made so here
        find "$shm" "$TRASH/files" -name '.cull-partial-*' -exec truncate -s 1000 {} +
    }
    killed_at() { # step command...: runs cull under the stop shim, kills it at the step
        stopped_at "$1" calls=renameat2,unlink "${@:2}"
        kill -9 "$STOPPED" 2>/dev/null
        wait "$STOPPED" 2>/dev/null
    }
    n=$(STOP_SHIM_CALLS=renameat2,unlink steps_of apply --yes "$shm")
    m=$(STOP_SHIM_CALLS=renameat2,unlink steps_of undo)
    check "across filesystems: apply and undo take steps to kill at ($n, $m)" test "$n" -ge 3 -a "$m" -ge 3
    for d in $(seq 1 "$n"); do
        killed_at "$d" apply --yes "$shm"
        torn_partials
        run_cull apply --yes "$shm"
        check "apply across filesystems killed at step $d of $n: the re-run exits 0" sh -c '[ "$1" = 0 ]' _ "$RC"
        check "apply across filesystems killed at step $d of $n: the file is in the Trash, whole, with no partial copy left" \
            in_trash_whole
        "$CULL" undo >/dev/null 2>&1
    done
    # The partial copy a kill left goes at the next run even when that run moves nothing (the file
    # was labelled keep meanwhile), not only when the same move is tried again.
    for d in $(seq 1 "$n"); do
        killed_at "$d" apply --yes "$shm"
        if ! partial_left; then
            "$CULL" apply --yes "$shm" >/dev/null 2>&1
            "$CULL" undo >/dev/null 2>&1
            continue
        fi
        "$CULL" label --quiet keep "$shm/x.png"
        run_cull apply --yes "$shm"
        check "apply across filesystems killed at step $d, the file then labelled keep: the next apply removes the partial copy" \
            back_whole
        "$CULL" label --quiet delete "$shm/x.png"
    done
    for d in $(seq 1 "$m"); do
        "$CULL" apply --yes "$shm" >/dev/null 2>&1
        killed_at "$d" undo
        torn_partials
        cmp -s "$shm/x.png" "$T/x.orig" || [ ! -e "$shm/x.png" ] || cp "$shm/x.png" "$T/torn.png"
        run_cull undo
        check "undo across filesystems killed at step $d of $m: the re-run exits 0" sh -c '[ "$1" = 0 ]' _ "$RC"
        check "undo across filesystems killed at step $d of $m: what the kill left at the picture's name was never a torn copy" \
            test ! -e "$T/torn.png"
        check "undo across filesystems killed at step $d of $m: the file is back whole, the Trash empty, no partial copy left" \
            back_whole
    done
    rm -f "/dev/shm/.Trash-$(id -u)"
    rm -rf "$shm"
else
    pass "# SKIP no second filesystem to test cross-device moves"
fi

# A crash between logging a Trash slot as planned and claiming it (apply logs first), after which
# another program trashed a file of the same name there: the next run settles the row and leaves
# the other program's file and .trashinfo alone.
D=$T/own db=$T/own.db
mkdir -p "$D" "$TRASH/files" "$TRASH/info"
make_screenshot "$D/victim.png" 9
"$CULL" --db "$db" label --quiet delete "$D/victim.png"
id=$(sqlite3 "$db" "select image_id from paths where path = cast('$D/victim.png' as blob)")
sqlite3 "$db" "insert into action_log (batch, image_id, path, trash_path, info_path, bytes, event, detail, at)
    values (1, $id, cast('$D/victim.png' as blob), cast('$TRASH/files/victim.png' as blob),
            cast('$TRASH/info/victim.png.trashinfo' as blob), 1, 'planned', '', 0)"
echo "another program's file" >"$TRASH/files/victim.png"
printf '[Trash Info]\nPath=/elsewhere/victim.png\nDeletionDate=2026-01-01T00:00:00\n' >"$TRASH/info/victim.png.trashinfo"
run_cull --db "$db" apply --yes
expect_rc "apply after an interrupted claim exits 0" 0
check "another program's file under the planned name is left alone" grep -qx "another program's file" "$TRASH/files/victim.png"
check "... and its .trashinfo" grep -qx "Path=/elsewhere/victim.png" "$TRASH/info/victim.png.trashinfo"
check "our file went to the Trash under the next name" test ! -e "$D/victim.png" -a -e "$TRASH/files/victim.2.png"
check "the interrupted row was settled (aborted), then the move logged" \
    test "$(sqlite3 "$db" "select group_concat(event) from (select event from action_log order by id)")" = "planned,aborted,planned,moved"

# The order itself, read at a point the test controls: stopped at the entry of the claim (the
# .trashinfo's link), the slot is already logged as planned and nothing is in the Trash under it.
D=$T/order db=$T/order.db
mkdir -p "$D"
make_screenshot "$D/ordered.png" 10
"$CULL" --db "$db" label --quiet delete "$D/ordered.png"
CULL_DB="$db" stopped_at 1 calls=linkat apply --yes
check "at the claim, the slot is already logged as planned" \
    test "$(sqlite3 "$db" "select group_concat(event) from action_log where path = cast('$D/ordered.png' as blob)")" = planned
check "... and not yet claimed" test ! -e "$TRASH/info/ordered.png.trashinfo"
kill -9 "$STOPPED"
wait "$STOPPED" 2>/dev/null
run_cull --db "$db" apply --yes
check "the next run settles the row and moves the file" test ! -e "$D/ordered.png" -a -e "$TRASH/files/ordered.png"

# --plan: the run moves exactly what the dry run listed, or nothing.
D=$T/planned db=$T/planned.db
mkdir -p "$D"
make_screenshot "$D/one.png" 11
make_screenshot "$D/two.png" 12
"$CULL" --db "$db" label --quiet delete "$D/one.png"
"$CULL" --db "$db" index --quiet "$D"
run_cull --db "$db" apply --dry-run --format json
plan=$(jq -r .plan <<<"$OUT")
check "the dry run names its plan (32 hex digits)" grep -qE '^[0-9a-f]{32}$' <<<"$plan"
expect_match "and says how to move exactly that" "$ERR" "plan $plan \(cull apply --yes --plan $plan moves exactly these\)"
"$CULL" --db "$db" label --quiet delete "$D/two.png"
run_cull --db "$db" apply --yes --plan "$plan"
expect_rc "a plan that no longer holds moves nothing (exit 1)" 1
expect_match "and says why" "$ERR" "changed since the plan $plan was made: nothing moved"
check "both files are still there" test -e "$D/one.png" -a -e "$D/two.png"
run_cull --db "$db" apply --dry-run --format json
new=$(jq -r .plan <<<"$OUT")
check "the new plan differs and lists both" test "$new" != "$plan" -a "$(jq '.files' <<<"$OUT")" = 2
run_cull --db "$db" apply --yes --plan "$new"
expect_rc "the current plan moves" 0
check "both files went to the Trash" test ! -e "$D/one.png" -a ! -e "$D/two.png"
run_cull --db "$db" apply --yes --plan nothex
expect_rc "--plan wants the dry run's id (usage error)" 2
run_cull --db "$db" apply --dry-run --plan "$new"
expect_rc "--plan is not for the dry run" 2
