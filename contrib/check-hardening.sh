#!/usr/bin/env bash
# Checks that a binary carries the release hardening (CMakeLists.txt):
# PIE, full RELRO (GNU_RELRO segment + BIND_NOW), a non-executable stack,
# stack-protector canaries and fortified libc calls (_FORTIFY_SOURCE).
#
#   contrib/check-hardening.sh BINARY
#
# Prints one line per property and exits non-zero when one is missing.
set -euo pipefail

bin=${1:?usage: contrib/check-hardening.sh BINARY}
[[ -f $bin ]] || { echo "check-hardening: '$bin' not found" >&2; exit 2; }

fail=0
check() { # name, 0/1
	if [[ $2 == 1 ]]; then
		echo "ok    $1"
	else
		echo "FAIL  $1"
		fail=1
	fi
}
has() { grep -Eq "$1" <<<"$2" && echo 1 || echo 0; }

hdr=$(readelf -hW "$bin")
seg=$(readelf -lW "$bin")
dyn=$(readelf -dW "$bin")
syms=$(readelf --dyn-syms -W "$bin")

check "PIE (ELF type DYN, FLAGS_1 PIE)" \
	"$(( $(has 'Type:[[:space:]]+DYN' "$hdr") & $(has 'FLAGS_1.*PIE' "$dyn") ))"
check "RELRO (GNU_RELRO segment)" "$(has 'GNU_RELRO' "$seg")"
check "full RELRO (BIND_NOW)" "$(has '\(BIND_NOW\)|\(FLAGS\).*BIND_NOW|FLAGS_1.*NOW' "$dyn")"
check "non-executable stack" "$(( $(has 'GNU_STACK' "$seg") & ! $(has 'GNU_STACK.*RWE' "$seg") ))"
check "stack protector (__stack_chk_fail)" "$(has '__stack_chk_fail' "$syms")"
n=$(grep -Ec '__[a-z_]+_chk(@|$| )' <<<"$syms" || true)
check "FORTIFY_SOURCE ($n fortified calls)" "$(( n > 0 ))"
exit $fail
