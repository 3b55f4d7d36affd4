# The layer rule of docs/ARCHITECTURE.md: no file includes a header from a layer above its own
# (scripts/check-layers.sh), and the check itself notices a planted upward include.
. "$(dirname "$0")/../e2e_lib.sh"
ROOT=$(cd "$(dirname "$0")/../.." && pwd)

check "every include in src/ keeps to its layer" "$ROOT/scripts/check-layers.sh" "$ROOT/src"

cp -r "$ROOT/src" "$T/src"
echo '#include "review/server.h"' >>"$T/src/library/library.c"
OUT=$("$ROOT/scripts/check-layers.sh" "$T/src")
check "a planted upward include (library → review) fails the check" test $? = 1
expect_match "... naming the file, the line and the layers" "$OUT" "library/library.c:[0-9]+: src/library \(layer 1\) includes review/ \(layer 2\)"
rm -r "$T/src" && cp -r "$ROOT/src" "$T/src" && mkdir "$T/src/newlayer"
OUT=$("$ROOT/scripts/check-layers.sh" "$T/src")
expect_match "a new folder must be given its layer" "$OUT" "src/newlayer is in no layer"
