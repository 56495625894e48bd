#!/usr/bin/env python3
"""moto's server, with a request recorder for the conformance check.

  moto-server.py -H 127.0.0.1 -p PORT

Runs moto exactly as `python3 -m moto.server` does. When AG_REQUEST_LOG names a
file, every request whose User-Agent is aurora-gitops's is appended to it as one
JSON line: {"method", "path", "query", "content_type", "service", "body"} (the
service from the SigV4 credential scope). Setup requests made with boto3 are
not recorded. Master passwords are replaced by '*' of the same length.

It also adds what moto lacks and the agent uses: ResetDBClusterParameterGroup
and EnableHttpEndpoint / DisableHttpEndpoint (moto 5 raises NotImplementedError
for them; RDS offers the Data API on provisioned and Serverless v2 clusters).
And it corrects two departures from real AWS:
- CreateDBCluster with ReplicationSourceIdentifier: AWS takes no master user
  or password (a replica inherits both from its source); moto insists on
  MasterUsername and MasterUserPassword.
- ModifyDBSubnetGroup: moto removes the group it modifies and never stores it
  back, so the group is gone afterwards.
"""
import argparse
import io
import json
import os
import re
import sys
import threading
import urllib.parse

from moto.core.responses import ActionResult
from moto.rds import models as rds_models
from moto.rds.exceptions import DBClusterNotFoundError, DBClusterParameterGroupNotFoundError
from moto.rds.responses import RDSResponse
from moto.server import DomainDispatcherApplication, create_backend_app
from werkzeug.serving import run_simple

SECRET_KEYS = re.compile(
    r"(^|\.)(MasterUserPassword|NewMasterUserPassword|Password|WebIdentityToken)$")
_lock = threading.Lock()


def redact(body):
    pairs = urllib.parse.parse_qsl(body, keep_blank_values=True)
    out = [(k, "*" * len(v) if SECRET_KEYS.search(k) else v) for k, v in pairs]
    return urllib.parse.urlencode(out, quote_via=urllib.parse.quote)


class Recorder:
    def __init__(self, app, path):
        self.app = app
        self.path = path

    def __call__(self, environ, start_response):
        if environ.get("HTTP_USER_AGENT", "").startswith("aurora-gitops/"):
            try:
                n = int(environ.get("CONTENT_LENGTH") or 0)
            except ValueError:
                n = 0
            body = environ["wsgi.input"].read(n) if n > 0 else b""
            environ["wsgi.input"] = io.BytesIO(body)
            auth = environ.get("HTTP_AUTHORIZATION", "")
            m = re.search(r"Credential=[^/]+/[0-9]+/[^/]+/([^/]+)/aws4_request", auth)
            rec = {
                "method": environ.get("REQUEST_METHOD"),
                "path": environ.get("PATH_INFO"),
                "query": environ.get("QUERY_STRING", ""),
                "content_type": environ.get("CONTENT_TYPE", ""),
                "service": m.group(1) if m else None,
                "body": redact(body.decode("utf-8", "replace")),
            }
            with _lock, open(self.path, "a") as f:
                f.write(json.dumps(rec) + "\n")
        return self.app(environ, start_response)


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
    return _create_db_cluster(self, kwargs)


def modify_db_subnet_group(self, subnet_name, description, subnets):
    group = _modify_db_subnet_group(self, subnet_name, description, subnets)
    self.subnet_groups[subnet_name] = group
    return group


rds_models.RDSBackend.create_db_cluster = create_db_cluster
rds_models.RDSBackend.modify_db_subnet_group = modify_db_subnet_group


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("-H", "--host", default="127.0.0.1")
    ap.add_argument("-p", "--port", type=int, default=5000)
    args = ap.parse_args()
    os.environ.setdefault("MOTO_PORT", str(args.port))
    app = DomainDispatcherApplication(create_backend_app)
    path = os.environ.get("AG_REQUEST_LOG")
    if path:
        os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
        app = Recorder(app, path)
    run_simple(args.host, args.port, app, threaded=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
