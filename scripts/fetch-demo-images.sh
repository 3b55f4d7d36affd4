#!/bin/sh
# fetch-demo-images.sh CACHE_DIR
#
# Fills CACHE_DIR/keep/ with photographs and CACHE_DIR/delete/ with application screenshots, taken
# from Debian 12 packages that are downloaded (apt-get download) and unpacked (dpkg-deb -x) in a
# temporary folder; nothing is installed and no image is committed to the repository. File bytes
# are copied unchanged; each file is named PACKAGE_ORIGINALNAME.
#
#   keep    real photographs (JPEG): the nature/ photos of mate-backgrounds, the photos among
#           lomiri-wallpapers-16.04, and the photos among plasma-workspace-wallpapers (one size each).
#           The lists are explicit, picked by looking at every image: gnome-backgrounds 43.1 and
#           desktop-base 12 ship no photographs at all in Debian 12 (3D renders, SVG, theme art),
#           so they are not used; abstract renders, gradients and paintings are left out.
#   delete  GIMP dialog, menu, tool-options and preferences screenshots (PNG) from gimp-help-en,
#           at least MIN_SIDE px on each side, filter example pictures left out; at most MAX_DELETE
#           of them, spread evenly over the sorted candidates (deterministic).
#
# Every chosen file must load in libvips (vipsheader), or it is skipped.
# Idempotent: a stamp file CACHE_DIR/.complete (written last) makes a second run exit at once.
# Environment: CULL_DEMO_MAX_DELETE (default 120).
set -eu

STAMP_VERSION="cull-demo-images v1"
MAX_DELETE=${CULL_DEMO_MAX_DELETE:-120}
MIN_SIDE=120
MIN_KEEP=20

PKG_MATE=mate-backgrounds
PKG_LOMIRI=lomiri-wallpapers-16.04
PKG_PLASMA=plasma-workspace-wallpapers
PKG_GIMP=gimp-help-en
PACKAGES="$PKG_MATE $PKG_LOMIRI $PKG_PLASMA $PKG_GIMP"

MATE_DIR=usr/share/backgrounds/mate/nature
MATE_FILES="Aqua.jpg Blinds.jpg Dune.jpg FreshFlower.jpg Garden.jpg GreenMeadow.jpg LadyBird.jpg
RainDrops.jpg Storm.jpg TwoWings.jpg Wood.jpg YellowFlower.jpg"

# Left out: umang_by_Abhishek_Mudgal.jpg (gradient), analogpattern_by_Peter_Nerlich.jpg (texture).
LOMIRI_DIR=usr/share/backgrounds
LOMIRI_FILES="Bridge_by_Sander_Klootwijk.jpg Dragonfly_by_Bolly.jpg Picture_0B_by_freespace.jpg
Picture_1A_by_freespace.jpg Wine_by_Jakkub_Mede.jpg aitzgorri_by_Aitzol_Berasategi.jpg
free_by_Peter_Nerlich.jpg friends_by_Aitzol_Berasategi.jpg greentock_by_Peter_Nerlich.jpg
life_by_Aitzol_Berasategi.jpg picosdeeuropa_by_Aitzol_Berasategi.jpg
seeding_by_Clements_Engelhardt.jpg sunset_by_Aitzol_Berasategi.jpg"

# WALLPAPER/contents/images/SIZE.jpg; the other wallpapers are renders, vector art or paintings.
PLASMA_DIR=usr/share/wallpapers
PLASMA_FILES="BytheWater/1920x1080.jpg ColdRipple/1920x1080.jpg ColorfulCups/2560x1600.jpg
DarkestHour/1920x1080.jpg EveningGlow/1920x1080.jpg FallenLeaf/1920x1080.jpg Grey/1920x1080.jpg
Kite/1920x1080.jpg OneStandsOut/1920x1080.jpg Path/1920x1080.jpg summer_1am/1920x1080.jpg"

GIMP_DIR=usr/share/gimp/2.0/help/en/images
# A screenshot's name says what it shows; example pictures are named -ex…, example, or sit in examples/.
GIMP_SHOT_RE='(dialog|dlg|options|menu|prefs|preferences|toolbox|editor|window)[^/]*\.png$'
GIMP_NOT_RE='/examples/|example|-ex[0-9a-z-]*\.png$'

prog=fetch-demo-images
die() { printf '%s: %s\n' "$prog" "$*" >&2; exit 1; }
warn() { printf '%s: warning: %s\n' "$prog" "$*" >&2; }

[ $# -eq 1 ] || { printf 'usage: %s CACHE_DIR\n' "$0" >&2; exit 2; }
cache=$1
case $MAX_DELETE in '' | *[!0-9]*) die "CULL_DEMO_MAX_DELETE must be a number, not '$MAX_DELETE'" ;; esac

count() { find "$1" -maxdepth 1 -type f | wc -l | tr -d ' '; }

if [ -f "$cache/.complete" ] && [ "$(head -n 1 "$cache/.complete")" = "$STAMP_VERSION" ] &&
    [ -d "$cache/keep" ] && [ -d "$cache/delete" ]; then
    printf 'demo images already in %s: %s keep, %s delete\n' "$cache" "$(count "$cache/keep")" \
        "$(count "$cache/delete")"
    exit 0
fi

for tool in apt-get apt-cache dpkg-deb vipsheader; do
    command -v "$tool" >/dev/null 2>&1 || die "'$tool' is needed (Debian: apt-get, dpkg, libvips-tools)"
done

mkdir -p "$cache" || die "cannot create $cache"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/cull-demo.XXXXXX") || die "cannot create a temporary folder"
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# --- download -----------------------------------------------------------------------------------
# shellcheck disable=SC2086  # word splitting of the package list is intended
if ! apt-cache show --no-all-versions $PACKAGES >/dev/null 2>&1; then
    if [ "$(id -u)" -eq 0 ]; then
        echo "$prog: package lists lack $PACKAGES; running apt-get update" >&2
        apt-get update -qq || die "apt-get update failed"
    else
        die "apt-cache knows none of: $PACKAGES (run 'sudo apt-get update' once)"
    fi
fi
mkdir "$tmp/debs"
# apt drops privileges to _apt when run as root; let it write the download folder.
if [ "$(id -u)" -eq 0 ] && id _apt >/dev/null 2>&1; then
    chown _apt "$tmp/debs"
fi
# shellcheck disable=SC2086
(cd "$tmp/debs" && apt-get download -q $PACKAGES >"$tmp/apt.log" 2>&1) || {
    cat "$tmp/apt.log" >&2
    die "apt-get download of $PACKAGES failed"
}

versions=""
for pkg in $PACKAGES; do
    deb=$(find "$tmp/debs" -maxdepth 1 -name "${pkg}_*.deb" | head -n 1)
    [ -n "$deb" ] || die "apt-get download left no .deb for $pkg"
    mkdir "$tmp/$pkg"
    dpkg-deb -x "$deb" "$tmp/$pkg" || die "dpkg-deb -x $deb failed"
    versions="$versions $pkg=$(dpkg-deb -f "$deb" Version)"
done
rm -rf "$tmp/debs"

# --- choose ---------------------------------------------------------------------------------------
# list lines: SOURCE-PATH<TAB>DEST-NAME
: >"$tmp/keep.list"
add_keep() { # PKG DIR NAME DEST
    if [ -f "$tmp/$1/$2/$3" ]; then
        printf '%s\t%s\n' "$tmp/$1/$2/$3" "$4" >>"$tmp/keep.list"
    else
        warn "$1 has no $2/$3 (package changed?); skipped"
    fi
}
for f in $MATE_FILES; do add_keep "$PKG_MATE" "$MATE_DIR" "$f" "${PKG_MATE}_$f"; done
for f in $LOMIRI_FILES; do add_keep "$PKG_LOMIRI" "$LOMIRI_DIR" "$f" "${PKG_LOMIRI}_$f"; done
for f in $PLASMA_FILES; do
    wp=${f%%/*}
    add_keep "$PKG_PLASMA" "$PLASMA_DIR" "$wp/contents/images/${f#*/}" "${PKG_PLASMA}_${wp}_${f#*/}"
done

gimp_root=$tmp/$PKG_GIMP/$GIMP_DIR
[ -d "$gimp_root" ] || die "$PKG_GIMP has no $GIMP_DIR (package changed?)"
# Candidates by name, then sizes from one vipsheader run (which also proves that libvips loads them).
(cd "$gimp_root" && find . -type f -name '*.png' | LC_ALL=C sort |
    grep -E "$GIMP_SHOT_RE" | grep -v -E "$GIMP_NOT_RE" >"$tmp/gimp.names") ||
    die "no screenshot candidates found in $PKG_GIMP"
# vipsheader goes on past a file it cannot load (and xargs then exits non-zero): such files are
# simply absent from its output.
(cd "$gimp_root" && tr '\n' '\0' <"$tmp/gimp.names" | xargs -0 vipsheader >"$tmp/gimp.hdr" 2>/dev/null) || :
# "./dir/name.png: 640x480 uchar, 3 bands, srgb, pngload" -> "./dir/name.png" when both sides >= MIN_SIDE
awk -v min="$MIN_SIDE" '{
    i = index($0, ": "); if (i == 0) next
    path = substr($0, 1, i - 1); rest = substr($0, i + 2)
    split(rest, f, " "); split(f[1], wh, "x")
    if (wh[1] + 0 >= min && wh[2] + 0 >= min) print path
}' "$tmp/gimp.hdr" | LC_ALL=C sort >"$tmp/gimp.ok"
n=$(wc -l <"$tmp/gimp.ok" | tr -d ' ')
[ "$n" -gt 0 ] || die "no $PKG_GIMP screenshot is at least ${MIN_SIDE}px on each side and loads"
# Exactly min(n, MAX_DELETE) files, evenly spread over the sorted list.
awk -v n="$n" -v m="$MAX_DELETE" -v root="$gimp_root" -v pkg="$PKG_GIMP" '
    n <= m || int(NR * m / n) > int((NR - 1) * m / n) {
        rel = substr($0, 3); dest = rel; gsub("/", "_", dest)
        printf "%s/%s\t%s_%s\n", root, rel, pkg, dest
    }' "$tmp/gimp.ok" >"$tmp/delete.list"

# --- copy -----------------------------------------------------------------------------------------
mkdir "$tmp/out" "$tmp/out/keep" "$tmp/out/delete"
copy_list() { # LIST CLASS CHECK: CHECK=1 copies only what vipsheader loads
    tab=$(printf '\t')
    while IFS=$tab read -r src dest; do
        if [ "$3" = 1 ] && ! vipsheader "$src" >/dev/null 2>&1; then
            warn "libvips cannot load $(basename "$src"); skipped"
            continue
        fi
        cp "$src" "$tmp/out/$2/$dest" || die "cannot copy $src"
    done <"$1"
}
copy_list "$tmp/keep.list" keep 1
copy_list "$tmp/delete.list" delete 0 # already loaded by the vipsheader run above
nkeep=$(count "$tmp/out/keep")
ndelete=$(count "$tmp/out/delete")
[ "$nkeep" -ge "$MIN_KEEP" ] || die "only $nkeep photographs found (want at least $MIN_KEEP)"
[ "$ndelete" -gt 0 ] || die "no screenshots copied"

# --- install into the cache -------------------------------------------------------------------------
rm -f "$cache/.complete"
rm -rf "$cache/keep" "$cache/delete"
mv "$tmp/out/keep" "$tmp/out/delete" "$cache/" || die "cannot move the images into $cache"
{
    echo "$STAMP_VERSION"
    echo "packages:$versions"
    echo "keep: $nkeep delete: $ndelete (of $n screenshot candidates)"
} >"$cache/.complete"
printf 'demo images in %s: %s keep, %s delete\n' "$cache" "$nkeep" "$ndelete"
