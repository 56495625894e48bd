#include "agent/env.h"
#include "agent/state.h"
#include "aws/client.h"
#include "core/mem.h"
#include "sys/sysclock.h"

#include <stdlib.h>
#include <string.h>

#include "core/compat.h"

int
ag_env_aws_client(struct ag_aws_client **out, struct ag_error *err)
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

int
ag_env_open(struct ag_env *env, const char *state_dir, bool writer,
    const volatile sig_atomic_t *stop, struct ag_error *err)
{
	char *dir = state_dir ? ag_xstrdup(state_dir) : ag_state_default_dir();
	int rc;

	memset(env, 0, sizeof(*env));
	env->clock = ag_sysclock();
	env->rand = ag_sysrand();
	env->stop = stop;
	rc = writer ? ag_state_open(&env->state, dir, err)
	            : ag_state_open_readonly(&env->state, dir, err);
	if (rc == 0 && (rc = ag_env_aws_client(&env->aws, err)) == 0)
		ag_aws_client_set_stop(env->aws, stop);
	free(dir);
	if (rc < 0)
		ag_env_close(env);
	return rc;
}

void
ag_env_close(struct ag_env *env)
{
	ag_aws_client_free(env->aws);
	ag_state_free(env->state);
	memset(env, 0, sizeof(*env));
}
