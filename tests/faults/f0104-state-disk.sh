#!/usr/bin/env bash
# The state directory fills up or turns read-only under a running agent:
# each sync fails with an error that says what could not be written and
# why, never crashes, never leaves a half-written or temporary state file
# behind, and the next sync after the disk is fixed converges without
# creating anything twice.
# A full disk is a small tmpfs (mount; the test is skipped with the
# kernel's reason only when mounting is refused); read-only is that tmpfs
# remounted read-only. A write limit (RLIMIT_FSIZE, `ulimit -f 0`) needs no
# privilege and always runs.
. "$(dirname "$0")/../e2e/test-lib.sh"
. "$(dirname "$0")/../e2e/lib-git.sh"
. "$(dirname "$0")/fault-lib.sh"

start_moto
export AWS_EC2_METADATA_DISABLED=true AG_AWS_RETRY_BASE_MS=20
REMOTE="file://$TRASH/remote.git"

# The mount lives outside $TRASH: test_done removes $TRASH before the
# cleanups run.
MNT=$(mktemp -d "${TMPDIR:-/tmp}/ag-fault-mnt.XXXXXX")
test_when_finished "umount $MNT; rmdir $MNT"
mount_err=$(mount -t tmpfs -o size=2m,mode=0700 tmpfs "$MNT" 2>&1) && have_mount=1 || have_mount=0
STATE="$MNT/state"

# A fetch into a cache that cannot be written hits a leak inside libgit2
# (tests/lsan.supp): full unwinding lets the suppression see its frame.
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1}:fast_unwind_on_malloc=0"

agent_sync() { # PREFIX [STATE]: one sync; exit code in PREFIX.rc, no crash
	local rc=0
	"$AG_BIN" sync --repo "$REMOTE" --state-dir "${2:-$STATE}" --agent-id k1 \
		--poll-interval 100ms >"$1.out" 2>"$1.err" || rc=$?
	echo $rc >"$1.rc"
	agent_exit_ok $rc || { cat "$1.out" "$1.err"; return 1; }
	no_crash_report "$1.out" "$1.err"
}

# state_sums DIR: checksums of the agent's own state files (not the git
# cache); every JSON file parses; no temporary file is left behind.
state_sums() {
	python3 - "$1" <<-'PY'
	import hashlib, json, os, sys
	d = sys.argv[1]
	for name in sorted(os.listdir(d)):
	    p = os.path.join(d, name)
	    assert ".tmp." not in name, "temporary file left: " + p
	    if not os.path.isfile(p) or name == "lock":
	        continue
	    data = open(p, "rb").read()
	    if name.endswith(".json"):
	        json.loads(data)
	    print(name, hashlib.sha256(data).hexdigest())
	PY
}

add_cluster() { # NAME: commit and push one more cluster
	sed "s/name: minimal-pg/name: $1/" m/minimal.yaml >work/$1.yaml &&
	git -C work add $1.yaml && git -C work commit -qm "cluster $1" &&
	git -C work push -q origin main
}

test_expect_success 'setup: one cluster, a bare remote' '
	mkdir src && cp "$AG_SRC/manifests/minimal.yaml" src/ &&
	python3 "$AG_SRC/tests/tools/moto-fixture.py" render "$MOTO_URL" src m >/dev/null &&
	make_config_repo "$TRASH/remote.git" work m
'

if [ $have_mount = 1 ]; then
	test_expect_success 'a first sync with the state on a small tmpfs' '
		agent_sync s1 && test "$(cat s1.rc)" = 0 &&
		fleet_is "[\"minimal-pg\"]" "[\"minimal-pg-1\"]" &&
		state_sums "$STATE" >sums1
	'

	test_expect_success 'disk full: a clear error, state intact, nothing half-done' '
		add_cluster full-pg &&
		{ dd if=/dev/zero of="$MNT/fill" bs=4k 2>/dev/null || true; } &&
		agent_sync s2 && test "$(cat s2.rc)" = 1 &&
		check_contains s2.err "No space left on device" &&
		grep -q "$MNT" s2.err &&
		state_sums "$STATE" >sums2 &&
		cmp sums1 sums2 &&
		boto3_run <<-PY
		ins = sorted(i["DBInstanceIdentifier"] for i in rds.describe_db_instances()["DBInstances"])
		assert ins in (["minimal-pg-1"], ["full-pg-1", "minimal-pg-1"]), ins
		PY
	'

	test_expect_success 'space freed: the next sync converges, nothing created twice' '
		rm -f "$MNT/fill" &&
		agent_sync s3 && test "$(cat s3.rc)" = 0 &&
		fleet_is "[\"minimal-pg\", \"full-pg\"]" "[\"minimal-pg-1\", \"full-pg-1\"]" &&
		state_sums "$STATE" >/dev/null &&
		test "$(grep -c "Action=CreateDBCluster&" "$AG_REQUEST_LOG")" = 2 &&
		note_of remote.git main >n3 &&
		note_query n3 "any(l[\"cluster\"] == \"full-pg\" and l[\"result\"] in (\"applied\", \"in-sync\") for l in lines)"
	'

	test_expect_success 'read-only state directory: a clear error, nothing applied' '
		state_sums "$STATE" >sums4 &&
		add_cluster ro-pg &&
		mount -o remount,ro "$MNT" &&
		rc=0 &&
		{ agent_sync s4 || rc=$?; } &&
		mount -o remount,rw "$MNT" &&
		test $rc = 0 &&
		test "$(cat s4.rc)" = 1 &&
		check_contains s4.err "Read-only file system" &&
		grep -q "$MNT" s4.err &&
		fleet_is "[\"minimal-pg\", \"full-pg\"]" "[\"minimal-pg-1\", \"full-pg-1\"]" &&
		state_sums "$STATE" >sums5 && cmp sums4 sums5
	'

	test_expect_success 'writable again: the next sync converges' '
		agent_sync s5 && test "$(cat s5.rc)" = 0 &&
		fleet_is "[\"minimal-pg\", \"full-pg\", \"ro-pg\"]" "[\"minimal-pg-1\", \"full-pg-1\", \"ro-pg-1\"]"
	'
else
	test_skip "disk full and read-only on a tmpfs: mount refused: $mount_err"
	STATE="$TRASH/state"
	test_expect_success 'a first sync (state on the normal disk)' '
		agent_sync s1 && test "$(cat s1.rc)" = 0
	'
fi

# The agent's output goes through a pipe: the limit applies to files only.
test_expect_success 'write limit (RLIMIT_FSIZE 0, SIGXFSZ not ignored by the caller): a clear error, state intact' '
	state_sums "$STATE" >sums6 &&
	add_cluster limit-pg &&
	{ (ulimit -f 0 && exec "$AG_BIN" sync --repo "$REMOTE" --state-dir "$STATE" --agent-id k1 \
		--poll-interval 100ms) 2>&1 || echo "exit $?"; } | cat >s6.all &&
	rc=$(sed -n "s/^exit \([0-9]*\)$/\1/p" s6.all) &&
	agent_exit_ok "${rc:-0}" && test "$rc" = 1 &&
	no_crash_report s6.all &&
	check_contains s6.all "File too large" &&
	state_sums "$STATE" >sums7 && cmp sums6 sums7
'

test_expect_success 'limit lifted: converges, every cluster once' '
	agent_sync s7 && test "$(cat s7.rc)" = 0 &&
	boto3_run <<-PY
	cs = sorted(c["DBClusterIdentifier"] for c in rds.describe_db_clusters()["DBClusters"])
	assert "limit-pg" in cs and "minimal-pg" in cs and len(cs) == len(set(cs)), cs
	ins = sorted(i["DBInstanceIdentifier"] for i in rds.describe_db_instances()["DBInstances"])
	assert ins == sorted(c + "-1" for c in cs), ins
	PY
'

test_done
