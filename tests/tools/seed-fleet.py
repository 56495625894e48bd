#!/usr/bin/env python3
"""A fleet of N Aurora clusters in moto and the manifests that match it.

  seed-fleet.py URL N DIR [PREFIX]

Creates clusters PREFIX-00000 .. PREFIX-(N-1) (default prefix "fleet"), each
with one writer instance, in the moto server at URL through its seeding
endpoint (POST /_ag/seed-rds of tests/tools/moto-server.py: the backend
directly, because creating thousands through the API takes minutes), and
writes one manifest per cluster into DIR describing it exactly, so a plan of
the fleet has nothing to change. Prints the seconds the seeding took. Each
seeded instance gets an automated snapshot in moto: start moto with
MOTO_RDS_SNAPSHOT_LIMIT above N for fleets over 1,000.
"""
import json
import os
import sys
import time
import urllib.request

BATCH = 500


def cluster(cid):
    return {"DBClusterIdentifier": cid, "Engine": "aurora-postgresql",
            "EngineVersion": "16.1", "MasterUsername": "master",
            "ManageMasterUserPassword": True, "BackupRetentionPeriod": 7,
            "DeletionProtection": True, "StorageEncrypted": True,
            "DBSubnetGroupName": "default",
            "Tags": [{"Key": "managed-by", "Value": "aurora-gitops"}]}


def instance(cid):
    return {"DBInstanceIdentifier": f"{cid}-1", "DBClusterIdentifier": cid,
            "DBInstanceClass": "db.r6g.large", "Engine": "aurora-postgresql",
            "PromotionTier": 0}


def manifest(cid):
    return f"""apiVersion: aws.project-planton.org/v1
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
  # as seeded: neither Performance Insights nor Enhanced Monitoring
  performanceInsights: {{enabled: false}}
  monitoring: {{interval: 0}}
  instances:
    - name: {cid}-1
      instanceClass: db.r6g.large
"""


def seed(url, body):
    req = urllib.request.Request(f"{url}/_ag/seed-rds", data=json.dumps(body).encode(),
                                 headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=600) as r:
            return json.load(r)
    except urllib.error.HTTPError as e:
        sys.exit(f"seed-fleet: moto refused the seed: {e.read().decode()}")


def main(argv):
    if len(argv) not in (3, 4):
        print(__doc__, file=sys.stderr)
        return 64
    url, n, out = argv[0], int(argv[1]), argv[2]
    prefix = argv[3] if len(argv) == 4 else "fleet"
    os.makedirs(out, exist_ok=True)
    ids = [f"{prefix}-{i:05d}" for i in range(n)]
    t0 = time.time()
    for s in range(0, n, BATCH):
        part = ids[s:s + BATCH]
        seed(url, {"clusters": [cluster(c) for c in part],
                   "instances": [instance(c) for c in part]})
    took = time.time() - t0
    for cid in ids:
        with open(os.path.join(out, f"{cid}.yaml"), "w") as f:
            f.write(manifest(cid))
    print(f"{took:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
