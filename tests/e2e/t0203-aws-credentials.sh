#!/usr/bin/env bash
# The credential chain and configuration, end to end: environment,
# profile files (with the region from the config file), role_arn +
# source_profile through STS, web identity through STS, container and
# IMDSv2 endpoints, refresh of expiring credentials, endpoint precedence,
# missing credentials, and `aurora-gitops doctor`.
. "$(dirname "$0")/test-lib.sh"

start_moto
export AWS_EC2_METADATA_DISABLED=true AG_AWS_RETRY_BASE_MS=10
unset AWS_CONTAINER_CREDENTIALS_RELATIVE_URI AWS_CONTAINER_CREDENTIALS_FULL_URI \
	AWS_CONTAINER_AUTHORIZATION_TOKEN AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE \
	AWS_EC2_METADATA_SERVICE_ENDPOINT AWS_ENDPOINT_URL_RDS AWS_ENDPOINT_URL_STS AWS_ENDPOINT_URL_EC2
D="$AG_TOOLS/ag-aws-driver"

# Helper servers start inside test bodies (subshells), where
# test_when_finished does not reach the main shell: their pids go to a
# file (outside $TRASH, which test_done removes first) that the main
# shell's cleanup kills.
BG_PIDS=$(mktemp "${TMPDIR:-/tmp}/ag-bg-pids.XXXXXX")
test_when_finished "for p in \$(cat $BG_PIDS); do kill \$p; done; rm -f $BG_PIDS"

# Runs a command with no credential or region variables set.
bare() {
	env -u AWS_ACCESS_KEY_ID -u AWS_SECRET_ACCESS_KEY -u AWS_SESSION_TOKEN -u AWS_REGION \
		-u AWS_DEFAULT_REGION -u AWS_PROFILE "$@"
}

# start_creds_server ARGS...: sets CREDS_URL; stopped when the test ends.
start_creds_server() {
	rm -f "$TRASH/creds.port"
	python3 "$AG_SRC/tests/tools/creds-server.py" --port-file "$TRASH/creds.port" \
		--log "$TRASH/creds.log" "$@" &
	local i
	echo $! >>"$BG_PIDS"
	for i in $(seq 1 100); do
		[ -s "$TRASH/creds.port" ] && break
		sleep 0.05
	done
	CREDS_URL="http://127.0.0.1:$(cat "$TRASH/creds.port")"
}

test_expect_success 'environment credentials: doctor shows region, endpoint, masked key, identity, access' '
	AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMIK7MDENGbPxRfiCYEXAMPLEKEY \
		"$AG_BIN" doctor >out 2>err &&
	check_contains out "region:       us-east-1 (from AWS_REGION)" &&
	check_contains out "rds endpoint: $MOTO_URL (from AWS_ENDPOINT_URL)" &&
	check_contains out "credentials:  environment (access key AKIA****MPLE)" &&
	check_contains out "identity:     arn:aws:sts::123456789012:user/moto (account 123456789012)" &&
	check_contains out "rds access:   DescribeDBClusters allowed (0 clusters in the first page)" &&
	check_contains out "doctor: all checks passed" &&
	check_not_contains out "wJalrXUtnFEMIK7MDENGbPxRfiCYEXAMPLEKEY" &&
	check_not_contains err "wJalrXUtnFEMIK7MDENGbPxRfiCYEXAMPLEKEY"
'

test_expect_success 'AWS_DEFAULT_REGION is used when AWS_REGION is unset' '
	env -u AWS_REGION AWS_DEFAULT_REGION=eu-west-1 "$AG_BIN" doctor >out &&
	check_contains out "region:       eu-west-1 (from AWS_DEFAULT_REGION)"
'

test_expect_success 'profile files: credentials file keys, region from the config file' '
	cat >credentials <<-EOF &&
	[default]
	aws_access_key_id = AKIADEFAULT000000000
	aws_secret_access_key = default-secret

	[prod]
	# a comment
	aws_access_key_id = AKIAPRODPROFILE00001
	aws_secret_access_key = prod-secret-value
	EOF
	cat >config <<-EOF &&
	[default]
	region = us-west-2

	[profile prod]
	region = eu-central-1
	s3 =
	    max_concurrent_requests = 4
	EOF
	bare AWS_PROFILE=prod AWS_SHARED_CREDENTIALS_FILE=$PWD/credentials AWS_CONFIG_FILE=$PWD/config \
		"$AG_BIN" doctor >out &&
	check_contains out "region:       eu-central-1 (from profile '"'"'prod'"'"' ($PWD/config))" &&
	check_contains out "credentials:  profile '"'"'prod'"'"' ($PWD/credentials) (access key AKIA****0001)" &&
	check_contains out "doctor: all checks passed" &&
	check_not_contains out "prod-secret-value" &&
	bare AWS_SHARED_CREDENTIALS_FILE=$PWD/credentials AWS_CONFIG_FILE=$PWD/config \
		"$AG_BIN" doctor >out2 &&
	check_contains out2 "region:       us-west-2 (from profile '"'"'default'"'"' ($PWD/config))" &&
	check_contains out2 "credentials:  profile '"'"'default'"'"' ($PWD/credentials) (access key AKIA****0000)" &&
	bare AWS_PROFILE=prod AWS_SHARED_CREDENTIALS_FILE=$PWD/credentials AWS_CONFIG_FILE=$PWD/config \
		"$D" describe-all >all.json
'

test_expect_success 'keys in the config file work without a credentials file' '
	cat >config <<-EOF &&
	[profile cfgonly]
	aws_access_key_id = AKIACONFIGONLY000001
	aws_secret_access_key = cfg-secret
	region = ap-southeast-2
	EOF
	bare AWS_PROFILE=cfgonly AWS_SHARED_CREDENTIALS_FILE=$PWD/none AWS_CONFIG_FILE=$PWD/config \
		"$D" creds >c.json &&
	grep -q "profile '"'"'cfgonly'"'"' ($PWD/config)" c.json
'

test_expect_success 'role_arn + source_profile: STS AssumeRole with the source keys' '
	cat >credentials <<-EOF &&
	[base]
	aws_access_key_id = AKIABASEPROFILE00001
	aws_secret_access_key = base-secret
	EOF
	cat >config <<-EOF &&
	[profile deploy]
	role_arn = arn:aws:iam::123456789012:role/deployer
	source_profile = base
	role_session_name = ci-run
	region = us-east-1
	EOF
	bare AWS_PROFILE=deploy AWS_SHARED_CREDENTIALS_FILE=$PWD/credentials AWS_CONFIG_FILE=$PWD/config \
		"$D" --stats creds >c.json 2>stats &&
	grep -q "\"session_token\": true" c.json &&
	grep -q "profile '"'"'deploy'"'"' ($PWD/config, role arn:aws:iam::123456789012:role/deployer)" c.json &&
	check_contains stats "\"sts:AssumeRole\":{\"errors\":0,\"requests\":1}" &&
	bare AWS_PROFILE=deploy AWS_SHARED_CREDENTIALS_FILE=$PWD/credentials AWS_CONFIG_FILE=$PWD/config \
		"$D" whoami >id.json &&
	grep -q "assumed-role/deployer/ci-run" id.json &&
	bare AWS_PROFILE=deploy AWS_SHARED_CREDENTIALS_FILE=$PWD/credentials AWS_CONFIG_FILE=$PWD/config \
		"$AG_BIN" doctor >out &&
	check_contains out ", temporary)"
'

test_expect_success 'web identity: AssumeRoleWithWebIdentity with the token file' '
	printf "eyJhbGciOiJSUzI1NiJ9.e30.c2lnbmF0dXJl\n" >token &&
	bare AWS_REGION=us-east-1 AWS_ROLE_ARN=arn:aws:iam::123456789012:role/web \
		AWS_WEB_IDENTITY_TOKEN_FILE=$PWD/token AWS_ROLE_SESSION_NAME=gitops \
		AWS_SHARED_CREDENTIALS_FILE=$PWD/none AWS_CONFIG_FILE=$PWD/none \
		"$D" --stats creds >c.json 2>stats &&
	grep -q "\"source\": \"web identity (role arn:aws:iam::123456789012:role/web)\"" c.json &&
	grep -q "\"session_token\": true" c.json &&
	check_contains stats "sts:AssumeRoleWithWebIdentity" &&
	bare AWS_REGION=us-east-1 AWS_ROLE_ARN=arn:aws:iam::123456789012:role/web \
		AWS_WEB_IDENTITY_TOKEN_FILE=$PWD/token AWS_ROLE_SESSION_NAME=gitops \
		AWS_SHARED_CREDENTIALS_FILE=$PWD/none AWS_CONFIG_FILE=$PWD/none \
		"$D" whoami >id.json &&
	grep -q "assumed-role/web/gitops" id.json
'

test_expect_success 'web identity: an unreadable token file is a clear error' '
	check_exit 1 bare AWS_REGION=us-east-1 AWS_ROLE_ARN=arn:aws:iam::123456789012:role/web \
		AWS_WEB_IDENTITY_TOKEN_FILE=$PWD/missing-token \
		AWS_SHARED_CREDENTIALS_FILE=$PWD/none AWS_CONFIG_FILE=$PWD/none "$D" creds 2>err &&
	check_contains err "web identity (role arn:aws:iam::123456789012:role/web)" &&
	check_contains err "missing-token"
'

test_expect_success 'container credentials with an authorization token' '
	start_creds_server --token "Bearer abc123" &&
	bare AWS_REGION=us-east-1 AWS_CONTAINER_CREDENTIALS_FULL_URI=$CREDS_URL/ecs/creds \
		AWS_CONTAINER_AUTHORIZATION_TOKEN="Bearer abc123" \
		AWS_SHARED_CREDENTIALS_FILE=$PWD/none AWS_CONFIG_FILE=$PWD/none "$D" creds >c.json &&
	grep -q "\"source\": \"container credentials ($CREDS_URL/ecs/creds)\"" c.json &&
	grep -q "\"access_key_id\": \"ASIA\*\*\*\*KEY1\"" c.json &&
	printf "Bearer abc123" >tokfile &&
	bare AWS_REGION=us-east-1 AWS_CONTAINER_CREDENTIALS_FULL_URI=$CREDS_URL/ecs/creds \
		AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE=$PWD/tokfile \
		AWS_SHARED_CREDENTIALS_FILE=$PWD/none AWS_CONFIG_FILE=$PWD/none "$D" describe-all >all.json &&
	check_exit 1 bare AWS_REGION=us-east-1 AWS_CONTAINER_CREDENTIALS_FULL_URI=$CREDS_URL/ecs/creds \
		AWS_CONTAINER_AUTHORIZATION_TOKEN=wrong \
		AWS_SHARED_CREDENTIALS_FILE=$PWD/none AWS_CONFIG_FILE=$PWD/none "$D" creds 2>err &&
	check_contains err "container credentials: GET $CREDS_URL/ecs/creds: HTTP 401" &&
	check_exit 1 bare AWS_REGION=us-east-1 AWS_CONTAINER_CREDENTIALS_FULL_URI=http://example.com/creds \
		AWS_SHARED_CREDENTIALS_FILE=$PWD/none AWS_CONFIG_FILE=$PWD/none "$D" creds 2>err &&
	check_contains err "AWS_CONTAINER_CREDENTIALS_FULL_URI '"'"'http://example.com/creds'"'"' must use https"
'

test_expect_success 'EC2 IMDSv2: token PUT, role name, credentials' '
	start_creds_server &&
	bare AWS_REGION=us-east-1 AWS_EC2_METADATA_DISABLED=false AWS_EC2_METADATA_SERVICE_ENDPOINT=$CREDS_URL \
		AWS_SHARED_CREDENTIALS_FILE=$PWD/none AWS_CONFIG_FILE=$PWD/none "$D" creds >c.json &&
	grep -q "\"source\": \"EC2 instance metadata (role agent-role)\"" c.json &&
	grep -q "\"session_token\": true" c.json
'

test_expect_success 'expiring credentials are fetched again before they expire' '
	rm -f creds.log &&
	start_creds_server --ttl 120 &&
	bare AWS_REGION=us-east-1 AWS_CONTAINER_CREDENTIALS_FULL_URI=$CREDS_URL/ecs/creds \
		AWS_SHARED_CREDENTIALS_FILE=$PWD/none AWS_CONFIG_FILE=$PWD/none "$D" describe-all >all.json &&
	test "$(grep -c ecs creds.log)" = 2 &&
	rm -f creds.log &&
	start_creds_server --ttl 3600 &&
	bare AWS_REGION=us-east-1 AWS_CONTAINER_CREDENTIALS_FULL_URI=$CREDS_URL/ecs/creds \
		AWS_SHARED_CREDENTIALS_FILE=$PWD/none AWS_CONFIG_FILE=$PWD/none "$D" describe-all >all.json &&
	test "$(grep -c ecs creds.log)" = 1
'

test_expect_success 'missing credentials: the error lists every source tried' '
	check_exit 1 bare AWS_REGION=us-east-1 AWS_SHARED_CREDENTIALS_FILE=$PWD/none AWS_CONFIG_FILE=$PWD/none \
		"$D" describe-all 2>err &&
	check_contains err "no AWS credentials found; tried: environment (AWS_ACCESS_KEY_ID not set)" &&
	check_contains err "profile '"'"'default'"'"' (no credentials in $PWD/none or $PWD/none)" &&
	check_contains err "web identity (AWS_ROLE_ARN not set)" &&
	check_contains err "container credentials (AWS_CONTAINER_CREDENTIALS_RELATIVE_URI/_FULL_URI not set)" &&
	check_contains err "EC2 instance metadata (disabled by AWS_EC2_METADATA_DISABLED)" &&
	check_exit 1 bare AWS_SHARED_CREDENTIALS_FILE=$PWD/none AWS_CONFIG_FILE=$PWD/none "$AG_BIN" doctor >out &&
	check_contains out "region:       FAILED: no AWS region" &&
	check_contains out "credentials:  FAILED: no AWS credentials found; tried:" &&
	check_contains out "identity:     FAILED: skipped: no credentials" &&
	check_contains out "doctor: 4 checks failed"
'

test_expect_success 'endpoints: the per-service variable beats AWS_ENDPOINT_URL' '
	DEAD=http://127.0.0.1:$(free_port) &&
	AWS_ENDPOINT_URL=$DEAD AWS_ENDPOINT_URL_RDS=$MOTO_URL AWS_ENDPOINT_URL_STS=$MOTO_URL AWS_ENDPOINT_URL_EC2=$MOTO_URL \
		"$AG_BIN" doctor >out &&
	check_contains out "rds endpoint: $MOTO_URL (from AWS_ENDPOINT_URL_RDS)" &&
	AWS_ENDPOINT_URL=$DEAD AWS_ENDPOINT_URL_EC2=$MOTO_URL AWS_MAX_ATTEMPTS=1 "$D" create-vpc cidr=10.2.0.0/16 >vpc.json &&
	AWS_ENDPOINT_URL_RDS=$DEAD AWS_MAX_ATTEMPTS=2 check_exit 1 "$D" describe-all 2>err &&
	check_contains err "rds DescribeDBClusters failed after 2 attempts: POST $DEAD: Failed to connect"
'

test_expect_success 'doctor: a refused DescribeDBClusters fails the access check with the reason' '
	AWS_ENDPOINT_URL_RDS=http://127.0.0.1:$(free_port) AWS_MAX_ATTEMPTS=1 check_exit 1 "$AG_BIN" doctor >out &&
	check_contains out "rds access:   FAILED: rds DescribeDBClusters failed: POST" &&
	check_contains out "doctor: 1 check failed"
'

test_done
