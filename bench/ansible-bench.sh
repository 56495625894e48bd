#!/usr/bin/env bash
# Side by side with Ansible (amazon.aws.rds_cluster and rds_cluster_info,
# pointed at the same moto with endpoint_url), for each fleet size N given
# (default: 100 and 1000 clusters, one instance each):
#
#   floor            the describe calls the agent's plan needs (DescribeDBClusters,
#                    DescribeDBInstances, DescribeDBSubnetGroups, every page),
#                    sent one after another with curl --aws-sigv4
#   ag plan          aurora-gitops plan over the N manifests
#   ansible info     one rds_cluster_info task (the whole fleet)
#   ansible check    rds_cluster per cluster, ansible-playbook --check --diff
#   ag sync          aurora-gitops sync (corrects the drift)
#   ansible apply    rds_cluster per cluster, ansible-playbook (corrects it too)
#
#   ansible info+inst rds_cluster_info and rds_instance_info: what Ansible must
#                    read to know what the plan knows (clusters and instances)
#
# One cluster drifts out of band (BackupRetentionPeriod 7 -> 3) before the
# comparisons, and again before Ansible's apply (sync has corrected it by
# then).
#
# On the loopback a request costs moto about 1.5 ms of CPU and a page of
# 100 records about 10 ms: the test launcher writes replies through its own
# serializer, byte for byte moto's (tests/tools/moto_fast_replies.py; moto's
# reflective one costs ~95 ms a page, the opposite of AWS, where the round
# trip dominates; AG_MOTO_SERIALIZER=stock measures with it, and the table's
# heading says which one ran). For each LATENCY_MS value other than 0 (default "0 50")
# the floor, the plan and the info passes run again through
# tests/tools/fault-proxy.py --latency-ms, which holds every request that
# long before forwarding it (requests in flight at once are held at once),
# so the table also shows the comparison at a stated round trip. The wall
# times there include moto's own cost; nothing else changes. The per-cluster Ansible loops run only when N <= LOOP_MAX (default
# 100): at ~1 s a cluster they would take most of an hour at 1,000.
# AWS requests are counted server-side by the test launcher's recorder
# (tests/tools/moto-server.py, AG_REQUEST_LOG_ALL=1), whoever sends them.
# Peak RSS is the largest process of the run (GNU time, %M).
#
#   bench/ansible-bench.sh [N ...]
#
# Needs Debian's ansible package (ansible-core with the amazon.aws
# collection): installed with apt-get when missing and run as root.
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=bench/latency-proxy.sh
. "$here/bench/latency-proxy.sh"
build=${BUILD_DIR:-$here/build-release}
loop_max=${LOOP_MAX:-100}
read -r -a latencies <<<"${LATENCY_MS:-0 50}"
# the loopback pass always runs first: the loops and sync compare with it
case " ${latencies[*]} " in *" 0 "*) ;; *) latencies=(0 "${latencies[@]}") ;; esac
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(100 1000)
work=$(mktemp -d "${TMPDIR:-/tmp}/ag-ansible-bench.XXXXXX")
pid=

proxy=
cleanup() {
	[ -z "$proxy" ] || kill "$proxy" 2>/dev/null || true
	[ -z "$pid" ] || kill "$pid" 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT

if ! command -v ansible-playbook >/dev/null ||
	! ansible-doc amazon.aws.rds_cluster_info >/dev/null 2>&1; then
	if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
		echo "installing Debian's ansible package ..." >&2
		DEBIAN_FRONTEND=noninteractive apt-get install -y ansible >/dev/null
	else
		echo "ansible-bench: needs ansible-playbook with the amazon.aws collection" \
			"(Debian: apt-get install ansible)" >&2
		exit 2
	fi
fi
# The modules run under the Python that has boto3 (the one moto uses).
py=$(command -v python3)
"$py" -c 'import boto3' || { echo "ansible-bench: $py has no boto3" >&2; exit 2; }

"$here/contrib/deps.sh"
cmake -S "$here" -B "$build" -DCMAKE_BUILD_TYPE=Release -DAG_TESTS=OFF >/dev/null
cmake --build "$build" -j"$(nproc)" --target aurora-gitops >/dev/null
bin=$build/src/cli/aurora-gitops

export AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing
export AWS_REGION=us-east-1 AWS_DEFAULT_REGION=us-east-1 AWS_EC2_METADATA_DISABLED=true
unset AWS_PROFILE AWS_SESSION_TOKEN
export ANSIBLE_LOCAL_TEMP=$work/ansible-tmp ANSIBLE_REMOTE_TEMP=$work/ansible-tmp
export ANSIBLE_DEPRECATION_WARNINGS=False ANSIBLE_NOCOLOR=1 ANSIBLE_RETRY_FILES_ENABLED=False
export ANSIBLE_PYTHON_INTERPRETER=$py

# timed NAME CMD...: runs CMD under GNU time; leaves wall/RSS/requests in
# $work/NAME.{time,reqs}. The command's output goes to $work/NAME.out.
timed() {
	local name=$1
	shift
	local before after
	before=$(wc -l <"$log")
	/usr/bin/time -f "%e %M" -o "$work/$name.time" "$@" >"$work/$name.out" 2>&1 || {
		echo "ansible-bench: '$name' failed:" >&2
		tail -n 30 "$work/$name.out" >&2
		exit 1
	}
	after=$(wc -l <"$log")
	tail -n +"$((before + 1))" "$log" | head -n "$((after - before))" >"$work/$name.reqs"
}

# floor URL FILE: every page of each describe the agent's plan sends
# (DescribeDBClusters, DescribeDBInstances, and DescribeDBSubnetGroups, as
# the manifests name a subnet group), one reply at a time in FILE.
floor() {
	local url=$1 page=$2 action marker args
	for action in DescribeDBClusters DescribeDBInstances DescribeDBSubnetGroups; do
		marker=
		while :; do
			args=(-d "Action=$action" -d "Version=2014-10-31" -d "MaxRecords=100")
			[ -z "$marker" ] || args+=(--data-urlencode "Marker=$marker")
			curl -sf --aws-sigv4 "aws:amz:us-east-1:rds" --user testing:testing \
				"${args[@]}" "$url/" >"$page"
			marker=$(grep -o '<Marker>[^<]*</Marker>' "$page" |
				sed 's:</*Marker>::g' || true)
			[ -n "$marker" ] || break
		done
	done
}
export -f floor

drift() {
	"$py" - "$1" "$2" <<-'PY'
	import sys, boto3
	rds = boto3.client("rds", endpoint_url=sys.argv[1])
	rds.modify_db_cluster(DBClusterIdentifier=sys.argv[2], BackupRetentionPeriod=3,
	                      ApplyImmediately=True)
	PY
}

playbooks() { # URL
	local with
	# info.yml reads the clusters; info-inst.yml the clusters and instances
	for with in "" inst; do
		{
			cat <<-EOF
			- hosts: localhost
			  connection: local
			  gather_facts: false
			  tasks:
			    - amazon.aws.rds_cluster_info:
			        endpoint_url: "$1"
			        region: us-east-1
			      register: info
			    - assert:
			        that: info.clusters | length == n | int
			EOF
			[ -z "$with" ] || cat <<-EOF
			    - amazon.aws.rds_instance_info:
			        endpoint_url: "$1"
			        region: us-east-1
			      register: inst
			    - assert:
			        that: inst.instances | length == n | int
			EOF
		} >"$work/info${with:+-$with}.yml"
	done
	cat >"$work/clusters.yml" <<-EOF
	- hosts: localhost
	  connection: local
	  gather_facts: false
	  tasks:
	    - amazon.aws.rds_cluster:
	        endpoint_url: "$1"
	        region: us-east-1
	        id: "{{ item }}"
	        engine: aurora-postgresql
	        engine_version: "16.1"
	        db_subnet_group_name: default
	        backup_retention_period: 7
	        deletion_protection: true
	        storage_encrypted: true
	        tags:
	          managed-by: aurora-gitops
	        purge_tags: false
	        apply_immediately: true
	      loop: "{{ clusters }}"
	EOF
}

# stat NAME: "wall rss_mib requests cpu"
wall_of() { awk '{print $1}' "$work/$1.time"; }
rss_of() { awk '{printf "%.1f", $2 / 1024}' "$work/$1.time"; }
reqs_of() { wc -l <"$work/$1.reqs"; }
actions_of() {
	"$py" - "$work/$1.reqs" <<-'PY'
	import collections, json, sys, urllib.parse
	c = collections.Counter()
	for line in open(sys.argv[1]):
	    body = dict(urllib.parse.parse_qsl(json.loads(line)["body"]))
	    c[body.get("Action", "?")] += 1
	print(", ".join(f"{a} {n}" for a, n in sorted(c.items())))
	PY
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.1f", a / b; else print "-" }'; }

rows=()
row() { # N RUN NAME RATIO-TEXT
	local n=$1 run=$2 name=$3 r=$4
	rows+=("$(printf '| %6s | %-34s | %9s | %8s | %7s | %-20s | %s |' "$n" "$run" \
		"$(wall_of "$name")" "$(reqs_of "$name")" "$(rss_of "$name")" "$r" \
		"$(actions_of "$name")")")
}
skipped() { # N RUN WHY
	rows+=("$(printf '| %6s | %-34s | %9s | %8s | %7s | %-20s | %s |' "$1" "$2" - - - "$3" "")")
}

for n in "${sizes[@]}"; do
	rm -rf "$work/run"
	mkdir -p "$work/run"
	log=$work/run/requests.jsonl
	: >"$log"
	AG_REQUEST_LOG=$log AG_REQUEST_LOG_ALL=1 MOTO_RDS_SNAPSHOT_LIMIT=$((n * 4 + 1000)) \
		"$py" "$here/tests/tools/moto-fixture.py" start "$work/run" >/dev/null
	pid=$(cat "$work/run/moto.pid")
	serializer=$(sed -n 's/^moto-server: reply serializer: //p' "$work/run/moto.log")
	url="http://127.0.0.1:$(cat "$work/run/moto.port")"
	export AWS_ENDPOINT_URL=$url

	echo "N=$n: seeding $n clusters with one instance each ..." >&2
	"$py" "$here/tests/tools/seed-fleet.py" "$url" "$n" "$work/run/m" bench >/dev/null
	victim=$(printf 'bench-%05d' $((n / 2)))
	drift "$url" "$victim"
	"$py" -c 'import sys, json; n = int(sys.argv[1])
print(json.dumps({"clusters": ["bench-%05d" % i for i in range(n)], "n": n}))' \
		"$n" >"$work/run/vars.json"
	playbooks "$url"
	: >"$log"

	for lat in "${latencies[@]}"; do
		at=$url
		sfx=
		if [ "$lat" != 0 ]; then
			latency_proxy_start "$url" "$lat" "$work/run"
			at=$proxy_url
			sfx=", +${lat} ms"
		fi
		playbooks "$at"
		echo "N=$n${sfx}: floor, plan, Ansible info passes ..." >&2
		timed "floor$lat" bash -c 'floor "$1" "$2"' floor "$at" "$work/run/page.xml"
		export AWS_ENDPOINT_URL=$at
		timed "plan$lat" "$bin" plan --dir "$work/run/m" --state-dir "$work/run/state" -q
		export AWS_ENDPOINT_URL=$url
		grep -q "$victim" "$work/plan$lat.out" || {
			echo "ansible-bench: plan did not report the drift on $victim" >&2
			cat "$work/plan$lat.out" >&2
			exit 1
		}
		grep -q "^Plan: 0 to create, 1 to update, 0 to delete" "$work/plan$lat.out" || {
			echo "ansible-bench: plan found more than the one drifted cluster" >&2
			head -n 20 "$work/plan$lat.out" >&2
			exit 1
		}
		timed "info$lat" ansible-playbook -i localhost, -e "@$work/run/vars.json" \
			"$work/info.yml"
		timed "infoinst$lat" ansible-playbook -i localhost, -e "@$work/run/vars.json" \
			"$work/info-inst.yml"
		row "$n" "floor (curl, describes)$sfx" "floor$lat" "1.0"
		row "$n" "aurora-gitops plan$sfx" "plan$lat" \
			"$(ratio "$(wall_of "plan$lat")" "$(wall_of "floor$lat")")x floor"
		row "$n" "ansible cluster_info$sfx" "info$lat" \
			"$(ratio "$(wall_of "info$lat")" "$(wall_of "plan$lat")")x plan"
		row "$n" "ansible cluster+inst info$sfx" "infoinst$lat" \
			"$(ratio "$(wall_of "infoinst$lat")" "$(wall_of "plan$lat")")x plan"
		latency_proxy_stop
	done
	playbooks "$url"

	if [ "$n" -le "$loop_max" ]; then
		echo "N=$n: Ansible --check --diff loop ..." >&2
		timed check ansible-playbook -i localhost, -e "@$work/run/vars.json" --check --diff \
			"$work/clusters.yml"
		grep -q "changed=1 " "$work/check.out" || {
			echo "ansible-bench: --check did not find exactly one drifted cluster" >&2
			tail -n 5 "$work/check.out" >&2
			exit 1
		}
		row "$n" "ansible rds_cluster --check" check \
			"$(ratio "$(wall_of check)" "$(wall_of plan0)")x plan"
	else
		skipped "$n" "ansible rds_cluster --check" "not run: N > $loop_max"
	fi

	echo "N=$n: sync ..." >&2
	timed sync "$bin" sync --dir "$work/run/m" --state-dir "$work/run/state" -q
	row "$n" "aurora-gitops sync" sync "1.0"
	if [ "$n" -le "$loop_max" ]; then
		echo "N=$n: Ansible apply loop ..." >&2
		drift "$url" "$victim"
		timed apply ansible-playbook -i localhost, -e "@$work/run/vars.json" --diff \
			"$work/clusters.yml"
		grep -q "changed=1 " "$work/apply.out" || {
			echo "ansible-bench: the apply did not change exactly one cluster" >&2
			tail -n 5 "$work/apply.out" >&2
			exit 1
		}
		row "$n" "ansible rds_cluster apply" apply \
			"$(ratio "$(wall_of apply)" "$(wall_of sync)")x sync"
	else
		skipped "$n" "ansible rds_cluster apply" "not run: N > $loop_max"
	fi
	kill "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
	pid=
done

echo
echo "Side by side with Ansible $(ansible --version 2>/dev/null | sed -n '1s/.*core //; 1s/]//p') /" \
	"amazon.aws $(ansible-galaxy collection list amazon.aws 2>/dev/null |
		awk '$1 == "amazon.aws" && !v {v = $2} END {print v}'), moto $("$py" -c 'import moto; print(moto.__version__)')" \
	"(launcher serializer: ${serializer:-?})," \
	"$(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg)"
echo
printf '| %6s | %-34s | %9s | %8s | %7s | %-20s | %s |\n' clusters run "wall s" requests \
	"RSS MiB" ratio "requests by action"
echo "|-------:|------------------------------------|----------:|---------:|--------:|----------------------|---|"
printf '%s\n' "${rows[@]}"
