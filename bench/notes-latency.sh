#!/usr/bin/env bash
# Commit pushed -> note visible in the remote, for an agent running
# `sync --repo` in a loop (a new cycle as soon as the previous one ends,
# with --interval seconds between cycles, default 0.5). Pushes N commits
# (default 20) one at a time to a bare file:// remote, each changing a
# cluster's manifest (a tag), and waits for the note on each; prints every
# latency and p50/p95. Runs against a local moto server.
#
#   bench/notes-latency.sh [N] [--transport file|git] [--interval S]
set -euo pipefail

n=20 transport=file interval=0.5
while [ $# -gt 0 ]; do
	case $1 in
	--transport) transport=$2; shift 2 ;;
	--interval) interval=$2; shift 2 ;;
	*) n=$1; shift ;;
	esac
done
here=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD_DIR:-$here/build-release}
work=$(mktemp -d "${TMPDIR:-/tmp}/ag-notes-bench.XXXXXX")

"$here/contrib/deps.sh"
cmake -S "$here" -B "$build" -DCMAKE_BUILD_TYPE=Release -DAG_TESTS=OFF >/dev/null
cmake --build "$build" -j"$(nproc)" --target aurora-gitops >/dev/null
bin=$build/src/cli/aurora-gitops

python3 "$here/tests/tools/moto-fixture.py" start "$work" >/dev/null
pids=("$(cat "$work/moto.pid")")
loop=
cleanup() {
	local p
	# the agent loop ends after its current cycle
	touch "$work/stop"
	[ -z "$loop" ] || wait "$loop" 2>/dev/null || true
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT
url="http://127.0.0.1:$(cat "$work/moto.port")"
export AWS_ENDPOINT_URL=$url AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing
export AWS_REGION=us-east-1 AWS_EC2_METADATA_DISABLED=true
unset AWS_PROFILE AWS_SESSION_TOKEN
export GIT_CONFIG_NOSYSTEM=1 GIT_AUTHOR_NAME=bench GIT_AUTHOR_EMAIL=bench@example.com
export GIT_COMMITTER_NAME=bench GIT_COMMITTER_EMAIL=bench@example.com

mkdir -p "$work/src"
cp "$here/manifests/minimal.yaml" "$work/src/"
python3 "$here/tests/tools/moto-fixture.py" render "$url" "$work/src" "$work/m" >/dev/null
git init -q --bare -b main "$work/remote.git"
git init -q -b main "$work/co"
cp "$work/m"/*.yaml "$work/co/"
git -C "$work/co" add -A && git -C "$work/co" commit -qm "first"
git -C "$work/co" push -q "$work/remote.git" main

case $transport in
file) repo="file://$work/remote.git" ;;
git)
	port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
	git daemon --enable=receive-pack --export-all --reuseaddr --listen=127.0.0.1 \
		--port="$port" --base-path="$work" "$work" >"$work/daemon.log" 2>&1 &
	pids+=($!)
	for _ in $(seq 1 50); do
		git ls-remote "git://127.0.0.1:$port/remote.git" >/dev/null 2>&1 && break
		sleep 0.1
	done
	repo="git://127.0.0.1:$port/remote.git"
	;;
*) echo "unknown transport '$transport'" >&2; exit 64 ;;
esac

# The agent: sync --repo in a loop until stopped.
"$bin" sync -q --repo "$repo" --state-dir "$work/state" --poll-interval 100ms >/dev/null 2>&1
(
	while [ ! -e "$work/stop" ]; do
		"$bin" sync -q --repo "$repo" --state-dir "$work/state" --poll-interval 100ms \
			>>"$work/agent.log" 2>&1 || true
		sleep "$interval"
	done
) &
loop=$!

now_ms() { date +%s%3N; }
: >"$work/lat"
for i in $(seq 1 "$n"); do
	python3 - "$work/co/minimal.yaml" "$i" <<'PY'
import re, sys
p, i = sys.argv[1], sys.argv[2]
s = open(p).read()
s = re.sub(r"\n  labels:\n    bench: \"\d+\"\n", "\n", s)
s = s.replace("\n  name: minimal-pg\n", "\n  name: minimal-pg\n  labels:\n    bench: \"%s\"\n" % i, 1)
open(p, "w").write(s)
PY
	git -C "$work/co" commit -qam "change $i"
	sha=$(git -C "$work/co" rev-parse HEAD)
	t0=$(now_ms)
	git -C "$work/co" push -q "$work/remote.git" main
	until git -C "$work/remote.git" notes --ref aurora-gitops show "$sha" >/dev/null 2>&1; do
		sleep 0.02
		if [ $(($(now_ms) - t0)) -gt 120000 ]; then
			echo "no note on $sha after 120 s; agent log:" >&2
			tail -n 20 "$work/agent.log" >&2
			exit 1
		fi
	done
	t1=$(now_ms)
	echo $((t1 - t0)) | tee -a "$work/lat"
done

python3 - "$work/lat" "$transport" "$interval" <<'PY'
import sys
v = sorted(int(x) for x in open(sys.argv[1]))
def pct(p):
    k = max(0, min(len(v) - 1, int(round(p / 100 * len(v) + 0.5)) - 1))
    return v[k]
print("commit pushed -> note in the remote (%s://, sync loop with %ss between cycles, %d commits):"
      % (sys.argv[2], sys.argv[3], len(v)))
print("  p50 %d ms   p95 %d ms   min %d ms   max %d ms" % (pct(50), pct(95), v[0], v[-1]))
PY
