/* Unit tests for ag_manifest_set_drop_invalid(): one bad file leaves out
 * its own clusters (and any cluster it also names), never the others. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdbool.h>
#include <string.h>

#include "core/diag.h"
#include "core/error.h"
#include "core/kv.h"
#include "core/manifest.h"

#include "../lib/manifest_doc.h"

static void
parse(struct ag_manifest_set *set, struct ag_diags *d, const char *text, const char *file)
{
	ag_manifest_parse(set, d, text, strlen(text), file);
}

static bool
has(const struct ag_manifest_set *set, const char *id)
{
	size_t i;

	for (i = 0; i < set->n; i++)
		if (set->v[i].cluster_id && strcmp(set->v[i].cluster_id, id) == 0)
			return true;
	return false;
}

static void
test_drop__bad_files_only(void **state)
{
	struct ag_manifest_set set;
	struct ag_diags d;
	struct ag_strlist bad = AG_STRLIST_INIT;

	(void)state;
	ag_manifest_set_init(&set);
	ag_diags_init(&d);
	parse(&set, &d, DOC("alpha", ""), "a.yaml");
	parse(&set, &d, "kind: [unclosed\n", "b.yaml");
	parse(&set, &d, DOC("gamma", "  backupRetentionPeriod: 999\n"), "c.yaml");
	parse(&set, &d, DOC("delta", ""), "d.yaml");
	assert_true(d.errors >= 2);
	assert_int_equal(ag_manifest_set_drop_invalid(&set, &d, &bad), 0);
	assert_int_equal(set.n, 2);
	assert_true(has(&set, "alpha"));
	assert_true(has(&set, "delta"));
	assert_false(has(&set, "gamma"));
	assert_int_equal(bad.n, 2);
	assert_true(ag_strlist_contains(&bad, "b.yaml"));
	assert_true(ag_strlist_contains(&bad, "c.yaml"));
	ag_strlist_release(&bad);
	ag_diags_release(&d);
	ag_manifest_set_release(&set);
}

static void
test_drop__duplicate_cluster_kept_by_neither(void **state)
{
	struct ag_manifest_set set;
	struct ag_diags d;
	struct ag_strlist bad = AG_STRLIST_INIT;

	(void)state;
	ag_manifest_set_init(&set);
	ag_diags_init(&d);
	parse(&set, &d, DOC("alpha", ""), "a.yaml");
	parse(&set, &d, DOC("alpha", ""), "a2.yaml");
	parse(&set, &d, DOC("beta", ""), "b.yaml");
	assert_int_equal(d.errors, 0);
	assert_true(ag_manifest_set_check(&set, &d) < 0);
	assert_int_equal(ag_manifest_set_drop_invalid(&set, &d, &bad), 0);
	assert_int_equal(set.n, 1);
	assert_true(has(&set, "beta"));
	assert_int_equal(bad.n, 1);
	ag_strlist_release(&bad);
	ag_diags_release(&d);
	ag_manifest_set_release(&set);
}

static void
test_drop__error_without_file_keeps_nothing_known(void **state)
{
	struct ag_manifest_set set;
	struct ag_diags d;
	struct ag_strlist bad = AG_STRLIST_INIT;

	(void)state;
	ag_manifest_set_init(&set);
	ag_diags_init(&d);
	parse(&set, &d, DOC("alpha", ""), "a.yaml");
	ag_diags_add(&d, AG_DIAG_ERROR, NULL, 0, 0, NULL, NULL, "something global");
	assert_int_equal(ag_manifest_set_drop_invalid(&set, &d, &bad), AG_EINVAL);
	assert_int_equal(set.n, 1);
	assert_int_equal(bad.n, 0);
	ag_diags_release(&d);
	ag_manifest_set_release(&set);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_drop__bad_files_only),
	    cmocka_unit_test(test_drop__duplicate_cluster_kept_by_neither),
	    cmocka_unit_test(test_drop__error_without_file_keeps_nothing_known),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
