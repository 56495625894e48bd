#!/usr/bin/env bash
# Create-only fields changed in YAML are blocked: exit 3, a hint, and no
# mutating call, whatever the mode.
. "$(dirname "$0")/test-lib.sh"

start_moto
export AWS_EC2_METADATA_DISABLED=true
STATE="$TRASH/state"

test_expect_success 'setup: one cluster synced' '
	mkdir src &&
	cp "$AG_SRC/manifests/production.yaml" src/ &&
	python3 "$AG_SRC/tests/tools/moto-fixture.py" render "$MOTO_URL" src m >/dev/null &&
	"$AG_BIN" sync --dir m --state-dir "$STATE" --poll-interval 100ms >sync.txt 2>&1
'

for change in "engine: aurora-postgresql/engine: aurora-mysql|engineVersion: \"15.4\"/engineVersion: 8.0.mysql_aurora.3.05.2|postgresql$/error" \
	"storageEncrypted: true/storageEncrypted: false" \
	"databaseName: orders/databaseName: orders2"; do
	field=${change%%:*}
	test_expect_success "changing $field is blocked with exit 3 and no API mutation" '
		rm -rf b && cp -r m b &&
		IFS="|" read -ra edits <<<"$change" &&
		for e in "${edits[@]}"; do sed -i "s/$e/" b/production.yaml; done &&
		check_exit 3 "$AG_BIN" plan --dir b --state-dir "$STATE" >plan.txt &&
		check_contains plan.txt "blocked" &&
		check_exit 3 "$AG_BIN" sync --dir b --state-dir "$STATE" -v >sync.txt 2>sync.err &&
		grep "aws requests:" sync.err >calls &&
		! grep -E "(Create|Modify|Delete|Add|Remove|Restore|Promote)" calls ||
			{ cat plan.txt sync.txt sync.err; exit 1; }
	'
done

test_expect_success 'the cluster is untouched' '
	boto3_run <<-PY
	c = rds.describe_db_clusters(DBClusterIdentifier="orders-db")["DBClusters"][0]
	assert c["Engine"] == "aurora-postgresql"
	assert c["StorageEncrypted"] is True
	PY
'

test_done
