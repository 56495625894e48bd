/*
 * status --repo: what the agents did, read from the notes of a repository
 * (any clone or the remote itself). Per cluster, the latest line; with
 * --history CLUSTER, every line about that cluster, oldest first.
 */
#include "agent/state.h"
#include "cli/cli.h"
#include "cli/status_notes.h"
#include "core/mem.h"
#include "core/noteline.h"
#include "git/notes.h"
#include "git/repo.h"

#include <getopt.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "core/compat.h"

struct entry {
	char commit[AG_GIT_OID_HEX];
	size_t seq; /* position in the walk, to keep a stable order */
	struct ag_note_line l;
};

struct collect {
	struct entry *v;
	size_t n;
	size_t cap;
	const char *only; /* cluster filter (history) or NULL */
	size_t bad;
};

static int
collect_cb(void *ctx, const char *oid, const char *text, size_t len)
{
	struct collect *c = ctx;
	const char *p = text, *end = text + len;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = (size_t)((nl ? nl : end) - p);
		struct ag_error e = AG_ERROR_INIT;
		struct entry *x;

		if (n > 0) {
			AG_GROW(c->v, c->cap, c->n + 1);
			x = &c->v[c->n];
			memset(x, 0, sizeof(*x));
			ag_note_line_init(&x->l);
			if (ag_note_line_parse(&x->l, p, n, &e) < 0 ||
			    (c->only &&
			        (x->l.cluster == NULL || strcmp(x->l.cluster, c->only) != 0))) {
				if (e.code)
					c->bad++;
				ag_note_line_release(&x->l);
			} else {
				memcpy(x->commit, oid, AG_GIT_OID_HEX);
				x->seq = c->n;
				c->n++;
			}
		}
		p = nl ? nl + 1 : end;
	}
	return 0;
}

static int
by_time(const void *a, const void *b)
{
	const struct entry *x = a, *y = b;

	if (x->l.ts != y->l.ts)
		return x->l.ts < y->l.ts ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static json_t *
str_or_null(const char *s)
{
	return s ? json_string(s) : json_null();
}

static json_t *
entry_json(const struct entry *x)
{
	char when[32];
	json_t *o = json_object(), *out = json_object();

	ag_note_time_format(when, x->l.ts);
	json_object_set_new(o, "cluster", str_or_null(x->l.cluster));
	json_object_set_new(o, "result", str_or_null(x->l.result));
	json_object_set_new(o, "kind", str_or_null(x->l.kind));
	json_object_set_new(o, "commit", json_string(x->commit));
	json_object_set_new(o, "revision", str_or_null(x->l.revision));
	json_object_set_new(o, "time", json_string(when));
	json_object_set_new(o, "ts", json_integer(x->l.ts));
	json_object_set_new(o, "digest", str_or_null(x->l.digest));
	json_object_set_new(o, "agent", str_or_null(x->l.agent));
	json_object_set_new(o, "changes", json_integer(x->l.changes));
	json_object_set_new(out, "writer_endpoint", str_or_null(x->l.writer_endpoint));
	json_object_set_new(out, "reader_endpoint", str_or_null(x->l.reader_endpoint));
	json_object_set_new(out, "port", x->l.port ? json_integer(x->l.port) : json_null());
	json_object_set_new(out, "secret_arn", str_or_null(x->l.secret_arn));
	json_object_set_new(o, "outputs", out);
	json_object_set_new(o, "error", str_or_null(x->l.error));
	return o;
}

static void
entry_text(const struct entry *x)
{
	char when[32];

	ag_note_time_format(when, x->l.ts);
	printf("%-28s %-16s %.7s  %s  %-8s %.12s  %s\n", x->l.cluster ? x->l.cluster : "-",
	    x->l.result ? x->l.result : "-", x->commit, when, x->l.kind,
	    x->l.digest ? x->l.digest : "-", x->l.agent ? x->l.agent : "-");
	if (x->l.writer_endpoint)
		printf("    writer %s:%d\n", x->l.writer_endpoint, x->l.port);
	if (x->l.reader_endpoint)
		printf("    reader %s:%d\n", x->l.reader_endpoint, x->l.port);
	if (x->l.secret_arn)
		printf("    secret %s\n", x->l.secret_arn);
	if (x->l.error)
		printf("    %s\n", x->l.error);
}

int
ag_cli_status_notes(int argc, char **argv)
{
	static const struct option longopts[] = {
	    {"repo", required_argument, NULL, 'r'},
	    {"state-dir", required_argument, NULL, 's'},
	    {"notes-ref", required_argument, NULL, 'n'},
	    {"format", required_argument, NULL, 'f'},
	    {"history", required_argument, NULL, 'H'},
	    {NULL, 0, NULL, 0},
	};
	struct ag_error err = AG_ERROR_INIT;
	struct ag_git_repo_opts ro;
	struct ag_git_repo *repo = NULL;
	struct collect col;
	const char *url = NULL, *statedir = NULL, *notes_ref = NULL, *history = NULL;
	char *defdir = NULL, *cache = NULL;
	json_t *arr = NULL;
	int c, json = 0, rc = AG_EXIT_OK;
	size_t i, j;

	memset(&col, 0, sizeof(col));
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":", longopts, NULL)) != -1) {
		switch (c) {
		case 'r':
			url = optarg;
			break;
		case 's':
			statedir = optarg;
			break;
		case 'n':
			notes_ref = optarg;
			break;
		case 'H':
			history = optarg;
			break;
		case 'f':
			if (strcmp(optarg, "json") == 0)
				json = 1;
			else if (strcmp(optarg, "text") != 0)
				return ag_cli_usage("status",
				    "unknown format '%s' (expected text or json)", optarg);
			break;
		case ':':
			return ag_cli_usage(
			    "status", "option '%s' needs a value", argv[optind - 1]);
		default:
			return ag_cli_usage(
			    "status", "unknown option '%s' with --repo", argv[optind - 1]);
		}
	}
	if (optind < argc)
		return ag_cli_usage("status", "unexpected argument '%s'", argv[optind]);
	if (statedir == NULL)
		statedir = defdir = ag_state_default_dir();
	cache = ag_xasprintf("%s/git", statedir);
	memset(&ro, 0, sizeof(ro));
	ro.url = url;
	ro.cache_dir = cache;
	ro.notes_ref = notes_ref;
	if (ag_git_repo_open(&repo, &ro, &err) < 0 || ag_git_fetch(repo, &err) < 0) {
		rc = ag_cli_fail(&err);
		goto out;
	}
	col.only = history;
	if (ag_git_notes_foreach(repo, AG_GIT_NOTES_REMOTE, collect_cb, &col, &err) < 0) {
		rc = ag_cli_fail(&err);
		goto out;
	}
	if (col.n > 1)
		qsort(col.v, col.n, sizeof(*col.v), by_time);
	if (!history) {
		/* keep the latest line per cluster (lines about a whole commit,
		 * with no cluster, are kept under "-") */
		size_t k = 0;

		for (i = 0; i < col.n; i++) {
			int later = 0;

			for (j = i + 1; j < col.n && !later; j++)
				if ((col.v[i].l.cluster == NULL && col.v[j].l.cluster == NULL) ||
				    (col.v[i].l.cluster && col.v[j].l.cluster &&
				        strcmp(col.v[i].l.cluster, col.v[j].l.cluster) == 0))
					later = 1;
			if (later)
				ag_note_line_release(&col.v[i].l);
			else
				col.v[k++] = col.v[i];
		}
		col.n = k;
	}
	if (json) {
		json_t *root = json_object();

		arr = json_array();
		for (i = 0; i < col.n; i++)
			json_array_append_new(arr, entry_json(&col.v[i]));
		json_object_set_new(root, "repository", json_string(ag_git_repo_url(repo)));
		json_object_set_new(root, "notes_ref", json_string(ag_git_repo_notes_ref(repo)));
		if (history)
			json_object_set_new(root, "history", json_string(history));
		json_object_set_new(root, history ? "entries" : "clusters", arr);
		json_dumpf(root, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		fputc('\n', stdout);
		json_decref(root);
	} else {
		printf("%s in '%s' (%s):\n", history ? "history" : "last results",
		    ag_git_repo_url(repo), ag_git_repo_notes_ref(repo));
		if (col.n == 0)
			printf("  none%s\n", history ? " for this cluster" : "");
		for (i = 0; i < col.n; i++)
			entry_text(&col.v[i]);
	}
	if (col.bad)
		fprintf(stderr, "aurora-gitops status: %zu note line%s could not be read\n",
		    col.bad, col.bad == 1 ? "" : "s");
	if (history && col.n == 0)
		rc = AG_EXIT_ERROR;
out:
	for (i = 0; i < col.n; i++)
		ag_note_line_release(&col.v[i].l);
	free(col.v);
	ag_git_repo_free(repo);
	free(cache);
	free(defdir);
	return rc;
}
