/* Diagnostics: sorting is stable and fast enough for a hostile manifest
 * with one error per line (the old insertion sort took seconds). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/diag.h"

static void
test_diag__sort_stable(void **state)
{
	struct ag_diags d;

	(void)state;
	ag_diags_init(&d);
	ag_diags_add(&d, AG_DIAG_ERROR, "b.yaml", 1, 1, NULL, NULL, "b1");
	ag_diags_add(&d, AG_DIAG_ERROR, "a.yaml", 2, 1, NULL, NULL, "a2-first");
	ag_diags_add(&d, AG_DIAG_WARNING, "a.yaml", 1, 5, NULL, NULL, "a1c5");
	ag_diags_add(&d, AG_DIAG_ERROR, "a.yaml", 2, 1, NULL, NULL, "a2-second");
	ag_diags_add(&d, AG_DIAG_ERROR, NULL, 0, 0, NULL, NULL, "nofile");
	ag_diags_add(&d, AG_DIAG_ERROR, "a.yaml", 1, 2, NULL, NULL, "a1c2");
	ag_diags_sort(&d);
	assert_string_equal(d.v[0].message, "nofile");
	assert_string_equal(d.v[1].message, "a1c2");
	assert_string_equal(d.v[2].message, "a1c5");
	assert_string_equal(d.v[3].message, "a2-first");
	assert_string_equal(d.v[4].message, "a2-second");
	assert_string_equal(d.v[5].message, "b1");
	ag_diags_release(&d);
}

#define MANY 100000

static void
test_diag__sort_many_is_not_quadratic(void **state)
{
	struct ag_diags d;
	size_t i;

	(void)state;
	ag_diags_init(&d);
	/* One per line in reverse order, with a tie at every place: the worst
	 * case of an insertion sort (about 5e9 moves). A watchdog turns a
	 * quadratic sort into a failure instead of a long wait. */
	for (i = 0; i < MANY; i++)
		ag_diags_add(&d, AG_DIAG_ERROR, "big.yaml", (unsigned)(MANY - i / 2), 1, NULL, NULL,
		    "%zu", i);
	alarm(20);
	ag_diags_sort(&d);
	alarm(0);
	for (i = 1; i < d.n; i++) {
		assert_true(d.v[i - 1].line <= d.v[i].line);
		if (d.v[i - 1].line == d.v[i].line)
			assert_true(strtol(d.v[i - 1].message, NULL, 10) <
			            strtol(d.v[i].message, NULL, 10));
	}
	ag_diags_release(&d);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_diag__sort_stable),
	    cmocka_unit_test(test_diag__sort_many_is_not_quadratic),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
