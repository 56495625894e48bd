#include "cli/cli.h"

#include "core/compat.h"

/*
 * run: the daemon (git polling, inotify, periodic drift checks) belongs
 * with git sources, which this build does not have yet. Say so plainly and
 * point at what works today.
 */
int
cmd_run(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "aurora-gitops run: the daemon is not available in this build; run "
	                "'aurora-gitops sync --dir DIR' from a timer (cron, systemd) instead\n");
	return AG_EXIT_ERROR;
}
