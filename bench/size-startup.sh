#!/usr/bin/env bash
# Binary size and start-up time of a Release build (hardened: PIE, full
# RELRO, so every symbol is bound at start-up). Prints one table:
#   size      file size, the size stripped, text/data/bss (size(1))
#   start-up  wall time of `aurora-gitops --version` (process start, dynamic
#             linking, exit) and of `validate` on one manifest (the first
#             useful work: YAML, schema, AWS rules), median and p95 over RUNS
#             runs (default 200)
#
#   bench/size-startup.sh [BUILD_DIR]          # default: ./build-release
#   RUNS=500 bench/size-startup.sh
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$here/build-release}
runs=${RUNS:-200}

cmake -S "$here" -B "$build" -DCMAKE_BUILD_TYPE=Release -DAG_SANITIZE=OFF -DAG_TESTS=OFF >/dev/null
cmake --build "$build" -j"$(nproc)" --target aurora-gitops >/dev/null
bin=$build/src/cli/aurora-gitops

work=$(mktemp -d "${TMPDIR:-/tmp}/ag-size.XXXXXX")
trap 'rm -rf "$work"' EXIT
strip -o "$work/stripped" "$bin"
mkdir "$work/m"
cp "$here/manifests/minimal.yaml" "$work/m/"
"$bin" validate "$work/m" >/dev/null # fails loudly if the manifest does not load

read -r text data bss _ < <(size "$bin" | tail -n 1)
printf '%-28s %s\n' "binary" "$bin"
printf '%-28s %d bytes (%.0f KiB)\n' "size" "$(stat -c %s "$bin")" \
	"$(awk -v b="$(stat -c %s "$bin")" 'BEGIN { print b / 1024 }')"
printf '%-28s %d bytes (%.0f KiB)\n' "size stripped" "$(stat -c %s "$work/stripped")" \
	"$(awk -v b="$(stat -c %s "$work/stripped")" 'BEGIN { print b / 1024 }')"
printf '%-28s text %d, data %d, bss %d bytes\n' "sections" "$text" "$data" "$bss"
printf '%-28s %d\n' "shared libraries (ldd)" "$(ldd "$bin" | wc -l)"

python3 - "$runs" "$bin" "$work/m" <<'PY'
import subprocess, sys, time
runs, binary, mdir = int(sys.argv[1]), sys.argv[2], sys.argv[3]

def timed(args):
    lat = []
    for _ in range(runs):
        t = time.perf_counter()
        subprocess.run(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
        lat.append((time.perf_counter() - t) * 1000)
    lat.sort()
    return lat[len(lat) // 2], lat[int(len(lat) * 0.95) - 1]

for name, args in (("start-up (--version)", [binary, "--version"]),
                   ("validate, 1 manifest", [binary, "validate", mdir])):
    p50, p95 = timed(args)
    print("%-28s p50 %.1f ms  p95 %.1f ms  (%d runs)" % (name, p50, p95, runs))
PY
