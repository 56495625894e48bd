#!/usr/bin/env bash
# An HTTP git remote that demands a token: the token comes from an
# environment variable or a file (never the command line); without it, or
# with a wrong one, nothing is read and the error says so; with it, the
# commit is read and the note pushed. The token appears in no output.
. "$(dirname "$0")/test-lib.sh"
. "$(dirname "$0")/lib-git.sh"

start_moto
export AWS_EC2_METADATA_DISABLED=true
STATE="$TRASH/state"
TOKEN=tok-$RANDOM$RANDOM-secret

test_expect_success 'setup: repository behind a token-checking HTTP server' '
	mkdir src && cp "$AG_SRC/manifests/minimal.yaml" src/ &&
	python3 "$AG_SRC/tests/tools/moto-fixture.py" render "$MOTO_URL" src m >/dev/null &&
	make_config_repo "$TRASH/srv/remote.git" work m &&
	(umask 077 && echo "$TOKEN" >token) &&
	echo "$TOKEN" >token.world && chmod 644 token.world
'

(cd "$TRASH" && exec python3 "$AG_SRC/tests/tools/git-http-server.py" --root "$TRASH/srv" \
	--port-file "$TRASH/http.port" --token-file "$TRASH/token" --log "$TRASH/http.log") &
HTTP_PID=$!
test_when_finished "kill $HTTP_PID; wait $HTTP_PID"
wait_for_file "$TRASH/http.port" 100
REMOTE="http://127.0.0.1:$(cat "$TRASH/http.port")/remote.git"

test_expect_success 'without a token: refused, nothing applied' '
	check_exit 1 env -u AURORA_GITOPS_GIT_TOKEN "$AG_BIN" sync --repo "$REMOTE" \
		--state-dir "$STATE" >out 2>err &&
	check_contains err "cannot connect to" &&
	check_contains http.log "auth missing"
'

test_expect_success 'a wrong token: refused' '
	check_exit 1 env WRONG=nope "$AG_BIN" sync --repo "$REMOTE" --git-token-env WRONG \
		--state-dir "$STATE" >out 2>err &&
	check_contains http.log "auth bad"
'

test_expect_success 'a token file others can read is refused' '
	check_exit 1 "$AG_BIN" sync --repo "$REMOTE" --git-token-file token.world \
		--state-dir "$STATE" >out 2>err &&
	check_contains err "readable or writable by others"
'

test_expect_success 'token from a variable: the commit is read over http' '
	GIT_TOKEN_FOR_TEST="$TOKEN" "$AG_BIN" plan --repo "$REMOTE" \
		--git-token-env GIT_TOKEN_FOR_TEST --state-dir "$STATE" -v >out 2>err ||
		{ cat out err; exit 1; }
	short=$(git -C srv/remote.git rev-parse --short=7 main) &&
	check_contains out "main@$short:minimal.yaml" &&
	check_contains http.log "POST /remote.git/git-upload-pack auth ok" &&
	check_not_contains out "$TOKEN" && check_not_contains err "$TOKEN"
'

test_expect_success 'token from a file (mode 0600): the next commit is read too' '
	echo "# second" >>work/minimal.yaml && git -C work commit -qam second &&
	git -C work push -q origin main &&
	"$AG_BIN" plan --repo "$REMOTE" --git-token-file token --state-dir "$STATE" >out 2>err ||
		{ cat out err; exit 1; }
	short=$(git -C srv/remote.git rev-parse --short=7 main) &&
	check_contains out "main@$short:minimal.yaml" &&
	check_not_contains err "$TOKEN"
'

test_expect_success 'sync over http: applied, and the note is pushed with the token' '
	GIT_TOKEN_FOR_TEST="$TOKEN" "$AG_BIN" sync --repo "$REMOTE" \
		--git-token-env GIT_TOKEN_FOR_TEST --state-dir "$STATE" --agent-id h1 \
		--poll-interval 100ms >out 2>err || { cat out err; exit 1; }
	check_contains http.log "POST /remote.git/git-receive-pack auth ok" &&
	note_of srv/remote.git main >n1 &&
	note_query n1 "lines[0][\"result\"] == \"applied\" and lines[0][\"agent\"] == \"h1\"" &&
	check_not_contains n1 "$TOKEN" &&
	git -C srv/remote.git fsck --no-dangling
'

test_done
