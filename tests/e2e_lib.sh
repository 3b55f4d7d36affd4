# Shared helpers for the end-to-end tests: a fresh temp folder and library per script, TAP output.
# Each script sources this, then calls check/expect; $CULL is the binary under test.
set -u
: "${CULL:?set CULL to the cull binary}"
# The user's models folder as cull finds it, before XDG_DATA_HOME points at a temp folder below:
# scripts that need an installed model (scripts/fetch-models.sh) take it from here.
if [ -n "${CULL_MODELS:-}" ]; then USER_MODELS=$CULL_MODELS
elif [ "${XDG_DATA_HOME:-}" != "" ] && [ "${XDG_DATA_HOME#/}" != "$XDG_DATA_HOME" ]; then USER_MODELS=$XDG_DATA_HOME/cull/models
else USER_MODELS=${HOME:-.}/.local/share/cull/models; fi
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

# jqe FILTER [ARGS...]: jq -e, quietly (for check: true when the filter yields true).
jqe() { jq -e "$@" >/dev/null; }

# expect_rc NAME WANT: the last run_cull exited WANT.
expect_rc() {
    if [ "$RC" -eq "$2" ]; then pass "$1"; else fail "$1" "exit $RC, wanted $2" "stderr: $ERR"; fi
}

# expect_match NAME TEXT REGEX
expect_match() {
    if printf '%s' "$2" | grep -Eq -- "$3"; then pass "$1"; else fail "$1" "no match for /$3/ in:" "$2"; fi
}

sql() { sqlite3 "$CULL_DB" "$@"; }

# stopped_at STEP [CALLS] ARGS...: starts cull ARGS in the background under tests/tools/stop_shim,
# which stops it at the entry of its STEP-th write or move (of CALLS only, when given as
# calls=LIST), and returns once it has stopped or ended, with its pid in $STOPPED. The caller
# reads what it needs, then kill -9 $STOPPED. The point is the same on any machine speed.
stopped_at() {
    local step=$1 calls=; shift
    case $1 in calls=*) calls=${1#calls=}; shift ;; esac
    # The shim is preloaded ahead of the ASan runtime, which ASan refuses unless told it may.
    case "${CULL_BUILD:-}" in *asan*) export ASAN_OPTIONS="${ASAN_OPTIONS:-}:verify_asan_link_order=0" ;; esac
    if [ -n "$calls" ]; then export STOP_SHIM_CALLS=$calls; else unset STOP_SHIM_CALLS; fi
    STOP_SHIM_AT=$step LD_PRELOAD="$(dirname "$CULL")/tests/stop_shim.so" "$CULL" "$@" >"$T/kout" 2>"$T/kerr" </dev/null &
    STOPPED=$!
    unset STOP_SHIM_CALLS
    # State T: stopped; Z or gone: it finished before reaching the step.
    until case "$(ps -o stat= -p "$STOPPED")" in T*|Z*|"") true ;; *) false ;; esac; do sleep 0.01; done
}

# steps_of ARGS...: how many writes and moves an uninterrupted cull ARGS takes (it runs it).
steps_of() {
    case "${CULL_BUILD:-}" in *asan*) export ASAN_OPTIONS="${ASAN_OPTIONS:-}:verify_asan_link_order=0" ;; esac
    STOP_SHIM_COUNT="$T/steps" LD_PRELOAD="$(dirname "$CULL")/tests/stop_shim.so" "$CULL" "$@" >/dev/null 2>&1 </dev/null
    cat "$T/steps"
}

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

# start_review ARGS...: starts a review server in the background (review.sh, prompts.sh; the
# script stops it through $PID); sets $URL, $BASE, $TOKEN, $PORT. Waits for the URL line or the
# server's end, however slow the machine (the bound only stops a hung server holding the suite).
start_review() {
    "$CULL" review "$@" >"$T/review.out" 2>"$T/review.err" &
    PID=$!
    for _ in $(seq 1 6000); do
        URL=$(head -1 "$T/review.out" 2>/dev/null)
        [ -n "$URL" ] && break
        kill -0 "$PID" 2>/dev/null || break
        sleep 0.1
    done
    BASE=${URL%%/\?*}
    TOKEN=${URL##*token=}
    PORT=${BASE##*:}
}
