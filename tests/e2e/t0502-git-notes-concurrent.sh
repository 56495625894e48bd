#!/usr/bin/env bash
# Three agents (separate state directories) sync the same 50 commits of one
# remote at the same time over file:// (the compare-and-swap push). No note
# is lost: every commit carries a line from every agent; git fsck is clean.
# t0505 does the same over git://.
. "$(dirname "$0")/test-lib.sh"
. "$(dirname "$0")/lib-notes-race.sh"

test_expect_success 'file://: three concurrent agents, no note lost, fsck clean' '
	run_agents "file://$TRASH/remote.git" f &&
	check_notes f
'

test_done
