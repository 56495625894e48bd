#!/usr/bin/env bash
# A cluster created with a sealed password; rotating it by committing a new
# sealed value sends exactly one ModifyDBCluster with MasterUserPassword;
# the plaintext never shows up anywhere the agent writes.
. "$(dirname "$0")/test-lib.sh"

start_moto
export AWS_EC2_METADATA_DISABLED=true
STATE="$TRASH/state"
PW1='first-Secret-4d8a1c'
PW2='second-Secret-9b7e2f'

write() { # SEALED
	cat <<-YAML
	apiVersion: aws.project-planton.org/v1
	kind: AwsRdsCluster
	metadata:
	  name: billing-db
	spec:
	  dbSubnetGroupName: default
	  engine: aurora-postgresql
	  engineVersion: "16.1"
	  password: "$1"
	  instances:
	    count: 1
	    instanceClass: db.t4g.medium
	YAML
}

run() { # NAME ARGS... : every output kept for the leak check
	local name=$1
	shift
	"$AG_BIN" "$@" >"out/$name.stdout" 2>"out/$name.stderr"
}

test_expect_success 'setup: key pair, sealed password, manifest' '
	mkdir keys m out &&
	"$AG_BIN" keygen --out keys/prod >out/keygen.stdout 2>out/keygen.stderr &&
	printf "%s" "$PW1" | "$AG_BIN" seal --key keys/prod.pub --cluster billing-db \
		--field spec.password >sealed1 2>out/seal1.stderr &&
	grep -q "^AGSEALED:v1:prod:" sealed1 &&
	write "$(cat sealed1)" >m/billing.yaml
'

test_expect_success 'plan without the secret key: clear error naming the field, nothing created' '
	check_exit 1 run nokey plan --dir m --state-dir "$STATE" &&
	cat out/nokey.stdout out/nokey.stderr >nokey.all &&
	check_contains nokey.all "spec.password" &&
	check_contains nokey.all "billing-db"
'

test_expect_success 'sync creates the cluster with the sealed password' '
	run create sync --dir m --state-dir "$STATE" --key-file keys/prod.key -vv \
		--poll-interval 100ms || { cat out/create.*; exit 1; }
	boto3_run <<-PY
	c = rds.describe_db_clusters(DBClusterIdentifier="billing-db")["DBClusters"][0]
	assert c["Status"] in ("available", "creating"), c["Status"]
	PY
	grep -q billing-db "$STATE/passwords.json"
'

test_expect_success 'the next plan is clean' '
	run clean plan --dir m --state-dir "$STATE" --key-file keys/prod.key --detailed-exitcode ||
		{ cat out/clean.*; exit 1; }
'

test_expect_success 'a wrong key is refused with a clear error and the cluster untouched' '
	"$AG_BIN" keygen --out keys/other >/dev/null &&
	printf "%s" "$PW2" | "$AG_BIN" seal --key keys/other.pub --cluster billing-db \
		--field spec.password >sealed-other &&
	mkdir w && write "$(cat sealed-other)" >w/billing.yaml &&
	check_exit 1 run wrongkey sync --dir w --state-dir "$STATE" --key-file keys/prod.key -v &&
	cat out/wrongkey.* >wrong.all &&
	check_contains wrong.all "spec.password" &&
	check_contains wrong.all "other" &&
	grep "aws requests:" out/wrongkey.stderr >calls &&
	! grep -E "(Create|Modify|Delete|Add|Remove)" calls
'

test_expect_success 'a world-readable key file fails only the sealed cluster; others still sync' '
	cp keys/prod.key loose.key && chmod 644 loose.key &&
	mkdir both && cp m/billing.yaml both/ &&
	sed "s/billing-db/plain-db/; /password:/d" m/billing.yaml >both/plain.yaml &&
	echo "  manageMasterUserPassword: true" >>both/plain.yaml &&
	check_exit 1 run loose sync --dir both --state-dir "$STATE" --key-file loose.key 		--poll-interval 100ms &&
	cat out/loose.* >loose.all &&
	check_contains loose.all "readable by others" &&
	check_contains loose.all "billing-db" &&
	grep -E "^cluster .plain-db.: applied" out/loose.stdout &&
	boto3_run <<-PY
	assert rds.describe_db_clusters(DBClusterIdentifier="plain-db")["DBClusters"]
	PY
'

test_expect_success 'a password swapped after review changes --plan-digest; apply refuses it' '
	printf "%s" "$PW2" | "$AG_BIN" seal --key keys/prod.pub --cluster billing-db \
		--field spec.password >reviewed &&
	write "$(cat reviewed)" >m/billing.yaml &&
	run reviewed plan --dir m --state-dir "$STATE" --key-file keys/prod.key --format json &&
	reviewed=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))[\"digest\"])" \
		out/reviewed.stdout) &&
	printf "%s" "swapped-Secret-1f2e3d" | "$AG_BIN" seal --key keys/prod.pub \
		--cluster billing-db --field spec.password >swapped &&
	write "$(cat swapped)" >m/billing.yaml &&
	check_exit 1 run swapped apply --dir m --state-dir "$STATE" --key-file keys/prod.key \
		--plan-digest "$reviewed" --auto-approve -v &&
	check_contains out/swapped.stderr "the plan changed since it was reviewed" &&
	! grep -E "rds:(Modify|Create)" out/swapped.stderr
'

test_expect_success 'rotation: one ModifyDBCluster carrying MasterUserPassword' '
	printf "%s" "$PW2" | "$AG_BIN" seal --key keys/prod.pub --cluster billing-db \
		--field spec.password >sealed2 2>out/seal2.stderr &&
	write "$(cat sealed2)" >m/billing.yaml &&
	run rotplan plan --dir m --state-dir "$STATE" --key-file keys/prod.key --format json &&
	python3 - out/rotplan.stdout <<-PY &&
	import json, sys
	c = json.load(open(sys.argv[1]))["clusters"][0]
	acts = c["actions"]
	assert len(acts) == 1 and acts[0]["action"] == "ModifyDBCluster", acts
	assert "MasterUserPassword" in acts[0]["params"], acts[0]["params"]
	assert any(x["path"] == "spec.password" for x in c["changes"]), c["changes"]
	PY
	run rotplantext plan --dir m --state-dir "$STATE" --key-file keys/prod.key &&
	check_contains out/rotplantext.stdout "password: changed (rotated)" &&
	run rotate sync --dir m --state-dir "$STATE" --key-file keys/prod.key -vv \
		--poll-interval 100ms &&
	grep "aws requests:" out/rotate.stderr >calls &&
	grep -q "rds:ModifyDBCluster=1" calls &&
	! grep -E "(Create|Delete|Add|Remove)" calls
'

test_expect_success 'after rotation the plan is clean again' '
	run after plan --dir m --state-dir "$STATE" --key-file keys/prod.key --detailed-exitcode ||
		{ cat out/after.*; exit 1; }
'

test_expect_success 'the key ring can come from a directory (--key-dir)' '
	run keydir plan --dir m --state-dir "$STATE" --key-dir keys --detailed-exitcode ||
		{ cat out/keydir.*; exit 1; }
'

test_expect_success 'a missing value for an option is a usage error' '
	check_exit 64 run novalue plan --dir m --key-file &&
	check_contains out/novalue.stderr "needs a value"
'

test_expect_success 'status counts sealed values per key and shows the applied key' '
	run status status --dir m --state-dir "$STATE" &&
	grep -E "key prod +1 value$" out/status.stdout &&
	grep -E "billing-db +key prod$" out/status.stdout
'

test_expect_success 'sealing-key rotation: reseal, sync with both keys, retire the old key' '
	"$AG_BIN" keygen --out keys/prod2 >/dev/null &&
	cp m/billing.yaml before.yaml &&
	"$AG_BIN" reseal --retire prod --key keys/prod2.pub --key-file keys/prod.key m \
		>out/reseal.stdout 2>out/reseal.stderr &&
	grep -q "AGSEALED:v1:prod2:" m/billing.yaml &&
	run both sync --dir m --state-dir "$STATE" --key-file keys/prod.key \
		--key-file keys/prod2.key -v &&
	grep "aws requests:" out/both.stderr >calls &&
	! grep -E "(Create|Modify|Delete|Add|Remove)" calls &&
	grep -q "prod2" "$STATE/passwords.json" &&
	run newonly plan --dir m --state-dir "$STATE" --key-file keys/prod2.key \
		--detailed-exitcode || { cat out/both.* out/newonly.*; exit 1; }
'

test_expect_success 'the plaintext appears in no output, report or state file' '
	for pw in "$PW1" "$PW2"; do
		b64=$(printf "%s" "$pw" | base64) &&
		if grep -rlF -e "$pw" -e "$b64" out "$STATE" m; then
			echo "plaintext leaked"; exit 1
		fi
	done
'

test_done
