/* The intern table: one copy per distinct text, in the caller's arena. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "core/intern.h"

static void
test_same_text_same_copy(void **state)
{
	struct ag_arena a = AG_ARENA_INIT;
	struct ag_intern t = AG_INTERN_INIT;
	char buf[] = "aurora-postgresql";
	const char *x, *y, *z, *e;
	size_t bytes;

	(void)state;
	assert_null(ag_intern_get(&t, &a, NULL));
	x = ag_intern_get(&t, &a, buf);
	assert_ptr_not_equal(x, buf);
	assert_string_equal(x, "aurora-postgresql");
	bytes = a.bytes;
	y = ag_intern_get(&t, &a, "aurora-postgresql");
	assert_ptr_equal(x, y);
	assert_int_equal(a.bytes, bytes);
	buf[0] = 'X'; /* the caller's text is copied, not kept */
	assert_string_equal(x, "aurora-postgresql");
	z = ag_intern_get(&t, &a, "aurora-mysql");
	assert_ptr_not_equal(x, z);
	assert_string_equal(z, "aurora-mysql");
	e = ag_intern_get(&t, &a, "");
	assert_string_equal(e, "");
	assert_ptr_equal(ag_intern_get(&t, &a, ""), e);
	assert_int_equal(t.n, 3);
	ag_intern_release(&t);
	assert_null(t.slots);
	/* the strings outlive the table */
	assert_string_equal(x, "aurora-postgresql");
	ag_arena_release(&a);
}

/* Through many growths of the table every text keeps its one copy. */
static void
test_growth_keeps_every_copy(void **state)
{
	struct ag_arena a = AG_ARENA_INIT;
	struct ag_intern t = AG_INTERN_INIT;
	const char *first[5000];
	char s[32];
	size_t i;

	(void)state;
	for (i = 0; i < 5000; i++) {
		snprintf(s, sizeof(s), "db.r6g.%zu", i);
		first[i] = ag_intern_get(&t, &a, s);
	}
	assert_int_equal(t.n, 5000);
	assert_true(t.cap >= 10000);
	for (i = 0; i < 5000; i++) {
		snprintf(s, sizeof(s), "db.r6g.%zu", i);
		assert_ptr_equal(ag_intern_get(&t, &a, s), first[i]);
		assert_string_equal(first[i], s);
	}
	assert_int_equal(t.n, 5000);
	ag_intern_release(&t);
	ag_arena_release(&a);
}

/* find answers without adding: the copy, or NULL for a text never added. */
static void
test_find_does_not_add(void **state)
{
	struct ag_arena a = AG_ARENA_INIT;
	struct ag_intern t = AG_INTERN_INIT;
	const char *x;

	(void)state;
	assert_null(ag_intern_find(&t, "Engine"));
	x = ag_intern_get(&t, &a, "Engine");
	assert_ptr_equal(ag_intern_find(&t, "Engine"), x);
	assert_null(ag_intern_find(&t, "EngineVersion"));
	assert_null(ag_intern_find(&t, ""));
	assert_null(ag_intern_find(&t, NULL));
	assert_int_equal(t.n, 1);
	ag_intern_release(&t);
	ag_arena_release(&a);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_same_text_same_copy),
	    cmocka_unit_test(test_growth_keeps_every_copy),
	    cmocka_unit_test(test_find_does_not_add),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
