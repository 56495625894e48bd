#!/usr/bin/env bash
# An action that fails is not retried for the same commit and live state;
# changing the manifest lets it run again. Other clusters are unaffected.
. "$(dirname "$0")/test-lib.sh"

start_moto
export AWS_EC2_METADATA_DISABLED=true
STATE="$TRASH/state"

write() { # ID PASSWORD
	cat <<-YAML
	apiVersion: aws.project-planton.org/v1
	kind: AwsRdsCluster
	metadata:
	  name: $1
	spec:
	  dbSubnetGroupName: default
	  engine: aurora-postgresql
	  engineVersion: "16.1"
	  password: "$2"
	YAML
}

# validate refuses a short plain-text password, so the one AWS rejects is
# sealed: it is checked only by AWS, once opened.
test_expect_success 'a failing create is reported, the other cluster is created' '
	mkdir m keys &&
	"$AG_BIN" keygen --out keys/k >/dev/null 2>&1 &&
	printf x7Qz | "$AG_BIN" seal --key keys/k.pub --cluster bad-db --field spec.password >sealed &&
	write bad-db "$(cat sealed)" >m/bad.yaml &&
	write good-db long-enough-password >m/good.yaml &&
	check_exit 1 "$AG_BIN" sync --dir m --state-dir "$STATE" --key-file keys/k.key \
		--poll-interval 100ms >s1.txt 2>&1 &&
	grep -E "^cluster .bad-db.: failed" s1.txt &&
	grep -E "^cluster .good-db.: applied" s1.txt &&
	check_contains s1.txt "InvalidParameterValue" &&
	check_not_contains s1.txt "x7Qz"
'

test_expect_success 'the same failure is not retried' '
	check_exit 1 "$AG_BIN" sync --dir m --state-dir "$STATE" --key-file keys/k.key -v \
		>s2.txt 2>s2.err &&
	grep -E "^cluster .bad-db.: skipped" s2.txt &&
	check_contains s2.txt "not retried" &&
	grep "aws requests:" s2.err >calls &&
	! grep -E "Create" calls
'

test_expect_success 'status shows the held cluster' '
	"$AG_BIN" status --dir m --state-dir "$STATE" >status.txt &&
	grep -E "^  bad-db +create-cluster: " status.txt
'

test_expect_success 'a new commit for that cluster is tried again and succeeds' '
	write bad-db now-long-enough >m/bad.yaml &&
	"$AG_BIN" sync --dir m --state-dir "$STATE" --poll-interval 100ms >s3.txt 2>&1 ||
		{ cat s3.txt; exit 1; }
	grep -E "^cluster .bad-db.: applied" s3.txt &&
	"$AG_BIN" status --dir m --state-dir "$STATE" >status2.txt &&
	! grep -E "^  bad-db +create-cluster" status2.txt
'

# start_proxy ARGS...: fault proxy in front of moto; sets PROXY_URL.
BG_PIDS=$(mktemp "${TMPDIR:-/tmp}/ag-bg-pids.XXXXXX")
test_when_finished "for p in \$(cat $BG_PIDS); do kill \$p; done; rm -f $BG_PIDS"
start_proxy() {
	local p i
	for p in $(cat "$BG_PIDS"); do kill "$p" 2>/dev/null || true; done
	: >"$BG_PIDS"
	rm -f "$TRASH/proxy.port"
	python3 "$AG_SRC/tests/tools/fault-proxy.py" --target "$MOTO_URL" --log-actions \
		--port-file "$TRASH/proxy.port" --log "$TRASH/proxy.log" "$@" &
	echo $! >>"$BG_PIDS"
	for i in $(seq 1 100); do
		[ -s "$TRASH/proxy.port" ] && break
		sleep 0.05
	done
	PROXY_URL="http://127.0.0.1:$(cat "$TRASH/proxy.port")"
}

test_expect_success 'a throttled create is not held: the next run retries it' '
	mkdir t
	write throttled-db long-enough-password >t/db.yaml
	start_proxy --mangle CreateDBCluster=throttle
	rc=0
	AWS_ENDPOINT_URL=$PROXY_URL AWS_MAX_ATTEMPTS=1 "$AG_BIN" sync --dir t \
		--state-dir "$TRASH/tstate" --poll-interval 100ms >t1.txt 2>&1 || rc=$?
	test "$rc" = 1
	grep -E "^cluster .throttled-db.: failed" t1.txt
	check_contains t1.txt "Throttling"
	check_contains t1.txt "transient failure"
	"$AG_BIN" status --dir t --state-dir "$TRASH/tstate" >tstatus.txt
	check_not_contains tstatus.txt "create-cluster:"
	start_proxy
	AWS_ENDPOINT_URL=$PROXY_URL "$AG_BIN" sync --dir t --state-dir "$TRASH/tstate" \
		--poll-interval 100ms >t2.txt 2>&1 || { cat t2.txt; false; }
	grep -E "^cluster .throttled-db.: applied" t2.txt
'

test_done
