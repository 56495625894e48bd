#include "cli/cli.h"

int
cmd_keygen(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "aurora-gitops keygen: not available in this build yet\n");
	return AG_EXIT_ERROR;
}
