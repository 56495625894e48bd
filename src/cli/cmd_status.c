#include "cli/cli.h"

int
cmd_status(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "aurora-gitops status: not available in this build yet\n");
	return AG_EXIT_ERROR;
}
