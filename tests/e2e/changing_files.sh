# Files deleted or rewritten while cull reads them, made deterministic by an LD_PRELOAD shim
# (tests/tools/change_shim.c, built by `make tests`) that changes a marked file at its open or its
# first read. Each changed file is named with the reason, every good file is indexed, nothing
# changed is stored, and a second run, with the files now stable, indexes what is there.
. "$(dirname "$0")/../e2e_lib.sh"

SHIM=$(dirname "$CULL")/tests/change_shim.so
if [ ! -f "$SHIM" ]; then
    fail "the change shim is built ($SHIM: run make tests)"
    exit 1
fi
case "${CULL_BUILD:-}" in
# The shim is preloaded ahead of the ASan runtime, which ASan refuses unless told it may.
*asan*) export ASAN_OPTIONS="${ASAN_OPTIONS:-}:verify_asan_link_order=0" ;;
esac

D="$T/in" M="@chg@"
mkdir -p "$D"
for n in 1 2 3 4 5 6; do make_photo "$D/good$n.jpg" "$n" 320x240; done
make_screenshot "$D/good7.png" 7 400x300
make_photo "$T/new.jpg" 50 500x300   # what rewrite and replace put in place
seed=20
for a in vanish unlink truncate append scribble rewrite replace; do
    seed=$((seed + 1)); make_photo "$D/$M$a.jpg" "$seed" 320x240
done
sha() { sha256sum "$1" | cut -c1-64; }
old_replace=$(sha "$D/${M}replace.jpg") new_sha=$(sha "$T/new.jpg")
stored_sha() { sql "select lower(hex(sha256)) from images join paths on images.id = image_id where path = cast('$1' as blob)"; }

CHANGE_SHIM_MARKER=$M CHANGE_SHIM_WITH="$T/new.jpg" LD_PRELOAD="$SHIM" run_cull index --jobs 2 "$D"
expect_rc "a run where files change under it exits 1" 1
check "no crash, sanitizer or runtime report" sh -c "! grep -qE 'Sanitizer|runtime error|change_shim' '$T/err'"
for a in truncate append scribble rewrite; do
    expect_match "$a while being read: named with the reason" "$ERR" "^cull: $D/$M$a.jpg: file changed while being read$"
    check "$a while being read: nothing stored for it" test "$(sql "select count(*) from paths where path = cast('$D/$M$a.jpg' as blob)")" = 0
done
expect_match "deleted between the walk and the open: a clean 'cannot open'" "$ERR" \
    "^cull: $D/${M}vanish.jpg: cannot open: No such file or directory$"
check "unlinked after the open: the open file was read whole, so it is indexed" \
    test "$(sql "select count(*) from paths where path = cast('$D/${M}unlink.jpg' as blob)")" = 1
check "replaced by rename after the open: the old content, read whole, is indexed" \
    test "$(stored_sha "$D/${M}replace.jpg")" = "$old_replace"
check "neither unlink nor replace is reported" sh -c "! grep -qE 'unlink.jpg|replace.jpg' '$T/err'"
check "all 7 good files indexed" test "$(sql "select count(*) from paths where cast(path as text) like '%/good%'")" = 7
expect_match "the summary counts 5 failures of 14" "$ERR" "^14 images: 9 indexed, .* 5 failed"

# Second run, no shim: the files hold still now.
run_cull index "$D"
expect_rc "the second run exits 1 (the truncated JPEG stays bad)" 1
expect_match "the now-truncated file is named as a damaged image, not as changing" "$ERR" \
    "^cull: $D/${M}truncate.jpg: cannot decode jpeg"
check "the rewritten file is indexed with its new content" test "$(stored_sha "$D/${M}rewrite.jpg")" = "$new_sha"
check "the replaced file is indexed again, with its new content" test "$(stored_sha "$D/${M}replace.jpg")" = "$new_sha"
check "the grown file is indexed" test "$(stored_sha "$D/${M}append.jpg")" = "$(sha "$D/${M}append.jpg")"
# (100 bytes of junk inside the entropy-coded data may or may not decode: either is fine.)
scribbled() { [ "$(stored_sha "$D/${M}scribble.jpg")" = "$(sha "$D/${M}scribble.jpg")" ] ||
              grep -q "^cull: $D/${M}scribble.jpg: ." "$T/err"; }
check "the scribbled file is indexed as it is now, or named with a reason" scribbled
check "the unlinked file is marked as no longer on disk" \
    test "$(sql "select present from paths where path = cast('$D/${M}unlink.jpg' as blob)")" = 0
expect_match "the good files are unchanged, the unlinked one is gone" "$ERR" \
    "^12 images: [34] indexed, 0 moved or copied, 7 unchanged, [12] failed; 1 no longer on disk"
