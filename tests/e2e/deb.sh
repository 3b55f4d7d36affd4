# make deb: dpkg-buildpackage builds cull_VERSION_amd64.deb from debian/, lintian finds nothing to
# say (no error, no warning), the package holds the binary, cull(1), the completions and the docs
# where Debian puts them, its Depends come from dh_shlibdeps, and the binary it holds runs.
. "$(dirname "$0")/../e2e_lib.sh"
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
B=$(basename "$(dirname "$CULL")")
case "$B" in *asan*) pass "# SKIP the package is built from the plain tree (the plain build's run tests it)"; exit 0 ;; esac
for tool in dpkg-buildpackage dh lintian; do
    command -v "$tool" >/dev/null || { pass "# SKIP $tool is not installed (scripts/install-deps.sh --package)"; exit 0; }
done
version=$(sed -n 's/^VERSION := //p' "$ROOT/Makefile")
out=$ROOT/$B/deb
rm -rf "$out"

make -s -C "$ROOT" BUILD="$B" deb >"$T/deb.log" 2>&1
check "make deb builds the package and lintian passes it ($(grep -E '^[EW]: ' "$T/deb.log" | head -3 | tr '\n' ' '))" test $? = 0
deb=$out/cull_${version}_amd64.deb
check "it is $B/deb/cull_${version}_amd64.deb" test -s "$deb"
check "lintian said nothing: no error, no warning" test -z "$(grep -E '^[EW]: ' "$T/deb.log")"
check "debian/ is left as it was (debhelper's files removed)" \
    test -z "$(cd "$ROOT" && git status --porcelain --ignored debian | grep '^!!')"

dpkg-deb -c "$deb" | awk '{print $6}' | grep -v '/$' | sort >"$T/files"
check "it holds the binary, cull(1), the completions and the docs ($(tr '\n' ' ' <"$T/files"))" \
    test "$(tr '\n' ' ' <"$T/files")" = "./usr/bin/cull ./usr/share/bash-completion/completions/cull ./usr/share/doc/cull/ARCHITECTURE.md.gz ./usr/share/doc/cull/README.md.gz ./usr/share/doc/cull/changelog.gz ./usr/share/doc/cull/copyright ./usr/share/fish/vendor_completions.d/cull.fish ./usr/share/man/man1/cull.1.gz ./usr/share/zsh/vendor-completions/_cull "
depends=$(dpkg-deb -f "$deb" Depends)
for lib in libc6 libvips42 libsqlite3-0 libopenblas0 libdnnl2 libexempi8 libmicrohttpd12 libcurl4; do
    expect_match "Depends (dh_shlibdeps) names $lib" "$depends" "(^|, )$lib( |,|$)"
done
check "Recommends nodejs and npm (cull model fetch mobilenet)" test "$(dpkg-deb -f "$deb" Recommends)" = "nodejs, npm"

dpkg-deb -x "$deb" "$T/root"
expect_match "the packaged binary runs and names its version" "$("$T/root/usr/bin/cull" --version)" "^cull $version "
check "the packaged man page is cull(1)" sh -c "zcat '$T/root/usr/share/man/man1/cull.1.gz' | grep -q '^\.TH CULL 1'"
