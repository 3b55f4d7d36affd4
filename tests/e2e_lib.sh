# Shared helpers for the end-to-end tests: a fresh temp folder and library per script, TAP output.
# Each script sources this, then calls check/expect; $CULL is the binary under test.
set -u
: "${CULL:?set CULL to the cull binary}"
T=$(mktemp -d /tmp/cull-e2e.XXXXXX)
export CULL_DB="$T/library.db"
export XDG_DATA_HOME="$T/xdg"
trap 'chmod -R u+rwx "$T" 2>/dev/null; rm -rf "$T"' EXIT
n_test=0

pass() { n_test=$((n_test + 1)); echo "ok $n_test - $1"; }
fail() { n_test=$((n_test + 1)); echo "not ok $n_test - $1"; shift; for l in "$@"; do echo "# $l"; done; }

# check NAME COMMAND...: passes when the command succeeds.
check() {
    local name=$1; shift
    if "$@"; then pass "$name"; else fail "$name" "command failed: $*"; fi
}

# run_cull ARGS...: runs cull, keeping stdout in $OUT, stderr in $ERR and the status in $RC.
run_cull() {
    "$CULL" "$@" >"$T/out" 2>"$T/err"
    RC=$?
    OUT=$(cat "$T/out")
    ERR=$(cat "$T/err")
}

# expect_rc NAME WANT: the last run_cull exited WANT.
expect_rc() {
    if [ "$RC" -eq "$2" ]; then pass "$1"; else fail "$1" "exit $RC, wanted $2" "stderr: $ERR"; fi
}

# expect_match NAME TEXT REGEX
expect_match() {
    if printf '%s' "$2" | grep -Eq -- "$3"; then pass "$1"; else fail "$1" "no match for /$3/ in:" "$2"; fi
}

sql() { sqlite3 "$CULL_DB" "$@"; }

# Test images. photo: smooth, noisy, colourful; screenshot: flat white with dark text-like bars.
make_photo() { # path seed [WxH]
    convert -size "${3:-640x480}" -seed "$2" plasma:fractal -blur 0x1 -attenuate 0.4 +noise Gaussian "$1"
}
make_screenshot() { # path seed [WxH]
    local s=$2 args=() y
    for y in 20 60 100 140 180 220 260 300; do
        args+=(-draw "rectangle 20,$y $((100 + (s * 37 + y * 13) % 500)),$((y + 14))")
    done
    convert -size "${3:-800x600}" xc:white -fill "rgb($((s % 60)),$((s % 40)),90)" "${args[@]}" \
        -fill "rgb(220,220,230)" -draw "rectangle 0,0 800,16" "$1"
}
