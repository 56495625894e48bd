/* aurora-gitops reseal: move sealed values off a retired key; list keys in use. */
#include "cli/cli.h"
#include "cli/opts.h"
#include "core/kv.h"
#include "core/manifest.h"
#include "core/mem.h"
#include "secrets/secrets.h"
#include "sys/fs.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/compat.h"

static const char reseal_help[] =
    "usage: aurora-gitops reseal --retire KEY_ID --key keys/NEW.pub\n"
    "                            [--key-file FILE]... [--key-dir DIR]... [--dry-run] [PATH...]\n"
    "       aurora-gitops reseal --list [PATH...]\n"
    "\n"
    "Re-seals to keys/NEW.pub every value sealed with KEY_ID in the manifests under\n"
    "PATH (default: manifests), keeping each value's cluster and field. Needs the\n"
    "secret key of KEY_ID (--key-file/--key-dir, or AURORA_GITOPS_KEY_FILE /\n"
    "AURORA_GITOPS_KEY_DIR). Only those values change; every other byte of each file\n"
    "stays the same, and files without such values are not rewritten. Nothing is\n"
    "written unless every value could be re-sealed. --dry-run lists what would change.\n"
    "--list prints '<key_id> <count>' for the sealed values under PATH.\n";

struct plan_file {
	char *path;
	struct ag_buf out;
	size_t n;
};

/* Prints "path:line:col: cluster 'c' field 'f'" for each token under key. */
static int
list_tokens(const struct ag_keyring *kr, const char *retire, const char *path, const char *buf,
    size_t len, struct ag_error *err)
{
	struct ag_sealed_refs refs;
	struct ag_sealed_info info;
	struct ag_secret *s = NULL;
	size_t i;
	int rc = 0;

	ag_sealed_refs_init(&refs);
	ag_sealed_find(&refs, buf, len);
	for (i = 0; i < refs.n && rc == 0; i++) {
		if (!refs.v[i].valid || strcmp(refs.v[i].key_id, retire) != 0)
			continue;
		rc = ag_sealed_open_unchecked(
		    &s, &info, kr, buf + refs.v[i].off, refs.v[i].len, err);
		ag_secret_free(s);
		s = NULL;
		if (rc < 0)
			ag_error_prefix(err, "%s:%u:%u", path, refs.v[i].line, refs.v[i].col);
		else
			printf("%s:%u:%u: would re-seal cluster '%s' field '%s' from key '%s'\n",
			    path, refs.v[i].line, refs.v[i].col, info.cluster, info.field, retire);
	}
	ag_sealed_refs_release(&refs);
	return rc;
}

static void
warn_malformed(const char *path, const char *buf, size_t len)
{
	struct ag_sealed_refs refs;
	size_t i;

	ag_sealed_refs_init(&refs);
	ag_sealed_find(&refs, buf, len);
	for (i = 0; i < refs.n; i++)
		if (!refs.v[i].valid)
			fprintf(stderr,
			    "aurora-gitops: warning: %s:%u:%u: 'AGSEALED:' is not followed by a "
			    "valid sealed value; left as it is\n",
			    path, refs.v[i].line, refs.v[i].col);
	ag_sealed_refs_release(&refs);
}

static int
write_keeping_mode(const char *path, const struct ag_buf *b, struct ag_error *err)
{
	struct stat st;
	char *target = realpath(path, NULL);
	int rc;

	if (target == NULL || stat(target, &st) < 0) {
		rc = ag_error_set(err, AG_EIO, "cannot stat '%s': %s", path, strerror(errno));
		free(target);
		return rc;
	}
	rc = ag_fs_write_atomic(target, b->ptr, b->len, st.st_mode & 07777, 0, err);
	free(target);
	return rc;
}

static int
do_list(const char *const *paths, size_t npaths)
{
	struct ag_error err = AG_ERROR_INIT;
	struct ag_sealed_stats st;
	size_t i;

	ag_sealed_stats_init(&st);
	if (ag_sealed_scan(&st, paths, npaths, &err) < 0) {
		ag_sealed_stats_release(&st);
		return ag_cli_fail(&err);
	}
	for (i = 0; i < st.n; i++)
		printf("%s %zu\n", st.v[i].key_id, st.v[i].count);
	if (st.malformed)
		fprintf(stderr,
		    "aurora-gitops: warning: %zu occurrence(s) of 'AGSEALED:' are not valid sealed "
		    "values (not counted)\n",
		    st.malformed);
	ag_sealed_stats_release(&st);
	return AG_EXIT_OK;
}

int
cmd_reseal(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"retire", required_argument, NULL, 'r'},
	    {"key", required_argument, NULL, 'k'},
	    {"key-file", required_argument, NULL, 'F'},
	    {"key-dir", required_argument, NULL, 'D'},
	    {"dry-run", no_argument, NULL, 'n'},
	    {"list", no_argument, NULL, 'l'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	static const char *const default_paths[] = {"manifests"};
	struct ag_error err = AG_ERROR_INIT;
	struct ag_strlist keyfiles = AG_STRLIST_INIT, keydirs = AG_STRLIST_INIT;
	struct ag_strlist files = AG_STRLIST_INIT;
	struct ag_buf in = AG_BUF_INIT(AG_MANIFEST_MAX_BYTES);
	struct ag_keyring *kr = NULL;
	struct plan_file *plan = NULL;
	struct ag_pubkey to;
	const char *retire = NULL, *keypath = NULL;
	const char *const *paths;
	size_t npaths, i, total = 0, nfiles_changed = 0;
	int c, dry_run = 0, list = 0, failed = 0, rc = AG_EXIT_OK;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":r:k:F:D:nlh", opts, NULL)) != -1) {
		switch (c) {
		case 'r':
			retire = optarg;
			break;
		case 'k':
			keypath = optarg;
			break;
		case 'F':
			ag_strlist_add(&keyfiles, optarg);
			break;
		case 'D':
			ag_strlist_add(&keydirs, optarg);
			break;
		case 'n':
			dry_run = 1;
			break;
		case 'l':
			list = 1;
			break;
		case 'h':
			fputs(reseal_help, stdout);
			goto out;
		default:
			rc = ag_cli_opt_error("reseal", c, argv, opts);
			goto out;
		}
	}
	paths = optind < argc ? (const char *const *)argv + optind : default_paths;
	npaths = optind < argc ? (size_t)(argc - optind) : 1;
	if (list) {
		if (retire || keypath || dry_run || keyfiles.n || keydirs.n) {
			rc = ag_cli_usage("reseal", "--list takes only paths");
			goto out;
		}
		rc = do_list(paths, npaths);
		goto out;
	}
	if (retire == NULL || keypath == NULL) {
		rc = ag_cli_usage("reseal", "--retire KEY_ID and --key keys/NEW.pub are required "
		                            "(or --list)");
		goto out;
	}
	if (ag_key_id_check(retire, &err) < 0) {
		rc = ag_cli_usage("reseal", "%s", err.msg);
		goto out;
	}
	if (ag_pubkey_load(&to, keypath, &err) < 0 ||
	    ag_keyring_load_default(&kr, (const char *const *)keyfiles.v, keyfiles.n,
	        (const char *const *)keydirs.v, keydirs.n, &err) < 0 ||
	    ag_fs_find_manifests(&files, paths, npaths, &err) < 0) {
		rc = ag_cli_fail(&err);
		goto out;
	}
	if (strcmp(retire, to.key_id) == 0) {
		rc = ag_cli_usage(
		    "reseal", "--retire '%s' and --key '%s' name the same key", retire, keypath);
		goto out;
	}

	/* Phase 1: re-seal everything in memory; write nothing if anything fails. */
	plan = ag_xcalloc(files.n ? files.n : 1, sizeof(*plan));
	for (i = 0; i < files.n; i++) {
		plan[i].path = files.v[i];
		ag_buf_init(&plan[i].out, 4 * AG_MANIFEST_MAX_BYTES);
		ag_buf_reset(&in);
		ag_error_clear(&err);
		if (ag_sealed_read_manifest(&in, files.v[i], &err) < 0 ||
		    ag_reseal_buf(&plan[i].out, &plan[i].n, kr, retire, &to, in.ptr, in.len,
		        files.v[i], &err) < 0 ||
		    (dry_run && plan[i].n &&
		        list_tokens(kr, retire, files.v[i], in.ptr, in.len, &err) < 0)) {
			ag_cli_fail(&err);
			failed++;
			continue;
		}
		warn_malformed(files.v[i], in.ptr, in.len);
		total += plan[i].n;
		nfiles_changed += plan[i].n > 0;
	}
	if (failed) {
		fprintf(
		    stderr, "aurora-gitops: reseal: %d file(s) failed; nothing written\n", failed);
		rc = AG_EXIT_ERROR;
		goto out;
	}

	/* Phase 2: write the files that changed. */
	for (i = 0; i < files.n; i++) {
		if (plan[i].n == 0)
			continue;
		if (!dry_run && write_keeping_mode(plan[i].path, &plan[i].out, &err) < 0) {
			rc = ag_cli_fail(&err);
			goto out;
		}
		printf("%s: %zu value%s %sre-sealed\n", plan[i].path, plan[i].n,
		    plan[i].n == 1 ? "" : "s", dry_run ? "would be " : "");
	}
	if (total == 0)
		printf("no values sealed with key '%s' found; nothing to do\n", retire);
	else if (dry_run)
		printf("dry run: %zu value%s in %zu file%s would be re-sealed from key '%s' to "
		       "key '%s'; nothing written\n",
		    total, total == 1 ? "" : "s", nfiles_changed, nfiles_changed == 1 ? "" : "s",
		    retire, to.key_id);
	else
		printf("re-sealed %zu value%s in %zu file%s from key '%s' to key '%s'\n", total,
		    total == 1 ? "" : "s", nfiles_changed, nfiles_changed == 1 ? "" : "s", retire,
		    to.key_id);
out:
	if (plan)
		for (i = 0; i < files.n; i++)
			ag_buf_release(&plan[i].out);
	free(plan);
	ag_buf_release(&in);
	ag_keyring_free(kr);
	ag_strlist_release(&files);
	ag_strlist_release(&keyfiles);
	ag_strlist_release(&keydirs);
	return rc;
}
