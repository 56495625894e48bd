#!/usr/bin/env bash
# Git goes wrong under a running fleet (git:// through git daemon with
# receive-pack, so the server runs hooks): the remote is unreachable, the
# notes push is refused by a hook, the branch is force-pushed. Each time
# the agent keeps the last good state (AWS untouched, nothing deleted, the
# notes it could not push kept), says what happened, and recovers when git
# does.
. "$(dirname "$0")/../e2e/test-lib.sh"
. "$(dirname "$0")/../e2e/lib-git.sh"
. "$(dirname "$0")/fault-lib.sh"

start_moto
export AWS_EC2_METADATA_DISABLED=true AG_AWS_RETRY_BASE_MS=20
STATE="$TRASH/state"
PORT=$(free_port)
URL="git://127.0.0.1:$PORT/remote.git"

daemon_start() {
	(exec git daemon --enable=receive-pack --export-all --reuseaddr --listen=127.0.0.1 \
		--port="$PORT" --base-path="$TRASH" "$TRASH" >>"$TRASH/daemon.log" 2>&1) &
	DAEMON_PID=$!
	bg_pid "$DAEMON_PID"
	wait_for_git "$URL" || { cat "$TRASH/daemon.log"; return 1; }
}
daemon_stop() {
	kill "$DAEMON_PID" 2>/dev/null || true
	wait "$DAEMON_PID" 2>/dev/null || true
}

agent_sync() { # OUT-PREFIX: one sync; its exit code in PREFIX.rc
	local rc=0
	"$AG_BIN" sync --repo "$URL" --state-dir "$STATE" --agent-id k1 --poll-interval 100ms \
		>"$1.out" 2>"$1.err" || rc=$?
	echo $rc >"$1.rc"
	agent_exit_ok $rc || { cat "$1.out" "$1.err"; return 1; }
	no_crash_report "$1.out" "$1.err"
}

creates_since() { # LINE: creates and deletes in the request log after line LINE
	tail -n +"$(($1 + 1))" "$AG_REQUEST_LOG" | grep -cE 'Action=(Create|Delete)DB(Cluster|Instance)[&"]' || true
}

test_expect_success 'setup: two clusters, a bare remote served by git daemon' '
	mkdir src &&
	cp "$AG_SRC/manifests/minimal.yaml" src/ &&
	sed "s/name: minimal-pg/name: second-pg/" "$AG_SRC/manifests/minimal.yaml" >src/second.yaml &&
	mkdir src3 &&
	sed "s/name: minimal-pg/name: third-pg/" "$AG_SRC/manifests/minimal.yaml" >src3/third.yaml &&
	python3 "$AG_SRC/tests/tools/moto-fixture.py" render "$MOTO_URL" src m >/dev/null &&
	python3 "$AG_SRC/tests/tools/moto-fixture.py" render "$MOTO_URL" src3 m3 >/dev/null &&
	cp m3/third.yaml third.yaml &&
	make_config_repo "$TRASH/remote.git" work m
'
daemon_start

test_expect_success 'a first sync applies both clusters' '
	agent_sync s1 && test "$(cat s1.rc)" = 0 &&
	fleet_is "[\"minimal-pg\", \"second-pg\"]" "[\"minimal-pg-1\", \"second-pg-1\"]" &&
	note_of remote.git main >n1 &&
	note_query n1 "sorted(l[\"cluster\"] for l in lines if l[\"result\"] == \"applied\") == [\"minimal-pg\", \"second-pg\"]"
'

daemon_stop
test_expect_success 'remote unreachable: a clear error, AWS untouched, cache kept' '
	wc -l <"$AG_REQUEST_LOG" >mark &&
	agent_sync s2 && test "$(cat s2.rc)" = 1 &&
	check_contains s2.err "127.0.0.1:$PORT" &&
	test "$(creates_since "$(cat mark)")" = 0 &&
	fleet_is "[\"minimal-pg\", \"second-pg\"]" "[\"minimal-pg-1\", \"second-pg-1\"]"
'

daemon_start
test_expect_success 'remote back: the next sync recovers, nothing to change' '
	wc -l <"$AG_REQUEST_LOG" >mark &&
	agent_sync s3 && test "$(cat s3.rc)" = 0 &&
	test "$(creates_since "$(cat mark)")" = 0 &&
	check_not_contains s3.err "rebuilt"
'

test_expect_success 'notes push refused by a pre-receive hook: applied, reported at once' '
	printf "#!/bin/sh\nwhile read old new ref; do case \$ref in refs/notes/*) echo \"notes are frozen\" >&2; exit 1;; esac; done\nexit 0\n" \
		>remote.git/hooks/pre-receive &&
	chmod +x remote.git/hooks/pre-receive &&
	cp third.yaml work/ && git -C work add third.yaml && git -C work commit -qm "third cluster" &&
	git -C work push -q origin main &&
	start=$(date +%s) &&
	agent_sync s4 && test "$(cat s4.rc)" = 1 &&
	test $(($(date +%s) - start)) -lt 30 &&
	check_contains s4.err "refused by the server" &&
	check_contains s4.err "hook declined" &&
	fleet_is "[\"minimal-pg\", \"second-pg\", \"third-pg\"]" "[\"minimal-pg-1\", \"second-pg-1\", \"third-pg-1\"]" &&
	test -z "$(note_of remote.git main)"
'

test_expect_success 'hook removed: the kept note is delivered, nothing created twice' '
	rm remote.git/hooks/pre-receive &&
	wc -l <"$AG_REQUEST_LOG" >mark &&
	agent_sync s5 && test "$(cat s5.rc)" = 0 &&
	test "$(creates_since "$(cat mark)")" = 0 &&
	note_of remote.git main >n5 &&
	check_note_lines n5 &&
	note_query n5 "any(l[\"cluster\"] == \"third-pg\" and l[\"result\"] == \"applied\" and \"create-cluster\" in [a[\"kind\"] for a in l[\"actions\"]] for l in lines)" &&
	git -C remote.git notes --ref aurora-gitops show main~1 >n1b &&
	head -c "$(wc -c <n1)" n1b | cmp - n1
'

test_expect_success 'branch force-pushed back: warned, followed, nothing deleted, notes kept' '
	old=$(git -C remote.git rev-parse main) &&
	git -C work reset -q --hard HEAD~1 &&
	git -C work commit -q --allow-empty -m "rewritten history" &&
	git -C work push -q -f origin main &&
	new=$(git -C remote.git rev-parse main) &&
	wc -l <"$AG_REQUEST_LOG" >mark &&
	agent_sync s6 &&
	test "$(cat s6.rc)" = 0 &&
	check_contains s6.out "third-pg (orphaned" &&
	check_contains s6.err "was force-pushed" &&
	check_contains s6.err "${new:0:12}" &&
	test "$(creates_since "$(cat mark)")" = 0 &&
	fleet_is "[\"minimal-pg\", \"second-pg\", \"third-pg\"]" "[\"minimal-pg-1\", \"second-pg-1\", \"third-pg-1\"]" &&
	note_of remote.git "$old" >n-old &&
	note_query n-old "any(l[\"cluster\"] == \"third-pg\" and l[\"result\"] == \"applied\" for l in lines)" &&
	note_of remote.git "$new" >n-new &&
	check_note_lines n-new
'

test_expect_success 'a sync after the force push is quiet: no warning again' '
	agent_sync s7 &&
	test "$(cat s7.rc)" = "$(cat s6.rc)" &&
	check_not_contains s7.err "force-pushed"
'

daemon_stop
test_done
