#!/usr/bin/env bash
# Plans the pull request's head against live AWS, compared with its base.
# Writes the comment Markdown and the JSON report under $RUNNER_TEMP and the
# outputs exit-code, report-markdown, report-json. Never fails the step on
# its own: the report step posts errors and decides the job's result.
set -uo pipefail

out=${RUNNER_TEMP:-/tmp}/aurora-gitops-${AG_CONTEXT:-default}
mkdir -p "$out"
md="$out/plan.md"
json="$out/plan.json"
rm -f "$md" "$json"

args=(plan --repo "${GITHUB_WORKSPACE:-.}" --base "$AG_BASE" --head "$AG_HEAD"
	--format markdown --out "$md" --out-json "$json" --detailed-exitcode
	--context "${AG_CONTEXT:-default}" --state-dir "$out/state"
	--blob-url "${GITHUB_SERVER_URL:-https://github.com}/${GITHUB_REPOSITORY}/blob/{sha}")
[ -n "${AG_PATH:-}" ] && args+=(--path "$AG_PATH")
[ -n "${AG_KEY_FILE:-}" ] && args+=(--key-file "$AG_KEY_FILE")

aurora-gitops "${args[@]}" 2> >(tee "$out/plan.err" >&2)
rc=$?
wait
{
	echo "exit-code=$rc"
	[ -s "$md" ] && echo "report-markdown=$md"
	[ -s "$json" ] && echo "report-json=$json"
} >>"${GITHUB_OUTPUT:-/dev/null}"
echo "aurora-gitops plan exited with $rc" >&2
exit 0
