#!/usr/bin/env bash
# plan --out FILE writes a regular file atomically, but never replaces what
# is not one: a FIFO or a device is written in place, a symbolic link to a
# file is refused with a clear message and left as it was.
. "$(dirname "$0")/test-lib.sh"

start_moto
export AWS_EC2_METADATA_DISABLED=true
STATE="$TRASH/state"

# same_plan A B: the two JSON plans are equal but for the time they were made.
same_plan() {
	grep -v "\"now\":" "$1" >"$1.cmp" &&
	grep -v "\"now\":" "$2" >"$2.cmp" &&
	cmp "$1.cmp" "$2.cmp"
}

test_expect_success 'setup: one manifest' '
	mkdir m &&
	cp "$AG_SRC/manifests/minimal.yaml" m/ &&
	"$AG_BIN" plan --dir m --state-dir "$STATE" --format json >want.json &&
	check_contains want.json "minimal-pg"
'

test_expect_success 'a new file and an existing file are written whole, mode kept' '
	"$AG_BIN" plan --dir m --state-dir "$STATE" --format json --out new.json &&
	same_plan want.json new.json &&
	echo old >kept.json && chmod 640 kept.json &&
	"$AG_BIN" plan --dir m --state-dir "$STATE" --format json --out kept.json &&
	same_plan want.json kept.json &&
	test "$(stat -c %a kept.json)" = 640 &&
	test -z "$(ls | grep "\.tmp\." || true)"
'

test_expect_success 'a FIFO is written in place and stays a FIFO' '
	mkfifo plan.fifo &&
	{ timeout 30 cat plan.fifo >from-fifo.json & } &&
	reader=$! &&
	"$AG_BIN" plan --dir m --state-dir "$STATE" --format json --out plan.fifo &&
	wait $reader &&
	same_plan want.json from-fifo.json &&
	test -p plan.fifo
'

# A private null device, never the system one: a writer that replaced its
# target would replace only this node.
if mknod "$TRASH/dev-null" c 1 3 2>/dev/null && echo probe >"$TRASH/dev-null"; then
	test_expect_success 'a character device is written in place, not replaced' '
		"$AG_BIN" plan --dir m --state-dir "$STATE" --out dev-null &&
		test -c dev-null
	'
else
	test_skip "a character device: this machine cannot make one (mknod needs root)"
fi

test_expect_success 'a link to a pipe (/dev/stdout) is written through' '
	"$AG_BIN" plan --dir m --state-dir "$STATE" --format json --out /dev/stdout |
		cat >via-stdout.json &&
	same_plan want.json via-stdout.json
'

test_expect_success 'a symbolic link to a file is refused and left alone' '
	echo precious >target.txt &&
	ln -s target.txt link.json &&
	check_exit 1 "$AG_BIN" plan --dir m --state-dir "$STATE" --out link.json >out 2>err &&
	check_contains err "'"'"'link.json'"'"' is a symbolic link; refusing to replace it or write through it" &&
	test -L link.json &&
	test "$(readlink link.json)" = target.txt &&
	test "$(cat target.txt)" = precious
'

test_expect_success 'a directory is refused' '
	mkdir adir &&
	check_exit 1 "$AG_BIN" plan --dir m --state-dir "$STATE" --out adir >out 2>err &&
	check_contains err "cannot write '"'"'adir'"'"': it is a directory" &&
	test -d adir
'

test_done
