#ifndef AG_CORE_OUTPUTS_H
#define AG_CORE_OUTPUTS_H

#include <jansson.h>
#include <stddef.h>

#include "core/buf.h"
#include "core/kv.h"
#include "core/observed.h"

/*
 * A cluster's connection outputs: what Project Planton calls
 * status.outputs, Massdriver artifacts and Opta links. Read from
 * DescribeDBClusters; rendered for people (text), scripts (json) and
 * shells (env: one NAME='value' per line, quoted so `eval` or `.` is safe).
 */
struct ag_outputs {
	char *cluster_id;
	char *cluster_arn;
	char *resource_id;
	char *writer_endpoint;
	char *reader_endpoint;
	int port;
	struct ag_strlist custom_endpoints;
	char *master_user_secret_arn; /* NULL: the password is not managed by RDS */
	char *engine;
	char *engine_version;
	char *hosted_zone_id;
};

void ag_outputs_release(struct ag_outputs *o);

/*
 * Fills o from a described cluster. A reply that lacks a member every
 * Aurora cluster has once it exists (ARN, resource id, writer and reader
 * endpoints, port, engine) is AG_EAWS with a message naming the member and
 * the cluster, never an empty output. The master user secret is absent
 * when RDS does not manage the password; custom endpoints may be none.
 */
int ag_outputs_from_cluster(
    struct ag_outputs *o, const struct ag_db_cluster *c, char *why, size_t why_len);

/* Whether c has outputs: what ag_outputs_from_cluster() returns and says,
 * with nothing copied. */
int ag_outputs_check_cluster(const struct ag_db_cluster *c, char *why, size_t why_len);

/* The tree ag_outputs_to_json() makes of what ag_outputs_from_cluster()
 * fills from c (a new reference in *out), with no copy between; on error
 * *out is NULL. */
int ag_outputs_cluster_json(json_t **out, const struct ag_db_cluster *c, char *why, size_t why_len);

/* "text" (aligned lines), "json" (one object, Planton's output names) or
 * "env" (AURORA_* shell assignments). Returns AG_EINVAL for another format. */
int ag_outputs_render(struct ag_buf *out, const struct ag_outputs *o, const char *format);

/* The JSON object as a compact string (malloc'd): what the state and the
 * notes record. */
char *ag_outputs_json(const struct ag_outputs *o);

/* The same object as a tree (a new reference): what the state compares
 * with its record, and writes, without parsing the text back. */
json_t *ag_outputs_to_json(const struct ag_outputs *o);

/* Reads what ag_outputs_json() wrote (the state's record). AG_EINVAL, with
 * why, when it is not an object or lacks a member the outputs always have. */
int ag_outputs_from_json(struct ag_outputs *o, const char *text, char *why, size_t why_len);

/* Appends s to out in single quotes, each ' written as '\'' (POSIX sh). */
void ag_shell_quote(struct ag_buf *out, const char *s);

#endif
