/*
 * valueFrom references: the checks the loader runs on them, the matching of
 * a reference against what a lookup found, and writing resolved values
 * into the manifest (core/ref.h). Pure: the lookups are the caller's.
 */
#include "core/ref.h"
#include "core/buf.h"
#include "core/fieldtab.h"
#include "core/mem.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/compat.h"

struct kind_info {
	const char *kind;
	const char *paths[3]; /* the first is the default */
};

static const struct kind_info kinds[] = {
    {"AwsVpc", {"status.outputs.vpc_id", NULL, NULL}},
    {"AwsSubnet", {"status.outputs.subnet_id", NULL, NULL}},
    {"AwsSecurityGroup", {"status.outputs.security_group_id", NULL, NULL}},
    {"AwsKmsKey", {"status.outputs.key_arn", "status.outputs.key_id", NULL}},
    {"AwsRdsCluster", {"status.outputs.rds_cluster_arn", NULL, NULL}},
};

#define NKINDS (sizeof(kinds) / sizeof(kinds[0]))

static const struct kind_info *
find_kind(const char *kind)
{
	size_t i;

	for (i = 0; kind != NULL && i < NKINDS; i++)
		if (strcmp(kinds[i].kind, kind) == 0)
			return &kinds[i];
	return NULL;
}

bool
ag_ref_is_placeholder(const char *s)
{
	return s != NULL && strncmp(s, AG_REF_PREFIX, strlen(AG_REF_PREFIX)) == 0;
}

char *
ag_ref_placeholder(const char *kind, const char *name)
{
	return ag_xasprintf(AG_REF_PREFIX "%s/%s}}", kind, name);
}

/* Whether kind is one of the '|'-separated names in list. */
static bool
in_list(const char *list, const char *kind)
{
	size_t n = strlen(kind);
	const char *p = list;

	while (p != NULL && *p) {
		const char *e = strchr(p, '|');
		size_t len = e ? (size_t)(e - p) : strlen(p);

		if (len == n && strncmp(p, kind, n) == 0)
			return true;
		p = e ? e + 1 : NULL;
	}
	return false;
}

const char *
ag_ref_check(char *why, size_t n, const char *allowed, const char *kind, const char *field_path)
{
	const struct kind_info *k;
	size_t i;

	/* Upstream examples take subnets and subnet groups from a VPC's
	 * outputs; AWS has no such outputs to read them from. */
	if (strcmp(kind, "AwsVpc") == 0 && field_path != NULL && strstr(field_path, "subnet")) {
		snprintf(why, n,
		    "fieldPath '%.64s' of kind AwsVpc is not resolved (an AwsVpc reference gives "
		    "status.outputs.vpc_id); name each subnet with {kind: AwsSubnet, name: <its "
		    "Name "
		    "tag>} and a subnet group with its literal name",
		    field_path);
		return why;
	}
	if (allowed == NULL) {
		snprintf(why, n,
		    "no reference kind resolves this field; write the literal value as {value: "
		    "...}");
		return why;
	}
	if (!in_list(allowed, kind)) {
		char list[128];

		snprintf(list, sizeof(list), "%s", allowed);
		for (i = 0; list[i]; i++)
			if (list[i] == '|')
				list[i] = ',';
		snprintf(why, n, "a reference of kind '%s' cannot fill this field (it takes: %s)",
		    kind, list);
		return why;
	}
	k = find_kind(kind);
	if (k == NULL) {
		snprintf(why, n, "unknown reference kind '%s'", kind);
		return why;
	}
	if (field_path == NULL)
		return NULL;
	for (i = 0; i < 3 && k->paths[i] != NULL; i++)
		if (strcmp(k->paths[i], field_path) == 0)
			return NULL;
	if (k->paths[1] != NULL)
		snprintf(why, n,
		    "fieldPath '%.64s' of kind %s is not resolved (it takes '%s' or '%s')",
		    field_path, kind, k->paths[0], k->paths[1]);
	else
		snprintf(why, n, "fieldPath '%.64s' of kind %s is not resolved (it takes '%s')",
		    field_path, kind, k->paths[0]);
	return why;
}

const char *
ag_ref_field_path(const struct ag_ref *r)
{
	const struct kind_info *k;

	if (r->field_path != NULL)
		return r->field_path;
	k = find_kind(r->kind);
	return k != NULL ? k->paths[0] : "";
}

static bool
is_hex(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/* Exactly n hex digits. */
static bool
all_hex(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!is_hex(s[i]))
			return false;
	return s[n] == '\0';
}

/* 8-4-4-4-12 hex digits. */
static bool
is_uuid(const char *s)
{
	static const size_t groups[] = {8, 4, 4, 4, 12};
	size_t i, j;

	for (i = 0; i < 5; i++) {
		for (j = 0; j < groups[i]; j++, s++)
			if (!is_hex(*s))
				return false;
		if (i < 4 && *s++ != '-')
			return false;
	}
	return *s == '\0';
}

enum ag_kms_ref
ag_ref_kms_form(const char *name)
{
	if (strncmp(name, "arn:", 4) == 0 && strstr(name, ":key/") != NULL)
		return AG_KMS_REF_KEY_ARN;
	if (is_uuid(name) || (strncmp(name, "mrk-", 4) == 0 && all_hex(name + 4, 32)))
		return AG_KMS_REF_KEY_ID;
	return AG_KMS_REF_ALIAS;
}

char *
ag_ref_kms_alias(const char *name)
{
	if (strncmp(name, "alias/", 6) == 0)
		return ag_xstrdup(name);
	return ag_xasprintf("alias/%s", name);
}

void
ag_ref_fail(struct ag_ref *r, const char *fmt, ...)
{
	struct ag_buf b = AG_BUF_INIT(4096);
	va_list ap;

	va_start(ap, fmt);
	(void)ag_buf_vaddf(&b, fmt, ap);
	va_end(ap);
	free(r->error);
	r->error = ag_buf_detach(&b, NULL);
	free(r->value);
	r->value = NULL;
}

void
ag_ref_match(struct ag_ref *r, const char *lookup, const struct ag_ref_candidate *v, size_t n)
{
	struct ag_buf ids = AG_BUF_INIT(1024);
	const char *value = NULL;
	size_t i, hits = 0;

	for (i = 0; i < n; i++) {
		if (v[i].name == NULL || strcmp(v[i].name, r->name) != 0)
			continue;
		if (hits < 5)
			(void)ag_buf_addf(&ids, "%s%s", hits ? ", " : "", v[i].id ? v[i].id : "?");
		value = v[i].value;
		hits++;
	}
	if (hits == 1 && value != NULL && value[0] != '\0') {
		free(r->error);
		r->error = NULL;
		free(r->value);
		r->value = ag_xstrdup(value);
	} else if (hits == 0) {
		ag_ref_fail(r, "%s found nothing", lookup);
	} else if (hits == 1) {
		ag_ref_fail(r, "%s found %s, but the reply gave no value for %s", lookup, ids.ptr,
		    ag_ref_field_path(r));
	} else {
		ag_ref_fail(r,
		    "%s is ambiguous: %zu match (%s%s); a reference must match exactly one", lookup,
		    hits, ids.ptr, hits > 5 ? ", ..." : "");
	}
	ag_buf_release(&ids);
}

/* The member of a row in m's spec. */
static void *
member(struct ag_manifest *m, const struct ag_field_row *row)
{
	return row->spec ? (char *)&m->spec + row->spec - 1 : NULL;
}

size_t
ag_manifest_apply_refs(struct ag_manifest *m)
{
	size_t i, j, bad = 0;

	for (i = 0; i < m->n_refs; i++) {
		struct ag_ref *r = &m->refs[i];
		const struct ag_field_row *row = ag_fieldtab_row(r->field);
		void *p = member(m, row);
		char why[512];

		if (r->value == NULL || r->error != NULL || p == NULL) {
			bad++;
			continue;
		}
		if (row->check != NULL && !row->check(why, sizeof(why), r->value)) {
			ag_ref_fail(
			    r, "resolved to '%s', which is not valid here: %s", r->value, why);
			bad++;
			continue;
		}
		if (r->index < 0) {
			char **sp = p;

			free(*sp);
			*sp = ag_xstrdup(r->value);
			continue;
		}
		{
			struct ag_strlist *l = p;

			if ((size_t)r->index >= l->n)
				continue;
			for (j = 0; j < l->n; j++) {
				if (j != (size_t)r->index && strcmp(l->v[j], r->value) == 0)
					break;
			}
			if (j < l->n) {
				ag_ref_fail(r,
				    "resolved to '%s', which item %zu of the list already names",
				    r->value, j);
				bad++;
				continue;
			}
			free(l->v[r->index]);
			l->v[r->index] = ag_xstrdup(r->value);
		}
	}
	return bad;
}

char *
ag_manifest_ref_problem(const struct ag_manifest *m)
{
	struct ag_buf b = AG_BUF_INIT(16384);
	size_t i, n = 0;

	for (i = 0; i < m->n_refs; i++) {
		const struct ag_ref *r = &m->refs[i];
		const struct ag_field_row *row = ag_fieldtab_row(r->field);
		char item[32] = "";

		if (r->value != NULL && r->error == NULL)
			continue;
		if (r->index >= 0)
			snprintf(item, sizeof(item), "[%ld]", r->index);
		(void)ag_buf_addf(&b,
		    "%s%s:%u:%u: %s%s: reference {kind: %s, name: '%s'} not resolved: %s",
		    n ? "; " : "", m->file ? m->file : "?", r->pos.line, r->pos.col, row->yaml_path,
		    item, r->kind, r->name,
		    r->error ? r->error
		             : "it was not looked up (no AWS lookup ran in this command)");
		n++;
	}
	if (n == 0) {
		ag_buf_release(&b);
		return NULL;
	}
	(void)ag_buf_adds(&b, n == 1
	                          ? "; the cluster is not touched"
	                          : "; the cluster is not touched until every reference resolves");
	return ag_buf_detach(&b, NULL);
}

void
ag_ref_release(struct ag_ref *r)
{
	free(r->kind);
	free(r->name);
	free(r->field_path);
	free(r->env);
	free(r->value);
	free(r->error);
	memset(r, 0, sizeof(*r));
}
