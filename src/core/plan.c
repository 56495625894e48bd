/*
 * The plan: manifests + observed snapshot -> per-cluster changes and the
 * exact API actions that converge them. Pure: no I/O, no clock. The rules
 * are in docs/drift.md; the field semantics in the table of fieldtab.c.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "core/alarms.h"
#include "core/bug.h"
#include "core/buf.h"
#include "core/fieldtab.h"
#include "core/insights.h"
#include "core/mem.h"
#include "core/normalize.h"
#include "core/plan.h"
#include "core/plan_int.h"
#include "core/ref.h"
#include "core/report.h"
#include "core/sort.h"
#include "core/version.h"
#include "core/window.h"

#include "core/compat.h"

#define ABSENT "(absent)"

/* ---- names ---------------------------------------------------------------- */

static const struct {
	const char *name;
	const char *api;
	const char *action;
} kinds[AG_ACT__COUNT] = {
    [AG_ACT_CREATE_SECURITY_GROUP] = {"create-security-group", "ec2", "CreateSecurityGroup"},
    [AG_ACT_AUTHORIZE_INGRESS] = {"authorize-ingress", "ec2", "AuthorizeSecurityGroupIngress"},
    [AG_ACT_CREATE_SUBNET_GROUP] = {"create-subnet-group", "rds", "CreateDBSubnetGroup"},
    [AG_ACT_CREATE_PARAM_GROUP] = {"create-param-group", "rds", "CreateDBClusterParameterGroup"},
    [AG_ACT_MODIFY_PARAM_GROUP] = {"modify-param-group", "rds", "ModifyDBClusterParameterGroup"},
    [AG_ACT_CREATE_CLUSTER] = {"create-cluster", "rds", "CreateDBCluster"},
    [AG_ACT_RESTORE_CLUSTER] = {"restore-cluster", "rds", "RestoreDBClusterFromSnapshot"},
    [AG_ACT_MODIFY_CLUSTER] = {"modify-cluster", "rds", "ModifyDBCluster"},
    [AG_ACT_PROMOTE_REPLICA] = {"promote-replica", "rds", "PromoteReadReplicaDBCluster"},
    [AG_ACT_SET_HTTP_ENDPOINT] = {"set-http-endpoint", "rds", "EnableHttpEndpoint"},
    [AG_ACT_CREATE_INSTANCE] = {"create-instance", "rds", "CreateDBInstance"},
    [AG_ACT_MODIFY_INSTANCE] = {"modify-instance", "rds", "ModifyDBInstance"},
    [AG_ACT_DELETE_INSTANCE] = {"delete-instance", "rds", "DeleteDBInstance"},
    [AG_ACT_ADD_TAGS] = {"add-tags", "rds", "AddTagsToResource"},
    [AG_ACT_REMOVE_TAGS] = {"remove-tags", "rds", "RemoveTagsFromResource"},
    [AG_ACT_DELETE_CLUSTER] = {"delete-cluster", "rds", "DeleteDBCluster"},
    [AG_ACT_RESET_PARAM_GROUP] = {"reset-param-group", "rds", "ResetDBClusterParameterGroup"},
    [AG_ACT_REVOKE_INGRESS] = {"revoke-ingress", "ec2", "RevokeSecurityGroupIngress"},
    [AG_ACT_MODIFY_SUBNET_GROUP] = {"modify-subnet-group", "rds", "ModifyDBSubnetGroup"},
    [AG_ACT_ENSURE_MONITORING_ROLE] = {"ensure-monitoring-role", "iam", "GetRole"},
    [AG_ACT_PUT_ALARM] = {"put-alarm", "monitoring", "PutMetricAlarm"},
    [AG_ACT_DELETE_ALARMS] = {"delete-alarms", "monitoring", "DeleteAlarms"},
    [AG_ACT_KMS_CREATE_KEY] = {"create-kms-key", "kms", "CreateKey"},
    [AG_ACT_KMS_CREATE_ALIAS] = {"create-kms-alias", "kms", "CreateAlias"},
    [AG_ACT_KMS_SET_ROTATION] = {"set-key-rotation", "kms", "EnableKeyRotation"},
    [AG_ACT_SCALING_REGISTER] = {"register-scalable-target", "application-autoscaling",
        "RegisterScalableTarget"},
    [AG_ACT_SCALING_PUT_POLICY] = {"put-scaling-policy", "application-autoscaling",
        "PutScalingPolicy"},
    [AG_ACT_SCALING_DEREGISTER] = {"deregister-scalable-target", "application-autoscaling",
        "DeregisterScalableTarget"},
    [AG_ACT_REBOOT_INSTANCE] = {"reboot-instance", "rds", "RebootDBInstance"},
    [AG_ACT_CREATE_GLOBAL_CLUSTER] = {"create-global-cluster", "rds", "CreateGlobalCluster"},
    [AG_ACT_REMOVE_FROM_GLOBAL_CLUSTER] = {"remove-from-global-cluster", "rds",
        "RemoveFromGlobalCluster"},
};

const char *
ag_action_kind_name(enum ag_action_kind k)
{
	if ((unsigned)k >= AG_ACT__COUNT)
		return "unknown";
	return kinds[k].name;
}

const char *
ag_cluster_status_name(enum ag_cluster_status s)
{
	switch (s) {
	case AG_STATUS_UNCHANGED:
		return "unchanged";
	case AG_STATUS_CREATE:
		return "create";
	case AG_STATUS_UPDATE:
		return "update";
	case AG_STATUS_BLOCKED:
		return "blocked";
	case AG_STATUS_DELETE:
		return "delete";
	case AG_STATUS_SUSPENDED:
		return "suspended";
	case AG_STATUS_ORPHANED:
		return "orphaned";
	case AG_STATUS_UNMANAGED:
		return "unmanaged";
	case AG_STATUS_ERROR:
		return "error";
	}
	return "unknown";
}

const char *
ag_mode_name(enum ag_mode m)
{
	switch (m) {
	case AG_MODE_OBSERVE:
		return "observe";
	case AG_MODE_APPLY:
		return "apply";
	case AG_MODE_PLAN:
	case AG_MODE_UNSET:
		break;
	}
	return "plan";
}

const char *
ag_change_state_name(enum ag_change_state s)
{
	switch (s) {
	case AG_CHANGE_SEND:
		return "send";
	case AG_CHANGE_PENDING:
		return "pending-until-window";
	case AG_CHANGE_BLOCKED:
		return "blocked";
	case AG_CHANGE_INFO:
		return "info";
	}
	return "info";
}

/* ---- plan objects ------------------------------------------------------- */

void
ag_plan_input_init(struct ag_plan_input *in)
{
	memset(in, 0, sizeof(*in));
	in->default_mode = AG_MODE_PLAN;
	in->max_deletes = AG_PLAN_MAX_DELETES_DEFAULT;
}

void
ag_plan_init(struct ag_plan *p)
{
	memset(p, 0, sizeof(*p));
}

static void
action_release(struct ag_action *a)
{
	free(a->target);
	free(a->blocked_reason);
	ag_kvlist_release(&a->params);
}

static void
change_release(struct ag_change *c)
{
	free(c->name);
	free(c->path);
	free(c->committed);
	free(c->live);
	free(c->note);
}

static void
clear_actions(struct ag_cluster_plan *cp)
{
	size_t i;

	for (i = 0; i < cp->n_actions; i++)
		action_release(&cp->actions[i]);
	cp->n_actions = 0;
}

static void
cluster_plan_release(struct ag_cluster_plan *cp)
{
	size_t i;

	free(cp->id);
	free(cp->reason);
	free(cp->source);
	for (i = 0; i < cp->n_changes; i++)
		change_release(&cp->changes[i]);
	free(cp->changes);
	clear_actions(cp);
	free(cp->actions);
	ag_strlist_release(&cp->notes);
}

void
ag_plan_release(struct ag_plan *p)
{
	size_t i;

	if (p == NULL)
		return;
	for (i = 0; i < p->n_clusters; i++)
		cluster_plan_release(&p->clusters[i]);
	free(p->clusters);
	ag_plan_init(p);
}

const struct ag_cluster_plan *
ag_plan_find(const struct ag_plan *p, const char *id)
{
	size_t i;

	for (i = 0; i < p->n_clusters; i++)
		if (strcmp(p->clusters[i].id, id) == 0)
			return &p->clusters[i];
	return NULL;
}

bool
ag_plan_has_blocked(const struct ag_plan *p)
{
	return p->summary.blocked > 0;
}

bool
ag_plan_has_changes(const struct ag_plan *p)
{
	return p->summary.changed > 0;
}

static struct ag_cluster_plan *
cp_new(struct ag_plan *p, const char *id, enum ag_mode mode)
{
	struct ag_cluster_plan *cp;

	AG_GROW(p->clusters, p->cap_clusters, p->n_clusters + 1);
	cp = &p->clusters[p->n_clusters++];
	memset(cp, 0, sizeof(*cp));
	cp->id = ag_xstrdup(id);
	cp->mode = mode;
	return cp;
}

static void
set_reason(struct ag_cluster_plan *cp, char *reason)
{
	free(cp->reason);
	cp->reason = reason;
}

static struct ag_change *
change_add(struct ag_cluster_plan *cp, enum ag_field f, const char *name, const char *path,
    const char *committed, const char *live, enum ag_update_class klass, enum ag_change_state state,
    const char *note)
{
	struct ag_change *c;

	AG_GROW(cp->changes, cp->cap_changes, cp->n_changes + 1);
	c = &cp->changes[cp->n_changes++];
	c->field = f;
	c->name = ag_xstrdup(name);
	c->path = ag_xstrdup(path);
	c->committed = ag_xstrdup(committed != NULL ? committed : ABSENT);
	c->live = ag_xstrdup(live != NULL ? live : ABSENT);
	c->klass = klass;
	c->state = state;
	c->note = ag_xstrdup(note);
	return c;
}

static void
change_note_append(struct ag_change *c, const char *text)
{
	char *n;

	if (c->note == NULL) {
		c->note = ag_xstrdup(text);
		return;
	}
	n = ag_xasprintf("%s; %s", c->note, text);
	free(c->note);
	c->note = n;
}

static struct ag_action *
action_add(struct ag_cluster_plan *cp, enum ag_action_kind k, const char *target,
    enum ag_update_class klass, enum ag_action_wait wait)
{
	struct ag_action *a;

	AG_GROW(cp->actions, cp->cap_actions, cp->n_actions + 1);
	a = &cp->actions[cp->n_actions++];
	memset(a, 0, sizeof(*a));
	a->kind = k;
	a->api = kinds[k].api;
	a->action = kinds[k].action;
	a->target = ag_xstrdup(target);
	a->klass = klass;
	a->wait = wait;
	return a;
}

struct ag_change *
ag_plan_change_add(struct ag_cluster_plan *cp, enum ag_field f, const char *name, const char *path,
    const char *committed, const char *live, enum ag_update_class klass, enum ag_change_state state,
    const char *note)
{
	return change_add(cp, f, name, path, committed, live, klass, state, note);
}

struct ag_action *
ag_plan_action_add(struct ag_cluster_plan *cp, enum ag_action_kind k, const char *target,
    enum ag_update_class klass, enum ag_action_wait wait)
{
	return action_add(cp, k, target, klass, wait);
}

static bool mark_weakening(struct ag_change *c, bool forbid);

bool
ag_plan_mark_weakening(struct ag_change *c, bool forbid)
{
	return mark_weakening(c, forbid);
}

static int
class_rank(enum ag_update_class c)
{
	switch (c) {
	case AG_CLASS_OUTAGE:
		return 3;
	case AG_CLASS_DEFERRED:
		return 2;
	case AG_CLASS_IN_PLACE:
		return 1;
	default:
		return 0;
	}
}

static enum ag_update_class
class_max(enum ag_update_class a, enum ag_update_class b)
{
	return class_rank(b) > class_rank(a) ? b : a;
}

/* "spec.x" -> "x" */
static const char *
short_name(const struct ag_field_row *row)
{
	const char *p = strrchr(row->yaml_path, '.');

	return p != NULL ? p + 1 : row->yaml_path;
}

/* ---- small helpers ------------------------------------------------------ */

static void
add_members(struct ag_kvlist *kv, const char *fmt, const struct ag_strlist *l)
{
	char key[256];
	size_t i;

	for (i = 0; i < l->n; i++) {
		snprintf(key, sizeof(key), fmt, i + 1);
		ag_kvlist_add(kv, key, l->v[i]);
	}
}

static void
add_tags(struct ag_kvlist *kv, const struct ag_kvlist *tags)
{
	char key[64];
	size_t i;

	for (i = 0; i < tags->n; i++) {
		snprintf(key, sizeof(key), "Tags.Tag.%zu.Key", i + 1);
		ag_kvlist_add(kv, key, tags->v[i].key);
		snprintf(key, sizeof(key), "Tags.Tag.%zu.Value", i + 1);
		ag_kvlist_add(kv, key, tags->v[i].value);
	}
}

/*
 * Desired tags, sorted by key: metadata.labels, metadata.org and
 * metadata.env (as the tags "org" and "env" unless a label names them),
 * managed-by=aurora-gitops, and the record of the keys set from the
 * manifest (AG_OWNED_TAG_KEY). A key with a space, or one that no longer
 * fits in the record's 256 characters, is not recorded: it is set but
 * never removed.
 */
static void
desired_tags(struct ag_kvlist *out, const struct ag_manifest *m)
{
	struct ag_buf rec = AG_BUF_INIT(AG_TAG_VALUE_MAX);
	size_t i;

	for (i = 0; i < m->labels.n; i++)
		ag_kvlist_set(out, m->labels.v[i].key, m->labels.v[i].value);
	if (m->org != NULL && m->org[0] != '\0' && ag_kvlist_get(out, "org") == NULL)
		ag_kvlist_set(out, "org", m->org);
	if (m->env != NULL && m->env[0] != '\0' && ag_kvlist_get(out, "env") == NULL)
		ag_kvlist_set(out, "env", m->env);
	ag_kvlist_sort(out);
	for (i = 0; i < out->n; i++) {
		const char *k = out->v[i].key;

		if (strchr(k, ' ') != NULL || strcmp(k, AG_MANAGED_TAG_KEY) == 0 ||
		    strcmp(k, AG_OWNED_TAG_KEY) == 0 ||
		    rec.len + strlen(k) + (rec.len > 0) > AG_TAG_VALUE_MAX)
			continue;
		if (rec.len > 0)
			(void)ag_buf_addc(&rec, ' ');
		(void)ag_buf_adds(&rec, k);
	}
	ag_kvlist_set(out, AG_MANAGED_TAG_KEY, AG_MANAGED_TAG_VALUE);
	if (rec.len > 0)
		ag_kvlist_set(out, AG_OWNED_TAG_KEY, rec.ptr);
	ag_kvlist_sort(out);
	ag_buf_release(&rec);
}

/* Whether the live record says the agent set tag key k. */
static bool
owned_tag(const struct ag_db_cluster *live, const char *k)
{
	const char *rec = ag_kvlist_get(&live->tags, AG_OWNED_TAG_KEY), *p;
	size_t n = strlen(k);

	for (p = rec; p != NULL && *p != '\0';) {
		const char *e = strchr(p, ' ');
		size_t len = e != NULL ? (size_t)(e - p) : strlen(p);

		if (len == n && strncmp(p, k, n) == 0)
			return true;
		p = e != NULL ? e + 1 : p + len;
	}
	return false;
}

/* Whether live tag k goes: the agent set it, the manifest no longer has it
 * and it is not one of AWS's own ("aws:"). */
static bool
tag_removed(const struct ag_db_cluster *live, const struct ag_kvlist *want, const char *k)
{
	return strncmp(k, "aws:", 4) != 0 && ag_kvlist_get(want, k) == NULL && owned_tag(live, k);
}

static bool
is_managed(const struct ag_db_cluster *c)
{
	const char *v = ag_kvlist_get(&c->tags, AG_MANAGED_TAG_KEY);

	return v != NULL && strcmp(v, AG_MANAGED_TAG_VALUE) == 0;
}

static bool
effective_auto_minor(const struct ag_manifest *m)
{
	if (ag_manifest_has(m, AG_F_AUTO_MINOR_VERSION_UPGRADE))
		return m->spec.auto_minor_version_upgrade;
	return true;
}

static bool
module_sg(const struct ag_manifest *m)
{
	return m->spec.security_group_ids.n > 0 || m->spec.allowed_cidr_blocks.n > 0;
}

static int
desired_port(const struct ag_manifest *m)
{
	return m->spec.port > 0 ? m->spec.port : ag_engine_default_port(m->spec.engine);
}

/* l joined by ", " (malloc'd). */
static void
list_out_join(char **out, const struct ag_strlist *l)
{
	struct ag_buf b = AG_BUF_INIT((size_t)1 << 20);
	size_t i;

	for (i = 0; i < l->n; i++)
		(void)ag_buf_addf(&b, "%s%s", i > 0 ? ", " : "", l->v[i]);
	*out = ag_buf_detach(&b, NULL);
	if (*out == NULL)
		*out = ag_xstrdup("");
}

static void
split_list(struct ag_strlist *out, const char *s)
{
	const char *p = s, *q;
	char *t;

	if (s == NULL)
		return;
	while (*p != '\0') {
		q = strchr(p, ',');
		if (q == NULL)
			q = p + strlen(p);
		if (q > p) {
			t = ag_xstrndup(p, (size_t)(q - p));
			ag_strlist_add(out, t);
			free(t);
		}
		p = *q == ',' ? q + 1 : q;
	}
}

/* Whether sending d where l is live lowers protection (the row's protect
 * column; l NULL = the AWS default). */
static bool
lowers(const struct ag_field_row *row, const char *d, const char *l)
{
	struct ag_strlist dl = AG_STRLIST_INIT, ll = AG_STRLIST_INIT;
	bool r = false;
	size_t i;

	if (l == NULL)
		l = row->aws_default != NULL ? row->aws_default : "";
	switch (row->protect) {
	case AG_PROTECT_NONE:
		break;
	case AG_PROTECT_TRUE:
		r = strcmp(l, "true") == 0 && strcmp(d, "true") != 0;
		break;
	case AG_PROTECT_FALSE:
		r = strcmp(l, "true") != 0 && strcmp(d, "true") == 0;
		break;
	case AG_PROTECT_MORE:
		r = strtol(d, NULL, 10) < strtol(l, NULL, 10);
		break;
	case AG_PROTECT_SET:
		split_list(&dl, d);
		split_list(&ll, l);
		for (i = 0; i < ll.n && !r; i++)
			r = !ag_strlist_contains(&dl, ll.v[i]);
		break;
	}
	ag_strlist_release(&dl);
	ag_strlist_release(&ll);
	return r;
}

/* Marks c as lowering protection; blocks it when the policy forbids that.
 * Returns true when blocked. */
static bool
mark_weakening(struct ag_change *c, bool forbid)
{
	c->weakens = true;
	if (!forbid)
		return false;
	c->state = AG_CHANGE_BLOCKED;
	change_note_append(c, "this change lowers protection and the weakening policy forbids "
	                      "it (aurora-gitops/weakening: forbid or --forbid-weakening)");
	return true;
}

/*
 * Lookups by cluster identifier for one ag_plan_compute, sorted once, so
 * that a plan over a fleet is O(N log N): the filter (case-insensitive),
 * the manifests (the first of equal identifiers in input order) and the
 * passwords (likewise).
 */
struct ag_plan_index {
	const char **filter;
	size_t n_filter;
	const struct ag_manifest **manifests;
	size_t n_manifests;
	bool *repeats; /* by position in the set: an earlier manifest has its identifier */
	const struct ag_password_info **passwords;
	size_t n_passwords;
};

static int
cmp_filter(const void *a, const void *b)
{
	return strcasecmp(*(const char *const *)a, *(const char *const *)b);
}

/* By identifier, then by address (input order): the first is the original. */
static int
cmp_manifest_ptr(const void *a, const void *b)
{
	const struct ag_manifest *x = *(const struct ag_manifest *const *)a;
	const struct ag_manifest *y = *(const struct ag_manifest *const *)b;
	int c = strcmp(x->cluster_id, y->cluster_id);

	return c != 0 ? c : (x > y) - (x < y);
}

static int
cmp_password_ptr(const void *a, const void *b)
{
	const struct ag_password_info *x = *(const struct ag_password_info *const *)a;
	const struct ag_password_info *y = *(const struct ag_password_info *const *)b;
	int c = strcmp(x->cluster_id, y->cluster_id);

	return c != 0 ? c : (x > y) - (x < y);
}

static void
index_build(struct ag_plan_index *ix, const struct ag_plan_input *in)
{
	size_t i;

	memset(ix, 0, sizeof(*ix));
	ix->filter = ag_xcalloc(in->n_cluster_filter + 1, sizeof(*ix->filter));
	for (i = 0; in->cluster_filter != NULL && i < in->n_cluster_filter; i++)
		if (in->cluster_filter[i] != NULL)
			ix->filter[ix->n_filter++] = in->cluster_filter[i];
	qsort(ix->filter, ix->n_filter, sizeof(*ix->filter), cmp_filter);
	ix->manifests = ag_xcalloc(in->manifests->n + 1, sizeof(*ix->manifests));
	for (i = 0; i < in->manifests->n; i++)
		if (in->manifests->v[i].cluster_id != NULL)
			ix->manifests[ix->n_manifests++] = &in->manifests->v[i];
	qsort(ix->manifests, ix->n_manifests, sizeof(*ix->manifests), cmp_manifest_ptr);
	ix->repeats = ag_xcalloc(in->manifests->n + 1, sizeof(*ix->repeats));
	for (i = 1; i < ix->n_manifests; i++)
		if (strcmp(ix->manifests[i - 1]->cluster_id, ix->manifests[i]->cluster_id) == 0)
			ix->repeats[ix->manifests[i] - in->manifests->v] = true;
	ix->passwords = ag_xcalloc(in->n_passwords + 1, sizeof(*ix->passwords));
	for (i = 0; i < in->n_passwords; i++)
		if (in->passwords[i].cluster_id != NULL)
			ix->passwords[ix->n_passwords++] = &in->passwords[i];
	qsort(ix->passwords, ix->n_passwords, sizeof(*ix->passwords), cmp_password_ptr);
}

static void
index_release(struct ag_plan_index *ix)
{
	free(ix->filter);
	free(ix->manifests);
	free(ix->repeats);
	free(ix->passwords);
}

/* Returns (from the function it is used in) the first of v[0..n), sorted by
 * identifier, whose identifier is id, or NULL. */
#define RETURN_FIRST_BY_ID(v, n, id)                                                               \
	do {                                                                                       \
		size_t lo_ = 0, hi_ = (n);                                                         \
		while (lo_ < hi_) {                                                                \
			size_t mid_ = lo_ + (hi_ - lo_) / 2;                                       \
			if (strcmp((v)[mid_]->cluster_id, (id)) < 0)                               \
				lo_ = mid_ + 1;                                                    \
			else                                                                       \
				hi_ = mid_;                                                        \
		}                                                                                  \
		if (lo_ < (n) && strcmp((v)[lo_]->cluster_id, (id)) == 0)                          \
			return (v)[lo_];                                                           \
		return NULL;                                                                       \
	} while (0)

static bool
in_filter(const struct ag_plan_input *in, const char *id)
{
	size_t i;

	if (in->cluster_filter == NULL || in->n_cluster_filter == 0)
		return true;
	if (in->index != NULL)
		return bsearch(&id, in->index->filter, in->index->n_filter,
		           sizeof(*in->index->filter), cmp_filter) != NULL;
	for (i = 0; i < in->n_cluster_filter; i++)
		if (in->cluster_filter[i] != NULL && strcasecmp(in->cluster_filter[i], id) == 0)
			return true;
	return false;
}

static const struct ag_password_info *
find_password(const struct ag_plan_input *in, const char *id)
{
	size_t i;

	if (in->index != NULL)
		RETURN_FIRST_BY_ID(in->index->passwords, in->index->n_passwords, id);
	for (i = 0; i < in->n_passwords; i++)
		if (in->passwords[i].cluster_id != NULL &&
		    strcmp(in->passwords[i].cluster_id, id) == 0)
			return &in->passwords[i];
	return NULL;
}

static bool
has_password(const struct ag_manifest *m)
{
	return m->spec.password != NULL && m->spec.password[0] != '\0' &&
	       !m->spec.manage_master_user_password;
}

static enum ag_password_state
password_state(const struct ag_plan_input *in, const struct ag_manifest *m, const char **msg)
{
	const struct ag_password_info *pi = find_password(in, m->cluster_id);

	*msg = NULL;
	if (pi != NULL && pi->state == AG_PW_ERROR) {
		*msg = pi->message;
		return AG_PW_ERROR;
	}
	if (!has_password(m))
		return AG_PW_NONE;
	if (pi == NULL)
		return AG_PW_UNKNOWN;
	return pi->state;
}

static const struct ag_manifest *
find_manifest(const struct ag_plan_input *in, const char *id)
{
	const struct ag_manifest_set *set = in->manifests;
	size_t i;

	if (in->index != NULL)
		RETURN_FIRST_BY_ID(in->index->manifests, in->index->n_manifests, id);
	for (i = 0; i < set->n; i++)
		if (set->v[i].cluster_id != NULL && strcmp(set->v[i].cluster_id, id) == 0)
			return &set->v[i];
	return NULL;
}

/* Whether m is the manifest find_manifest() gives for its identifier. */
static bool
first_of_id(const struct ag_plan_input *in, const struct ag_manifest *m)
{
	if (in->index != NULL)
		return !in->index->repeats[m - in->manifests->v];
	return find_manifest(in, m->cluster_id) == m;
}

/* "file:line" without the printf machinery (one for every cluster). */
static char *
file_line(const char *file, unsigned line)
{
	char num[16], *p = num + sizeof(num) - 1, *s;
	size_t n = strlen(file), k;

	*p = '\0';
	do
		*--p = (char)('0' + line % 10);
	while ((line /= 10) != 0);
	k = strlen(p);
	s = ag_xmalloc(n + 1 + k + 1);
	memcpy(s, file, n + 1);
	s[n] = ':'; /* over the terminator */
	memcpy(s + n + 1, p, k + 1);
	return s;
}

static int
cmp_cstr(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Whether s is one of the n strings of v. */
static bool
among(const char *const *v, size_t n, const char *s)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(v[i], s) == 0)
			return true;
	return false;
}

/* Instances of cluster c: its members plus instances naming it. Sorted: readers
 * by id, then the writer(s). The lists point at the snapshot's strings; out
 * gets the only copies. */
static void
live_instances(struct ag_strlist *out, const struct ag_observed *o, const struct ag_db_cluster *c)
{
	const struct ag_db_instance **named = NULL;
	const char **readers, **writers;
	size_t i, j, n_named, nr = 0, nw = 0;
	bool writer;

	n_named = ag_observed_instances_of(&named, o, c->id);
	readers = ag_xcalloc(c->n_members + n_named + 1, sizeof(*readers));
	writers = ag_xcalloc(c->n_members + n_named + 1, sizeof(*writers));
	for (i = 0; i < c->n_members; i++) {
		if (c->members[i].instance_id == NULL)
			continue;
		if (c->members[i].is_writer)
			writers[nw++] = c->members[i].instance_id;
		else
			readers[nr++] = c->members[i].instance_id;
	}
	for (i = 0; i < n_named; i++) {
		const struct ag_db_instance *di = named[i];

		if (di->id == NULL)
			continue;
		if (among(readers, nr, di->id) || among(writers, nw, di->id))
			continue;
		writer = false;
		for (j = 0; j < c->n_members; j++)
			if (c->members[j].is_writer && c->members[j].instance_id != NULL &&
			    strcmp(c->members[j].instance_id, di->id) == 0)
				writer = true;
		if (writer)
			writers[nw++] = di->id;
		else
			readers[nr++] = di->id;
	}
	qsort(readers, nr, sizeof(*readers), cmp_cstr);
	qsort(writers, nw, sizeof(*writers), cmp_cstr);
	for (i = 0; i < nr; i++)
		ag_strlist_add(out, readers[i]);
	for (i = 0; i < nw; i++)
		ag_strlist_add(out, writers[i]);
	free(named);
	free(readers);
	free(writers);
}

static const struct ag_db_cluster_member *
find_member(const struct ag_db_cluster *c, const char *id)
{
	size_t i;

	for (i = 0; i < c->n_members; i++)
		if (c->members[i].instance_id != NULL && strcmp(c->members[i].instance_id, id) == 0)
			return &c->members[i];
	return NULL;
}

/* ---- parameters (cluster parameter group) --------------------------------- */

static const struct ag_observed_param *
find_param(const struct ag_db_cluster_param_group *g, const char *name)
{
	size_t i;

	for (i = 0; i < g->n_params; i++)
		if (g->params[i].name != NULL && strcmp(g->params[i].name, name) == 0)
			return &g->params[i];
	return NULL;
}

/*
 * The apply method of a manifest parameter: as written, else "immediate"
 * for a parameter AWS reports as dynamic, else "pending-reboot" (AWS
 * refuses "immediate" for a static parameter, and accepts pending-reboot
 * for every parameter, so an unknown apply type takes the safe one).
 */
static const char *
param_method(const struct ag_param *p, const struct ag_db_cluster_param_group *g)
{
	const struct ag_observed_param *op;

	if (p->apply_method != NULL && p->apply_method[0] != '\0')
		return p->apply_method;
	op = g != NULL && g->params_loaded ? find_param(g, p->name) : NULL;
	if (op != NULL && op->apply_type != NULL && strcmp(op->apply_type, "dynamic") == 0)
		return "immediate";
	return "pending-reboot";
}

/* Emits modify-param-group actions (chunks of 20) for the params marked in want. */
static void
emit_param_chunks(struct ag_cluster_plan *cp, const char *group, const struct ag_manifest *m,
    const struct ag_db_cluster_param_group *g, const bool *want)
{
	struct ag_action *a = NULL;
	size_t i, n = 0;
	char key[96];

	for (i = 0; i < m->spec.n_parameters; i++) {
		const struct ag_param *p = &m->spec.parameters[i];

		if (!want[i])
			continue;
		if (a == NULL || n == AG_PARAMS_PER_CALL) {
			a = action_add(
			    cp, AG_ACT_MODIFY_PARAM_GROUP, group, AG_CLASS_IN_PLACE, AG_WAIT_NONE);
			ag_kvlist_add(&a->params, "DBClusterParameterGroupName", group);
			n = 0;
		}
		n++;
		snprintf(key, sizeof(key), "Parameters.Parameter.%zu.ParameterName", n);
		ag_kvlist_add(&a->params, key, p->name);
		snprintf(key, sizeof(key), "Parameters.Parameter.%zu.ParameterValue", n);
		ag_kvlist_add(&a->params, key, p->value != NULL ? p->value : "");
		snprintf(key, sizeof(key), "Parameters.Parameter.%zu.ApplyMethod", n);
		ag_kvlist_add(&a->params, key, param_method(p, g));
		if (strcmp(param_method(p, g), "pending-reboot") == 0)
			a->klass = AG_CLASS_OUTAGE;
	}
}

/* True when the manifest names parameter `name`. */
static bool
manifest_has_param(const struct ag_manifest *m, const char *name)
{
	size_t i;

	for (i = 0; i < m->spec.n_parameters; i++)
		if (strcmp(m->spec.parameters[i].name, name) == 0)
			return true;
	return false;
}

/*
 * Parameters set in the group (source "user") that the manifest no longer
 * names go back to the engine default: ResetDBClusterParameterGroup in
 * chunks of 20, the way they were set. pending-reboot, because a reset of a
 * static parameter only takes effect then and AWS accepts it for dynamic
 * ones too.
 */
static void
plan_param_resets(struct ag_cluster_plan *cp, const struct ag_db_cluster_param_group *g,
    const struct ag_manifest *m)
{
	struct ag_action *a = NULL;
	char key[96], *path;
	size_t i, n = 0;

	for (i = 0; i < g->n_params; i++) {
		const struct ag_observed_param *op = &g->params[i];

		if (op->name == NULL || op->source == NULL || strcmp(op->source, "user") != 0 ||
		    manifest_has_param(m, op->name))
			continue;
		path = ag_xasprintf("spec.parameters[%s]", op->name);
		change_add(cp, AG_F_PARAMETERS, "parameters", path, NULL, op->value,
		    AG_CLASS_OUTAGE, AG_CHANGE_SEND,
		    "not in the manifest: reset to the engine default (after the instances "
		    "reboot)");
		free(path);
		if (a == NULL || n == AG_PARAMS_PER_CALL) {
			a = action_add(
			    cp, AG_ACT_RESET_PARAM_GROUP, g->name, AG_CLASS_OUTAGE, AG_WAIT_NONE);
			ag_kvlist_add(&a->params, "DBClusterParameterGroupName", g->name);
			ag_kvlist_add(&a->params, "ResetAllParameters", "false");
			n = 0;
		}
		n++;
		snprintf(key, sizeof(key), "Parameters.Parameter.%zu.ParameterName", n);
		ag_kvlist_add(&a->params, key, op->name);
		snprintf(key, sizeof(key), "Parameters.Parameter.%zu.ApplyMethod", n);
		ag_kvlist_add(&a->params, key, "pending-reboot");
	}
}

static void
plan_parameters(struct ag_cluster_plan *cp, const struct ag_plan_input *in,
    const struct ag_manifest *m, const char *engine, const char *version)
{
	const struct ag_db_cluster_param_group *g;
	char *group, *family, *path, *note;
	bool *want;
	size_t i;
	bool any = false;

	if (m->spec.n_parameters == 0)
		return;
	group = ag_fieldtab_param_group_name(m);
	g = ag_observed_find_param_group(in->observed, group);
	want = ag_xcalloc(m->spec.n_parameters, sizeof(*want));
	if (g == NULL) {
		struct ag_action *a;

		family = ag_fieldtab_param_family(engine, version);
		a = action_add(
		    cp, AG_ACT_CREATE_PARAM_GROUP, group, AG_CLASS_IN_PLACE, AG_WAIT_NONE);
		ag_kvlist_add(&a->params, "DBClusterParameterGroupName", group);
		ag_kvlist_add(&a->params, "DBParameterGroupFamily", family != NULL ? family : "");
		ag_kvlist_addf(
		    &a->params, "Description", "aurora-gitops parameters of cluster %s", cp->id);
		ag_kvlist_add(&a->params, "Tags.Tag.1.Key", AG_MANAGED_TAG_KEY);
		ag_kvlist_add(&a->params, "Tags.Tag.1.Value", AG_MANAGED_TAG_VALUE);
		free(family);
		for (i = 0; i < m->spec.n_parameters; i++) {
			const struct ag_param *p = &m->spec.parameters[i];

			want[i] = true;
			path = ag_xasprintf("spec.parameters[%s]", p->name);
			change_add(cp, AG_F_PARAMETERS, "parameters", path, p->value, NULL,
			    strcmp(param_method(p, g), "pending-reboot") == 0 ? AG_CLASS_OUTAGE
			                                                      : AG_CLASS_IN_PLACE,
			    AG_CHANGE_SEND, i == 0 ? "new cluster parameter group" : NULL);
			free(path);
		}
		any = true;
	} else if (!g->params_loaded) {
		note =
		    ag_xasprintf("the parameters of group '%s' were not read; not compared", group);
		change_add(cp, AG_F_PARAMETERS, "parameters", "spec.parameters", "(set)",
		    "(not read)", AG_CLASS_IN_PLACE, AG_CHANGE_INFO, note);
		free(note);
	} else {
		for (i = 0; i < m->spec.n_parameters; i++) {
			const struct ag_param *p = &m->spec.parameters[i];
			const struct ag_observed_param *op = find_param(g, p->name);
			const char *dv = p->value != NULL ? p->value : "";

			if (op != NULL && op->value != NULL && strcmp(op->value, dv) == 0)
				continue;
			want[i] = true;
			any = true;
			path = ag_xasprintf("spec.parameters[%s]", p->name);
			change_add(cp, AG_F_PARAMETERS, "parameters", path, dv,
			    op != NULL ? op->value : NULL,
			    strcmp(param_method(p, g), "pending-reboot") == 0 ? AG_CLASS_OUTAGE
			                                                      : AG_CLASS_IN_PLACE,
			    AG_CHANGE_SEND,
			    strcmp(param_method(p, g), "pending-reboot") == 0
			        ? "static parameter: takes effect after the instances reboot"
			        : NULL);
			free(path);
		}
	}
	if (any)
		emit_param_chunks(cp, group, m, g, want);
	if (g != NULL && g->params_loaded)
		plan_param_resets(cp, g, m);
	free(want);
	free(group);
}

/* ---- deferral notes --------------------------------------------------------- */

/* A change sent that waits for the maintenance window unless applied now. */
static bool
deferred_change(const struct ag_change *c)
{
	return c->state == AG_CHANGE_SEND &&
	       (c->klass == AG_CLASS_DEFERRED || c->klass == AG_CLASS_OUTAGE);
}

static void
note_deferred(struct ag_cluster_plan *cp, const struct ag_plan_input *in,
    const struct ag_manifest *m, const struct ag_db_cluster *live)
{
	const char *win = m->spec.preferred_maintenance_window;
	struct ag_window w;
	char when[32], *text;
	size_t i;

	if (m->spec.apply_immediately)
		return;
	/* the note is made only for a change that gets it */
	for (i = 0; i < cp->n_changes && !deferred_change(&cp->changes[i]); i++)
		;
	if (i == cp->n_changes)
		return;
	if (win == NULL || *win == '\0')
		win = live != NULL ? live->preferred_maintenance_window : NULL;
	if (win != NULL && ag_window_parse(&w, win, NULL) == 0) {
		ag_time_format_utc(when, sizeof(when), ag_window_next_start(&w, in->now));
		text = ag_xasprintf("deferred until %s (maintenance window %s; set "
		                    "spec.applyImmediately: true to apply now)",
		    when, win);
	} else {
		text = ag_xstrdup("deferred to the next maintenance window (set "
		                  "spec.applyImmediately: true to apply now)");
	}
	for (; i < cp->n_changes; i++)
		if (deferred_change(&cp->changes[i]))
			change_note_append(&cp->changes[i], text);
	free(text);
}

static void plan_alarms(struct ag_cluster_plan *cp, const struct ag_plan_input *in,
    const struct ag_manifest *m, bool creating);
static void plan_delete_alarms(
    struct ag_cluster_plan *cp, const struct ag_plan_input *in, const struct ag_manifest *m);

/* ---- performance insights and enhanced monitoring ----------------------- */

/* The action that makes (or finds) the monitoring role, once per role and
 * cluster plan, before the first action that names its placeholder. */
static void
ensure_role_action(struct ag_cluster_plan *cp, const char *value)
{
	const char *name;
	size_t i, n;
	struct ag_action *a;
	char *role;

	if (value == NULL || strncmp(value, "{{role:", 7) != 0)
		return;
	n = strlen(value);
	role = ag_xstrndup(value + 7, n - 9);
	for (i = 0; i < cp->n_actions; i++) {
		name = cp->actions[i].target;
		if (cp->actions[i].kind == AG_ACT_ENSURE_MONITORING_ROLE &&
		    strcmp(name, role) == 0) {
			free(role);
			return;
		}
	}
	a = action_add(cp, AG_ACT_ENSURE_MONITORING_ROLE, role, AG_CLASS_IN_PLACE, AG_WAIT_NONE);
	ag_kvlist_add(&a->params, "RoleName", role);
	free(role);
}

static void
insights_change(struct ag_cluster_plan *cp, enum ag_field f, const char *inst, const char *leaf,
    const char *want, const char *live, enum ag_change_state state, const char *note, bool weakens,
    bool forbid, bool *blocked)
{
	char *path = ag_xasprintf("spec.instances[%s].%s", inst, leaf);
	struct ag_change *c = change_add(cp, f, ag_fieldtab_key(ag_fieldtab_row(f)), path, want,
	    live, state == AG_CHANGE_BLOCKED ? AG_CLASS_BLOCKED : AG_CLASS_IN_PLACE, state, note);

	*blocked = state == AG_CHANGE_BLOCKED;
	if (weakens && mark_weakening(c, forbid))
		*blocked = true;
	free(path);
}

/*
 * Performance Insights and Enhanced Monitoring of one live instance.
 * A written value is enforced; a default only turns a feature on that is
 * off, and never turns one off or lowers it (docs/drift.md). Both apply
 * immediately whatever applyImmediately says.
 */
static void
plan_instance_insights(struct ag_cluster_plan *cp, const struct ag_manifest *m,
    const struct ag_instance_spec *is, const struct ag_db_instance *di, struct ag_kvlist *p,
    enum ag_update_class *k, bool forbid)
{
	struct ag_insights_want w;
	char a[32], b[32];
	bool blocked, want_pi;
	int want_iv;
	char *role;

	ag_insights_want(&w, m, is);
	if (di->has_pi) {
		/* a default turns it on, never off */
		want_pi = w.pi_written ? w.pi_enabled : (di->pi_enabled || w.pi_enabled);
		if (want_pi != di->pi_enabled) {
			insights_change(cp, AG_F_PERFORMANCE_INSIGHTS, is->name,
			    "performanceInsights.enabled",
			    want_pi ? (w.pi_written ? "true" : "true (default)") : "false",
			    di->pi_enabled ? "true" : "false", AG_CHANGE_SEND,
			    "applied immediately whatever applyImmediately says", !want_pi, forbid,
			    &blocked);
			if (!blocked) {
				ag_kvlist_add(
				    p, "EnablePerformanceInsights", want_pi ? "true" : "false");
				if (want_pi && w.pi_kms != NULL)
					ag_kvlist_add(p, "PerformanceInsightsKMSKeyId", w.pi_kms);
				if (want_pi && w.pi_retention > 0)
					ag_kvlist_addf(p, "PerformanceInsightsRetentionPeriod",
					    "%d", w.pi_retention);
				*k = class_max(*k, AG_CLASS_IN_PLACE);
			}
		} else if (want_pi && di->pi_enabled) {
			if (w.pi_retention > 0 && di->pi_retention > 0 &&
			    w.pi_retention != di->pi_retention) {
				snprintf(a, sizeof(a), "%d", w.pi_retention);
				snprintf(b, sizeof(b), "%d", di->pi_retention);
				insights_change(cp, AG_F_PERFORMANCE_INSIGHTS, is->name,
				    "performanceInsights.retentionPeriod", a, b, AG_CHANGE_SEND,
				    w.pi_retention < di->pi_retention
				        ? "older Performance Insights data is no longer kept"
				        : NULL,
				    w.pi_retention < di->pi_retention, forbid, &blocked);
				if (!blocked) {
					ag_kvlist_add(p, "EnablePerformanceInsights", "true");
					ag_kvlist_add(p, "PerformanceInsightsRetentionPeriod", a);
					*k = class_max(*k, AG_CLASS_IN_PLACE);
				}
			}
			if (w.pi_kms != NULL && di->pi_kms_key_id != NULL &&
			    !ag_norm_equal(AG_NORM_KMS_KEY, w.pi_kms, di->pi_kms_key_id, NULL))
				insights_change(cp, AG_F_PERFORMANCE_INSIGHTS, is->name,
				    "performanceInsights.kmsKeyId", w.pi_kms, di->pi_kms_key_id,
				    AG_CHANGE_BLOCKED,
				    "the KMS key of Performance Insights cannot change once it is "
				    "on "
				    "(AWS); keep the live key in the manifest, or turn Performance "
				    "Insights off in one commit and on with the new key in the "
				    "next",
				    false, forbid, &blocked);
		}
	}
	if (!di->has_monitoring)
		return;
	want_iv = w.interval_written || di->monitoring_interval == 0 ? w.interval
	                                                             : di->monitoring_interval;
	if (want_iv > 0 && w.role_arn == NULL && di->monitoring_role_arn != NULL &&
	    di->monitoring_role_arn[0] != '\0' && di->monitoring_interval > 0)
		role =
		    ag_xstrdup(di->monitoring_role_arn); /* no role written: the live one is kept */
	else
		role = want_iv > 0 ? ag_insights_role_value(&w) : NULL;
	if (want_iv != di->monitoring_interval) {
		snprintf(a, sizeof(a), "%d%s", want_iv, w.interval_written ? "" : " (default)");
		snprintf(b, sizeof(b), "%d", di->monitoring_interval);
		insights_change(cp, AG_F_MONITORING, is->name, "monitoring.interval", a, b,
		    AG_CHANGE_SEND,
		    role != NULL && strncmp(role, "{{role:", 7) == 0
		        ? "applied immediately; the monitoring role is made with the AWS managed "
		          "policy AmazonRDSEnhancedMonitoringRole when it does not exist"
		        : "applied immediately whatever applyImmediately says",
		    want_iv == 0, forbid, &blocked);
		if (!blocked) {
			ag_kvlist_addf(p, "MonitoringInterval", "%d", want_iv);
			if (role != NULL) {
				ensure_role_action(cp, role);
				ag_kvlist_add(p, "MonitoringRoleArn", role);
			}
			*k = class_max(*k, AG_CLASS_IN_PLACE);
		}
	} else if (want_iv > 0 && w.role_arn != NULL && di->monitoring_role_arn != NULL &&
	           strcmp(w.role_arn, di->monitoring_role_arn) != 0) {
		insights_change(cp, AG_F_MONITORING, is->name, "monitoring.roleArn", w.role_arn,
		    di->monitoring_role_arn, AG_CHANGE_SEND, NULL, false, forbid, &blocked);
		ag_kvlist_addf(p, "MonitoringInterval", "%d", want_iv);
		ag_kvlist_add(p, "MonitoringRoleArn", w.role_arn);
		*k = class_max(*k, AG_CLASS_IN_PLACE);
	}
	free(role);
}

/* ---- instances ---------------------------------------------------------- */

/* CreateDBInstance's insights and monitoring parameters; the role action,
 * when one is needed, goes before the create (moved in front of it). */
static void
insights_create(struct ag_cluster_plan *cp, struct ag_action *a, const struct ag_manifest *m,
    const struct ag_instance_spec *is)
{
	struct ag_insights_want w;
	const char *role;
	size_t n = cp->n_actions;

	if (m->spec.engine_mode != NULL && strcmp(m->spec.engine_mode, "serverless") == 0)
		return;
	ag_insights_want(&w, m, is);
	ag_insights_create_params(&a->params, &w);
	role = ag_kvlist_get(&a->params, "MonitoringRoleArn");
	ensure_role_action(cp, role);
	if (cp->n_actions > n) {
		/* swap: the role first, then the create that names it */
		struct ag_action t = cp->actions[n];

		cp->actions[n] = cp->actions[n - 1];
		cp->actions[n - 1] = t;
	}
}

static void
create_instance_action(struct ag_cluster_plan *cp, const struct ag_manifest *m,
    const struct ag_instance_spec *is, const char *engine)
{
	struct ag_action *a = action_add(
	    cp, AG_ACT_CREATE_INSTANCE, is->name, AG_CLASS_IN_PLACE, AG_WAIT_INSTANCE_AVAILABLE);

	ag_kvlist_add(&a->params, "DBInstanceIdentifier", is->name);
	ag_kvlist_add(&a->params, "DBClusterIdentifier", cp->id);
	ag_kvlist_add(&a->params, "DBInstanceClass", is->instance_class);
	ag_kvlist_add(&a->params, "Engine", engine);
	ag_kvlist_addf(&a->params, "PromotionTier", "%d", is->promotion_tier);
	if (is->availability_zone != NULL && is->availability_zone[0] != '\0')
		ag_kvlist_add(&a->params, "AvailabilityZone", is->availability_zone);
	ag_kvlist_add(
	    &a->params, "AutoMinorVersionUpgrade", effective_auto_minor(m) ? "true" : "false");
	ag_kvlist_add(&a->params, "PubliclyAccessible", is->publicly_accessible ? "true" : "false");
	if (m->spec.db_instance_parameter_group_name != NULL)
		ag_kvlist_add(
		    &a->params, "DBParameterGroupName", m->spec.db_instance_parameter_group_name);
	if (m->spec.ca_certificate_identifier != NULL)
		ag_kvlist_add(
		    &a->params, "CACertificateIdentifier", m->spec.ca_certificate_identifier);
	/* last: it may add an action before this one (a stale pointer after) */
	insights_create(cp, a, m, is);
	if (is->publicly_accessible && !m->public_access_ack) {
		char *path = ag_xasprintf("spec.instances[%s].publiclyAccessible", is->name);

		change_add(cp, AG_F_INSTANCES, "instances", path, "true", NULL, AG_CLASS_IN_PLACE,
		    AG_CHANGE_BLOCKED,
		    "a public instance needs the annotation aurora-gitops/public-access: "
		    "acknowledged");
		free(path);
	}
}

static void
plan_instances(struct ag_cluster_plan *cp, const struct ag_plan_input *in,
    const struct ag_manifest *m, const struct ag_db_cluster *live)
{
	struct ag_strlist have = AG_STRLIST_INIT, extra = AG_STRLIST_INIT;
	size_t i, j, n_creates = 0, remaining;
	char *path;
	bool apply_now = m->spec.apply_immediately;
	bool forbid_weakening = in->forbid_weakening || m->forbid_weakening;
	const char *engine = m->spec.engine != NULL ? m->spec.engine : live->engine;

	if (!ag_manifest_has(m, AG_F_INSTANCES) && m->spec.n_instances == 0)
		return;
	live_instances(&have, in->observed, live);

	/* creates first, so a replacement exists before anything is removed */
	for (i = 0; i < m->spec.n_instances; i++) {
		const struct ag_instance_spec *is = &m->spec.instances[i];

		if (ag_strlist_contains(&have, is->name))
			continue;
		path = ag_xasprintf("spec.instances[%s]", is->name);
		change_add(cp, AG_F_INSTANCES, "instances", path, is->instance_class, NULL,
		    AG_CLASS_IN_PLACE, AG_CHANGE_SEND, "new instance");
		free(path);
		create_instance_action(cp, m, is, engine);
		n_creates++;
	}

	/* modifies */
	for (i = 0; i < m->spec.n_instances; i++) {
		const struct ag_instance_spec *is = &m->spec.instances[i];
		const struct ag_db_instance *di = ag_observed_find_instance(in->observed, is->name);
		const struct ag_db_cluster_member *mem = find_member(live, is->name);
		struct ag_kvlist p = AG_KVLIST_INIT;
		enum ag_update_class k = AG_CLASS_NONE;
		int live_tier;

		if (!ag_strlist_contains(&have, is->name))
			continue;
		if (di != NULL && is->instance_class != NULL && di->instance_class != NULL &&
		    strcmp(is->instance_class, di->instance_class) != 0) {
			path = ag_xasprintf("spec.instances[%s].instanceClass", is->name);
			if (di->pending_instance_class != NULL &&
			    strcmp(di->pending_instance_class, is->instance_class) == 0) {
				change_add(cp, AG_F_INSTANCES, "instances", path,
				    is->instance_class, di->instance_class, AG_CLASS_DEFERRED,
				    AG_CHANGE_PENDING,
				    "already pending in AWS until the maintenance window; not sent "
				    "again");
			} else {
				change_add(cp, AG_F_INSTANCES, "instances", path,
				    is->instance_class, di->instance_class, AG_CLASS_DEFERRED,
				    AG_CHANGE_SEND, "the instance restarts with the new class");
				ag_kvlist_add(&p, "DBInstanceClass", is->instance_class);
				k = class_max(k, AG_CLASS_DEFERRED);
			}
			free(path);
		}
		live_tier =
		    di != NULL ? di->promotion_tier : (mem != NULL ? mem->promotion_tier : -1);
		if (live_tier >= 0 && live_tier != is->promotion_tier) {
			char a[16], b[16];

			snprintf(a, sizeof(a), "%d", is->promotion_tier);
			snprintf(b, sizeof(b), "%d", live_tier);
			path = ag_xasprintf("spec.instances[%s].promotionTier", is->name);
			change_add(cp, AG_F_INSTANCES, "instances", path, a, b, AG_CLASS_IN_PLACE,
			    AG_CHANGE_SEND, NULL);
			free(path);
			ag_kvlist_add(&p, "PromotionTier", a);
			k = class_max(k, AG_CLASS_IN_PLACE);
		}
		if (di != NULL && ag_manifest_has(m, AG_F_AUTO_MINOR_VERSION_UPGRADE) &&
		    di->auto_minor_version_upgrade != m->spec.auto_minor_version_upgrade) {
			path = ag_xasprintf("spec.instances[%s].autoMinorVersionUpgrade", is->name);
			change_add(cp, AG_F_AUTO_MINOR_VERSION_UPGRADE, "autoMinorVersionUpgrade",
			    path, m->spec.auto_minor_version_upgrade ? "true" : "false",
			    di->auto_minor_version_upgrade ? "true" : "false", AG_CLASS_IN_PLACE,
			    AG_CHANGE_SEND, NULL);
			free(path);
			ag_kvlist_add(&p, "AutoMinorVersionUpgrade",
			    m->spec.auto_minor_version_upgrade ? "true" : "false");
			k = class_max(k, AG_CLASS_IN_PLACE);
		}
		if (di != NULL && m->spec.db_instance_parameter_group_name != NULL &&
		    di->db_parameter_group != NULL &&
		    strcmp(di->db_parameter_group, m->spec.db_instance_parameter_group_name) != 0) {
			path = ag_xasprintf(
			    "spec.instances[%s].dbInstanceParameterGroupName", is->name);
			change_add(cp, AG_F_DB_INSTANCE_PARAMETER_GROUP_NAME,
			    "dbInstanceParameterGroupName", path,
			    m->spec.db_instance_parameter_group_name, di->db_parameter_group,
			    AG_CLASS_IN_PLACE, AG_CHANGE_SEND,
			    "the group changes at once; its static parameters take effect when the "
			    "instance reboots");
			free(path);
			ag_kvlist_add(
			    &p, "DBParameterGroupName", m->spec.db_instance_parameter_group_name);
			k = class_max(k, AG_CLASS_IN_PLACE);
		}
		if (di != NULL && m->spec.ca_certificate_identifier != NULL &&
		    di->ca_certificate_identifier != NULL &&
		    strcmp(di->ca_certificate_identifier, m->spec.ca_certificate_identifier) != 0) {
			path = ag_xasprintf("spec.instances[%s].caCertificateIdentifier", is->name);
			if (di->pending_ca != NULL &&
			    strcmp(di->pending_ca, m->spec.ca_certificate_identifier) == 0) {
				change_add(cp, AG_F_CA_CERTIFICATE_IDENTIFIER,
				    "caCertificateIdentifier", path,
				    m->spec.ca_certificate_identifier,
				    di->ca_certificate_identifier, AG_CLASS_DEFERRED,
				    AG_CHANGE_PENDING,
				    "already pending in AWS until the maintenance window; not sent "
				    "again");
			} else {
				change_add(cp, AG_F_CA_CERTIFICATE_IDENTIFIER,
				    "caCertificateIdentifier", path,
				    m->spec.ca_certificate_identifier,
				    di->ca_certificate_identifier, AG_CLASS_DEFERRED,
				    AG_CHANGE_SEND,
				    apply_now
				        ? "the instance restarts to load the new server certificate"
				        : "in the maintenance window (applyImmediately: false); "
				          "the instance restarts to load the new server "
				          "certificate");
				ag_kvlist_add(&p, "CACertificateIdentifier",
				    m->spec.ca_certificate_identifier);
				k = class_max(k, AG_CLASS_DEFERRED);
			}
			free(path);
		}
		if (di != NULL && di->publicly_accessible != is->publicly_accessible) {
			const char *want = is->publicly_accessible ? "true" : "false";
			struct ag_change *c;

			path = ag_xasprintf("spec.instances[%s].publiclyAccessible", is->name);
			c = change_add(cp, AG_F_INSTANCES, "instances", path, want,
			    di->publicly_accessible ? "true" : "false", AG_CLASS_IN_PLACE,
			    AG_CHANGE_SEND, "applied immediately whatever applyImmediately says");
			free(path);
			if (is->publicly_accessible &&
			    (mark_weakening(c, forbid_weakening) || !m->public_access_ack)) {
				if (!m->public_access_ack) {
					c->state = AG_CHANGE_BLOCKED;
					change_note_append(c,
					    "a public instance needs the annotation "
					    "aurora-gitops/public-access: acknowledged");
				}
			} else {
				ag_kvlist_add(&p, "PubliclyAccessible", want);
				k = class_max(k, AG_CLASS_IN_PLACE);
			}
		}
		if (di != NULL && is->availability_zone != NULL &&
		    is->availability_zone[0] != '\0' && di->availability_zone != NULL &&
		    strcmp(is->availability_zone, di->availability_zone) != 0) {
			path = ag_xasprintf("spec.instances[%s].availabilityZone", is->name);
			change_add(cp, AG_F_INSTANCES, "instances", path, is->availability_zone,
			    di->availability_zone, AG_CLASS_BLOCKED, AG_CHANGE_BLOCKED,
			    "the availability zone of an instance cannot change: add an instance "
			    "with a new name in the new zone, then remove this one from the list");
			free(path);
		}
		if (di != NULL)
			plan_instance_insights(cp, m, is, di, &p, &k, forbid_weakening);
		if (p.n > 0) {
			struct ag_action *a = action_add(
			    cp, AG_ACT_MODIFY_INSTANCE, is->name, k, AG_WAIT_INSTANCE_AVAILABLE);

			ag_kvlist_add(&a->params, "DBInstanceIdentifier", is->name);
			for (j = 0; j < p.n; j++)
				ag_kvlist_add(&a->params, p.v[j].key, p.v[j].value);
			ag_kvlist_add(&a->params, "ApplyImmediately", apply_now ? "true" : "false");
		}
		ag_kvlist_release(&p);
	}

	/* deletes: readers first, the writer last; never the last instance
	 * unless a create was ordered before */
	for (i = 0; i < have.n; i++) {
		bool wanted = false;

		for (j = 0; j < m->spec.n_instances; j++)
			if (strcmp(m->spec.instances[j].name, have.v[i]) == 0)
				wanted = true;
		if (!wanted)
			ag_strlist_add(&extra, have.v[i]);
	}
	remaining = have.n;
	for (i = 0; i < extra.n; i++) {
		const struct ag_db_instance *di =
		    ag_observed_find_instance(in->observed, extra.v[i]);

		path = ag_xasprintf("spec.instances[%s]", extra.v[i]);
		if (strncmp(extra.v[i], AG_AUTOSCALING_PREFIX, strlen(AG_AUTOSCALING_PREFIX)) ==
		    0) {
			/* Aurora Auto Scaling names the readers it adds this way;
			 * its policy owns them, so they are never deleted here. */
			change_add(cp, AG_F_INSTANCES, "instances", path, NULL,
			    di != NULL ? di->instance_class : "(instance)", AG_CLASS_IN_PLACE,
			    AG_CHANGE_INFO, "managed by Aurora Auto Scaling: never deleted");
		} else if (remaining == 1 && n_creates == 0) {
			change_add(cp, AG_F_INSTANCES, "instances", path, NULL,
			    di != NULL ? di->instance_class : "(instance)", AG_CLASS_IN_PLACE,
			    AG_CHANGE_INFO,
			    "not deleted: it is the last instance of the cluster; to remove the "
			    "cluster use the aurora-gitops/deletion: delete annotation");
		} else {
			struct ag_action *a;

			change_add(cp, AG_F_INSTANCES, "instances", path, NULL,
			    di != NULL ? di->instance_class : "(instance)", AG_CLASS_IN_PLACE,
			    AG_CHANGE_SEND,
			    "instance removed (Aurora storage is cluster-level: no data is lost)");
			a = action_add(cp, AG_ACT_DELETE_INSTANCE, extra.v[i], AG_CLASS_IN_PLACE,
			    AG_WAIT_INSTANCE_DELETED);
			ag_kvlist_add(&a->params, "DBInstanceIdentifier", extra.v[i]);
			remaining--;
		}
		free(path);
	}
	ag_strlist_release(&have);
	ag_strlist_release(&extra);
}

/* ---- tags ---------------------------------------------------------------- */

/*
 * Tags are owned, not grabbed: labels (and org/env) are added or updated;
 * a live key is removed only when the agent's record says it set it and
 * the manifest no longer has it. Other tools' tags are never touched. The
 * ownership tags (managed-by, the record) ride along with the next change
 * rather than make one of their own, so an imported cluster plans clean;
 * replacing another tool's managed-by is one explicit, visible change.
 */
static void
plan_tags(struct ag_cluster_plan *cp, const struct ag_manifest *m, const struct ag_db_cluster *live)
{
	struct ag_kvlist want = AG_KVLIST_INIT, add = AG_KVLIST_INIT, sorted = AG_KVLIST_INIT;
	struct ag_strlist del = AG_STRLIST_INIT;
	const char *arn = live->arn != NULL ? live->arn : live->id;
	const char *other = ag_kvlist_get(&live->tags, AG_MANAGED_TAG_KEY);
	bool changes = cp->n_actions > 0;
	char *path, *note;
	size_t i;

	desired_tags(&want, m);
	/* the live tags are sorted (a copy) only when one of them goes */
	for (i = 0; i < live->tags.n && sorted.n == 0; i++)
		if (tag_removed(live, &want, live->tags.v[i].key)) {
			ag_kvlist_copy(&sorted, &live->tags);
			ag_kvlist_sort(&sorted);
		}
	for (i = 0; i < sorted.n; i++) {
		const char *k = sorted.v[i].key;

		if (!tag_removed(live, &want, k) || ag_strlist_contains(&del, k))
			continue;
		ag_strlist_add(&del, k);
		path = ag_xasprintf("metadata.labels.%s", k);
		change_add(cp, AG_F__COUNT, "tags", path, NULL, sorted.v[i].value,
		    AG_CLASS_IN_PLACE, AG_CHANGE_SEND,
		    "label removed from the manifest: the tag the agent set is removed");
		free(path);
	}
	for (i = 0; i < want.n; i++) {
		const char *k = want.v[i].key, *lv = ag_kvlist_get(&live->tags, k);

		if (lv != NULL && strcmp(lv, want.v[i].value) == 0)
			continue;
		if (strcmp(k, AG_MANAGED_TAG_KEY) == 0 || strcmp(k, AG_OWNED_TAG_KEY) == 0)
			continue; /* below */
		ag_kvlist_add(&add, k, want.v[i].value);
		path = ag_xasprintf("metadata.labels.%s", k);
		change_add(cp, AG_F__COUNT, "tags", path, want.v[i].value, lv, AG_CLASS_IN_PLACE,
		    AG_CHANGE_SEND, NULL);
		free(path);
	}
	changes = changes || add.n > 0 || del.n > 0;
	if (other != NULL && strcmp(other, AG_MANAGED_TAG_VALUE) != 0) {
		/* adopting a cluster another tool manages: explicit, visible */
		ag_kvlist_add(&add, AG_MANAGED_TAG_KEY, AG_MANAGED_TAG_VALUE);
		note = ag_xasprintf("adoption: the cluster is tagged %s=%s today; this takes it "
		                    "over from that tool",
		    AG_MANAGED_TAG_KEY, other);
		change_add(cp, AG_F__COUNT, "tags", "metadata.labels." AG_MANAGED_TAG_KEY,
		    AG_MANAGED_TAG_VALUE, other, AG_CLASS_IN_PLACE, AG_CHANGE_SEND, note);
		free(note);
		changes = true;
	} else if (other == NULL && changes) {
		ag_kvlist_add(&add, AG_MANAGED_TAG_KEY, AG_MANAGED_TAG_VALUE);
		change_add(cp, AG_F__COUNT, "tags", "metadata.labels." AG_MANAGED_TAG_KEY,
		    AG_MANAGED_TAG_VALUE, NULL, AG_CLASS_IN_PLACE, AG_CHANGE_SEND, "adoption tag");
	} else if (other == NULL) {
		ag_strlist_add(&cp->notes,
		    "not tagged " AG_MANAGED_TAG_KEY "=" AG_MANAGED_TAG_VALUE
		    " yet (imported?): the tag is added with the next change");
	}
	if (changes) {
		const char *rec = ag_kvlist_get(&want, AG_OWNED_TAG_KEY);
		const char *lrec = ag_kvlist_get(&live->tags, AG_OWNED_TAG_KEY);

		if (rec != NULL && (lrec == NULL || strcmp(rec, lrec) != 0))
			ag_kvlist_add(&add, AG_OWNED_TAG_KEY, rec);
		else if (rec == NULL && lrec != NULL)
			ag_strlist_add(&del, AG_OWNED_TAG_KEY);
	}
	ag_kvlist_sort(&add);
	ag_kvlist_release(&sorted);
	if (add.n > 0) {
		struct ag_action *a =
		    action_add(cp, AG_ACT_ADD_TAGS, live->id, AG_CLASS_IN_PLACE, AG_WAIT_NONE);

		ag_kvlist_add(&a->params, "ResourceName", arn);
		add_tags(&a->params, &add);
	}
	if (del.n > 0) {
		struct ag_action *a =
		    action_add(cp, AG_ACT_REMOVE_TAGS, live->id, AG_CLASS_IN_PLACE, AG_WAIT_NONE);

		ag_strlist_sort(&del);
		ag_kvlist_add(&a->params, "ResourceName", arn);
		add_members(&a->params, "TagKeys.member.%zu", &del);
	}
	ag_kvlist_release(&want);
	ag_kvlist_release(&add);
	ag_strlist_release(&del);
}

/* ---- network: security group ingress and subnet group membership ----------- */

/* An authorize or revoke of exactly one ingress rule. */
static void
ingress_action(struct ag_cluster_plan *cp, enum ag_action_kind kind, const char *group_id,
    const char *protocol, int from, int to, const char *cidr, const char *source_group)
{
	struct ag_action *a = action_add(cp, kind, cp->id, AG_CLASS_IN_PLACE, AG_WAIT_NONE);

	ag_kvlist_add(&a->params, "GroupId", group_id);
	ag_kvlist_add(&a->params, "IpPermissions.1.IpProtocol", protocol);
	if (strcmp(protocol, "-1") != 0) {
		ag_kvlist_addf(&a->params, "IpPermissions.1.FromPort", "%d", from);
		ag_kvlist_addf(&a->params, "IpPermissions.1.ToPort", "%d", to);
	}
	if (cidr != NULL)
		ag_kvlist_add(&a->params, "IpPermissions.1.IpRanges.1.CidrIp", cidr);
	else
		ag_kvlist_add(&a->params, "IpPermissions.1.Groups.1.GroupId", source_group);
}

static bool
rule_is(const struct ag_observed_rule *r, int port, const char *cidr, const char *group)
{
	if (r->protocol == NULL || strcmp(r->protocol, "tcp") != 0 || r->from_port != port ||
	    r->to_port != port)
		return false;
	if (cidr != NULL)
		return r->cidr != NULL && strcmp(r->cidr, cidr) == 0;
	return r->group_id != NULL && group != NULL && strcmp(r->group_id, group) == 0;
}

static bool
sg_has(const struct ag_observed_sg *g, int port, const char *cidr, const char *group)
{
	size_t i;

	for (i = 0; i < g->n_rules; i++)
		if (rule_is(&g->rules[i], port, cidr, group))
			return true;
	return false;
}

static bool
wanted_rule(const struct ag_manifest *m, int port, const struct ag_observed_rule *r)
{
	size_t i;

	for (i = 0; i < m->spec.allowed_cidr_blocks.n; i++)
		if (rule_is(r, port, m->spec.allowed_cidr_blocks.v[i], NULL))
			return true;
	for (i = 0; i < m->spec.security_group_ids.n; i++)
		if (rule_is(r, port, NULL, m->spec.security_group_ids.v[i]))
			return true;
	return false;
}

static char *
rule_text(const char *protocol, int from, int to, const char *cidr, const char *group)
{
	if (protocol != NULL && strcmp(protocol, "-1") == 0)
		return ag_xasprintf("all traffic from %s", cidr != NULL ? cidr : group);
	if (from == to)
		return ag_xasprintf("%s/%d from %s", protocol != NULL ? protocol : "?", from,
		    cidr != NULL ? cidr : group);
	return ag_xasprintf("%s/%d-%d from %s", protocol != NULL ? protocol : "?", from, to,
	    cidr != NULL ? cidr : group);
}

/*
 * The ingress of the cluster's own security group (the one the agent made
 * from allowedCidrBlocks / securityGroupIds, named after the cluster) and
 * the subnets of the subnet group it made from subnetIds are compared with
 * what was read for the whole fleet, and corrected one rule per call /
 * with ModifyDBSubnetGroup. Nothing is compared when the read did not
 * happen: absence of data is never "no rules".
 */
static void
plan_network(
    struct ag_cluster_plan *cp, const struct ag_plan_input *in, const struct ag_manifest *m)
{
	const struct ag_observed *o = in->observed;
	int port = desired_port(m);
	char *path, *text, *name;
	size_t i;

	if (module_sg(m) && o->sgs_loaded) {
		const struct ag_observed_sg *g = ag_observed_find_sg(o, cp->id, m->spec.vpc_id);

		if (g == NULL || g->id == NULL) {
			ag_strlist_add(&cp->notes,
			    "the cluster's security group was not found: its "
			    "ingress rules are not compared");
		} else {
			for (i = 0;
			     i < m->spec.allowed_cidr_blocks.n + m->spec.security_group_ids.n;
			     i++) {
				bool is_cidr = i < m->spec.allowed_cidr_blocks.n;
				const char *src = is_cidr
				                      ? m->spec.allowed_cidr_blocks.v[i]
				                      : m->spec.security_group_ids
				                            .v[i - m->spec.allowed_cidr_blocks.n];

				if (sg_has(g, port, is_cidr ? src : NULL, is_cidr ? NULL : src))
					continue;
				text = rule_text("tcp", port, port, is_cidr ? src : NULL, src);
				path = ag_xasprintf("spec.%s[%s]",
				    is_cidr ? "allowedCidrBlocks" : "securityGroupIds", src);
				change_add(cp,
				    is_cidr ? AG_F_ALLOWED_CIDR_BLOCKS : AG_F_SECURITY_GROUP_IDS,
				    "ingress", path, text, NULL, AG_CLASS_IN_PLACE, AG_CHANGE_SEND,
				    "ingress rule missing from the security group: authorized");
				free(path);
				free(text);
				ingress_action(cp, AG_ACT_AUTHORIZE_INGRESS, g->id, "tcp", port,
				    port, is_cidr ? src : NULL, is_cidr ? NULL : src);
			}
			for (i = 0; i < g->n_rules; i++) {
				const struct ag_observed_rule *r = &g->rules[i];

				if (wanted_rule(m, port, r))
					continue;
				text = rule_text(
				    r->protocol, r->from_port, r->to_port, r->cidr, r->group_id);
				path = ag_xasprintf("spec.allowedCidrBlocks");
				change_add(cp, AG_F_ALLOWED_CIDR_BLOCKS, "ingress", path, NULL,
				    text, AG_CLASS_IN_PLACE, AG_CHANGE_SEND,
				    "ingress rule not in the manifest: revoked");
				free(path);
				free(text);
				ingress_action(cp, AG_ACT_REVOKE_INGRESS, g->id,
				    r->protocol != NULL ? r->protocol : "tcp", r->from_port,
				    r->to_port, r->cidr, r->group_id);
			}
		}
	}
	if (m->spec.subnet_ids.n > 0 && o->subnet_groups_loaded &&
	    (m->spec.db_subnet_group_name == NULL || m->spec.db_subnet_group_name[0] == '\0')) {
		const struct ag_observed_subnet_group *sg;
		struct ag_strlist want = AG_STRLIST_INIT, have = AG_STRLIST_INIT;
		char *d = NULL, *l = NULL;
		bool same;

		name = ag_fieldtab_subnet_group_name(cp->id);
		sg = ag_observed_find_subnet_group(o, name);
		if (sg != NULL) {
			ag_strlist_copy(&want, &m->spec.subnet_ids);
			ag_strlist_copy(&have, &sg->subnet_ids);
			ag_strlist_sort(&want);
			ag_strlist_sort(&have);
			same = want.n == have.n;
			for (i = 0; same && i < want.n; i++)
				same = strcmp(want.v[i], have.v[i]) == 0;
			if (!same) {
				struct ag_action *a;

				list_out_join(&d, &want);
				list_out_join(&l, &have);
				change_add(cp, AG_F_SUBNET_IDS, "subnetIds", "spec.subnetIds", d, l,
				    AG_CLASS_IN_PLACE, AG_CHANGE_SEND,
				    "the subnets of the cluster's subnet group: "
				    "ModifyDBSubnetGroup");
				a = action_add(cp, AG_ACT_MODIFY_SUBNET_GROUP, name,
				    AG_CLASS_IN_PLACE, AG_WAIT_NONE);
				ag_kvlist_add(&a->params, "DBSubnetGroupName", name);
				add_members(&a->params, "SubnetIds.SubnetIdentifier.%zu", &want);
				free(d);
				free(l);
			}
			ag_strlist_release(&want);
			ag_strlist_release(&have);
		}
		free(name);
	}
}

/*
 * A warning when a subnet of the cluster sends its default route to an
 * internet gateway: the database then sits in a public subnet (the
 * "private subnets only" rule of the Aurora bundles this replaces).
 */
static void
note_public_subnets(struct ag_cluster_plan *cp, const struct ag_plan_input *in,
    const struct ag_manifest *m, const struct ag_db_cluster *live)
{
	const struct ag_observed *o = in->observed;
	const struct ag_strlist *subnets = &m->spec.subnet_ids;
	const struct ag_observed_subnet_group *g = NULL;
	const char *group = m->spec.db_subnet_group_name;
	size_t i;

	if (!o->routes_loaded)
		return;
	if (subnets->n == 0) {
		if ((group == NULL || group[0] == '\0') && live != NULL)
			group = live->db_subnet_group;
		if (group != NULL && (g = ag_observed_find_subnet_group(o, group)) != NULL)
			subnets = &g->subnet_ids;
	}
	for (i = 0; i < subnets->n; i++) {
		const char *igw = ag_kvlist_get(&o->public_subnets, subnets->v[i]);
		char *note;

		if (igw == NULL)
			continue;
		note =
		    ag_xasprintf("warning: subnet %s routes 0.0.0.0/0 to the internet gateway %s: "
		                 "the cluster should use private subnets only",
		        subnets->v[i], igw);
		ag_strlist_add(&cp->notes, note);
		free(note);
	}
}

/* ---- update of an existing cluster ----------------------------------------- */

struct modify {
	const struct ag_observed *observed;
	struct ag_kvlist params;
	enum ag_update_class klass;
	bool promote;
	int http;              /* -1 none, 0 disable, 1 enable */
	bool forbid_weakening; /* policy: lowering changes are blocked */
};

static char *
display_desired(const struct ag_field_row *row, const char *d, const struct ag_manifest *m)
{
	if (d != NULL)
		return ag_xstrdup(d);
	if (row->absent == AG_ABSENT_DEFAULT) {
		if (row->norm == AG_NORM_PORT)
			return ag_xasprintf("%d (default)", ag_engine_default_port(m->spec.engine));
		if (row->aws_default != NULL && row->aws_default[0] != '\0')
			return ag_xasprintf("%s (default)", row->aws_default);
		return ag_xstrdup("(none)");
	}
	return ag_xstrdup(ABSENT);
}

/* The value to send for a row: the desired value or its default. */
static char *
send_value(const struct ag_field_row *row, const char *d, const struct ag_manifest *m)
{
	if (d != NULL)
		return ag_xstrdup(d);
	if (row->norm == AG_NORM_PORT)
		return ag_xasprintf("%d", ag_engine_default_port(m->spec.engine));
	return ag_xstrdup(row->aws_default != NULL ? row->aws_default : "");
}

/* Whether PendingModifiedValues already carries sendv for this row (the
 * row's pending column names the member). */
static bool
pending_matches(const struct ag_field_row *row, const char *sendv, const struct ag_db_cluster *live)
{
	const struct ag_cluster_pending *pv = &live->pending;
	const void *p = (const char *)pv + row->pending - 1;
	int x;

	if (!pv->present || row->pending == 0)
		return false;
	switch (row->pending_type) {
	case AG_FT_INT:
		x = *(const int *)p;
		return x >= 0 && x == (int)strtol(sendv, NULL, 10);
	case AG_FT_BOOL: /* an int: -1 not pending, else 0/1 */
		x = *(const int *)p;
		return x >= 0 && (x != 0) == (strcmp(sendv, "true") == 0);
	case AG_FT_STR: {
		const char *v = *(char *const *)p;

		return v != NULL && ag_norm_equal(row->norm, sendv, v, NULL);
	}
	default:
		return false;
	}
}

static void
emit_logs(struct modify *mod, struct ag_change *c, const char *d, const char *l,
    const struct ag_db_cluster *live)
{
	struct ag_strlist dl = AG_STRLIST_INIT, ll = AG_STRLIST_INIT;
	struct ag_strlist en = AG_STRLIST_INIT, dis = AG_STRLIST_INIT;
	size_t i;
	bool pending = live->pending.present;

	split_list(&dl, d);
	split_list(&ll, l);
	for (i = 0; i < dl.n; i++)
		if (!ag_strlist_contains(&ll, dl.v[i]))
			ag_strlist_add(&en, dl.v[i]);
	for (i = 0; i < ll.n; i++)
		if (!ag_strlist_contains(&dl, ll.v[i]))
			ag_strlist_add(&dis, ll.v[i]);
	for (i = 0; i < en.n && pending; i++)
		if (!ag_strlist_contains(&live->pending.enable_log_types, en.v[i]))
			pending = false;
	for (i = 0; i < dis.n && pending; i++)
		if (!ag_strlist_contains(&live->pending.disable_log_types, dis.v[i]))
			pending = false;
	if (pending) {
		c->state = AG_CHANGE_PENDING;
		change_note_append(c, "already pending in AWS; not sent again");
	} else {
		add_members(&mod->params,
		    "CloudwatchLogsExportConfiguration.EnableLogTypes.member.%zu", &en);
		add_members(&mod->params,
		    "CloudwatchLogsExportConfiguration.DisableLogTypes.member.%zu", &dis);
		mod->klass = class_max(mod->klass, c->klass);
	}
	ag_strlist_release(&dl);
	ag_strlist_release(&ll);
	ag_strlist_release(&en);
	ag_strlist_release(&dis);
}

static void
emit_sg_ids(struct modify *mod, const char *d, const struct ag_manifest *m,
    const struct ag_db_cluster *live)
{
	struct ag_strlist ids = AG_STRLIST_INIT;
	size_t i;

	split_list(&ids, d);
	if (module_sg(m))
		for (i = 0; i < live->vpc_security_group_ids.n; i++)
			if (!ag_strlist_contains(&ids, live->vpc_security_group_ids.v[i]))
				ag_strlist_add(&ids, live->vpc_security_group_ids.v[i]);
	ag_strlist_sort(&ids);
	add_members(&mod->params, "VpcSecurityGroupIds.VpcSecurityGroupId.%zu", &ids);
	ag_strlist_release(&ids);
}

/* ServerlessV2ScalingConfiguration as documented: MinCapacity, and
 * MaxCapacity only when the manifest sets it (AWS keeps or picks it). */
static void
emit_serverless(struct ag_kvlist *kv, const struct ag_manifest *m)
{
	char *a = ag_norm_number(m->spec.serverless_v2_min_capacity);

	ag_kvlist_add(kv, "ServerlessV2ScalingConfiguration.MinCapacity", a);
	free(a);
	if (m->spec.serverless_v2_max_capacity > 0) {
		a = ag_norm_number(m->spec.serverless_v2_max_capacity);
		ag_kvlist_add(kv, "ServerlessV2ScalingConfiguration.MaxCapacity", a);
		free(a);
	}
	if (m->spec.serverless_v2_seconds_until_auto_pause > 0)
		ag_kvlist_addf(kv, "ServerlessV2ScalingConfiguration.SecondsUntilAutoPause", "%d",
		    m->spec.serverless_v2_seconds_until_auto_pause);
}

/* A structure parameter from its canonical "Member=value,..." form: one
 * <param>.<Member>=value each (Query flattening of a structure). */
static void
emit_struct(struct ag_kvlist *kv, const char *param, const char *canonical)
{
	struct ag_strlist l = AG_STRLIST_INIT;
	size_t i;

	split_list(&l, canonical);
	for (i = 0; i < l.n; i++) {
		char *eq = strchr(l.v[i], '='), *key;

		if (eq == NULL)
			continue;
		*eq = '\0';
		key = ag_xasprintf("%s.%s", param, l.v[i]);
		ag_kvlist_add(kv, key, eq + 1);
		free(key);
	}
	ag_strlist_release(&l);
}

/*
 * A major upgrade takes parameter groups of the new family. Without a group
 * of its own the cluster moves to default.<family> (cluster and instance
 * groups, sent with the upgrade). A group the manifest names is created in
 * the new family when it does not exist yet (plan_parameters); one that
 * exists in the old family cannot serve: the change is blocked with the
 * fix. Returns false when blocked.
 */
static bool
major_param_groups(struct ag_change *c, struct modify *mod, const struct ag_manifest *m,
    const char *engine, const char *version)
{
	const struct ag_field_row *prow = ag_fieldtab_row(AG_F_DB_CLUSTER_PARAMETER_GROUP_NAME);
	char *fam = ag_fieldtab_param_family(engine, version), *group = NULL, *dflt;
	const struct ag_db_cluster_param_group *g;
	bool ok = true;

	if (fam == NULL)
		return true;
	dflt = ag_xasprintf("default.%s", fam);
	if (!ag_fieldtab_desired(&group, prow, m)) {
		ag_kvlist_set(&mod->params, "DBClusterParameterGroupName", dflt);
		ag_kvlist_set(&mod->params, "DBInstanceParameterGroupName", dflt);
	} else if ((g = ag_observed_find_param_group(mod->observed, group)) != NULL &&
	           g->family != NULL && strcmp(g->family, fam) != 0) {
		c->klass = AG_CLASS_BLOCKED;
		c->state = AG_CHANGE_BLOCKED;
		free(c->note);
		c->note = ag_xasprintf(
		    "the cluster parameter group '%s' is of family %s, and the upgrade needs %s: "
		    "set spec.dbClusterParameterGroupName to a new name (the agent creates it in "
		    "%s with spec.parameters) in the same commit as the upgrade",
		    group, g->family, fam, fam);
		ok = false;
	} else {
		/* the instances' groups are not the agent's: the new default */
		ag_kvlist_set(&mod->params, "DBInstanceParameterGroupName", dflt);
	}
	free(dflt);
	free(group);
	free(fam);
	return ok;
}

static void
diff_engine_version(struct ag_cluster_plan *cp, struct modify *mod, const struct ag_field_row *row,
    const struct ag_manifest *m, const struct ag_db_cluster *live, const char *d, const char *l)
{
	const char *engine = m->spec.engine != NULL ? m->spec.engine : live->engine;
	enum ag_version_verdict v = ag_version_compare(engine, d, l, effective_auto_minor(m));
	struct ag_change *c;
	char *note;
	char md[64], ml[64];

	switch (v) {
	case AG_VERSION_EQUAL:
	case AG_VERSION_AUTO_MINOR:
		return;
	case AG_VERSION_LIVE_NEWER:
		note = ag_xasprintf(
		    "live is newer (%s > %s), update the manifest; never downgraded", l, d);
		change_add(cp, row->field, short_name(row), row->yaml_path, d, l, AG_CLASS_OUTAGE,
		    AG_CHANGE_INFO, note);
		free(note);
		return;
	case AG_VERSION_UPGRADE_MINOR:
	case AG_VERSION_UPGRADE_MAJOR:
		break;
	}
	if (live->pending.present && live->pending.engine_version != NULL &&
	    ag_version_compare(engine, d, live->pending.engine_version, false) ==
	        AG_VERSION_EQUAL) {
		note = ag_xasprintf("upgrade to %s already pending in AWS until the maintenance "
		                    "window; not sent again",
		    live->pending.engine_version);
		change_add(cp, row->field, short_name(row), row->yaml_path, d, l, AG_CLASS_OUTAGE,
		    AG_CHANGE_PENDING, note);
		free(note);
		return;
	}
	if (v == AG_VERSION_UPGRADE_MAJOR && !m->spec.allow_major_version_upgrade) {
		ag_version_major(md, sizeof(md), engine, d);
		ag_version_major(ml, sizeof(ml), engine, l);
		note =
		    ag_xasprintf("a major version upgrade (%s to %s) needs "
		                 "spec.allowMajorVersionUpgrade: true; it restarts the cluster and "
		                 "usually needs a parameter group of the new family",
		        ml, md);
		change_add(cp, row->field, short_name(row), row->yaml_path, d, l, AG_CLASS_BLOCKED,
		    AG_CHANGE_BLOCKED, note);
		free(note);
		return;
	}
	c = change_add(cp, row->field, short_name(row), row->yaml_path, d, l, AG_CLASS_OUTAGE,
	    AG_CHANGE_SEND,
	    v == AG_VERSION_UPGRADE_MAJOR ? "major version upgrade: the cluster restarts"
	                                  : "minor version upgrade: the cluster restarts");
	if (v == AG_VERSION_UPGRADE_MAJOR && !major_param_groups(c, mod, m, engine, d))
		return; /* blocked: nothing of the upgrade is sent */
	ag_kvlist_add(&mod->params, "EngineVersion", d);
	if (v == AG_VERSION_UPGRADE_MAJOR)
		ag_kvlist_add(&mod->params, "AllowMajorVersionUpgrade", "true");
	mod->klass = class_max(mod->klass, AG_CLASS_OUTAGE);
}

static void
diff_row(struct ag_cluster_plan *cp, struct modify *mod, const struct ag_field_row *row,
    const struct ag_manifest *m, const struct ag_db_cluster *live, const struct ag_norm_ctx *ctx,
    const char *d, const char *l)
{
	struct ag_change *c;
	char *dd, *sv;

	if (row->emit == AG_EMIT_ENGINE_VERSION) {
		diff_engine_version(cp, mod, row, m, live, d, l);
		return;
	}
	if (d == NULL && row->protect != AG_PROTECT_NONE) {
		/* Absence never weakens: a protective setting left out of the
		 * manifest keeps what is live (docs/drift.md). */
		if (!ag_norm_equal_row(row, NULL, l, ctx))
			change_add(cp, row->field, short_name(row), row->yaml_path, NULL, l,
			    row->klass, AG_CHANGE_INFO,
			    "unmanaged: not in the manifest, so the live value is kept "
			    "(absence never lowers protection)");
		return;
	}
	if (ag_norm_equal_row(row, d, l, ctx))
		return;
	dd = display_desired(row, d, m);
	c = change_add(cp, row->field, short_name(row), row->yaml_path, dd, l, row->klass,
	    AG_CHANGE_SEND, NULL);
	free(dd);
	if (row->field == AG_F_BACKTRACK_WINDOW && d != NULL && strcmp(d, "0") != 0 &&
	    (l == NULL || strcmp(l, "0") == 0)) {
		/* AWS turns backtracking on only at create or restore */
		c->klass = AG_CLASS_BLOCKED;
		c->state = AG_CHANGE_BLOCKED;
		c->note = ag_xstrdup(row->hint);
		return;
	}
	if (row->klass == AG_CLASS_BLOCKED) {
		c->state = AG_CHANGE_BLOCKED;
		c->note = ag_xstrdup(row->hint);
		return;
	}
	sv = send_value(row, d, m);
	if (lowers(row, sv, l) && mark_weakening(c, mod->forbid_weakening)) {
		free(sv);
		return;
	}
	switch (row->emit) {
	case AG_EMIT_SCALAR:
		if (row->needs_managed_password && !m->spec.manage_master_user_password) {
			c->state = AG_CHANGE_INFO;
			c->note = ag_xstrdup("used only with manageMasterUserPassword: true");
			break;
		}
		if (row->needs_managed_password && live->master_user_secret_arn != NULL &&
		    live->master_user_secret_arn[0] != '\0') {
			/* AWS takes MasterUserSecretKmsKeyId only when management is
			 * turned on: the key of a managed secret cannot change */
			c->state = AG_CHANGE_INFO;
			c->note = ag_xstrdup(
			    "the KMS key of a secret RDS already manages cannot change: turn "
			    "manageMasterUserPassword off and on again with the new key");
			break;
		}
		if (pending_matches(row, sv, live)) {
			c->state = AG_CHANGE_PENDING;
			c->note = ag_xstrdup("already pending in AWS until the maintenance window; "
			                     "not sent again");
			break;
		}
		if (row->change_note != NULL)
			c->note = ag_xstrdup(row->change_note);
		ag_kvlist_add(&mod->params, row->modify_param, sv);
		mod->klass = class_max(mod->klass, row->klass);
		break;
	case AG_EMIT_LOGS:
		emit_logs(mod, c, d, l, live);
		break;
	case AG_EMIT_SG_IDS:
		emit_sg_ids(mod, d, m, live);
		mod->klass = class_max(mod->klass, row->klass);
		break;
	case AG_EMIT_SERVERLESS:
		emit_serverless(&mod->params, m);
		mod->klass = class_max(mod->klass, row->klass);
		break;
	case AG_EMIT_STRUCT:
		emit_struct(&mod->params, row->modify_param, d);
		mod->klass = class_max(mod->klass, row->klass);
		break;
	case AG_EMIT_MANAGE_PASSWORD:
		if (m->spec.manage_master_user_password) {
			ag_kvlist_add(&mod->params, "ManageMasterUserPassword", "true");
			if (m->spec.master_user_secret_kms_key_id != NULL &&
			    m->spec.master_user_secret_kms_key_id[0] != '\0')
				ag_kvlist_add(&mod->params, "MasterUserSecretKmsKeyId",
				    m->spec.master_user_secret_kms_key_id);
			c->note = ag_xstrdup("AWS generates the password and keeps it in Secrets "
			                     "Manager");
			mod->klass = class_max(mod->klass, row->klass);
		} else if (has_password(m)) {
			ag_kvlist_add(&mod->params, "ManageMasterUserPassword", "false");
			ag_kvlist_add(&mod->params, "MasterUserPassword", AG_PLACEHOLDER_PASSWORD);
			c->note = ag_xstrdup("the password from spec.password replaces the managed "
			                     "secret");
			mod->klass = class_max(mod->klass, row->klass);
		} else {
			c->state = AG_CHANGE_INFO;
			c->note = ag_xstrdup("turning the managed password off needs spec.password "
			                     "(sealed with aurora-gitops seal)");
		}
		break;
	case AG_EMIT_HTTP_ENDPOINT:
		if (live->engine_mode != NULL && strcmp(live->engine_mode, "serverless") == 0) {
			ag_kvlist_add(&mod->params, "EnableHttpEndpoint", sv);
			mod->klass = class_max(mod->klass, row->klass);
		} else {
			mod->http = strcmp(sv, "true") == 0;
		}
		break;
	case AG_EMIT_PROMOTE:
		if (d != NULL && d[0] != '\0') {
			c->klass = AG_CLASS_BLOCKED;
			c->state = AG_CHANGE_BLOCKED;
			c->note = ag_xstrdup(row->hint);
		} else {
			mod->promote = true;
			c->note = ag_xstrdup("the replica is promoted to a standalone cluster; "
			                     "replication stops");
		}
		break;
	case AG_EMIT_PARAM_GROUP:
		if (d == NULL) {
			char *fam = ag_fieldtab_param_family(live->engine, live->engine_version);

			if (fam == NULL) {
				c->state = AG_CHANGE_INFO;
				c->note = ag_xstrdup("the default group of the engine is unknown");
				break;
			}
			free(c->committed);
			c->committed = ag_xasprintf("default.%s", fam);
			ag_kvlist_add(&mod->params, row->modify_param, c->committed);
			free(fam);
		} else {
			ag_kvlist_add(&mod->params, row->modify_param, d);
		}
		c->note = ag_xstrdup("static parameters of the new group take effect after the "
		                     "instances reboot");
		mod->klass = class_max(mod->klass, row->klass);
		break;
	default:
		c->state = AG_CHANGE_INFO;
		break;
	}
	free(sv);
}

/* A replica cluster: it inherits its master user and password settings. */
static bool
is_replica(const struct ag_manifest *m)
{
	return m->spec.replication_source_identifier != NULL &&
	       m->spec.replication_source_identifier[0] != '\0';
}

/* Whether this plan changes the cluster parameter group itself. */
static bool
changes_param_group(const struct ag_cluster_plan *cp)
{
	size_t i;

	for (i = 0; i < cp->n_actions; i++)
		if (cp->actions[i].kind == AG_ACT_CREATE_PARAM_GROUP ||
		    cp->actions[i].kind == AG_ACT_MODIFY_PARAM_GROUP ||
		    cp->actions[i].kind == AG_ACT_RESET_PARAM_GROUP ||
		    (cp->actions[i].kind == AG_ACT_MODIFY_CLUSTER &&
		        ag_kvlist_get(&cp->actions[i].params, "DBClusterParameterGroupName") !=
		            NULL))
			return true;
	return false;
}

/* Whether this plan deletes the instance. */
static bool
deletes_instance(const struct ag_cluster_plan *cp, const char *id)
{
	size_t i;

	for (i = 0; i < cp->n_actions; i++)
		if (cp->actions[i].kind == AG_ACT_DELETE_INSTANCE &&
		    strcmp(cp->actions[i].target, id) == 0)
			return true;
	return false;
}

static int
member_reboot_order(const void *a, const void *b)
{
	const struct ag_db_cluster_member *x = *(const struct ag_db_cluster_member *const *)a;
	const struct ag_db_cluster_member *y = *(const struct ag_db_cluster_member *const *)b;

	if (x->is_writer != y->is_writer)
		return x->is_writer ? 1 : -1; /* readers first, the writer last */
	return strcmp(x->instance_id, y->instance_id);
}

/*
 * Static parameters wait for a reboot: say which instances still need one.
 * With the annotation aurora-gitops/reboot-for-pending-parameters: "true"
 * the agent reboots them itself, one at a time: readers first (by
 * identifier), the writer last, one RebootDBInstance each, waited for until
 * the instance is available again. A run that does not wait stops after the
 * first reboot (exec.c), and while any instance of the cluster is not
 * available the plan reboots nothing, so the next cycle takes the next
 * instance. A plan that changes the parameter group itself reboots nothing
 * yet: AWS reports the new pending state first, and one reboot then
 * covers both.
 */
static void
plan_pending_reboot(struct ag_cluster_plan *cp, const struct ag_plan_input *in,
    const struct ag_manifest *m, const struct ag_db_cluster *live)
{
	const struct ag_db_cluster_member **order;
	const struct ag_db_instance *busy = NULL;
	bool params_change;
	char *path, *note;
	size_t i, n = 0;

	if (live->n_members == 0)
		return;
	order = ag_xcalloc(live->n_members, sizeof(*order));
	for (i = 0; i < live->n_members; i++) {
		const struct ag_db_cluster_member *mem = &live->members[i];

		if (mem->instance_id == NULL || mem->param_group_status == NULL ||
		    strcmp(mem->param_group_status, "pending-reboot") != 0)
			continue;
		order[n++] = mem;
	}
	/* the first member not available holds the reboots back */
	for (i = 0; n > 0 && i < live->n_members && busy == NULL; i++) {
		const struct ag_db_cluster_member *mem = &live->members[i];
		const struct ag_db_instance *inst;

		if (mem->instance_id == NULL)
			continue;
		inst = ag_observed_find_instance(in->observed, mem->instance_id);
		if (inst != NULL && inst->status != NULL && strcmp(inst->status, "available") != 0)
			busy = inst;
	}
	qsort(order, n, sizeof(*order), member_reboot_order);
	params_change = changes_param_group(cp);
	for (i = 0; i < n; i++) {
		const char *id = order[i]->instance_id;
		enum ag_change_state state = AG_CHANGE_INFO;

		path = ag_xasprintf("spec.instances[%s]", id);
		if (!m->reboot_for_params)
			note = ag_xasprintf(
			    "pending reboot: instance '%s' must reboot before the static "
			    "parameters of the cluster parameter group take effect (the annotation "
			    "aurora-gitops/reboot-for-pending-parameters: \"true\" lets the agent "
			    "reboot the instances one at a time, readers first)",
			    id);
		else if (deletes_instance(cp, id))
			note = ag_xasprintf("pending reboot: instance '%s' is deleted by this "
			                    "plan, not rebooted",
			    id);
		else if (params_change)
			note = ag_xasprintf(
			    "pending reboot: instance '%s' is rebooted once this plan's parameter "
			    "group changes show in AWS (a later cycle)",
			    id);
		else if (busy != NULL)
			note = ag_xasprintf("pending reboot: instance '%s' waits: instance '%s' is "
			                    "%s, and instances reboot one at a time",
			    id, busy->id, busy->status);
		else {
			struct ag_action *a = action_add(cp, AG_ACT_REBOOT_INSTANCE, id,
			    AG_CLASS_OUTAGE, AG_WAIT_INSTANCE_AVAILABLE);

			ag_kvlist_add(&a->params, "DBInstanceIdentifier", id);
			state = AG_CHANGE_SEND;
			note = ag_xasprintf(
			    "reboot: instance '%s' %s so that the static parameters take effect "
			    "(aurora-gitops/reboot-for-pending-parameters)",
			    id,
			    order[i]->is_writer ? "(the writer) is rebooted last" : "is rebooted");
		}
		change_add(cp, AG_F_PARAMETERS, "parameters", path, "in-sync", "pending-reboot",
		    AG_CLASS_OUTAGE, state, note);
		free(note);
		free(path);
	}
	free(order);
}

/* ---- Aurora global databases -------------------------------------------------- */

#define GLOBAL_JOIN_HINT                                                                           \
	"an existing cluster cannot join a global database that already has members: AWS adds "    \
	"only new clusters to it (a new cluster with globalClusterIdentifier becomes a "           \
	"secondary), or makes a global database of a standalone cluster"

/* A member of a global database whose primary is another cluster: like a
 * replica it inherits its master user and password settings. */
static bool
is_global_secondary(const struct ag_plan_input *in, const struct ag_db_cluster *live)
{
	const struct ag_observed_global *g;

	if (live->global_cluster_identifier == NULL || live->global_cluster_identifier[0] == '\0')
		return false;
	g = ag_observed_find_global(in->observed, live->global_cluster_identifier);
	return g != NULL && g->writer_arn != NULL && live->arn != NULL &&
	       strcmp(g->writer_arn, live->arn) != 0;
}

/*
 * Create with spec.globalClusterIdentifier: a global database that does
 * not exist yet is created first (CreateGlobalCluster with the cluster's
 * engine and version), and the new cluster becomes its primary; one that
 * exists with a primary takes the new cluster as a secondary, which
 * inherits the master user and password (true is returned).
 */
static bool
plan_create_global(
    struct ag_cluster_plan *cp, const struct ag_plan_input *in, const struct ag_manifest *m)
{
	const char *gid = m->spec.global_cluster_identifier;
	const struct ag_observed_global *g;
	struct ag_action *a;

	if (gid == NULL)
		return false;
	g = ag_observed_find_global(in->observed, gid);
	if (g != NULL) {
		char *note = ag_xasprintf("joins the global database '%s' as %s", gid,
		    g->writer_arn != NULL ? "a secondary cluster (it inherits the master user "
		                            "and password of the primary)"
		                          : "its primary cluster");

		ag_strlist_add(&cp->notes, note);
		free(note);
		return g->writer_arn != NULL;
	}
	a = action_add(cp, AG_ACT_CREATE_GLOBAL_CLUSTER, gid, AG_CLASS_IN_PLACE, AG_WAIT_NONE);
	ag_kvlist_add(&a->params, "GlobalClusterIdentifier", gid);
	if (m->spec.engine != NULL)
		ag_kvlist_add(&a->params, "Engine", m->spec.engine);
	if (m->spec.engine_version != NULL)
		ag_kvlist_add(&a->params, "EngineVersion", m->spec.engine_version);
	if (m->spec.storage_encrypted)
		ag_kvlist_add(&a->params, "StorageEncrypted", "true");
	change_add(cp, AG_F_GLOBAL_CLUSTER_IDENTIFIER, "globalClusterIdentifier",
	    "spec.globalClusterIdentifier", gid, NULL, AG_CLASS_IN_PLACE, AG_CHANGE_SEND,
	    "new global database; this cluster becomes its primary");
	return false;
}

/*
 * An existing cluster and its global database. Joining follows AWS's
 * rules: a standalone cluster becomes the primary of a new global database
 * (CreateGlobalCluster with SourceDBClusterIdentifier); it cannot join one
 * that exists. Leaving is never automatic: removing the field keeps the
 * membership (shown), and only the annotation aurora-gitops/global-cluster:
 * detach removes the cluster (RemoveFromGlobalCluster; a secondary becomes
 * a standalone, writable cluster).
 */
static void
plan_global(struct ag_cluster_plan *cp, const struct ag_plan_input *in, const struct ag_manifest *m,
    const struct ag_db_cluster *live)
{
	const char *want = m->spec.global_cluster_identifier;
	const char *have = live->global_cluster_identifier;
	const struct ag_observed_global *g;
	struct ag_action *a;
	struct ag_change *c;
	char *note;

	if (have != NULL && have[0] == '\0')
		have = NULL;
	if (want == NULL && have == NULL)
		return;
	if (want != NULL && have != NULL) {
		if (strcasecmp(want, have) != 0)
			change_add(cp, AG_F_GLOBAL_CLUSTER_IDENTIFIER, "globalClusterIdentifier",
			    "spec.globalClusterIdentifier", want, have, AG_CLASS_BLOCKED,
			    AG_CHANGE_BLOCKED,
			    "a cluster moves to another global database only by leaving this one "
			    "(annotation aurora-gitops/global-cluster: detach, without the field) "
			    "and being recreated as a member of the other");
		return;
	}
	if (want == NULL) {
		if (!m->global_detach) {
			note = ag_xasprintf(
			    "unmanaged: not in the manifest, so the cluster stays in the global "
			    "database '%s'; leaving it is never automatic (annotation "
			    "aurora-gitops/global-cluster: detach)",
			    have);
			change_add(cp, AG_F_GLOBAL_CLUSTER_IDENTIFIER, "globalClusterIdentifier",
			    "spec.globalClusterIdentifier", NULL, have, AG_CLASS_OUTAGE,
			    AG_CHANGE_INFO, note);
			free(note);
			return;
		}
		c = change_add(cp, AG_F_GLOBAL_CLUSTER_IDENTIFIER, "globalClusterIdentifier",
		    "spec.globalClusterIdentifier", NULL, have, AG_CLASS_OUTAGE, AG_CHANGE_SEND,
		    "detach (aurora-gitops/global-cluster: detach): RemoveFromGlobalCluster; a "
		    "secondary stops replicating and becomes a standalone writable cluster");
		if (mark_weakening(c, in->forbid_weakening || m->forbid_weakening))
			return;
		a = action_add(cp, AG_ACT_REMOVE_FROM_GLOBAL_CLUSTER, cp->id, AG_CLASS_OUTAGE,
		    AG_WAIT_CLUSTER_AVAILABLE);
		ag_kvlist_add(&a->params, "GlobalClusterIdentifier", have);
		ag_kvlist_add(
		    &a->params, "DbClusterIdentifier", live->arn != NULL ? live->arn : cp->id);
		return;
	}
	/* want != NULL, have == NULL: a standalone cluster */
	g = ag_observed_find_global(in->observed, want);
	if (!in->observed->globals_loaded) {
		change_add(cp, AG_F_GLOBAL_CLUSTER_IDENTIFIER, "globalClusterIdentifier",
		    "spec.globalClusterIdentifier", want, NULL, AG_CLASS_IN_PLACE, AG_CHANGE_INFO,
		    "the global databases were not read: nothing is decided");
		return;
	}
	if (g != NULL) {
		change_add(cp, AG_F_GLOBAL_CLUSTER_IDENTIFIER, "globalClusterIdentifier",
		    "spec.globalClusterIdentifier", want, NULL, AG_CLASS_BLOCKED, AG_CHANGE_BLOCKED,
		    GLOBAL_JOIN_HINT);
		return;
	}
	change_add(cp, AG_F_GLOBAL_CLUSTER_IDENTIFIER, "globalClusterIdentifier",
	    "spec.globalClusterIdentifier", want, NULL, AG_CLASS_IN_PLACE, AG_CHANGE_SEND,
	    "a new global database with this cluster as its primary (CreateGlobalCluster "
	    "with SourceDBClusterIdentifier)");
	a = action_add(
	    cp, AG_ACT_CREATE_GLOBAL_CLUSTER, want, AG_CLASS_IN_PLACE, AG_WAIT_CLUSTER_AVAILABLE);
	free(a->target);
	a->target = ag_xstrdup(cp->id); /* the waiter watches the source cluster */
	ag_kvlist_add(&a->params, "GlobalClusterIdentifier", want);
	ag_kvlist_add(
	    &a->params, "SourceDBClusterIdentifier", live->arn != NULL ? live->arn : cp->id);
}

static void
plan_password_update(struct ag_cluster_plan *cp, struct modify *mod, enum ag_password_state pw,
    const struct ag_manifest *m)
{
	if (!has_password(m))
		return;
	if (pw == AG_PW_CHANGED) {
		change_add(cp, AG_F_PASSWORD, "password", "spec.password", "changed (rotated)",
		    "(not readable)", AG_CLASS_IN_PLACE, AG_CHANGE_SEND,
		    "applied immediately whatever applyImmediately says");
		if (ag_kvlist_get(&mod->params, "MasterUserPassword") == NULL)
			ag_kvlist_add(&mod->params, "MasterUserPassword", AG_PLACEHOLDER_PASSWORD);
		mod->klass = class_max(mod->klass, AG_CLASS_IN_PLACE);
	} else if (pw == AG_PW_UNKNOWN) {
		change_add(cp, AG_F_PASSWORD, "password", "spec.password", "(set)",
		    "(not readable)", AG_CLASS_IN_PLACE, AG_CHANGE_INFO,
		    "password: not verified (no record of the last applied value)");
	}
}

static void
plan_update(struct ag_cluster_plan *cp, const struct ag_plan_input *in, const struct ag_manifest *m,
    const struct ag_db_cluster *live, enum ag_password_state pw)
{
	struct modify mod = {in->observed, AG_KVLIST_INIT, AG_CLASS_NONE, false, -1,
	    in->forbid_weakening || m->forbid_weakening};
	struct ag_norm_ctx ctx;
	const struct ag_field_row *rows;
	size_t n, i;
	char *d, *l, dscratch[AG_FIELDTAB_SCRATCH], lscratch[AG_FIELDTAB_SCRATCH];
	const char *dv, *lv;
	bool replica;

	replica = is_replica(m) ||
	          (live->replication_source_identifier != NULL &&
	              live->replication_source_identifier[0] != '\0') ||
	          is_global_secondary(in, live);
	ctx.engine = m->spec.engine != NULL ? m->spec.engine : live->engine;
	ctx.auto_minor = effective_auto_minor(m);
	ctx.module_sg = module_sg(m);

	plan_parameters(cp, in, m, ctx.engine,
	    m->spec.engine_version != NULL ? m->spec.engine_version : live->engine_version);

	rows = ag_fieldtab_rows(&n);
	for (i = 0; i < n; i++) {
		const struct ag_field_row *row = &rows[i];

		if (row->norm == AG_NORM_NOT_COMPARED || row->norm == AG_NORM_WRITE_ONLY ||
		    !ag_fieldtab_observable(row) || (replica && row->not_on_replica))
			continue;
		/* a member is compared where it is (or as text in scratch), not copied */
		d = l = NULL;
		if (!ag_fieldtab_desired_view(&dv, dscratch, row, m)) {
			ag_fieldtab_desired(&d, row, m);
			dv = d;
		}
		if (!ag_fieldtab_live_view(&lv, lscratch, row, live)) {
			ag_fieldtab_live(&l, row, live);
			lv = l;
		}
		diff_row(cp, &mod, row, m, live, &ctx, dv, lv);
		free(d);
		free(l);
	}
	if (!replica)
		plan_password_update(cp, &mod, pw, m);

	if (mod.promote) {
		struct ag_action *a = action_add(cp, AG_ACT_PROMOTE_REPLICA, cp->id,
		    AG_CLASS_IN_PLACE, AG_WAIT_CLUSTER_AVAILABLE);

		ag_kvlist_add(&a->params, "DBClusterIdentifier", cp->id);
	}
	if (mod.params.n > 0) {
		struct ag_action *a = action_add(
		    cp, AG_ACT_MODIFY_CLUSTER, cp->id, mod.klass, AG_WAIT_CLUSTER_AVAILABLE);

		ag_kvlist_add(&a->params, "DBClusterIdentifier", cp->id);
		for (i = 0; i < mod.params.n; i++)
			ag_kvlist_add(&a->params, mod.params.v[i].key, mod.params.v[i].value);
		ag_kvlist_add(
		    &a->params, "ApplyImmediately", m->spec.apply_immediately ? "true" : "false");
	}
	if (mod.http >= 0) {
		struct ag_action *a = action_add(
		    cp, AG_ACT_SET_HTTP_ENDPOINT, cp->id, AG_CLASS_IN_PLACE, AG_WAIT_NONE);

		a->action = mod.http ? "EnableHttpEndpoint" : "DisableHttpEndpoint";
		ag_kvlist_add(&a->params, "ResourceArn", live->arn != NULL ? live->arn : cp->id);
	}
	ag_kvlist_release(&mod.params);

	plan_global(cp, in, m, live);
	plan_network(cp, in, m);
	note_public_subnets(cp, in, m, live);
	plan_instances(cp, in, m, live);
	ag_plan_autoscaling(cp, in, m, false);
	plan_tags(cp, m, live);
	plan_alarms(cp, in, m, false);
	ag_plan_kms(cp, in, m, live);
	note_deferred(cp, in, m, live);
	plan_pending_reboot(cp, in, m, live);
}

/* ---- create --------------------------------------------------------------- */

static void
create_cluster_params(struct ag_kvlist *cr, struct ag_kvlist *follow, const struct ag_manifest *m,
    bool restore, bool inherit)
{
	const struct ag_field_row *rows;
	size_t n, i;
	char *v;

	rows = ag_fieldtab_rows(&n);
	for (i = 0; i < n; i++) {
		const struct ag_field_row *row = &rows[i];
		struct ag_kvlist *dst;

		/* parameters of other calls (subnet group, restore) are theirs */
		if (row->create_param == NULL || row->create_call != NULL ||
		    (row->not_on_replica && inherit))
			continue;
		if (row->emit == AG_EMIT_SG_IDS) {
			struct ag_strlist ids = AG_STRLIST_INIT;
			char *sg;

			ag_strlist_copy(&ids, &m->spec.associate_security_group_ids);
			if (module_sg(m)) {
				sg = ag_xasprintf(AG_PLACEHOLDER_SG_FMT, m->cluster_id);
				ag_strlist_add(&ids, sg);
				free(sg);
			}
			add_members(cr, "VpcSecurityGroupIds.VpcSecurityGroupId.%zu", &ids);
			ag_strlist_release(&ids);
			continue;
		}
		if (!ag_fieldtab_desired(&v, row, m)) {
			if (row->create_default == NULL || restore)
				continue;
			v = ag_xstrdup(row->create_default);
		}
		dst = cr;
		if (restore && !row->in_restore) {
			/* RestoreDBClusterFromSnapshot has no such parameter: the
			 * follow-up ModifyDBCluster carries it when it can */
			dst = row->modify_param != NULL ? follow : NULL;
			if (row->emit == AG_EMIT_HTTP_ENDPOINT) /* a call of its own */
				dst = NULL;
		}
		if (dst == NULL) {
			free(v);
			continue;
		}
		switch (row->emit) {
		case AG_EMIT_PASSWORD:
			ag_kvlist_add(dst, dst == cr ? row->create_param : row->modify_param,
			    AG_PLACEHOLDER_PASSWORD);
			break;
		case AG_EMIT_LOGS: {
			struct ag_strlist l = AG_STRLIST_INIT;

			split_list(&l, v);
			add_members(dst, "EnableCloudwatchLogsExports.member.%zu", &l);
			ag_strlist_release(&l);
			break;
		}
		case AG_EMIT_SERVERLESS:
			emit_serverless(dst, m);
			break;
		case AG_EMIT_STRUCT:
			emit_struct(dst, dst == cr ? row->create_param : row->modify_param, v);
			break;
		case AG_EMIT_ENGINE_VERSION:
			ag_kvlist_add(dst, row->create_param, v);
			break;
		default:
			if (row->needs_managed_password && !m->spec.manage_master_user_password)
				break;
			ag_kvlist_add(dst, dst == cr ? row->create_param : row->modify_param, v);
			break;
		}
		free(v);
	}
}

static void
plan_create(struct ag_cluster_plan *cp, const struct ag_plan_input *in, const struct ag_manifest *m)
{
	struct ag_kvlist tags = AG_KVLIST_INIT, follow = AG_KVLIST_INIT;
	struct ag_action *a;
	bool restore =
	    m->spec.snapshot_identifier != NULL && m->spec.snapshot_identifier[0] != '\0';
	char *sg, *name;
	size_t i;
	int port = desired_port(m);
	bool secondary;

	change_add(cp, AG_F__COUNT, "cluster", "metadata.name", cp->id, NULL, AG_CLASS_IN_PLACE,
	    AG_CHANGE_SEND, restore ? "new cluster restored from snapshot" : "new cluster");
	note_public_subnets(cp, in, m, NULL);
	desired_tags(&tags, m);
	ag_plan_kms(cp, in, m, NULL); /* the key before the cluster it encrypts */

	if (module_sg(m)) {
		sg = ag_xasprintf(AG_PLACEHOLDER_SG_FMT, cp->id);
		a = action_add(
		    cp, AG_ACT_CREATE_SECURITY_GROUP, cp->id, AG_CLASS_IN_PLACE, AG_WAIT_NONE);
		ag_kvlist_add(&a->params, "GroupName", cp->id);
		ag_kvlist_addf(
		    &a->params, "GroupDescription", "Ingress for RDS cluster %s", cp->id);
		if (m->spec.vpc_id != NULL && m->spec.vpc_id[0] != '\0')
			ag_kvlist_add(&a->params, "VpcId", m->spec.vpc_id);
		/* one rule per call: "InvalidPermission.Duplicate" then means
		 * this very rule exists, never that a sibling hid a new one */
		for (i = 0; i < m->spec.allowed_cidr_blocks.n; i++)
			ingress_action(cp, AG_ACT_AUTHORIZE_INGRESS, sg, "tcp", port, port,
			    m->spec.allowed_cidr_blocks.v[i], NULL);
		for (i = 0; i < m->spec.security_group_ids.n; i++)
			ingress_action(cp, AG_ACT_AUTHORIZE_INGRESS, sg, "tcp", port, port, NULL,
			    m->spec.security_group_ids.v[i]);
		free(sg);
	}
	if (m->spec.subnet_ids.n > 0 &&
	    (m->spec.db_subnet_group_name == NULL || m->spec.db_subnet_group_name[0] == '\0')) {
		name = ag_fieldtab_subnet_group_name(cp->id);
		a = action_add(
		    cp, AG_ACT_CREATE_SUBNET_GROUP, name, AG_CLASS_IN_PLACE, AG_WAIT_NONE);
		ag_kvlist_add(&a->params, "DBSubnetGroupName", name);
		ag_kvlist_addf(
		    &a->params, "DBSubnetGroupDescription", "Subnets of Aurora cluster %s", cp->id);
		add_members(&a->params, "SubnetIds.SubnetIdentifier.%zu", &m->spec.subnet_ids);
		ag_kvlist_add(&a->params, "Tags.Tag.1.Key", AG_MANAGED_TAG_KEY);
		ag_kvlist_add(&a->params, "Tags.Tag.1.Value", AG_MANAGED_TAG_VALUE);
		free(name);
	}
	if (m->spec.n_parameters > 0) {
		name = ag_fieldtab_param_group_name(m);
		if (ag_observed_find_param_group(in->observed, name) == NULL)
			ag_strlist_add(&cp->notes, "AWS advises waiting 5 minutes after creating a "
			                           "cluster parameter group "
			                           "before creating a cluster that uses it");
		free(name);
	}
	plan_parameters(cp, in, m, m->spec.engine, m->spec.engine_version);
	secondary = plan_create_global(cp, in, m);

	a = action_add(cp, restore ? AG_ACT_RESTORE_CLUSTER : AG_ACT_CREATE_CLUSTER, cp->id,
	    AG_CLASS_IN_PLACE, AG_WAIT_CLUSTER_AVAILABLE);
	ag_kvlist_add(&a->params, "DBClusterIdentifier", cp->id);
	if (restore)
		ag_kvlist_add(&a->params, "SnapshotIdentifier", m->spec.snapshot_identifier);
	create_cluster_params(&a->params, &follow, m, restore, is_replica(m) || secondary);
	add_tags(&a->params, &tags);
	if (restore) {
		ag_strlist_add(
		    &cp->notes, "username and storage encryption come from the snapshot");
		if (follow.n > 0) {
			a = action_add(cp, AG_ACT_MODIFY_CLUSTER, cp->id, AG_CLASS_IN_PLACE,
			    AG_WAIT_CLUSTER_AVAILABLE);
			ag_kvlist_add(&a->params, "DBClusterIdentifier", cp->id);
			for (i = 0; i < follow.n; i++)
				ag_kvlist_add(&a->params, follow.v[i].key, follow.v[i].value);
			ag_kvlist_add(&a->params, "ApplyImmediately", "true");
		}
		if (m->spec.enable_http_endpoint)
			ag_strlist_add(&cp->notes,
			    "enableHttpEndpoint is turned on by the next run, once the restored "
			    "cluster exists");
	}
	if (ag_manifest_has(m, AG_F_INSTANCES) || m->spec.n_instances > 0) {
		for (i = 0; i < m->spec.n_instances; i++)
			create_instance_action(cp, m, &m->spec.instances[i], m->spec.engine);
	} else {
		ag_strlist_add(&cp->notes,
		    "spec.instances is not set: the cluster is created without instances (no "
		    "compute)");
	}
	plan_alarms(cp, in, m, true);
	ag_plan_autoscaling(cp, in, m, true); /* the target needs the cluster */
	ag_kvlist_release(&tags);
	ag_kvlist_release(&follow);
}

/* ---- cloudwatch alarms ------------------------------------------------------ */

#define AG_ALARMS_PER_DELETE 100

static void
delete_alarms_actions(struct ag_cluster_plan *cp, const struct ag_strlist *names)
{
	struct ag_action *a = NULL;
	size_t i, k = 0;
	char key[48];

	for (i = 0; i < names->n; i++) {
		if (a == NULL || k == AG_ALARMS_PER_DELETE) {
			a = action_add(
			    cp, AG_ACT_DELETE_ALARMS, cp->id, AG_CLASS_IN_PLACE, AG_WAIT_NONE);
			k = 0;
		}
		snprintf(key, sizeof(key), "AlarmNames.member.%zu", ++k);
		ag_kvlist_add(&a->params, key, names->v[i]);
	}
}

/*
 * spec.alarms: each alarm the manifest asks for is made (PutMetricAlarm)
 * when missing and replaced when it differs; an alarm of the agent's for
 * this cluster that is no longer asked for is deleted (a kind turned off
 * with enabled: false weakens; one of an instance that left the manifest
 * does not). Alarms not made by the agent are never touched: one in the
 * way of a name the agent needs is a blocked change. No spec.alarms: the
 * live alarms are left as they are (absence never weakens).
 */
static void
plan_alarms(struct ag_cluster_plan *cp, const struct ag_plan_input *in, const struct ag_manifest *m,
    bool creating)
{
	const struct ag_observed *o = in->observed;
	bool forbid = in->forbid_weakening || m->forbid_weakening;
	struct ag_alarm_wants w;
	struct ag_strlist del = AG_STRLIST_INIT;
	size_t i, j;
	char *path, *d, *l;

	if (!ag_manifest_has(m, AG_F_ALARMS))
		return;
	if (!creating && !o->alarms_loaded) {
		ag_strlist_add(&cp->notes, "spec.alarms not compared: the alarms were not read");
		return;
	}
	ag_alarms_desired(&w, m);
	for (i = 0; i < w.n; i++) {
		const struct ag_alarm_want *x = &w.v[i];
		const struct ag_observed_alarm *live =
		    creating && !o->alarms_loaded ? NULL : ag_observed_find_alarm(o, x->name);
		const char *what = NULL;
		struct ag_action *a;

		if (live != NULL && !ag_alarm_is_ours(live, cp->id)) {
			path =
			    ag_xasprintf("spec.alarms.%s[%s]", ag_alarm_kind_key(x->kind), x->name);
			change_add(cp, AG_F_ALARMS, "alarms", path, x->name,
			    "(not made by aurora-gitops)", AG_CLASS_BLOCKED, AG_CHANGE_BLOCKED,
			    "an alarm of that name exists and aurora-gitops did not make it; it is "
			    "never changed: rename or delete it");
			free(path);
			continue;
		}
		if (live != NULL && (what = ag_alarm_diff(x, live)) == NULL)
			continue;
		path = ag_xasprintf("spec.alarms.%s[%s]", ag_alarm_kind_key(x->kind),
		    x->dim_value != NULL ? x->dim_value : cp->id);
		d = ag_alarm_want_text(x);
		l = live != NULL ? ag_alarm_live_text(live) : NULL;
		{
			struct ag_change *c = change_add(cp, AG_F_ALARMS, "alarms", path, d, l,
			    AG_CLASS_IN_PLACE, AG_CHANGE_SEND, NULL);

			if (live == NULL) {
				c->note = ag_xasprintf("new alarm %s", x->name);
			} else {
				c->note =
				    ag_xasprintf("%s differs: alarm %s is replaced", what, x->name);
				/* a higher CPU threshold or no notification is a weaker alarm */
				if (strcmp(what, "snsTopicArn") == 0 && x->sns == NULL &&
				    live->alarm_actions.n > 0 && mark_weakening(c, forbid)) {
					free(path);
					free(d);
					free(l);
					continue;
				}
			}
		}
		free(path);
		free(d);
		free(l);
		a = action_add(cp, AG_ACT_PUT_ALARM, x->name, AG_CLASS_IN_PLACE, AG_WAIT_NONE);
		ag_alarm_put_params(&a->params, x);
	}
	for (i = 0; !creating && i < o->n_alarms; i++) {
		const struct ag_observed_alarm *live = &o->alarms[i];
		int kind = ag_alarm_kind_of_name(live->name);
		bool wanted = false, kind_off;
		struct ag_change *c;

		if (!ag_alarm_is_ours(live, cp->id))
			continue;
		for (j = 0; j < w.n && !wanted; j++)
			wanted = strcmp(w.v[j].name, live->name) == 0;
		if (wanted)
			continue;
		kind_off = kind >= 0 && ag_spec_alarms(&m->spec)->kinds[kind].has_enabled &&
		           !ag_spec_alarms(&m->spec)->kinds[kind].enabled;
		path = ag_xasprintf("spec.alarms.%s", kind >= 0 ? ag_alarm_kind_key(kind) : "?");
		l = ag_alarm_live_text(live);
		c = change_add(cp, AG_F_ALARMS, "alarms", path, NULL, l, AG_CLASS_IN_PLACE,
		    AG_CHANGE_SEND, NULL);
		c->note = ag_xasprintf("alarm %s deleted (%s)", live->name,
		    kind_off ? "enabled: false" : "no longer in the manifest");
		free(path);
		free(l);
		if (kind_off && mark_weakening(c, forbid))
			continue;
		ag_strlist_add(&del, live->name);
	}
	delete_alarms_actions(cp, &del);
	ag_strlist_release(&del);
	ag_alarm_wants_release(&w);
}

/* A deleted cluster's alarms go with it (only the agent's own). */
static void
plan_delete_alarms(
    struct ag_cluster_plan *cp, const struct ag_plan_input *in, const struct ag_manifest *m)
{
	const struct ag_observed *o = in->observed;
	struct ag_strlist del = AG_STRLIST_INIT;
	size_t i;

	if (!o->alarms_loaded) {
		if (ag_manifest_has(m, AG_F_ALARMS))
			ag_strlist_add(&cp->notes,
			    "the cluster's alarms were not read: they are not "
			    "deleted with it");
		return;
	}
	for (i = 0; i < o->n_alarms; i++)
		if (ag_alarm_is_ours(&o->alarms[i], cp->id))
			ag_strlist_add(&del, o->alarms[i].name);
	delete_alarms_actions(cp, &del);
	if (del.n > 0)
		ag_strlist_add(&cp->notes, "the cluster's CloudWatch alarms are deleted with it");
	ag_strlist_release(&del);
}

/* ---- delete ---------------------------------------------------------------- */

static void
plan_delete(struct ag_cluster_plan *cp, const struct ag_plan_input *in, const struct ag_manifest *m,
    const struct ag_db_cluster *live)
{
	struct ag_strlist insts = AG_STRLIST_INIT;
	struct ag_action *a;
	struct ag_change *c;
	char stamp[32], *snap;
	struct tm tm;
	time_t t = (time_t)in->now;
	size_t i;

	c = change_add(cp, AG_F__COUNT, "deletion", "metadata.annotations.aurora-gitops/deletion",
	    "delete", "exists", AG_CLASS_DELETE_ONLY, AG_CHANGE_SEND, NULL);
	if (live->deletion_protection) {
		c->state = AG_CHANGE_BLOCKED;
		cp->status = AG_STATUS_BLOCKED;
		set_reason(
		    cp, ag_xasprintf("deletion refused: deletionProtection is on for cluster "
		                     "'%s'; turn deletionProtection off in an earlier, separate "
		                     "commit, let it apply, then commit the tombstone",
		            cp->id));
		c->note = ag_xstrdup(cp->reason);
		return;
	}
	if (m->spec.deletion_protection) {
		c->state = AG_CHANGE_BLOCKED;
		cp->status = AG_STATUS_BLOCKED;
		set_reason(
		    cp, ag_xasprintf("deletion refused: the manifest of '%s' still says "
		                     "deletionProtection: true; turn deletionProtection off in "
		                     "an earlier, separate commit",
		            cp->id));
		c->note = ag_xstrdup(cp->reason);
		return;
	}
	cp->status = AG_STATUS_DELETE;
	ag_plan_autoscaling_delete(cp, in); /* no reader added while it goes */
	live_instances(&insts, in->observed, live);
	for (i = 0; i < insts.n; i++) {
		a = action_add(cp, AG_ACT_DELETE_INSTANCE, insts.v[i], AG_CLASS_IN_PLACE,
		    AG_WAIT_INSTANCE_DELETED);
		ag_kvlist_add(&a->params, "DBInstanceIdentifier", insts.v[i]);
	}
	if (m->spec.final_snapshot_identifier != NULL &&
	    m->spec.final_snapshot_identifier[0] != '\0') {
		snap = ag_xstrdup(m->spec.final_snapshot_identifier);
	} else {
		if (gmtime_r(&t, &tm) == NULL ||
		    strftime(stamp, sizeof(stamp), "%Y%m%d%H%M%S", &tm) == 0)
			snprintf(stamp, sizeof(stamp), "%lld", (long long)in->now);
		snap = ag_xasprintf("%s-final-%s", cp->id, stamp);
	}
	a = action_add(
	    cp, AG_ACT_DELETE_CLUSTER, cp->id, AG_CLASS_DELETE_ONLY, AG_WAIT_CLUSTER_DELETED);
	ag_kvlist_add(&a->params, "DBClusterIdentifier", cp->id);
	if (m->spec.skip_final_snapshot) {
		ag_kvlist_add(&a->params, "SkipFinalSnapshot", "true");
		c->weakens = true;
		c->note = ag_xstrdup("WITHOUT A FINAL SNAPSHOT (skipFinalSnapshot: true): the "
		                     "cluster's data cannot be restored after this deletion");
		ag_strlist_add(&cp->notes, "deletion WITHOUT A FINAL SNAPSHOT: skipFinalSnapshot: "
		                           "true; the data cannot be restored afterwards");
	} else {
		ag_kvlist_add(&a->params, "FinalDBSnapshotIdentifier", snap);
		c->note = ag_xasprintf("final snapshot '%s'", snap);
	}
	free(snap);
	plan_delete_alarms(cp, in, m);
	ag_strlist_release(&insts);
}

/* ---- per cluster ------------------------------------------------------------ */

static bool
any_blocked(const struct ag_cluster_plan *cp, const struct ag_change **first)
{
	size_t i;

	for (i = 0; i < cp->n_changes; i++)
		if (cp->changes[i].state == AG_CHANGE_BLOCKED) {
			*first = &cp->changes[i];
			return true;
		}
	return false;
}

/* AWS statuses in which a resource is still changing: a new action now would
 * be refused (InvalidDBClusterStateFault) or pile onto the change. */
static bool
transitional(const char *status)
{
	static const char *const busy[] = {"creating", "modifying", "backing-up", "upgrading",
	    "rebooting", "starting", "stopping", "renaming", "resetting-master-credentials",
	    "migrating", "preparing-data-migration", "promoting", "maintenance", "failing-over",
	    "backtracking", "update-iam-db-auth", "configuring-enhanced-monitoring",
	    "configuring-iam-database-auth", "configuring-log-exports", "converting-to-vpc",
	    "moving-to-vpc", "deleting", NULL};
	size_t i;

	for (i = 0; status != NULL && busy[i] != NULL; i++)
		if (strcmp(status, busy[i]) == 0)
			return true;
	return false;
}

/*
 * Busy gate: a cluster, or one of its instances, in a transitional status
 * gets no new action this cycle; the changes stay in the report and the
 * next cycle plans them again once AWS has settled.
 */
static void
busy_gate(
    struct ag_cluster_plan *cp, const struct ag_plan_input *in, const struct ag_db_cluster *live)
{
	struct ag_strlist ids = AG_STRLIST_INIT;
	const struct ag_db_instance *di;
	char *why = NULL;
	size_t i;

	if (cp->n_actions == 0)
		return;
	if (transitional(live->status)) {
		why = ag_xasprintf(
		    "waiting: cluster is %s; nothing is sent until it is available", live->status);
	} else {
		live_instances(&ids, in->observed, live);
		for (i = 0; i < ids.n && why == NULL; i++) {
			di = ag_observed_find_instance(in->observed, ids.v[i]);
			if (di != NULL && transitional(di->status))
				why = ag_xasprintf("waiting: instance '%s' is %s; nothing is sent "
				                   "until it is available",
				    di->id, di->status);
		}
		ag_strlist_release(&ids);
	}
	if (why == NULL)
		return;
	clear_actions(cp);
	set_reason(cp, why);
}

static void
plan_manifest(struct ag_plan *p, const struct ag_plan_input *in, const struct ag_manifest *m)
{
	enum ag_mode mode = m->mode != AG_MODE_UNSET ? m->mode : in->default_mode;
	struct ag_cluster_plan *cp;
	const struct ag_db_cluster *live;
	const struct ag_change *blk;
	enum ag_password_state pw;
	const char *pwmsg;
	char *refmsg;
	char when[32];

	if (mode == AG_MODE_UNSET)
		mode = AG_MODE_PLAN;
	cp = cp_new(p, m->cluster_id, mode);
	if (m->file != NULL)
		cp->source =
		    m->pos.line > 0 ? file_line(m->file, m->pos.line) : ag_xstrdup(m->file);
	if (!first_of_id(in, m)) {
		const struct ag_manifest *first = find_manifest(in, m->cluster_id);

		cp->status = AG_STATUS_ERROR;
		set_reason(cp, ag_xasprintf("cluster '%s' is declared twice (%s:%u and %s:%u)",
		                   cp->id, first->file != NULL ? first->file : "?", first->pos.line,
		                   m->file != NULL ? m->file : "?", m->pos.line));
		return;
	}
	if (m->suspend_reason != NULL) {
		ag_time_format_utc(when, sizeof(when), m->suspend_until);
		if (m->suspend_until > in->now) {
			cp->status = AG_STATUS_SUSPENDED;
			set_reason(
			    cp, ag_xasprintf("suspended until %s: %s", when, m->suspend_reason));
			return;
		}
		ag_strlist_add(&cp->notes, "suspend annotation expired; reconciling again");
		{
			char *t = ag_xasprintf(
			    "the suspension (%s) ended at %s", m->suspend_reason, when);

			ag_strlist_add(&cp->notes, t);
			free(t);
		}
	}
	/* A placeholder never reaches AWS: a reference that did not resolve
	 * (or was never looked up) leaves the cluster untouched. */
	if ((refmsg = ag_manifest_ref_problem(m)) != NULL) {
		cp->status = AG_STATUS_ERROR;
		set_reason(cp, refmsg);
		return;
	}
	pw = password_state(in, m, &pwmsg);
	if (pw == AG_PW_ERROR) {
		cp->status = AG_STATUS_ERROR;
		set_reason(cp, ag_xasprintf("spec.password: %s",
		                   pwmsg != NULL ? pwmsg : "the sealed value could not be opened"));
		return;
	}
	live = ag_observed_find_cluster(in->observed, m->cluster_id);
	if (m->deletion == AG_DELETION_DELETE) {
		if (live == NULL) {
			cp->status = AG_STATUS_UNCHANGED;
			ag_strlist_add(&cp->notes,
			    "deletion tombstone: the cluster does not exist; nothing to do");
			return;
		}
		if (live->status != NULL && strcmp(live->status, "deleting") == 0) {
			cp->status = AG_STATUS_UNCHANGED;
			ag_strlist_add(&cp->notes,
			    "deletion tombstone: the cluster is already being "
			    "deleted");
			return;
		}
		plan_delete(cp, in, m, live);
		busy_gate(cp, in, live);
	} else if (live == NULL) {
		cp->status = AG_STATUS_CREATE;
		plan_create(cp, in, m);
	} else {
		plan_update(cp, in, m, live, pw);
		if (any_blocked(cp, &blk)) {
			cp->status = AG_STATUS_BLOCKED;
			set_reason(
			    cp, ag_xasprintf("blocked: %s cannot change in place (see its hint); "
			                     "nothing is applied to this cluster until the "
			                     "manifest matches the cluster again or the cluster "
			                     "is replaced",
			            blk->path));
			clear_actions(cp);
		} else {
			cp->status = cp->n_actions > 0 ? AG_STATUS_UPDATE : AG_STATUS_UNCHANGED;
			busy_gate(cp, in, live);
		}
	}
}

static void
plan_mode(struct ag_cluster_plan *cp)
{
	if (cp->status == AG_STATUS_BLOCKED || cp->status == AG_STATUS_ERROR ||
	    cp->status == AG_STATUS_SUSPENDED || cp->status == AG_STATUS_ORPHANED ||
	    cp->status == AG_STATUS_UNMANAGED)
		clear_actions(cp);
	if (cp->mode == AG_MODE_OBSERVE && cp->n_actions > 0) {
		clear_actions(cp);
		ag_strlist_add(&cp->notes, "mode observe: drift is reported, nothing is planned");
	}
	if (cp->mode == AG_MODE_PLAN && cp->n_actions > 0)
		ag_strlist_add(&cp->notes, "mode plan: actions are shown, never executed");
	cp->execute = cp->mode == AG_MODE_APPLY && cp->n_actions > 0;
}

static void
limit_deletes(struct ag_plan *p, const struct ag_plan_input *in)
{
	struct ag_buf ids = AG_BUF_INIT(4096);
	size_t i, n = 0;
	char *reason;

	for (i = 0; i < p->n_clusters; i++)
		if (p->clusters[i].status == AG_STATUS_DELETE) {
			if (n > 0)
				(void)ag_buf_adds(&ids, ", ");
			(void)ag_buf_adds(&ids, p->clusters[i].id);
			n++;
		}
	if (n == 0 || (in->max_deletes >= 0 && n <= (size_t)in->max_deletes)) {
		ag_buf_release(&ids);
		return;
	}
	reason = ag_xasprintf("deletion refused: this run would delete %zu clusters (%s) and at "
	                      "most %d may be deleted per run; commit the tombstones separately",
	    n, ids.ptr, in->max_deletes < 0 ? 0 : in->max_deletes);
	for (i = 0; i < p->n_clusters; i++) {
		struct ag_cluster_plan *cp = &p->clusters[i];
		size_t j;

		if (cp->status != AG_STATUS_DELETE)
			continue;
		cp->status = AG_STATUS_BLOCKED;
		set_reason(cp, ag_xstrdup(reason));
		clear_actions(cp);
		for (j = 0; j < cp->n_changes; j++)
			if (strcmp(cp->changes[j].name, "deletion") == 0) {
				cp->changes[j].state = AG_CHANGE_BLOCKED;
				free(cp->changes[j].note);
				cp->changes[j].note = ag_xstrdup(reason);
			}
	}
	free(reason);
	ag_buf_release(&ids);
}

static void
plan_orphans(struct ag_plan *p, const struct ag_plan_input *in)
{
	size_t i;

	for (i = 0; i < in->observed->n_clusters; i++) {
		const struct ag_db_cluster *c = &in->observed->clusters[i];
		struct ag_cluster_plan *cp;

		if (c->id == NULL || find_manifest(in, c->id) != NULL || !in_filter(in, c->id))
			continue;
		if (is_managed(c)) {
			cp = cp_new(p, c->id,
			    in->default_mode == AG_MODE_UNSET ? AG_MODE_PLAN : in->default_mode);
			cp->status = AG_STATUS_ORPHANED;
			cp->reason = ag_xstrdup("tagged managed-by=aurora-gitops but no manifest "
			                        "declares it; it is never "
			                        "deleted automatically (commit a manifest with the "
			                        "aurora-gitops/deletion: "
			                        "delete annotation to delete it)");
		} else if (in->include_unmanaged) {
			cp = cp_new(p, c->id, AG_MODE_OBSERVE);
			cp->status = AG_STATUS_UNMANAGED;
			cp->reason = ag_xstrdup("no manifest declares this cluster (aurora-gitops "
			                        "import writes one)");
		}
	}
}

static int
cmp_cluster(const void *a, const void *b)
{
	const struct ag_cluster_plan *x = a, *y = b;

	return strcmp(x->id, y->id);
}

static void
summarize(struct ag_plan *p)
{
	struct ag_plan_summary *s = &p->summary;
	size_t i;

	memset(s, 0, sizeof(*s));
	for (i = 0; i < p->n_clusters; i++) {
		switch (p->clusters[i].status) {
		case AG_STATUS_UNCHANGED:
			s->unchanged++;
			break;
		case AG_STATUS_CREATE:
			s->create++;
			s->changed++;
			break;
		case AG_STATUS_UPDATE:
			s->update++;
			s->changed++;
			break;
		case AG_STATUS_DELETE:
			s->delete_++;
			s->changed++;
			break;
		case AG_STATUS_BLOCKED:
			s->blocked++;
			s->changed++;
			break;
		case AG_STATUS_SUSPENDED:
			s->suspended++;
			break;
		case AG_STATUS_ORPHANED:
			s->orphaned++;
			break;
		case AG_STATUS_UNMANAGED:
			s->unmanaged++;
			break;
		case AG_STATUS_ERROR:
			s->errors++;
			break;
		}
	}
}

/* Digest of a JSON value: canonical (sorted keys, compact) then SHA-256. */
static void
digest_json(char out[65], const json_t *j)
{
	ag_sha256_json_hex(out, j, JSON_SORT_KEYS | JSON_COMPACT | JSON_ENSURE_ASCII);
}

/* The identity of an action: what is sent, to what, and nothing else. */
static json_t *
action_identity(const struct ag_action *a)
{
	json_t *o = json_object(), *params = json_object();
	size_t i;

	json_object_set_new(o, "kind", json_string(ag_action_kind_name(a->kind)));
	json_object_set_new(o, "api", json_string(a->api));
	json_object_set_new(o, "action", json_string(a->action));
	json_object_set_new(o, "target", a->target != NULL ? json_string(a->target) : json_null());
	for (i = 0; i < a->params.n; i++)
		json_object_set_new(params, a->params.v[i].key, json_string(a->params.v[i].value));
	json_object_set_new(o, "params", params);
	return o;
}

static bool
sends_password(const struct ag_cluster_plan *cp)
{
	size_t i, j;

	for (i = 0; i < cp->n_actions; i++)
		for (j = 0; j < cp->actions[i].params.n; j++)
			if (strcmp(cp->actions[i].params.v[j].value, AG_PLACEHOLDER_PASSWORD) == 0)
				return true;
	return false;
}

void
ag_plan_compute_digests(
    struct ag_plan *p, const struct ag_password_info *passwords, size_t n_passwords)
{
	json_t *all = json_array(), *arr, *o, *one;
	char idle[65] = ""; /* the digest of a cluster with nothing to do */
	size_t i, j;

	for (i = 0; i < p->n_clusters; i++) {
		struct ag_cluster_plan *cp = &p->clusters[i];
		const char *hash = NULL;

		/* no action sends no secret: each such cluster has the same digest */
		if (cp->n_actions == 0 && idle[0] != '\0') {
			memcpy(cp->digest, idle, sizeof(idle));
			continue;
		}
		arr = json_array();
		for (j = 0; j < cp->n_actions; j++)
			json_array_append_new(arr, action_identity(&cp->actions[j]));
		for (j = 0; j < n_passwords && sends_password(cp); j++)
			if (passwords[j].cluster_id != NULL &&
			    strcmp(passwords[j].cluster_id, cp->id) == 0)
				hash = passwords[j].secret_hash;
		one = json_object();
		json_object_set_new(one, "actions", arr);
		if (hash != NULL)
			json_object_set_new(
			    one, "secrets", json_pack("{s:s}", "spec.password", hash));
		digest_json(cp->digest, one);
		if (cp->n_actions == 0)
			memcpy(idle, cp->digest, sizeof(idle));
		if (cp->n_actions > 0) {
			o = json_object();
			json_object_set_new(o, "cluster", json_string(cp->id));
			json_object_update(o, one);
			json_array_append_new(all, o);
		}
		json_decref(one);
	}
	digest_json(p->digest, all);
	json_decref(all);
}

int
ag_plan_compute(struct ag_plan *out, const struct ag_plan_input *in, struct ag_error *err)
{
	struct ag_plan_input local;
	struct ag_plan_index ix;
	size_t i;

	if (in == NULL || in->manifests == NULL || in->observed == NULL)
		return ag_error_set(err, AG_EINVAL,
		    "plan input needs manifests and an observed "
		    "snapshot");
	ag_plan_release(out);
	out->now = in->now;
	index_build(&ix, in);
	local = *in;
	local.index = &ix;
	in = &local;
	for (i = 0; i < in->manifests->n; i++) {
		const struct ag_manifest *m = &in->manifests->v[i];

		if (m->cluster_id == NULL || !in_filter(in, m->cluster_id))
			continue;
		plan_manifest(out, in, m);
	}
	limit_deletes(out, in);
	plan_orphans(out, in);
	for (i = 0; i < out->n_clusters; i++)
		plan_mode(&out->clusters[i]);
	/* the clusters mostly come in order already: the manifests' */
	ag_sort(out->clusters, out->n_clusters, sizeof(*out->clusters), cmp_cluster);
	summarize(out);
	ag_plan_compute_digests(out, in->passwords, in->n_passwords);
	index_release(&ix);
	return 0;
}
