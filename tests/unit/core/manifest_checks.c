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
	assert_string_equal(logs[1], "instance");
	assert_string_equal(logs[2], "iam-db-auth-error");
	assert_null(logs[3]);
	logs = ag_mengine_log_types("aurora-mysql");
	assert_string_equal(logs[4], "instance");
	assert_string_equal(logs[5], "iam-db-auth-error");
	assert_null(logs[6]);
}

static const char *
long_string(char *buf, size_t n, const char *unit)
{
	size_t i, u = strlen(unit);

	for (i = 0; i + 1 < n; i++)
		buf[i] = unit[i % u];
	buf[n - 1] = '\0';
	return buf;
}

static void
test_checks__tags(void **state)
{
	static const struct check_case keys[] = {
	    {"team", NULL},
	    {"cost center", NULL},
	    {"app.kubernetes.io/name", NULL},
	    {"a_b.c:d/e=f+g-h@i", NULL},
	    {"\xc3\xa9quipe", NULL},            /* équipe */
	    {"\xe5\x9b\xa2\xe9\x98\x9f", NULL}, /* CJK letters */
	    {"\xe2\x85\xa0", NULL},             /* roman numeral one: a number */
	    {"", "must not be empty"},
	    {"aws:cloudformation", "must not start with 'aws:' or 'rds:' (reserved for AWS)"},
	    {"AWS:x", "must not start with 'aws:' or 'rds:' (reserved for AWS)"},
	    {"rds:x", "must not start with 'aws:' or 'rds:' (reserved for AWS)"},
	    {"a#b", "may contain only Unicode letters, digits, white space and _ . : / = + - @"},
	    {"a\nb", "may contain only Unicode letters, digits, white space and _ . : / = + - @"},
	    {"`x`", "may contain only Unicode letters, digits, white space and _ . : / = + - @"},
	    {"<!--", "may contain only Unicode letters, digits, white space and _ . : / = + - @"},
	    {"\xe2\x80\xae", /* right-to-left override */
	        "may contain only Unicode letters, digits, white space and _ . : / = + - @"},
	    {"\xf0\x9f\x98\x80", /* emoji */
	        "may contain only Unicode letters, digits, white space and _ . : / = + - @"},
	    {"\xc3", "is not valid UTF-8"},
	    {"\xc0\xaf", "is not valid UTF-8"},
	    {"\xed\xa0\x80", "is not valid UTF-8"},
	};
	char buf[300];

	(void)state;
	run(ag_mcheck_tag_key, keys, sizeof(keys) / sizeof(keys[0]));
	assert_null(ag_mcheck_tag_key(long_string(buf, 129, "k")));
	assert_string_equal(
	    ag_mcheck_tag_key(long_string(buf, 130, "k")), "must be at most 128 characters long");
	/* characters, not bytes: 128 two-byte letters */
	assert_null(ag_mcheck_tag_key(long_string(buf, 257, "\xc3\xa9")));
	assert_null(ag_mcheck_tag_value(""));
	assert_null(ag_mcheck_tag_value(long_string(buf, 257, "v")));
	assert_string_equal(
	    ag_mcheck_tag_value(long_string(buf, 258, "v")), "must be at most 256 characters long");
	assert_non_null(ag_mcheck_tag_value("a#b"));
	assert_non_null(ag_mcheck_tag_value("aws:x"));
}

static void
test_checks__password(void **state)
{
	static const struct check_case c[] = {
	    {"Abcdef12", NULL},
	    {"x!#$%^&*()-_=+[]{};:,.<>?~`|'\\", NULL},
	    {"12345678901234567890123456789012345678901", NULL},
	    {"", "is shorter than 8 characters"},
	    {"abc12", "is shorter than 8 characters"},
	    {"123456789012345678901234567890123456789012", "is longer than 41 characters"},
	    {"abcd/efgh", "contains '/', '\"' or '@'"},
	    {"abcd\"efgh", "contains '/', '\"' or '@'"},
	    {"abcd@efgh", "contains '/', '\"' or '@'"},
	    {"abcd efgh", "contains a space"},
	    {"abcd\tefgh", "contains a character that is not printable ASCII"},
	    {"abcd\xc3\xa9"
	     "fgh",
	        "contains a character that is not printable ASCII"},
	};

	(void)state;
	run(ag_mcheck_password, c, sizeof(c) / sizeof(c[0]));
}

static const char *
pg_user(const char *s)
{
	return ag_mcheck_username("aurora-postgresql", s);
}

static const char *
my_user(const char *s)
{
	return ag_mcheck_username("aurora-mysql", s);
}

static void
test_checks__username(void **state)
{
	static const struct check_case pg[] = {
	    {"master", NULL},
	    {"app_owner", NULL},
	    {"a123456789012345", NULL},
	    {"a1234567890123456", "must be at most 16 characters long"},
	    {"", "must not be empty"},
	    {"1admin", "must start with a letter"},
	    {"_admin", "must start with a letter"},
	    {"app-owner", "may contain only letters, digits and underscores"},
	    {"rdsadmin", "is reserved by RDS"},
	    {"RDSAdmin", "is reserved by RDS"},
	    {"pg_monitor", "starts with 'pg_', which PostgreSQL reserves"},
	    {"user", "is a word PostgreSQL reserves"},
	    {"select", "is a word PostgreSQL reserves"},
	    {"database", NULL},
	};
	static const struct check_case my[] = {
	    {"admin", NULL},
	    {"pg_monitor", NULL},
	    {"database", "is a word MySQL reserves"},
	    {"Select", "is a word MySQL reserves"},
	    {"rdsrepladmin", "is reserved by RDS"},
	};

	(void)state;
	run(pg_user, pg, sizeof(pg) / sizeof(pg[0]));
	run(my_user, my, sizeof(my) / sizeof(my[0]));
}

static const char *
pg_db(const char *s)
{
	return ag_mcheck_database_name("aurora-postgresql", s);
}

static const char *
my_db(const char *s)
{
	return ag_mcheck_database_name("aurora-mysql", s);
}

static void
test_checks__database_name(void **state)
{
	static const struct check_case pg[] = {
	    {"orders", NULL},
	    {"orders_v2", NULL},
	    {"my-app-db", "may contain only letters, digits and underscores"},
	    {"007", "must start with a letter"},
	    {"table", "is a word PostgreSQL reserves"},
	};
	static const struct check_case my[] = {
	    {"orders", NULL},
	    {"my.db", "may contain only letters, digits and underscores"},
	    {"schema", "is a word MySQL reserves"},
	};
	char buf[80];

	(void)state;
	run(pg_db, pg, sizeof(pg) / sizeof(pg[0]));
	run(my_db, my, sizeof(my) / sizeof(my[0]));
	assert_null(pg_db(long_string(buf, 64, "d")));
	assert_string_equal(pg_db(long_string(buf, 65, "d")), "must be at most 63 characters long");
	assert_null(my_db(long_string(buf, 65, "d")));
	assert_string_equal(my_db(long_string(buf, 66, "d")), "must be at most 64 characters long");
}

static void
test_checks__windows_overlap(void **state)
{
	(void)state;
	assert_true(ag_mcheck_windows_overlap("03:00-04:00", "mon:03:30-mon:04:30"));
	assert_true(ag_mcheck_windows_overlap("03:00-04:00", "sun:02:00-sun:03:01"));
	assert_true(ag_mcheck_windows_overlap("00:00-01:00", "mon:00:00-tue:01:00"));
	/* crossing midnight, and the week's end */
	assert_true(ag_mcheck_windows_overlap("23:45-00:15", "mon:00:00-mon:00:30"));
	assert_true(ag_mcheck_windows_overlap("02:00-02:30", "sun:23:00-mon:03:00"));
	assert_false(ag_mcheck_windows_overlap("03:00-04:00", "mon:04:00-mon:04:30"));
	assert_false(ag_mcheck_windows_overlap("03:00-04:00", "mon:02:00-mon:03:00"));
	assert_false(ag_mcheck_windows_overlap("23:45-00:15", "sat:10:30-sat:11:00"));
	assert_false(ag_mcheck_windows_overlap("02:00-02:30", "sun:23:00-mon:01:59"));
	/* invalid windows are reported on their own, not as an overlap */
	assert_false(ag_mcheck_windows_overlap("3-4", "mon:03:30-mon:04:30"));
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
	    cmocka_unit_test(test_checks__tags),
	    cmocka_unit_test(test_checks__password),
	    cmocka_unit_test(test_checks__username),
	    cmocka_unit_test(test_checks__database_name),
	    cmocka_unit_test(test_checks__windows_overlap),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
