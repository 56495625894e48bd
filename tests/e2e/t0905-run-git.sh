#!/usr/bin/env bash
# run --repo: a commit pushed to a file:// remote is planned, applied and
# noted promptly, through inotify on the local bare repository and through
# --interval polling (the agent polls hourly here, so a note within seconds
# proves the event path; the sub-second latency itself is measured by
# bench/run-latency.sh, not asserted on a loaded, sanitized test build);
# the remote is fetched only when its branch moved; an authenticated
# webhook makes the agent look at once; notes carry the shard.
. "$(dirname "$0")/test-lib.sh"
. "$(dirname "$0")/lib-git.sh"

start_moto
export AWS_EC2_METADATA_DISABLED=true
SECRET=hook-secret-for-tests
export AURORA_GITOPS_WEBHOOK_SECRET=$SECRET

count() { grep -cF -- "$2" "$1" || true; }

# commit_retention N: a commit setting backupRetentionPeriod to N, pushed;
# prints the commit id
commit_retention() {
	sed -i "/backupRetentionPeriod/d; s/storageEncrypted: true/storageEncrypted: true\n  backupRetentionPeriod: $1/" work/minimal.yaml &&
	git -C work commit -qam "retention $1" &&
	git -C work push -q origin main &&
	git -C work rev-parse HEAD
}

# wait_note REV SECONDS: until the remote has an apply note on REV; prints ms
wait_note() {
	local start=$(date +%s%N) i
	for i in $(seq 1 $(($2 * 100))); do
		if note_of remote.git "$1" | grep -q '"kind":"apply"'; then
			echo $((($(date +%s%N) - start) / 1000000))
			return 0
		fi
		sleep 0.01
	done
	say "no apply note on $1 after $2 s"
	return 1
}

test_expect_success 'setup: a bare remote with one manifest' '
	mkdir src && cp "$AG_SRC/manifests/minimal.yaml" src/ &&
	python3 "$AG_SRC/tests/tools/moto-fixture.py" render "$MOTO_URL" src m >/dev/null &&
	make_config_repo "$TRASH/remote.git" work m
'

test_expect_success 'run --repo with inotify: the first cycle is noted' '
	port=$(free_port) && echo $port >port &&
	hook=$(free_port) && echo $hook >hook &&
	("$AG_BIN" run --repo "file://$TRASH/remote.git" --branch main --state-dir "$TRASH/state" \
		--interval 1h --drift-interval 1h --listen 127.0.0.1:$port --webhook 127.0.0.1:$hook \
		--shard 0/1 >"$TRASH/run.log" 2>&1 & echo $! >"$TRASH/run.pid") &&
	wait_for run.log "cycle done" &&
	check_contains run.log "watching the refs of" &&
	wait_note $(git -C work rev-parse HEAD) 10
'
agent_pid=$(cat "$TRASH/run.pid" 2>/dev/null)
test_when_finished "kill $agent_pid"

test_expect_success 'a pushed commit is applied and noted at once (inotify, hourly polling)' '
	sleep 6 && # let the follow-up of the create pass
	rev=$(commit_retention 9) &&
	ms=$(wait_note $rev 10) &&
	say "push -> note: $ms ms" &&
	test "$ms" -lt 5000 &&
	note_of remote.git $rev >note.txt &&
	check_note_lines note.txt &&
	note_query note.txt "any(l[\"kind\"] == \"apply\" and l[\"cluster\"] == \"minimal-pg\" and l[\"result\"] == \"applied\" for l in lines)"
'

test_expect_success 'an unchanged remote is not fetched again' '
	before=$(count run.log "(fetched)") &&
	cycles=$(count run.log "cycle: new commit") &&
	curl -sf -X POST -H "X-Gitlab-Event: Push Hook" -H "X-Gitlab-Token: $SECRET" \
		--data "{}" http://127.0.0.1:$(cat hook)/ >/dev/null &&
	wait_for run.log "webhook: checking the source now" &&
	sleep 0.5 &&
	test "$(count run.log "(fetched)")" = "$before" &&
	test "$(count run.log "cycle: new commit")" = "$cycles"
'

test_expect_success 'the status page names the commit' '
	curl -sf http://127.0.0.1:$(cat port)/ >page.html &&
	check_contains page.html "main@$(git -C work rev-parse --short=7 HEAD)" &&
	check_contains page.html "file://" &&
	kill -TERM $(cat run.pid) &&
	wait_for run.log "stopped"
'

test_expect_success 'webhook only: a wrong token fetches nothing, a right one fetches at once' '
	("$AG_BIN" run --repo "file://$TRASH/remote.git" --branch main --state-dir "$TRASH/state" \
		--interval 1h --drift-interval 1h --no-watch --listen 127.0.0.1:$(cat port) \
		--webhook 127.0.0.1:$(cat hook) >"$TRASH/hook.log" 2>&1 & echo $! >"$TRASH/hook.pid") &&
	wait_for hook.log "cycle done" &&
	curl -sf http://127.0.0.1:$(cat port)/metrics >m1.txt &&
	fetched=$(sed -n "s/^aurora_gitops_git_fetches_total{result=\"ok\"} //p" m1.txt) &&
	rev=$(commit_retention 8) &&
	body="{\"ref\":\"refs/heads/main\"}" &&
	code=$(curl -s -o /dev/null -w "%{http_code}" -X POST -H "X-GitHub-Event: push" \
		-H "X-Hub-Signature-256: sha256=$(printf %064d 0)" --data "$body" \
		http://127.0.0.1:$(cat hook)/) &&
	test "$code" = 401 &&
	code=$(curl -s -o /dev/null -w "%{http_code}" -X POST -H "X-Gitlab-Event: Push Hook" \
		-H "X-Gitlab-Token: wrong" --data "{}" http://127.0.0.1:$(cat hook)/) &&
	test "$code" = 401 &&
	sleep 1 &&
	test -z "$(note_of remote.git $rev)" &&
	check_not_contains hook.log "(fetched)" &&
	sig=$(python3 -c "import hmac, hashlib, sys; print(hmac.new(sys.argv[1].encode(), sys.argv[2].encode(), hashlib.sha256).hexdigest())" "$SECRET" "$body") &&
	code=$(curl -s -o /dev/null -w "%{http_code}" -X POST -H "X-GitHub-Event: push" \
		-H "X-Hub-Signature-256: sha256=$sig" --data "$body" http://127.0.0.1:$(cat hook)/) &&
	test "$code" = 202 &&
	ms=$(wait_note $rev 10) &&
	say "webhook -> note: $ms ms" &&
	test "$ms" -lt 5000 &&
	check_contains hook.log "(fetched)" &&
	curl -sf http://127.0.0.1:$(cat port)/metrics >m2.txt &&
	test "$(sed -n "s/^aurora_gitops_git_fetches_total{result=\"ok\"} //p" m2.txt)" -gt "$fetched" &&
	check_contains m2.txt "aurora_gitops_webhooks_total{result=\"rejected\"} 2" &&
	kill -TERM $(cat hook.pid) &&
	wait_for hook.log "stopped"
'
hook_pid=$(cat "$TRASH/hook.pid" 2>/dev/null)
test_when_finished "kill $hook_pid"

test_expect_success 'polling: --no-watch --interval 1s sees pushes within the interval' '
	("$AG_BIN" run --repo "file://$TRASH/remote.git" --branch main --state-dir "$TRASH/state" \
		--interval 1s --no-watch --drift-interval 1h >"$TRASH/poll.log" 2>&1 & echo $! >"$TRASH/poll.pid") &&
	wait_for poll.log "cycle done" &&
	check_not_contains poll.log "watching the refs" &&
	sleep 1 &&
	rev=$(commit_retention 12) &&
	ms=$(wait_note $rev 10) &&
	say "push -> note (polling 1s): $ms ms" &&
	test "$ms" -lt 5000 &&
	check_contains poll.log "ref check (interval)"
'
poll_pid=$(cat "$TRASH/poll.pid" 2>/dev/null)
test_when_finished "kill $poll_pid"

test_expect_success 'with --shard the notes record the shard' '
	kill -TERM $(cat poll.pid) && wait_for poll.log "stopped" &&
	("$AG_BIN" run --repo "file://$TRASH/remote.git" --branch main --state-dir "$TRASH/state" \
		--interval 1h --shard 0/2 --drift-interval 1h >"$TRASH/shard.log" 2>&1 & echo $! >"$TRASH/shard.pid") &&
	wait_for shard.log "cycle " &&
	rev=$(commit_retention 13) &&
	wait_for shard.log "main@$(git -C work rev-parse --short=7 HEAD)" 10 &&
	sleep 0.5 &&
	note_of remote.git $rev >snote.txt &&
	cat snote.txt &&
	note_query snote.txt "all(l.get(\"shard\") == \"0/2\" for l in lines)" &&
	kill -TERM $(cat shard.pid) && wait_for shard.log "stopped"
'
shard_pid=$(cat "$TRASH/shard.pid" 2>/dev/null)
test_when_finished "kill $shard_pid"

test_done
