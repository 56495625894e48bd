#!/usr/bin/env bash
# valueFrom references are resolved against AWS, never dropped: a VPC,
# subnets and a security group by their Name tag, a KMS key by alias or key
# id, a cluster by identifier (its ARN). One lookup per kind for the whole
# fleet. A reference that matches nothing or more than one resource is an
# error naming the manifest line and the lookup tried; that cluster is not
# touched while the others are created.
. "$(dirname "$0")/test-lib.sh"

start_moto
export AWS_EC2_METADATA_DISABLED=true
STATE="$TRASH/state"

test_expect_success 'setup: named VPC, subnets (one name twice), security group' '
	boto3_run >net.json <<-\PY &&
	import json
	def tag(rid, name):
	    ec2.create_tags(Resources=[rid], Tags=[{"Key": "Name", "Value": name}])
	vpc = ec2.create_vpc(CidrBlock="10.40.0.0/16")["Vpc"]["VpcId"]
	tag(vpc, "prod-vpc")
	other = ec2.create_vpc(CidrBlock="10.41.0.0/16")["Vpc"]["VpcId"]
	tag(other, "twin-vpc")
	other2 = ec2.create_vpc(CidrBlock="10.42.0.0/16")["Vpc"]["VpcId"]
	tag(other2, "twin-vpc")
	subnets = []
	for i, (az, name) in enumerate([("us-east-1a", "db-a"), ("us-east-1b", "db-b"),
	                                ("us-east-1c", "dup"), ("us-east-1a", "dup")]):
	    s = ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.40.{i}.0/24", AvailabilityZone=az)
	    subnets.append(s["Subnet"]["SubnetId"])
	    tag(subnets[-1], name)
	sg = ec2.create_security_group(GroupName="clients", Description="app clients", VpcId=vpc)
	tag(sg["GroupId"], "app-clients")
	print(json.dumps({"vpc": vpc, "subnets": subnets, "sg": sg["GroupId"]}))
	PY
	mkdir m &&
	cat >m/good.yaml <<-\EOF &&
	apiVersion: aws.openmcf.org/v1
	kind: AwsRdsCluster
	metadata:
	  name: orders-db
	  env: prod
	spec:
	  vpcId:
	    valueFrom:
	      kind: AwsVpc
	      name: prod-vpc
	      fieldPath: status.outputs.vpc_id
	  subnetIds:
	    - valueFrom: {kind: AwsSubnet, name: db-a, fieldPath: status.outputs.subnet_id}
	    - valueFrom: {kind: AwsSubnet, name: db-b, env: prod}
	  securityGroupIds:
	    - valueFrom: {kind: AwsSecurityGroup, name: app-clients}
	  engine: aurora-postgresql
	  engineVersion: "16.1"
	  port: 5432
	  manageMasterUserPassword: true
	EOF
	cat >m/ambiguous.yaml <<-\EOF &&
	apiVersion: aws.project-planton.org/v1
	kind: AwsRdsCluster
	metadata:
	  name: twin-db
	spec:
	  subnetIds:
	    - {value: subnet-placeholder}
	    - valueFrom: {kind: AwsSubnet, name: dup}
	  vpcId:
	    valueFrom: {kind: AwsVpc, name: twin-vpc}
	  engine: aurora-postgresql
	  engineVersion: "16.1"
	  manageMasterUserPassword: true
	EOF
	cat >m/missing.yaml <<-\EOF &&
	apiVersion: aws.project-planton.org/v1
	kind: AwsRdsCluster
	metadata:
	  name: lost-db
	spec:
	  subnetIds: [{valueFrom: {kind: AwsSubnet, name: db-a}}, {valueFrom: {kind: AwsSubnet, name: db-b}}]
	  securityGroupIds:
	    - valueFrom: {kind: AwsSecurityGroup, name: no-such-group}
	  engine: aurora-postgresql
	  engineVersion: "16.1"
	  manageMasterUserPassword: true
	EOF
	sed -i "s/subnet-placeholder/$(python3 -c "import json;print(json.load(open(\"net.json\"))[\"subnets\"][0])")/" m/ambiguous.yaml
'

test_expect_success 'validate (offline) accepts well-formed references' '
	"$AG_BIN" validate m >val.txt 2>&1 || { cat val.txt; exit 1; }
	check_contains val.txt "3 manifests, 0 errors"
'

test_expect_success 'sync creates the cluster whose references resolve; the others are untouched' '
	rm -f "$AG_REQUEST_LOG" &&
	check_exit 1 "$AG_BIN" sync --dir m --state-dir "$STATE" --poll-interval 100ms \
		>sync.txt 2>&1 &&
	check_contains sync.txt "m/ambiguous.yaml:8:7: spec.subnetIds[1]: reference {kind: AwsSubnet, name: '"'"'dup'"'"'} not resolved: ec2 DescribeSubnets tag:Name='"'"'dup'"'"' is ambiguous: 2 match" &&
	check_contains sync.txt "m/ambiguous.yaml:10:5: spec.vpcId: reference {kind: AwsVpc, name: '"'"'twin-vpc'"'"'} not resolved: ec2 DescribeVpcs tag:Name='"'"'twin-vpc'"'"' is ambiguous: 2 match" &&
	check_contains sync.txt "m/missing.yaml:8:7: spec.securityGroupIds[0]: reference {kind: AwsSecurityGroup, name: '"'"'no-such-group'"'"'} not resolved: ec2 DescribeSecurityGroups tag:Name='"'"'no-such-group'"'"' found nothing" &&
	check_not_contains sync.txt "{{ref:" &&
	boto3_run net.json <<-\PY
	import json
	n = json.load(open(sys.argv[1]))
	ids = [c["DBClusterIdentifier"] for c in rds.describe_db_clusters()["DBClusters"]]
	assert ids == ["orders-db"], ids
	g = rds.describe_db_subnet_groups(DBSubnetGroupName="orders-db")["DBSubnetGroups"][0]
	got = sorted(s["SubnetIdentifier"] for s in g["Subnets"])
	assert got == sorted(n["subnets"][:2]), (got, n["subnets"])
	sg = ec2.describe_security_groups(Filters=[{"Name": "group-name", "Values": ["orders-db"]}])["SecurityGroups"]
	assert len(sg) == 1 and sg[0]["VpcId"] == n["vpc"], sg
	src = [p["GroupId"] for r in sg[0]["IpPermissions"] for p in r.get("UserIdGroupPairs", [])]
	assert src == [n["sg"]], sg[0]["IpPermissions"]
	for c in ("twin-db", "lost-db"):
	    assert not ec2.describe_security_groups(Filters=[{"Name": "group-name", "Values": [c]}])["SecurityGroups"], c
	    assert not [g for g in rds.describe_db_subnet_groups()["DBSubnetGroups"] if g["DBSubnetGroupName"] == c], c
	PY
'

test_expect_success 'one lookup per kind for the whole fleet, filtered by the names' '
	python3 - "$AG_REQUEST_LOG" <<-\PY
	import json, sys, urllib.parse
	reqs = [json.loads(l) for l in open(sys.argv[1])]
	def calls(action):
	    out = []
	    for r in reqs:
	        q = dict(urllib.parse.parse_qsl(r["body"]))
	        if q.get("Action") == action:
	            out.append(q)
	    return out
	def named(qs):
	    return [q for q in qs if any(v == "tag:Name" for k, v in q.items() if k.endswith(".Name"))]
	vpcs, subnets, sgs = (named(calls(a)) for a in ("DescribeVpcs", "DescribeSubnets", "DescribeSecurityGroups"))
	assert len(vpcs) == 1 and len(subnets) == 1 and len(sgs) == 1, (vpcs, subnets, sgs)
	values = sorted(v for k, v in subnets[0].items() if ".Value." in k)
	assert values == ["db-a", "db-b", "dup"], values
	PY
'

test_expect_success 'the created cluster then plans clean; the broken ones stay errors' '
	check_exit 1 "$AG_BIN" plan --dir m --state-dir "$STATE" --format json >plan.json 2>plan.err &&
	python3 - plan.json <<-\PY
	import json, sys
	p = {c["id"]: c for c in json.load(open(sys.argv[1]))["clusters"]}
	assert p["orders-db"]["status"] == "unchanged", p["orders-db"]
	for c in ("twin-db", "lost-db"):
	    assert p[c]["status"] == "error", p[c]
	    assert not p[c]["actions"], p[c]
	    assert "not resolved" in p[c]["reason"], p[c]
	PY
'

test_expect_success 'a reference to a cluster resolves to its ARN' '
	mkdir r &&
	cat >r/replica.yaml <<-\EOF &&
	apiVersion: aws.project-planton.org/v1
	kind: AwsRdsCluster
	metadata:
	  name: orders-replica
	spec:
	  dbSubnetGroupName: orders-db
	  replicationSourceIdentifier:
	    valueFrom: {kind: AwsRdsCluster, name: orders-db}
	  engine: aurora-postgresql
	  engineVersion: "16.1"
	EOF
	"$AG_BIN" plan --dir r --state-dir "$STATE" --format json >rplan.json 2>rplan.err ||
		{ cat rplan.err; exit 1; }
	boto3_run rplan.json <<-\PY
	import json
	arn = rds.describe_db_clusters(DBClusterIdentifier="orders-db")["DBClusters"][0]["DBClusterArn"]
	c = [c for c in json.load(open(sys.argv[1]))["clusters"] if c["id"] == "orders-replica"][0]
	create = [a for a in c["actions"] if a["kind"] == "create-cluster"]
	assert create and create[0]["params"]["ReplicationSourceIdentifier"] == arn, c
	PY
'

test_expect_success 'a reference to a cluster that does not exist names the describe' '
	sed -i "s/name: orders-db}/name: Nope-db}/" r/replica.yaml &&
	check_exit 1 "$AG_BIN" plan --dir r --state-dir "$STATE" >rplan2.txt 2>&1 &&
	check_contains rplan2.txt "r/replica.yaml:8:5: spec.replicationSourceIdentifier: reference {kind: AwsRdsCluster, name: '"'"'Nope-db'"'"'} not resolved: rds DescribeDBClusters has no cluster '"'"'nope-db'"'"'"
'

test_expect_success 'KMS keys resolve by alias (to the ARN) and by key id; a missing alias is an error' '
	boto3_run >key.json <<-\PY &&
	import boto3, json
	kms = boto3.client("kms", endpoint_url=rds.meta.endpoint_url, region_name="us-east-1",
	                   aws_access_key_id="testing", aws_secret_access_key="testing")
	k = kms.create_key()["KeyMetadata"]
	kms.create_alias(AliasName="alias/orders-key", TargetKeyId=k["KeyId"])
	print(json.dumps({"id": k["KeyId"], "arn": k["Arn"]}))
	PY
	mkdir k &&
	for c in by-alias by-id lost-key; do
		case $c in
		by-alias) ref="{kind: AwsKmsKey, name: orders-key, fieldPath: status.outputs.key_arn}" ;;
		by-id) ref="{kind: AwsKmsKey, name: $(python3 -c "import json;print(json.load(open(\"key.json\"))[\"id\"])"), fieldPath: status.outputs.key_id}" ;;
		lost-key) ref="{kind: AwsKmsKey, name: alias/nope}" ;;
		esac
		printf "%s\n" "apiVersion: aws.project-planton.org/v1" "kind: AwsRdsCluster" \
			"metadata: {name: $c}" "spec:" "  dbSubnetGroupName: orders-db" \
			"  engine: aurora-postgresql" "  engineVersion: \"16.1\"" \
			"  manageMasterUserPassword: true" "  storageEncrypted: true" \
			"  kmsKeyId:" "    valueFrom: $ref" >k/$c.yaml || exit 1
	done
	"$AG_BIN" validate k >kval.txt &&
	check_exit 1 "$AG_BIN" plan --dir k --state-dir "$STATE" --format json >kplan.json 2>kplan.err &&
	python3 - kplan.json key.json <<-\PY
	import json, sys
	p = {c["id"]: c for c in json.load(open(sys.argv[1]))["clusters"]}
	k = json.load(open(sys.argv[2]))
	def kms_of(c):
	    return [a["params"].get("KmsKeyId") for a in p[c]["actions"] if a["kind"] == "create-cluster"][0]
	assert kms_of("by-alias") == k["arn"], p["by-alias"]
	assert kms_of("by-id") == k["id"], p["by-id"]
	assert p["lost-key"]["status"] == "error", p["lost-key"]
	assert "k/lost-key.yaml:11:5: spec.kmsKeyId: reference {kind: AwsKmsKey, name: '"'"'alias/nope'"'"'} not resolved: kms ListAliases has no alias '"'"'alias/nope'"'"'" in p["lost-key"]["reason"], p["lost-key"]
	PY
'

test_done
