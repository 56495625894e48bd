#!/usr/bin/env bash
# run: the repository's aurora-gitops.yaml. It is read with every commit the
# agent reconciles (and, for a directory, at start and on SIGHUP); it is
# never loaded as a manifest; a bad one is refused with file:line:col and
# the running settings stay (or, when no good one was ever read, nothing
# is planned); command-line flags win over it.
. "$(dirname "$0")/test-lib.sh"
. "$(dirname "$0")/lib-git.sh"

start_moto
export AWS_EC2_METADATA_DISABLED=true

# settings TEXT MSG: commits aurora-gitops.yaml with TEXT, pushes; prints the id
settings() {
	printf "$1" >work/aurora-gitops.yaml &&
	git -C work add aurora-gitops.yaml &&
	git -C work commit -qm "$2" &&
	git -C work push -q origin main &&
	git -C work rev-parse HEAD
}

test_expect_success 'setup: a remote whose settings file is bad from the start' '
	mkdir src && cp "$AG_SRC/manifests/minimal.yaml" src/ &&
	python3 "$AG_SRC/tests/tools/moto-fixture.py" render "$MOTO_URL" src m >/dev/null &&
	printf "mode: bogus\n" >m/aurora-gitops.yaml &&
	make_config_repo "$TRASH/remote.git" work m
'

test_expect_success 'a bad settings file and no good one before: nothing is planned' '
	("$AG_BIN" run --repo "file://$TRASH/remote.git" --branch main --state-dir "$TRASH/state" \
		--interval 1h --drift-interval 1h >"$TRASH/run.log" 2>&1 & echo $! >"$TRASH/run.pid") &&
	wait_for run.log "cycle failed" &&
	check_contains run.log "main@" &&
	check_contains run.log ":aurora-gitops.yaml:1:7: mode: '"'"'bogus'"'"' is not observe, plan or apply" &&
	check_contains run.log "nothing is planned until the repository'"'"'s settings file is fixed" &&
	wait_line aurora-gitops $(git -C work rev-parse HEAD) "aurora-gitops.yaml:1:7" &&
	! cluster_exists minimal-pg
'
agent_pid=$(cat "$TRASH/run.pid" 2>/dev/null)
test_when_finished "kill $agent_pid"

test_expect_success 'the next commit fixes it: mode observe is taken, nothing applied' '
	rev=$(settings "mode: observe\n" "observe only") &&
	wait_line aurora-gitops $rev "\"kind\":\"drift\"" &&
	check_contains run.log "settings from aurora-gitops.yaml" &&
	check_contains run.log "mode observe" &&
	! cluster_exists minimal-pg
'

test_expect_success 'a commit switching to apply and another notes ref is applied there' '
	rev=$(settings "mode: apply\nnotesRef: refs/notes/fleet\n" "apply, notes elsewhere") &&
	wait_line fleet $rev "\"result\":\"applied\"" &&
	check_contains run.log "notes ref now '"'"'refs/notes/fleet'"'"'" &&
	cluster_exists minimal-pg
'

test_expect_success 'a bad settings file later is refused; the old settings keep working' '
	sleep 6 && # the follow-up of the create
	sed -i "s/storageEncrypted: true/storageEncrypted: true\n  backupRetentionPeriod: 9/" work/minimal.yaml &&
	git -C work add minimal.yaml &&
	rev=$(settings "mode: apply\nnotesRef: refs/notes/fleet\nintervall: 1s\n" "typo") &&
	wait_line fleet $rev "\"result\":\"applied\"" &&
	wait_line fleet $rev "aurora-gitops.yaml:3:1: unknown key" &&
	wait_line fleet $rev "kept its running settings" &&
	check_contains run.log "settings file refused, keeping the running settings" &&
	boto3_run <<-PY
	c = rds.describe_db_clusters(DBClusterIdentifier="minimal-pg")["DBClusters"][0]
	assert c["BackupRetentionPeriod"] == 9, c["BackupRetentionPeriod"]
	PY
'

test_expect_success 'SIGTERM stops the git agent' '
	kill -TERM $agent_pid &&
	for i in $(seq 1 200); do kill -0 $agent_pid 2>/dev/null || break; sleep 0.05; done &&
	! kill -0 $agent_pid 2>/dev/null
'

test_expect_success 'directory source: the settings file is no manifest; flags win over it' '
	printf "interval: 1h\ndriftInterval: 1h\nmode: observe\nmaxDeletes: 3\n" >m/aurora-gitops.yaml &&
	"$AG_BIN" validate m >val.out 2>&1 &&
	("$AG_BIN" run --dir m --state-dir "$TRASH/state-dir" --interval 2h --mode plan \
		--no-watch >"$TRASH/dir.log" 2>&1 & echo $! >"$TRASH/dir.pid") &&
	wait_for dir.log "cycle done" &&
	check_contains dir.log "interval 7200000ms, drift interval 3600000ms" &&
	check_contains dir.log "mode plan, max deletes 3"
'
dir_pid=$(cat "$TRASH/dir.pid" 2>/dev/null)
test_when_finished "kill $dir_pid"

test_expect_success 'directory source: SIGHUP with a bad settings file keeps the old one' '
	printf "interval: 1h\ndriftInterval: [1h]\n" >m/aurora-gitops.yaml &&
	kill -HUP $dir_pid &&
	wait_for dir.log "reload refused, keeping the running configuration" &&
	check_contains dir.log "m/aurora-gitops.yaml:2:16: expected '"'"'key: value'"'"' lines" &&
	kill -0 $dir_pid &&
	printf "driftInterval: 2h\n" >m/aurora-gitops.yaml &&
	kill -HUP $dir_pid &&
	wait_for dir.log "configuration reloaded: interval 7200000ms, drift interval 7200000ms" &&
	kill -TERM $dir_pid
'

test_done
