#!/usr/bin/env bash
# AWS (moto, with its state kept on disk) is killed with SIGKILL while the
# agent is in the middle of an apply: the CreateDBInstance reached it and
# was done, its reply was lost, and every retry finds nobody listening.
# The agent fails the cycle with an error (no crash) and the note on the
# commit records it; moto comes back with its state; the next sync resumes
# without creating anything twice and the fleet is complete.
. "$(dirname "$0")/../e2e/test-lib.sh"
. "$(dirname "$0")/../e2e/lib-git.sh"
. "$(dirname "$0")/fault-lib.sh"

start_moto --state "$TRASH/moto.state"
export AWS_EC2_METADATA_DISABLED=true AG_AWS_RETRY_BASE_MS=20
STATE="$TRASH/state"
REMOTE="file://$TRASH/remote.git"

test_expect_success 'setup: two clusters in a bare repository' '
	mkdir src &&
	cp "$AG_SRC/manifests/minimal.yaml" src/ &&
	sed "s/name: minimal-pg/name: second-pg/" "$AG_SRC/manifests/minimal.yaml" >src/second.yaml &&
	python3 "$AG_SRC/tests/tools/moto-fixture.py" render "$MOTO_URL" src m >/dev/null &&
	make_config_repo "$TRASH/remote.git" work m &&
	test -s moto.state
'

start_helper "$TRASH/proxy.port" python3 "$AG_SRC/tests/tools/hold-proxy.py" --target "$MOTO_URL" \
	--port-file "$TRASH/proxy.port" --hold CreateDBInstance --reached "$TRASH/reached" \
	--hold-seconds 1 --forward-first
test_expect_success 'moto is killed after doing a CreateDBInstance whose reply is lost' '
	(set +e; AWS_ENDPOINT_URL="http://127.0.0.1:$(cat proxy.port)" \
		"$AG_BIN" sync --repo "$REMOTE" --state-dir "$STATE" --agent-id k1 \
		--poll-interval 100ms >out1 2>err1; echo $? >rc1) &
	wait_for_file reached &&
	cp moto.state before-kill.state
'
moto_kill

test_expect_success 'the agent fails the cycle with an error, no crash' '
	wait_for_file rc1 600 &&
	agent_exit_ok "$(cat rc1)" && test "$(cat rc1)" = 1 &&
	no_crash_report out1 err1 &&
	grep -E "CreateDBInstance|DescribeDB" err1 out1 >/dev/null
'

test_expect_success 'the note on the commit records the failed cycle' '
	note_of remote.git main >n1 &&
	check_note_lines n1 &&
	note_query n1 "any(l[\"cluster\"] == \"minimal-pg\" and l[\"result\"] == \"failed\" and \"CreateDBInstance\" in l[\"error\"] for l in lines)" &&
	note_query n1 "not any(l.get(\"result\") == \"in-sync\" for l in lines)"
'

moto_restart
test_expect_success 'moto comes back with what it had done, instance included' '
	boto3_run <<-PY
	cs = sorted(c["DBClusterIdentifier"] for c in rds.describe_db_clusters()["DBClusters"])
	ins = [i["DBInstanceIdentifier"] for i in rds.describe_db_instances()["DBInstances"]]
	assert len(ins) >= 1, ins
	assert set(cs) <= {"minimal-pg", "second-pg"} and cs, cs
	PY
'

test_expect_success 'the next sync resumes: nothing created twice, the fleet complete' '
	"$AG_BIN" sync --repo "$REMOTE" --state-dir "$STATE" --agent-id k1 \
		--poll-interval 100ms >out2 2>err2 || { cat out2 err2; exit 1; }
	no_crash_report out2 err2 &&
	fleet_is "[\"minimal-pg\", \"second-pg\"]" "[\"minimal-pg-1\", \"second-pg-1\"]" &&
	python3 - "$AG_REQUEST_LOG" <<-PY
	import json, sys, collections
	n = collections.Counter()
	for l in open(sys.argv[1]):
	    r = json.loads(l)
	    q = dict(__import__("urllib.parse").parse.parse_qsl(r["body"]))
	    if q.get("Action") in ("CreateDBCluster", "CreateDBInstance"):
	        n[(q["Action"], q.get("DBClusterIdentifier") if q["Action"] == "CreateDBCluster" else q.get("DBInstanceIdentifier"))] += 1
	# the resume found what the lost reply had created: one create each
	for k in [("CreateDBCluster", "minimal-pg"), ("CreateDBCluster", "second-pg"),
	          ("CreateDBInstance", "minimal-pg-1"), ("CreateDBInstance", "second-pg-1")]:
	    assert n[k] == 1, (k, dict(n))
	PY
'

test_expect_success 'the note ends in sync; a third sync changes nothing' '
	note_of remote.git main >n2 &&
	check_note_lines n2 &&
	note_query n2 "any(l[\"result\"] in (\"failed\", \"interrupted\") or l[\"kind\"] == \"error\" for l in lines)" &&
	"$AG_BIN" sync --repo "$REMOTE" --state-dir "$STATE" --agent-id k1 >out3 2>err3 ||
		{ cat out3 err3; exit 1; }
	check_not_contains out3 "rds Create" &&
	fleet_is "[\"minimal-pg\", \"second-pg\"]" "[\"minimal-pg-1\", \"second-pg-1\"]"
'

test_done
