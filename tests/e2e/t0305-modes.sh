#!/usr/bin/env bash
# Modes: observe and plan never mutate, apply does; a suspended cluster is
# left alone until its expiry; --mode sets the default and annotations win.
. "$(dirname "$0")/test-lib.sh"

start_moto
export AWS_EC2_METADATA_DISABLED=true
STATE="$TRASH/state"

write() { # ID RETENTION ANNOTATION-LINES...
	local id=$1 ret=$2
	shift 2
	printf 'apiVersion: aws.project-planton.org/v1\nkind: AwsRdsCluster\nmetadata:\n  name: %s\n' "$id"
	if [ $# -gt 0 ]; then
		printf '  annotations:\n'
		printf '    %s\n' "$@"
	fi
	cat <<-YAML
	spec:
	  dbSubnetGroupName: default
	  engine: aurora-postgresql
	  engineVersion: "16.1"
	  manageMasterUserPassword: true
	  backupRetentionPeriod: $ret
	  instances:
	    count: 1
	    instanceClass: db.t4g.medium
	YAML
}

retention() {
	boto3_run <<-PY
	print(rds.describe_db_clusters(DBClusterIdentifier="$1")["DBClusters"][0]["BackupRetentionPeriod"])
	PY
}

test_expect_success 'setup: four clusters synced with 7-day backups' '
	mkdir m &&
	for id in obs pln app sus; do write $id 7 >m/$id.yaml; done &&
	"$AG_BIN" sync --dir m --state-dir "$STATE" --poll-interval 100ms >sync.txt 2>&1 ||
		{ cat sync.txt; exit 1; }
'

test_expect_success 'per-cluster modes decide what sync does' '
	write obs 14 "aurora-gitops/mode: observe" >m/obs.yaml &&
	write pln 14 "aurora-gitops/mode: plan" >m/pln.yaml &&
	write app 14 "aurora-gitops/mode: apply" >m/app.yaml &&
	write sus 14 "aurora-gitops/suspend: \"incident 4711 until 2999-01-01T00:00:00Z\"" >m/sus.yaml &&
	"$AG_BIN" sync --dir m --state-dir "$STATE" >modes.txt 2>&1 ||
		{ cat modes.txt; exit 1; }
	test "$(retention obs)" = 7 &&
	test "$(retention pln)" = 7 &&
	test "$(retention app)" = 14 &&
	test "$(retention sus)" = 7 &&
	check_contains modes.txt "incident 4711" &&
	check_contains modes.txt "suspended"
'

test_expect_success 'plan never mutates, even for clusters in apply mode' '
	write app 21 "aurora-gitops/mode: apply" >m/app.yaml &&
	check_exit 2 "$AG_BIN" plan --dir m --state-dir "$STATE" --detailed-exitcode >plan.txt &&
	test "$(retention app)" = 14
'

test_expect_success '--mode observe makes a sync report only' '
	write obs 14 >m/obs.yaml &&
	"$AG_BIN" sync --dir m --state-dir "$STATE" --mode observe >observe.txt 2>&1 &&
	test "$(retention obs)" = 7
'

test_expect_success 'an expired suspension no longer holds the cluster' '
	write sus 14 "aurora-gitops/suspend: \"migration until 2001-01-01T00:00:00Z\"" >m/sus.yaml &&
	"$AG_BIN" sync --dir m --state-dir "$STATE" >expired.txt 2>&1 &&
	test "$(retention sus)" = 14
'

test_expect_success '--cluster limits the plan to the named clusters (any case)' '
	"$AG_BIN" plan --dir m --state-dir "$STATE" --cluster APP --format json >one.json &&
	python3 - one.json <<-PY
	import json, sys
	ids = [c["id"] for c in json.load(open(sys.argv[1]))["clusters"]]
	assert ids == ["app"], ids
	PY
'

test_done
