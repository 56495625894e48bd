#!/usr/bin/env bash
# Builds the libFuzzer targets with clang and fuzzes the manifest loader.
#
#   contrib/fuzz.sh SECONDS [BUILD_DIR]     # default BUILD_DIR: ./build-fuzz
#
# The seed corpus is every example and every broken manifest; new inputs go
# to BUILD_DIR/fuzz-corpus/manifest and crashes to BUILD_DIR/fuzz-artifacts.
# Exits non-zero when the fuzzer finds a crash, a leak or a timeout.
set -euo pipefail

secs=${1:?usage: contrib/fuzz.sh SECONDS [BUILD_DIR]}
here=$(cd "$(dirname "$0")/.." && pwd)
build=${2:-$here/build-fuzz}

CC=clang cmake -S "$here" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	-DAG_FUZZ=ON -DAG_SANITIZE=ON -DAG_TESTS=OFF >/dev/null
cmake --build "$build" -j"$(nproc)" --target fuzz_manifest

corpus=$build/fuzz-corpus/manifest
seeds=$build/fuzz-seeds/manifest
artifacts=$build/fuzz-artifacts/
mkdir -p "$corpus" "$seeds" "$artifacts"
cp "$here"/manifests/*.yaml "$here"/tests/data/manifests/bad/*.yaml \
	"$here"/tests/data/manifests/good/*.yaml "$seeds"/

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
"$build/tests/fuzz/fuzz_manifest" -max_total_time="$secs" -max_len=16384 -timeout=10 \
	-rss_limit_mb=2048 -print_final_stats=1 -dict="$here/tests/fuzz/manifest.dict" \
	-artifact_prefix="$artifacts" "$corpus" "$seeds"
