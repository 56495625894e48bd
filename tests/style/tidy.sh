#!/usr/bin/env bash
# clang-tidy over every C file in src/ with the checks in .clang-tidy (the
# analyzer, bugprone, CERT, misc; exclusions documented there), using the
# build's compile_commands.json. Any finding fails. Files run in parallel,
# nproc at a time.
set -euo pipefail
src=$(cd "${AG_SRC:-$(dirname "$0")/../..}" && pwd)
build=${AG_BUILD:?AG_BUILD names the build directory}
command -v clang-tidy >/dev/null || { echo "clang-tidy is not installed (contrib/deps.sh installs it)"; exit 1; }
[ -s "$build/compile_commands.json" ] || { echo "no compile_commands.json in '$build'"; exit 1; }
out=$(mktemp -d "${TMPDIR:-/tmp}/ag-tidy.XXXXXX")
trap 'rm -rf "$out"' EXIT
mapfile -t files < <(cd "$src" && find src -name '*.c' -type f | sort)
[ "${#files[@]}" -gt 0 ] || { echo "no C files under $src/src"; exit 1; }
printf '%s\n' "${files[@]}" | xargs -P "$(nproc)" -I{} sh -c '
	log="$3/$(echo "$1" | tr / _).log"
	clang-tidy -p "$2" --quiet "$4/$1" >"$log" 2>&1 || echo "$1" >>"$3/failed"
' _ {} "$build" "$out" "$src"
if [ -s "$out/failed" ]; then
	sort "$out/failed" | while read -r f; do
		echo "== $f"
		grep -v "warnings generated\|Suppressed [0-9]* warnings\|Use -header-filter\|non-user code" \
			"$out/$(echo "$f" | tr / _).log" || true
	done
	echo "clang-tidy: $(wc -l <"$out/failed") of ${#files[@]} files have findings"
	exit 1
fi
echo "clang-tidy: ${#files[@]} files clean"
