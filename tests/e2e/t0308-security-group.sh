#!/usr/bin/env bash
# allowedCidrBlocks and securityGroupIds make the agent create a security
# group with ingress on the cluster port and attach it; a re-run converges.
. "$(dirname "$0")/test-lib.sh"

start_moto
export AWS_EC2_METADATA_DISABLED=true
STATE="$TRASH/state"

test_expect_success 'setup: network and a manifest with ingress rules' '
	python3 "$AG_SRC/tests/tools/moto-fixture.py" network "$MOTO_URL" >net.json &&
	python3 - net.json >db.yaml <<-PY &&
	import json, sys
	n = json.load(open(sys.argv[1]))
	print(f"""apiVersion: aws.project-planton.org/v1
	kind: AwsRdsCluster
	metadata:
	  name: web-db
	spec:
	  subnetIds: [{n["subnets"][0]}, {n["subnets"][1]}]
	  vpcId: {n["vpc"]}
	  securityGroupIds: [{n["security_group"]}]
	  allowedCidrBlocks: [10.20.0.0/16]
	  engine: aurora-postgresql
	  engineVersion: "16.1"
	  port: 5432
	  manageMasterUserPassword: true""")
	PY
	mkdir m && sed "s/^\t//" db.yaml >m/db.yaml && "$AG_BIN" validate m >/dev/null
'

test_expect_success 'sync creates the group, its ingress, and attaches it' '
	"$AG_BIN" sync --dir m --state-dir "$STATE" --poll-interval 100ms >sync.txt 2>&1 ||
		{ cat sync.txt; exit 1; }
	python3 - net.json <<-PY
	import json, sys, boto3
	n = json.load(open(sys.argv[1]))
	kw = dict(endpoint_url="$MOTO_URL", region_name="us-east-1",
	          aws_access_key_id="testing", aws_secret_access_key="testing")
	rds, ec2 = boto3.client("rds", **kw), boto3.client("ec2", **kw)
	sgs = ec2.describe_security_groups(Filters=[{"Name": "group-name", "Values": ["web-db"]}])["SecurityGroups"]
	assert len(sgs) == 1, sgs
	sg = sgs[0]
	assert sg["VpcId"] == n["vpc"], sg
	perms = sg["IpPermissions"]
	assert any(p.get("FromPort") == 5432 and any(r["CidrIp"] == "10.20.0.0/16" for r in p.get("IpRanges", []))
	           for p in perms), perms
	assert any(any(g["GroupId"] == n["security_group"] for g in p.get("UserIdGroupPairs", []))
	           for p in perms), perms
	c = rds.describe_db_clusters(DBClusterIdentifier="web-db")["DBClusters"][0]
	attached = [g["VpcSecurityGroupId"] for g in c["VpcSecurityGroups"]]
	assert sg["GroupId"] in attached, (attached, sg["GroupId"])
	PY
'

test_expect_success 'the next plan is clean' '
	"$AG_BIN" plan --dir m --state-dir "$STATE" --detailed-exitcode >plan.txt ||
		{ cat plan.txt; exit 1; }
'

test_done
