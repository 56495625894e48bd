#!/usr/bin/env bash
# Standard-mode retries through tests/tools/fault-proxy.py in front of
# moto: Throttling 400s and 503s are retried with jittered backoff and the
# call succeeds within its attempts; after the last attempt the error says
# how many were made and what the last one got. Backoff is kept small with
# AG_AWS_RETRY_BASE_MS. Also: a waiter that runs out of time.
. "$(dirname "$0")/test-lib.sh"

start_moto
export AWS_EC2_METADATA_DISABLED=true AG_AWS_RETRY_BASE_MS=20
D="$AG_TOOLS/ag-aws-driver"

# The fault proxy starts inside test bodies (subshells): fault_proxy_setup
# has the main shell's cleanup stop it (test-lib.sh).
fault_proxy_setup

test_expect_success 'two Throttling replies, then success on the third attempt' '
	start_fault_proxy --throttle 2 &&
	AWS_ENDPOINT_URL=$PROXY_URL AG_AWS_DEBUG=1 "$D" --stats describe-clusters >out.json 2>err &&
	test "$(cat proxy.log | tr "\n" " ")" = "throttle throttle forward " &&
	check_contains err "\"rds:DescribeDBClusters\":{\"errors\":2,\"requests\":3}" &&
	check_contains err "fault-proxy-throttle-0" &&
	check_contains err "fault-proxy-throttle-1" &&
	check_contains err "attempt 1 failed (Throttling (HTTP 400" &&
	check_contains err "attempt 2 failed (Throttling (HTTP 400"
'

test_expect_success 'backoff waits are jittered below base * 2^i' '
	grep "retrying in" err | sed "s/.*retrying in \([0-9]*\) ms/\1/" >waits &&
	test "$(wc -l <waits)" = 2 &&
	test "$(sed -n 1p waits)" -lt 20 &&
	test "$(sed -n 2p waits)" -lt 40
'

test_expect_success '503s and a mix of faults are retried too' '
	start_fault_proxy --unavailable 2 &&
	AWS_ENDPOINT_URL=$PROXY_URL "$D" describe-all >out.json &&
	test "$(grep -c 503 proxy.log)" = 2 &&
	start_fault_proxy --throttle 1 --unavailable 1 &&
	AWS_ENDPOINT_URL=$PROXY_URL "$D" create-vpc cidr=10.3.0.0/16 >vpc.json &&
	grep -q vpc- vpc.json &&
	test "$(cat proxy.log | tr "\n" " ")" = "throttle 503 forward "
'

test_expect_success 'persistent throttling: gives up after 3 attempts with the last error' '
	start_fault_proxy --throttle 10 &&
	AWS_ENDPOINT_URL=$PROXY_URL check_exit 1 "$D" describe-clusters 2>err &&
	check_contains err "rds DescribeDBClusters failed after 3 attempts: Throttling (HTTP 400, request id fault-proxy-throttle-2): Rate exceeded" &&
	test "$(grep -c throttle proxy.log)" = 3
'

test_expect_success 'AWS_MAX_ATTEMPTS raises the limit' '
	start_fault_proxy --throttle 4 &&
	AWS_ENDPOINT_URL=$PROXY_URL AWS_MAX_ATTEMPTS=5 "$D" describe-clusters >out.json &&
	test "$(wc -l <proxy.log)" = 5 &&
	start_fault_proxy --throttle 4 &&
	AWS_ENDPOINT_URL=$PROXY_URL AWS_MAX_ATTEMPTS=1 check_exit 1 "$D" describe-clusters 2>err &&
	check_contains err "rds DescribeDBClusters failed: Throttling (HTTP 400" &&
	test "$(wc -l <proxy.log)" = 1
'

test_expect_success 'persistent 503 and HTML 500: the status and operation are stated' '
	start_fault_proxy --unavailable 10 &&
	AWS_ENDPOINT_URL=$PROXY_URL check_exit 1 "$D" describe-clusters 2>err &&
	check_contains err "rds DescribeDBClusters failed after 3 attempts: HTTP 503 with a non-XML body: Service Unavailable" &&
	start_fault_proxy --html500 10 &&
	AWS_ENDPOINT_URL=$PROXY_URL check_exit 1 "$D" describe-clusters 2>err &&
	check_contains err "rds DescribeDBClusters failed after 3 attempts: HTTP 500 with a non-XML body: <!doctype html>"
'

test_expect_success 'a connection failure is retried and then reported' '
	AWS_ENDPOINT_URL=http://127.0.0.1:$(free_port) check_exit 1 "$D" describe-clusters 2>err &&
	check_contains err "rds DescribeDBClusters failed after 3 attempts: POST http://127.0.0.1:" &&
	check_contains err "Couldn'"'"'t connect to server"
'

test_expect_success 'a client error is not retried' '
	start_fault_proxy &&
	AWS_ENDPOINT_URL=$PROXY_URL check_exit 3 "$D" describe-clusters id=missing 2>err &&
	check_contains err "rds DescribeDBClusters failed: DBClusterNotFoundFault (HTTP 404" &&
	test "$(wc -l <proxy.log)" = 1
'

test_expect_success 'a waiter that runs out of time names the last status' '
	"$D" create-cluster DBClusterIdentifier=slow Engine=aurora-postgresql MasterUsername=pg MasterUserPassword=secret123 >/dev/null &&
	check_exit 1 "$D" wait-cluster-deleted id=slow poll_ms=100 timeout_ms=350 2>err &&
	check_contains err "timed out after 350 ms waiting for DB cluster '"'"'slow'"'"' to become deleted (last status '"'"'available'"'"'"
'

test_done
