#include "cli/cli.h"
#include "cli/reconcile.h"
#include "cli/gitsrc.h"

#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "core/compat.h"

/*
 * Asks on the terminal. Without a terminal the answer is no: an unattended
 * apply must say --auto-approve (or use sync), never fall through.
 */
static int
confirmed(void)
{
	char line[16];

	if (!isatty(STDIN_FILENO)) {
		fprintf(stderr, "aurora-gitops apply: refusing to apply without confirmation: "
		                "standard input is not a terminal (review the plan, then pass "
		                "--auto-approve)\n");
		return 0;
	}
	fprintf(stderr, "apply these changes? only 'yes' is accepted: ");
	fflush(stderr);
	if (fgets(line, sizeof(line), stdin) == NULL)
		return 0;
	line[strcspn(line, "\n")] = '\0';
	return strcmp(line, "yes") == 0;
}

static int
has_executable(const struct ag_plan *p)
{
	size_t i;

	for (i = 0; i < p->n_clusters; i++)
		if (p->clusters[i].execute && p->clusters[i].n_actions > 0)
			return 1;
	return 0;
}

/*
 * Writes the cycle's note lines when the source is a git repository. A note
 * that cannot be written fails the command: notes are how people learn what
 * happened.
 */
static int
git_note(struct ag_gitsync *gs, struct ag_cycle *cy, bool applied, const struct ag_error *failure,
    const char *cmd, int rc)
{
	struct ag_error err = AG_ERROR_INIT;

	if (gs == NULL)
		return rc;
	if (ag_gitsync_note(gs, cy, applied, failure, &err) < 0) {
		fprintf(stderr, "aurora-gitops %s: cannot write the note on %s: %s\n", cmd,
		    ag_gitsync_revision(gs), err.msg);
		return AG_EXIT_ERROR;
	}
	return rc;
}

/* Exit code of a run the stop flag cut short: 128 + the signal. */
static int
stopped_exit(const char *cmd, const struct ag_cycle *cy, bool applied)
{
	int sig = (int)ag_cli_stop;
	const struct ag_exec_result *r = &cy->result;

	if (applied)
		fprintf(stderr,
		    "aurora-gitops %s: stopped by %s: %zu cluster%s applied, %zu cut short, %zu "
		    "not started; state saved, run it again to finish\n",
		    cmd, sig == SIGINT ? "SIGINT" : "SIGTERM", r->applied,
		    r->applied == 1 ? "" : "s", r->stopped, r->not_started);
	else
		fprintf(stderr, "aurora-gitops %s: stopped by %s before anything was applied\n",
		    cmd, sig == SIGINT ? "SIGINT" : "SIGTERM");
	return 128 + (sig ? sig : SIGTERM);
}

int
ag_cli_apply_common(int argc, char **argv, int unattended)
{
	struct ag_error err = AG_ERROR_INIT, why = AG_ERROR_INIT;
	struct ag_gitsync *gs = NULL;
	struct ag_cli_opts o;
	struct ag_cli_run run;
	struct ag_cycle *cy = &run.cy;
	int rc, arc;

	memset(&run, 0, sizeof(run));
	if ((rc = ag_cli_opts_parse(&o, argc, argv)) != 0)
		goto out_opts;
	if (!o.cfg.mode_given)
		o.cfg.mode = AG_MODE_APPLY;
	ag_cli_catch_signals();
	if (o.git.repo && (rc = ag_cli_git_open(&gs, &o, argv[0])) != 0)
		goto out_opts;
	if (gs && ag_gitsync_signature(gs, &why) < 0) {
		fprintf(stderr, "aurora-gitops %s: %s; nothing was applied\n", argv[0], why.msg);
		rc = git_note(gs, NULL, false, NULL, argv[0], AG_EXIT_ERROR);
		goto out;
	}
	if ((rc = ag_cli_run_open(&run, &o, true)) != 0)
		goto out;
	if ((rc = ag_cli_cycle_plan_err(cy, &o, &why)) != 0) {
		rc = git_note(gs, NULL, false, &why, argv[0], rc);
		goto out;
	}
	if (gs)
		ag_gitsync_skip_applied(gs, &cy->plan);
	/* apply shows what it is about to do; an unattended sync with -q
	 * prints only the results. */
	if ((!unattended || o.verbosity >= 0) && (rc = ag_cli_render_plan(cy, "text", NULL)) != 0)
		goto out;
	if (o.cfg.plan_digest && strcmp(o.cfg.plan_digest, cy->plan.digest) != 0) {
		fprintf(stderr,
		    "aurora-gitops %s: the plan changed since it was reviewed "
		    "(reviewed %s, now %s); nothing was applied\n",
		    argv[0], o.cfg.plan_digest, cy->plan.digest);
		rc = AG_EXIT_ERROR;
		goto out;
	}
	if (!has_executable(&cy->plan)) {
		rc = ag_cli_exit_for(cy, 0, 1);
		if (ag_cycle_save(cy, &err) < 0)
			rc = ag_cli_fail(&err);
		rc = git_note(gs, cy, true, NULL, argv[0], rc);
		goto out;
	}
	if (!unattended && !o.cfg.auto_approve && !confirmed()) {
		fprintf(stderr, "aurora-gitops %s: nothing was applied\n", argv[0]);
		rc = AG_EXIT_ERROR;
		goto out;
	}
	if (ag_cli_stop) {
		if (ag_cycle_save(cy, &err) < 0)
			ag_cli_fail(&err);
		rc = stopped_exit(argv[0], cy, false);
		goto out;
	}
	if (gs && ag_gitsync_begin_apply(gs, &cy->plan, &err) < 0) {
		rc = ag_cli_fail(&err);
		goto out;
	}
	arc = ag_cycle_apply(cy, &err);
	/* The run ended (well, badly or stopped): only a killed run leaves
	 * the marker behind. */
	if (gs && ag_gitsync_end_apply(gs, &why) < 0) {
		rc = ag_cli_fail(&why);
		goto out;
	}
	if (arc < 0 && arc != AG_ESTOPPED && cy->result.failed == 0 && cy->result.skipped == 0) {
		rc = ag_cli_fail(&err);
		rc = git_note(gs, NULL, false, &err, argv[0], rc);
		goto out;
	}
	ag_cli_print_result(cy);
	rc = arc == AG_ESTOPPED ? stopped_exit(argv[0], cy, true) : ag_cli_exit_for(cy, 0, 1);
	rc = git_note(gs, cy, true, NULL, argv[0], rc);
out:
	ag_cli_run_close(&run);
out_opts:
	ag_gitsync_free(gs);
	ag_cli_opts_release(&o);
	return rc;
}

int
cmd_apply(int argc, char **argv)
{
	return ag_cli_apply_common(argc, argv, 0);
}
