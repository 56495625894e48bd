/*
 * Markdown of a pull-request report, made for a GitHub / GitLab comment.
 *
 * Everything that comes from a manifest or from AWS is escaped: prose is
 * backslash-escaped (no markup, no HTML, no @mentions, no #references),
 * values sit in code spans whose fence outgrows their backticks, API
 * parameters in code blocks whose fence does the same. The only raw HTML
 * is the hidden marker and <details>/<summary>, whose summaries hold no
 * manifest value. Tables hold numbers only.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/error.h"
#include "core/escape.h"
#include "core/fieldtab.h"
#include "core/mem.h"
#include "core/plan.h"
#include "core/prclass.h"

#include "core/compat.h"

/* Room kept at the end for closing blocks, the untouched list and the
 * truncation note. */
#define MD_TAIL_RESERVE 6000
#define MD_UNTOUCHED_LIST 200

static bool
is_ctrl(unsigned char c)
{
	return c < 0x20 || c == 0x7f;
}

/* A code block line: control characters dropped, tabs kept. */
static void
code_line(struct ag_buf *b, const char *s)
{
	const unsigned char *p;

	for (p = (const unsigned char *)s; p != NULL && *p; p++) {
		if (*p == '\n' || *p == '\r')
			(void)ag_buf_addc(b, ' ');
		else if (*p == '\t' || !is_ctrl(*p))
			(void)ag_buf_addc(b, (char)*p);
	}
}

/* Percent-encodes a repository path for a URL; '/' stays. */
static void
url_path(struct ag_buf *b, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	const unsigned char *p;

	for (p = (const unsigned char *)s; *p; p++) {
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || strchr("-._~/", *p) != NULL)
			(void)ag_buf_addc(b, (char)*p);
		else
			(void)ag_buf_addf(b, "%%%c%c", hex[*p >> 4], hex[*p & 15]);
	}
}

/* The link target's own characters: only what a URL may hold unescaped
 * in a Markdown link destination. */
static bool
url_ok(const char *u)
{
	const unsigned char *p;

	if (u == NULL || (strncmp(u, "https://", 8) != 0 && strncmp(u, "http://", 7) != 0))
		return false;
	for (p = (const unsigned char *)u; *p; p++)
		if (is_ctrl(*p) || *p == ' ' || *p == '(' || *p == ')' || *p == '<' || *p == '>' ||
		    *p == '"' || *p == '\\' || *p >= 0x80)
			return false;
	return true;
}

char *
ag_pr_marker(const char *context)
{
	struct ag_buf b = AG_BUF_INIT(512);
	const char *p;

	(void)ag_buf_adds(&b, "<!-- aurora-gitops:pr-report:");
	if (context == NULL || *context == '\0')
		context = "default";
	for (p = context; *p && b.len < 200; p++) {
		char c = *p;

		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		    c == '.' || c == '_' || c == '/' || c == '-')
			(void)ag_buf_addc(&b, c);
		else
			(void)ag_buf_addc(&b, '_');
	}
	(void)ag_buf_adds(&b, " -->");
	return ag_buf_detach(&b, NULL);
}

static const char *
badge(enum ag_update_class c)
{
	switch (c) {
	case AG_CLASS_IN_PLACE:
		return "in place";
	case AG_CLASS_DEFERRED:
		return "deferred to the maintenance window";
	case AG_CLASS_OUTAGE:
		return "**outage**";
	case AG_CLASS_BLOCKED:
		return "**blocked**";
	case AG_CLASS_DELETE_ONLY:
		return "delete";
	default:
		return ag_update_class_name(c);
	}
}

static const char *
status_icon(const struct ag_pr_cluster *c)
{
	if (c->blocked)
		return "⛔";
	if (c->head != NULL && c->head->status == AG_STATUS_ERROR)
		return "❌";
	if (c->lowering.n > 0)
		return "⚠️";
	if (c->head == NULL)
		return "➖";
	switch (c->head->status) {
	case AG_STATUS_CREATE:
		return "➕";
	case AG_STATUS_DELETE:
	case AG_STATUS_ORPHANED:
		return "➖";
	case AG_STATUS_UNCHANGED:
		return "✅";
	default:
		return "✏️";
	}
}

static void
md_change(struct ag_buf *b, const struct ag_change *c, bool preexisting)
{
	(void)ag_buf_adds(b, "- ");
	(void)ag_escape_md_code(b, c->path);
	if (c->field == AG_F_PASSWORD && c->state == AG_CHANGE_SEND) {
		(void)ag_buf_adds(b, ": changed (rotated)");
	} else {
		(void)ag_buf_adds(b, ": live ");
		(void)ag_escape_md_code(b, c->live);
		(void)ag_buf_adds(b, " → ");
		(void)ag_escape_md_code(b, c->committed);
	}
	(void)ag_buf_addf(b, " · %s", badge(c->klass));
	if (c->state != AG_CHANGE_SEND && c->klass != AG_CLASS_BLOCKED)
		(void)ag_buf_addf(b, " · _%s_", ag_change_state_name(c->state));
	if (preexisting)
		(void)ag_buf_adds(b, " · _drift already there_");
	if (c->note != NULL) {
		(void)ag_buf_adds(b, " — ");
		(void)ag_escape_md_text(b, c->note);
	}
	(void)ag_buf_addc(b, '\n');
}

static void
md_actions(struct ag_buf *b, const struct ag_cluster_plan *cp)
{
	struct ag_buf code = AG_BUF_INIT((size_t)1 << 24);
	size_t i, j;
	char *fence;

	if (cp == NULL || cp->n_actions == 0)
		return;
	for (i = 0; i < cp->n_actions; i++) {
		const struct ag_action *a = &cp->actions[i];

		(void)ag_buf_addf(&code, "%zu. %s:", i + 1, a->api);
		code_line(&code, a->action);
		(void)ag_buf_addc(&code, ' ');
		code_line(&code, a->target != NULL ? a->target : "");
		(void)ag_buf_addf(&code, " (%s)%s\n", ag_update_class_name(a->klass),
		    a->blocked ? " BLOCKED" : "");
		for (j = 0; j < a->params.n; j++) {
			(void)ag_buf_adds(&code, "     ");
			code_line(&code, a->params.v[j].key);
			(void)ag_buf_addc(&code, '=');
			code_line(&code, a->params.v[j].value);
			(void)ag_buf_addc(&code, '\n');
		}
	}
	fence = ag_escape_md_fence(code.ptr);
	(void)ag_buf_addf(b, "\n<details><summary>API calls (%zu, %s)</summary>\n\n", cp->n_actions,
	    cp->execute ? "run by apply" : "not run in this mode");
	(void)ag_buf_addf(b, "%stext\n", fence);
	(void)ag_buf_add(b, code.ptr, code.len);
	(void)ag_buf_addf(b, "%s\n\n</details>\n", fence);
	free(fence);
	ag_buf_release(&code);
}

static void
md_location(struct ag_buf *b, const struct ag_pr_cluster *c, const struct ag_pr_markdown_opts *o)
{
	struct ag_buf url = AG_BUF_INIT(8192);

	if (c->path == NULL)
		return;
	if (o->blob_url != NULL && url_ok(o->blob_url)) {
		(void)ag_buf_adds(&url, o->blob_url);
		if (url.len > 0 && url.ptr[url.len - 1] != '/')
			(void)ag_buf_addc(&url, '/');
		url_path(&url, c->path);
		if (c->line > 0)
			(void)ag_buf_addf(&url, "#L%u", c->line);
		(void)ag_buf_adds(b, "Manifest: [");
		(void)ag_escape_md_text(b, c->path);
		if (c->line > 0)
			(void)ag_buf_addf(b, " line %u", c->line);
		(void)ag_buf_addf(b, "](%s)\n\n", url.ptr);
	} else {
		(void)ag_buf_adds(b, "Manifest: ");
		(void)ag_escape_md_text(b, c->path);
		if (c->line > 0)
			(void)ag_buf_addf(b, " line %u", c->line);
		(void)ag_buf_adds(b, "\n\n");
	}
	ag_buf_release(&url);
}

static const char *
what_text(const struct ag_pr_cluster *c)
{
	if (c->head != NULL && c->head->status == AG_STATUS_ERROR)
		return "error";
	switch (c->edit) {
	case AG_PR_EDIT_ADDED:
		return c->head != NULL && c->head->status == AG_STATUS_CREATE
		           ? "added: will be created"
		           : "added: adopts the live cluster";
	case AG_PR_EDIT_REMOVED:
		return c->head != NULL ? "removed: orphaned, never deleted"
		                       : "removed: no live cluster";
	case AG_PR_EDIT_RENAMED:
		return "renamed: blocked";
	case AG_PR_EDIT_MODIFIED:
		return c->head != NULL ? ag_cluster_status_name(c->head->status) : "modified";
	case AG_PR_EDIT_NONE:
		break;
	}
	return c->head != NULL ? ag_cluster_status_name(c->head->status) : "unchanged";
}

static void
md_cluster(struct ag_buf *b, const struct ag_pr_cluster *c, const struct ag_pr_markdown_opts *o)
{
	const struct ag_cluster_plan *cp = c->head;
	size_t i;

	(void)ag_buf_addf(b, "\n#### %s ", status_icon(c));
	(void)ag_escape_md_code(b, c->id);
	(void)ag_buf_adds(b, " — ");
	(void)ag_escape_md_text(b, what_text(c));
	if (c->renamed_from != NULL) {
		(void)ag_buf_adds(b, " (was ");
		(void)ag_escape_md_code(b, c->renamed_from);
		(void)ag_buf_addc(b, ')');
	}
	if (cp != NULL)
		(void)ag_buf_addf(b, " · mode %s", ag_mode_name(cp->mode));
	(void)ag_buf_adds(b, "\n\n");
	md_location(b, c, o);
	if (c->reason != NULL) {
		(void)ag_buf_adds(b, "> ");
		(void)ag_escape_md_text(b, c->reason);
		(void)ag_buf_adds(b, "\n\n");
	} else if (cp != NULL && cp->reason != NULL) {
		(void)ag_buf_adds(b, "> ");
		(void)ag_escape_md_text(b, cp->reason);
		(void)ag_buf_adds(b, "\n\n");
	}
	for (i = 0; i < c->lowering.n; i++) {
		(void)ag_buf_adds(b, "- ⚠️ **lowers protection:** ");
		(void)ag_escape_md_text(b, c->lowering.v[i]);
		(void)ag_buf_addc(b, '\n');
	}
	for (i = 0; cp != NULL && i < cp->notes.n; i++) {
		(void)ag_buf_adds(b, "- note: ");
		(void)ag_escape_md_text(b, cp->notes.v[i]);
		(void)ag_buf_addc(b, '\n');
	}
	for (i = 0; cp != NULL && i < cp->n_changes; i++)
		md_change(b, &cp->changes[i], c->preexisting != NULL && c->preexisting[i]);
	if (c->lowering.n > 0 || (cp != NULL && (cp->notes.n > 0 || cp->n_changes > 0)))
		(void)ag_buf_addc(b, '\n');
	md_actions(b, cp);
}

static const char *
headline(const struct ag_pr_report *r)
{
	switch (r->verdict) {
	case AG_PR_BLOCKED:
		return "⛔ blocked";
	case AG_PR_ERROR:
		return "❌ error";
	case AG_PR_CHANGES:
		return "🟡 changes";
	case AG_PR_SUCCESS:
		break;
	}
	return "✅ no changes";
}

/* Appends sec to body when it fits below limit; counts it out otherwise. */
static void
put_section(struct ag_buf *body, const struct ag_buf *sec, size_t limit, size_t *left_out)
{
	if (*left_out == 0 && body->len + sec->len <= limit &&
	    ag_buf_add(body, sec->ptr, sec->len) == 0)
		return;
	(*left_out)++;
}

int
ag_pr_markdown(
    struct ag_buf *out, const struct ag_pr_report *r, const struct ag_pr_markdown_opts *opts)
{
	const struct ag_pr_summary *s = &r->summary;
	struct ag_pr_markdown_opts o = {0};
	size_t max, limit, i, left_out = 0, listed = 0, more = 0;
	struct ag_buf body, sec = AG_BUF_INIT((size_t)1 << 26);
	char *marker;
	int rc;

	if (opts != NULL)
		o = *opts;
	max = o.max > 0 ? o.max : AG_PR_COMMENT_MAX;
	ag_buf_init(&body, max);
	limit = max > MD_TAIL_RESERVE ? max - MD_TAIL_RESERVE : 0;

	marker = ag_pr_marker(o.context);
	(void)ag_buf_addf(&body, "%s\n## aurora-gitops plan: %s\n\n", marker, headline(r));
	free(marker);
	(void)ag_buf_adds(&body, "Base ");
	(void)ag_escape_md_code(&body, r->base_rev != NULL ? r->base_rev : "?");
	(void)ag_buf_adds(&body, " → head ");
	(void)ag_escape_md_code(&body, r->head_rev != NULL ? r->head_rev : "?");
	(void)ag_buf_adds(&body, ", planned against the live clusters. Head plan digest ");
	(void)ag_escape_md_code(&body, r->head_digest);
	(void)ag_buf_adds(&body, ".\n\n");
	(void)ag_buf_addf(&body,
	    "| | clusters |\n|---|---:|\n"
	    "| **this change** | %zu |\n"
	    "| drift already there | %zu |\n"
	    "| untouched | %zu |\n"
	    "| added / removed / renamed / modified | %zu / %zu / %zu / %zu |\n"
	    "| blocked (this change) | %zu |\n"
	    "| lowers protection | %zu |\n"
	    "| errors | %zu |\n",
	    s->this_change, s->drift, s->untouched, s->added, s->removed, s->renamed, s->modified,
	    s->blocked, s->lowering, s->errors);

	(void)ag_buf_addf(&body, "\n### This change (%zu)\n", s->this_change);
	if (s->this_change == 0)
		(void)ag_buf_adds(&body, "\nNo manifest differs between base and head.\n");
	for (i = 0; i < r->n; i++) {
		if (r->v[i].group != AG_PR_THIS_CHANGE)
			continue;
		ag_buf_reset(&sec);
		md_cluster(&sec, &r->v[i], &o);
		put_section(&body, &sec, limit, &left_out);
	}

	if (s->drift > 0) {
		(void)ag_buf_addf(&body,
		    "\n### Drift already there (%zu)\n\n"
		    "These clusters differ from their manifests at base too: someone changed them "
		    "outside git, and applying any commit would change them back. This pull "
		    "request "
		    "did not cause it; fix it in its own pull request (change the manifest to what "
		    "is live, or apply to restore the manifest).\n\n"
		    "<details><summary>Show the %zu cluster%s</summary>\n",
		    s->drift, s->drift, s->drift == 1 ? "" : "s");
		for (i = 0; i < r->n; i++) {
			if (r->v[i].group != AG_PR_DRIFT)
				continue;
			ag_buf_reset(&sec);
			md_cluster(&sec, &r->v[i], &o);
			put_section(&body, &sec, limit, &left_out);
		}
		(void)ag_buf_adds(&body, "\n</details>\n");
	}

	if (s->untouched > 0) {
		(void)ag_buf_addf(&body, "\n### Untouched (%zu)\n\n", s->untouched);
		for (i = 0; i < r->n; i++) {
			if (r->v[i].group != AG_PR_UNTOUCHED)
				continue;
			if (listed >= MD_UNTOUCHED_LIST || body.len + 200 > max - 1500) {
				more++;
				continue;
			}
			(void)ag_buf_adds(&body, listed > 0 ? ", " : "");
			(void)ag_escape_md_code(&body, r->v[i].id);
			listed++;
		}
		if (more > 0)
			(void)ag_buf_addf(&body, " and %zu more", more);
		(void)ag_buf_addc(&body, '\n');
	}
	if (left_out > 0) {
		(void)ag_buf_addf(&body,
		    "\n> **Truncated:** %zu cluster section%s left out to keep this comment under "
		    "%zu characters. The full report, every cluster included, is the JSON "
		    "artifact",
		    left_out, left_out == 1 ? " was" : "s were", max);
		if (o.artifact != NULL && strlen(o.artifact) < 1000) {
			(void)ag_buf_adds(&body, " ");
			(void)ag_escape_md_code(&body, o.artifact);
		}
		(void)ag_buf_adds(&body, ".\n");
	}
	rc = ag_buf_add(out, body.ptr, body.len);
	ag_buf_release(&body);
	ag_buf_release(&sec);
	return rc;
}
