/*
 * plan --base REV --head REV: the pull-request plan. The head revision's
 * manifests are planned against the live clusters as any plan; the base
 * revision's manifests are planned against the same snapshot; the two are
 * sorted into "this change", "drift already there" and "untouched"
 * (core/prclass.h) and rendered for a pull-request comment.
 */
#include "cli/prplan.h"
#include "agent/refs.h"
#include "cli/cli.h"
#include "cli/gitsrc.h"
#include "cli/reconcile.h"
#include "core/buf.h"
#include "core/log.h"
#include "core/mem.h"
#include "core/prclass.h"
#include "git/repo.h"
#include "git/source.h"
#include "sys/fs.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <jansson.h>

#include "core/compat.h"

#define PR_REPORT_MAX ((size_t)256 << 20)

struct pr_git {
	struct ag_gitsync *gs;     /* --repo URL: the cache */
	struct ag_git_repo *local; /* --repo DIR: a clone opened in place */
	struct ag_source *src;     /* head source when local */
	char head[AG_GIT_OID_HEX];
};

static void
pr_git_release(struct pr_git *g)
{
	ag_source_free(g->src);
	ag_git_repo_free(g->local);
	ag_gitsync_free(g->gs);
}

static bool
is_dir(const char *p)
{
	struct stat st;

	return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

/* Opens the repository and points o->cfg.source at the head commit.
 * Returns 0 or an exit code after printing what failed. */
static int
open_head(struct pr_git *g, struct ag_cli_opts *o)
{
	struct ag_error err = AG_ERROR_INIT;
	int rc;

	if (is_dir(o->git.repo)) {
		if (ag_git_repo_open_local(&g->local, o->git.repo, &err) < 0)
			return ag_cli_fail(&err);
		if (ag_git_resolve(g->head, g->local, o->pr.head, &err) < 0) {
			ag_error_prefix(&err, "--head");
			return ag_cli_fail(&err);
		}
		if (ag_git_source_new(&g->src, g->local, g->head, o->pr.head, o->git.path, &err) <
		    0)
			return ag_cli_fail(&err);
		o->cfg.source = g->src;
		return 0;
	}
	/* A remote: the cache, fetched, reading the head revision. */
	o->git.ref = o->pr.head;
	if ((rc = ag_cli_git_open(&g->gs, o, "plan")) != 0)
		return rc;
	snprintf(g->head, sizeof(g->head), "%s", ag_gitsync_commit(g->gs));
	return 0;
}

static struct ag_git_repo *
pr_repo(struct pr_git *g)
{
	return g->local != NULL ? g->local : ag_gitsync_repo(g->gs);
}

/* "https://host/o/r/blob/{sha}" -> the head commit in place of {sha}. */
static char *
blob_url(const char *tmpl, const char *sha)
{
	struct ag_buf b = AG_BUF_INIT(8192);
	const char *p = tmpl, *q;

	if (tmpl == NULL)
		return NULL;
	while ((q = strstr(p, "{sha}")) != NULL) {
		(void)ag_buf_add(&b, p, (size_t)(q - p));
		(void)ag_buf_adds(&b, sha);
		p = q + 5;
	}
	(void)ag_buf_adds(&b, p);
	return ag_buf_detach(&b, NULL);
}

static int
text_report(struct ag_buf *b, const struct ag_pr_report *r)
{
	static const enum ag_pr_group groups[] = {AG_PR_THIS_CHANGE, AG_PR_DRIFT, AG_PR_UNTOUCHED};
	static const char *const names[] = {"this change", "drift already there", "untouched"};
	size_t g, i, k;
	int rc = 0;

	rc = ag_buf_addf(b, "pull request %s -> %s: %s\n", r->base_rev, r->head_rev,
	    ag_pr_verdict_name(r->verdict));
	for (g = 0; g < 3 && rc == 0; g++) {
		k = 0;
		for (i = 0; i < r->n; i++)
			k += r->v[i].group == groups[g];
		rc = ag_buf_addf(b, "%s (%zu):", names[g], k);
		for (i = 0; i < r->n && rc == 0; i++) {
			const struct ag_pr_cluster *c = &r->v[i];

			if (c->group != groups[g])
				continue;
			rc = ag_buf_addf(b, " %s%s%s%s", c->id,
			    c->edit != AG_PR_EDIT_NONE ? "(" : "",
			    c->edit != AG_PR_EDIT_NONE ? ag_pr_edit_name(c->edit) : "",
			    c->edit != AG_PR_EDIT_NONE ? (c->blocked ? ", blocked)" : ")") : "");
		}
		if (rc == 0)
			rc = ag_buf_addc(b, '\n');
	}
	return rc;
}

static int
write_out(const char *path, const struct ag_buf *b, struct ag_error *err)
{
	if (path == NULL) {
		fwrite(b->ptr, 1, b->len, stdout);
		return 0;
	}
	return ag_fs_write_atomic(path, b->ptr, b->len, 0644, 0, err);
}

static int
render(const struct ag_pr_report *r, const struct ag_cli_opts *o, const char *head,
    struct ag_error *err)
{
	struct ag_buf b = AG_BUF_INIT(PR_REPORT_MAX);
	struct ag_pr_markdown_opts mo = {0};
	json_t *j = NULL;
	char *s = NULL, *url = NULL;
	int rc = 0;

	if (o->pr.out_json != NULL || strcmp(o->format, "json") == 0) {
		j = ag_pr_report_json(r);
		s = json_dumps(j, JSON_SORT_KEYS | JSON_INDENT(2) | JSON_ENSURE_ASCII);
		if (s == NULL) {
			rc = ag_error_set(err, AG_ERROR, "cannot render the report as JSON");
			goto out;
		}
	}
	if (o->pr.out_json != NULL) {
		struct ag_buf jb = AG_BUF_INIT(PR_REPORT_MAX);

		if ((rc = ag_buf_adds(&jb, s)) == 0 && (rc = ag_buf_addc(&jb, '\n')) == 0)
			rc = ag_fs_write_atomic(o->pr.out_json, jb.ptr, jb.len, 0644, 0, err);
		ag_buf_release(&jb);
		if (rc < 0)
			goto out;
	}
	if (strcmp(o->format, "json") == 0) {
		rc = ag_buf_adds(&b, s);
		if (rc == 0)
			rc = ag_buf_addc(&b, '\n');
	} else if (strcmp(o->format, "markdown") == 0) {
		url = blob_url(o->pr.blob_url, head);
		mo.context = o->pr.context;
		mo.blob_url = url;
		mo.artifact = o->pr.out_json;
		if (mo.artifact != NULL && strrchr(mo.artifact, '/') != NULL)
			mo.artifact = strrchr(mo.artifact, '/') + 1;
		rc = ag_pr_markdown(&b, r, &mo);
	} else {
		rc = text_report(&b, r);
	}
	if (rc < 0) {
		ag_error_set(err, rc, "cannot render the pull-request report as %s: %s", o->format,
		    ag_error_name(rc));
		goto out;
	}
	rc = write_out(o->out, &b, err);
out:
	free(url);
	free(s);
	json_decref(j);
	ag_buf_release(&b);
	return rc;
}

int
ag_cli_plan_pr(struct ag_cli_opts *o)
{
	struct ag_error err = AG_ERROR_INIT;
	struct pr_git g;
	struct ag_cli_run run;
	struct ag_password_info *pw = NULL;
	size_t i;
	struct ag_manifest_set base;
	struct ag_diags bdiags;
	struct ag_plan bplan;
	struct ag_plan_input in;
	struct ag_pr_input pin = {0};
	struct ag_pr_report rep;
	char *base_label = NULL, *head_label = NULL;
	int rc, exit_rc;

	memset(&g, 0, sizeof(g));
	memset(&run, 0, sizeof(run));
	ag_manifest_set_init(&base);
	ag_diags_init(&bdiags);
	ag_plan_init(&bplan);
	ag_pr_report_init(&rep);

	if (o->git.repo == NULL) {
		exit_rc = ag_cli_usage("plan", "--base and --head need --repo PATH|URL");
		goto out;
	}
	if ((exit_rc = open_head(&g, o)) != 0)
		goto out;
	/* the head plan: the ordinary cycle over the head commit */
	if ((exit_rc = ag_cli_run_open(&run, o, false)) != 0)
		goto out;
	if ((exit_rc = ag_cli_cycle_plan(&run.cy, o)) != 0)
		goto out;
	/* a pull request with a bad manifest is not planned around it: its
	 * clusters would read as removed */
	if (run.cy.invalid_files.n > 0) {
		exit_rc = AG_EXIT_ERROR;
		goto out;
	}
	rc = ag_git_load_at(&base, &bdiags, pr_repo(&g), o->pr.base, o->git.path, &err);
	if (rc == AG_EINVAL && bdiags.errors > 0) {
		/* a pull request that repairs the base must still be reported */
		ag_log_warn("the base '%s' has %zu error%s in its manifests; clusters of those "
		            "documents count as added",
		    o->pr.base, bdiags.errors, bdiags.errors == 1 ? "" : "s");
		ag_error_clear(&err);
	} else if (rc < 0) {
		ag_error_prefix(&err, "--base '%s'", o->pr.base);
		goto fail;
	}
	/* the base's references resolve against the same account as the head's */
	ag_refs_resolve(&base, &run.cy.observed, run.env.aws);
	ag_plan_input_init(&in);
	in.manifests = &base;
	in.observed = &run.cy.observed;
	in.default_mode = o->cfg.mode;
	in.now = run.cy.plan.now;
	in.max_deletes = o->cfg.max_deletes;
	in.cluster_filter = o->cfg.clusters;
	in.n_cluster_filter = o->cfg.n_clusters;
	/* the head's password states: a base manifest of the same cluster
	 * is compared with the same record */
	pw = ag_xcalloc(run.cy.n_items + 1, sizeof(*pw));
	for (i = 0; i < run.cy.n_items; i++)
		pw[i] = run.cy.items[i].pw;
	in.passwords = pw;
	in.n_passwords = run.cy.n_items;
	if (ag_plan_compute(&bplan, &in, &err) < 0)
		goto fail;

	base_label = ag_xstrdup(o->pr.base);
	head_label = g.head[0] != '\0' && strncmp(o->pr.head, g.head, strlen(o->pr.head)) != 0
	                 ? ag_xasprintf("%s@%.7s", o->pr.head, g.head)
	                 : ag_xasprintf("%.12s", g.head);
	pin.base_plan = &bplan;
	pin.head_plan = &run.cy.plan;
	pin.base = &base;
	pin.head = &run.cy.manifests;
	pin.base_rev = base_label;
	pin.head_rev = head_label;
	pin.head_commit = g.head;
	if (ag_pr_classify(&rep, &pin, &err) < 0)
		goto fail;
	if (render(&rep, o, g.head, &err) < 0)
		goto fail;
	exit_rc = ag_cli_exit_for(&run.cy, o->detailed_exitcode, 0);
	/* a rename is blocked even though each half plans fine */
	if ((exit_rc == AG_EXIT_OK || exit_rc == AG_EXIT_CHANGES) && rep.summary.renamed > 0)
		exit_rc = AG_EXIT_BLOCKED;
	goto out;
fail:
	exit_rc = ag_cli_fail(&err);
out:
	free(base_label);
	free(head_label);
	ag_pr_report_release(&rep);
	ag_plan_release(&bplan);
	ag_diags_release(&bdiags);
	ag_manifest_set_release(&base);
	free(pw);
	ag_cli_run_close(&run);
	o->cfg.source = NULL;
	pr_git_release(&g);
	return exit_rc;
}
