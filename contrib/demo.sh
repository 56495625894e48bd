#!/usr/bin/env bash
# The first thing to run: shows aurora-gitops keeping Aurora clusters as the
# manifests say, against a local AWS emulator (moto) -- no AWS account.
#
# It installs what is missing, builds, starts moto on a free loopback port,
# syncs the examples in manifests/, changes one cluster behind the agent's
# back, and prints the drift report a pull request would show.
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

step "aurora-gitops validate"
"$ag" validate "$work/repo" || true

step "aurora-gitops sync   (creates every cluster, its subnet group, parameters, instances)"
"$ag" sync --dir "$work/repo" --state-dir "$work/state" --poll-interval 1s -q

step "aurora-gitops plan --detailed-exitcode   (nothing left to do: exit 0)"
"$ag" plan --dir "$work/repo" --state-dir "$work/state" --detailed-exitcode | head -n 3
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

step "aurora-gitops plan --format markdown   (the drift report for a pull request)"
set +e
"$ag" plan --dir "$work/repo" --state-dir "$work/state" --format markdown --detailed-exitcode
echo "exit code: $? (2 = changes present)"
set -e

step "aurora-gitops sync   (puts it back)"
"$ag" sync --dir "$work/repo" --state-dir "$work/state" --poll-interval 1s | tail -n 3
"$ag" plan --dir "$work/repo" --state-dir "$work/state" --detailed-exitcode | head -n 1
echo
echo "done: moto is stopped and $work removed on exit"
