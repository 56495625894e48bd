#!/usr/bin/env bash
# report: one sticky comment per pull request (created once, then updated in
# place) and a commit status, against loopback fakes of the GitHub and
# GitLab APIs that record every request; clear errors for missing
# permissions; rate limits and 5xx retried.
. "$(dirname "$0")/test-lib.sh"

SHA=0123456789abcdef0123456789abcdef01234567

# start_fake NAME [fake-forge options...]: sets <NAME>_URL; stopped by pid.
start_fake() {
	local name=$1 pid port i
	shift
	rm -f "$TRASH/$name.port"
	python3 "$AG_SRC/tests/tools/fake-forge.py" --port-file "$TRASH/$name.port" \
		--log "$TRASH/$name.log" "$@" >"$TRASH/$name.out" 2>&1 &
	pid=$!
	test_when_finished "kill $pid; wait $pid"
	for i in $(seq 1 100); do
		[ -s "$TRASH/$name.port" ] && break
		sleep 0.05
	done
	port=$(cat "$TRASH/$name.port") || { cat "$TRASH/$name.out"; exit 1; }
	touch "$TRASH/$name.log"
	eval "${name}_URL=http://127.0.0.1:$port"
}

# count LOG METHOD PATH-REGEX
count() {
	python3 - "$@" <<-'PY'
	import json, re, sys
	log, method, rx = sys.argv[1:]
	print(sum(1 for l in open(log) if (r := json.loads(l))["method"] == method
	          and re.fullmatch(rx, r["path"])))
	PY
}

check_count() { # WANT LOG METHOD PATH-REGEX
	local got
	got=$(count "$2" "$3" "$4")
	[ "$got" = "$1" ] || { say "expected $1 $3 $4, got $got:"; cat "$2"; return 1; }
}

unset GITHUB_TOKEN GITLAB_TOKEN CI_JOB_TOKEN GITHUB_API_URL CI_API_V4_URL

# Fakes start here, not inside a test body (a body runs in a subshell).
start_fake gh
start_fake gl
start_fake gj --token job-token
start_fake deny --deny /statuses/
start_fake denyc --deny /comments
start_fake denyn --deny /notes
start_fake rl --rate-limit-once
start_fake five --fail-once 502
HAVE_TLS=
if openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=localhost \
	-addext subjectAltName=DNS:localhost,IP:127.0.0.1 -keyout "$TRASH/key.pem" \
	-out "$TRASH/cert.pem" >/dev/null 2>&1; then
	start_fake tls --tls-cert "$TRASH/cert.pem" --tls-key "$TRASH/key.pem"
	HAVE_TLS=1
fi

cat >"$TRASH/plan.md" <<EOF
<!-- aurora-gitops:pr-report:default -->
## aurora-gitops plan: 🟡 changes

first version
EOF
cat >"$TRASH/plan.json" <<EOF
{"version": 1, "kind": "aurora-gitops-pr-report", "verdict": "changes",
 "head": {"commit": "$SHA"},
 "summary": {"this_change": 3, "drift": 2, "untouched": 45, "blocked": 0, "errors": 0}}
EOF

test_expect_success 'github: the first report creates one comment and one status' '
	GITHUB_TOKEN=test-token "$AG_BIN" report --github acme/db --pr 7 --api-url "$gh_URL" \
		--markdown plan.md --json plan.json >out1.txt 2>err1.txt ||
		{ cat out1.txt err1.txt; exit 1; } &&
	check_contains out1.txt "created comment" &&
	check_count 1 gh.log POST "/repos/acme/db/issues/7/comments" &&
	check_count 0 gh.log PATCH ".*" &&
	check_count 1 gh.log POST "/repos/acme/db/statuses/$SHA" &&
	python3 - gh.log <<-PY &&
	import json, sys
	reqs = [json.loads(l) for l in open(sys.argv[1])]
	for r in reqs:
	    assert r["auth"] == "Bearer test-token", r
	    assert r["api_version"] == "2022-11-28", r
	    assert r["accept"] == "application/vnd.github+json", r
	    assert r["user_agent"].startswith("aurora-gitops/"), r
	st = [r for r in reqs if "/statuses/" in r["path"]][0]["body"]
	assert st["state"] == "success", st
	assert st["context"] == "aurora-gitops", st
	assert st["description"].startswith("changes: 3 clusters in this change, 2 drifted"), st
	assert len(st["description"]) <= 140
	post = [r for r in reqs if r["method"] == "POST" and r["path"].endswith("/comments")][0]
	assert post["body"]["body"].startswith("<!-- aurora-gitops:pr-report:default -->"), post
	# three seeded comments on two pages were read before posting
	assert sum(1 for r in reqs if r["method"] == "GET") == 2, reqs
	PY
	check_not_contains out1.txt test-token &&
	check_not_contains err1.txt test-token
'

test_expect_success 'github: the second report updates the same comment (PATCH), never a second' '
	sed -i "s/first version/second version/" plan.md &&
	GITHUB_TOKEN=test-token "$AG_BIN" report --github acme/db --pr 7 --api-url "$gh_URL" \
		--markdown plan.md --json plan.json >out2.txt 2>&1 || { cat out2.txt; exit 1; } &&
	check_contains out2.txt "updated comment 1004" &&
	check_count 1 gh.log POST "/repos/acme/db/issues/7/comments" &&
	check_count 1 gh.log PATCH "/repos/acme/db/issues/comments/1004" &&
	check_count 2 gh.log POST "/repos/acme/db/statuses/$SHA" &&
	tail -2 gh.log | grep -q "second version"
'

test_expect_success 'github: a blocked plan sets a failure status; --error posts an error' '
	sed "s/\"changes\"/\"blocked\"/; s/\"blocked\": 0/\"blocked\": 1/" plan.json >blocked.json &&
	GITHUB_TOKEN=test-token "$AG_BIN" report --github acme/db --pr 7 --api-url "$gh_URL" \
		--markdown plan.md --json blocked.json >out3.txt 2>&1 || { cat out3.txt; exit 1; } &&
	tail -1 gh.log | grep -q "\"state\": \"failure\"" &&
	tail -1 gh.log | grep -q "blocked: 1 cluster of this change" &&
	GITHUB_TOKEN=test-token "$AG_BIN" report --github acme/db --pr 7 --api-url "$gh_URL" \
		--error "no credentials <b>@admin</b>" --sha $SHA >out4.txt 2>&1 ||
		{ cat out4.txt; exit 1; } &&
	check_contains out4.txt "updated comment 1004" &&
	tail -1 gh.log | grep -q "\"state\": \"error\"" &&
	grep PATCH gh.log | tail -1 | grep -qF "&lt;b&gt;\\\\@admin"
'

test_expect_success 'gitlab: first report adds one note and one status; second updates it (PUT)' '
	GITLAB_TOKEN=test-token "$AG_BIN" report --gitlab group/db --mr 12 \
		--api-url "$gl_URL/api/v4" --markdown plan.md --json plan.json >gl1.txt 2>&1 ||
		{ cat gl1.txt; exit 1; } &&
	check_contains gl1.txt "created comment" &&
	GITLAB_TOKEN=test-token "$AG_BIN" report --gitlab group/db --mr 12 \
		--api-url "$gl_URL/api/v4" --markdown plan.md --json plan.json >gl2.txt 2>&1 ||
		{ cat gl2.txt; exit 1; } &&
	check_contains gl2.txt "updated comment" &&
	check_count 1 gl.log POST "/api/v4/projects/group%2Fdb/merge_requests/12/notes" &&
	check_count 1 gl.log PUT "/api/v4/projects/group%2Fdb/merge_requests/12/notes/[0-9]+" &&
	check_count 2 gl.log POST "/api/v4/projects/group%2Fdb/statuses/$SHA" &&
	python3 - gl.log <<-PY
	import json, sys
	reqs = [json.loads(l) for l in open(sys.argv[1])]
	assert all(r["auth"] == "test-token" for r in reqs), reqs
	st = [r for r in reqs if "/statuses/" in r["path"]][0]["body"]
	assert st == {"state": "success", "name": "aurora-gitops",
	              "description": st["description"]}, st
	PY
'

test_expect_success 'gitlab: CI_JOB_TOKEN goes in the JOB-TOKEN header' '
	CI_JOB_TOKEN=job-token "$AG_BIN" report --gitlab 42 --mr 3 --api-url "$gj_URL/api/v4" \
		--markdown plan.md --json plan.json >gj.txt 2>&1 || { cat gj.txt; exit 1; } &&
	check_count 1 gj.log POST "/api/v4/projects/42/merge_requests/3/notes"
'

test_expect_success 'a 403 is a clear error naming the missing permission' '
	check_exit 1 env GITHUB_TOKEN=test-token "$AG_BIN" report --github acme/db --pr 7 \
		--api-url "$deny_URL" --markdown plan.md --json plan.json >d1.txt 2>&1 &&
	check_contains d1.txt "cannot set the commit status" &&
	check_contains d1.txt "403 Forbidden: Resource not accessible by integration" &&
	check_contains d1.txt "statuses: write" &&
	check_exit 1 env GITHUB_TOKEN=test-token "$AG_BIN" report --github acme/db --pr 7 \
		--api-url "$denyc_URL" --markdown plan.md --json plan.json >d2.txt 2>&1 &&
	check_contains d2.txt "pull-requests: read" &&
	check_exit 1 env GITLAB_TOKEN=test-token "$AG_BIN" report --gitlab group/db --mr 1 \
		--api-url "$denyn_URL/api/v4" --markdown plan.md --json plan.json >d3.txt 2>&1 &&
	check_contains d3.txt "read_api" &&
	check_not_contains d3.txt test-token
'

test_expect_success 'a wrong token is a clear 401 error' '
	check_exit 1 env GITHUB_TOKEN=wrong "$AG_BIN" report --github acme/db --pr 7 \
		--api-url "$gh_URL" --markdown plan.md --json plan.json >w.txt 2>&1 &&
	check_contains w.txt "refused the token (401 Unauthorized: Bad credentials)" &&
	check_not_contains w.txt wrong
'

test_expect_success 'a rate limit (403 + x-ratelimit-remaining: 0) is waited out and retried' '
	start=$(date +%s%N) &&
	GITHUB_TOKEN=test-token "$AG_BIN" report --github acme/db --pr 7 --api-url "$rl_URL" \
		--markdown plan.md --json plan.json >rl.txt 2>&1 || { cat rl.txt; exit 1; } &&
	elapsed=$((($(date +%s%N) - start) / 1000000)) &&
	[ "$elapsed" -ge 1000 ] || { say "did not wait for retry-after: ${elapsed}ms"; exit 1; } &&
	check_contains rl.txt "rate limited" &&
	check_count 3 rl.log GET "/repos/acme/db/issues/7/comments" &&
	check_count 1 rl.log POST "/repos/acme/db/issues/7/comments"
'

test_expect_success 'a 502 is retried' '
	GITHUB_TOKEN=test-token "$AG_BIN" report --github acme/db --pr 7 --api-url "$five_URL" \
		--markdown plan.md --json plan.json >five.txt 2>&1 || { cat five.txt; exit 1; } &&
	check_contains five.txt "HTTP 502; retrying" &&
	check_count 1 five.log POST "/repos/acme/db/issues/7/comments"
'

if [ -n "$HAVE_TLS" ]; then
	test_expect_success 'TLS: an untrusted certificate is refused at once; --ca-bundle trusts it' '
		TLS_URL=https://localhost:${tls_URL##*:} &&
		check_exit 1 env GITHUB_TOKEN=test-token "$AG_BIN" report --github acme/db --pr 7 \
			--api-url "$TLS_URL" --markdown plan.md --json plan.json >tls1.txt 2>&1 &&
		check_contains tls1.txt "TLS certificate is not trusted" &&
		check_not_contains tls1.txt "retrying" &&
		test ! -s tls.log &&
		GITHUB_TOKEN=test-token "$AG_BIN" report --github acme/db --pr 7 --api-url "$TLS_URL" \
			--ca-bundle cert.pem --markdown plan.md --json plan.json >tls2.txt 2>&1 ||
			{ cat tls2.txt; exit 1; } &&
		check_contains tls2.txt "created comment"
	'
else
	test_skip "openssl cannot make a self-signed certificate"
fi

test_expect_success 'plain http to a non-loopback host, or no token: refused before sending' '
	check_exit 1 env GITHUB_TOKEN=test-token "$AG_BIN" report --github acme/db --pr 7 \
		--api-url http://example.com --markdown plan.md --json plan.json >h.txt 2>&1 &&
	check_contains h.txt "plain http to a host that is not loopback" &&
	check_exit 1 "$AG_BIN" report --github acme/db --pr 7 --api-url "$gh_URL" \
		--markdown plan.md --json plan.json >t.txt 2>&1 &&
	check_contains t.txt "GITHUB_TOKEN is not set" &&
	check_exit 64 "$AG_BIN" report --github acme/db --markdown plan.md --json plan.json &&
	echo "# no marker" >nomarker.md &&
	check_exit 1 env GITHUB_TOKEN=test-token "$AG_BIN" report --github acme/db --pr 7 \
		--api-url "$gh_URL" --markdown nomarker.md --json plan.json >m.txt 2>&1 &&
	check_contains m.txt "does not start with the report marker"
'

test_done
