#include "core/noteline.h"
#include "core/mem.h"

#include <inttypes.h>
#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/compat.h"

void
ag_note_line_init(struct ag_note_line *l)
{
	memset(l, 0, sizeof(*l));
	l->v = AG_NOTELINE_VERSION;
}

void
ag_note_line_release(struct ag_note_line *l)
{
	size_t i;

	for (i = 0; i < l->n_actions; i++) {
		free(l->actions[i].kind);
		free(l->actions[i].request_id);
	}
	free(l->actions);
	free(l->agent);
	free(l->shard);
	free(l->kind);
	free(l->cluster);
	free(l->revision);
	free(l->digest);
	free(l->result);
	free(l->writer_endpoint);
	free(l->reader_endpoint);
	free(l->secret_arn);
	free(l->cluster_arn);
	free(l->resource_id);
	ag_strlist_release(&l->custom_endpoints);
	free(l->signer);
	free(l->error);
	free(l->scope);
	free(l->scope_since);
	ag_note_line_init(l);
}

void
ag_note_line_add_action(struct ag_note_line *l, const char *kind, const char *request_id)
{
	l->actions = ag_xrealloc(l->actions, (l->n_actions + 1) * sizeof(*l->actions));
	l->actions[l->n_actions].kind = ag_xstrdup(kind);
	l->actions[l->n_actions].request_id = ag_xstrdup(request_id);
	l->n_actions++;
}

/* Days since 1970-01-01 to a civil date (proleptic Gregorian). */
static void
civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
	int64_t era, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	yoe = z - era * 146097;
	yoe = (yoe - yoe / 1460 + yoe / 36524 - yoe / 146096) / 365;
	doy = (z - era * 146097) - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = (unsigned)(doy - (153 * mp + 2) / 5 + 1);
	*m = (unsigned)(mp < 10 ? mp + 3 : mp - 9);
	*y = yoe + era * 400 + (*m <= 2);
}

void
ag_note_time_format(char out[32], int64_t ts)
{
	int64_t days = ts / 86400, secs = ts % 86400, y;
	unsigned m, d;

	if (secs < 0) {
		secs += 86400;
		days--;
	}
	civil_from_days(days, &y, &m, &d);
	snprintf(out, 32, "%04" PRId64 "-%02u-%02uT%02u:%02u:%02uZ", y, m, d,
	    (unsigned)(secs / 3600), (unsigned)(secs / 60 % 60), (unsigned)(secs % 60));
}

static void
set_str(json_t *o, const char *key, const char *v)
{
	if (v != NULL)
		json_object_set_new(o, key, json_string(v));
}

int
ag_note_line_format(struct ag_buf *out, const struct ag_note_line *l)
{
	json_t *o = json_object(), *acts, *outputs = NULL;
	char when[32], *s = NULL;
	size_t i;
	int rc;

	json_object_set_new(o, "v", json_integer(l->v));
	json_object_set_new(o, "ts", json_integer(l->ts));
	ag_note_time_format(when, l->ts);
	json_object_set_new(o, "time", json_string(when));
	set_str(o, "agent", l->agent);
	set_str(o, "shard", l->shard);
	set_str(o, "kind", l->kind);
	set_str(o, "cluster", l->cluster);
	set_str(o, "revision", l->revision);
	set_str(o, "digest", l->digest);
	json_object_set_new(o, "changes", json_integer(l->changes));
	acts = json_array();
	for (i = 0; i < l->n_actions; i++) {
		json_t *a = json_object();

		set_str(a, "kind", l->actions[i].kind);
		set_str(a, "request_id", l->actions[i].request_id);
		json_array_append_new(acts, a);
	}
	json_object_set_new(o, "actions", acts);
	set_str(o, "result", l->result);
	if (l->writer_endpoint || l->reader_endpoint || l->port || l->secret_arn ||
	    l->cluster_arn || l->resource_id || l->custom_endpoints.n) {
		outputs = json_object();
		set_str(outputs, "writer_endpoint", l->writer_endpoint);
		set_str(outputs, "reader_endpoint", l->reader_endpoint);
		if (l->port)
			json_object_set_new(outputs, "port", json_integer(l->port));
		set_str(outputs, "secret_arn", l->secret_arn);
		set_str(outputs, "cluster_arn", l->cluster_arn);
		set_str(outputs, "resource_id", l->resource_id);
		if (l->custom_endpoints.n) {
			json_t *ce = json_array();

			for (i = 0; i < l->custom_endpoints.n && i < AG_NOTELINE_MAX_ENDPOINTS; i++)
				json_array_append_new(ce, json_string(l->custom_endpoints.v[i]));
			json_object_set_new(outputs, "custom_endpoints", ce);
		}
		json_object_set_new(o, "outputs", outputs);
	}
	set_str(o, "signer", l->signer);
	set_str(o, "error", l->error);
	if (l->scope) {
		json_t *sc = json_object();

		set_str(sc, "kind", l->scope);
		json_object_set_new(sc, "planned", json_integer(l->scope_planned));
		json_object_set_new(sc, "of", json_integer(l->scope_of));
		set_str(sc, "since", l->scope_since);
		json_object_set_new(o, "scope", sc);
	}
	/* Compact: one line, no newline inside (jansson escapes control
	 * characters in strings). */
	s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(o);
	if (s == NULL)
		return AG_ERROR;
	if (strlen(s) + 1 > AG_NOTELINE_MAX) {
		free(s);
		return AG_ETOOBIG;
	}
	rc = ag_buf_adds(out, s);
	if (rc == 0)
		rc = ag_buf_addc(out, '\n');
	free(s);
	return rc;
}

static char *
get_str(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	return json_is_string(v) ? ag_xstrdup(json_string_value(v)) : NULL;
}

int
ag_note_line_parse(struct ag_note_line *l, const char *s, size_t len, struct ag_error *err)
{
	json_error_t jerr;
	json_t *o, *v, *acts, *outputs;
	size_t i;
	int rc = 0;

	if (len > AG_NOTELINE_MAX)
		return ag_error_set(
		    err, AG_ETOOBIG, "note line is longer than %d bytes", AG_NOTELINE_MAX);
	o = json_loadb(s, len, JSON_REJECT_DUPLICATES, &jerr);
	if (o == NULL)
		return ag_error_set(
		    err, AG_EINVAL, "note line is not JSON: column %d: %s", jerr.column, jerr.text);
	if (!json_is_object(o)) {
		rc = ag_error_set(err, AG_EINVAL, "note line is not a JSON object");
		goto out;
	}
	v = json_object_get(o, "v");
	/* Bounded before the narrowing: 4294967297 must not read as 1. */
	if (!json_is_integer(v) || json_integer_value(v) < 1 || json_integer_value(v) > INT_MAX) {
		rc = ag_error_set(err, AG_EINVAL, "note line has no version 'v'");
		goto out;
	}
	l->v = (int)json_integer_value(v);
	v = json_object_get(o, "ts");
	if (!json_is_integer(v)) {
		rc = ag_error_set(err, AG_EINVAL, "note line has no time 'ts'");
		goto out;
	}
	l->ts = (int64_t)json_integer_value(v);
	l->kind = get_str(o, "kind");
	if (l->kind == NULL) {
		rc = ag_error_set(err, AG_EINVAL, "note line has no 'kind'");
		goto out;
	}
	l->agent = get_str(o, "agent");
	l->shard = get_str(o, "shard");
	l->cluster = get_str(o, "cluster");
	l->revision = get_str(o, "revision");
	l->digest = get_str(o, "digest");
	v = json_object_get(o, "changes");
	l->changes = json_is_integer(v) ? (long)json_integer_value(v) : 0;
	acts = json_object_get(o, "actions");
	if (json_is_array(acts)) {
		for (i = 0; i < json_array_size(acts); i++) {
			json_t *a = json_array_get(acts, i);
			json_t *k = json_object_get(a, "kind"),
			       *r = json_object_get(a, "request_id");

			ag_note_line_add_action(l, json_is_string(k) ? json_string_value(k) : "?",
			    json_is_string(r) ? json_string_value(r) : NULL);
		}
	}
	l->result = get_str(o, "result");
	outputs = json_object_get(o, "outputs");
	if (json_is_object(outputs)) {
		l->writer_endpoint = get_str(outputs, "writer_endpoint");
		l->reader_endpoint = get_str(outputs, "reader_endpoint");
		l->secret_arn = get_str(outputs, "secret_arn");
		l->cluster_arn = get_str(outputs, "cluster_arn");
		l->resource_id = get_str(outputs, "resource_id");
		v = json_object_get(outputs, "custom_endpoints");
		for (size_t k = 0;
		     json_is_array(v) && k < json_array_size(v) && k < AG_NOTELINE_MAX_ENDPOINTS;
		     k++)
			if (json_is_string(json_array_get(v, k)))
				ag_strlist_add(
				    &l->custom_endpoints, json_string_value(json_array_get(v, k)));
		v = json_object_get(outputs, "port");
		/* Outside 1..65535 is no port: unknown, never a wrapped value. */
		l->port = json_is_integer(v) && json_integer_value(v) >= 1 &&
		                  json_integer_value(v) <= 65535
		              ? (int)json_integer_value(v)
		              : 0;
	}
	l->signer = get_str(o, "signer");
	l->error = get_str(o, "error");
	v = json_object_get(o, "scope");
	if (json_is_object(v) && json_is_string(json_object_get(v, "kind"))) {
		json_t *p = json_object_get(v, "planned"), *of = json_object_get(v, "of");

		l->scope = get_str(v, "kind");
		l->scope_since = get_str(v, "since");
		l->scope_planned = json_is_integer(p) && json_integer_value(p) >= 0 &&
		                           json_integer_value(p) <= LONG_MAX
		                       ? (long)json_integer_value(p)
		                       : -1;
		l->scope_of = json_is_integer(of) && json_integer_value(of) >= 0 &&
		                      json_integer_value(of) <= LONG_MAX
		                  ? (long)json_integer_value(of)
		                  : -1;
	}
out:
	json_decref(o);
	return rc;
}
