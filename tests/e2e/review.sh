# cull review: the local web page. The server's contract over HTTP (token, Host and Origin checks,
# images by library id only, decisions stored at once, undo, thumbnails cached by content, clean
# stop), then the page itself in a real browser (tests/browser: Playwright driving Debian's
# chromium; set up by scripts/setup-browser-tests.sh, skipped when that was not run).
. "$(dirname "$0")/../e2e_lib.sh"
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
export XDG_CACHE_HOME="$T/cache"
PID=""
stop_server() { [ -n "$PID" ] && kill "$PID" 2>/dev/null && wait "$PID" 2>/dev/null; PID=""; }
trap 'stop_server; chmod -R u+rwx "$T" 2>/dev/null; rm -rf "$T"' EXIT

mkdir -p "$T/pics/kept" "$T/pics/rejected" "$T/pics/incoming"
for i in 1 2 3 4 5 6 7 8; do
    make_photo "$T/pics/kept/photo$i.jpg" "$i" 320x240
    make_screenshot "$T/pics/rejected/shot$i.png" "$i" 400x300
done
for i in 11 12 13 14 15 16; do
    make_photo "$T/pics/incoming/photo$i.jpg" "$i" 320x240
    make_screenshot "$T/pics/incoming/shot$i.png" "$i" 400x300
done
# A phone photo stored sideways: EXIF orientation 6 (rotate 90° clockwise to view).
make_photo "$T/pics/incoming/sideways.jpg" 30 320x240
exiftool -q -overwrite_original -n -Orientation=6 "$T/pics/incoming/sideways.jpg"
"$CULL" label --quiet keep "$T/pics/kept"
"$CULL" label --quiet delete "$T/pics/rejected"
"$CULL" index --quiet "$T/pics/incoming"
"$CULL" train >/dev/null

# status PATH [CURL ARGS...]: the HTTP status of a request with the token header.
status() { local p=$1; shift; curl -s -o "$T/body" -w '%{http_code}' -H "X-Cull-Token: $TOKEN" "$@" "$BASE$p"; }
bare_status() { local p=$1; shift; curl -s -o "$T/body" -w '%{http_code}' "$@" "$BASE$p"; }
id_of() { sql "select image_id from paths where path = cast('$1' as blob)"; }

start_review --retrain-every 4
expect_match "prints its URL on 127.0.0.1 with a 256-bit token" "$URL" '^http://127\.0\.0\.1:[0-9]+/\?token=[0-9a-f]{64}$'
expect_match "says how many images it covers" "$(cat "$T/review.err")" "cull review: 29 images \(13 unlabelled\)"
if command -v ss >/dev/null; then
    check "listens on loopback only" sh -c "ss -ltnH | grep -q '127.0.0.1:$PORT ' && ! ss -ltnH | grep -q '0.0.0.0:$PORT '"
fi

# The token.
check "without the token the page itself loads (it holds no data)" test "$(bare_status /)" = 200
check "and its assets" test "$(bare_status /assets/app.js)" = 200
check "no token: the API is 403" test "$(bare_status /api/state)" = 403
check "no token: an image is 403" test "$(bare_status /api/image/1/display)" = 403
check "no token: a write is 403" test "$(bare_status /api/label -d '{"id":1,"label":"delete"}')" = 403
check "no token: a write to the page's address is not allowed" test "$(bare_status / -d '{}')" != 200
last=${TOKEN: -1}
[ "$last" = 0 ] && other=1 || other=0
check "a wrong token is 403" test "$(bare_status /api/state -H "X-Cull-Token: ${TOKEN%?}$other")" = 403
check "a token of the wrong length is 403" test "$(bare_status "/api/state?token=abc")" = 403
check "the token as a header is enough" test "$(status /api/state)" = 200
check "the token as ?token= is enough" test "$(bare_status "/api/state?token=$TOKEN")" = 200
curl -s -D "$T/headers" -o /dev/null "$BASE/?token=$TOKEN"
check "opening the URL sets no cookie (cookies reach every port of the host)" sh -c "! grep -qi '^set-cookie' '$T/headers'"
check "and answers with the page itself, not a redirect" grep -q "^HTTP/1.1 200" "$T/headers"
check "a cookie holding the token opens nothing" \
    test "$(bare_status /api/state -H "Cookie: cull_review_$PORT=$TOKEN")" = 403
curl -s -D "$T/headers" -o /dev/null -H "X-Cull-Token: $TOKEN" "$BASE/"
check "the page has a strict Content-Security-Policy" grep -qi "^content-security-policy: default-src 'none'; script-src 'self'" "$T/headers"
check "the page may not be framed" grep -qi "^x-frame-options: DENY" "$T/headers"

# Host and Origin.
check "a foreign Host is refused (DNS rebinding)" test "$(status /api/state -H "Host: evil.example:$PORT")" = 403
check "Host with another port is refused" test "$(status /api/state -H "Host: 127.0.0.1:1")" = 403
check "localhost is a name of this server" test "$(status /api/state -H "Host: localhost:$PORT")" = 200
photo1=$(id_of "$T/pics/kept/photo1.jpg")
check "a write with a foreign Origin is refused" \
    test "$(status /api/label -H 'Origin: http://evil.example' -d "{\"id\":$photo1,\"label\":\"delete\"}")" = 403
check "a write with Origin null is refused" \
    test "$(status /api/label -H 'Origin: null' -d "{\"id\":$photo1,\"label\":\"delete\"}")" = 403
check "a cross-site image load is refused" test "$(status /api/image/$photo1/thumb -H 'Sec-Fetch-Site: cross-site')" = 403
check "a same-site (other port) image load is refused" test "$(status /api/image/$photo1/thumb -H 'Sec-Fetch-Site: same-site')" = 403
check "and the label did not change" test "$(sql "select label from labels where image_id = $photo1")" = 0
check "a write from the page's own origin is accepted" \
    test "$(status /api/skip -H "Origin: http://127.0.0.1:$PORT" -d "{\"id\":$photo1}")" = 200
check "PUT is not allowed" test "$(status /api/state -X PUT)" = 405

# Strict parsing, and every cookie of our name.
# raw_status HEADER_LINES: the status of GET /api/state with these header lines, as sent (curl
# folds a repeated Host into one).
raw_status() {
    exec 3<>"/dev/tcp/127.0.0.1/$PORT"
    printf 'GET /api/state HTTP/1.1\r\n%bX-Cull-Token: %s\r\nConnection: close\r\n\r\n' "$1" "$TOKEN" >&3
    head -1 <&3 | cut -d' ' -f2
    exec 3<&-
}
check "the raw request answers (200)" test "$(raw_status "Host: 127.0.0.1:$PORT\r\n")" = 200
check "a Host sent twice is refused (400)" \
    test "$(raw_status "Host: 127.0.0.1:$PORT\r\nHost: 127.0.0.1:$PORT\r\n")" = 400
check "an Origin sent twice is refused" test "$(status /api/skip -H "Origin: http://127.0.0.1:$PORT" \
    -H "Origin: http://evil.example" -d "{\"id\":$photo1}")" = 400
check "a port with a leading zero is refused" test "$(status /api/state -H "Host: 127.0.0.1:0$PORT")" = 403
check "a token cut short by a NUL is refused" test "$(bare_status "/api/state?token=$TOKEN%00x")" = 400
check "cookies play no part: one set by another port's page does not lock the page out" \
    test "$(status /api/state -H "Cookie: cull_review_$PORT=bad")" = 200

# Images carry the signature of their id instead of the token (an <img> sends no header).
curl -s -H "X-Cull-Token: $TOKEN" "$BASE/api/queue?name=likely&limit=2" >"$T/q.json"
id1=$(jq '.items[0].id' "$T/q.json") sig1=$(jq -r '.items[0].sig' "$T/q.json") id2=$(jq '.items[1].id' "$T/q.json")
check "the queue signs each image (64 hex digits)" grep -qE '^[0-9a-f]{64}$' <<<"$sig1"
check "a signed image loads without the token" test "$(bare_status "/api/image/$id1/thumb?sig=$sig1")" = 200
check "the signature opens that image only" test "$(bare_status "/api/image/$id2/thumb?sig=$sig1")" = 403
check "and no other part of the API" test "$(bare_status "/api/state?sig=$sig1")" = 403
check "a signature with its last digit changed is refused" \
    test "$(bare_status "/api/image/$id1/thumb?sig=${sig1%?}$([ "${sig1: -1}" = 0 ] && echo 1 || echo 0)")" = 403
check "a signed image is still refused cross-site" \
    test "$(bare_status "/api/image/$id1/thumb?sig=$sig1" -H 'Sec-Fetch-Site: same-site')" = 403

# Images: by library id only.
check "an image by id is a JPEG" sh -c "test \"\$(curl -s -o '$T/img' -w '%{content_type}' -H 'X-Cull-Token: $TOKEN' '$BASE/api/image/$photo1/display')\" = image/jpeg && file '$T/img' | grep -q JPEG"
check "an image by path parameter does not exist" test "$(status "/api/image?path=$T/pics/kept/photo1.jpg")" = 404
check "nor by a path in the URL" test "$(status "/api/image/..%2F..%2Fetc%2Fpasswd/display")" = 404
check "nor under another name" test "$(status "/api/file?path=/etc/passwd")" = 404
check "assets are only the built-in ones" test "$(status "/assets/..%2F..%2FMakefile")" = 404
check "an id outside the library is 404" test "$(status /api/image/999999/display)" = 404
check "an unknown size is 404" test "$(status /api/image/$photo1/huge)" = 404
sha=$(sql "select lower(hex(sha256)) from images where id = $photo1")
check "the display image is cached by content hash and size" test -s "$XDG_CACHE_HOME/cull/thumbs/${sha:0:2}/$sha-1600.jpg"
side=$(id_of "$T/pics/incoming/sideways.jpg")
status /api/image/$side/display >/dev/null
check "EXIF orientation is applied (320×240 stored sideways shows 240×320)" \
    test "$(identify -format '%wx%h' "$T/body")" = 240x320
status /api/image/$side/thumb >/dev/null
check "thumbnails are small" test "$(identify -format '%w' "$T/body")" -le 320
echo "changed" >>"$T/pics/incoming/photo16.jpg"
changed=$(id_of "$T/pics/incoming/photo16.jpg")
check "a file changed since indexing is not shown as the image" test "$(status /api/image/$changed/display)" = 404
# A rendering in the cache is served only while a file still holds the image.
gone=$(id_of "$T/pics/incoming/photo15.jpg") swapped=$(id_of "$T/pics/incoming/photo14.jpg")
check "before: a display image is served (and cached)" test "$(status /api/image/$gone/display)" = 200
status /api/image/$swapped/thumb >/dev/null
mkdir "$T/aside"
mv "$T/pics/incoming/photo15.jpg" "$T/aside/"
check "a deleted file's cached rendering is no longer served" test "$(status /api/image/$gone/display)" = 404
mv "$T/pics/incoming/photo14.jpg" "$T/aside/"
make_photo "$T/pics/incoming/photo14.jpg" 99 320x240
check "nor one of a file replaced by another picture" test "$(status /api/image/$swapped/thumb)" = 404
mv "$T/aside/photo15.jpg" "$T/aside/photo14.jpg" "$T/pics/incoming/"
check "put back, both are served again" \
    test "$(status /api/image/$gone/display) $(status /api/image/$swapped/thumb)" = "200 200"

# Decisions through the API: stored at once with source "review"; undo restores the old label.
shot11=$(id_of "$T/pics/incoming/shot11.png")
check "label: 200" test "$(status /api/label -d "{\"id\":$shot11,\"label\":\"delete\"}")" = 200
check "the label is in the library at once, source review" test "$(sql "select label, source from labels where image_id = $shot11")" = "1|review"
check "a bad label is 400" test "$(status /api/label -d "{\"id\":$shot11,\"label\":\"maybe\"}")" = 400
check "a body that is not JSON is 400" test "$(status /api/label -d 'id=1')" = 400
check "an unknown id is 404" test "$(status /api/label -d '{"id":999999,"label":"keep"}')" = 404
check "undo: 200" test "$(status /api/undo -X POST)" = 200
check "undo cleared the label" test "$(sql "select count(*) from labels where image_id = $shot11")" = 0
check "undo of the skip" test "$(status /api/undo -X POST)" = 200
check "nothing left to undo" sh -c "curl -s -X POST -H 'X-Cull-Token: $TOKEN' '$BASE/api/undo' | grep -q '\"ok\":false'"
check "an apply needs an explicit confirmation" test "$(status /api/apply -d '{}')" = 400
check "and the plan it confirms" test "$(status /api/apply -d '{"confirm":true}')" = 400
# Apply is bound to the list shown: a label made after it (another tab, the CLI) moves nothing.
status /api/apply >/dev/null
shown=$(jq -r .plan "$T/body")
files_before=$(find "$T/pics" -type f | wc -l)
status /api/label -d "{\"id\":$shot11,\"label\":\"delete\"}" >/dev/null
check "a confirmation of a list that changed since is refused (409)" \
    test "$(status /api/apply -d "{\"confirm\":true,\"plan\":\"$shown\"}")" = 409
check "... moving nothing" test "$(find "$T/pics" -type f | wc -l)" = "$files_before"
check "... and showing the new list, with its own plan" \
    sh -c "jq -e '.plan != \"$shown\" and (.items | any(.path | endswith(\"shot11.png\"))) and .files == (.items | length)' '$T/body' >/dev/null"
status /api/undo -X POST >/dev/null
status "/api/queue?name=suspects&limit=5" >/dev/null
check "the suspects queue lists labelled images" sh -c "jq -e '.items | length == 5 and all(.label != null)' '$T/body' >/dev/null"
status "/api/queue?name=uncertain&limit=50" >/dev/null
check "the uncertain queue is ordered by |P - 0.5|" \
    sh -c "jq -e '[.items[].p | . - 0.5 | fabs] | . == sort' '$T/body' >/dev/null"
status "/api/queue?name=nope" >/dev/null
check "an unknown queue is 400" test "$(status "/api/queue?name=nope")" = 400

# The page in a real browser.
if [ -x "${CHROMIUM:-/usr/bin/chromium}" ] && [ -d "$ROOT/tests/browser/node_modules/playwright-core" ] && command -v node >/dev/null; then
    case "$CULL" in *asan*) slow=4 ;; *) slow=1 ;; esac
    out_dir="$(dirname "$CULL")/test-output/review"
    docs=""
    [ "${CULL_UPDATE_DOCS:-0}" = 1 ] && docs="$ROOT/docs/review.png" && mkdir -p "$ROOT/docs"
    REVIEW_URL="$URL" OUT_DIR="$out_dir" TRASH_DIR="$XDG_DATA_HOME/Trash" SLOW=$slow DOCS_SCREENSHOT="$docs" \
        timeout 300 node "$ROOT/tests/browser/review.test.mjs" >"$T/browser.log" 2>&1
    brc=$?
    while IFS= read -r line; do
        case "$line" in
            PASS\ *) pass "browser: ${line#PASS }" ;;
            FAIL\ *) fail "browser: ${line#FAIL }" ;;
        esac
    done <"$T/browser.log"
    if [ "$brc" -ne 0 ] && ! grep -q '^FAIL ' "$T/browser.log"; then
        fail "browser test ran" "exit $brc" "$(tail -20 "$T/browser.log")"
    fi
    check "screenshots at desktop and phone size" test -s "$out_dir/review-desktop.png" -a -s "$out_dir/review-phone.png"
else
    echo "ok $((n_test + 1)) - browser test # SKIP chromium or tests/browser/node_modules missing (run scripts/setup-browser-tests.sh)"
    n_test=$((n_test + 1))
fi

# A clean stop on SIGTERM (the sanitizer build checks for leaks at exit).
kill -TERM "$PID"
wait "$PID"
rc=$?
PID=""
check "SIGTERM stops the server cleanly (exit 0)" test "$rc" = 0
check "and it says so" grep -q "cull review: stopping" "$T/review.err"

# Options.
run_cull review --listen not-an-address
expect_rc "--listen wants a numeric address" 1
expect_match "and says so" "$ERR" "numeric IPv4 or IPv6 address"
run_cull review --port 99999
expect_rc "a port out of range is a usage error" 2
start_review --listen 127.0.0.1
check "--listen warns that others may reach the page" grep -q "warning: listening on 127.0.0.1" "$T/review.err"
check "--listen still needs the token" test "$(bare_status /api/state)" = 403
busy_port=$PORT
run_cull review --port "$busy_port"
expect_rc "a port in use fails" 1
expect_match "and says so" "$ERR" "cannot listen on 127.0.0.1 port $busy_port"
kill -INT "$PID"
wait "$PID"
rc=$?
PID=""
check "SIGINT stops it cleanly too" test "$rc" = 0

# --open never puts the token on a command line (every user can read them with ps): xdg-open
# gets a page, readable by this user only, that sends the browser on to the URL.
mkdir -p "$T/bin"
cat >"$T/bin/xdg-open" <<'SH'
#!/bin/sh
printf '%s\n' "$*" >"$XDG_LOG.args"
ps -eo args >"$XDG_LOG.ps"
cp "$1" "$XDG_LOG.html"
stat -c '%a' "$1" >"$XDG_LOG.mode"
stat -c '%a' "$(dirname "$1")" >"$XDG_LOG.dirmode"
dirname "$1" >"$XDG_LOG.dir"
touch "$XDG_LOG.done"
SH
chmod +x "$T/bin/xdg-open"
export XDG_LOG=$T/xdg
PATH="$T/bin:$PATH" start_review --open
for _ in $(seq 1 300); do [ -e "$XDG_LOG.done" ] && break; sleep 0.1; done
check "--open starts xdg-open" test -e "$XDG_LOG.done"
check "... with no token on its command line" sh -c "! grep -q '$TOKEN' '$XDG_LOG.args'"
check "... nor on any command line ps shows meanwhile" sh -c "! grep -q '$TOKEN' '$XDG_LOG.ps'"
check "... but a page that sends the browser to the URL" grep -qF "content=\"0;url=$URL\"" "$XDG_LOG.html"
check "... readable by this user only (0600 in a 0700 folder)" \
    test "$(cat "$XDG_LOG.mode") $(cat "$XDG_LOG.dirmode")" = "600 700"
kill -TERM "$PID"
wait "$PID"
PID=""
check "... and removed when the review stops" test ! -e "$(cat "$XDG_LOG.dir")"
unset XDG_LOG

# Slow-loris: 300 connections that trickle a header line each second and never finish a request
# must not lock the page out, and are cut at their deadline (head_deadline.h), not kept for ever.
start_review
python3 - "$PORT" 300 "$T/loris" <<'PY' &
import os, socket, sys, time
port, n, state = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
socks = []
for _ in range(n):
    s = socket.create_connection(("127.0.0.1", port))
    s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n")
    socks.append(s)
open(state + ".open", "w").write(str(n))
closed = set()
while len(closed) < n:
    time.sleep(1)   # the attack's pace; the test waits on events, never on this
    for i, s in enumerate(socks):
        if i not in closed:
            try:
                s.sendall(b"X-Slow: 1\r\n")
            except OSError:
                closed.add(i)
    open(state + ".tmp", "w").write(str(len(closed)))
    os.replace(state + ".tmp", state + ".closed")
PY
LORIS=$!
for _ in $(seq 1 300); do [ -e "$T/loris.open" ] && break; sleep 0.1; done
check "300 slow connections are open" test -e "$T/loris.open"
ok=0
for _ in $(seq 1 10); do
    [ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 30 -H "X-Cull-Token: $TOKEN" "$BASE/api/state")" = 200 ] && ok=$((ok + 1))
done
check "meanwhile the page's own requests are answered (10 of 10: $ok)" test "$ok" = 10
for _ in $(seq 1 600); do [ "$(cat "$T/loris.closed" 2>/dev/null)" = 300 ] && break; sleep 0.1; done
check "every slow connection is cut at its deadline ($(cat "$T/loris.closed" 2>/dev/null) of 300)" \
    test "$(cat "$T/loris.closed" 2>/dev/null)" = 300
kill "$LORIS" 2>/dev/null
wait "$LORIS" 2>/dev/null
check "and the server still answers" test "$(status /api/state)" = 200
stop_server

# An MLP model (its logistic-regression half is empty): the page scores with it. The scorer once
# sized its scratch from the logistic regression and overflowed it (ASan caught it).
"$CULL" train --model mlp >/dev/null
start_review
rm -f "$T/body"
check "with an MLP model the page starts ($(head -c 300 "$T/review.err"))" test "$(status /api/state)" = 200
expect_match "... with the model loaded" "$(cat "$T/body")" '"model":\{"auc":[0-9.]'
kill -TERM "$PID"
wait "$PID"
rc=$?
PID=""
check "... and stops cleanly (exit 0)" test "$rc" = 0
