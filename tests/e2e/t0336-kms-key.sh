#!/usr/bin/env bash
# spec.kmsKey: the agent makes a customer managed key for the cluster
# before the cluster (CreateKey, CreateAlias, EnableKeyRotation), finds it
# by its alias on every later run (never a second key), corrects rotation
# changed out of band, and keeps the key when the cluster is deleted (no
# ScheduleKeyDeletion, ever). KMS speaks JSON 1.1; moto serves it on the
# same port, dispatched by the SigV4 service name.
. "$(dirname "$0")/test-lib.sh"

start_moto
export AWS_EC2_METADATA_DISABLED=true
STATE="$TRASH/state"

kms_run() {
	boto3_run <<-PY
	kms = boto3.client("kms", endpoint_url="$MOTO_URL", region_name="us-east-1",
	                   aws_access_key_id="testing", aws_secret_access_key="testing")
	def our_keys():
	    out = []
	    for k in kms.list_keys()["Keys"]:
	        tags = {t["TagKey"]: t["TagValue"] for t in kms.list_resource_tags(KeyId=k["KeyId"]).get("Tags", [])}
	        if tags.get("aurora-gitops/cluster") == "ledger-db":
	            out.append((k["KeyId"], tags))
	    return out
	def alias_key():
	    return kms.describe_key(KeyId="alias/ledger-db")["KeyMetadata"]
	$(cat)
	PY
}

test_expect_success 'setup: the example rendered against the moto network' '
	mkdir src &&
	cp "$AG_SRC/manifests/kms-key.yaml" src/ &&
	python3 "$AG_SRC/tests/tools/moto-fixture.py" render "$MOTO_URL" src m >/dev/null
'

test_expect_success 'plan: the key, its alias and rotation come before the cluster' '
	check_exit 2 "$AG_BIN" plan --dir m --state-dir "$STATE" --detailed-exitcode --format json >p1.json &&
	python3 - p1.json <<-\PY
	import json, sys
	c = json.load(open(sys.argv[1]))["clusters"][0]
	kinds = [a["kind"] for a in c["actions"]]
	assert kinds[:3] == ["create-kms-key", "create-kms-alias", "set-key-rotation"], kinds
	assert kinds.index("create-cluster") > 2, kinds
	create = [a for a in c["actions"] if a["kind"] == "create-cluster"][0]
	assert create["params"]["KmsKeyId"] == "alias/ledger-db", create["params"]
	assert create["params"]["StorageEncrypted"] == "true", create["params"]
	ch = [x for x in c["changes"] if x["path"] == "spec.kmsKey"]
	assert ch and ch[0]["class"] == "in-place", c["changes"]
	PY
'

test_expect_success 'sync makes the key with rotation and the cluster encrypted with it' '
	"$AG_BIN" sync --dir m --state-dir "$STATE" --poll-interval 100ms >sync.txt 2>&1 ||
		{ cat sync.txt; exit 1; }
	kms_run <<-\PY
	keys = our_keys()
	assert len(keys) == 1, keys
	kid, tags = keys[0]
	assert tags.get("managed-by") == "aurora-gitops", tags
	md = alias_key()
	assert md["KeyId"] == kid and md["KeyState"] == "Enabled", md
	assert kms.get_key_rotation_status(KeyId=kid)["KeyRotationEnabled"] is True
	c = rds.describe_db_clusters(DBClusterIdentifier="ledger-db")["DBClusters"][0]
	assert c["StorageEncrypted"] is True, c
	assert c["KmsKeyId"] in ("alias/ledger-db", md["Arn"], kid), c["KmsKeyId"]
	PY
'

test_expect_success 'the next plan is clean and the next sync makes no second key' '
	"$AG_BIN" plan --dir m --state-dir "$STATE" --detailed-exitcode >clean.txt ||
		{ cat clean.txt; exit 1; }
	"$AG_BIN" sync --dir m --state-dir "$STATE" -v >sync2.txt 2>sync2.err &&
	! grep -E "kms:(CreateKey|CreateAlias)" sync2.err &&
	grep -q "kms:ListAliases" sync2.err &&
	kms_run <<-\PY
	assert len(our_keys()) == 1, our_keys()
	PY
'

test_expect_success 'rotation turned off out of band: plan reports it in place (exit 2)' '
	kms_run <<-\PY &&
	kms.disable_key_rotation(KeyId=alias_key()["KeyId"])
	PY
	check_exit 2 "$AG_BIN" plan --dir m --state-dir "$STATE" --detailed-exitcode --format json >p2.json &&
	python3 - p2.json <<-\PY
	import json, sys
	c = json.load(open(sys.argv[1]))["clusters"][0]
	assert c["status"] == "update", c["status"]
	ch = {x["path"]: x for x in c["changes"]}
	r = ch["spec.kmsKey.rotation"]
	assert (r["committed"], r["live"], r["class"]) == ("true", "false", "in-place"), r
	acts = [(a["kind"], a["action"]) for a in c["actions"]]
	assert acts == [("set-key-rotation", "EnableKeyRotation")], acts
	PY
'

test_expect_success 'sync turns rotation back on; the plan is clean again' '
	"$AG_BIN" sync --dir m --state-dir "$STATE" --poll-interval 100ms >sync3.txt 2>&1 ||
		{ cat sync3.txt; exit 1; }
	kms_run <<-\PY &&
	assert kms.get_key_rotation_status(KeyId=alias_key()["KeyId"])["KeyRotationEnabled"] is True
	PY
	"$AG_BIN" plan --dir m --state-dir "$STATE" --detailed-exitcode >clean3.txt ||
		{ cat clean3.txt; exit 1; }
'

test_expect_success 'rotation: false in the manifest is a weakening change, sent when reviewed' '
	sed -i "s/rotation: true/rotation: false/" m/kms-key.yaml &&
	check_exit 2 "$AG_BIN" plan --dir m --state-dir "$STATE" --detailed-exitcode --format json >p4.json &&
	python3 - p4.json <<-\PY &&
	import json, sys
	c = json.load(open(sys.argv[1]))["clusters"][0]
	r = [x for x in c["changes"] if x["path"] == "spec.kmsKey.rotation"][0]
	assert r["weakens"] is True, r
	assert [a["action"] for a in c["actions"]] == ["DisableKeyRotation"], c["actions"]
	PY
	"$AG_BIN" sync --dir m --state-dir "$STATE" >sync4.txt 2>&1 &&
	kms_run <<-\PY &&
	assert kms.get_key_rotation_status(KeyId=alias_key()["KeyId"])["KeyRotationEnabled"] is False
	PY
	"$AG_BIN" plan --dir m --state-dir "$STATE" --detailed-exitcode >clean4.txt
'

test_expect_success 'a cluster encrypted with another key is blocked, never re-keyed' '
	boto3_run <<-\PY &&
	rds.create_db_cluster(DBClusterIdentifier="other-db", Engine="aurora-postgresql",
	    EngineVersion="15.4", MasterUsername="master", MasterUserPassword="x" * 12,
	    StorageEncrypted=True, KmsKeyId="arn:aws:kms:us-east-1:123456789012:key/elsewhere")
	PY
	mkdir m2 &&
	sed -e "s/name: ledger-db/name: other-db/" -e "s/count: 1/count: 0/" \
		-e "/instances:/d" m/kms-key.yaml >m2/other.yaml &&
	check_exit 3 "$AG_BIN" plan --dir m2 --state-dir "$STATE" --detailed-exitcode >blocked.txt &&
	check_contains blocked.txt "is encrypted with arn:aws:kms:us-east-1:123456789012:key/elsewhere" &&
	check_contains blocked.txt "cannot change in place"
'

test_expect_success 'deleting the cluster keeps its key: no ScheduleKeyDeletion' '
	sed -i -e "s|aurora-gitops/mode: apply|aurora-gitops/mode: apply\n    aurora-gitops/deletion: delete|" \
		-e "s/^spec:/spec:\n  skipFinalSnapshot: true/" m/kms-key.yaml &&
	"$AG_BIN" sync --dir m --state-dir "$STATE" --poll-interval 100ms >sync5.txt 2>&1 ||
		{ cat sync5.txt; exit 1; }
	kms_run <<-\PY &&
	ids = [c["DBClusterIdentifier"] for c in rds.describe_db_clusters()["DBClusters"]]
	assert "ledger-db" not in ids, ids
	md = alias_key()
	assert md["KeyState"] == "Enabled", md
	assert len(our_keys()) == 1
	PY
	! grep -q "ScheduleKeyDeletion" "$AG_REQUEST_LOG"
'

test_expect_success 'a key an interrupted run made without its alias is used, not doubled' '
	kms_run <<-\PY &&
	k = kms.create_key(Description="made before a crash", Tags=[
	    {"TagKey": "managed-by", "TagValue": "aurora-gitops"},
	    {"TagKey": "aurora-gitops/cluster", "TagValue": "orphan-db"}])["KeyMetadata"]
	open("orphan.id", "w").write(k["KeyId"])
	PY
	mkdir m3 &&
	sed -e "s/ledger-db/orphan-db/g" -e "/aurora-gitops\/deletion/d" "$AG_SRC/manifests/kms-key.yaml" >m3/o.yaml &&
	python3 "$AG_SRC/tests/tools/moto-fixture.py" render "$MOTO_URL" m3 m4 >/dev/null &&
	"$AG_BIN" sync --dir m4 --state-dir "$STATE" --poll-interval 100ms >sync6.txt 2>&1 ||
		{ cat sync6.txt; exit 1; }
	kms_run <<-\PY
	want = open("orphan.id").read()
	md = kms.describe_key(KeyId="alias/orphan-db")["KeyMetadata"]
	assert md["KeyId"] == want, (md["KeyId"], want)
	n = 0
	for k in kms.list_keys()["Keys"]:
	    tags = {t["TagKey"]: t["TagValue"] for t in kms.list_resource_tags(KeyId=k["KeyId"]).get("Tags", [])}
	    n += tags.get("aurora-gitops/cluster") == "orphan-db"
	assert n == 1, n
	assert kms.get_key_rotation_status(KeyId=want)["KeyRotationEnabled"] is True
	PY
'

test_expect_success 'the KMS requests are valid for real AWS (botocore model)' '
	python3 "$AG_SRC/tests/tools/botocore-check.py" \
		--require CreateKey,CreateAlias,EnableKeyRotation,DisableKeyRotation,ListAliases,DescribeKey,GetKeyRotationStatus,ListKeys,ListResourceTags \
		"$AG_REQUEST_LOG"
'

test_done
