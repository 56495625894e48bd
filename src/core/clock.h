#ifndef AG_CORE_CLOCK_H
#define AG_CORE_CLOCK_H

#include <stdint.h>

/*
 * Time and randomness seams. Core code never reads the clock; code that
 * needs time takes one of these, so tests can freeze or step it. The real
 * implementations live in ag_sys (sys/sysclock.h).
 */
struct ag_clock {
	int64_t (*now_ms)(void *ctx);            /* wall clock, ms since the epoch */
	int64_t (*mono_ms)(void *ctx);           /* monotonic, ms */
	void (*sleep_ms)(void *ctx, int64_t ms); /* may return early on a signal */
	void *ctx;
};

struct ag_rand {
	/* Uniform in [0, 1). */
	double (*uniform)(void *ctx);
	void *ctx;
};

#endif
