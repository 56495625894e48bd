#!/usr/bin/env bash
# Times `aurora-gitops validate` on 1,000 generated manifests with a Release
# build (no sanitizers) and prints the wall time. Fails when it takes longer
# than the budget.
#
#   bench/validate-bench.sh [BUILD_DIR]      # default: ./build-release
#   N=5000 BUDGET=2.5 bench/validate-bench.sh
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$here/build-release}
n=${N:-1000}
budget=${BUDGET:-0.5}

cmake -S "$here" -B "$build" -DCMAKE_BUILD_TYPE=Release -DAG_SANITIZE=OFF -DAG_TESTS=OFF >/dev/null
cmake --build "$build" -j"$(nproc)" --target aurora-gitops >/dev/null
bin=$build/src/cli/aurora-gitops

dir=$(mktemp -d "${TMPDIR:-/tmp}/ag-bench.XXXXXX")
trap 'rm -rf "$dir"' EXIT
python3 "$here/bench/gen-manifests.py" "$n" "$dir/manifests"

"$bin" validate "$dir/manifests" >"$dir/warmup.out" # warm the page cache
tail -n 1 "$dir/warmup.out"
start=$(date +%s%N)
"$bin" validate "$dir/manifests" >"$dir/out"
end=$(date +%s%N)
grep -q "^$n manifests, 0 errors, " "$dir/out" || { cat "$dir/out"; exit 1; }
secs=$(awk -v ns=$((end - start)) 'BEGIN { printf "%.3f", ns / 1e9 }')
echo "validate: $n manifests in $secs s (budget $budget s)"
awk -v s="$secs" -v b="$budget" 'BEGIN { exit !(s < b) }' ||
	{ echo "over budget" >&2; exit 1; }
