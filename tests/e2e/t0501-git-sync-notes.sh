#!/usr/bin/env bash
# sync --repo over a bare file:// remote: a pushed commit is planned,
# applied and noted on that commit; the next commit gets its own note; the
# notes ref only ever grows; plan writes a note only with --note; a
# manifest error is noted; a force-pushed branch is followed with the old
# notes kept; a damaged cache is rebuilt.
. "$(dirname "$0")/test-lib.sh"
. "$(dirname "$0")/lib-git.sh"

start_moto
export AWS_EC2_METADATA_DISABLED=true
STATE="$TRASH/state"
REMOTE="file://$TRASH/remote.git"

test_expect_success 'setup: config repository with one manifest' '
	mkdir src && cp "$AG_SRC/manifests/minimal.yaml" src/ &&
	python3 "$AG_SRC/tests/tools/moto-fixture.py" render "$MOTO_URL" src m >/dev/null &&
	make_config_repo "$TRASH/remote.git" work m
'

test_expect_success 'sync --repo applies the pushed commit and notes it there' '
	"$AG_BIN" sync --repo "$REMOTE" --state-dir "$STATE" --agent-id a1 \
		--poll-interval 100ms >out 2>err || { cat out err; exit 1; }
	check_contains out "applied" &&
	head1=$(git -C remote.git rev-parse main) &&
	echo "$head1" >head1 &&
	note_of remote.git main >note1 &&
	check_note_lines note1 &&
	note_query note1 "any(l[\"kind\"] == \"apply\" and l[\"result\"] == \"applied\" and l[\"cluster\"] == \"minimal-pg\" and l[\"agent\"] == \"a1\" and l[\"revision\"].startswith(\"main@\") for l in lines)" &&
	note_query note1 "all(a.get(\"request_id\") for l in lines for a in l[\"actions\"]) and lines[0][\"changes\"] == 4" &&
	note_query note1 "lines[0][\"outputs\"][\"writer_endpoint\"] and lines[0][\"outputs\"][\"port\"] == 5432 and lines[0][\"outputs\"][\"secret_arn\"].startswith(\"arn:aws:secretsmanager:\")" &&
	check_not_contains note1 "assword\":" &&
	git -C remote.git rev-parse refs/notes/aurora-gitops >tip1 &&
	boto3_run <<-PY
	ids = [c["DBClusterIdentifier"] for c in rds.describe_db_clusters()["DBClusters"]]
	assert ids == ["minimal-pg"], ids
	PY
'

test_expect_success 'a second sync of the same commit sends nothing and adds no line' '
	"$AG_BIN" sync -q --repo "$REMOTE" --state-dir "$STATE" --agent-id a1 >out 2>err ||
		{ cat out err; exit 1; }
	note_of remote.git main >note1b &&
	note_query note1b "len(lines) == 2 and lines[1][\"result\"] == \"in-sync\"" &&
	"$AG_BIN" sync -q --repo "$REMOTE" --state-dir "$STATE" --agent-id a1 >out 2>err &&
	note_of remote.git main >note1c &&
	test_cmp_lines() { [ "$(wc -l <"$1")" = "$(wc -l <"$2")" ]; } &&
	test_cmp_lines note1b note1c
'

test_expect_success 'a second commit gets its own note; the first keeps its own' '
	sed -i "s/count: 1/count: 2/" work/minimal.yaml &&
	git -C work commit -qam "two instances" && git -C work push -q origin main &&
	"$AG_BIN" sync -q --repo "$REMOTE" --state-dir "$STATE" --agent-id a1 \
		--poll-interval 100ms >out 2>err || { cat out err; exit 1; }
	note_of remote.git main >note2 &&
	check_note_lines note2 &&
	note_query note2 "len(lines) == 1 and lines[0][\"result\"] == \"applied\" and [a[\"kind\"] for a in lines[0][\"actions\"]] == [\"ensure-monitoring-role\", \"create-instance\"]" &&
	note_of remote.git "$(cat head1)" >note1d &&
	cmp note1b note1d &&
	git -C remote.git merge-base --is-ancestor "$(cat tip1)" refs/notes/aurora-gitops
'

test_expect_success 'plan --repo writes a note only with --note' '
	before=$(git -C remote.git rev-parse refs/notes/aurora-gitops) &&
	"$AG_BIN" plan --repo "$REMOTE" --state-dir "$STATE" --agent-id p1 >plan.txt 2>err ||
		{ cat plan.txt err; exit 1; }
	[ "$(git -C remote.git rev-parse refs/notes/aurora-gitops)" = "$before" ] &&
	"$AG_BIN" plan --repo "$REMOTE" --state-dir "$STATE" --agent-id p1 --note >plan.txt 2>err &&
	note_of remote.git main >note2p &&
	note_query note2p "lines[-1][\"agent\"] == \"p1\" and lines[-1][\"kind\"] == \"plan\" and lines[-1][\"result\"] == \"in-sync\""
'

test_expect_success 'a manifest error is noted on its commit and nothing is sent' '
	sed -i "s/engine: aurora-postgresql/engine: aurora-nosuch/" work/minimal.yaml &&
	git -C work commit -qam "typo" && git -C work push -q origin main &&
	check_exit 1 "$AG_BIN" sync --repo "$REMOTE" --state-dir "$STATE" --agent-id a1 >out 2>err &&
	short=$(git -C remote.git rev-parse --short=7 main) &&
	check_contains err "main@$short:minimal.yaml:" &&
	note_of remote.git main >note3 &&
	note_query note3 "lines[0][\"kind\"] == \"error\" and lines[0][\"result\"] == \"invalid\" and \"minimal.yaml:\" in lines[0][\"error\"]"
'

test_expect_success 'a force-pushed branch: the new head is reconciled, old notes stay' '
	git -C work reset -q --hard HEAD~2 &&
	sed -i "s/count: 1/count: 3/" work/minimal.yaml &&
	git -C work commit -qam "three instances" && git -C work push -q -f origin main &&
	"$AG_BIN" sync -q --repo "$REMOTE" --state-dir "$STATE" --agent-id a1 \
		--poll-interval 100ms >out 2>err || { cat out err; exit 1; }
	note_of remote.git main >note4 &&
	note_query note4 "lines[0][\"result\"] == \"applied\"" &&
	note_of remote.git "$(cat head1)" >note1e && cmp note1b note1e &&
	git -C remote.git merge-base --is-ancestor "$(cat tip1)" refs/notes/aurora-gitops &&
	git -C remote.git fsck --no-dangling >fsck.out 2>&1 || { cat fsck.out; exit 1; }
'

test_expect_success 'a damaged cache (pack files deleted) is rebuilt, not trusted' '
	rm -f "$STATE"/git/*/objects/pack/*.pack &&
	"$AG_BIN" sync --repo "$REMOTE" --state-dir "$STATE" --agent-id a1 >out 2>err ||
		{ cat out err; exit 1; }
	check_contains err "is rebuilt" &&
	check_contains out "unchanged (1): minimal-pg"
'

test_expect_success 'a cache cloned from another remote is rebuilt' '
	git clone -q --bare remote.git other.git &&
	cache=$(ls -d "$STATE"/git/*) &&
	git -C "$cache" remote set-url origin "$TRASH/other.git" &&
	"$AG_BIN" sync --repo "$REMOTE" --state-dir "$STATE" --agent-id a1 >out 2>err ||
		{ cat out err; exit 1; }
	check_contains err "cloned from another remote"
'

test_expect_success 'validate and unmanaged read the commit too' '
	"$AG_BIN" validate --repo "$REMOTE" --state-dir "$STATE" >val.txt 2>&1 ||
		{ cat val.txt; exit 1; }
	short=$(git -C remote.git rev-parse --short=7 main) &&
	check_contains val.txt "1 manifest, 0 errors" &&
	check_exit 1 "$AG_BIN" validate --repo "$REMOTE" --state-dir "$STATE" --ref main@{0}~1 \
		--path nowhere >val2.txt 2>&1 &&
	check_contains val2.txt "directory '"'"'nowhere'"'"' not found" &&
	"$AG_BIN" unmanaged --repo "$REMOTE" --state-dir "$STATE" >unm.txt 2>unm.err ||
		{ cat unm.txt unm.err; exit 1; }
	check_contains unm.err "0 clusters without a manifest"
'

test_expect_success 'status reads the notes from a clone: last results and history' '
	git clone -q --bare remote.git clone.git &&
	git -C clone.git fetch -q origin "refs/notes/aurora-gitops:refs/notes/aurora-gitops" &&
	"$AG_BIN" status --repo "$TRASH/clone.git" --state-dir "$TRASH/st2" --format json >st.json &&
	python3 - <<-PY &&
	import json
	s = json.load(open("st.json"))
	c = [x for x in s["clusters"] if x["cluster"] == "minimal-pg"]
	assert len(c) == 1, s
	assert c[0]["result"] == "in-sync" and c[0]["commit"] == "$(git -C remote.git rev-parse main)", c
	assert c[0]["outputs"]["port"] == 5432, c
	PY
	"$AG_BIN" status --repo "$TRASH/clone.git" --state-dir "$TRASH/st2" --history minimal-pg >hist.txt &&
	check_contains hist.txt "applied" && check_contains hist.txt "$(cut -c1-7 head1)" &&
	[ "$(grep -c "^minimal-pg" hist.txt)" -ge 5 ] &&
	check_exit 1 "$AG_BIN" status --repo "$TRASH/clone.git" --state-dir "$TRASH/st2" --history nosuch &&
	git init -q --bare nonotes.git &&
	"$AG_BIN" status --repo "$TRASH/nonotes.git" --state-dir "$TRASH/st2" >none.txt &&
	check_contains none.txt "none"
'

test_done
