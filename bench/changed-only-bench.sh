#!/usr/bin/env bash
# `run` against a fleet of N clusters in moto (default 2000): commits that
# each change one manifest, pushed to a file:// remote one at a time, and the
# time from `git push` to the apply note visible on the remote, with the AWS
# requests each commit cost (counted by the recording moto server). Also
# prints how long the first, full cycle over the fleet took: what every
# commit would cost if a commit read the whole fleet.
#
#   bench/changed-only-bench.sh [N] [COMMITS]
#
# The fleet is seeded in moto's backend directly (tests/tools/seed-fleet.py).
set -euo pipefail
trap 'echo "changed-only-bench: failed at line $LINENO" >&2' ERR

n=${1:-2000}
commits=${2:-10}
here=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD_DIR:-$here/build-release}
work=$(mktemp -d "${TMPDIR:-/tmp}/ag-changed-bench.XXXXXX")

"$here/contrib/deps.sh"
cmake -S "$here" -B "$build" -DCMAKE_BUILD_TYPE=Release -DAG_TESTS=OFF >/dev/null
cmake --build "$build" -j"$(nproc)" --target aurora-gitops >/dev/null
bin=$build/src/cli/aurora-gitops

export AG_REQUEST_LOG=$work/requests.jsonl
# every seeded instance gets an automated snapshot (moto's quota is 1,000)
export MOTO_RDS_SNAPSHOT_LIMIT=$((n + 1000))
python3 "$here/tests/tools/moto-fixture.py" start "$work" >/dev/null
moto=$(cat "$work/moto.pid")
port=$(cat "$work/moto.port")
agent=
cleanup() {
	[ -z "$agent" ] || kill "$agent" 2>/dev/null || true
	kill "$moto" 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT
url="http://127.0.0.1:$port"
export AWS_ENDPOINT_URL=$url AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing
export AWS_REGION=us-east-1 AWS_EC2_METADATA_DISABLED=true
unset AWS_PROFILE AWS_SESSION_TOKEN
export HOME=$work/home GIT_CONFIG_NOSYSTEM=1
export GIT_AUTHOR_NAME=bench GIT_AUTHOR_EMAIL=bench@example.com
export GIT_COMMITTER_NAME=bench GIT_COMMITTER_EMAIL=bench@example.com
mkdir -p "$HOME"

echo "seeding $n clusters with one instance each in moto ..." >&2
seed=$(python3 "$here/tests/tools/seed-fleet.py" "$url" "$n" "$work/m")
git init -q --bare -b main "$work/remote.git"
git init -q -b main "$work/clone"
cp "$work"/m/*.yaml "$work/clone/"
git -C "$work/clone" add -A
git -C "$work/clone" commit -qm fleet
git -C "$work/clone" remote add origin "$work/remote.git"
git -C "$work/clone" push -q origin main

note_has() { # REV KIND (the note read whole first: grep -q would end git early)
	local note
	note=$(git -C "$work/remote.git" notes --ref aurora-gitops show "$1" 2>/dev/null) || return 1
	case $note in *"\"kind\":\"$2\""*) return 0 ;; esac
	return 1
}

echo "starting run; the first cycle reads the whole fleet ..." >&2
"$bin" run --repo "file://$work/remote.git" --branch main --state-dir "$work/state" \
	--interval 1h --drift-interval 24h >"$work/run.log" 2>&1 &
agent=$!
head=$(git -C "$work/clone" rev-parse HEAD)
for _ in $(seq 1 36000); do
	note_has "$head" plan && break
	kill -0 "$agent" 2>/dev/null || { cat "$work/run.log" >&2; exit 1; }
	sleep 0.1
done
note_has "$head" plan || { echo "no note after the first cycle" >&2; exit 1; }
# the note is pushed before the cycle logs its end
for _ in $(seq 1 600); do
	grep -q "cycle done in" "$work/run.log" && break
	sleep 0.1
done
full=$(grep -o "cycle done in [0-9]* ms" "$work/run.log" | head -n 1 | grep -o "[0-9]*")
fullreq=$(wc -l <"$AG_REQUEST_LOG")

: >"$work/times"
: >"$work/reqs"
for i in $(seq 1 "$commits"); do
	id=$(printf "fleet-%05d" $(((i * 7919) % n)))
	sed -i "s/backupRetentionPeriod: 7$/backupRetentionPeriod: 14/" "$work/clone/$id.yaml"
	git -C "$work/clone" commit -qam "$id: two weeks of backups"
	rev=$(git -C "$work/clone" rev-parse HEAD)
	before=$(wc -l <"$AG_REQUEST_LOG")
	t0=$(date +%s%N)
	git -C "$work/clone" push -q origin main
	for _ in $(seq 1 6000); do
		note_has "$rev" apply && break
		sleep 0.005
	done
	t1=$(date +%s%N)
	note_has "$rev" apply || { echo "no apply note on $rev" >&2; tail "$work/run.log" >&2; exit 1; }
	echo $(((t1 - t0) / 1000000)) >>"$work/times"
	echo $(($(wc -l <"$AG_REQUEST_LOG") - before)) >>"$work/reqs"
	sleep 6 # the loop follows the modified cluster once more (5 s later)
done
rss=$(sed -n 's/^VmHWM:[[:space:]]*\([0-9]*\) kB/\1/p' "/proc/$agent/status")

pct() { sort -n "$1" | awk -v p="$2" '{v[NR]=$1} END {i=int((NR*p+99)/100); if(i<1)i=1; print v[i]}'; }
echo "clusters:                     $n (seeded in ${seed} s)"
echo "first cycle (full, all read): ${full} ms, $fullreq AWS requests"
echo "commits:                      $commits, each changing one manifest (a ModifyDBCluster)"
echo "push -> apply note:           p50 $(pct "$work/times" 50) ms, p95 $(pct "$work/times" 95) ms, max $(pct "$work/times" 100) ms"
echo "AWS requests per commit:      max $(pct "$work/reqs" 100), min $(pct "$work/reqs" 1) (before its note)"
echo "agent peak RSS:               $((rss / 1024)) MiB"
grep "(changed 1 of" "$work/run.log" | grep -o "cycle done in [0-9]* ms" | grep -o "[0-9]*" >"$work/cycles" || true
[ ! -s "$work/cycles" ] ||
	echo "changed-only cycle (agent):   p50 $(pct "$work/cycles" 50) ms, max $(pct "$work/cycles" 100) ms (from the cycle's start to its note)"
grep -o "manifest cache: .*" "$work/run.log" | tail -n 1 | sed 's/^/last cycle:                   /' || true
grep -o "changed [0-9]* of [0-9]*" "$work/run.log" | sort | uniq -c | sed 's/^/  cycles: /'
