/* Unit tests for the state directory: lock, password hashes, loop breaker. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "agent/state.h"
#include "core/kv.h"

static char dir[256];

static int
setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/ag-unit-state.XXXXXX");
	return mkdtemp(dir) ? 0 : -1;
}

static int
teardown(void **state)
{
	char cmd[300];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static void
test_state__second_opener_is_refused(void **unused)
{
	struct ag_error err = AG_ERROR_INIT;
	struct ag_state *a = NULL, *b = NULL;

	(void)unused;
	assert_int_equal(ag_state_open(&a, dir, &err), 0);
	assert_int_equal(ag_state_open(&b, dir, &err), AG_ECONFLICT);
	assert_null(b);
	assert_non_null(strstr(err.msg, "another aurora-gitops process"));
	ag_state_free(a);
	assert_int_equal(ag_state_open(&b, dir, &err), 0);
	ag_state_free(b);
}

static void
test_state__password_hash_persists_with_mode_0600(void **unused)
{
	struct ag_error err = AG_ERROR_INIT;
	struct ag_state *s = NULL;
	struct stat st;
	char path[300];

	(void)unused;
	assert_int_equal(ag_state_open(&s, dir, &err), 0);
	assert_null(ag_state_password_hash(s, "db-1"));
	ag_state_set_password_hash(s, "db-1", "prod", "abc123");
	assert_int_equal(ag_state_save(s, &err), 0);
	ag_state_free(s);

	snprintf(path, sizeof(path), "%s/passwords.json", dir);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(ag_state_open(&s, dir, &err), 0);
	assert_string_equal(ag_state_password_hash(s, "db-1"), "abc123");
	assert_string_equal(ag_state_password_key(s, "db-1"), "prod");
	ag_state_free(s);
}

static void
test_state__loop_breaker_matches_plan_and_live(void **unused)
{
	struct ag_error err = AG_ERROR_INIT;
	struct ag_state *s = NULL;
	const char *why = NULL;

	(void)unused;
	assert_int_equal(ag_state_open(&s, dir, &err), 0);
	assert_int_equal(ag_state_failure_repeats(s, "db-1", "p1", "l1", &why), 0);
	ag_state_record_failure(s, "db-1", "p1", "l1", "modify-cluster", "InvalidParameterValue");
	assert_int_equal(ag_state_failure_repeats(s, "db-1", "p1", "l1", &why), 1);
	assert_string_equal(why, "InvalidParameterValue");
	/* a new commit or a change in AWS lets it run again */
	assert_int_equal(ag_state_failure_repeats(s, "db-1", "p2", "l1", NULL), 0);
	assert_int_equal(ag_state_failure_repeats(s, "db-1", "p1", "l2", NULL), 0);
	assert_int_equal(ag_state_failure_repeats(s, "db-2", "p1", "l1", NULL), 0);
	ag_state_clear_failure(s, "db-1");
	assert_int_equal(ag_state_failure_repeats(s, "db-1", "p1", "l1", NULL), 0);
	ag_state_free(s);
}

static void
test_state__damaged_file_is_a_clear_error(void **unused)
{
	struct ag_error err = AG_ERROR_INIT;
	struct ag_state *s = NULL;
	char path[300];
	FILE *f;

	(void)unused;
	snprintf(path, sizeof(path), "%s/failures.json", dir);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("{not json", f);
	fclose(f);
	assert_int_equal(ag_state_open(&s, dir, &err), AG_EINVAL);
	assert_non_null(strstr(err.msg, "failures.json"));
	assert_non_null(strstr(err.msg, "damaged"));
}

static void
test_state__local_key_is_stable(void **unused)
{
	struct ag_error err = AG_ERROR_INIT;
	struct ag_state *s = NULL;
	unsigned char k1[32], k2[32];

	(void)unused;
	assert_int_equal(ag_state_open(&s, dir, &err), 0);
	assert_int_equal(ag_state_local_key(s, k1, &err), 0);
	assert_int_equal(ag_state_local_key(s, k2, &err), 0);
	assert_memory_equal(k1, k2, 32);
	ag_state_free(s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_state__second_opener_is_refused, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_state__password_hash_persists_with_mode_0600, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_state__loop_breaker_matches_plan_and_live, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_state__damaged_file_is_a_clear_error, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_state__local_key_is_stable, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
