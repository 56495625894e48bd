#include "cli/cli.h"

int
cmd_validate(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "aurora-gitops validate: not available in this build yet\n");
	return AG_EXIT_ERROR;
}
