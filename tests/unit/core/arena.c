/* The bump arena: copies, alignment, blocks across chunks, big blocks,
 * moving one arena into another, emptying one for reuse. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/arena.h"

static void
test_strdup_copies(void **state)
{
	struct ag_arena a = AG_ARENA_INIT;
	char src[] = "available";
	char *x, *y;

	(void)state;
	assert_null(ag_arena_strdup(&a, NULL));
	x = ag_arena_strdup(&a, src);
	y = ag_arena_strdup(&a, src);
	assert_ptr_not_equal(x, src);
	assert_ptr_not_equal(x, y);
	assert_string_equal(x, "available");
	src[0] = 'X';
	y[0] = 'Y';
	assert_string_equal(x, "available");
	assert_string_equal(ag_arena_strndup(&a, "abcdef", 3), "abc");
	assert_string_equal(ag_arena_strdup(&a, ""), "");
	assert_true(a.bytes > 0);
	ag_arena_release(&a);
	assert_null(a.head);
	assert_int_equal(a.bytes, 0);
}

static void
test_alignment_and_zeroing(void **state)
{
	struct ag_arena a = AG_ARENA_INIT;
	size_t i;

	(void)state;
	for (i = 0; i < 100; i++) {
		char *c = ag_arena_alloc(&a, 1, 1);
		double *d = AG_ARENA_NEW(&a, double, 3);
		char **v = AG_ARENA_NEW(&a, char *, 5);
		void *m = ag_arena_alloc(&a, 3, 16);

		*c = 'x';
		assert_int_equal((uintptr_t)d % _Alignof(double), 0);
		assert_int_equal((uintptr_t)v % _Alignof(char *), 0);
		assert_int_equal((uintptr_t)m % 16, 0);
		assert_true(d[0] == 0 && d[2] == 0);
		assert_null(v[0]);
		assert_null(v[4]);
		d[2] = 1.5;
		v[4] = c;
	}
	assert_non_null(ag_arena_alloc(&a, 0, 8));
	ag_arena_release(&a);
}

/* Far more than one chunk of blocks: each keeps its own bytes. */
static void
test_many_blocks_keep_their_bytes(void **state)
{
	struct ag_arena a = AG_ARENA_INIT;
	char *p[20000], want[32];
	size_t i;

	(void)state;
	for (i = 0; i < 20000; i++) {
		snprintf(want, sizeof(want), "value-%zu", i * 7919);
		p[i] = ag_arena_strdup(&a, want);
	}
	for (i = 0; i < 20000; i++) {
		snprintf(want, sizeof(want), "value-%zu", i * 7919);
		assert_string_equal(p[i], want);
	}
	/* the copies cost their bytes, not a malloc header each: well under
	 * twice the text (about 12 bytes a copy) */
	assert_true(a.bytes < 20000 * 24);
	ag_arena_release(&a);
}

/* A big block gets a chunk of its own; the small blocks around it still
 * come one after another from the same chunk. */
static void
test_big_block_keeps_the_chunk_tail(void **state)
{
	struct ag_arena a = AG_ARENA_INIT;
	char *x, *big, *y;

	(void)state;
	x = ag_arena_strdup(&a, "a");
	big = ag_arena_alloc(&a, 200000, 8);
	memset(big, 'b', 200000);
	y = ag_arena_strdup(&a, "c");
	assert_ptr_equal(y, x + 2);
	assert_string_equal(x, "a");
	assert_true(a.bytes > 200000);
	/* a big block as the very first one */
	ag_arena_release(&a);
	big = ag_arena_alloc(&a, 100000, 16);
	memset(big, 'b', 100000);
	x = ag_arena_strdup(&a, "after");
	assert_string_equal(x, "after");
	ag_arena_release(&a);
}

static void
test_take_moves_every_block(void **state)
{
	struct ag_arena dst = AG_ARENA_INIT, src = AG_ARENA_INIT, empty = AG_ARENA_INIT;
	char *d1, *s1, *s2, *d2;
	size_t bytes;
	int i;

	(void)state;
	d1 = ag_arena_strdup(&dst, "dst-1");
	for (i = 0; i < 5000; i++) /* src spans several chunks */
		(void)ag_arena_strdup(&src, "filler-filler");
	s1 = ag_arena_strdup(&src, "src-1");
	s2 = ag_arena_strdup(&src, "src-2");
	bytes = dst.bytes + src.bytes;
	ag_arena_take(&dst, &src);
	assert_null(src.head);
	assert_int_equal(src.bytes, 0);
	assert_int_equal(dst.bytes, bytes);
	ag_arena_release(&src); /* nothing left to free */
	d2 = ag_arena_strdup(&dst, "dst-2");
	assert_ptr_equal(d2, d1 + 6); /* dst's head still serves */
	assert_string_equal(s1, "src-1");
	assert_string_equal(s2, "src-2");
	/* into an empty arena, and from an empty one */
	ag_arena_take(&empty, &dst);
	ag_arena_take(&empty, &dst);
	assert_null(dst.head);
	assert_int_equal(empty.bytes, bytes);
	assert_string_equal(s2, "src-2");
	assert_string_equal(d2, "dst-2");
	ag_arena_release(&empty);
}

static void
test_reset_keeps_one_chunk(void **state)
{
	struct ag_arena a = AG_ARENA_INIT, big = AG_ARENA_INIT;
	char *first, *again;
	size_t one;
	int i;

	(void)state;
	ag_arena_reset(&a); /* an empty arena stays empty */
	assert_null(a.head);
	first = ag_arena_strdup(&a, "first");
	one = a.bytes;
	for (i = 0; i < 5000; i++) /* several chunks and a big block */
		(void)ag_arena_strdup(&a, "filler-filler");
	(void)ag_arena_alloc(&a, 20000, 1);
	assert_true(a.bytes > one);
	ag_arena_reset(&a);
	assert_int_equal(a.bytes, one);
	again = ag_arena_strdup(&a, "again");
	assert_string_equal(again, "again");
	assert_non_null(a.head);
	(void)first; /* gone with the reset: its chunk may be the one kept */
	ag_arena_release(&a);
	assert_null(a.head);
	/* an arena whose only chunk is a big block keeps nothing */
	(void)ag_arena_alloc(&big, 100000, 1);
	ag_arena_reset(&big);
	assert_null(big.head);
	assert_int_equal(big.bytes, 0);
	assert_string_equal(ag_arena_strdup(&big, "x"), "x");
	ag_arena_release(&big);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_strdup_copies),
	    cmocka_unit_test(test_alignment_and_zeroing),
	    cmocka_unit_test(test_many_blocks_keep_their_bytes),
	    cmocka_unit_test(test_big_block_keeps_the_chunk_tail),
	    cmocka_unit_test(test_take_moves_every_block),
	    cmocka_unit_test(test_reset_keeps_one_chunk),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
