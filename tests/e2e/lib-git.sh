# Helpers for the end-to-end tests of git sources and notes. Source after
# test-lib.sh. Repositories live in $TRASH; git runs with a private HOME
# and identity so the machine's configuration never leaks in.

export HOME="$TRASH/home"
mkdir -p "$HOME"
export GIT_CONFIG_NOSYSTEM=1 GIT_AUTHOR_NAME=tester GIT_AUTHOR_EMAIL=tester@example.com
export GIT_COMMITTER_NAME=tester GIT_COMMITTER_EMAIL=tester@example.com
git config --global init.defaultBranch main
git config --global protocol.file.allow always
# Leaks inside libgit2's regex library are not ours (see tests/lsan.supp).
export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$AG_SRC/tests/lsan.supp:print_suppressions=0}

# make_config_repo BARE WORK MANIFEST_DIR: a bare remote and a work clone
# whose first commit holds the manifests of MANIFEST_DIR.
make_config_repo() {
	git init -q --bare "$1" &&
	git init -q "$2" &&
	cp "$3"/*.yaml "$2"/ &&
	git -C "$2" add -A &&
	git -C "$2" commit -qm "manifests" &&
	git -C "$2" remote add origin "$1" &&
	git -C "$2" push -q origin main
}

# note_of REPO REV: the aurora-gitops note on REV (empty when none).
note_of() {
	git -C "$1" notes --ref aurora-gitops show "$2" 2>/dev/null || true
}

# check_note_lines FILE: every line is a JSON object with v, ts and kind.
check_note_lines() {
	python3 - "$1" <<-'PY'
	import json, sys
	lines = open(sys.argv[1]).read().splitlines()
	assert lines, "empty note"
	for l in lines:
	    o = json.loads(l)
	    assert isinstance(o, dict) and o["v"] == 1 and "ts" in o and "kind" in o, l
	PY
}

# note_query FILE PYEXPR: evaluates PYEXPR with `lines` = the parsed lines;
# fails when it is false.
note_query() {
	python3 - "$1" "$2" <<-'PY'
	import json, sys
	lines = [json.loads(l) for l in open(sys.argv[1]).read().splitlines() if l]
	ok = eval(sys.argv[2])
	if not ok:
	    print("note query failed:", sys.argv[2])
	    for l in lines:
	        print(json.dumps(l))
	    sys.exit(1)
	PY
}

# wait_for_file FILE [TENTHS]: until FILE is non-empty (default 30 s).
wait_for_file() {
	local i
	for i in $(seq 1 "${2:-300}"); do
		if [ -s "$1" ]; then return 0; fi
		sleep 0.1
	done
	return 1
}

# wait_for_git URL: until `git ls-remote URL` answers (5 s).
wait_for_git() {
	local i
	for i in $(seq 1 50); do
		if git ls-remote "$1" >/dev/null 2>&1; then return 0; fi
		sleep 0.1
	done
	return 1
}

# wait_line REF REV PATTERN [SECONDS]: until the note on REV under
# refs/notes/REF in remote.git has a line matching PATTERN (default 20 s)
wait_line() {
	local i
	for i in $(seq 1 $((${4:-20} * 20))); do
		git -C remote.git notes --ref "$1" show "$2" 2>/dev/null | grep -q -- "$3" && return 0
		sleep 0.05
	done
	say "no line matching '$3' in the note on $2 ($1):"
	git -C remote.git notes --ref "$1" show "$2" 2>&1
	return 1
}
