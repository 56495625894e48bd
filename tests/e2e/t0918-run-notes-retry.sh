#!/usr/bin/env bash
# run --repo: when another writer moves the notes between the agent's fetch
# and its push, the push is rejected; the agent fetches, merges (both
# writers' lines kept) and pushes again, and /metrics counts the retry in
# aurora_gitops_notes_push_retries_total. The other writer's push is made
# while a proxy holds the agent's ModifyDBCluster, so the race is certain.
. "$(dirname "$0")/test-lib.sh"
. "$(dirname "$0")/lib-git.sh"

start_moto
export AWS_EC2_METADATA_DISABLED=true
BG_PIDS=$(mktemp "${TMPDIR:-/tmp}/ag-bg-pids.XXXXXX")
test_when_finished "for p in \$(cat $BG_PIDS); do kill \$p; done; rm -f $BG_PIDS"

wait_note() { # REV PATTERN SECONDS
	local i
	for i in $(seq 1 $(($3 * 20))); do
		note_of remote.git "$1" | grep -q -- "$2" && return 0
		sleep 0.05
	done
	say "no line matching '$2' in the note on $1:"
	note_of remote.git "$1" >&2
	return 1
}

metric() { # NAME: its value on /metrics
	curl -sf "http://127.0.0.1:$(cat port)/metrics" | awk -v n="$1" '$1 == n {print $2}'
}

test_expect_success 'setup: one cluster; a proxy that holds the first ModifyDBCluster' '
	mkdir src && cp "$AG_SRC/manifests/minimal.yaml" src/ &&
	python3 "$AG_SRC/tests/tools/moto-fixture.py" render "$MOTO_URL" src m >/dev/null &&
	make_config_repo "$TRASH/remote.git" work m &&
	(python3 "$AG_SRC/tests/tools/hold-proxy.py" --target "$MOTO_URL" \
		--hold ModifyDBCluster --reached "$TRASH/reached" --hold-seconds 2 \
		--port-file "$TRASH/proxy.port" & echo $! >>"$BG_PIDS") &&
	for i in $(seq 1 100); do [ -s proxy.port ] && break; sleep 0.05; done &&
	test -s proxy.port
'

test_expect_success 'the agent creates the cluster; no retry so far' '
	free_port >port &&
	(AWS_ENDPOINT_URL=http://127.0.0.1:$(cat proxy.port) "$AG_BIN" run \
		--repo "file://$TRASH/remote.git" --branch main --state-dir "$TRASH/state" \
		--interval 1h --drift-interval 1h --listen 127.0.0.1:$(cat port) \
		>"$TRASH/run.log" 2>&1 & echo $! >"$TRASH/run.pid") &&
	wait_note $(git -C work rev-parse HEAD) "\"result\":\"applied\"" 30 &&
	sleep 6 && # the follow-up cycle of the create
	test "$(metric aurora_gitops_notes_push_retries_total)" = 0 &&
	test "$(metric aurora_gitops_notes_pushed_total)" -ge 1
'
agent_pid=$(cat "$TRASH/run.pid" 2>/dev/null)
test_when_finished "kill $agent_pid"

test_expect_success 'another writer notes the commit while the agent applies it' '
	sed -i "s/storageEncrypted: true/storageEncrypted: true\n  backupRetentionPeriod: 9/" work/minimal.yaml &&
	git -C work commit -qam "retention 9" &&
	git -C work push -q origin main &&
	rev=$(git -C work rev-parse HEAD) && echo $rev >rev &&
	wait_for reached ModifyDBCluster 20 &&
	git -C remote.git notes --ref aurora-gitops append \
		-m "{\"v\":1,\"ts\":1,\"agent\":\"other-writer\",\"kind\":\"plan\",\"result\":\"planned\"}" $rev &&
	wait_note $rev "\"kind\":\"apply\",\"cluster\":\"minimal-pg\"" 30
'

test_expect_success 'the push was retried, both lines are kept, /metrics counts it' '
	rev=$(cat rev) &&
	note_of remote.git $rev >note.txt &&
	check_contains note.txt "\"agent\":\"other-writer\"" &&
	check_contains note.txt "\"result\":\"applied\"" &&
	check_contains run.log "fetching, merging and pushing again (attempt 2)" &&
	test "$(metric aurora_gitops_notes_push_retries_total)" = 1 &&
	git -C remote.git fsck --no-dangling
'

test_done
