#!/usr/bin/env bash
# Manifests are UTF-8 only. A UTF-16 manifest would load (the YAML parser
# reads it) while reseal, reseal --list and status, which look at bytes,
# could not see its sealed values, so a retired key would look unused.
# Every reader refuses it with the same clear error.
. "$(dirname "$0")/test-lib.sh"

test_expect_success 'setup: a sealed value in a UTF-16 manifest' '
	mkdir keys m &&
	"$AG_BIN" keygen --out keys/old >/dev/null 2>&1 &&
	"$AG_BIN" keygen --out keys/new >/dev/null 2>&1 &&
	printf "%s" "utf16-Secret-123" | "$AG_BIN" seal --key keys/old.pub --cluster wide-db \
		--field spec.password >sealed &&
	cat >wide.yaml <<-YAML &&
	apiVersion: aws.project-planton.org/v1
	kind: AwsRdsCluster
	metadata:
	  name: wide-db
	spec:
	  dbSubnetGroupName: default
	  engine: aurora-postgresql
	  engineVersion: "16.1"
	  password: "$(cat sealed)"
	YAML
	iconv -f UTF-8 -t UTF-16 wide.yaml >m/wide.yaml &&
	head -c 2 m/wide.yaml | od -An -tx1 | grep -Eq "ff fe|fe ff"
'

test_expect_success 'validate refuses it, naming the file' '
	check_exit 1 "$AG_BIN" validate m >v.txt 2>&1 &&
	check_contains v.txt "m/wide.yaml:1:1: error: the file is not UTF-8 text: it is UTF-16 or UTF-32"
'

test_expect_success 'reseal --list and status refuse it instead of counting nothing' '
	check_exit 1 "$AG_BIN" reseal --list m >l.txt 2>&1 &&
	check_contains l.txt "'"'"'m/wide.yaml'"'"': the file is not UTF-8 text" &&
	check_exit 1 "$AG_BIN" status --dir m --state-dir state >s.txt 2>&1 &&
	check_contains s.txt "'"'"'m/wide.yaml'"'"': the file is not UTF-8 text"
'

test_expect_success 'reseal refuses it and writes nothing' '
	cp m/wide.yaml before &&
	check_exit 1 "$AG_BIN" reseal --retire old --key keys/new.pub --key-file keys/old.key m \
		>r.txt 2>&1 &&
	check_contains r.txt "not UTF-8 text" &&
	cmp before m/wide.yaml
'

test_expect_success 'UTF-16 without a byte order mark and stray bytes are refused too' '
	iconv -f UTF-8 -t UTF-16LE wide.yaml >m/wide.yaml &&
	check_exit 1 "$AG_BIN" validate m >v2.txt 2>&1 &&
	check_contains v2.txt "m/wide.yaml:1:2: error: the file is not UTF-8 text: it holds a NUL byte" &&
	{ cat wide.yaml; printf "# caf\351\n"; } >m/wide.yaml &&
	check_exit 1 "$AG_BIN" validate m >v3.txt 2>&1 &&
	check_contains v3.txt "m/wide.yaml:10:6: error: the file is not UTF-8 text: it is not valid UTF-8"
'

test_expect_success 'the same manifest in UTF-8 is read by all of them' '
	cp wide.yaml m/wide.yaml &&
	"$AG_BIN" validate m >ok.txt 2>&1 || { cat ok.txt; exit 1; }
	"$AG_BIN" reseal --list m >list.txt 2>&1 &&
	grep -E "^old +1$" list.txt
'

test_done
