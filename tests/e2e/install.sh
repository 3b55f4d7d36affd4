# make install / uninstall under DESTDIR and PREFIX, and cull(1): the installed binary works, the
# man page is made from the help texts and renders cleanly, and nothing lands outside the prefix.
. "$(dirname "$0")/../e2e_lib.sh"
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
B=$(basename "$(dirname "$CULL")")     # the build folder this run tests: build or build-asan
SAN=""
case "$B" in *asan*) SAN=1 ;; esac      # so that make, were it to rebuild anything, builds it alike
D=$T/dest

make -s -C "$ROOT" BUILD="$B" SAN="$SAN" DESTDIR="$D" PREFIX=/usr install >"$T/make.out" 2>&1
check "make install DESTDIR=... PREFIX=/usr succeeds" test $? = 0
(cd "$D" && find . -type f | sort) >"$T/files"
check "it installs the binary, cull(1), the completions and the docs, nothing else ($(tr '\n' ' ' <"$T/files"))" \
    test "$(tr '\n' ' ' <"$T/files")" = "./usr/bin/cull ./usr/share/bash-completion/completions/cull ./usr/share/doc/cull/ARCHITECTURE.md ./usr/share/doc/cull/README.md ./usr/share/fish/vendor_completions.d/cull.fish ./usr/share/man/man1/cull.1 ./usr/share/zsh/vendor-completions/_cull "
check "all of it under DESTDIR/PREFIX" test -z "$(cd "$D" && find . -mindepth 1 -maxdepth 1 ! -name usr)"

I=$D/usr/bin/cull
expect_match "the installed binary names its version and commit" "$("$I" --version)" '^cull [0-9]+\.[0-9]+\.[0-9]+ \((commit [0-9a-f]{12}(-dirty)?|release);'
mkdir -p "$T/k" "$T/d" "$T/new"
for i in 1 2 3 4 5 6; do make_photo "$T/k/p$i.jpg" "$i" 160x120; make_screenshot "$T/d/s$i.png" "$i" 200x150; done
make_photo "$T/new/p9.jpg" 9 160x120; make_screenshot "$T/new/s9.png" 9 200x150
CULL_DB=$T/lib.db "$I" label --quiet keep "$T/k" && CULL_DB=$T/lib.db "$I" label --quiet delete "$T/d" &&
    CULL_DB=$T/lib.db "$I" train >/dev/null 2>&1
check "it labels and trains" test $? = 0
first=$(CULL_DB=$T/lib.db "$I" rank "$T/new" 2>/dev/null | head -1 | cut -f2)
check "and ranks the new screenshot first ($first)" test "$first" = "$T/new/s9.png"

PAGE=$D/usr/share/man/man1/cull.1
check "cull(1) renders without a groff warning" sh -c "groff -ww -z -man '$PAGE' 2>&1 | grep -q . && exit 1 || exit 0"
if command -v mandoc >/dev/null; then
    check "mandoc -T lint finds nothing to say" sh -c "test -z \"\$(mandoc -T lint '$PAGE' 2>&1)\""
else
    pass "# SKIP mandoc is not installed (apt-get install mandoc)"
fi
groff -man -Tutf8 -rLL=200n -P -cbou "$PAGE" 2>/dev/null >"$T/page.txt"    # as man shows it, plain
missing=""
for cmd in $("$I" --help | awk '$0 == "commands:" {on = 1; next} on && /^$/ {exit} on {print $1}'); do
    grep -q "^ *cull $cmd\$" "$T/page.txt" || missing="$missing $cmd"
    for opt in $("$I" "$cmd" --help | grep -oE -- '--[a-z][a-z-]+' | sort -u); do
        grep -q -- "$opt" "$T/page.txt" || missing="$missing $cmd$opt"
    done
done
check "the page has every command and every option of every --help (missing:${missing:- none})" test -z "$missing"
for section in ENVIRONMENT FILES "EXIT STATUS"; do
    check "the page has $section" grep -q "^$section" "$T/page.txt"
done
check "... and every environment variable cull reads" sh -c "for v in CULL_DB CULL_MODELS CULL_PRECISION XDG_DATA_HOME XDG_CACHE_HOME; do grep -q \$v '$T/page.txt' || exit 1; done"

make -s -C "$ROOT" BUILD="$B" SAN="$SAN" DESTDIR="$D" PREFIX=/usr uninstall >"$T/make.out" 2>&1
check "make uninstall removes every file it installed" test -z "$(cd "$D" && find . -type f)"

# The installed completions, asked non-interactively in each shell, with the installed binary.
SHARE=$D/usr/share
make -s -C "$ROOT" BUILD="$B" SAN="$SAN" DESTDIR="$D" PREFIX=/usr install >"$T/make.out" 2>&1
export PATH="$D/usr/bin:$PATH"
bash_complete() { # WORDS... (the last one is being typed)
    bash -c 'source "$0"; COMP_WORDS=(cull "$@"); COMP_CWORD=$#; _cull; printf "%s\n" "${COMPREPLY[@]}"' \
        "$SHARE/bash-completion/completions/cull" "$@" | tr '\n' ' '
}
check "bash: commands" test "$(bash_complete ra)" = "rank "
check "bash: a command's options" test "$(bash_complete rank --f)" = "--format "
check "bash: an option's values" test "$(bash_complete rank --format '')" = "tsv json paths "
check "bash: label's choice" test "$(bash_complete label '')" = "keep delete clear "
check "bash: models to fetch" test "$(bash_complete model fetch '')" = "mobilenet clip-vit-b32 clip-vit-b16 laion-vit-b32 "
expect_match "bash: encoder names" "$(bash_complete dupes --encoder '')" "^lite mobilenet "
check "bash: paths where a path goes (nothing offered: bash completes files)" test -z "$(bash_complete index '' | tr -d ' ')"
if command -v zsh >/dev/null; then
    zsh_complete() { # WORDS...: _cull with compadd and _files stubbed, as zsh's completion calls it
        zsh -c 'compadd() { [[ $1 == -a ]] && print -l ${(P)2}; }; _files() { print _files; }
                words=(cull "$@"); CURRENT=$(( $# + 1 )); source "$0"' "$SHARE/zsh/vendor-completions/_cull" "$@" |
            tr '\n' ' '
    }
    check "zsh: commands" test "$(zsh_complete su)" = "suspects "
    check "zsh: an option's values" test "$(zsh_complete train --model '')" = "logreg mlp auto "
    check "zsh: paths fall back to _files" test "$(zsh_complete index '')" = "_files "
else
    pass "# SKIP zsh is not installed (apt-get install zsh)"
fi
if command -v fish >/dev/null; then
    fish_complete() { fish -c "source '$SHARE/fish/vendor_completions.d/cull.fish'; complete -C '$1'" | cut -f1 | tr '\n' ' '; }
    check "fish: commands" test "$(fish_complete 'cull rev')" = "review "
    check "fish: an option's values" test "$(fish_complete 'cull status --format ')" = "json text "
    check "fish: model names for use" test "$(fish_complete 'cull model use mob')" = "mobilenet "
else
    pass "# SKIP fish is not installed (apt-get install fish)"
fi
make -s -C "$ROOT" BUILD="$B" SAN="$SAN" DESTDIR="$D" PREFIX=/usr uninstall >"$T/make.out" 2>&1
