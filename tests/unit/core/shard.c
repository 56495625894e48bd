/* Unit tests for --shard: parsing and the stable cluster -> shard hash. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "core/error.h"
#include "core/shard.h"

static void
test_shard__parse_accepts_i_of_n(void **state)
{
	struct ag_error err = AG_ERROR_INIT;
	struct ag_shard sh;

	(void)state;
	assert_int_equal(ag_shard_parse(&sh, "2/3", &err), 0);
	assert_int_equal(sh.index, 2);
	assert_int_equal(sh.count, 3);
	assert_int_equal(ag_shard_parse(&sh, "0/1", &err), 0);
	assert_int_equal(sh.count, 1);
}

static void
test_shard__parse_rejects_bad_input(void **state)
{
	static const char *const bad[] = {
	    "", "3", "3/3", "4/3", "-1/3", "1/0", "1/", "/3", "a/3", "1/3x", "1/2000", "1 /3"};
	struct ag_error err = AG_ERROR_INIT;
	struct ag_shard sh = {7, 9};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ag_error_clear(&err);
		assert_int_equal(ag_shard_parse(&sh, bad[i], &err), AG_EINVAL);
		assert_non_null(strstr(err.msg, "invalid shard"));
		/* bad input changes nothing */
		assert_int_equal(sh.index, 7);
		assert_int_equal(sh.count, 9);
	}
	ag_error_clear(&err);
	ag_shard_parse(&sh, "5/3", &err);
	assert_non_null(strstr(err.msg, "'5/3'"));
}

/* Known values: be64(sha256(lower(id))[0:8]) mod N, computed independently. */
static void
test_shard__hash_is_stable_and_case_insensitive(void **state)
{
	(void)state;
	assert_int_equal(ag_shard_of("orders-db", 3), 2);
	assert_int_equal(ag_shard_of("Orders-DB", 3), 2);
	assert_int_equal(ag_shard_of("orders-db", 7), 1);
	assert_int_equal(ag_shard_of("a", 3), 1);
	assert_int_equal(ag_shard_of("a", 7), 4);
	assert_int_equal(ag_shard_of("anything", 1), 0);
	assert_int_equal(ag_shard_of("anything", 0), 0);
}

static void
test_shard__every_cluster_has_exactly_one_owner(void **state)
{
	struct ag_shard sh[3] = {{0, 3}, {1, 3}, {2, 3}};
	unsigned per[3] = {0};
	char id[32];
	int i, j, owners;

	(void)state;
	for (i = 0; i < 300; i++) {
		snprintf(id, sizeof(id), "cluster-%03d", i);
		owners = 0;
		for (j = 0; j < 3; j++)
			if (ag_shard_owns(&sh[j], id)) {
				owners++;
				per[j]++;
			}
		assert_int_equal(owners, 1);
	}
	/* roughly even: each shard gets a fair part of 300 */
	for (j = 0; j < 3; j++)
		assert_in_range(per[j], 70, 130);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_shard__parse_accepts_i_of_n),
	    cmocka_unit_test(test_shard__parse_rejects_bad_input),
	    cmocka_unit_test(test_shard__hash_is_stable_and_case_insensitive),
	    cmocka_unit_test(test_shard__every_cluster_has_exactly_one_owner),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
