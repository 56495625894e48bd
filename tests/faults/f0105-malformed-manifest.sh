#!/usr/bin/env bash
# One bad manifest in a repository of several: a YAML syntax error in one
# file, a schema error in another. Both files are reported with file:line;
# every other cluster is still reconciled (created, then corrected after
# drift); the clusters of the bad files are neither touched nor deleted,
# and the note on the commit says which files were invalid.
. "$(dirname "$0")/../e2e/test-lib.sh"
. "$(dirname "$0")/../e2e/lib-git.sh"
. "$(dirname "$0")/fault-lib.sh"

start_moto
export AWS_EC2_METADATA_DISABLED=true AG_AWS_RETRY_BASE_MS=20
STATE="$TRASH/state"
REMOTE="file://$TRASH/remote.git"

agent_sync() { # PREFIX: one sync; exit code in PREFIX.rc, no crash
	local rc=0
	"$AG_BIN" sync --repo "$REMOTE" --state-dir "$STATE" --agent-id k1 \
		--poll-interval 100ms >"$1.out" 2>"$1.err" || rc=$?
	echo $rc >"$1.rc"
	agent_exit_ok $rc || { cat "$1.out" "$1.err"; return 1; }
	no_crash_report "$1.out" "$1.err"
}

test_expect_success 'setup: four clusters, all good' '
	mkdir src &&
	for n in a b c d; do
		sed -e "s/name: minimal-pg/name: good-$n/" \
			-e "s/^  engine: aurora-postgresql/  engine: aurora-postgresql\n  backupRetentionPeriod: 7/" \
			"$AG_SRC/manifests/minimal.yaml" >src/$n.yaml || exit 1
	done &&
	python3 "$AG_SRC/tests/tools/moto-fixture.py" render "$MOTO_URL" src m >/dev/null &&
	make_config_repo "$TRASH/remote.git" work m &&
	agent_sync s0 && test "$(cat s0.rc)" = 0 &&
	fleet_is "[\"good-a\", \"good-b\", \"good-c\", \"good-d\"]" "[\"good-a-1\", \"good-b-1\", \"good-c-1\", \"good-d-1\"]"
'

test_expect_success 'one file broken YAML, one with a schema error, one new cluster' '
	printf "apiVersion: aws.project-planton.org/v1\nkind: AwsRdsCluster\nmetadata:\n  name: good-b\nspec: [unclosed\n" >work/b.yaml &&
	sed "s/backupRetentionPeriod: 7/backupRetentionPeriod: 999/" work/c.yaml >c.tmp &&
	mv c.tmp work/c.yaml &&
	sed "s/name: good-a/name: good-e/" work/a.yaml >work/e.yaml &&
	git -C work add -A && git -C work commit -qm "one broken, one invalid, one new" &&
	git -C work push -q origin main
'

test_expect_success 'drift on the good clusters and on a broken one' '
	boto3_run <<-PY
	for c in ("good-a", "good-b", "good-d"):
	    rds.modify_db_cluster(DBClusterIdentifier=c, BackupRetentionPeriod=9, ApplyImmediately=True)
	PY
'

test_expect_success 'sync: the bad files named with file:line, the rest reconciled' '
	agent_sync s1 &&
	test "$(cat s1.rc)" = 1 &&
	cat s1.out s1.err >s1.all &&
	grep -E "b\.yaml:[0-9]+" s1.all &&
	grep -E "c\.yaml:[0-9]+" s1.all &&
	check_contains s1.all "backupRetentionPeriod" &&
	fleet_is "[\"good-a\", \"good-b\", \"good-c\", \"good-d\", \"good-e\"]" \
		"[\"good-a-1\", \"good-b-1\", \"good-c-1\", \"good-d-1\", \"good-e-1\"]" &&
	boto3_run <<-PY
	r = {c["DBClusterIdentifier"]: c["BackupRetentionPeriod"] for c in rds.describe_db_clusters()["DBClusters"]}
	assert r["good-a"] == 7 and r["good-d"] == 7 and r["good-e"] == 7, r
	assert r["good-b"] == 9, r   # its manifest cannot be read: left alone
	assert r["good-c"] == 7, r   # its manifest is invalid: left alone
	PY
'

test_expect_success 'the note names the invalid files and records the others' '
	note_of remote.git main >n1 &&
	check_note_lines n1 &&
	note_query n1 "any(l[\"result\"] == \"invalid\" and \"b.yaml\" in l.get(\"error\", \"\") for l in lines)" &&
	note_query n1 "any(l[\"result\"] == \"invalid\" and \"c.yaml\" in l.get(\"error\", \"\") for l in lines)" &&
	note_query n1 "any(l.get(\"cluster\") == \"good-e\" and l[\"result\"] == \"applied\" for l in lines)" &&
	note_query n1 "any(l.get(\"cluster\") == \"good-a\" and l[\"result\"] == \"applied\" for l in lines)"
'

test_expect_success 'fixed: the next sync reconciles every cluster, nothing created twice' '
	cp m/b.yaml m/c.yaml work/ &&
	git -C work add -A && git -C work commit -qm "fixed" && git -C work push -q origin main &&
	agent_sync s2 && test "$(cat s2.rc)" = 0 &&
	boto3_run <<-PY &&
	r = {c["DBClusterIdentifier"]: c["BackupRetentionPeriod"] for c in rds.describe_db_clusters()["DBClusters"]}
	assert all(v == 7 for v in r.values()), r
	PY
	test "$(grep -c "Action=CreateDBCluster&" "$AG_REQUEST_LOG")" = 5
'

test_done
