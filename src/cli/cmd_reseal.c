#include "cli/cli.h"

int
cmd_reseal(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "aurora-gitops reseal: not available in this build yet\n");
	return AG_EXIT_ERROR;
}
