/* Keeps the ag_aws library non-empty while its modules are added. */
#include "core/error.h"

const char *ag_aws_layer_name(void);

const char *
ag_aws_layer_name(void)
{
	return "aws";
}
