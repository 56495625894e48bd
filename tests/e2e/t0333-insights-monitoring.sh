#!/usr/bin/env bash
# Performance Insights and Enhanced Monitoring, per cluster with a
# per-instance override, on by default: created with the cluster (the
# monitoring role made through IAM with the AWS managed policy), changed
# behind the agent, reported with the right class, corrected in place, and
# clean afterwards. A default only ever turns a feature on: it never turns
# one off or lowers it.
#
# moto keeps neither setting; tests/tools/moto-server.py adds them to its
# RDS backend (create, modify and describe round-trip, AWS's rules on the
# monitoring role included), so these are real round trips.
. "$(dirname "$0")/test-lib.sh"

start_moto
export AWS_EC2_METADATA_DISABLED=true
STATE="$TRASH/state"

iam_run() {
	python3 - "$@" <<PYEOF
import boto3
rds = boto3.client("rds", endpoint_url="$MOTO_URL", region_name="us-east-1",
                   aws_access_key_id="testing", aws_secret_access_key="testing")
iam = boto3.client("iam", endpoint_url="$MOTO_URL", region_name="us-east-1",
                   aws_access_key_id="testing", aws_secret_access_key="testing")
def inst(i):
    return rds.describe_db_instances(DBInstanceIdentifier=i)["DBInstances"][0]
$(cat)
PYEOF
}

test_expect_success 'setup: one cluster with settings and overrides, one with the defaults' '
	mkdir m &&
	cat >m/pim.yaml <<-\EOF &&
	apiVersion: aws.project-planton.org/v1
	kind: AwsRdsCluster
	metadata:
	  name: pim-db
	spec:
	  dbSubnetGroupName: default
	  engine: aurora-postgresql
	  engineVersion: "16.1"
	  manageMasterUserPassword: true
	  performanceInsights:
	    enabled: true
	    retentionPeriod: 31
	  monitoring:
	    interval: 30
	  instances:
	    - name: pim-db-1
	      instanceClass: db.r6g.large
	    - name: pim-db-2
	      instanceClass: db.r6g.large
	      performanceInsights: {enabled: false}
	      monitoring: {interval: 0}
	EOF
	cat >m/def.yaml <<-\EOF &&
	apiVersion: aws.project-planton.org/v1
	kind: AwsRdsCluster
	metadata:
	  name: def-db
	spec:
	  dbSubnetGroupName: default
	  engine: aurora-mysql
	  engineVersion: 8.0.mysql_aurora.3.05.2
	  manageMasterUserPassword: true
	  instances:
	    - name: def-db-1
	      instanceClass: db.r6g.large
	    - name: def-db-2
	      instanceClass: db.t3.medium
	EOF
	"$AG_BIN" validate m >v.txt
'

test_expect_success 'sync creates them, the monitoring role with the managed policy first' '
	"$AG_BIN" sync --dir m --state-dir "$STATE" --poll-interval 100ms >sync.txt 2>&1 ||
		{ cat sync.txt; exit 1; }
	iam_run <<-\PY
	r = iam.get_role(RoleName="rds-monitoring-role")["Role"]
	assert "monitoring.rds.amazonaws.com" in str(r["AssumeRolePolicyDocument"]), r
	pols = [p["PolicyName"] for p in
	        iam.list_attached_role_policies(RoleName="rds-monitoring-role")["AttachedPolicies"]]
	assert pols == ["AmazonRDSEnhancedMonitoringRole"], pols
	a = inst("pim-db-1")
	assert a["PerformanceInsightsEnabled"] is True and a["PerformanceInsightsRetentionPeriod"] == 31, a
	assert a["MonitoringInterval"] == 30 and a["MonitoringRoleArn"] == r["Arn"], a
	b = inst("pim-db-2")
	assert b["PerformanceInsightsEnabled"] is False and b["MonitoringInterval"] == 0, b
	d = inst("def-db-1")
	assert d["PerformanceInsightsEnabled"] is True and d["PerformanceInsightsRetentionPeriod"] == 7, d
	assert d["MonitoringInterval"] == 60 and d["MonitoringRoleArn"] == r["Arn"], d
	# Aurora MySQL has no Performance Insights on db.t3: the default leaves it off
	e = inst("def-db-2")
	assert e["PerformanceInsightsEnabled"] is False and e["MonitoringInterval"] == 60, e
	PY
'

test_expect_success 'the plan is clean after the create' '
	"$AG_BIN" plan --dir m --state-dir "$STATE" --detailed-exitcode >clean1.txt ||
		{ cat clean1.txt; exit 1; }
'

test_expect_success 'out-of-band changes with boto3' '
	iam_run <<-\PY
	arn = iam.get_role(RoleName="rds-monitoring-role")["Role"]["Arn"]
	rds.modify_db_instance(DBInstanceIdentifier="pim-db-1", EnablePerformanceInsights=False,
	    MonitoringInterval=0, ApplyImmediately=True)
	rds.modify_db_instance(DBInstanceIdentifier="pim-db-2", EnablePerformanceInsights=True,
	    MonitoringInterval=5, MonitoringRoleArn=arn, ApplyImmediately=True)
	rds.modify_db_instance(DBInstanceIdentifier="def-db-1", EnablePerformanceInsights=False,
	    ApplyImmediately=True)
	# a default never lowers: 5 s stays, and so does a longer retention
	rds.modify_db_instance(DBInstanceIdentifier="def-db-2", MonitoringInterval=5,
	    ApplyImmediately=True)
	PY
'

test_expect_success 'plan reports each drift with its class (exit 2)' '
	check_exit 2 "$AG_BIN" plan --dir m --state-dir "$STATE" --detailed-exitcode \
		--format json >drift.json &&
	python3 - drift.json <<-\PY
	import json, sys
	p = json.load(open(sys.argv[1]))
	cl = {c["id"]: c for c in p["clusters"]}
	ch = {x["path"]: x for c in cl.values() for x in c["changes"]}
	def has(path, klass, committed, live, weakens):
	    assert path in ch, (path, sorted(ch))
	    x = ch[path]
	    assert (x["class"], x["committed"], x["live"], x.get("weakens", False)) == \
	        (klass, committed, live, weakens), x
	has("spec.instances[pim-db-1].performanceInsights.enabled", "in-place", "true", "false", False)
	has("spec.instances[pim-db-1].monitoring.interval", "in-place", "30", "0", False)
	has("spec.instances[pim-db-2].performanceInsights.enabled", "in-place", "false", "true", True)
	has("spec.instances[pim-db-2].monitoring.interval", "in-place", "0", "5", True)
	has("spec.instances[def-db-1].performanceInsights.enabled", "in-place", "true (default)",
	    "false", False)
	assert not [k for k in ch if k.startswith("spec.instances[def-db-2]")], sorted(ch)
	mods = {a["target"]: a["params"] for c in cl.values() for a in c["actions"]
	        if a["kind"] == "modify-instance"}
	assert mods["pim-db-1"]["EnablePerformanceInsights"] == "true", mods
	assert mods["pim-db-1"]["PerformanceInsightsRetentionPeriod"] == "31", mods
	assert mods["pim-db-1"]["MonitoringInterval"] == "30", mods
	assert mods["pim-db-1"]["MonitoringRoleArn"] == "{{role:rds-monitoring-role}}", mods
	assert mods["pim-db-2"]["MonitoringInterval"] == "0", mods
	assert "MonitoringRoleArn" not in mods["pim-db-2"], mods
	assert sorted(mods) == ["def-db-1", "pim-db-1", "pim-db-2"], mods
	PY
'

test_expect_success 'the weakening policy blocks turning them off' '
	check_exit 3 "$AG_BIN" plan --dir m --state-dir "$STATE" --detailed-exitcode \
		--forbid-weakening >forbid.txt &&
	check_contains forbid.txt "weakens protection"
'

test_expect_success 'sync corrects them in place' '
	"$AG_BIN" sync --dir m --state-dir "$STATE" --poll-interval 100ms >fix.txt 2>&1 ||
		{ cat fix.txt; exit 1; }
	iam_run <<-\PY
	a = inst("pim-db-1")
	assert a["PerformanceInsightsEnabled"] is True and a["PerformanceInsightsRetentionPeriod"] == 31, a
	assert a["MonitoringInterval"] == 30 and a["MonitoringRoleArn"].endswith(":role/rds-monitoring-role"), a
	b = inst("pim-db-2")
	assert b["PerformanceInsightsEnabled"] is False and b["MonitoringInterval"] == 0, b
	assert inst("def-db-1")["PerformanceInsightsEnabled"] is True
	assert inst("def-db-2")["MonitoringInterval"] == 5
	PY
'

test_expect_success 'the plan is clean afterwards' '
	"$AG_BIN" plan --dir m --state-dir "$STATE" --detailed-exitcode >clean2.txt ||
		{ cat clean2.txt; exit 1; }
'

test_expect_success 'a later run finds the role it made: one check for every cluster that needs it' '
	iam_run <<-\PY &&
	for i in ["pim-db-1", "def-db-1", "def-db-2"]:
	    rds.modify_db_instance(DBInstanceIdentifier=i, MonitoringInterval=0, ApplyImmediately=True)
	PY
	from=$(wc -l <"$AG_REQUEST_LOG") &&
	"$AG_BIN" sync --dir m --state-dir "$STATE" --poll-interval 100ms >again.txt 2>&1 ||
		{ cat again.txt; exit 1; }
	requests_since "$from" | grep "Action=ModifyDBInstance&" | grep "MonitoringRoleArn=" |
		grep -o "DBInstanceIdentifier=[^&\"]*" | sort >users &&
	printf "DBInstanceIdentifier=%s\n" def-db-1 def-db-2 pim-db-1 >expect &&
	diff -u expect users &&
	test "$(count_requests GetRole "$from")" -eq 1 &&
	test "$(count_requests ListAttachedRolePolicies "$from")" -eq 1 &&
	test "$(count_requests CreateRole "$from")" -eq 0 &&
	test "$(count_requests AttachRolePolicy "$from")" -eq 0 &&
	iam_run <<-\PY
	arn = iam.get_role(RoleName="rds-monitoring-role")["Role"]["Arn"]
	for i, want in [("pim-db-1", 30), ("def-db-1", 60), ("def-db-2", 60)]:
	    a = inst(i)
	    assert a["MonitoringInterval"] == want and a["MonitoringRoleArn"] == arn, a
	PY
'

test_expect_success 'a role of the same name that is not the agent'"'"'s is never changed' '
	iam_run <<-\PY &&
	iam.create_role(RoleName="someone-elses", AssumeRolePolicyDocument="{}")
	PY
	cat >m/other.yaml <<-\EOF &&
	apiVersion: aws.project-planton.org/v1
	kind: AwsRdsCluster
	metadata:
	  name: other-db
	spec:
	  dbSubnetGroupName: default
	  engine: aurora-postgresql
	  engineVersion: "16.1"
	  manageMasterUserPassword: true
	  monitoring: {roleName: someone-elses}
	  instances: {count: 1, instanceClass: db.r6g.large}
	EOF
	check_exit 1 "$AG_BIN" sync --dir m --state-dir "$STATE" --poll-interval 100ms \
		>other.txt 2>&1 &&
	check_contains other.txt "monitoring role '"'"'someone-elses'"'"' exists but does not have the policy AmazonRDSEnhancedMonitoringRole attached" &&
	iam_run <<-\PY
	assert iam.list_attached_role_policies(RoleName="someone-elses")["AttachedPolicies"] == []
	ids = [i["DBInstanceIdentifier"] for i in rds.describe_db_instances()["DBInstances"]]
	assert "other-db-1" not in ids, ids
	PY
'

test_expect_success 'import writes what is off today, so the import plans clean' '
	rm m/other.yaml &&
	iam_run <<-\PY &&
	rds.create_db_cluster(DBClusterIdentifier="legacy-db", Engine="aurora-postgresql",
	    EngineVersion="16.1", MasterUsername="master", MasterUserPassword="x" * 12)
	rds.create_db_instance(DBInstanceIdentifier="legacy-db-1", DBClusterIdentifier="legacy-db",
	    DBInstanceClass="db.r6g.large", Engine="aurora-postgresql")
	PY
	"$AG_BIN" import legacy-db >m/legacy.yaml &&
	check_contains m/legacy.yaml "performanceInsights: {enabled: false}" &&
	check_contains m/legacy.yaml "monitoring: {interval: 0}" &&
	"$AG_BIN" plan --dir m --state-dir "$STATE" --cluster legacy-db --detailed-exitcode \
		>legacy.txt || { cat legacy.txt; exit 1; }
'

test_done
