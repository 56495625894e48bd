#include "cli/cli.h"

int
cmd_run(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "aurora-gitops run: not available in this build yet\n");
	return AG_EXIT_ERROR;
}
