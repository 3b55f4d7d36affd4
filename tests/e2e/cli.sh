# The command-line contract: help, usage errors, exit statuses, library location.
. "$(dirname "$0")/../e2e_lib.sh"

for c in index label train rank embed status; do
    run_cull "$c" --help
    if [ "$RC" -eq 0 ] && printf '%s' "$OUT" | grep -q "^usage: cull $c"; then pass "$c --help"; else fail "$c --help" "$OUT"; fi
done
run_cull --help
expect_rc "cull --help exits 0" 0
check "cull --help lists every command" test "$(printf '%s\n' "$OUT" | grep -cE '^  (index|label|train|rank|embed|status) ')" = 6
run_cull
expect_rc "no command is a usage error" 2
run_cull frobnicate
expect_rc "an unknown command is a usage error" 2
expect_match "and says so" "$ERR" "unknown command 'frobnicate'"
run_cull rank --format xml
expect_rc "a bad --format is a usage error" 2
run_cull index --jobs 0 .
expect_rc "--jobs 0 is a usage error" 2
run_cull label maybe "$T"
expect_rc "an unknown label is a usage error" 2
run_cull index --encoder nope "$T"
expect_rc "an unknown encoder fails" 1
expect_match "and lists the known ones" "$ERR" "unknown encoder 'nope'.*lite"

unset CULL_DB
run_cull status
expect_match "without --db or CULL_DB the library is under XDG_DATA_HOME" "$OUT" "library $XDG_DATA_HOME/cull/library.db"
CULL_DB="$T/env.db" "$CULL" status >"$T/out" 2>&1
check "CULL_DB names the library" grep -q "library $T/env.db" "$T/out"
run_cull --db "$T/flag.db" status
expect_match "--db wins over CULL_DB" "$OUT" "library $T/flag.db"

make_photo "$T/p.jpg" 3 200x150
CULL_DB="$T/embed.db" "$CULL" embed "$T/p.jpg" "$T/missing.jpg" >"$T/out" 2>"$T/err"
RC=$?; OUT=$(cat "$T/out"); ERR=$(cat "$T/err")
expect_rc "embed with a missing file exits 1" 1
check "embed prints one JSON line for the good file" test "$(printf '%s\n' "$OUT" | wc -l)" = 1
check "the line names the file and the encoder" test "$(printf '%s' "$OUT" | jq -r '"\(.encoder) \(.path)"')" = "lite-1 $T/p.jpg"
check "the vector holds finite numbers" test "$(printf '%s' "$OUT" | jq '[.vector[] | select(type == "number" and isinfinite | not)] | length > 8')" = true
expect_match "embed names the missing file" "$ERR" "missing.jpg: cannot open: No such file"
check "embed does not create a library" test ! -e "$T/embed.db"

# Debian's OpenBLAS 0.3.21 falls back to SSE3 kernels on CPUs it does not know; cull must not.
run_cull --version
flags=$(grep -m1 '^flags' /proc/cpuinfo)
has() { case " $flags " in *" $1 "*) return 0 ;; esac; return 1; }
if has avx512f && has avx512bw && has avx512vl && has avx512dq; then want=SkylakeX
elif has avx2 && has fma; then want='Haswell|Zen|SkylakeX|Cooperlake|SapphireRapids'
else want='.'; fi
expect_match "OpenBLAS runs kernels this CPU supports at speed ($want)" "$OUT" "OpenBLAS kernels ($want)"
if has amx_bf16 && has avx512_bf16; then want='bf16 on AMX'; else want='float32: no AMX'; fi
expect_match "the ViT precision follows the CPU ($want)" "$OUT" "ViT in $want"
OPENBLAS_CORETYPE=Prescott "$CULL" --version >"$T/out"
check "a user's OPENBLAS_CORETYPE is respected" grep -q "kernels Prescott" "$T/out"
