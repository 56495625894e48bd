#!/usr/bin/env bash
# House style is mechanical: every C file is clang-format clean and every
# source file includes core/compat.h (which applies core/banned.h).
set -euo pipefail
cd "${AG_SRC:-$(dirname "$0")/../..}"
fail=0
mapfile -t files < <(find src tests bench contrib -name '*.[ch]' -type f 2>/dev/null | sort)
[ "${#files[@]}" -gt 0 ] || { echo "no C files found"; exit 1; }
if ! clang-format --dry-run -Werror "${files[@]}"; then
	echo "clang-format: the files above deviate; run: clang-format -i FILE"
	fail=1
fi
for f in "${files[@]}"; do
	case $f in src/*.c)
		grep -q '^#include "core/compat.h"' "$f" || { echo "$f: does not include \"core/compat.h\""; fail=1; } ;;
	esac
done
[ "$fail" -eq 0 ] && echo "style: ${#files[@]} files clean"
exit "$fail"
