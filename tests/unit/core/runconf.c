/* Unit tests for the daemon settings file (aurora-gitops.yaml). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "core/error.h"
#include "core/runconf.h"

static int
parse(struct ag_runconf *rc, const char *text, struct ag_error *err)
{
	ag_error_clear(err);
	return ag_runconf_parse(rc, text, strlen(text), "aurora-gitops.yaml", err);
}

static void
test_runconf__overlays_values(void **state)
{
	struct ag_error err = AG_ERROR_INIT;
	struct ag_runconf rc;

	(void)state;
	ag_runconf_init(&rc);
	assert_int_equal(rc.interval_ms, 30000);
	assert_int_equal(rc.drift_interval_ms, 300000);
	assert_int_equal(parse(&rc,
	                     "# daemon settings\ninterval: 5s\ndriftInterval: 2m\ndebounce: 50ms\n"
	                     "mode: plan\nmaxDeletes: 2\nnotesRef: refs/notes/fleet\n",
	                     &err),
	    0);
	assert_int_equal(rc.interval_ms, 5000);
	assert_int_equal(rc.drift_interval_ms, 120000);
	assert_int_equal(rc.debounce_ms, 50);
	assert_int_equal(rc.mode, AG_MODE_PLAN);
	assert_int_equal(rc.max_deletes, 2);
	assert_string_equal(rc.notes_ref, "refs/notes/fleet");
	/* an empty file changes nothing */
	assert_int_equal(parse(&rc, "", &err), 0);
	assert_int_equal(rc.interval_ms, 5000);
}

static void
test_runconf__errors_keep_old_values(void **state)
{
	static const struct {
		const char *text;
		const char *msg;
	} bad[] = {
	    {"interval: 5s\nintervall: 3s\n", "aurora-gitops.yaml:2: unknown key 'intervall'"},
	    {"interval: soon\n", "aurora-gitops.yaml:1: interval: bad duration 'soon'"},
	    {"interval: 0s\n", "bad duration '0s'"},
	    {"interval: 25h\n", "bad duration '25h'"},
	    {"mode: yolo\n", "mode: 'yolo' is not observe, plan or apply"},
	    {"maxDeletes: -1\n", "maxDeletes: '-1'"},
	    {"notesRef: refs/heads/main\n", "not a ref under refs/notes/"},
	    {"interval: [1, 2]\n", "expected 'key: value' lines"},
	    {"interval: {a: 1}\n", "expected a plain value"},
	    {"- a\n", "expected 'key: value' lines"},
	    {"interval: 5s\n  bad: [\n", "aurora-gitops.yaml:"},
	    {"interval: 1s\n---\nmode: plan\n", "only one YAML document"},
	};
	struct ag_error err = AG_ERROR_INIT;
	struct ag_runconf rc;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ag_runconf_init(&rc);
		assert_int_equal(parse(&rc, bad[i].text, &err), AG_EINVAL);
		if (strstr(err.msg, bad[i].msg) == NULL)
			fail_msg("case %zu: '%s' does not contain '%s'", i, err.msg, bad[i].msg);
		assert_int_equal(rc.interval_ms, 30000);
		assert_int_equal(rc.mode, AG_MODE_UNSET);
		assert_int_equal(rc.max_deletes, -1);
	}
}

static void
test_runconf__durations(void **state)
{
	long ms = 7;

	(void)state;
	assert_int_equal(ag_runconf_parse_duration(&ms, "90"), 0);
	assert_int_equal(ms, 90000);
	assert_int_equal(ag_runconf_parse_duration(&ms, "1500ms"), 0);
	assert_int_equal(ms, 1500);
	assert_int_equal(ag_runconf_parse_duration(&ms, "2h"), 0);
	assert_int_equal(ms, 7200000);
	assert_int_equal(ag_runconf_parse_duration(&ms, "-1s"), AG_EINVAL);
	assert_int_equal(ag_runconf_parse_duration(&ms, "1d"), AG_EINVAL);
	assert_int_equal(ag_runconf_parse_duration(&ms, ""), AG_EINVAL);
	assert_int_equal(ag_runconf_parse_duration(&ms, "99999999999999999999s"), AG_EINVAL);
	assert_int_equal(ms, 7200000);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_runconf__overlays_values),
	    cmocka_unit_test(test_runconf__errors_keep_old_values),
	    cmocka_unit_test(test_runconf__durations),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
