/*
 * The status page: one server-rendered HTML document, inline CSS, no
 * script, refreshed by <meta http-equiv="refresh">. Everything that comes
 * from outside (identifiers, revisions, errors) is escaped.
 */
#include "core/status.h"

#include <time.h>

#include "core/compat.h"

int
ag_html_escape(struct ag_buf *out, const char *s)
{
	int rc = 0;

	for (; s != NULL && *s && rc == 0; s++) {
		switch (*s) {
		case '&':
			rc = ag_buf_adds(out, "&amp;");
			break;
		case '<':
			rc = ag_buf_adds(out, "&lt;");
			break;
		case '>':
			rc = ag_buf_adds(out, "&gt;");
			break;
		case '"':
			rc = ag_buf_adds(out, "&quot;");
			break;
		case '\'':
			rc = ag_buf_adds(out, "&#39;");
			break;
		default:
			rc = ag_buf_addc(out, *s);
		}
	}
	return rc;
}

/* "2026-11-28 19:40:02 UTC (12 s ago)", or "never". */
static int
when(struct ag_buf *out, int64_t ms, int64_t now_ms)
{
	char text[32];
	time_t t;
	struct tm tm;
	int64_t ago;

	if (ms <= 0)
		return ag_buf_adds(out, "never");
	t = (time_t)(ms / 1000);
	if (gmtime_r(&t, &tm) == NULL ||
	    strftime(text, sizeof(text), "%Y-%m-%d %H:%M:%S", &tm) == 0)
		return ag_buf_adds(out, "?");
	ago = (now_ms - ms) / 1000;
	if (ago < 0)
		ago = 0;
	if (ago < 120)
		return ag_buf_addf(out, "%s UTC (%lld s ago)", text, (long long)ago);
	if (ago < 7200)
		return ag_buf_addf(out, "%s UTC (%lld min ago)", text, (long long)(ago / 60));
	return ag_buf_addf(out, "%s UTC (%lld h ago)", text, (long long)(ago / 3600));
}

static const char style[] =
    "body{font-family:sans-serif;margin:1.5em;color:#222}"
    "table{border-collapse:collapse;width:100%}"
    "th,td{text-align:left;padding:.3em .6em;border-bottom:1px solid #ddd;vertical-align:top}"
    "th{background:#f4f4f4}"
    ".state{font-weight:bold;white-space:nowrap}"
    ".in_sync{color:#176b2c}.drifted{color:#8a5a00}.applying{color:#1a4f9c}"
    ".blocked{color:#a12a8a}.error{color:#b00020}.unknown{color:#666}"
    "code{font-size:90%}dl{display:grid;grid-template-columns:max-content auto;gap:.2em 1em}"
    "dt{font-weight:bold}dd{margin:0}";

static int
header(struct ag_buf *out, const struct ag_status *s, int64_t now_ms)
{
	int rc;

	rc = ag_buf_adds(out, "<dl>\n<dt>Source</dt><dd><code>");
	rc = rc ? rc : ag_html_escape(out, s->source ? s->source : "-");
	rc = rc ? rc : ag_buf_adds(out, "</code></dd>\n<dt>Revision</dt><dd><code>");
	rc = rc ? rc : ag_html_escape(out, s->revision ? s->revision : "not loaded yet");
	rc = rc ? rc : ag_buf_adds(out, "</code></dd>\n<dt>Shard</dt><dd>");
	rc = rc ? rc : ag_html_escape(out, s->shard ? s->shard : "all clusters");
	rc =
	    rc ? rc : ag_buf_adds(out, "</dd>\n<dt>Last successful sync</dt><dd id=\"last-sync\">");
	rc = rc ? rc : when(out, s->last_sync_ms, now_ms);
	rc = rc ? rc : ag_buf_adds(out, "</dd>\n");
	if (rc == 0 && s->last_error != NULL) {
		rc = ag_buf_adds(out, "<dt>Last cycle</dt><dd class=\"error\" id=\"last-error\">");
		rc = rc ? rc : ag_html_escape(out, s->last_error);
		rc = rc ? rc : ag_buf_adds(out, "</dd>\n");
	}
	rc = rc ? rc : ag_buf_adds(out, "<dt>Version</dt><dd>");
	rc = rc ? rc : ag_html_escape(out, s->version ? s->version : "-");
	rc = rc ? rc : ag_buf_adds(out, "</dd>\n</dl>\n");
	return rc;
}

static int
row(struct ag_buf *out, const struct ag_status_cluster *c, int64_t now_ms)
{
	const char *slug = ag_cluster_state_slug(c->state);
	int rc;

	rc = ag_buf_adds(out, "<tr><td><code>");
	rc = rc ? rc : ag_html_escape(out, c->id);
	rc = rc ? rc
	        : ag_buf_addf(out, "</code></td><td class=\"state %s\">%s", slug,
	              ag_cluster_state_name(c->state));
	if (rc == 0 && c->state == AG_CLUSTER_DRIFTED && c->drift > 0)
		rc = ag_buf_addf(out, " (%ld field%s)", c->drift, c->drift == 1 ? "" : "s");
	rc = rc ? rc : ag_buf_adds(out, "</td><td><code>");
	rc = rc ? rc : ag_html_escape(out, c->commit ? c->commit : "-");
	rc = rc ? rc : ag_buf_adds(out, "</code><br>");
	rc = rc ? rc : when(out, c->reconciled_ms, now_ms);
	rc = rc ? rc : ag_buf_adds(out, "</td><td>");
	if (rc == 0 && c->last_change != NULL) {
		rc = ag_html_escape(out, c->last_change);
		rc = rc ? rc : ag_buf_adds(out, "<br>");
		rc = rc ? rc : when(out, c->last_change_ms, now_ms);
	} else if (rc == 0) {
		rc = ag_buf_adds(out, "-");
	}
	rc = rc ? rc : ag_buf_adds(out, "</td><td class=\"error\">");
	rc = rc ? rc : ag_html_escape(out, c->error ? c->error : "");
	rc = rc ? rc : ag_buf_adds(out, "</td></tr>\n");
	return rc;
}

int
ag_status_render_html(struct ag_buf *out, const struct ag_status *s, int64_t now_ms, int refresh_s)
{
	size_t i, count[AG_CLUSTER_N_STATES] = {0};
	int rc, st, first = 1;

	rc = ag_buf_adds(
	    out, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
	if (rc == 0 && refresh_s > 0)
		rc = ag_buf_addf(out, "<meta http-equiv=\"refresh\" content=\"%d\">\n", refresh_s);
	rc = rc ? rc
	        : ag_buf_addf(out,
	              "<title>aurora-gitops status</title>\n<style>%s</style>\n</head>\n<body>\n"
	              "<h1>aurora-gitops</h1>\n",
	              style);
	rc = rc ? rc : header(out, s, now_ms);
	for (i = 0; i < s->n_clusters; i++)
		count[s->clusters[i].state < AG_CLUSTER_N_STATES ? s->clusters[i].state : 0]++;
	rc = rc ? rc
	        : ag_buf_addf(out, "<p id=\"summary\">%zu cluster%s", s->n_clusters,
	              s->n_clusters == 1 ? "" : "s");
	for (st = 0; rc == 0 && st < AG_CLUSTER_N_STATES; st++) {
		if (count[st] == 0)
			continue;
		rc = ag_buf_addf(out, "%s%zu %s", first ? ": " : ", ", count[st],
		    ag_cluster_state_name((enum ag_cluster_state)st));
		first = 0;
	}
	rc = rc ? rc : ag_buf_adds(out, "</p>\n");
	if (rc == 0 && s->n_clusters == 0)
		rc = ag_buf_adds(out, "<p>No clusters yet.</p>\n");
	if (rc == 0 && s->n_clusters > 0) {
		rc = ag_buf_adds(out, "<table id=\"clusters\">\n<thead><tr><th>Cluster</th>"
		                      "<th>State</th><th>Reconciled at</th><th>Last change</th>"
		                      "<th>Error</th></tr></thead>\n<tbody>\n");
		for (i = 0; rc == 0 && i < s->n_clusters; i++)
			rc = row(out, &s->clusters[i], now_ms);
		rc = rc ? rc : ag_buf_adds(out, "</tbody>\n</table>\n");
	}
	rc = rc ? rc : ag_buf_adds(out, "</body>\n</html>\n");
	return rc;
}
