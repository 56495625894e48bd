#!/usr/bin/env bash
# import: clusters created outside the agent (random settings) become
# manifests that plan with zero drift.
. "$(dirname "$0")/test-lib.sh"

start_moto
export AWS_EC2_METADATA_DISABLED=true
STATE="$TRASH/state"

test_expect_success 'setup: 20 clusters with random settings, made with boto3' '
	python3 "$AG_SRC/tests/tools/moto-fixture.py" network "$MOTO_URL" >net.json &&
	boto3_run <<-PY
	import json, random
	random.seed(20261123)
	net = json.load(open("net.json"))
	rds.create_db_subnet_group(DBSubnetGroupName="shared", DBSubnetGroupDescription="shared",
	    SubnetIds=net["subnets"])
	for i in range(20):
	    cid = f"legacy-{i:02d}"
	    pg = random.random() < 0.5
	    engine = "aurora-postgresql" if pg else "aurora-mysql"
	    version = random.choice(["15.4", "16.1"]) if pg else "8.0.mysql_aurora.3.05.2"
	    logs = random.sample(["postgresql", "instance"] if pg else ["audit", "error", "general", "slowquery"],
	        random.randint(0, 2))
	    kw = dict(DBClusterIdentifier=cid, Engine=engine, EngineVersion=version,
	        MasterUsername=random.choice(["admin", "master", "app_owner"]),
	        BackupRetentionPeriod=random.randint(1, 35),
	        DeletionProtection=random.random() < 0.5,
	        StorageEncrypted=random.random() < 0.5,
	        CopyTagsToSnapshot=random.random() < 0.5,
	        EnableIAMDatabaseAuthentication=random.random() < 0.5,
	        DBSubnetGroupName="shared",
	        PreferredMaintenanceWindow=random.choice(["sun:05:00-sun:06:00", "wed:02:40-wed:03:10"]),
	        PreferredBackupWindow=random.choice(["01:00-02:00", "03:30-04:00"]),
	        EnableCloudwatchLogsExports=logs,
	        Tags=[{"Key": "team", "Value": random.choice(["a", "b"])}])
	    if random.random() < 0.5:
	        kw["ManageMasterUserPassword"] = True
	    else:
	        kw["MasterUserPassword"] = "p" * 12
	    if random.random() < 0.3:
	        kw["Port"] = random.choice([5433, 3307])
	    if random.random() < 0.3:
	        kw["ServerlessV2ScalingConfiguration"] = {"MinCapacity": 0.5, "MaxCapacity": random.choice([4.0, 8.0])}
	    rds.create_db_cluster(**kw)
	    for j in range(random.randint(0, 3)):
	        rds.create_db_instance(DBInstanceIdentifier=f"{cid}-{j}", DBClusterIdentifier=cid,
	            DBInstanceClass=random.choice(["db.r6g.large", "db.t4g.medium", "db.serverless"]),
	            Engine=engine, PromotionTier=random.randint(0, 15))
	PY
'

test_expect_success 'unmanaged lists all 20 before import' '
	mkdir empty && : >empty/placeholder.yaml &&
	"$AG_BIN" unmanaged --dir empty --state-dir "$STATE" >un.txt 2>un.err || true
	test "$(grep -c "^legacy-" un.txt)" -eq 20 || { cat un.txt un.err; exit 1; }
'

test_expect_success 'import writes one manifest per cluster that validates' '
	ids=$(seq -f "legacy-%02g" 0 19) &&
	"$AG_BIN" import $ids --out m 2>import.err &&
	test "$(ls m | wc -l)" -eq 20 &&
	"$AG_BIN" validate m >validate.txt || { cat validate.txt; exit 1; }
'

test_expect_success 'import refuses to overwrite an existing manifest' '
	cp m/legacy-00.yaml keep.yaml &&
	check_exit 1 "$AG_BIN" import legacy-00 --out m 2>err &&
	check_contains err "already exists" &&
	cmp keep.yaml m/legacy-00.yaml
'

test_expect_success 'the imported manifests plan with zero drift' '
	"$AG_BIN" plan --dir m --state-dir "$STATE" --detailed-exitcode >plan.txt ||
		{ cat plan.txt; exit 1; }
'

test_expect_success 'setup: three more clusters, one managed by another tool' '
	boto3_run <<-PY
	for cid, tags in (("adopt-a", []), ("adopt-b", []),
	        ("other-x", [{"Key": "managed-by", "Value": "terraform"},
	                     {"Key": "planton.org/stack", "Value": "s1"}])):
	    rds.create_db_cluster(DBClusterIdentifier=cid, Engine="aurora-postgresql",
	        EngineVersion="16.1", MasterUsername="admin", ManageMasterUserPassword=True,
	        DBSubnetGroupName="shared", Tags=tags)
	PY
'

test_expect_success 'import --all adopts every cluster no manifest covers, in one describe' '
	"$AG_BIN" import --all --dir m --out all -v 2>all.err &&
	test "$(ls all | sort | tr "\n" " ")" = "adopt-a.yaml adopt-b.yaml other-x.yaml " ||
		{ ls all; cat all.err; exit 1; }
'

test_expect_success 'import --match GLOB (case-insensitive) picks the matching ones' '
	"$AG_BIN" import --match "ADOPT-*" --dir m --out some 2>some.err &&
	test "$(ls some | sort | tr "\n" " ")" = "adopt-a.yaml adopt-b.yaml " ||
		{ ls some; cat some.err; exit 1; } &&
	check_exit 64 "$AG_BIN" import legacy-00 --all 2>usage.err
'

test_expect_success 'adopting a cluster another tool manages is one visible change' '
	check_contains all/other-x.yaml "tagged managed-by=terraform" &&
	mkdir adopt && cp all/other-x.yaml adopt/ &&
	check_exit 2 "$AG_BIN" plan --dir adopt --state-dir "$STATE" --detailed-exitcode \
		--format json >adopt.json &&
	python3 - adopt.json <<-PY
	import json, sys
	c = json.load(open(sys.argv[1]))["clusters"][0]
	assert [x["path"] for x in c["changes"]] == ["metadata.labels.managed-by"], c["changes"]
	assert [a["kind"] for a in c["actions"]] == ["add-tags"], c["actions"]
	PY
'

test_expect_success 'import of a missing cluster is a clear error' '
	check_exit 1 "$AG_BIN" import no-such-cluster 2>err &&
	check_contains err "no-such-cluster"
'

test_done
