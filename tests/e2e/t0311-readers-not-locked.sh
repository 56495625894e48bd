#!/usr/bin/env bash
# Readers are never locked out: plan and status work while a writer (a
# sync, here flock(1)) holds the state directory; only writers wait. A
# read-only command writes nothing in the state directory.
. "$(dirname "$0")/test-lib.sh"

command -v flock >/dev/null || skip_all "flock(1) is not installed"
start_moto
export AWS_EC2_METADATA_DISABLED=true
STATE="$TRASH/state"

test_expect_success 'setup: one cluster, synced' '
	mkdir m &&
	cat >m/db.yaml <<-YAML &&
	apiVersion: aws.project-planton.org/v1
	kind: AwsRdsCluster
	metadata:
	  name: lockdb
	spec:
	  dbSubnetGroupName: default
	  engine: aurora-postgresql
	  engineVersion: "16.1"
	  password: "long-enough-password"
	YAML
	"$AG_BIN" sync --dir m --state-dir "$STATE" --poll-interval 100ms >s1.txt 2>&1 ||
		{ cat s1.txt; exit 1; }
	test -f "$STATE/passwords.json"
'

test_expect_success 'while the lock is held, plan and status exit 0; sync is refused' '
	exec 9>>"$STATE/lock" &&
	flock -n 9 &&
	check_exit 1 flock -n "$STATE/lock" true &&
	"$AG_BIN" plan --dir m --state-dir "$STATE" >plan.txt 2>plan.err &&
	check_contains plan.txt "lockdb" &&
	"$AG_BIN" status --dir m --state-dir "$STATE" >status.txt &&
	grep -E "^  lockdb +key local:" status.txt &&
	{ "$AG_BIN" sync --dir m --state-dir "$STATE" >s2.txt 2>&1 && rc=0 || rc=$?; } &&
	{ [ "$rc" -eq 1 ] || { cat s2.txt; say "sync exited $rc"; false; }; } &&
	check_contains s2.txt "another aurora-gitops process is using it" &&
	exec 9>&- &&
	flock -n "$STATE/lock" true
'

test_expect_success 'plan and status create nothing in a fresh state directory' '
	"$AG_BIN" plan --dir m --state-dir "$TRASH/fresh" >p2.txt &&
	"$AG_BIN" status --dir m --state-dir "$TRASH/fresh" >st2.txt &&
	test ! -e "$TRASH/fresh"
'

test_expect_success 'a state directory others can write is refused' '
	mkdir -m 0700 shared && chmod 0777 shared &&
	check_exit 1 "$AG_BIN" plan --dir m --state-dir shared >p3.txt 2>&1 &&
	check_contains p3.txt "writable by others" &&
	check_exit 1 "$AG_BIN" sync --dir m --state-dir shared >s3.txt 2>&1 &&
	check_contains s3.txt "writable by others" &&
	test ! -e shared/lock
'

test_done
