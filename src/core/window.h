#ifndef AG_CORE_WINDOW_H
#define AG_CORE_WINDOW_H

#include <stdbool.h>
#include <stdint.h>

#include "core/error.h"

/*
 * Weekly UTC windows "ddd:hh:mm-ddd:hh:mm" (RDS maintenance windows, case
 * insensitive) and daily "hh:mm-hh:mm" (backup windows). Times are minutes
 * of the week with Monday 00:00 = 0; a window may wrap past Sunday.
 */
struct ag_window {
	int start; /* minute of the week, 0..10079 */
	int end;   /* exclusive end, 0..10079; end < start wraps */
	bool daily;
};

/* Parses s; err gets "invalid maintenance window 's': ..." on failure. */
int ag_window_parse(struct ag_window *out, const char *s, struct ag_error *err);

/* True when now (seconds since the epoch, UTC) is inside w. */
bool ag_window_contains(const struct ag_window *w, int64_t now);

/* When a deferred change would be applied: now itself when now is inside
 * w, else the next start of w after now (seconds since the epoch). */
int64_t ag_window_next_start(const struct ag_window *w, int64_t now);

/* "2026-11-24T03:00:00Z" for t (UTC) into out (size >= 21). */
void ag_time_format_utc(char *out, unsigned long n, int64_t t);

#endif
