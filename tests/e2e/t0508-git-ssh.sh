#!/usr/bin/env bash
# ssh:// transport against a real sshd on loopback (its own host key,
# authorized key and port): sync --repo clones, applies and pushes its note
# over ssh; an unknown host key is refused unless trust on first use is
# asked for, and then recorded; a changed host key is always refused; key
# and known_hosts files others can touch are refused.
. "$(dirname "$0")/test-lib.sh"
. "$(dirname "$0")/lib-git.sh"

SSHD=$(command -v sshd || echo /usr/sbin/sshd)
[ -x "$SSHD" ] || skip_all "sshd is not installed (contrib/deps.sh installs openssh-server)"
# libgit2 1.5.1 leaks a little on every ssh connect: full stacks, so the
# suppressions can name libgit2's connect and nothing of ours.
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1}:fast_unwind_on_malloc=0"
export LSAN_OPTIONS="suppressions=$AG_SRC/tests/lsan-ssh.supp:print_suppressions=0"
start_moto
export AWS_EC2_METADATA_DISABLED=true
ME=$(id -un)
SSH_PORT=$(free_port)
REMOTE="ssh://$ME@127.0.0.1:$SSH_PORT$TRASH/remote.git"
KEY="$TRASH/ssh/id_ecdsa"
KH="$TRASH/ssh/known_hosts"

# sshd belongs to the script, so it is stopped however a test ends.
mkdir -p "$TRASH/ssh" && chmod 700 "$TRASH/ssh"
ssh-keygen -q -t ecdsa -b 256 -N "" -f "$TRASH/ssh/host_key" -C host
ssh-keygen -q -t ecdsa -b 256 -m PEM -N "" -f "$KEY" -C agent
cp "$KEY.pub" "$TRASH/ssh/authorized_keys"
cat >"$TRASH/ssh/sshd_config" <<CONF
Port $SSH_PORT
ListenAddress 127.0.0.1
HostKey $TRASH/ssh/host_key
PidFile $TRASH/ssh/sshd.pid
AuthorizedKeysFile $TRASH/ssh/authorized_keys
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
PermitRootLogin prohibit-password
LogLevel VERBOSE
CONF
[ "$(id -u)" -ne 0 ] || mkdir -p /run/sshd
"$SSHD" -D -e -f "$TRASH/ssh/sshd_config" 2>"$TRASH/ssh/sshd.log" &
SSHD_PID=$!
test_when_finished "kill $SSHD_PID; wait $SSHD_PID"
for _ in $(seq 100); do
	python3 -c "import socket,sys; socket.create_connection(('127.0.0.1', $SSH_PORT), 0.2)" \
		2>/dev/null && break
	sleep 0.1
done

test_expect_success 'setup: a bare repository reachable over ssh' '
	mkdir src && cp "$AG_SRC/manifests/minimal.yaml" src/ &&
	python3 "$AG_SRC/tests/tools/moto-fixture.py" render "$MOTO_URL" src m >/dev/null &&
	make_config_repo "$TRASH/remote.git" work m &&
	kill -0 "$SSHD_PID" || { cat "$TRASH/ssh/sshd.log"; false; }
'

test_expect_success 'an unknown host key is refused and nothing is applied' '
	check_exit 1 "$AG_BIN" sync --repo "$REMOTE" --state-dir "$TRASH/state" \
		--ssh-key "$KEY" --ssh-known-hosts "$KH" >out1 2>&1 &&
	check_contains out1 "not in known_hosts" &&
	test ! -e "$KH" &&
	boto3_run <<-PY
	assert rds.describe_db_clusters()["DBClusters"] == []
	PY
'

test_expect_success 'trust on first use records the key; sync applies and notes over ssh' '
	"$AG_BIN" sync --repo "$REMOTE" --state-dir "$TRASH/state" --agent-id s1 \
		--ssh-key "$KEY" --ssh-known-hosts "$KH" --ssh-accept-new-host \
		--poll-interval 100ms >out2 2>&1 || { cat out2 "$TRASH/ssh/sshd.log"; exit 1; }
	check_contains out2 "trusting the new ssh host key" &&
	grep -q "^127.0.0.1 ecdsa-sha2-nistp256 " "$KH" &&
	[ "$(stat -c %a "$KH")" = 600 ] &&
	note_of remote.git main >note &&
	note_query note "any(l[\"kind\"] == \"apply\" and l[\"result\"] == \"applied\" and l[\"agent\"] == \"s1\" for l in lines)" &&
	grep -q "Accepted publickey for $ME" "$TRASH/ssh/sshd.log"
'

test_expect_success 'the recorded key is used from then on, without trust on first use' '
	"$AG_BIN" sync -q --repo "$REMOTE" --state-dir "$TRASH/state" --agent-id s1 \
		--ssh-key "$KEY" --ssh-known-hosts "$KH" >out3 2>&1 || { cat out3; exit 1; }
	[ "$(grep -c . "$KH")" -eq 1 ]
'

test_expect_success 'a changed host key is refused even with trust on first use' '
	ssh-keygen -q -t ecdsa -b 256 -N "" -f other -C other &&
	key=$(cut -d" " -f2 other.pub) &&
	echo "127.0.0.1 ecdsa-sha2-nistp256 $key" >"$TRASH/ssh/kh-changed" &&
	chmod 600 "$TRASH/ssh/kh-changed" &&
	check_exit 1 "$AG_BIN" sync --repo "$REMOTE" --state-dir "$TRASH/state2" \
		--ssh-key "$KEY" --ssh-known-hosts "$TRASH/ssh/kh-changed" \
		--ssh-accept-new-host >out4 2>&1 &&
	check_contains out4 "host key changed" &&
	[ "$(grep -c . "$TRASH/ssh/kh-changed")" -eq 1 ]
'

test_expect_success 'a key others can read, or known_hosts others can write, is refused' '
	cp "$KEY" loose_key && chmod 644 loose_key &&
	check_exit 1 "$AG_BIN" plan --repo "$REMOTE" --state-dir "$TRASH/state3" \
		--ssh-key loose_key --ssh-known-hosts "$KH" >out5 2>&1 &&
	check_contains out5 "ssh key" &&
	check_contains out5 "chmod 600" &&
	cp "$KH" kh-open && chmod 666 kh-open &&
	check_exit 1 "$AG_BIN" plan --repo "$REMOTE" --state-dir "$TRASH/state3" \
		--ssh-key "$KEY" --ssh-known-hosts kh-open >out6 2>&1 &&
	check_contains out6 "writable by others"
'

test_done
