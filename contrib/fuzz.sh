#!/usr/bin/env bash
# Builds the libFuzzer targets with clang and runs one of them.
#
#   contrib/fuzz.sh TARGET SECONDS [BUILD_DIR]   # default BUILD_DIR: ./build-fuzz
#   contrib/fuzz.sh SECONDS [BUILD_DIR]          # the manifest target, as before
#
# TARGET is one of:
#   manifest  the manifest loader (YAML, schema, cross-manifest checks, lint)
#   xml       the AWS XML tree builder, error replies and RDS/EC2 decoders
#   sealed    sealed values: syntax, opening, envelopes, finder, re-sealer,
#             public key files
#   notes     git note lines: parse, format, read back (a fixed point)
#   webhook   webhook authentication (GitHub HMAC, GitLab token)
#   sshsig    allowed-signers files and SSH commit signatures
# Seeds come from the repository (tests/fuzz/corpus/TARGET, examples, test
# manifests, captured AWS replies); new inputs go to
# BUILD_DIR/fuzz-corpus/TARGET and crashes to BUILD_DIR/fuzz-artifacts/TARGET.
# Exits non-zero when the fuzzer finds a crash, a leak or a timeout; the last
# lines printed are libFuzzer's final stats (stat::number_of_executed_units).
# The test command replays the same seeds through each target (the
# fuzz_replay_* tests), so an input that once crashed stays fixed once it is
# added to tests/fuzz/corpus/TARGET.
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
usage="usage: contrib/fuzz.sh TARGET SECONDS [BUILD_DIR] (TARGET: manifest, xml, sealed, notes, webhook, sshsig)"
if [[ ${1:-} =~ ^[0-9]+$ ]]; then
	target=manifest
else
	target=${1:?$usage}
	shift
fi
secs=${1:?$usage}
build=${2:-$here/build-fuzz}
case $target in
manifest | xml | sealed | notes | webhook | sshsig) ;;
*)
	echo "contrib/fuzz.sh: unknown target '$target'" >&2
	echo "$usage" >&2
	exit 64
	;;
esac
[[ $secs =~ ^[0-9]+$ ]] || { echo "$usage" >&2; exit 64; }

CC=clang cmake -S "$here" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	-DAG_FUZZ=ON -DAG_SANITIZE=ON -DAG_TESTS=OFF >/dev/null
cmake --build "$build" -j"$(nproc)" --target "fuzz_$target"

corpus=$build/fuzz-corpus/$target
seeds=$build/fuzz-seeds/$target
artifacts=$build/fuzz-artifacts/$target/
mkdir -p "$corpus" "$seeds" "$artifacts"
extra=()
case $target in
manifest)
	cp "$here"/manifests/*.yaml "$here"/tests/data/manifests/bad/*.yaml \
		"$here"/tests/data/manifests/good/*.yaml "$here"/tests/fuzz/corpus/manifest/* "$seeds"/
	extra=(-max_len=16384)
	;;
xml)
	cp "$here"/tests/data/aws/*.xml "$here"/tests/fuzz/corpus/xml/* "$seeds"/
	extra=(-max_len=65536)
	;;
sealed)
	cp "$here"/tests/fuzz/corpus/sealed/* "$seeds"/
	extra=(-max_len=8192)
	;;
notes | webhook | sshsig)
	cp "$here"/tests/fuzz/corpus/$target/* "$seeds"/
	extra=(-max_len=8192)
	;;
esac

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
"$build/tests/fuzz/fuzz_$target" -max_total_time="$secs" "${extra[@]}" -timeout=10 \
	-rss_limit_mb=2048 -print_final_stats=1 -dict="$here/tests/fuzz/$target.dict" \
	-artifact_prefix="$artifacts" "$corpus" "$seeds"
