#!/usr/bin/env bash
# The first thing to run: shows aurora-gitops keeping Aurora clusters as the
# manifests say, against a local AWS emulator (moto) -- no AWS account.
#
# It installs what is missing, builds, starts moto on a free loopback port,
# makes a local bare config repository from the examples in manifests/,
# syncs it (the outcome is written back as git notes on the commit), commits
# a change and syncs again, changes a cluster behind the agent's back and
# shows the drift report, and prints `git log --notes=aurora-gitops`.
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD_DIR:-$here/build-release}
work=$(mktemp -d "${TMPDIR:-/tmp}/aurora-gitops-demo.XXXXXX")
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
pid=$(cat "$work/moto.pid")
cleanup() {
	kill "$pid" 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT
export AWS_ENDPOINT_URL="http://127.0.0.1:$(cat "$work/moto.port")"
export AWS_ACCESS_KEY_ID=demo AWS_SECRET_ACCESS_KEY=demo AWS_REGION=us-east-1
export AWS_EC2_METADATA_DISABLED=true
unset AWS_PROFILE AWS_SESSION_TOKEN
echo "moto: $AWS_ENDPOINT_URL (pid $pid)"

step "preparing the example manifests (real subnet ids from moto)"
mkdir -p "$work/src"
for f in minimal production serverless-v2 custom-parameters; do
	cp "$here/manifests/$f.yaml" "$work/src/"
done
python3 "$here/tests/tools/moto-fixture.py" render "$AWS_ENDPOINT_URL" "$work/src" "$work/repo" \
	>/dev/null
ls "$work/repo"

step "a bare config repository with one commit (file://$work/config.git)"
export GIT_CONFIG_NOSYSTEM=1 GIT_AUTHOR_NAME=demo GIT_AUTHOR_EMAIL=demo@example.com
export GIT_COMMITTER_NAME=demo GIT_COMMITTER_EMAIL=demo@example.com
git init -q --bare -b main "$work/config.git"
git init -q -b main "$work/checkout"
cp "$work/repo"/*.yaml "$work/checkout/"
git -C "$work/checkout" add -A
git -C "$work/checkout" commit -qm "Aurora clusters: first four"
git -C "$work/checkout" push -q "$work/config.git" main
git -C "$work/config.git" log --oneline
repo="file://$work/config.git"

step "aurora-gitops validate --repo   (the tree at the commit, never a checkout)"
"$ag" validate --repo "$repo" --state-dir "$work/state" || true

step "aurora-gitops sync --repo   (fetch, plan, apply, note on the commit, push the note)"
"$ag" sync --repo "$repo" --state-dir "$work/state" --agent-id demo-agent --poll-interval 1s -q

step "commit a change: minimal-pg gets a second instance and 7-day backups"
sed -i -e 's/count: 1/count: 2/' -e 's/^  engineVersion: "16.1"/  engineVersion: "16.1"\n  backupRetentionPeriod: 7/' \
	"$work/checkout/minimal.yaml"
git -C "$work/checkout" commit -qam "minimal-pg: second instance, 7-day backups"
git -C "$work/checkout" push -q "$work/config.git" main

step "aurora-gitops sync --repo   (only what the commit changed)"
"$ag" sync --repo "$repo" --state-dir "$work/state" --agent-id demo-agent --poll-interval 1s -q

step "aurora-gitops plan --repo --detailed-exitcode   (nothing left to do: exit 0)"
"$ag" plan --repo "$repo" --state-dir "$work/state" --detailed-exitcode | head -n 3
echo "exit code: $?"

step "someone changes orders-db by hand: 3-day backups, no deletion protection, an extra reader"
python3 - <<PY
import boto3
rds = boto3.client("rds", endpoint_url="$AWS_ENDPOINT_URL", region_name="us-east-1",
                   aws_access_key_id="demo", aws_secret_access_key="demo")
rds.modify_db_cluster(DBClusterIdentifier="orders-db", BackupRetentionPeriod=3,
                      DeletionProtection=False, ApplyImmediately=True)
rds.create_db_instance(DBInstanceIdentifier="orders-db-adhoc", DBClusterIdentifier="orders-db",
                       DBInstanceClass="db.r6g.xlarge", Engine="aurora-postgresql")
PY

step "aurora-gitops plan --repo --format markdown   (the drift report for a pull request)"
set +e
"$ag" plan --repo "$repo" --state-dir "$work/state" --format markdown --detailed-exitcode
echo "exit code: $? (2 = changes present)"
set -e

step "aurora-gitops sync --repo   (puts it back; the note on the head says so)"
"$ag" sync --repo "$repo" --state-dir "$work/state" --agent-id demo-agent --poll-interval 1s |
	tail -n 3

step "git log --notes=aurora-gitops   (what the agent did, on the commits themselves)"
git -C "$work/config.git" log --notes=aurora-gitops --format='%C(yellow)%h%Creset %s%n%N' |
	python3 -c '
import json, sys
for line in sys.stdin:
    line = line.rstrip("\n")
    if line.startswith("{"):
        o = json.loads(line)
        out = o.get("outputs", {})
        print("    %-6s %-20s %-16s %s actions%s" % (o["kind"], o.get("cluster", "-"),
              o["result"], len(o.get("actions", [])),
              ("  writer " + out["writer_endpoint"]) if out.get("writer_endpoint") else ""))
    else:
        print(line)
'
echo
echo "raw note on the head (one JSON object per line):"
git -C "$work/config.git" notes --ref aurora-gitops show main | head -n 2

step "aurora-gitops status --repo   (the last result per cluster, read from the notes)"
"$ag" status --repo "$repo" --state-dir "$work/state"
echo
echo "done: moto is stopped and $work removed on exit"
