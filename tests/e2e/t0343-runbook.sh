#!/usr/bin/env bash
# The runbook commands answer without the aws CLI: show (status, endpoints,
# members with role/AZ/class/status, ingress, backups and snapshots,
# pending maintenance, events), snapshots, snapshot (tags copied) and
# events, as text and as JSON, with CloudWatch metrics (GetMetricData). DescribePendingMaintenanceActions is served
# by the test moto (tests/tools/moto-server.py) from the file named by
# AG_MOTO_PENDING_MAINTENANCE, written below.
. "$(dirname "$0")/test-lib.sh"

export AG_MOTO_PENDING_MAINTENANCE="$TRASH/pending.json"
start_moto
export AWS_EC2_METADATA_DISABLED=true
STATE="$TRASH/state"

test_expect_success 'setup: a cluster with a writer, a reader and ingress rules' '
	python3 "$AG_SRC/tests/tools/moto-fixture.py" network "$MOTO_URL" >net.json &&
	python3 - net.json >db.yaml <<-PY &&
	import json, sys
	n = json.load(open(sys.argv[1]))
	print(f"""apiVersion: aws.project-planton.org/v1
	kind: AwsRdsCluster
	metadata:
	  name: ops-db
	  org: acme
	  env: prod
	  labels: {{team: payments}}
	spec:
	  subnetIds: [{n["subnets"][0]}, {n["subnets"][1]}]
	  allowedCidrBlocks: [10.20.0.0/16]
	  engine: aurora-postgresql
	  engineVersion: "16.1"
	  manageMasterUserPassword: true
	  backupRetentionPeriod: 7
	  preferredBackupWindow: "03:00-04:00"
	  instances:
	    - {{name: ops-db-1, instanceClass: db.r6g.large, availabilityZone: us-east-1a}}
	    - {{name: ops-db-2, instanceClass: db.r6g.large, availabilityZone: us-east-1b}}""")
	PY
	mkdir m && sed "s/^\t//" db.yaml >m/db.yaml &&
	"$AG_BIN" sync --dir m --state-dir "$STATE" --poll-interval 100ms >sync.txt 2>&1 ||
		{ cat sync.txt; exit 1; }
	boto3_run >arn.txt <<-\PY
	print(rds.describe_db_clusters(DBClusterIdentifier="ops-db")["DBClusters"][0]["DBClusterArn"])
	PY
	python3 - "$MOTO_URL" <<-\PY &&
	import boto3, datetime, sys
	cw = boto3.client("cloudwatch", endpoint_url=sys.argv[1], region_name="us-east-1",
	                  aws_access_key_id="testing", aws_secret_access_key="testing")
	t = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(minutes=12)
	cw.put_metric_data(Namespace="AWS/RDS", MetricData=[{"MetricName": "CPUUtilization",
	    "Dimensions": [{"Name": "DBClusterIdentifier", "Value": "ops-db"}],
	    "Timestamp": t, "Value": 42.5, "Unit": "Percent"}])
	PY
	python3 - "$(cat arn.txt)" >"$AG_MOTO_PENDING_MAINTENANCE" <<-\PY
	import json, sys
	print(json.dumps([{"ResourceIdentifier": sys.argv[1], "PendingMaintenanceActionDetails": [
	    {"Action": "system-update", "Description": "New Operating System update is available",
	     "AutoAppliedAfterDate": "2026-12-10T03:00:00Z"}]}]))
	PY
'

test_expect_success 'snapshot copies the cluster tags and names itself after the cluster' '
	"$AG_BIN" snapshot ops-db --wait --poll-interval 100ms --format json >snap.json 2>snap.err ||
		{ cat snap.err; exit 1; }
	boto3_run snap.json <<-\PY
	import json, re
	s = json.load(open(sys.argv[1]))
	assert re.fullmatch(r"ops-db-manual-\d{8}-\d{6}", s["id"]), s
	assert s["status"] == "available" and s["type"] == "manual", s
	live = rds.describe_db_cluster_snapshots(DBClusterSnapshotIdentifier=s["id"])["DBClusterSnapshots"][0]
	tags = {t["Key"]: t["Value"] for t in live.get("TagList", [])}
	c = rds.describe_db_clusters(DBClusterIdentifier="ops-db")["DBClusters"][0]
	want = {t["Key"]: t["Value"] for t in c["TagList"]}
	assert tags == want and tags.get("team") == "payments", (tags, want)
	assert s["tags_copied"] == len(want), s
	PY
'

test_expect_success 'snapshots lists them newest first (text and json)' '
	"$AG_BIN" snapshots ops-db >snaps.txt &&
	check_contains snaps.txt "snapshots of '"'"'ops-db'"'"'" &&
	check_contains snaps.txt "ops-db-manual-" &&
	"$AG_BIN" snapshots ops-db --format json >snaps.json &&
	python3 - snaps.json <<-\PY
	import json, sys
	v = json.load(open(sys.argv[1]))
	assert len(v) >= 1 and any(s["type"] == "manual" for s in v), v
	assert [s["created"] for s in v] == sorted((s["created"] for s in v), reverse=True), v
	PY
'

test_expect_success 'events lists the cluster events' '
	"$AG_BIN" events ops-db --since 1h >ev.txt &&
	check_contains ev.txt "DB cluster created" &&
	"$AG_BIN" events ops-db --format json >ev.json &&
	python3 - ev.json <<-\PY
	import json, sys
	v = json.load(open(sys.argv[1]))
	assert any(e["message"] == "DB cluster created" and e["categories"] == ["creation"] for e in v), v
	PY
'

test_expect_success 'show --format json: members, ingress, backups, maintenance, events' '
	"$AG_BIN" show ops-db --format json >show.json 2>show.err || { cat show.err; exit 1; }
	
	boto3_run show.json "$(cat arn.txt)" <<-\PY
	import json
	s = json.load(open(sys.argv[1]))
	assert s["cluster"] == "ops-db" and s["status"] == "available", s
	m = {x["id"]: x for x in s["members"]}
	assert sorted(m) == ["ops-db-1", "ops-db-2"], m
	roles = sorted(x["role"] for x in m.values())
	assert roles == ["reader", "writer"], roles
	assert m["ops-db-1"]["availability_zone"] == "us-east-1a", m
	assert m["ops-db-2"]["class"] == "db.r6g.large" and m["ops-db-2"]["status"] == "available", m
	assert any("10.20.0.0/16" in r["sources"] and r["from_port"] == 5432 for r in s["ingress"]), s["ingress"]
	assert s["backups"]["retention_days"] == 7 and s["backups"]["window"] == "03:00-04:00", s["backups"]
	assert s["backups"]["latest_snapshots"], s["backups"]
	assert s["pending_maintenance"] == [{"resource": sys.argv[2], "action": "system-update",
	    "description": "New Operating System update is available",
	    "auto_applied_after": "2026-12-10T03:00:00Z", "forced_apply": None}], s["pending_maintenance"]
	assert any(e["message"] == "DB cluster created" for e in s["recent_events"]), s
	assert s["writer_endpoint"].startswith("ops-db."), s
	cpu = s["metrics"]["CPUUtilization"]
	assert cpu["datapoints"] >= 1 and cpu["latest"] == 42.5 and cpu["statistic"] == "Average", cpu
	acu = s["metrics"]["ServerlessDatabaseCapacity"]
	assert acu["datapoints"] == 0 and acu["latest"] is None, acu
	assert "metrics_error" not in s, s
	PY
'

test_expect_success 'show (text) answers the runbook questions' '
	"$AG_BIN" show ops-db >show.txt 2>show.err || { cat show.err; exit 1; }
	
	check_contains show.txt "cluster ops-db: available" &&
	check_contains show.txt "ops-db-1" &&
	check_contains show.txt "writer" &&
	check_contains show.txt "tcp 5432 from 10.20.0.0/16" &&
	check_contains show.txt "backups: 7 days retention, window 03:00-04:00" &&
	check_contains show.txt "system-update (New Operating System update is available), applied automatically after 2026-12-10T03:00:00Z" &&
	check_contains show.txt "DB cluster created" &&
	check_contains show.txt "CPUUtilization               42.50 % (Average" &&
	check_contains show.txt "ServerlessDatabaseCapacity   no datapoints in the last hour"
'

test_expect_success 'a cluster that does not exist is an error everywhere' '
	for c in show snapshots snapshot; do
		check_exit 1 "$AG_BIN" $c nope-db >nope.out 2>nope.err &&
		check_contains nope.err "nope-db" || exit 1
	done
'

test_expect_success 'usage errors' '
	check_exit 64 "$AG_BIN" show 2>u1.err &&
	check_contains u1.err "name one cluster" &&
	check_exit 64 "$AG_BIN" events x --since 30d 2>u2.err &&
	check_contains u2.err "out of range" &&
	check_exit 64 "$AG_BIN" snapshots x --format env 2>u3.err &&
	check_contains u3.err "expected text or json"
'

test_done
