#!/usr/bin/env bash
# A Massdriver-style production manifest (tests/data/manifests/good/
# massdriver-production.yaml): writer + 2 readers, a KMS key made for the
# cluster with rotation, Performance Insights on, 60 s Enhanced Monitoring,
# the five alarms and reader Auto Scaling from 1 to 5 readers. From
# nothing, one sync builds all of it (KMS, IAM, RDS, CloudWatch,
# Application Auto Scaling), and the next plan is clean.
. "$(dirname "$0")/test-lib.sh"

start_moto
export AWS_EC2_METADATA_DISABLED=true
STATE="$TRASH/state"

test_expect_success 'setup: the manifest rendered against the moto network' '
	mkdir src &&
	cp "$AG_SRC/tests/data/manifests/good/massdriver-production.yaml" src/ &&
	python3 "$AG_SRC/tests/tools/moto-fixture.py" render "$MOTO_URL" src m >/dev/null &&
	"$AG_BIN" validate m >v.txt || { cat v.txt; exit 1; }
'

test_expect_success 'one sync from nothing builds everything' '
	"$AG_BIN" sync --dir m --state-dir "$STATE" --poll-interval 100ms >sync.txt 2>sync.err ||
		{ cat sync.txt sync.err; exit 1; }
	check_contains sync.txt "cluster '"'"'payments-db'"'"': applied" &&
	! grep -E "^cluster .*: (failed|skipped|in-progress)" sync.txt
'

test_expect_success 'what AWS holds afterwards' '
	boto3_run <<-PY
	kw = dict(endpoint_url="$MOTO_URL", region_name="us-east-1",
	          aws_access_key_id="testing", aws_secret_access_key="testing")
	kms = boto3.client("kms", **kw)
	aas = boto3.client("application-autoscaling", **kw)
	cw = boto3.client("cloudwatch", **kw)
	c = rds.describe_db_clusters(DBClusterIdentifier="payments-db")["DBClusters"][0]
	members = sorted((m["DBInstanceIdentifier"], m["IsClusterWriter"]) for m in c["DBClusterMembers"])
	assert [m[0] for m in members] == ["payments-db-reader-1", "payments-db-reader-2",
	                                   "payments-db-writer"], members
	assert c["StorageEncrypted"] is True and c["DeletionProtection"] is True, c
	key = kms.describe_key(KeyId="alias/payments-db")["KeyMetadata"]
	assert key["KeyState"] == "Enabled", key
	assert kms.get_key_rotation_status(KeyId=key["KeyId"])["KeyRotationEnabled"] is True
	assert c["KmsKeyId"] in ("alias/payments-db", key["Arn"], key["KeyId"]), c["KmsKeyId"]
	for i in rds.describe_db_instances(Filters=[{"Name": "db-cluster-id", "Values": ["payments-db"]}])["DBInstances"]:
	    assert i.get("PerformanceInsightsEnabled") is True, (i["DBInstanceIdentifier"], i.get("PerformanceInsightsEnabled"))
	    assert i.get("MonitoringInterval") == 60, (i["DBInstanceIdentifier"], i.get("MonitoringInterval"))
	    assert i.get("MonitoringRoleArn", "").endswith(":role/rds-monitoring-role"), i.get("MonitoringRoleArn")
	t = aas.describe_scalable_targets(ServiceNamespace="rds")["ScalableTargets"]
	t = [x for x in t if x["ResourceId"] == "cluster:payments-db"]
	assert t and (t[0]["MinCapacity"], t[0]["MaxCapacity"]) == (1, 5), t
	p = aas.describe_scaling_policies(ServiceNamespace="rds", ResourceId="cluster:payments-db")["ScalingPolicies"]
	assert [x["PolicyName"] for x in p] == ["aurora-gitops-readers"], p
	alarms = cw.describe_alarms()["MetricAlarms"]
	metrics = sorted({a["MetricName"] for a in alarms})
	assert metrics == ["AuroraReplicaLagMaximum", "CPUUtilization", "Deadlocks",
	                   "FreeLocalStorage", "FreeableMemory"], metrics
	# cpu, freeableMemory, freeLocalStorage per instance; replicaLag, deadlocks per cluster
	assert len(alarms) == 3 * 3 + 2, sorted(a["AlarmName"] for a in alarms)
	assert all(a["AlarmActions"] == ["arn:aws:sns:us-east-1:123456789012:payments-db-alerts"]
	           for a in alarms), alarms
	PY
'

test_expect_success 'the next plan is clean (exit 0)' '
	"$AG_BIN" plan --dir m --state-dir "$STATE" --detailed-exitcode >plan.txt ||
		{ cat plan.txt; exit 1; }
	check_contains plan.txt "unchanged (1): payments-db"
'

test_expect_success 'every request was valid for real AWS' '
	python3 "$AG_SRC/tests/tools/botocore-check.py" --summary \
		--require CreateKey,CreateAlias,EnableKeyRotation,CreateDBCluster,CreateDBInstance,RegisterScalableTarget,PutScalingPolicy,PutMetricAlarm \
		"$AG_REQUEST_LOG" >check.txt || { cat check.txt; exit 1; }
'

test_done
