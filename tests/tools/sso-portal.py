#!/usr/bin/env python3
"""A loopback fake of the IAM Identity Center portal's GetRoleCredentials
and of SSO OIDC CreateToken (token refresh).

    sso-portal.py --port-file FILE --log FILE --token T [--ttl SECONDS]

GET /federation/credentials?account_id=A&role_name=R with the header
x-amz-sso_bearer_token: T answers {"roleCredentials": {...}} whose expiration
(milliseconds since the epoch) is --ttl seconds away (default 3600); any other
token is 401.
POST /token with {"grantType": "refresh_token", "clientId": "client-1",
"clientSecret": "client-secret-1", "refreshToken": "refresh-1"} answers
{"accessToken": T, "expiresIn": 3600, "refreshToken": "refresh-2"}; anything
else is 400 {"error": "invalid_grant"}.
Each request appends one JSON line {"path", "account_id", "role_name",
"token_ok"} to --log. Standard library only.
"""
import argparse
import http.server
import json
import time
import urllib.parse


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--log", required=True)
    ap.add_argument("--token", required=True)
    ap.add_argument("--ttl", type=int, default=3600)
    args = ap.parse_args()

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, fmt, *a):
            pass

        def reply(self, status, obj):
            data = json.dumps(obj).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self):
            u = urllib.parse.urlsplit(self.path)
            q = dict(urllib.parse.parse_qsl(u.query))
            ok = self.headers.get("x-amz-sso_bearer_token") == args.token
            with open(args.log, "a") as f:
                f.write(json.dumps({"path": u.path, "account_id": q.get("account_id"),
                                    "role_name": q.get("role_name"), "token_ok": ok}) + "\n")
            if u.path != "/federation/credentials":
                return self.reply(404, {"message": "not found"})
            if not ok:
                return self.reply(401, {"message": "Session token not found or invalid"})
            if not q.get("account_id") or not q.get("role_name"):
                return self.reply(400, {"message": "account_id and role_name are required"})
            self.reply(200, {"roleCredentials": {
                "accessKeyId": "ASIASSOEXAMPLEKEY001",
                "secretAccessKey": "sso-secret-access-key",
                "sessionToken": "sso-session-token",
                "expiration": int((time.time() + args.ttl) * 1000),
            }})

        def do_POST(self):
            n = int(self.headers.get("Content-Length") or 0)
            try:
                req = json.loads(self.rfile.read(n) or b"{}")
            except ValueError:
                req = {}
            ok = req == {"grantType": "refresh_token", "clientId": "client-1",
                         "clientSecret": "client-secret-1", "refreshToken": "refresh-1"}
            with open(args.log, "a") as f:
                f.write(json.dumps({"path": self.path, "account_id": None, "role_name": None,
                                    "token_ok": ok}) + "\n")
            if self.path != "/token" or not ok:
                return self.reply(400, {"error": "invalid_grant"})
            self.reply(200, {"accessToken": args.token, "expiresIn": 3600,
                             "refreshToken": "refresh-2", "tokenType": "Bearer"})

    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    with open(args.port_file + ".tmp", "w") as f:
        f.write(f"{srv.server_address[1]}\n")
    import os
    os.rename(args.port_file + ".tmp", args.port_file)
    srv.serve_forever()


if __name__ == "__main__":
    main()
