#!/usr/bin/env bash
# The release build (what the demos and users build) is warning-free with
# optimisation on, where GCC finds more than in the sanitizer build, and its
# binary carries the release hardening.
set -euo pipefail
src=${AG_SRC:?AG_SRC names the source tree}
out=${AG_BUILD:?AG_BUILD names the build tree}/release-check
cmake -S "$src" -B "$out" -DCMAKE_BUILD_TYPE=Release -DAG_TESTS=OFF >/dev/null
cmake --build "$out" --target aurora-gitops -j"$(nproc)" >"$out.log" 2>&1 ||
	{ grep -E 'error|warning' "$out.log" | head -40; echo "release build failed"; exit 1; }
bash "$src/contrib/check-hardening.sh" "$out/src/cli/aurora-gitops"
