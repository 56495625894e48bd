# Helpers for the fault tests (tests/faults/fNNNN-*.sh). Source after
# ../e2e/test-lib.sh (and ../e2e/lib-git.sh when git is involved).
#
# A fault test fails when data is lost, a duplicate is created or the agent
# crashes: agent_ran_ok / agent_failed_cleanly tell a handled error (exit 1
# with a message) from a crash (a signal, a sanitizer report, any other
# code). AG_FAULTS_LONG=1 turns on the long variants (more rounds, more
# clusters).

AG_FAULTS_LONG=${AG_FAULTS_LONG:-0}

# Helper processes started inside test bodies (subshells, where
# test_when_finished does not reach the main shell): their pids go to a
# file outside $TRASH that the main shell's cleanup reads.
FAULT_PIDS=$(mktemp "${TMPDIR:-/tmp}/ag-fault-pids.XXXXXX")
test_when_finished "for p in \$(cat $FAULT_PIDS); do kill \$p; done; rm -f $FAULT_PIDS"
bg_pid() { echo "$1" >>"$FAULT_PIDS"; }

# agent_exit_ok RC: 0, or 1 = a handled failure. 2 is a usage error,
# 23 LeakSanitizer, 1xx signals and sanitizer aborts: all crashes here.
agent_exit_ok() {
	case $1 in
	0 | 1) return 0 ;;
	*) say "agent crashed or misbehaved: exit $1"; return 1 ;;
	esac
}

# no_crash_report FILE...: no sanitizer or abort report in the agent's output.
no_crash_report() {
	local f
	for f in "$@"; do
		if grep -qE 'ERROR: (Address|Leak|Undefined)Sanitizer|runtime error:|Segmentation fault|Aborted' "$f"; then
			say "crash report in $f:"; cat "$f"; return 1
		fi
	done
}

# moto_kill: SIGKILL to the test's moto (no chance to save anything).
moto_kill() {
	kill -KILL "$MOTO_PID" 2>/dev/null || true
	wait "$MOTO_PID" 2>/dev/null || true
}

# moto_restart: moto again on the same port with the same arguments (its
# --state file brings back what it had). Call from the main shell (not a
# test body) so MOTO_PID stays current.
moto_restart() {
	local i
	(cd "$TRASH" && exec python3 "$AG_SRC/tests/tools/moto-server.py" -H 127.0.0.1 \
		-p "$MOTO_PORT" "${MOTO_ARGS[@]}" >>"$TRASH/moto.log" 2>&1) &
	MOTO_PID=$!
	bg_pid "$MOTO_PID"
	for i in $(seq 1 150); do
		curl -sf -o /dev/null "$MOTO_URL/moto-api/" && return 0
		sleep 0.1
	done
	say "moto did not come back:"; cat "$TRASH/moto.log"
	return 1
}

# start_helper PORTFILE CMD...: a loopback helper that writes its port to
# PORTFILE; waits until it did. The pid is killed when the test ends.
start_helper() {
	local pf=$1 i
	shift
	rm -f "$pf"
	"$@" &
	bg_pid $!
	for i in $(seq 1 100); do
		[ -s "$pf" ] && return 0
		sleep 0.05
	done
	say "helper did not start: $*"
	return 1
}

# count_clusters / count_instances ID...: assertions on moto's fleet.
fleet_is() { # PYTHON-LIST-OF-CLUSTERS PYTHON-LIST-OF-INSTANCES
	boto3_run <<-PY
	cs = sorted(c["DBClusterIdentifier"] for c in rds.describe_db_clusters()["DBClusters"])
	ins = sorted(i["DBInstanceIdentifier"] for i in rds.describe_db_instances()["DBInstances"])
	assert cs == sorted($1), ("clusters", cs)
	assert ins == sorted($2), ("instances", ins)
	PY
}
