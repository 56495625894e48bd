#!/usr/bin/env bash
# Aurora Global Database: spec.globalClusterIdentifier creates the global
# database (CreateGlobalCluster) and makes the cluster its primary; a second
# cluster joins as a secondary without master user settings. Leaving is never
# automatic: removing the field keeps the membership, only the annotation
# aurora-gitops/global-cluster: detach sends RemoveFromGlobalCluster. A
# primary taken out of its global database out of band is reported and put
# back (CreateGlobalCluster with SourceDBClusterIdentifier). The emulator
# (tests/tools/moto-server.py) fixes moto's membership bookkeeping.
. "$(dirname "$0")/test-lib.sh"

start_moto
export AWS_EC2_METADATA_DISABLED=true
STATE="$TRASH/state"

write() { # NAME EXTRA-METADATA EXTRA-SPEC
	cat <<-YAML
	apiVersion: aws.project-planton.org/v1
	kind: AwsRdsCluster
	metadata:
	  name: $1
	$2
	spec:
	  dbSubnetGroupName: default
	  engine: aurora-postgresql
	  engineVersion: "15.4"
	  manageMasterUserPassword: true
	$3
	  instances: {count: 1, instanceClass: db.r6g.large}
	YAML
}

sync_ok() { # NAME
	"$AG_BIN" sync --dir m --state-dir "$STATE" --poll-interval 100ms >"$1.txt" 2>&1 ||
		{ cat "$1.txt"; return 1; }
	! grep -E "^cluster .*: (failed|skipped)" "$1.txt" || { cat "$1.txt"; return 1; }
}

# Query bodies of the binary's requests with Action=$1 (one per line).
sent() {
	python3 - "$AG_REQUEST_LOG" "$1" <<-'PY'
	import json, sys, urllib.parse
	for line in open(sys.argv[1]):
	    q = dict(urllib.parse.parse_qsl(json.loads(line)["body"]))
	    if q.get("Action") == sys.argv[2]:
	        print(json.dumps(q, sort_keys=True))
	PY
}

test_expect_success 'a new global database with its primary' '
	mkdir m &&
	write orders-primary "" "  globalClusterIdentifier: orders-global" >m/primary.yaml &&
	sync_ok create &&
	sent CreateGlobalCluster >cg.txt &&
	check_contains cg.txt "\"Engine\": \"aurora-postgresql\"" &&
	boto3_run <<-PY &&
	g = rds.describe_global_clusters(GlobalClusterIdentifier="orders-global")["GlobalClusters"][0]
	c = rds.describe_db_clusters(DBClusterIdentifier="orders-primary")["DBClusters"][0]
	assert [(m["DBClusterArn"], m["IsWriter"]) for m in g["GlobalClusterMembers"]] == \
	    [(c["DBClusterArn"], True)], g
	assert c["GlobalClusterIdentifier"] == "orders-global", c.get("GlobalClusterIdentifier")
	PY
	check_exit 0 "$AG_BIN" plan --dir m --state-dir "$STATE" --detailed-exitcode >clean.txt
'

test_expect_success 'a second cluster joins as a secondary, without master user settings' '
	write orders-secondary "" "  globalClusterIdentifier: orders-global" >m/secondary.yaml &&
	sync_ok join &&
	sent CreateDBCluster >cc.txt &&
	grep "orders-secondary" cc.txt >sec.txt &&
	check_contains sec.txt "\"GlobalClusterIdentifier\": \"orders-global\"" &&
	check_not_contains sec.txt "MasterUsername" &&
	check_not_contains sec.txt "ManageMasterUserPassword" &&
	boto3_run <<-PY &&
	g = rds.describe_global_clusters(GlobalClusterIdentifier="orders-global")["GlobalClusters"][0]
	assert sorted(m["IsWriter"] for m in g["GlobalClusterMembers"]) == [False, True], g
	PY
	check_exit 0 "$AG_BIN" plan --dir m --state-dir "$STATE" --detailed-exitcode >clean2.txt
'

test_expect_success 'removing the field never detaches' '
	write orders-secondary "" "" >m/secondary.yaml &&
	"$AG_BIN" plan --dir m --state-dir "$STATE" >keep.txt &&
	check_contains keep.txt "leaving it is never automatic" &&
	sync_ok keep &&
	sent RemoveFromGlobalCluster >rm.txt &&
	test ! -s rm.txt &&
	boto3_run <<-PY
	c = rds.describe_db_clusters(DBClusterIdentifier="orders-secondary")["DBClusters"][0]
	assert c["GlobalClusterIdentifier"] == "orders-global", c.get("GlobalClusterIdentifier")
	PY
'

test_expect_success 'the detach annotation is the explicit, reviewed change' '
	write orders-secondary "  annotations:
    aurora-gitops/global-cluster: detach" "" >m/secondary.yaml &&
	check_exit 2 "$AG_BIN" plan --dir m --state-dir "$STATE" --detailed-exitcode \
		--cluster orders-secondary --format json >detach.json &&
	python3 - detach.json <<-PY &&
	import json, sys
	c = json.load(open(sys.argv[1]))["clusters"][0]
	assert [a["kind"] for a in c["actions"]] == ["remove-from-global-cluster"], c["actions"]
	ch = [x for x in c["changes"] if x["path"] == "spec.globalClusterIdentifier"][0]
	assert (ch["class"], ch["state"], ch["weakens"]) == ("outage", "send", True), ch
	PY
	sync_ok detach &&
	boto3_run <<-PY &&
	c = rds.describe_db_clusters(DBClusterIdentifier="orders-secondary")["DBClusters"][0]
	assert not c.get("GlobalClusterIdentifier"), c.get("GlobalClusterIdentifier")
	g = rds.describe_global_clusters(GlobalClusterIdentifier="orders-global")["GlobalClusters"][0]
	assert len(g["GlobalClusterMembers"]) == 1, g
	PY
	"$AG_BIN" plan --dir m --state-dir "$STATE" --cluster orders-secondary \
		--format json >after.json &&
	python3 - after.json <<-PY
	import json, sys
	c = json.load(open(sys.argv[1]))["clusters"][0]
	# standalone now: nothing about the global database is left to do
	assert not [x for x in c["changes"] if x["path"] == "spec.globalClusterIdentifier"], c
	assert "remove-from-global-cluster" not in [a["kind"] for a in c["actions"]], c
	PY
'

test_expect_success 'a primary taken out of band is reported in place and put back' '
	boto3_run <<-PY &&
	c = rds.describe_db_clusters(DBClusterIdentifier="orders-primary")["DBClusters"][0]
	rds.remove_from_global_cluster(GlobalClusterIdentifier="orders-global",
	                               DbClusterIdentifier=c["DBClusterArn"])
	rds.delete_global_cluster(GlobalClusterIdentifier="orders-global")
	PY
	check_exit 2 "$AG_BIN" plan --dir m --state-dir "$STATE" --detailed-exitcode \
		--cluster orders-primary --format json >drift.json &&
	python3 - drift.json <<-PY &&
	import json, sys
	c = json.load(open(sys.argv[1]))["clusters"][0]
	ch = [x for x in c["changes"] if x["path"] == "spec.globalClusterIdentifier"][0]
	assert (ch["class"], ch["state"]) == ("in-place", "send"), ch
	a = [a for a in c["actions"] if a["kind"] == "create-global-cluster"][0]["params"]
	assert a["GlobalClusterIdentifier"] == "orders-global", a
	assert a["SourceDBClusterIdentifier"].endswith(":cluster:orders-primary"), a
	PY
	sync_ok rejoin &&
	boto3_run <<-PY &&
	c = rds.describe_db_clusters(DBClusterIdentifier="orders-primary")["DBClusters"][0]
	assert c["GlobalClusterIdentifier"] == "orders-global", c.get("GlobalClusterIdentifier")
	PY
	check_exit 0 "$AG_BIN" plan --dir m --state-dir "$STATE" --detailed-exitcode >clean4.txt
'

test_expect_success 'detach together with the field is an error' '
	mkdir bad &&
	write x-db "  annotations:
    aurora-gitops/global-cluster: detach" "  globalClusterIdentifier: g" >bad/x.yaml &&
	check_exit 1 "$AG_BIN" validate bad >v.txt 2>&1 &&
	check_contains v.txt "x.yaml:12:3: error: spec.globalClusterIdentifier cannot be used together with the annotation aurora-gitops/global-cluster: detach"
'

test_done
