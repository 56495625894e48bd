#!/usr/bin/env bash
# Every broken manifest in tests/data/manifests/bad makes `validate` exit 1
# and print the exact diagnostic announced on its first line:
#   # expect: bad/<file>.yaml:LINE:COL: error: MESSAGE
# The command runs from tests/data/manifests so the paths match as written.
. "$(dirname "$0")/test-lib.sh"

data=$AG_SRC/tests/data/manifests

test_expect_success 'there is a broken manifest for at least 30 rules' '
	n=$(ls "$data"/bad/*.yaml | wc -l) &&
	[ "$n" -ge 30 ]
'

test_expect_success 'every broken manifest announces its expected line' '
	for f in "$data"/bad/*.yaml; do
		head -n 1 "$f" | grep -q "^# expect: bad/$(basename "$f"):[0-9]*:[0-9]*: error: " ||
			{ echo "no expect line in $f"; exit 1; }
	done
'

for f in "$data"/bad/*.yaml; do
	rel=bad/${f##*/}
	test_expect_success "validate $rel fails with its expected line" '
		expect=$(sed -n "1s/^# expect: //p" "$data/$rel") &&
		check_exit 1 sh -c "cd \"\$1\" && exec \"\$2\" validate \"\$3\"" sh \
			"$data" "$AG_BIN" "$rel" >out 2>err &&
		if ! grep -qxF -- "$expect" out; then
			echo "missing: $expect"; echo "got:"; cat out err; exit 1
		fi &&
		tail -n 1 out | grep -Eq "^[0-9]+ manifests?, [1-9][0-9]* errors?, [0-9]+ warnings?$"
	'
done

test_expect_success 'a path prefix is kept in the diagnostics' '
	check_exit 1 "$AG_BIN" validate "$data/bad/unknown-field.yaml" >out &&
	check_contains out "$data/bad/unknown-field.yaml:9:3: error: unknown field '"'"'enginVersion'"'"' (did you mean '"'"'engineVersion'"'"'?)"
'

test_expect_success 'all broken manifests at once: exit 1, one summary' '
	check_exit 1 "$AG_BIN" validate "$data/bad" >out &&
	[ "$(grep -c " errors\?, " out)" -eq 1 ] &&
	[ "$(grep -c ": error: " out)" -ge 55 ]
'

test_done
