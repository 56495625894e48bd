/* File helpers: mkdirs on odd paths, outputs that are not regular files. */
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
	char *d = scratch(), *p = ag_xasprintf("%s/a/b/c", d), *cmd;
	struct stat st;

	(void)state;
	assert_int_equal(ag_fs_mkdirs(p, 0700, &err), 0);
	assert_int_equal(stat(p, &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	assert_int_equal(ag_fs_mkdirs(p, 0700, &err), 0); /* exists: fine */
	cmd = ag_xasprintf("rm -rf '%s'", d);
	assert_int_equal(system(cmd), 0);
	free(cmd);
	free(p);
	free(d);
}

static void
test_write_output(void **state)
{
	struct ag_error err = AG_ERROR_INIT;
	struct ag_buf b = AG_BUF_INIT(1024);
	char *d = scratch(), *file = ag_xasprintf("%s/f", d), *link = ag_xasprintf("%s/l", d);
	char *cmd;
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
	cmd = ag_xasprintf("rm -rf '%s'", d);
	assert_int_equal(system(cmd), 0);
	free(cmd);
	free(link);
	free(file);
	free(d);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_mkdirs_empty),
	    cmocka_unit_test(test_mkdirs_nested),
	    cmocka_unit_test(test_write_output),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
