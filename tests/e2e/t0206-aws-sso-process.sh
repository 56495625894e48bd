#!/usr/bin/env bash
# Credentials people use on laptops: credential_process profiles (run
# without a shell, JSON Version 1, cached until Expiration) and IAM Identity
# Center profiles (sso_session and the legacy sso_start_url form: the token
# `aws sso login` cached, GetRoleCredentials from a loopback fake portal,
# refreshed before expiry, a clear "run aws sso login" when it is gone).
. "$(dirname "$0")/test-lib.sh"

start_moto
export AWS_EC2_METADATA_DISABLED=true AG_AWS_RETRY_BASE_MS=10
unset AWS_CONTAINER_CREDENTIALS_RELATIVE_URI AWS_CONTAINER_CREDENTIALS_FULL_URI \
	AWS_ENDPOINT_URL_SSO AWS_ENDPOINT_URL_STS AWS_ENDPOINT_URL_RDS AWS_ENDPOINT_URL_EC2
TOOLS="$AG_SRC/tests/tools"

BG_PIDS=$(mktemp "${TMPDIR:-/tmp}/ag-bg-pids.XXXXXX")
test_when_finished "for p in \$(cat $BG_PIDS); do kill \$p; done; rm -f $BG_PIDS"

# Runs a command as a laptop user would: a profile, no credential variables,
# HOME in the scratch directory.
user() { # PROFILE CMD...
	local profile=$1
	shift
	env -u AWS_ACCESS_KEY_ID -u AWS_SECRET_ACCESS_KEY -u AWS_SESSION_TOKEN \
		HOME="$TRASH/home" AWS_PROFILE="$profile" AWS_CONFIG_FILE="$TRASH/home/.aws/config" \
		AWS_SHARED_CREDENTIALS_FILE="$TRASH/home/.aws/credentials" "$@"
}

# The fake portal's URL (test bodies run in subshells: read it back).
portal_url() {
	echo "http://127.0.0.1:$(cat "$TRASH/portal.port")"
}

start_portal() { # TTL
	rm -f "$TRASH/portal.port"
	python3 "$TOOLS/sso-portal.py" --port-file "$TRASH/portal.port" --log "$TRASH/portal.log" \
		--token sso-access-token-1 --ttl "$1" &
	echo $! >>"$BG_PIDS"
	local i
	for i in $(seq 1 100); do
		[ -s "$TRASH/portal.port" ] && break
		sleep 0.05
	done
	[ -s "$TRASH/portal.port" ]
}

# cache_token KEY TOKEN SECONDS [REFRESH_TOKEN]: the file `aws sso login`
# writes for KEY (with a refresh token: what an sso_session login leaves)
cache_token() {
	python3 - "$TRASH/home/.aws/sso/cache" "$@" <<-\PY
	import datetime, hashlib, json, os, sys
	d, key, tok, secs = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
	os.makedirs(d, exist_ok=True)
	now = datetime.datetime.now(datetime.timezone.utc)
	exp = now + datetime.timedelta(seconds=secs)
	t = {"startUrl": "https://corp.awsapps.com/start", "region": "us-east-1",
	     "accessToken": tok, "expiresAt": exp.strftime("%Y-%m-%dT%H:%M:%SZ")}
	if len(sys.argv) > 5:
	    t.update({"refreshToken": sys.argv[5], "clientId": "client-1",
	              "clientSecret": "client-secret-1",
	              "registrationExpiresAt": (now + datetime.timedelta(days=60)).strftime("%Y-%m-%dT%H:%M:%SZ")})
	with open(os.path.join(d, hashlib.sha1(key.encode()).hexdigest() + ".json"), "w") as f:
	    json.dump(t, f)
	PY
}

corp_cache() {
	echo "$TRASH/home/.aws/sso/cache/$(printf corp | sha1sum | cut -d" " -f1).json"
}

mkdir -p "$TRASH/home/.aws"

test_expect_success 'credential_process: run without a shell, words split as the AWS CLI does' '
	cat >home/.aws/config <<-EOF &&
	[profile proc]
	region = us-east-1
	credential_process = python3 $TOOLS/cred-process.py --log $TRASH/proc.log -- "two words" '"'"'semi;colon'"'"' \$HOME \`id\` a\\ b "q\\"uote"
	EOF
	user proc "$AG_BIN" doctor >out 2>err || { cat out err; exit 1; }
	check_contains out "credentials:  profile '"'"'proc'"'"' ($TRASH/home/.aws/config, credential_process) (access key ASIA****LE01, temporary)" &&
	check_contains out "doctor: all checks passed" &&
	check_not_contains out "process-secret-access-key" &&
	python3 - proc.log <<-\PY
	import json, sys
	runs = [json.loads(l) for l in open(sys.argv[1])]
	assert runs == [["two words", "semi;colon", "$HOME", "`id`", "a b", "q\"uote"]], runs
	PY
'

test_expect_success 'credential_process: cached until Expiration, run again when it nears' '
	: >proc.log &&
	sed -i "s/ -- / --ttl 60 -- /" home/.aws/config &&
	user proc "$AG_BIN" doctor >out 2>err || { cat out err; exit 1; }
	[ "$(wc -l <proc.log)" -ge 2 ] || { echo "expected a refresh:"; cat proc.log; exit 1; }
'

test_expect_success 'credential_process: failures are clear errors that name the profile' '
	sed -i "s/ --ttl 60 -- / --exit 3 -- /" home/.aws/config &&
	check_exit 1 user proc "$AG_BIN" doctor >out 2>&1 &&
	check_contains out "profile '"'"'proc'"'"' ($TRASH/home/.aws/config): credential_process '"'"'python3'"'"' exited with status 3" &&
	sed -i "s/ --exit 3 -- / --version 2 -- /" home/.aws/config &&
	check_exit 1 user proc "$AG_BIN" doctor >out 2>&1 &&
	check_contains out "credential_process '"'"'python3'"'"': output needs \"Version\": 1" &&
	sed -i "s/ --version 2 -- / --garbage -- /" home/.aws/config &&
	check_exit 1 user proc "$AG_BIN" doctor >out 2>&1 &&
	check_contains out "credential_process '"'"'python3'"'"': output is not a JSON object" &&
	printf "[profile proc]\nregion = us-east-1\ncredential_process = no-such-program-xyz --flag\n" >home/.aws/config &&
	check_exit 1 user proc "$AG_BIN" doctor >out 2>&1 &&
	check_contains out "cannot run '"'"'no-such-program-xyz'"'"'" &&
	printf "[profile proc]\nregion = us-east-1\ncredential_process = python3 \"unclosed\n" >home/.aws/config &&
	check_exit 1 user proc "$AG_BIN" doctor >out 2>&1 &&
	check_contains out "no closing quotation"
'

test_expect_success 'IAM Identity Center, sso_session form: token from the cache, credentials from the portal' '
	start_portal 3600 &&
	cat >home/.aws/config <<-EOF &&
	[profile dev]
	sso_session = corp
	sso_account_id = 111122223333
	sso_role_name = ReadOnly
	region = us-east-1

	[sso-session corp]
	sso_start_url = https://corp.awsapps.com/start
	sso_region = us-east-1
	sso_registration_scopes = sso:account:access
	EOF
	cache_token corp sso-access-token-1 3600 &&
	user dev env AWS_ENDPOINT_URL_SSO="$(portal_url)" "$AG_BIN" doctor >out 2>err ||
		{ cat out err portal.log; exit 1; }
	check_contains out "credentials:  profile '"'"'dev'"'"' ($TRASH/home/.aws/config, IAM Identity Center account 111122223333 role ReadOnly) (access key ASIA****Y001, temporary)" &&
	check_contains out "doctor: all checks passed" &&
	check_not_contains out "sso-access-token-1" && check_not_contains err "sso-access-token-1" &&
	python3 - portal.log <<-\PY
	import json, sys
	reqs = [json.loads(l) for l in open(sys.argv[1])]
	assert reqs == [{"path": "/federation/credentials", "account_id": "111122223333",
	                 "role_name": "ReadOnly", "token_ok": True}], reqs
	PY
'

test_expect_success 'IAM Identity Center: a token about to expire is refreshed (SSO OIDC CreateToken) and cached' '
	: >portal.log &&
	cache_token corp stale-token-0 300 refresh-1 &&
	user dev env AWS_ENDPOINT_URL_SSO="$(portal_url)" AWS_ENDPOINT_URL_SSO_OIDC="$(portal_url)" \
		"$AG_BIN" doctor >out 2>err || { cat out err portal.log; exit 1; }
	check_contains out "doctor: all checks passed" &&
	python3 - portal.log "$(corp_cache)" <<-\PY &&
	import datetime, json, sys
	reqs = [json.loads(l) for l in open(sys.argv[1])]
	assert [r["path"] for r in reqs] == ["/token", "/federation/credentials"], reqs
	assert all(r["token_ok"] for r in reqs), reqs
	t = json.load(open(sys.argv[2]))
	assert t["accessToken"] == "sso-access-token-1" and t["refreshToken"] == "refresh-2", t
	exp = datetime.datetime.strptime(t["expiresAt"], "%Y-%m-%dT%H:%M:%SZ")
	left = exp - datetime.datetime.utcnow()
	assert datetime.timedelta(minutes=50) < left < datetime.timedelta(minutes=70), t
	assert t["clientSecret"] == "client-secret-1" and t["startUrl"], t
	PY
	[ "$(stat -c %a "$(corp_cache)")" = 600 ]
'

test_expect_success 'IAM Identity Center: an expired token whose refresh fails says run aws sso login' '
	cache_token corp stale-token-0 -60 refresh-revoked &&
	check_exit 1 user dev env AWS_ENDPOINT_URL_SSO="$(portal_url)" \
		AWS_ENDPOINT_URL_SSO_OIDC="$(portal_url)" "$AG_BIN" doctor >out 2>&1 &&
	check_contains out "could not be refreshed (SSO OIDC CreateToken: HTTP 400 invalid_grant): run aws sso login --profile dev" &&
	check_not_contains out "refresh-revoked" && check_not_contains out "client-secret-1"
'

test_expect_success 'IAM Identity Center, legacy form: the cache file is named after the start URL' '
	: >portal.log &&
	cat >home/.aws/config <<-EOF &&
	[profile old]
	sso_start_url = https://legacy.awsapps.com/start
	sso_region = eu-west-1
	sso_account_id = 444455556666
	sso_role_name = Admin
	region = us-east-1
	EOF
	cache_token https://legacy.awsapps.com/start sso-access-token-1 3600 &&
	user old env AWS_ENDPOINT_URL_SSO="$(portal_url)" "$AG_BIN" doctor >out 2>err ||
		{ cat out err portal.log; exit 1; }
	check_contains out "IAM Identity Center account 444455556666 role Admin" &&
	grep -q "\"account_id\": \"444455556666\", \"role_name\": \"Admin\", \"token_ok\": true" portal.log
'

test_expect_success 'IAM Identity Center: role credentials are fetched again before they expire' '
	kill $(tail -n 1 "$BG_PIDS") && : >portal.log &&
	start_portal 120 &&
	user old env AWS_ENDPOINT_URL_SSO="$(portal_url)" "$AG_BIN" doctor >out 2>err ||
		{ cat out err; exit 1; }
	[ "$(wc -l <portal.log)" -ge 2 ] || { echo "expected a refresh:"; cat portal.log; exit 1; }
'

test_expect_success 'IAM Identity Center: a missing, expired or refused token says run aws sso login' '
	rm -rf home/.aws/sso &&
	check_exit 1 user old env AWS_ENDPOINT_URL_SSO="$(portal_url)" "$AG_BIN" doctor >out 2>&1 &&
	check_contains out "no IAM Identity Center token in $TRASH/home/.aws/sso/cache/" &&
	check_contains out "run aws sso login --profile old" &&
	cache_token https://legacy.awsapps.com/start sso-access-token-1 -60 &&
	check_exit 1 user old env AWS_ENDPOINT_URL_SSO="$(portal_url)" "$AG_BIN" doctor >out 2>&1 &&
	check_contains out "expired at" && check_contains out "run aws sso login --profile old" &&
	: >portal.log &&
	cache_token https://legacy.awsapps.com/start revoked-token 3600 &&
	check_exit 1 user old env AWS_ENDPOINT_URL_SSO="$(portal_url)" "$AG_BIN" doctor >out 2>&1 &&
	check_contains out "the portal refused the token (HTTP 401): run aws sso login --profile old" &&
	check_not_contains out "revoked-token"
'

test_expect_success 'IAM Identity Center: incomplete profiles and non-loopback http portals are refused' '
	cache_token https://legacy.awsapps.com/start sso-access-token-1 3600 &&
	check_exit 1 user old env AWS_ENDPOINT_URL_SSO=http://portal.example.com "$AG_BIN" doctor >out 2>&1 &&
	check_contains out "AWS_ENDPOINT_URL_SSO '"'"'http://portal.example.com'"'"' must use https or a loopback address" &&
	printf "[profile half]\nsso_session = nowhere\nsso_account_id = 1\nsso_role_name = R\nregion = us-east-1\n" >home/.aws/config &&
	check_exit 1 user half "$AG_BIN" doctor >out 2>&1 &&
	check_contains out "sso_session '"'"'nowhere'"'"' has no [sso-session nowhere] section" &&
	printf "[profile half]\nsso_start_url = https://x.awsapps.com/start\nsso_account_id = 1\nregion = us-east-1\n" >home/.aws/config &&
	check_exit 1 user half "$AG_BIN" doctor >out 2>&1 &&
	check_contains out "missing: sso_region sso_role_name"
'

test_expect_success 'a role assumed from an IAM Identity Center profile' '
	cat >home/.aws/config <<-EOF &&
	[profile old]
	sso_start_url = https://legacy.awsapps.com/start
	sso_region = eu-west-1
	sso_account_id = 444455556666
	sso_role_name = Admin

	[profile deploy]
	role_arn = arn:aws:iam::123456789012:role/deployer
	source_profile = old
	region = us-east-1
	EOF
	user deploy env AWS_ENDPOINT_URL_SSO="$(portal_url)" "$AG_BIN" doctor >out 2>err ||
		{ cat out err; exit 1; }
	check_contains out "role arn:aws:iam::123456789012:role/deployer" &&
	check_contains out "doctor: all checks passed"
'

test_done
