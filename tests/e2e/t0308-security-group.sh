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

test_expect_success 'ingress and subnets changed out of band: reported and corrected' '
	python3 - net.json <<-PY &&
	import json, sys, boto3
	n = json.load(open(sys.argv[1]))
	kw = dict(endpoint_url="$MOTO_URL", region_name="us-east-1",
	          aws_access_key_id="testing", aws_secret_access_key="testing")
	rds, ec2 = boto3.client("rds", **kw), boto3.client("ec2", **kw)
	sg = ec2.describe_security_groups(Filters=[{"Name": "group-name", "Values": ["web-db"]}])["SecurityGroups"][0]
	ec2.revoke_security_group_ingress(GroupId=sg["GroupId"], IpPermissions=[{"IpProtocol": "tcp",
	    "FromPort": 5432, "ToPort": 5432, "IpRanges": [{"CidrIp": "10.20.0.0/16"}]}])
	ec2.authorize_security_group_ingress(GroupId=sg["GroupId"], IpPermissions=[{"IpProtocol": "tcp",
	    "FromPort": 5432, "ToPort": 5432, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}])
	rds.modify_db_subnet_group(DBSubnetGroupName="web-db", SubnetIds=[n["subnets"][0], n["subnets"][2]])
	PY
	check_exit 2 "$AG_BIN" plan --dir m --state-dir "$STATE" --detailed-exitcode \
		--format json >drift.json &&
	python3 - drift.json <<-PY &&
	import json, sys
	c = json.load(open(sys.argv[1]))["clusters"][0]
	kinds = sorted(a["kind"] for a in c["actions"])
	assert kinds == ["authorize-ingress", "modify-subnet-group", "revoke-ingress"], c["actions"]
	auth = [a for a in c["actions"] if a["kind"] == "authorize-ingress"][0]["params"]
	assert auth["IpPermissions.1.IpRanges.1.CidrIp"] == "10.20.0.0/16", auth
	rev = [a for a in c["actions"] if a["kind"] == "revoke-ingress"][0]["params"]
	assert rev["IpPermissions.1.IpRanges.1.CidrIp"] == "0.0.0.0/0", rev
	PY
	"$AG_BIN" sync --dir m --state-dir "$STATE" --poll-interval 100ms -v >sync2.txt 2>&1 ||
		{ cat sync2.txt; exit 1; }
	grep "aws requests:" sync2.txt >calls &&
	grep -q "ec2:DescribeSecurityGroups=1" calls &&
	grep -q "rds:DescribeDBSubnetGroups=1" calls &&
	! grep -q "ec2:DescribeSecurityGroups=2" calls &&
	python3 - net.json <<-PY &&
	import json, sys, boto3
	n = json.load(open(sys.argv[1]))
	kw = dict(endpoint_url="$MOTO_URL", region_name="us-east-1",
	          aws_access_key_id="testing", aws_secret_access_key="testing")
	rds, ec2 = boto3.client("rds", **kw), boto3.client("ec2", **kw)
	sg = ec2.describe_security_groups(Filters=[{"Name": "group-name", "Values": ["web-db"]}])["SecurityGroups"][0]
	cidrs = sorted(r["CidrIp"] for p in sg["IpPermissions"] for r in p.get("IpRanges", []))
	assert cidrs == ["10.20.0.0/16"], sg["IpPermissions"]
	g = rds.describe_db_subnet_groups(DBSubnetGroupName="web-db")["DBSubnetGroups"][0]
	got = sorted(s["SubnetIdentifier"] for s in g["Subnets"])
	assert got == sorted(n["subnets"][:2]), got
	PY
	"$AG_BIN" plan --dir m --state-dir "$STATE" --detailed-exitcode >clean2.txt ||
		{ cat clean2.txt; exit 1; }
'

test_expect_success 'a subnet that routes to an internet gateway is warned about' '
	"$AG_BIN" plan --dir m --state-dir "$STATE" >private.txt &&
	check_not_contains private.txt "internet gateway" &&
	python3 - net.json <<-PY &&
	import json, sys, boto3
	n = json.load(open(sys.argv[1]))
	ec2 = boto3.client("ec2", endpoint_url="$MOTO_URL", region_name="us-east-1",
	    aws_access_key_id="testing", aws_secret_access_key="testing")
	igw = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
	ec2.attach_internet_gateway(InternetGatewayId=igw, VpcId=n["vpc"])
	rt = ec2.create_route_table(VpcId=n["vpc"])["RouteTable"]["RouteTableId"]
	ec2.create_route(RouteTableId=rt, DestinationCidrBlock="0.0.0.0/0", GatewayId=igw)
	ec2.associate_route_table(RouteTableId=rt, SubnetId=n["subnets"][1])
	open("igw", "w").write(igw)
	PY
	"$AG_BIN" plan --dir m --state-dir "$STATE" -v >public.txt 2>public.err &&
	check_contains public.txt "routes 0.0.0.0/0 to the internet gateway $(cat igw)" &&
	check_contains public.txt "$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))[\"subnets\"][1])" net.json)" &&
	check_not_contains public.txt "$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))[\"subnets\"][0])" net.json) routes"
'

test_expect_success 'a subnet swapped in the manifest plans one ModifyDBSubnetGroup' '
	two=$(python3 -c "import json,sys; n=json.load(open(sys.argv[1]))[\"subnets\"]; print(n[0] + \", \" + n[2])" net.json) &&
	mkdir m1 && sed "s/^  subnetIds: .*/  subnetIds: [$two]/" m/db.yaml >m1/db.yaml &&
	check_exit 2 "$AG_BIN" plan --dir m1 --state-dir "$STATE" --detailed-exitcode \
		--format json >subnets.json &&
	python3 - subnets.json net.json <<-PY
	import json, sys
	c = json.load(open(sys.argv[1]))["clusters"][0]
	n = json.load(open(sys.argv[2]))["subnets"]
	mod = [a for a in c["actions"] if a["kind"] == "modify-subnet-group"]
	assert len(mod) == 1, c["actions"]
	assert mod[0]["action"] == "ModifyDBSubnetGroup", mod
	want = sorted([n[0], n[2]])
	assert mod[0]["params"] == {"DBSubnetGroupName": "web-db",
	    "SubnetIds.SubnetIdentifier.1": want[0],
	    "SubnetIds.SubnetIdentifier.2": want[1]}, mod[0]["params"]
	PY
'

test_done
