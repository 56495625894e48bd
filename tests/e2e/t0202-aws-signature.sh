#!/usr/bin/env bash
# SigV4 against moto with signature checking on: an IAM user's key signs
# RDS, EC2 and STS requests correctly; a wrong secret or an unknown key is
# refused with a clear error that names the credential source.
. "$(dirname "$0")/test-lib.sh"

start_moto
export AWS_EC2_METADATA_DISABLED=true AG_AWS_RETRY_BASE_MS=10
D="$AG_TOOLS/ag-aws-driver"

test_expect_success 'create an IAM user, access key, role and policy; switch checking on' '
	boto3_run >keys <<-PY &&
	import json
	iam = boto3.client("iam", endpoint_url="$MOTO_URL", region_name="us-east-1",
	                   aws_access_key_id="testing", aws_secret_access_key="testing")
	iam.create_user(UserName="agent")
	policy = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
	          "Action": ["rds:*", "ec2:*", "sts:*"], "Resource": "*"}]}
	iam.put_user_policy(UserName="agent", PolicyName="all", PolicyDocument=json.dumps(policy))
	k = iam.create_access_key(UserName="agent")["AccessKey"]
	trust = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
	         "Principal": {"AWS": "arn:aws:iam::123456789012:root"}, "Action": "sts:AssumeRole"}]}
	iam.create_role(RoleName="deployer", AssumeRolePolicyDocument=json.dumps(trust))
	iam.put_role_policy(RoleName="deployer", PolicyName="all", PolicyDocument=json.dumps(policy))
	print(k["AccessKeyId"], k["SecretAccessKey"])
	sts = boto3.client("sts", endpoint_url="$MOTO_URL", region_name="us-east-1",
	                   aws_access_key_id="testing", aws_secret_access_key="testing")
	c = sts.assume_role(RoleArn="arn:aws:iam::123456789012:role/deployer",
	                    RoleSessionName="ci-run")["Credentials"]
	open("session", "w").write("%s %s %s\\n" % (c["AccessKeyId"], c["SecretAccessKey"], c["SessionToken"]))
	PY
	read AK SK <keys && test -n "$AK" && test -n "$SK" &&
	curl -sf -X POST -H "Content-Type: text/plain" --data-binary 0 "$MOTO_URL/moto-api/reset-auth" >/dev/null
'

read AK SK <"$TRASH/keys" 2>/dev/null || true

test_expect_success 'the old test key is now refused (checking is on)' '
	check_exit 1 "$D" describe-all 2>err &&
	check_contains err "InvalidClientTokenId" &&
	check_contains err "(credentials from environment)"
'

test_expect_success 'correct credentials sign RDS, EC2 and STS requests' '
	AWS_ACCESS_KEY_ID=$AK AWS_SECRET_ACCESS_KEY=$SK "$D" describe-all >all.json &&
	grep -q "\"clusters\": \[\]" all.json &&
	AWS_ACCESS_KEY_ID=$AK AWS_SECRET_ACCESS_KEY=$SK "$D" create-vpc cidr=10.9.0.0/16 >vpc.json &&
	grep -q "\"vpc_id\": \"vpc-" vpc.json &&
	AWS_ACCESS_KEY_ID=$AK AWS_SECRET_ACCESS_KEY=$SK "$D" whoami >id.json &&
	grep -q "user/agent" id.json
'

test_expect_success 'a request signed at the test-suite date is accepted (no skew check in moto)' '
	AWS_ACCESS_KEY_ID=$AK AWS_SECRET_ACCESS_KEY=$SK "$D" --fixed-date 20150830T123600Z describe-all >all.json
'

test_expect_success 'a wrong secret gives SignatureDoesNotMatch naming the source, never the secret' '
	AWS_ACCESS_KEY_ID=$AK AWS_SECRET_ACCESS_KEY=WrongSecretValue123 check_exit 1 "$D" describe-all 2>err &&
	check_contains err "rds DescribeDBClusters failed: SignatureDoesNotMatch (HTTP 403" &&
	check_contains err "(credentials from environment)" &&
	check_not_contains err "WrongSecretValue123" &&
	check_not_contains err "$SK"
'

test_expect_success 'a wrong secret in a profile names the profile and file' '
	cat >creds <<-EOF &&
	[ci]
	aws_access_key_id = $AK
	aws_secret_access_key = AnotherWrongSecret
	EOF
	check_exit 1 env -u AWS_ACCESS_KEY_ID -u AWS_SECRET_ACCESS_KEY AWS_PROFILE=ci \
		AWS_SHARED_CREDENTIALS_FILE=$PWD/creds "$D" describe-all 2>err &&
	check_contains err "SignatureDoesNotMatch" &&
	check_contains err "(credentials from profile '"'"'ci'"'"' ($PWD/creds))" &&
	check_not_contains err "AnotherWrongSecret"
'

test_expect_success 'an unknown access key gives InvalidClientTokenId' '
	AWS_ACCESS_KEY_ID=AKIAUNKNOWNKEY000000 AWS_SECRET_ACCESS_KEY=x check_exit 1 "$D" describe-all 2>err &&
	check_contains err "InvalidClientTokenId"
'

test_expect_success 'session credentials sign with x-amz-security-token; a wrong token is refused' '
	read TAK TSK TTOK <session &&
	AWS_ACCESS_KEY_ID=$TAK AWS_SECRET_ACCESS_KEY=$TSK AWS_SESSION_TOKEN=$TTOK "$D" whoami >id.json &&
	grep -q "assumed-role/deployer/ci-run" id.json &&
	AWS_ACCESS_KEY_ID=$TAK AWS_SECRET_ACCESS_KEY=$TSK AWS_SESSION_TOKEN=$TTOK "$D" describe-all >all.json &&
	AWS_ACCESS_KEY_ID=$TAK AWS_SECRET_ACCESS_KEY=$TSK AWS_SESSION_TOKEN=bogus \
		check_exit 1 "$D" describe-all 2>err &&
	check_contains err "InvalidClientTokenId" &&
	check_not_contains err "$TTOK"
'

test_done
