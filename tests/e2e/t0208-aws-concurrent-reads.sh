#!/usr/bin/env bash
# The describe streams of a plan are read concurrently: every page of
# DescribeDBClusters, every page of DescribeDBInstances and
# DescribeDBSubnetGroups go out at the same time (pages of one stream stay
# one after another, Marker after Marker), and the filtered chunks of a
# changed-only read (db-cluster-id, 100 a call) too, at most 4 requests in
# flight. tests/tools/fault-proxy.py holds every request LATENCY ms (each in
# a thread of its own) and logs when each arrived and was answered: the
# proof is in that log (requests of different streams overlap in time),
# which does not depend on how loaded the machine is. The same requests
# are sent as one after another would send, the plan is the same whatever
# order the replies come in, and a failing stream fails the read.
. "$(dirname "$0")/test-lib.sh"

start_moto
fault_proxy_setup
export AWS_EC2_METADATA_DISABLED=true AG_AWS_RETRY_BASE_MS=1
N=250
LATENCY=400

# intervals ACTION...: the requests of those actions in proxy.log as
# "action start end" lines (fault-proxy --log-actions --log-times).
intervals() {
	python3 - "$@" <<-'PY'
	import sys
	want = set(sys.argv[1:])
	for line in open("proxy.log"):
	    f = line.split()
	    if f[1] in want:
	        print(f[1], f[2], f[3])
	PY
}

# check_streams LIMIT FILE [chunks]: over the intervals in FILE, the
# requests of one action never overlap (pages are sequential; with
# "chunks" every request is a stream of its own), some requests do, never more than LIMIT are in flight at once, and the span of
# them all is well below the sum of their durations (what one after
# another would take at least). Prints the most in flight.
check_streams() {
	python3 - "$@" <<-'PY'
	import sys
	limit = int(sys.argv[1])
	chunks = sys.argv[3:] == ["chunks"]
	reqs = [(a, float(s), float(e)) for a, s, e in (l.split() for l in open(sys.argv[2]))]
	assert len(reqs) >= 2, reqs
	by = {}
	for a, s, e in reqs:
	    by.setdefault(a, []).append((s, e))
	for a, v in by.items():
	    if chunks:
	        break
	    v.sort()
	    for (s1, e1), (s2, e2) in zip(v, v[1:]):
	        assert e1 <= s2, f"two {a} requests overlap: {(s1, e1)} {(s2, e2)}"
	events = sorted([(s, 1) for _, s, _ in reqs] + [(e, -1) for _, _, e in reqs],
	                key=lambda x: (x[0], x[1]))
	cur = most = 0
	for _, d in events:
	    cur += d
	    most = max(most, cur)
	assert most >= 2, f"no two requests were in flight at once: {reqs}"
	assert most <= limit, f"{most} requests in flight, more than {limit}"
	span = max(e for _, _, e in reqs) - min(s for _, s, _ in reqs)
	total = sum(e - s for _, s, e in reqs)
	assert span < 0.75 * total, f"span {span:.0f} ms is not below 0.75 x {total:.0f} ms"
	print(most)
	PY
}

now_ms() { date +%s%3N; }

test_expect_success "setup: $N clusters (3 pages of each describe) and their manifests" '
	python3 "$AG_SRC/tests/tools/seed-fleet.py" "$MOTO_URL" $N m >/dev/null &&
	test $(ls m | wc -l) = $N
'

test_expect_success 'plan without a proxy: the reference output' '
	"$AG_BIN" plan --dir m --state-dir st0 >ref.txt 2>ref.err &&
	check_contains ref.txt "$N"
'

test_expect_success "plan through ${LATENCY} ms of latency: the three streams overlap" '
	start_fault_proxy --latency-ms $LATENCY --log-actions --log-times &&
	t0=$(now_ms) &&
	AWS_ENDPOINT_URL=$PROXY_URL "$AG_BIN" plan --dir m --state-dir st1 -v \
		>out.txt 2>err.txt &&
	t1=$(now_ms) &&
	test "$(intervals DescribeDBClusters | wc -l)" = 3 &&
	test "$(intervals DescribeDBInstances | wc -l)" = 3 &&
	test "$(intervals DescribeDBSubnetGroups | wc -l)" = 1 &&
	check_contains err.txt "rds:DescribeDBClusters=3 rds:DescribeDBInstances=3 rds:DescribeDBSubnetGroups=1" &&
	intervals DescribeDBClusters DescribeDBInstances DescribeDBSubnetGroups >iv &&
	most=$(check_streams 4 iv) &&
	say "most describe requests in flight at once: $most" &&
	test "$most" -ge 3 &&
	seq=$(awk "{ t += \$3 - \$2 } END { printf \"%d\", t }" iv) &&
	say "plan wall time $((t1 - t0)) ms; the describes one after another: at least $seq ms" &&
	test $((t1 - t0)) -lt "$seq" &&
	diff -u ref.txt out.txt
'

test_expect_success 'the same requests as the plan without a proxy sent (moto request log)' '
	python3 - "$AG_REQUEST_LOG" <<-\PY
	import collections, json, sys, urllib.parse
	seen = collections.Counter()
	for line in open(sys.argv[1]):
	    a = dict(urllib.parse.parse_qsl(json.loads(line)["body"])).get("Action", "")
	    if a.startswith("Describe"):
	        seen[a] += 1
	# two plans: the reference and the one through the proxy
	for a, n in (("DescribeDBClusters", 6), ("DescribeDBInstances", 6),
	             ("DescribeDBSubnetGroups", 2)):
	    assert seen[a] == n, (a, seen[a], n)
	PY
'

test_expect_success 'changed-only chunks (db-cluster-id, 100 a call): concurrent, at most 4 in flight' '
	ids=$(ls m | sed "s/\.yaml$//" | paste -sd, -) &&
	start_fault_proxy --latency-ms $LATENCY --log-actions --log-times &&
	AWS_ENDPOINT_URL=$PROXY_URL "$AG_TOOLS/ag-aws-driver" describe-by-id "ids=$ids" \
		>chunks.json &&
	test "$(intervals DescribeDBClusters | wc -l)" = 3 &&
	test "$(intervals DescribeDBInstances | wc -l)" = 3 &&
	intervals DescribeDBClusters DescribeDBInstances >iv2 &&
	most=$(check_streams 4 iv2 chunks) &&
	say "most chunk requests in flight at once: $most" &&
	python3 - chunks.json <<-\PY
	import json, os, sys
	o = json.load(open(sys.argv[1]))
	want = sorted(f[:-5] for f in os.listdir("m"))
	got = [c["id"] for c in o["clusters"]]
	assert got == want, "clusters not in the order of the identifiers"
	assert [i["id"] for i in o["instances"]] == [c + "-1" for c in want]
	PY
'

test_expect_success 'one failing stream fails the read and names its request' '
	start_fault_proxy --latency-ms 50 --log-actions --mangle DescribeDBSubnetGroups=throttle &&
	AWS_ENDPOINT_URL=$PROXY_URL AWS_MAX_ATTEMPTS=1 check_exit 1 "$AG_BIN" plan --dir m \
		--state-dir st2 >out2.txt 2>err2.txt &&
	check_contains err2.txt "cannot read the live state from AWS: rds DescribeDBSubnetGroups failed: Throttling" &&
	check_not_contains out2.txt "No changes" &&
	start_fault_proxy --latency-ms 50 --log-actions --mangle DescribeDBInstances=no-result &&
	AWS_ENDPOINT_URL=$PROXY_URL check_exit 1 "$AG_BIN" plan --dir m \
		--state-dir st3 >out3.txt 2>err3.txt &&
	check_contains err3.txt "rds DescribeDBInstances" &&
	check_contains err3.txt "refusing to read it as an empty list" &&
	check_not_contains out3.txt "No changes"
'

test_done
