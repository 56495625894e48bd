/*
 * aurora-gitops validate [PATH...] [--strict] [--format text|json]
 *
 * Loads every manifest under the paths (default: manifests), checks the
 * schema, the cross-manifest rules and the policy lint, and prints every
 * finding to standard output: the findings are what the command produces.
 */
#include "cli/cli.h"
#include "cli/gitsrc.h"
#include "cli/opts.h"
#include "core/buf.h"
#include "core/diag.h"
#include "core/manifest.h"
#include "sys/fs.h"

#include <getopt.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "core/compat.h"

static void
load_file(struct ag_manifest_set *set, struct ag_diags *diags, const char *path)
{
	struct ag_buf b = AG_BUF_INIT(AG_MANIFEST_MAX_BYTES);
	struct ag_error err = AG_ERROR_INIT;
	int rc;

	rc = ag_fs_read(&b, path, &err);
	if (rc == AG_ETOOBIG)
		ag_diags_add(diags, AG_DIAG_ERROR, path, 1, 1, NULL, NULL,
		    "file is too large: the limit is %d bytes", AG_MANIFEST_MAX_BYTES);
	else if (rc < 0)
		ag_diags_add(diags, AG_DIAG_ERROR, path, 0, 0, NULL, NULL, "%s", err.msg);
	else
		ag_manifest_parse(set, diags, b.ptr, b.len, path);
	ag_buf_release(&b);
}

static void
print_text(const struct ag_diags *diags, size_t nmanifests)
{
	size_t i;
	char *line;

	for (i = 0; i < diags->n; i++) {
		line = ag_diag_format(&diags->v[i]);
		puts(line);
		free(line);
	}
	printf("%zu manifest%s, %zu error%s, %zu warning%s\n", nmanifests,
	    nmanifests == 1 ? "" : "s", diags->errors, diags->errors == 1 ? "" : "s",
	    diags->warnings, diags->warnings == 1 ? "" : "s");
}

/* A JSON string for s; bytes that are not UTF-8 (a file name can hold
 * any) become '?'. NULL becomes null. */
static json_t *
str_or_null(const char *s)
{
	json_t *j;
	char *t;
	size_t i;

	if (s == NULL)
		return json_null();
	if ((j = json_string(s)) != NULL)
		return j;
	t = strdup(s);
	if (t == NULL)
		return json_null();
	for (i = 0; t[i]; i++)
		if ((unsigned char)t[i] >= 0x80)
			t[i] = '?';
	j = json_string(t);
	free(t);
	return j ? j : json_null();
}

static int
print_json(const struct ag_diags *diags, size_t nmanifests)
{
	json_t *root = json_object(), *arr = json_array();
	size_t i;
	int rc;

	for (i = 0; i < diags->n; i++) {
		const struct ag_diag *x = &diags->v[i];

		json_array_append_new(arr,
		    json_pack("{s:o, s:I, s:I, s:s, s:o, s:o, s:o}", "file", str_or_null(x->file),
		        "line", (json_int_t)x->line, "column", (json_int_t)x->col, "severity",
		        x->severity == AG_DIAG_ERROR ? "error" : "warning", "rule",
		        str_or_null(x->rule), "field", str_or_null(x->field), "message",
		        str_or_null(x->message)));
	}
	json_object_set_new(root, "manifests", json_integer((json_int_t)nmanifests));
	json_object_set_new(root, "errors", json_integer((json_int_t)diags->errors));
	json_object_set_new(root, "warnings", json_integer((json_int_t)diags->warnings));
	json_object_set_new(root, "diagnostics", arr);
	rc = json_dumpf(root, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	fputc('\n', stdout);
	json_decref(root);
	return rc;
}

int
cmd_validate(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"strict", no_argument, NULL, 's'},
	    {"format", required_argument, NULL, 'f'},
	    {"help", no_argument, NULL, 'h'},
	    {"repo", required_argument, NULL, 'r'},
	    {"branch", required_argument, NULL, 'b'},
	    {"path", required_argument, NULL, 'p'},
	    {"ref", required_argument, NULL, 'R'},
	    {"state-dir", required_argument, NULL, 'S'},
	    {"git-token-env", required_argument, NULL, 'T'},
	    {"git-token-file", required_argument, NULL, 't'},
	    {"ssh-key", required_argument, NULL, 'k'},
	    {"ssh-known-hosts", required_argument, NULL, 'K'},
	    {NULL, 0, NULL, 0},
	};
	struct ag_gitsync *gs = NULL;
	struct ag_cli_opts go;
	static const char *const defpath[] = {"manifests"};
	struct ag_manifest_set set;
	struct ag_diags diags;
	struct ag_strlist files = AG_STRLIST_INIT;
	struct ag_error err = AG_ERROR_INIT;
	const char *const *paths = defpath;
	size_t npaths = 1, i;
	int c, strict = 0, json = 0, rc = AG_EXIT_OK;

	memset(&go, 0, sizeof(go));
	ag_manifest_set_init(&set);
	ag_diags_init(&diags);
	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		switch (c) {
		case 'r':
			go.git.repo = optarg;
			break;
		case 'b':
			go.git.branch = optarg;
			break;
		case 'p':
			go.git.path = optarg;
			break;
		case 'R':
			go.git.ref = optarg;
			break;
		case 'S':
			go.cfg.state_dir = optarg;
			break;
		case 'T':
			go.git.token_env = optarg;
			break;
		case 't':
			go.git.token_file = optarg;
			break;
		case 'k':
			go.git.ssh_key = optarg;
			break;
		case 'K':
			go.git.ssh_known_hosts = optarg;
			break;
		case 's':
			strict = 1;
			break;
		case 'f':
			if (strcmp(optarg, "text") == 0)
				json = 0;
			else if (strcmp(optarg, "json") == 0)
				json = 1;
			else
				return ag_cli_usage("validate",
				    "unknown format '%s' (expected text or json)", optarg);
			break;
		case 'h':
			printf("usage: aurora-gitops %s\n", ag_cmd_find("validate")->usage);
			return AG_EXIT_OK;
		default:
			return ag_cli_opt_error("validate", c, argv, opts);
		}
	}
	if (optind < argc && go.git.repo) {
		rc = ag_cli_usage("validate", "pass paths or --repo, not both");
		goto out;
	}
	if (go.git.repo == NULL && (go.git.branch || go.git.path || go.git.ref)) {
		rc = ag_cli_usage("validate", "--branch, --path and --ref need --repo");
		goto out;
	}
	if (optind < argc) {
		paths = (const char *const *)argv + optind;
		npaths = (size_t)(argc - optind);
	}
	if (go.git.repo) {
		/* the tree at the commit; the source runs the cross-file checks */
		if ((rc = ag_cli_git_open(&gs, &go, "validate")) != 0)
			goto out;
		if (ag_source_load(ag_gitsync_source(gs), &set, &diags, &err) < 0 &&
		    diags.errors == 0) {
			rc = ag_cli_fail(&err);
			goto out;
		}
		goto lint;
	}
	if (ag_fs_find_manifests(&files, paths, npaths, &err) < 0) {
		rc = ag_cli_fail(&err);
		goto out;
	}
	for (i = 0; i < files.n; i++)
		load_file(&set, &diags, files.v[i]);
	ag_manifest_set_check(&set, &diags);
lint:
	ag_manifest_lint(&set, &diags);
	if (strict)
		ag_diags_promote_warnings(&diags);
	ag_diags_sort(&diags);
	if (json)
		print_json(&diags, set.n);
	else
		print_text(&diags, set.n);
	rc = diags.errors ? AG_EXIT_ERROR : AG_EXIT_OK;
out:
	ag_gitsync_free(gs);
	ag_cli_opts_release(&go);
	ag_strlist_release(&files);
	ag_diags_release(&diags);
	ag_manifest_set_release(&set);
	return rc;
}
