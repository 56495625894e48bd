/*
 * JSON forms of the plan (docs/plan-format.md) and the digests: SHA-256 of
 * canonical JSON (jansson, sorted keys, compact).
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <sodium.h>

#include "core/bug.h"
#include "core/fieldtab.h"
#include "core/mem.h"
#include "core/plan.h"
#include "core/report.h"
#include "core/window.h"

#include "core/compat.h"

static void
hex_of(char out[65], const unsigned char h[crypto_hash_sha256_BYTES])
{
	static const char hex[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < crypto_hash_sha256_BYTES; i++) {
		out[2 * i] = hex[h[i] >> 4];
		out[2 * i + 1] = hex[h[i] & 15];
	}
	out[64] = '\0';
}

void
ag_sha256_hex(char out[65], const void *data, size_t n)
{
	unsigned char h[crypto_hash_sha256_BYTES];

	crypto_hash_sha256(h, data, n);
	hex_of(out, h);
}

static int
hash_piece(const char *buf, size_t n, void *data)
{
	crypto_hash_sha256_update(data, (const unsigned char *)buf, n);
	return 0;
}

void
ag_sha256_json_hex(char out[65], const struct json_t *j, size_t flags)
{
	crypto_hash_sha256_state st;
	unsigned char h[crypto_hash_sha256_BYTES];

	crypto_hash_sha256_init(&st);
	if (json_dump_callback(j, hash_piece, &st, flags) != 0)
		AG_BUG("json_dump_callback failed");
	crypto_hash_sha256_final(&st, h);
	hex_of(out, h);
}

static const char *
wait_name(enum ag_action_wait w)
{
	switch (w) {
	case AG_WAIT_NONE:
		return "none";
	case AG_WAIT_CLUSTER_AVAILABLE:
		return "cluster-available";
	case AG_WAIT_INSTANCE_AVAILABLE:
		return "instance-available";
	case AG_WAIT_INSTANCE_DELETED:
		return "instance-deleted";
	case AG_WAIT_CLUSTER_DELETED:
		return "cluster-deleted";
	}
	return "none";
}

static json_t *
str_or_null(const char *s)
{
	return s != NULL ? json_string(s) : json_null();
}

json_t *
ag_action_json(const struct ag_action *a)
{
	json_t *o = json_object(), *params = json_object();
	size_t i;

	json_object_set_new(o, "kind", json_string(ag_action_kind_name(a->kind)));
	json_object_set_new(o, "api", json_string(a->api));
	json_object_set_new(o, "action", json_string(a->action));
	json_object_set_new(o, "target", str_or_null(a->target));
	for (i = 0; i < a->params.n; i++)
		json_object_set_new(params, a->params.v[i].key, json_string(a->params.v[i].value));
	json_object_set_new(o, "params", params);
	json_object_set_new(o, "class", json_string(ag_update_class_name(a->klass)));
	json_object_set_new(o, "wait", json_string(wait_name(a->wait)));
	json_object_set_new(o, "blocked", json_boolean(a->blocked));
	if (a->blocked_reason != NULL)
		json_object_set_new(o, "blocked_reason", json_string(a->blocked_reason));
	return o;
}

static json_t *
change_json(const struct ag_change *c)
{
	json_t *o = json_object();

	json_object_set_new(o, "field", json_string(c->name));
	json_object_set_new(o, "path", json_string(c->path));
	json_object_set_new(o, "committed", json_string(c->committed));
	json_object_set_new(o, "live", json_string(c->live));
	json_object_set_new(o, "class", json_string(ag_update_class_name(c->klass)));
	json_object_set_new(o, "state", json_string(ag_change_state_name(c->state)));
	json_object_set_new(o, "note", str_or_null(c->note));
	json_object_set_new(o, "weakens", json_boolean(c->weakens));
	return o;
}

json_t *
ag_cluster_plan_json(const struct ag_cluster_plan *cp)
{
	json_t *o = json_object(), *arr;
	size_t i;

	json_object_set_new(o, "id", json_string(cp->id));
	json_object_set_new(o, "status", json_string(ag_cluster_status_name(cp->status)));
	json_object_set_new(o, "mode", json_string(ag_mode_name(cp->mode)));
	json_object_set_new(o, "execute", json_boolean(cp->execute));
	json_object_set_new(o, "reason", str_or_null(cp->reason));
	json_object_set_new(o, "source", str_or_null(cp->source));
	json_object_set_new(o, "digest", json_string(cp->digest));
	arr = json_array();
	for (i = 0; i < cp->notes.n; i++)
		json_array_append_new(arr, json_string(cp->notes.v[i]));
	json_object_set_new(o, "notes", arr);
	arr = json_array();
	for (i = 0; i < cp->n_changes; i++)
		json_array_append_new(arr, change_json(&cp->changes[i]));
	json_object_set_new(o, "changes", arr);
	arr = json_array();
	for (i = 0; i < cp->n_actions; i++)
		json_array_append_new(arr, ag_action_json(&cp->actions[i]));
	json_object_set_new(o, "actions", arr);
	return o;
}

json_t *
ag_plan_json(const struct ag_plan *p)
{
	const struct ag_plan_summary *s = &p->summary;
	json_t *o = json_object(), *sum = json_object(), *arr = json_array();
	char when[32];
	size_t i;

	json_object_set_new(o, "version", json_integer(AG_REPORT_VERSION));
	json_object_set_new(o, "digest", json_string(p->digest));
	ag_time_format_utc(when, sizeof(when), p->now);
	json_object_set_new(o, "now", json_string(when));
	json_object_set_new(sum, "changed", json_integer((json_int_t)s->changed));
	json_object_set_new(sum, "unchanged", json_integer((json_int_t)s->unchanged));
	json_object_set_new(sum, "blocked", json_integer((json_int_t)s->blocked));
	json_object_set_new(sum, "create", json_integer((json_int_t)s->create));
	json_object_set_new(sum, "update", json_integer((json_int_t)s->update));
	json_object_set_new(sum, "delete", json_integer((json_int_t)s->delete_));
	json_object_set_new(sum, "suspended", json_integer((json_int_t)s->suspended));
	json_object_set_new(sum, "orphaned", json_integer((json_int_t)s->orphaned));
	json_object_set_new(sum, "unmanaged", json_integer((json_int_t)s->unmanaged));
	json_object_set_new(sum, "errors", json_integer((json_int_t)s->errors));
	json_object_set_new(o, "summary", sum);
	for (i = 0; i < p->n_clusters; i++)
		json_array_append_new(arr, ag_cluster_plan_json(&p->clusters[i]));
	json_object_set_new(o, "clusters", arr);
	return o;
}

/* ---- observed digest ------------------------------------------------------ */

static json_t *
strlist_sorted_json(const struct ag_strlist *l)
{
	struct ag_strlist c = AG_STRLIST_INIT;
	json_t *a = json_array();
	size_t i;

	ag_strlist_copy(&c, l);
	ag_strlist_sort(&c);
	for (i = 0; i < c.n; i++)
		json_array_append_new(a, json_string(c.v[i]));
	ag_strlist_release(&c);
	return a;
}

static json_t *
kv_json(const struct ag_kvlist *l)
{
	json_t *o = json_object();
	size_t i;

	for (i = 0; i < l->n; i++)
		json_object_set_new(o, l->v[i].key, json_string(l->v[i].value));
	return o;
}

#define JS(o, k, v) json_object_set_new((o), (k), str_or_null(v))
#define JI(o, k, v) json_object_set_new((o), (k), json_integer((json_int_t)(v)))
#define JB(o, k, v) json_object_set_new((o), (k), json_boolean(v))
#define JR(o, k, v) json_object_set_new((o), (k), json_real(v))

/* The members of the field table's rows, keyed by their Describe element. */
static void
rows_json(json_t *o, const struct ag_db_cluster *c)
{
	const struct ag_field_row *rows;
	size_t n, i;

	rows = ag_fieldtab_rows(&n);
	for (i = 0; i < n; i++) {
		const void *p = (const char *)c + rows[i].live - 1;
		const char *k = rows[i].describe_elem;

		if (rows[i].live == 0)
			continue;
		switch (rows[i].ltype) {
		case AG_FT_STR:
		case AG_FT_REF:
			JS(o, k, *(char *const *)p);
			break;
		case AG_FT_INT:
			JI(o, k, *(const int *)p);
			break;
		case AG_FT_BOOL:
			JB(o, k, *(const bool *)p);
			break;
		case AG_FT_LIST:
		case AG_FT_REFLIST:
			json_object_set_new(o, k, strlist_sorted_json(p));
			break;
		case AG_FT_NONE:
		case AG_FT_COMPOSITE:
			break;
		}
	}
}

static int
cmp_member(const void *a, const void *b)
{
	const struct ag_db_cluster_member *x = a, *y = b;

	return strcmp(x->instance_id != NULL ? x->instance_id : "",
	    y->instance_id != NULL ? y->instance_id : "");
}

static int
cmp_inst_ptr(const void *a, const void *b)
{
	const struct ag_db_instance *const *x = a, *const *y = b;

	return strcmp((*x)->id != NULL ? (*x)->id : "", (*y)->id != NULL ? (*y)->id : "");
}

static json_t *
cluster_json(const struct ag_db_cluster *c)
{
	json_t *o = json_object(), *pend = json_object(), *mem = json_array();
	struct ag_db_cluster_member *ms;
	size_t i;

	JS(o, "id", c->id);
	JS(o, "arn", c->arn);
	JS(o, "resource_id", c->resource_id);
	JS(o, "status", c->status);
	rows_json(o, c);
	JS(o, "endpoint", c->endpoint);
	JS(o, "reader_endpoint", c->reader_endpoint);
	JB(o, "auto_minor_version_upgrade", c->auto_minor_version_upgrade);
	json_object_set_new(
	    o, "vpc_security_group_ids", strlist_sorted_json(&c->vpc_security_group_ids));
	JB(o, "has_serverless_v2", c->has_serverless_v2);
	JR(o, "serverless_v2_min_capacity", c->serverless_v2_min_capacity);
	JR(o, "serverless_v2_max_capacity", c->serverless_v2_max_capacity);
	JS(o, "master_user_secret_arn", c->master_user_secret_arn);
	JS(o, "master_user_secret_status", c->master_user_secret_status);
	JB(pend, "present", c->pending.present);
	JS(pend, "engine_version", c->pending.engine_version);
	JI(pend, "backup_retention_period", c->pending.backup_retention_period);
	JB(pend, "master_user_password", c->pending.master_user_password);
	JI(pend, "iam_auth", c->pending.iam_auth);
	JS(pend, "storage_type", c->pending.storage_type);
	json_object_set_new(
	    pend, "enable_log_types", strlist_sorted_json(&c->pending.enable_log_types));
	json_object_set_new(
	    pend, "disable_log_types", strlist_sorted_json(&c->pending.disable_log_types));
	json_object_set_new(o, "pending", pend);
	ms = ag_xcalloc(c->n_members + 1, sizeof(*ms));
	if (c->n_members > 0)
		memcpy(ms, c->members, c->n_members * sizeof(*ms));
	if (c->n_members > 1)
		qsort(ms, c->n_members, sizeof(*ms), cmp_member);
	for (i = 0; i < c->n_members; i++) {
		json_t *m = json_object();

		JS(m, "instance_id", ms[i].instance_id);
		JB(m, "is_writer", ms[i].is_writer);
		JI(m, "promotion_tier", ms[i].promotion_tier);
		json_array_append_new(mem, m);
	}
	free(ms);
	json_object_set_new(o, "members", mem);
	json_object_set_new(o, "tags", kv_json(&c->tags));
	return o;
}

static json_t *
instance_json(const struct ag_db_instance *i)
{
	json_t *o = json_object();

	JS(o, "id", i->id);
	JS(o, "arn", i->arn);
	JS(o, "cluster_id", i->cluster_id);
	JS(o, "instance_class", i->instance_class);
	JS(o, "status", i->status);
	JS(o, "engine", i->engine);
	JS(o, "engine_version", i->engine_version);
	JS(o, "availability_zone", i->availability_zone);
	JS(o, "endpoint_address", i->endpoint_address);
	JI(o, "promotion_tier", i->promotion_tier);
	JB(o, "auto_minor_version_upgrade", i->auto_minor_version_upgrade);
	JB(o, "publicly_accessible", i->publicly_accessible);
	JS(o, "pending_instance_class", i->pending_instance_class);
	JB(o, "has_pi", i->has_pi);
	JB(o, "pi_enabled", i->pi_enabled);
	JI(o, "pi_retention", i->pi_retention);
	JS(o, "pi_kms_key_id", i->pi_kms_key_id);
	JB(o, "has_monitoring", i->has_monitoring);
	JI(o, "monitoring_interval", i->monitoring_interval);
	JS(o, "monitoring_role_arn", i->monitoring_role_arn);
	json_object_set_new(o, "tags", kv_json(&i->tags));
	return o;
}

void
ag_observed_cluster_digest(char out[65], const struct ag_observed *o, const struct ag_db_cluster *c)
{
	const struct ag_db_instance **list;
	json_t *root = json_object(), *arr = json_array();
	size_t i, n = 0;

	json_object_set_new(root, "cluster", cluster_json(c));
	list = ag_xcalloc(o->n_instances + 1, sizeof(*list));
	for (i = 0; i < o->n_instances; i++) {
		const struct ag_db_instance *di = &o->instances[i];
		bool mine =
		    di->cluster_id != NULL && c->id != NULL && strcmp(di->cluster_id, c->id) == 0;
		size_t j;

		for (j = 0; j < c->n_members && !mine; j++)
			if (c->members[j].instance_id != NULL && di->id != NULL &&
			    strcmp(c->members[j].instance_id, di->id) == 0)
				mine = true;
		if (mine)
			list[n++] = di;
	}
	if (n > 1)
		qsort(list, n, sizeof(*list), cmp_inst_ptr);
	for (i = 0; i < n; i++)
		json_array_append_new(arr, instance_json(list[i]));
	free(list);
	json_object_set_new(root, "instances", arr);
	ag_sha256_json_hex(
	    out, root, JSON_SORT_KEYS | JSON_COMPACT | JSON_ENSURE_ASCII | JSON_REAL_PRECISION(17));
	json_decref(root);
}
