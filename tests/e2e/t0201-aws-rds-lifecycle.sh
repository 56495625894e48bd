#!/usr/bin/env bash
# The AWS client against moto: VPC and subnets through EC2, a subnet
# group, a parameter group, a cluster with two instances, describe,
# modify, tag, snapshot, restore and delete, all through the C client
# (tests/tools/ag-aws-driver).
. "$(dirname "$0")/test-lib.sh"

start_moto
export AWS_EC2_METADATA_DISABLED=true
D="$AG_TOOLS/ag-aws-driver"

export AG_AWS_RETRY_BASE_MS=10

# jget FILE EXPR: prints a Python expression over the JSON in FILE (bound to
# d); lists and tuples are joined with commas, booleans print as true/false.
jget() {
	python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
v = eval(sys.argv[2])
def fmt(x):
    if isinstance(x, bool):
        return "true" if x else "false"
    if isinstance(x, (list, tuple)):
        return ",".join(fmt(i) for i in x)
    if isinstance(x, dict):
        return ",".join("%s=%s" % (k, fmt(x[k])) for k in sorted(x))
    return str(x)
print(fmt(v))' "$1" "$2"
}

test_expect_success 'EC2: create a VPC, two subnets and a security group' '
	"$D" create-vpc cidr=10.1.0.0/16 >vpc.json &&
	VPC=$(jget vpc.json "d[\"vpc_id\"]") &&
	case "$VPC" in vpc-*) ;; *) echo "bad vpc id $VPC"; exit 1;; esac &&
	"$D" create-subnet vpc=$VPC cidr=10.1.1.0/24 az=us-east-1a >s1.json &&
	"$D" create-subnet vpc=$VPC cidr=10.1.2.0/24 az=us-east-1b >s2.json &&
	"$D" describe-subnets filter.vpc-id=$VPC >subnets.json &&
	test "$(jget subnets.json "len(d[\"subnets\"])")" = 2 &&
	test "$(jget subnets.json "sorted(s[\"az\"] for s in d[\"subnets\"])")" = us-east-1a,us-east-1b &&
	"$D" create-sg name=db desc="database access" vpc=$VPC >sg.json &&
	SG=$(jget sg.json "d[\"group_id\"]") &&
	"$D" authorize-ingress group=$SG proto=tcp from=5432 to=5432 cidr=10.0.0.0/8 &&
	"$D" describe-sgs ids=$SG >sgs.json &&
	test "$(jget sgs.json "d[\"security_groups\"][0][\"ingress\"][0][\"cidrs\"]")" = 10.0.0.0/8 &&
	"$D" revoke-ingress group=$SG proto=tcp from=5432 to=5432 cidr=10.0.0.0/8 &&
	"$D" describe-sgs ids=$SG >sgs2.json &&
	test "$(jget sgs2.json "len(d[\"security_groups\"][0][\"ingress\"])")" = 0 &&
	echo $VPC >vpc-id && echo $SG >sg-id
'

test_expect_success 'RDS: subnet group and cluster parameter group' '
	S1=$(jget s1.json "d[\"subnet_id\"]") && S2=$(jget s2.json "d[\"subnet_id\"]") &&
	"$D" create-subnet-group name=sng desc="two subnets" subnets=$S1,$S2 >sng.json &&
	test "$(jget sng.json "d[\"status\"]")" = Complete &&
	test "$(jget sng.json "d[\"vpc_id\"]")" = "$(cat vpc-id)" &&
	"$D" describe-subnet-groups name=sng >sngs.json &&
	test "$(jget sngs.json "len(d[\"subnet_groups\"][0][\"subnets\"])")" = 2 &&
	"$D" create-param-group DBClusterParameterGroupName=pg1 DBParameterGroupFamily=aurora-postgresql15 Description="cluster params" >pg.json &&
	test "$(jget pg.json "d[\"arn\"]")" = arn:aws:rds:us-east-1:123456789012:cluster-pg:pg1 &&
	"$D" modify-param-group name=pg1 set.max_connections=200 set.log_min_duration_statement=1000 &&
	"$D" describe-params name=pg1 source=user >params.json &&
	test "$(jget params.json "d[\"parameters\"][\"max_connections\"]")" = 200 &&
	test "$(jget params.json "d[\"parameters\"][\"log_min_duration_statement\"]")" = 1000 &&
	"$D" describe-param-groups name=pg1 >pgs.json &&
	test "$(jget pgs.json "d[\"parameter_groups\"][0][\"family\"]")" = aurora-postgresql15
'

test_expect_success 'RDS: create a cluster with two instances' '
	"$D" create-cluster DBClusterIdentifier=Orders Engine=aurora-postgresql EngineVersion=15.4 \
		MasterUsername=pg MasterUserPassword=secret123 DBSubnetGroupName=sng \
		DBClusterParameterGroupName=pg1 VpcSecurityGroupIds.VpcSecurityGroupId.1=$(cat sg-id) \
		EnableCloudwatchLogsExports.member.1=postgresql \
		Tags.Tag.1.Key=managed-by Tags.Tag.1.Value=aurora-gitops >cluster.json &&
	test "$(jget cluster.json "d[\"id\"]")" = orders &&
	test "$(jget cluster.json "d[\"status\"]")" = creating &&
	test "$(jget cluster.json "d[\"enabled_cloudwatch_logs_exports\"]")" = postgresql &&
	"$D" wait-cluster-available id=orders poll_ms=50 timeout_ms=5000 &&
	"$D" create-instance DBInstanceIdentifier=orders-1 DBInstanceClass=db.r6g.large \
		Engine=aurora-postgresql DBClusterIdentifier=orders PromotionTier=1 >i1.json &&
	"$D" create-instance DBInstanceIdentifier=orders-2 DBInstanceClass=db.r6g.large \
		Engine=aurora-postgresql DBClusterIdentifier=orders PromotionTier=2 >i2.json &&
	test "$(jget i1.json "d[\"cluster_id\"]")" = orders &&
	"$D" wait-instance-available id=orders-2 poll_ms=50 timeout_ms=5000
'

test_expect_success 'RDS: describe-all decodes writer, members, tags and instances' '
	"$D" --stats describe-all filter.db-cluster-id=orders >all.json 2>stats &&
	test "$(jget all.json "len(d[\"clusters\"])")" = 1 &&
	test "$(jget all.json "d[\"clusters\"][0][\"status\"]")" = available &&
	test "$(jget all.json "[(m[\"id\"], m[\"writer\"]) for m in d[\"clusters\"][0][\"members\"]]")" = orders-1,true,orders-2,false &&
	test "$(jget all.json "d[\"clusters\"][0][\"tags\"]")" = managed-by=aurora-gitops &&
	test "$(jget all.json "d[\"clusters\"][0][\"db_subnet_group\"]")" = sng &&
	test "$(jget all.json "d[\"clusters\"][0][\"db_cluster_parameter_group\"]")" = pg1 &&
	test "$(jget all.json "d[\"clusters\"][0][\"port\"]")" = 5432 &&
	test "$(jget all.json "sorted(i[\"id\"] for i in d[\"instances\"])")" = orders-1,orders-2 &&
	test "$(jget all.json "d[\"instances\"][0][\"instance_class\"]")" = db.r6g.large &&
	check_contains stats "\"rds:DescribeDBClusters\":{\"errors\":0,\"requests\":1}" &&
	check_contains stats "\"rds:DescribeDBInstances\":{\"errors\":0,\"requests\":1}" &&
	check_contains stats "\"total\":2" &&
	python3 -c "import json,sys; s=json.loads(open(\"stats\").read().split(\"stats: \",1)[1]); assert len(s[\"request_ids\"]) == 2 and all(s[\"request_ids\"]), s"
'

test_expect_success 'RDS: modify the cluster and an instance' '
	"$D" modify-cluster DBClusterIdentifier=orders BackupRetentionPeriod=7 DeletionProtection=true ApplyImmediately=true >mod.json &&
	test "$(jget mod.json "d[\"backup_retention_period\"]")" = 7 &&
	test "$(jget mod.json "d[\"deletion_protection\"]")" = true &&
	"$D" modify-instance DBInstanceIdentifier=orders-2 DBInstanceClass=db.r6g.xlarge ApplyImmediately=true >imod.json &&
	"$D" describe-instances id=orders-2 >i2d.json &&
	test "$(jget i2d.json "d[\"instances\"][0][\"instance_class\"]")" = db.r6g.xlarge &&
	check_exit 1 "$D" delete-cluster DBClusterIdentifier=orders SkipFinalSnapshot=true 2>err &&
	check_contains err "InvalidParameterCombination" &&
	"$D" modify-cluster DBClusterIdentifier=orders DeletionProtection=false ApplyImmediately=true >/dev/null
'

test_expect_success 'RDS: tags through the tagging API' '
	ARN=$(jget all.json "d[\"clusters\"][0][\"arn\"]") &&
	"$D" add-tags arn=$ARN tag.team=payments "tag.cost center=42" &&
	"$D" list-tags arn=$ARN >tags.json &&
	test "$(jget tags.json "d[\"tags\"][\"team\"]")" = payments &&
	test "$(jget tags.json "d[\"tags\"][\"cost center\"]")" = 42 &&
	"$D" remove-tags arn=$ARN keys=team &&
	"$D" list-tags arn=$ARN >tags2.json &&
	test "$(jget tags2.json "sorted(d[\"tags\"])")" = "cost center,managed-by"
'

test_expect_success 'RDS: snapshot and restore' '
	"$D" create-snapshot DBClusterSnapshotIdentifier=orders-snap DBClusterIdentifier=orders >snap.json &&
	test "$(jget snap.json "d[\"cluster_id\"]")" = orders &&
	"$D" describe-snapshots id=orders-snap >snaps.json &&
	test "$(jget snaps.json "d[\"snapshots\"][0][\"status\"]")" = available &&
	"$D" restore-cluster DBClusterIdentifier=orders-copy SnapshotIdentifier=orders-snap Engine=aurora-postgresql DBSubnetGroupName=sng >restored.json &&
	test "$(jget restored.json "d[\"id\"]")" = orders-copy &&
	"$D" wait-cluster-available id=orders-copy poll_ms=50 timeout_ms=5000 &&
	"$D" describe-clusters >clusters.json &&
	test "$(jget clusters.json "sorted(c[\"id\"] for c in d[\"clusters\"])")" = orders,orders-copy
'

test_expect_success 'RDS: a missing cluster is not found (exit 3) with the AWS code' '
	check_exit 3 "$D" describe-clusters id=nope 2>err &&
	check_contains err "rds DescribeDBClusters failed: DBClusterNotFoundFault (HTTP 404" &&
	check_contains err "DBCluster nope not found" &&
	check_contains err "credentials from environment"
'

test_expect_success 'RDS: a non-XML 500 states the status and the operation' '
	check_exit 1 "$D" call Action=ModifyDBCluster DBClusterIdentifier=does-not-exist 2>err &&
	check_contains err "rds ModifyDBCluster failed after 3 attempts: HTTP 500" &&
	check_contains err "non-XML body"
'

test_expect_success 'RDS: delete instances, then clusters; waiters see them gone' '
	"$D" delete-instance DBInstanceIdentifier=orders-1 >/dev/null &&
	"$D" delete-instance DBInstanceIdentifier=orders-2 >/dev/null &&
	"$D" wait-instance-deleted id=orders-1 poll_ms=50 timeout_ms=5000 &&
	"$D" delete-cluster DBClusterIdentifier=orders SkipFinalSnapshot=true >del.json &&
	test "$(jget del.json "d[\"id\"]")" = orders &&
	"$D" wait-cluster-deleted id=orders poll_ms=50 timeout_ms=5000 &&
	"$D" delete-cluster DBClusterIdentifier=orders-copy SkipFinalSnapshot=true >/dev/null &&
	"$D" describe-all >empty.json &&
	test "$(jget empty.json "(len(d[\"clusters\"]), len(d[\"instances\"]))")" = 0,0 &&
	check_exit 3 "$D" wait-cluster-available id=orders poll_ms=50 timeout_ms=500 2>err &&
	check_contains err "waiting for DB cluster '"'"'orders'"'"' to become available"
'

test_expect_success 'RDS: Serverless v2 and a managed master password decode from moto' '
	"$D" create-cluster DBClusterIdentifier=sv2 Engine=aurora-postgresql EngineVersion=15.4 \
		MasterUsername=pg ManageMasterUserPassword=true \
		ServerlessV2ScalingConfiguration.MinCapacity=0.5 ServerlessV2ScalingConfiguration.MaxCapacity=8 >sv2.json &&
	test "$(jget sv2.json "d[\"serverless_v2_min_capacity\"]")" = 0.5 &&
	test "$(jget sv2.json "d[\"serverless_v2_max_capacity\"]")" = 8.0 &&
	case "$(jget sv2.json "d[\"master_user_secret_arn\"]")" in arn:aws:secretsmanager:*) ;; *) exit 1;; esac &&
	"$D" delete-cluster DBClusterIdentifier=sv2 SkipFinalSnapshot=true >/dev/null
'

test_expect_success 'RDS: operations moto does not implement fail with the status (HTML 500)' '
	"$D" reset-param-group name=pg1 all=true >/dev/null &&
	check_exit 1 "$D" call Action=BacktrackDBCluster DBClusterIdentifier=orders \
		BacktrackTo=2026-01-01T00:00:00Z 2>err &&
	check_contains err "rds BacktrackDBCluster failed after 3 attempts: HTTP 500 with a non-XML body" &&
	check_exit 1 "$D" promote-cluster DBClusterIdentifier=orders 2>err &&
	check_contains err "rds PromoteReadReplicaDBCluster failed after 3 attempts: HTTP 500"
'

test_expect_success 'RDS: delete the parameter group, subnet group and snapshot' '
	"$D" delete-param-group name=pg1 &&
	check_exit 3 "$D" describe-param-groups name=pg1 2>err &&
	check_contains err "DBParameterGroupNotFound" &&
	"$D" call Action=DeleteDBClusterSnapshot DBClusterSnapshotIdentifier=orders-snap >/dev/null &&
	"$D" describe-snapshots cluster=orders >snaps.json &&
	test "$(jget snaps.json "[s[\"id\"] for s in d[\"snapshots\"] if s[\"id\"] == \"orders-snap\"]")" = "" &&
	"$D" delete-subnet-group name=sng &&
	check_exit 3 "$D" describe-subnet-groups name=sng 2>err &&
	check_contains err "DBSubnetGroupNotFoundFault"
'

test_expect_success 'RDS: DescribeDBInstances pages are followed until no Marker' '
	boto3_run <<-PY &&
	rds.create_db_cluster(DBClusterIdentifier="big", Engine="aurora-postgresql",
	                      MasterUsername="pg", MasterUserPassword="secret123")
	for i in range(105):
	    rds.create_db_instance(DBInstanceIdentifier="big-%03d" % i, DBInstanceClass="db.r6g.large",
	                           Engine="aurora-postgresql", DBClusterIdentifier="big")
	PY
	"$D" --stats describe-instances >big.json 2>stats &&
	test "$(jget big.json "len(d[\"instances\"])")" = 105 &&
	test "$(jget big.json "len(set(i[\"id\"] for i in d[\"instances\"]))")" = 105 &&
	check_contains stats "\"rds:DescribeDBInstances\":{\"errors\":0,\"requests\":2}"
'

test_done
