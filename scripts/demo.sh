#!/bin/bash
# make demo: a real library from images shipped in Debian packages (scripts/fetch-demo-images.sh
# says which and why).
#   keep:   photographs (wallpaper packages)
#   delete: application screenshots (gimp-help-en)
# Labels 60% of each folder, trains, ranks the other 40% and shows how well the ranking put the
# held-out screenshots first.
set -euo pipefail
CULL=${1:-build/cull}
CACHE=${XDG_CACHE_HOME:-$HOME/.cache}/cull/demo
DEMO=build/demo
export CULL_DB=$DEMO/library.db

"$(dirname "$0")/fetch-demo-images.sh" "$CACHE"
rm -rf "$DEMO" && mkdir -p "$DEMO"

# Every 5 files, the first 3 are labelled (60%); the rest are held out for ranking.
split() { # folder → $DEMO/NAME.labelled, $DEMO/NAME.heldout
    find "$CACHE/$1" -type f | sort | awk -v l="$DEMO/$1.labelled" -v h="$DEMO/$1.heldout" \
        '{ print > ((NR - 1) % 5 < 3 ? l : h) }'
}
split keep
split delete

echo "== indexing $(cat "$DEMO"/*.labelled "$DEMO"/*.heldout | wc -l) images"
"$CULL" index "$CACHE"
echo "== labelling 60%: $(wc -l <"$DEMO/keep.labelled") keep, $(wc -l <"$DEMO/delete.labelled") delete"
xargs -d '\n' "$CULL" label --quiet keep <"$DEMO/keep.labelled"
xargs -d '\n' "$CULL" label --quiet delete <"$DEMO/delete.labelled"
echo "== training"
"$CULL" train
echo
echo "== ranking the held-out 40% (most likely delete first; top 15)"
"$CULL" rank >"$DEMO/ranking.tsv"
head -15 "$DEMO/ranking.tsv" | sed "s|$CACHE/||"
total=$(wc -l <"$DEMO/ranking.tsv")
deletes=$(grep -c "	$CACHE/delete/" "$DEMO/ranking.tsv" || true)
echo
echo "held-out images: $total ($deletes screenshots the model never saw labelled)"
for pct in 10 30 50; do
    n=$(( (total * pct + 99) / 100 ))
    found=$(head -n "$n" "$DEMO/ranking.tsv" | grep -c "	$CACHE/delete/" || true)
    echo "  first $pct% of the ranking ($n images): $found screenshots, $((n - found)) photos"
done
echo
echo "library: $CULL_DB  (try: $CULL --db $CULL_DB status)"
