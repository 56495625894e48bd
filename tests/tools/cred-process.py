#!/usr/bin/env python3
"""A credential_process for the tests.

    cred-process.py --log FILE [--ttl SECONDS] [--version N] [--exit N]
                    [--garbage] [ARG...]

Appends its arguments (after the options, exactly as received) to --log as
one JSON line, then prints the credential_process JSON: Version (default 1),
AccessKeyId, SecretAccessKey, SessionToken and an Expiration --ttl seconds
away (none with --ttl 0). --exit N exits with N instead; --garbage prints
something that is not JSON.
"""
import argparse
import datetime
import json
import sys


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--log", required=True)
    ap.add_argument("--ttl", type=int, default=3600)
    ap.add_argument("--version", type=int, default=1)
    ap.add_argument("--exit", type=int, default=0)
    ap.add_argument("--garbage", action="store_true")
    ap.add_argument("rest", nargs="*")
    args = ap.parse_args()
    with open(args.log, "a") as f:
        f.write(json.dumps(args.rest) + "\n")
    if args.exit:
        print("cred-process: refusing as asked", file=sys.stderr)
        return args.exit
    if args.garbage:
        print("<html>not json</html>")
        return 0
    out = {"Version": args.version, "AccessKeyId": "ASIAPROCESSEXAMPLE01",
           "SecretAccessKey": "process-secret-access-key", "SessionToken": "process-token"}
    if args.ttl:
        exp = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(seconds=args.ttl)
        out["Expiration"] = exp.strftime("%Y-%m-%dT%H:%M:%SZ")
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
