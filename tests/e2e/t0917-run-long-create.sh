#!/usr/bin/env bash
# run: a cluster whose create takes minutes (the fault proxy keeps it
# "creating", as AWS does for a quarter of an hour) does not delay a change
# to another cluster; SIGTERM while it is still creating ends the agent
# within 2 s with exit 0; the next start (AWS done) converges.
. "$(dirname "$0")/test-lib.sh"
. "$(dirname "$0")/lib-git.sh"

start_moto
export AWS_EC2_METADATA_DISABLED=true
BG_PIDS=$(mktemp "${TMPDIR:-/tmp}/ag-bg-pids.XXXXXX")
test_when_finished "for p in \$(cat $BG_PIDS); do kill \$p; done; rm -f $BG_PIDS"

# wait_line REV PATTERN SECONDS: until the note on REV has a matching line;
# prints the milliseconds it took
wait_line() {
	local start=$(date +%s%N) i
	for i in $(seq 1 $(($3 * 50))); do
		if note_of remote.git "$1" | grep -q -- "$2"; then
			echo $((($(date +%s%N) - start) / 1000000))
			return 0
		fi
		sleep 0.02
	done
	say "no line matching '$2' in the note on $1 after $3 s:"
	note_of remote.git "$1" >&2
	return 1
}

instances_of() { # CLUSTER: how many instances moto has for it
	boto3_run <<-PY
	r = rds.describe_db_instances(Filters=[{"Name": "db-cluster-id", "Values": ["$1"]}])
	print(len(r["DBInstances"]))
	PY
}

test_expect_success 'setup: two clusters; a proxy keeps one of them creating' '
	mkdir src && cp "$AG_SRC/manifests/minimal.yaml" src/ &&
	sed "s/name: minimal-pg/name: other-pg/" src/minimal.yaml >src/other.yaml &&
	python3 "$AG_SRC/tests/tools/moto-fixture.py" render "$MOTO_URL" src m >/dev/null &&
	make_config_repo "$TRASH/remote.git" work m &&
	(python3 "$AG_SRC/tests/tools/fault-proxy.py" --target "$MOTO_URL" --log-actions \
		--mangle DescribeDBClusters=creating:minimal-pg \
		--mangle DescribeDBInstances=creating:minimal-pg \
		--port-file "$TRASH/proxy.port" --log "$TRASH/proxy.log" & echo $! >>"$BG_PIDS") &&
	for i in $(seq 1 100); do [ -s proxy.port ] && break; sleep 0.05; done &&
	test -s proxy.port
'

test_expect_success 'both are created; the slow one stays creating, the other settles' '
	(AWS_ENDPOINT_URL=http://127.0.0.1:$(cat proxy.port) "$AG_BIN" run \
		--repo "file://$TRASH/remote.git" --branch main --state-dir "$TRASH/state" \
		--interval 1h --drift-interval 1h >"$TRASH/run.log" 2>&1 &
		echo $! >"$TRASH/run.pid"; wait $!; echo $? >"$TRASH/run.rc") &
	wait_for run.log "cycle done" 30 &&
	for i in $(seq 1 300); do
		[ "$(instances_of other-pg)" = 1 ] && break
		sleep 0.1
	done &&
	test "$(instances_of other-pg)" = 1 &&
	test "$(instances_of minimal-pg)" = 0 &&
	check_contains proxy.log "mangle creating:minimal-pg DescribeDBClusters"
'

test_expect_success 'a change to the other cluster is applied at once, the slow one still creating' '
	sleep 6 && # the follow-up cycle of the creates
	sed -i "s/storageEncrypted: true/storageEncrypted: true\n  backupRetentionPeriod: 9/" work/other.yaml &&
	git -C work commit -qam "other-pg: retention 9" &&
	git -C work push -q origin main &&
	rev=$(git -C work rev-parse HEAD) &&
	ms=$(wait_line $rev "\"cluster\":\"other-pg\".*\"result\":\"applied\"" 20) &&
	say "push -> note for other-pg: $ms ms (minimal-pg still creating)" &&
	test "$ms" -lt 10000 &&
	test "$(instances_of minimal-pg)" = 0 &&
	boto3_run <<-PY
	c = rds.describe_db_clusters(DBClusterIdentifier="other-pg")["DBClusters"][0]
	assert c["BackupRetentionPeriod"] == 9, c["BackupRetentionPeriod"]
	PY
'

test_expect_success 'SIGTERM while the create is still going: exit 0 within 2 s' '
	pid=$(cat run.pid) &&
	kill -0 $pid &&
	t0=$(date +%s%N) &&
	kill -TERM $pid &&
	for i in $(seq 1 100); do kill -0 $pid 2>/dev/null || break; sleep 0.02; done &&
	ms=$((($(date +%s%N) - t0) / 1000000)) &&
	say "stopped after $ms ms" &&
	test "$ms" -lt 2000 &&
	wait_for run.rc 0 5 &&
	test "$(cat run.rc)" = 0 &&
	check_contains run.log "SIGTERM: stopping"
'

test_expect_success 'the next start, AWS done, converges: the slow cluster gets its instance' '
	("$AG_BIN" run --repo "file://$TRASH/remote.git" --branch main \
		--state-dir "$TRASH/state" --interval 1h --drift-interval 1h \
		>"$TRASH/run2.log" 2>&1 & echo $! >"$TRASH/run2.pid") &&
	for i in $(seq 1 300); do
		[ "$(instances_of minimal-pg)" = 1 ] && break
		sleep 0.1
	done &&
	test "$(instances_of minimal-pg)" = 1 &&
	wait_for run2.log ", 0 applying, 0 failed" 30 &&
	check_not_contains run2.log "CreateDBCluster" &&
	kill -TERM $(cat run2.pid)
'

test_done
