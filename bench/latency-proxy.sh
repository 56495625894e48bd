# Sourced by the benchmarks that measure each run again with a round trip
# added: tests/tools/fault-proxy.py --latency-ms holds every request that
# long before the launcher sees it, whoever sends it. Needs $here (the
# repository) and $py (the Python with moto) set by the caller.

# latency_proxy_start TARGET_URL MS DIR: starts the proxy in front of
# TARGET_URL (its port file goes in DIR); sets proxy (its pid) and
# proxy_url. Exits when the proxy does not come up within 10 s.
latency_proxy_start() {
	local target=$1 ms=$2 dir=$3
	rm -f "$dir/proxy.port"
	"$py" "$here/tests/tools/fault-proxy.py" --target "$target" \
		--port-file "$dir/proxy.port" --latency-ms "$ms" &
	proxy=$!
	for _ in $(seq 100); do
		[ -s "$dir/proxy.port" ] && break
		sleep 0.1
	done
	[ -s "$dir/proxy.port" ] || {
		echo "$(basename "$0"): the $ms ms proxy in front of $target did not start" >&2
		exit 1
	}
	proxy_url="http://127.0.0.1:$(cat "$dir/proxy.port")"
}

# latency_proxy_stop: stops the proxy latency_proxy_start started, if any.
latency_proxy_stop() {
	[ -n "${proxy:-}" ] || return 0
	kill "$proxy" 2>/dev/null || true
	wait "$proxy" 2>/dev/null || true
	proxy=
}
