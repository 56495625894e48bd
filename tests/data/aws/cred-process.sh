#!/bin/sh
# A credential_process for the unit tests: counts its runs in the file $1,
# prints keys that expire at the fixed time $2.
echo run >>"$1"
printf '{"Version": 1, "AccessKeyId": "ASIAUNITPROCESS00001", "SecretAccessKey": "unit-secret", "Expiration": "%s"}\n' "$2"
