#ifndef AG_CLI_RECONCILE_H
#define AG_CLI_RECONCILE_H

#include "agent/cycle.h"
#include "cli/opts.h"

/* Shared steps of plan, apply and sync. */

/* Runs the cycle up to the plan; prints manifest errors or the failure.
 * Returns 0 or an exit code. */
int ag_cli_cycle_plan(struct ag_cycle *cy, const struct ag_cli_opts *o);
/* The same; the failure (or the first manifest error) also goes to err. */
int ag_cli_cycle_plan_err(struct ag_cycle *cy, const struct ag_cli_opts *o, struct ag_error *err);
/* Renders cy->plan in format to stdout or to path (atomically). */
int ag_cli_render_plan(const struct ag_cycle *cy, const char *format, const char *path);
/* Prints what apply did, one line per cluster that had work. */
void ag_cli_print_result(const struct ag_cycle *cy);
/* Exit code for a finished cycle: 1 errors/failures, 3 blocked, 2 changes
 * (only when detailed), else 0. */
int ag_cli_exit_for(const struct ag_cycle *cy, int detailed, int applied);

/* apply and sync: plan, show, confirm (unless unattended or
 * --auto-approve), execute, report. Returns the exit code. */
int ag_cli_apply_common(int argc, char **argv, int unattended);

#endif
