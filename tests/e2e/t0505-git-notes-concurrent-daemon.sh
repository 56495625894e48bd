#!/usr/bin/env bash
# Three agents (separate state directories) sync the same 50 commits of one
# remote at the same time over git:// (git daemon with receive-pack: races
# are refused by the server and reported per ref). No note is lost: every
# commit carries a line from every agent; git fsck is clean.
. "$(dirname "$0")/test-lib.sh"
. "$(dirname "$0")/lib-notes-race.sh"

# The daemon belongs to the script, so it is stopped however a test ends.
PORT=$(free_port)
(exec git daemon --enable=receive-pack --export-all --reuseaddr --listen=127.0.0.1 \
	--port="$PORT" --base-path="$TRASH" "$TRASH" >"$TRASH/daemon.log" 2>&1) &
DAEMON_PID=$!
test_when_finished "kill $DAEMON_PID; wait $DAEMON_PID"

test_expect_success 'git://: three concurrent agents, no note lost, fsck clean' '
	wait_for_git "git://127.0.0.1:$PORT/remote.git" || { cat daemon.log; exit 1; }
	run_agents "git://127.0.0.1:$PORT/remote.git" g &&
	check_notes g
'

test_done
