# Interruptions and concurrency: a killed or interrupted index keeps its finished work, the next
# run completes, the library stays intact, and two cull processes can share a library.
. "$(dirname "$0")/../e2e_lib.sh"

mkdir -p "$T/many"
# 60 distinct photos, big enough for an index to be caught mid-run: 4 made from scratch (slow),
# the rest copies of them with a mark of their own.
for i in 1 2 3 4; do make_photo "$T/base$i.jpg" "$i" 1600x1200; done
for i in $(seq 1 60); do
    convert "$T/base$((i % 4 + 1)).jpg" -fill "rgb($i,$((i * 3 % 256)),0)" -draw "rectangle 0,0 3,3" "$T/many/p$i.jpg"
done

# The interrupts land halfway through the index's writes on any machine: stopped_at (e2e_lib.sh)
# stops it there, the signal is sent, and it goes on (SIGCONT) to handle it.
steps=$(CULL_DB="$T/count.db" steps_of index --jobs 1 "$T/many")
stopped_at $((steps / 2)) index --jobs 1 "$T/many"
kill -INT "$STOPPED"
kill -CONT "$STOPPED"
wait "$STOPPED"
RC=$?
ERR=$(cat "$T/kerr")
check "Ctrl-C halfway (step $((steps / 2)) of $steps) stops the index with status 130" test "$RC" = 130
expect_match "and says finished work is saved" "$ERR" "interrupted: finished work is saved"
done_before=$(sql "select count(*) from embeddings")
check "work finished before the interrupt is in the library ($done_before images)" test "$done_before" -gt 0 -a "$done_before" -lt 60

CULL_DB="$T/killed.db" stopped_at $((steps / 2)) index --jobs 2 "$T/many"
kill -9 "$STOPPED" 2>/dev/null
{ wait "$STOPPED"; } 2>/dev/null
check "after kill -9 halfway the library passes integrity_check" test "$(sqlite3 "$T/killed.db" 'pragma integrity_check')" = ok
CULL_DB="$T/killed.db" "$CULL" index --quiet "$T/many"
check "a killed index resumes and completes" test "$(sqlite3 "$T/killed.db" 'select count(*) from embeddings')" = 60

run_cull index "$T/many"
expect_rc "the next run completes" 0
check "every image is in the library after the re-run" test "$(sql 'select count(*) from embeddings')" = 60
check "and passes integrity_check" test "$(sql 'pragma integrity_check')" = ok

# Two processes at once on one library: both succeed (WAL and a busy timeout make one wait).
mkdir -p "$T/a" "$T/b"
for i in $(seq 1 15); do make_photo "$T/a/a$i.jpg" $((100 + i)) 800x600; make_screenshot "$T/b/b$i.png" "$i"; done
"$CULL" label keep "$T/a" >"$T/out.a" 2>"$T/err.a" &
pa=$!
"$CULL" label delete "$T/b" >"$T/out.b" 2>"$T/err.b" &
pb=$!
wait $pa; ra=$?
wait $pb; rb=$?
check "two label runs at once both succeed" test "$ra$rb" = 00
check "both sets of labels are stored" test "$(sql 'select count(*) from labels')" = 30
check "the library is intact" test "$(sql 'pragma integrity_check')" = ok
