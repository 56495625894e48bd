#!/usr/bin/env python3
"""Fake credential endpoints for the credential-chain tests.

    creds-server.py --port-file FILE --log FILE [--token T] [--ttl SECONDS]

Serves, on a free 127.0.0.1 port:
  GET /ecs/creds                      ECS container credentials (JSON); when
                                      --token is given, the Authorization
                                      header must equal it (else 401)
  PUT /latest/api/token               IMDSv2 session token
  GET /latest/meta-data/iam/security-credentials/[ROLE]
                                      IMDS role name / credentials (JSON); needs
                                      the X-aws-ec2-metadata-token header
Credentials expire --ttl seconds after issue (default 3600). Each credential
issue appends "ecs" or "imds" to --log. Standard library only.
"""
import argparse
import datetime
import http.server
import json
import os
import sys

ROLE = "agent-role"
IMDS_TOKEN = "imds-session-token-1"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--log", required=True)
    ap.add_argument("--token")
    ap.add_argument("--ttl", type=int, default=3600)
    args = ap.parse_args()

    def creds(kind):
        with open(args.log, "a") as f:
            f.write(kind + "\n")
        exp = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(seconds=args.ttl)
        return json.dumps({
            "Code": "Success",
            "AccessKeyId": "ASIA" + kind.upper() + "EXAMPLEKEY1",
            "SecretAccessKey": "fake-" + kind + "-secret",
            "Token": "fake-" + kind + "-session-token",
            "Expiration": exp.strftime("%Y-%m-%dT%H:%M:%SZ"),
        })

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, fmt, *a):
            pass

        def reply(self, status, body, ctype="application/json"):
            data = body.encode()
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_PUT(self):
            if self.path == "/latest/api/token" and self.headers.get("X-aws-ec2-metadata-token-ttl-seconds"):
                return self.reply(200, IMDS_TOKEN, "text/plain")
            return self.reply(400, "bad request", "text/plain")

        def do_GET(self):
            if self.path == "/ecs/creds":
                if args.token and self.headers.get("Authorization") != args.token:
                    return self.reply(401, '{"message":"unauthorized"}')
                return self.reply(200, creds("ecs"))
            base = "/latest/meta-data/iam/security-credentials/"
            if self.path.startswith(base):
                if self.headers.get("X-aws-ec2-metadata-token") != IMDS_TOKEN:
                    return self.reply(401, "", "text/plain")
                if self.path == base:
                    return self.reply(200, ROLE, "text/plain")
                if self.path == base + ROLE:
                    return self.reply(200, creds("imds"))
            return self.reply(404, "not found", "text/plain")

    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    with open(args.port_file + ".tmp", "w") as f:
        f.write(str(srv.server_address[1]))
    os.rename(args.port_file + ".tmp", args.port_file)
    srv.serve_forever()
    return 0


if __name__ == "__main__":
    sys.exit(main())
