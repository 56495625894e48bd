#include "sys/sysclock.h"

#include <errno.h>
#include <sodium.h>
#include <time.h>

#include "core/compat.h"

static int64_t
sys_now_ms(void *ctx)
{
	struct timespec ts;

	(void)ctx;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int64_t
sys_mono_ms(void *ctx)
{
	struct timespec ts;

	(void)ctx;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void
sys_sleep_ms(void *ctx, int64_t ms)
{
	struct timespec ts;

	(void)ctx;
	if (ms <= 0)
		return;
	ts.tv_sec = ms / 1000;
	ts.tv_nsec = (ms % 1000) * 1000000;
	nanosleep(&ts, NULL);
}

static double
sys_uniform(void *ctx)
{
	(void)ctx;
	return (double)randombytes_random() / 4294967296.0;
}

static const struct ag_clock sysclock = {sys_now_ms, sys_mono_ms, sys_sleep_ms, NULL};
static const struct ag_rand sysrand = {sys_uniform, NULL};

const struct ag_clock *
ag_sysclock(void)
{
	return &sysclock;
}

const struct ag_rand *
ag_sysrand(void)
{
	return &sysrand;
}
