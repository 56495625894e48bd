#!/usr/bin/env python3
"""A loopback stand-in for the GitHub and GitLab REST APIs the `report`
command calls: issue comments / merge-request notes and commit statuses.

Every request is appended to --log as one JSON line (method, path, query,
the auth header, body). State (comments, statuses) lives in memory.

  fake-forge.py --port-file F --log L [--token T] [--page-size N]
                [--seed N] [--deny PATH_PART] [--rate-limit-once]
                [--fail-once STATUS]

--deny PATH_PART    403 (a permission problem) for requests whose path contains it
--rate-limit-once   the first request gets 403 + x-ratelimit-remaining: 0 + retry-after: 1
--fail-once STATUS  the first request gets STATUS (e.g. 502)
--tls-cert F --tls-key K  serve https with this certificate
--seed N            N unrelated comments/notes on every pull request to start with
"""
import argparse
import json
import re
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit, parse_qs

ap = argparse.ArgumentParser()
ap.add_argument("--port-file", required=True)
ap.add_argument("--log", required=True)
ap.add_argument("--token", default="test-token")
ap.add_argument("--page-size", type=int, default=2)
ap.add_argument("--seed", type=int, default=3)
ap.add_argument("--deny", action="append", default=[])
ap.add_argument("--rate-limit-once", action="store_true")
ap.add_argument("--fail-once", type=int, default=0)
ap.add_argument("--tls-cert")
ap.add_argument("--tls-key")
args = ap.parse_args()

lock = threading.Lock()
comments = {}  # (project, number) -> list of {"id", "body", ...}
statuses = []
next_id = [1000]
first = [True]


def thread(key):
    if key not in comments:
        comments[key] = []
        for i in range(args.seed):
            next_id[0] += 1
            comments[key].append({"id": next_id[0], "body": "looks good %d" % i,
                                  "system": False})
    return comments[key]


class H(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *a):
        pass

    def reply(self, status, obj=None, headers=None):
        data = json.dumps(obj if obj is not None else {}).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def handle_any(self):
        n = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(n) if n else b""
        u = urlsplit(self.path)
        q = parse_qs(u.query)
        auth = (self.headers.get("Authorization") or self.headers.get("PRIVATE-TOKEN")
                or self.headers.get("JOB-TOKEN"))
        rec = {"method": self.command, "path": u.path, "query": u.query, "auth": auth,
               "accept": self.headers.get("Accept"),
               "api_version": self.headers.get("X-GitHub-Api-Version"),
               "user_agent": self.headers.get("User-Agent"),
               "body": json.loads(raw) if raw else None}
        with lock:
            with open(args.log, "a") as f:
                f.write(json.dumps(rec) + "\n")
            if first[0]:
                first[0] = False
                if args.rate_limit_once:
                    return self.reply(403, {"message": "API rate limit exceeded"},
                                      {"x-ratelimit-remaining": "0", "retry-after": "1"})
                if args.fail_once:
                    return self.reply(args.fail_once, {"message": "try again"})
            if auth not in ("Bearer " + args.token, args.token):
                return self.reply(401, {"message": "Bad credentials"})
            for d in args.deny:
                if d in u.path:
                    return self.reply(403, {"message": "Resource not accessible by integration"})
            return self.route(u, q, rec["body"])

    def page(self, items, q, base):
        page = int(q.get("page", ["1"])[0])
        size = args.page_size
        chunk = items[(page - 1) * size: page * size]
        headers = {}
        if page * size < len(items):
            # links name the server as the client did (scheme, Host header)
            host = "%s://%s" % ("https" if args.tls_cert else "http", self.headers["Host"])
            headers["Link"] = '<%s%s?per_page=100&page=%d>; rel="next", <%s%s?page=9>; rel="last"' % (
                host, base, page + 1, host, base)
        return self.reply(200, chunk, headers)

    def route(self, u, q, body):
        p = u.path
        m = re.fullmatch(r"/repos/([^/]+/[^/]+)/issues/(\d+)/comments", p)
        if m:
            items = thread((m.group(1), int(m.group(2))))
            if self.command == "GET":
                return self.page(items, q, p)
            if self.command == "POST":
                next_id[0] += 1
                c = {"id": next_id[0], "body": body["body"]}
                items.append(c)
                return self.reply(201, c)
        m = re.fullmatch(r"/repos/([^/]+/[^/]+)/issues/comments/(\d+)", p)
        if m and self.command == "PATCH":
            for (proj, _), items in comments.items():
                for c in items:
                    if proj == m.group(1) and c["id"] == int(m.group(2)):
                        c["body"] = body["body"]
                        return self.reply(200, c)
            return self.reply(404, {"message": "Not Found"})
        m = re.fullmatch(r"/repos/([^/]+/[^/]+)/statuses/([0-9a-f]{40})", p)
        if m and self.command == "POST":
            statuses.append(body)
            return self.reply(201, dict(body, id=len(statuses)))
        m = re.fullmatch(r"/api/v4/projects/([^/]+)/merge_requests/(\d+)/notes", p)
        if m:
            items = thread((m.group(1), int(m.group(2))))
            if self.command == "GET":
                return self.page(items, q, p)
            if self.command == "POST":
                next_id[0] += 1
                c = {"id": next_id[0], "body": body["body"], "system": False}
                items.append(c)
                return self.reply(201, c)
        m = re.fullmatch(r"/api/v4/projects/([^/]+)/merge_requests/(\d+)/notes/(\d+)", p)
        if m and self.command == "PUT":
            for c in thread((m.group(1), int(m.group(2)))):
                if c["id"] == int(m.group(3)):
                    c["body"] = body["body"]
                    return self.reply(200, c)
            return self.reply(404, {"message": "404 Not found"})
        m = re.fullmatch(r"/api/v4/projects/([^/]+)/statuses/([0-9a-f]{40})", p)
        if m and self.command == "POST":
            statuses.append(body)
            return self.reply(201, dict(body, id=len(statuses)))
        return self.reply(404, {"message": "Not Found"})

    do_GET = do_POST = do_PATCH = do_PUT = handle_any


srv = ThreadingHTTPServer(("127.0.0.1", 0), H)
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
