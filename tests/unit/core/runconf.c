/* Unit tests for the daemon settings file (aurora-gitops.yaml). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "core/error.h"
#include "core/plan.h"
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
	ag_runconf_defaults(&rc);
	assert_int_equal(rc.interval_ms, 30000);
	assert_int_equal(rc.drift_interval_ms, 300000);
	assert_int_equal(rc.mode, AG_MODE_APPLY);
	assert_int_equal(rc.max_deletes, AG_PLAN_MAX_DELETES_DEFAULT);
	assert_int_equal(rc.forbid_weakening, 0);
	assert_string_equal(rc.notes_ref, "refs/notes/aurora-gitops");
	assert_int_equal(parse(&rc,
	                     "# daemon settings\ninterval: 5s\ndriftInterval: 2m\ndebounce: 50ms\n"
	                     "mode: plan\nmaxDeletes: 2\nnotesRef: refs/notes/fleet\n"
	                     "forbidWeakening: true\n",
	                     &err),
	    0);
	assert_int_equal(rc.interval_ms, 5000);
	assert_int_equal(rc.drift_interval_ms, 120000);
	assert_int_equal(rc.debounce_ms, 50);
	assert_int_equal(rc.mode, AG_MODE_PLAN);
	assert_int_equal(rc.max_deletes, 2);
	assert_string_equal(rc.notes_ref, "refs/notes/fleet");
	assert_int_equal(rc.forbid_weakening, 1);
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
	    {"interval: 5s\nintervall: 3s\n", "aurora-gitops.yaml:2:1: unknown key 'intervall'"},
	    {"interval: 5s\ninterval: 6s\n", "aurora-gitops.yaml:2:1: 'interval' is given twice"},
	    {"interval: soon\n", "aurora-gitops.yaml:1:11: interval: bad duration 'soon'"},
	    {"forbidWeakening: yes\n", "forbidWeakening: 'yes' is not true or false"},
	    {"maxDeletes: +3\n", "maxDeletes: '+3'"},
	    {"notesRef: refs/notes/\n", "not a ref under refs/notes/"},
	    {"notesRef: refs/notes/a//b\n", "not a ref under refs/notes/"},
	    {"just text\n", "aurora-gitops.yaml:1:1: expected a mapping of settings"},
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
		ag_runconf_defaults(&rc);
		rc.mode = AG_MODE_OBSERVE;
		assert_int_equal(parse(&rc, bad[i].text, &err), AG_EINVAL);
		if (strstr(err.msg, bad[i].msg) == NULL)
			fail_msg("case %zu: '%s' does not contain '%s'", i, err.msg, bad[i].msg);
		assert_int_equal(rc.interval_ms, 30000);
		assert_int_equal(rc.mode, AG_MODE_OBSERVE);
		assert_int_equal(rc.max_deletes, AG_PLAN_MAX_DELETES_DEFAULT);
		assert_int_equal(rc.forbid_weakening, 0);
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

/* Layers: only what a layer sets is overlaid; flags > file > repository
 * file > defaults is the caller's order. */
static void
test_runconf__layers(void **state)
{
	struct ag_error err = AG_ERROR_INIT;
	struct ag_runconf eff, repo, flags, before;

	(void)state;
	ag_runconf_init(&repo);
	ag_runconf_init(&flags);
	assert_int_equal(parse(&repo, "interval: 5s\nmode: observe\nmaxDeletes: 3\n", &err), 0);
	assert_int_equal(repo.drift_interval_ms, 0); /* not set */
	assert_int_equal(repo.forbid_weakening, -1);
	assert_string_equal(repo.notes_ref, "");
	flags.mode = AG_MODE_PLAN;
	ag_runconf_defaults(&eff);
	before = eff;
	ag_runconf_overlay(&eff, &repo);
	assert_false(ag_runconf_equal(&eff, &before));
	ag_runconf_overlay(&eff, &flags);
	assert_int_equal(eff.interval_ms, 5000);
	assert_int_equal(eff.drift_interval_ms, 300000);
	assert_int_equal(eff.mode, AG_MODE_PLAN);
	assert_int_equal(eff.max_deletes, 3);
	assert_string_equal(eff.notes_ref, "refs/notes/aurora-gitops");
	/* an empty layer changes nothing */
	ag_runconf_init(&flags);
	before = eff;
	ag_runconf_overlay(&eff, &flags);
	assert_true(ag_runconf_equal(&eff, &before));
}

/* aurora-gitops.yaml and aurora-gitops.yml are one settings file: either
 * is read, both at once are refused naming both. */
static void
test_runconf__repo_file_spellings(void **state)
{
	struct ag_error err = AG_ERROR_INIT;
	const char *which = "unset";

	(void)state;
	assert_true(ag_runconf_is_repo_file("aurora-gitops.yaml"));
	assert_true(ag_runconf_is_repo_file("aurora-gitops.yml"));
	assert_false(ag_runconf_is_repo_file("aurora-gitops.yaml.bak"));
	assert_false(ag_runconf_is_repo_file("Aurora-gitops.yml"));
	assert_false(ag_runconf_is_repo_file("aurora-gitops.json"));
	assert_false(ag_runconf_is_repo_file("prod/aurora-gitops.yml"));

	assert_int_equal(ag_runconf_repo_file(&which, false, false, "main@abc:", &err), 0);
	assert_null(which);
	assert_int_equal(ag_runconf_repo_file(&which, true, false, "main@abc:", &err), 0);
	assert_string_equal(which, "aurora-gitops.yaml");
	assert_int_equal(ag_runconf_repo_file(&which, false, true, "main@abc:", &err), 0);
	assert_string_equal(which, "aurora-gitops.yml");
	assert_int_equal(ag_runconf_repo_file(&which, true, true, "main@abc:", &err), AG_EINVAL);
	assert_null(which);
	assert_non_null(
	    strstr(err.msg, "'main@abc:aurora-gitops.yaml' and 'main@abc:aurora-gitops.yml'"));
	assert_non_null(strstr(err.msg, "remove one of them"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_runconf__overlays_values),
	    cmocka_unit_test(test_runconf__errors_keep_old_values),
	    cmocka_unit_test(test_runconf__durations),
	    cmocka_unit_test(test_runconf__layers),
	    cmocka_unit_test(test_runconf__repo_file_spellings),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
