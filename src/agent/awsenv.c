#include "agent/awsenv.h"
#include "aws/client.h"
#include "sys/sysclock.h"

#include "core/compat.h"

int
ag_agent_aws_client(struct ag_aws_client **out, struct ag_error *err)
{
	struct ag_aws_config cfg;
	int rc;

	*out = NULL;
	ag_aws_config_init(&cfg);
	rc = ag_aws_config_from_env(&cfg, err);
	if (rc == 0)
		rc = ag_aws_client_new(out, &cfg, ag_sysclock(), ag_sysrand(), err);
	ag_aws_config_release(&cfg);
	return rc;
}
