/*
 * aurora-gitops report: post what `plan --base --head` wrote (the Markdown
 * comment and the JSON report) to a pull request: one sticky comment,
 * updated in place, and a commit status on the head commit.
 *
 * It does not plan by itself: the plan needs AWS read access, the report
 * needs a forge token, and keeping them in two steps keeps each credential
 * in the one step that needs it.
 */
#include "cli/cli.h"
#include "cli/opts.h"
#include "core/buf.h"
#include "core/escape.h"
#include "core/mem.h"
#include "core/prclass.h"
#include "forge/forge.h"
#include "sys/fs.h"
#include "sys/sysclock.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "core/compat.h"

#define MARKER_PREFIX "<!-- aurora-gitops:pr-report:"
#define GITLAB_NOTE_MAX 1000000

static const char report_help[] =
    "usage: aurora-gitops report (--github OWNER/REPO --pr N | --gitlab PROJECT --mr N)\n"
    "                            --markdown FILE --json FILE [--sha SHA]\n"
    "                            [--api-url URL] [--target-url URL] [--ca-bundle FILE]\n"
    "                            [--no-status]\n"
    "       aurora-gitops report (--github ... | --gitlab ...) --error TEXT --sha SHA\n"
    "                            [--context NAME]\n"
    "\n"
    "Posts the comment written by `plan --base B --head H --format markdown --out FILE\n"
    "--out-json FILE` to the pull request: the comment carrying the same hidden marker\n"
    "is updated in place, else one is created. Sets the commit status on the head commit\n"
    "(from the JSON report, or --sha): success (no changes), success with \"changes\",\n"
    "failure (blocked) or error. --error TEXT posts a failed plan instead.\n"
    "\n"
    "Token: GitHub from GITHUB_TOKEN; GitLab from GITLAB_TOKEN (PRIVATE-TOKEN), else\n"
    "CI_JOB_TOKEN (JOB-TOKEN). Never from the command line.\n"
    "API URL: --api-url, else GITHUB_API_URL / CI_API_V4_URL, else https://api.github.com\n"
    "/ https://gitlab.com/api/v4. It must be https (http only to a loopback address).\n";

struct report_opts {
	const char *github, *gitlab, *number, *markdown, *json, *sha, *api_url, *target_url;
	const char *ca_bundle, *error, *context;
	int no_status;
};

static int
parse(struct report_opts *o, int argc, char **argv)
{
	enum {
		O_GITHUB = 256,
		O_GITLAB,
		O_PR,
		O_MD,
		O_JSON,
		O_SHA,
		O_API,
		O_TARGET,
		O_CA,
		O_ERR,
		O_CTX,
		O_NOSTATUS
	};
	static const struct option opts[] = {
	    {"github", required_argument, NULL, O_GITHUB},
	    {"gitlab", required_argument, NULL, O_GITLAB},
	    {"pr", required_argument, NULL, O_PR},
	    {"mr", required_argument, NULL, O_PR},
	    {"markdown", required_argument, NULL, O_MD},
	    {"json", required_argument, NULL, O_JSON},
	    {"sha", required_argument, NULL, O_SHA},
	    {"api-url", required_argument, NULL, O_API},
	    {"target-url", required_argument, NULL, O_TARGET},
	    {"ca-bundle", required_argument, NULL, O_CA},
	    {"error", required_argument, NULL, O_ERR},
	    {"context", required_argument, NULL, O_CTX},
	    {"no-status", no_argument, NULL, O_NOSTATUS},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	int c;

	memset(o, 0, sizeof(*o));
	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		switch (c) {
		case O_GITHUB:
			o->github = optarg;
			break;
		case O_GITLAB:
			o->gitlab = optarg;
			break;
		case O_PR:
			o->number = optarg;
			break;
		case O_MD:
			o->markdown = optarg;
			break;
		case O_JSON:
			o->json = optarg;
			break;
		case O_SHA:
			o->sha = optarg;
			break;
		case O_API:
			o->api_url = optarg;
			break;
		case O_TARGET:
			o->target_url = optarg;
			break;
		case O_CA:
			o->ca_bundle = optarg;
			break;
		case O_ERR:
			o->error = optarg;
			break;
		case O_CTX:
			o->context = optarg;
			break;
		case O_NOSTATUS:
			o->no_status = 1;
			break;
		case 'h':
			fputs(report_help, stdout);
			return -1;
		default:
			return ag_cli_opt_error("report", c, argv, opts);
		}
	}
	if (optind < argc)
		return ag_cli_usage("report", "unexpected argument '%s'", argv[optind]);
	if ((o->github == NULL) == (o->gitlab == NULL))
		return ag_cli_usage(
		    "report", "give one of --github OWNER/REPO or --gitlab PROJECT");
	if (o->number == NULL)
		return ag_cli_usage(
		    "report", o->github ? "--pr N is required" : "--mr N is required");
	if (o->error == NULL && (o->markdown == NULL || o->json == NULL))
		return ag_cli_usage("report", "--markdown FILE and --json FILE are required "
		                              "(or --error TEXT --sha SHA for a failed plan)");
	if (o->error != NULL && o->sha == NULL)
		return ag_cli_usage("report", "--error needs --sha SHA");
	return 0;
}

static int
parse_number(long *out, const char *s)
{
	long v = 0;

	if (s == NULL || *s == '\0')
		return -1;
	for (; *s; s++) {
		if (*s < '0' || *s > '9' || v > 100000000)
			return -1;
		v = v * 10 + (*s - '0');
	}
	*out = v;
	return v > 0 ? 0 : -1;
}

/* The context a marker names: "<!-- aurora-gitops:pr-report:X -->" -> X. */
static char *
marker_context(const char *marker)
{
	const char *s = marker + strlen(MARKER_PREFIX), *e = strstr(s, " -->");

	return e != NULL ? ag_xstrndup(s, (size_t)(e - s)) : ag_xstrdup("default");
}

/* The marker line at the top of the comment, malloc'd, or NULL. */
static char *
find_marker(const char *md)
{
	const char *e;

	if (strncmp(md, MARKER_PREFIX, strlen(MARKER_PREFIX)) != 0)
		return NULL;
	e = strstr(md, " -->");
	if (e == NULL || memchr(md, '\n', (size_t)(e - md)) != NULL)
		return NULL;
	return ag_xstrndup(md, (size_t)(e + 4 - md));
}

static size_t
json_size(json_t *o, const char *k)
{
	return (size_t)json_integer_value(json_object_get(o, k));
}

/* State and description of the commit status from the JSON report. */
static int
status_from_report(enum ag_forge_state *st, char *desc, size_t n, json_t *j, struct ag_error *err)
{
	const char *v = json_string_value(json_object_get(j, "verdict"));
	json_t *s = json_object_get(j, "summary");
	size_t tc = json_size(s, "this_change"), dr = json_size(s, "drift");

	if (v == NULL || !json_is_object(s))
		return ag_error_set(err, AG_EINVAL,
		    "the JSON report has no verdict or summary: is it the --out-json of "
		    "`plan --base --head`?");
	if (strcmp(v, "success") == 0) {
		*st = AG_FORGE_SUCCESS;
		snprintf(desc, n, "no changes");
	} else if (strcmp(v, "changes") == 0) {
		*st = AG_FORGE_SUCCESS;
		snprintf(desc, n, "changes: %zu cluster%s in this change, %zu drifted already", tc,
		    tc == 1 ? "" : "s", dr);
	} else if (strcmp(v, "blocked") == 0) {
		*st = AG_FORGE_FAILURE;
		snprintf(desc, n, "blocked: %zu cluster%s of this change cannot be applied",
		    json_size(s, "blocked"), json_size(s, "blocked") == 1 ? "" : "s");
	} else if (strcmp(v, "error") == 0) {
		*st = AG_FORGE_ERROR;
		snprintf(desc, n, "error: %zu cluster%s could not be planned",
		    json_size(s, "errors"), json_size(s, "errors") == 1 ? "" : "s");
	} else {
		return ag_error_set(err, AG_EINVAL, "unknown verdict '%s' in the JSON report", v);
	}
	return 0;
}

int
cmd_report(int argc, char **argv)
{
	struct report_opts o;
	struct ag_forge_config cfg = {0};
	struct ag_forge *f = NULL;
	struct ag_error err = AG_ERROR_INIT;
	struct ag_buf md = AG_BUF_INIT(GITLAB_NOTE_MAX + 1), js = AG_BUF_INIT((size_t)256 << 20);
	json_t *j = NULL;
	char *marker = NULL, *ctx = NULL, *status_ctx = NULL, *id = NULL;
	const char *sha, *token;
	enum ag_forge_state st = AG_FORGE_ERROR;
	char desc[160];
	long number;
	bool created = false;
	int rc;

	if ((rc = parse(&o, argc, argv)) != 0)
		return rc < 0 ? AG_EXIT_OK : rc;
	if (parse_number(&number, o.number) < 0)
		return ag_cli_usage("report", "'%s' is not a pull request number", o.number);
	cfg.kind = o.github != NULL ? AG_FORGE_GITHUB : AG_FORGE_GITLAB;
	cfg.project = o.github != NULL ? o.github : o.gitlab;
	if (cfg.kind == AG_FORGE_GITHUB) {
		token = getenv("GITHUB_TOKEN");
		cfg.token_kind = AG_FORGE_TOKEN_BEARER;
		cfg.api_url = o.api_url                  ? o.api_url
		              : getenv("GITHUB_API_URL") ? getenv("GITHUB_API_URL")
		                                         : "https://api.github.com";
		if (token == NULL || *token == '\0') {
			ag_error_set(&err, AG_EINVAL,
			    "GITHUB_TOKEN is not set: the report needs a "
			    "token to comment and set a commit status");
			goto fail;
		}
	} else {
		token = getenv("GITLAB_TOKEN");
		cfg.token_kind = AG_FORGE_TOKEN_PRIVATE;
		if (token == NULL || *token == '\0') {
			token = getenv("CI_JOB_TOKEN");
			cfg.token_kind = AG_FORGE_TOKEN_JOB;
		}
		cfg.api_url = o.api_url                 ? o.api_url
		              : getenv("CI_API_V4_URL") ? getenv("CI_API_V4_URL")
		                                        : "https://gitlab.com/api/v4";
		if (token == NULL || *token == '\0') {
			ag_error_set(&err, AG_EINVAL,
			    "neither GITLAB_TOKEN nor CI_JOB_TOKEN is set: the report needs a "
			    "token "
			    "to add a note and set a commit status");
			goto fail;
		}
	}
	cfg.token = token;
	cfg.ca_bundle = o.ca_bundle;
	cfg.clock = ag_sysclock();
	cfg.rand = ag_sysrand();

	if (o.error != NULL) {
		marker = ag_pr_marker(o.context);
		(void)ag_buf_addf(
		    &md, "%s\n## aurora-gitops plan: ❌ error\n\nThe plan failed: ", marker);
		(void)ag_escape_md_text(&md, o.error);
		(void)ag_buf_adds(&md, "\n");
		st = AG_FORGE_ERROR;
		snprintf(desc, sizeof(desc), "error: the plan failed");
		sha = o.sha;
	} else {
		if ((ag_fs_read(&md, o.markdown, &err)) < 0)
			goto fail;
		if (cfg.kind == AG_FORGE_GITHUB && md.len > AG_PR_COMMENT_MAX) {
			ag_error_set(&err, AG_ETOOBIG,
			    "'%s' is %zu bytes; a GitHub comment holds at most %d characters",
			    o.markdown, md.len, AG_PR_COMMENT_MAX);
			goto fail;
		}
		marker = find_marker(md.ptr);
		if (marker == NULL) {
			ag_error_set(&err, AG_EINVAL,
			    "'%s' does not start with the report marker '%s...': write it with "
			    "`plan --base B --head H --format markdown`",
			    o.markdown, MARKER_PREFIX);
			goto fail;
		}
		if ((ag_fs_read(&js, o.json, &err)) < 0)
			goto fail;
		j = json_loadb(js.ptr, js.len, 0, NULL);
		if (j == NULL) {
			ag_error_set(&err, AG_EINVAL, "'%s' is not JSON", o.json);
			goto fail;
		}
		if (status_from_report(&st, desc, sizeof(desc), j, &err) < 0) {
			ag_error_prefix(&err, "%s", o.json);
			goto fail;
		}
		sha = o.sha != NULL ? o.sha
		                    : json_string_value(
		                          json_object_get(json_object_get(j, "head"), "commit"));
		if (sha == NULL && !o.no_status) {
			ag_error_set(&err, AG_EINVAL,
			    "'%s' names no head commit: pass --sha SHA or --no-status", o.json);
			goto fail;
		}
	}
	ctx = marker_context(marker);
	status_ctx = strcmp(ctx, "default") == 0 ? ag_xstrdup("aurora-gitops")
	                                         : ag_xasprintf("aurora-gitops/%s", ctx);

	if ((ag_forge_new(&f, &cfg, &err)) < 0)
		goto fail;
	if ((ag_forge_upsert_comment(f, &created, &id, number, marker, md.ptr, &err)) < 0)
		goto fail;
	printf("%s comment %s on %s %s%ld\n", created ? "created" : "updated", id ? id : "?",
	    cfg.project, cfg.kind == AG_FORGE_GITHUB ? "#" : "!", number);
	if (!o.no_status) {
		if ((ag_forge_set_status(f, sha, st, status_ctx, desc, o.target_url, &err)) < 0)
			goto fail;
		printf("status '%s' on %s: %s\n", status_ctx, sha, desc);
	}
	rc = AG_EXIT_OK;
	goto out;
fail:
	rc = ag_cli_fail(&err);
out:
	ag_forge_free(f);
	json_decref(j);
	free(marker);
	free(ctx);
	free(status_ctx);
	free(id);
	ag_buf_release(&md);
	ag_buf_release(&js);
	return rc;
}
