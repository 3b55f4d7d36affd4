# The main paths under valgrind (plain build only): no invalid reads or writes, no definite leaks.
. "$(dirname "$0")/../e2e_lib.sh"

case "${CULL_BUILD:-}" in
*asan*) pass "# SKIP valgrind does not run sanitizer builds"; exit 0 ;;
esac
command -v valgrind >/dev/null || { pass "# SKIP valgrind is not installed"; exit 0; }

mkdir -p "$T/k" "$T/d" "$T/new"
for i in 1 2 3; do make_photo "$T/k/IMG_$i.jpg" "$i" 200x150; make_screenshot "$T/d/Screenshot_$i.png" "$i" 200x150; done
make_photo "$T/new/IMG_9.jpg" 9 200x150
echo "not an image" >"$T/new/bad.jpg"

vg() { # name, cull arguments...
    local name=$1; shift
    valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite \
        --suppressions="$(dirname "$0")/../valgrind.supp" \
        --show-leak-kinds=definite --log-file="$T/vg.log" "$CULL" "$@" >"$T/out" 2>"$T/err"
    local rc=$?
    if [ "$rc" -ne 99 ] && [ ! -s "$T/vg.log" ]; then pass "valgrind clean: $name"
    else fail "valgrind clean: $name" "exit $rc" "$(head -40 "$T/vg.log")"; fi
}
vg "label keep (index + label)" label --encoder lite keep "$T/k"
vg "label delete" label --encoder lite delete "$T/d"
vg "index with a bad file" index --encoder lite "$T/new"
vg "train" train --encoder lite
vg "rank" rank --encoder lite --format json
vg "status" status
vg "apply" apply --yes "$T/d"
vg "undo" undo
