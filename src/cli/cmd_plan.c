#include "cli/cli.h"
#include "cli/reconcile.h"

#include "core/compat.h"

/*
 * plan: read manifests and live state, print what would change. Never
 * mutates anything, whatever the manifests' modes say.
 */
int
cmd_plan(int argc, char **argv)
{
	struct ag_cli_opts o;
	struct ag_cycle cy;
	int rc;

	if ((rc = ag_cli_opts_parse(
	         &o, argc, argv, AG_OPT_SOURCE | AG_OPT_FORMAT | AG_OPT_EXITCODE)) != 0)
		goto out_opts;
	if (!o.cfg.mode_given)
		o.cfg.mode = AG_MODE_PLAN;
	o.cfg.never_mutate = true;
	ag_cycle_init(&cy);
	rc = ag_cli_cycle_plan(&cy, &o);
	if (rc == 0)
		rc = ag_cli_render_plan(&cy, o.format, o.out);
	if (rc == 0)
		rc = ag_cli_exit_for(&cy, o.detailed_exitcode, 0);
	ag_cycle_log_requests(&cy);
	ag_cycle_release(&cy);
out_opts:
	ag_cli_opts_release(&o);
	return rc;
}
