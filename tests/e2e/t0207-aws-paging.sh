#!/usr/bin/env bash
# Describe replies come in pages, as AWS sends them: the test launcher
# (tests/tools/moto-server.py) pages DescribeDBClusters and
# DescribeDBInstances by MaxRecords (20..100, default 100) and Marker, and
# the agent follows the Markers to the last page. Clusters are seeded
# straight into the backend (POST /_ag/seed-rds) so the fleet is quick to
# build; a cluster still lists its member instances after instances are
# added and removed.
. "$(dirname "$0")/test-lib.sh"

start_moto
export AWS_EC2_METADATA_DISABLED=true
N=250

test_expect_success 'MaxRecords outside 20..100 and a forged Marker are refused' '
	boto3_run >out <<-\EOF &&
	for kw in [dict(MaxRecords=19), dict(MaxRecords=101), dict(Marker="bm90LWEtbWFya2Vy")]:
	    try:
	        rds.describe_db_clusters(**kw)
	        print("accepted", kw)
	    except rds.exceptions.ClientError as e:
	        print(e.response["Error"]["Code"])
	    try:
	        rds.describe_db_instances(**kw)
	        print("accepted", kw)
	    except rds.exceptions.ClientError as e:
	        print(e.response["Error"]["Code"])
	print(len(rds.describe_db_clusters(MaxRecords=20)["DBClusters"]))
	EOF
	cat >expect <<-\EOF &&
	InvalidParameterValue
	InvalidParameterValue
	InvalidParameterValue
	InvalidParameterValue
	InvalidParameterValue
	InvalidParameterValue
	0
	EOF
	diff -u expect out
'

test_expect_success "seed $N clusters with two instances each, and their manifests" '
	python3 - "$MOTO_URL" "$N" m <<-\EOF
	import json, os, sys, urllib.request
	url, n, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
	os.makedirs(out)
	clusters, instances = [], []
	for i in range(n):
	    cid = f"page-{i:04d}"
	    clusters.append({"DBClusterIdentifier": cid, "Engine": "aurora-postgresql",
	        "EngineVersion": "16.1", "MasterUsername": "master",
	        "ManageMasterUserPassword": True, "BackupRetentionPeriod": 7,
	        "DeletionProtection": True, "StorageEncrypted": True,
	        "DBSubnetGroupName": "default",
	        "Tags": [{"Key": "managed-by", "Value": "aurora-gitops"}]})
	    for j in (1, 2):
	        instances.append({"DBInstanceIdentifier": f"{cid}-{j}", "DBClusterIdentifier": cid,
	            "DBInstanceClass": "db.r6g.large", "Engine": "aurora-postgresql",
	            "PromotionTier": j - 1})
	    with open(os.path.join(out, f"{cid}.yaml"), "w") as f:
	        f.write(f"""apiVersion: aws.project-planton.org/v1
	kind: AwsRdsCluster
	metadata:
	  name: {cid}
	spec:
	  dbSubnetGroupName: default
	  engine: aurora-postgresql
	  engineVersion: "16.1"
	  manageMasterUserPassword: true
	  storageEncrypted: true
	  backupRetentionPeriod: 7
	  deletionProtection: true
	  # as seeded: neither Performance Insights nor Enhanced Monitoring
	  performanceInsights: {{enabled: false}}
	  monitoring: {{interval: 0}}
	  instances:
	    - name: {cid}-1
	      instanceClass: db.r6g.large
	      promotionTier: 0
	    - name: {cid}-2
	      instanceClass: db.r6g.large
	      promotionTier: 1
	""")
	req = urllib.request.Request(url + "/_ag/seed-rds", method="POST",
	    data=json.dumps({"clusters": clusters, "instances": instances}).encode())
	print(urllib.request.urlopen(req).read().decode())
	EOF
'

test_expect_success 'boto3 pages through every cluster and instance exactly once' '
	boto3_run >out <<-\EOF &&
	pages = list(rds.get_paginator("describe_db_clusters").paginate(
	    PaginationConfig={"PageSize": 20}))
	ids = [c["DBClusterIdentifier"] for p in pages for c in p["DBClusters"]]
	print(len(pages), len(ids), len(set(ids)), ids == sorted(ids))
	print(sorted({len(c["DBClusterMembers"]) for p in pages for c in p["DBClusters"]}))
	pages = list(rds.get_paginator("describe_db_instances").paginate())
	ids = [d["DBInstanceIdentifier"] for p in pages for d in p["DBInstances"]]
	print(len(pages), len(ids), len(set(ids)))
	EOF
	cat >expect <<-EOF &&
	13 $N $N True
	[2]
	5 $((2 * N)) $((2 * N))
	EOF
	diff -u expect out
'

test_expect_success 'plan follows the Markers: every cluster seen, nothing to change' '
	rm -f "$AG_REQUEST_LOG" &&
	"$AG_BIN" plan --dir m --state-dir state --detailed-exitcode >plan.txt 2>plan.err ||
		{ cat plan.txt plan.err; false; } &&
	python3 - "$AG_REQUEST_LOG" >out <<-\EOF &&
	import json, sys, urllib.parse
	for action in ("DescribeDBClusters", "DescribeDBInstances"):
	    reqs = [dict(urllib.parse.parse_qsl(json.loads(l)["body"])) for l in open(sys.argv[1])]
	    reqs = [r for r in reqs if r.get("Action") == action]
	    print(action, len(reqs), [r.get("MaxRecords") for r in reqs].count("100"),
	          sum(1 for r in reqs if "Marker" in r))
	EOF
	cat >expect <<-\EOF &&
	DescribeDBClusters 3 3 2
	DescribeDBInstances 5 5 4
	EOF
	diff -u expect out
'

test_expect_success 'a cluster lists its members after instances come and go' '
	boto3_run >out <<-\EOF &&
	rds.delete_db_instance(DBInstanceIdentifier="page-0007-2", SkipFinalSnapshot=True)
	rds.create_db_instance(DBInstanceIdentifier="page-0007-9", DBClusterIdentifier="page-0007",
	    DBInstanceClass="db.r6g.large", Engine="aurora-postgresql")
	c = rds.describe_db_clusters(DBClusterIdentifier="page-0007")["DBClusters"][0]
	print(sorted(m["DBInstanceIdentifier"] for m in c["DBClusterMembers"]))
	EOF
	echo "['"'"'page-0007-1'"'"', '"'"'page-0007-9'"'"']" >expect &&
	diff -u expect out
'

test_done
