#!/bin/bash
# scripts/mutate.sh [PATCH...] — do the tests notice a planted bug? `make mutate` runs it.
#
# Each tests/mutants/*.patch is one realistic, single-line bug in the current tree (a unified
# diff), headed by two comment lines: "# WHAT THE BUG DOES" and "# caught by: SUITE..." where a
# suite is unit/test_NAME or e2e/NAME.sh. For each patch, in a scratch copy of the working tree
# (tracked and untracked files; nothing here is touched): apply it, rebuild incrementally, run its
# suites, revert it. A mutant is killed when one of its suites fails; one that every suite passes
# SURVIVED, which means a promise is untested: write the test that fails on it. A patch that no
# longer applies is reported STALE (the code moved: re-make the patch).
#
# Not part of `make check`: each mutant costs a rebuild and a suite run (about a minute on 2 cores).
# Ends with "N killed, N survived, N stale"; the exit status is 1 when any survived or went stale.
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
patches=("$@")
[ ${#patches[@]} -gt 0 ] || patches=(tests/mutants/*.patch)

W=$(mktemp -d /tmp/cull-mutate.XXXXXX)
trap 'rm -rf "$W"' EXIT
git ls-files -co --exclude-standard -z | tar --null -T - -cf - | tar -C "$W" -xf -
echo "mutate: building a scratch copy in $W"
make -C "$W" BUILD=build -j2 tests >"$W/build.log" 2>&1 || { tail -20 "$W/build.log"; echo "mutate: the unmutated tree does not build" >&2; exit 2; }

export CMOCKA_MESSAGE_OUTPUT=tap
# 0 when the suite passes (every TAP line ok or a skip), 1 when it fails.
suite_passes() { # suite
    local log=$W/suite.log
    case $1 in
    unit/*) "$W/build/tests/${1#unit/}" >"$log" 2>&1 ;;
    e2e/*) (cd "$W" && CULL="$W/build/cull" CULL_BUILD=build bash "tests/e2e/${1#e2e/}") >"$log" 2>&1 ;;
    *) echo "mutate: unknown suite '$1'" >&2; return 1 ;;
    esac
    local rc=$?
    [ $rc -eq 0 ] && ! grep '^not ok' "$log" | grep -qv '# SKIP'
}

killed=0 survived=0 stale=0
for p in "${patches[@]}"; do
    name=$(basename "$p" .patch)
    what=$(sed -n '1s/^# //p' "$p")
    suites=$(sed -n 's/^# caught by: //p' "$p")
    if ! patch -d "$W" -p1 --dry-run --quiet <"$p" >/dev/null; then
        printf 'STALE     %-20s %s (the patch no longer applies)\n' "$name" "$what"
        stale=$((stale + 1))
        continue
    fi
    patch -d "$W" -p1 --quiet <"$p"
    by=""
    if ! make -C "$W" BUILD=build -j2 tests >"$W/build.log" 2>&1; then
        by="the build"
    else
        for s in $suites; do
            if ! suite_passes "$s"; then
                first=$(grep -m1 '^not ok' "$W/suite.log" | grep -v '# SKIP' | cut -c1-90)
                by="$s${first:+ ($first)}"
                break
            fi
        done
    fi
    patch -d "$W" -p1 -R --quiet <"$p"
    if [ -n "$by" ]; then
        printf 'killed    %-20s %s — by %s\n' "$name" "$what" "$by"
        killed=$((killed + 1))
    else
        printf 'SURVIVED  %-20s %s — %s all pass\n' "$name" "$what" "$suites"
        survived=$((survived + 1))
    fi
done
echo "$killed killed, $survived survived, $stale stale"
[ $((survived + stale)) -eq 0 ]
