#!/usr/bin/env bash
# seal reads the secret from standard input only and prints a bound token.
. "$(dirname "$0")/test-lib.sh"

SECRET='S3cr3t-Pa55w0rd-for-e2e'

# Every spelling of the secret a leak could take.
check_no_leak() { # FILE...
	local f enc
	for f in "$@"; do
		for enc in "$SECRET" "$(printf %s "$SECRET" | base64 -w0)" \
			"$(printf %s "$SECRET" | base64 -w0 | tr '+/' '-_' | tr -d =)"; do
			check_not_contains "$f" "$enc" || return 1
		done
	done
}

test_expect_success 'setup: a key pair' '
	mkdir keys && "$AG_BIN" keygen --out keys/k1 >/dev/null
'

test_expect_success 'seal prints AGSEALED:v1:<key_id>:<base64url> from stdin' '
	printf "%s\n" "$SECRET" |
		"$AG_BIN" seal --key keys/k1.pub --cluster Prod-DB --field spec.password >out 2>err &&
	test "$(wc -l <out)" -eq 1 &&
	grep -qxE "AGSEALED:v1:k1:[A-Za-z0-9_-]{100,}" out &&
	test ! -s err &&
	check_no_leak out err
'

test_expect_success 'seal works from the public key alone (no secret key around)' '
	mkdir alone && cp keys/k1.pub alone/ &&
	printf "%s" "$SECRET" | "$AG_BIN" seal --key alone/k1.pub --cluster db >out &&
	grep -qE "^AGSEALED:v1:k1:" out
'

test_expect_success 'two seals of the same secret differ' '
	printf "%s" "$SECRET" | "$AG_BIN" seal --key keys/k1.pub --cluster db >a &&
	printf "%s" "$SECRET" | "$AG_BIN" seal --key keys/k1.pub --cluster db >b &&
	! cmp -s a b
'

# The ciphertext length is the envelope length plus 48, so token lengths
# show what was sealed: exactly one trailing newline (or CRLF) is dropped.
test_expect_success 'one trailing newline is stripped, a second one is kept' '
	printf "pw-value" | "$AG_BIN" seal --key keys/k1.pub --cluster db >plain &&
	printf "pw-value\n" | "$AG_BIN" seal --key keys/k1.pub --cluster db >nl &&
	printf "pw-value\r\n" | "$AG_BIN" seal --key keys/k1.pub --cluster db >crlf &&
	printf "pw-value\n\n" | "$AG_BIN" seal --key keys/k1.pub --cluster db >nlnl &&
	test "$(wc -c <plain)" -eq "$(wc -c <nl)" &&
	test "$(wc -c <plain)" -eq "$(wc -c <crlf)" &&
	test "$(wc -c <nlnl)" -gt "$(wc -c <plain)"
'

test_expect_success 'empty input is refused' '
	check_exit 1 "$AG_BIN" seal --key keys/k1.pub --cluster db </dev/null >out 2>err &&
	check_contains err "is empty; nothing sealed" && test ! -s out &&
	printf "\n" >nl && check_exit 1 "$AG_BIN" seal --key keys/k1.pub --cluster db <nl 2>err &&
	check_contains err "is empty"
'

test_expect_success 'more than 4 KiB is refused; exactly 4 KiB is fine' '
	head -c 4096 /dev/zero | tr "\0" a >4k &&
	"$AG_BIN" seal --key keys/k1.pub --cluster db <4k >out &&
	grep -q "^AGSEALED:v1:k1:" out &&
	{ cat 4k; echo; } >4knl && "$AG_BIN" seal --key keys/k1.pub --cluster db <4knl >out &&
	head -c 4097 /dev/zero | tr "\0" a >4k1 &&
	check_exit 1 "$AG_BIN" seal --key keys/k1.pub --cluster db <4k1 >out 2>err &&
	check_contains err "longer than 4096 bytes" && test ! -s out
'

test_expect_success 'the secret cannot be given on the command line, and is not echoed' '
	check_exit 64 "$AG_BIN" seal --key keys/k1.pub --cluster db "$SECRET" </dev/null >out 2>err &&
	check_contains err "read from standard input" &&
	check_no_leak out err &&
	check_exit 64 "$AG_BIN" seal --key keys/k1.pub --cluster db --value="$SECRET" </dev/null >out 2>err &&
	check_contains err "unknown option '"'"'--value'"'"'" &&
	check_no_leak out err &&
	check_exit 64 "$AG_BIN" seal --key keys/k1.pub --cluster db --password "$SECRET" </dev/null >out 2>err &&
	check_no_leak out err &&
	"$AG_BIN" help seal >out && check_not_contains out "--value"
'

test_expect_success 'cluster and field are validated' '
	check_exit 64 "$AG_BIN" seal --key keys/k1.pub --cluster 1db </dev/null 2>err &&
	check_contains err "invalid cluster identifier '"'"'1db'"'"'" &&
	check_exit 64 "$AG_BIN" seal --key keys/k1.pub --cluster db--x </dev/null 2>err &&
	check_contains err "two consecutive hyphens" &&
	check_exit 64 "$AG_BIN" seal --key keys/k1.pub --cluster db --field spec.username </dev/null 2>err &&
	check_contains err "the only secret field is '"'"'spec.password'"'"'" &&
	check_exit 64 "$AG_BIN" seal --cluster db </dev/null 2>err &&
	check_contains err "--key" &&
	check_exit 64 "$AG_BIN" seal --key keys/k1.pub </dev/null 2>err &&
	check_contains err "--cluster"
'

test_expect_success 'a missing or malformed public key is a clear error' '
	check_exit 1 "$AG_BIN" seal --key keys/nope.pub --cluster db </dev/null 2>err &&
	check_contains err "keys/nope.pub" &&
	check_exit 1 "$AG_BIN" seal --key keys/k1.key --cluster db </dev/null 2>err &&
	check_contains err "keys/k1.key is a secret key file; give the public key" &&
	sk=$(grep "^secret: " keys/k1.key | cut -d" " -f2) && check_not_contains err "$sk" &&
	echo "hello" >junk.pub &&
	check_exit 1 "$AG_BIN" seal --key junk.pub --cluster db </dev/null 2>err &&
	check_contains err "junk.pub:1: not an aurora-gitops key file"
'

test_expect_success 'the envelope carries the lower-cased cluster and the field' '
	printf "%s" "$SECRET" | "$AG_BIN" seal --key keys/k1.pub --cluster Prod-DB >tok &&
	"$AG_BIN" keygen --out keys/k2 >/dev/null &&
	printf "spec:\n  password: %s\n" "$(cat tok)" >m.yaml &&
	"$AG_BIN" reseal --dry-run --retire k1 --key keys/k2.pub --key-file keys/k1.key m.yaml >out 2>err &&
	check_contains out "m.yaml:2:13: would re-seal cluster '"'"'prod-db'"'"' field '"'"'spec.password'"'"'" &&
	check_no_leak out err
'

test_done
