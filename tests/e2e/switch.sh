# Labels outlive a change of encoder: a library labelled and trained with lite, 30 of its delete-
# labelled files moved to the Trash by apply (3 of those then emptied from the Trash), is switched
# with `cull model use` to mobilenet and to a tiny ViT folder. The switch embeds every labelled
# image still readable, from disk and from the Trash in place (never moved back), survives kill -9
# and resumes; the new model trains on all of them; the gone ones are counted and named; --encoder
# still works side by side; no command fails for want of embeddings it can make; rank PATH indexes
# a folder never seen before. Targets that are not installed here are skipped with the reason.
. "$(dirname "$0")/../e2e_lib.sh"

TRASH="$XDG_DATA_HOME/Trash"
export CULL_MODELS=$USER_MODELS
PY=/usr/bin/python3
REF=$(cd "$(dirname "$0")/../reference" && pwd)/vit_reference.py

mkdir -p "$T/kept" "$T/rejected" "$T/incoming" "$T/later"
for i in 1 2 3 4; do make_photo "$T/base$i.jpg" "$i" 320x240; done
for i in $(seq 1 70); do
    convert "$T/base$((i % 4 + 1)).jpg" -fill "rgb($i,$((i * 3 % 256)),0)" -draw "rectangle 0,0 3,3" "$T/kept/IMG_$i.jpg"
done
for i in $(seq 1 30); do make_screenshot "$T/rejected/Screenshot_$i.png" "$i" 400x300; done
for i in 1 2 3; do
    convert "$T/base$i.jpg" -fill "rgb(9,$i,200)" -draw "rectangle 0,0 5,5" "$T/incoming/IMG_9$i.jpg"
    make_screenshot "$T/incoming/Screenshot_9$i.png" $((90 + i)) 400x300
done
for i in 1 2; do make_screenshot "$T/later/Screenshot_8$i.png" $((80 + i)) 400x300; done

"$CULL" label --quiet --encoder lite keep "$T/kept"
"$CULL" label --quiet delete "$T/rejected"
run_cull status
expect_match "a library indexed with lite uses lite" "$OUT" "encoder in use: lite \("
run_cull train
expect_match "lite trains on all 100 labels" "$OUT" "trained on 100 labelled images \(70 keep, 30 delete\), encoder lite-1"
run_cull apply --yes
check "apply moved the 30 delete-labelled files to the Trash" test "$(ls "$TRASH/files" | wc -l)" = 30
rm "$TRASH/files/Screenshot_1.png" "$TRASH/files/Screenshot_2.png" "$TRASH/files/Screenshot_3.png"
trash_before=$(ls "$TRASH/files" | sort)

# Targets: mobilenet when installed (scripts/fetch-models.sh), a tiny ViT folder when torch can
# write one (tests/reference/vit_reference.py).
targets=()
if "$CULL" model info mobilenet >/dev/null 2>&1; then targets+=(mobilenet)
else pass "# SKIP mobilenet is not installed (scripts/fetch-models.sh): no switch to it"; fi
if [ -x "$PY" ] && "$PY" -c 'import torch, numpy' 2>/dev/null &&
   "$PY" "$REF" model "$T/tiny-vit" --seed 3 --hidden 32 --heads 2 --inter 64 --layers 1 --patch 32 --proj 16 \
       --act quick_gelu --dtype F32 >/dev/null 2>&1; then targets+=("$T/tiny-vit")
else pass "# SKIP /usr/bin/python3 has no torch/numpy to write a tiny ViT: no switch to one"; fi

prev=lite-1
for target in "${targets[@]}"; do
    label=${target##*/}
    if [ "$target" = mobilenet ]; then
        run_cull status
        expect_match "$label: status says what a switch costs" "$OUT" \
            "mobilenet +0 of 100 labelled images embedded; \`cull model use mobilenet\` embeds the 97 still readable"
    fi
    run_cull train
    expect_match "$label: before the switch, train still uses the library's encoder ($prev)" "$OUT" "encoder $prev$"

    # kill -9 halfway through the switch (counted on a copy of the library), then resume.
    cp "$CULL_DB" "$T/count.db"; [ ! -e "$CULL_DB-wal" ] || cp "$CULL_DB-wal" "$T/count.db-wal"
    steps=$(CULL_DB="$T/count.db" steps_of model use "$target")
    stopped_at $((steps / 2)) model use "$target"
    kill -9 "$STOPPED" 2>/dev/null
    { wait "$STOPPED"; } 2>/dev/null
    check "$label: killed halfway through the switch (step $((steps / 2)) of $steps), the library is intact" \
        test "$(sql 'pragma integrity_check')" = ok
    run_cull model use "$target"
    expect_rc "$label: running the switch again exits 0" 0
    expect_match "$label: it embeds every labelled image still readable" "$ERR" "has embedded 97 of 100 labelled images"
    expect_match "$label: and counts the 3 whose bytes are gone" "$ERR" "3 labelled images are gone from disk and the Trash"
    check "$label: the Trash was read in place (nothing moved back or out)" test "$(ls "$TRASH/files" | sort)" = "$trash_before"
    check "$label: and no Trash path became a path of the library" \
        test "$(sql "select count(*) from paths where cast(path as text) like '$TRASH/%'")" = 0
    run_cull status
    expect_match "$label: status says the library uses it now" "$OUT" "encoder in use: .*${label} \(chosen with cull model use\)"
    expect_match "$label: status names the images whose bytes are gone" "$OUT" "  $T/rejected/Screenshot_1.png"
    run_cull train
    expect_rc "$label: train exits 0" 0
    expect_match "$label: the new encoder trains on the 97 labelled images it could read (30 of them from the Trash)" \
        "$OUT" "trained on 97 labelled images \(70 keep, 27 delete\)"
    run_cull train --encoder lite
    expect_match "$label: --encoder lite still trains on all 100, side by side" "$OUT" "trained on 100 labelled images .*encoder lite-1"
    prev=$(printf '%s\n' "$OUT" | sed -n 's/.*encoder //p' | head -1)
    run_cull train
    prev=$(printf '%s\n' "$OUT" | sed -n 's/^trained on .*, encoder //p')
done

# A folder labelled with another encoder: the library's encoder embeds what it lacks first.
"$CULL" label --quiet --encoder lite delete "$T/later"
run_cull rank --no-index
expect_rc "rank --no-index with missing embeddings fails" 1
expect_match "and says what is missing and the command that makes it" "$ERR" \
    "2 images \(2 of them labelled\) have no .* embedding yet; run without --no-index, or \`cull model use"
run_cull train
expect_match "train embeds the 2 new labelled images first" "$ERR" "embedding 2 images with .* first \(2 labelled"
run_cull suspects
expect_rc "suspects needs no embedding more" 0

# rank PATH indexes a folder never indexed before; a missing PATH is an error naming it.
run_cull rank "$T/incoming"
expect_rc "rank on a folder never indexed exits 0" 0
check "and ranks its 6 images" test "$(printf '%s\n' "$OUT" | grep -c "$T/incoming/")" = 6
run_cull rank "$T/nonexistent"
expect_rc "rank on a missing path exits 1" 1
expect_match "and names it" "$ERR" "$T/nonexistent: No such file or directory"
run_cull review "$T/nonexistent"
expect_rc "review on a missing path exits 1 (no page with 0 images)" 1
expect_match "and names it" "$ERR" "$T/nonexistent: No such file or directory"
mkdir "$T/empty"
run_cull rank "$T/empty"
expect_rc "rank on a folder with no images exits 0" 0
expect_match "and says there is nothing there" "$ERR" "no images under $T/empty"
run_cull model use no-such-encoder
expect_rc "model use of an unknown encoder fails" 1
expect_match "naming the encoders it knows" "$ERR" "unknown encoder 'no-such-encoder'"
