# Shared helpers for the end-to-end tests. Source it first:
#   . "$(dirname "$0")/test-lib.sh"
# Each test runs in its own scratch directory ($TRASH), removed on success.
# Environment from ctest: AG_BIN (the binary), AG_SRC (source tree),
# AG_BUILD (build tree), AG_TOOLS (directory of test helper programs).

set -u
: "${AG_SRC:=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
: "${AG_BUILD:=$AG_SRC/build}"
: "${AG_BIN:=$AG_BUILD/src/cli/aurora-gitops}"
: "${AG_TOOLS:=$AG_BUILD/tests}"
export AG_BIN AG_SRC AG_BUILD AG_TOOLS

TEST_NAME=$(basename "$0" .sh)
TRASH=$(mktemp -d "${TMPDIR:-/tmp}/ag-$TEST_NAME.XXXXXX")

# Sanitizers (the test build has ASan, LSan and UBSan): leak checking is
# always on, and an ASan or LSan finding makes the process exit 23 (never
# the 1 of a handled error), which the tests' exit-code checks see.
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=1:exitcode=23"
export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$AG_SRC/tests/lsan.supp:print_suppressions=0}
test_count=0
test_failed=0
test_skipped=0
_cleanups=()

test_when_finished() {
	_cleanups+=("$*")
}

_run_cleanups() {
	local i
	for ((i = ${#_cleanups[@]} - 1; i >= 0; i--)); do
		eval "${_cleanups[$i]}" >/dev/null 2>&1 || true
	done
}
trap _run_cleanups EXIT

say() { printf '%s\n' "$*"; }

# Runs a test body in a subshell with errexit and pipefail in force; sets
# _test_rc. bash ignores `set -e` inside anything whose status is tested
# (`if`, `&&`, `||`, `!`), so the subshell is run as a plain statement and
# its status is read afterwards. The subshell keeps the script's variables
# and helper functions; a failing command anywhere in the body (a python
# assert fed by a heredoc, a grep, a pipeline stage) fails the test. What
# errexit still cannot see (a failure early in an `a && b` list that is
# followed by more commands) is caught by the chain lint below.
_test_run_body() {
	local body=$1 errexit=
	case $- in *e*) errexit=1 ;; esac
	set +e
	(
		cd "$TRASH" || exit 1
		set -e -o pipefail
		eval "$body"
	) >"$TRASH/.out" 2>&1
	_test_rc=$?
	[ -z "$errexit" ] || set -e
}

# The chain lint (chainlint.py) reports what errexit cannot see: an `a && b`
# list or a `!` command followed by more commands. A body it reports fails
# without running. AG_TEST_CHAIN_LINT=0 turns it off.
_test_chain_lint() {
	[ "${AG_TEST_CHAIN_LINT:-1}" != 0 ] || return 0
	printf '%s\n' "$1" | python3 "$AG_SRC/tests/e2e/chainlint.py" >"$TRASH/.out" 2>&1
}

# test_expect_success 'title' 'commands'
test_expect_success() {
	local title=$1 body=$2
	test_count=$((test_count + 1))
	if _test_chain_lint "$body"; then
		_test_run_body "$body"
	else
		_test_rc="chain lint"
	fi
	if [ "$_test_rc" = 0 ]; then
		say "ok $test_count - $title"
	else
		test_failed=$((test_failed + 1))
		case $_test_rc in
		[0-9]*) say "not ok $test_count - $title (exit $_test_rc)" ;;
		*) say "not ok $test_count - $title ($_test_rc)" ;;
		esac
		sed 's/^/#   /' "$TRASH/.out"
	fi
}

test_skip() {
	test_count=$((test_count + 1))
	test_skipped=$((test_skipped + 1))
	say "ok $test_count # skip $1"
}

# The whole script is skipped (exit 0 with a clear reason) when a
# prerequisite of the test machine is missing.
skip_all() {
	say "1..0 # SKIP $*"
	rm -rf "$TRASH"
	exit 0
}

test_done() {
	say "1..$test_count"
	say "$((test_count - test_failed - test_skipped)) passed, $test_failed failed, $test_skipped skipped"
	if [ "$test_failed" -eq 0 ]; then
		rm -rf "$TRASH"
		exit 0
	fi
	say "# scratch directory kept: $TRASH"
	exit 1
}

# Assertions: print what differed, then fail.
check_contains() { # FILE STRING
	grep -qF -- "$2" "$1" || { say "expected '$2' in $1:"; cat "$1"; return 1; }
}
check_not_contains() { # FILE STRING
	! grep -qF -- "$2" "$1" || { say "did not expect '$2' in $1:"; cat "$1"; return 1; }
}
check_exit() { # EXPECTED CMD...
	local want=$1 got
	shift
	set +e
	"$@"
	got=$?
	set -e
	[ "$got" -eq "$want" ] || { say "expected exit $want, got $got from: $*"; return 1; }
}

free_port() {
	python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

have_moto() {
	python3 -c 'import moto' >/dev/null 2>&1
}

# Every request the binary sends to moto is recorded here (one file per
# test, replaced on each run) for the botocore conformance check (t9001).
AG_REQUEST_LOG_DIR=${AG_REQUEST_LOG_DIR:-$AG_BUILD/request-log}
AG_REQUEST_LOG="$AG_REQUEST_LOG_DIR/$TEST_NAME.jsonl"
export AG_REQUEST_LOG_DIR AG_REQUEST_LOG
mkdir -p "$AG_REQUEST_LOG_DIR" 2>/dev/null && rm -f "$AG_REQUEST_LOG"

# The requests recorded after the first FROM lines of the request log (all
# of them without FROM): take FROM=$(wc -l <"$AG_REQUEST_LOG") before a run
# to see that run's requests only.
requests_since() { # [FROM]
	tail -n "+$((${1:-0} + 1))" "$AG_REQUEST_LOG" 2>/dev/null
}

# How many Query API requests for ACTION were recorded after line FROM.
count_requests() { # ACTION [FROM]
	requests_since "${2:-0}" | grep -c "\"body\": \"Action=$1&" || :
}

# Starts a private moto server on a free loopback port; sets MOTO_PORT,
# MOTO_PID, MOTO_URL and the AWS variables that point the agent at it.
# Stopped by pid when the test finishes. Arguments go to moto-server.py
# (e.g. --state FILE) and are kept in MOTO_ARGS for a restart.
start_moto() {
	local tries=0 log
	MOTO_ARGS=("$@")
	have_moto || skip_all "moto is not installed (python3 -c 'import moto' failed)"
	while :; do
		MOTO_PORT=$(free_port)
		log="$TRASH/moto.log"
		(cd "$TRASH" && exec python3 "$AG_SRC/tests/tools/moto-server.py" -H 127.0.0.1 \
			-p "$MOTO_PORT" "$@" >"$log" 2>&1) &
		MOTO_PID=$!
		local i
		for i in $(seq 1 100); do
			if curl -sf -o /dev/null "http://127.0.0.1:$MOTO_PORT/moto-api/"; then
				break
			fi
			kill -0 "$MOTO_PID" 2>/dev/null || break
			sleep 0.1
		done
		if curl -sf -o /dev/null "http://127.0.0.1:$MOTO_PORT/moto-api/"; then
			break
		fi
		kill "$MOTO_PID" 2>/dev/null; wait "$MOTO_PID" 2>/dev/null
		tries=$((tries + 1))
		[ "$tries" -lt 3 ] || { say "moto did not start:"; cat "$log"; exit 1; }
	done
	test_when_finished "kill $MOTO_PID; wait $MOTO_PID"
	MOTO_URL="http://127.0.0.1:$MOTO_PORT"
	export MOTO_PORT MOTO_PID MOTO_URL
	export AWS_ENDPOINT_URL="$MOTO_URL"
	export AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing AWS_REGION=us-east-1
	unset AWS_PROFILE AWS_SESSION_TOKEN AWS_DEFAULT_REGION AWS_ROLE_ARN AWS_WEB_IDENTITY_TOKEN_FILE
	export AWS_CONFIG_FILE="$TRASH/no-aws-config" AWS_SHARED_CREDENTIALS_FILE="$TRASH/no-aws-credentials"
}

# tests/tools/fault-proxy.py in front of moto. fault_proxy_setup (in the
# main shell) makes the file the proxies' pids go to (outside $TRASH, which
# test_done removes first) and has the cleanup stop them; start_fault_proxy ARGS... (also inside test bodies, which are
# subshells) stops the previous proxy, starts one with ARGS logging to
# $TRASH/proxy.log, and sets PROXY_URL.
fault_proxy_setup() {
	FAULT_PROXY_PIDS=$(mktemp "${TMPDIR:-/tmp}/ag-proxy-pids.XXXXXX")
	test_when_finished "for p in \$(cat $FAULT_PROXY_PIDS); do kill \$p; done; rm -f $FAULT_PROXY_PIDS"
}

start_fault_proxy() {
	local p i
	for p in $(cat "$FAULT_PROXY_PIDS"); do kill "$p" 2>/dev/null || true; done
	: >"$FAULT_PROXY_PIDS"
	rm -f "$TRASH/proxy.port" "$TRASH/proxy.log"
	python3 "$AG_SRC/tests/tools/fault-proxy.py" --target "$MOTO_URL" \
		--port-file "$TRASH/proxy.port" --log "$TRASH/proxy.log" "$@" &
	echo $! >>"$FAULT_PROXY_PIDS"
	for i in $(seq 1 100); do
		[ -s "$TRASH/proxy.port" ] && break
		sleep 0.05
	done
	PROXY_URL="http://127.0.0.1:$(cat "$TRASH/proxy.port")"
}

moto_reset() {
	curl -sf -X POST "$MOTO_URL/moto-api/reset" >/dev/null
}

# Runs python3 with boto3 against the test's moto: boto3_run <<'EOF' ... EOF
# The script gets `rds` and `ec2` clients.
boto3_run() {
	python3 - "$@" <<PYEOF
import boto3, sys
rds = boto3.client("rds", endpoint_url="$MOTO_URL", region_name="us-east-1",
                   aws_access_key_id="testing", aws_secret_access_key="testing")
ec2 = boto3.client("ec2", endpoint_url="$MOTO_URL", region_name="us-east-1",
                   aws_access_key_id="testing", aws_secret_access_key="testing")
$(cat)
PYEOF
}

# wait_for FILE STRING [SECONDS]: until FILE holds STRING (default 20 s);
# on a timeout says so and shows the file.
wait_for() {
	local i
	for i in $(seq 1 $((${3:-20} * 20))); do
		grep -qF -- "$2" "$1" 2>/dev/null && return 0
		sleep 0.05
	done
	say "timed out waiting for '$2' in $1:"
	cat "$1"
	return 1
}

# cluster_exists CLUSTER: 0 when moto has it
cluster_exists() {
	boto3_run <<-PY
	import sys
	try:
	    rds.describe_db_clusters(DBClusterIdentifier="$1")
	except rds.exceptions.DBClusterNotFoundFault:
	    sys.exit(1)
	PY
}

# aas_run <<'EOF' ... EOF: boto3_run with `aas`, an Application Auto Scaling
# client, DIM (the Aurora readers dimension), targets() by ResourceId and
# policies() by (ResourceId, PolicyName) of namespace rds.
aas_run() {
	boto3_run <<-PY
	aas = boto3.client("application-autoscaling", endpoint_url="$MOTO_URL", region_name="us-east-1",
	                   aws_access_key_id="testing", aws_secret_access_key="testing")
	DIM = "rds:cluster:ReadReplicaCount"
	def targets():
	    return {t["ResourceId"]: t for t in aas.describe_scalable_targets(ServiceNamespace="rds")["ScalableTargets"]}
	def policies():
	    return {(p["ResourceId"], p["PolicyName"]): p for p in aas.describe_scaling_policies(ServiceNamespace="rds")["ScalingPolicies"]}
	$(cat)
	PY
}
