#!/usr/bin/env bash
# run: the agent as a service on a manifests directory. Reconciles at
# start, on file events (inotify), on an authenticated webhook; serves
# /metrics (valid Prometheus text), /healthz, /readyz and the status page;
# SIGHUP with a bad settings file keeps the old settings; SIGTERM exits 0;
# a second agent on the same state directory is refused.
. "$(dirname "$0")/test-lib.sh"

start_moto
export AWS_EC2_METADATA_DISABLED=true
STATE="$TRASH/state"
SECRET="It's a Secret to Everybody"
PORT=$(free_port)
HOOK=$(free_port)
# prometheus_client may live in the system interpreter only
PYPROM=python3
for py in python3 /usr/bin/python3; do
	if "$py" -c 'import prometheus_client' 2>/dev/null; then PYPROM=$py; break; fi
done

# wait_for FILE STRING [SECONDS]: until STRING appears in FILE
wait_for() {
	local i
	for i in $(seq 1 $((${3:-20} * 10))); do
		grep -qF -- "$2" "$1" 2>/dev/null && return 0
		sleep 0.1
	done
	say "timed out waiting for '$2' in $1:"
	cat "$1"
	return 1
}
# count FILE STRING: how many lines contain STRING
count() { grep -cF -- "$2" "$1" || true; }

hmac() { # BODY -> sha256=<hex>
	python3 -c 'import hmac, hashlib, sys; print("sha256=" + hmac.new(sys.argv[1].encode(), sys.argv[2].encode(), hashlib.sha256).hexdigest())' "$SECRET" "$1"
}

test_expect_success 'setup: one cluster, settings and secret files' '
	mkdir src &&
	cp "$AG_SRC/manifests/minimal.yaml" src/ &&
	python3 "$AG_SRC/tests/tools/moto-fixture.py" render "$MOTO_URL" src m >/dev/null &&
	printf "%s\n" "$SECRET" >secret && chmod 600 secret &&
	printf "interval: 1h\ndriftInterval: 1h\n" >aurora-gitops.yaml
'

test_expect_success 'run without a source or with a bad flag is a usage error' '
	check_exit 64 "$AG_BIN" run --interval 1s 2>e1 &&
	check_contains e1 "no source given" &&
	check_exit 64 "$AG_BIN" run --dir m --shard 3/3 2>e2 &&
	check_contains e2 "invalid shard" &&
	check_exit 64 "$AG_BIN" run --dir m --interval soon 2>e3 &&
	check_contains e3 "bad duration" &&
	check_exit 64 "$AG_BIN" run --dir m --webhook 127.0.0.1:$HOOK 2>e4 &&
	check_contains e4 "needs a secret" &&
	check_exit 64 "$AG_BIN" run --dir m --repo file:///nowhere 2>e5 &&
	check_contains e5 "exclude each other" &&
	check_exit 64 "$AG_BIN" run --repo file:///nowhere --ssh-accept-new-host 2>e6 &&
	check_contains e6 "needs --ssh-known-hosts" &&
	check_exit 64 "$AG_BIN" run --dir m --branch main 2>e7 &&
	check_contains e7 "need --repo"
'

test_expect_success 'run starts, creates the cluster and becomes ready' '
	# the subshell records the exit status once the agent ends
	(("$AG_BIN" run --dir m --state-dir "$STATE" --listen 127.0.0.1:$PORT \
		--webhook 127.0.0.1:$HOOK --webhook-secret-file secret --config aurora-gitops.yaml \
		--no-watch >"$TRASH/run.log" 2>&1 & echo $! >"$TRASH/run.pid"; wait $!; echo $? >"$TRASH/run.rc") &) &&
	wait_for run.log "cycle done" &&
	test -s run.pid &&
	check_contains run.log "create-cluster" &&
	check_contains run.log "interval 3600000ms" &&
	curl -sf http://127.0.0.1:$PORT/readyz >ready.txt &&
	check_contains ready.txt ready &&
	curl -sf http://127.0.0.1:$PORT/healthz >health.txt &&
	check_contains health.txt ok &&
	boto3_run <<-PY
	assert rds.describe_db_clusters(DBClusterIdentifier="minimal-pg")["DBClusters"]
	PY
'
# read the pid now: on success the scratch directory is gone before cleanup
agent_pid=$(cat "$TRASH/run.pid" 2>/dev/null)
test_when_finished "kill $agent_pid"

test_expect_success 'a second agent on the same state directory is refused' '
	check_exit 1 "$AG_BIN" run --dir m --state-dir "$STATE" 2>second.err &&
	check_contains second.err "another agent is running"
'

test_expect_success '/metrics is valid Prometheus text with every family' '
	curl -sf -D headers http://127.0.0.1:$PORT/metrics >metrics.txt &&
	check_contains headers "text/plain; version=0.0.4" &&
	"$PYPROM" "$AG_SRC/tests/tools/check-prometheus.py" metrics.txt \
		aurora_gitops_reconcile_duration_seconds aurora_gitops_cluster_drift \
		aurora_gitops_last_successful_sync_timestamp_seconds aurora_gitops_aws_requests_total \
		aurora_gitops_git_fetches_total aurora_gitops_notes_pushed_total \
		aurora_gitops_notes_push_retries_total >check.txt &&
	cat check.txt &&
	check_contains metrics.txt "aurora_gitops_aws_requests_total{operation=\"rds:CreateDBCluster\",status=\"ok\"} 1" &&
	check_contains metrics.txt "aurora_gitops_cluster_drift{cluster=\"minimal-pg\"}"
'

test_expect_success 'a broken metrics text fails the checker (the check can fail)' '
	sed "s/^# TYPE aurora_gitops_ready gauge$//" metrics.txt >broken.txt &&
	check_exit 1 "$PYPROM" "$AG_SRC/tests/tools/check-prometheus.py" broken.txt &&
	sed "0,/_bucket{le=\"+Inf\"}/s/_bucket{le=\"+Inf\"} \([0-9]*\)/_bucket{le=\"+Inf\"} 999/" metrics.txt >broken2.txt &&
	check_exit 1 "$PYPROM" "$AG_SRC/tests/tools/check-prometheus.py" broken2.txt
'

test_expect_success 'status page lists the cluster; unknown paths are 404' '
	curl -sf http://127.0.0.1:$PORT/ >page.html &&
	check_contains page.html "<code>minimal-pg</code>" &&
	check_contains page.html "http-equiv=\"refresh\"" &&
	check_not_contains page.html "<script" &&
	test "$(curl -s -o /dev/null -w "%{http_code}" http://127.0.0.1:$PORT/nope)" = 404
'

test_expect_success 'a webhook with a wrong signature gets 401 and triggers nothing' '
	sleep 1 &&
	before=$(count run.log "source check") &&
	body="{\"ref\":\"refs/heads/main\",\"after\":\"0123\"}" &&
	code=$(curl -s -o hook1.txt -w "%{http_code}" -X POST -H "X-GitHub-Event: push" \
		-H "X-Hub-Signature-256: sha256=0000000000000000000000000000000000000000000000000000000000000000" \
		--data "$body" http://127.0.0.1:$HOOK/) &&
	test "$code" = 401 &&
	code=$(curl -s -o hook2.txt -w "%{http_code}" -X POST -H "X-Gitlab-Event: Push Hook" \
		-H "X-Gitlab-Token: wrong" --data "$body" http://127.0.0.1:$HOOK/) &&
	test "$code" = 401 &&
	code=$(curl -s -o /dev/null -w "%{http_code}" -X POST --data "$body" http://127.0.0.1:$HOOK/) &&
	test "$code" = 401 &&
	wait_for run.log "X-Hub-Signature-256 does not match" &&
	sleep 1 &&
	test "$(count run.log "source check")" = "$before" &&
	check_not_contains run.log "ModifyDBCluster" &&
	check_not_contains run.log "webhook: checking the source now" &&
	curl -sf http://127.0.0.1:$PORT/metrics >m2.txt &&
	check_contains m2.txt "aurora_gitops_webhooks_total{result=\"rejected\"} 3" &&
	check_not_contains run.log "$SECRET"
'

test_expect_success 'a right GitHub signature triggers a check at once' '
	sed -i "s/storageEncrypted: true/storageEncrypted: true\n  backupRetentionPeriod: 10/" m/minimal.yaml &&
	body="{\"ref\":\"refs/heads/main\",\"after\":\"4567\"}" &&
	start=$(date +%s%N) &&
	code=$(curl -s -o hook3.txt -w "%{http_code}" -X POST -H "X-GitHub-Event: push" \
		-H "X-Hub-Signature-256: $(hmac "$body")" --data "$body" http://127.0.0.1:$HOOK/hook) &&
	test "$code" = 202 &&
	wait_for run.log "source check (webhook): manifests changed" 5 &&
	end=$(date +%s%N) &&
	say "webhook to check: $(((end - start) / 1000000)) ms" &&
	test $(((end - start) / 1000000)) -lt 3000 &&
	wait_for run.log "ModifyDBCluster" 5 &&
	curl -sf http://127.0.0.1:$PORT/metrics >m3.txt &&
	check_contains m3.txt "aurora_gitops_webhooks_total{result=\"accepted\"} 1"
'

test_expect_success 'an oversized webhook body gets 413' '
	head -c 2000000 /dev/zero | tr "\0" a >big.txt &&
	code=$(curl -s -o /dev/null -w "%{http_code}" -X POST -H "X-GitHub-Event: push" \
		-H "X-Hub-Signature-256: sha256=00" --data-binary @big.txt http://127.0.0.1:$HOOK/) &&
	test "$code" = 413
'

test_expect_success 'SIGHUP with an invalid settings file keeps running on the old one' '
	printf "interval: 1h\nintervall: 2s\n" >aurora-gitops.yaml &&
	kill -HUP $(cat "$TRASH/run.pid") &&
	wait_for run.log "reload refused, keeping the running configuration" &&
	check_contains run.log "aurora-gitops.yaml:2:1: unknown key" &&
	sleep 0.3 &&
	kill -0 $(cat "$TRASH/run.pid") &&
	curl -sf http://127.0.0.1:$PORT/healthz >/dev/null &&
	printf "interval: 2h\n" >aurora-gitops.yaml &&
	kill -HUP $(cat "$TRASH/run.pid") &&
	wait_for run.log "configuration reloaded: interval 7200000ms"
'

test_expect_success 'SIGTERM stops the agent with exit 0' '
	pid=$(cat "$TRASH/run.pid") &&
	kill -TERM $pid &&
	for i in $(seq 1 40); do kill -0 $pid 2>/dev/null || break; sleep 0.05; done &&
	! kill -0 $pid 2>/dev/null &&
	wait_for run.rc 0 &&
	test "$(cat run.rc)" = 0 &&
	wait_for run.log "SIGTERM: stopping" &&
	wait_for run.log "stopped"
'

test_expect_success 'second agent with inotify and JSON logs starts' '
	("$AG_BIN" run --dir m --state-dir "$STATE" --log-format json --interval 1h \
		--debounce 50ms >run.log 2>&1 & echo $! >json.pid) &&
	wait_for run.log "cycle done"
'
json_pid=$(cat "$TRASH/json.pid" 2>/dev/null)
test_when_finished "kill $json_pid"

test_expect_success 'a file change is planned and applied through inotify' '
	before=$(count run.log "cycle done") &&
	sed -i "s/backupRetentionPeriod: 10/backupRetentionPeriod: 9/" m/minimal.yaml &&
	wait_for run.log "ModifyDBCluster" 10 &&
	boto3_run <<-PY &&
	import time
	for _ in range(50):
	    c = rds.describe_db_clusters(DBClusterIdentifier="minimal-pg")["DBClusters"][0]
	    if c["BackupRetentionPeriod"] == 9:
	        break
	    time.sleep(0.1)
	assert c["BackupRetentionPeriod"] == 9, c["BackupRetentionPeriod"]
	PY
	test "$(count run.log "cycle done")" -gt "$before"
'

test_expect_success 'the log is JSON lines' '
	kill -TERM $(cat json.pid) &&
	wait_for run.log "stopped" &&
	python3 -c "
import json, sys
lines = open(\"run.log\").read().splitlines()
assert len(lines) > 3
for l in lines:
    o = json.loads(l)
    assert {\"ts\", \"level\", \"msg\"} <= set(o), o
"
'

test_done
