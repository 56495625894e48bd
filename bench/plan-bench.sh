#!/usr/bin/env bash
# Plan over N Aurora clusters (default 1000) in a local moto server.
# Creates N clusters with one instance each (plus the matching manifests),
# then times `aurora-gitops plan` against them and prints wall time, the
# AWS request count (by action) and peak RSS.
#
#   bench/plan-bench.sh [N]
set -euo pipefail

n=${1:-1000}
here=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD_DIR:-$here/build-release}
work=$(mktemp -d "${TMPDIR:-/tmp}/ag-plan-bench.XXXXXX")

"$here/contrib/deps.sh"
cmake -S "$here" -B "$build" -DCMAKE_BUILD_TYPE=Release -DAG_TESTS=OFF >/dev/null
cmake --build "$build" -j"$(nproc)" --target aurora-gitops >/dev/null
bin=$build/src/cli/aurora-gitops

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

echo "creating $n clusters with one instance each in moto ..." >&2
python3 - "$url" "$n" "$work/m" <<'PY'
import os, sys, boto3
url, n, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
rds = boto3.client("rds", endpoint_url=url, region_name="us-east-1",
                   aws_access_key_id="testing", aws_secret_access_key="testing")
os.makedirs(out, exist_ok=True)
for i in range(n):
    cid = f"bench-{i:05d}"
    rds.create_db_cluster(DBClusterIdentifier=cid, Engine="aurora-postgresql",
        EngineVersion="16.1", MasterUsername="master", ManageMasterUserPassword=True,
        BackupRetentionPeriod=7, DeletionProtection=True, StorageEncrypted=True,
        DBSubnetGroupName="default",
        Tags=[{"Key": "managed-by", "Value": "aurora-gitops"}])
    rds.create_db_instance(DBInstanceIdentifier=f"{cid}-1", DBClusterIdentifier=cid,
        DBInstanceClass="db.r6g.large", Engine="aurora-postgresql", PromotionTier=0)
    with open(os.path.join(out, f"{cid}.yaml"), "w") as f:
        f.write(f"""apiVersion: aws.project-planton.org/v1
kind: AwsRdsCluster
metadata:
  name: {cid}
spec:
  dbSubnetGroupName: default
  engine: aurora-postgresql
  engineVersion: "16.1"
  manageMasterUserPassword: true
  storageEncrypted: true
  backupRetentionPeriod: 7
  deletionProtection: true
  instances:
    - name: {cid}-1
      instanceClass: db.r6g.large
""")
PY

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
echo "plan exit code:  $rc (0 = no changes)"
head -n 1 "$work/plan.txt"
echo "wall time:       ${wall} s"
echo "peak RSS:        $((rss / 1024)) MiB"
echo "AWS requests:    $total (limit ceil($n/100)*2 + small constant = $limit + c)"
echo "  ${reqs#aws requests: }"
