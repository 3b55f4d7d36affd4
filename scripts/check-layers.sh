#!/bin/bash
# scripts/check-layers.sh [SRC_DIR] — fails when a file includes a header from a layer above its
# own. The layers are docs/ARCHITECTURE.md's picture, lowest first; a folder may include its own
# layer and those below:
#
#   0 base     util nn media
#   1 domain   library learn encoders safety fetch
#   2 flows    pipeline review report
#   3 cli      cli
#
# A folder under SRC_DIR that is in no layer is an error too: a new folder takes its place here
# and in ARCHITECTURE.md. Prints each offending include as FILE:LINE and exits 1; silent and 0
# when the tree keeps to its layers.
set -u
SRC=${1:-"$(dirname "$0")/../src"}
declare -A LAYER=(
    [util]=0 [nn]=0 [media]=0
    [library]=1 [learn]=1 [encoders]=1 [safety]=1 [fetch]=1
    [pipeline]=2 [review]=2 [report]=2
    [cli]=3
)
bad=0
for dir in "$SRC"/*/; do
    folder=$(basename "$dir")
    if [ -z "${LAYER[$folder]+set}" ]; then
        echo "check-layers: src/$folder is in no layer (add it to scripts/check-layers.sh and docs/ARCHITECTURE.md)"
        bad=1
        continue
    fi
    mine=${LAYER[$folder]}
    while IFS=: read -r file line text; do
        target=$(sed -E 's/^[[:space:]]*#[[:space:]]*include[[:space:]]+"([a-z_]+)\/.*/\1/' <<<"$text")
        [ -n "${LAYER[$target]+set}" ] || continue     # "gen/...", a header of its own folder's kind
        if [ "${LAYER[$target]}" -gt "$mine" ]; then
            echo "$file:$line: src/$folder (layer $mine) includes $target/ (layer ${LAYER[$target]}): ${text#"${text%%[![:space:]]*}"}"
            bad=1
        fi
    done < <(grep -nE '^[[:space:]]*#[[:space:]]*include[[:space:]]+"[a-z_]+/' "$dir"*.[ch] /dev/null)
done
exit $bad
