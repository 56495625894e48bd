#!/usr/bin/env bash
# The project stands alone: no build, test or tool file may read anything
# outside the source tree. Fails on a path that climbs above the tree root
# (a sibling reference directory, ${PROJECT_SOURCE_DIR}/.., "$AG_SRC"/..) or
# names an absolute home or project directory of one machine (URLs such as
# file:///srv/x are data, not paths read, and are not reported).
#
#   tests/style/self-contained.sh [ROOT]   # check ROOT (default: this tree)
#   tests/style/self-contained.sh --self-test
#
# Build and test files: every CMakeLists.txt and *.cmake, the CI entry,
# contrib/, bench/, tests/ (shell, C, python); src/ is the product and data
# files under tests/data are not code. This file holds the patterns and is
# itself exempt.
set -euo pipefail

# One extended regex per way out of the tree.
patterns=(
	'\.\./+shared'
	'(^|[^A-Za-z0-9_./:])/(work|home|Users)/'
	'(SOURCE_DIR|BINARY_DIR|AG_SRC|AG_BUILD|AG_TOOLS|here|root)\}?"?/\.\.(/|"|$|[[:space:]])'
	'(^|[^A-Za-z0-9_])AG_SHARED'
)

check() { # ROOT
	local root=$1 p out hits='' files
	mapfile -t files < <(cd "$root" &&
		find . \( -name .git -o -name 'build*' -o -path ./out -o -path ./tests/data \) -prune -o \
			-type f \( -name CMakeLists.txt -o -name '*.cmake' -o -name '*.sh' -o -name '*.py' \
			-o -name '*.c' -o -name '*.h' -o -path './.ci/*' \) -print |
			grep -v -e '^\./src/' -e '^\./tests/style/self-contained\.sh$' | sort)
	if [ "${#files[@]}" -eq 0 ]; then
		echo "self-contained: no build or test files found under '$root'"
		return 1
	fi
	for p in "${patterns[@]}"; do
		if out=$(cd "$root" && grep -nE -- "$p" "${files[@]}"); then
			hits+="$out"$'\n'
		fi
	done
	if [ -n "$hits" ]; then
		printf '%s' "$hits" | sort -u | sed 's/^/self-contained: points outside the source tree: /'
		return 1
	fi
	echo "self-contained: ${#files[@]} build and test files stay inside the tree"
}

# Plants one way out at a time in a scratch tree; each must be reported.
self_test() {
	local bad n=0 failed=0
	t=$(mktemp -d "${TMPDIR:-/tmp}/ag-self-contained.XXXXXX")
	trap 'rm -rf "$t"' EXIT
	mkdir -p "$t/tests/unit" "$t/tests/e2e" "$t/tests/data" "$t/src"
	printf 'add_test(NAME x COMMAND x)\n' >"$t/CMakeLists.txt"
	printf '#!/bin/sh\n. "$(dirname "$0")/test-lib.sh"\n' >"$t/tests/e2e/t1.sh"
	check "$t" >/dev/null || { echo "self-test: a clean tree was refused"; failed=1; }
	# the sibling directory's name, kept out of this file's own text
	sib=$(printf 's%s' hared)
	for bad in \
		"CMakeLists.txt:set(X \"\${PROJECT_SOURCE_DIR}/../$sib/reference\")" \
		'CMakeLists.txt:set(X "${PROJECT_SOURCE_DIR}/../elsewhere")' \
		'tests/unit/x.c:#define SUITE AG_SHARED_REF "/sigv4"' \
		'tests/unit/x.c:static const char *p = "/Users/someone/ref/x.xml";' \
		'tests/e2e/t2.sh:cp "$AG_SRC"/../fixtures/a.xml .' \
		'tests/e2e/t3.sh:cat /home/someone/fixture.xml'; do
		n=$((n + 1))
		rm -rf "$t/tests/unit/x.c" "$t/tests/e2e/t2.sh" "$t/tests/e2e/t3.sh"
		printf 'add_test(NAME x COMMAND x)\n' >"$t/CMakeLists.txt"
		printf '%s\n' "${bad#*:}" >>"$t/${bad%%:*}"
		if check "$t" >/dev/null; then
			echo "self-test: not reported: ${bad#*:} (in ${bad%%:*})"
			failed=1
		fi
	done
	# Files outside the scanned set never count: the product and the data.
	rm -f "$t/tests/unit/x.c" "$t/tests/e2e/t2.sh" "$t/tests/e2e/t3.sh"
	printf 'add_test(NAME x COMMAND x)\n' >"$t/CMakeLists.txt"
	printf '../%s\n' "$sib" >"$t/tests/data/note.txt"
	check "$t" >/dev/null || { echo "self-test: a data file was scanned"; failed=1; }
	[ "$failed" -eq 0 ] && echo "self-test: $n planted paths reported, clean trees accepted"
	return "$failed"
}

if [ "${1:-}" = --self-test ]; then
	self_test
else
	check "${1:-${AG_SRC:-$(cd "$(dirname "$0")/../.." && pwd)}}"
fi
