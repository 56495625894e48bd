#!/usr/bin/env python3
"""moto's server, with a request recorder for the conformance check.

  moto-server.py -H 127.0.0.1 -p PORT [--state FILE]

Runs moto exactly as `python3 -m moto.server` does. When AG_REQUEST_LOG names a
file, every request whose User-Agent is aurora-gitops's is appended to it as one
JSON line: {"method", "path", "query", "content_type", "service", "body"} (the
service from the SigV4 credential scope). Setup requests made with boto3 are
not recorded, unless AG_REQUEST_LOG_ALL=1: then every AWS request is, whoever
sends it, with its "user_agent" (benchmarks count other clients' requests
server-side this way). Master passwords are replaced by '*' of the same length.

It also adds what moto lacks and the agent uses: ResetDBClusterParameterGroup
and EnableHttpEndpoint / DisableHttpEndpoint (moto 5 raises NotImplementedError
for them; RDS offers the Data API on provisioned and Serverless v2 clusters),
DescribePendingMaintenanceActions (from the file AG_MOTO_PENDING_MAINTENANCE)
and the "DB cluster created" event.

With --state FILE, moto's in-memory state survives a restart, as AWS's
does: after every request that may change something (any action but
Describe*, List*, Get*) every backend in use is pickled to FILE (a temporary
file, fsync, rename), and a server started with an existing FILE loads it
first. Requests are then served one at a time, so a snapshot is never taken
in the middle of one. A server killed with SIGKILL comes back with what
every request it answered did.

And it corrects three departures from real AWS:
- CreateDBCluster with ReplicationSourceIdentifier: AWS takes no master user
  or password (a replica inherits both from its source); moto insists on
  MasterUsername and MasterUserPassword.
- ModifyDBSubnetGroup: moto removes the group it modifies and never stores it
  back, so the group is gone afterwards.
- DescribeDBClusters and DescribeDBInstances page as AWS pages them: at most
  MaxRecords items a reply (default 100; a value outside 20..100 is refused
  with InvalidParameterValue, as AWS refuses it), ordered by identifier, with
  an opaque Marker for the next page (absent on the last one). moto answers
  DescribeDBClusters in one reply whatever MaxRecords says, which at 10,000
  clusters is a reply no real client ever sees.

Replies of the Query protocol (RDS, IAM, STS) are written by
moto_fast_replies.py (next to this file) rather than moto's reflective
serializer: the same bytes, at about a tenth of the cost per record, so a
benchmark's wall time is the clients' and not moto's serializer's.
AG_MOTO_SERIALIZER=stock or --stock-serializer keeps moto's own;
moto-replies-check.py proves the two equal.

Two additions serve fleet-sized tests and benchmarks only and change no
answer: a cluster finds its member instances through an index kept beside
the backend's instance table (moto scans every instance for every cluster,
which makes one DescribeDBClusters page over 10,000 clusters take seconds);
and POST /_ag/seed-rds loads clusters and instances straight into the
backend (a JSON body {"region": R, "clusters": [CreateDBCluster params],
"instances": [CreateDBInstance params]}, API member names), which seeds
10,000 clusters in a fraction of the time 30,000 API calls take. Seeded
objects are the ones CreateDBCluster/CreateDBInstance would make, from the
same backend calls; requests to /_ag/ are not recorded.

And it keeps what moto drops: Performance Insights (EnablePerformanceInsights,
PerformanceInsightsRetentionPeriod, PerformanceInsightsKMSKeyId) and Enhanced
Monitoring (MonitoringInterval, MonitoringRoleArn) of DB instances, through
CreateDBInstance, ModifyDBInstance and DescribeDBInstances, with AWS's rules:
retention 7 by default and only with Performance Insights on, a monitoring
interval other than 0 only with a role, and the role must exist in IAM
(InvalidParameterValue otherwise, as RDS answers for a role it cannot use).
- Pending reboot: moto reports every cluster member's
  DBClusterParameterGroupStatus as "in-sync". Here a parameter modified with
  ApplyMethod=pending-reboot marks the members of the clusters that use the
  group "pending-reboot" until RebootDBInstance reboots that instance.
- Cluster fields moto does not keep: EngineLifecycleSupport (set at create,
  AWS's default open-source-rds-extended-support) and local write forwarding
  (EnableLocalWriteForwarding on create and modify, shown as
  LocalWriteForwardingStatus enabled / disabled).
- ModifyDBCluster with ScalingConfiguration or ServerlessV2ScalingConfiguration:
  AWS changes the members given and keeps the others; moto replaces the whole
  structure, dropping what was not sent.
- Global databases: CreateGlobalCluster with SourceDBClusterIdentifier makes
  the source its primary (moto records the global cluster's ARN as the
  cluster's GlobalClusterIdentifier and no writer); RemoveFromGlobalCluster
  leaves the removed cluster standalone (moto keeps it pointing at the
  global cluster).
"""
import argparse
import base64
import importlib
import io
import json
import os
import pickle
import re
import sys
import threading
import urllib.parse

from moto.core.parse import XFormedDict
from moto.core.base_backend import BackendDict
from moto.core.responses import ActionResult
from moto.rds import models as rds_models
from moto.rds.exceptions import (DBClusterNotFoundError, DBClusterParameterGroupNotFoundError,
                                 InvalidParameterValue)
from moto.rds.responses import RDSResponse
from moto.rds.models import rds_backends
from moto.server import DomainDispatcherApplication, create_backend_app
from moto.utilities.utils import CaseInsensitiveDict
from werkzeug.serving import run_simple

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import moto_fast_replies  # noqa: E402

SECRET_KEYS = re.compile(
    r"(^|\.)(MasterUserPassword|NewMasterUserPassword|Password|WebIdentityToken)$")
_lock = threading.Lock()


def redact(body):
    pairs = urllib.parse.parse_qsl(body, keep_blank_values=True)
    out = [(k, "*" * len(v) if SECRET_KEYS.search(k) else v) for k, v in pairs]
    return urllib.parse.urlencode(out, quote_via=urllib.parse.quote)


class Recorder:
    def __init__(self, app, path, everyone=False):
        self.app = app
        self.path = path
        self.everyone = everyone

    def __call__(self, environ, start_response):
        ua = environ.get("HTTP_USER_AGENT", "")
        if ua.startswith("aurora-gitops/") or (
                self.everyone and environ.get("HTTP_AUTHORIZATION", "").startswith("AWS4-")):
            try:
                n = int(environ.get("CONTENT_LENGTH") or 0)
            except ValueError:
                n = 0
            body = environ["wsgi.input"].read(n) if n > 0 else b""
            environ["wsgi.input"] = io.BytesIO(body)
            auth = environ.get("HTTP_AUTHORIZATION", "")
            m = re.search(r"Credential=[^/]+/[0-9]+/[^/]+/([^/]+)/aws4_request", auth)
            ctype = environ.get("CONTENT_TYPE", "")
            text = body.decode("utf-8", "replace")
            rec = {
                "method": environ.get("REQUEST_METHOD"),
                "path": environ.get("PATH_INFO"),
                "query": environ.get("QUERY_STRING", ""),
                "content_type": ctype,
                "service": m.group(1) if m else None,
                # JSON 1.1 services (KMS, Application Auto Scaling) carry the
                # operation in X-Amz-Target and no password in the body
                "target": environ.get("HTTP_X_AMZ_TARGET"),
                "body": text if "json" in ctype else redact(text),
            }
            if self.everyone:
                rec["user_agent"] = ua
            with _lock, open(self.path, "a") as f:
                f.write(json.dumps(rec) + "\n")
        return self.app(environ, start_response)


READ_ONLY = re.compile(r"^(Describe|List|Get)")


def request_action(environ, body):
    """The operation a request asks for: the Query Action (form body or query
    string) or the JSON protocols' X-Amz-Target; "" when none."""
    target = environ.get("HTTP_X_AMZ_TARGET", "")
    if target:
        return target.rsplit(".", 1)[-1]
    for src in (body.decode("utf-8", "replace"), environ.get("QUERY_STRING", "")):
        action = dict(urllib.parse.parse_qsl(src)).get("Action")
        if action:
            return action
    return ""


def load_key(der):
    from cryptography.hazmat.primitives import serialization
    return serialization.load_der_private_key(der, None)


class KeyPickler(pickle.Pickler):
    """Pickles the private keys some backends hold (KMS, Secrets Manager) as
    unencrypted PKCS#8 DER; cryptography's key objects do not pickle."""

    def reducer_override(self, obj):
        from cryptography.hazmat.primitives import serialization
        from cryptography.hazmat.primitives.asymmetric import dsa, ec, ed25519, rsa
        if isinstance(obj, (rsa.RSAPrivateKey, ec.EllipticCurvePrivateKey,
                            ed25519.Ed25519PrivateKey, dsa.DSAPrivateKey)):
            der = obj.private_bytes(serialization.Encoding.DER,
                                    serialization.PrivateFormat.PKCS8,
                                    serialization.NoEncryption())
            return load_key, (der,)
        return NotImplemented


class StateKeeper:
    """--state FILE: loads the backends from FILE at start and writes them
    back after every request that may have changed them."""

    def __init__(self, app, path):
        self.app = app
        self.path = path
        self.lock = threading.Lock()
        if os.path.exists(path):
            self.restore()

    @staticmethod
    def key(bd):
        return (bd.backend.__module__, bd.service_name)

    def restore(self):
        with open(self.path, "rb") as f:
            data = pickle.load(f)
        for (module, service), accounts in data.items():
            mod = importlib.import_module(module)
            bd = next(v for v in vars(mod).values()
                      if isinstance(v, BackendDict) and v.service_name == service)
            for account, regions in accounts.items():
                per_account = bd[account]
                if bd not in BackendDict._instances:
                    BackendDict._instances.append(bd)
                for region, backend in regions.items():
                    per_account[region] = backend
        print("moto-server: state loaded from %s" % self.path, file=sys.stderr, flush=True)

    def dump(self):
        data = {}
        for bd in BackendDict._instances:
            data[self.key(bd)] = {a: dict(asb) for a, asb in bd.items()}
        tmp = self.path + ".tmp"
        with open(tmp, "wb") as f:
            KeyPickler(f).dump(data)
            f.flush()
            os.fsync(f.fileno())
        os.rename(tmp, self.path)

    def __call__(self, environ, start_response):
        try:
            n = int(environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            n = 0
        body = environ["wsgi.input"].read(n) if n > 0 else b""
        environ["wsgi.input"] = io.BytesIO(body)
        action = request_action(environ, body)
        changes = not READ_ONLY.match(action) and (
            action or environ.get("REQUEST_METHOD") != "GET")
        with self.lock:
            out = list(self.app(environ, start_response))
            if changes:
                self.dump()
        return out


def reset_db_cluster_parameter_group(self):
    """ResetDBClusterParameterGroup: the named parameters (or all of them with
    ResetAllParameters) go back to the engine default, i.e. leave the group."""
    name = self.params.get("DBClusterParameterGroupName")
    group = self.backend.db_cluster_parameter_groups.get(name)
    if group is None:
        raise DBClusterParameterGroupNotFoundError(name)
    if str(self.params.get("ResetAllParameters", "")).lower() == "true":
        group.parameters.clear()
    for p in self.params.get("Parameters", []):
        group.parameters.pop(p.original_dict().get("ParameterName"), None)
    return ActionResult({"DBClusterParameterGroupName": group.name})


def set_http_endpoint(self, on):
    arn = self.params.get("ResourceArn")
    for c in self.backend.clusters.values():
        if c.db_cluster_arn == arn:
            c._enable_http_endpoint = on
            return ActionResult({"ResourceArn": arn, "HttpEndpointEnabled": on})
    raise DBClusterNotFoundError(arn)


PAGE_DEFAULT, PAGE_MIN, PAGE_MAX = 100, 20, 100
MARKER_PREFIX = "ag1:"


def page_of(params, items, ident):
    """One page of items (sorted by ident, case-insensitively, as RDS compares
    identifiers) for MaxRecords/Marker in params: (page, next marker or None).
    The marker names the last identifier returned, so a page stays right when
    items are added or removed between two calls."""
    raw = params.get("MaxRecords")
    if raw is None or raw == "":
        size = PAGE_DEFAULT
    else:
        try:
            size = int(raw)
        except (TypeError, ValueError):
            raise InvalidParameterValue(f"Invalid value {raw} for MaxRecords")
        if not PAGE_MIN <= size <= PAGE_MAX:
            raise InvalidParameterValue(
                f"Invalid value {size} for MaxRecords. Must be between {PAGE_MIN} and {PAGE_MAX}")
    items = sorted(items, key=lambda x: ident(x).lower())
    start = 0
    marker = params.get("Marker")
    if marker:
        try:
            text = base64.urlsafe_b64decode(marker.encode("ascii")).decode("utf-8")
        except Exception:
            text = ""
        if not text.startswith(MARKER_PREFIX):
            raise InvalidParameterValue(f"Invalid marker: {marker}")
        last = text[len(MARKER_PREFIX):]
        while start < len(items) and ident(items[start]).lower() <= last:
            start += 1
    page = items[start:start + size]
    more = start + size < len(items)
    nxt = None
    if more:
        nxt = base64.urlsafe_b64encode(
            (MARKER_PREFIX + ident(page[-1]).lower()).encode("utf-8")).decode("ascii")
    return page, nxt


def filter_dict(params):
    return {f["Name"]: f["Values"] for f in params.get("Filters", [])}


def describe_db_clusters(self):
    clusters = self.backend.describe_db_clusters(
        db_cluster_identifier=self.params.get("DBClusterIdentifier"),
        filters=filter_dict(self.params))
    page, nxt = page_of(self.params, clusters, lambda c: c.db_cluster_identifier)
    result = {"DBClusters": page}
    if nxt:
        result["Marker"] = nxt
    return ActionResult(result)


def describe_db_instances(self):
    databases = self.backend.describe_db_instances(
        self.params.get("DBInstanceIdentifier"), filters=filter_dict(self.params))
    page, nxt = page_of(self.params, list(databases), lambda d: d.db_instance_identifier)
    result = {"DBInstances": page}
    if nxt:
        result["Marker"] = nxt
    return ActionResult(result)


RDSResponse.describe_db_clusters = describe_db_clusters
RDSResponse.describe_db_instances = describe_db_instances

for name, fn in [("reset_db_cluster_parameter_group", reset_db_cluster_parameter_group),
                 ("enable_http_endpoint", lambda self: set_http_endpoint(self, True)),
                 ("disable_http_endpoint", lambda self: set_http_endpoint(self, False))]:
    if not hasattr(RDSResponse, name):
        setattr(RDSResponse, name, fn)


_create_db_cluster = rds_models.RDSBackend.create_db_cluster
_modify_db_subnet_group = rds_models.RDSBackend.modify_db_subnet_group


def create_db_cluster(self, kwargs):
    if kwargs.get("replication_source_identifier") and not kwargs.get("master_username"):
        kwargs = dict(kwargs, master_username="inherited-from-source")
        if not kwargs.get("manage_master_user_password"):
            kwargs["master_user_password"] = "inherited-from-source"
    cluster = _create_db_cluster(self, kwargs)
    cluster.engine_lifecycle_support = (kwargs.get("engine_lifecycle_support")
                                        or "open-source-rds-extended-support")
    if kwargs.get("enable_local_write_forwarding") is not None:
        cluster.enable_local_write_forwarding = kwargs["enable_local_write_forwarding"]
    # AWS records a "DB cluster created" event (DescribeEvents, SourceType
    # db-cluster); moto records events for instances and snapshots only.
    cluster.event_source_type = "db-cluster"
    self.add_event("DB_CLUSTER_CREATE", cluster)
    return cluster


rds_models.Event.EVENT_MAP.setdefault(
    "DB_CLUSTER_CREATE", {"Categories": ["creation"], "Message": "DB cluster created"})


def describe_pending_maintenance_actions(self):
    """DescribePendingMaintenanceActions (moto 5 lacks it). AWS keeps pending
    maintenance per resource; here a test names it in the JSON file
    AG_MOTO_PENDING_MAINTENANCE ([{"ResourceIdentifier": ARN,
    "PendingMaintenanceActionDetails": [...]}], shown for every request).
    Without the file nothing is pending, as for a resource AWS has no action
    for."""
    path = os.environ.get("AG_MOTO_PENDING_MAINTENANCE")
    items = []
    if path and os.path.exists(path):
        with open(path) as f:
            items = json.load(f)
    # Filters db-cluster-id / db-instance-id select by the ARN's last part
    q = self.querystring
    for i in range(1, 10):
        name = q.get(f"Filters.Filter.{i}.Name", [None])[0]
        if name is None:
            break
        values = [v[0] for k, v in q.items() if k.startswith(f"Filters.Filter.{i}.Values.")]
        kind = {"db-cluster-id": ":cluster:", "db-instance-id": ":db:"}.get(name)
        if kind:
            items = [it for it in items if any(it["ResourceIdentifier"] == v or
                     it["ResourceIdentifier"].endswith(kind + v) for v in values)]
    return ActionResult({"PendingMaintenanceActions": items})


if not hasattr(RDSResponse, "describe_pending_maintenance_actions"):
    RDSResponse.describe_pending_maintenance_actions = describe_pending_maintenance_actions


_modify_db_cluster = rds_models.RDSBackend.modify_db_cluster


def modify_db_cluster(self, kwargs):
    cluster = self.clusters.get(kwargs.get("db_cluster_identifier"))
    if cluster is not None:
        kwargs = dict(kwargs)
        for key in ("scaling_configuration", "serverless_v2_scaling_configuration"):
            if kwargs.get(key):
                merged = dict(getattr(cluster, key, None) or {})
                merged.update(kwargs[key])
                kwargs[key] = merged
    return _modify_db_cluster(self, kwargs)


_create_global_cluster = rds_models.RDSBackend.create_global_cluster
_remove_from_global_cluster = rds_models.RDSBackend.remove_from_global_cluster


def create_global_cluster(self, global_cluster_identifier, source_db_cluster_identifier,
                          *args, **kwargs):
    g = _create_global_cluster(self, global_cluster_identifier, source_db_cluster_identifier,
                               *args, **kwargs)
    if source_db_cluster_identifier is not None:
        for c in g.members:
            c.global_cluster_identifier = g.global_cluster_identifier
            c.is_writer = len(g.members) == 1
    return g


def remove_from_global_cluster(self, global_cluster_identifier, db_cluster_identifier):
    g = _remove_from_global_cluster(self, global_cluster_identifier, db_cluster_identifier)
    for c in self.clusters.values():
        if c.db_cluster_arn == db_cluster_identifier or \
                c.db_cluster_identifier == db_cluster_identifier:
            c.global_cluster_identifier = None
            c.is_writer = False
    return g


def local_write_forwarding_status(self):
    on = getattr(self, "enable_local_write_forwarding", None)
    if on is None:
        return None
    return "enabled" if str(on).lower() == "true" else "disabled"


def modify_db_subnet_group(self, subnet_name, description, subnets):
    group = _modify_db_subnet_group(self, subnet_name, description, subnets)
    self.subnet_groups[subnet_name] = group
    return group


def db_cluster_members(self):
    return [{"DBInstanceIdentifier": m.db_instance_identifier,
             "IsClusterWriter": m.is_cluster_writer,
             "DBClusterParameterGroupStatus": getattr(m, "_ag_param_status", "in-sync"),
             "PromotionTier": m.promotion_tier} for m in self.members]


_modify_db_cluster_parameter_group = rds_models.RDSBackend.modify_db_cluster_parameter_group
_reboot_db_instance = rds_models.RDSBackend.reboot_db_instance


def modify_db_cluster_parameter_group(self, name, parameters):
    parameters = list(parameters)
    group = _modify_db_cluster_parameter_group(self, name, parameters)
    if any(str(p.get("ApplyMethod", "")) == "pending-reboot" for p in parameters):
        for c in self.clusters.values():
            if (c.parameter_group or "").lower() == group.name.lower():
                for m in c.members:
                    m._ag_param_status = "pending-reboot"
    return group


def reboot_db_instance(self, db_instance_identifier):
    db = _reboot_db_instance(self, db_instance_identifier)
    db._ag_param_status = "in-sync"
    return db


rds_models.DBCluster.db_cluster_members = property(db_cluster_members)
rds_models.DBCluster.local_write_forwarding_status = property(local_write_forwarding_status)
rds_models.RDSBackend.modify_db_cluster_parameter_group = modify_db_cluster_parameter_group
rds_models.RDSBackend.reboot_db_instance = reboot_db_instance
rds_models.RDSBackend.create_db_cluster = create_db_cluster
rds_models.RDSBackend.modify_db_cluster = modify_db_cluster
rds_models.RDSBackend.create_global_cluster = create_global_cluster
rds_models.RDSBackend.remove_from_global_cluster = remove_from_global_cluster
rds_models.RDSBackend.modify_db_subnet_group = modify_db_subnet_group

INSIGHTS_KEYS = ("enable_performance_insights", "performance_insights_retention_period",
                 "performance_insights_kms_key_id", "monitoring_interval", "monitoring_role_arn")


def _check_role(inst, arn):
    from moto.iam.models import iam_backends
    from moto.rds.exceptions import RDSClientError
    roles = iam_backends[inst.account_id][inst.partition].roles.values()
    if not any(r.arn == arn for r in roles):
        raise RDSClientError(
            "InvalidParameterValue",
            "IAM role ARN value is invalid or does not include the required permissions "
            "for: ENHANCED_MONITORING")


def apply_insights(inst, kw, creating):
    """The Performance Insights and monitoring members of kw, as AWS keeps them."""
    from moto.rds.exceptions import RDSClientError
    if creating:
        inst.performance_insights_enabled = False
        inst.performance_insights_retention_period = None
        inst.performance_insights_kms_key_id = None
        inst.monitoring_interval = 0
        inst.monitoring_role_arn = None
    on = kw.get("enable_performance_insights")
    if on is not None:
        on = str(on).lower() == "true"
    if on is False and (kw.get("performance_insights_retention_period") or
                        kw.get("performance_insights_kms_key_id")):
        raise RDSClientError("InvalidParameterCombination",
                             "Performance Insights settings need EnablePerformanceInsights")
    if on is True:
        if not inst.performance_insights_enabled:
            inst.performance_insights_retention_period = 7
        inst.performance_insights_enabled = True
        key = kw.get("performance_insights_kms_key_id")
        if key:
            if inst.performance_insights_kms_key_id and key != inst.performance_insights_kms_key_id:
                raise RDSClientError("InvalidParameterCombination",
                                     "The Performance Insights KMS key cannot be changed")
            inst.performance_insights_kms_key_id = key
        elif not inst.performance_insights_kms_key_id:
            inst.performance_insights_kms_key_id = (
                f"arn:{inst.partition}:kms:{inst.region}:{inst.account_id}:key/"
                "9e3a8c44-0d1f-4b6e-8c2a-7f1d2e3b4a5c")
        if kw.get("performance_insights_retention_period"):
            inst.performance_insights_retention_period = int(
                kw["performance_insights_retention_period"])
    elif on is False:
        inst.performance_insights_enabled = False
        inst.performance_insights_retention_period = None
    iv = kw.get("monitoring_interval")
    role = kw.get("monitoring_role_arn")
    if iv is not None:
        iv = int(iv)
        if iv > 0:
            role = role or inst.monitoring_role_arn
            if not role:
                raise RDSClientError(
                    "InvalidParameterCombination",
                    "A MonitoringRoleARN value is required if you specify a "
                    "MonitoringInterval value other than 0.")
            _check_role(inst, role)
            inst.monitoring_role_arn = role
        else:
            inst.monitoring_role_arn = None
        inst.monitoring_interval = iv
    elif role:
        _check_role(inst, role)
        inst.monitoring_role_arn = role


_instance_init = rds_models.DBInstance.__init__
_instance_update = rds_models.DBInstance.update


def instance_init(self, *args, **kwargs):
    _instance_init(self, *args, **kwargs)
    apply_insights(self, kwargs, True)


def instance_update(self, *args, **kwargs):
    kw = {k: kwargs.pop(k) for k in INSIGHTS_KEYS if k in kwargs}
    apply_insights(self, kw, False)
    return _instance_update(self, *args, **kwargs)


rds_models.DBInstance.__init__ = instance_init
rds_models.DBInstance.update = instance_update


def _with_monitoring_policy(self):
    """moto knows AWS managed policies only when it loads all of them (slow);
    the one the agent attaches is added on its own, from moto's own data."""
    import json
    from moto.iam import models as iam_models
    from moto.iam.aws_managed_policies import aws_managed_policies_data
    pols = _init_aws_policies(self)
    if not any(p.name == "AmazonRDSEnhancedMonitoringRole" for p in pols):
        d = json.loads(aws_managed_policies_data)["AmazonRDSEnhancedMonitoringRole"]
        pols.append(iam_models.AWSManagedPolicy.from_data(
            "AmazonRDSEnhancedMonitoringRole", self.account_id, self.region_name, d))
    return pols


from moto.iam import models as _iam_models  # noqa: E402
_init_aws_policies = _iam_models.IAMBackend._init_aws_policies
_iam_models.IAMBackend._init_aws_policies = _with_monitoring_policy


class InstanceTable(CaseInsensitiveDict):
    """The backend's instance table, with the clustered instances also
    indexed by cluster identifier (in insertion order, as moto's scan finds
    them). Every change goes through __setitem__/__delitem__."""

    def __init__(self, data=None):
        self.by_cluster = {}
        super().__init__(data or {})

    @staticmethod
    def _cluster_of(v):
        if isinstance(v, rds_models.DBInstanceClustered):
            return v.db_cluster_identifier
        return None

    def __setitem__(self, key, value):
        if key in self:
            self._unindex(self[key])
        super().__setitem__(key, value)
        cid = self._cluster_of(value)
        if cid is not None:
            self.by_cluster.setdefault(cid, {})[id(value)] = value

    def __delitem__(self, key):
        self._unindex(self[key])
        super().__delitem__(key)

    def _unindex(self, value):
        cid = self._cluster_of(value)
        if cid is not None:
            self.by_cluster.get(cid, {}).pop(id(value), None)

    def __reduce__(self):
        # the index is keyed by id(): rebuilt on unpickling (--state)
        return (type(self), (list(self.items()),))


def cluster_members(self):
    table = self.backend.databases
    if not isinstance(table, InstanceTable):
        return [d for d in table.values() if isinstance(d, rds_models.DBInstanceClustered)
                and d.db_cluster_identifier == self.resource_id]
    return [d for d in table.by_cluster.get(self.resource_id, {}).values()
            if d.db_cluster_identifier == self.resource_id]


_backend_init = rds_models.RDSBackend.__init__


def backend_init(self, *args, **kwargs):
    _backend_init(self, *args, **kwargs)
    self.databases = InstanceTable(self.databases)


rds_models.RDSBackend.__init__ = backend_init
rds_models.DBCluster._members = property(cluster_members)


def seed_rds(environ, start_response):
    """POST /_ag/seed-rds: see the module's docstring."""
    try:
        n = int(environ.get("CONTENT_LENGTH") or 0)
        doc = json.loads(environ["wsgi.input"].read(n) or b"{}")
        backend = rds_backends[doc.get("account", "123456789012")][doc.get("region", "us-east-1")]
        for params in doc.get("clusters", []):
            create_db_cluster(backend, XFormedDict(params))
        for params in doc.get("instances", []):
            backend.create_db_instance(XFormedDict(params))
        body = json.dumps({"clusters": len(doc.get("clusters", [])),
                           "instances": len(doc.get("instances", []))})
        status = "200 OK"
    except Exception as e:  # the caller sees what failed, as text
        body = json.dumps({"error": f"{type(e).__name__}: {e}"})
        status = "400 Bad Request"
    start_response(status, [("Content-Type", "application/json")])
    return [body.encode()]


class Seeder:
    def __init__(self, app):
        self.app = app

    def __call__(self, environ, start_response):
        if environ.get("PATH_INFO") == "/_ag/seed-rds" and environ.get("REQUEST_METHOD") == "POST":
            with _lock:
                return seed_rds(environ, start_response)
        return self.app(environ, start_response)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("-H", "--host", default="127.0.0.1")
    ap.add_argument("-p", "--port", type=int, default=5000)
    ap.add_argument("--state", help="keep moto's state in this file across restarts")
    ap.add_argument("--stock-serializer", action="store_true",
                    help="moto's own reply serializer (as AG_MOTO_SERIALIZER=stock)")
    args = ap.parse_args()
    if args.stock_serializer:
        moto_fast_replies.MODE = "stock"
    print(f"moto-server: reply serializer: {moto_fast_replies.install()}",
          file=sys.stderr, flush=True)
    os.environ.setdefault("MOTO_PORT", str(args.port))
    app = DomainDispatcherApplication(create_backend_app)
    path = os.environ.get("AG_REQUEST_LOG")
    if path:
        os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
        app = Recorder(app, path, os.environ.get("AG_REQUEST_LOG_ALL") == "1")
    app = Seeder(app)
    if args.state:
        app = StateKeeper(app, args.state)
    run_simple(args.host, args.port, app, threaded=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
