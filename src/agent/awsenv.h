#ifndef AG_AGENT_AWSENV_H
#define AG_AGENT_AWSENV_H

#include "core/error.h"

struct ag_aws_client;

/* An AWS client configured from the environment (AWS SDK conventions) on
 * the real clock. */
int ag_agent_aws_client(struct ag_aws_client **out, struct ag_error *err);

#endif
