/* Keeps the ag_git library non-empty while its modules are added. */
#include "core/error.h"

#include "core/compat.h"

const char *ag_git_layer_name(void);

const char *
ag_git_layer_name(void)
{
	return "git";
}
