/* Unit tests for the bounded buffer and the string lists. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/error.h"
#include "core/kv.h"

static void
test_buf__empty_is_terminated(void **state)
{
	struct ag_buf b = AG_BUF_INIT(16);

	(void)state;
	assert_non_null(b.ptr);
	assert_string_equal(b.ptr, "");
	ag_buf_release(&b);
}

static void
test_buf__bound_is_enforced(void **state)
{
	struct ag_buf b = AG_BUF_INIT(8);

	(void)state;
	assert_int_equal(ag_buf_adds(&b, "12345678"), 0);
	assert_int_equal(ag_buf_addc(&b, 'x'), AG_ETOOBIG);
	assert_int_equal(b.len, 8);
	assert_string_equal(b.ptr, "12345678");
	ag_buf_release(&b);
}

/* Room made ahead is used without moving the bytes; it never passes the
 * bound and adds nothing. */
static void
test_buf__reserve_makes_room_within_the_bound(void **state)
{
	struct ag_buf b = AG_BUF_INIT(1000);
	char *at;

	(void)state;
	assert_int_equal(ag_buf_reserve(&b, 1001), AG_ETOOBIG);
	assert_int_equal(b.cap, 0);
	assert_int_equal(ag_buf_reserve(&b, 600), 0);
	assert_true(b.cap > 600);
	assert_int_equal(b.len, 0);
	assert_string_equal(b.ptr, "");
	at = b.ptr;
	assert_int_equal(ag_buf_adds(&b, "abc"), 0);
	assert_int_equal(ag_buf_reserve(&b, 597), 0);
	assert_ptr_equal(b.ptr, at);
	assert_int_equal(ag_buf_reserve(&b, 998), AG_ETOOBIG);
	assert_string_equal(b.ptr, "abc");
	ag_buf_release(&b);
}

static void
test_buf__addf_and_detach(void **state)
{
	struct ag_buf b = AG_BUF_INIT(1024);
	size_t len;
	char *s;

	(void)state;
	assert_int_equal(ag_buf_addf(&b, "%s-%d", "a", 42), 0);
	s = ag_buf_detach(&b, &len);
	assert_string_equal(s, "a-42");
	assert_int_equal(len, 4);
	assert_int_equal(b.len, 0);
	free(s);
}

static void
test_kv__set_replaces_and_sort_is_stable(void **state)
{
	struct ag_kvlist l = AG_KVLIST_INIT;

	(void)state;
	ag_kvlist_add(&l, "b", "1");
	ag_kvlist_add(&l, "a", "2");
	ag_kvlist_set(&l, "b", "3");
	ag_kvlist_sort(&l);
	assert_string_equal(l.v[0].key, "a");
	assert_string_equal(l.v[1].value, "3");
	assert_null(ag_kvlist_get(&l, "c"));
	ag_kvlist_release(&l);
}

static void
test_strlist__set_equal_ignores_order(void **state)
{
	struct ag_strlist a = AG_STRLIST_INIT, b = AG_STRLIST_INIT;

	(void)state;
	ag_strlist_add(&a, "x");
	ag_strlist_add(&a, "y");
	ag_strlist_add(&b, "y");
	ag_strlist_add(&b, "x");
	assert_true(ag_strlist_set_equal(&a, &b));
	ag_strlist_add(&b, "z");
	assert_false(ag_strlist_set_equal(&a, &b));
	ag_strlist_release(&a);
	ag_strlist_release(&b);
}

static void
test_error__prefix_keeps_the_cause(void **state)
{
	struct ag_error err = AG_ERROR_INIT;

	(void)state;
	assert_int_equal(ag_error_set(&err, AG_EIO, "cannot open '%s'", "x"), AG_EIO);
	ag_error_prefix(&err, "loading %s", "manifests");
	assert_string_equal(err.msg, "loading manifests: cannot open 'x'");
	assert_int_equal(err.code, AG_EIO);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_buf__empty_is_terminated),
	    cmocka_unit_test(test_buf__bound_is_enforced),
	    cmocka_unit_test(test_buf__reserve_makes_room_within_the_bound),
	    cmocka_unit_test(test_buf__addf_and_detach),
	    cmocka_unit_test(test_kv__set_replaces_and_sort_is_stable),
	    cmocka_unit_test(test_strlist__set_equal_ignores_order),
	    cmocka_unit_test(test_error__prefix_keeps_the_cause),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
