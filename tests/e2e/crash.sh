# Crash safety: index, label, train and apply are each killed with SIGKILL at several seeded
# pseudo-random points of their run (one right at the start, one at the last step). A point is a
# step, not a time: the writes and moves of an uninterrupted run are counted, and the run under
# test is stopped at the entry of the chosen one (tests/tools/stop_shim, e2e_lib.sh stopped_at),
# read, then killed, so every kill lands where the test says on any machine. After every kill the
# library passes integrity_check, work committed before the kill is still there, no file is lost
# or duplicated, and re-running the command completes and ends where an uninterrupted run ends.
. "$(dirname "$0")/../e2e_lib.sh"

TRASH="$XDG_DATA_HOME/Trash"
SEED=${CULL_CRASH_SEED:-20240611}
# Under the sanitizers each run is about 3× slower: fewer kills there (start, one random, late)
# keep the suite's time in bounds; the plain build takes the full set.
case ${CULL_BUILD:-} in *asan*) KILLS=3 ;; *) KILLS=6 ;; esac

# kill_points SALT STEPS [N]: N (default KILLS) steps of a run of STEPS: 1 (before its first write),
# one drawn by a seeded awk rand() in each of N-2 equal slices of the run, and the last one.
kill_points() {
    awk -v seed="$((SEED + $1))" -v n="${3:-$KILLS}" -v steps="$2" 'BEGIN {
        srand(seed); printf "1";
        for (i = 0; i < n - 2; i++) printf " %d", 2 + int((steps - 2) * (i + rand()) / (n - 2));
        printf " %d\n", steps }'
}

# q DB SQL: a read that waits for a writer instead of failing.
q() { sqlite3 -cmd '.timeout 5000' "$1" "$2" 2>/dev/null; }

# kill_cull STEP DB PRE_SQL ARGS...: runs cull ARGS on DB until the entry of its STEP-th write or
# move, reads PRE_SQL (what is committed just before the kill: it must survive), then kill -9.
# Sets PRE and KRC.
kill_cull() {
    local step=$1 db=$2 pre_sql=$3; shift 3
    CULL_DB="$db" stopped_at "$step" "$@"
    PRE=0
    if [ -n "$pre_sql" ] && [ -s "$db" ]; then PRE=$(q "$db" "$pre_sql"); fi
    PRE=${PRE:-0}
    kill -9 "$STOPPED" 2>/dev/null
    { wait "$STOPPED"; } 2>/dev/null
    KRC=$?
    echo "# $1 killed at step $step: exit $KRC ($( [ "$KRC" = 137 ] && echo mid-run || echo 'it had finished'))"
}

copy_db() { rm -f "$2" "$2-wal" "$2-shm"; cp "$1" "$2"; [ ! -e "$1-wal" ] || cp "$1-wal" "$2-wal"; }
intact() { test "$(q "$1" 'pragma integrity_check')" = ok && test -z "$(q "$1" 'pragma foreign_key_check')"; }
ge() { test "$1" -ge "$2"; }
label_dump() { q "$1" "select hex(i.sha256) || ' ' || l.label from labels l join images i on i.id = l.image_id order by 1"; }

# ---- the pictures: 4 keep folders (smooth), 5 delete folders (noise), the same 30 names in each
# folder (so the Trash has name collisions). 270 images, each distinct.
mkdir -p "$T/gen" "$T/pics"
convert -size 800x720 -seed 11 plasma:fractal -resize 400% -crop 320x240 +repage "$T/gen/k%03d.jpg"
convert -size 3200x3600 -seed 12 xc: +noise Random -crop 320x240 +repage "$T/gen/d%03d.jpg"
for i in $(seq 0 119); do
    mkdir -p "$T/pics/k$((i % 4 + 1))"
    mv "$T/gen/k$(printf %03d "$i").jpg" "$T/pics/k$((i % 4 + 1))/img$((i / 4)).jpg"
done
for i in $(seq 0 149); do
    mkdir -p "$T/pics/d$((i % 5 + 1))"
    mv "$T/gen/d$(printf %03d "$i").jpg" "$T/pics/d$((i % 5 + 1))/img$((i / 5)).jpg"
done
N=$(find "$T/pics" -type f | wc -l)
check "270 distinct test images" test "$N" = 270 -a "$(find "$T/pics" -type f -exec sha256sum {} + | cut -c1-64 | sort -u | wc -l)" = 270
cp -a "$T/pics" "$T/orig"
KEEP_DIRS=("$T/pics/k1" "$T/pics/k2" "$T/pics/k3" "$T/pics/k4")
DEL_DIRS=("$T/pics/d1" "$T/pics/d2" "$T/pics/d3" "$T/pics/d4" "$T/pics/d5")

# ---- index -------------------------------------------------------------------------------------
steps=$(CULL_DB="$T/index_ref.db" steps_of index --quiet "$T/pics")
echo "# an uninterrupted index takes $steps steps; kills at: $(kill_points 1 "$steps")"
check "an uninterrupted index stores every image" test "$(q "$T/index_ref.db" 'select count(*) from embeddings')" = "$N"
for d in $(kill_points 1 "$steps"); do
    db="$T/index.db"
    rm -f "$db" "$db-wal" "$db-shm"
    kill_cull "$d" "$db" "select count(*) from embeddings" index "$T/pics"
    check "index killed at step $d: integrity_check ok" intact "$db"
    now=$(q "$db" 'select count(*) from embeddings'); now=${now:-0}
    check "index killed at step $d: the $PRE images committed before the kill stay ($now)" ge "$now" "$PRE"
    CULL_DB="$db" run_cull index --quiet "$T/pics"
    expect_rc "index killed at step $d: the re-run exits 0" 0
    check "index killed at step $d: the re-run has all $N images, as an uninterrupted run" \
        test "$(q "$db" 'select count(*) from embeddings'),$(q "$db" 'select count(*) from paths where present = 1')" = "$N,$N"
done

# ---- label ------------------------------------------------------------------------------------
# The library knows the keep folders (labelled keep); label delete indexes and labels the rest.
CULL_DB="$T/label_base.db" "$CULL" label --quiet keep "${KEEP_DIRS[@]}"
keep_before=$(label_dump "$T/label_base.db")
n_before=$(q "$T/label_base.db" 'select count(*) from labels')
copy_db "$T/label_base.db" "$T/label_ref.db"
steps=$(CULL_DB="$T/label_ref.db" steps_of label --quiet delete "${DEL_DIRS[@]}")
ref_labels=$(label_dump "$T/label_ref.db")
echo "# an uninterrupted label of 5 new folders takes $steps steps; kills at: $(kill_points 2 "$steps")"
check "an uninterrupted label run labels 120 keep + 150 delete" \
    test "$(q "$T/label_ref.db" 'select sum(label = 0), sum(label = 1) from labels')" = "120|150"
for d in $(kill_points 2 "$steps"); do
    db="$T/label.db"
    copy_db "$T/label_base.db" "$db"
    kill_cull "$d" "$db" "select count(*) from labels" label delete "${DEL_DIRS[@]}"
    check "label killed at step $d: integrity_check ok" intact "$db"
    now=$(q "$db" 'select count(*) from labels'); now=${now:-0}
    check "label killed at step $d: no label lost ($now now, $n_before before the run, $PRE committed before the kill)" \
        test "$now" -ge "$n_before" -a "$now" -ge "$PRE"
    check "label killed at step $d: the earlier keep labels are unchanged" \
        test "$(q "$db" "select hex(i.sha256) || ' ' || l.label from labels l join images i on i.id = l.image_id where l.label = 0 order by 1")" = "$keep_before"
    check "label killed at step $d: every delete label is on an image of the labelled folders" \
        test "$(q "$db" "select count(*) from labels l where l.label = 1 and not exists (select 1 from paths p where p.image_id = l.image_id and cast(p.path as text) like '$T/pics/d%')")" = 0
    CULL_DB="$db" run_cull label --quiet delete "${DEL_DIRS[@]}"
    expect_rc "label killed at step $d: the re-run exits 0" 0
    check "label killed at step $d: the re-run ends with the labels of an uninterrupted run" test "$(label_dump "$db")" = "$ref_labels"
done

# ---- train ------------------------------------------------------------------------------------
# An old model from 90 keep + 150 delete; then 30 more keep labels, and train is killed.
copy_db "$T/label_ref.db" "$T/train_base.db"
CULL_DB="$T/train_base.db" "$CULL" label --quiet clear "$T/pics/k4"
CULL_DB="$T/train_base.db" "$CULL" train --model logreg >/dev/null
CULL_DB="$T/train_base.db" "$CULL" label --quiet keep "$T/pics/k4"
old_line="model trained .* on 90 keep \+ 150 delete \(labels or prompts changed since"
new_line="model trained .* on 120 keep \+ 150 delete$"
CULL_DB="$T/train_base.db" run_cull status
expect_match "the old model is in the library" "$OUT" "$old_line"
copy_db "$T/train_base.db" "$T/train_ref.db"
steps=$(CULL_DB="$T/train_ref.db" steps_of train)
echo "# an uninterrupted train takes $steps steps; kills at: $(kill_points 3 "$steps")"
CULL_DB="$T/train_ref.db" run_cull status
expect_match "an uninterrupted train stores the new model" "$OUT" "$new_line"
for d in $(kill_points 3 "$steps"); do
    db="$T/train.db"
    copy_db "$T/train_base.db" "$db"
    kill_cull "$d" "$db" "" train
    check "train killed at step $d: integrity_check ok" intact "$db"
    CULL_DB="$db" run_cull status
    if printf '%s\n' "$OUT" | grep -Eq "$new_line"; then which=new; else which=old; fi
    expect_match "train killed at step $d: the old model or the complete new one ($which) is there" \
        "$OUT" "($old_line|$new_line)"
    check "train killed at step $d: every stored model is whole (valid JSON)" \
        test "$(q "$db" 'select count(*), sum(json_valid(model)) from models')" = "1|1" -o \
             "$(q "$db" 'select count(*), sum(json_valid(model)) from models')" = "2|2"
    CULL_DB="$db" run_cull train
    expect_rc "train killed at step $d: the re-run exits 0" 0
    CULL_DB="$db" run_cull status
    expect_match "train killed at step $d: then the new model is current" "$OUT" "$new_line"
done

# ---- apply ------------------------------------------------------------------------------------
# Each round: apply is killed, the files are checked, apply is re-run (it finishes the killed
# run's batch), then one undo puts all back.
export CULL_DB="$T/label_ref.db"
(cd "$T/orig" && find . -type f -exec sha256sum {} + | cut -c1-64 | sort) >"$T/hashes.orig"
N_DEL=150
# every_file_once: the tree + Trash/files hold each original content exactly once.
every_file_once() {
    { find "$T/pics" -type f; find "$TRASH/files" -type f 2>/dev/null; } | xargs -d '\n' sha256sum | cut -c1-64 | sort >"$T/hashes.now"
    cmp -s "$T/hashes.orig" "$T/hashes.now"
}
# in_log EVENTS: trash paths whose last logged event is one of EVENTS, sorted.
in_log() {
    sql "select cast(trash_path as text) from action_log where event in ($1)
         and id in (select max(id) from action_log group by batch, path) order by 1"
}
trashed() { find "$TRASH/files" -type f 2>/dev/null | sort; }
every_trashed_file_logged() { test -z "$(comm -23 <(trashed) <(in_log "'planned','moved'"))"; }
every_moved_file_trashed() { test -z "$(comm -23 <(in_log "'moved'") <(trashed))"; }
every_trashed_file_has_info() {
    local f
    while read -r f; do test -f "$TRASH/info/$(basename "$f").trashinfo" || return 1; done < <(trashed)
}
only_keep_files_left() {
    test "$(find "$T/pics" -type f | wc -l)" = $((N - N_DEL)) -a -z "$(find "$T/pics"/d* -type f)"
}
undo_all() {
    local i
    UNDONE=0
    for i in 1 2 3 4 5 6; do
        run_cull undo
        [ "$RC" -eq 0 ] || return 1
        if printf '%s' "$ERR" | grep -q "nothing to undo"; then return 0; fi
        UNDONE=$((UNDONE + 1))
    done
    return 1
}
trash_info_empty() { test -z "$(find "$TRASH/info" -type f 2>/dev/null)"; }

run_cull apply --yes
expect_rc "an uninterrupted apply exits 0" 0
check "it moves the $N_DEL delete-labelled files to the Trash" test "$(trashed | wc -l)" = "$N_DEL"
check "undo puts every file back" undo_all
check "with identical content at the original paths" diff -r "$T/orig" "$T/pics"
# Counted on the second run (the first one also makes the Trash folders).
steps=$(steps_of apply --yes)
check "a second apply and undo cycle works too" test "$(trashed | wc -l)" = "$N_DEL"
undo_all
echo "# an uninterrupted apply takes $steps steps; kills at: $(kill_points 4 "$steps" $((KILLS + 1)))"
for d in $(kill_points 4 "$steps" $((KILLS + 1))); do
    first_batch=$(sql "select coalesce(max(batch), 0) + 1 from action_log")
    kill_cull "$d" "$CULL_DB" "select count(*) from action_log where event = 'moved'" apply --yes
    check "apply killed at step $d: integrity_check ok" intact "$CULL_DB"
    check "apply killed at step $d: no file lost or duplicated (tree + Trash hold each content once)" every_file_once
    check "apply killed at step $d: the log kept its $PRE committed moves" \
        ge "$(sql "select count(*) from action_log where event = 'moved'")" "$PRE"
    check "apply killed at step $d: every file in the Trash has a log entry undo can follow" every_trashed_file_logged
    check "apply killed at step $d: every file logged as moved is in the Trash" every_moved_file_trashed
    check "apply killed at step $d: every file in the Trash has its .trashinfo" every_trashed_file_has_info
    run_cull apply --yes
    expect_rc "apply killed at step $d: the re-run exits 0" 0
    check "apply killed at step $d: then all $N_DEL delete-labelled files are in the Trash, keep files stay" \
        test "$(trashed | wc -l)" = "$N_DEL" -a "$(only_keep_files_left && echo y)" = y
    check "apply killed at step $d: and nothing is lost or duplicated" every_file_once
    check "apply killed at step $d: undo (run until nothing is left) exits 0" undo_all
    check "apply killed at step $d: one undo put back what the killed apply and its re-run moved ($UNDONE)" test "$UNDONE" = 1
    check "apply killed at step $d: every file is back at its path with identical content" diff -r "$T/orig" "$T/pics"
    check "apply killed at step $d: no file is left in Trash/files" test -z "$(trashed)"
    # A kill between reserving a Trash name (writing its .trashinfo) and logging "planned"
    # leaves a .trashinfo no log entry knows of; it is removed here so each round stands alone.
    check "apply killed at step $d: no stray .trashinfo is left in Trash/info" trash_info_empty
    for f in "$TRASH/info"/*; do
        [ -e "$f" ] || continue
        echo "# stray: $f, logged $(sql "select count(*) from action_log where cast(info_path as text) = '$f' and batch >= $first_batch") times by this round"
        rm -f "$f"
    done
done
check "the library is intact at the end" intact "$CULL_DB"
