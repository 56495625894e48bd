#!/usr/bin/env bash
# Sync creates every example in manifests/; the next plan is clean and the
# cycle sends nothing but Describe calls.
. "$(dirname "$0")/test-lib.sh"

start_moto
export AWS_EC2_METADATA_DISABLED=true
STATE="$TRASH/state"

test_expect_success 'setup: network, snapshot and replication source in moto' '
	python3 "$AG_SRC/tests/tools/moto-fixture.py" render "$MOTO_URL" "$AG_SRC/manifests" m >net.json &&
	boto3_run <<-PY
	rds.create_db_cluster(DBClusterIdentifier="orders-src", Engine="aurora-postgresql",
	    EngineVersion="15.4", MasterUsername="master", MasterUserPassword="x" * 12,
	    StorageEncrypted=True)
	rds.create_db_cluster_snapshot(DBClusterSnapshotIdentifier="orders-db-2026-11-01",
	    DBClusterIdentifier="orders-src")
	rds.create_db_cluster(DBClusterIdentifier="inventory-db", Engine="aurora-mysql",
	    EngineVersion="8.0.mysql_aurora.3.05.2", MasterUsername="adm", MasterUserPassword="y" * 12)
	PY
'

test_expect_success 'plan shows every example as a create' '
	check_exit 2 "$AG_BIN" plan --dir m --state-dir "$STATE" --detailed-exitcode >plan.txt &&
	for id in minimal-pg orders-db analytics-db reporting-restored billing-db; do
		grep -q "$id" plan.txt || { echo "missing $id"; cat plan.txt; exit 1; }
	done
'

test_expect_success 'plan wrote nothing to AWS' '
	boto3_run <<-PY
	ids = sorted(c["DBClusterIdentifier"] for c in rds.describe_db_clusters()["DBClusters"])
	assert ids == ["inventory-db", "orders-src"], ids
	PY
'

test_expect_success 'sync creates them' '
	"$AG_BIN" sync --dir m --state-dir "$STATE" --poll-interval 100ms >sync.txt 2>sync.err ||
		{ cat sync.txt sync.err; exit 1; }
	! grep -E "^cluster .*: (failed|skipped)" sync.txt &&
	boto3_run <<-PY
	cl = {c["DBClusterIdentifier"]: c for c in rds.describe_db_clusters()["DBClusters"]}
	for id in ["minimal-pg", "orders-db", "analytics-db", "reporting-restored", "billing-db"]:
	    assert id in cl, (id, sorted(cl))
	o = cl["orders-db"]
	assert o["BackupRetentionPeriod"] == 14, o["BackupRetentionPeriod"]
	assert o["DeletionProtection"] is True
	assert o["EnabledCloudwatchLogsExports"] == ["postgresql"], o["EnabledCloudwatchLogsExports"]
	members = sorted(m["DBInstanceIdentifier"] for m in o["DBClusterMembers"])
	assert members == ["orders-db-reader-1", "orders-db-reader-2", "orders-db-writer"], members
	tags = {t["Key"]: t["Value"] for t in o["TagList"]}
	assert tags.get("managed-by") == "aurora-gitops", tags
	PY
'

test_expect_success 'the monitoring role is checked once for the whole run, not per cluster' '
	grep "Action=CreateDBInstance&" "$AG_REQUEST_LOG" | grep "MonitoringRoleArn=" |
		grep -o "DBClusterIdentifier=[^&\"]*" | sort -u >users &&
	test "$(wc -l <users)" -ge 3 &&
	test "$(count_requests GetRole)" -eq 1 &&
	test "$(count_requests CreateRole)" -eq 1 &&
	test "$(count_requests AttachRolePolicy)" -eq 1 &&
	test "$(count_requests ListAttachedRolePolicies)" -eq 0
'

test_expect_success 'the second plan is clean (exit 0, no changes)' '
	"$AG_BIN" plan --dir m --state-dir "$STATE" --detailed-exitcode >plan2.txt ||
		{ cat plan2.txt; exit 1; }
'

test_expect_success 'a second sync sends no mutating call' '
	"$AG_BIN" sync --dir m --state-dir "$STATE" -v >sync2.txt 2>sync2.err &&
	grep "aws requests:" sync2.err >calls &&
	! grep -E "(Create|Modify|Delete|Add|Remove|Restore|Promote|Authorize)" calls ||
		{ cat sync2.txt sync2.err; exit 1; }
'

# moto does not implement ResetDBClusterParameterGroup, so the reset is
# checked in the plan: exact action and parameters.
test_expect_success 'a parameter dropped from the manifest is planned as a reset' '
	python3 - m/custom-parameters.yaml <<-PY
	import sys
	p = sys.argv[1]
	lines = open(p).read().split("\n")
	i = lines.index("    - name: log_min_duration_statement")
	del lines[i:i + 2]
	open(p, "w").write("\n".join(lines))
	PY
	check_exit 2 "$AG_BIN" plan --dir m --state-dir "$STATE" --detailed-exitcode --format json >reset.json &&
	python3 - reset.json <<-PY
	import json, sys
	c = [c for c in json.load(open(sys.argv[1]))["clusters"] if c["id"] == "analytics-db"][0]
	acts = [a for a in c["actions"] if a["kind"] == "reset-param-group"]
	assert len(acts) == 1 and len(c["actions"]) == 1, c["actions"]
	p = acts[0]["params"]
	assert p["Parameters.Parameter.1.ParameterName"] == "log_min_duration_statement", p
	assert "Parameters.Parameter.2.ParameterName" not in p, p
	PY
'

test_done
