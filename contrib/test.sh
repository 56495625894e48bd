#!/usr/bin/env bash
# The test command: installs the Debian packages the build needs when they
# are missing, configures with AddressSanitizer + UndefinedBehaviorSanitizer,
# builds, and runs every test through ctest.
#
#   contrib/test.sh            # build in ./build-asan and run all tests
#   BUILD_DIR=out contrib/test.sh -R e2e     # extra arguments go to ctest
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD_DIR:-$here/build-asan}

"$here/contrib/deps.sh"

cmake -S "$here" -B "$build" -DCMAKE_BUILD_TYPE=Debug -DAG_SANITIZE=ON >/dev/null
cmake --build "$build" -j"$(nproc)"

# Leak checking needs ptrace-free LSan; keep it on, and make UBSan fatal.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}
# Leaks inside system libraries (not ours) are listed in tests/lsan.supp.
export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$here/tests/lsan.supp:print_suppressions=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
cd "$build"
ctest --output-on-failure -j"$(nproc)" "$@"
