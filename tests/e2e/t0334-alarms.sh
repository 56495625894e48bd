#!/usr/bin/env bash
# spec.alarms: the CloudWatch alarms of the bundles' set are created with
# the cluster, read back with one DescribeAlarms for the fleet, corrected
# when changed behind the agent, deleted when turned off, and removed with
# the cluster. Alarms the agent did not make are never touched, even under
# its name prefix. moto's CloudWatch answers on the same port (it
# dispatches by the SigV4 service name, "monitoring").
. "$(dirname "$0")/test-lib.sh"

start_moto
export AWS_EC2_METADATA_DISABLED=true
STATE="$TRASH/state"
SNS=arn:aws:sns:us-east-1:123456789012:db-alerts

cw_run() {
	python3 - "$@" <<PYEOF
import boto3
cw = boto3.client("cloudwatch", endpoint_url="$MOTO_URL", region_name="us-east-1",
                  aws_access_key_id="testing", aws_secret_access_key="testing")
rds = boto3.client("rds", endpoint_url="$MOTO_URL", region_name="us-east-1",
                   aws_access_key_id="testing", aws_secret_access_key="testing")
def alarms():
    out = {}
    for page in cw.get_paginator("describe_alarms").paginate():
        for a in page["MetricAlarms"]:
            out[a["AlarmName"]] = a
    return out
$(cat)
PYEOF
}

sync_ok() {
	"$AG_BIN" sync --dir m --state-dir "$STATE" --poll-interval 100ms >"$1.txt" 2>&1 ||
		{ cat "$1.txt"; return 1; }
}

test_expect_success 'setup: a provisioned and a Serverless v2 cluster with alarms, a user'"'"'s own alarms' '
	mkdir m &&
	cat >m/alm.yaml <<-EOF &&
	apiVersion: aws.project-planton.org/v1
	kind: AwsRdsCluster
	metadata:
	  name: alm-db
	spec:
	  dbSubnetGroupName: default
	  engine: aurora-postgresql
	  engineVersion: "16.1"
	  manageMasterUserPassword: true
	  monitoring: {interval: 0}
	  alarms:
	    snsTopicArn: $SNS
	    cpu: {threshold: 75}
	    replicaLag: {threshold: 2000, period: 60, evaluationPeriods: 3}
	    freeLocalStorage: {enabled: false}
	  instances: {count: 2, instanceClass: db.r6g.large}
	EOF
	cat >m/srv.yaml <<-EOF &&
	apiVersion: aws.project-planton.org/v1
	kind: AwsRdsCluster
	metadata:
	  name: srv-db
	spec:
	  dbSubnetGroupName: default
	  engine: aurora-postgresql
	  engineVersion: "16.1"
	  manageMasterUserPassword: true
	  monitoring: {interval: 0}
	  serverlessV2Scaling: {minCapacity: 0.5, maxCapacity: 8}
	  alarms:
	    snsTopicArn: $SNS
	  instances: {count: 1}
	EOF
	"$AG_BIN" validate m >v.txt &&
	cw_run <<-\PY
	for name, desc in [("team-alarm", "ours, not the agent'"'"'s"),
	                   ("aurora-gitops/alm-db/legacy", "made by hand under the prefix")]:
	    cw.put_metric_alarm(AlarmName=name, AlarmDescription=desc, MetricName="CPUUtilization",
	        Namespace="AWS/RDS", Statistic="Average", Period=60, EvaluationPeriods=1,
	        Threshold=50, ComparisonOperator="GreaterThanThreshold",
	        Dimensions=[{"Name": "DBClusterIdentifier", "Value": "alm-db"}])
	PY
'

test_expect_success 'sync creates the alarms with the cluster' '
	sync_ok create &&
	cw_run <<-PY
	a = alarms()
	mine = sorted(n for n in a if "(managed by aurora-gitops)" in a[n].get("AlarmDescription", ""))
	assert mine == [
	    "aurora-gitops/alm-db/alm-db-1/cpu", "aurora-gitops/alm-db/alm-db-1/freeableMemory",
	    "aurora-gitops/alm-db/alm-db-2/cpu", "aurora-gitops/alm-db/alm-db-2/freeableMemory",
	    "aurora-gitops/alm-db/deadlocks", "aurora-gitops/alm-db/replicaLag",
	    "aurora-gitops/srv-db/capacity", "aurora-gitops/srv-db/deadlocks",
	    "aurora-gitops/srv-db/srv-db-1/cpu", "aurora-gitops/srv-db/srv-db-1/freeLocalStorage",
	    "aurora-gitops/srv-db/srv-db-1/freeableMemory"], mine
	c = a["aurora-gitops/alm-db/alm-db-1/cpu"]
	assert (c["MetricName"], c["Statistic"], c["Threshold"], c["ComparisonOperator"]) == \
	    ("CPUUtilization", "Average", 75.0, "GreaterThanThreshold"), c
	assert c["Dimensions"] == [{"Name": "DBInstanceIdentifier", "Value": "alm-db-1"}], c
	assert c["AlarmActions"] == ["$SNS"] and c["OKActions"] == ["$SNS"], c
	r = a["aurora-gitops/alm-db/replicaLag"]
	assert (r["MetricName"], r["Threshold"], r["Period"], r["EvaluationPeriods"]) == \
	    ("AuroraReplicaLagMaximum", 2000.0, 60, 3), r
	assert r["Dimensions"] == [{"Name": "DBClusterIdentifier", "Value": "alm-db"}], r
	s = a["aurora-gitops/srv-db/capacity"]
	assert (s["MetricName"], s["Threshold"]) == ("ACUUtilization", 90.0), s
	m = a["aurora-gitops/alm-db/alm-db-2/freeableMemory"]
	assert (m["ComparisonOperator"], m["Threshold"]) == ("LessThanThreshold", 268435456.0), m
	PY
'

test_expect_success 'the plan is clean, with one DescribeAlarms for the fleet' '
	before=$(grep -c "Action=DescribeAlarms" "$AG_REQUEST_LOG") &&
	"$AG_BIN" plan --dir m --state-dir "$STATE" --detailed-exitcode >clean1.txt ||
		{ cat clean1.txt; exit 1; }
	after=$(grep -c "Action=DescribeAlarms" "$AG_REQUEST_LOG") &&
	test $((after - before)) -eq 1
'

test_expect_success 'out-of-band changes with boto3' '
	cw_run <<-\PY
	a = alarms()
	c = dict(a["aurora-gitops/alm-db/alm-db-1/cpu"])
	keep = ["AlarmName", "AlarmDescription", "ActionsEnabled", "OKActions", "AlarmActions",
	        "MetricName", "Namespace", "Statistic", "Dimensions", "Period",
	        "EvaluationPeriods", "ComparisonOperator", "TreatMissingData"]
	cw.put_metric_alarm(Threshold=95, **{k: c[k] for k in keep})
	d = dict(a["aurora-gitops/alm-db/deadlocks"])
	d["AlarmActions"] = []
	d["OKActions"] = []
	cw.put_metric_alarm(Threshold=d["Threshold"], **{k: d[k] for k in keep})
	cw.delete_alarms(AlarmNames=["aurora-gitops/alm-db/replicaLag"])
	PY
'

test_expect_success 'plan reports each drift, in place (exit 2)' '
	check_exit 2 "$AG_BIN" plan --dir m --state-dir "$STATE" --detailed-exitcode \
		--format json >drift.json &&
	python3 - drift.json <<-\PY
	import json, sys
	p = json.load(open(sys.argv[1]))
	c = [c for c in p["clusters"] if c["id"] == "alm-db"][0]
	ch = {x["path"]: x for x in c["changes"]}
	cpu = ch["spec.alarms.cpu[alm-db-1]"]
	assert cpu["class"] == "in-place" and "> 75" in cpu["committed"] and "> 95" in cpu["live"], cpu
	assert "threshold differs" in cpu["note"], cpu
	assert "snsTopicArn differs" in ch["spec.alarms.deadlocks[alm-db]"]["note"], ch
	lag = ch["spec.alarms.replicaLag[alm-db]"]
	assert lag["live"] == "(absent)" and "new alarm" in lag["note"], lag
	puts = sorted(a["target"] for a in c["actions"] if a["kind"] == "put-alarm")
	assert puts == ["aurora-gitops/alm-db/alm-db-1/cpu", "aurora-gitops/alm-db/deadlocks",
	                "aurora-gitops/alm-db/replicaLag"], c["actions"]
	assert [a for a in c["actions"] if a["kind"] == "put-alarm"][0]["params"]["Namespace"] == "AWS/RDS"
	s = [c for c in p["clusters"] if c["id"] == "srv-db"][0]
	assert s["status"] == "unchanged", s
	PY
'

test_expect_success 'sync corrects them, and the plan is clean afterwards' '
	sync_ok fix &&
	cw_run <<-PY &&
	a = alarms()
	assert a["aurora-gitops/alm-db/alm-db-1/cpu"]["Threshold"] == 75.0
	assert a["aurora-gitops/alm-db/deadlocks"]["AlarmActions"] == ["$SNS"]
	assert "aurora-gitops/alm-db/replicaLag" in a
	PY
	"$AG_BIN" plan --dir m --state-dir "$STATE" --detailed-exitcode >clean2.txt ||
		{ cat clean2.txt; exit 1; }
'

test_expect_success 'an alarm turned off is deleted, marked as weakening' '
	sed -i "s/    cpu: {threshold: 75}/    cpu: {enabled: false}/" m/alm.yaml &&
	check_exit 3 "$AG_BIN" plan --dir m --state-dir "$STATE" --detailed-exitcode \
		--forbid-weakening >forbid.txt &&
	check_contains forbid.txt "weakens protection" &&
	sync_ok off &&
	cw_run <<-\PY
	a = alarms()
	assert not [n for n in a if n.endswith("/cpu") and n.startswith("aurora-gitops/alm-db/")], sorted(a)
	assert "aurora-gitops/srv-db/srv-db-1/cpu" in a
	PY
'

test_expect_success 'the tombstone removes the cluster'"'"'s alarms, never a user'"'"'s' '
	sed -i "s/^  name: alm-db/  name: alm-db\n  annotations:\n    aurora-gitops\/deletion: delete/" m/alm.yaml &&
	sync_ok delete &&
	cw_run <<-\PY
	a = alarms()
	left = sorted(n for n in a if "alm-db" in n or n == "team-alarm")
	assert left == ["aurora-gitops/alm-db/legacy", "team-alarm"], left
	assert "aurora-gitops/srv-db/capacity" in a
	ids = [c["DBClusterIdentifier"] for c in rds.describe_db_clusters()["DBClusters"]]
	assert "alm-db" not in ids, ids
	PY
'

test_done
