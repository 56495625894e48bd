#!/usr/bin/env bash
# One state directory, several processes: the git cache under it is shared
# by the daemon and any plan or sync run beside it. Fetches and note writes
# are serialized by the cache lock, so concurrent runs on a fresh cache all
# succeed and every note line lands; a run that finds the lock held waits
# for it and then proceeds.
. "$(dirname "$0")/test-lib.sh"
. "$(dirname "$0")/lib-git.sh"

command -v flock >/dev/null || skip_all "flock(1) is not installed"
start_moto
export AWS_EC2_METADATA_DISABLED=true
REMOTE="file://$TRASH/remote.git"

test_expect_success 'setup: config repository with one synced manifest' '
	mkdir src && cp "$AG_SRC/manifests/minimal.yaml" src/ &&
	python3 "$AG_SRC/tests/tools/moto-fixture.py" render "$MOTO_URL" src m >/dev/null &&
	make_config_repo "$TRASH/remote.git" work m &&
	"$AG_BIN" sync -q --repo "$REMOTE" --state-dir "$TRASH/s0" --agent-id s0 \
		--poll-interval 100ms >out 2>err || { cat out err; exit 1; }
	echo "# second commit" >>work/README &&
	git -C work add README && git -C work commit -qm "readme" && git -C work push -q origin main
'

test_expect_success 'four plans at once on a fresh state directory all fetch and note' '
	for i in 1 2 3 4; do
		"$AG_BIN" plan --note --repo "$REMOTE" --state-dir "$TRASH/shared" \
			--agent-id "p$i" >"p$i.out" 2>"p$i.err" &
		echo $! >"p$i.pid"
	done &&
	for i in 1 2 3 4; do
		{ wait "$(cat "p$i.pid")" && rc=0 || rc=$?; } &&
		{ [ "$rc" -eq 0 ] || { cat "p$i.out" "p$i.err"; say "plan p$i exited $rc"; false; }; }
	done &&
	check_contains p1.out "minimal-pg" &&
	note_of remote.git main >note &&
	check_note_lines note &&
	note_query note "sorted(set(l[\"agent\"] for l in lines)) == [\"p1\", \"p2\", \"p3\", \"p4\"]"
'

test_expect_success 'a plan that finds the cache lock held waits for it, then runs' '
	exec 9>>"$TRASH/shared/git.lock" &&
	flock -n 9 &&
	{ "$AG_BIN" plan --repo "$REMOTE" --state-dir "$TRASH/shared" >w.out 2>w.err 9>&- & } &&
	pid=$! &&
	sleep 1 &&
	kill -0 "$pid" &&
	check_contains w.err "waiting for the git cache lock" &&
	exec 9>&- &&
	wait "$pid" &&
	check_contains w.out "minimal-pg"
'

test_done
