#!/usr/bin/env python3
"""Loopback smart-HTTP git server that demands a token, for the tests.

    git-http-server.py --root DIR --port-file FILE --token-file FILE [--log FILE]

Serves the repositories under --root through `git http-backend` (CGI) on a
free 127.0.0.1 port written to --port-file. Every request must carry HTTP
Basic credentials whose password is the token in --token-file (any user
name); otherwise 401 with a WWW-Authenticate challenge. Pushes are allowed
(http.receivepack). One line per request goes to --log: method, path and
"auth ok" / "auth missing" / "auth bad" (never the token). Standard
library and the git command only.
"""
import argparse
import base64
import http.server
import os
import subprocess
import sys
import urllib.parse


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--root", required=True)
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--token-file", required=True)
    ap.add_argument("--log")
    args = ap.parse_args()
    token = open(args.token_file).read().strip()

    def log(line):
        if args.log:
            with open(args.log, "a") as f:
                f.write(line + "\n")

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, fmt, *a):
            pass

        def body(self):
            if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
                out = b""
                while True:
                    size = int(self.rfile.readline().split(b";")[0].strip(), 16)
                    if size == 0:
                        self.rfile.readline()
                        return out
                    out += self.rfile.read(size)
                    self.rfile.readline()
            n = int(self.headers.get("Content-Length") or 0)
            return self.rfile.read(n) if n else b""

        def deny(self, what):
            log("%s %s auth %s" % (self.command, self.path, what))
            # An empty body: libgit2 1.5.1 answers a 401 on the same
            # connection without reading a body it was sent.
            self.send_response(401)
            self.send_header("WWW-Authenticate", 'Basic realm="git"')
            self.send_header("Content-Length", "0")
            self.end_headers()

        def handle_any(self):
            data = self.body()
            auth = self.headers.get("Authorization", "")
            if not auth.startswith("Basic "):
                return self.deny("missing")
            try:
                user, _, pw = base64.b64decode(auth[6:]).decode().partition(":")
            except Exception:
                return self.deny("bad")
            if pw != token:
                return self.deny("bad")
            log("%s %s auth ok" % (self.command, self.path))
            u = urllib.parse.urlsplit(self.path)
            env = dict(os.environ)
            env.update({
                "GIT_PROJECT_ROOT": args.root,
                "GIT_HTTP_EXPORT_ALL": "1",
                "PATH_INFO": urllib.parse.unquote(u.path),
                "QUERY_STRING": u.query,
                "REQUEST_METHOD": self.command,
                "CONTENT_TYPE": self.headers.get("Content-Type", ""),
                "CONTENT_LENGTH": str(len(data)),
                "REMOTE_USER": user or "token",
                "REMOTE_ADDR": "127.0.0.1",
                "GIT_CONFIG_COUNT": "1",
                "GIT_CONFIG_KEY_0": "http.receivepack",
                "GIT_CONFIG_VALUE_0": "true",
            })
            p = subprocess.run(["git", "http-backend"], input=data, env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
            head, _, payload = p.stdout.partition(b"\r\n\r\n")
            if not _:
                head, _, payload = p.stdout.partition(b"\n\n")
            status = 200
            headers = []
            for line in head.decode("latin-1").splitlines():
                k, _, v = line.partition(":")
                if k.lower() == "status":
                    status = int(v.strip().split()[0])
                elif k:
                    headers.append((k, v.strip()))
            self.send_response(status)
            for k, v in headers:
                if k.lower() not in ("content-length", "transfer-encoding", "connection"):
                    self.send_header(k, v)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        do_GET = do_POST = handle_any

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
