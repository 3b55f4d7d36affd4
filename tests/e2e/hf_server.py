#!/usr/bin/python3
"""hf_server.py — a stand-in for the Hugging Face hub on 127.0.0.1, for tests/e2e/fetch.sh.

    hf_server.py ROOT --port-file FILE [--log FILE] [mode options]

Serves ROOT/REPO/FILE at /REPO/resolve/REVISION/FILE (any revision) the way the hub does:
  - files ending in .safetensors are "LFS files": /resolve/ answers 302 to /cdn/REPO/FILE with
    X-Linked-Size (the size) and X-Linked-Etag (the SHA-256, quoted); the CDN answers the bytes with
    an ETag; other files are answered directly with their size (Content-Length) and a git-like ETag
  - GET and HEAD; single byte ranges "bytes=a-b", "bytes=a-", "bytes=-n": 206 with Content-Range,
    416 when unsatisfiable
Modes, to test the client's handling of a bad network or server (each applies to .safetensors
bodies on the CDN):
  --drop-after N --drop-count K   the first K bodies longer than N bytes stop after N bytes: the
                                  connection is closed mid-file although Content-Length promised more
  --corrupt-at OFFSET             the byte at that file offset is served flipped (the advertised
                                  SHA-256 stays the true one)
  --no-sha                        no X-Linked-Etag (a server that gives no checksum)
  --ignore-range                  answer 200 with the whole file to ranged requests
  --fail-first K                  the first K requests of any kind get 503
The bound port (0 = any free one) is written to --port-file once listening; each request is
appended to --log as "METHOD PATH RANGE STATUS BYTES".
"""
import argparse
import hashlib
import os
import socketserver
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

ARGS = None
LOCK = threading.Lock()
COUNTS = {"drops": 0, "fails": 0}
SHA = {}


def sha256(path):
    if path not in SHA:
        h = hashlib.sha256()
        with open(path, "rb") as f:
            for chunk in iter(lambda: f.read(1 << 20), b""):
                h.update(chunk)
        SHA[path] = h.hexdigest()
    return SHA[path]


def log(line):
    if ARGS.log:
        with LOCK, open(ARGS.log, "a") as f:
            f.write(line + "\n")


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *a):
        pass

    def do_HEAD(self):
        self.serve(head=True)

    def do_GET(self):
        self.serve(head=False)

    def reply(self, status, headers=(), body=b""):
        self.send_response(status)
        for k, v in headers:
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)
        log(f"{self.command} {self.path} {self.headers.get('Range', '-')} {status} {len(body)}")

    def serve(self, head):
        with LOCK:
            fail = COUNTS["fails"] < ARGS.fail_first
            COUNTS["fails"] += fail
        if fail:
            return self.reply(503, body=b"busy")
        parts = self.path.split("?")[0].strip("/").split("/")
        if len(parts) >= 5 and parts[2] == "resolve":
            repo, name = "/".join(parts[:2]), "/".join(parts[4:])
            path = os.path.join(ARGS.root, repo, name)
            if not os.path.isfile(path):
                return self.reply(404, body=b"Entry not found")
            if name.endswith(".safetensors"):
                headers = [("Location", f"/cdn/{repo}/{name}"), ("X-Linked-Size", str(os.path.getsize(path))),
                           ("ETag", f'"{sha256(path)}"')]
                if not ARGS.no_sha:
                    headers.append(("X-Linked-Etag", f'"{sha256(path)}"'))
                return self.reply(302, headers)
            return self.send_file(path, head, etag='"' + hashlib.sha1(open(path, "rb").read()).hexdigest() + '"',
                                  lfs=False)
        if len(parts) >= 4 and parts[0] == "cdn":
            path = os.path.join(ARGS.root, parts[1], parts[2], "/".join(parts[3:]))
            if not os.path.isfile(path):
                return self.reply(404, body=b"no such object")
            return self.send_file(path, head, etag=f'"cdn-{sha256(path)[:20]}"', lfs=True)
        return self.reply(404, body=b"not a hub path")

    def send_file(self, path, head, etag, lfs):
        size = os.path.getsize(path)
        start, end, status = 0, size - 1, 200
        rng = self.headers.get("Range")
        if rng and not ARGS.ignore_range:
            try:
                unit, spec = rng.split("=", 1)
                a, b = spec.split("-", 1)
                if unit.strip() != "bytes" or "," in spec:
                    raise ValueError
                if a == "":
                    start, end = max(size - int(b), 0), size - 1
                else:
                    start, end = int(a), (int(b) if b else size - 1)
                end = min(end, size - 1)
                if start > end or start >= size:
                    return self.reply(416, [("Content-Range", f"bytes */{size}")])
                status = 206
            except ValueError:
                return self.reply(400, body=b"bad range")
        length = end - start + 1
        self.send_response(status)
        self.send_header("Content-Length", str(length))
        self.send_header("Accept-Ranges", "bytes")
        self.send_header("ETag", etag)
        if status == 206:
            self.send_header("Content-Range", f"bytes {start}-{end}/{size}")
        self.end_headers()
        sent = 0
        if not head:
            drop = None
            if lfs and ARGS.drop_after is not None and ARGS.drop_after < length:
                with LOCK:
                    if COUNTS["drops"] < ARGS.drop_count:
                        COUNTS["drops"] += 1
                        drop = ARGS.drop_after
            with open(path, "rb") as f:
                f.seek(start)
                data = f.read(length)
            if lfs and ARGS.corrupt_at is not None and start <= ARGS.corrupt_at <= end:
                i = ARGS.corrupt_at - start
                data = data[:i] + bytes([data[i] ^ 0x40]) + data[i + 1:]
            if drop is not None and drop < len(data):
                self.wfile.write(data[:drop])
                self.wfile.flush()
                sent = drop
                log(f"{self.command} {self.path} {rng or '-'} {status} {sent} DROPPED")
                self.close_connection = True
                try:
                    self.connection.shutdown(2)
                except OSError:
                    pass
                return
            self.wfile.write(data)
            sent = len(data)
        log(f"{self.command} {self.path} {rng or '-'} {status} {sent}")


def main():
    global ARGS
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("root")
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--log")
    ap.add_argument("--drop-after", type=int)
    ap.add_argument("--drop-count", type=int, default=1)
    ap.add_argument("--corrupt-at", type=int)
    ap.add_argument("--no-sha", action="store_true")
    ap.add_argument("--ignore-range", action="store_true")
    ap.add_argument("--fail-first", type=int, default=0)
    ARGS = ap.parse_args()
    socketserver.TCPServer.allow_reuse_address = True
    server = ThreadingHTTPServer(("127.0.0.1", ARGS.port), Handler)
    server.daemon_threads = True
    tmp = ARGS.port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write(str(server.server_address[1]))
    os.rename(tmp, ARGS.port_file)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
