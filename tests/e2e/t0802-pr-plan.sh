#!/usr/bin/env bash
# plan --base --head: a pull request that changes 3 of 50 clusters, on a
# fleet where 2 other clusters drifted out of band, lists exactly the 3 as
# "this change" and the 2 as "drift already there"; renames are blocked,
# removals orphan; the comment is well-formed CommonMark with its table
# intact, no raw HTML beyond <details>/<summary>, under 65,536 characters
# with 1,000 changed clusters, and the JSON has them all.
. "$(dirname "$0")/test-lib.sh"

command -v cmark >/dev/null && command -v cmark-gfm >/dev/null ||
	skip_all "cmark and cmark-gfm are not installed (contrib/deps.sh)"
start_moto
export AWS_EC2_METADATA_DISABLED=true
export GIT_AUTHOR_NAME=t GIT_AUTHOR_EMAIL=t@example.com GIT_COMMITTER_NAME=t GIT_COMMITTER_EMAIL=t@example.com
STATE="$TRASH/state"

manifest() { # ID RETENTION
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
	  backupRetentionPeriod: $2
	YAML
}

# markdown_ok FILE: CommonMark-valid, the GFM table intact, no raw HTML but
# the marker and <details>/<summary>, under 65,536 characters.
markdown_ok() {
	python3 - "$1" <<-'PY'
	import re, subprocess, sys, xml.etree.ElementTree as ET
	md = open(sys.argv[1], encoding="utf-8").read()
	assert len(md) < 65536, len(md)
	assert md.startswith("<!-- aurora-gitops:pr-report:"), md[:80]
	xml = subprocess.run(["cmark", "--to", "xml"], input=md.encode(), check=True,
	                     capture_output=True).stdout
	root = ET.fromstring(xml)
	ns = "{http://commonmark.org/xml/1.0}"
	allowed = [r"<!-- aurora-gitops:pr-report:[A-Za-z0-9._/-]+ -->",
	           r"<details><summary>[^<>&]*</summary>", r"</details>"]
	raw = [n for n in root.iter() if n.tag in (ns + "html_block", ns + "html_inline")]
	lines = [l for n in raw for l in (n.text or "").strip().splitlines()]
	for line in lines:
	    assert any(re.fullmatch(a, line) for a in allowed), "raw HTML: %r" % line
	opened = sum(1 for l in lines if l.startswith("<details>"))
	assert opened == sum(1 for l in lines if l == "</details>"), "unbalanced <details>"
	html = subprocess.run(["cmark-gfm", "--extension", "table", "--to", "html"],
	                      input=md.encode(), check=True, capture_output=True).stdout.decode()
	assert html.count("<table>") == 1, html.count("<table>")
	table = html[html.index("<table>"):html.index("</table>")]
	assert table.count("<tr>") == 8, table
	assert "this change" in table and "drift already there" in table
	# rendered, nothing hostile became markup
	assert "<script" not in html and "<img" not in html, "hostile HTML rendered"
	assert "@admin" not in re.sub(r"<code>.*?</code>", "", html, flags=re.S), "mention"
	PY
}

test_expect_success 'setup: 50 clusters in git, synced; 2 drift out of band' '
	git init -q -b main work &&
	mkdir work/clusters &&
	for i in $(seq -w 1 50); do manifest fleet-$i 7 >work/clusters/fleet-$i.yaml; done &&
	git -C work add . && git -C work commit -qm "fleet" &&
	"$AG_BIN" sync --dir work/clusters --state-dir "$STATE" >sync.txt 2>&1 ||
		{ cat sync.txt; exit 1; } &&
	"$AG_BIN" plan --dir work/clusters --state-dir "$STATE" --detailed-exitcode >clean.txt &&
	boto3_run <<-PY
	for cid in ("fleet-07", "fleet-31"):
	    rds.modify_db_cluster(DBClusterIdentifier=cid, BackupRetentionPeriod=3,
	                          ApplyImmediately=True)
	arn = rds.describe_db_clusters(DBClusterIdentifier="fleet-07")["DBClusters"][0]["DBClusterArn"]
	rds.add_tags_to_resource(ResourceName=arn, Tags=[{"Key": "owner",
	    "Value": "<img src=x onerror=alert(1)> @admin \`\`\` </details>"}])
	PY
'

test_expect_success 'a pull request changing 3 clusters: exactly 3 this change, 2 drift' '
	git -C work checkout -q -b feature &&
	for i in 02 15 40; do manifest fleet-$i 14 >work/clusters/fleet-$i.yaml; done &&
	git -C work commit -qam "three clusters keep backups longer" &&
	check_exit 2 "$AG_BIN" plan --repo work --base main --head feature --state-dir "$STATE" \
		--format markdown --out pr.md --out-json pr.json --detailed-exitcode \
		--blob-url "https://github.com/acme/db/blob/{sha}" &&
	head=$(git -C work rev-parse feature) &&
	python3 - pr.json "$head" <<-PY &&
	import json, sys
	r = json.load(open(sys.argv[1]))
	group = lambda g: sorted(c["id"] for c in r["clusters"] if c["group"] == g)
	assert group("this-change") == ["fleet-02", "fleet-15", "fleet-40"], group("this-change")
	assert group("drift") == ["fleet-07", "fleet-31"], group("drift")
	assert len(group("untouched")) == 45, len(group("untouched"))
	assert r["summary"]["this_change"] == 3 and r["summary"]["drift"] == 2
	assert r["verdict"] == "changes", r["verdict"]
	assert r["head"]["commit"] == sys.argv[2], r["head"]
	c = [c for c in r["clusters"] if c["id"] == "fleet-02"][0]
	assert c["edit"] == "modified" and c["manifest"]["path"] == "clusters/fleet-02.yaml", c
	PY
	markdown_ok pr.md &&
	check_contains pr.md "| **this change** | 3 |" &&
	check_contains pr.md "| drift already there | 2 |" &&
	check_contains pr.md "(https://github.com/acme/db/blob/$head/clusters/fleet-02.yaml#L4)" &&
	check_contains pr.md "fix it in its own pull request"
'

test_expect_success 'text and JSON formats; the base and head must exist' '
	check_exit 2 "$AG_BIN" plan --repo work --base main --head feature --state-dir "$STATE" \
		--detailed-exitcode >pr.txt &&
	check_contains pr.txt "this change (3): fleet-02(modified) fleet-15(modified) fleet-40(modified)" &&
	check_contains pr.txt "drift already there (2): fleet-07 fleet-31" &&
	"$AG_BIN" plan --repo work --base main --head feature --state-dir "$STATE" \
		--format json >pr2.json &&
	python3 -c "import json,sys; assert len(json.load(open(\"pr2.json\"))[\"clusters\"]) == 50" &&
	check_exit 1 "$AG_BIN" plan --repo work --base nosuch --head feature \
		--state-dir "$STATE" >bad.txt 2>&1 &&
	check_contains bad.txt "nosuch" &&
	check_exit 64 "$AG_BIN" plan --dir work/clusters --base main --head feature
'

test_expect_success 'rename is blocked (exit 3); a removed manifest orphans, never deletes' '
	git -C work checkout -q -b rename main &&
	manifest fleet-50-new 7 >work/clusters/fleet-50.yaml &&
	git -C work rm -q clusters/fleet-49.yaml &&
	git -C work commit -qam "rename 50, drop 49" &&
	check_exit 3 "$AG_BIN" plan --repo work --base main --head rename --state-dir "$STATE" \
		--format markdown --out rn.md --out-json rn.json --detailed-exitcode &&
	python3 - rn.json <<-PY &&
	import json, sys
	r = json.load(open(sys.argv[1]))
	c = {c["id"]: c for c in r["clusters"]}
	assert "fleet-50" not in c, "old id listed apart from the rename"
	n = c["fleet-50-new"]
	assert n["edit"] == "renamed" and n["renamed_from"] == "fleet-50" and n["blocked"], n
	assert c["fleet-49"]["edit"] == "removed", c["fleet-49"]
	assert c["fleet-49"]["plan"]["status"] == "orphaned", c["fleet-49"]["plan"]["status"]
	assert not any(a["kind"] == "delete-cluster" for a in c["fleet-49"]["plan"]["actions"])
	assert r["verdict"] == "blocked", r["verdict"]
	assert r["clusters"][0]["id"] == "fleet-50-new", "blocked does not lead"
	PY
	markdown_ok rn.md &&
	check_contains rn.md "#### ⛔ \`fleet-50-new\`"
'

test_expect_success '1,000 changed clusters: comment under 65,536 with the note, JSON has all' '
	git -C work checkout -q -b big main &&
	mkdir work/big &&
	for i in $(seq -w 1 1000); do manifest big-$i 7 >work/big/big-$i.yaml; done &&
	git -C work add big && git -C work commit -qm "a thousand clusters" &&
	check_exit 2 "$AG_BIN" plan --repo work --base main --head big --state-dir "$STATE" \
		--format markdown --out big.md --out-json big.json --detailed-exitcode &&
	markdown_ok big.md &&
	check_contains big.md "**Truncated:**" &&
	check_contains big.md "\`big.json\`" &&
	python3 - big.json <<-PY
	import json, sys
	r = json.load(open(sys.argv[1]))
	added = [c for c in r["clusters"] if c["edit"] == "added"]
	assert len(added) == 1000, len(added)
	assert r["summary"]["this_change"] == 1000
	PY
'

test_done
