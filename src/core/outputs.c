/*
 * Connection outputs of a cluster (core/outputs.h). Pure: built from a
 * described cluster, rendered into a buffer.
 */
#include "core/outputs.h"
#include "core/error.h"
#include "core/mem.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/compat.h"

void
ag_outputs_release(struct ag_outputs *o)
{
	free(o->cluster_id);
	free(o->cluster_arn);
	free(o->resource_id);
	free(o->writer_endpoint);
	free(o->reader_endpoint);
	ag_strlist_release(&o->custom_endpoints);
	free(o->master_user_secret_arn);
	free(o->engine);
	free(o->engine_version);
	free(o->hosted_zone_id);
	memset(o, 0, sizeof(*o));
}

static bool
empty(const char *s)
{
	return s == NULL || s[0] == '\0';
}

/* o with c's members, borrowed (not copied, never released): o lives no
 * longer than c. AG_EAWS, with why, for a reply that lacks one. */
static int
outputs_view(struct ag_outputs *o, const struct ag_db_cluster *c, char *why, size_t why_len)
{
	static const struct {
		const char *elem;
		size_t off;
	} need[] = {
	    {"DBClusterArn", offsetof(struct ag_db_cluster, arn)},
	    {"DbClusterResourceId", offsetof(struct ag_db_cluster, resource_id)},
	    {"Endpoint", offsetof(struct ag_db_cluster, endpoint)},
	    {"ReaderEndpoint", offsetof(struct ag_db_cluster, reader_endpoint)},
	    {"Engine", offsetof(struct ag_db_cluster, engine)},
	};
	size_t i;

	memset(o, 0, sizeof(*o));
	for (i = 0; i < sizeof(need) / sizeof(need[0]); i++) {
		const char *v = *(char *const *)((const char *)c + need[i].off);

		if (empty(v)) {
			snprintf(why, why_len,
			    "DescribeDBClusters gave no %s for cluster '%s' (status %s): the "
			    "outputs "
			    "are not known yet",
			    need[i].elem, c->id ? c->id : "?", c->status ? c->status : "unknown");
			return AG_EAWS;
		}
	}
	if (c->port <= 0) {
		snprintf(why, why_len,
		    "DescribeDBClusters gave no Port for cluster '%s' (status %s)",
		    c->id ? c->id : "?", c->status ? c->status : "unknown");
		return AG_EAWS;
	}
	o->cluster_id = c->id;
	o->cluster_arn = c->arn;
	o->resource_id = c->resource_id;
	o->writer_endpoint = c->endpoint;
	o->reader_endpoint = c->reader_endpoint;
	o->port = c->port;
	o->custom_endpoints = c->custom_endpoints;
	o->master_user_secret_arn =
	    empty(c->master_user_secret_arn) ? NULL : c->master_user_secret_arn;
	o->engine = c->engine;
	o->engine_version = c->engine_version;
	o->hosted_zone_id = empty(c->hosted_zone_id) ? NULL : c->hosted_zone_id;
	return 0;
}

int
ag_outputs_from_cluster(
    struct ag_outputs *o, const struct ag_db_cluster *c, char *why, size_t why_len)
{
	struct ag_outputs v;
	int rc = outputs_view(&v, c, why, why_len);

	memset(o, 0, sizeof(*o));
	if (rc < 0)
		return rc;
	o->cluster_id = ag_xstrdup(v.cluster_id);
	o->cluster_arn = ag_xstrdup(v.cluster_arn);
	o->resource_id = ag_xstrdup(v.resource_id);
	o->writer_endpoint = ag_xstrdup(v.writer_endpoint);
	o->reader_endpoint = ag_xstrdup(v.reader_endpoint);
	o->port = v.port;
	ag_strlist_copy(&o->custom_endpoints, &v.custom_endpoints);
	o->master_user_secret_arn = ag_xstrdup(v.master_user_secret_arn);
	o->engine = ag_xstrdup(v.engine);
	o->engine_version = ag_xstrdup(v.engine_version);
	o->hosted_zone_id = ag_xstrdup(v.hosted_zone_id);
	return 0;
}

int
ag_outputs_check_cluster(const struct ag_db_cluster *c, char *why, size_t why_len)
{
	struct ag_outputs v;

	return outputs_view(&v, c, why, why_len);
}

static json_t *
str_or_null(const char *s)
{
	return s ? json_string(s) : json_null();
}

/* The members are added in key order (jansson keeps that order), so the
 * tree is already as JSON_SORT_KEYS writes it and a writer can skip the
 * sort; the names are constants, not checked again. */
json_t *
ag_outputs_to_json(const struct ag_outputs *o)
{
	json_t *j = json_object(), *l = json_array();
	size_t i;

	for (i = 0; i < o->custom_endpoints.n; i++)
		json_array_append_new(l, json_string(o->custom_endpoints.v[i]));
	json_object_set_new_nocheck(j, "cluster_resource_id", str_or_null(o->resource_id));
	json_object_set_new_nocheck(j, "custom_endpoints", l);
	json_object_set_new_nocheck(j, "hosted_zone_id", str_or_null(o->hosted_zone_id));
	json_object_set_new_nocheck(
	    j, "master_user_secret_arn", str_or_null(o->master_user_secret_arn));
	json_object_set_new_nocheck(j, "rds_cluster_arn", str_or_null(o->cluster_arn));
	json_object_set_new_nocheck(j, "rds_cluster_endpoint", str_or_null(o->writer_endpoint));
	json_object_set_new_nocheck(j, "rds_cluster_engine", str_or_null(o->engine));
	json_object_set_new_nocheck(
	    j, "rds_cluster_engine_version", str_or_null(o->engine_version));
	json_object_set_new_nocheck(j, "rds_cluster_id", str_or_null(o->cluster_id));
	json_object_set_new_nocheck(j, "rds_cluster_port", json_integer(o->port));
	json_object_set_new_nocheck(
	    j, "rds_cluster_reader_endpoint", str_or_null(o->reader_endpoint));
	return j;
}

int
ag_outputs_cluster_json(json_t **out, const struct ag_db_cluster *c, char *why, size_t why_len)
{
	struct ag_outputs v;
	int rc = outputs_view(&v, c, why, why_len);

	*out = rc < 0 ? NULL : ag_outputs_to_json(&v);
	return rc;
}

char *
ag_outputs_json(const struct ag_outputs *o)
{
	json_t *j = ag_outputs_to_json(o);
	char *s = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS);
	char *r = ag_xstrdup(s);

	free(s);
	json_decref(j);
	return r;
}

void
ag_shell_quote(struct ag_buf *out, const char *s)
{
	(void)ag_buf_addc(out, '\'');
	for (; *s; s++) {
		if (*s == '\'')
			(void)ag_buf_adds(out, "'\\''");
		else
			(void)ag_buf_addc(out, *s);
	}
	(void)ag_buf_addc(out, '\'');
}

static void
env_line(struct ag_buf *out, const char *name, const char *value)
{
	(void)ag_buf_addf(out, "AURORA_%s=", name);
	ag_shell_quote(out, value ? value : "");
	(void)ag_buf_addc(out, '\n');
}

int
ag_outputs_render(struct ag_buf *out, const struct ag_outputs *o, const char *format)
{
	char port[16];
	size_t i;

	snprintf(port, sizeof(port), "%d", o->port);
	if (strcmp(format, "json") == 0) {
		json_t *j = ag_outputs_to_json(o);
		char *s = json_dumps(j, JSON_INDENT(2) | JSON_SORT_KEYS);

		(void)ag_buf_adds(out, s);
		(void)ag_buf_addc(out, '\n');
		free(s);
		json_decref(j);
		return 0;
	}
	if (strcmp(format, "env") == 0) {
		struct ag_buf l = AG_BUF_INIT(1 << 20);

		env_line(out, "CLUSTER_ID", o->cluster_id);
		env_line(out, "CLUSTER_ARN", o->cluster_arn);
		env_line(out, "RESOURCE_ID", o->resource_id);
		env_line(out, "WRITER_ENDPOINT", o->writer_endpoint);
		env_line(out, "READER_ENDPOINT", o->reader_endpoint);
		env_line(out, "PORT", port);
		for (i = 0; i < o->custom_endpoints.n; i++)
			(void)ag_buf_addf(&l, "%s%s", i ? " " : "", o->custom_endpoints.v[i]);
		env_line(out, "CUSTOM_ENDPOINTS", l.ptr);
		ag_buf_release(&l);
		env_line(out, "MASTER_USER_SECRET_ARN", o->master_user_secret_arn);
		env_line(out, "ENGINE", o->engine);
		env_line(out, "ENGINE_VERSION", o->engine_version);
		return 0;
	}
	if (strcmp(format, "text") != 0)
		return AG_EINVAL;
	(void)ag_buf_addf(out, "cluster                 %s\n", o->cluster_id);
	(void)ag_buf_addf(out, "writer endpoint         %s\n", o->writer_endpoint);
	(void)ag_buf_addf(out, "reader endpoint         %s\n", o->reader_endpoint);
	(void)ag_buf_addf(out, "port                    %d\n", o->port);
	if (o->custom_endpoints.n == 0)
		(void)ag_buf_adds(out, "custom endpoints        (none defined)\n");
	for (i = 0; i < o->custom_endpoints.n; i++)
		(void)ag_buf_addf(out, "%s%s\n",
		    i ? "                        " : "custom endpoints        ",
		    o->custom_endpoints.v[i]);
	(void)ag_buf_addf(out, "master user secret ARN  %s\n",
	    o->master_user_secret_arn ? o->master_user_secret_arn
	                              : "(not managed by RDS: manageMasterUserPassword is off)");
	(void)ag_buf_addf(out, "cluster ARN             %s\n", o->cluster_arn);
	(void)ag_buf_addf(out, "resource id             %s\n", o->resource_id);
	(void)ag_buf_addf(out, "engine                  %s %s\n", o->engine,
	    o->engine_version ? o->engine_version : "");
	return 0;
}

static char *
jstr(json_t *o, const char *k)
{
	json_t *v = json_object_get(o, k);

	return json_is_string(v) ? ag_xstrdup(json_string_value(v)) : NULL;
}

int
ag_outputs_from_json(struct ag_outputs *o, const char *text, char *why, size_t why_len)
{
	json_error_t jerr;
	json_t *j = json_loads(text, 0, &jerr), *v;
	size_t i;

	memset(o, 0, sizeof(*o));
	if (!json_is_object(j)) {
		snprintf(why, why_len, "the recorded outputs are not a JSON object");
		json_decref(j);
		return AG_EINVAL;
	}
	o->cluster_id = jstr(j, "rds_cluster_id");
	o->cluster_arn = jstr(j, "rds_cluster_arn");
	o->resource_id = jstr(j, "cluster_resource_id");
	o->writer_endpoint = jstr(j, "rds_cluster_endpoint");
	o->reader_endpoint = jstr(j, "rds_cluster_reader_endpoint");
	v = json_object_get(j, "rds_cluster_port");
	o->port = json_is_integer(v) && json_integer_value(v) > 0 && json_integer_value(v) < 65536
	              ? (int)json_integer_value(v)
	              : 0;
	v = json_object_get(j, "custom_endpoints");
	for (i = 0; json_is_array(v) && i < json_array_size(v); i++)
		if (json_is_string(json_array_get(v, i)))
			ag_strlist_add(
			    &o->custom_endpoints, json_string_value(json_array_get(v, i)));
	o->master_user_secret_arn = jstr(j, "master_user_secret_arn");
	o->engine = jstr(j, "rds_cluster_engine");
	o->engine_version = jstr(j, "rds_cluster_engine_version");
	o->hosted_zone_id = jstr(j, "hosted_zone_id");
	json_decref(j);
	if (o->cluster_id == NULL || o->cluster_arn == NULL || o->resource_id == NULL ||
	    o->writer_endpoint == NULL || o->reader_endpoint == NULL || o->port == 0 ||
	    o->engine == NULL) {
		snprintf(why, why_len, "the recorded outputs are incomplete");
		ag_outputs_release(o);
		return AG_EINVAL;
	}
	return 0;
}
