#include "cli/cli.h"

int
cmd_plan(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "aurora-gitops plan: not available in this build yet\n");
	return AG_EXIT_ERROR;
}
