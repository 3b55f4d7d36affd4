#!/bin/bash
# make demo: a real library from images shipped in Debian packages (scripts/fetch-demo-images.sh
# says which and why).
#   keep:   photographs (wallpaper packages)
#   delete: application screenshots (gimp-help-en)
# Labels 60% of each folder, trains, ranks the other 40% and shows how well the ranking put the
# held-out screenshots first — with every installed encoder (mobilenet and lite), same split.
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

encoders=lite
if "$CULL" model list 2>/dev/null | grep -q '^mobilenet .*verified'; then encoders="mobilenet lite"; fi

for enc in $encoders; do
    echo "== indexing $(cat "$DEMO"/*.labelled "$DEMO"/*.heldout | wc -l) images with $enc"
    "$CULL" index --encoder "$enc" "$CACHE"
done
echo "== labelling 60%: $(wc -l <"$DEMO/keep.labelled") keep, $(wc -l <"$DEMO/delete.labelled") delete"
xargs -d '\n' "$CULL" label --quiet --encoder lite keep <"$DEMO/keep.labelled"
xargs -d '\n' "$CULL" label --quiet --encoder lite delete <"$DEMO/delete.labelled"

summary=()
for enc in $encoders; do
    echo
    echo "== training with $enc"
    "$CULL" train --encoder "$enc" | tee "$DEMO/train-$enc.txt"
    "$CULL" rank --encoder "$enc" >"$DEMO/ranking-$enc.tsv"
    total=$(wc -l <"$DEMO/ranking-$enc.tsv")
    deletes=$(grep -c "	$CACHE/delete/" "$DEMO/ranking-$enc.tsv" || true)
    line=$(printf '%-10s %8s   ' "$enc" "$(awk '/^  ROC-AUC/ {print $2}' "$DEMO/train-$enc.txt")")
    for pct in 10 30 50; do
        n=$(( (total * pct + 99) / 100 ))
        found=$(head -n "$n" "$DEMO/ranking-$enc.tsv" | grep -c "	$CACHE/delete/" || true)
        line+=$(printf '%3d/%-3d  ' "$found" "$n")
    done
    summary+=("$line")
done

first=${encoders%% *}
echo
echo "== the held-out 40%, ranked by the $first model (most likely delete first; top 15)"
head -15 "$DEMO/ranking-$first.tsv" | sed "s|$CACHE/||"
echo
echo "held-out: $total images, $deletes of them screenshots the models never saw labelled"
echo "encoder    CV ROC-AUC   screenshots among the first 10% / 30% / 50% of the ranking"
printf '%s\n' "${summary[@]}"
echo
echo "library: $CULL_DB  (try: $CULL --db $CULL_DB status)"
