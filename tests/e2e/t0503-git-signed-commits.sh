#!/usr/bin/env bash
# --require-signed-commits: only a head signed (git's SSH format, ed25519)
# by a key in the allowed-signers file is applied. A head signed by another
# key, or unsigned, is noted as skipped and nothing is sent to AWS.
. "$(dirname "$0")/test-lib.sh"
. "$(dirname "$0")/lib-git.sh"

command -v ssh-keygen >/dev/null || skip_all "ssh-keygen (openssh-client) is not installed"
start_moto
export AWS_EC2_METADATA_DISABLED=true
STATE="$TRASH/state"
REMOTE="file://$TRASH/remote.git"

sign() { # KEY MESSAGE: commit everything staged, signed with KEY
	git -C work -c gpg.format=ssh -c user.signingkey="$TRASH/$1" commit -S -qam "$2"
}

sync_signed() {
	"$AG_BIN" sync --repo "$REMOTE" --state-dir "$STATE" --agent-id s1 \
		--require-signed-commits --allowed-signers "$TRASH/allowed_signers" \
		--poll-interval 100ms "$@"
}

clusters() {
	boto3_run <<-PY
	print(" ".join(sorted(c["DBClusterIdentifier"] for c in rds.describe_db_clusters()["DBClusters"])))
	PY
}

test_expect_success 'setup: keys, allowed signers, repository' '
	ssh-keygen -q -t ed25519 -N "" -C alice -f alice &&
	ssh-keygen -q -t ed25519 -N "" -C mallory -f mallory &&
	echo "alice@example.com namespaces=\"git\" $(cut -d" " -f1,2 alice.pub)" >allowed_signers &&
	mkdir src && cp "$AG_SRC/manifests/minimal.yaml" src/ &&
	python3 "$AG_SRC/tests/tools/moto-fixture.py" render "$MOTO_URL" src m >/dev/null &&
	make_config_repo "$TRASH/remote.git" work m
'

test_expect_success 'an unsigned head is not applied and is noted' '
	check_exit 1 sync_signed >out 2>err &&
	check_contains err "is not signed" &&
	[ -z "$(clusters)" ] &&
	note_of remote.git main >n1 &&
	note_query n1 "lines[0][\"kind\"] == \"skipped\" and lines[0][\"result\"] == \"unsigned\" and \"nothing was applied\" in lines[0][\"error\"]"
'

test_expect_success 'a head signed by a key not allowed is not applied' '
	echo "# signed by the wrong key" >>work/minimal.yaml && sign mallory "mallory" &&
	git -C work push -q origin main &&
	check_exit 1 git -C work -c gpg.ssh.allowedSignersFile="$TRASH/allowed_signers" \
		verify-commit HEAD &&
	check_exit 1 sync_signed >out 2>err &&
	check_contains err "not in the allowed signers" &&
	[ -z "$(clusters)" ] &&
	note_of remote.git main >n2 &&
	note_query n2 "lines[0][\"result\"] == \"untrusted-signer\""
'

test_expect_success 'a head signed by an allowed key is applied, the note names the signer' '
	echo "# signed by alice" >>work/minimal.yaml && sign alice "alice" &&
	git -C work push -q origin main &&
	git -C work -c gpg.ssh.allowedSignersFile="$TRASH/allowed_signers" verify-commit HEAD 2>/dev/null &&
	sync_signed >out 2>err || { cat out err; exit 1; }
	[ "$(clusters)" = "minimal-pg" ] &&
	note_of remote.git main >n3 &&
	note_query n3 "lines[0][\"result\"] == \"applied\" and lines[0][\"signer\"] == \"alice@example.com\""
'

test_expect_success 'a writable allowed-signers file or a bad line is refused' '
	chmod 666 allowed_signers &&
	check_exit 1 sync_signed >out 2>err &&
	check_contains err "writable by group or others" &&
	chmod 644 allowed_signers && echo "bob@example.com cert-authority $(cut -d" " -f1,2 mallory.pub)" >>allowed_signers &&
	check_exit 1 sync_signed >out 2>err &&
	check_contains err "allowed_signers:2: unsupported option"
'

test_done
