/* Keeps the ag_secrets library non-empty while its modules are added. */
#include "core/error.h"

const char *ag_secrets_layer_name(void);

const char *
ag_secrets_layer_name(void)
{
	return "secrets";
}
