/* Unit tests for maintenance/backup window math. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "core/error.h"
#include "core/window.h"

/* 2026-11-18T07:46:40Z, a Wednesday */
#define WED_0746 1794988000
#define HOUR 3600
#define DAY 86400

static void
test_window__parse(void **state)
{
	struct ag_window w;
	struct ag_error err = AG_ERROR_INIT;

	(void)state;
	assert_int_equal(ag_window_parse(&w, "mon:00:00-mon:00:30", &err), 0);
	assert_int_equal(w.start, 0);
	assert_int_equal(w.end, 30);
	assert_int_equal(ag_window_parse(&w, "SUN:23:30-Mon:00:30", &err), 0);
	assert_int_equal(w.start, 6 * 1440 + 23 * 60 + 30);
	assert_int_equal(w.end, 30);
	assert_int_equal(ag_window_parse(&w, "03:50-04:20", &err), 0);
	assert_true(w.daily);
	assert_int_equal(ag_window_parse(&w, "xyz:00:00-mon:00:30", &err), AG_EINVAL);
	assert_non_null(strstr(err.msg, "invalid window 'xyz:00:00-mon:00:30'"));
	assert_int_equal(ag_window_parse(&w, "mon:24:00-mon:00:30", &err), AG_EINVAL);
	assert_int_equal(ag_window_parse(&w, "mon:03:00", &err), AG_EINVAL);
	assert_int_equal(ag_window_parse(&w, NULL, &err), AG_EINVAL);
}

static void
test_window__contains_and_next(void **state)
{
	struct ag_window w;
	char buf[32];

	(void)state;
	assert_int_equal(ag_window_parse(&w, "wed:07:30-wed:08:00", NULL), 0);
	assert_true(ag_window_contains(&w, WED_0746));
	assert_int_equal(ag_window_next_start(&w, WED_0746), WED_0746);
	assert_false(ag_window_contains(&w, WED_0746 + HOUR));

	assert_int_equal(ag_window_parse(&w, "wed:03:00-wed:03:30", NULL), 0);
	assert_false(ag_window_contains(&w, WED_0746));
	ag_time_format_utc(buf, sizeof(buf), ag_window_next_start(&w, WED_0746));
	assert_string_equal(buf, "2026-11-25T03:00:00Z");

	assert_int_equal(ag_window_parse(&w, "thu:01:15-thu:01:45", NULL), 0);
	ag_time_format_utc(buf, sizeof(buf), ag_window_next_start(&w, WED_0746));
	assert_string_equal(buf, "2026-11-19T01:15:00Z");

	/* wrapping past Sunday midnight */
	assert_int_equal(ag_window_parse(&w, "sun:23:30-mon:00:30", NULL), 0);
	ag_time_format_utc(buf, sizeof(buf), ag_window_next_start(&w, WED_0746));
	assert_string_equal(buf, "2026-11-22T23:30:00Z");
	assert_true(ag_window_contains(&w, 1795392000 + 600)); /* Mon 2026-11-23 00:10 */

	/* daily */
	assert_int_equal(ag_window_parse(&w, "03:50-04:20", NULL), 0);
	ag_time_format_utc(buf, sizeof(buf), ag_window_next_start(&w, WED_0746));
	assert_string_equal(buf, "2026-11-19T03:50:00Z");
}

static void
test_window__format(void **state)
{
	char buf[32];

	(void)state;
	ag_time_format_utc(buf, sizeof(buf), 0);
	assert_string_equal(buf, "1970-01-01T00:00:00Z");
	ag_time_format_utc(buf, sizeof(buf), WED_0746);
	assert_string_equal(buf, "2026-11-18T07:46:40Z");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_window__parse),
	    cmocka_unit_test(test_window__contains_and_next),
	    cmocka_unit_test(test_window__format),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
