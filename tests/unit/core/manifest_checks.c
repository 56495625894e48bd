/* Unit tests for the value checks the manifest loader applies. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "core/error.h"
#include "core/manifest_int.h"

struct check_case {
	const char *in;
	const char *why; /* NULL = valid */
};

static void
run(const char *(*fn)(const char *), const struct check_case *c, size_t n)
{
	size_t i;
	const char *got;

	for (i = 0; i < n; i++) {
		got = fn(c[i].in);
		if (c[i].why == NULL && got != NULL)
			fail_msg("'%s' should be valid, got '%s'", c[i].in, got);
		if (c[i].why != NULL && (got == NULL || strcmp(got, c[i].why) != 0))
			fail_msg("'%s': expected '%s', got '%s'", c[i].in, c[i].why,
			    got ? got : "(valid)");
	}
}

static const char *
cluster_id(const char *s)
{
	return ag_mcheck_rds_identifier(s, 63);
}

static void
test_checks__rds_identifier(void **state)
{
	static const struct check_case c[] = {
	    {"a", NULL},
	    {"orders-db-1", NULL},
	    {"Orders-DB", NULL},
	    {"", "must not be empty"},
	    {"1db", "must start with a letter"},
	    {"-db", "must start with a letter"},
	    {"db_1", "may contain only letters, digits and hyphens"},
	    {"db.1", "may contain only letters, digits and hyphens"},
	    {"orders--db", "must not contain two consecutive hyphens"},
	    {"orders-", "must not end with a hyphen"},
	    {"a23456789012345678901234567890123456789012345678901234567890123", NULL},
	    {"a234567890123456789012345678901234567890123456789012345678901234",
	        "must be at most 63 characters long"},
	};

	(void)state;
	run(cluster_id, c, sizeof(c) / sizeof(c[0]));
	assert_null(ag_mcheck_rds_identifier(
	    "a234567890123456789012345678901234567890123456789012345678901234", 255));
}

static void
test_checks__maintenance_window(void **state)
{
	static const struct check_case c[] = {
	    {"sun:05:00-sun:06:00", NULL},
	    {"SUN:05:00-Mon:06:00", NULL},
	    {"sat:23:45-sun:00:15", NULL},
	    {"sun:23:59-sun:23:30", NULL}, /* wraps around the week */
	    {"mon:00:00-tue:01:00", NULL},
	    {"sun:05:00-sun:05:29", "the window must be at least 30 minutes long"},
	    {"sun:05:00-06:00", "wrong format"},
	    {"sun 05:00-sun 06:00", "wrong format"},
	    {"xyz:05:00-sun:06:00", "days must be mon, tue, wed, thu, fri, sat or sun"},
	    {"sun:24:00-mon:01:00", "hours must be 00..23"},
	    {"sun:05:60-sun:07:00", "minutes must be 00..59"},
	    {"sun:5:00-sun:06:000", "wrong format"},
	    {"", "wrong format"},
	};

	(void)state;
	run(ag_mcheck_maintenance_window, c, sizeof(c) / sizeof(c[0]));
}

static void
test_checks__backup_window(void **state)
{
	static const struct check_case c[] = {
	    {"03:00-04:00", NULL},
	    {"23:45-00:15", NULL},
	    {"03:00-03:29", "the window must be at least 30 minutes long"},
	    {"3:00-4:00", "wrong format"},
	    {"03:00-24:00", "hours must be 00..23"},
	    {"03:0a-04:00", "wrong format"},
	    {"03:00 04:00", "wrong format"},
	};

	(void)state;
	run(ag_mcheck_backup_window, c, sizeof(c) / sizeof(c[0]));
}

static void
test_checks__cidr(void **state)
{
	static const struct check_case c[] = {
	    {"10.0.0.0/16", NULL},
	    {"0.0.0.0/0", NULL},
	    {"255.255.255.255/32", NULL},
	    {"10.0.0.0/33", "the prefix length must be 0..32"},
	    {"256.0.0.0/8", "each address part must be 0..255"},
	    {"10.0.0/8", "expected a.b.c.d/n"},
	    {"10.0.0.0", "expected a.b.c.d/n"},
	    {"10.0.0.0/", "expected a.b.c.d/n"},
	    {"10.0.0.0/8x", "expected a.b.c.d/n"},
	    {"1000.0.0.0/8", "expected a.b.c.d/n"},
	    {"fd00::/8", "expected a.b.c.d/n"},
	};

	(void)state;
	run(ag_mcheck_cidr, c, sizeof(c) / sizeof(c[0]));
}

static void
test_checks__instance_class(void **state)
{
	static const struct check_case c[] = {
	    {"db.r6g.large", NULL},
	    {"db.serverless", NULL},
	    {"r6g.large", "must start with 'db.' (e.g. db.r6g.large or db.serverless)"},
	    {"db.", "must start with 'db.' (e.g. db.r6g.large or db.serverless)"},
	    {"db.r6g large", "may contain only letters, digits, dots and hyphens"},
	};

	(void)state;
	run(ag_mcheck_instance_class, c, sizeof(c) / sizeof(c[0]));
}

static void
test_checks__rfc3339(void **state)
{
	int64_t t = 0;

	(void)state;
	assert_int_equal(ag_mparse_rfc3339(&t, "1970-01-01T00:00:00Z"), 0);
	assert_int_equal(t, 0);
	assert_int_equal(ag_mparse_rfc3339(&t, "2026-12-01T00:00:00Z"), 0);
	assert_int_equal(t, 1796083200);
	assert_int_equal(ag_mparse_rfc3339(&t, "2026-12-01T01:00:00+01:00"), 0);
	assert_int_equal(t, 1796083200);
	assert_int_equal(ag_mparse_rfc3339(&t, "2026-11-30t19:30:00.5-04:30"), 0);
	assert_int_equal(t, 1796083200);
	assert_int_equal(ag_mparse_rfc3339(&t, "2024-02-29T00:00:00Z"), 0);
	assert_int_equal(ag_mparse_rfc3339(&t, "2023-02-29T00:00:00Z"), AG_EINVAL);
	assert_int_equal(ag_mparse_rfc3339(&t, "2026-12-01T00:00:00+0100"), AG_EINVAL);
	assert_int_equal(ag_mparse_rfc3339(&t, "2026-12-01"), AG_EINVAL);
	assert_int_equal(ag_mparse_rfc3339(&t, ""), AG_EINVAL);
}

static void
test_checks__engines(void **state)
{
	const char *const *logs;

	(void)state;
	assert_true(ag_mengine_supported("aurora-mysql"));
	assert_true(ag_mengine_supported("aurora-postgresql"));
	assert_false(ag_mengine_supported("mysql"));
	assert_false(ag_mengine_supported("aurora"));
	assert_false(ag_mengine_supported(NULL));
	logs = ag_mengine_log_types("aurora-postgresql");
	assert_string_equal(logs[0], "postgresql");
	assert_string_equal(logs[1], "upgrade");
	assert_null(logs[2]);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_checks__rds_identifier),
	    cmocka_unit_test(test_checks__maintenance_window),
	    cmocka_unit_test(test_checks__backup_window),
	    cmocka_unit_test(test_checks__cidr),
	    cmocka_unit_test(test_checks__instance_class),
	    cmocka_unit_test(test_checks__rfc3339),
	    cmocka_unit_test(test_checks__engines),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
