#ifndef AG_AWS_BATCH_H
#define AG_AWS_BATCH_H

#include <stdbool.h>
#include <stddef.h>

#include "aws/client.h"
#include "core/error.h"

/*
 * Independent reads run concurrently. Each task is one stream of
 * requests (e.g. every page of one Describe, Marker after Marker); tasks
 * do not depend on each other, so they run at the same time, at most
 * max_in_flight at once, each on a lane of the client: a thread of its
 * own with the client's configuration, signer, retries, reply bounds and
 * credentials (refreshed once for all lanes), and counters of its own.
 *
 * What a task reads goes into storage of its own (its arg). After every
 * task has finished, on the caller's thread and in the order the tasks
 * were added, each task's done(arg, ok) moves its result where it
 * belongs (ok: every task succeeded) or throws it away, and frees arg;
 * the lanes' request counts, request ids and secrets are added to the
 * client in the same order. So the result is the same whatever order the
 * replies arrive in.
 *
 * A task that fails fails the batch: no further task is started, those
 * running finish, and the error returned is that of the first failed
 * task in the order they were added (it names the request that failed);
 * nothing is moved into place. With one task, or max_in_flight 1, the
 * tasks run one after another on the client itself.
 */

/* The most requests a batch keeps in flight. */
#define AG_AWS_MAX_IN_FLIGHT 4

struct ag_aws_task {
	int (*run)(struct ag_aws_client *c, void *arg, struct ag_error *err);
	void (*done)(void *arg, bool ok);
	void *arg;
};

struct ag_aws_batch {
	struct ag_aws_task *v;
	size_t n;
	size_t cap;
};

#define AG_AWS_BATCH_INIT                                                                          \
	{                                                                                          \
		NULL, 0, 0                                                                         \
	}

void ag_aws_batch_init(struct ag_aws_batch *b);
/* Adds a task (run and done required). */
void ag_aws_batch_add(struct ag_aws_batch *b,
    int (*run)(struct ag_aws_client *c, void *arg, struct ag_error *err),
    void (*done)(void *arg, bool ok), void *arg);
/* Calls done(arg, false) for every task not run and empties b. */
void ag_aws_batch_release(struct ag_aws_batch *b);
/* Runs every task of b (see above) and empties b. max_in_flight is
 * capped at AG_AWS_MAX_IN_FLIGHT. */
int ag_aws_batch_run(
    struct ag_aws_client *c, struct ag_aws_batch *b, int max_in_flight, struct ag_error *err);

#endif
