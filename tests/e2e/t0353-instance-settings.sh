#!/usr/bin/env bash
# Settings of every instance of a cluster: the DB (instance) parameter group
# and the server certificate's CA. Sent with each CreateDBInstance, compared
# per instance, corrected with ModifyDBInstance, then clean.
. "$(dirname "$0")/test-lib.sh"

start_moto
export AWS_EC2_METADATA_DISABLED=true
STATE="$TRASH/state"

sync_ok() { # NAME
	"$AG_BIN" sync --dir m --state-dir "$STATE" --poll-interval 100ms >"$1.txt" 2>&1 ||
		{ cat "$1.txt"; return 1; }
	! grep -E "^cluster .*: (failed|skipped)" "$1.txt" || { cat "$1.txt"; return 1; }
}

test_expect_success 'create with an instance parameter group and a CA' '
	boto3_run <<-PY &&
	rds.create_db_parameter_group(DBParameterGroupName="app-pg16",
	    DBParameterGroupFamily="aurora-postgresql16", Description="app instances")
	rds.create_db_parameter_group(DBParameterGroupName="other-pg16",
	    DBParameterGroupFamily="aurora-postgresql16", Description="set by hand")
	PY
	mkdir m &&
	cat >m/app.yaml <<-\YAML &&
	apiVersion: aws.project-planton.org/v1
	kind: AwsRdsCluster
	metadata:
	  name: app-db
	spec:
	  dbSubnetGroupName: default
	  engine: aurora-postgresql
	  engineVersion: "16.1"
	  manageMasterUserPassword: true
	  applyImmediately: true
	  dbInstanceParameterGroupName: app-pg16
	  caCertificateIdentifier: rds-ca-rsa4096-g1
	  instances: {count: 2, instanceClass: db.r6g.large}
	YAML
	sync_ok create &&
	boto3_run <<-PY &&
	for i in rds.describe_db_instances()["DBInstances"]:
	    assert i["CACertificateIdentifier"] == "rds-ca-rsa4096-g1", i["CACertificateIdentifier"]
	    assert [g["DBParameterGroupName"] for g in i["DBParameterGroups"]] == ["app-pg16"], i
	PY
	check_exit 0 "$AG_BIN" plan --dir m --state-dir "$STATE" --detailed-exitcode >clean.txt
'

test_expect_success 'changed out of band: reported per instance, corrected, then clean' '
	boto3_run <<-PY &&
	rds.modify_db_instance(DBInstanceIdentifier="app-db-2", ApplyImmediately=True,
	    CACertificateIdentifier="rds-ca-rsa2048-g1",
	    DBParameterGroupName="other-pg16")
	PY
	check_exit 2 "$AG_BIN" plan --dir m --state-dir "$STATE" --detailed-exitcode \
		--format json >drift.json &&
	python3 - drift.json <<-PY &&
	import json, sys
	c = json.load(open(sys.argv[1]))["clusters"][0]
	ch = {x["path"]: x for x in c["changes"]}
	ca = ch["spec.instances[app-db-2].caCertificateIdentifier"]
	assert (ca["committed"], ca["live"], ca["class"]) == ("rds-ca-rsa4096-g1", "rds-ca-rsa2048-g1", "deferred"), ca
	pg = ch["spec.instances[app-db-2].dbInstanceParameterGroupName"]
	assert (pg["committed"], pg["class"]) == ("app-pg16", "in-place"), pg
	assert not [p for p in ch if p.startswith("spec.instances[app-db-1]")], ch
	m = [a for a in c["actions"] if a["kind"] == "modify-instance"]
	assert [a["target"] for a in m] == ["app-db-2"], m
	assert m[0]["params"]["CACertificateIdentifier"] == "rds-ca-rsa4096-g1", m
	assert m[0]["params"]["DBParameterGroupName"] == "app-pg16", m
	PY
	sync_ok fix &&
	boto3_run <<-PY &&
	i = rds.describe_db_instances(DBInstanceIdentifier="app-db-2")["DBInstances"][0]
	assert i["CACertificateIdentifier"] == "rds-ca-rsa4096-g1", i["CACertificateIdentifier"]
	assert i["DBParameterGroups"][0]["DBParameterGroupName"] == "app-pg16", i
	PY
	check_exit 0 "$AG_BIN" plan --dir m --state-dir "$STATE" --detailed-exitcode >clean2.txt
'

test_expect_success 'an unknown CA is an error with a suggestion' '
	mkdir bad &&
	sed "s/rds-ca-rsa4096-g1/rds-ca-rsa4096/" m/app.yaml >bad/app.yaml &&
	check_exit 1 "$AG_BIN" validate bad >v.txt 2>&1 &&
	check_contains v.txt "app.yaml:12:28: error: spec.caCertificateIdentifier: certificate authority '\''rds-ca-rsa4096'\'' is not supported (did you mean"
'

test_done
