#!/usr/bin/env bash
# TLS verification is always on: an endpoint with a self-signed
# certificate is refused, and trusted once AWS_CA_BUNDLE names it.
. "$(dirname "$0")/test-lib.sh"

command -v openssl >/dev/null || skip_all "openssl is not installed"
start_moto
export AWS_EC2_METADATA_DISABLED=true AG_AWS_RETRY_BASE_MS=10 AWS_MAX_ATTEMPTS=1
D="$AG_TOOLS/ag-aws-driver"

# An HTTPS fault proxy (no faults) with a self-signed certificate in front of moto.
openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=127.0.0.1 \
	-addext subjectAltName=IP:127.0.0.1 -keyout "$TRASH/key.pem" -out "$TRASH/cert.pem" \
	>/dev/null 2>&1 || skip_all "openssl cannot make a self-signed certificate"
python3 "$AG_SRC/tests/tools/fault-proxy.py" --target "$MOTO_URL" --port-file "$TRASH/port" \
	--tls-cert "$TRASH/cert.pem" --tls-key "$TRASH/key.pem" &
PROXY_PID=$!
test_when_finished "kill $PROXY_PID; wait $PROXY_PID"
for i in $(seq 1 100); do
	[ -s "$TRASH/port" ] && break
	sleep 0.05
done
HTTPS_URL="https://127.0.0.1:$(cat "$TRASH/port")"

test_expect_success 'the untrusted certificate is refused' '
	AWS_ENDPOINT_URL=$HTTPS_URL check_exit 1 "$D" describe-clusters 2>err &&
	check_contains err "rds DescribeDBClusters failed: POST $HTTPS_URL" &&
	grep -qi "certificate" err
'

test_expect_success 'AWS_CA_BUNDLE makes it trusted' '
	AWS_ENDPOINT_URL=$HTTPS_URL AWS_CA_BUNDLE=$TRASH/cert.pem "$D" describe-clusters >out.json &&
	grep -q "\"clusters\": \[\]" out.json
'

test_done
