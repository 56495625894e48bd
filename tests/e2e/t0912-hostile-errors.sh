#!/usr/bin/env bash
# An AWS error that echoes the request (as some proxies and 5xx pages do)
# never puts a password on the terminal, into failures.json or into status;
# server error text with line breaks and control characters is escaped, so
# it cannot forge log lines. tests/tools/fault-proxy.py --mangle
# CreateDBCluster=echo-error answers the create with such an error.
. "$(dirname "$0")/test-lib.sh"

start_moto
export AWS_EC2_METADATA_DISABLED=true AG_AWS_RETRY_BASE_MS=1
STATE="$TRASH/state"
PW='Echo&Secret+42=x%y!'
PW_FORM='Echo%26Secret%2B42%3Dx%25y%21'

fault_proxy_setup
start_fault_proxy --mangle CreateDBCluster=echo-error

test_expect_success 'setup: a cluster with a plain-text password, an echoing endpoint' '
	mkdir m &&
	cat >m/echo.yaml <<-YAML &&
	apiVersion: aws.project-planton.org/v1
	kind: AwsRdsCluster
	metadata:
	  name: echo-db
	spec:
	  dbSubnetGroupName: default
	  engine: aurora-postgresql
	  engineVersion: "16.1"
	  password: "$PW"
	YAML
	test -n "$PROXY_URL"
'

test_expect_success 'sync fails with the server error, the password redacted' '
	AWS_ENDPOINT_URL=$PROXY_URL check_exit 1 "$AG_BIN" sync --dir m --state-dir "$STATE" \
		-vv --poll-interval 100ms >s1.out 2>s1.err &&
	cat s1.out s1.err >s1.all &&
	check_contains proxy.log "mangle echo-error" &&
	check_contains s1.all "InvalidParameterValue" &&
	check_contains s1.all "MasterUserPassword=[redacted]" &&
	check_not_contains s1.all "Echo&Secret" &&
	check_not_contains s1.all "$PW_FORM" &&
	check_not_contains s1.all "Echo%26Secret"
'

test_expect_success 'server text is escaped: no forged line, no control character' '
	check_contains s1.all "\\n[error] forged log line \\u{009b}31mred\\n (credentials" &&
	! grep -q "^\[error\] forged" s1.all &&
	! LC_ALL=C grep -q "$(printf "\302\233")" s1.all &&
	! LC_ALL=C grep -q "$(printf "\r")" s1.all
'

test_expect_success 'failures.json and status hold no password either' '
	test -f "$STATE/failures.json" &&
	check_contains "$STATE/failures.json" "[redacted]" &&
	check_not_contains "$STATE/failures.json" "Echo&Secret" &&
	check_not_contains "$STATE/failures.json" "Echo\\u0026Secret" &&
	check_not_contains "$STATE/failures.json" "$PW_FORM" &&
	"$AG_BIN" status --dir m --state-dir "$STATE" >status.txt 2>&1 &&
	check_contains status.txt "echo-db" &&
	check_not_contains status.txt "Echo&Secret" &&
	check_not_contains status.txt "$PW_FORM" &&
	AWS_ENDPOINT_URL=$PROXY_URL check_exit 1 "$AG_BIN" sync --dir m --state-dir "$STATE" \
		>s2.out 2>&1 &&
	check_contains s2.out "not retried" &&
	check_not_contains s2.out "Echo&Secret" &&
	check_not_contains s2.out "$PW_FORM"
'

test_done
