#!/usr/bin/env python3
"""Checks recorded AWS requests against botocore's service models.

  botocore-check.py [--require ACTION,...] [--summary] LOG.jsonl...

Each LOG line is one request as tests/tools/moto-server.py records it. Every
request must name an operation of its service's model with the model's API
version; its parameters, read back through the model (Query flattening:
`.member.N` lists, `.entry.N.key/value` maps, EC2's `.N` lists and
capitalised names), must be exactly the model's member names with the right
types (integers, booleans `true`/`false`, doubles, timestamps), enum values,
required members and min/max bounds (plus a few bounds the API reference
documents but the model lacks, e.g. MaxRecords 20..100, Port 1150..65535,
at most 20 Parameters per call); and botocore's own serializer must
produce the same parameters from the value read back. Any difference is a
violation: each is printed as `LOG:LINE: Action: problem` and the exit status
is 1. --require lists actions that must appear at least once.

JSON 1.1 services (kms, application-autoscaling): the content type must be
application/x-amz-json-1.1 and X-Amz-Target "<targetPrefix>.<Operation>" of
the model; the body a JSON object whose members are exactly the model's,
with the model's types (botocore's validator: required members, types,
min), enums and max, the documented bounds, and botocore's JSON serializer
must produce the same object from it.
"""
import argparse
import json
import re
import sys
import urllib.parse

import botocore.session
from botocore.model import ServiceModel
from botocore.serialize import create_serializer
from botocore.validate import ParamValidator

INT_RE = re.compile(r"^-?[0-9]+$")
FLOAT_RE = re.compile(r"^-?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][-+]?[0-9]+)?$")
TS_RE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?(Z|[+-][0-9]{2}:?[0-9]{2})$")

_models = {}


def model(service):
    if service not in _models:
        s = botocore.session.get_session()
        _models[service] = ServiceModel(s.get_service_data(service), service_name=service)
    return _models[service]


class Reader:
    """Reads flat Query parameters back into a value, guided by the model."""

    def __init__(self, params, protocol):
        self.params = params
        self.protocol = protocol
        self.used = set()
        self.problems = []

    def name(self, shape, default):
        ser = shape.serialization
        if self.protocol == "ec2":
            if "queryName" in ser:
                return ser["queryName"]
            if "name" in ser:
                return ser["name"][0].upper() + ser["name"][1:]
            return default
        return ser.get("name", default)

    def present(self, key):
        return key in self.params or any(k.startswith(key + ".") for k in self.params)

    def indices(self, base):
        idx = set()
        pat = re.compile(re.escape(base) + r"\.([^.]+)")
        for k in self.params:
            m = pat.match(k)
            if m and (k == m.group(0) or k[len(m.group(0))] == "."):
                if not re.fullmatch(r"[1-9][0-9]*", m.group(1)):
                    self.problems.append(f"'{m.group(0)}': list index '{m.group(1)}' is not 1, 2, ...")
                    continue
                idx.add(int(m.group(1)))
        n = len(idx)
        if idx and idx != set(range(1, n + 1)):
            self.problems.append(f"'{base}.N': indices {sorted(idx)} are not 1..{max(idx)} without gaps")
        return sorted(idx)

    def read(self, shape, key):
        t = shape.type_name
        if t == "structure":
            out = {}
            for mname, mshape in shape.members.items():
                k = self.name(mshape, mname)
                k = f"{key}.{k}" if key else k
                if self.present(k):
                    out[mname] = self.read(mshape, k)
            return out
        if t == "list":
            if key in self.params and self.params[key] == "":
                self.used.add(key)
                return []
            if self.protocol == "ec2":
                base = key
            elif shape.serialization.get("flattened"):
                base = key
                if shape.member.serialization.get("name"):
                    base = ".".join(key.split(".")[:-1] + [self.name(shape.member, "")])
            else:
                base = f"{key}.{shape.member.serialization.get('name', 'member')}"
            if key in self.params:
                self.problems.append(f"'{key}': a list must be sent as '{base}.N'")
                self.used.add(key)
            return [self.read(shape.member, f"{base}.{i}") for i in self.indices(base)]
        if t == "map":
            base = key if shape.serialization.get("flattened") else f"{key}.entry"
            kname = shape.key.serialization.get("name", "key")
            vname = shape.value.serialization.get("name", "value")
            out = {}
            for i in self.indices(base):
                k = self.read(shape.key, f"{base}.{i}.{kname}")
                out[k] = self.read(shape.value, f"{base}.{i}.{vname}")
            return out
        if key not in self.params:
            self.problems.append(f"'{key}': expected a {t} value here")
            return None
        self.used.add(key)
        v = self.params[key]
        if t in ("integer", "long"):
            if not INT_RE.match(v):
                self.problems.append(f"'{key}': '{v}' is not an {t}")
                return None
            return int(v)
        if t == "boolean":
            if v not in ("true", "false"):
                self.problems.append(f"'{key}': '{v}' is not a boolean (true or false)")
                return None
            return v == "true"
        if t in ("double", "float"):
            if not FLOAT_RE.match(v):
                self.problems.append(f"'{key}': '{v}' is not a {t}")
                return None
            return float(v)
        if t == "timestamp":
            if not TS_RE.match(v):
                self.problems.append(f"'{key}': '{v}' is not an ISO 8601 timestamp")
            return v
        return v


def bounds(shape, value, path, problems):
    """Enum and max checks (botocore's validator checks required, types, min)."""
    if value is None:
        return
    t = shape.type_name
    meta = shape.metadata
    if t == "structure":
        for k, v in value.items():
            bounds(shape.members[k], v, f"{path}.{k}" if path else k, problems)
    elif t == "list":
        if "max" in meta and len(value) > meta["max"]:
            problems.append(f"'{path}': {len(value)} items, the model allows at most {meta['max']}")
        for i, v in enumerate(value):
            bounds(shape.member, v, f"{path}[{i}]", problems)
    elif t == "map":
        for k, v in value.items():
            bounds(shape.key, k, f"{path} key", problems)
            bounds(shape.value, v, f"{path}[{k}]", problems)
    elif t == "string":
        if shape.enum and value not in shape.enum:
            problems.append(f"'{path}': '{value}' is not one of {shape.enum}")
        if "max" in meta and len(value) > meta["max"]:
            problems.append(f"'{path}': {len(value)} characters, the model allows at most {meta['max']}")
        if "pattern" in meta:
            try:
                ok = re.fullmatch(meta["pattern"], value) is not None
            except re.error:
                ok = True  # a Java-only pattern; AWS checks it
            if not ok:
                problems.append(f"'{path}': '{value}' does not match the model's pattern {meta['pattern']}")
    elif t in ("integer", "long", "double", "float"):
        if "max" in meta and value > meta["max"]:
            problems.append(f"'{path}': {value} is above the model's maximum {meta['max']}")


# Constraints the API reference documents but the model does not carry:
# (service, action or None for every action, member path) -> (min, max),
# for numbers the value, for lists the number of items.
DOCUMENTED = {
    ("rds", None, "MaxRecords"): (20, 100),
    ("rds", "CreateDBCluster", "Port"): (1150, 65535),
    ("rds", "ModifyDBCluster", "Port"): (1150, 65535),
    ("rds", "RestoreDBClusterFromSnapshot", "Port"): (1150, 65535),
    ("rds", "ModifyDBClusterParameterGroup", "Parameters"): (1, 20),
    ("rds", "ResetDBClusterParameterGroup", "Parameters"): (0, 20),
    ("rds", "CreateDBCluster", "BackupRetentionPeriod"): (1, 35),
    ("rds", "ModifyDBCluster", "BackupRetentionPeriod"): (1, 35),
    ("kms", "ListAliases", "Limit"): (1, 100),
    ("application-autoscaling", "DescribeScalableTargets", "MaxResults"): (1, 50),
    ("application-autoscaling", "DescribeScalingPolicies", "MaxResults"): (1, 10),
}

JSON_SERVICES = ("kms", "application-autoscaling")


def check_json(rec, service):
    """(action, [problems]) for one JSON 1.1 request."""
    m = model(service)
    problems = []
    target = rec.get("target") or ""
    prefix = m.metadata.get("targetPrefix")
    action = target.split(".", 1)[1] if target.startswith(prefix + ".") else None
    if rec.get("method") != "POST":
        problems.append(f"method {rec.get('method')!r} is not POST")
    want_ct = "application/x-amz-json-" + m.metadata.get("jsonVersion", "1.1")
    if rec.get("content_type", "").split(";")[0].strip() != want_ct:
        problems.append(f"content type {rec.get('content_type')!r} is not {want_ct}")
    if action is None:
        return target or None, problems + [f"X-Amz-Target {target!r} is not '{prefix}.<Operation>'"]
    if action not in m.operation_names:
        return action, problems + [f"'{action}' is not an operation of {service}"]
    try:
        value = json.loads(rec.get("body") or "{}")
    except ValueError as e:
        return action, problems + [f"the body is not JSON: {e}"]
    if not isinstance(value, dict):
        return action, problems + ["the body is not a JSON object"]
    op = m.operation_model(action)
    if op.input_shape is not None:
        report = ParamValidator().validate(value, op.input_shape)
        if report.has_errors():
            problems += [line.strip() for line in report.generate_report().splitlines() if line.strip()]
        else:
            bounds(op.input_shape, value, "", problems)
            documented(service, action, value, problems)
    elif value:
        problems.append(f"{action} takes no members")
    if not problems and op.input_shape is not None:
        ser = create_serializer(m.metadata["protocol"], include_validation=False)
        req = ser.serialize_to_request(value, op)
        body = req["body"]
        again = json.loads(body) if body else {}
        if again != value:
            problems.append(f"botocore would send {again!r}, the request has {value!r}")
        if req["headers"].get("X-Amz-Target") != target:
            problems.append(f"botocore would send X-Amz-Target {req['headers'].get('X-Amz-Target')!r}")
    return action, problems


def documented(service, action, value, problems):
    for (svc, act, member), (lo, hi) in DOCUMENTED.items():
        if svc != service or act not in (None, action) or member not in value:
            continue
        v = value[member]
        n = len(v) if isinstance(v, list) else v
        if isinstance(n, (int, float)) and not lo <= n <= hi:
            problems.append(f"'{member}': {n} is outside {lo}..{hi} (AWS API reference)")


def same(a, b):
    if a == b:
        return True
    try:
        return float(a) == float(b)
    except ValueError:
        return False


def check(rec):
    """Returns (action, [problems]) for one recorded request."""
    service = rec.get("service")
    if service is None:
        # unsigned: only operations the model marks as such (STS web identity)
        action = dict(urllib.parse.parse_qsl(rec.get("body", ""))).get("Action")
        sts = model("sts")
        if action in sts.operation_names and sts.operation_model(action).auth_type == "none":
            service = "sts"
        else:
            return action, ["unsigned request (no SigV4 credential scope) for an operation that needs one"]
    if service in JSON_SERVICES:
        return check_json(rec, service)
    # the SigV4 signing name -> botocore's service model
    models = {"rds": "rds", "ec2": "ec2", "sts": "sts", "iam": "iam", "monitoring": "cloudwatch"}
    if service not in models:
        return None, [f"request for unknown service {service!r}"]
    service = models[service]
    if rec.get("method") == "POST":
        if not rec.get("content_type", "").startswith("application/x-www-form-urlencoded"):
            return None, [f"content type {rec.get('content_type')!r} is not form-encoded"]
        raw = rec.get("body", "")
    else:
        raw = rec.get("query", "")
    pairs = urllib.parse.parse_qsl(raw, keep_blank_values=True, strict_parsing=bool(raw))
    params = {}
    problems = []
    for k, v in pairs:
        if k in params:
            problems.append(f"'{k}' is sent twice")
        params[k] = v
    m = model(service)
    action = params.pop("Action", None)
    version = params.pop("Version", None)
    if action not in m.operation_names:
        return action, problems + [f"'{action}' is not an operation of {service}"]
    if version != m.api_version:
        problems.append(f"Version '{version}' is not {service}'s API version {m.api_version}")
    op = m.operation_model(action)
    # a form-encoded request speaks Query; CloudWatch's model lists it among
    # its protocols (its default is smithy-rpc-v2-cbor)
    protocol = m.metadata["protocol"]
    if protocol not in ("query", "ec2") and "query" in m.metadata.get("protocols", []):
        protocol = "query"
    reader = Reader(params, protocol)
    value = reader.read(op.input_shape, "") if op.input_shape is not None else {}
    problems += reader.problems
    for k in sorted(set(params) - reader.used):
        problems.append(f"'{k}' is not a member of {action} (after {protocol} flattening)")
    if op.input_shape is not None:
        report = ParamValidator().validate(value, op.input_shape)
        if report.has_errors():
            problems += [line.strip() for line in report.generate_report().splitlines() if line.strip()]
        bounds(op.input_shape, value, "", problems)
        documented(service, action, value, problems)
    if not problems:
        ser = create_serializer(protocol, include_validation=False)
        body = ser.serialize_to_request(value, op)["body"]
        want = {k: v for k, v in body.items() if k not in ("Action", "Version")}
        for k in sorted(set(want) | set(params)):
            if k not in params:
                problems.append(f"botocore would send '{k}={want[k]}', the request does not")
            elif k not in want:
                problems.append(f"botocore would not send '{k}'")
            elif not same(str(want[k]), params[k]):
                problems.append(f"'{k}': botocore would send '{want[k]}', the request has '{params[k]}'")
    return action, problems


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--require", default="")
    ap.add_argument("--summary", action="store_true")
    ap.add_argument("logs", nargs="*")
    args = ap.parse_args()
    seen = {}
    bad = 0
    total = 0
    for path in args.logs:
        with open(path) as f:
            for n, line in enumerate(f, 1):
                if not line.strip():
                    continue
                total += 1
                try:
                    rec = json.loads(line)
                except ValueError:
                    print(f"{path}:{n}: not a JSON record")
                    bad += 1
                    continue
                action, problems = check(rec)
                seen[action] = seen.get(action, 0) + 1
                for p in problems:
                    print(f"{path}:{n}: {action}: {p}")
                bad += bool(problems)
    missing = [a for a in args.require.split(",") if a and a not in seen]
    for a in missing:
        print(f"no request for {a} was recorded")
    if args.summary:
        for a in sorted(seen, key=str):
            print(f"{seen[a]:6d} {a}")
        print(f"{total} requests, {bad} with violations, {len(seen)} actions")
    return 1 if bad or missing or total == 0 else 0


if __name__ == "__main__":
    sys.exit(main())
