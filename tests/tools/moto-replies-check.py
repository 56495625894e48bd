#!/usr/bin/env python3
"""Proves the test launcher's fast reply serializer (moto_fast_replies.py)
gives the same replies as moto's own, byte for byte, and measures both.

  moto-replies-check.py [--clusters N]     check (exit 1 on any difference)
  moto-replies-check.py --bench N          cost per page and per request

Two copies of the launcher (tests/tools/moto-server.py, every extension
loaded) run side by side in worker processes, one with moto's serializer
(AG_MOTO_SERIALIZER=stock), one with the fast one. Both have their clock
frozen, their random generator seeded and the same hash seed, so the same
requests in the same order leave them in the same state. Every request goes
to both, and the two replies are compared whole: status, every header, every
body byte. The requests build a varied fleet through the API (clusters with
and without instances, tags with markup, quotes, non-ASCII, a newline and an
empty value, Performance Insights and Enhanced Monitoring on and off,
Serverless v2, a parameter group with parameters, a snapshot, a global
database, IAM roles, and N clusters seeded straight into the backend for
paging), then read it back (every page of DescribeDBClusters and
DescribeDBInstances at two page sizes, the tags of every cluster and
instance, parameters, engine versions, events, IAM and STS reads) and ask
for errors (DBClusterNotFoundFault, DBInstanceNotFound,
InvalidParameterValue, IAM's NoSuchEntity).
"""
import argparse
import base64
import datetime
import importlib.util
import json
import os
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ACCOUNT = "123456789012"
FROZEN = datetime.datetime(2026, 3, 4, 5, 6, 7, 123456, tzinfo=datetime.timezone.utc)


def load_launcher():
    sys.path.insert(0, HERE)
    spec = importlib.util.spec_from_file_location("moto_server", os.path.join(HERE, "moto-server.py"))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    import moto_fast_replies
    moto_fast_replies.install()
    return mod, moto_fast_replies


def seed_fleet():
    """tests/tools/seed-fleet.py, for its cluster() and instance()."""
    spec = importlib.util.spec_from_file_location("seed_fleet", os.path.join(HERE, "seed-fleet.py"))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def make_deterministic():
    """Every moto module's utcnow() returns FROZEN; uuid4() (which moto's
    RDS calls for secret names) draws from moto's seeded generator."""
    import uuid
    from moto.core import utils as core_utils
    from moto.moto_api._internal import mock_random
    uuid.uuid4 = mock_random.uuid4
    real = core_utils.utcnow
    for name, mod in list(sys.modules.items()):
        if name.startswith("moto") and getattr(mod, "utcnow", None) is real:
            mod.utcnow = lambda: FROZEN.replace(tzinfo=None)


class Local:
    """The launcher's WSGI app in this process."""

    def __init__(self, launcher):
        from moto.server import DomainDispatcherApplication, create_backend_app
        from werkzeug.test import Client
        self.client = Client(launcher.Seeder(DomainDispatcherApplication(create_backend_app)))

    def call(self, service, params):
        version = VERSIONS[service]
        params = dict(params)
        params.setdefault("Version", version)
        auth = (f"AWS4-HMAC-SHA256 Credential=testing/20260304/us-east-1/{service}/aws4_request, "
                "SignedHeaders=host, Signature=0")
        r = self.client.post("/", data=params, headers={"Authorization": auth,
                                                        "Host": "127.0.0.1:5000"})
        return r.status, list(r.headers.items()), r.get_data()

    def seed(self, doc):
        r = self.client.post("/_ag/seed-rds", data=json.dumps(doc))
        return r.status, list(r.headers.items()), r.get_data()


VERSIONS = {"rds": "2014-10-31", "iam": "2010-05-08", "sts": "2011-06-15"}


def worker():
    """One launcher, fed requests as JSON lines on stdin, replying on stdout."""
    launcher, fast = load_launcher()
    make_deterministic()
    from moto.moto_api._internal import mock_random
    mock_random.seed(20260304)
    app = Local(launcher)
    out = sys.stdout
    sys.stdout = sys.stderr
    for line in sys.stdin:
        req = json.loads(line)
        if req["kind"] == "seed":
            status, headers, body = app.seed(req["doc"])
        elif req["kind"] == "served":
            status, headers, body = "200 OK", [], json.dumps(sorted(fast.COMPILED)).encode()
        else:
            try:
                status, headers, body = app.call(req["service"], req["params"])
            except Exception as e:  # both launchers must fail alike
                status, headers, body = "exception", [], f"{type(e).__name__}: {e}".encode()
        out.write(json.dumps({"status": status, "headers": headers,
                              "body": base64.b64encode(body).decode()}) + "\n")
        out.flush()
    return 0


class Twin:
    """The stock and the fast launcher; every reply compared."""

    def __init__(self):
        self.procs = {}
        for mode in ("stock", "fast"):
            env = dict(os.environ, AG_MOTO_SERIALIZER=mode, PYTHONHASHSEED="0")
            self.procs[mode] = subprocess.Popen(
                [sys.executable, os.path.abspath(__file__), "--worker"], env=env,
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        self.compared = self.different = self.bytes = 0

    def close(self):
        for p in self.procs.values():
            p.stdin.close()
            p.wait()

    def _ask(self, req):
        replies = {}
        for mode, p in self.procs.items():
            p.stdin.write(json.dumps(req) + "\n")
            p.stdin.flush()
        for mode, p in self.procs.items():
            line = p.stdout.readline()
            if not line:
                raise SystemExit(f"moto-replies-check: the {mode} launcher stopped")
            r = json.loads(line)
            replies[mode] = (r["status"], [tuple(h) for h in r["headers"]],
                             base64.b64decode(r["body"]))
        return replies

    def send(self, req):
        replies = self._ask(req)
        a, b = replies["stock"], replies["fast"]
        self.compared += 1
        self.bytes += len(a[2])
        if a != b:
            self.different += 1
            at = next((i for i in range(min(len(a[2]), len(b[2]))) if a[2][i] != b[2][i]),
                      min(len(a[2]), len(b[2])))
            print(f"DIFFERENT: {json.dumps(req)[:300]}\n  stock: {a[0]} {a[1]}\n"
                  f"  fast:  {b[0]} {b[1]}\n  body from byte {at}:\n"
                  f"  stock: {a[2][max(0, at - 80):at + 120]!r}\n"
                  f"  fast:  {b[2][max(0, at - 80):at + 120]!r}")
        return a

    def served(self):
        return json.loads(self._ask({"kind": "served"})["fast"][2])

    def call(self, service, params):
        return self.send({"kind": "call", "service": service, "params": params})

    def rds(self, **params):
        return self.call("rds", params)

    def iam(self, **params):
        return self.call("iam", params)

    def sts(self, **params):
        return self.call("sts", params)

    def seed(self, doc):
        status, _, body = self.send({"kind": "seed", "doc": doc})
        if not status.startswith("200"):
            raise SystemExit(f"moto-replies-check: seeding failed: {body!r}")


def expect_ok(what, reply):
    status, _, body = reply
    if not status.startswith("200"):
        raise SystemExit(f"moto-replies-check: {what}: {status}: {body[:500]!r}")
    return body


def tags(prefix, pairs):
    out = {}
    for i, (k, v) in enumerate(pairs, 1):
        out[f"{prefix}.Tag.{i}.Key"] = k
        out[f"{prefix}.Tag.{i}.Value"] = v
    return out


ODD_VALUES = [("team", "a&b <c> \"d\" 'e'"), ("note", "ünïcode € ✓"),
              ("empty", ""), ("lines", "one\ntwo"), ("markup", "</Value><Key>x</Key>"),
              ("amp", "&amp;&lt;"), ("gt", "x > y"), ("lt", "x < y"), ("and", "x & y")]


def build_fleet(srv, n):
    """The varied fleet; every request here is checked by the serializer's
    check mode."""
    trust = json.dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"Service": "monitoring.rds.amazonaws.com"},
        "Action": "sts:AssumeRole"}]})
    body = expect_ok("CreateRole", srv.iam(Action="CreateRole", RoleName="rds-monitoring",
                                           AssumeRolePolicyDocument=trust,
                                           Description="monitoring & <more>"))
    role = body.decode().split("<Arn>")[1].split("</Arn>")[0]
    expect_ok("AttachRolePolicy", srv.iam(
        Action="AttachRolePolicy", RoleName="rds-monitoring",
        PolicyArn="arn:aws:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole"))
    expect_ok("CreateDBClusterParameterGroup", srv.rds(
        Action="CreateDBClusterParameterGroup", DBClusterParameterGroupName="pg-odd",
        DBParameterGroupFamily="aurora-postgresql16", Description="params <&> \"q\"",
        **tags("Tags", [("k", "v&v")])))
    expect_ok("ModifyDBClusterParameterGroup", srv.rds(
        Action="ModifyDBClusterParameterGroup", DBClusterParameterGroupName="pg-odd",
        **{"Parameters.Parameter.1.ParameterName": "log_min_duration_statement",
           "Parameters.Parameter.1.ParameterValue": "1000",
           "Parameters.Parameter.1.ApplyMethod": "immediate",
           "Parameters.Parameter.2.ParameterName": "shared_preload_libraries",
           "Parameters.Parameter.2.ParameterValue": "pg_stat_statements,auto_explain",
           "Parameters.Parameter.2.ApplyMethod": "pending-reboot"}))
    expect_ok("CreateDBParameterGroup", srv.rds(
        Action="CreateDBParameterGroup", DBParameterGroupName="ipg",
        DBParameterGroupFamily="aurora-postgresql16", Description="instance > cluster"))
    # a cluster with every kind of tag value, two instances (one with
    # Performance Insights and Enhanced Monitoring, one without), logs
    # exports and the parameter group
    expect_ok("CreateDBCluster odd", srv.rds(
        Action="CreateDBCluster", DBClusterIdentifier="odd-1", Engine="aurora-postgresql",
        EngineVersion="16.1", MasterUsername="master", MasterUserPassword="secret-pass-1",
        DBClusterParameterGroupName="pg-odd", BackupRetentionPeriod="7",
        DeletionProtection="true", StorageEncrypted="true", CopyTagsToSnapshot="true",
        **{"EnableCloudwatchLogsExports.member.1": "postgresql"},
        **tags("Tags", ODD_VALUES)))
    expect_ok("CreateDBInstance writer", srv.rds(
        Action="CreateDBInstance", DBInstanceIdentifier="odd-1-a", DBClusterIdentifier="odd-1",
        DBInstanceClass="db.r6g.large", Engine="aurora-postgresql", PromotionTier="0",
        EnablePerformanceInsights="true", PerformanceInsightsRetentionPeriod="31",
        MonitoringInterval="60", MonitoringRoleArn=role, DBParameterGroupName="ipg",
        **tags("Tags", [("role", "writer <w>")])))
    expect_ok("CreateDBInstance reader", srv.rds(
        Action="CreateDBInstance", DBInstanceIdentifier="odd-1-b", DBClusterIdentifier="odd-1",
        DBInstanceClass="db.r6g.xlarge", Engine="aurora-postgresql", PromotionTier="1",
        EnablePerformanceInsights="false", MonitoringInterval="0"))
    expect_ok("ModifyDBInstance", srv.rds(
        Action="ModifyDBInstance", DBInstanceIdentifier="odd-1-b", ApplyImmediately="true",
        MonitoringInterval="30", MonitoringRoleArn=role))
    # Serverless v2 (fractional capacity), no instances, no tags
    expect_ok("CreateDBCluster serverless", srv.rds(
        Action="CreateDBCluster", DBClusterIdentifier="sv2-1", Engine="aurora-mysql",
        EngineVersion="8.0.mysql_aurora.3.05.2", MasterUsername="admin",
        ManageMasterUserPassword="true",
        **{"ServerlessV2ScalingConfiguration.MinCapacity": "0.5",
           "ServerlessV2ScalingConfiguration.MaxCapacity": "4.5"}))
    expect_ok("ModifyDBCluster serverless", srv.rds(
        Action="ModifyDBCluster", DBClusterIdentifier="sv2-1", ApplyImmediately="true",
        EnableLocalWriteForwarding="true",
        **{"ServerlessV2ScalingConfiguration.MaxCapacity": "8"}))
    # a bare cluster (empty lists everywhere) and a global database
    expect_ok("CreateDBCluster bare", srv.rds(
        Action="CreateDBCluster", DBClusterIdentifier="Bare-Upper", Engine="aurora-postgresql",
        MasterUsername="m", MasterUserPassword="secret-pass-2"))
    expect_ok("CreateGlobalCluster", srv.rds(
        Action="CreateGlobalCluster", GlobalClusterIdentifier="glob-1",
        SourceDBClusterIdentifier=f"arn:aws:rds:us-east-1:{ACCOUNT}:cluster:odd-1"))
    expect_ok("CreateDBClusterSnapshot", srv.rds(
        Action="CreateDBClusterSnapshot", DBClusterIdentifier="odd-1",
        DBClusterSnapshotIdentifier="snap-1", **tags("Tags", [("why", "before <upgrade>")])))
    expect_ok("AddTagsToResource", srv.rds(
        Action="AddTagsToResource", ResourceName=f"arn:aws:rds:us-east-1:{ACCOUNT}:db:odd-1-b",
        **tags("Tags", [("added", "later & again")])))
    expect_ok("RebootDBInstance", srv.rds(Action="RebootDBInstance",
                                          DBInstanceIdentifier="odd-1-a"))
    # n clusters for paging (as tests/tools/seed-fleet.py makes them), half
    # of them with one instance, some with Performance Insights and
    # Enhanced Monitoring
    fleet = seed_fleet()
    clusters, instances = [], []
    for i in range(n):
        c = fleet.cluster(f"page-{i:04d}")
        c["DeletionProtection"] = i % 3 == 0
        c["Tags"] = [{"Key": "managed-by", "Value": f"fleet <{i}> & co"}]
        clusters.append(c)
        if i % 2:
            d = fleet.instance(c["DBClusterIdentifier"], 1, role)
            d["PromotionTier"] = i % 16
            d["EnablePerformanceInsights"] = i % 4 == 1
            if i % 8 != 1:
                d["MonitoringInterval"] = 0
                del d["MonitoringRoleArn"]
            instances.append(d)
    srv.seed({"region": "us-east-1", "clusters": clusters, "instances": instances})


def pages(srv, action, size):
    """Every page's request parameters of a paged describe."""
    out, marker = [], None
    while True:
        params = {"Action": action, "MaxRecords": str(size)}
        if marker:
            params["Marker"] = marker
        out.append(params)
        body = expect_ok(action, srv.rds(**params)).decode()
        if "<Marker>" not in body:
            return out
        marker = body.split("<Marker>")[1].split("</Marker>")[0]


def read_requests(srv):
    """(service, params) of every read and error request to compare."""
    reqs = []
    for size in (20, 100):
        reqs += [("rds", p) for p in pages(srv, "DescribeDBClusters", size)]
        reqs += [("rds", p) for p in pages(srv, "DescribeDBInstances", size)]
    arns = []
    for p in pages(srv, "DescribeDBClusters", 100) + \
            pages(srv, "DescribeDBInstances", 100):
        body = srv.rds(**p)[2].decode()
        for tag in ("DBClusterArn", "DBInstanceArn"):
            arns += [part.split("</")[0] for part in body.split(f"<{tag}>")[1:]]
    reqs += [("rds", {"Action": "ListTagsForResource", "ResourceName": a}) for a in arns]
    reqs += [("rds", p) for p in [
        {"Action": "DescribeDBClusters", "DBClusterIdentifier": "odd-1"},
        {"Action": "DescribeDBClusters", "Filters.Filter.1.Name": "db-cluster-id",
         "Filters.Filter.1.Values.Value.1": "sv2-1"},
        {"Action": "DescribeDBInstances", "Filters.Filter.1.Name": "db-cluster-id",
         "Filters.Filter.1.Values.Value.1": "odd-1"},
        {"Action": "DescribeDBSubnetGroups"},
        {"Action": "DescribeDBClusterParameterGroups"},
        {"Action": "DescribeDBClusterParameters", "DBClusterParameterGroupName": "pg-odd"},
        {"Action": "DescribeDBParameterGroups"},
        {"Action": "DescribeGlobalClusters"},
        {"Action": "DescribeDBClusterSnapshots"},
        {"Action": "DescribeEvents"},
        {"Action": "DescribePendingMaintenanceActions"},
        {"Action": "DescribeOrderableDBInstanceOptions", "Engine": "aurora-postgresql"},
        {"Action": "ListTagsForResource",
         "ResourceName": f"arn:aws:rds:us-east-1:{ACCOUNT}:cluster-pg:pg-odd"},
        # errors
        {"Action": "DescribeDBClusters", "DBClusterIdentifier": "no-such-cluster"},
        {"Action": "DescribeDBInstances", "DBInstanceIdentifier": "no-such-instance"},
        {"Action": "DescribeDBClusters", "MaxRecords": "5"},
        {"Action": "DescribeDBClusters", "Marker": "bm90LWEtbWFya2Vy"},
        {"Action": "DescribeDBClusterParameters", "DBClusterParameterGroupName": "no-such"},
    ]]
    reqs += [("iam", p) for p in [
        {"Action": "GetRole", "RoleName": "rds-monitoring"},
        {"Action": "ListRoles"},
        {"Action": "ListAttachedRolePolicies", "RoleName": "rds-monitoring"},
        {"Action": "GetRole", "RoleName": "no-such-role"},
    ]]
    reqs += [("sts", {"Action": "GetCallerIdentity"})]
    return reqs


ENRICH_BODIES = [
    "<R><ResponseMetadata><RequestId>x</RequestId></ResponseMetadata></R>",
    "<R><RequestId></RequestId></R>", "<R><RequestId>a\nb</RequestId></R>",
    "<R>one\ntwo<RequestId>a</RequestId>x</RequestId>\n</RequestId></R>",
    "<R><RequestId>no end</R>", "<R><RequestId>1</RequestId><RequestId>2</RequestId></R>",
    "<R>no id</R>", "", "<RequestId>", "<RequestId></RequestId>\n"]


def check_enrich():
    """moto's request id substitution and the launcher's, on edge cases."""
    from moto.moto_api._internal import mock_random
    _, fast = load_launcher()
    bad = 0
    for body in ENRICH_BODIES:
        for status in ({}, {"status": 404}):
            out = []
            for mode in ("stock", "fast"):
                fast.MODE = mode
                mock_random.seed(3)
                out.append(fast.BaseResponse._enrich_response(dict(status), body))
            if out[0] != out[1]:
                bad += 1
                print(f"DIFFERENT request id substitution: {body!r}: {out[0]!r} / {out[1]!r}")
    return bad


def check(n):
    bad = check_enrich()
    twin = Twin()
    try:
        build_fleet(twin, n)
        for service, params in read_requests(twin):
            twin.call(service, params)
        served = twin.served()
    finally:
        twin.close()
    print(f"moto-replies-check: {twin.compared} replies compared ({twin.bytes} bytes): "
          f"{twin.compared - twin.different} identical, {twin.different} different; "
          f"the fast path served {len(served)} operations: {', '.join(served)}")
    if not {"DescribeDBClusters", "DescribeDBInstances", "ListTagsForResource",
            "DescribeDBSubnetGroups"} <= set(served):
        print("moto-replies-check: the fast path did not serve the describes")
        return 1
    return 1 if twin.different or bad else 0


def bench(n):
    launcher, fast = load_launcher()
    srv = Local(launcher)
    fleet = seed_fleet()
    body = expect_ok("CreateRole", srv.call("iam", {
        "Action": "CreateRole", "RoleName": fleet.MONITORING_ROLE,
        "AssumeRolePolicyDocument": fleet.TRUST}))
    role = body.decode().split("<Arn>")[1].split("</Arn>")[0]
    ids = [f"bench-{i:05d}" for i in range(n)]
    expect_ok("seeding", srv.seed({"region": "us-east-1",
                                   "clusters": [fleet.cluster(c) for c in ids],
                                   "instances": [fleet.instance(c, 1, role) for c in ids]}))
    arn = f"arn:aws:rds:us-east-1:{ACCOUNT}:cluster:bench-00001"
    cases = [("DescribeDBClusters page of 100", {"Action": "DescribeDBClusters"}, 5),
             ("DescribeDBInstances page of 100", {"Action": "DescribeDBInstances"}, 5),
             ("DescribeDBSubnetGroups", {"Action": "DescribeDBSubnetGroups"}, 200),
             ("ListTagsForResource", {"Action": "ListTagsForResource", "ResourceName": arn}, 200)]
    print(f"{'request':34} {'stock ms':>9} {'fast ms':>9}  (CPU time per request, "
          f"load {os.getloadavg()[0]:.1f})")
    for name, params, reps in cases:
        srv.call("rds", params)
        row = []
        for mode in ("stock", "fast"):
            fast.MODE = mode
            srv.call("rds", params)
            t = time.process_time()
            for _ in range(reps):
                srv.call("rds", params)
            row.append((time.process_time() - t) / reps * 1000)
        print(f"{name:34} {row[0]:9.2f} {row[1]:9.2f}")
    return 0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--clusters", type=int, default=150)
    ap.add_argument("--bench", type=int, metavar="N")
    ap.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.worker:
        return worker()
    if args.bench:
        return bench(args.bench)
    return check(args.clusters)


if __name__ == "__main__":
    sys.exit(main())
