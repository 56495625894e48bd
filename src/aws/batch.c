/*
 * Concurrent reads: a small set of threads (the caller's plus at most
 * AG_AWS_MAX_IN_FLIGHT - 1) takes the tasks of a batch in order, each on a
 * lane of the client; results and counters are merged afterwards in task
 * order, on the caller's thread.
 */
#include "aws/batch.h"
#include "aws/internal.h"
#include "core/log.h"
#include "core/mem.h"

#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "core/compat.h"

void
ag_aws_batch_init(struct ag_aws_batch *b)
{
	memset(b, 0, sizeof(*b));
}

void
ag_aws_batch_add(struct ag_aws_batch *b,
    int (*run)(struct ag_aws_client *c, void *arg, struct ag_error *err),
    void (*done)(void *arg, bool ok), void *arg)
{
	AG_GROW(b->v, b->cap, b->n + 1);
	b->v[b->n].run = run;
	b->v[b->n].done = done;
	b->v[b->n].arg = arg;
	b->n++;
}

void
ag_aws_batch_release(struct ag_aws_batch *b)
{
	size_t i;

	for (i = 0; i < b->n; i++)
		b->v[i].done(b->v[i].arg, false);
	free(b->v);
	ag_aws_batch_init(b);
}

/* What the threads of one run share; next and failed under mu. */
struct runner {
	const struct ag_aws_task *tasks;
	struct ag_aws_client **lanes;
	int *rc;
	struct ag_error *errs;
	bool *ran;
	size_t n;
	pthread_mutex_t mu;
	size_t next;
	bool failed;
};

struct worker {
	struct runner *r;
	void *handle; /* the easy handle this thread lends its lanes */
};

/* Takes tasks in order until none is left or one has failed. */
static void *
work(void *arg)
{
	struct worker *w = arg;
	struct runner *r = w->r;

	for (;;) {
		size_t i;

		pthread_mutex_lock(&r->mu);
		i = r->failed ? r->n : r->next;
		if (i < r->n)
			r->next++;
		pthread_mutex_unlock(&r->mu);
		if (i >= r->n)
			break;
		ag_aws_lane_set_handle(r->lanes[i], w->handle);
		r->rc[i] = r->tasks[i].run(r->lanes[i], r->tasks[i].arg, &r->errs[i]);
		ag_aws_lane_set_handle(r->lanes[i], NULL);
		r->ran[i] = true;
		if (r->rc[i] != 0) {
			pthread_mutex_lock(&r->mu);
			r->failed = true;
			pthread_mutex_unlock(&r->mu);
		}
	}
	return NULL;
}

/* One after another on the client itself, stopping at the first failure. */
static int
run_in_turn(struct ag_aws_client *c, struct ag_aws_batch *b, struct ag_error *err)
{
	size_t i;
	int rc = 0;

	for (i = 0; i < b->n && rc == 0; i++)
		rc = b->v[i].run(c, b->v[i].arg, err);
	for (i = 0; i < b->n; i++)
		b->v[i].done(b->v[i].arg, rc == 0);
	free(b->v);
	ag_aws_batch_init(b);
	return rc;
}

/* Starts up to want - 1 threads besides the caller's, with signals
 * blocked (they go to the caller's thread); returns how many workers
 * there are, the caller's included. */
static int
start_workers(struct ag_aws_client *c, struct worker *w, pthread_t *tid, int want, struct runner *r)
{
	sigset_t all, old;
	int k;

	/* The signals a fault raises stay deliverable (a blocked SIGSEGV kills
	 * the process without a report). */
	sigfillset(&all);
	sigdelset(&all, SIGSEGV);
	sigdelset(&all, SIGBUS);
	sigdelset(&all, SIGFPE);
	sigdelset(&all, SIGILL);
	sigdelset(&all, SIGTRAP);
	sigdelset(&all, SIGABRT);
	sigdelset(&all, SIGSYS);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	for (k = 1; k < want; k++) {
		w[k].r = r;
		w[k].handle = ag_aws_lane_handle(c, k);
		if (w[k].handle == NULL || pthread_create(&tid[k], NULL, work, &w[k]) != 0)
			break;
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return k;
}

int
ag_aws_batch_run(
    struct ag_aws_client *c, struct ag_aws_batch *b, int max_in_flight, struct ag_error *err)
{
	struct worker w[AG_AWS_MAX_IN_FLIGHT];
	pthread_t tid[AG_AWS_MAX_IN_FLIGHT];
	struct runner r;
	size_t i, bad;
	int k, workers, rc = 0;

	if (max_in_flight > AG_AWS_MAX_IN_FLIGHT)
		max_in_flight = AG_AWS_MAX_IN_FLIGHT;
	if ((size_t)max_in_flight > b->n)
		max_in_flight = (int)b->n;
	memset(&r, 0, sizeof(r));
	w[0].r = &r;
	if (max_in_flight <= 1 || (w[0].handle = ag_aws_lane_handle(c, 0)) == NULL ||
	    pthread_mutex_init(&r.mu, NULL) != 0)
		return run_in_turn(c, b, err);
	r.tasks = b->v;
	r.n = b->n;
	r.lanes = ag_xcalloc(b->n, sizeof(*r.lanes));
	r.rc = ag_xcalloc(b->n, sizeof(*r.rc));
	r.errs = ag_xcalloc(b->n, sizeof(*r.errs));
	r.ran = ag_xcalloc(b->n, sizeof(*r.ran));
	for (i = 0; i < b->n; i++)
		r.lanes[i] = ag_aws_lane_new(c);
	bad = b->n;
	workers = start_workers(c, w, tid, max_in_flight, &r);
	work(&w[0]);
	for (k = 1; k < workers; k++)
		pthread_join(tid[k], NULL);
	pthread_mutex_destroy(&r.mu);

	/* Tasks start in order, so one not run comes after one that failed:
	 * the first of either is the first failure. */
	for (i = 0; i < b->n && bad == b->n; i++)
		if (!r.ran[i] || r.rc[i] != 0)
			bad = i;
	if (bad < b->n && r.ran[bad]) {
		rc = r.rc[bad];
		if (err != NULL)
			*err = r.errs[bad];
	} else if (bad < b->n) {
		rc = ag_error_set(err, AG_ERROR, "a concurrent read was never started");
	}
	for (i = bad + 1; i < b->n; i++)
		if (r.ran[i] && r.rc[i] != 0)
			ag_log_debug("a concurrent read failed too: %s", r.errs[i].msg);
	ag_aws_client_clear_last_error(c);
	for (i = 0; i < b->n; i++)
		ag_aws_lane_merge(r.lanes[i], i == bad);
	for (i = 0; i < b->n; i++)
		b->v[i].done(b->v[i].arg, rc == 0);
	free(r.lanes);
	free(r.rc);
	free(r.errs);
	free(r.ran);
	free(b->v);
	ag_aws_batch_init(b);
	return rc;
}
