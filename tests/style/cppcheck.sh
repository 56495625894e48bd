#!/usr/bin/env bash
# cppcheck over src/ (warning, portability and performance checks); any
# finding fails. Third-party macros cppcheck cannot see are defined in
# tests/style/cppcheck.cfg; suppressions, each with its reason, are in
# tests/style/cppcheck-suppressions.txt.
set -euo pipefail
src=$(cd "${AG_SRC:-$(dirname "$0")/../..}" && pwd)
command -v cppcheck >/dev/null || { echo "cppcheck is not installed (contrib/deps.sh installs it)"; exit 1; }
cd "$src"
cppcheck --enable=warning,portability,performance --std=c11 --inline-suppr --quiet \
	--error-exitcode=1 -j "$(nproc)" -I src -D_GNU_SOURCE -DAG_VERSION='"0"' \
	--library=tests/style/cppcheck.cfg \
	--suppressions-list=tests/style/cppcheck-suppressions.txt src/
echo "cppcheck: src/ clean"
