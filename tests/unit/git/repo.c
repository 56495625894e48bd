/* Unit tests for the git source and the notes channel against real
 * repositories made with the git command in a temporary directory. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/diag.h"
#include "core/manifest.h"
#include "git/notes.h"
#include "git/repo.h"
#include "git/source.h"

static char dir[256];
static char remote[300];

static void
sh(const char *fmt, ...)
{
	char cmd[4096];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	assert_int_equal(system(cmd), 0);
}

/* Output of a shell command, trailing newline removed; caller frees. */
static char *
sh_out(const char *fmt, ...)
{
	char cmd[4096], *buf = calloc(1, 65536);
	size_t n;
	va_list ap;
	FILE *p;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	p = popen(cmd, "r");
	assert_non_null(p);
	n = fread(buf, 1, 65535, p);
	pclose(p);
	while (n > 0 && buf[n - 1] == '\n')
		buf[--n] = '\0';
	return buf;
}

#define GITENV                                                                                     \
	"GIT_CONFIG_NOSYSTEM=1 HOME=%s GIT_AUTHOR_NAME=t GIT_AUTHOR_EMAIL=t@x "                    \
	"GIT_COMMITTER_NAME=t GIT_COMMITTER_EMAIL=t@x "

static int
setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/ag-unit-git.XXXXXX");
	if (mkdtemp(dir) == NULL)
		return -1;
	snprintf(remote, sizeof(remote), "%s/remote.git", dir);
	sh("cd %s && git init -q --bare -b main remote.git && git init -q -b main work", dir);
	sh("cd %s/work && mkdir -p prod && cp %s/../../manifests/minimal.yaml prod/a.yaml && "
	   "ln -s prod/a.yaml link.yaml && echo 'not yaml' > README && " GITENV
	   "git add -A && " GITENV "git commit -qm one && git push -q ../remote.git main",
	    dir, AG_TEST_DATA, dir, dir);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	sh("rm -rf '%s'", dir);
	return 0;
}

static struct ag_git_repo *
open_cache(const char *name)
{
	struct ag_error err = AG_ERROR_INIT;
	struct ag_git_repo_opts o;
	struct ag_git_repo *r = NULL;
	char cache[400];

	memset(&o, 0, sizeof(o));
	snprintf(cache, sizeof(cache), "%s/%s", dir, name);
	o.url = remote;
	o.cache_dir = cache;
	if (ag_git_repo_open(&r, &o, &err) < 0)
		fail_msg("%s", err.msg);
	return r;
}

static void
test_git__update_then_load_tree_at_commit(void **unused)
{
	struct ag_error err = AG_ERROR_INIT;
	struct ag_git_repo *r = open_cache("c1");
	struct ag_manifest_set set;
	struct ag_diags diags;
	struct ag_source *src = NULL;
	char oid[AG_GIT_OID_HEX], want[80], *head, *branch = NULL;
	bool fetched;
	size_t i, warned = 0;

	(void)unused;
	head = sh_out("git -C %s rev-parse main", remote);
	assert_int_equal(ag_git_update(oid, &branch, &fetched, r, NULL, &err), 0);
	assert_true(fetched);
	assert_string_equal(branch, "main");
	assert_string_equal(oid, head);
	/* unchanged remote: the cheap check says so, no fetch */
	assert_int_equal(ag_git_update(oid, NULL, &fetched, r, "main", &err), 0);
	assert_false(fetched);

	assert_int_equal(ag_git_source_new(&src, r, oid, branch, NULL, &err), 0);
	ag_manifest_set_init(&set);
	ag_diags_init(&diags);
	assert_int_equal(ag_source_load(src, &set, &diags, &err), 0);
	assert_int_equal(set.n, 1);
	snprintf(want, sizeof(want), "main@%.7s:prod/a.yaml", head);
	assert_string_equal(set.v[0].file, want);
	assert_int_equal(strncmp(ag_source_revision(src), want, 12), 0);
	for (i = 0; i < diags.n; i++)
		if (diags.v[i].severity == AG_DIAG_WARNING &&
		    strstr(diags.v[i].message, "symbolic"))
			warned++;
	assert_int_equal(warned, 1);
	ag_manifest_set_release(&set);
	ag_diags_release(&diags);
	ag_source_free(src);
	free(branch);
	free(head);
	ag_git_repo_free(r);
}

static void
test_git__subdir_and_errors_name_the_commit(void **unused)
{
	struct ag_error err = AG_ERROR_INIT;
	struct ag_git_repo *r = open_cache("c2");
	struct ag_manifest_set set;
	struct ag_diags diags;
	char oid[AG_GIT_OID_HEX];
	bool fetched;

	(void)unused;
	assert_int_equal(ag_git_update(oid, NULL, &fetched, r, "main", &err), 0);
	ag_manifest_set_init(&set);
	ag_diags_init(&diags);
	assert_int_equal(ag_git_load_at(&set, &diags, r, oid, "prod", &err), 0);
	assert_int_equal(set.n, 1);
	assert_int_equal(ag_git_load_at(&set, &diags, r, oid, "nope", &err), AG_ENOTFOUND);
	assert_non_null(strstr(err.msg, "directory 'nope' not found at"));
	assert_int_equal(ag_git_update(oid, NULL, &fetched, r, "nobranch", &err), AG_ENOTFOUND);
	ag_manifest_set_release(&set);
	ag_diags_release(&diags);
	ag_git_repo_free(r);
}

static void
test_git__corrupt_cache_is_rebuilt(void **unused)
{
	struct ag_error err = AG_ERROR_INIT;
	struct ag_git_repo *r = open_cache("c3");
	char oid[AG_GIT_OID_HEX];
	bool fetched;

	(void)unused;
	assert_int_equal(ag_git_update(oid, NULL, &fetched, r, "main", &err), 0);
	ag_git_repo_free(r);
	/* Delete every object of the cache (packs and loose). */
	sh("rm -rf %s/c3/*/objects/pack/* %s/c3/*/objects/[0-9a-f][0-9a-f]", dir, dir);
	r = open_cache("c3");
	assert_int_equal(ag_git_check_commit(r, oid, &err) < 0, 1);
	assert_int_equal(ag_git_update(oid, NULL, &fetched, r, "main", &err), 0);
	assert_true(fetched);
	assert_int_equal(ag_git_check_commit(r, oid, &err), 0);
	ag_git_repo_free(r);
}

static void
test_git__notes_of_two_writers_are_both_kept(void **unused)
{
	struct ag_error err = AG_ERROR_INIT;
	struct ag_git_repo *a = open_cache("na"), *b = open_cache("nb");
	char oid[AG_GIT_OID_HEX], *note, *count;
	struct ag_buf buf = AG_BUF_INIT(65536);
	unsigned retries = 99;
	bool fetched;

	(void)unused;
	assert_int_equal(ag_git_update(oid, NULL, &fetched, a, "main", &err), 0);
	assert_int_equal(ag_git_update(oid, NULL, &fetched, b, "main", &err), 0);
	/* both write before either pushes: b's compare-and-swap must fail
	 * and b must merge, not overwrite */
	assert_int_equal(ag_git_note_append(a, oid, "{\"a\":1}\n", 8, "agent-a", &err), 0);
	assert_int_equal(ag_git_note_append(b, oid, "{\"b\":1}\n", 8, "agent-b", &err), 0);
	assert_int_equal(ag_git_notes_push(&retries, a, 0, &err), 0);
	assert_int_equal(retries, 0);
	assert_int_equal(ag_git_notes_push(&retries, b, 0, &err), 0);
	assert_int_equal(retries, 1); /* rejected once, merged, pushed */
	note = sh_out("git -C %s notes --ref aurora-gitops show %s", remote, oid);
	assert_non_null(strstr(note, "{\"a\":1}"));
	assert_non_null(strstr(note, "{\"b\":1}"));
	free(note);
	/* a appends again on top of b's merge */
	assert_int_equal(ag_git_note_append(a, oid, "{\"a\":2}\n", 8, "agent-a", &err), 0);
	assert_int_equal(ag_git_notes_push(&retries, a, 0, &err), 0);
	assert_int_equal(retries, 1);
	note = sh_out("git -C %s notes --ref aurora-gitops show %s", remote, oid);
	assert_non_null(strstr(note, "{\"a\":2}"));
	assert_non_null(strstr(note, "{\"b\":1}"));
	free(note);
	count = sh_out("git -C %s notes --ref aurora-gitops show %s | wc -l", remote, oid);
	assert_string_equal(count, "3");
	free(count);
	sh("git -C %s fsck --no-progress 2>&1 >/dev/null", remote);
	/* read back through the library */
	assert_int_equal(ag_git_fetch_notes(b, &err), 0);
	assert_int_equal(ag_git_note_read(&buf, b, AG_GIT_NOTES_REMOTE, oid, &err), 0);
	assert_non_null(strstr(buf.ptr, "{\"a\":2}"));
	ag_buf_release(&buf);
	ag_git_repo_free(a);
	ag_git_repo_free(b);
}

static void
test_git__push_never_moves_the_remote_back(void **unused)
{
	struct ag_error err = AG_ERROR_INIT;
	struct ag_git_repo *a = open_cache("pa"), *b = open_cache("pb");
	char oid[AG_GIT_OID_HEX], *note;
	bool fetched;

	(void)unused;
	assert_int_equal(ag_git_update(oid, NULL, &fetched, a, "main", &err), 0);
	assert_int_equal(ag_git_update(oid, NULL, &fetched, b, "main", &err), 0);
	assert_int_equal(ag_git_note_append(a, oid, "{\"p\":1}\n", 8, "a", &err), 0);
	assert_int_equal(ag_git_notes_push(NULL, a, 0, &err), 0);
	assert_int_equal(ag_git_fetch_notes(b, &err), 0);
	assert_int_equal(ag_git_note_append(b, oid, "{\"p\":2}\n", 8, "b", &err), 0);
	assert_int_equal(ag_git_notes_push(NULL, b, 0, &err), 0);
	/* a fetches the newer notes but writes nothing: its push must not
	 * put its older local notes back */
	assert_int_equal(ag_git_fetch_notes(a, &err), 0);
	assert_int_equal(ag_git_notes_push(NULL, a, 0, &err), 0);
	note = sh_out("git -C %s notes --ref aurora-gitops show %s", remote, oid);
	assert_non_null(strstr(note, "{\"p\":2}"));
	free(note);
	ag_git_repo_free(a);
	ag_git_repo_free(b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_git__update_then_load_tree_at_commit),
	    cmocka_unit_test(test_git__subdir_and_errors_name_the_commit),
	    cmocka_unit_test(test_git__corrupt_cache_is_rebuilt),
	    cmocka_unit_test(test_git__notes_of_two_writers_are_both_kept),
	    cmocka_unit_test(test_git__push_never_moves_the_remote_back),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
