#!/usr/bin/env python3
"""Writes N realistic AwsRdsCluster manifests into DIR for benchmarks.

    bench/gen-manifests.py N DIR

Every manifest is valid; they vary engine, instance form, parameters,
windows and annotations so every part of the loader is exercised.
"""
import os
import sys

DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]


def manifest(i):
    pg = i % 3 != 0
    engine = "aurora-postgresql" if pg else "aurora-mysql"
    version = ["15.4", "16.1"][i % 2] if pg else "8.0.mysql_aurora.3.05.2"
    logs = ["postgresql"] if pg else ["error", "slowquery"]
    day = DAYS[i % 7]
    hour = i % 20
    out = [
        "apiVersion: aws.project-planton.org/v1",
        "kind: AwsRdsCluster",
        "metadata:",
        f"  name: bench-cluster-{i:05d}",
        "  org: acme",
        f"  env: {['production', 'staging', 'dev'][i % 3]}",
        "  labels:",
        f"    team: team-{i % 17}",
        "    cost-center: \"4711\"",
        "  annotations:",
        f"    aurora-gitops/mode: {['apply', 'plan', 'observe'][i % 3]}",
        "    example.com/owner: dba@example.com",
        "spec:",
        "  subnetIds:",
        f"    - subnet-{i:08x}0000a001  # private, AZ a",
        f"    - subnet-{i:08x}0000b002  # private, AZ b",
        f"    - {{value: subnet-{i:08x}0000c003}}",
        "  securityGroupIds:",
        f"    - sg-{i:012x}00001",
        f"  engine: {engine}",
        f"  engineVersion: \"{version}\"",
        f"  port: {5432 if pg else 3306}",
        f"  databaseName: app{i}",
        "  manageMasterUserPassword: true",
        "  storageEncrypted: true",
        f"  kmsKeyId: arn:aws:kms:us-east-1:123456789012:key/{i:08x}-5e6f-7a8b-9c0d-1e2f3a4b5c6d",
        f"  backupRetentionPeriod: {7 + i % 28}",
        f"  preferredBackupWindow: \"{hour:02d}:00-{hour:02d}:30\"",
        f"  preferredMaintenanceWindow: {day}:{(hour + 2) % 24:02d}:00-{day}:{(hour + 2) % 24:02d}:45",
        "  copyTagsToSnapshot: true",
        "  enabledCloudwatchLogsExports:",
    ] + [f"    - {x}" for x in logs] + [
        "  iamDatabaseAuthenticationEnabled: true",
        "  deletionProtection: true",
        f"  finalSnapshotIdentifier: bench-cluster-{i:05d}-final",
        "  allowedCidrBlocks: [10.0.0.0/16, 10.1.0.0/16]",
    ]
    if i % 4 == 0:
        out += ["  serverlessV2Scaling:", "    minCapacity: 0.5", f"    maxCapacity: {2 + i % 30}",
                "  instances: {count: 2}"]
    elif i % 4 == 1:
        out += ["  instances:"]
        for n in range(3):
            out += [f"    - name: bench-cluster-{i:05d}-{['writer', 'reader-a', 'reader-b'][n]}",
                    "      instanceClass: db.r6g.large",
                    f"      availabilityZone: us-east-1{'abc'[n]}"]
    else:
        out += ["  instances: {count: 2, instanceClass: db.r6g.xlarge}"]
    if i % 5 == 0:
        out += ["  parameters:",
                "    - name: log_min_duration_statement" if pg else "    - name: long_query_time",
                "      value: 500" if pg else "      value: 2",
                "    - name: max_connections",
                "      value: \"1000\"",
                "      applyMethod: pending-reboot"]
    return "\n".join(out) + "\n"


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: gen-manifests.py N DIR")
    n, d = int(sys.argv[1]), sys.argv[2]
    os.makedirs(d, exist_ok=True)
    for i in range(n):
        with open(os.path.join(d, f"cluster-{i:05d}.yaml"), "w") as f:
            f.write(manifest(i))


if __name__ == "__main__":
    main()
