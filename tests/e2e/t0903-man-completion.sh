#!/usr/bin/env bash
# The man page renders without warnings, and it and the bash completion
# know every option `run` accepts.
. "$(dirname "$0")/test-lib.sh"

command -v man >/dev/null || skip_all "man is not installed"

test_expect_success 'the man page renders without warnings' '
	LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -l "$AG_SRC/docs/aurora-gitops.1" >man.txt 2>warn.txt &&
	test ! -s warn.txt &&
	check_contains man.txt "SIGHUP" &&
	check_contains man.txt "--shard I/N"
'

test_expect_success 'every run option is in the man page and the completion' '
	"$AG_BIN" help run >usage.txt &&
	grep -o -- "--[a-z-]*" usage.txt | sort -u >opts.txt &&
	test $(wc -l <opts.txt) -gt 10 &&
	while read -r o; do
		grep -qF -- "$o" man.txt || { echo "man page lacks $o"; exit 1; }
		grep -qF -- "$o" "$AG_SRC/contrib/bash-completion/aurora-gitops" ||
			{ echo "completion lacks $o"; exit 1; }
	done <opts.txt
'

test_expect_success 'completion offers the commands and run options' '
	bash -c ". \"$AG_SRC/contrib/bash-completion/aurora-gitops\"
		COMP_WORDS=(aurora-gitops ru); COMP_CWORD=1; _aurora_gitops; echo \${COMPREPLY[@]}
		COMP_WORDS=(aurora-gitops run --dr); COMP_CWORD=2; _aurora_gitops; echo \${COMPREPLY[@]}
		COMP_WORDS=(aurora-gitops run --log-format \"\"); COMP_CWORD=3; _aurora_gitops; echo \${COMPREPLY[@]}" >comp.txt &&
	cat comp.txt &&
	test "$(sed -n 1p comp.txt)" = run &&
	test "$(sed -n 2p comp.txt)" = --drift-interval &&
	test "$(sed -n 3p comp.txt)" = "text json"
'

test_done
