#!/usr/bin/env bash
# spec.autoscaling: reader Auto Scaling through Application Auto Scaling
# (JSON 1.1, served by moto on the same port). The scalable target on
# rds:cluster:ReadReplicaCount and the agent's target-tracking policy are
# registered after the cluster, read for the whole fleet with one
# DescribeScalableTargets and one DescribeScalingPolicies, corrected in
# place when changed out of band, deregistered with enabled: false or
# before the cluster is deleted. Readers Auto Scaling adds
# (application-autoscaling-*) are never deleted by the agent. moto does not
# run the policy, so the test adds such a reader itself.
. "$(dirname "$0")/test-lib.sh"

start_moto
export AWS_EC2_METADATA_DISABLED=true
STATE="$TRASH/state"

test_expect_success 'setup: the example rendered against the moto network' '
	mkdir src &&
	cp "$AG_SRC/manifests/reader-autoscaling.yaml" src/ &&
	python3 "$AG_SRC/tests/tools/moto-fixture.py" render "$MOTO_URL" src m >/dev/null
'

test_expect_success 'plan: the target and the policy come after the instances' '
	check_exit 2 "$AG_BIN" plan --dir m --state-dir "$STATE" --detailed-exitcode --format json >p1.json &&
	python3 - p1.json <<-\PY
	import json, sys
	c = json.load(open(sys.argv[1]))["clusters"][0]
	kinds = [a["kind"] for a in c["actions"]]
	assert kinds[-2:] == ["register-scalable-target", "put-scaling-policy"], kinds
	reg = c["actions"][-2]["params"]
	assert reg["ResourceId"] == "\"cluster:catalog-db\"", reg
	assert (reg["MinCapacity"], reg["MaxCapacity"]) == ("1", "5"), reg
	PY
'

test_expect_success 'sync registers the target and the target-tracking policy' '
	"$AG_BIN" sync --dir m --state-dir "$STATE" --poll-interval 100ms >sync.txt 2>&1 ||
		{ cat sync.txt; exit 1; }
	aas_run <<-\PY
	t = targets()["cluster:catalog-db"]
	assert (t["ScalableDimension"], t["MinCapacity"], t["MaxCapacity"]) == (DIM, 1, 5), t
	p = policies()[("cluster:catalog-db", "aurora-gitops-readers")]
	assert p["PolicyType"] == "TargetTrackingScaling", p
	cfg = p["TargetTrackingScalingPolicyConfiguration"]
	assert cfg["TargetValue"] == 60.0, cfg
	assert cfg["PredefinedMetricSpecification"]["PredefinedMetricType"] == "RDSReaderAverageCPUUtilization", cfg
	assert (cfg["ScaleInCooldown"], cfg["ScaleOutCooldown"]) == (300, 120), cfg
	PY
'

test_expect_success 'the next plan is clean; the fleet is read with one call each' '
	"$AG_BIN" plan --dir m --state-dir "$STATE" --detailed-exitcode -v >clean.txt 2>clean.err ||
		{ cat clean.txt clean.err; exit 1; }
	grep "aws requests:" clean.err >calls &&
	grep -q "application-autoscaling:DescribeScalableTargets=1" calls &&
	grep -q "application-autoscaling:DescribeScalingPolicies=1" calls || { cat calls; exit 1; }
'

test_expect_success 'changed out of band, and a reader Auto Scaling added' '
	aas_run <<-\PY &&
	aas.register_scalable_target(ServiceNamespace="rds", ResourceId="cluster:catalog-db",
	    ScalableDimension=DIM, MinCapacity=2, MaxCapacity=3)
	aas.put_scaling_policy(PolicyName="aurora-gitops-readers", ServiceNamespace="rds",
	    ResourceId="cluster:catalog-db", ScalableDimension=DIM, PolicyType="TargetTrackingScaling",
	    TargetTrackingScalingPolicyConfiguration={"TargetValue": 80.0,
	        "PredefinedMetricSpecification": {"PredefinedMetricType": "RDSReaderAverageDatabaseConnections"},
	        "ScaleInCooldown": 300, "ScaleOutCooldown": 120})
	PY
	boto3_run <<-\PY
	rds.create_db_instance(DBInstanceIdentifier="application-autoscaling-0a1b2c3d",
	    DBClusterIdentifier="catalog-db", DBInstanceClass="db.r6g.large", Engine="aurora-mysql")
	PY
'

test_expect_success 'plan reports the drift in place; the added reader is not deleted' '
	check_exit 2 "$AG_BIN" plan --dir m --state-dir "$STATE" --detailed-exitcode --format json >p2.json &&
	python3 - p2.json <<-\PY
	import json, sys
	c = json.load(open(sys.argv[1]))["clusters"][0]
	assert c["status"] == "update", c["status"]
	ch = [x for x in c["changes"] if x["path"] == "spec.autoscaling"]
	assert ch and ch[0]["class"] == "in-place", c["changes"]
	assert "readers=2..3" in ch[0]["live"] and "DatabaseConnections=80" in ch[0]["live"], ch[0]
	kinds = [a["kind"] for a in c["actions"]]
	assert kinds == ["register-scalable-target", "put-scaling-policy"], kinds
	info = [x for x in c["changes"] if "application-autoscaling-0a1b2c3d" in x["path"]]
	assert info and info[0]["state"] == "info", c["changes"]
	PY
'

test_expect_success 'sync corrects it; the plan is clean with the added reader still there' '
	"$AG_BIN" sync --dir m --state-dir "$STATE" --poll-interval 100ms >sync2.txt 2>&1 ||
		{ cat sync2.txt; exit 1; }
	aas_run <<-\PY &&
	t = targets()["cluster:catalog-db"]
	assert (t["MinCapacity"], t["MaxCapacity"]) == (1, 5), t
	cfg = policies()[("cluster:catalog-db", "aurora-gitops-readers")]["TargetTrackingScalingPolicyConfiguration"]
	assert cfg["TargetValue"] == 60.0, cfg
	assert cfg["PredefinedMetricSpecification"]["PredefinedMetricType"] == "RDSReaderAverageCPUUtilization", cfg
	ids = [i["DBInstanceIdentifier"] for i in rds.describe_db_instances()["DBInstances"]]
	assert "application-autoscaling-0a1b2c3d" in ids, ids
	PY
	"$AG_BIN" plan --dir m --state-dir "$STATE" --detailed-exitcode >clean2.txt ||
		{ cat clean2.txt; exit 1; }
'

test_expect_success 'a manifest without autoscaling leaves a target alone' '
	mkdir m3 &&
	sed "/autoscaling:/,\$d" m/reader-autoscaling.yaml >m3/c.yaml &&
	"$AG_BIN" plan --dir m3 --state-dir "$STATE" --format json >p3.json &&
	python3 - p3.json <<-\PY
	import json, sys
	c = json.load(open(sys.argv[1]))["clusters"][0]
	assert not [a for a in c["actions"] if "scalable" in a["kind"]], c["actions"]
	PY
'

test_expect_success 'enabled: false deregisters the target' '
	python3 - m/reader-autoscaling.yaml <<-\PY &&
	import sys
	p = sys.argv[1]
	s = open(p).read()
	s = s[:s.index("  autoscaling:")] + "  autoscaling:\n    enabled: false\n"
	open(p, "w").write(s)
	PY
	check_exit 2 "$AG_BIN" plan --dir m --state-dir "$STATE" --detailed-exitcode --format json >p4.json &&
	python3 - p4.json <<-\PY &&
	import json, sys
	c = json.load(open(sys.argv[1]))["clusters"][0]
	assert [a["kind"] for a in c["actions"]] == ["deregister-scalable-target"], c["actions"]
	PY
	"$AG_BIN" sync --dir m --state-dir "$STATE" >sync4.txt 2>&1 &&
	aas_run <<-\PY &&
	assert "cluster:catalog-db" not in targets(), targets()
	PY
	"$AG_BIN" plan --dir m --state-dir "$STATE" --detailed-exitcode >clean4.txt
'

test_expect_success 'a cluster being deleted loses its target first' '
	aas_run <<-\PY &&
	aas.register_scalable_target(ServiceNamespace="rds", ResourceId="cluster:catalog-db",
	    ScalableDimension=DIM, MinCapacity=1, MaxCapacity=2)
	PY
	sed -i -e "s|aurora-gitops/mode: apply|aurora-gitops/mode: apply\n    aurora-gitops/deletion: delete|" \
		-e "s/^spec:/spec:\n  skipFinalSnapshot: true/" m/reader-autoscaling.yaml &&
	"$AG_BIN" plan --dir m --state-dir "$STATE" --max-deletes 1 --format json >p5.json &&
	python3 - p5.json <<-\PY &&
	import json, sys
	c = json.load(open(sys.argv[1]))["clusters"][0]
	kinds = [a["kind"] for a in c["actions"]]
	assert kinds[0] == "deregister-scalable-target", kinds
	assert kinds[-1] == "delete-cluster", kinds
	PY
	"$AG_BIN" sync --dir m --state-dir "$STATE" --poll-interval 100ms >sync5.txt 2>&1 ||
		{ cat sync5.txt; exit 1; }
	aas_run <<-\PY
	assert "cluster:catalog-db" not in targets(), targets()
	PY
'

test_expect_success 'the Application Auto Scaling requests are valid for real AWS' '
	python3 "$AG_SRC/tests/tools/botocore-check.py" \
		--require RegisterScalableTarget,PutScalingPolicy,DeregisterScalableTarget,DescribeScalableTargets,DescribeScalingPolicies \
		"$AG_REQUEST_LOG"
'

test_done
