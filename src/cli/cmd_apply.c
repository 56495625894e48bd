#include "cli/cli.h"

int
cmd_apply(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "aurora-gitops apply: not available in this build yet\n");
	return AG_EXIT_ERROR;
}
