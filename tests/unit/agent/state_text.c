/* Unit tests for the text of outputs.json and its index: every record is
 * written as jansson writes it compact with sorted keys, whatever order
 * its members come in, whatever its strings hold and however large it is,
 * by a save from a source and by records set one by one alike; the
 * digests in the index do not depend on how a record was made. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agent/state.h"
#include "core/buf.h"
#include "sys/fs.h"

static char dir[256];

static int
setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/ag-unit-state-text.XXXXXX");
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

#define RECORDED_AT "2026-01-01T00:00:00Z"

/* Records of every shape, in the order of their identifiers (r00, r01,
 * ...): members in and out of order at the top and nested (in objects, in
 * arrays), keys one a prefix of another, escapes, non-ASCII keys and
 * values, recorded_at given first or among the others, every type, and
 * records larger than every one before. */
static const char *const texts[] = {
    "{}",
    "{\"b\": 1, \"a\": 2}",
    "{\"a\": 2, \"b\": 1}",
    "{\"a\": {\"d\": 1, \"c\": [{\"f\": 1, \"e\": 2}]}, \"b\": 2}",
    "{\"a\": {\"c\": [{\"e\": 2, \"f\": 1}], \"d\": 1}, \"b\": 2}",
    "{\"a\": [[{\"y\": 1, \"x\": 2}], {}], \"z\": \"\\u00e9\"}",
    "{\"ab\": 1, \"a\": 2, \"a b\": 3, \"a\\u0001\": 4}",
    "{\"a\": 2, \"a b\": 3, \"ab\": 1}",
    "{\"k\\\"q\": \"a\\\\b\\n\\t\\u0001/\\u007f\", \"k\\\\\": \"\\u001f\\\"\"}",
    "{\"\\u00e9\": 1, \"z\": 2, \"\\u65e5\\u672c\": \"\\u2713\", \"e\\u0301\": "
    "\"\\ud83d\\ude00\"}",
    "{\"e\\u0301\": \"\\ud83d\\ude00\", \"z\": 2, \"\\u00e9\": 1, \"\\u65e5\\u672c\": "
    "\"\\u2713\"}",
    "{\"recorded_at\": \"old\", \"a\": 1}",
    "{\"a\": 1, \"recorded_at\": \"old\", \"b\": 2}",
    "{\"a\": 1, \"z\": {\"b\": [], \"a\": null}}",
    "{\"r\": 1.5, \"i\": -3, \"t\": true, \"f\": false, \"n\": null, \"e\": 1e300, "
    "\"m\": -9223372036854775808, \"z\": 0.1}",
    "{\"a\": {}, \"b\": [], \"c\": [null, [], {}, \"\"]}",
    "{\"cluster_resource_id\": \"cluster-ABC\", \"custom_endpoints\": [\"c1\", \"c0\"], "
    "\"hosted_zone_id\": null, \"master_user_secret_arn\": null, \"rds_cluster_arn\": "
    "\"arn:aws:rds:us-east-1:1:cluster:x\", \"rds_cluster_port\": 5432}",
};

/* r90 (a record larger than any before) and r91 (a nested one larger
 * still), made at run time. */
static char *big[2];

static void
make_big(void)
{
	struct ag_buf b = AG_BUF_INIT(1 << 20);
	int i;

	(void)ag_buf_adds(&b, "{\"z\": \"");
	for (i = 0; i < 3000; i++)
		(void)ag_buf_addc(&b, (char)('a' + i % 26));
	(void)ag_buf_adds(&b, "\", \"a\": \"\\u00e9\\n\"}");
	big[0] = ag_buf_detach(&b, NULL);
	(void)ag_buf_adds(&b, "{\"n\": [");
	for (i = 0; i < 400; i++)
		(void)ag_buf_addf(&b, "%s{\"v%03d\": \"x\\\"%d\", \"k%03d\": %d}", i ? ", " : "",
		    399 - i, i, i, i);
	(void)ag_buf_adds(&b, "]}");
	big[1] = ag_buf_detach(&b, NULL);
}

#define N_TEXTS (sizeof(texts) / sizeof(texts[0]))
#define N_RECS (N_TEXTS + 2)

static const char *
text_of(size_t i, char id[8])
{
	snprintf(id, 8, "r%02zu", i < N_TEXTS ? i : 90 + (i - N_TEXTS));
	return i < N_TEXTS ? texts[i] : big[i - N_TEXTS];
}

/* outputs.json as it must be: each record as jansson dumps it (compact,
 * keys sorted) with recorded_at set. */
static char *
expected_file(void)
{
	struct ag_buf b = AG_BUF_INIT(1 << 24);
	json_error_t jerr;
	char id[8], *rec;
	size_t i;

	(void)ag_buf_adds(&b, "{");
	for (i = 0; i < N_RECS; i++) {
		json_t *v = json_loads(text_of(i, id), 0, &jerr);

		assert_non_null(v);
		assert_int_equal(
		    json_object_set_new(v, "recorded_at", json_string(RECORDED_AT)), 0);
		rec = json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS);
		assert_non_null(rec);
		(void)ag_buf_addf(&b, "%s\n  \"%s\": %s", i ? "," : "", id, rec);
		free(rec);
		json_decref(v);
	}
	(void)ag_buf_adds(&b, "\n}\n");
	return ag_buf_detach(&b, NULL);
}

static char *
read_state_file(const char *name)
{
	struct ag_error err = AG_ERROR_INIT;
	struct ag_buf b = AG_BUF_INIT(1 << 24);
	char path[300];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	assert_int_equal(ag_fs_read(&b, path, &err), 0);
	return ag_buf_detach(&b, NULL);
}

/* The index without its first line (which names the file's hash). */
static char *
index_records(void)
{
	char *text = read_state_file("outputs.json.index"), *nl = strchr(text, '\n'), *r;

	assert_non_null(nl);
	r = strdup(nl + 1);
	free(text);
	return r;
}

/* Each record's digest: fixed, so that a change in how a record is made
 * cannot change what the index of a file written before says. */
static const char expected_index[] = "f5e77600780f694bc85e3525887f8952 r00\n"
                                     "a709fa6cc4c9d8596b18500d0227ff00 r01\n"
                                     "a709fa6cc4c9d8596b18500d0227ff00 r02\n"
                                     "9238c2f42c53b7f5cdec637a9e404fcf r03\n"
                                     "9238c2f42c53b7f5cdec637a9e404fcf r04\n"
                                     "c543b00bac0a24d8eb665ad9520a7fec r05\n"
                                     "50fb32143a30c5a364ac42a464b18496 r06\n"
                                     "931497b3e13b4345a3c45b1e271ab280 r07\n"
                                     "d1dc7f2257fb78688625a1c20c86a5d0 r08\n"
                                     "72e498b7d05bdced36f0ea75e935633c r09\n"
                                     "72e498b7d05bdced36f0ea75e935633c r10\n"
                                     "69cbf998337746d7d0d966e153d2d86d r11\n"
                                     "41533d906570d00084dbd05833456dd1 r12\n"
                                     "48106f5985970c3325dfd492b0810d2d r13\n"
                                     "361d731859716b930d900df5245b29c2 r14\n"
                                     "4300ab870de704fbeea640cae5348030 r15\n"
                                     "f41d6a644e321b9b1622623c2439aa97 r16\n"
                                     "a84e3ece2b1b8c2bc27081969a0a6638 r90\n"
                                     "987a23767e01e0499fa889ab3ca1d185 r91\n";

static json_t *
make_text(void *ctx, const char *cluster)
{
	json_error_t jerr;
	char id[8];
	size_t i;

	(void)ctx;
	for (i = 0; i < N_RECS; i++)
		if (text_of(i, id) != NULL && strcmp(id, cluster) == 0)
			return json_loads(text_of(i, id), 0, &jerr);
	return NULL;
}

static void
remove_outputs(void)
{
	char path[300];

	snprintf(path, sizeof(path), "%s/outputs.json", dir);
	assert_int_equal(unlink(path), 0);
	snprintf(path, sizeof(path), "%s/outputs.json.index", dir);
	assert_int_equal(unlink(path), 0);
}

static void
test_state_text__records_written_as_jansson_sorts_them(void **unused)
{
	struct ag_error err = AG_ERROR_INIT;
	struct ag_state *s = NULL;
	const char *ids[N_RECS];
	char names[N_RECS][8], *want, *got, *index_set, *index_src;
	struct ag_state_outputs src = {ids, N_RECS, make_text, NULL, RECORDED_AT};
	size_t i;

	(void)unused;
	make_big();
	want = expected_file();

	/* set one by one, in reverse order */
	assert_int_equal(ag_state_open(&s, dir, &err), 0);
	for (i = N_RECS; i-- > 0;) {
		const char *t = text_of(i, names[i]);

		assert_int_equal(ag_state_set_outputs(s, names[i], t, RECORDED_AT), 0);
	}
	assert_int_equal(ag_state_save(s, &err), 0);
	ag_state_free(s);
	got = read_state_file("outputs.json");
	assert_string_equal(got, want);
	free(got);
	index_set = index_records();

	/* made by a source while saving */
	remove_outputs();
	for (i = 0; i < N_RECS; i++) {
		(void)text_of(i, names[i]);
		ids[i] = names[i];
	}
	assert_int_equal(ag_state_open(&s, dir, &err), 0);
	assert_int_equal(ag_state_save_outputs(s, &src, &err), 0);
	ag_state_free(s);
	got = read_state_file("outputs.json");
	assert_string_equal(got, want);
	free(got);
	index_src = index_records();
	assert_string_equal(index_src, index_set);
	assert_string_equal(index_src, expected_index);

	/* the file reads back in the line form: each record known unchanged */
	assert_int_equal(ag_state_open(&s, dir, &err), 0);
	src.recorded_at = "later";
	assert_int_equal(ag_state_save_outputs(s, &src, &err), 0);
	for (i = 0; i < N_RECS; i++) {
		char *rec = ag_state_outputs(s, names[i]);

		assert_non_null(rec);
		assert_non_null(strstr(want, rec));
		free(rec);
	}
	ag_state_free(s);
	got = read_state_file("outputs.json");
	assert_string_equal(got, want);
	free(got);

	free(index_set);
	free(index_src);
	free(want);
	free(big[0]);
	free(big[1]);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(
	        test_state_text__records_written_as_jansson_sorts_them, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
