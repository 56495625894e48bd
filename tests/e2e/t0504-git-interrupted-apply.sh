#!/usr/bin/env bash
# SIGKILL in the middle of an apply (the cluster created, its instance not
# yet): the next sync converges without creating anything twice, and the
# note on the commit says the earlier run was interrupted.
. "$(dirname "$0")/test-lib.sh"
. "$(dirname "$0")/lib-git.sh"

start_moto
export AWS_EC2_METADATA_DISABLED=true
STATE="$TRASH/state"
REMOTE="file://$TRASH/remote.git"

test_expect_success 'setup' '
	mkdir src && cp "$AG_SRC/manifests/minimal.yaml" src/ &&
	python3 "$AG_SRC/tests/tools/moto-fixture.py" render "$MOTO_URL" src m >/dev/null &&
	make_config_repo "$TRASH/remote.git" work m
'

test_expect_success 'sync is killed while CreateDBInstance is in flight' '
	(exec python3 "$AG_SRC/tests/tools/hold-proxy.py" --target "$MOTO_URL" \
		--port-file proxy.port --hold CreateDBInstance --reached reached) &
	ppid=$!
	echo "$ppid" >proxy.pid
	wait_for_file proxy.port
	AWS_ENDPOINT_URL="http://127.0.0.1:$(cat proxy.port)" \
		"$AG_BIN" sync --repo "$REMOTE" --state-dir "$STATE" --agent-id k1 \
		--poll-interval 100ms >out1 2>err1 &
	apid=$!
	wait_for_file reached || { kill "$apid" "$ppid"; cat out1 err1; exit 1; }
	kill -KILL "$apid"; wait "$apid" 2>/dev/null || true
	kill "$ppid"; wait "$ppid" 2>/dev/null || true
	[ -f "$STATE/apply-in-progress.json" ] &&
	[ -z "$(note_of remote.git main)" ] &&
	boto3_run <<-PY
	assert [c["DBClusterIdentifier"] for c in rds.describe_db_clusters()["DBClusters"]] == ["minimal-pg"]
	assert rds.describe_db_instances()["DBInstances"] == []
	PY
'

test_expect_success 'the next sync converges and notes the interruption' '
	"$AG_BIN" sync --repo "$REMOTE" --state-dir "$STATE" --agent-id k1 \
		--poll-interval 100ms >out2 2>err2 || { cat out2 err2; exit 1; }
	check_contains out2 "rds CreateDBInstance minimal-pg-1" && check_not_contains out2 "rds CreateDBCluster " &&
	[ ! -e "$STATE/apply-in-progress.json" ] &&
	boto3_run <<-PY &&
	assert [c["DBClusterIdentifier"] for c in rds.describe_db_clusters()["DBClusters"]] == ["minimal-pg"]
	assert [i["DBInstanceIdentifier"] for i in rds.describe_db_instances()["DBInstances"]] == ["minimal-pg-1"]
	PY
	note_of remote.git main >n &&
	check_note_lines n &&
	note_query n "lines[0][\"result\"] == \"interrupted\" and lines[0][\"kind\"] == \"error\" and \"interrupted\" in lines[0][\"error\"] and lines[0][\"cluster\"] == \"minimal-pg\"" &&
	note_query n "lines[1][\"result\"] == \"applied\" and [a[\"kind\"] for a in lines[1][\"actions\"]] == [\"ensure-monitoring-role\", \"create-instance\"]"
'

test_expect_success 'a third sync changes nothing and notes no interruption again' '
	"$AG_BIN" sync -q --repo "$REMOTE" --state-dir "$STATE" --agent-id k1 >out3 2>err3 ||
		{ cat out3 err3; exit 1; }
	note_of remote.git main >n3 &&
	[ "$(grep -c interrupted n3)" -eq 1 ] &&
	note_query n3 "lines[-1][\"result\"] == \"in-sync\""
'

test_done
