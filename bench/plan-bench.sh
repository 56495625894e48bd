#!/usr/bin/env bash
# Plan over N Aurora clusters (default 1000) in a local moto server.
# Seeds N clusters with one instance each (tests/tools/seed-fleet.py, plus
# the matching manifests),
# then times `aurora-gitops plan` against them and prints wall time, the
# AWS request count (by action) and peak RSS.
#
#   bench/plan-bench.sh [N]
#
# LATENCY_MS=300 bench/plan-bench.sh [N] plans through
# tests/tools/fault-proxy.py holding every request 300 ms (a distant AWS
# region's round trip): the describe streams are read concurrently, so the
# wall time follows the longest stream, not the sum of them.
set -euo pipefail

n=${1:-1000}
here=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD_DIR:-$here/build-release}
work=$(mktemp -d "${TMPDIR:-/tmp}/ag-plan-bench.XXXXXX")

"$here/contrib/deps.sh"
cmake -S "$here" -B "$build" -DCMAKE_BUILD_TYPE=Release -DAG_TESTS=OFF >/dev/null
cmake --build "$build" -j"$(nproc)" --target aurora-gitops >/dev/null
bin=$build/src/cli/aurora-gitops

# every seeded instance gets an automated snapshot (moto's quota is 1,000)
MOTO_RDS_SNAPSHOT_LIMIT=$((n + 1000)) \
	python3 "$here/tests/tools/moto-fixture.py" start "$work" >/dev/null
pid=$(cat "$work/moto.pid")
port=$(cat "$work/moto.port")
cleanup() {
	kill "$pid" 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT
url="http://127.0.0.1:$port"

export AWS_ENDPOINT_URL=$url AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing
export AWS_REGION=us-east-1 AWS_EC2_METADATA_DISABLED=true
unset AWS_PROFILE AWS_SESSION_TOKEN

echo "seeding $n clusters with one instance each in moto ..." >&2
python3 "$here/tests/tools/seed-fleet.py" "$url" "$n" "$work/m" bench >/dev/null

latency=${LATENCY_MS:-0}
if [ "$latency" -gt 0 ]; then
	python3 "$here/tests/tools/fault-proxy.py" --target "$url" --port-file "$work/proxy.port" \
		--latency-ms "$latency" &
	proxy_pid=$!
	trap 'kill "$proxy_pid" 2>/dev/null || true; cleanup' EXIT
	for _ in $(seq 1 100); do
		[ -s "$work/proxy.port" ] && break
		sleep 0.05
	done
	export AWS_ENDPOINT_URL="http://127.0.0.1:$(cat "$work/proxy.port")"
fi

echo "planning ..." >&2
/usr/bin/time -f "%e %M" -o "$work/time" \
	"$bin" plan --dir "$work/m" --state-dir "$work/state" --detailed-exitcode -v \
	>"$work/plan.txt" 2>"$work/plan.err" || rc=$?
rc=${rc:-0}
read -r wall rss <"$work/time"
reqs=$(grep -o "aws requests:.*" "$work/plan.err" | head -n 1)
total=$(echo "$reqs" | grep -oE "=[0-9]+" | tr -d = | paste -sd+ | bc)
limit=$(( (n + 99) / 100 * 2 ))
echo "clusters:        $n"
echo "latency:         ${latency} ms a request"
echo "plan exit code:  $rc (0 = no changes)"
head -n 1 "$work/plan.txt"
echo "wall time:       ${wall} s"
echo "peak RSS:        $((rss / 1024)) MiB"
echo "AWS requests:    $total (limit ceil($n/100)*2 + small constant = $limit + c)"
echo "  ${reqs#aws requests: }"
