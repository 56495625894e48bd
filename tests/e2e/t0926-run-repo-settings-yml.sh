#!/usr/bin/env bash
# run: aurora-gitops.yml at the repository root is the settings file, exactly
# like aurora-gitops.yaml (never a manifest, read per commit, SIGHUP for a
# directory); both at once are refused with an error naming both, and the
# running settings stay.
. "$(dirname "$0")/test-lib.sh"
. "$(dirname "$0")/lib-git.sh"

start_moto
export AWS_EC2_METADATA_DISABLED=true

# commit MSG: commits everything in the clone, pushes; prints the id
commit() {
	git -C work add -A &&
	git -C work commit -qm "$1" &&
	git -C work push -q origin main &&
	git -C work rev-parse HEAD
}

test_expect_success 'setup: a remote whose settings file is aurora-gitops.yml' '
	mkdir src && cp "$AG_SRC/manifests/minimal.yaml" src/ &&
	python3 "$AG_SRC/tests/tools/moto-fixture.py" render "$MOTO_URL" src m >/dev/null &&
	printf "mode: observe\n" >m/aurora-gitops.yml &&
	make_config_repo "$TRASH/remote.git" work m &&
	cp m/aurora-gitops.yml work/ &&
	commit "settings as .yml" >/dev/null &&
	git -C work ls-files >files.txt &&
	check_contains files.txt "aurora-gitops.yml"
'

test_expect_success 'validate: aurora-gitops.yml at the root is no manifest' '
	"$AG_BIN" validate m >val.out 2>&1 &&
	! grep -q "aurora-gitops.yml" val.out &&
	mkdir -p deeper/sub &&
	printf "mode: observe\n" >deeper/sub/aurora-gitops.yml &&
	check_exit 1 "$AG_BIN" validate deeper >deep.out 2>&1 &&
	check_contains deep.out "aurora-gitops.yml"
'

test_expect_success 'git source: the .yml settings are taken (mode observe: nothing applied)' '
	("$AG_BIN" run --repo "file://$TRASH/remote.git" --branch main --state-dir "$TRASH/state" \
		--interval 1h --drift-interval 1h >"$TRASH/run.log" 2>&1 & echo $! >"$TRASH/run.pid") &&
	wait_line aurora-gitops $(git -C work rev-parse HEAD) "\"kind\":\"drift\"" &&
	check_contains run.log "settings from aurora-gitops.yml" &&
	check_contains run.log "mode observe" &&
	! grep -q "aurora-gitops.yml:1" run.log &&
	! cluster_exists minimal-pg
'
agent_pid=$(cat "$TRASH/run.pid" 2>/dev/null)
test_when_finished "kill $agent_pid"

test_expect_success 'both spellings at once: refused naming both, the running settings stay' '
	printf "mode: apply\n" >work/aurora-gitops.yaml &&
	rev=$(commit "both settings files") &&
	wait_line aurora-gitops $rev "kept its running settings" &&
	wait_line aurora-gitops $rev "main@[0-9a-f]*:aurora-gitops.yaml. and .main@[0-9a-f]*:aurora-gitops.yml.: two settings files" &&
	check_contains run.log "settings file refused, keeping the running settings" &&
	check_contains run.log "remove one of them" &&
	! cluster_exists minimal-pg
'

test_expect_success 'removing the .yml: the .yaml settings (mode apply) are taken' '
	git -C work rm -q aurora-gitops.yml &&
	rev=$(commit "one settings file") &&
	wait_line aurora-gitops $rev "\"result\":\"applied\"" &&
	check_contains run.log "settings from aurora-gitops.yaml" &&
	cluster_exists minimal-pg
'

test_expect_success 'SIGTERM stops the git agent' '
	kill -TERM $agent_pid &&
	for i in $(seq 1 200); do kill -0 $agent_pid 2>/dev/null || break; sleep 0.05; done &&
	! kill -0 $agent_pid 2>/dev/null
'

test_expect_success 'directory source: aurora-gitops.yml is the settings layer' '
	rm -f m/aurora-gitops.yaml &&
	printf "interval: 1h\ndriftInterval: 1h\nmode: observe\nmaxDeletes: 3\n" >m/aurora-gitops.yml &&
	("$AG_BIN" run --dir m --state-dir "$TRASH/state-dir" --mode plan \
		--no-watch >"$TRASH/dir.log" 2>&1 & echo $! >"$TRASH/dir.pid") &&
	wait_for dir.log "cycle done" &&
	check_contains dir.log "interval 3600000ms, drift interval 3600000ms" &&
	check_contains dir.log "mode plan, max deletes 3"
'
dir_pid=$(cat "$TRASH/dir.pid" 2>/dev/null)
test_when_finished "kill $dir_pid"

test_expect_success 'directory source: SIGHUP with both files is refused, the old settings stay' '
	printf "driftInterval: 2h\n" >m/aurora-gitops.yaml &&
	kill -HUP $dir_pid &&
	wait_for dir.log "reload refused, keeping the running configuration" &&
	grep -q "m/aurora-gitops.yaml. and .[^ ]*m/aurora-gitops.yml.: two settings files" dir.log &&
	! grep -q "configuration reloaded" dir.log &&
	kill -0 $dir_pid &&
	rm m/aurora-gitops.yml &&
	kill -HUP $dir_pid &&
	wait_for dir.log "configuration reloaded: interval 30000ms, drift interval 7200000ms" &&
	kill -TERM $dir_pid
'

test_done
