#!/usr/bin/env bash
# Posts the plan on the pull request (one sticky comment, updated in place)
# and sets the commit status; a failed plan is posted as an error. The job
# fails on a plan error, and when this change is blocked and AG_FAIL_ON_BLOCKED.
set -euo pipefail

run_url="${GITHUB_SERVER_URL:-https://github.com}/${GITHUB_REPOSITORY}/actions/runs/${GITHUB_RUN_ID:-0}"
rc=${AG_EXIT:-1}
case "$rc" in
0 | 2 | 3)
	# the status goes on the pull request's own head commit, not on the
	# merge commit that was planned
	aurora-gitops report --github "$GITHUB_REPOSITORY" --pr "$AG_PR" --sha "$AG_HEAD" \
		--markdown "$AG_MARKDOWN" --json "$AG_JSON" --target-url "$run_url"
	;;
*)
	aurora-gitops report --github "$GITHUB_REPOSITORY" --pr "$AG_PR" --sha "$AG_HEAD" \
		--context "${AG_CONTEXT:-default}" --target-url "$run_url" \
		--error "the plan failed (exit code $rc); see the job log"
	exit 1
	;;
esac
# blocked by this change (the verdict), not by drift someone else left
if [ "$rc" = 3 ] && [ "${AG_FAIL_ON_BLOCKED:-true}" = true ] &&
	grep -q '"verdict": "blocked"' "$AG_JSON"; then
	echo "aurora-gitops: this change is blocked (see the pull-request comment)" >&2
	exit 1
fi
