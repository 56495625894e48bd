#include "core/observed.h"
#include "core/fieldtab.h"
#include "core/mem.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/compat.h"

void
ag_observed_init(struct ag_observed *o)
{
	memset(o, 0, sizeof(*o));
}

void
ag_db_cluster_release(struct ag_db_cluster *c)
{
	size_t i;

	if (c == NULL)
		return;
	if (c->pooled) { /* everything is in the set's store */
		memset(c, 0, sizeof(*c));
		return;
	}
	free(c->id);
	free(c->arn);
	free(c->resource_id);
	free(c->status);
	ag_fieldtab_release_live(c);
	free(c->endpoint);
	free(c->reader_endpoint);
	free(c->hosted_zone_id);
	ag_strlist_release(&c->availability_zones);
	ag_strlist_release(&c->vpc_security_group_ids);
	ag_strlist_release(&c->custom_endpoints);
	free(c->master_user_secret_arn);
	free(c->master_user_secret_status);
	free(c->pending.engine_version);
	free(c->pending.storage_type);
	ag_strlist_release(&c->pending.enable_log_types);
	ag_strlist_release(&c->pending.disable_log_types);
	for (i = 0; i < c->n_members; i++) {
		free(c->members[i].instance_id);
		free(c->members[i].param_group_status);
	}
	free(c->members);
	ag_kvlist_release(&c->tags);
	memset(c, 0, sizeof(*c));
}

void
ag_db_instance_release(struct ag_db_instance *x)
{
	if (x == NULL)
		return;
	if (x->pooled) { /* everything is in the set's store */
		memset(x, 0, sizeof(*x));
		return;
	}
	free(x->id);
	free(x->arn);
	free(x->cluster_id);
	free(x->instance_class);
	free(x->status);
	free(x->engine);
	free(x->engine_version);
	free(x->availability_zone);
	free(x->endpoint_address);
	free(x->pending_instance_class);
	free(x->pi_kms_key_id);
	free(x->monitoring_role_arn);
	free(x->db_parameter_group);
	free(x->ca_certificate_identifier);
	free(x->pending_ca);
	ag_kvlist_release(&x->tags);
	memset(x, 0, sizeof(*x));
}

void
ag_db_cluster_param_group_release(struct ag_db_cluster_param_group *g)
{
	size_t i;

	if (g == NULL)
		return;
	free(g->name);
	free(g->family);
	free(g->arn);
	free(g->description);
	for (i = 0; i < g->n_params; i++) {
		free(g->params[i].name);
		free(g->params[i].value);
		free(g->params[i].apply_method);
		free(g->params[i].apply_type);
		free(g->params[i].source);
	}
	free(g->params);
	memset(g, 0, sizeof(*g));
}

struct ag_db_cluster_param_group *
ag_observed_add_param_group(struct ag_observed *o)
{
	struct ag_db_cluster_param_group *g;

	AG_GROW(o->param_groups, o->cap_param_groups, o->n_param_groups + 1);
	g = &o->param_groups[o->n_param_groups++];
	memset(g, 0, sizeof(*g));
	return g;
}

struct ag_observed_param *
ag_param_group_add_param(struct ag_db_cluster_param_group *g)
{
	struct ag_observed_param *p;

	AG_GROW(g->params, g->cap_params, g->n_params + 1);
	p = &g->params[g->n_params++];
	memset(p, 0, sizeof(*p));
	return p;
}

struct ag_observed_sg *
ag_observed_add_sg(struct ag_observed *o)
{
	struct ag_observed_sg *g;

	AG_GROW(o->sgs, o->cap_sgs, o->n_sgs + 1);
	g = &o->sgs[o->n_sgs++];
	memset(g, 0, sizeof(*g));
	return g;
}

struct ag_observed_rule *
ag_observed_sg_add_rule(struct ag_observed_sg *g)
{
	struct ag_observed_rule *r;

	g->rules = ag_xrealloc(g->rules, (g->n_rules + 1) * sizeof(*g->rules));
	r = &g->rules[g->n_rules++];
	memset(r, 0, sizeof(*r));
	return r;
}

struct ag_observed_subnet_group *
ag_observed_add_subnet_group(struct ag_observed *o)
{
	struct ag_observed_subnet_group *g;

	AG_GROW(o->subnet_groups, o->cap_subnet_groups, o->n_subnet_groups + 1);
	g = &o->subnet_groups[o->n_subnet_groups++];
	memset(g, 0, sizeof(*g));
	return g;
}

const struct ag_observed_sg *
ag_observed_find_sg(const struct ag_observed *o, const char *cluster_id, const char *vpc_id)
{
	size_t i;

	for (i = 0; i < o->n_sgs; i++) {
		const struct ag_observed_sg *g = &o->sgs[i];

		if (g->name == NULL || strcasecmp(g->name, cluster_id) != 0)
			continue;
		if (vpc_id != NULL && vpc_id[0] != '\0' &&
		    (g->vpc_id == NULL || strcmp(g->vpc_id, vpc_id) != 0))
			continue;
		return g;
	}
	return NULL;
}

struct ag_observed_global *
ag_observed_add_global(struct ag_observed *o)
{
	struct ag_observed_global *g;

	AG_GROW(o->globals, o->cap_globals, o->n_globals + 1);
	g = &o->globals[o->n_globals++];
	memset(g, 0, sizeof(*g));
	return g;
}

const struct ag_observed_global *
ag_observed_find_global(const struct ag_observed *o, const char *id)
{
	size_t i;

	for (i = 0; id != NULL && i < o->n_globals; i++)
		if (o->globals[i].id != NULL && strcasecmp(o->globals[i].id, id) == 0)
			return &o->globals[i];
	return NULL;
}

const struct ag_observed_subnet_group *
ag_observed_find_subnet_group(const struct ag_observed *o, const char *name)
{
	size_t i;

	for (i = 0; i < o->n_subnet_groups; i++)
		if (o->subnet_groups[i].name != NULL &&
		    strcasecmp(o->subnet_groups[i].name, name) == 0)
			return &o->subnet_groups[i];
	return NULL;
}

const struct ag_db_cluster_param_group *
ag_observed_find_param_group(const struct ag_observed *o, const char *name)
{
	size_t i;

	for (i = 0; i < o->n_param_groups; i++)
		if (o->param_groups[i].name && strcmp(o->param_groups[i].name, name) == 0)
			return &o->param_groups[i];
	return NULL;
}

void
ag_observed_release(struct ag_observed *o)
{
	size_t i;

	if (o == NULL)
		return;
	for (i = 0; i < o->n_param_groups; i++)
		ag_db_cluster_param_group_release(&o->param_groups[i]);
	free(o->param_groups);
	for (i = 0; i < o->n_sgs; i++) {
		size_t j;

		for (j = 0; j < o->sgs[i].n_rules; j++) {
			free(o->sgs[i].rules[j].protocol);
			free(o->sgs[i].rules[j].cidr);
			free(o->sgs[i].rules[j].group_id);
		}
		free(o->sgs[i].rules);
		free(o->sgs[i].id);
		free(o->sgs[i].name);
		free(o->sgs[i].vpc_id);
	}
	free(o->sgs);
	for (i = 0; i < o->n_subnet_groups; i++) {
		free(o->subnet_groups[i].name);
		ag_strlist_release(&o->subnet_groups[i].subnet_ids);
	}
	free(o->subnet_groups);
	ag_kvlist_release(&o->public_subnets);
	for (i = 0; i < o->n_alarms; i++)
		ag_observed_alarm_release(&o->alarms[i]);
	free(o->alarms);
	for (i = 0; i < o->n_kms_keys; i++) {
		free(o->kms_keys[i].alias);
		free(o->kms_keys[i].key_id);
		free(o->kms_keys[i].arn);
		free(o->kms_keys[i].state);
	}
	free(o->kms_keys);
	for (i = 0; i < o->n_scaling; i++) {
		free(o->scaling[i].cluster_id);
		free(o->scaling[i].metric);
	}
	free(o->scaling);
	for (i = 0; i < o->n_globals; i++) {
		free(o->globals[i].id);
		free(o->globals[i].engine);
		free(o->globals[i].engine_version);
		free(o->globals[i].writer_arn);
		ag_strlist_release(&o->globals[i].members);
	}
	free(o->globals);
	for (i = 0; i < o->n_clusters; i++)
		ag_db_cluster_release(&o->clusters[i]);
	for (i = 0; i < o->n_instances; i++)
		ag_db_instance_release(&o->instances[i]);
	free(o->clusters);
	free(o->instances);
	free(o->cluster_idx);
	free(o->instance_idx);
	free(o->member_idx);
	ag_intern_release(&o->interned);
	ag_arena_release(&o->strings);
	ag_observed_init(o);
}

void
ag_observed_alarm_release(struct ag_observed_alarm *a)
{
	free(a->name);
	free(a->description);
	free(a->metric);
	free(a->namespace_);
	free(a->statistic);
	free(a->comparison);
	free(a->treat_missing);
	ag_kvlist_release(&a->dimensions);
	ag_strlist_release(&a->alarm_actions);
	ag_strlist_release(&a->ok_actions);
	memset(a, 0, sizeof(*a));
}

struct ag_observed_alarm *
ag_observed_add_alarm(struct ag_observed *o)
{
	struct ag_observed_alarm *a;

	AG_GROW(o->alarms, o->cap_alarms, o->n_alarms + 1);
	a = &o->alarms[o->n_alarms++];
	memset(a, 0, sizeof(*a));
	return a;
}

const struct ag_observed_alarm *
ag_observed_find_alarm(const struct ag_observed *o, const char *name)
{
	size_t i;

	for (i = 0; i < o->n_alarms; i++)
		if (o->alarms[i].name != NULL && strcmp(o->alarms[i].name, name) == 0)
			return &o->alarms[i];
	return NULL;
}

/* Comparators: by identifier, ties by position in the array, so a lookup
 * finds the first of equal entries as a scan would. */
static int
cmp_ptr(const void *a, const void *b)
{
	return (uintptr_t)a < (uintptr_t)b ? -1 : (uintptr_t)a > (uintptr_t)b;
}

static int
cmp_cluster_idx(const void *a, const void *b)
{
	const struct ag_db_cluster *x = *(const struct ag_db_cluster *const *)a;
	const struct ag_db_cluster *y = *(const struct ag_db_cluster *const *)b;
	int c = strcmp(x->id, y->id);

	return c ? c : cmp_ptr(x, y);
}

static int
cmp_instance_idx(const void *a, const void *b)
{
	const struct ag_db_instance *x = *(const struct ag_db_instance *const *)a;
	const struct ag_db_instance *y = *(const struct ag_db_instance *const *)b;
	int c = strcmp(x->id, y->id);

	return c ? c : cmp_ptr(x, y);
}

static int
cmp_member_idx(const void *a, const void *b)
{
	const struct ag_db_instance *x = *(const struct ag_db_instance *const *)a;
	const struct ag_db_instance *y = *(const struct ag_db_instance *const *)b;
	int c = strcmp(x->cluster_id, y->cluster_id);

	return c ? c : cmp_ptr(x, y);
}

void
ag_observed_index(struct ag_observed *o)
{
	size_t i;

	free(o->cluster_idx);
	free(o->instance_idx);
	free(o->member_idx);
	o->cluster_idx = ag_xcalloc(o->n_clusters, sizeof(*o->cluster_idx));
	o->instance_idx = ag_xcalloc(o->n_instances, sizeof(*o->instance_idx));
	o->member_idx = ag_xcalloc(o->n_instances, sizeof(*o->member_idx));
	o->n_cluster_idx = o->n_instance_idx = o->n_member_idx = 0;
	for (i = 0; i < o->n_clusters; i++)
		if (o->clusters[i].id != NULL)
			o->cluster_idx[o->n_cluster_idx++] = &o->clusters[i];
	for (i = 0; i < o->n_instances; i++) {
		if (o->instances[i].id != NULL)
			o->instance_idx[o->n_instance_idx++] = &o->instances[i];
		if (o->instances[i].cluster_id != NULL)
			o->member_idx[o->n_member_idx++] = &o->instances[i];
	}
	if (o->n_cluster_idx > 1)
		qsort(o->cluster_idx, o->n_cluster_idx, sizeof(*o->cluster_idx), cmp_cluster_idx);
	if (o->n_instance_idx > 1)
		qsort(
		    o->instance_idx, o->n_instance_idx, sizeof(*o->instance_idx), cmp_instance_idx);
	if (o->n_member_idx > 1)
		qsort(o->member_idx, o->n_member_idx, sizeof(*o->member_idx), cmp_member_idx);
	o->indexed = true;
}

/* First position in a sorted index whose string at key_off (within the entry
 * pointed to) is not below id. */
static size_t
lower_bound(const void *const *idx, size_t n, size_t key_off, const char *id)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const char *key = *(const char *const *)((const char *)idx[mid] + key_off);

		if (strcmp(key, id) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

size_t
ag_observed_instances_of(
    const struct ag_db_instance ***out, const struct ag_observed *o, const char *id)
{
	size_t i, n = 0, first;

	*out = NULL;
	if (o->indexed) {
		first = lower_bound((const void *const *)o->member_idx, o->n_member_idx,
		    offsetof(struct ag_db_instance, cluster_id), id);
		for (i = first;
		     i < o->n_member_idx && strcmp(o->member_idx[i]->cluster_id, id) == 0; i++)
			n++;
		if (n > 0) {
			*out = ag_xcalloc(n, sizeof(**out));
			memcpy(*out, &o->member_idx[first], n * sizeof(**out));
		}
		return n;
	}
	for (i = 0; i < o->n_instances; i++)
		if (o->instances[i].cluster_id != NULL &&
		    strcmp(o->instances[i].cluster_id, id) == 0)
			n++;
	if (n == 0)
		return 0;
	*out = ag_xcalloc(n, sizeof(**out));
	n = 0;
	for (i = 0; i < o->n_instances; i++)
		if (o->instances[i].cluster_id != NULL &&
		    strcmp(o->instances[i].cluster_id, id) == 0)
			(*out)[n++] = &o->instances[i];
	return n;
}

/* Moves the *sn elements of *src (size bytes each) to the end of *dst. An
 * empty dst takes src's array itself, trimmed to its length. */
static void
take_array(void **dst, size_t *dn, size_t *dcap, void **src, size_t *sn, size_t *scap, size_t size)
{
	if (*sn == 0)
		return;
	if (*dn == 0) {
		free(*dst);
		*dst = *sn < *scap ? ag_xrealloc(*src, *sn * size) : *src;
		*dcap = *dn = *sn;
		*src = NULL;
		*sn = *scap = 0;
		return;
	}
	ag_xgrow_uninit(dst, dcap, *dn + *sn, size);
	memcpy((char *)*dst + *dn * size, *src, *sn * size);
	*dn += *sn;
	*sn = 0;
}

void
ag_observed_take_rds(struct ag_observed *dst, struct ag_observed *src)
{
	dst->indexed = false;
	take_array((void **)&dst->clusters, &dst->n_clusters, &dst->cap_clusters,
	    (void **)&src->clusters, &src->n_clusters, &src->cap_clusters, sizeof(*src->clusters));
	take_array((void **)&dst->instances, &dst->n_instances, &dst->cap_instances,
	    (void **)&src->instances, &src->n_instances, &src->cap_instances,
	    sizeof(*src->instances));
	/* the moved records' strings; src's other records (none from a
	 * describe) keep theirs malloc'd */
	ag_arena_take(&dst->strings, &src->strings);
	src->indexed = false;
}

struct ag_db_cluster *
ag_observed_add_cluster(struct ag_observed *o)
{
	struct ag_db_cluster *c;

	o->indexed = false;
	AG_GROW_UNINIT(o->clusters, o->cap_clusters, o->n_clusters + 1);
	c = &o->clusters[o->n_clusters++];
	memset(c, 0, sizeof(*c));
	c->pending.backup_retention_period = -1;
	c->pending.iam_auth = -1;
	return c;
}

struct ag_db_instance *
ag_observed_add_instance(struct ag_observed *o)
{
	struct ag_db_instance *x;

	o->indexed = false;
	AG_GROW_UNINIT(o->instances, o->cap_instances, o->n_instances + 1);
	x = &o->instances[o->n_instances++];
	memset(x, 0, sizeof(*x));
	return x;
}

const struct ag_db_cluster *
ag_observed_find_cluster(const struct ag_observed *o, const char *id)
{
	size_t i;

	if (o->indexed) {
		i = lower_bound((const void *const *)o->cluster_idx, o->n_cluster_idx,
		    offsetof(struct ag_db_cluster, id), id);
		return i < o->n_cluster_idx && strcmp(o->cluster_idx[i]->id, id) == 0
		           ? o->cluster_idx[i]
		           : NULL;
	}
	for (i = 0; i < o->n_clusters; i++)
		if (o->clusters[i].id && strcmp(o->clusters[i].id, id) == 0)
			return &o->clusters[i];
	return NULL;
}

const struct ag_db_instance *
ag_observed_find_instance(const struct ag_observed *o, const char *id)
{
	size_t i;

	if (o->indexed) {
		i = lower_bound((const void *const *)o->instance_idx, o->n_instance_idx,
		    offsetof(struct ag_db_instance, id), id);
		return i < o->n_instance_idx && strcmp(o->instance_idx[i]->id, id) == 0
		           ? o->instance_idx[i]
		           : NULL;
	}
	for (i = 0; i < o->n_instances; i++)
		if (o->instances[i].id && strcmp(o->instances[i].id, id) == 0)
			return &o->instances[i];
	return NULL;
}

struct ag_observed_kms_key *
ag_observed_add_kms_key(struct ag_observed *o)
{
	struct ag_observed_kms_key *k;

	AG_GROW(o->kms_keys, o->cap_kms_keys, o->n_kms_keys + 1);
	k = &o->kms_keys[o->n_kms_keys++];
	memset(k, 0, sizeof(*k));
	k->rotation = -1;
	return k;
}

const struct ag_observed_kms_key *
ag_observed_find_kms_key(const struct ag_observed *o, const char *alias)
{
	size_t i;

	for (i = 0; alias != NULL && i < o->n_kms_keys; i++)
		if (o->kms_keys[i].alias != NULL && strcmp(o->kms_keys[i].alias, alias) == 0)
			return &o->kms_keys[i];
	return NULL;
}

struct ag_observed_scaling *
ag_observed_add_scaling(struct ag_observed *o)
{
	struct ag_observed_scaling *s;

	AG_GROW(o->scaling, o->cap_scaling, o->n_scaling + 1);
	s = &o->scaling[o->n_scaling++];
	memset(s, 0, sizeof(*s));
	s->scale_in_cooldown = -1;
	s->scale_out_cooldown = -1;
	return s;
}

const struct ag_observed_scaling *
ag_observed_find_scaling(const struct ag_observed *o, const char *cluster_id)
{
	size_t i;

	for (i = 0; cluster_id != NULL && i < o->n_scaling; i++)
		if (o->scaling[i].cluster_id != NULL &&
		    strcmp(o->scaling[i].cluster_id, cluster_id) == 0)
			return &o->scaling[i];
	return NULL;
}
