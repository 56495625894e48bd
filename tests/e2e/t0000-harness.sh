#!/usr/bin/env bash
# The harness itself: a failing line anywhere in a body fails that test
# (reported `not ok`, the script exits non-zero), whether or not it is
# chained, inside a heredoc-fed python assert, a helper function or a
# pipeline; a passing body sees the script's variables and functions.
# Each case is an inner test script run as a child; its output is checked.
. "$(dirname "$0")/test-lib.sh"

# inner NAME BODY-LINES...: writes inner/NAME.sh whose single test has the
# given body, runs it with its scratch directory under ours, and records
# its output in NAME.out and its exit status in NAME.rc.
inner() {
	local name=$1
	shift
	mkdir -p inner tmp
	{
		printf '. "%s/tests/e2e/test-lib.sh"\n' "$AG_SRC"
		printf 'VISIBLE=yes\n'
		printf 'helper() { [ "$1" = good ]; }\n'
		printf "test_expect_success 'the case' '\n"
		printf '%s\n' "$@"
		printf "'\n"
		printf 'test_done\n'
	} >"inner/$name.sh"
	set +e
	TMPDIR="$TRASH/tmp" bash "inner/$name.sh" >"$name.out" 2>&1
	echo $? >"$name.rc"
	set -e
}

# expect_fails NAME: the inner test reported not ok and exited non-zero.
expect_fails() {
	check_contains "$1.out" "not ok 1 - the case" &&
	check_contains "$1.out" "0 passed, 1 failed" &&
	[ "$(cat "$1.rc")" -ne 0 ] || { echo "$1 exited $(cat "$1.rc")"; return 1; }
}

expect_passes() {
	check_contains "$1.out" "ok 1 - the case" &&
	check_not_contains "$1.out" "not ok" &&
	[ "$(cat "$1.rc")" -eq 0 ] || { echo "$1 exited $(cat "$1.rc"):"; cat "$1.out"; return 1; }
}

test_expect_success 'an unchained failing line fails the test' '
	inner unchained "	false" "	echo still-running >&2" "	true" &&
	expect_fails unchained &&
	check_not_contains unchained.out still-running
'

test_expect_success 'a failing python assert fed by a heredoc fails the test' '
	inner pyassert "	python3 - <<-PY" "	assert 1 + 1 == 3, \"arithmetic\"" "	PY" "	true" &&
	expect_fails pyassert &&
	check_contains pyassert.out "AssertionError: arithmetic"
'

test_expect_success 'a failing grep, helper or pipeline stage fails the test' '
	inner grep "	echo abc >f" "	grep -q xyz f" "	true" &&
	expect_fails grep &&
	inner helper "	helper bad" "	true" &&
	expect_fails helper &&
	inner pipe "	python3 -c \"raise SystemExit(3)\" | cat" "	true" &&
	expect_fails pipe
'

test_expect_success 'a failing last command of a chain fails the test' '
	inner chain "	true &&" "	false" &&
	expect_fails chain
'

test_expect_success 'exit in a body ends only that test' '
	inner exit "	exit 7" &&
	expect_fails exit &&
	check_contains exit.out "(exit 7)"
'

test_expect_success 'the chain lint refuses an && list followed by more commands' '
	inner brokenchain "	false &&" "	true" "	echo next" &&
	expect_fails brokenchain &&
	check_contains brokenchain.out "(chain lint)" &&
	check_contains brokenchain.out "chain lint: body line 2: false && true"
'

test_expect_success 'the chain lint refuses a negated command followed by more commands' '
	inner negated "	! true" "	echo next" &&
	expect_fails negated &&
	check_contains negated.out "a negated command"
'

test_expect_success 'the chain lint sees through heredocs and accepts handled lists' '
	inner heredocchain "	true &&" "	python3 - <<-PY &&" "	x = 1 and 2" "	PY" "	true ||" \
		"	{ echo handled; exit 1; }" "	false && true || true" "	[ -n \"a && b\" ]" "	if true && true; then :; fi" "	true" &&
	expect_passes heredocchain &&
	inner heredocbroken "	true &&" "	python3 - <<-PY" "	x = 1" "	PY" "	true" &&
	expect_fails heredocbroken &&
	check_contains heredocbroken.out "(chain lint)"
'

test_expect_success 'a passing body sees the script variables and functions' '
	inner good "	[ \"\$VISIBLE\" = yes ]" "	helper good" "	echo fine | grep -q fine" &&
	expect_passes good
'

test_expect_success 'a failed script keeps its scratch directory and says where' '
	kept=$(sed -n "s/^# scratch directory kept: //p" unchained.out) &&
	[ -n "$kept" ] && [ -d "$kept" ] &&
	case $kept in "$TRASH"/tmp/*) ;; *) echo "kept outside: $kept"; exit 1 ;; esac
'

test_expect_success 'a passing script removes its scratch directory' '
	[ -z "$(ls tmp | grep "^ag-good\.")" ]
'

# A leak makes an ASan-built program exit 23, never the 1 of a handled error.
test_expect_success 'a leak found at exit is exit status 23' '
	printf "#include <stdlib.h>\nvoid *keep;\nint main(void) { keep = malloc(64); keep = 0; return 0; }\n" >leak.c &&
	cc -fsanitize=address -g -o leak leak.c &&
	check_exit 23 ./leak 2>leak.err &&
	check_contains leak.err "LeakSanitizer"
'

test_done
