#!/bin/sh
# Installs what cull needs to build, test and run on Debian 12, idempotently.
# Runs apt-get only for packages that are missing; uses sudo when not root.
set -eu
PKGS="build-essential pkg-config clang libclang-rt-14-dev
libvips-dev libvips-tools libjpeg62-turbo-dev libraw-dev libsqlite3-dev sqlite3 libopenblas-dev libdnnl-dev libjansson-dev
libcurl4-openssl-dev libmicrohttpd-dev libcmocka-dev libssl-dev
imagemagick libimage-exiftool-perl valgrind strace groff-base mandoc file jq libxml2-utils python3-torch python3-torchvision python3-pil"
missing=""
for p in $PKGS; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
# Node.js runs `cull model fetch mobilenet` (the npm package's converter) and the tfjs reference
# test; a Node already on PATH (e.g. from NodeSource) is used as it is.
command -v node >/dev/null 2>&1 || missing="$missing nodejs"
command -v npm >/dev/null 2>&1 || missing="$missing npm"
[ -z "$missing" ] && exit 0
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO=sudo
echo "installing:$missing"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $missing
