#include "cli/cli.h"

int
cmd_doctor(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "aurora-gitops doctor: not available in this build yet\n");
	return AG_EXIT_ERROR;
}
