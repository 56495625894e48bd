#!/usr/bin/env bash
# A value that looks like a sealed value but is not exactly a valid one
# (another format version, lower case, white space around it, a damaged
# tail) is an error naming the field; it is never sent as the master
# password. A real sealed value and a plain password still work.
. "$(dirname "$0")/test-lib.sh"

start_moto
export AWS_EC2_METADATA_DISABLED=true
STATE="$TRASH/state"

write() { # DIR NAME PASSWORD-YAML
	mkdir -p "$1"
	cat >"$1/$2.yaml" <<-YAML
	apiVersion: aws.project-planton.org/v1
	kind: AwsRdsCluster
	metadata:
	  name: $2
	spec:
	  dbSubnetGroupName: default
	  engine: aurora-postgresql
	  engineVersion: "16.1"
	  password: $3
	YAML
}

test_expect_success 'setup: a key pair and a sealed password' '
	mkdir keys &&
	"$AG_BIN" keygen --out keys/prod >/dev/null 2>&1 &&
	printf "%s" "near-Miss-Secret-7" | "$AG_BIN" seal --key keys/prod.pub --cluster near-db \
		--field spec.password >sealed &&
	grep -q "^AGSEALED:v1:prod:" sealed
'

# near_miss LABEL YAML-VALUE WHY: validate and sync refuse it, nothing is created.
near_miss() {
	rm -rf "m-$1" && write "m-$1" near-db "$2" &&
	check_exit 1 "$AG_BIN" validate "m-$1" >"v-$1.txt" 2>&1 &&
	check_contains "v-$1.txt" "m-$1/near-db.yaml:9:" &&
	check_contains "v-$1.txt" "spec.password looks like a sealed value but is not a valid one: $3" &&
	check_exit 1 "$AG_BIN" sync --dir "m-$1" --state-dir "$STATE" --key-file keys/prod.key \
		--poll-interval 100ms >"s-$1.txt" 2>&1 &&
	check_contains "s-$1.txt" "spec.password" &&
	boto3_run <<-PY
	ids = [c["DBClusterIdentifier"] for c in rds.describe_db_clusters()["DBClusters"]]
	assert ids == [], ids
	PY
}

test_expect_success 'format v2 is not a password' '
	near_miss v2 "\"$(sed "s/:v1:/:v2:/" sealed)\"" "only format v1"
'

test_expect_success 'lower case is not a password' '
	near_miss lower "\"$(sed "s/^AGSEALED/agsealed/" sealed)\"" "'"'"'AGSEALED'"'"' must be upper case"
'

test_expect_success 'a leading space is not a password' '
	near_miss space "\" $(cat sealed)\"" "it starts with white space"
'

test_expect_success 'a trailing newline (block scalar) is not a password' '
	near_miss newline "|
    $(cat sealed)" "it ends with white space"
'

test_expect_success 'a damaged tail is not a password' '
	near_miss tail "\"$(cat sealed)!!\"" "the data holds a character that is not base64url"
'

test_expect_success 'the exact sealed value and a plain password still sync' '
	write ok near-db "\"$(cat sealed)\"" &&
	write ok plain-db "\"plain-Password-123\"" &&
	"$AG_BIN" sync --dir ok --state-dir "$STATE" --key-file keys/prod.key \
		--poll-interval 100ms >ok.txt 2>&1 || { cat ok.txt; exit 1; }
	grep -E "^cluster .near-db.: applied" ok.txt &&
	grep -E "^cluster .plain-db.: applied" ok.txt
'

test_done
