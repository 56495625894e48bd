#!/usr/bin/env bash
# Absence never weakens: removing protective settings from a manifest keeps
# them live (moto's request log shows no ModifyDBCluster carrying them);
# lowering happens only when written, marked "⚠ weakens protection", and a
# policy can forbid it. A reader made public out of band is reported and
# corrected.
. "$(dirname "$0")/test-lib.sh"

start_moto
export AWS_EC2_METADATA_DISABLED=true
STATE="$TRASH/state"

write() { # EXTRA-METADATA EXTRA-SPEC
	cat <<-YAML
	apiVersion: aws.project-planton.org/v1
	kind: AwsRdsCluster
	metadata:
	  name: ledger-db
	$1
	spec:
	  dbSubnetGroupName: default
	  engine: aurora-postgresql
	  engineVersion: "16.1"
	  manageMasterUserPassword: true
	$2
	  instances:
	    - name: ledger-db-1
	      instanceClass: db.r6g.large
	    - name: ledger-db-2
	      instanceClass: db.r6g.large
	YAML
}

# The Query bodies moto received since the last reset, one per line.
recorded() {
	curl -sf "$MOTO_URL/moto-api/recorder/download-recording" | python3 -c '
import base64, json, sys, urllib.parse
for line in sys.stdin:
    if not line.strip():
        continue
    e = json.loads(line)
    b = e.get("body") or ""
    if e.get("body_encoded"):
        b = base64.b64decode(b).decode()
    print(urllib.parse.unquote_plus(b))
'
}

test_expect_success 'setup: a protected cluster synced' '
	mkdir m &&
	write "" "$(printf "  %s\n" "deletionProtection: true" "backupRetentionPeriod: 14" \
		"copyTagsToSnapshot: true")" >m/ledger.yaml &&
	"$AG_BIN" sync --dir m --state-dir "$STATE" --poll-interval 100ms >sync.txt 2>&1 ||
		{ cat sync.txt; exit 1; }
	boto3_run <<-PY
	c = rds.describe_db_clusters(DBClusterIdentifier="ledger-db")["DBClusters"][0]
	assert c["DeletionProtection"] is True, c["DeletionProtection"]
	assert c["BackupRetentionPeriod"] == 14, c["BackupRetentionPeriod"]
	PY
'

test_expect_success 'removing the protective settings and syncing keeps them live' '
	write "" "" >m/ledger.yaml &&
	curl -sf -X POST "$MOTO_URL/moto-api/recorder/reset-recording" &&
	curl -sf -X POST "$MOTO_URL/moto-api/recorder/start-recording" &&
	"$AG_BIN" sync --dir m --state-dir "$STATE" --poll-interval 100ms >sync2.txt 2>&1 ||
		{ cat sync2.txt; exit 1; }
	curl -sf -X POST "$MOTO_URL/moto-api/recorder/stop-recording" &&
	recorded >requests.txt &&
	grep -q "Action=DescribeDBClusters" requests.txt &&
	! grep "Action=ModifyDBCluster&" requests.txt &&
	! grep -E "DeletionProtection|BackupRetentionPeriod|CopyTagsToSnapshot" requests.txt &&
	boto3_run <<-PY
	c = rds.describe_db_clusters(DBClusterIdentifier="ledger-db")["DBClusters"][0]
	assert c["DeletionProtection"] is True, c["DeletionProtection"]
	assert c["BackupRetentionPeriod"] == 14, c["BackupRetentionPeriod"]
	assert c["CopyTagsToSnapshot"] is True, c["CopyTagsToSnapshot"]
	PY
'

test_expect_success 'the plan is clean and says what is unmanaged' '
	"$AG_BIN" plan --dir m --state-dir "$STATE" --detailed-exitcode >plan.txt &&
	check_contains plan.txt "spec.deletionProtection" &&
	check_contains plan.txt "unmanaged"
'

test_expect_success 'an explicit lowering is marked; the weakening policy blocks it' '
	write "" "  deletionProtection: false" >m/ledger.yaml &&
	check_exit 2 "$AG_BIN" plan --dir m --state-dir "$STATE" --detailed-exitcode >low.txt &&
	check_contains low.txt "weakens protection" &&
	check_contains low.txt "DeletionProtection=false" &&
	check_exit 3 "$AG_BIN" plan --dir m --state-dir "$STATE" --detailed-exitcode \
		--forbid-weakening >repo-policy.txt &&
	check_contains repo-policy.txt "weakening policy forbids" &&
	write "  annotations: {aurora-gitops/weakening: forbid}" "  deletionProtection: false" \
		>m/ledger.yaml &&
	check_exit 3 "$AG_BIN" plan --dir m --state-dir "$STATE" --detailed-exitcode >forbid.txt &&
	check_contains forbid.txt "weakening policy forbids" &&
	check_not_contains forbid.txt "DeletionProtection=false"
'

test_expect_success 'a reader made public out of band is reported and corrected' '
	write "" "" >m/ledger.yaml &&
	boto3_run <<-PY &&
	rds.modify_db_instance(DBInstanceIdentifier="ledger-db-2", PubliclyAccessible=True,
	    ApplyImmediately=True)
	PY
	check_exit 2 "$AG_BIN" plan --dir m --state-dir "$STATE" --detailed-exitcode \
		--format json >public.json &&
	python3 - public.json <<-PY &&
	import json, sys
	c = json.load(open(sys.argv[1]))["clusters"][0]
	ch = [x for x in c["changes"] if x["path"] == "spec.instances[ledger-db-2].publiclyAccessible"]
	assert ch and ch[0]["live"] == "true" and ch[0]["committed"] == "false", c["changes"]
	acts = [a for a in c["actions"] if a["action"] == "ModifyDBInstance"]
	assert acts and acts[0]["params"]["PubliclyAccessible"] == "false", c["actions"]
	PY
	"$AG_BIN" sync --dir m --state-dir "$STATE" --poll-interval 100ms >sync3.txt 2>&1 ||
		{ cat sync3.txt; exit 1; }
	boto3_run <<-PY &&
	i = rds.describe_db_instances(DBInstanceIdentifier="ledger-db-2")["DBInstances"][0]
	assert not i.get("PubliclyAccessible"), i.get("PubliclyAccessible")
	PY
	"$AG_BIN" plan --dir m --state-dir "$STATE" --detailed-exitcode >after.txt
'

test_done
