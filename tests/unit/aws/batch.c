/*
 * Concurrent reads (aws/batch.h): tasks run at the same time on lanes, at
 * most max_in_flight at once; done hooks run afterwards in the order the
 * tasks were added; the first failed task (in that order) is the error;
 * the lanes' counters are added to the client in task order whatever
 * order the tasks finished in.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>

#include "aws/batch.h"
#include "aws/client.h"
#include "core/mem.h"

static int64_t
f_now(void *ctx)
{
	(void)ctx;
	return 1700000000000LL;
}

static void
f_sleep(void *ctx, int64_t ms)
{
	(void)ctx;
	(void)ms;
}

static double
f_half(void *ctx)
{
	(void)ctx;
	return 0.5;
}

static struct ag_clock fclock = {f_now, f_now, f_sleep, NULL};
static struct ag_rand frand = {f_half, NULL};

static void
nap_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};

	nanosleep(&ts, NULL);
}

/* What the tasks of one test share (under mu). */
struct shared {
	pthread_mutex_t mu;
	int in_flight;
	int most;
	size_t done_order[16];
	size_t n_done;
	int n_ok;
	struct ag_aws_client *parent;
	int on_parent;
	int call_succeeded; /* checked on the test's thread (cmocka asserts there) */
};

struct job {
	struct shared *sh;
	size_t index;
	long nap;
	int fail;            /* return this code */
	const char *message; /* with this message */
	int calls;           /* AWS calls to make (to a closed port) */
};

static int
run_job(struct ag_aws_client *c, void *arg, struct ag_error *err)
{
	struct job *j = arg;
	struct shared *sh = j->sh;
	int k;

	pthread_mutex_lock(&sh->mu);
	sh->in_flight++;
	if (sh->in_flight > sh->most)
		sh->most = sh->in_flight;
	if (c == sh->parent)
		sh->on_parent++;
	pthread_mutex_unlock(&sh->mu);
	nap_ms(j->nap);
	for (k = 0; k < j->calls; k++) {
		char action[32];
		struct ag_aws_response r;
		struct ag_error e = AG_ERROR_INIT;

		snprintf(action, sizeof(action), "Action%zu", j->index);
		if (ag_rds_call(c, action, NULL, &r, &e) == 0) {
			ag_aws_response_release(&r);
			pthread_mutex_lock(&sh->mu);
			sh->call_succeeded++;
			pthread_mutex_unlock(&sh->mu);
		}
	}
	pthread_mutex_lock(&sh->mu);
	sh->in_flight--;
	pthread_mutex_unlock(&sh->mu);
	if (j->fail)
		return ag_error_set(err, j->fail, "%s", j->message);
	return 0;
}

static void
done_job(void *arg, bool ok)
{
	struct job *j = arg;

	j->sh->done_order[j->sh->n_done++] = j->index;
	if (ok)
		j->sh->n_ok++;
}

static struct ag_aws_client *
new_client(void)
{
	struct ag_aws_config cfg;
	struct ag_aws_client *c;
	struct ag_error err = AG_ERROR_INIT;
	struct ag_aws_creds cr = {"AKIDEXAMPLE", "secret", NULL, 0, "test credentials"};

	ag_aws_config_init(&cfg);
	cfg.region = ag_xstrdup("us-east-1");
	/* nothing listens on port 1: every call fails fast in transport */
	cfg.endpoint_all = ag_xstrdup("http://127.0.0.1:1");
	cfg.max_attempts = 1;
	assert_int_equal(ag_aws_client_new(&c, &cfg, &fclock, &frand, &err), 0);
	ag_aws_client_set_credentials(c, &cr);
	ag_aws_config_release(&cfg);
	return c;
}

static void
setup(struct shared *sh, struct job *jobs, size_t n, struct ag_aws_client *c)
{
	size_t i;

	memset(sh, 0, sizeof(*sh));
	pthread_mutex_init(&sh->mu, NULL);
	sh->parent = c;
	memset(jobs, 0, n * sizeof(*jobs));
	for (i = 0; i < n; i++) {
		jobs[i].sh = sh;
		jobs[i].index = i;
	}
}

static void
add_all(struct ag_aws_batch *b, struct job *jobs, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		ag_aws_batch_add(b, run_job, done_job, &jobs[i]);
}

static void
test_concurrent_bounded_in_order(void **state)
{
	struct ag_aws_client *c = new_client();
	struct ag_aws_batch b = AG_AWS_BATCH_INIT;
	struct ag_error err = AG_ERROR_INIT;
	struct shared sh;
	struct job jobs[8];
	size_t i;

	(void)state;
	setup(&sh, jobs, 8, c);
	for (i = 0; i < 8; i++)
		jobs[i].nap = 80 - (long)i * 10; /* later ones end first */
	add_all(&b, jobs, 8);
	assert_int_equal(ag_aws_batch_run(c, &b, 16, &err), 0);
	assert_true(sh.most >= 2);
	assert_true(sh.most <= AG_AWS_MAX_IN_FLIGHT);
	assert_int_equal(sh.on_parent, 0);
	assert_int_equal(sh.n_done, 8);
	assert_int_equal(sh.n_ok, 8);
	for (i = 0; i < 8; i++)
		assert_int_equal(sh.done_order[i], i);
	assert_int_equal(b.n, 0);
	pthread_mutex_destroy(&sh.mu);
	ag_aws_client_free(c);
}

static void
test_one_in_flight_runs_in_turn(void **state)
{
	struct ag_aws_client *c = new_client();
	struct ag_aws_batch b = AG_AWS_BATCH_INIT;
	struct ag_error err = AG_ERROR_INIT;
	struct shared sh;
	struct job jobs[3];

	(void)state;
	setup(&sh, jobs, 3, c);
	jobs[1].fail = AG_EAWS;
	jobs[1].message = "second failed";
	add_all(&b, jobs, 3);
	assert_int_equal(ag_aws_batch_run(c, &b, 1, &err), AG_EAWS);
	assert_string_equal(err.msg, "second failed");
	assert_int_equal(sh.most, 1);
	assert_int_equal(sh.on_parent, 2); /* the third never started */
	assert_int_equal(sh.n_done, 3);
	assert_int_equal(sh.n_ok, 0);
	pthread_mutex_destroy(&sh.mu);
	ag_aws_client_free(c);
}

static void
test_first_failure_in_task_order(void **state)
{
	struct ag_aws_client *c = new_client();
	struct ag_aws_batch b = AG_AWS_BATCH_INIT;
	struct ag_error err = AG_ERROR_INIT;
	struct shared sh;
	struct job jobs[4];
	size_t i;

	(void)state;
	setup(&sh, jobs, 4, c);
	/* task 1 fails last in time, task 2 first: task 1's error is the one */
	jobs[0].nap = 10;
	jobs[1].nap = 120;
	jobs[1].fail = AG_ENET;
	jobs[1].message = "rds DescribeDBInstances failed: connection reset";
	jobs[2].fail = AG_EAWS;
	jobs[2].message = "rds DescribeDBSubnetGroups failed: Throttling";
	jobs[3].nap = 10;
	add_all(&b, jobs, 4);
	assert_int_equal(ag_aws_batch_run(c, &b, 4, &err), AG_ENET);
	assert_string_equal(err.msg, "rds DescribeDBInstances failed: connection reset");
	/* nothing is kept from a failed batch, every done still runs, in order */
	assert_int_equal(sh.n_done, 4);
	assert_int_equal(sh.n_ok, 0);
	for (i = 0; i < 4; i++)
		assert_int_equal(sh.done_order[i], i);
	pthread_mutex_destroy(&sh.mu);
	ag_aws_client_free(c);
}

static void
test_counters_merged_in_task_order(void **state)
{
	struct ag_aws_client *c = new_client();
	struct ag_aws_batch b = AG_AWS_BATCH_INIT;
	struct ag_error err = AG_ERROR_INIT;
	const struct ag_aws_counter *cnt;
	struct shared sh;
	struct job jobs[5];
	size_t i, n;

	(void)state;
	setup(&sh, jobs, 5, c);
	for (i = 0; i < 5; i++) {
		jobs[i].calls = (int)i + 1;
		jobs[i].nap = 60 - (long)i * 10; /* the last task calls first */
	}
	add_all(&b, jobs, 5);
	assert_int_equal(ag_aws_batch_run(c, &b, 4, &err), 0);
	cnt = ag_aws_client_counters(c, &n);
	assert_int_equal(n, 5);
	for (i = 0; i < 5; i++) {
		char want[32];

		snprintf(want, sizeof(want), "rds:Action%zu", i);
		assert_string_equal(cnt[i].action, want);
		assert_int_equal(cnt[i].requests, i + 1);
		assert_int_equal(cnt[i].errors, i + 1);
	}
	assert_int_equal(sh.call_succeeded, 0);
	assert_int_equal(ag_aws_client_request_count(c, NULL), 15);
	assert_null(ag_aws_client_last_error(c)->code);
	pthread_mutex_destroy(&sh.mu);
	ag_aws_client_free(c);
}

static void
test_release_unrun(void **state)
{
	struct ag_aws_batch b = AG_AWS_BATCH_INIT;
	struct shared sh;
	struct job jobs[2];

	(void)state;
	setup(&sh, jobs, 2, NULL);
	add_all(&b, jobs, 2);
	ag_aws_batch_release(&b);
	assert_int_equal(sh.n_done, 2);
	assert_int_equal(sh.n_ok, 0);
	assert_int_equal(b.n, 0);
	pthread_mutex_destroy(&sh.mu);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_concurrent_bounded_in_order),
	    cmocka_unit_test(test_one_in_flight_runs_in_turn),
	    cmocka_unit_test(test_first_failure_in_task_order),
	    cmocka_unit_test(test_counters_merged_in_task_order),
	    cmocka_unit_test(test_release_unrun),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
