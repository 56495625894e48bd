#!/usr/bin/env bash
# The whole loop in one command, no AWS account: moto and a bare git
# repository on loopback, `aurora-gitops run` in the background, a commit
# that changes a cluster, and the plan, the apply and the note appearing
# within a second. Leaves the agent running until you press Enter, so you
# can open the status page it prints.
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD_DIR:-$here/build-release}
work=$(mktemp -d "${TMPDIR:-/tmp}/aurora-gitops-run-demo.XXXXXX")
step() { printf '\n\033[1m==> %s\033[0m\n' "$*"; }

step "installing what is missing and building"
"$here/contrib/deps.sh"
python3 -c 'import moto' 2>/dev/null || {
	echo "the demo needs the moto AWS emulator for python3 (python3 -c 'import moto' failed)" >&2
	exit 1
}
cmake -S "$here" -B "$build" -DCMAKE_BUILD_TYPE=Release -DAG_TESTS=OFF >/dev/null
cmake --build "$build" -j"$(nproc)" --target aurora-gitops >/dev/null
ag=$build/src/cli/aurora-gitops

step "starting moto on loopback"
python3 "$here/tests/tools/moto-fixture.py" start "$work" >/dev/null
moto=$(cat "$work/moto.pid")
agent=
cleanup() {
	[ -z "$agent" ] || kill "$agent" 2>/dev/null || true
	kill "$moto" 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT
export AWS_ENDPOINT_URL="http://127.0.0.1:$(cat "$work/moto.port")"
export AWS_ACCESS_KEY_ID=demo AWS_SECRET_ACCESS_KEY=demo AWS_REGION=us-east-1
export AWS_EC2_METADATA_DISABLED=true
unset AWS_PROFILE AWS_SESSION_TOKEN
export HOME=$work/home GIT_CONFIG_NOSYSTEM=1
mkdir -p "$HOME"
export GIT_AUTHOR_NAME=demo GIT_AUTHOR_EMAIL=demo@example.com
export GIT_COMMITTER_NAME=demo GIT_COMMITTER_EMAIL=demo@example.com

step "a bare repository with one cluster manifest"
mkdir "$work/src"
cp "$here/manifests/minimal.yaml" "$work/src/"
python3 "$here/tests/tools/moto-fixture.py" render "$AWS_ENDPOINT_URL" "$work/src" "$work/rendered" >/dev/null
git init -q --bare -b main "$work/fleet.git"
git init -q -b main "$work/checkout"
cp "$work/rendered/minimal.yaml" "$work/checkout/"
git -C "$work/checkout" add -A
git -C "$work/checkout" commit -qm "minimal-pg: one writer"
git -C "$work/checkout" remote add origin "file://$work/fleet.git"
git -C "$work/checkout" push -q origin main
echo "file://$work/fleet.git"

step "aurora-gitops run in the background"
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$ag" run --repo "file://$work/fleet.git" --branch main --state-dir "$work/state" \
	--listen "127.0.0.1:$port" 2>"$work/run.log" &
agent=$!
for _ in $(seq 1 100); do grep -q "cycle done" "$work/run.log" && break; sleep 0.1; done
sed 's/^/  /' "$work/run.log"

step "a commit that changes the cluster (backup retention 1 -> 9 days), pushed"
sleep 6 # the create's follow-up check passes first
sed -i 's/storageEncrypted: true/storageEncrypted: true\n  backupRetentionPeriod: 9/' "$work/checkout/minimal.yaml"
git -C "$work/checkout" commit -qam "minimal-pg: keep backups 9 days"
rev=$(git -C "$work/checkout" rev-parse HEAD)
lines=$(wc -l <"$work/run.log")
start=$(date +%s%N)
git -C "$work/checkout" push -q origin main
until git --git-dir "$work/fleet.git" notes --ref aurora-gitops show "$rev" 2>/dev/null |
	grep -q '"kind":"apply"'; do
	sleep 0.01
done
echo "note on ${rev:0:7} visible $((($(date +%s%N) - start) / 1000000)) ms after the push"

step "what the agent did"
tail -n +"$((lines + 1))" "$work/run.log" | sed 's/^/  /'

step "the note on the commit"
git --git-dir "$work/fleet.git" notes --ref aurora-gitops show "$rev" |
	python3 -c 'import json, sys
for l in sys.stdin:
    o = json.loads(l)
    print("  %-6s %-12s %-8s %s" % (o["kind"], o["cluster"], o["result"], " ".join(a["kind"] for a in o.get("actions", []))))'

step "status page: http://127.0.0.1:$port/   metrics: http://127.0.0.1:$port/metrics"
if [ -t 0 ]; then
	read -r -p "press Enter to stop the agent and moto " _
fi
