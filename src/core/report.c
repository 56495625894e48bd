/*
 * Plan renderers: text (terminal), JSON (docs/plan-format.md) and Markdown
 * (pull-request comment, capped below AG_REPORT_MARKDOWN_MAX characters).
 * A plan carries no password, only placeholders, so nothing here can leak one.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "core/buf.h"
#include "core/error.h"
#include "core/escape.h"
#include "core/fieldtab.h"
#include "core/mem.h"
#include "core/plan.h"
#include "core/report.h"

#include "core/compat.h"

#define C_RESET "\033[0m"
#define C_GREEN "\033[32m"
#define C_YELLOW "\033[33m"
#define C_RED "\033[31m"
#define C_DIM "\033[2m"
#define C_BOLD "\033[1m"

static const char *
status_sign(enum ag_cluster_status s)
{
	switch (s) {
	case AG_STATUS_CREATE:
		return "+";
	case AG_STATUS_UPDATE:
		return "~";
	case AG_STATUS_DELETE:
		return "-";
	case AG_STATUS_BLOCKED:
		return "!";
	case AG_STATUS_ERROR:
		return "x";
	case AG_STATUS_SUSPENDED:
		return "z";
	case AG_STATUS_ORPHANED:
	case AG_STATUS_UNMANAGED:
		return "?";
	case AG_STATUS_UNCHANGED:
		break;
	}
	return "=";
}

static const char *
status_color(enum ag_cluster_status s)
{
	switch (s) {
	case AG_STATUS_CREATE:
		return C_GREEN;
	case AG_STATUS_UPDATE:
		return C_YELLOW;
	case AG_STATUS_DELETE:
	case AG_STATUS_BLOCKED:
	case AG_STATUS_ERROR:
		return C_RED;
	default:
		return C_DIM;
	}
}

static bool
is_password(const struct ag_change *c)
{
	return c->field == AG_F_PASSWORD;
}

/* The state is worth printing: not "send", and not "blocked" twice. */
static bool
show_state(const struct ag_change *c)
{
	return c->state != AG_CHANGE_SEND &&
	       !(c->state == AG_CHANGE_BLOCKED && c->klass == AG_CLASS_BLOCKED);
}

/* A streamed report gathers this much before handing it on; one piece
 * (a cluster's lines) may be larger, up to REPORT_PIECE_MAX. */
#define REPORT_CHUNK 65536
#define REPORT_PIECE_MAX (256u * 1024 * 1024)

/* Hands what b gathered to the sink once it is a chunk (all of it with
 * all). */
static int
drain(const struct ag_report_sink *sink, struct ag_buf *b, bool all)
{
	int rc;

	if (b->len == 0 || (!all && b->len < REPORT_CHUNK))
		return 0;
	rc = sink->write(sink->ctx, b->ptr, b->len);
	ag_buf_reset(b);
	return rc;
}

/* Appends a value from a manifest or a reply on one line, control
 * characters made visible (a value must not forge report lines). */
static int
add_esc(struct ag_buf *b, const char *s)
{
	return ag_escape_text(b, s != NULL ? s : "", s != NULL ? strlen(s) : 0);
}

/* One change as "name: committed X → live Y [class]" (password: never a value). */
static int
text_change(struct ag_buf *b, const struct ag_change *c)
{
	int r;

	if (is_password(c) && c->state == AG_CHANGE_SEND) {
		r = ag_buf_addf(
		    b, "    password: changed (rotated) [%s]", ag_update_class_name(c->klass));
	} else {
		r = ag_buf_adds(b, "    ");
		if (r == 0)
			r = add_esc(b, c->path);
		if (r == 0)
			r = ag_buf_adds(b, ": committed ");
		if (r == 0)
			r = add_esc(b, c->committed);
		if (r == 0)
			r = ag_buf_adds(b, " → live ");
		if (r == 0)
			r = add_esc(b, c->live);
		if (r == 0)
			r = ag_buf_addf(b, " [%s%s%s]", ag_update_class_name(c->klass),
			    show_state(c) ? ", " : "",
			    show_state(c) ? ag_change_state_name(c->state) : "");
	}
	if (r == 0 && c->weakens)
		r = ag_buf_adds(b, " ⚠ weakens protection");
	if (r == 0 && c->note != NULL) {
		r = ag_buf_adds(b, "\n        ");
		if (r == 0)
			r = add_esc(b, c->note);
	}
	if (r == 0)
		r = ag_buf_addc(b, '\n');
	return r;
}

static int
text_action(struct ag_buf *b, size_t n, const struct ag_action *a, const char *indent)
{
	size_t i;
	int r;

	r = ag_buf_addf(b, "%s%zu. %s %s ", indent, n, a->api, a->action);
	if (r == 0)
		r = add_esc(b, a->target);
	if (r == 0)
		r = ag_buf_addf(
		    b, " (%s)%s\n", ag_update_class_name(a->klass), a->blocked ? " BLOCKED" : "");
	for (i = 0; i < a->params.n && r == 0; i++) {
		r = ag_buf_addf(b, "%s     ", indent);
		if (r == 0)
			r = add_esc(b, a->params.v[i].key);
		if (r == 0)
			r = ag_buf_addc(b, '=');
		if (r == 0)
			r = add_esc(b, a->params.v[i].value);
		if (r == 0)
			r = ag_buf_addc(b, '\n');
	}
	return r;
}

int
ag_report_text_to(const struct ag_report_sink *sink, const struct ag_plan *p, int color)
{
	const struct ag_plan_summary *s = &p->summary;
	struct ag_buf b = AG_BUF_INIT(REPORT_PIECE_MAX), *out = &b;
	size_t i, j;
	int r;

	r = ag_buf_addf(out,
	    "%sPlan:%s %zu to create, %zu to update, %zu to delete, %zu unchanged, %zu blocked, "
	    "%zu suspended, %zu orphaned, %zu errors\n",
	    color ? C_BOLD : "", color ? C_RESET : "", s->create, s->update, s->delete_,
	    s->unchanged, s->blocked, s->suspended, s->orphaned, s->errors);
	if (r == 0)
		r = ag_buf_addf(out, "digest: %s\n", p->digest);
	for (i = 0; i < p->n_clusters && r == 0; i++) {
		const struct ag_cluster_plan *cp = &p->clusters[i];

		if (cp->status == AG_STATUS_UNCHANGED && cp->n_changes == 0 && cp->notes.n == 0)
			continue;
		r = ag_buf_addf(
		    out, "\n%s%s ", color ? status_color(cp->status) : "", status_sign(cp->status));
		if (r == 0)
			r = add_esc(out, cp->id);
		if (r == 0)
			r = ag_buf_addf(out, "%s (%s, mode %s)", color ? C_RESET : "",
			    ag_cluster_status_name(cp->status), ag_mode_name(cp->mode));
		if (r == 0 && cp->source != NULL) {
			r = ag_buf_addc(out, ' ');
			if (r == 0)
				r = add_esc(out, cp->source);
		}
		if (r == 0)
			r = ag_buf_addc(out, '\n');
		if (r == 0 && cp->reason != NULL) {
			r = ag_buf_adds(out, "  ");
			if (r == 0)
				r = add_esc(out, cp->reason);
			if (r == 0)
				r = ag_buf_addc(out, '\n');
		}
		for (j = 0; j < cp->notes.n && r == 0; j++) {
			r = ag_buf_adds(out, "  note: ");
			if (r == 0)
				r = add_esc(out, cp->notes.v[j]);
			if (r == 0)
				r = ag_buf_addc(out, '\n');
		}
		for (j = 0; j < cp->n_changes && r == 0; j++)
			r = text_change(out, &cp->changes[j]);
		if (r == 0 && cp->n_actions > 0)
			r = ag_buf_addf(out, "  actions (%s):\n",
			    cp->execute ? "will run" : "not executed in this mode");
		for (j = 0; j < cp->n_actions && r == 0; j++)
			r = text_action(out, j + 1, &cp->actions[j], "    ");
		if (r == 0)
			r = drain(sink, out, false);
	}
	if (r == 0 && s->unchanged > 0) {
		size_t k = 0;

		r = ag_buf_addf(out, "\nunchanged (%zu):", s->unchanged);
		for (i = 0; i < p->n_clusters && r == 0; i++)
			if (p->clusters[i].status == AG_STATUS_UNCHANGED) {
				r = ag_buf_adds(out, k++ == 0 ? " " : ", ");
				if (r == 0)
					r = add_esc(out, p->clusters[i].id);
				if (r == 0)
					r = drain(sink, out, false);
			}
		if (r == 0)
			r = ag_buf_addc(out, '\n');
	}
	if (r == 0)
		r = drain(sink, out, true);
	ag_buf_release(&b);
	return r;
}

/* Appends to a buffer (the unstreamed reports). */
static int
buf_write(void *ctx, const char *data, size_t len)
{
	return ag_buf_add(ctx, data, len);
}

int
ag_report_text(struct ag_buf *out, const struct ag_plan *p, int color)
{
	struct ag_report_sink sink = {buf_write, out};

	return ag_report_text_to(&sink, p, color);
}

/* jansson's dump of a value into the sink; every line after the first
 * indented by indent more spaces (a value dumped alone, placed deeper in
 * the document; JSON strings hold no raw newline). */
struct dump {
	const struct ag_report_sink *sink;
	struct ag_buf b;
	const char *indent;
	int rc;
};

static int
dump_piece(const char *data, size_t len, void *ctx)
{
	struct dump *d = ctx;
	const char *nl;

	while (d->rc == 0 && len > 0 && (nl = memchr(data, '\n', len)) != NULL) {
		d->rc = ag_buf_add(&d->b, data, (size_t)(nl - data) + 1);
		if (d->rc == 0)
			d->rc = ag_buf_adds(&d->b, d->indent);
		len -= (size_t)(nl - data) + 1;
		data = nl + 1;
	}
	if (d->rc == 0 && len > 0)
		d->rc = ag_buf_add(&d->b, data, len);
	if (d->rc == 0)
		d->rc = drain(d->sink, &d->b, false);
	return d->rc == 0 ? 0 : -1;
}

#define JSON_FLAGS (JSON_SORT_KEYS | JSON_INDENT(2) | JSON_ENSURE_ASCII)

int
ag_report_json_to(const struct ag_report_sink *sink, const struct ag_plan *p)
{
	/* the document without its clusters, which are dumped one at a time
	 * where its empty "clusters" array stands (the first key) */
	static const char slot[] = "\"clusters\": []";
	struct ag_plan head = *p;
	struct dump d = {sink, AG_BUF_INIT(REPORT_PIECE_MAX), "    ", 0};
	json_t *j;
	char *s, *at;
	size_t i;

	head.n_clusters = 0;
	j = ag_plan_json(&head);
	s = json_dumps(j, JSON_FLAGS);
	json_decref(j);
	at = s != NULL ? strstr(s, slot) : NULL;
	if (at == NULL) {
		free(s);
		return AG_ERROR;
	}
	d.rc = ag_buf_add(&d.b, s, (size_t)(at - s) + sizeof(slot) - 2);
	for (i = 0; i < p->n_clusters && d.rc == 0; i++) {
		j = ag_cluster_plan_json(&p->clusters[i]);
		d.rc = ag_buf_adds(&d.b, i ? ",\n    " : "\n    ");
		if (d.rc == 0 && json_dump_callback(j, dump_piece, &d, JSON_FLAGS) < 0 && d.rc == 0)
			d.rc = AG_ERROR;
		json_decref(j);
	}
	if (d.rc == 0 && p->n_clusters > 0)
		d.rc = ag_buf_adds(&d.b, "\n  ");
	if (d.rc == 0)
		d.rc = ag_buf_adds(&d.b, at + sizeof(slot) - 2);
	if (d.rc == 0)
		d.rc = ag_buf_addc(&d.b, '\n');
	if (d.rc == 0)
		d.rc = drain(sink, &d.b, true);
	ag_buf_release(&d.b);
	free(s);
	return d.rc;
}

int
ag_report_json(struct ag_buf *out, const struct ag_plan *p)
{
	struct ag_report_sink sink = {buf_write, out};

	return ag_report_json_to(&sink, p);
}

static const char *
badge(enum ag_update_class c)
{
	switch (c) {
	case AG_CLASS_IN_PLACE:
		return "🟢 in-place";
	case AG_CLASS_DEFERRED:
		return "🕒 deferred";
	case AG_CLASS_OUTAGE:
		return "🟠 outage";
	case AG_CLASS_BLOCKED:
		return "⛔ blocked";
	case AG_CLASS_DELETE_ONLY:
		return "🗑️ delete";
	default:
		return ag_update_class_name(c);
	}
}

/*
 * Every value that reaches the Markdown comes from a manifest or a reply and
 * is escaped (ag_escape_md_code(), ag_escape_md_text(), a fence longer than any backtick
 * run): a label value with a line break, a code fence or "<!--" must not
 * hide the clusters after it from a reviewer.
 */
static void
md_cluster(struct ag_buf *b, const struct ag_cluster_plan *cp)
{
	struct ag_buf acts = AG_BUF_INIT((size_t)1 << 26);
	size_t i, j;
	char *fence;

	(void)ag_buf_adds(b, "\n### ");
	(void)ag_escape_md_code(b, cp->id);
	(void)ag_buf_addf(
	    b, " — %s (mode %s)\n\n", ag_cluster_status_name(cp->status), ag_mode_name(cp->mode));
	if (cp->source != NULL) {
		(void)ag_buf_adds(b, "Manifest: ");
		(void)ag_escape_md_code(b, cp->source);
		(void)ag_buf_adds(b, "\n\n");
	}
	if (cp->reason != NULL) {
		(void)ag_buf_adds(b, "> ");
		(void)ag_escape_md_text(b, cp->reason);
		(void)ag_buf_adds(b, "\n\n");
	}
	for (i = 0; i < cp->notes.n; i++) {
		(void)ag_buf_adds(b, "- note: ");
		(void)ag_escape_md_text(b, cp->notes.v[i]);
		(void)ag_buf_addc(b, '\n');
	}
	for (i = 0; i < cp->n_changes; i++) {
		const struct ag_change *c = &cp->changes[i];

		if (is_password(c) && c->state == AG_CHANGE_SEND) {
			(void)ag_buf_addf(
			    b, "- `password`: changed (rotated) · **%s**\n", badge(c->klass));
			continue;
		}
		(void)ag_buf_adds(b, "- ");
		(void)ag_escape_md_code(b, c->path);
		(void)ag_buf_adds(b, ": committed ");
		(void)ag_escape_md_code(b, c->committed);
		(void)ag_buf_adds(b, " → live ");
		(void)ag_escape_md_code(b, c->live);
		(void)ag_buf_addf(b, " · **%s**", badge(c->klass));
		if (show_state(c))
			(void)ag_buf_addf(b, " · _%s_", ag_change_state_name(c->state));
		if (c->weakens)
			(void)ag_buf_adds(b, " · **⚠ weakens protection**");
		if (c->note != NULL) {
			(void)ag_buf_adds(b, " — ");
			(void)ag_escape_md_text(b, c->note);
		}
		(void)ag_buf_addc(b, '\n');
	}
	if (cp->n_actions > 0) {
		for (j = 0; j < cp->n_actions; j++)
			(void)text_action(&acts, j + 1, &cp->actions[j], "");
		fence = ag_escape_md_fence(acts.ptr);
		(void)ag_buf_addf(b, "\n<details><summary>API actions (%zu, %s)</summary>\n\n%s\n",
		    cp->n_actions, cp->execute ? "will run" : "not executed in this mode", fence);
		(void)ag_buf_add(b, acts.ptr, acts.len);
		(void)ag_buf_addf(b, "%s\n</details>\n", fence);
		free(fence);
	}
	ag_buf_release(&acts);
}

#define MD_UNCHANGED_LIST 100 /* ids listed before "and N more" */
#define MD_RESERVE 3000       /* room kept for the unchanged line and the footer */

int
ag_report_markdown(struct ag_buf *out, const struct ag_plan *p)
{
	const struct ag_plan_summary *s = &p->summary;
	struct ag_buf body = AG_BUF_INIT((size_t)AG_REPORT_MARKDOWN_MAX * 2);
	struct ag_buf sec = AG_BUF_INIT((size_t)1 << 26);
	size_t i, left_out = 0, listed = 0, k;
	int r;

	(void)ag_buf_adds(&body, "## aurora-gitops plan\n\n");
	(void)ag_buf_addf(&body,
	    "| clusters | changed | unchanged | blocked | create | update | delete | suspended | "
	    "orphaned | errors |\n|---|---|---|---|---|---|---|---|---|---|\n"
	    "| %zu | %zu | %zu | %zu | %zu | %zu | %zu | %zu | %zu | %zu |\n\n",
	    p->n_clusters, s->changed, s->unchanged, s->blocked, s->create, s->update, s->delete_,
	    s->suspended, s->orphaned, s->errors);
	(void)ag_buf_addf(&body, "Plan digest: `%s`\n", p->digest);

	for (i = 0; i < p->n_clusters; i++) {
		const struct ag_cluster_plan *cp = &p->clusters[i];

		if (cp->status == AG_STATUS_UNCHANGED && cp->n_changes == 0 && cp->notes.n == 0)
			continue;
		ag_buf_reset(&sec);
		md_cluster(&sec, cp);
		if (left_out > 0 ||
		    body.len + sec.len + MD_RESERVE > (size_t)AG_REPORT_MARKDOWN_MAX) {
			left_out++;
			continue;
		}
		(void)ag_buf_add(&body, sec.ptr, sec.len);
	}

	if (s->unchanged > 0) {
		(void)ag_buf_addf(&body, "\n**Unchanged (%zu):** ", s->unchanged);
		k = 0;
		for (i = 0; i < p->n_clusters; i++) {
			if (p->clusters[i].status != AG_STATUS_UNCHANGED)
				continue;
			if (listed == MD_UNCHANGED_LIST) {
				k++;
				continue;
			}
			if (body.len + 80 > (size_t)AG_REPORT_MARKDOWN_MAX - 1000) {
				k++;
				continue;
			}
			if (listed > 0)
				(void)ag_buf_adds(&body, ", ");
			(void)ag_escape_md_code(&body, p->clusters[i].id);
			listed++;
		}
		if (k > 0)
			(void)ag_buf_addf(&body, " and %zu more", k);
		(void)ag_buf_addc(&body, '\n');
	}
	if (left_out > 0)
		(void)ag_buf_addf(&body,
		    "\n> **Truncated:** %zu changed cluster%s left out to keep this comment under "
		    "%d characters. Run `aurora-gitops plan --format json` for the full report.\n",
		    left_out, left_out == 1 ? " was" : "s were", AG_REPORT_MARKDOWN_MAX);
	r = ag_buf_add(out, body.ptr, body.len);
	ag_buf_release(&body);
	ag_buf_release(&sec);
	return r;
}
