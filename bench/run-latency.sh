#!/usr/bin/env bash
# Latency of `aurora-gitops run`: from a manifest change on disk to the
# cycle that applied it having finished (plan + apply + state saved), over
# COMMITS changes (default 20), in two modes:
#
#   poll     --no-watch --interval 1s (the source fingerprint is checked
#            every second, ±10 % jitter)
#   inotify  the default: the change is seen by inotify, planned after the
#            debounce (100 ms)
#
# Each change is a git commit in a working clone of a file:// bare remote,
# pushed, then pulled into the directory the agent watches (a checkout kept
# current by `git pull`, as a deployment without the git source would).
# The clock starts at the push. Prints p50, p95 and max per mode.
#
#   bench/run-latency.sh [COMMITS]
set -euo pipefail

n=${1:-20}
here=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD_DIR:-$here/build-release}
work=$(mktemp -d "${TMPDIR:-/tmp}/ag-run-latency.XXXXXX")

"$here/contrib/deps.sh"
cmake -S "$here" -B "$build" -DCMAKE_BUILD_TYPE=Release -DAG_TESTS=OFF >/dev/null
cmake --build "$build" -j"$(nproc)" --target aurora-gitops >/dev/null
bin=$build/src/cli/aurora-gitops

python3 "$here/tests/tools/moto-fixture.py" start "$work" >/dev/null
pid=$(cat "$work/moto.pid")
port=$(cat "$work/moto.port")
agent=
cleanup() {
	[ -z "$agent" ] || kill "$agent" 2>/dev/null || true
	kill "$pid" 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT
url="http://127.0.0.1:$port"
export AWS_ENDPOINT_URL=$url AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing
export AWS_REGION=us-east-1 AWS_EC2_METADATA_DISABLED=true
unset AWS_PROFILE AWS_SESSION_TOKEN
export GIT_AUTHOR_NAME=bench GIT_AUTHOR_EMAIL=bench@example.com
export GIT_COMMITTER_NAME=bench GIT_COMMITTER_EMAIL=bench@example.com

mkdir "$work/src"
cp "$here/manifests/minimal.yaml" "$work/src/"
python3 "$here/tests/tools/moto-fixture.py" render "$url" "$work/src" "$work/rendered" >/dev/null
git init -q --bare "$work/remote.git"
git clone -q "file://$work/remote.git" "$work/author" 2>/dev/null
mkdir "$work/author/manifests"
cp "$work/rendered/minimal.yaml" "$work/author/manifests/"
git -C "$work/author" add -A
git -C "$work/author" commit -qm "one cluster"
git -C "$work/author" push -q origin HEAD:main
git clone -q -b main "file://$work/remote.git" "$work/deploy"

measure() { # MODE ARGS...
	local mode=$1
	shift
	: >"$work/$mode.log"
	"$bin" run --dir "$work/deploy/manifests" --state-dir "$work/state-$mode" \
		--drift-interval 1h "$@" 2>"$work/$mode.log" &
	agent=$!
	python3 - "$work" "$mode" "$n" <<'PY'
import os, re, subprocess, sys, time
work, mode, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
log = os.path.join(work, mode + ".log")
author, deploy = os.path.join(work, "author"), os.path.join(work, "deploy")
man = os.path.join(author, "manifests", "minimal.yaml")

def done_count():
    with open(log) as f:
        return sum(1 for l in f if "cycle done" in l and "0 failed" in l)

def wait(pred, timeout=30):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if pred():
            return True
        time.sleep(0.002)
    sys.exit("%s: timed out; log:\n%s" % (mode, open(log).read()))

wait(lambda: done_count() >= 1)          # the first full cycle
time.sleep(0.5)
lat = []
for i in range(n):
    text = open(man).read()
    text = re.sub(r"\n  backupRetentionPeriod: \d+", "", text)
    text = text.replace("storageEncrypted: true",
                        "storageEncrypted: true\n  backupRetentionPeriod: %d" % (2 + i % 30))
    open(man, "w").write(text)
    subprocess.run(["git", "-C", author, "commit", "-qam", "retention %d" % i], check=True)
    before = open(log).read().count("ModifyDBCluster")
    t0 = time.monotonic()
    subprocess.run(["git", "-C", author, "push", "-q", "origin", "HEAD:main"], check=True)
    subprocess.run(["git", "-C", deploy, "pull", "-q", "--ff-only"], check=True)
    wait(lambda: open(log).read().count("ModifyDBCluster") > before
         and open(log).read().rfind("cycle done") > open(log).read().rfind("ModifyDBCluster"))
    lat.append((time.monotonic() - t0) * 1000)
    time.sleep(0.3 + (i % 5) * 0.1)   # spread the changes over the polling phase
lat.sort()
p = lambda q: lat[min(len(lat) - 1, int(round(q * (len(lat) - 1))))]
print("%-8s n=%d  p50 %6.0f ms  p95 %6.0f ms  max %6.0f ms" % (mode, len(lat), p(0.5), p(0.95), lat[-1]))
PY
	kill "$agent"
	wait "$agent" || true
	agent=
}

echo "push -> change applied and recorded, $n changes, one cluster, moto on loopback" >&2
measure poll --no-watch --interval 1s
measure inotify --interval 1h
