#!/usr/bin/env bash
# Options know their command: each command takes only its own options, its
# help lists exactly those, durations and counts are bounded, empty values
# and stray arguments are usage errors (64) that name what was wrong and
# never crash, and misuse messages name the argument actually at fault.
. "$(dirname "$0")/test-lib.sh"

# usage_error NAME CMD...: exit 64, stderr in NAME.err, no sanitizer report.
usage_error() {
	local name=$1
	shift
	check_exit 64 "$AG_BIN" "$@" >"$name.out" 2>"$name.err" &&
	check_not_contains "$name.err" "Sanitizer" &&
	check_not_contains "$name.err" "runtime error"
}

test_expect_success 'an option of another command is a usage error naming both' '
	usage_error um unmanaged --dir . --max-deletes 3 &&
	check_contains um.err "aurora-gitops unmanaged: option '"'"'--max-deletes'"'"' is not an option of '"'"'unmanaged'"'"'" &&
	check_contains um.err "usage: aurora-gitops unmanaged (--dir DIR | --repo URL)" &&
	usage_error pw plan --dir . --wait-timeout 5m &&
	check_contains pw.err "option '"'"'--wait-timeout'"'"' is not an option of '"'"'plan'"'"'" &&
	usage_error sa sync --dir . --auto-approve &&
	check_contains sa.err "option '"'"'--auto-approve'"'"' is not an option of '"'"'sync'"'"'" &&
	usage_error io import --max-deletes 3 x &&
	check_contains io.err "option '"'"'--max-deletes'"'"' is not an option of '"'"'import'"'"'"
'

# Every option any reconcile command shows in its help is tried on every
# reconcile command: accepted exactly where that command's help lists it.
test_expect_success 'help and parser agree for every reconcile command' '
	for c in plan apply sync unmanaged import; do
		"$AG_BIN" help $c >help-$c.txt &&
		grep -oE "^  (-[a-z], )?--[a-z-]+" help-$c.txt | sed "s/.*--/--/" | sort -u >opts-$c.txt &&
		test -s opts-$c.txt || { echo "no options in help $c"; cat help-$c.txt; exit 1; }
	done &&
	cat opts-*.txt | sort -u >all.txt &&
	test $(wc -l <all.txt) -gt 25 &&
	for c in plan apply sync unmanaged import; do
		while read -r o; do
			set +e
			# the unknown last option stops the command before it runs
			"$AG_BIN" $c "$o" x --zz-stop >/dev/null 2>err.txt </dev/null
			set -e
			if grep -qxF -- "$o" opts-$c.txt; then
				! grep -q "is not an option of" err.txt ||
					{ echo "$c refuses $o that its help lists"; cat err.txt; exit 1; }
			else
				grep -qF "option '"'"'$o'"'"' is not an option of '"'"'$c'"'"'" err.txt ||
					{ echo "$c accepts $o that its help does not list"; cat err.txt; exit 1; }
			fi
		done <all.txt
	done
'

test_expect_success 'stray arguments are usage errors' '
	for c in plan apply sync unmanaged; do
		usage_error stray-$c $c --dir . extra &&
		check_contains stray-$c.err "unexpected argument '"'"'extra'"'"'" || exit 1
	done &&
	usage_error version version now &&
	check_contains version.err "aurora-gitops version: unexpected argument '"'"'now'"'"'" &&
	usage_error help help plan apply &&
	check_contains help.err "unexpected argument '"'"'apply'"'"'" &&
	usage_error import-empty import "" &&
	check_contains import-empty.err "an empty argument"
'

test_expect_success 'durations are bounded: no overflow, no zero poll' '
	usage_error wt apply --dir . --wait-timeout 5000000000000h &&
	check_contains wt.err "--wait-timeout '"'"'5000000000000h'"'"' is out of range (from 1s to 48h)" &&
	usage_error wt2 sync --dir . --wait-timeout 99999999999999999999999ms &&
	check_contains wt2.err "out of range (from 1s to 48h)" &&
	usage_error wt3 sync --dir . --wait-timeout 49h &&
	usage_error pi sync --dir . --poll-interval 0 &&
	check_contains pi.err "--poll-interval '"'"'0'"'"' is out of range (from 100ms to 1h)" &&
	usage_error pi2 apply --dir . --poll-interval 0ms &&
	usage_error pi3 sync --dir . --poll-interval -5s &&
	check_contains pi3.err "bad duration" &&
	usage_error pi4 sync --dir . --poll-interval 5w &&
	usage_error pi5 sync --dir . --poll-interval 1d &&
	check_contains pi5.err "out of range" &&
	check_contains pi4.err "bad duration '"'"'5w'"'"'"
'

test_expect_success 'counts are bounded and whole' '
	for v in -1 1001 1e3 " 3" 3x 99999999999999999999; do
		usage_error md sync --dir . --max-deletes "$v" &&
		check_contains md.err "--max-deletes takes a whole number from 0 to 1000" || exit 1
	done
'

test_expect_success 'an empty value is a usage error, never a crash' '
	usage_error sd plan --dir . --state-dir "" &&
	check_contains sd.err "option '"'"'--state-dir'"'"' needs a value, not an empty string" &&
	usage_error sd2 sync --dir "" &&
	check_contains sd2.err "option '"'"'--dir'"'"' needs a value" &&
	usage_error io import --out "" some-cluster &&
	check_contains io.err "option '"'"'--out'"'"' needs a value, not an empty string" &&
	usage_error cl plan --dir . --cluster ""
'

test_expect_success 'an empty state directory is refused, never a crash' '
	mkdir -p m &&
	usage_error st status --dir m --state-dir "" &&
	check_contains st.err "option '"'"'--state-dir'"'"' needs a value, not an empty string" &&
	check_exit 1 timeout 60 "$AG_BIN" run --dir m --state-dir "" >run.out 2>run.err &&
	check_not_contains run.err "Sanitizer" &&
	check_contains run.err "cannot create a directory with an empty name"
'

test_expect_success 'misuse names the argument at fault' '
	usage_error z1 validate m -zq &&
	check_contains z1.err "unknown option '"'"'-z'"'"'" &&
	usage_error z2 plan --verbose -zq --dir . &&
	check_contains z2.err "unknown option '"'"'-z'"'"'" &&
	usage_error z3 keygen -zo k &&
	check_contains z3.err "unknown option '"'"'-z'"'"'" &&
	usage_error z4 seal --key &&
	check_contains z4.err "option '"'"'--key'"'"' needs a value" &&
	usage_error z5 status --dir &&
	check_contains z5.err "option '"'"'--dir'"'"' needs a value" &&
	usage_error z6 plan --verbose=3 --dir . &&
	check_contains z6.err "option '"'"'--verbose'"'"' takes no value" &&
	usage_error z7 seal --passw0rd=hunter2hunter2 &&
	check_contains z7.err "unknown option '"'"'--passw0rd'"'"'" &&
	check_not_contains z7.err hunter2
'

test_expect_success 'a damaged state file is named without a -1:-1 position' '
	mkdir -m 700 -p st1 st2 &&
	echo "[]" >st1/failures.json &&
	: >st2/failures.json &&
	check_exit 1 "$AG_BIN" status --dir m --state-dir st1 >d1.out 2>d1.err &&
	check_contains d1.err "st1/failures.json: state file is damaged: a JSON object was expected" &&
	check_exit 1 "$AG_BIN" status --dir m --state-dir st2 >d2.out 2>d2.err &&
	check_contains d2.err "st2/failures.json:1:1: state file is damaged" &&
	check_not_contains d1.err -1 &&
	check_not_contains d2.err -1
'

test_done
