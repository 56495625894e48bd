#!/usr/bin/env bash
# The test launcher (tests/tools/moto-server.py) answers the Query protocol
# (RDS, IAM, STS) through its own serializer (tests/tools/moto_fast_replies.py)
# instead of moto's reflective one, so a page of records costs what AWS's
# cost model would make it cost rather than about 1 ms a record. Its replies
# must be moto's, byte for byte: tests/tools/moto-replies-check.py runs the
# launcher twice side by side (moto's serializer and the fast one, clocks
# frozen, random generators seeded), sends a varied fleet's writes, reads and
# errors to both, and compares every reply whole. moto's own serializer stays
# one switch away (AG_MOTO_SERIALIZER=stock or --stock-serializer).
. "$(dirname "$0")/test-lib.sh"

have_moto || skip_all "moto is not installed (python3 -c 'import moto' failed)"

test_expect_success 'every reply of the fast serializer is moto'"'"'s, byte for byte' '
	python3 "$AG_SRC/tests/tools/moto-replies-check.py" --clusters 150 >out 2>err ||
		{ cat out; tail -n 20 err; false; } &&
	cat out &&
	grep -q " 0 different;" out &&
	grep -Eq ": [0-9]{3} replies compared" out
'

start_moto --stock-serializer

test_expect_success 'the launcher runs with moto'"'"'s own serializer when asked' '
	curl -sf --aws-sigv4 "aws:amz:us-east-1:rds" --user testing:testing \
		-d Action=DescribeDBClusters -d Version=2014-10-31 "$MOTO_URL/" >reply.xml &&
	check_contains reply.xml "<DescribeDBClustersResult><DBClusters/></DescribeDBClustersResult>" &&
	check_contains "$TRASH/moto.log" "reply serializer: stock"
'

test_expect_success 'an unknown AG_MOTO_SERIALIZER is refused, naming the choices' '
	check_exit 1 env AG_MOTO_SERIALIZER=quick python3 \
		"$AG_SRC/tests/tools/moto-server.py" -H 127.0.0.1 -p "$(free_port)" 2>err &&
	check_contains err "AG_MOTO_SERIALIZER=" &&
	check_contains err "fast, stock"
'

test_done
