#!/usr/bin/env bash
# Cluster fields AWS exposes beyond the Project Planton schema: backtrack
# window (aurora-mysql), local write forwarding, engine lifecycle support.
# Each is created, changed out of band, reported with its class, corrected
# in place where AWS allows it, and then plans clean. moto keeps
# BacktrackWindow itself; the emulator (tests/tools/moto-server.py) adds
# EngineLifecycleSupport and LocalWriteForwardingStatus, which moto drops.
. "$(dirname "$0")/test-lib.sh"

start_moto
export AWS_EC2_METADATA_DISABLED=true
STATE="$TRASH/state"

write() { # EXTRA-SPEC
	cat <<-YAML
	apiVersion: aws.project-planton.org/v1
	kind: AwsRdsCluster
	metadata:
	  name: orders-db
	spec:
	  dbSubnetGroupName: default
	  engine: aurora-mysql
	  engineVersion: "8.0.mysql_aurora.3.05.2"
	  manageMasterUserPassword: true
	  enableLocalWriteForwarding: true
	  engineLifecycleSupport: open-source-rds-extended-support-disabled
	$1
	  instances: {count: 1, instanceClass: db.r6g.large}
	YAML
}

sync_ok() { # NAME
	"$AG_BIN" sync --dir m --state-dir "$STATE" --poll-interval 100ms >"$1.txt" 2>&1 ||
		{ cat "$1.txt"; return 1; }
}

test_expect_success 'create with backtracking, write forwarding and lifecycle support' '
	mkdir m &&
	write "  backtrackWindow: 3600" >m/orders.yaml &&
	sync_ok create &&
	boto3_run <<-PY &&
	c = rds.describe_db_clusters(DBClusterIdentifier="orders-db")["DBClusters"][0]
	assert c["BacktrackWindow"] == 3600, c["BacktrackWindow"]
	assert c["LocalWriteForwardingStatus"] == "enabled", c.get("LocalWriteForwardingStatus")
	assert c["EngineLifecycleSupport"] == "open-source-rds-extended-support-disabled", c
	PY
	check_exit 0 "$AG_BIN" plan --dir m --state-dir "$STATE" --detailed-exitcode >clean.txt
'

test_expect_success 'changed out of band: reported in place, corrected, then clean' '
	boto3_run <<-PY &&
	rds.modify_db_cluster(DBClusterIdentifier="orders-db", BacktrackWindow=600,
	                      EnableLocalWriteForwarding=False, ApplyImmediately=True)
	PY
	check_exit 2 "$AG_BIN" plan --dir m --state-dir "$STATE" --detailed-exitcode \
		--format json >drift.json &&
	python3 - drift.json <<-PY &&
	import json, sys
	c = json.load(open(sys.argv[1]))["clusters"][0]
	ch = {x["path"]: x for x in c["changes"]}
	b = ch["spec.backtrackWindow"]
	assert (b["committed"], b["live"], b["class"], b["state"]) == ("3600", "600", "in-place", "send"), b
	w = ch["spec.enableLocalWriteForwarding"]
	assert (w["committed"], w["live"], w["class"]) == ("true", "false", "in-place"), w
	mod = [a for a in c["actions"] if a["kind"] == "modify-cluster"][0]["params"]
	assert mod["BacktrackWindow"] == "3600" and mod["EnableLocalWriteForwarding"] == "true", mod
	PY
	sync_ok fix &&
	boto3_run <<-PY &&
	c = rds.describe_db_clusters(DBClusterIdentifier="orders-db")["DBClusters"][0]
	assert c["BacktrackWindow"] == 3600, c["BacktrackWindow"]
	assert c["LocalWriteForwardingStatus"] == "enabled", c["LocalWriteForwardingStatus"]
	PY
	check_exit 0 "$AG_BIN" plan --dir m --state-dir "$STATE" --detailed-exitcode >clean2.txt
'

test_expect_success 'a smaller window is a weakening; absent keeps the live one' '
	write "  backtrackWindow: 60" >m/orders.yaml &&
	check_exit 2 "$AG_BIN" plan --dir m --state-dir "$STATE" --detailed-exitcode >weak.txt &&
	check_contains weak.txt "weakens protection" &&
	write "" >m/orders.yaml &&
	check_exit 0 "$AG_BIN" plan --dir m --state-dir "$STATE" --detailed-exitcode >keep.txt &&
	sync_ok keep &&
	boto3_run <<-PY
	c = rds.describe_db_clusters(DBClusterIdentifier="orders-db")["DBClusters"][0]
	assert c["BacktrackWindow"] == 3600, c["BacktrackWindow"]
	PY
'

test_expect_success 'engine lifecycle support cannot change in place: blocked' '
	sed "s/-support-disabled/-support/" m/orders.yaml >x && mv x m/orders.yaml &&
	check_exit 3 "$AG_BIN" plan --dir m --state-dir "$STATE" --detailed-exitcode \
		--format json >blocked.json &&
	python3 - blocked.json <<-PY
	import json, sys
	c = json.load(open(sys.argv[1]))["clusters"][0]
	ch = [x for x in c["changes"] if x["path"] == "spec.engineLifecycleSupport"][0]
	assert (ch["class"], ch["state"]) == ("blocked", "blocked"), ch
	assert c["actions"] == [], c["actions"]
	PY
'

test_done
