#!/usr/bin/env bash
# The agent over a whole fleet: for each N given (default 1,000 and 10,000
# clusters) with two instances each, seeded into a local moto that pages
# DescribeDBClusters/DescribeDBInstances as AWS does (MaxRecords 100,
# Marker), times `plan` and two steady-state `sync` runs (nothing to change;
# the first also records every cluster's outputs in the state) and
# prints wall time, agent CPU time (user + system) and its share of the
# wall time (the rest is AWS answering), peak RSS and the AWS requests by
# operation, counted server-side by the launcher's recorder.
#
#   bench/fleet-bench.sh [N ...]        (LATENCY_MS="0 50", RUNS=3 by default)
#
# Each run is measured RUNS times (a row gives the median wall and CPU time
# and the highest peak RSS: one run's CPU time varies by 10-30% on a shared
# virtual machine) straight against the launcher and for each
# other LATENCY_MS value through tests/tools/fault-proxy.py --latency-ms,
# which holds every request that long before moto sees it: the launcher's
# replies cost it a few ms a page, far less than an AWS round trip, so the
# agent's share of the wall time on the bare loopback is an upper bound.
#
# Goals (issue 16): peak RSS under 20 MiB at 1,000 clusters and under
# 64 MiB at 10,000; agent CPU under 10% of wall, judged on the rows with a
# round trip added (the bare-loopback rows say "ok (RSS)": only RSS is
# judged there). A missed goal is marked MISSED in the table (the exit
# status stays 0: this measures, CI does not gate on a shared machine's
# timing).
#
# The fleet goes straight into moto's backend (tests/tools/seed-fleet.py through
# the launcher's /_ag/seed-rds): 30,000 CreateDBCluster/CreateDBInstance
# calls would take many minutes and measure nothing of the agent.
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=bench/latency-proxy.sh
. "$here/bench/latency-proxy.sh"
build=${BUILD_DIR:-$here/build-release}
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(1000 10000)
work=$(mktemp -d "${TMPDIR:-/tmp}/ag-fleet-bench.XXXXXX")
pid=
proxy=
read -r -a latencies <<<"${LATENCY_MS:-0 50}"
runs=${RUNS:-3}

cleanup() {
	[ -z "$proxy" ] || kill "$proxy" 2>/dev/null || true
	[ -z "$pid" ] || kill "$pid" 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT

"$here/contrib/deps.sh"
cmake -S "$here" -B "$build" -DCMAKE_BUILD_TYPE=Release -DAG_TESTS=OFF >/dev/null
cmake --build "$build" -j"$(nproc)" --target aurora-gitops >/dev/null
bin=$build/src/cli/aurora-gitops
py=$(command -v python3)

export AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing
export AWS_REGION=us-east-1 AWS_EC2_METADATA_DISABLED=true
unset AWS_PROFILE AWS_SESSION_TOKEN

rows=()
# sample KEY CMD...: runs CMD once (its output in $work/out); appends its
# wall time (s), CPU time (user + system, s, from wait4: microseconds, not
# the 10 ms of time(1)) and peak RSS (KiB) to $work/samples/KEY, and keeps
# the AWS requests of the first sample of KEY in $work/samples/KEY.reqs.
sample() {
	local key=$1 before after
	shift
	before=$(wc -l <"$log")
	"$py" - "$work/samples/$key" "$@" >"$work/out" 2>&1 <<-'PY' || {
		import os, sys, time
		out, argv = sys.argv[1], sys.argv[2:]
		t = time.monotonic()
		pid = os.fork()
		if pid == 0:
		    os.execvp(argv[0], argv)
		_, status, ru = os.wait4(pid, 0)
		wall = time.monotonic() - t
		with open(out, "a") as f:
		    f.write(f"{wall:.3f} {ru.ru_utime + ru.ru_stime:.4f} {ru.ru_maxrss}\n")
		sys.exit(os.waitstatus_to_exitcode(status))
		PY
		echo "fleet-bench: $key failed:" >&2
		tail -n 30 "$work/out" >&2
		exit 1
	}
	after=$(wc -l <"$log")
	[ -e "$work/samples/$key.reqs" ] ||
		tail -n +"$((before + 1))" "$log" | head -n "$((after - before))" >"$work/samples/$key.reqs"
}

# row N RUN KEY: one row of the table from KEY's samples: the median wall
# and CPU time (the share is their ratio), the highest peak RSS.
row() {
	local n=$1 run=$2 key=$3 wall cpu share rss_mib goal
	read -r wall cpu share rss_mib < <(
		"$py" - "$work/samples/$key" <<-'PY'
		import statistics, sys
		rows = [l.split() for l in open(sys.argv[1])]
		wall = statistics.median(float(r[0]) for r in rows)
		cpu = statistics.median(float(r[1]) for r in rows)
		rss = max(int(r[2]) for r in rows)
		print(f"{wall:.2f} {cpu:.3f} {100 * cpu / wall if wall > 0 else 0:.1f} {rss / 1024:.1f}")
		PY
	)
	goal=ok
	if [ "$n" -le 1000 ]; then
		awk -v r="$rss_mib" 'BEGIN { exit !(r >= 20) }' && goal="MISSED (RSS)"
	else
		awk -v r="$rss_mib" 'BEGIN { exit !(r >= 64) }' && goal="MISSED (RSS)"
	fi
	# the CPU goal is judged where a round trip is added: on the bare
	# loopback the launcher, on the same CPUs, answers a page in a few ms,
	# and the wall time is mostly its CPU and ours
	if [ "$lat" = 0 ]; then
		goal="${goal/ok/ok (RSS)}"
	else
		awk -v s="$share" 'BEGIN { exit !(s >= 10) }' && goal="${goal/ok/}MISSED (CPU)"
	fi
	rows+=("$(printf '| %6s | %-11s | %8s | %6s | %5s%% | %7s | %5s | %-14s | %s |' "$n" "$run" \
		"$wall" "$cpu" "$share" "$rss_mib" "$(wc -l <"$work/samples/$key.reqs")" "$goal" "$(
			"$py" - "$work/samples/$key.reqs" <<-'PY'
			import collections, json, sys, urllib.parse
			c = collections.Counter()
			for line in open(sys.argv[1]):
			    c[dict(urllib.parse.parse_qsl(json.loads(line)["body"])).get("Action", "?")] += 1
			print(", ".join(f"{a} {k}" for a, k in sorted(c.items())))
			PY
		)")")
}

for n in "${sizes[@]}"; do
	rm -rf "$work/run"
	mkdir -p "$work/run"
	log=$work/run/requests.jsonl
	: >"$log"
	AG_REQUEST_LOG=$log MOTO_RDS_SNAPSHOT_LIMIT=$((n * 4 + 1000)) \
		"$py" "$here/tests/tools/moto-fixture.py" start "$work/run" >/dev/null
	pid=$(cat "$work/run/moto.pid")
	serializer=$(sed -n 's/^moto-server: reply serializer: //p' "$work/run/moto.log")
	export AWS_ENDPOINT_URL="http://127.0.0.1:$(cat "$work/run/moto.port")"
	echo "N=$n: seeding $n clusters with two instances each ..." >&2
	"$py" "$here/tests/tools/seed-fleet.py" "$AWS_ENDPOINT_URL" "$n" "$work/run/m" bench --instances 2 >/dev/null
	url=$AWS_ENDPOINT_URL
	for lat in "${latencies[@]}"; do
		sfx=
		if [ "$lat" != 0 ]; then
			latency_proxy_start "$url" "$lat" "$work/run"
			export AWS_ENDPOINT_URL=$proxy_url
			sfx=" +${lat}"
		fi
		echo "N=$n${sfx:+,$sfx ms}: plan, sync, sync, $runs times ..." >&2
		rm -rf "$work/samples"
		mkdir -p "$work/samples"
		for _ in $(seq "$runs"); do
			# each round starts from an empty state directory, so its
			# sync 1 records every cluster's outputs again
			rm -rf "$work/run/state"
			sample plan "$bin" plan --dir "$work/run/m" --state-dir "$work/run/state" \
				--detailed-exitcode -q
			# sync 1 also records every cluster's outputs in the state (the
			# first reconcile of a state directory does); sync 2 is what each
			# later one does
			for run in "sync 1" "sync 2"; do
				sample "${run/ /}" "$bin" sync --dir "$work/run/m" \
					--state-dir "$work/run/state" -q
				if grep -q "^cluster .*: \(failed\|changed\)" "$work/out"; then
					echo "fleet-bench: the steady-state $run changed or failed something:" >&2
					grep "^cluster .*: \(failed\|changed\)" "$work/out" | head >&2
					exit 1
				fi
			done
		done
		row "$n" "plan$sfx" plan
		row "$n" "sync 1$sfx" sync1
		row "$n" "sync 2$sfx" sync2
		latency_proxy_stop
		export AWS_ENDPOINT_URL=$url
	done
	kill "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
	pid=
done

echo
echo "Fleet: $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg)," \
	"moto $("$py" -c 'import moto; print(moto.__version__)')" \
	"(launcher serializer: ${serializer:-?}), rows marked +N: each request held N ms by fault-proxy.py"
echo
printf '| %6s | %-11s | %8s | %6s | %6s | %7s | %5s | %-14s | %s |\n' clusters run "wall s" \
	"CPU s" "CPU %" "RSS MiB" reqs goals "requests by operation"
echo "|-------:|-------------|---------:|-------:|-------:|--------:|------:|----------------|---|"
printf '%s\n' "${rows[@]}"
