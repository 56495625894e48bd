# Shared by t0502 and t0505: three agents race to note the same commits.
# Source after test-lib.sh; defines the setup test (N commits of one
# manifest, plan mode), run_agents and check_notes.
. "$(dirname "$0")/lib-git.sh"

N=${AG_NOTES_COMMITS:-50}
start_moto
export AWS_EC2_METADATA_DISABLED=true

test_expect_success 'setup: remote with 50 commits (manifests unchanged, plan mode)' '
	mkdir src && cp "$AG_SRC/manifests/minimal.yaml" src/ &&
	python3 "$AG_SRC/tests/tools/moto-fixture.py" render "$MOTO_URL" src m >/dev/null &&
	make_config_repo "$TRASH/remote.git" work m &&
	for i in $(seq 2 "$N"); do
		echo "$i" >work/counter.txt && git -C work add counter.txt &&
		git -C work commit -qm "commit $i" || exit 1
	done &&
	git -C work push -q origin main &&
	git -C remote.git rev-list --reverse main >commits &&
	[ "$(wc -l <commits)" -eq "$N" ]
'

# run_agents URL TAG: three agents sync every commit in parallel.
run_agents() {
	local url=$1 tag=$2 a pids=()
	for a in 1 2 3; do
		(
			while read -r sha; do
				"$AG_BIN" sync -q --repo "$url" --ref "$sha" --mode plan \
					--state-dir "$TRASH/state-$tag-$a" --agent-id "$tag-$a" \
					>>"$TRASH/agent-$tag-$a.out" 2>>"$TRASH/agent-$tag-$a.err" ||
					{ echo "sync of $sha failed" >>"$TRASH/agent-$tag-$a.err"; exit 1; }
			done <"$TRASH/commits"
		) &
		pids+=($!)
	done
	local rc=0 p
	for p in "${pids[@]}"; do wait "$p" || rc=1; done
	[ "$rc" -eq 0 ] || { tail -n 5 "$TRASH"/agent-"$tag"-*.err; return 1; }
}

# check_notes TAG: every commit has a planned line from each of the three.
check_notes() {
	local tag=$1
	git -C remote.git fsck --no-dangling >fsck.out 2>&1 || { cat fsck.out; return 1; }
	: >missing
	while read -r sha; do
		note_of remote.git "$sha" >n.txt
		for a in 1 2 3; do
			grep -q "\"agent\":\"$tag-$a\",\"kind\":\"plan\",\"cluster\":\"minimal-pg\"" n.txt ||
				echo "$sha $tag-$a" >>missing
		done
	done <commits
	[ ! -s missing ] || { echo "lines lost:"; head missing; wc -l missing; return 1; }
}
