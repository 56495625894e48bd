/* Keeps the ag_agent library non-empty while its modules are added. */
#include "core/error.h"

const char *ag_agent_layer_name(void);

const char *
ag_agent_layer_name(void)
{
	return "agent";
}
