#include "cli/cli.h"

int
cmd_seal(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "aurora-gitops seal: not available in this build yet\n");
	return AG_EXIT_ERROR;
}
