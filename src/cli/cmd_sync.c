#include "cli/cli.h"

int
cmd_sync(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "aurora-gitops sync: not available in this build yet\n");
	return AG_EXIT_ERROR;
}
