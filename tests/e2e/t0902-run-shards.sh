#!/usr/bin/env bash
# --shard I/N: three agents over 30 clusters; every cluster is reconciled
# (created) by exactly one agent, and the split is the documented hash.
. "$(dirname "$0")/test-lib.sh"

start_moto
export AWS_EC2_METADATA_DISABLED=true

wait_for() { # FILE STRING [SECONDS]
	local i
	for i in $(seq 1 $((${3:-60} * 10))); do
		grep -qF -- "$2" "$1" 2>/dev/null && return 0
		sleep 0.1
	done
	say "timed out waiting for '$2' in $1:"
	cat "$1"
	return 1
}

test_expect_success 'setup: 30 manifests' '
	mkdir src &&
	for i in $(seq -w 1 30); do
		sed "s/name: minimal-pg/name: shard-test-$i/" "$AG_SRC/manifests/minimal.yaml" >src/c$i.yaml
	done &&
	python3 "$AG_SRC/tests/tools/moto-fixture.py" render "$MOTO_URL" src m >/dev/null &&
	test $(ls m | wc -l) = 30
'

test_expect_success 'three agents, one shard each, reconcile' '
	for i in 0 1 2; do
		port=$(free_port) && echo $port >port$i &&
		("$AG_BIN" run --dir m --state-dir "$TRASH/state$i" --shard $i/3 --interval 1h \
			--listen 127.0.0.1:$port >"$TRASH/run$i.log" 2>&1 & echo $! >"$TRASH/run$i.pid")
	done &&
	for i in 0 1 2; do wait_for run$i.log "cycle done"; done
'
# read the pids now: on success the scratch directory is gone before cleanup
agent_pids=$(cat "$TRASH"/run?.pid 2>/dev/null | tr '\n' ' ')
test_when_finished "kill $agent_pids"


test_expect_success 'every cluster was created by exactly one agent' '
	for i in 0 1 2; do
		grep -o "cluster .shard-test-[0-9]*.: create-cluster" run$i.log |
			sed "s/cluster .\(shard-test-[0-9]*\).*/\1/" >created$i.txt
		curl -sf http://127.0.0.1:$(cat port$i)/metrics |
			sed -n "s/^aurora_gitops_cluster_drift{cluster=\"\([^\"]*\)\"}.*/\1/p" >listed$i.txt
	done &&
	cat created0.txt created1.txt created2.txt | sort >all.txt &&
	test $(wc -l <all.txt) = 30 &&
	test $(sort -u all.txt | wc -l) = 30 &&
	for i in 0 1 2; do
		test -s created$i.txt &&
		sort created$i.txt >a && sort listed$i.txt >b && cmp a b || exit 1
	done &&
	python3 - <<-PY &&
	import hashlib
	for i in range(3):
	    got = sorted(open("created%d.txt" % i).read().split())
	    want = sorted("shard-test-%02d" % n for n in range(1, 31)
	                  if int.from_bytes(hashlib.sha256(("shard-test-%02d" % n).encode()).digest()[:8], "big") % 3 == i)
	    assert got == want, (i, got, want)
	PY
	boto3_run <<-PY
	ids = [c["DBClusterIdentifier"] for c in rds.describe_db_clusters()["DBClusters"]]
	assert len(ids) == 30 and len(set(ids)) == 30, ids
	PY
'

test_expect_success 'the status page shows the shard and only its clusters' '
	curl -sf http://127.0.0.1:$(cat port1)/ >page1.html &&
	check_contains page1.html "1/3" &&
	n=$(grep -c "<tr><td><code>shard-test-" page1.html) &&
	test "$n" = "$(wc -l <created1.txt)"
'

test_done
