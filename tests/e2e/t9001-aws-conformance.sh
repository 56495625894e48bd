#!/usr/bin/env bash
# Every request the binary sends is valid for real AWS, checked against
# botocore's service models (tests/tools/botocore-check.py): operation and
# API version, member names after Query flattening, types, enums, required
# members, min/max. This test drives representative flows that reach every
# Action the agent sends (sync of all examples, drift correction, manifest
# changes, security group, sealed password rotation, deletion tombstone,
# the monitoring role through IAM, made by one sync and found by a later
# one, CloudWatch alarms),
# then checks its own requests and the ones every other end-to-end test
# recorded (test-lib.sh records them; ctest runs this test last).
. "$(dirname "$0")/test-lib.sh"

CHECK="$AG_SRC/tests/tools/botocore-check.py"
python3 -c 'import botocore' 2>/dev/null || skip_all "botocore is not installed"

start_moto
export AWS_EC2_METADATA_DISABLED=true
STATE="$TRASH/state"

sync_ok() { # NAME: sync, keep the output, fail on a failed cluster
	local name=$1 key=()
	[ ! -e keys/k.key ] || key=(--key-file keys/k.key)
	"$AG_BIN" sync --dir m --state-dir "$STATE" --poll-interval 100ms "${key[@]}" >"$name.txt" 2>&1 ||
		{ cat "$name.txt"; return 1; }
	! grep -E "^cluster .*: (failed|skipped)" "$name.txt" || { cat "$name.txt"; return 1; }
}

test_expect_success 'the checker finds what botocore would refuse' '
	python3 - >bad.jsonl <<-\PY
	import json
	def r(body, service="rds"):
	    print(json.dumps({"method": "POST", "path": "/", "query": "", "service": service,
	        "content_type": "application/x-www-form-urlencoded; charset=utf-8", "body": body}))
	base = "Action=CreateDBCluster&Version=2014-10-31&DBClusterIdentifier=a"
	r(base + "&Engine=aurora-postgresql")
	r(base + "&Engine=aurora-postgresql&Port=5432.0")
	r(base + "&Engine=aurora-postgresql&VpcSecurityGroupIds.member.1=sg-1")
	r(base)
	r("Action=CreateDBCluster&Version=2013-01-10&DBClusterIdentifier=a&Engine=x")
	r("Action=ModifyDBCluster&Version=2014-10-31&DBClusterIdentifier=a&DeletionProtection=1")
	r("Action=DescribeDBClusters&Version=2014-10-31&Filters.Filter.1.Name=engine"
	  "&Filters.Filter.1.Values.Value.2=x")
	r("Action=AuthorizeSecurityGroupIngress&Version=2016-11-15&GroupId=sg-1"
	  "&IpPermissions.member.1.IpProtocol=tcp", "ec2")
	r("Action=ModifyDBClusters&Version=2014-10-31")
	r("Action=ModifyDBClusterParameterGroup&Version=2014-10-31&DBClusterParameterGroupName=g"
	  "&Parameters.Parameter.1.ParameterName=x&Parameters.Parameter.1.ApplyMethod=later")
	r("Action=DescribeDBClusters&Version=2014-10-31&MaxRecords=500")
	PY
	check_exit 1 python3 "$CHECK" bad.jsonl >out &&
	cat >expect <<-\EOF &&
	bad.jsonl:2: CreateDBCluster: '"'"'Port'"'"': '"'"'5432.0'"'"' is not an integer
	bad.jsonl:3: CreateDBCluster: '"'"'VpcSecurityGroupIds.member.1'"'"' is not a member of CreateDBCluster (after query flattening)
	bad.jsonl:4: CreateDBCluster: Missing required parameter in input: "Engine"
	bad.jsonl:5: CreateDBCluster: Version '"'"'2013-01-10'"'"' is not rds'"'"'s API version 2014-10-31
	bad.jsonl:6: ModifyDBCluster: '"'"'DeletionProtection'"'"': '"'"'1'"'"' is not a boolean (true or false)
	bad.jsonl:7: DescribeDBClusters: '"'"'Filters.Filter.1.Values.Value.N'"'"': indices [2] are not 1..2 without gaps
	bad.jsonl:8: AuthorizeSecurityGroupIngress: '"'"'IpPermissions.member.1.IpProtocol'"'"' is not a member of AuthorizeSecurityGroupIngress (after ec2 flattening)
	bad.jsonl:9: ModifyDBClusters: '"'"'ModifyDBClusters'"'"' is not an operation of rds
	bad.jsonl:11: DescribeDBClusters: '"'"'MaxRecords'"'"': 500 is outside 20..100 (AWS API reference)
	EOF
	while IFS= read -r line; do check_contains out "$line"; done <expect &&
	grep -q "^bad.jsonl:10: ModifyDBClusterParameterGroup: .*ApplyMethod.*later.*not one of" out &&
	! grep -q "^bad.jsonl:1:" out &&
	check_exit 1 python3 "$CHECK" --require DeleteDBCluster bad.jsonl >out2 &&
	check_contains out2 "no request for DeleteDBCluster was recorded"
'

test_expect_success 'the checker finds what botocore would refuse in JSON 1.1 requests' '
	python3 - >badjson.jsonl <<-\PY
	import json
	def r(target, body, service="kms", ct="application/x-amz-json-1.1"):
	    print(json.dumps({"method": "POST", "path": "/", "query": "", "service": service,
	        "content_type": ct, "target": target, "body": json.dumps(body)}))
	r("TrentService.CreateAlias", {"AliasName": "alias/a", "TargetKeyId": "k"})
	r("TrentService.CreateAlias", {"AliasName": "alias/a"})
	r("TrentService.EnableKeyRotation", {"KeyId": "k"}, ct="application/x-www-form-urlencoded")
	r("TrentService.CreateKeys", {})
	r("TrentService.CreateKey", {"KeySpec": "SYMMETRIC", "Tags": [{"TagKey": "a", "TagValue": "b"}]})
	asg = "application-autoscaling"
	base = {"ServiceNamespace": "rds", "ResourceId": "cluster:a",
	        "ScalableDimension": "rds:cluster:ReadReplicaCount"}
	r("AnyScaleFrontendService.RegisterScalableTarget", dict(base, MinCapacity="1"), asg)
	r("AnyScaleFrontendService.DescribeScalingPolicies", {"ServiceNamespace": "rds", "MaxResults": 50}, asg)
	r("TrentService.RegisterScalableTarget", dict(base, MinCapacity=1), asg)
	r("AnyScaleFrontendService.DescribeScalableTargets", {"ServiceNamespace": "rds", "Extra": 1}, asg)
	PY
	check_exit 1 python3 "$CHECK" badjson.jsonl >outj &&
	! grep -q "^badjson.jsonl:1:" outj &&
	grep -q "^badjson.jsonl:2: CreateAlias: .*TargetKeyId" outj &&
	grep -q "^badjson.jsonl:3: EnableKeyRotation: content type" outj &&
	grep -q "^badjson.jsonl:4: CreateKeys: .*not an operation of kms" outj &&
	grep -q "^badjson.jsonl:5: CreateKey: .*SYMMETRIC.*not one of" outj &&
	grep -q "^badjson.jsonl:6: RegisterScalableTarget: .*MinCapacity" outj &&
	grep -q "^badjson.jsonl:7: DescribeScalingPolicies: .*MaxResults.*1..10" outj &&
	grep -q "^badjson.jsonl:8: .*X-Amz-Target" outj &&
	grep -q "^badjson.jsonl:9: DescribeScalableTargets: .*Extra" outj || { cat outj; exit 1; }
'

test_expect_success 'setup: network, snapshot and replication source' '
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

test_expect_success 'sync creates every example' '
	sync_ok create
'

# Monitoring turned off behind the agent is turned on again with the role
# the first sync made: the run finds it (GetRole, ListAttachedRolePolicies).
test_expect_success 'drift made behind the agent is corrected' '
	boto3_run <<-PY &&
	arn = rds.describe_db_clusters(DBClusterIdentifier="orders-db")["DBClusters"][0]["DBClusterArn"]
	rds.modify_db_cluster(DBClusterIdentifier="orders-db", BackupRetentionPeriod=3,
	    CopyTagsToSnapshot=False, ApplyImmediately=True)
	rds.add_tags_to_resource(ResourceName=arn, Tags=[{"Key": "cost-center", "Value": "x"}])
	rds.remove_tags_from_resource(ResourceName=arn, TagKeys=["team"])
	for i in ["orders-db-writer", "minimal-pg-1"]:
	    rds.modify_db_instance(DBInstanceIdentifier=i, MonitoringInterval=0, ApplyImmediately=True)
	PY
	from=$(wc -l <"$AG_REQUEST_LOG") &&
	sync_ok drift &&
	grep -q "orders-db" drift.txt &&
	test "$(count_requests GetRole "$from")" -eq 1 &&
	test "$(count_requests ListAttachedRolePolicies "$from")" -eq 1 &&
	test "$(count_requests CreateRole "$from")" -eq 0 &&
	boto3_run <<-PY
	for i in ["orders-db-writer", "minimal-pg-1"]:
	    d = rds.describe_db_instances(DBInstanceIdentifier=i)["DBInstances"][0]
	    assert d["MonitoringInterval"] == 60 and d["MonitoringRoleArn"].endswith(
	        ":role/rds-monitoring-role"), d
	PY
'

test_expect_success 'manifest changes: classes, counts, parameters, logs, labels, endpoint, promotion' '
	sed -i "s/instanceClass: db.t4g.medium/instanceClass: db.r6g.large/" m/minimal.yaml &&
	sed -i "s/    count: 2/    count: 1/" m/custom-parameters.yaml &&
	python3 - m/custom-parameters.yaml <<-\PY &&
	import sys
	p = sys.argv[1]
	s = open(p).read()
	start = s.index("    - name: log_min_duration_statement")
	end = s.index("    - name: shared_preload_libraries")
	s = s[:start] + s[end:]
	s = s.replace("value: \"1\"", "value: \"0\"")
	s = s.replace("  deletionProtection: true\n", "  deletionProtection: true\n  enableHttpEndpoint: true\n")
	open(p, "w").write(s)
	PY
	sed -i "s/^    team: payments/    tier: gold/" m/production.yaml &&
	sed -i "s/^    - postgresql$/    - postgresql\n    - instance/" m/production.yaml &&
	sed -i "s/^    deadlocks: {threshold: 0}/    deadlocks: {enabled: false}/" m/production.yaml &&
	grep -q "deadlocks: {enabled: false}" m/production.yaml &&
	sed -i "/replicationSourceIdentifier:/d" m/cross-region-replica.yaml &&
	"$AG_BIN" validate m >/dev/null &&
	sync_ok changes
'

# api-db finds a group of its name already there (created by an earlier,
# interrupted run): the agent looks it up instead of failing.
test_expect_success 'clusters with their own security group' '
	python3 - net.json "$MOTO_URL" >m/web.yaml <<-\PY &&
	import json, sys, boto3
	n = json.load(open(sys.argv[1]))
	ec2 = boto3.client("ec2", endpoint_url=sys.argv[2], region_name="us-east-1",
	                   aws_access_key_id="testing", aws_secret_access_key="testing")
	ec2.create_security_group(GroupName="api-db", Description="left over", VpcId=n["vpc"])
	for name in ["web-db", "api-db"]:
	    print(f"""---
	apiVersion: aws.project-planton.org/v1
	kind: AwsRdsCluster
	metadata:
	  name: {name}
	spec:
	  subnetIds: [{n["subnets"][0]}, {n["subnets"][1]}]
	  vpcId: {n["vpc"]}
	  securityGroupIds: [{n["security_group"]}]
	  allowedCidrBlocks: [10.20.0.0/16, 10.30.0.0/16]
	  engine: aurora-postgresql
	  engineVersion: "16.1"
	  port: 5432
	  manageMasterUserPassword: true""".replace("\n\t", "\n"))
	PY
	sync_ok sg
'

test_expect_success 'a sealed password, then its rotation' '
	mkdir keys &&
	"$AG_BIN" keygen --out keys/k >/dev/null 2>&1 &&
	seal() { printf "%s" "$1" | "$AG_BIN" seal --key keys/k.pub --cluster pay-db --field spec.password; } &&
	write_pay() {
		printf "%s\n" "apiVersion: aws.project-planton.org/v1" "kind: AwsRdsCluster" \
			"metadata:" "  name: pay-db" "spec:" "  dbSubnetGroupName: default" \
			"  engine: aurora-mysql" "  engineVersion: 8.0.mysql_aurora.3.05.2" \
			"  password: \"$1\"" >m/pay.yaml
	} &&
	write_pay "$(seal first-Secret-4d8a1c)" &&
	sync_ok sealed1 &&
	write_pay "$(seal second-Secret-9b7e2f)" &&
	sync_ok sealed2 &&
	! grep -q "second-Secret-9b7e2f" "$AG_REQUEST_LOG" &&
	python3 - "$AG_REQUEST_LOG" <<-\PY
	import json, sys, urllib.parse
	mods = [dict(urllib.parse.parse_qsl(json.loads(l)["body"])) for l in open(sys.argv[1])]
	mods = [p for p in mods if p.get("Action") == "ModifyDBCluster" and
	        p.get("DBClusterIdentifier") == "pay-db" and "MasterUserPassword" in p]
	assert len(mods) == 1 and mods[0]["MasterUserPassword"] == "*" * 20, mods
	PY
'

test_expect_success 'a deletion tombstone deletes the cluster and its instances' '
	sed -i "s/^  name: minimal-pg/  name: minimal-pg\n  annotations:\n    aurora-gitops\/deletion: delete/" m/minimal.yaml &&
	sync_ok delete &&
	boto3_run <<-PY
	ids = [c["DBClusterIdentifier"] for c in rds.describe_db_clusters()["DBClusters"]]
	assert "minimal-pg" not in ids, ids
	PY
'

# Every Action the agent can send (src/core/plan.h, src/aws/*.c) that these
# flows reach; a new Action needs a flow here.
ACTIONS=DescribeDBClusters,DescribeDBInstances,DescribeDBClusterParameterGroups
ACTIONS=$ACTIONS,DescribeDBClusterParameters,DescribeSecurityGroups
ACTIONS=$ACTIONS,CreateDBSubnetGroup,CreateDBClusterParameterGroup,ModifyDBClusterParameterGroup
ACTIONS=$ACTIONS,ResetDBClusterParameterGroup,CreateDBCluster,RestoreDBClusterFromSnapshot
ACTIONS=$ACTIONS,ModifyDBCluster,PromoteReadReplicaDBCluster,EnableHttpEndpoint,CreateDBInstance
ACTIONS=$ACTIONS,ModifyDBInstance,DeleteDBInstance,AddTagsToResource,RemoveTagsFromResource
ACTIONS=$ACTIONS,DeleteDBCluster,CreateSecurityGroup,AuthorizeSecurityGroupIngress
ACTIONS=$ACTIONS,GetRole,CreateRole,AttachRolePolicy,ListAttachedRolePolicies
ACTIONS=$ACTIONS,DescribeAlarms,PutMetricAlarm,DeleteAlarms
# JSON 1.1: the kms-key and reader-autoscaling examples
ACTIONS=$ACTIONS,ListAliases,DescribeKey,GetKeyRotationStatus,CreateKey,CreateAlias
ACTIONS=$ACTIONS,EnableKeyRotation,DescribeScalableTargets,DescribeScalingPolicies
ACTIONS=$ACTIONS,RegisterScalableTarget,PutScalingPolicy

test_expect_success 'every request of these flows is valid for botocore, every Action seen' '
	python3 "$CHECK" --summary --require "$ACTIONS" "$AG_REQUEST_LOG" >check.txt ||
		{ cat check.txt; exit 1; }
	cat check.txt
'

test_expect_success 'every request the other end-to-end tests recorded is valid' '
	n=0 &&
	for f in "$AG_REQUEST_LOG_DIR"/*.jsonl; do
		[ -e "$f" ] && [ "$f" != "$AG_REQUEST_LOG" ] && [ -s "$f" ] || continue
		n=$((n + 1))
		python3 "$CHECK" --summary "$f" >>others.txt 2>&1 || { cat others.txt; exit 1; }
	done &&
	echo "$n request logs of other tests checked" &&
	tail -n 1 others.txt 2>/dev/null || :
'

test_done
