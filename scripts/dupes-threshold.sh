#!/bin/bash
# scripts/dupes-threshold.sh [CULL [ENCODER]] — how well a cosine threshold tells near-duplicates
# from different pictures, for one encoder: the experiment behind the per-encoder defaults of
# `cull dupes` (src/learn/dupes.c).
#
# Three classes of pictures, each with three copies — re-encoded at JPEG quality 60, halved, and
# cropped to the centre 90% — embedded with `cull embed` (nothing is written to a library):
#   photo  the 36 demo photos (~/.cache/cull/demo, fetched by `make demo`);
#   shot   every third GIMP screenshot of the demo (40);
#   chart  40 charts drawn by gnuplot from seeded random data, all 800×500 in one style, as one
#          person's charts from one tool are: 20 bar charts (4–9 bars), 10 line charts (2–3
#          series), 10 grouped bar charts (3 series) — the case where different pictures look
#          most alike.
# For each threshold (THRESHOLDS, a space-separated list, overrides the default list) it prints,
# per class, how many original–copy and copy–copy pairs reach it (copies found) and how many pairs
# of different pictures do (false pairs); then each class's lowest copy cosine and highest
# different-picture cosine. Needs ImageMagick (convert), gnuplot and jq.
set -euo pipefail
CULL=$(realpath "${1:-build/cull}")
ENCODER=${2:-lite}
DEMO=${XDG_CACHE_HOME:-$HOME/.cache}/cull/demo
[ -d "$DEMO/keep" ] || { echo "dupes-threshold: $DEMO is missing; run make demo first" >&2; exit 2; }
for tool in convert gnuplot jq; do
    command -v $tool >/dev/null || { echo "dupes-threshold: needs $tool (apt-get install imagemagick gnuplot-nox jq)" >&2; exit 2; }
done
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

# chart N OUT.png: the Nth chart, the same for every run (awk's srand(N)).
chart() {
    local n=$1 out=$2 data=$WORK/chart.dat kind
    case $((n % 4)) in 0 | 1) kind=bar ;; 2) kind=line ;; 3) kind=grouped ;; esac
    awk -v n="$n" -v kind=$kind 'BEGIN {
        srand(n); split("Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec", m, " ")
        split("North South East West Online Retail Export Other Services", r, " ")
        if (kind == "bar") { k = 4 + int(rand() * 6); for (j = 1; j <= k; j++) print r[j], int(10 + rand() * 90) }
        else if (kind == "line") for (j = 1; j <= 12; j++) print j, 20 + rand() * 60, 30 + rand() * 50, 10 + rand() * 40
        else for (j = 1; j <= 5; j++) print r[j], int(5 + rand() * 50), int(5 + rand() * 50), int(5 + rand() * 50)
    }' >"$data"
    {
        echo "set terminal pngcairo size 800,500 font 'Sans,11'; set output '$out'"
        echo "set title 'Report $n: $kind chart'; set grid ytics; set key top right; set yrange [0:*]"
        case $kind in
        bar) echo "set style fill solid 0.8; set boxwidth 0.6; plot '$data' using 2:xtic(1) with boxes lc rgb '#4472c4' title 'revenue'" ;;
        line) echo "plot for [c=2:$((3 + n % 2))] '$data' using 1:c with linespoints lw 2 title sprintf('series %d', c - 1)" ;;
        grouped) echo "set style data histograms; set style histogram clustered; set style fill solid 0.8"
                 echo "plot '$data' using 2:xtic(1) title '2024', '' using 3 title '2025', '' using 4 title '2026'" ;;
        esac
    } | gnuplot
}

while IFS= read -r f; do add "$f" photo; done < <(find "$DEMO/keep" -type f | sort)
while IFS= read -r f; do add "$f" shot; done < <(find "$DEMO/delete" -type f | sort | awk 'NR % 3 == 0')
mkdir "$WORK/charts"
for n in $(seq 1 40); do chart "$n" "$WORK/charts/chart$n.png"; add "$WORK/charts/chart$n.png" chart; done
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
    nc = split("photo shot chart", classes, " ")
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
    printf "%-9s", "cosine >="
    for (k = 1; k <= nc; k++) printf " | %-5s copies found     different pairs", classes[k]
    printf "\n"
    for (t = 1; t <= nt; t++) {
        printf "%-9s", th[t]
        for (k = 1; k <= nc; k++) {
            x = classes[k]
            printf " | %4d/%-4d %5.1f%%  %5d/%-5d %5.2f%%", hit[x, 1, t], tot[x, 1], 100 * hit[x, 1, t] / tot[x, 1],
                hit[x, 0, t], tot[x, 0], 100 * hit[x, 0, t] / tot[x, 0]
        }
        printf "\n"
    }
    for (k = 1; k <= nc; k++)
        printf "%-5s lowest copy cosine %.4f, highest different-picture cosine %.4f\n", classes[k], ext[classes[k], "min"], ext[classes[k], "max"]
}' "$WORK/vectors.txt"
