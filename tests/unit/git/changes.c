/* Unit tests for the clusters a change between two commits touches
 * (git/changes.c), against real repositories made with the git command. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "git/changes.h"
#include "git/repo.h"

static char dir[256];

#define GITENV                                                                                     \
	"GIT_CONFIG_NOSYSTEM=1 HOME=%s GIT_AUTHOR_NAME=t GIT_AUTHOR_EMAIL=t@x "                    \
	"GIT_COMMITTER_NAME=t GIT_COMMITTER_EMAIL=t@x "

static void
sh(const char *fmt, ...)
{
	char cmd[8192];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	assert_int_equal(system(cmd), 0);
}

/* A manifest of cluster id with the given subnets and retention. */
static void
write_manifest(const char *path, const char *id, int subnet, int retention)
{
	char full[512];
	FILE *f;

	snprintf(full, sizeof(full), "%s/clone/%s", dir, path);
	f = fopen(full, "w");
	assert_non_null(f);
	fprintf(f,
	    "apiVersion: aws.project-planton.org/v1\nkind: AwsRdsCluster\nmetadata:\n  name: %s\n"
	    "spec:\n  subnetIds:\n    - subnet-0a1b2c3d4e5f6%04d\n    - subnet-0a1b2c3d4e5f60002\n"
	    "  engine: aurora-postgresql\n  engineVersion: \"16.1\"\n"
	    "  manageMasterUserPassword: true\n  storageEncrypted: true\n"
	    "  backupRetentionPeriod: %d\n  instances:\n    count: 1\n"
	    "    instanceClass: db.t4g.medium\n",
	    id, subnet, retention);
	fclose(f);
}

/* Commits everything in the clone; returns the commit id (static buffer). */
static const char *
commit(const char *msg)
{
	static char oid[64];
	char cmd[1024];
	FILE *p;

	sh("cd %s/clone && " GITENV "git add -A && " GITENV "git commit -qm '%s'", dir, dir, dir,
	    msg);
	snprintf(cmd, sizeof(cmd), "git -C %s/clone rev-parse HEAD", dir);
	p = popen(cmd, "r");
	assert_non_null(p);
	assert_non_null(fgets(oid, sizeof(oid), p));
	pclose(p);
	oid[40] = '\0';
	return oid;
}

static int
setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/ag-unit-changes.XXXXXX");
	if (mkdtemp(dir) == NULL)
		return -1;
	sh("cd %s && git init -q -b main clone && mkdir -p clone/prod clone/other", dir);
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
open_work(void)
{
	struct ag_error err = AG_ERROR_INIT;
	struct ag_git_repo *r = NULL;
	char path[300];

	snprintf(path, sizeof(path), "%s/clone", dir);
	if (ag_git_repo_open_local(&r, path, &err) < 0)
		fail_msg("%s", err.msg);
	return r;
}

static void
diff(struct ag_git_changes *c, struct ag_git_repo *r, const char *a, const char *b,
    const char *subdir)
{
	struct ag_error err = AG_ERROR_INIT;

	ag_git_changes_release(c);
	ag_git_changes_init(c);
	if (ag_git_changed_clusters(c, r, a, b, subdir, &err) < 0)
		fail_msg("%s", err.msg);
}

static void
test_changes__what_a_commit_touches(void **unused)
{
	struct ag_git_changes c;
	struct ag_git_repo *r;
	char c1[41], c2[41], c3[41], c4[41], c5[41], c6[41], c7[41];

	(void)unused;
	write_manifest("prod/a.yaml", "alpha", 1, 7);
	write_manifest("prod/b.yaml", "beta", 1, 7);
	write_manifest("prod/c.yaml", "gamma", 1, 7);
	snprintf(c1, sizeof(c1), "%s", commit("one"));
	/* one retention changed: that cluster, its network untouched */
	write_manifest("prod/a.yaml", "alpha", 1, 14);
	snprintf(c2, sizeof(c2), "%s", commit("two"));
	/* removed: still a change, named through the old version */
	sh("rm %s/clone/prod/b.yaml", dir);
	snprintf(c3, sizeof(c3), "%s", commit("three"));
	/* renamed, same content: one cluster; a README: nothing */
	sh("cd %s/clone && " GITENV "git mv prod/c.yaml prod/c2.yaml && echo hi > README.md", dir,
	    dir);
	snprintf(c4, sizeof(c4), "%s", commit("four"));
	/* the network of a cluster changed; a manifest outside the subdir */
	write_manifest("prod/a.yaml", "alpha", 9, 14);
	write_manifest("other/z.yaml", "zeta", 1, 7);
	snprintf(c5, sizeof(c5), "%s", commit("five"));
	/* the settings file */
	sh("echo 'interval: 1h' > %s/clone/aurora-gitops.yaml", dir);
	snprintf(c6, sizeof(c6), "%s", commit("six"));
	/* a manifest that does not parse on its own */
	sh("echo 'kind: [' > %s/clone/prod/broken.yaml", dir);
	snprintf(c7, sizeof(c7), "%s", commit("seven"));

	r = open_work();
	ag_git_changes_init(&c);

	diff(&c, r, c1, c2, "prod");
	assert_null(c.full_reason);
	assert_int_equal(c.files, 1);
	assert_int_equal(c.clusters.n, 1);
	assert_string_equal(c.clusters.v[0], "alpha");
	assert_int_equal(c.network.n, 0);

	diff(&c, r, c2, c3, "prod");
	assert_null(c.full_reason);
	assert_int_equal(c.clusters.n, 1);
	assert_string_equal(c.clusters.v[0], "beta");
	/* one side only: its network is read */
	assert_int_equal(c.network.n, 1);

	diff(&c, r, c3, c4, "prod/");
	assert_null(c.full_reason);
	assert_int_equal(c.files, 2);
	assert_int_equal(c.clusters.n, 1);
	assert_string_equal(c.clusters.v[0], "gamma");
	assert_int_equal(c.network.n, 0);

	diff(&c, r, c4, c5, "prod");
	assert_null(c.full_reason);
	assert_int_equal(c.clusters.n, 1);
	assert_string_equal(c.clusters.v[0], "alpha");
	assert_int_equal(c.network.n, 1);
	/* the whole tree: the manifest in other/ counts too */
	diff(&c, r, c4, c5, NULL);
	assert_int_equal(c.clusters.n, 2);

	/* several commits at once, in either direction */
	diff(&c, r, c1, c4, "prod");
	assert_int_equal(c.clusters.n, 3);
	diff(&c, r, c4, c1, "prod");
	assert_int_equal(c.clusters.n, 3);

	diff(&c, r, c5, c6, "prod");
	assert_non_null(c.full_reason);
	assert_non_null(strstr(c.full_reason, "aurora-gitops.yaml"));

	diff(&c, r, c6, c7, "prod");
	assert_non_null(c.full_reason);
	assert_non_null(strstr(c.full_reason, "prod/broken.yaml"));

	/* the same commit: nothing changed */
	diff(&c, r, c7, c7, "prod");
	assert_null(c.full_reason);
	assert_int_equal(c.clusters.n, 0);
	ag_git_changes_release(&c);
	ag_git_repo_free(r);
}

static void
test_changes__unknown_base_is_an_error(void **unused)
{
	struct ag_error err = AG_ERROR_INIT;
	struct ag_git_changes c;
	struct ag_git_repo *r;
	char head[41];

	(void)unused;
	write_manifest("prod/a.yaml", "alpha", 1, 3);
	snprintf(head, sizeof(head), "%s", commit("head"));
	r = open_work();
	ag_git_changes_init(&c);
	assert_int_equal(ag_git_changed_clusters(
	                     &c, r, "0123456789012345678901234567890123456789", head, NULL, &err),
	    AG_ENOTFOUND);
	assert_non_null(strstr(err.msg, "0123456"));
	ag_error_clear(&err);
	assert_true(ag_git_changed_clusters(&c, r, "not-a-commit", head, NULL, &err) < 0);
	ag_git_changes_release(&c);
	ag_git_repo_free(r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_changes__what_a_commit_touches),
	    cmocka_unit_test(test_changes__unknown_base_is_an_error),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
