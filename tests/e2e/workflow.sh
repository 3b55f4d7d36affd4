# The README's workflow block, run exactly as written (each line of the block under "## The
# workflow", comments and pipes included) by a new user: an empty library, ~/Pictures/kept and
# ~/Pictures/rejected already sorted, and ~/Pictures/incoming never indexed before `cull rank`.
# HOME is a temp folder; `cull` on PATH is the binary under test; `cull apply` runs on a terminal
# (script(1)), where it asks, and is answered y. `cull review` serves until it is
# stopped: its line runs in the background until the page's address is printed.
. "$(dirname "$0")/../e2e_lib.sh"

README=$(dirname "$0")/../../README.md
mapfile -t STEPS < <(sed -n '/^## The workflow/,/^## /{/^    cull /s/^    //p}' "$README")
check "the README's workflow block has its 9 steps" test "${#STEPS[@]}" = 9
# The steps below are run by position (the 5th serves until stopped): a block of another shape
# would run the wrong ones, and could wait forever on a server. Update this script with the block.
[ "${#STEPS[@]}" = 9 ] || exit 0

export HOME=$T/home
P=$HOME/Pictures
mkdir -p "$P/kept" "$P/rejected" "$P/incoming" "$T/bin"
ln -s "$CULL" "$T/bin/cull"
export PATH="$T/bin:$PATH"
unset CULL_DB                     # the default library, as a new user has it
DB=$XDG_DATA_HOME/cull/library.db
for i in 1 2 3 4; do make_photo "$T/base$i.jpg" "$i" 320x240; done
for i in $(seq 1 24); do
    convert "$T/base$((i % 4 + 1)).jpg" -fill "rgb($i,$((i * 7 % 256)),0)" -draw "rectangle 0,0 3,3" "$P/kept/IMG_$i.jpg"
    make_screenshot "$P/rejected/Screenshot_$i.png" "$i" 400x300
done
for i in 1 2 3 4 5 6; do
    convert "$T/base$((i % 4 + 1)).jpg" -fill "rgb(0,$i,$((i * 5)))" -draw "rectangle 0,0 4,4" "$P/incoming/IMG_5$i.jpg"
    make_screenshot "$P/incoming/Screenshot_5$i.png" $((50 + i)) 400x300
done
check "no library before the first step" test ! -e "$DB"

cmd() { local s=${STEPS[$1]%%#*}; echo "${s%"${s##*[! ]}"}"; }   # step N without its comment
step() { # N: runs the README's step N as written; $OUT, $ERR, $RC
    bash -c "${STEPS[$1]}" >"$T/out" 2>"$T/err" </dev/null
    RC=$?
    OUT=$(cat "$T/out")
    ERR=$(cat "$T/err")
}

step 0
expect_rc "1 \`$(cmd 0)\` exits 0" 0
expect_match "and labels the 24 kept images" "$ERR" "labelled 24 files keep"
step 1
expect_match "2 \`$(cmd 1)\` labels the 24 rejected images" "$ERR" "labelled 24 files delete"
step 2
expect_rc "3 \`$(cmd 2)\` exits 0" 0
expect_match "and trains on the 48 labels" "$OUT" "trained on 48 labelled images \(24 keep, 24 delete\)"
check "incoming was never indexed before rank" test "$(sqlite3 "$DB" "select count(*) from paths where cast(path as text) like '$P/incoming/%'")" = 0
step 3
expect_rc "4 \`$(cmd 3)\` exits 0" 0
check "and lists 10 incoming images (head)" test "$(printf '%s\n' "$OUT" | grep -c "	$P/incoming/")" = 10
check "the 6 screenshots first" test "$(printf '%s\n' "$OUT" | head -6 | grep -c "/Screenshot_5")" = 6
# 5: cull review serves until stopped.
bash -c "${STEPS[4]}" >"$T/out" 2>"$T/err" </dev/null &
pid=$!
until grep -q '^http://127.0.0.1:[0-9]*/?token=' "$T/out" || ! kill -0 "$pid" 2>/dev/null; do sleep 0.05; done
check "5 \`$(cmd 4)\` serves the page and prints its address" grep -q '^http://127.0.0.1:[0-9]*/?token=' "$T/out"
pkill -INT -P "$pid" 2>/dev/null; kill -INT "$pid" 2>/dev/null
wait "$pid" 2>/dev/null
step 5
expect_rc "6 \`$(cmd 5)\` exits 0" 0
check "and lists labelled images" test -n "$OUT"
step 6
expect_rc "7 \`$(cmd 6)\` exits 0" 0
# 8: apply asks on a terminal, as the user running the block has one: answer y.
printf 'y\n' | script -qec "${STEPS[7]}" /dev/null >"$T/out" 2>&1
RC=$?; ERR=$(cat "$T/out")
expect_rc "8 \`$(cmd 7)\` exits 0" 0
expect_match "and asks first" "$ERR" "move 24 files .* to the Trash\? \[y/N\]"
check "and the 24 delete-labelled files are in the Trash" \
    test "$(ls "$P/rejected" | wc -l),$(ls "$XDG_DATA_HOME/Trash/files" | wc -l)" = "0,24"
step 8
expect_rc "9 \`$(cmd 8)\` exits 0" 0
check "and puts them back" test "$(ls "$P/rejected" | wc -l),$(ls "$XDG_DATA_HOME/Trash/files" | wc -l)" = "24,0"
