#!/usr/bin/env bash
# Puts aurora-gitops on the PATH of the job: a release binary checked
# against its SHA-256, or a build of the action's own source tree.
set -euo pipefail

bin_dir="${RUNNER_TEMP:-/tmp}/aurora-gitops-bin"
mkdir -p "$bin_dir"
if [ -n "${AG_VERSION:-}" ]; then
	[ -n "${AG_SHA256:-}" ] || { echo "aurora-gitops: sha256 is required with version" >&2; exit 1; }
	url=${AG_DOWNLOAD_URL//\{version\}/$AG_VERSION}
	curl -fsSL --proto '=https' -o "$bin_dir/aurora-gitops" "$url"
	echo "$AG_SHA256  $bin_dir/aurora-gitops" | sha256sum -c - >&2
	chmod 755 "$bin_dir/aurora-gitops"
else
	src=$(cd "$(dirname "$0")/../.." && pwd)
	"$src/contrib/deps.sh" >&2
	cmake -S "$src" -B "$bin_dir/build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DAG_TESTS=OFF >&2
	cmake --build "$bin_dir/build" -j"$(nproc)" --target aurora-gitops >&2
	cp "$bin_dir/build/src/cli/aurora-gitops" "$bin_dir/aurora-gitops"
fi
"$bin_dir/aurora-gitops" version >&2
echo "$bin_dir" >>"${GITHUB_PATH:-/dev/null}"
