/* Unit tests for the manifest cache (core/mcache.h) and the deep copy it
 * hands out (ag_manifest_copy). Under ASan a member the copy shares with
 * its original is freed twice and fails the run. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <dirent.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/diag.h"
#include "core/error.h"
#include "core/fieldtab.h"
#include "core/manifest.h"
#include "core/mcache.h"

#include "../lib/manifest_doc.h"

/* Every composite member the loader fills, in one document. */
static const char rich[] =
    "apiVersion: aws.project-planton.org/v1\n"
    "kind: AwsRdsCluster\n"
    "metadata:\n"
    "  name: rich\n"
    "  org: acme\n"
    "  env: prod\n"
    "  labels: {team: payments, tier: gold}\n"
    "  annotations:\n"
    "    aurora-gitops/suspend: \"migration until 2030-01-01T00:00:00Z\"\n"
    "    aurora-gitops/weakening: forbid\n"
    "spec:\n"
    "  subnetIds: [subnet-0a1b2c3d4e5f60001, subnet-0a1b2c3d4e5f60002]\n"
    "  securityGroupIds: [sg-0a1b2c3d4e5f60001]\n"
    "  engine: aurora-postgresql\n"
    "  engineVersion: \"16.1\"\n"
    "  username: admin\n"
    "  password: plain-text-here\n"
    "  dbClusterParameterGroupName: rich-params\n"
    "  parameters:\n"
    "    - {name: log_min_duration_statement, value: \"500\"}\n"
    "    - {name: shared_preload_libraries, value: pg_stat_statements, applyMethod: "
    "pending-reboot}\n"
    "  performanceInsights: {enabled: true, retentionPeriod: 7, kmsKeyId: alias/pi}\n"
    "  monitoring: {interval: 60, roleArn: "
    "\"arn:aws:iam::123456789012:role/rds-monitoring-role\"}\n"
    "  alarms:\n"
    "    snsTopicArn: arn:aws:sns:us-east-1:123456789012:ops\n"
    "    cpu: {threshold: 80}\n"
    "  kmsKey: {create: true, alias: alias/rich}\n"
    "  storageEncrypted: true\n"
    "  autoscaling: {minReaders: 1, maxReaders: 3, metric: "
    "RDSReaderAverageCPUUtilization, targetValue: 60}\n"
    "  instances:\n"
    "    - name: rich-1\n"
    "      instanceClass: db.r6g.large\n"
    "      availabilityZone: us-east-1a\n"
    "      performanceInsights: {kmsKeyId: alias/pi2}\n"
    "      monitoring: {interval: 30}\n"
    "    - name: rich-2\n"
    "      instanceClass: db.r6g.large\n";

static void
check_same(const struct ag_manifest *a, const struct ag_manifest *b)
{
	const struct ag_field_row *rows;
	size_t n, i;

	assert_string_equal(a->file, b->file);
	assert_ptr_not_equal(a->file, b->file);
	assert_string_equal(a->cluster_id, b->cluster_id);
	assert_ptr_not_equal(a->cluster_id, b->cluster_id);
	assert_int_equal(a->labels.n, b->labels.n);
	assert_int_equal(a->annotations.n, b->annotations.n);
	assert_int_equal(a->tags.n, b->tags.n);
	assert_int_equal(a->n_refs, b->n_refs);
	assert_int_equal(a->spec.n_instances, b->spec.n_instances);
	assert_int_equal(a->spec.n_parameters, b->spec.n_parameters);
	assert_true(a->present == b->present);
	if (a->present != 0) {
		assert_ptr_not_equal(a->field_pos, b->field_pos);
		assert_memory_equal(a->field_pos, b->field_pos,
		    (size_t)__builtin_popcountll(a->present) * sizeof(*a->field_pos));
	}
	assert_true(a->suspend_until == b->suspend_until);
	/* an optional block is copied when written, and stays absent when not */
	assert_int_equal(a->spec.opt_pi != NULL, b->spec.opt_pi != NULL);
	assert_int_equal(a->spec.opt_monitoring != NULL, b->spec.opt_monitoring != NULL);
	assert_int_equal(a->spec.opt_alarms != NULL, b->spec.opt_alarms != NULL);
	assert_int_equal(a->spec.opt_kms_key != NULL, b->spec.opt_kms_key != NULL);
	assert_int_equal(a->spec.opt_autoscaling != NULL, b->spec.opt_autoscaling != NULL);
	assert_int_equal(a->spec.opt_scaling_v1 != NULL, b->spec.opt_scaling_v1 != NULL);
	if (a->spec.opt_alarms != NULL)
		assert_ptr_not_equal(a->spec.opt_alarms, b->spec.opt_alarms);
	for (i = 0; i < a->spec.n_instances; i++) {
		const struct ag_instance_spec *x = &a->spec.instances[i],
		                              *y = &b->spec.instances[i];

		assert_int_equal(x->opt_pi != NULL, y->opt_pi != NULL);
		assert_int_equal(x->opt_monitoring != NULL, y->opt_monitoring != NULL);
		if (x->opt_pi != NULL)
			assert_ptr_not_equal(x->opt_pi, y->opt_pi);
	}
	rows = ag_fieldtab_rows(&n);
	for (i = 0; i < n; i++) {
		char *x = NULL, *y = NULL;
		bool hx = ag_fieldtab_desired(&x, &rows[i], a);
		bool hy = ag_fieldtab_desired(&y, &rows[i], b);

		assert_int_equal(hx, hy);
		if (x != NULL || y != NULL) {
			assert_non_null(x);
			assert_non_null(y);
			assert_string_equal(x, y);
		}
		free(x);
		free(y);
	}
}

/* Copies every manifest of a set, releases the original first, then
 * checks the copies still read the same as a fresh parse. */
static void
copy_roundtrip(const char *text, size_t len, const char *file)
{
	struct ag_manifest_set orig, again;
	struct ag_manifest *copies;
	struct ag_diags d;
	size_t i;

	ag_manifest_set_init(&orig);
	ag_manifest_set_init(&again);
	ag_diags_init(&d);
	ag_manifest_parse(&orig, &d, text, len, file);
	ag_manifest_parse(&again, &d, text, len, file);
	assert_int_equal(orig.n, again.n);
	copies = calloc(orig.n + 1, sizeof(*copies));
	assert_non_null(copies);
	for (i = 0; i < orig.n; i++)
		ag_manifest_copy(&copies[i], &orig.v[i]);
	ag_manifest_set_release(&orig);
	for (i = 0; i < again.n; i++) {
		check_same(&copies[i], &again.v[i]);
		ag_manifest_release(&copies[i]);
	}
	free(copies);
	ag_manifest_set_release(&again);
	ag_diags_release(&d);
}

static void
test_copy__rich(void **state)
{
	struct ag_manifest_set set;
	struct ag_diags d;

	(void)state;
	ag_manifest_set_init(&set);
	ag_diags_init(&d);
	/* the document must load, or the test would copy nothing */
	assert_int_equal(ag_manifest_parse(&set, &d, rich, strlen(rich), "rich.yaml"), 0);
	assert_int_equal(set.n, 1);
	assert_int_equal(set.v[0].spec.n_parameters, 2);
	assert_int_equal(set.v[0].spec.n_instances, 2);
	assert_non_null(set.v[0].suspend_reason);
	assert_non_null(ag_spec_alarms(&set.v[0].spec)->sns_topic_arn);
	assert_non_null(ag_instance_pi(&set.v[0].spec.instances[0])->kms_key_id);
	ag_manifest_set_release(&set);
	ag_diags_release(&d);
	copy_roundtrip(rich, strlen(rich), "rich.yaml");
}

/* Every example manifest of the repository and of the test data. */
static void
copy_dir(const char *dir, size_t *files)
{
	DIR *dp = opendir(dir);
	struct dirent *de;

	assert_non_null(dp);
	while ((de = readdir(dp)) != NULL) {
		char path[4096], *buf;
		size_t n = strlen(de->d_name), len;
		FILE *f;

		if (n < 6 || strcmp(de->d_name + n - 5, ".yaml") != 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		f = fopen(path, "rb");
		assert_non_null(f);
		buf = malloc(AG_MANIFEST_MAX_BYTES);
		assert_non_null(buf);
		len = fread(buf, 1, AG_MANIFEST_MAX_BYTES, f);
		fclose(f);
		copy_roundtrip(buf, len, path);
		free(buf);
		(*files)++;
	}
	closedir(dp);
}

static void
test_copy__examples(void **state)
{
	size_t files = 0;

	(void)state;
	copy_dir(AG_TEST_DATA "/manifests/good", &files);
	copy_dir(AG_TEST_DATA "/../../manifests", &files);
	assert_true(files >= 10);
}

/* One file loaded through the cache the way the git source does. */
static int
load(struct ag_mcache *c, const char *blob, const char *path, const char *rev, const char *text,
    struct ag_manifest_set *set, struct ag_diags *d, bool *hit)
{
	char file[256];
	size_t first = set->n, first_diag = d->n;
	int rc = 0;

	snprintf(file, sizeof(file), "%s:%s", rev, path);
	*hit = ag_mcache_get(c, blob, path, file, set, d, &rc);
	if (*hit)
		return rc;
	rc = ag_manifest_parse(set, d, text, strlen(text), file);
	ag_mcache_put(c, blob, path, file, set, first, d, first_diag, rc);
	return rc;
}

static void
test_cache__hit_miss_renames(void **state)
{
	struct ag_mcache *c = ag_mcache_new();
	struct ag_mcache_stats st;
	struct ag_manifest_set set;
	struct ag_diags d;
	bool hit;

	(void)state;
	ag_manifest_set_init(&set);
	ag_diags_init(&d);
	ag_mcache_begin(c, "ctx");
	assert_int_equal(
	    load(c, "b1", "a.yaml", "main@1111111", DOC("alpha", ""), &set, &d, &hit), 0);
	assert_false(hit);
	assert_int_equal(
	    load(c, "b2", "b.yaml", "main@1111111", DOC("beta", ""), &set, &d, &hit), 0);
	assert_false(hit);
	ag_mcache_stats(c, &st);
	assert_int_equal(st.misses, 2);
	assert_int_equal(st.entries, 2);
	assert_int_equal(st.manifests, 2);
	ag_manifest_set_release(&set);

	/* the next commit: same blobs, new revision in the name */
	ag_mcache_begin(c, "ctx");
	/* the text is not read on a hit: a wrong one proves it */
	assert_int_equal(
	    load(c, "b1", "a.yaml", "main@2222222", "not: [read\n", &set, &d, &hit), 0);
	assert_true(hit);
	assert_int_equal(set.n, 1);
	assert_string_equal(set.v[0].cluster_id, "alpha");
	assert_string_equal(set.v[0].file, "main@2222222:a.yaml");
	/* the same blob at another path is another file */
	assert_int_equal(
	    load(c, "b1", "c.yaml", "main@2222222", DOC("gamma", ""), &set, &d, &hit), 0);
	assert_false(hit);
	assert_string_equal(set.v[1].cluster_id, "gamma");
	/* what a hit handed out is the caller's: changing it changes no entry */
	free(set.v[0].cluster_id);
	set.v[0].cluster_id = strdup("changed");
	ag_manifest_set_release(&set);
	ag_mcache_begin(c, "ctx");
	assert_int_equal(load(c, "b1", "a.yaml", "main@3333333", "x", &set, &d, &hit), 0);
	assert_true(hit);
	assert_string_equal(set.v[0].cluster_id, "alpha");
	ag_mcache_stats(c, &st);
	assert_int_equal(st.hits, 1);
	assert_int_equal(st.misses, 0);
	ag_manifest_set_release(&set);
	ag_diags_release(&d);
	ag_mcache_free(c);
}

static void
test_cache__sweep_drops_removed(void **state)
{
	struct ag_mcache *c = ag_mcache_new();
	struct ag_mcache_stats st;
	struct ag_manifest_set set;
	struct ag_diags d;
	char blob[32], path[32];
	bool hit;
	int i;

	(void)state;
	ag_manifest_set_init(&set);
	ag_diags_init(&d);
	/* enough files to grow the table several times */
	ag_mcache_begin(c, "ctx");
	for (i = 0; i < 300; i++) {
		snprintf(blob, sizeof(blob), "blob%d", i);
		snprintf(path, sizeof(path), "m%d.yaml", i);
		load(c, blob, path, "main@1", DOC("alpha", ""), &set, &d, &hit);
		assert_false(hit);
	}
	assert_int_equal(ag_mcache_sweep(c), 0);
	ag_manifest_set_release(&set);
	/* the next tree keeps the even files and changes one of them */
	ag_mcache_begin(c, "ctx");
	for (i = 0; i < 300; i += 2) {
		snprintf(blob, sizeof(blob), i == 4 ? "blob4-new" : "blob%d", i);
		snprintf(path, sizeof(path), "m%d.yaml", i);
		load(c, blob, path, "main@2", DOC("alpha", ""), &set, &d, &hit);
		assert_int_equal(hit, i != 4);
	}
	/* 150 odd files removed, plus the old blob of m4.yaml */
	assert_int_equal(ag_mcache_sweep(c), 151);
	ag_mcache_stats(c, &st);
	assert_int_equal(st.entries, 150);
	assert_int_equal(st.manifests, 150);
	assert_int_equal(st.dropped, 151);
	ag_manifest_set_release(&set);
	/* a dropped file is parsed again */
	ag_mcache_begin(c, "ctx");
	load(c, "blob1", "m1.yaml", "main@3", DOC("alpha", ""), &set, &d, &hit);
	assert_false(hit);
	load(c, "blob4", "m4.yaml", "main@3", DOC("alpha", ""), &set, &d, &hit);
	assert_false(hit);
	ag_manifest_set_release(&set);
	ag_diags_release(&d);
	ag_mcache_free(c);
}

static void
test_cache__context_change_empties(void **state)
{
	struct ag_mcache *c = ag_mcache_new();
	struct ag_mcache_stats st;
	struct ag_manifest_set set;
	struct ag_diags d;
	bool hit;

	(void)state;
	ag_manifest_set_init(&set);
	ag_diags_init(&d);
	ag_mcache_begin(c, "loader 1; mode=apply");
	load(c, "b1", "a.yaml", "main@1", DOC("alpha", ""), &set, &d, &hit);
	assert_false(hit);
	ag_mcache_begin(c, "loader 1; mode=apply");
	load(c, "b1", "a.yaml", "main@1", DOC("alpha", ""), &set, &d, &hit);
	assert_true(hit);
	ag_mcache_begin(c, "loader 1; mode=plan");
	ag_mcache_stats(c, &st);
	assert_int_equal(st.entries, 0);
	load(c, "b1", "a.yaml", "main@1", DOC("alpha", ""), &set, &d, &hit);
	assert_false(hit);
	ag_mcache_begin(c, "loader 2; mode=plan");
	load(c, "b1", "a.yaml", "main@1", DOC("alpha", ""), &set, &d, &hit);
	assert_false(hit);
	assert_int_equal(set.n, 4);
	ag_manifest_set_release(&set);
	ag_diags_release(&d);
	ag_mcache_free(c);
}

static void
test_cache__failed_load_kept_as_failed(void **state)
{
	struct ag_mcache *c = ag_mcache_new();
	struct ag_manifest_set set;
	struct ag_diags d, first;
	const char *bad = DOC("alpha", "  backupRetentionPeriod: 999\n");
	size_t i;
	bool hit;

	(void)state;
	ag_manifest_set_init(&set);
	ag_diags_init(&d);
	ag_diags_init(&first);
	ag_mcache_begin(c, "ctx");
	assert_int_equal(load(c, "bad", "x/b.yaml", "main@1", bad, &set, &first, &hit), AG_EINVAL);
	assert_false(hit);
	assert_int_equal(set.n, 0);
	assert_true(first.errors > 0);
	ag_mcache_sweep(c);
	ag_mcache_begin(c, "ctx");
	/* a hit: the same error, same place, under this commit's name */
	assert_int_equal(load(c, "bad", "x/b.yaml", "main@2", bad, &set, &d, &hit), AG_EINVAL);
	assert_true(hit);
	assert_int_equal(set.n, 0);
	assert_int_equal(d.n, first.n);
	assert_int_equal(d.errors, first.errors);
	assert_int_equal(d.warnings, first.warnings);
	for (i = 0; i < d.n; i++) {
		assert_string_equal(d.v[i].file, "main@2:x/b.yaml");
		assert_string_equal(first.v[i].file, "main@1:x/b.yaml");
		assert_int_equal(d.v[i].line, first.v[i].line);
		assert_int_equal(d.v[i].col, first.v[i].col);
		assert_int_equal(d.v[i].severity, first.v[i].severity);
		assert_string_equal(d.v[i].message, first.v[i].message);
	}
	/* kept across a sweep: the failed file is in the tree */
	assert_int_equal(ag_mcache_sweep(c), 0);
	ag_manifest_set_release(&set);
	ag_diags_release(&d);
	ag_diags_release(&first);
	ag_mcache_free(c);
}

/* A syntax error and a file with a good and a bad document. */
static void
test_cache__partial_file(void **state)
{
	struct ag_mcache *c = ag_mcache_new();
	struct ag_manifest_set set;
	struct ag_diags d;
	const char *two = DOC("good", "") "---\n" DOC("bad", "  port: 99999\n");
	bool hit;
	int round;

	(void)state;
	for (round = 0; round < 2; round++) {
		ag_manifest_set_init(&set);
		ag_diags_init(&d);
		ag_mcache_begin(c, "ctx");
		assert_int_equal(load(c, "t", "two.yaml", "r", two, &set, &d, &hit), AG_EINVAL);
		assert_int_equal(hit, round == 1);
		/* the good document is kept with the file's error, as without the cache */
		assert_int_equal(set.n, 1);
		assert_string_equal(set.v[0].cluster_id, "good");
		assert_true(d.errors >= 1);
		assert_int_equal(
		    load(c, "s", "syntax.yaml", "r", "kind: [unclosed\n", &set, &d, &hit),
		    AG_EINVAL);
		assert_int_equal(hit, round == 1);
		assert_true(d.errors >= 2);
		ag_manifest_set_release(&set);
		ag_diags_release(&d);
	}
	ag_mcache_free(c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_copy__rich),
	    cmocka_unit_test(test_copy__examples),
	    cmocka_unit_test(test_cache__hit_miss_renames),
	    cmocka_unit_test(test_cache__sweep_drops_removed),
	    cmocka_unit_test(test_cache__context_change_empties),
	    cmocka_unit_test(test_cache__failed_load_kept_as_failed),
	    cmocka_unit_test(test_cache__partial_file),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
