#!/usr/bin/env bash
# The binary starts, prints help and version, and rejects misuse with 64.
. "$(dirname "$0")/test-lib.sh"

test_expect_success 'version prints the version' '
	"$AG_BIN" version >out &&
	grep -E "^aurora-gitops [0-9]+\.[0-9]+\.[0-9]+$" out
'

test_expect_success 'help lists every command' '
	"$AG_BIN" help >out &&
	for c in validate plan apply sync run import status unmanaged doctor keygen seal reseal; do
		grep -q "^  $c " out || { echo "missing $c"; exit 1; }
	done
'

test_expect_success 'every command answers --help with its usage and exit 0' '
	for c in validate plan apply sync run import status unmanaged doctor keygen seal reseal; do
		"$AG_BIN" $c --help >out 2>err || { echo "$c --help failed"; cat err; exit 1; }
		grep -q "usage: aurora-gitops $c" out || { echo "$c: no usage"; cat out; exit 1; }
	done
'

test_expect_success 'an unknown option is a usage error naming it' '
	check_exit 64 "$AG_BIN" plan --dir . --frobnicate 2>err &&
	check_contains err "unknown option '"'"'--frobnicate'"'"'"
'

test_expect_success 'an unknown command is a usage error' '
	check_exit 64 "$AG_BIN" frobnicate 2>err &&
	check_contains err "unknown command '"'"'frobnicate'"'"'"
'

test_expect_success 'no command is a usage error' '
	check_exit 64 "$AG_BIN" 2>err &&
	check_contains err "no command given"
'

test_done
