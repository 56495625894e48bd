#!/usr/bin/env bash
# import of clusters made outside the agent with a customer managed KMS key
# and reader Auto Scaling: the manifest names the key (kmsKeyId) and the
# autoscaling the live target has, so plan shows no changes. A target whose
# policies are another tool's is left out with a comment (the agent leaves
# it alone), and readers Auto Scaling added (application-autoscaling-*) are
# never listed as instances. moto does not run the policy, so the test adds
# such a reader itself.
. "$(dirname "$0")/test-lib.sh"

start_moto
export AWS_EC2_METADATA_DISABLED=true
STATE="$TRASH/state"

# policy CLUSTER NAME CONFIG (in aas_run): a target-tracking policy
POLICY='def policy(cid, name, cfg):
    aas.put_scaling_policy(PolicyName=name, ServiceNamespace="rds", ResourceId="cluster:" + cid,
        ScalableDimension=DIM, PolicyType="TargetTrackingScaling",
        TargetTrackingScalingPolicyConfiguration=cfg)'

test_expect_success 'setup: two encrypted clusters with reader Auto Scaling, made with boto3' '
	python3 "$AG_SRC/tests/tools/moto-fixture.py" network "$MOTO_URL" >net.json &&
	aas_run <<-PY
	$POLICY
	import json
	kms = boto3.client("kms", endpoint_url="$MOTO_URL", region_name="us-east-1",
	                   aws_access_key_id="testing", aws_secret_access_key="testing")
	net = json.load(open("net.json"))
	rds.create_db_subnet_group(DBSubnetGroupName="shared", DBSubnetGroupDescription="shared",
	    SubnetIds=net["subnets"])
	arn = kms.create_key(Description="ledger")["KeyMetadata"]["Arn"]
	kid = kms.create_key(Description="shop")["KeyMetadata"]["KeyId"]
	for cid, key in (("ledger", arn), ("shop", kid)):
	    rds.create_db_cluster(DBClusterIdentifier=cid, Engine="aurora-postgresql",
	        EngineVersion="16.1", MasterUsername="admin", ManageMasterUserPassword=True,
	        DBSubnetGroupName="shared", StorageEncrypted=True, KmsKeyId=key)
	    for j in (1, 2):
	        rds.create_db_instance(DBInstanceIdentifier=f"{cid}-{j}", DBClusterIdentifier=cid,
	            DBInstanceClass="db.r6g.large", Engine="aurora-postgresql")
	    aas.register_scalable_target(ServiceNamespace="rds", ResourceId="cluster:" + cid,
	        ScalableDimension=DIM, MinCapacity=1, MaxCapacity=4)
	# ledger: the policy aurora-gitops makes, plus one made by another tool
	policy("ledger", "aurora-gitops-readers", {"TargetValue": 65.0, "ScaleInCooldown": 600,
	    "PredefinedMetricSpecification": {"PredefinedMetricType": "RDSReaderAverageCPUUtilization"}})
	policy("ledger", "ops-burst", {"TargetValue": 90.0,
	    "PredefinedMetricSpecification": {"PredefinedMetricType": "RDSReaderAverageCPUUtilization"}})
	# shop: only a policy made by another tool
	policy("shop", "ops-readers", {"TargetValue": 70.0,
	    "PredefinedMetricSpecification": {"PredefinedMetricType": "RDSReaderAverageDatabaseConnections"}})
	# a reader Auto Scaling added
	rds.create_db_instance(DBInstanceIdentifier="application-autoscaling-5f2c9a1e",
	    DBClusterIdentifier="ledger", DBInstanceClass="db.r6g.large", Engine="aurora-postgresql")
	json.dump({"arn": arn, "kid": kid}, open("keys.json", "w"))
	PY
'

test_expect_success 'import writes the key and the autoscaling the clusters have' '
	"$AG_BIN" import ledger shop --out m 2>import.err ||
		{ cat import.err; exit 1; }
	"$AG_BIN" validate m >validate.txt || { cat validate.txt m/*; exit 1; }
	python3 - m/ledger.yaml m/shop.yaml <<-\PY
	import json, sys, yaml
	keys = json.load(open("keys.json"))
	ledger, shop = (yaml.safe_load(open(f)) for f in sys.argv[1:3])
	assert ledger["spec"]["kmsKeyId"] == keys["arn"], ledger["spec"]
	assert shop["spec"]["kmsKeyId"] == keys["kid"], shop["spec"]
	assert ledger["spec"]["storageEncrypted"] is True, ledger["spec"]
	a = ledger["spec"]["autoscaling"]
	assert a == {"minReaders": 1, "maxReaders": 4, "metric": "RDSReaderAverageCPUUtilization",
	             "targetValue": 65, "scaleInCooldown": 600}, a
	assert "autoscaling" not in shop["spec"], shop["spec"]
	names = [i["name"] for i in ledger["spec"]["instances"]]
	assert names == ["ledger-1", "ledger-2"], names
	PY
	check_contains m/shop.yaml "Reader Auto Scaling has a target here (readers 1..4)" &&
	check_contains m/shop.yaml "its policies are not aurora-gitops'"'"'s" &&
	check_contains m/ledger.yaml "other policies on the target (1): left as they are" &&
	check_contains m/ledger.yaml "Readers added by Aurora Auto Scaling"
'

test_expect_success 'the imported manifests plan with zero changes' '
	"$AG_BIN" plan --dir m --state-dir "$STATE" --detailed-exitcode >plan.txt ||
		{ cat plan.txt m/*; exit 1; }
	check_contains plan.txt "managed by Aurora Auto Scaling: never deleted"
'

test_expect_success 'after import the target is managed: a change out of band is drift' '
	aas_run <<-\PY &&
	aas.register_scalable_target(ServiceNamespace="rds", ResourceId="cluster:ledger",
	    ScalableDimension=DIM, MinCapacity=1, MaxCapacity=9)
	PY
	check_exit 2 "$AG_BIN" plan --dir m --state-dir "$STATE" --detailed-exitcode \
		--format json >drift.json &&
	python3 - drift.json <<-\PY
	import json, sys
	cs = {c["id"]: c for c in json.load(open(sys.argv[1]))["clusters"]}
	sends = sorted(x["path"] for x in cs["ledger"]["changes"] if x["state"] == "send")
	# the adoption tag rides along with the first change (docs/drift.md)
	assert sends == ["metadata.labels.managed-by", "spec.autoscaling"], cs["ledger"]["changes"]
	kinds = sorted(a["kind"] for a in cs["ledger"]["actions"])
	assert kinds == ["add-tags", "register-scalable-target"], kinds
	assert cs["shop"]["actions"] == [], cs["shop"]
	PY
'

test_done
