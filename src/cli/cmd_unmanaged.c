#include "cli/cli.h"

int
cmd_unmanaged(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "aurora-gitops unmanaged: not available in this build yet\n");
	return AG_EXIT_ERROR;
}
