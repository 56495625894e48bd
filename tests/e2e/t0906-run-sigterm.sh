#!/usr/bin/env bash
# SIGTERM during a cycle that is stuck in AWS retries (an endpoint that
# keeps throttling, long backoff): the agent stops within 2 s, exit 0,
# instead of sitting out the backoff; the next start converges.
. "$(dirname "$0")/test-lib.sh"

start_moto
export AWS_EC2_METADATA_DISABLED=true
# long backoff and many attempts: without the stop flag one cycle would
# take minutes
export AG_AWS_RETRY_BASE_MS=10000 AWS_MAX_ATTEMPTS=20

test_expect_success 'setup: one manifest, a throttling proxy in front of moto' '
	mkdir src && cp "$AG_SRC/manifests/minimal.yaml" src/ &&
	python3 "$AG_SRC/tests/tools/moto-fixture.py" render "$MOTO_URL" src m >/dev/null &&
	(python3 "$AG_SRC/tests/tools/fault-proxy.py" --target "$MOTO_URL" --throttle 1000 \
		--port-file "$TRASH/proxy.port" --log "$TRASH/proxy.log" & echo $! >"$TRASH/proxy.pid") &&
	for i in $(seq 1 100); do [ -s proxy.port ] && break; sleep 0.05; done &&
	test -s proxy.port
'
proxy_pid=$(cat "$TRASH/proxy.pid" 2>/dev/null)
test_when_finished "kill $proxy_pid"

test_expect_success 'SIGTERM during a throttled cycle: exit 0 within 2 s' '
	((AWS_ENDPOINT_URL=http://127.0.0.1:$(cat proxy.port) "$AG_BIN" run --dir m \
		--state-dir "$TRASH/state" --interval 1h >"$TRASH/run.log" 2>&1 &
	  echo $! >"$TRASH/run.pid"; wait $!; echo $? >"$TRASH/run.rc") &) &&
	wait_for run.log "cycle: drift sweep" &&
	wait_for proxy.log throttle &&
	sleep 1 &&
	pid=$(cat run.pid) &&
	start=$(date +%s%N) &&
	kill -TERM $pid &&
	for i in $(seq 1 60); do kill -0 $pid 2>/dev/null || break; sleep 0.05; done &&
	ms=$((($(date +%s%N) - start) / 1000000)) &&
	say "stopped after $ms ms" &&
	! kill -0 $pid 2>/dev/null &&
	test $ms -lt 2000 &&
	wait_for run.rc 0 5 &&
	test "$(cat run.rc)" = 0 &&
	check_contains run.log "SIGTERM: stopping"
'
agent_pid=$(cat "$TRASH/run.pid" 2>/dev/null)
test_when_finished "kill $agent_pid"

test_expect_success 'the next start (no faults) converges' '
	("$AG_BIN" run --dir m --state-dir "$TRASH/state" --interval 1h >"$TRASH/run2.log" 2>&1 &
	 echo $! >"$TRASH/run2.pid") &&
	wait_for run2.log "cycle done" &&
	check_contains run2.log "create-cluster" &&
	kill -TERM $(cat run2.pid) &&
	wait_for run2.log "stopped" &&
	boto3_run <<-PY
	assert rds.describe_db_clusters(DBClusterIdentifier="minimal-pg")["DBClusters"]
	PY
'
run2_pid=$(cat "$TRASH/run2.pid" 2>/dev/null)
test_when_finished "kill $run2_pid"

test_done
