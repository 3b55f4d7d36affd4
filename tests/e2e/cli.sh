# The command-line contract: help, usage errors, exit statuses, library location.
. "$(dirname "$0")/../e2e_lib.sh"

for c in index label train rank embed status; do
    run_cull "$c" --help
    if [ "$RC" -eq 0 ] && printf '%s' "$OUT" | grep -q "^usage: cull $c"; then pass "$c --help"; else fail "$c --help" "$OUT"; fi
done
for c in index label train rank apply undo embed status model review dupes suspects report; do
    run_cull "$c" --help
    expect_match "$c --help says what its exit statuses mean" "$OUT" "^exit status: 0 "
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

# Where the library is: status names it (and, with none there, says so and creates nothing).
unset CULL_DB
run_cull status
expect_match "without --db or CULL_DB the library is under XDG_DATA_HOME" "$ERR" "no library at $XDG_DATA_HOME/cull/library.db"
"$CULL" --db "$T/env.db" label --quiet keep "$T" 2>/dev/null
"$CULL" --db "$T/flag.db" label --quiet keep "$T" 2>/dev/null
CULL_DB="$T/env.db" "$CULL" status >"$T/out" 2>&1
check "CULL_DB names the library" grep -q "library $T/env.db" "$T/out"
CULL_DB="$T/env.db" "$CULL" --db "$T/flag.db" status >"$T/out" 2>&1
check "--db wins over CULL_DB" grep -q "library $T/flag.db" "$T/out"

make_photo "$T/p.jpg" 3 200x150
# Counts read as a careful person writes them.
run_cull --db "$T/one.db" label keep "$T/p.jpg"
expect_match "one file: \"labelled 1 file keep\"" "$ERR" "^labelled 1 file keep \(1 changed\)$"
expect_match "one image: \"1 image:\"" "$ERR" "^1 image: 1 indexed"
CULL_DB="$T/embed.db" "$CULL" embed "$T/p.jpg" "$T/missing.jpg" >"$T/out" 2>"$T/err"
RC=$?; OUT=$(cat "$T/out"); ERR=$(cat "$T/err")
expect_rc "embed with a missing file exits 1" 1
check "embed prints one JSON line for the good file" test "$(printf '%s\n' "$OUT" | wc -l)" = 1
check "the line names the file and the encoder" test "$(printf '%s' "$OUT" | jq -r '"\(.encoder) \(.path)"')" = "lite-1 $T/p.jpg"
check "the vector holds finite numbers" test "$(printf '%s' "$OUT" | jq '[.vector[] | select(type == "number" and isinfinite | not)] | length > 8')" = true
expect_match "embed names the missing file" "$ERR" "missing.jpg: cannot open: No such file"
check "embed does not create a library" test ! -e "$T/embed.db"

# Debian's OpenBLAS 0.3.21 picks kernels by CPU model and gets new CPUs wrong (a fallback on new
# Intel cores, AVX2 on AMD Zen 4/5); cull picks by CPU features. The environment may set the
# user's own choice (some machines do), which always wins: cull's choice is checked without it.
env -u OPENBLAS_CORETYPE "$CULL" --version >"$T/out" 2>"$T/err"
OUT=$(cat "$T/out")
flags=$(grep -m1 '^flags' /proc/cpuinfo)
has() { case " $flags " in *" $1 "*) return 0 ;; esac; return 1; }
if has avx512f && has avx512bw && has avx512vl && has avx512dq; then want='SkylakeX|Cooperlake|SapphireRapids'
elif has avx2 && has fma; then want='Haswell|Zen|SkylakeX|Cooperlake|SapphireRapids'
else want='.'; fi
expect_match "OpenBLAS runs kernels this CPU supports at speed ($want)" "$OUT" "OpenBLAS kernels ($want)"
# bf16 where oneDNN has a native kernel (AMX or AVX512-BF16), by CPU feature and ONEDNN_MAX_CPU_ISA.
isa=${ONEDNN_MAX_CPU_ISA:-ALL}
if has amx_bf16 && case $isa in ALL|*AMX*) true ;; *) false ;; esac; then want='bf16, oneDNN brg:avx512_core_amx'
elif has avx512_bf16 && case $isa in ALL|*AMX*|AVX512_CORE_BF16) true ;; *) false ;; esac
then want='bf16, oneDNN brg:avx512_core_bf16'
else want='float32: no native bf16 kernel'; fi
expect_match "the ViT precision follows the CPU ($want)" "$OUT" "ViT in $want"
ONEDNN_MAX_CPU_ISA=AVX512_CORE "$CULL" --version >"$T/out"
check "without AVX512-BF16 or AMX (ONEDNN_MAX_CPU_ISA=AVX512_CORE) the ViT runs float32" \
    grep -q "ViT in float32: no native bf16 kernel" "$T/out"
if has avx512_bf16; then
    ONEDNN_MAX_CPU_ISA=AVX512_CORE_BF16 "$CULL" --version >"$T/out"
    check "with AVX512-BF16 and no AMX (ONEDNN_MAX_CPU_ISA=AVX512_CORE_BF16) the ViT runs bf16 on it" \
        grep -q "ViT in bf16, oneDNN brg:avx512_core_bf16" "$T/out"
else
    pass "# SKIP this CPU has no AVX512-BF16: the AVX512-BF16 bf16 path cannot run here"
fi
OPENBLAS_CORETYPE=Prescott "$CULL" --version >"$T/out"
check "a user's OPENBLAS_CORETYPE is respected" grep -q "kernels Prescott" "$T/out"

# The command table says what each command needs: status, model, apply and undo start no image
# decoder (libvips loads its modules at start-up; strace shows whether it did).
if command -v strace >/dev/null && strace -o /dev/null true 2>/dev/null; then
    for c in status "model list" "apply --dry-run" "undo --dry-run"; do
        loaded=$(strace -f -e trace=openat "$CULL" $c 2>&1 | grep -c vips-modules)
        check "cull $c starts no libvips ($loaded module files opened)" test "$loaded" = 0
    done
    loaded=$(strace -f -e trace=openat "$CULL" rank 2>&1 | grep -c vips-modules)
    check "cull rank does (it may index new images: $loaded module files opened)" test "$loaded" -gt 0
else
    pass "# SKIP strace is missing or may not trace here (apt-get install strace; ptrace allowed)"
fi
