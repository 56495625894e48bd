#!/usr/bin/env bash
# The GitLab CI job (contrib/gitlab-ci.yml): its script runs as a runner runs
# it, against moto (a web-identity role from the job's OIDC token), a real
# git checkout and a loopback fake of the GitLab API: one note, updated in
# place on the next pipeline, and a commit status. Only before_script (the
# download of a release) is not run: the binary under test is on the PATH.
. "$(dirname "$0")/test-lib.sh"

python3 -c 'import yaml' 2>/dev/null || skip_all "python3 yaml is not installed"
start_moto
export AWS_EC2_METADATA_DISABLED=true
export GIT_AUTHOR_NAME=t GIT_AUTHOR_EMAIL=t@example.com GIT_COMMITTER_NAME=t GIT_COMMITTER_EMAIL=t@example.com
unset GITLAB_TOKEN CI_JOB_TOKEN CI_API_V4_URL

rm -f "$TRASH/gl.port"
python3 "$AG_SRC/tests/tools/fake-forge.py" --port-file "$TRASH/gl.port" --log "$TRASH/gl.log" \
	>"$TRASH/gl.out" 2>&1 &
GL_PID=$!
test_when_finished "kill $GL_PID; wait $GL_PID"
for i in $(seq 1 100); do [ -s "$TRASH/gl.port" ] && break; sleep 0.05; done
GL_URL=http://127.0.0.1:$(cat "$TRASH/gl.port")
touch "$TRASH/gl.log"

# The job's script, as one bash program, with the job's variables.
python3 - "$AG_SRC/contrib/gitlab-ci.yml" "$TRASH/job.sh" <<-'PY'
import shlex, sys, yaml
job = yaml.safe_load(open(sys.argv[1]))["aurora-gitops-plan"]
with open(sys.argv[2], "w") as f:
    for k, v in job.get("variables", {}).items():
        f.write("export %s=%s\n" % (k, shlex.quote(str(v))))
    f.write("set -e\n")
    for line in job["script"]:
        f.write(line + "\n")
PY

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

run_job() { # BASE HEAD
	env PATH="$(dirname "$AG_BIN"):$PATH" CI_PROJECT_DIR="$TRASH/ws" \
		CI_MERGE_REQUEST_DIFF_BASE_SHA="$1" CI_COMMIT_SHA="$2" CI_PROJECT_ID=42 \
		CI_MERGE_REQUEST_IID=9 CI_PROJECT_URL=https://gitlab.example.com/g/db \
		CI_JOB_URL=https://gitlab.example.com/g/db/-/jobs/1 CI_API_V4_URL="$GL_URL/api/v4" \
		GITLAB_TOKEN=test-token AURORA_GITOPS_ROLE_ARN=arn:aws:iam::123456789012:role/plan \
		AURORA_GITOPS_ID_TOKEN=eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJwcm9qZWN0In0.c2ln \
		AURORA_GITOPS_PATH=clusters \
		bash --noprofile --norc "$TRASH/job.sh"
}

count() { # METHOD PATH-REGEX
	python3 - "$TRASH/gl.log" "$1" "$2" <<-'PY'
	import json, re, sys
	log, method, rx = sys.argv[1:]
	print(sum(1 for l in open(log) if (r := json.loads(l))["method"] == method
	          and re.fullmatch(rx, r["path"])))
	PY
}

test_expect_success 'setup: a checkout with two synced clusters and a merge request' '
	git init -q -b main ws && mkdir ws/clusters &&
	for id in a b; do manifest gl-$id 7 >ws/clusters/gl-$id.yaml; done &&
	git -C ws add . && git -C ws commit -qm base &&
	"$AG_BIN" sync --dir ws/clusters --state-dir "$TRASH/st" >sync.txt 2>&1 ||
		{ cat sync.txt; exit 1; } &&
	git -C ws checkout -q -b feature &&
	manifest gl-a 14 >ws/clusters/gl-a.yaml &&
	git -C ws commit -qam "longer backups" &&
	git -C ws rev-parse main >base.sha && git -C ws rev-parse feature >head.sha
'

test_expect_success 'two pipelines: one note, updated in place; a status each time' '
	run_job $(cat base.sha) $(cat head.sha) >job1.txt 2>&1 || { cat job1.txt; exit 1; } &&
	check_contains job1.txt "created comment" &&
	run_job $(cat base.sha) $(cat head.sha) >job2.txt 2>&1 || { cat job2.txt; exit 1; } &&
	check_contains job2.txt "updated comment" &&
	[ "$(count POST /api/v4/projects/42/merge_requests/9/notes)" = 1 ] &&
	[ "$(count PUT "/api/v4/projects/42/merge_requests/9/notes/[0-9]+")" = 1 ] &&
	[ "$(count POST /api/v4/projects/42/statuses/$(cat head.sha))" = 2 ] &&
	grep PUT gl.log | grep -q "this change" &&
	grep -q "\"target_url\": \"https://gitlab.example.com/g/db/-/jobs/1\"" gl.log &&
	test -s ws/aurora-gitops-default/plan.json &&
	test ! -e ws/aurora-gitops-default/web-identity-token
'

test_expect_success 'a failed plan is posted as an error and fails the job' '
	check_exit 1 run_job 0000000000000000000000000000000000000000 $(cat head.sha) >job3.txt 2>&1 &&
	grep PUT gl.log | tail -1 | grep -q "the plan failed" &&
	tail -1 gl.log | grep -q "\"state\": \"failed\""
'

test_done
