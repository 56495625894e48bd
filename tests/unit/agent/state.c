/* Unit tests for the state directory: lock, password hashes, loop breaker. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "agent/state.h"
#include "core/buf.h"
#include "sys/fs.h"
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
	assert_int_equal(ag_state_local_key(s, k1, NULL, &err), 0);
	assert_int_equal(ag_state_local_key(s, k2, NULL, &err), 0);
	assert_memory_equal(k1, k2, 32);
	ag_state_free(s);
}

static void
test_state__reader_is_never_locked_out_and_writes_nothing(void **unused)
{
	struct ag_error err = AG_ERROR_INIT;
	struct ag_state *w = NULL, *r = NULL;
	unsigned char k[32];
	char path[300];

	(void)unused;
	assert_int_equal(ag_state_open(&w, dir, &err), 0);
	ag_state_set_password_hash(w, "db-1", "prod", "abc123");
	assert_int_equal(ag_state_save(w, &err), 0);
	/* the writer still holds the lock */
	assert_int_equal(ag_state_open_readonly(&r, dir, &err), 0);
	assert_true(ag_state_readonly(r));
	assert_string_equal(ag_state_password_hash(r, "db-1"), "abc123");
	/* no local key yet: a reader does not make one */
	assert_int_equal(ag_state_local_key(r, k, NULL, &err), AG_ENOTFOUND);
	snprintf(path, sizeof(path), "%s/hash.key", dir);
	assert_int_equal(access(path, F_OK), -1);
	ag_state_set_password_hash(r, "db-2", "prod", "def");
	assert_int_equal(ag_state_save(r, &err), 0);
	ag_state_free(r);
	ag_state_free(w);
	assert_int_equal(ag_state_open_readonly(&r, dir, &err), 0);
	assert_null(ag_state_password_hash(r, "db-2"));
	ag_state_free(r);
	/* a missing directory reads as empty and is not created */
	snprintf(path, sizeof(path), "%s/none", dir);
	assert_int_equal(ag_state_open_readonly(&r, path, &err), 0);
	assert_null(ag_state_password_hash(r, "db-1"));
	ag_state_free(r);
	assert_int_equal(access(path, F_OK), -1);
}

static void
test_state__refuses_shared_dir_and_symlinks(void **unused)
{
	struct ag_error err = AG_ERROR_INIT;
	struct ag_state *s = NULL;
	char path[300], target[300];

	(void)unused;
	/* a directory others can write */
	assert_int_equal(chmod(dir, 0777), 0);
	assert_int_equal(ag_state_open(&s, dir, &err), AG_EDENIED);
	assert_non_null(strstr(err.msg, "writable by others"));
	assert_int_equal(ag_state_open_readonly(&s, dir, &err), AG_EDENIED);
	assert_int_equal(chmod(dir, 0700), 0);
	/* a planted symlink for a state file, and for the lock */
	snprintf(target, sizeof(target), "%s/elsewhere.json", dir);
	assert_int_equal(ag_fs_write_atomic(target, "{}", 2, 0600, 0, &err), 0);
	snprintf(path, sizeof(path), "%s/passwords.json", dir);
	assert_int_equal(symlink(target, path), 0);
	assert_int_equal(ag_state_open(&s, dir, &err), AG_EDENIED);
	assert_non_null(strstr(err.msg, "symbolic link"));
	unlink(path);
	snprintf(path, sizeof(path), "%s/lock", dir);
	unlink(path); /* made by the open above */
	assert_int_equal(symlink(target, path), 0);
	assert_int_equal(ag_state_open(&s, dir, &err), AG_EDENIED);
	assert_non_null(strstr(err.msg, "symbolic link"));
	unlink(path);
	/* a state file others can write */
	assert_int_equal(chmod(target, 0666), 0);
	snprintf(path, sizeof(path), "%s/failures.json", dir);
	assert_int_equal(rename(target, path), 0);
	assert_int_equal(ag_state_open(&s, dir, &err), AG_EDENIED);
	assert_non_null(strstr(err.msg, "failures.json"));
	assert_int_equal(chmod(path, 0600), 0);
	assert_int_equal(ag_state_open(&s, dir, &err), 0);
	ag_state_free(s);
}

/* Outputs survive a save and a reopen as the same records; outputs that did
 * not change keep their recorded_at and leave the state clean; the file is
 * one JSON object whatever the identifiers hold. */
static void
test_state__outputs_round_trip_and_unchanged_are_not_rewritten(void **unused)
{
	struct ag_error err = AG_ERROR_INIT;
	struct ag_state *s = NULL;
	struct stat st1, st2;
	char path[300], *o;
	const char *odd = "db\"2\\x";

	(void)unused;
	assert_int_equal(ag_state_open(&s, dir, &err), 0);
	assert_int_equal(ag_state_set_outputs(
	                     s, "db1", "{\"port\": 5432, \"b\": [1, 2]}", "2026-01-01T00:00:00Z"),
	    0);
	assert_int_equal(
	    ag_state_set_outputs(s, odd, "{\"port\": 3306}", "2026-01-01T00:00:00Z"), 0);
	assert_int_equal(ag_state_set_outputs(s, "db3", "[1]", "2026-01-01T00:00:00Z"), AG_EINVAL);
	assert_int_equal(ag_state_save(s, &err), 0);
	ag_state_free(s);

	snprintf(path, sizeof(path), "%s/outputs.json", dir);
	assert_int_equal(stat(path, &st1), 0);
	assert_int_equal(st1.st_mode & 0777, 0600);
	assert_int_equal(ag_state_open(&s, dir, &err), 0);
	o = ag_state_outputs(s, "db1");
	assert_string_equal(
	    o, "{\"b\":[1,2],\"port\":5432,\"recorded_at\":\"2026-01-01T00:00:00Z\"}");
	free(o);
	o = ag_state_outputs(s, odd);
	assert_string_equal(o, "{\"port\":3306,\"recorded_at\":\"2026-01-01T00:00:00Z\"}");
	free(o);
	assert_null(ag_state_outputs(s, "db3"));

	/* the same outputs, later: nothing to write, recorded_at kept */
	sleep(1);
	assert_int_equal(ag_state_set_outputs(
	                     s, "db1", "{\"b\": [1, 2], \"port\": 5432}", "2026-02-02T00:00:00Z"),
	    0);
	assert_int_equal(ag_state_save(s, &err), 0);
	assert_int_equal(stat(path, &st2), 0);
	assert_int_equal(st1.st_mtime, st2.st_mtime);
	o = ag_state_outputs(s, "db1");
	assert_non_null(strstr(o, "2026-01-01T00:00:00Z"));
	free(o);

	/* changed: rewritten with the new time */
	assert_int_equal(
	    ag_state_set_outputs(s, "db1", "{\"port\": 5433}", "2026-03-03T00:00:00Z"), 0);
	assert_int_equal(ag_state_save(s, &err), 0);
	ag_state_free(s);
	assert_int_equal(ag_state_open(&s, dir, &err), 0);
	o = ag_state_outputs(s, "db1");
	assert_string_equal(o, "{\"port\":5433,\"recorded_at\":\"2026-03-03T00:00:00Z\"}");
	free(o);
	o = ag_state_outputs(s, odd);
	assert_non_null(o);
	free(o);
	ag_state_free(s);
}

/* outputs.json as older versions wrote it (indented) or as edited by hand
 * (keys out of order) is read whole and written back one line a cluster;
 * a damaged one is an error with its position, and changes nothing. */
static void
test_state__outputs_file_in_other_forms(void **unused)
{
	struct ag_error err = AG_ERROR_INIT;
	struct ag_state *s = NULL;
	struct ag_buf b = AG_BUF_INIT(1 << 20);
	char path[300], *o;
	const char *bad = "{\n  \"aa\": {\"port\":2,\n}\n";
	const char *indented =
	    "{\n  \"zz\": {\n    \"port\": 1,\n    \"recorded_at\": \"t1\"\n  },\n"
	    "  \"aa\": {\n    \"port\": 2,\n    \"recorded_at\": \"t2\"\n  }\n}\n";

	(void)unused;
	snprintf(path, sizeof(path), "%s/outputs.json", dir);
	assert_int_equal(ag_fs_write_atomic(path, indented, strlen(indented), 0600, 0, &err), 0);
	assert_int_equal(ag_state_open(&s, dir, &err), 0);
	o = ag_state_outputs(s, "aa");
	assert_string_equal(o, "{\"port\":2,\"recorded_at\":\"t2\"}");
	free(o);
	assert_int_equal(ag_state_save(s, &err), 0);
	ag_state_free(s);
	assert_int_equal(ag_fs_read(&b, path, &err), 0);
	assert_string_equal(b.ptr, "{\n  \"aa\": {\"port\":2,\"recorded_at\":\"t2\"},\n"
	                           "  \"zz\": {\"port\":1,\"recorded_at\":\"t1\"}\n}\n");

	/* in the line form: a record only in the file survives a save that
	 * changes another one, byte for byte */
	assert_int_equal(ag_state_open(&s, dir, &err), 0);
	assert_int_equal(ag_state_set_outputs(s, "mm", "{\"port\": 3}", "t3"), 0);
	assert_int_equal(ag_state_save(s, &err), 0);
	o = ag_state_outputs(s, "zz");
	assert_string_equal(o, "{\"port\":1,\"recorded_at\":\"t1\"}");
	free(o);
	ag_state_free(s);
	ag_buf_reset(&b);
	assert_int_equal(ag_fs_read(&b, path, &err), 0);
	assert_string_equal(b.ptr, "{\n  \"aa\": {\"port\":2,\"recorded_at\":\"t2\"},\n"
	                           "  \"mm\": {\"port\":3,\"recorded_at\":\"t3\"},\n"
	                           "  \"zz\": {\"port\":1,\"recorded_at\":\"t1\"}\n}\n");

	/* damaged: refused with the position, the file left as it was */
	assert_int_equal(ag_fs_write_atomic(path, bad, strlen(bad), 0600, 0, &err), 0);
	assert_int_equal(ag_state_open(&s, dir, &err), AG_EINVAL);
	assert_null(s);
	assert_non_null(strstr(err.msg, "outputs.json:3:"));
	assert_non_null(strstr(err.msg, "damaged"));
	ag_buf_release(&b);
}

/* A source of outputs for a save: "port" per cluster from a table; a
 * cluster missing from it has no known outputs. Counts the calls. */
struct fake_outputs {
	const char *const *ids;
	const int *ports;
	size_t n;
	size_t calls;
};

static json_t *
fake_make(void *ctx, const char *cluster)
{
	struct fake_outputs *f = ctx;
	size_t i;

	f->calls++;
	for (i = 0; i < f->n; i++)
		if (strcmp(f->ids[i], cluster) == 0 && f->ports[i] > 0)
			return json_pack("{s:i}", "port", f->ports[i]);
	return NULL;
}

static char *
read_outputs_file(void)
{
	struct ag_error err = AG_ERROR_INIT;
	struct ag_buf b = AG_BUF_INIT(1 << 24);
	char path[300];

	snprintf(path, sizeof(path), "%s/outputs.json", dir);
	if (ag_fs_read(&b, path, &err) < 0)
		return NULL;
	return ag_buf_detach(&b, NULL);
}

/* Outputs made by a source while saving: written in identifier order
 * whatever the order given, each once; a record set wins over the
 * source's; unknown outputs keep the recorded ones; the same outputs are
 * not rewritten (neither the file nor recorded_at). */
static void
test_state__outputs_from_a_source(void **unused)
{
	const char *ids[] = {"zz", "aa", "mm", "aa", "gone"};
	int ports[] = {1, 2, 3, 2, 0};
	struct fake_outputs f = {ids, ports, 5, 0};
	struct ag_state_outputs src = {ids, 5, fake_make, &f, "t1"};
	struct ag_error err = AG_ERROR_INIT;
	struct ag_state *s = NULL;
	struct stat st1, st2;
	char path[300], *text, *o;

	(void)unused;
	snprintf(path, sizeof(path), "%s/outputs.json", dir);
	assert_int_equal(ag_state_open(&s, dir, &err), 0);
	assert_int_equal(ag_state_set_outputs(s, "mm", "{\"port\": 9}", "t0"), 0);
	assert_int_equal(ag_state_save_outputs(s, &src, &err), 0);
	text = read_outputs_file();
	assert_string_equal(text, "{\n  \"aa\": {\"port\":2,\"recorded_at\":\"t1\"},\n"
	                          "  \"mm\": {\"port\":9,\"recorded_at\":\"t0\"},\n"
	                          "  \"zz\": {\"port\":1,\"recorded_at\":\"t1\"}\n}\n");
	free(text);
	o = ag_state_outputs(s, "zz");
	assert_string_equal(o, "{\"port\":1,\"recorded_at\":\"t1\"}");
	free(o);

	/* the same outputs later: nothing written, nothing held */
	assert_int_equal(stat(path, &st1), 0);
	sleep(1);
	src.recorded_at = "t2";
	ports[2] = 0; /* mm: not known now, the record stays */
	assert_int_equal(ag_state_save_outputs(s, &src, &err), 0);
	assert_int_equal(stat(path, &st2), 0);
	assert_int_equal(st1.st_mtime, st2.st_mtime);
	ag_state_free(s);

	/* one changed: only its line is new, the others byte for byte */
	ports[0] = 7;
	assert_int_equal(ag_state_open(&s, dir, &err), 0);
	assert_int_equal(ag_state_save_outputs(s, &src, &err), 0);
	text = read_outputs_file();
	assert_string_equal(text, "{\n  \"aa\": {\"port\":2,\"recorded_at\":\"t1\"},\n"
	                          "  \"mm\": {\"port\":9,\"recorded_at\":\"t0\"},\n"
	                          "  \"zz\": {\"port\":7,\"recorded_at\":\"t2\"}\n}\n");
	free(text);
	/* the store was updated by the save: a third one writes nothing */
	assert_int_equal(stat(path, &st1), 0);
	sleep(1);
	f.calls = 0;
	assert_int_equal(ag_state_save_outputs(s, &src, &err), 0);
	assert_int_equal(stat(path, &st2), 0);
	assert_int_equal(st1.st_mtime, st2.st_mtime);
	assert_int_equal(f.calls, 5); /* each once: nothing changed */
	ag_state_free(s);
}

/* A record in outputs.json as a line of it, and the outputs set again. */
struct outputs_rec {
	const char *key, *line, *set;
};

/* Writes recs as outputs.json in the line form (its text in *file), opens
 * the state, sets each record's outputs again at "later" and saves. */
static struct ag_state *
set_again(struct ag_buf *file, const struct outputs_rec *recs, size_t n)
{
	struct ag_error err = AG_ERROR_INIT;
	struct ag_state *s = NULL;
	char path[300];
	size_t i;

	snprintf(path, sizeof(path), "%s/outputs.json", dir);
	(void)ag_buf_adds(file, "{\n");
	for (i = 0; i < n; i++)
		(void)ag_buf_addf(
		    file, "  \"%s\": %s%s\n", recs[i].key, recs[i].line, i + 1 < n ? "," : "");
	(void)ag_buf_adds(file, "}\n");
	assert_int_equal(ag_fs_write_atomic(path, file->ptr, file->len, 0600, 0, &err), 0);
	assert_int_equal(ag_state_open(&s, dir, &err), 0);
	for (i = 0; i < n; i++)
		assert_int_equal(ag_state_set_outputs(s, recs[i].key, recs[i].set, "later"), 0);
	assert_int_equal(ag_state_save(s, &err), 0);
	return s;
}

/* A recorded record is known unchanged whatever it holds and wherever its
 * recorded_at stands among its members, also when a nested value holds a
 * member of the same name (same or other value), or a key or string holds
 * its text: each is set again, unchanged, and nothing is written; a change
 * inside a nested recorded_at is a change. */
static void
test_state__outputs_unchanged_records_of_every_shape(void **unused)
{
	static const struct outputs_rec recs[] = {
	    {"a1", "{\"a\":1,\"recorded_at\":\"t\",\"z\":[{\"recorded_at\":\"t\"}]}",
	        "{\"z\": [{\"recorded_at\": \"t\"}], \"a\": 1}"},
	    {"a2", "{\"n\":{\"recorded_at\":\"t\"},\"recorded_at\":\"t\"}",
	        "{\"n\": {\"recorded_at\": \"t\"}}"},
	    {"a3", "{\"recorded_at\":\"t\",\"z\":1}", "{\"z\": 1}"},
	    {"a4", "{\"recorded_at\":\"t\"}", "{}"},
	    {"a5",
	        "{\"recorded_at\":{\"b\":[1,\"t\"]},"
	        "\"x\":\"\\\"recorded_at\\\":{\\\"b\\\":[1,\\\"t\\\"]}\"}",
	        "{\"x\": \"\\\"recorded_at\\\":{\\\"b\\\":[1,\\\"t\\\"]}\"}"},
	    {"a6", "{\"recorded_at\":\"t\",\"x\\\"recorded_at\":\"t\"}",
	        "{\"x\\\"recorded_at\": \"t\"}"},
	    {"a7", "{\"port\":1}", "{\"port\": 1}"},
	    {"a8", "{\"recorded_at\":7,\"z\":{\"recorded_at\":7,\"y\":0}}",
	        "{\"z\": {\"y\": 0, \"recorded_at\": 7}}"},
	    {"a9", "{\"n\":{\"recorded_at\":\"u\"},\"recorded_at\":\"t\"}",
	        "{\"n\": {\"recorded_at\": \"u\"}}"},
	    /* more members than are sorted by insertion */
	    {"b0",
	        "{\"k00\":0,\"k01\":1,\"k02\":2,\"k03\":3,\"k04\":4,\"k05\":5,\"k06\":6,\"k07\":7,"
	        "\"k08\":8,\"k09\":9,\"k10\":10,\"k11\":11,\"k12\":12,\"k13\":13,\"k14\":14,"
	        "\"k15\":15,\"k16\":16,\"k17\":17,\"k18\":18,\"k19\":19,\"recorded_at\":\"t\"}",
	        "{\"k19\": 19, \"k18\": 18, \"k17\": 17, \"k16\": 16, \"k15\": 15, \"k14\": 14, "
	        "\"k13\": 13, \"k12\": 12, \"k11\": 11, \"k10\": 10, \"k09\": 9, \"k08\": 8, "
	        "\"k07\": 7, \"k06\": 6, \"k05\": 5, \"k04\": 4, \"k03\": 3, \"k02\": 2, \"k01\": "
	        "1, \"k00\": 0}"},
	};
	struct ag_error err = AG_ERROR_INIT;
	struct ag_buf file = AG_BUF_INIT(1 << 20);
	struct ag_state *s;
	char *text;

	(void)unused;
	s = set_again(&file, recs, sizeof(recs) / sizeof(recs[0]));
	text = read_outputs_file();
	assert_string_equal(text, file.ptr);
	free(text);

	/* a nested recorded_at that changed is a change */
	assert_int_equal(
	    ag_state_set_outputs(s, "a1", "{\"a\": 1, \"z\": [{\"recorded_at\": \"u\"}]}", "later"),
	    0);
	assert_int_equal(
	    ag_state_set_outputs(s, "a2", "{\"n\": {\"recorded_at\": \"u\"}}", "later"), 0);
	assert_int_equal(ag_state_save(s, &err), 0);
	ag_state_free(s);
	text = read_outputs_file();
	assert_non_null(strstr(text, "\"a1\": {\"a\":1,\"recorded_at\":\"later\","
	                             "\"z\":[{\"recorded_at\":\"u\"}]},\n"));
	assert_non_null(strstr(text, "\"a2\": {\"n\":{\"recorded_at\":\"u\"},"
	                             "\"recorded_at\":\"later\"},\n"));
	assert_non_null(strstr(text, recs[2].line));
	free(text);
	ag_buf_release(&file);
}

/* A source of outputs made from JSON texts. */
struct text_outputs {
	const char *const *ids;
	const char *const *texts;
	size_t n;
};

static json_t *
text_make(void *ctx, const char *cluster)
{
	struct text_outputs *t = ctx;
	json_error_t jerr;
	size_t i;

	for (i = 0; i < t->n; i++)
		if (strcmp(t->ids[i], cluster) == 0)
			return json_loads(t->texts[i], 0, &jerr);
	return NULL;
}

/* A line of outputs.json (before the line of "zz") and what the cycle
 * makes of its cluster now; kept: the file is left as it stands. */
struct text_case {
	const char *key, *line, *made;
	bool kept;
};

/* outputs.json as text is refused at open as damaged on its third line,
 * and left as it was. */
static void
refused_at_line_3(const char *text)
{
	struct ag_error err = AG_ERROR_INIT;
	struct ag_state *s = NULL;
	char path[300], *now;

	snprintf(path, sizeof(path), "%s/outputs.json", dir);
	assert_int_equal(ag_fs_write_atomic(path, text, strlen(text), 0600, 0, &err), 0);
	assert_int_equal(ag_state_open(&s, dir, &err), AG_EINVAL);
	assert_null(s);
	assert_non_null(strstr(err.msg, "outputs.json:3:"));
	assert_non_null(strstr(err.msg, "state file is damaged"));
	now = read_outputs_file();
	assert_string_equal(now, text);
	free(now);
}

/* outputs.json of a line of c and a plain line of "zz", in *file. */
static void
write_case(struct ag_buf *file, const struct text_case *c)
{
	struct ag_error err = AG_ERROR_INIT;
	char path[300];

	snprintf(path, sizeof(path), "%s/outputs.json", dir);
	ag_buf_reset(file);
	(void)ag_buf_addf(
	    file, "{\n  %s: %s,\n  \"zz\": {\"p\":1,\"recorded_at\":\"t\"}\n}\n", c->key, c->line);
	assert_int_equal(ag_fs_write_atomic(path, file->ptr, file->len, 0600, 0, &err), 0);
}

/*
 * A save with the cycle's records decides as the same records set one by
 * one: the file it writes (or leaves as it stands) is byte for byte the
 * same, whatever the line holds (recorded_at first, last, nested, absent,
 * not a string, escaped), however its key is written, and when the line
 * is not in the line form (rewritten whole). Commas out of place are read
 * in the line form when every line is, refused when one is not; a damaged
 * line is refused at open with its place.
 */
static void
test_state__outputs_from_a_source_decide_as_set_ones(void **unused)
{
	static const struct text_case cases[] = {
	    {"\"aa\"", "{\"port\":1,\"recorded_at\":\"t\"}", "{\"port\":1}", true},
	    {"\"a.b_c-9\"", "{\"recorded_at\":\"t\",\"z\":1}", "{\"z\":1}", true},
	    {"\"aa\"", "{\"recorded_at\":\"2026-01-01T00:00:00Z\"}", "{}", true},
	    {"\"aa\"", "{\"n\":{\"recorded_at\":\"t\"},\"recorded_at\":\"t\"}",
	        "{\"n\":{\"recorded_at\":\"t\"}}", true},
	    {"\"aa\"", "{\"a\":[{\"recorded_at\":\"\"}],\"recorded_at\":\"\"}",
	        "{\"a\":[{\"recorded_at\":\"\"}]}", true},
	    {"\"aa\"", "{\"n\":{\"recorded_at\":\"u\"},\"recorded_at\":\"t\"}",
	        "{\"n\":{\"recorded_at\":\"t\"}}", false},
	    {"\"aa\"", "{\"n\":{\"recorded_at\":\"t\"},\"recorded_at\":\"t\"}",
	        "{\"n\":{\"recorded_at\":\"u\"}}", false},
	    {"\"aa\"", "{\"recorded_at\":\"t\",\"x\":\"\\\"recorded_at\\\":\\\"\\\"\"}",
	        "{\"x\":\"\\\"recorded_at\\\":\\\"\\\"\"}", true},
	    /* changed, added, removed */
	    {"\"aa\"", "{\"port\":1,\"recorded_at\":\"t\"}", "{\"port\":2}", false},
	    {"\"aa\"", "{\"port\":1,\"recorded_at\":\"t\"}", "{\"port\":1,\"q\":0}", false},
	    {"\"aa\"", "{\"port\":1,\"q\":0,\"recorded_at\":\"t\"}", "{\"port\":1}", false},
	    {"\"aa\"", "{\"port\":1,\"recorded_at\":\"t\"}", "[1]", true},
	    /* recorded_at absent, not a string, with an escape */
	    {"\"aa\"", "{\"port\":1}", "{\"port\":1}", true},
	    {"\"aa\"", "{\"port\":1}", "{\"port\":2}", false},
	    {"\"aa\"", "{\"recorded_at\":7,\"z\":1}", "{\"z\":1}", true},
	    {"\"aa\"", "{\"recorded_at\":null}", "{}", true},
	    {"\"aa\"", "{\"recorded_at\":\"a\\\"b\",\"z\":1}", "{\"z\":1}", true},
	    {"\"aa\"", "{\"recorded_at\":\"\\u00e9\",\"z\":1}", "{\"z\":1}", false},
	    /* the cycle's own recorded_at is not part of a record */
	    {"\"aa\"", "{\"port\":1,\"recorded_at\":\"t\"}", "{\"port\":1,\"recorded_at\":\"x\"}",
	        true},
	    /* keys needing escapes or not plain; a line spaced otherwise */
	    {"\"a b\"", "{\"port\":1,\"recorded_at\":\"t\"}", "{\"port\":1}", true},
	    {"\"a\\u0062\"", "{\"port\":1,\"recorded_at\":\"t\"}", "{\"port\":1}", true},
	    {"\"aa\" ", "{\"port\":1,\"recorded_at\":\"t\"}", "{\"port\":1}", true},
	    {"\"aa\"", " {\"port\":1,\"recorded_at\":\"t\"}", "{\"port\":1}", true},
	    /* not the line form: the file rewritten */
	    {"\"aa\"", "{\"port\": 1,\"recorded_at\":\"t\"}", "{\"port\":1}", false},
	    {"\"aa\"", "{\"port\":1,\"recorded_at\":\"t\"} ", "{\"port\":1}", false},
	    {"\"aa\"", "{\"recorded_at\":\"t\",\"port\":1}", "{\"port\":1}", false},
	    {"\"aa\"", "{\"port\":0,\"port\":1,\"recorded_at\":\"t\"}", "{\"port\":1}", false},
	    {"\"zzz\"", "{\"port\":1,\"recorded_at\":\"t\"}", "{\"port\":1}", false},
	};
	const char *ids[] = {NULL, "zz"};
	const char *texts[] = {NULL, "{\"p\":1}"};
	struct text_outputs t = {ids, texts, 2};
	struct ag_state_outputs src = {ids, 2, text_make, &t, "later"};
	struct ag_error err = AG_ERROR_INIT;
	struct ag_buf file = AG_BUF_INIT(1 << 20);
	struct ag_state *s;
	char path[300], *by_src, *by_set;
	size_t i, k;

	(void)unused;
	snprintf(path, sizeof(path), "%s/outputs.json", dir);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct text_case *c = &cases[i];
		json_error_t jerr;
		json_t *key = json_loads(c->key, JSON_DECODE_ANY, &jerr);

		assert_non_null(key);
		ids[0] = json_string_value(key);
		texts[0] = c->made;
		/* as the cycle saves */
		write_case(&file, c);
		assert_int_equal(ag_state_open(&s, dir, &err), 0);
		assert_int_equal(ag_state_save_outputs(s, &src, &err), 0);
		ag_state_free(s);
		by_src = read_outputs_file();
		if (c->kept)
			assert_string_equal(by_src, file.ptr);
		else
			assert_string_not_equal(by_src, file.ptr);
		/* the same records set one by one */
		write_case(&file, c);
		assert_int_equal(ag_state_open(&s, dir, &err), 0);
		for (k = 0; k < 2; k++) {
			json_t *v = text_make(&t, ids[k]);

			if (json_is_object(v))
				assert_int_equal(
				    ag_state_set_outputs(s, ids[k], texts[k], "later"), 0);
			json_decref(v);
		}
		assert_int_equal(ag_state_save(s, &err), 0);
		ag_state_free(s);
		by_set = read_outputs_file();
		assert_string_equal(by_src, by_set);
		free(by_src);
		free(by_set);
		json_decref(key);
	}

	/* commas out of place: read in the line form when every line is
	 * canonical, refused as damaged at open when one is not */
	ids[0] = "aa";
	texts[0] = "{\"port\":1}";
	ag_buf_reset(&file);
	(void)ag_buf_adds(&file, "{\n  \"aa\": {\"port\":1,\"recorded_at\":\"t\"}\n"
	                         "  \"zz\": {\"p\":1,\"recorded_at\":\"t\"},\n}\n");
	assert_int_equal(ag_fs_write_atomic(path, file.ptr, file.len, 0600, 0, &err), 0);
	assert_int_equal(ag_state_open(&s, dir, &err), 0);
	assert_int_equal(ag_state_save_outputs(s, &src, &err), 0);
	ag_state_free(s);
	by_src = read_outputs_file();
	assert_string_equal(by_src, file.ptr);
	free(by_src);
	refused_at_line_3("{\n  \"aa\": {\"port\":1,\"recorded_at\":\"t\"}\n"
	                  "  \"zz\": {\"p\": 1,\"recorded_at\":\"t\"}\n}\n");
	/* a damaged line: refused at open, with its place */
	refused_at_line_3("{\n  \"aa\": {\"port\":1,\"recorded_at\":\"t\"},\n"
	                  "  \"mm\": {\"port\":1,,\n"
	                  "  \"zz\": {\"p\":1,\"recorded_at\":\"t\"}\n}\n");
	ag_buf_release(&file);
}

/* Records that differ only in a value's type, in how strings split or
 * where a value nests are changes: each set again is written with the new
 * recorded_at. */
static void
test_state__outputs_changes_of_type_or_nesting_are_changes(void **unused)
{
	static const struct outputs_rec recs[] = {
	    {"c0", "{\"a\":1,\"recorded_at\":\"t\"}", "{\"a\": 1.0}"},
	    /* the bits of 1.0 as an integer */
	    {"c1", "{\"a\":4607182418800017408,\"recorded_at\":\"t\"}", "{\"a\": 1.0}"},
	    {"c2", "{\"a\":true,\"recorded_at\":\"t\"}", "{\"a\": false}"},
	    {"c3", "{\"a\":null,\"recorded_at\":\"t\"}", "{\"a\": false}"},
	    {"c4", "{\"a\":\"\",\"recorded_at\":\"t\"}", "{\"a\": null}"},
	    {"c5", "{\"a\":[],\"recorded_at\":\"t\"}", "{\"a\": {}}"},
	    {"c6", "{\"a\":[\"ab\"],\"recorded_at\":\"t\"}", "{\"a\": [\"a\", \"b\"]}"},
	    {"c7", "{\"a\":{\"b\":\"c\"},\"recorded_at\":\"t\"}", "{\"a\": {\"bc\": \"\"}}"},
	    {"c8", "{\"a\":[[1],2],\"recorded_at\":\"t\"}", "{\"a\": [[1, 2]]}"},
	    {"c9", "{\"a\":0.0,\"recorded_at\":\"t\"}", "{\"a\": -0.0}"},
	    {"d0", "{\"recorded_at\":\"t\"}", "{\"recorded_at\": \"t\", \"b\": 1}"},
	};
	struct ag_buf file = AG_BUF_INIT(1 << 20);
	size_t i, n = sizeof(recs) / sizeof(recs[0]);
	char *text;

	(void)unused;
	ag_state_free(set_again(&file, recs, n));
	text = read_outputs_file();
	for (i = 0; i < n; i++)
		assert_null(strstr(text, recs[i].line));
	assert_null(strstr(text, "\"t\""));
	free(text);
	ag_buf_release(&file);
}

/* A line not as the line form writes it (spaces, keys out of order, a key
 * twice) sends the file to the whole-file reading: every record kept and
 * the file written back in the line form at the next save. */
static void
test_state__outputs_lines_not_in_the_form_are_read_whole(void **unused)
{
	static const char *const lines[] = {
	    "  \"aa\": {\"port\": 1,\"recorded_at\":\"t\"}",
	    "  \"aa\": {\"recorded_at\":\"t\",\"port\":1}",
	    "  \"aa\": {\"port\":0,\"port\":1,\"recorded_at\":\"t\"}",
	};
	struct ag_error err = AG_ERROR_INIT;
	struct ag_state *s = NULL;
	char path[300], file[200], *text;
	size_t i;

	(void)unused;
	snprintf(path, sizeof(path), "%s/outputs.json", dir);
	for (i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
		snprintf(file, sizeof(file),
		    "{\n%s,\n  \"bb\": {\"port\":2,\"recorded_at\":\"t\"}\n}\n", lines[i]);
		assert_int_equal(ag_fs_write_atomic(path, file, strlen(file), 0600, 0, &err), 0);
		assert_int_equal(ag_state_open(&s, dir, &err), 0);
		assert_int_equal(ag_state_save(s, &err), 0);
		ag_state_free(s);
		text = read_outputs_file();
		assert_string_equal(text, "{\n  \"aa\": {\"port\":1,\"recorded_at\":\"t\"},\n"
		                          "  \"bb\": {\"port\":2,\"recorded_at\":\"t\"}\n}\n");
		free(text);
	}
}

/* A save that cannot be written (here a file size limit) fails naming the
 * file, leaves the old file as it was and no temporary file behind, and
 * keeps what it had to save for the next one. */
static void
test_state__outputs_failed_save_keeps_the_old_file(void **unused)
{
	static const char *ids[400];
	static int ports[400];
	static char names[400][16];
	struct fake_outputs f = {ids, ports, 400, 0};
	struct ag_state_outputs src = {ids, 400, fake_make, &f, "t1"};
	struct ag_error err = AG_ERROR_INIT;
	struct ag_state *s = NULL;
	struct rlimit old, lim;
	char *before, *after, cmd[400];
	size_t i;

	(void)unused;
	for (i = 0; i < 400; i++) {
		snprintf(names[i], sizeof(names[i]), "db%03zu", i);
		ids[i] = names[i];
		ports[i] = 1000 + (int)i;
	}
	assert_int_equal(ag_state_open(&s, dir, &err), 0);
	assert_int_equal(ag_state_set_outputs(s, "db000", "{\"port\": 1}", "t0"), 0);
	assert_int_equal(ag_state_save(s, &err), 0);
	before = read_outputs_file();
	assert_non_null(before);

	/* 400 records are over 4 KiB: the write fails part way */
	assert_int_equal(getrlimit(RLIMIT_FSIZE, &old), 0);
	lim = old;
	lim.rlim_cur = 4096;
	signal(SIGXFSZ, SIG_IGN);
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &lim), 0);
	assert_int_equal(ag_state_save_outputs(s, &src, &err), AG_EIO);
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &old), 0);
	assert_non_null(strstr(err.msg, "outputs.json"));
	assert_non_null(strstr(err.msg, "File too large"));
	after = read_outputs_file();
	assert_string_equal(before, after);
	free(after);
	snprintf(cmd, sizeof(cmd), "ls -a '%s' | grep -q tmp", dir);
	assert_int_not_equal(system(cmd), 0);

	/* the limit lifted, the next save writes them all */
	assert_int_equal(ag_state_save_outputs(s, &src, &err), 0);
	after = read_outputs_file();
	assert_non_null(strstr(after, "\"db399\": {\"port\":1399,\"recorded_at\":\"t1\"}\n}\n"));
	assert_non_null(strstr(after, "\"db000\": {\"port\":1000,\"recorded_at\":\"t1\"},\n"));
	free(after);
	free(before);
	ag_state_free(s);
}

/* Flips a hex digit of the digest the index at ipath gives cluster. */
static void
flip_index_digest(const char *ipath, const char *cluster)
{
	struct ag_error err = AG_ERROR_INIT;
	struct ag_buf b = AG_BUF_INIT(1 << 20);
	char needle[64], *at;

	assert_int_equal(ag_fs_read(&b, ipath, &err), 0);
	assert_int_equal(ag_buf_addc(&b, '\0'), 0);
	snprintf(needle, sizeof(needle), " %s\n", cluster);
	at = strstr(b.ptr, needle);
	assert_non_null(at);
	at -= 32;
	*at = *at == '0' ? '1' : '0';
	assert_int_equal(ag_fs_write_atomic(ipath, b.ptr, b.len - 1, 0600, 0, &err), 0);
	ag_buf_release(&b);
}

/* Sets cluster's outputs to json at recorded_at in a fresh open, saves. */
static void
set_and_save(const char *cluster, const char *json, const char *recorded_at)
{
	struct ag_error err = AG_ERROR_INIT;
	struct ag_state *s = NULL;

	assert_int_equal(ag_state_open(&s, dir, &err), 0);
	assert_int_equal(ag_state_set_outputs(s, cluster, json, recorded_at), 0);
	assert_int_equal(ag_state_save(s, &err), 0);
	ag_state_free(s);
}

/* The index beside outputs.json: written with each save (mode 0600) and
 * believed only while the file's bytes are those it names. A digest in it
 * is then what the record is compared by (a wrong one makes the same
 * outputs read as changed); a file changed behind it is read and checked
 * the long way (its own records compared; damage an error with its
 * position); an index others can write is not used. */
static void
test_state__outputs_index_stands_for_the_checked_file(void **unused)
{
	struct ag_error err = AG_ERROR_INIT;
	struct ag_state *s = NULL;
	struct stat st1, st2;
	char path[300], ipath[320], *text;
	const char *edited = "{\n  \"db1\": {\"port\":5,\"recorded_at\":\"t4\"},\n"
	                     "  \"db2\": {\"port\":2,\"recorded_at\":\"t1\"}\n}\n";
	const char *damaged = "{\n  \"db1\": {\"port\":5,\"recorded_at\":\"t4\"},\n"
	                      "  \"db2\": {\"port\":\n}\n";

	(void)unused;
	snprintf(path, sizeof(path), "%s/outputs.json", dir);
	snprintf(ipath, sizeof(ipath), "%s.index", path);
	assert_int_equal(ag_state_open(&s, dir, &err), 0);
	assert_int_equal(ag_state_set_outputs(s, "db1", "{\"port\": 1}", "t1"), 0);
	assert_int_equal(ag_state_set_outputs(s, "db2", "{\"port\": 2}", "t1"), 0);
	assert_int_equal(ag_state_save(s, &err), 0);
	ag_state_free(s);
	assert_int_equal(stat(ipath, &st1), 0);
	assert_int_equal(st1.st_mode & 0777, 0600);

	/* the same outputs again: nothing written */
	assert_int_equal(stat(path, &st1), 0);
	sleep(1);
	set_and_save("db1", "{\"port\": 1}", "t2");
	assert_int_equal(stat(path, &st2), 0);
	assert_int_equal(st1.st_mtime, st2.st_mtime);

	/* the index is believed: a wrong digest reads as a change */
	flip_index_digest(ipath, "db1");
	set_and_save("db1", "{\"port\": 1}", "t3");
	text = read_outputs_file();
	assert_non_null(strstr(text, "\"db1\": {\"port\":1,\"recorded_at\":\"t3\"}"));
	free(text);

	/* the file edited behind the index: its own records are compared */
	assert_int_equal(ag_fs_write_atomic(path, edited, strlen(edited), 0600, 0, &err), 0);
	set_and_save("db1", "{\"port\": 5}", "t5");
	text = read_outputs_file();
	assert_string_equal(text, edited);
	free(text);

	/* damaged behind a good index: the error says where, nothing changes */
	assert_int_equal(ag_fs_write_atomic(path, damaged, strlen(damaged), 0600, 0, &err), 0);
	assert_int_not_equal(ag_state_open(&s, dir, &err), 0);
	assert_non_null(strstr(err.msg, "outputs.json:"));
	assert_non_null(strstr(err.msg, "damaged"));
	text = read_outputs_file();
	assert_string_equal(text, damaged);
	free(text);

	/* an index others can write is not used: a wrong digest in it counts
	 * for nothing */
	assert_int_equal(ag_fs_write_atomic(path, edited, strlen(edited), 0600, 0, &err), 0);
	set_and_save("db2", "{\"port\": 2}", "t6"); /* the long way: index anew */
	flip_index_digest(ipath, "db2");
	assert_int_equal(chmod(ipath, 0666), 0);
	assert_int_equal(stat(path, &st1), 0);
	sleep(1);
	set_and_save("db2", "{\"port\": 2}", "t7");
	assert_int_equal(stat(path, &st2), 0);
	assert_int_equal(st1.st_mtime, st2.st_mtime);
	text = read_outputs_file();
	assert_string_equal(text, edited);
	free(text);
}

/* Every record is written as jansson writes it compact with sorted keys,
 * whatever order its members come in, whatever its strings hold and
 * however large it is, by a save from a source and by records set one by
 * one alike; the digests in the index do not depend on how a record was
 * made. */
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

/* The index without its first line (which names the file's hash). */
static char *
index_records(void)
{
	struct ag_error err = AG_ERROR_INIT;
	struct ag_buf b = AG_BUF_INIT(1 << 20);
	char path[300], *nl, *r;

	snprintf(path, sizeof(path), "%s/outputs.json.index", dir);
	assert_int_equal(ag_fs_read(&b, path, &err), 0);
	nl = strchr(b.ptr, '\n');
	assert_non_null(nl);
	r = strdup(nl + 1);
	ag_buf_release(&b);
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
test_state__outputs_records_written_as_jansson_sorts_them(void **unused)
{
	struct ag_error err = AG_ERROR_INIT;
	struct ag_state *s = NULL;
	const char *ids[N_RECS], *made[N_RECS];
	char names[N_RECS][8], *want, *got, *index_set, *index_src;
	struct text_outputs t = {ids, made, N_RECS};
	struct ag_state_outputs src = {ids, N_RECS, text_make, &t, RECORDED_AT};
	size_t i;

	(void)unused;
	make_big();
	want = expected_file();

	/* set one by one, in reverse order */
	assert_int_equal(ag_state_open(&s, dir, &err), 0);
	for (i = N_RECS; i-- > 0;) {
		const char *text = text_of(i, names[i]);

		assert_int_equal(ag_state_set_outputs(s, names[i], text, RECORDED_AT), 0);
	}
	assert_int_equal(ag_state_save(s, &err), 0);
	ag_state_free(s);
	got = read_outputs_file();
	assert_string_equal(got, want);
	free(got);
	index_set = index_records();

	/* made by a source while saving */
	remove_outputs();
	for (i = 0; i < N_RECS; i++) {
		made[i] = text_of(i, names[i]);
		ids[i] = names[i];
	}
	assert_int_equal(ag_state_open(&s, dir, &err), 0);
	assert_int_equal(ag_state_save_outputs(s, &src, &err), 0);
	ag_state_free(s);
	got = read_outputs_file();
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
	got = read_outputs_file();
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
	        test_state__outputs_index_stands_for_the_checked_file, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_state__second_opener_is_refused, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_state__password_hash_persists_with_mode_0600, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_state__loop_breaker_matches_plan_and_live, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_state__damaged_file_is_a_clear_error, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_state__local_key_is_stable, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_state__reader_is_never_locked_out_and_writes_nothing, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_state__refuses_shared_dir_and_symlinks, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_state__outputs_round_trip_and_unchanged_are_not_rewritten, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_state__outputs_file_in_other_forms, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_state__outputs_from_a_source, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_state__outputs_from_a_source_decide_as_set_ones, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_state__outputs_unchanged_records_of_every_shape, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_state__outputs_lines_not_in_the_form_are_read_whole, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_state__outputs_changes_of_type_or_nesting_are_changes, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_state__outputs_failed_save_keeps_the_old_file, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_state__outputs_records_written_as_jansson_sorts_them, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
