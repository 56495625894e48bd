#!/usr/bin/env bash
# The manifest directory walk: a symbolic link loop is reported at once
# (directories are told apart by device and inode) instead of hanging; a
# manifest that cannot be read (a dangling link, a *.yaml that is not a
# regular file) is an error, so a half-read directory never makes a
# cluster look removed ("orphaned").
. "$(dirname "$0")/test-lib.sh"

start_moto
export AWS_EC2_METADATA_DISABLED=true
STATE="$TRASH/state"

write() { # FILE ID
	cat >"$1" <<-YAML
	apiVersion: aws.project-planton.org/v1
	kind: AwsRdsCluster
	metadata:
	  name: $2
	spec:
	  dbSubnetGroupName: default
	  engine: aurora-postgresql
	  engineVersion: "16.1"
	  manageMasterUserPassword: true
	YAML
}

test_expect_success 'symbolic link loops end at once with an error naming them' '
	mkdir -p loop/a/b && write loop/a/one.yaml loop-db &&
	ln -s .. loop/a/b/up && ln -s ../.. loop/a/b/top && ln -s . loop/a/self &&
	check_exit 1 timeout 20 "$AG_BIN" validate loop >v.txt 2>&1 &&
	check_contains v.txt "(a symbolic link loop, or a second link to it)" &&
	check_exit 1 timeout 20 "$AG_BIN" plan --dir loop --state-dir "$STATE" >p.txt 2>&1 &&
	check_contains p.txt "symbolic link loop"
'

test_expect_success 'a link to a directory outside is still followed' '
	mkdir -p common real && write common/s.yaml common-db && write real/r.yaml real-db &&
	ln -s ../common real/linked &&
	"$AG_BIN" validate real >ok.txt 2>&1 || { cat ok.txt; exit 1; }
	check_contains ok.txt "2 manifests"
'

test_expect_success 'setup: two clusters in sync' '
	mkdir m && write m/alpha.yaml alpha-db && write m/beta.yaml beta-db &&
	"$AG_BIN" sync --dir m --state-dir "$STATE" --poll-interval 100ms >s.txt 2>&1 ||
		{ cat s.txt; exit 1; }
	"$AG_BIN" plan --dir m --state-dir "$STATE" --detailed-exitcode >p0.txt 2>&1 ||
		{ cat p0.txt; exit 1; }
'

test_expect_success 'a dangling link is an error, not an orphaned cluster' '
	mv m/beta.yaml beta.moved && ln -s ../beta.gone m/beta.yaml &&
	check_exit 1 "$AG_BIN" plan --dir m --state-dir "$STATE" --detailed-exitcode >p1.txt 2>&1 &&
	check_contains p1.txt "cannot read '"'"'m/beta.yaml'"'"': it is a symbolic link to nothing readable" &&
	check_not_contains p1.txt "orphaned (" &&
	check_exit 1 "$AG_BIN" validate m >v1.txt 2>&1 &&
	check_contains v1.txt "m/beta.yaml" &&
	rm m/beta.yaml && ln -s beta.yaml m/x.yaml &&
	check_exit 1 "$AG_BIN" plan --dir m --state-dir "$STATE" --detailed-exitcode >p2.txt 2>&1 &&
	check_contains p2.txt "m/x.yaml"
'

test_expect_success 'a *.yaml that is not a regular file is an error' '
	rm -f m/x.yaml && mkfifo m/beta.yaml &&
	check_exit 1 timeout 20 "$AG_BIN" plan --dir m --state-dir "$STATE" --detailed-exitcode \
		>p3.txt 2>&1 &&
	check_contains p3.txt "'"'"'m/beta.yaml'"'"' is not a regular file"
'

test_expect_success 'with the manifest back the plan is clean again' '
	rm m/beta.yaml && mv beta.moved m/beta.yaml &&
	"$AG_BIN" plan --dir m --state-dir "$STATE" --detailed-exitcode >p4.txt 2>&1 ||
		{ cat p4.txt; exit 1; }
'

test_done
