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

# valgrind 3.19 cannot decode every instruction of every CPU: on AMD Zen 5 it dies with SIGILL in
# libhwy (loaded with libvips' JPEG XL module). That is valgrind's limit, not a defect of cull, so
# a probe decides first. When the illegal instruction is in a system library, the runs go on with
# libvips' optional modules left out (VIPSHOME pointing at a folder without them: JPEG, PNG, GIF,
# WebP and TIFF are in libvips itself); if valgrind still cannot run, the suite is skipped with the
# reason. A SIGILL in cull's own code stays a failure (the runs below report it).
sigill_in_system_library() { # valgrind log: the first frame of an illegal instruction is outside cull
    grep -qE 'signal 4 \(SIGILL\)|unhandled instruction' "$1" &&
        grep -A2 -E 'Illegal opcode|unhandled instruction' "$1" | grep -m1 -E '^==[0-9]+== +at ' |
        grep -qE '\(in /(usr/)?lib'
}
probe() { valgrind -q --log-file="$T/probe.log" "$CULL" embed --encoder lite "$T/k/IMG_1.jpg" >/dev/null 2>&1; }
(probe) 2>/dev/null
if sigill_in_system_library "$T/probe.log"; then
    where=$(grep -m1 -E '^==[0-9]+== +at ' "$T/probe.log" | sed 's/^==[0-9]*== *//')
    echo "# valgrind cannot run a system library on this CPU (SIGILL $where); libvips' optional modules are left out"
    mkdir -p "$T/no-vips-modules"
    export VIPSHOME=$T/no-vips-modules
    (probe) 2>/dev/null
    if sigill_in_system_library "$T/probe.log"; then
        pass "# SKIP valgrind cannot emulate this CPU's instructions in a system library (SIGILL $where)"
        exit 0
    fi
fi

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
vg "export xmp --embedded (XMP into an image, the original to the Trash)" export xmp --yes --mark reject --embedded "$T/new"
vg "undo of the export" undo

# Words: a tiny joint CLIP model from the PyTorch reference (skipped without torch): the tokenizer,
# the text tower, search, prompts, zero-shot rank, and a model trained with the prompts as features,
# on a library of their own.
REF=$(cd "$(dirname "$0")/../reference" && pwd)/vit_reference.py
if /usr/bin/python3 -c 'import torch, numpy' 2>/dev/null; then
    /usr/bin/python3 "$REF" model "$T/clip" --hidden 32 --heads 2 --inter 64 --layers 1 --patch 32 --proj 16 --joint --nested \
        --text-hidden 32 --text-heads 2 --text-layers 1 --merges 50
    export CULL_DB=$T/words.db
    "$CULL" index --quiet --encoder "$T/clip" "$T/k" "$T/new" 2>/dev/null
    vg "embed --text (tokenizer + text tower)" embed --encoder "$T/clip" --text "It's a PHOTO &amp; more ﬁne" "" "日本語 😀"
    vg "prompt add" prompt add delete "a screenshot of a chat"
    "$CULL" prompt add keep "a photo of my family" >/dev/null
    vg "rank by prompts (zero-shot)" rank --encoder "$T/clip"
    vg "search" search --encoder "$T/clip" --format json "a photo of a cat"
    "$CULL" label keep "$T/k" >/dev/null 2>&1
    "$CULL" label delete "$T/d" >/dev/null 2>&1
    vg "train with the prompts as features" train --encoder "$T/clip" --model logreg
    vg "explain with prompt terms" explain --encoder "$T/clip" "$T/new/IMG_9.jpg"
else
    pass "# SKIP words under valgrind: /usr/bin/python3 has no torch (the model writer)"
fi
