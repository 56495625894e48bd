#!/usr/bin/env python3
"""Loopback HTTP proxy that holds one AWS action, to interrupt an apply.

    hold-proxy.py --target http://127.0.0.1:PORT --port-file FILE
                  --hold ACTION --reached FILE [--hold-seconds N]
                  [--forward-first]

Forwards every request unchanged to --target, except the first request
whose form body says Action=ACTION: that one writes --reached and is held
for --hold-seconds (default 60), then answered with HTTP 503 without ever
reaching the target. A test kills the client while it waits.
With --forward-first the held request does reach the target first (AWS did
the work) and, after the hold, the connection is closed with no reply at
all: the reply is lost, as when AWS goes away mid-request. A request the
target refuses (it is down) is answered the same way: the connection is
closed with no reply. Standard
library only; listens on a free 127.0.0.1 port written to --port-file.
"""
import argparse
import http.client
import http.server
import os
import sys
import threading
import time
import urllib.parse


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--target", required=True)
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--hold", required=True)
    ap.add_argument("--reached", required=True)
    ap.add_argument("--hold-seconds", type=float, default=60)
    ap.add_argument("--forward-first", action="store_true")
    args = ap.parse_args()
    target = urllib.parse.urlsplit(args.target)
    lock = threading.Lock()
    state = {"held": False}

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, fmt, *a):
            pass

        def handle_any(self):
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            form = urllib.parse.parse_qs(body.decode("utf-8", "replace"))
            hold = False
            with lock:
                if not state["held"] and form.get("Action", [""])[0] == args.hold:
                    state["held"] = hold = True
            if hold and args.forward_first:
                try:
                    forward(self, body, reply=False)
                except OSError:
                    pass
                with open(args.reached, "w") as f:
                    f.write(args.hold + "\n")
                time.sleep(args.hold_seconds)
                self.close_connection = True
                return
            if hold:
                with open(args.reached, "w") as f:
                    f.write(args.hold + "\n")
                time.sleep(args.hold_seconds)
                data = b"held"
                self.send_response(503)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
                return
            try:
                forward(self, body, reply=True)
            except OSError:
                self.close_connection = True

        do_GET = do_POST = do_PUT = handle_any

    def forward(self, body, reply):
        conn = http.client.HTTPConnection(target.hostname, target.port, timeout=60)
        headers = {k: v for k, v in self.headers.items()
                   if k.lower() not in ("connection", "content-length")}
        conn.request(self.command, self.path, body=body, headers=headers)
        r = conn.getresponse()
        data = r.read()
        conn.close()
        if not reply:
            return
        self.send_response(r.status)
        for k, v in r.getheaders():
            if k.lower() not in ("connection", "content-length", "transfer-encoding"):
                self.send_header(k, v)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    srv.daemon_threads = True
    with open(args.port_file + ".tmp", "w") as f:
        f.write(str(srv.server_address[1]))
    os.rename(args.port_file + ".tmp", args.port_file)
    try:
        srv.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
