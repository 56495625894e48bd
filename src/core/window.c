/* Maintenance and backup window math (see window.h). */
#include <ctype.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "core/window.h"

#include "core/compat.h"

#define MIN_PER_DAY 1440
#define MIN_PER_WEEK (7 * MIN_PER_DAY)

static const char *const days[7] = {"mon", "tue", "wed", "thu", "fri", "sat", "sun"};

/* Parses "hh:mm" at s (exactly 5 characters); returns minutes or -1. */
static int
parse_hhmm(const char *s)
{
	int h, m;

	if (!isdigit((unsigned char)s[0]) || !isdigit((unsigned char)s[1]) || s[2] != ':' ||
	    !isdigit((unsigned char)s[3]) || !isdigit((unsigned char)s[4]))
		return -1;
	h = (s[0] - '0') * 10 + (s[1] - '0');
	m = (s[3] - '0') * 10 + (s[4] - '0');
	if (h > 23 || m > 59)
		return -1;
	return h * 60 + m;
}

/* Parses "ddd:hh:mm" (9 characters); returns minute of the week or -1. */
static int
parse_dhm(const char *s)
{
	int d, t;

	for (d = 0; d < 7; d++)
		if (strncasecmp(s, days[d], 3) == 0)
			break;
	if (d == 7 || s[3] != ':')
		return -1;
	if ((t = parse_hhmm(s + 4)) < 0)
		return -1;
	return d * MIN_PER_DAY + t;
}

int
ag_window_parse(struct ag_window *out, const char *s, struct ag_error *err)
{
	size_t n;

	memset(out, 0, sizeof(*out));
	if (s == NULL)
		return ag_error_set(err, AG_EINVAL, "invalid window '': empty");
	n = strlen(s);
	if (n == 11 && s[5] == '-') {
		out->daily = true;
		out->start = parse_hhmm(s);
		out->end = parse_hhmm(s + 6);
	} else if (n == 19 && s[9] == '-') {
		out->start = parse_dhm(s);
		out->end = parse_dhm(s + 10);
	} else {
		return ag_error_set(err, AG_EINVAL,
		    "invalid window '%s': expected ddd:hh:mm-ddd:hh:mm or hh:mm-hh:mm (UTC)", s);
	}
	if (out->start < 0 || out->end < 0)
		return ag_error_set(err, AG_EINVAL,
		    "invalid window '%s': day must be mon..sun, time 00:00..23:59", s);
	if (out->start == out->end)
		return ag_error_set(err, AG_EINVAL, "invalid window '%s': start equals end", s);
	return 0;
}

/* Minute of the period (week, or day for daily windows) of t. */
static int
minute_of(const struct ag_window *w, int64_t t)
{
	int64_t days_since = t >= 0 ? t / 86400 : (t - 86399) / 86400;
	int64_t sec_of_day = t - days_since * 86400;
	int wd = (int)(((days_since + 3) % 7 + 7) % 7); /* 1970-01-01 was a Thursday */
	int m = (int)(sec_of_day / 60);

	return w->daily ? m : wd * MIN_PER_DAY + m;
}

bool
ag_window_contains(const struct ag_window *w, int64_t now)
{
	int m = minute_of(w, now);

	if (w->start < w->end)
		return m >= w->start && m < w->end;
	return m >= w->start || m < w->end;
}

int64_t
ag_window_next_start(const struct ag_window *w, int64_t now)
{
	int period = w->daily ? MIN_PER_DAY : MIN_PER_WEEK;
	int m = minute_of(w, now);
	int64_t sec_in_min = ((now % 60) + 60) % 60;
	int delta;

	if (ag_window_contains(w, now))
		return now;
	delta = ((w->start - m) % period + period) % period;
	if (delta == 0)
		delta = period;
	return now - sec_in_min + (int64_t)delta * 60;
}

void
ag_time_format_utc(char *out, unsigned long n, int64_t t)
{
	struct tm tm;
	time_t tt = (time_t)t;

	if (n == 0)
		return;
	if (gmtime_r(&tt, &tm) == NULL || strftime(out, n, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(out, n, "%lld", (long long)t);
}
