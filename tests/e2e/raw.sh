# Camera RAW, through libraw: DNGs made here by tests/tools/make_dng.py (no RAW sample can be
# downloaded and no binaries are committed), with and without an embedded JPEG preview, in several
# orientations; then a hostile RAW corpus (truncations, strips past the end of the file, declared
# sizes far beyond the data, bit flips) that must never crash, hang or blow up memory, and whose
# every bad file is named with a reason.
. "$(dirname "$0")/../e2e_lib.sh"

dng() { python3 "$(dirname "$0")/../tools/make_dng.py" "$@"; }
S="$T/src" R="$T/raw" H="$T/hostile"
mkdir -p "$S" "$R" "$H"

# The picture: 400×200, a vertical red→blue gradient with a white square top left, so any wrong
# rotation changes it. side/left/down are it stored turned, as a camera held otherwise writes it.
convert -size 400x200 gradient:red-blue -fill white -draw "rectangle 10,10 60,60" -depth 8 "$S/up.ppm"
convert "$S/up.ppm" -rotate -90 "$S/side.ppm"    # Orientation 6 turns it back
convert "$S/up.ppm" -rotate 90 "$S/left.ppm"     # Orientation 8
convert "$S/up.ppm" -rotate 180 "$S/down.ppm"    # Orientation 3
convert "$S/up.ppm" -quality 92 "$S/up.jpg"
convert "$S/side.ppm" -quality 92 "$S/side.jpg"
cp "$S/side.jpg" "$S/side-o6.jpg" && exiftool -q -overwrite_original -Orientation#=6 "$S/side-o6.jpg"

dng --ppm "$S/up.ppm" --preview "$S/up.jpg" "$R/preview.dng"
dng --ppm "$S/up.ppm" "$R/no-preview.dng"
dng --ppm "$S/side.ppm" --preview "$S/side.jpg" --orientation 6 "$R/preview-o6.dng"
dng --ppm "$S/side.ppm" --orientation 6 "$R/develop-o6.dng"
dng --ppm "$S/left.ppm" --orientation 8 "$R/develop-o8.dng"
dng --ppm "$S/down.ppm" --orientation 3 "$R/develop-o3.dng"
# A bad preview in front of good raw data: its offset past the end of the file, or its JPEG
# header overwritten (the preview is stored last, as the file's final bytes).
dng --ppm "$S/up.ppm" --preview "$S/up.jpg" --preview-past-end "$R/preview-past-end.dng"
cp "$R/preview.dng" "$R/damaged-preview.dng"
printf 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx' | dd of="$R/damaged-preview.dng" bs=1 conv=notrunc status=none \
    seek=$(( $(stat -c %s "$R/preview.dng") - $(stat -c %s "$S/up.jpg") + 2 ))

run_cull index "$R"
expect_rc "DNGs with and without a preview index cleanly" 0
check "all 8 DNGs indexed as raw, Culltest / Synth 1" \
    test "$(sql "select count(*) from images where format = 'raw' and make = 'Culltest' and model = 'Synth 1'")" = 8
check "every one upright at 400×200 (orientations 3, 6, 8 honoured in the library)" \
    test "$(sql "select count(*) from images where width = 400 and height = 200")" = 8

# The decoded preview, as the encoders get it (decode_dump is built by `make tests`): upright means
# the white square top left, red along the top, blue along the bottom; a turned or mirrored decode
# moves them (a 180° turn leaves every histogram, so every lite feature, as it was).
DUMP=$(dirname "$CULL")/tests/decode_dump
upright() { # NAME FILE WxH: decodes upright, at WxH (400×200 from the preview, 200×100 rendered)
    local size got
    size=$("$DUMP" "$2" "$T/dump.ppm" 2>"$T/dump.err")   # (libraw lets libjpeg warn on stderr)
    got=$(convert "$T/dump.ppm" -format '%[fx:p{int(w*0.09),int(h*0.18)}.r > 0.8 && p{int(w*0.09),int(h*0.18)}.b > 0.8 &&
        p{int(w*0.9),int(h*0.1)}.r > p{int(w*0.9),int(h*0.1)}.b + 0.5 && p{int(w*0.9),int(h*0.9)}.b > p{int(w*0.9),int(h*0.9)}.r + 0.5]' info: 2>&1)
    if [ "$size" = "$3" ] && [ "$got" = 1 ]; then pass "$1"; else fail "$1" "decoded '$size' (wanted $3), upright test '$got'" "$(cat "$T/dump.err")"; fi
}
upright "a DNG with a preview decodes from the preview" "$R/preview.dng" 400x200
upright "a DNG without one is developed at half size" "$R/no-preview.dng" 200x100
upright "a preview stored turned is shown upright (orientation 6)" "$R/preview-o6.dng" 400x200
for o in 6 8 3; do
    upright "a developed DNG is upright (orientation $o)" "$R/develop-o$o.dng" 200x100
done
upright "a preview past the end of the file: the raw data is developed instead" "$R/preview-past-end.dng" 200x100
upright "a preview that does not decode: the raw data is developed instead" "$R/damaged-preview.dng" 200x100

# Embeddings: max |Δ| over the vector.
maxdiff() { "$CULL" embed --encoder lite "$1" "$2" | jq -s '[.[0].vector, .[1].vector] | transpose | map((.[0]-.[1]) | fabs) | max'; }
run_cull embed --encoder lite "$R/preview.dng" "$R/no-preview.dng"
check "cull embed works on a DNG with and without a preview" \
    test "$(printf '%s\n' "$OUT" | jq -s 'map(select(.vector | length == 48)) | length')" = 2
check "a DNG with a preview embeds as its preview JPEG does" test "$(maxdiff "$R/preview.dng" "$S/up.jpg")" = 0
check "a turned preview embeds as the same JPEG tagged with the orientation" \
    test "$(maxdiff "$R/preview-o6.dng" "$S/side-o6.jpg")" = 0
run_cull --db "$T/limit.db" index --max-pixels 50000 "$R/preview.dng"
expect_match "--max-pixels applies to RAW" "$ERR" "preview.dng: 400×200 pixels is over the limit of 50000"

# --- hostile RAW ---
for f in preview no-preview; do
    size=$(stat -c %s "$R/$f.dng")
    for n in 16 200 600; do head -c $n "$R/$f.dng" >"$H/cut-$n-$f.dng"; done     # inside the header and IFDs
    for k in 1 2 3 5 8 11 13 14 15; do head -c $((size * k / 16)) "$R/$f.dng" >"$H/trunc-$k-16-$f.dng"; done
done
dng --ppm "$S/up.ppm" --strips-past-end "$H/past-end-no-preview.dng"
dng --ppm "$S/up.ppm" --preview "$S/up.jpg" --strips-past-end "$H/past-end-preview.dng"
# Declared sizes far beyond the 400×200 pixels stored: over --max-pixels, or under it with no data.
dng --ppm "$S/up.ppm" --declare 20000x20000 "$H/bomb-400mp.dng"
dng --ppm "$S/up.ppm" --declare 60000x60000 "$H/bomb-3600mp.dng"
dng --ppm "$S/up.ppm" --preview "$S/up.jpg" --declare 20000x20000 "$H/bomb-400mp-preview.dng"
dng --ppm "$S/up.ppm" --declare 16000x16000 "$H/bomb-256mp.dng"
# Bit flips (seeded: reproducible): 12 anywhere, or 3 among the header and IFDs (first 600 bytes).
flip() { # file seed count range
    awk -v s="$2" -v c="$3" -v n="$4" 'BEGIN { srand(s); for (i = 0; i < c; i++) printf "%d %d\n", 8 + int(rand() * (n - 8)), int(rand() * 256) }' |
    while read -r off byte; do
        printf "$(printf '\\%03o' "$byte")" | dd of="$1" bs=1 seek="$off" conv=notrunc status=none
    done
}
for f in preview no-preview; do
    size=$(stat -c %s "$R/$f.dng")
    for s in 1 2 3 4 5 6; do
        cp "$R/$f.dng" "$H/flip-any-$s-$f.dng" && flip "$H/flip-any-$s-$f.dng" "$s$f" 12 "$size"
        cp "$R/$f.dng" "$H/flip-ifd-$s-$f.dng" && flip "$H/flip-ifd-$s-$f.dng" "$s$f" 3 600
    done
done

/usr/bin/time -f '%M' -o "$T/rss" timeout 300 "$CULL" index --jobs 2 "$H" >"$T/out" 2>"$T/err"
RC=$?
ERR=$(cat "$T/err")
check "indexing the hostile RAW corpus ends with status 1, not a crash or a hang (got $RC)" test "$RC" = 1
check "no sanitizer or runtime report" sh -c "! grep -qE 'Sanitizer|runtime error' '$T/err'"
check "libraw's own 'Unexpected end of file' messages are kept off stderr" sh -c "! grep -q 'Unexpected end of file' '$T/err'"
total=$(ls "$H" | wc -l)
summary=$(tail -1 "$T/err")
set -- $(printf '%s' "$summary" | sed -nE 's/^([0-9]+) images: ([0-9]+) indexed, ([0-9]+) moved or copied, [0-9]+ unchanged, ([0-9]+) failed.*/\2 \3 \4/p') 0 0 0
check "every file is accounted for: indexed + known + failed = $total ($summary)" test "$(( $1 + $2 + $3 ))" = "$total"
check "each failure names its file with a reason" test "$(grep -c "^cull: $H/.*: ." "$T/err")" = "$3"
for f in "$H"/cut-* "$H"/trunc-* "$H"/past-end-* "$H"/bomb-256mp.dng; do
    expect_match "named with a reason: ${f##*/}" "$ERR" "^cull: $f: ."
done
for b in bomb-400mp.dng bomb-3600mp.dng bomb-400mp-preview.dng; do
    expect_match "declared size refused before decoding: $b" "$ERR" "$b: [0-9]+×[0-9]+ pixels is over the limit"
done
rss=$(tail -1 "$T/rss")
case "${CULL_BUILD:-}" in
*asan*) pass "# SKIP peak memory is not meaningful under ASan ($((rss / 1024)) MB)" ;;
*) check "peak memory stays under 512 MB (got $((rss / 1024)) MB)" test "$rss" -lt 524288 ;;
esac
