/* Unit tests for ag_sort: a list in order costs one pass and stays as it
 * is; any other is sorted as qsort sorts it, ties included. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "core/sort.h"

struct item {
	int key;
	int tag; /* tells equal keys apart */
};

static size_t calls;

static int
by_key(const void *a, const void *b)
{
	const struct item *x = a, *y = b;

	calls++;
	return (x->key > y->key) - (x->key < y->key);
}

static void
test_sort__in_order_is_one_pass(void **state)
{
	struct item v[50];
	size_t i;

	(void)state;
	for (i = 0; i < 50; i++)
		v[i] = (struct item){(int)i * 2, (int)i};
	calls = 0;
	ag_sort(v, 50, sizeof(v[0]), by_key);
	assert_int_equal(calls, 49);
	for (i = 0; i < 50; i++)
		assert_int_equal(v[i].tag, (int)i);
	calls = 0;
	ag_sort(v, 1, sizeof(v[0]), by_key);
	ag_sort(v, 0, sizeof(v[0]), by_key);
	assert_int_equal(calls, 0);
}

static void
test_sort__out_of_order_and_ties_are_sorted(void **state)
{
	struct item v[40], w[40];
	size_t i;

	(void)state;
	for (i = 0; i < 40; i++)
		v[i] = (struct item){(int)((i * 7) % 40), (int)i};
	memcpy(w, v, sizeof(v));
	ag_sort(v, 40, sizeof(v[0]), by_key);
	qsort(w, 40, sizeof(w[0]), by_key);
	assert_memory_equal(v, w, sizeof(v));
	for (i = 1; i < 40; i++)
		assert_true(v[i - 1].key < v[i].key);

	/* in order but with a tie: sorted by qsort, as it would be anyway */
	for (i = 0; i < 40; i++)
		v[i] = (struct item){(int)i / 2, (int)(40 - i)};
	memcpy(w, v, sizeof(v));
	calls = 0;
	ag_sort(v, 40, sizeof(v[0]), by_key);
	assert_true(calls > 1);
	qsort(w, 40, sizeof(w[0]), by_key);
	assert_memory_equal(v, w, sizeof(v));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_sort__in_order_is_one_pass),
	    cmocka_unit_test(test_sort__out_of_order_and_ties_are_sorted),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
