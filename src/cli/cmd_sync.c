#include "cli/cli.h"
#include "cli/reconcile.h"

#include "core/compat.h"

/*
 * sync: one unattended cycle. Each cluster's mode decides: apply (the
 * default) executes, plan and observe only report.
 */
int
cmd_sync(int argc, char **argv)
{
	return ag_cli_apply_common(argc, argv, 1);
}
