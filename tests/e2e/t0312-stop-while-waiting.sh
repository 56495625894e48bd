#!/usr/bin/env bash
# Nothing blocks without a way out: SIGTERM to a sync that waits for a
# cluster AWS is still creating ends it within 2 s with a clear message,
# state saved and exit 143; the next sync converges without a second
# create. The fault proxy keeps the cluster "creating" (moto makes it
# available at once) and logs every request with its Action.
. "$(dirname "$0")/test-lib.sh"

start_moto
export AWS_EC2_METADATA_DISABLED=true
STATE="$TRASH/state"
BG_PIDS=$(mktemp "${TMPDIR:-/tmp}/ag-bg-pids.XXXXXX")
test_when_finished "for p in \$(cat $BG_PIDS); do kill \$p; done; rm -f $BG_PIDS"

# start_proxy ARGS...: fault proxy in front of moto, logging to proxy.log
# (kept across proxies); sets PROXY_URL.
start_proxy() {
	local p i
	for p in $(cat "$BG_PIDS"); do kill "$p" 2>/dev/null || true; done
	: >"$BG_PIDS"
	rm -f "$TRASH/proxy.port"
	python3 "$AG_SRC/tests/tools/fault-proxy.py" --target "$MOTO_URL" --log-actions \
		--port-file "$TRASH/proxy.port" --log "$TRASH/proxy.log" "$@" &
	echo $! >>"$BG_PIDS"
	for i in $(seq 1 100); do
		[ -s "$TRASH/proxy.port" ] && break
		sleep 0.05
	done
	PROXY_URL="http://127.0.0.1:$(cat "$TRASH/proxy.port")"
}

test_expect_success 'setup: one manifest' '
	mkdir m
	cat >m/db.yaml <<-YAML
	apiVersion: aws.project-planton.org/v1
	kind: AwsRdsCluster
	metadata:
	  name: slowdb
	spec:
	  dbSubnetGroupName: default
	  engine: aurora-postgresql
	  engineVersion: "16.1"
	  password: "long-enough-password"
	YAML
'

test_expect_success 'SIGTERM while waiting: out within 2 s, exit 143, state saved' '
	start_proxy --mangle DescribeDBClusters=creating
	AWS_ENDPOINT_URL=$PROXY_URL "$AG_BIN" sync --dir m --state-dir "$STATE" \
		--poll-interval 30s >s1.out 2>s1.err &
	pid=$!
	for i in $(seq 1 300); do
		if grep -q "waiting: cluster .slowdb. is creating" s1.err; then break; fi
		sleep 0.1
	done
	check_contains s1.err "waiting: cluster '"'"'slowdb'"'"' is creating"
	t0=$(date +%s%N)
	kill -TERM $pid
	rc=0
	wait $pid || rc=$?
	t1=$(date +%s%N)
	ms=$(( (t1 - t0) / 1000000 ))
	say "exited $rc after $ms ms"
	test "$rc" = 143
	test "$ms" -lt 2000
	check_contains s1.err "stopped by SIGTERM: 0 clusters applied, 1 cut short, 0 not started; state saved"
	grep -E "^cluster .slowdb.: stopped \(1 of 1 actions sent\)" s1.out
	check_contains s1.out "stopped while waiting for DB cluster '"'"'slowdb'"'"'"
	python3 -c "import json,sys; d=json.load(open(sys.argv[1])); assert \"slowdb\" in d, d" \
		"$STATE/passwords.json"
	check_not_contains "$STATE/failures.json" slowdb
	test "$(grep -c "CreateDBCluster" proxy.log)" = 1
'

test_expect_success 'the next sync converges without a second create' '
	start_proxy
	AWS_ENDPOINT_URL=$PROXY_URL "$AG_BIN" sync --dir m --state-dir "$STATE" \
		--poll-interval 100ms >s2.out 2>&1
	check_not_contains s2.out "CreateDBCluster"
	check_contains s2.out "unchanged (1): slowdb"
	test "$(grep -c "CreateDBCluster" proxy.log)" = 1
	AWS_ENDPOINT_URL=$PROXY_URL "$AG_BIN" plan --dir m --state-dir "$STATE" \
		--detailed-exitcode >p.out
'

test_done
