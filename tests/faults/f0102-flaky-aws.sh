#!/usr/bin/env bash
# Half of all AWS requests fail: a loopback fault proxy answers 50% of them
# with Throttling, 503, a TCP reset before the request is forwarded, or a
# slow reply. The agent, run again after each failed cycle as a service
# would, converges to the same fleet a clean run builds, creates nothing
# twice, never crashes, and sends at most 3x the requests of the clean run.
# AG_FAULTS_LONG=1: more clusters and several seeds.
. "$(dirname "$0")/../e2e/test-lib.sh"
. "$(dirname "$0")/fault-lib.sh"

start_moto
export AWS_EC2_METADATA_DISABLED=true AG_AWS_RETRY_BASE_MS=20
N=3
SEEDS="7"
if [ "$AG_FAULTS_LONG" = 1 ]; then
	N=8
	SEEDS="7 11 23"
fi

# manifests N DIR: N clusters (one writer each) rendered against moto's network
manifests() {
	local i
	rm -rf tmpl "$2" && mkdir tmpl &&
	for i in $(seq 1 "$1"); do
		sed "s/name: minimal-pg/name: flaky-$i/" "$AG_SRC/manifests/minimal.yaml" >tmpl/c$i.yaml
	done &&
	python3 "$AG_SRC/tests/tools/moto-fixture.py" render "$MOTO_URL" tmpl "$2" >/dev/null
}

# converge RUNS LOG ARGS...: apply through a proxy started with ARGS until a
# run exits 0 (at most RUNS runs); every run exits 0 or 1 without a crash
# report. Prints how many runs it took.
converge() {
	local runs=$1 log=$2 n rc
	shift 2
	rm -f "$log" proxy.port
	start_helper "$TRASH/proxy.port" python3 "$AG_SRC/tests/tools/fault-proxy.py" --target "$MOTO_URL" \
		--port-file "$TRASH/proxy.port" --log "$log" --log-actions "$@" 2>>proxy.err
	for n in $(seq 1 "$runs"); do
		rc=0
		AWS_ENDPOINT_URL="http://127.0.0.1:$(cat proxy.port)" "$AG_BIN" apply --dir m --auto-approve \
			--state-dir "$TRASH/state" --poll-interval 100ms >run$n.out 2>run$n.err || rc=$?
		agent_exit_ok $rc || { cat run$n.out run$n.err; return 1; }
		no_crash_report run$n.out run$n.err
		if [ $rc = 0 ]; then
			echo "$n" >runs
			return 0
		fi
	done
	say "no convergence after $runs runs:"; cat run$runs.out run$runs.err
	return 1
}

# requests LOG: requests the proxy received (a slow one logs twice)
requests() { grep -vc '^slow ' "$1"; }

fleet() {
	local i c="" in=""
	for i in $(seq 1 $N); do c="$c\"flaky-$i\","; in="$in\"flaky-$i-1\","; done
	fleet_is "[$c]" "[$in]"
}

test_expect_success 'clean run: the request count to compare with' '
	manifests $N m &&
	converge 1 clean.log --random-faults 0 &&
	test "$(cat runs)" = 1 &&
	fleet &&
	requests clean.log >clean.count &&
	say "clean: $(cat clean.count) requests"
'

for seed in $SEEDS; do
	test_expect_success "50% faults (seed $seed): converges, no duplicate, <= 3x requests" '
		moto_reset &&
		manifests $N m &&
		converge 10 faulty.log --random-faults 0.5 --seed $seed &&
		fleet &&
		total=$(requests faulty.log) &&
		echo "seed $seed: $(cat runs) runs, $total requests (clean: $(cat clean.count)); faults injected: $(grep -cE "^(throttle|503|reset|slow) " faulty.log)" >>summary &&
		grep -q "^reset " faulty.log && grep -q "^throttle " faulty.log &&
		grep -q "^503 " faulty.log && grep -q "^slow " faulty.log &&
		test "$total" -le $((3 * $(cat clean.count))) &&
		python3 - faulty.log <<-PY
		import collections, sys
		# each create reached AWS once: a reset happens before forwarding
		n = collections.Counter(l.split()[1] for l in open(sys.argv[1]) if l.startswith("forward "))
		assert n["CreateDBCluster"] == $N and n["CreateDBInstance"] == $N, dict(n)
		PY
	'
	test_expect_success "seed $seed: a clean run afterwards changes nothing" '
		AWS_ENDPOINT_URL=$MOTO_URL "$AG_BIN" plan --dir m --detailed-exitcode >plan.out 2>plan.err ||
			{ cat plan.out plan.err; exit 1; }
		fleet
	'
done

# the numbers, for the record (ctest --verbose shows them)
[ ! -f "$TRASH/summary" ] || sed 's/^/# /' "$TRASH/summary"
test_done
