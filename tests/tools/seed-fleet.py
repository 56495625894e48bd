#!/usr/bin/env python3
"""A fleet of N Aurora clusters in moto and the manifests that match it.

  seed-fleet.py URL N DIR [PREFIX] [--instances K]

Creates clusters PREFIX-00000 .. PREFIX-(N-1) (default prefix "fleet"), each
with K instances PREFIX-iiiii-1 .. -K (default 1; the first is the writer),
in the moto server at URL through its seeding endpoint (POST /_ag/seed-rds
of tests/tools/moto-server.py: the backend directly, the same calls
CreateDBCluster and CreateDBInstance make, because creating thousands
through the API takes minutes), and writes one manifest per cluster into DIR
describing it exactly, so a plan of the fleet has nothing to change: the
instances are seeded as the manifests' defaults want them (Performance
Insights on, Enhanced Monitoring every 60 s with the role MONITORING_ROLE,
made first through IAM's CreateRole when it is not there). Prints the
seconds the seeding took. Each seeded instance gets an automated snapshot in
moto: start moto with MOTO_RDS_SNAPSHOT_LIMIT above N * K for fleets over
1,000 instances.
"""
import argparse
import json
import os
import sys
import time
import urllib.request

BATCH = 500
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


def monitoring_role(url):
    """The ARN of MONITORING_ROLE in the server's IAM, made when missing."""
    import boto3
    iam = boto3.client("iam", endpoint_url=url, region_name="us-east-1")
    try:
        return iam.get_role(RoleName=MONITORING_ROLE)["Role"]["Arn"]
    except iam.exceptions.NoSuchEntityException:
        return iam.create_role(RoleName=MONITORING_ROLE,
                               AssumeRolePolicyDocument=TRUST)["Role"]["Arn"]


def seed(url, body):
    req = urllib.request.Request(f"{url}/_ag/seed-rds", data=json.dumps(body).encode(),
                                 headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=600) as r:
            return json.load(r)
    except urllib.error.HTTPError as e:
        sys.exit(f"seed-fleet: {url}/_ag/seed-rds refused the fleet: {e.read().decode()}")


def main(argv):
    ap = argparse.ArgumentParser(usage=__doc__.strip().splitlines()[2].strip())
    ap.add_argument("url")
    ap.add_argument("n", type=int)
    ap.add_argument("dir")
    ap.add_argument("prefix", nargs="?", default="fleet")
    ap.add_argument("--instances", type=int, default=1)
    a = ap.parse_args(argv)
    if a.n < 0 or a.instances < 1:
        ap.error("N must be 0 or more and --instances 1 or more")
    os.makedirs(a.dir, exist_ok=True)
    ids = [f"{a.prefix}-{i:05d}" for i in range(a.n)]
    t0 = time.time()
    role_arn = monitoring_role(a.url)
    for s in range(0, a.n, BATCH):
        part = ids[s:s + BATCH]
        seed(a.url, {"clusters": [cluster(c) for c in part],
                     "instances": [instance(c, j, role_arn) for c in part
                                   for j in range(1, a.instances + 1)]})
    took = time.time() - t0
    for cid in ids:
        with open(os.path.join(a.dir, f"{cid}.yaml"), "w") as f:
            f.write(manifest(cid, a.instances))
    print(f"{took:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
