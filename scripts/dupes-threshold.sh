#!/bin/bash
# scripts/dupes-threshold.sh [CULL [ENCODER]] — how well a cosine threshold tells near-duplicates
# from different pictures, for one encoder: the experiment behind the per-encoder defaults of
# `cull dupes` (src/learn/dupes.c).
#
# From the demo images (~/.cache/cull/demo, fetched by `make demo`): the 36 photos and every third
# GIMP screenshot (40), each with three copies — re-encoded at JPEG quality 60, halved, and cropped
# to the centre 90% — embedded with `cull embed` (nothing is written to a library). For each
# threshold (THRESHOLDS, a space-separated list, overrides the default list) it prints, separately
# for photos and screenshots, how many original–copy and copy–copy pairs reach it (recall) and how
# many pairs of different pictures do (false pairs); then the lowest copy cosine and the highest
# different-picture cosine of each class.
set -euo pipefail
CULL=$(realpath "${1:-build/cull}")
ENCODER=${2:-lite}
DEMO=${XDG_CACHE_HOME:-$HOME/.cache}/cull/demo
[ -d "$DEMO/keep" ] || { echo "dupes-threshold: $DEMO is missing; run make demo first" >&2; exit 2; }
WORK=$(mktemp -d /tmp/cull-dupes-threshold.XXXXXX)
trap 'rm -rf "$WORK"' EXIT

i=0
add() { # source class
    i=$((i + 1))
    local b ext=${1##*.}
    b=$(printf '%s_%03d' "$2" "$i")
    cp "$1" "$WORK/${b}_orig.$ext"
    convert "$1" -quality 60 "$WORK/${b}_q60.jpg" 2>/dev/null
    convert "$1" -resize 50% "$WORK/${b}_half.$ext" 2>/dev/null
    convert "$1" -gravity center -crop 90%x90%+0+0 +repage "$WORK/${b}_crop.$ext" 2>/dev/null
}
while IFS= read -r f; do add "$f" photo; done < <(find "$DEMO/keep" -type f | sort)
while IFS= read -r f; do add "$f" shot; done < <(find "$DEMO/delete" -type f | sort | awk 'NR % 3 == 0')
echo "$i pictures × 4 versions, encoder $ENCODER"

"$CULL" embed --encoder "$ENCODER" "$WORK"/*_* 2>/dev/null |
    jq -r '[(.path | split("/") | last), (.vector | map(tostring) | join(" "))] | join(" ")' >"$WORK/vectors.txt"

awk -v thresholds="${THRESHOLDS:-0.80 0.85 0.90 0.92 0.95 0.97 0.98 0.985 0.99 0.995}" '
{
    name[NR] = $1; split($1, p, "_"); cls[NR] = p[1]; pic[NR] = p[2]
    s = 0
    for (j = 2; j <= NF; j++) { v[NR, j] = $j; s += $j * $j }
    s = sqrt(s); d = NF
    for (j = 2; j <= NF; j++) v[NR, j] /= s
    n = NR
}
END {
    nt = split(thresholds, th, " ")
    for (a = 1; a <= n; a++)
        for (b = a + 1; b <= n; b++) {
            if (cls[a] != cls[b]) continue
            c = 0
            for (j = 2; j <= d; j++) c += v[a, j] * v[b, j]
            same = pic[a] == pic[b]
            tot[cls[a], same]++
            if (same && (!((cls[a], "min") in ext) || c < ext[cls[a], "min"])) ext[cls[a], "min"] = c
            if (!same && (!((cls[a], "max") in ext) || c > ext[cls[a], "max"])) ext[cls[a], "max"] = c
            for (t = 1; t <= nt; t++) if (c >= th[t]) hit[cls[a], same, t]++
        }
    printf "%-9s %-24s %-24s %-24s %s\n", "cosine >=", "photo copies found", "different photos", "screenshot copies found", "different screenshots"
    for (t = 1; t <= nt; t++)
        printf "%-9s %5d/%-5d (%5.1f%%)     %5d/%-6d (%5.2f%%)   %5d/%-5d (%5.1f%%)     %5d/%-6d (%5.2f%%)\n", th[t],
            hit["photo", 1, t], tot["photo", 1], 100 * hit["photo", 1, t] / tot["photo", 1],
            hit["photo", 0, t], tot["photo", 0], 100 * hit["photo", 0, t] / tot["photo", 0],
            hit["shot", 1, t], tot["shot", 1], 100 * hit["shot", 1, t] / tot["shot", 1],
            hit["shot", 0, t], tot["shot", 0], 100 * hit["shot", 0, t] / tot["shot", 0]
    printf "lowest copy cosine: photos %.4f, screenshots %.4f; highest different-picture cosine: photos %.4f, screenshots %.4f\n",
        ext["photo", "min"], ext["shot", "min"], ext["photo", "max"], ext["shot", "max"]
}' "$WORK/vectors.txt"
