#!/usr/bin/env bash
# Nothing is deleted without a reviewed tombstone: removing a manifest only
# reports the cluster; the tombstone deletes with a final snapshot; two
# tombstones in one run are refused; deletion protection must go first.
. "$(dirname "$0")/test-lib.sh"

start_moto
export AWS_EC2_METADATA_DISABLED=true
STATE="$TRASH/state"

write() { # ID [ANNOTATION] [DELETION_PROTECTION]
	cat <<-YAML
	apiVersion: aws.project-planton.org/v1
	kind: AwsRdsCluster
	metadata:
	  name: $1
	  annotations:
	    aurora-gitops/deletion: ${2:-retain}
	spec:
	  dbSubnetGroupName: default
	  engine: aurora-postgresql
	  engineVersion: "16.1"
	  manageMasterUserPassword: true
	  deletionProtection: ${3:-false}
	  instances:
	    count: 1
	    instanceClass: db.t4g.medium
	YAML
}

test_expect_success 'setup: three clusters synced' '
	mkdir m &&
	write db-a >m/a.yaml && write db-b >m/b.yaml && write db-c retain true >m/c.yaml &&
	"$AG_BIN" sync --dir m --state-dir "$STATE" --poll-interval 100ms >sync.txt 2>&1 ||
		{ cat sync.txt; exit 1; }
'

test_expect_success 'removing a manifest deletes nothing and reports it as orphaned' '
	mv m/a.yaml a.yaml.removed &&
	"$AG_BIN" sync --dir m --state-dir "$STATE" >sync.txt 2>&1 &&
	check_contains sync.txt "orphaned" &&
	"$AG_BIN" unmanaged --dir m --state-dir "$STATE" >unmanaged.txt 2>&1 &&
	check_contains unmanaged.txt "db-a" &&
	boto3_run <<-PY
	assert rds.describe_db_clusters(DBClusterIdentifier="db-a")["DBClusters"]
	PY
'

test_expect_success 'two tombstones in one run are both refused' '
	mv a.yaml.removed m/a.yaml &&
	write db-a delete >m/a.yaml && write db-b delete >m/b.yaml &&
	check_exit 3 "$AG_BIN" sync --dir m --state-dir "$STATE" -v >two.txt 2>two.err &&
	check_contains two.txt "at most 1 may be deleted per run" &&
	grep "aws requests:" two.err >calls &&
	! grep -E "Delete" calls &&
	boto3_run <<-PY
	for id in ["db-a", "db-b"]:
	    assert rds.describe_db_clusters(DBClusterIdentifier=id)["DBClusters"]
	PY
'

test_expect_success 'a protected cluster with a tombstone is refused' '
	write db-b >m/b.yaml && write db-a >m/a.yaml &&
	write db-c delete false >m/c.yaml &&
	check_exit 3 "$AG_BIN" sync --dir m --state-dir "$STATE" >prot.txt 2>&1 &&
	check_contains prot.txt "deletionProtection" &&
	boto3_run <<-PY
	assert rds.describe_db_clusters(DBClusterIdentifier="db-c")["DBClusters"]
	PY
'

test_expect_success 'one tombstone deletes the cluster after a final snapshot' '
	write db-c >m/c.yaml &&
	"$AG_BIN" sync --dir m --state-dir "$STATE" --poll-interval 100ms >unprot.txt 2>&1 &&
	write db-a delete >m/a.yaml &&
	"$AG_BIN" plan --dir m --state-dir "$STATE" >del-plan.txt 2>&1 &&
	check_contains del-plan.txt "DeleteDBCluster" &&
	"$AG_BIN" sync --dir m --state-dir "$STATE" --poll-interval 100ms >del.txt 2>&1 ||
		{ cat del-plan.txt del.txt; exit 1; }
	boto3_run <<-PY
	ids = [c["DBClusterIdentifier"] for c in rds.describe_db_clusters()["DBClusters"]]
	assert "db-a" not in ids, ids
	snaps = [s["DBClusterSnapshotIdentifier"] for s in
	    rds.describe_db_cluster_snapshots(DBClusterIdentifier="db-a")["DBClusterSnapshots"]
	    if s["SnapshotType"] == "manual"]
	assert any(s.startswith("db-a-final-") for s in snaps), snaps
	PY
'

test_expect_success 'a tombstone for a cluster that is gone is a no-op' '
	"$AG_BIN" plan --dir m --state-dir "$STATE" --detailed-exitcode >gone.txt ||
		{ cat gone.txt; exit 1; }
'

test_done
