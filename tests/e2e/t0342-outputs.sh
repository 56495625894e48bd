#!/usr/bin/env bash
# Connection outputs: `outputs CLUSTER` prints the writer and reader
# endpoints, port, custom endpoints, the managed secret's ARN, the cluster
# ARN and resource id as text, JSON or shell assignments; a sync records
# them in the state (outputs.json), read back with --recorded. (moto has no
# custom endpoints; their decoding and shell quoting are unit-tested in
# tests/unit/aws/decode.c and tests/unit/core/outputs.c.)
. "$(dirname "$0")/test-lib.sh"

start_moto
export AWS_EC2_METADATA_DISABLED=true
STATE="$TRASH/state"

test_expect_success 'setup: a cluster synced from a manifest' '
	python3 "$AG_SRC/tests/tools/moto-fixture.py" network "$MOTO_URL" >net.json &&
	python3 - net.json >db.yaml <<-PY &&
	import json, sys
	n = json.load(open(sys.argv[1]))
	print(f"""apiVersion: aws.project-planton.org/v1
	kind: AwsRdsCluster
	metadata:
	  name: shop-db
	spec:
	  subnetIds: [{n["subnets"][0]}, {n["subnets"][1]}]
	  engine: aurora-postgresql
	  engineVersion: "16.1"
	  port: 5433
	  manageMasterUserPassword: true
	  instances: {{count: 1, instanceClass: db.r6g.large}}""")
	PY
	mkdir m && sed "s/^\t//" db.yaml >m/db.yaml &&
	"$AG_BIN" sync --dir m --state-dir "$STATE" --poll-interval 100ms >sync.txt 2>&1 ||
		{ cat sync.txt; exit 1; }
'

test_expect_success 'outputs --format json: every output, from DescribeDBClusters' '
	"$AG_BIN" outputs shop-db --format json >out.json &&
	boto3_run out.json <<-\PY
	import json
	o = json.load(open(sys.argv[1]))
	c = rds.describe_db_clusters(DBClusterIdentifier="shop-db")["DBClusters"][0]
	assert o["rds_cluster_endpoint"] == c["Endpoint"], (o, c["Endpoint"])
	assert o["rds_cluster_reader_endpoint"] == c["ReaderEndpoint"], o
	assert o["rds_cluster_port"] == 5433, o
	assert o["rds_cluster_arn"] == c["DBClusterArn"], o
	assert o["cluster_resource_id"] == c["DbClusterResourceId"], o
	assert o["master_user_secret_arn"] == c["MasterUserSecret"]["SecretArn"], o
	assert o["custom_endpoints"] == c.get("CustomEndpoints", []), o
	assert o["rds_cluster_id"] == "shop-db" and o["rds_cluster_engine"] == "aurora-postgresql", o
	PY
'

test_expect_success 'outputs --format env: shell assignments that eval back' '
	"$AG_BIN" outputs SHOP-DB --format env >out.env &&
	grep -q "^AURORA_PORT='"'"'5433'"'"'$" out.env &&
	(
		. ./out.env &&
		python3 - out.json "$AURORA_WRITER_ENDPOINT" "$AURORA_CLUSTER_ARN" "$AURORA_MASTER_USER_SECRET_ARN" <<-\PY
		import json, sys
		o = json.load(open(sys.argv[1]))
		assert sys.argv[2] == o["rds_cluster_endpoint"], sys.argv
		assert sys.argv[3] == o["rds_cluster_arn"], sys.argv
		assert sys.argv[4] == o["master_user_secret_arn"], sys.argv
		PY
	)
'

test_expect_success 'text for people' '
	"$AG_BIN" outputs shop-db >out.txt &&
	check_contains out.txt "writer endpoint         shop-db." &&
	check_contains out.txt "port                    5433" &&
	check_contains out.txt "master user secret ARN  arn:aws:secretsmanager:"
'

test_expect_success 'the sync recorded the same outputs in the state' '
	python3 - "$STATE/outputs.json" out.json <<-\PY &&
	import json, sys
	rec = json.load(open(sys.argv[1]))["shop-db"]
	live = json.load(open(sys.argv[2]))
	assert rec.pop("recorded_at").endswith("Z"), rec
	assert rec == live, (rec, live)
	PY
	"$AG_BIN" outputs shop-db --recorded --state-dir "$STATE" --format json >rec.json &&
	cmp rec.json out.json
'

test_expect_success 'a cluster that does not exist is an error, not empty output' '
	check_exit 1 "$AG_BIN" outputs nope-db --format env >none.out 2>none.err &&
	[ ! -s none.out ] &&
	check_contains none.err "no cluster '"'"'nope-db'"'"'" &&
	check_exit 1 "$AG_BIN" outputs nope-db --recorded --state-dir "$STATE" 2>rnone.err &&
	check_contains rnone.err "no outputs recorded for cluster '"'"'nope-db'"'"'"
'

test_expect_success 'usage errors: one cluster, a known format' '
	check_exit 64 "$AG_BIN" outputs 2>u1.err &&
	check_contains u1.err "name one cluster" &&
	check_exit 64 "$AG_BIN" outputs a b 2>u2.err &&
	check_exit 64 "$AG_BIN" outputs a --format yaml 2>u3.err &&
	check_contains u3.err "unknown format '"'"'yaml'"'"' (expected text, json or env)"
'

test_done
