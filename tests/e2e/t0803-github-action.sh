#!/usr/bin/env bash
# The GitHub Action's shell steps (contrib/github-action), run as a runner
# runs them, against moto, a real git checkout and a loopback fake of the
# GitHub API: the first run comments and sets a status, the second updates
# the same comment; a failed plan is posted as an error and fails the job; a
# blocked change fails the job. The install step (a download or a build) is
# the only one not run: the binary under test is put on the PATH instead.
. "$(dirname "$0")/test-lib.sh"

python3 -c 'import yaml' 2>/dev/null || skip_all "python3 yaml is not installed"
start_moto
export AWS_EC2_METADATA_DISABLED=true
export GIT_AUTHOR_NAME=t GIT_AUTHOR_EMAIL=t@example.com GIT_COMMITTER_NAME=t GIT_COMMITTER_EMAIL=t@example.com
unset GITHUB_TOKEN GITHUB_API_URL

rm -f "$TRASH/gh.port"
python3 "$AG_SRC/tests/tools/fake-forge.py" --port-file "$TRASH/gh.port" --log "$TRASH/gh.log" \
	>"$TRASH/gh.out" 2>&1 &
GH_PID=$!
test_when_finished "kill $GH_PID; wait $GH_PID"
for i in $(seq 1 100); do [ -s "$TRASH/gh.port" ] && break; sleep 0.05; done
GH_URL=http://127.0.0.1:$(cat "$TRASH/gh.port")
touch "$TRASH/gh.log"

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

# run_action BASE HEAD [--input K=V...]: the action as a pull_request event runs it.
run_action() {
	local base=$1 head=$2
	shift 2
	cat >"$TRASH/ctx.json" <<-EOF &&
	{"sha": "$head", "token": "test-token",
	 "event": {"pull_request": {"number": 5, "base": {"sha": "$base"},
	                            "head": {"sha": "$head"}}}}
	EOF
	env PATH="$(dirname "$AG_BIN"):$PATH" GITHUB_WORKSPACE="$TRASH/ws" \
		GITHUB_REPOSITORY=acme/db GITHUB_SERVER_URL=https://github.com \
		GITHUB_API_URL="$GH_URL" GITHUB_RUN_ID=77 RUNNER_TEMP="$TRASH/runner" \
		python3 "$AG_SRC/tests/tools/run-action.py" "$AG_SRC/contrib/github-action/action.yml" \
		--github "$TRASH/ctx.json" --skip "Install aurora-gitops" \
		--input aws-region=us-east-1 --input path=clusters "$@"
}

count() { # METHOD PATH-REGEX
	python3 - "$TRASH/gh.log" "$1" "$2" <<-'PY'
	import json, re, sys
	log, method, rx = sys.argv[1:]
	print(sum(1 for l in open(log) if (r := json.loads(l))["method"] == method
	          and re.fullmatch(rx, r["path"])))
	PY
}

last_status() {
	python3 - "$TRASH/gh.log" <<-'PY'
	import json, sys
	st = [json.loads(l) for l in open(sys.argv[1]) if "/statuses/" in l]
	print(st[-1]["path"].rsplit("/", 1)[1], st[-1]["body"]["state"], st[-1]["body"]["context"])
	PY
}

test_expect_success 'setup: a checkout with three synced clusters and a pull request' '
	git init -q -b main ws && mkdir ws/clusters &&
	for id in a b c; do manifest pr-$id 7 >ws/clusters/pr-$id.yaml; done &&
	echo "not a manifest" >ws/README &&
	git -C ws add . && git -C ws commit -qm base &&
	"$AG_BIN" sync --dir ws/clusters --state-dir "$TRASH/st" >sync.txt 2>&1 ||
		{ cat sync.txt; exit 1; } &&
	git -C ws checkout -q -b feature &&
	manifest pr-b 14 >ws/clusters/pr-b.yaml &&
	git -C ws commit -qam "longer backups for b" &&
	git -C ws rev-parse main >base.sha && git -C ws rev-parse feature >head.sha
'

test_expect_success 'first run: plan, one comment, one status on the head commit' '
	run_action $(cat base.sha) $(cat head.sha) >run1.txt 2>&1 || { cat run1.txt; exit 1; } &&
	check_contains run1.txt "skip (asked): Install aurora-gitops" &&
	check_contains run1.txt "\"exit-code\": \"2\"" &&
	check_contains run1.txt "created comment" &&
	[ "$(count POST /repos/acme/db/issues/5/comments)" = 1 ] &&
	[ "$(count POST /repos/acme/db/statuses/$(cat head.sha))" = 1 ] &&
	[ "$(last_status)" = "$(cat head.sha) success aurora-gitops" ] &&
	grep "issues/5/comments" gh.log | grep POST | grep -q "this change" &&
	test -s runner/aurora-gitops-default/plan.json
'

test_expect_success 'second run: the same comment is updated, never a second one' '
	run_action $(cat base.sha) $(cat head.sha) >run2.txt 2>&1 || { cat run2.txt; exit 1; } &&
	check_contains run2.txt "updated comment" &&
	[ "$(count POST /repos/acme/db/issues/5/comments)" = 1 ] &&
	[ "$(count PATCH "/repos/acme/db/issues/comments/[0-9]+")" = 1 ] &&
	[ "$(count POST /repos/acme/db/statuses/$(cat head.sha))" = 2 ]
'

test_expect_success 'a plan that fails is posted as an error and fails the job' '
	check_exit 1 run_action 0000000000000000000000000000000000000000 $(cat head.sha) \
		>run3.txt 2>&1 &&
	check_contains run3.txt "\"exit-code\": \"1\"" &&
	[ "$(count POST /repos/acme/db/issues/5/comments)" = 1 ] &&
	[ "$(last_status)" = "$(cat head.sha) error aurora-gitops" ] &&
	grep PATCH gh.log | tail -1 | grep -q "the plan failed"
'

test_expect_success 'a blocked change fails the job unless fail-on-blocked is false' '
	git -C ws checkout -q -b rename main &&
	manifest pr-c-renamed 7 >ws/clusters/pr-c.yaml &&
	git -C ws commit -qam "rename c" &&
	check_exit 1 run_action $(cat base.sha) $(git -C ws rev-parse rename) >run4.txt 2>&1 &&
	check_contains run4.txt "\"exit-code\": \"3\"" &&
	[ "$(last_status)" = "$(git -C ws rev-parse rename) failure aurora-gitops" ] &&
	run_action $(cat base.sha) $(git -C ws rev-parse rename) --input fail-on-blocked=false \
		>run5.txt 2>&1 || { cat run5.txt; exit 1; }
'

test_done
