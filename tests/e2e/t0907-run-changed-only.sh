#!/usr/bin/env bash
# run --repo: a commit that changes k manifests is planned by reading just
# those k clusters from AWS (Filter db-cluster-id), however large the fleet:
# a commit changing one manifest costs at most 3 AWS requests before its
# note (DescribeDBClusters, DescribeDBInstances, the one modify), counted
# by the recording moto server. A removed or renamed manifest is a change
# to plan; a commit outside the manifests reads nothing; the note says what
# was read ("changed k of N"), never that the unread clusters were checked.
#
# The fleet is seeded in moto's backend directly (tests/tools/seed-fleet.py):
# creating it through the API would take minutes. AG_FLEET_N sets its size
# (default 200: the first, full cycle reads every cluster and moto needs
# about 12 ms per cluster for that); bench/changed-only-bench.sh runs the
# same with 2,000 and 10,000. The request bound does not depend on N.
. "$(dirname "$0")/test-lib.sh"
. "$(dirname "$0")/lib-git.sh"

N=${AG_FLEET_N:-200}
start_moto
export AWS_EC2_METADATA_DISABLED=true

# wait_note REV SECONDS KIND: until the remote's note on REV has a line of KIND
wait_note() {
	local i
	for i in $(seq 1 $(($2 * 100))); do
		if note_of remote.git "$1" | grep -q "\"kind\":\"$3\""; then
			return 0
		fi
		sleep 0.01
	done
	say "no $3 note on $1 after $2 s"
	return 1
}

requests() { wc -l <"$AG_REQUEST_LOG"; }

# actions FROM: the recorded requests after line FROM, one "Action filters" per line
actions() {
	python3 - "$AG_REQUEST_LOG" "$1" <<-\PY
	import json, sys, urllib.parse
	lines = open(sys.argv[1]).read().splitlines()[int(sys.argv[2]):]
	for l in lines:
	    q = dict(urllib.parse.parse_qsl(json.loads(l)["body"]))
	    vals = sorted(v for k, v in q.items() if ".Values.Value." in k)
	    print(q.get("Action"), q.get("Filters.Filter.1.Name", "-"), ",".join(vals) or "-")
	PY
}

push() { # MESSAGE: commits everything in work and pushes; prints the commit
	git -C work add -A &&
	git -C work commit -qm "$1" &&
	git -C work push -q origin main &&
	git -C work rev-parse HEAD
}

test_expect_success "setup: $N clusters in moto, their manifests in a bare remote" '
	took=$(python3 "$AG_SRC/tests/tools/seed-fleet.py" "$MOTO_URL" $N m) &&
	say "seeded $N clusters with one instance each in ${took} s" &&
	make_config_repo "$TRASH/remote.git" work m
'

test_expect_success 'the first cycle reads the whole fleet and finds it in sync' '
	("$AG_BIN" run --repo "file://$TRASH/remote.git" --branch main --state-dir "$TRASH/state" \
		--interval 1h --drift-interval 1h >"$TRASH/run.log" 2>&1 & echo $! >"$TRASH/run.pid") &&
	wait_for run.log "cycle done" 50 &&
	check_contains run.log "cycle done in" &&
	check_contains run.log ": $N clusters, 0 applying, 0 failed" &&
	wait_note $(git -C work rev-parse HEAD) 20 plan &&
	note_of remote.git $(git -C work rev-parse HEAD) >first.txt &&
	test $(grep -c "\"result\":\"in-sync\"" first.txt) = $N &&
	check_not_contains first.txt "\"scope\"" &&
	check_not_contains "$AG_REQUEST_LOG" "Action=Modify"
'
agent_pid=$(cat "$TRASH/run.pid" 2>/dev/null)
test_when_finished "kill $agent_pid"

test_expect_success 'a commit changing one manifest: at most 3 AWS requests before its note' '
	base=$(git -C work rev-parse --short=7 HEAD) &&
	before=$(requests) &&
	sed -i "s/backupRetentionPeriod: 7/backupRetentionPeriod: 14/" work/fleet-00042.yaml &&
	rev=$(push "fleet-00042: two weeks of backups") &&
	wait_note $rev 20 apply &&
	after=$(requests) &&
	actions $before >one.txt &&
	cat one.txt &&
	say "AWS requests between the push and the note: $((after - before)) (fleet of $N)" &&
	test $((after - before)) -le 3 &&
	test $((after - before)) -ge 3 &&
	check_contains one.txt "DescribeDBClusters db-cluster-id fleet-00042" &&
	check_contains one.txt "DescribeDBInstances db-cluster-id fleet-00042" &&
	check_contains one.txt "ModifyDBCluster - -" &&
	note_of remote.git $rev >one-note.txt &&
	cat one-note.txt &&
	check_note_lines one-note.txt &&
	note_query one-note.txt "[l.get(\"cluster\") for l in lines if l.get(\"cluster\")] == [\"fleet-00042\"]" &&
	note_query one-note.txt "any(l[\"kind\"] == \"apply\" and l[\"result\"] == \"applied\" and l[\"scope\"] == {\"kind\": \"changed\", \"planned\": 1, \"of\": $N, \"since\": \"$base\"} for l in lines)" &&
	note_query one-note.txt "any(l[\"kind\"] == \"plan\" and l[\"result\"] == \"scoped\" and \"cluster\" not in l and l[\"scope\"][\"planned\"] == 1 for l in lines)" &&
	check_contains run.log "(changed 1 of $N)" &&
	boto3_run >ret.txt <<-\PY &&
	print(rds.describe_db_clusters(DBClusterIdentifier="fleet-00042")["DBClusters"][0]["BackupRetentionPeriod"])
	PY
	test "$(cat ret.txt)" = 14
'

test_expect_success 'a removed manifest is a change to plan: its cluster is read, never deleted' '
	# the loop follows the modified cluster once more (5 s later)
	wait_for run.log "cycle: following clusters AWS is still applying" 20 &&
	sleep 1 &&
	before=$(requests) &&
	git -C work rm -q fleet-00007.yaml &&
	rev=$(push "stop managing fleet-00007") &&
	wait_note $rev 20 plan &&
	after=$(requests) &&
	actions $before >rm.txt &&
	cat rm.txt &&
	test $((after - before)) -le 3 &&
	check_contains rm.txt "DescribeDBClusters db-cluster-id fleet-00007" &&
	check_not_contains rm.txt "Delete" &&
	note_of remote.git $rev >rm-note.txt &&
	note_query rm-note.txt "any(l[\"result\"] == \"scoped\" and l[\"scope\"][\"planned\"] == 1 and l[\"scope\"][\"of\"] == $N - 1 for l in lines)" &&
	wait_for run.log "(changed 1 of $((N - 1)))" &&
	boto3_run >st.txt <<-\PY &&
	print(rds.describe_db_clusters(DBClusterIdentifier="fleet-00007")["DBClusters"][0]["Status"])
	PY
	test "$(cat st.txt)" = available
'

test_expect_success 'a renamed manifest is read under both names, one cluster' '
	before=$(requests) &&
	mkdir -p work/team-a && git -C work mv fleet-00009.yaml team-a/fleet-00009.yaml &&
	rev=$(push "move fleet-00009") &&
	wait_note $rev 20 plan &&
	after=$(requests) &&
	actions $before >mv.txt &&
	cat mv.txt &&
	test $((after - before)) -le 2 &&
	check_contains mv.txt "DescribeDBClusters db-cluster-id fleet-00009" &&
	note_of remote.git $rev >mv-note.txt &&
	note_query mv-note.txt "[(l[\"cluster\"], l[\"result\"]) for l in lines if l.get(\"cluster\")] == [(\"fleet-00009\", \"in-sync\")]"
'

test_expect_success 'a commit outside the manifests reads nothing and says so' '
	before=$(requests) &&
	echo "# fleet" >work/README.md &&
	rev=$(push "readme") &&
	wait_note $rev 20 plan &&
	test $(requests) = $before &&
	note_of remote.git $rev >doc-note.txt &&
	cat doc-note.txt &&
	note_query doc-note.txt "len(lines) == 1 and lines[0][\"result\"] == \"scoped\" and lines[0][\"scope\"][\"planned\"] == 0 and lines[0][\"scope\"][\"of\"] == $N - 1"
'

test_expect_success 'the filtered describes are valid for AWS (botocore models)' '
	python3 "$AG_SRC/tests/tools/botocore-check.py" "$AG_REQUEST_LOG" &&
	kill -TERM $(cat run.pid) &&
	wait_for run.log "stopped"
'

test_done
