#include "cli/cli.h"

int
cmd_import(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "aurora-gitops import: not available in this build yet\n");
	return AG_EXIT_ERROR;
}
