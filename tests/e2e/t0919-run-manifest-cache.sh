#!/usr/bin/env bash
# run --repo keeps the manifests it loaded by git blob (core/mcache.h) and
# parses only the files a commit changed. Nothing a user sees may depend on
# that: the same commits, reconciled once with the cache and once without
# (AURORA_GITOPS_MANIFEST_CACHE=off, every manifest parsed every cycle),
# give the same notes and the same manifest errors. The commits: one
# changes a manifest, one breaks another (a bad value, file:line:col), one
# changes a third while the broken file stays as it is (its load is reused
# from the cache: still reported, never taken for a removed file), one
# repairs it, and one removes a file (its entry leaves the cache).
. "$(dirname "$0")/test-lib.sh"
. "$(dirname "$0")/lib-git.sh"

N=12
start_moto
export AWS_EC2_METADATA_DISABLED=true

# wait_note REMOTE REV SECONDS KIND: until the note on REV has a line of KIND
wait_note() {
	local i
	for i in $(seq 1 $(($3 * 20))); do
		note_of "$1" "$2" | grep -q "\"kind\":\"$4\"" && return 0
		sleep 0.05
	done
	say "no $4 note on $2 after $3 s"
	note_of "$1" "$2"
	return 1
}

# settle LOG: the cycles a commit brought have ended, follow-up included
# (the loop comes back 5 s after an apply to see it settle)
settle() {
	local i started ended
	sleep 6
	for i in $(seq 1 600); do
		started=$(grep -c "cycle: " "$1")
		ended=$(grep -c "cycle done in\|cycle failed" "$1")
		[ "$started" = "$ended" ] && return 0
		sleep 0.1
	done
	say "cycles still running in $1"
	return 1
}

# commit DIR N MESSAGE: commits everything at a fixed time (the same
# commits, so the same ids, in both runs) and pushes; prints the commit
commit() {
	GIT_AUTHOR_DATE="2026-01-01T00:0$2:00Z" GIT_COMMITTER_DATE="2026-01-01T00:0$2:00Z" \
		git -C "$1" commit -qam "$3" &&
	git -C "$1" push -q origin main &&
	git -C "$1" rev-parse HEAD
}

# step D N MESSAGE KIND: commits the change in D/clone as commit N, waits
# for its note to have a line of KIND and for the cycles it brought to end
step() {
	local rev
	rev=$(commit "$1/clone" "$2" "$3") && echo "$rev" >>"$1/revs" &&
	wait_note "$1/remote.git" "$rev" 30 "$4" &&
	settle "$1/run.log"
}

# retention D ID FROM TO: backupRetentionPeriod FROM becomes TO in ID's manifest
retention() {
	sed -i "s/backupRetentionPeriod: $3\$/backupRetentionPeriod: $4/" "$1/clone/$2.yaml"
}

# normalized NOTE: the note's lines without what differs between two runs
# of the same commits (times, the agent's request ids, digests over live
# values moto makes up), sorted
normalized() {
	python3 - "$1" <<-\PY
	import json, sys
	out = []
	for l in open(sys.argv[1]).read().splitlines():
	    o = json.loads(l)
	    for k in ("ts", "time", "digest", "outputs"):
	        o.pop(k, None)
	    if "actions" in o:
	        o["actions"] = [a.get("kind") for a in o["actions"]]
	    out.append(json.dumps(o, sort_keys=True))
	print("\n".join(sorted(set(out))))
	PY
}

# scenario NAME CACHE: the commits against a fresh fleet, notes into NAME/
scenario() {
	local d=$TRASH/$1 agent rev i
	mkdir -p "$d" &&
	moto_reset &&
	python3 "$AG_SRC/tests/tools/seed-fleet.py" "$MOTO_URL" $N "$d/m" >/dev/null &&
	git init -q --bare "$d/remote.git" &&
	git init -q "$d/clone" &&
	cp "$d"/m/*.yaml "$d/clone/" &&
	git -C "$d/clone" add -A &&
	GIT_AUTHOR_DATE=2026-01-01T00:00:00Z GIT_COMMITTER_DATE=2026-01-01T00:00:00Z \
		git -C "$d/clone" commit -qm fleet &&
	git -C "$d/clone" remote add origin "$d/remote.git" &&
	git -C "$d/clone" push -q origin main &&
	git -C "$d/clone" rev-parse HEAD >"$d/revs" &&
	(AURORA_GITOPS_MANIFEST_CACHE=$2 "$AG_BIN" run --repo "file://$d/remote.git" \
		--branch main --state-dir "$d/state" --agent-id cache-test \
		--interval 1h --drift-interval 1h >"$d/run.log" 2>&1 & echo $! >"$d/run.pid") &&
	agent=$(cat "$d/run.pid") &&
	wait_note "$d/remote.git" "$(cat "$d/revs")" 60 plan &&
	settle "$d/run.log" &&

	# 1: one manifest changed
	retention "$d" fleet-00003 7 14 && step "$d" 1 "fleet-00003: two weeks" apply &&
	# 2: one manifest broken (a value out of range)
	retention "$d" fleet-00005 7 99 && step "$d" 2 "fleet-00005: broken" plan &&
	# 3: another manifest changed; the broken one stays broken
	retention "$d" fleet-00008 7 21 && step "$d" 3 "fleet-00008: three weeks" apply &&
	# 4: the broken manifest repaired (and changed)
	retention "$d" fleet-00005 99 10 && step "$d" 4 "fleet-00005: repaired" apply &&
	# 5: a manifest removed
	git -C "$d/clone" rm -q fleet-00010.yaml &&
	step "$d" 5 "stop managing fleet-00010" plan &&
	kill -TERM $agent &&
	wait_for "$d/run.log" "stopped" &&
	i=0 &&
	while read -r rev; do
		note_of "$d/remote.git" $rev >"$d/note$i.txt" &&
		check_note_lines "$d/note$i.txt" &&
		normalized "$d/note$i.txt" >"$d/norm$i.txt" || return 1
		i=$((i + 1))
	done <"$d/revs" &&
	grep -o "main@[0-9a-f]*:fleet-[0-9]*\.yaml:[0-9]*:[0-9]*: .*" "$d/run.log" | sort -u >"$d/errors.txt"
}

test_expect_success "setup: $N clusters; the commits reconciled without the cache" '
	scenario plain off &&
	test_when_finished "kill $(cat plain/run.pid) 2>/dev/null || true" &&
	check_not_contains plain/run.log "manifest cache:"
'

test_expect_success 'the same commits with the cache: parsed once, reused after' '
	scenario cached on &&
	test_when_finished "kill $(cat cached/run.pid) 2>/dev/null || true" &&
	check_contains cached/run.log "manifest cache: $N files parsed, 0 reused" &&
	check_contains cached/run.log "manifest cache: 1 file parsed, $((N - 1)) reused, 1 dropped; $N held" &&
	check_contains cached/run.log "manifest cache: 0 files parsed, $((N - 1)) reused, 1 dropped; $((N - 1)) held"
'

test_expect_success 'the same commits: the same ids in both runs' '
	test_cmp() { diff -u "$1" "$2"; } &&
	test_cmp plain/revs cached/revs &&
	test $(wc -l <cached/revs) = 6
'

test_expect_success 'every note is the same with and without the cache' '
	for i in 0 1 2 3 4 5; do
		say "commit $i:" && cat cached/norm$i.txt &&
		diff -u plain/norm$i.txt cached/norm$i.txt || exit 1
	done
'

test_expect_success 'the broken file is reported at file:line:col on both commits, its cluster untouched' '
	b2=$(sed -n 3p cached/revs | cut -c1-7) &&
	b3=$(sed -n 4p cached/revs | cut -c1-7) &&
	cat cached/errors.txt &&
	diff -u plain/errors.txt cached/errors.txt &&
	grep -q "^main@$b2:fleet-00005.yaml:[0-9]*:[0-9]*: .*backupRetentionPeriod" cached/errors.txt &&
	grep -q "^main@$b3:fleet-00005.yaml:[0-9]*:[0-9]*: .*backupRetentionPeriod" cached/errors.txt &&
	note_query cached/note2.txt "any(l[\"result\"] == \"invalid\" for l in lines)" &&
	note_query cached/note3.txt "any(l[\"result\"] == \"invalid\" for l in lines)" &&
	note_query cached/note3.txt "any(l.get(\"cluster\") == \"fleet-00008\" and l[\"result\"] == \"applied\" for l in lines)" &&
	note_query cached/note4.txt "any(l.get(\"cluster\") == \"fleet-00005\" and l[\"result\"] == \"applied\" for l in lines)" &&
	boto3_run >ret.txt <<-\PY &&
	for c in ("fleet-00003", "fleet-00005", "fleet-00008", "fleet-00010"):
	    r = rds.describe_db_clusters(DBClusterIdentifier=c)["DBClusters"][0]
	    print(c, r["BackupRetentionPeriod"], r["Status"])
	PY
	cat ret.txt &&
	check_contains ret.txt "fleet-00003 14 available" &&
	check_contains ret.txt "fleet-00005 10 available" &&
	check_contains ret.txt "fleet-00008 21 available" &&
	check_contains ret.txt "fleet-00010 7 available"
'

test_done
