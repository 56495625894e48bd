#ifndef AG_CLI_PRPLAN_H
#define AG_CLI_PRPLAN_H

#include "cli/opts.h"

/*
 * plan --repo R --base REV --head REV: plans the head commit against the
 * live clusters, plans the base commit against the same snapshot, sorts
 * every cluster into "this change", "drift already there" and "untouched"
 * and writes the pull-request report (--format markdown|json|text, --out,
 * --out-json). Returns the exit code of plan (3 also for a rename).
 */
int ag_cli_plan_pr(struct ag_cli_opts *o);

#endif
