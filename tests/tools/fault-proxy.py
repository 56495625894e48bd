#!/usr/bin/env python3
"""Loopback HTTP proxy that injects AWS faults before forwarding.

    fault-proxy.py --target http://127.0.0.1:PORT --port-file FILE
                   [--throttle N] [--unavailable N] [--html500 N] [--log FILE]
                   [--tls-cert PEM --tls-key PEM]

Listens on a free 127.0.0.1 port (written to --port-file once ready).
Each request is answered, in this order, by: the first N with an RDS
"Throttling" error (HTTP 400, RDS error XML), the next N with HTTP 503
(plain text), the next N with HTTP 500 and an HTML page; every later
request is forwarded unchanged to --target. One line per request
("throttle", "503", "500", "forward") goes to --log. With --tls-cert and
--tls-key it serves HTTPS (moto behind it stays plain HTTP). Standard
library only.
"""
import argparse
import http.client
import http.server
import sys
import threading
import urllib.parse

THROTTLE = (
    '<ErrorResponse xmlns="http://rds.amazonaws.com/doc/2014-10-31/"><Error><Type>Sender</Type>'
    "<Code>Throttling</Code><Message>Rate exceeded</Message></Error>"
    "<RequestId>fault-proxy-throttle-%d</RequestId></ErrorResponse>"
)
HTML500 = (
    "<!doctype html>\n<html lang=en>\n<title>500 Internal Server Error</title>\n"
    "<h1>Internal Server Error</h1>\n<p>The server encountered an internal error.</p>\n"
)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--target", required=True)
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--throttle", type=int, default=0)
    ap.add_argument("--unavailable", type=int, default=0)
    ap.add_argument("--html500", type=int, default=0)
    ap.add_argument("--log")
    ap.add_argument("--tls-cert")
    ap.add_argument("--tls-key")
    args = ap.parse_args()
    target = urllib.parse.urlsplit(args.target)
    lock = threading.Lock()
    state = {"n": 0}

    def log(what):
        if args.log:
            with open(args.log, "a") as f:
                f.write(what + "\n")

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, fmt, *a):
            pass

        def reply(self, status, ctype, body, extra=None):
            data = body.encode()
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(data)))
            for k, v in (extra or {}).items():
                self.send_header(k, v)
            self.end_headers()
            self.wfile.write(data)

        def handle_any(self):
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            with lock:
                i = state["n"]
                state["n"] += 1
            if i < args.throttle:
                log("throttle")
                return self.reply(400, "text/xml", THROTTLE % i,
                                  {"x-amzn-requestid": "fault-proxy-throttle-%d" % i})
            i -= args.throttle
            if i < args.unavailable:
                log("503")
                return self.reply(503, "text/plain", "Service Unavailable")
            i -= args.unavailable
            if i < args.html500:
                log("500")
                return self.reply(500, "text/html; charset=utf-8", HTML500)
            log("forward")
            conn = http.client.HTTPConnection(target.hostname, target.port, timeout=60)
            headers = {k: v for k, v in self.headers.items()
                       if k.lower() not in ("connection", "content-length")}
            conn.request(self.command, self.path, body=body, headers=headers)
            r = conn.getresponse()
            data = r.read()
            self.send_response(r.status)
            for k, v in r.getheaders():
                if k.lower() not in ("connection", "content-length", "transfer-encoding"):
                    self.send_header(k, v)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
            conn.close()

        do_GET = do_POST = do_PUT = handle_any

    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    if args.tls_cert:
        import ssl
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(args.tls_cert, args.tls_key)
        srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
    with open(args.port_file + ".tmp", "w") as f:
        f.write(str(srv.server_address[1]))
    import os
    os.rename(args.port_file + ".tmp", args.port_file)
    try:
        srv.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
