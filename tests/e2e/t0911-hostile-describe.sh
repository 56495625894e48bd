#!/usr/bin/env bash
# A Describe reply that does not have the exact expected shape stops the
# cycle before anything is planned: no result element, a renamed list, a
# renamed member, a member without an identifier, duplicate identifiers
# (compared case-insensitively). Identifiers in replies are compared
# case-insensitively (a reply in upper case plans nothing). Pagination is
# bounded: a repeated Marker and too many bytes are errors, not hangs.
# tests/tools/fault-proxy.py --mangle answers one chosen Action badly and
# forwards the rest to moto.
. "$(dirname "$0")/test-lib.sh"

start_moto
export AWS_EC2_METADATA_DISABLED=true AG_AWS_RETRY_BASE_MS=1
STATE="$TRASH/state"

fault_proxy_setup

write() { # ID
	cat <<-YAML
	apiVersion: aws.project-planton.org/v1
	kind: AwsRdsCluster
	metadata:
	  name: $1
	spec:
	  dbSubnetGroupName: default
	  engine: aurora-postgresql
	  engineVersion: "16.1"
	  manageMasterUserPassword: true
	  instances:
	    count: 1
	    instanceClass: db.t4g.medium
	YAML
}

# hostile ACTION MODE EXPECTED: sync through the proxy fails with EXPECTED
# and sends no mutating call.
hostile() {
	start_fault_proxy --mangle "$1=$2" &&
	AWS_ENDPOINT_URL=$PROXY_URL check_exit 1 timeout 120 "$AG_BIN" sync --dir m \
		--state-dir "$STATE" -v --poll-interval 100ms >out.txt 2>err.txt &&
	cat out.txt err.txt >all.txt &&
	check_contains proxy.log "mangle $2" &&
	check_contains all.txt "$3" &&
	grep "aws requests:" err.txt >calls &&
	! grep -E "(Create|Modify|Delete|Add|Remove|Reboot|Failover)" calls
}

test_expect_success 'setup: two clusters in sync' '
	mkdir m && write alpha-db >m/alpha.yaml && write beta-db >m/beta.yaml &&
	"$AG_BIN" sync --dir m --state-dir "$STATE" --poll-interval 100ms >s.txt 2>&1 ||
		{ cat s.txt; exit 1; }
	"$AG_BIN" plan --dir m --state-dir "$STATE" --detailed-exitcode >p.txt 2>&1 ||
		{ cat p.txt; exit 1; }
'

test_expect_success 'DescribeDBClusters without its Result element' '
	hostile DescribeDBClusters no-result "no single <DescribeDBClustersResult> element"
'

test_expect_success 'DescribeDBClusters with a renamed list' '
	hostile DescribeDBClusters wrong-list "has no <DBClusters> list"
'

test_expect_success 'DescribeDBClusters with renamed members' '
	hostile DescribeDBClusters wrong-member "holds a <Cluster> element where only <DBCluster> may be"
'

test_expect_success 'DescribeDBClusters with a member without identifier' '
	hostile DescribeDBClusters no-id "<DBCluster> 1 of the reply has no DBClusterIdentifier"
'

test_expect_success 'DescribeDBClusters listing a cluster twice' '
	hostile DescribeDBClusters dup "lists DBClusterIdentifier '"'"'alpha-db'"'"' more than once"
'

test_expect_success 'DescribeDBClusters listing a cluster twice in different case' '
	hostile DescribeDBClusters dup-case "lists DBClusterIdentifier '"'"'alpha-db'"'"' more than once"
'

test_expect_success 'DescribeDBInstances without its Result element, or listing one twice' '
	hostile DescribeDBInstances no-result "no single <DescribeDBInstancesResult> element" &&
	hostile DescribeDBInstances no-id "<DBInstance> 1 of the reply has no DBInstanceIdentifier" &&
	hostile DescribeDBInstances dup-case "lists DBInstanceIdentifier '"'"'alpha-db-1'"'"' more than once"
'

test_expect_success 'identifiers in upper case are the same clusters and instances' '
	start_fault_proxy --mangle DescribeDBClusters=upper --mangle DescribeDBInstances=upper &&
	AWS_ENDPOINT_URL=$PROXY_URL "$AG_BIN" plan --dir m --state-dir "$STATE" \
		--detailed-exitcode >up.txt 2>&1 || { cat up.txt proxy.log; exit 1; }
	check_contains proxy.log "mangle upper" &&
	check_contains up.txt "0 to create, 0 to update, 0 to delete"
'

test_expect_success 'a Marker that comes back is an error, not 10,000 pages' '
	hostile DescribeDBClusters marker-cycle "Marker '"'"'A'"'"' came back a second time" &&
	test "$(grep -c "mangle marker-cycle" proxy.log)" -le 4
'

test_expect_success 'pages that never end are bounded in bytes' '
	start_fault_proxy --mangle DescribeDBClusters=fresh-markers --pad 300000 &&
	AWS_ENDPOINT_URL=$PROXY_URL AG_AWS_MAX_LIST_BYTES=1000000 check_exit 1 timeout 120 \
		"$AG_BIN" plan --dir m --state-dir "$STATE" >out.txt 2>err.txt &&
	check_contains err.txt "rds DescribeDBClusters: the replies exceed 1000000 bytes in total after 4 pages" &&
	test "$(grep -c "mangle fresh-markers" proxy.log)" = 4
'

test_expect_success 'the same plan through a faithful proxy is clean' '
	start_fault_proxy &&
	AWS_ENDPOINT_URL=$PROXY_URL "$AG_BIN" plan --dir m --state-dir "$STATE" \
		--detailed-exitcode >ok.txt 2>&1 || { cat ok.txt; exit 1; }
'

test_done
