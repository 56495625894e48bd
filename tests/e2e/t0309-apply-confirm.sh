#!/usr/bin/env bash
# apply on a terminal asks, and only "yes" applies.
. "$(dirname "$0")/test-lib.sh"

command -v script >/dev/null || skip_all "script(1) is not installed (bsdutils)"
start_moto
export AWS_EC2_METADATA_DISABLED=true
STATE="$TRASH/state"

write() { # RETENTION
	cat <<-YAML
	apiVersion: aws.project-planton.org/v1
	kind: AwsRdsCluster
	metadata:
	  name: tty-db
	spec:
	  dbSubnetGroupName: default
	  engine: aurora-postgresql
	  engineVersion: "16.1"
	  manageMasterUserPassword: true
	  backupRetentionPeriod: $1
	YAML
}

retention() {
	boto3_run <<-PY
	print(rds.describe_db_clusters(DBClusterIdentifier="tty-db")["DBClusters"][0]["BackupRetentionPeriod"])
	PY
}

# Runs apply on a pseudo-terminal with ANSWER typed at the prompt.
apply_tty() { # ANSWER
	printf '%s\n' "$1" | script -qec "'$AG_BIN' apply --dir m --state-dir '$STATE' --poll-interval 100ms" /dev/null
}

test_expect_success 'setup: cluster with 7-day backups' '
	mkdir m && write 7 >m/db.yaml &&
	"$AG_BIN" sync --dir m --state-dir "$STATE" --poll-interval 100ms >sync.txt 2>&1 &&
	write 14 >m/db.yaml
'

test_expect_success 'answering anything but yes applies nothing' '
	apply_tty no >no.txt 2>&1 || true
	check_contains no.txt "only '"'"'yes'"'"' is accepted" &&
	check_contains no.txt "nothing was applied" &&
	test "$(retention)" = 7
'

test_expect_success 'answering yes applies' '
	apply_tty yes >yes.txt 2>&1 &&
	check_contains yes.txt "applied" &&
	test "$(retention)" = 14
'

test_done
