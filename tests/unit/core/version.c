/* Unit tests for engine version comparison. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "core/version.h"

static void
test_version__cmp_segment_wise(void **state)
{
	(void)state;
	assert_true(ag_version_cmp("15.4", "15.10") < 0);
	assert_true(ag_version_cmp("15.10", "15.4") > 0);
	assert_int_equal(ag_version_cmp("15.4", "15.4"), 0);
	assert_true(ag_version_cmp("15", "15.4") < 0);
	assert_true(ag_version_cmp("9.6.22", "10.1") < 0);
	assert_true(ag_version_cmp("8.0.mysql_aurora.3.05.2", "8.0.mysql_aurora.3.10.0") < 0);
	assert_true(ag_version_cmp("8.0.mysql_aurora.3.05.2", "8.0.mysql_aurora.3.5.2") == 0);
	assert_true(ag_version_cmp("5.7.mysql_aurora.2.11.2", "8.0.mysql_aurora.3.01.0") < 0);
	assert_true(ag_version_cmp("16.x-limitless", "16.4") > 0);
}

static void
test_version__prefix_and_major(void **state)
{
	char m[32];

	(void)state;
	assert_true(ag_version_is_prefix("15", "15.4"));
	assert_true(ag_version_is_prefix("15.4", "15.4"));
	assert_false(ag_version_is_prefix("15.4", "15"));
	assert_false(ag_version_is_prefix("1", "15.4"));
	assert_true(ag_version_is_prefix("8.0.mysql_aurora.3", "8.0.mysql_aurora.3.05.2"));
	assert_true(ag_version_major(m, sizeof(m), "aurora-postgresql", "15.4"));
	assert_string_equal(m, "15");
	assert_true(ag_version_major(m, sizeof(m), "aurora-postgresql", "9.6.22"));
	assert_string_equal(m, "9.6");
	assert_true(ag_version_major(m, sizeof(m), "aurora-mysql", "8.0.mysql_aurora.3.05.2"));
	assert_string_equal(m, "8.0");
	assert_true(ag_version_major(m, sizeof(m), "aurora-mysql", "5.7.mysql_aurora.2.11.2"));
	assert_string_equal(m, "5.7");
	assert_false(ag_version_major(m, sizeof(m), "aurora-mysql", ""));
}

static void
test_version__verdicts(void **state)
{
	const char *pg = "aurora-postgresql", *my = "aurora-mysql";

	(void)state;
	assert_int_equal(ag_version_compare(pg, "15.4", "15.4", true), AG_VERSION_EQUAL);
	assert_int_equal(ag_version_compare(pg, "15", "15.7", false), AG_VERSION_EQUAL);
	assert_int_equal(ag_version_compare(pg, "15.4", "15.5", true), AG_VERSION_AUTO_MINOR);
	assert_int_equal(ag_version_compare(pg, "15.4", "15.5", false), AG_VERSION_LIVE_NEWER);
	assert_int_equal(ag_version_compare(pg, "15.4", "16.1", true), AG_VERSION_LIVE_NEWER);
	assert_int_equal(ag_version_compare(pg, "15.6", "15.4", true), AG_VERSION_UPGRADE_MINOR);
	assert_int_equal(ag_version_compare(pg, "16.1", "15.4", true), AG_VERSION_UPGRADE_MAJOR);
	assert_int_equal(ag_version_compare(pg, "16", "15.4", true), AG_VERSION_UPGRADE_MAJOR);
	assert_int_equal(
	    ag_version_compare(my, "8.0.mysql_aurora.3.10.0", "8.0.mysql_aurora.3.05.2", true),
	    AG_VERSION_UPGRADE_MINOR);
	assert_int_equal(
	    ag_version_compare(my, "8.0.mysql_aurora.3.05.2", "8.0.mysql_aurora.3.10.0", true),
	    AG_VERSION_AUTO_MINOR);
	assert_int_equal(
	    ag_version_compare(my, "8.0.mysql_aurora.3.05.2", "5.7.mysql_aurora.2.11.2", true),
	    AG_VERSION_UPGRADE_MAJOR);
	assert_int_equal(ag_version_compare(pg, NULL, "15.4", true), AG_VERSION_EQUAL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_version__cmp_segment_wise),
	    cmocka_unit_test(test_version__prefix_and_major),
	    cmocka_unit_test(test_version__verdicts),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
