#!/usr/bin/env bash
# Static parameters pending a reboot: the plan shows every instance that must
# reboot and nothing is rebooted, until the annotation
# aurora-gitops/reboot-for-pending-parameters: "true" lets the agent reboot
# them itself, one at a time, readers first and the writer last
# (RebootDBInstance each, waited for). The emulator (tests/tools/moto-server.py)
# adds what moto lacks: a parameter modified with pending-reboot marks the
# cluster's members "pending-reboot" until each is rebooted.
. "$(dirname "$0")/test-lib.sh"

start_moto
export AWS_EC2_METADATA_DISABLED=true
STATE="$TRASH/state"

write() { # VALUE ANNOTATION
	cat <<-YAML
	apiVersion: aws.project-planton.org/v1
	kind: AwsRdsCluster
	metadata:
	  name: ledger-db
	$2
	spec:
	  dbSubnetGroupName: default
	  engine: aurora-postgresql
	  engineVersion: "16.1"
	  manageMasterUserPassword: true
	  parameters:
	    - name: shared_preload_libraries
	      value: $1
	  instances:
	    - name: ledger-db-a
	      instanceClass: db.r6g.large
	    - name: ledger-db-b
	      instanceClass: db.r6g.large
	    - name: ledger-db-c
	      instanceClass: db.r6g.large
	YAML
}

ANN='  annotations:
    aurora-gitops/reboot-for-pending-parameters: "true"'

# RebootDBInstance targets in the order the binary sent them.
reboots() {
	python3 - "$AG_REQUEST_LOG" <<-'PY'
	import json, sys, urllib.parse
	for line in open(sys.argv[1]):
	    q = dict(urllib.parse.parse_qsl(json.loads(line)["body"]))
	    if q.get("Action") == "RebootDBInstance":
	        print(q["DBInstanceIdentifier"])
	PY
}

test_expect_success 'setup: a cluster with a static parameter, then a new value' '
	mkdir m &&
	write pg_stat_statements "" >m/ledger.yaml &&
	"$AG_BIN" sync --dir m --state-dir "$STATE" --poll-interval 100ms >sync.txt 2>&1 ||
		{ cat sync.txt; exit 1; }
	write pg_stat_statements,auto_explain "" >m/ledger.yaml &&
	"$AG_BIN" sync --dir m --state-dir "$STATE" --poll-interval 100ms >sync2.txt 2>&1 ||
		{ cat sync2.txt; exit 1; }
	boto3_run <<-PY
	c = rds.describe_db_clusters(DBClusterIdentifier="ledger-db")["DBClusters"][0]
	st = {m["DBInstanceIdentifier"]: m["DBClusterParameterGroupStatus"] for m in c["DBClusterMembers"]}
	assert st == {"ledger-db-a": "pending-reboot", "ledger-db-b": "pending-reboot",
	              "ledger-db-c": "pending-reboot"}, st
	w = [m["DBInstanceIdentifier"] for m in c["DBClusterMembers"] if m["IsClusterWriter"]]
	assert w == ["ledger-db-a"], w
	PY
'

test_expect_success 'without the annotation: the plan shows the pending reboot, sync reboots nothing' '
	"$AG_BIN" plan --dir m --state-dir "$STATE" >plan.txt 2>&1 ||
		{ cat plan.txt; exit 1; }
	check_contains plan.txt "pending reboot: instance '\''ledger-db-b'\''" &&
	check_contains plan.txt "aurora-gitops/reboot-for-pending-parameters" &&
	"$AG_BIN" sync --dir m --state-dir "$STATE" --poll-interval 100ms >sync3.txt 2>&1 ||
		{ cat sync3.txt; exit 1; }
	reboots >rb.txt &&
	test ! -s rb.txt &&
	boto3_run <<-PY
	c = rds.describe_db_clusters(DBClusterIdentifier="ledger-db")["DBClusters"][0]
	assert all(m["DBClusterParameterGroupStatus"] == "pending-reboot" for m in c["DBClusterMembers"])
	PY
'

test_expect_success 'with the annotation: one reboot per instance, readers first, writer last' '
	write pg_stat_statements,auto_explain "$ANN" >m/ledger.yaml &&
	check_exit 2 "$AG_BIN" plan --dir m --state-dir "$STATE" --detailed-exitcode \
		--format json >plan.json &&
	python3 - plan.json <<-PY &&
	import json, sys
	c = json.load(open(sys.argv[1]))["clusters"][0]
	acts = [(a["kind"], a["target"], a["params"]) for a in c["actions"]]
	assert acts == [("reboot-instance", "ledger-db-b", {"DBInstanceIdentifier": "ledger-db-b"}),
	                ("reboot-instance", "ledger-db-c", {"DBInstanceIdentifier": "ledger-db-c"}),
	                ("reboot-instance", "ledger-db-a", {"DBInstanceIdentifier": "ledger-db-a"})], acts
	PY
	"$AG_BIN" sync --dir m --state-dir "$STATE" --poll-interval 100ms >sync4.txt 2>&1 ||
		{ cat sync4.txt; exit 1; }
	reboots >rb.txt &&
	printf "%s\n" ledger-db-b ledger-db-c ledger-db-a >want.txt &&
	diff -u want.txt rb.txt &&
	boto3_run <<-PY &&
	c = rds.describe_db_clusters(DBClusterIdentifier="ledger-db")["DBClusters"][0]
	assert all(m["DBClusterParameterGroupStatus"] == "in-sync" for m in c["DBClusterMembers"]), c
	PY
	check_exit 0 "$AG_BIN" plan --dir m --state-dir "$STATE" --detailed-exitcode >clean.txt 2>&1 ||
		{ cat clean.txt; exit 1; }
	check_not_contains clean.txt "pending reboot"
'

test_expect_success 'a bad annotation value is an error that names the place' '
	write pg_stat_statements "  annotations:
    aurora-gitops/reboot-for-pending-parameters: \"yes\"" >m/ledger.yaml &&
	check_exit 1 "$AG_BIN" validate m >v.txt 2>&1 &&
	check_contains v.txt "ledger.yaml:6:50: error: metadata.annotations.aurora-gitops/reboot-for-pending-parameters"
'

test_done
