#!/usr/bin/env bash
# Latency of `aurora-gitops run --repo`: from `git push` of a commit that
# changes one cluster to the agent's note on that commit being visible on
# the remote (fetched, planned, applied against moto, noted, notes pushed),
# over COMMITS pushes (default 20) to a file:// remote, in two modes:
#
#   poll     --no-watch --interval 1s (a remote ref check every second,
#            ±10 % jitter; a fetch only when the branch moved)
#   inotify  the default for a local repository: the ref update is seen by
#            inotify on the bare repository and checked at once
#
# Prints p50, p95 and max per mode, twice: from the start of `git push`
# (the client packs and sends the objects, then the remote's ref moves)
# and from the end of `git push` (the ref has moved: what the agent can
# see), with the load average before and after. Uses a Release build.
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
export HOME=$work/home GIT_CONFIG_NOSYSTEM=1
mkdir -p "$HOME"
export GIT_AUTHOR_NAME=bench GIT_AUTHOR_EMAIL=bench@example.com
export GIT_COMMITTER_NAME=bench GIT_COMMITTER_EMAIL=bench@example.com

mkdir "$work/src"
cp "$here/manifests/minimal.yaml" "$work/src/"
python3 "$here/tests/tools/moto-fixture.py" render "$url" "$work/src" "$work/rendered" >/dev/null
git init -q --bare -b main "$work/remote.git"
git -C "$work/remote.git" config receive.autogc false
git init -q -b main "$work/author"
cp "$work/rendered/minimal.yaml" "$work/author/"
git -C "$work/author" add -A
git -C "$work/author" commit -qm "one cluster"
git -C "$work/author" remote add origin "file://$work/remote.git"
git -C "$work/author" push -q origin main

measure() { # MODE ARGS...
	local mode=$1
	shift
	: >"$work/$mode.log"
	"$bin" run --repo "file://$work/remote.git" --branch main --state-dir "$work/state-$mode" \
		--drift-interval 1h "$@" 2>"$work/$mode.log" &
	agent=$!
	python3 - "$work" "$mode" "$n" <<'PY'
import os, re, subprocess, sys, time
work, mode, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
log = os.path.join(work, mode + ".log")
author, remote = os.path.join(work, "author"), os.path.join(work, "remote.git")
man = os.path.join(author, "minimal.yaml")

def noted(rev):
    r = subprocess.run(["git", "--git-dir", remote, "notes", "--ref", "aurora-gitops", "show", rev],
                       capture_output=True, text=True)
    return r.returncode == 0 and '"kind":"apply"' in r.stdout

def wait(pred, timeout=30):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if pred():
            return True
        time.sleep(0.003)
    sys.exit("%s: timed out; log:\n%s" % (mode, open(log).read()))

head = lambda: subprocess.run(["git", "-C", author, "rev-parse", "HEAD"], capture_output=True,
                              text=True, check=True).stdout.strip()
wait(lambda: noted(head()))     # the first cycle (creates the cluster)
time.sleep(6)                   # and its follow-up
lat, after = [], []
load0 = os.getloadavg()[0]
for i in range(n):
    text = open(man).read()
    text = re.sub(r"\n  backupRetentionPeriod: \d+", "", text)
    text = text.replace("storageEncrypted: true",
                        "storageEncrypted: true\n  backupRetentionPeriod: %d" % (2 + i % 30))
    open(man, "w").write(text)
    subprocess.run(["git", "-C", author, "commit", "-qam", "retention %d" % i], check=True)
    rev = head()
    t0 = time.monotonic()
    subprocess.run(["git", "-C", author, "push", "-q", "origin", "main"], check=True)
    t1 = time.monotonic()
    wait(lambda: noted(rev))
    t2 = time.monotonic()
    lat.append((t2 - t0) * 1000)
    after.append((t2 - t1) * 1000)
    time.sleep(0.3 + (i % 7) * 0.1)   # spread the pushes over the polling phase
def show(what, v):
    v.sort()
    p = lambda q: v[min(len(v) - 1, int(round(q * (len(v) - 1))))]
    print("%-8s %-14s n=%d  p50 %6.0f ms  p95 %6.0f ms  max %6.0f ms"
          % (mode, what, len(v), p(0.5), p(0.95), v[-1]))
show("push start", lat)
show("push done", after)
print("%-8s load average %.1f before, %.1f after" % (mode, load0, os.getloadavg()[0]))
PY
	kill "$agent"
	wait "$agent" || true
	agent=
}

echo "git push -> apply note on the remote, $n commits, one cluster, file:// remote, moto on loopback" >&2
measure poll --no-watch --interval 1s
measure inotify --interval 1h
