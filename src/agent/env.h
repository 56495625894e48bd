#ifndef AG_AGENT_ENV_H
#define AG_AGENT_ENV_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/clock.h"
#include "core/error.h"

struct ag_aws_client;
struct ag_state;

/*
 * What a waiter reports on every poll: which resource, its AWS status and
 * how long the wait has lasted. The caller decides how to show it (one
 * updating line on a terminal, a line per change otherwise, a metric).
 */
struct ag_wait_progress {
	const char *kind;   /* "cluster" | "instance" */
	const char *id;     /* its identifier */
	const char *status; /* last AWS status seen, e.g. "creating" */
	const char *goal;   /* "available" | "deleted" */
	int64_t elapsed_ms;
};

typedef void (*ag_progress_fn)(void *ctx, const struct ag_wait_progress *p);

/*
 * The environment of a reconcile cycle, created by the caller and passed
 * in, so a long-running process keeps one AWS client (and its credential
 * refresh) and one state directory across cycles, and a test passes fakes.
 * The cycle borrows every member and frees none of them.
 *
 * Logging goes through the process-wide sink (core/log.h) the caller
 * installs; what the cycle has to say to a person (diagnostics, results)
 * it returns in its structures for the caller to print.
 */
struct ag_env {
	struct ag_aws_client *aws;
	struct ag_state *state; /* opened for writing (apply, sync) or reading (plan) */
	const struct ag_clock *clock;
	const struct ag_rand *rand;
	/* Set (to the signal number) by a SIGINT/SIGTERM handler: calls in
	 * flight finish, waiters and retry backoff return at once, no new
	 * action is sent. NULL: never stopped. */
	const volatile sig_atomic_t *stop;
	ag_progress_fn progress; /* NULL: waits are silent */
	void *progress_ctx;
	/* Executor: send what is safe now and return instead of waiting for
	 * AWS (a daemon polls again next cycle); false waits, as the CLI does. */
	bool no_wait;
};

/* True once the stop flag is set. */
static inline bool
ag_env_stopping(const struct ag_env *env)
{
	return env->stop != NULL && *env->stop != 0;
}

/*
 * The production environment: an AWS client configured from the
 * environment (AWS SDK conventions) on the real clock, honouring stop, and
 * the state directory (NULL: the default one) opened for writing when
 * writer is set, else for reading (no lock taken, nothing created).
 * Release with ag_env_close().
 */
int ag_env_open(struct ag_env *env, const char *state_dir, bool writer,
    const volatile sig_atomic_t *stop, struct ag_error *err);
/* Frees what ag_env_open() made. Safe on a zeroed env. */
void ag_env_close(struct ag_env *env);

/* An AWS client configured from the environment on the real clock. */
int ag_env_aws_client(struct ag_aws_client **out, struct ag_error *err);

#endif
