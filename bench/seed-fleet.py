#!/usr/bin/env python3
"""Seeds a fleet of Aurora clusters into the test moto and writes the
manifests that describe exactly that fleet (so a plan over them has nothing
to change).

  seed-fleet.py URL N INSTANCES DIR [PREFIX]

URL is a server started by tests/tools/moto-server.py: the clusters go
straight into its backend through POST URL/_ag/seed-rds (the same backend
calls CreateDBCluster and CreateDBInstance make), 500 clusters a request.
Cluster i is PREFIX-iiiii (PREFIX defaults to "bench") with INSTANCES
instances PREFIX-iiiii-1 .. -INSTANCES; DIR gets one manifest per cluster.
moto keeps an automated snapshot per instance and refuses more than
MOTO_RDS_SNAPSHOT_LIMIT (default 1,000) of them: start the server with that
variable above N * INSTANCES.

Instances are seeded as the manifests' defaults want them (Performance
Insights on, Enhanced Monitoring every 60 s with the role MONITORING_ROLE,
made first through IAM's CreateRole when it is not there), so that a plan
over the fleet finds nothing to change and a sync sends nothing.
"""
import json
import os
import sys
import urllib.request

CHUNK = 500
MONITORING_ROLE = "rds-monitoring-role"
TRUST = json.dumps({"Version": "2012-10-17", "Statement": [{
    "Effect": "Allow", "Principal": {"Service": "monitoring.rds.amazonaws.com"},
    "Action": "sts:AssumeRole"}]})


def cluster(cid):
    return {"DBClusterIdentifier": cid, "Engine": "aurora-postgresql",
            "EngineVersion": "16.1", "MasterUsername": "master",
            "ManageMasterUserPassword": True, "BackupRetentionPeriod": 7,
            "DeletionProtection": True, "StorageEncrypted": True,
            "DBSubnetGroupName": "default",
            "Tags": [{"Key": "managed-by", "Value": "aurora-gitops"}]}


def instance(cid, j, role_arn):
    return {"DBInstanceIdentifier": f"{cid}-{j}", "DBClusterIdentifier": cid,
            "DBInstanceClass": "db.r6g.large", "Engine": "aurora-postgresql",
            "PromotionTier": j - 1, "EnablePerformanceInsights": True,
            "MonitoringInterval": 60, "MonitoringRoleArn": role_arn}


def monitoring_role(url):
    """The ARN of MONITORING_ROLE in the server's IAM, made when missing."""
    import boto3
    iam = boto3.client("iam", endpoint_url=url, region_name="us-east-1")
    try:
        return iam.get_role(RoleName=MONITORING_ROLE)["Role"]["Arn"]
    except iam.exceptions.NoSuchEntityException:
        return iam.create_role(RoleName=MONITORING_ROLE,
                               AssumeRolePolicyDocument=TRUST)["Role"]["Arn"]


def manifest(cid, k):
    text = f"""apiVersion: aws.project-planton.org/v1
kind: AwsRdsCluster
metadata:
  name: {cid}
spec:
  dbSubnetGroupName: default
  engine: aurora-postgresql
  engineVersion: "16.1"
  manageMasterUserPassword: true
  storageEncrypted: true
  backupRetentionPeriod: 7
  deletionProtection: true
  instances:
"""
    for j in range(1, k + 1):
        text += f"""    - name: {cid}-{j}
      instanceClass: db.r6g.large
      promotionTier: {j - 1}
"""
    return text


def post(url, doc):
    req = urllib.request.Request(url + "/_ag/seed-rds", method="POST",
                                 data=json.dumps(doc).encode(),
                                 headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=600) as r:
            return json.loads(r.read())
    except urllib.error.HTTPError as e:
        raise SystemExit(f"seed-fleet: {url}/_ag/seed-rds refused the fleet: "
                         f"{e.read().decode(errors='replace')}")


def main():
    if len(sys.argv) not in (5, 6):
        print(__doc__.strip(), file=sys.stderr)
        return 2
    url, n, k, out = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
    prefix = sys.argv[5] if len(sys.argv) == 6 else "bench"
    os.makedirs(out, exist_ok=True)
    role_arn = monitoring_role(url)
    for lo in range(0, n, CHUNK):
        ids = [f"{prefix}-{i:05d}" for i in range(lo, min(n, lo + CHUNK))]
        post(url, {"clusters": [cluster(c) for c in ids],
                   "instances": [instance(c, j, role_arn) for c in ids for j in range(1, k + 1)]})
        for c in ids:
            with open(os.path.join(out, f"{c}.yaml"), "w") as f:
                f.write(manifest(c, k))
    return 0


if __name__ == "__main__":
    sys.exit(main())
