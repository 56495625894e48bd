/* File helpers: mkdirs on odd paths, outputs that are not regular files,
 * the manifests under a directory, whole-file reads and their bound. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "core/buf.h"
#include "core/mem.h"
#include "sys/fs.h"

static char *
scratch(void)
{
	char tmpl[] = "/tmp/ag-unit-fs.XXXXXX";

	assert_non_null(mkdtemp(tmpl));
	return ag_xstrdup(tmpl);
}

static void
write_file(const char *dir, const char *name, const char *text)
{
	char *p = ag_xasprintf("%s/%s", dir, name);
	FILE *fp = fopen(p, "w");

	assert_non_null(fp);
	assert_int_equal(fputs(text, fp) >= 0, 1);
	assert_int_equal(fclose(fp), 0);
	free(p);
}

static void
remove_tree(char *d)
{
	char *cmd = ag_xasprintf("rm -rf '%s'", d);

	assert_int_equal(system(cmd), 0);
	free(cmd);
	free(d);
}

static void
test_mkdirs_empty(void **state)
{
	struct ag_error err = AG_ERROR_INIT;

	(void)state;
	/* used to read past the end of a one-byte copy */
	assert_int_equal(ag_fs_mkdirs("", 0700, &err), AG_EINVAL);
	assert_string_equal(err.msg, "cannot create a directory with an empty name");
}

static void
test_mkdirs_nested(void **state)
{
	struct ag_error err = AG_ERROR_INIT;
	char *d = scratch(), *p = ag_xasprintf("%s/a/b/c", d);
	struct stat st;

	(void)state;
	assert_int_equal(ag_fs_mkdirs(p, 0700, &err), 0);
	assert_int_equal(stat(p, &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	assert_int_equal(ag_fs_mkdirs(p, 0700, &err), 0); /* exists: fine */
	free(p);
	remove_tree(d);
}

static void
test_write_output(void **state)
{
	struct ag_error err = AG_ERROR_INIT;
	struct ag_buf b = AG_BUF_INIT(1024);
	char *d = scratch(), *file = ag_xasprintf("%s/f", d), *link = ag_xasprintf("%s/l", d);
	struct stat st;

	(void)state;
	assert_int_equal(ag_fs_write_output(file, "one\n", 4, &err), 0);
	assert_int_equal(chmod(file, 0640), 0);
	assert_int_equal(ag_fs_write_output(file, "two\n", 4, &err), 0);
	assert_int_equal(ag_fs_read(&b, file, &err), 0);
	assert_string_equal(b.ptr, "two\n");
	assert_int_equal(stat(file, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0640);

	assert_int_equal(symlink("f", link), 0);
	assert_int_equal(ag_fs_write_output(link, "three\n", 6, &err), AG_EINVAL);
	assert_non_null(strstr(err.msg, "is a symbolic link"));
	assert_int_equal(lstat(link, &st), 0);
	assert_true(S_ISLNK(st.st_mode));
	ag_buf_reset(&b);
	assert_int_equal(ag_fs_read(&b, file, &err), 0);
	assert_string_equal(b.ptr, "two\n");

	assert_int_equal(ag_fs_write_output(d, "x", 1, &err), AG_EINVAL);
	assert_non_null(strstr(err.msg, "it is a directory"));
	assert_int_equal(ag_fs_write_output("", "x", 1, &err), AG_EINVAL);

	ag_buf_release(&b);
	free(link);
	free(file);
	remove_tree(d);
}

/* Every manifest under the directory, sorted, each named "dir/.../name"
 * (a trailing slash of dir not doubled); hidden entries, other suffixes and
 * the settings file at the top are left out. */
static void
test_find_manifests_paths(void **state)
{
	struct ag_error err = AG_ERROR_INIT;
	struct ag_strlist got = AG_STRLIST_INIT;
	char *d = scratch(), *sub = ag_xasprintf("%s/b/c", d), *slash = ag_xasprintf("%s/", d);
	const char *dirs[1];
	char *want;

	(void)state;
	assert_int_equal(ag_fs_mkdirs(sub, 0700, &err), 0);
	write_file(d, "z.yaml", "a: 1\n");
	write_file(d, "a.yml", "a: 1\n");
	write_file(d, "notes.txt", "x\n");
	write_file(d, "aurora-gitops.yaml", "x: 1\n");
	write_file(d, ".hidden.yaml", "a: 1\n");
	write_file(sub, "m.yaml", "a: 1\n");
	dirs[0] = d;
	assert_int_equal(ag_fs_find_manifests(&got, dirs, 1, &err), 0);
	assert_int_equal(got.n, 3);
	want = ag_xasprintf("%s/a.yml", d);
	assert_string_equal(got.v[0], want);
	free(want);
	want = ag_xasprintf("%s/b/c/m.yaml", d);
	assert_string_equal(got.v[1], want);
	free(want);
	want = ag_xasprintf("%s/z.yaml", d);
	assert_string_equal(got.v[2], want);
	free(want);
	ag_strlist_release(&got);

	dirs[0] = slash;
	assert_int_equal(ag_fs_find_manifests(&got, dirs, 1, &err), 0);
	assert_int_equal(got.n, 3);
	want = ag_xasprintf("%s/b/c/m.yaml", d);
	assert_string_equal(got.v[1], want);
	free(want);
	ag_strlist_release(&got);
	free(slash);
	free(sub);
	remove_tree(d);
}

/* A file is read whole up to the buffer's bound: empty, at the bound, one
 * byte over it (refused, with the path), rewritten shorter (read at its new
 * length), missing (named). */
static void
test_read_bounds(void **state)
{
	struct ag_error err = AG_ERROR_INIT;
	struct ag_buf b = AG_BUF_INIT(8);
	char *d = scratch(), *p = ag_xasprintf("%s/f.yaml", d);

	(void)state;
	write_file(d, "f.yaml", "");
	assert_int_equal(ag_fs_read(&b, p, &err), 0);
	assert_int_equal(b.len, 0);
	write_file(d, "f.yaml", "12345678");
	ag_buf_reset(&b);
	assert_int_equal(ag_fs_read(&b, p, &err), 0);
	assert_int_equal(b.len, 8);
	assert_string_equal(b.ptr, "12345678");
	write_file(d, "f.yaml", "123456789");
	ag_buf_reset(&b);
	assert_int_equal(ag_fs_read(&b, p, &err), AG_ETOOBIG);
	assert_non_null(strstr(err.msg, p));
	assert_non_null(strstr(err.msg, "larger than the limit of 8 bytes"));
	write_file(d, "f.yaml", "1234");
	ag_buf_reset(&b);
	assert_int_equal(ag_fs_read(&b, p, &err), 0);
	assert_string_equal(b.ptr, "1234");
	ag_buf_reset(&b);
	assert_int_equal(ag_fs_read(&b, "/nonexistent-dir/f.yaml", &err), AG_ENOTFOUND);
	assert_non_null(strstr(err.msg, "cannot open '/nonexistent-dir/f.yaml'"));
	ag_buf_release(&b);
	free(p);
	remove_tree(d);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_mkdirs_empty),
	    cmocka_unit_test(test_mkdirs_nested),
	    cmocka_unit_test(test_write_output),
	    cmocka_unit_test(test_find_manifests_paths),
	    cmocka_unit_test(test_read_bounds),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
