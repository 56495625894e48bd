#!/usr/bin/env bash
# Serverless pause: Serverless v2 scale to zero (minCapacity 0 with
# secondsUntilAutoPause) and the Serverless v1 scalingConfiguration. Each is
# created, changed out of band, reported in place, corrected, then plans
# clean. The emulator (tests/tools/moto-server.py) makes ModifyDBCluster
# change only the members sent, as AWS does (moto replaces the structure).
. "$(dirname "$0")/test-lib.sh"

start_moto
export AWS_EC2_METADATA_DISABLED=true
STATE="$TRASH/state"

sync_ok() { # NAME
	"$AG_BIN" sync --dir m --state-dir "$STATE" --poll-interval 100ms >"$1.txt" 2>&1 ||
		{ cat "$1.txt"; return 1; }
	! grep -E "^cluster .*: (failed|skipped)" "$1.txt" || { cat "$1.txt"; return 1; }
}

test_expect_success 'serverless v2 scale to zero: created with minCapacity 0 and a pause time' '
	mkdir m &&
	cat >m/v2.yaml <<-\YAML &&
	apiVersion: aws.project-planton.org/v1
	kind: AwsRdsCluster
	metadata:
	  name: preview-db
	spec:
	  dbSubnetGroupName: default
	  engine: aurora-postgresql
	  engineVersion: "16.4"
	  manageMasterUserPassword: true
	  serverlessV2Scaling:
	    minCapacity: 0
	    maxCapacity: 4
	    secondsUntilAutoPause: 600
	  instances: {count: 1}
	YAML
	sync_ok v2-create &&
	boto3_run <<-PY &&
	c = rds.describe_db_clusters(DBClusterIdentifier="preview-db")["DBClusters"][0]
	s = c["ServerlessV2ScalingConfiguration"]
	assert (s["MinCapacity"], s["MaxCapacity"], s["SecondsUntilAutoPause"]) == (0, 4, 600), s
	PY
	check_exit 0 "$AG_BIN" plan --dir m --state-dir "$STATE" --detailed-exitcode >clean.txt
'

test_expect_success 'serverless v2: kept awake out of band, reported in place, corrected' '
	boto3_run <<-PY &&
	rds.modify_db_cluster(DBClusterIdentifier="preview-db", ApplyImmediately=True,
	    ServerlessV2ScalingConfiguration={"MinCapacity": 0.5, "SecondsUntilAutoPause": 3600})
	PY
	check_exit 2 "$AG_BIN" plan --dir m --state-dir "$STATE" --detailed-exitcode \
		--format json >drift.json &&
	python3 - drift.json <<-PY &&
	import json, sys
	c = json.load(open(sys.argv[1]))["clusters"][0]
	ch = [x for x in c["changes"] if x["path"] == "spec.serverlessV2Scaling"][0]
	assert (ch["class"], ch["state"]) == ("in-place", "send"), ch
	p = [a for a in c["actions"] if a["kind"] == "modify-cluster"][0]["params"]
	assert p["ServerlessV2ScalingConfiguration.MinCapacity"] == "0", p
	assert p["ServerlessV2ScalingConfiguration.SecondsUntilAutoPause"] == "600", p
	PY
	sync_ok v2-fix &&
	boto3_run <<-PY &&
	s = rds.describe_db_clusters(DBClusterIdentifier="preview-db")["DBClusters"][0]["ServerlessV2ScalingConfiguration"]
	assert (s["MinCapacity"], s["SecondsUntilAutoPause"]) == (0, 600), s
	PY
	check_exit 0 "$AG_BIN" plan --dir m --state-dir "$STATE" --detailed-exitcode >clean2.txt
'

test_expect_success 'serverless v1: created with its scaling configuration' '
	rm m/v2.yaml &&
	cat >m/v1.yaml <<-\YAML &&
	apiVersion: aws.project-planton.org/v1
	kind: AwsRdsCluster
	metadata:
	  name: batch-db
	spec:
	  dbSubnetGroupName: default
	  engine: aurora-postgresql
	  engineVersion: "13.12"
	  engineMode: serverless
	  manageMasterUserPassword: true
	  scalingConfiguration:
	    minCapacity: 2
	    maxCapacity: 16
	    autoPause: true
	    secondsUntilAutoPause: 900
	    timeoutAction: ForceApplyCapacityChange
	YAML
	sync_ok v1-create &&
	boto3_run <<-PY &&
	c = rds.describe_db_clusters(DBClusterIdentifier="batch-db")["DBClusters"][0]
	s = c["ScalingConfigurationInfo"]
	want = {"MinCapacity": 2, "MaxCapacity": 16, "AutoPause": True, "SecondsUntilAutoPause": 900,
	        "TimeoutAction": "ForceApplyCapacityChange"}
	assert {k: s.get(k) for k in want} == want, s
	PY
	check_exit 0 "$AG_BIN" plan --dir m --state-dir "$STATE" --detailed-exitcode \
		--cluster batch-db >clean3.txt
'

test_expect_success 'serverless v1: changed out of band, reported in place, corrected' '
	boto3_run <<-PY &&
	rds.modify_db_cluster(DBClusterIdentifier="batch-db", ApplyImmediately=True,
	    ScalingConfiguration={"MinCapacity": 4, "AutoPause": False})
	PY
	check_exit 2 "$AG_BIN" plan --dir m --state-dir "$STATE" --detailed-exitcode \
		--cluster batch-db --format json >drift1.json &&
	python3 - drift1.json <<-PY &&
	import json, sys
	c = json.load(open(sys.argv[1]))["clusters"][0]
	ch = [x for x in c["changes"] if x["path"] == "spec.scalingConfiguration"][0]
	assert (ch["class"], ch["state"]) == ("in-place", "send"), ch
	p = [a for a in c["actions"] if a["kind"] == "modify-cluster"][0]["params"]
	assert p["ScalingConfiguration.MinCapacity"] == "2", p
	assert p["ScalingConfiguration.AutoPause"] == "true", p
	PY
	sync_ok v1-fix &&
	boto3_run <<-PY &&
	s = rds.describe_db_clusters(DBClusterIdentifier="batch-db")["DBClusters"][0]["ScalingConfigurationInfo"]
	assert (s["MinCapacity"], s["AutoPause"], s["SecondsUntilAutoPause"]) == (2, True, 900), s
	PY
	check_exit 0 "$AG_BIN" plan --dir m --state-dir "$STATE" --detailed-exitcode \
		--cluster batch-db >clean4.txt
'

test_expect_success 'a scaling configuration on a provisioned cluster is an error' '
	mkdir bad &&
	sed "/engineMode: serverless/d" m/v1.yaml >bad/v1.yaml &&
	check_exit 1 "$AG_BIN" validate bad >v.txt 2>&1 &&
	check_contains v.txt "v1.yaml:10:3: error: spec.scalingConfiguration is for Serverless v1"
'

test_done
