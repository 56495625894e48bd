#include "cli/cli.h"
#include "cli/reconcile.h"
#include "cli/gitsrc.h"
#include "cli/prplan.h"

#include <stdio.h>
#include <string.h>

#include "core/compat.h"

/*
 * plan: read manifests and live state, print what would change. Never
 * mutates anything, whatever the manifests' modes say, and is a reader of
 * the state directory: no lock, nothing written there.
 */
int
cmd_plan(int argc, char **argv)
{
	struct ag_error why = AG_ERROR_INIT, err = AG_ERROR_INIT;
	struct ag_gitsync *gs = NULL;
	struct ag_cli_opts o;
	struct ag_cli_run run;
	int rc, planned = 0;

	memset(&run, 0, sizeof(run));
	if ((rc = ag_cli_opts_parse(&o, argc, argv)) != 0)
		goto out_opts;
	if (!o.cfg.mode_given)
		o.cfg.mode = AG_MODE_PLAN;
	o.cfg.never_mutate = true;
	if (o.pr.base != NULL) {
		/* a pull request: base and head against the same live state */
		if (o.git.note) {
			rc = ag_cli_usage(argv[0], "--note does not go with --base and --head");
			goto out_opts;
		}
		rc = ag_cli_plan_pr(&o);
		goto out_opts;
	}
	if (o.git.repo && (rc = ag_cli_git_open(&gs, &o, argv[0])) != 0)
		goto out_opts;
	if ((rc = ag_cli_run_open(&run, &o, false)) != 0)
		goto out;
	rc = ag_cli_cycle_plan_err(&run.cy, &o, &why);
	planned = rc == 0;
	if (rc == 0)
		rc = ag_cli_render_plan(&run.cy, o.format, o.out);
	if (rc == 0)
		rc = ag_cli_exit_for(&run.cy, o.detailed_exitcode, 0);
	/* plan writes a note only when asked: reviewing must not add noise */
	if (gs && o.git.note &&
	    ag_gitsync_note(gs, planned ? &run.cy : NULL, false, planned ? NULL : &why, &err) < 0) {
		fprintf(stderr, "aurora-gitops plan: cannot write the note on %s: %s\n",
		    ag_gitsync_revision(gs), err.msg);
		rc = AG_EXIT_ERROR;
	}
out:
	ag_cli_run_close(&run);
out_opts:
	ag_gitsync_free(gs);
	ag_cli_opts_release(&o);
	return rc;
}
