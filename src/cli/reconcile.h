#ifndef AG_CLI_RECONCILE_H
#define AG_CLI_RECONCILE_H

#include <signal.h>
#include <stdbool.h>

#include "agent/cycle.h"
#include "agent/env.h"
#include "cli/opts.h"
#include "core/source.h"

/* Shared steps of plan, apply, sync and unmanaged. */

/*
 * One command's reconcile run: the environment and the source it creates
 * and the cycle over them. ag_cli_run_open() returns 0 or an exit code
 * (the error printed). writer: open the state directory for writing
 * (apply, sync) and take its lock; readers never wait for a writer.
 */
struct ag_cli_run {
	struct ag_env env;
	struct ag_source *src;
	struct ag_cycle cy;
};

int ag_cli_run_open(struct ag_cli_run *r, const struct ag_cli_opts *o, bool writer);
void ag_cli_run_close(struct ag_cli_run *r);

/*
 * SIGINT/SIGTERM set this flag (to the signal number) and nothing else,
 * once ag_cli_catch_signals() ran; a second signal of the same kind
 * terminates at once. The exit code of a stopped command is 128 + signal.
 */
extern volatile sig_atomic_t ag_cli_stop;
void ag_cli_catch_signals(void);

/* Prints manifest diagnostics (errors) to stderr, one per line. */
void ag_cli_print_diags(const struct ag_diags *diags);

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
