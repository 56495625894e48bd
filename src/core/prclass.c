/*
 * Pull-request change classification: base plan + head plan + the two
 * manifest sets -> this change / drift already there / untouched.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "core/buf.h"
#include "core/error.h"
#include "core/fieldtab.h"
#include "core/mem.h"
#include "core/plan.h"
#include "core/prclass.h"
#include "core/report.h"

#include "core/compat.h"

const char *
ag_pr_group_name(enum ag_pr_group g)
{
	switch (g) {
	case AG_PR_THIS_CHANGE:
		return "this-change";
	case AG_PR_DRIFT:
		return "drift";
	case AG_PR_UNTOUCHED:
		break;
	}
	return "untouched";
}

const char *
ag_pr_edit_name(enum ag_pr_edit e)
{
	switch (e) {
	case AG_PR_EDIT_ADDED:
		return "added";
	case AG_PR_EDIT_REMOVED:
		return "removed";
	case AG_PR_EDIT_MODIFIED:
		return "modified";
	case AG_PR_EDIT_RENAMED:
		return "renamed";
	case AG_PR_EDIT_NONE:
		break;
	}
	return "none";
}

const char *
ag_pr_verdict_name(enum ag_pr_verdict v)
{
	switch (v) {
	case AG_PR_CHANGES:
		return "changes";
	case AG_PR_BLOCKED:
		return "blocked";
	case AG_PR_ERROR:
		return "error";
	case AG_PR_SUCCESS:
		break;
	}
	return "success";
}

void
ag_pr_report_init(struct ag_pr_report *r)
{
	memset(r, 0, sizeof(*r));
}

void
ag_pr_report_release(struct ag_pr_report *r)
{
	size_t i;

	if (r == NULL)
		return;
	for (i = 0; i < r->n; i++) {
		struct ag_pr_cluster *c = &r->v[i];

		free(c->id);
		free(c->renamed_from);
		free(c->reason);
		free(c->path);
		free(c->preexisting);
		ag_strlist_release(&c->lowering);
	}
	free(r->v);
	free(r->base_rev);
	free(r->head_rev);
	free(r->head_commit);
	memset(r, 0, sizeof(*r));
}

/* ---- fingerprint --------------------------------------------------------- */

/* Length-prefixed so that no two different inputs concatenate the same. */
static void
fp_add(struct ag_buf *b, const char *tag, const char *v)
{
	(void)ag_buf_addf(
	    b, "%s:%zu:%s\n", tag, v != NULL ? strlen(v) : (size_t)0, v != NULL ? v : "");
}

static void
fp_kvlist(struct ag_buf *b, const char *tag, const struct ag_kvlist *l)
{
	struct ag_kvlist c = AG_KVLIST_INIT;
	size_t i;

	ag_kvlist_copy(&c, l);
	ag_kvlist_sort(&c);
	for (i = 0; i < c.n; i++) {
		fp_add(b, tag, c.v[i].key);
		fp_add(b, "=", c.v[i].value);
	}
	ag_kvlist_release(&c);
}

void
ag_manifest_fingerprint(char out[65], const struct ag_manifest *m)
{
	struct ag_buf b = AG_BUF_INIT((size_t)1 << 26);
	const struct ag_field_row *rows;
	struct ag_strlist tags = AG_STRLIST_INIT;
	size_t i, n;

	rows = ag_fieldtab_rows(&n);
	for (i = 0; i < n; i++) {
		char *v = NULL;

		if (ag_fieldtab_desired(&v, &rows[i], m))
			fp_add(&b, rows[i].yaml_path, v);
		else
			fp_add(&b, rows[i].yaml_path, "(absent)");
		free(v);
	}
	/* The raw password (sealed or not): a new sealed value is an edit even
	 * when it opens to the same secret. Hashed, never shown. */
	fp_add(&b, "password", m->spec.password);
	for (i = 0; i < m->spec.n_parameters; i++) {
		const struct ag_param *p = &m->spec.parameters[i];

		fp_add(&b, "param", p->name);
		fp_add(&b, "=", p->value);
		fp_add(&b, "method", p->apply_method);
	}
	for (i = 0; i < m->spec.n_instances; i++) {
		const struct ag_instance_spec *is = &m->spec.instances[i];
		const struct ag_pi_spec *pi = ag_instance_pi(is);
		const struct ag_monitoring_spec *mo = ag_instance_monitoring(is);

		fp_add(&b, "instance", is->name);
		fp_add(&b, "class", is->instance_class);
		(void)ag_buf_addf(&b, "tier:%d\n", is->promotion_tier);
		fp_add(&b, "az", is->availability_zone);
		(void)ag_buf_addf(&b, "public:%d pi:%d%d/%d mon:%d%d/%d%d%d\n",
		    is->publicly_accessible, pi->has_enabled, pi->enabled, pi->retention_period,
		    mo->has_interval, mo->interval, mo->has_create_role, mo->create_role,
		    mo->role_arn != NULL);
		fp_add(&b, "pi-kms", pi->kms_key_id);
		fp_add(&b, "mon-role", mo->role_arn);
		fp_add(&b, "mon-role-name", mo->role_name);
	}
	(void)ag_buf_addf(&b, "flags:%d%d%d\n", m->spec.apply_immediately,
	    m->spec.allow_major_version_upgrade, m->spec.auto_minor_version_upgrade);
	fp_add(&b, "slug", m->slug);
	fp_add(&b, "org", m->org);
	fp_add(&b, "env", m->env);
	fp_kvlist(&b, "label", &m->labels);
	fp_kvlist(&b, "annotation", &m->annotations);
	ag_strlist_copy(&tags, &m->tags);
	ag_strlist_sort(&tags);
	for (i = 0; i < tags.n; i++)
		fp_add(&b, "tag", tags.v[i]);
	ag_strlist_release(&tags);
	(void)ag_buf_addf(&b, "mode:%d deletion:%d until:%lld\n", (int)m->mode, (int)m->deletion,
	    (long long)m->suspend_until);
	fp_add(&b, "suspend", m->suspend_reason);
	ag_sha256_hex(out, b.ptr, b.len);
	ag_buf_release(&b);
}

const char *
ag_pr_repo_path(const char *file)
{
	const char *at, *colon;

	if (file == NULL)
		return NULL;
	at = strchr(file, '@');
	colon = strchr(file, ':');
	if (at != NULL && colon != NULL && at < colon)
		return colon + 1;
	return file;
}

/* ---- classification ------------------------------------------------------ */

/* The head plan would do something to this cluster. */
static bool
plan_changes(const struct ag_cluster_plan *cp)
{
	if (cp == NULL)
		return false;
	switch (cp->status) {
	case AG_STATUS_CREATE:
	case AG_STATUS_UPDATE:
	case AG_STATUS_BLOCKED:
	case AG_STATUS_DELETE:
	case AG_STATUS_ORPHANED:
	case AG_STATUS_ERROR:
		return true;
	case AG_STATUS_SUSPENDED:
		return cp->n_changes > 0;
	case AG_STATUS_UNCHANGED:
	case AG_STATUS_UNMANAGED:
		break;
	}
	return false;
}

static bool
same_change(const struct ag_change *a, const struct ag_change *b)
{
	return strcmp(a->path, b->path) == 0 && strcmp(a->committed, b->committed) == 0 &&
	       strcmp(a->live, b->live) == 0;
}

static bool
parse_uint(long *out, const char *s)
{
	long v = 0;

	if (s == NULL || *s == '\0')
		return false;
	for (; *s; s++) {
		if (*s < '0' || *s > '9' || v > 100000000)
			return false;
		v = v * 10 + (*s - '0');
	}
	*out = v;
	return true;
}

/* A comma-separated member of live that committed lacks. */
static bool
set_drops_member(const char *committed, const char *live)
{
	const char *p = live, *q;

	if (strcmp(live, "(absent)") == 0 || *live == '\0')
		return false;
	while (*p) {
		size_t n;
		const char *c = committed;
		bool found = false;

		q = strchr(p, ',');
		n = q != NULL ? (size_t)(q - p) : strlen(p);
		while (*c && !found) {
			const char *e = strchr(c, ',');
			size_t m = e != NULL ? (size_t)(e - c) : strlen(c);

			found = m == n && strncmp(c, p, n) == 0;
			c = e != NULL ? e + 1 : c + m;
		}
		if (!found && n > 0)
			return true;
		p = q != NULL ? q + 1 : p + n;
	}
	return false;
}

static void
add_lowering(struct ag_pr_cluster *pc, const char *what, const char *from, const char *to)
{
	char *s = ag_xasprintf("%s: %s → %s", what, from, to);

	if (!ag_strlist_contains(&pc->lowering, s))
		ag_strlist_add(&pc->lowering, s);
	free(s);
}

/* Changes that lower a protection: turning deletion protection or
 * encryption off, shortening backup retention, dropping log exports,
 * skipping the final snapshot, deleting the cluster. */
static void
find_lowering(struct ag_pr_cluster *pc, const struct ag_manifest *bm, const struct ag_manifest *hm)
{
	const struct ag_cluster_plan *cp = pc->head;
	size_t i;

	for (i = 0; cp != NULL && i < cp->n_changes; i++) {
		const struct ag_change *c = &cp->changes[i];
		long a, b;

		switch (c->field) {
		case AG_F_DELETION_PROTECTION:
		case AG_F_STORAGE_ENCRYPTED:
			if (strcmp(c->committed, "false") == 0 && strcmp(c->live, "true") == 0)
				add_lowering(pc, c->path, "true", "false");
			break;
		case AG_F_BACKUP_RETENTION_PERIOD:
			if (parse_uint(&a, c->committed) && parse_uint(&b, c->live) && a < b)
				add_lowering(pc, c->path, c->live, c->committed);
			break;
		case AG_F_ENABLED_CLOUDWATCH_LOGS_EXPORTS:
			if (set_drops_member(c->committed, c->live))
				add_lowering(pc, c->path, c->live, c->committed);
			break;
		default:
			break;
		}
	}
	if (cp != NULL && cp->status == AG_STATUS_DELETE)
		add_lowering(pc, "cluster", "kept", "deleted");
	if (bm != NULL && hm != NULL) {
		if (!bm->spec.skip_final_snapshot && hm->spec.skip_final_snapshot)
			add_lowering(pc, "spec.skipFinalSnapshot", "false", "true");
		if (bm->spec.deletion_protection && !hm->spec.deletion_protection)
			add_lowering(pc, "spec.deletionProtection", "true", "false");
	}
}

static struct ag_pr_cluster *
add_cluster(struct ag_pr_report *r, const char *id)
{
	struct ag_pr_cluster *c;

	AG_GROW(r->v, r->cap, r->n + 1);
	c = &r->v[r->n++];
	memset(c, 0, sizeof(*c));
	c->id = ag_xstrdup(id);
	ag_strlist_init(&c->lowering);
	return c;
}

static void
set_location(struct ag_pr_cluster *pc, const struct ag_manifest *m)
{
	if (m == NULL)
		return;
	pc->path = ag_xstrdup(ag_pr_repo_path(m->file));
	pc->line = m->id_pos.line > 0 ? m->id_pos.line : m->pos.line;
}

/* A manifest of base whose id is gone at head, renamed into an added one
 * when both are the same document of the same file. (Equal content alone
 * is no evidence: new clusters are often copied from old ones.) */
static const struct ag_manifest *
rename_source(const struct ag_pr_input *in, const struct ag_manifest *added)
{
	size_t i;

	for (i = 0; i < in->base->n; i++) {
		const struct ag_manifest *bm = &in->base->v[i];
		const char *pa, *pb;

		if (ag_manifest_set_find(in->head, bm->cluster_id) != NULL)
			continue;
		pa = ag_pr_repo_path(added->file);
		pb = ag_pr_repo_path(bm->file);
		if (pa != NULL && pb != NULL && strcmp(pa, pb) == 0 &&
		    added->doc_index == bm->doc_index)
			return bm;
	}
	return NULL;
}

static bool
renamed_away(const struct ag_pr_report *r, const char *id)
{
	size_t i;

	for (i = 0; i < r->n; i++)
		if (r->v[i].renamed_from != NULL && strcmp(r->v[i].renamed_from, id) == 0)
			return true;
	return false;
}

static void
classify_one(struct ag_pr_report *r, const struct ag_pr_input *in, const char *id,
    const struct ag_cluster_plan *hp)
{
	const struct ag_manifest *bm = ag_manifest_set_find(in->base, id);
	const struct ag_manifest *hm = ag_manifest_set_find(in->head, id);
	const struct ag_manifest *from = NULL;
	struct ag_pr_cluster *pc;
	char fb[65], fh[65];
	size_t i, j;

	if (hm != NULL && bm == NULL)
		from = rename_source(in, hm);
	pc = add_cluster(r, id);
	pc->head = hp;
	pc->base = ag_plan_find(in->base_plan, id);
	set_location(pc, hm != NULL ? hm : bm);
	if (from != NULL) {
		pc->edit = AG_PR_EDIT_RENAMED;
		pc->renamed_from = ag_xstrdup(from->cluster_id);
		pc->old_head = ag_plan_find(in->head_plan, from->cluster_id);
		pc->blocked = true;
		pc->reason = ag_xasprintf(
		    "the cluster identifier changed from '%s' to '%s': RDS clusters are not "
		    "renamed by this agent; merging would create a new, empty cluster '%s' and "
		    "orphan '%s' (never deleted). Keep the identifier, or add the new cluster "
		    "and retire the old one in separate pull requests",
		    from->cluster_id, id, id, from->cluster_id);
	} else if (hm != NULL && bm == NULL) {
		pc->edit = AG_PR_EDIT_ADDED;
	} else if (hm == NULL && bm != NULL) {
		pc->edit = AG_PR_EDIT_REMOVED;
	} else if (hm != NULL && bm != NULL) {
		ag_manifest_fingerprint(fb, bm);
		ag_manifest_fingerprint(fh, hm);
		pc->edit = strcmp(fb, fh) != 0 ? AG_PR_EDIT_MODIFIED : AG_PR_EDIT_NONE;
	}
	if (hp != NULL && hp->status == AG_STATUS_BLOCKED) {
		pc->blocked = true;
		if (pc->reason == NULL && hp->reason != NULL)
			pc->reason = ag_xstrdup(hp->reason);
	}
	if (pc->edit != AG_PR_EDIT_NONE)
		pc->group = AG_PR_THIS_CHANGE;
	else if (plan_changes(hp))
		pc->group = AG_PR_DRIFT;
	else
		pc->group = AG_PR_UNTOUCHED;
	if (hp != NULL && hp->n_changes > 0) {
		pc->preexisting = ag_xcalloc(hp->n_changes, sizeof(*pc->preexisting));
		/* a cluster that does not exist yet has no drift: creating it
		 * is not "already there" */
		for (i = 0;
		     pc->base != NULL && pc->base->status != AG_STATUS_CREATE && i < hp->n_changes;
		     i++)
			for (j = 0; j < pc->base->n_changes && !pc->preexisting[i]; j++)
				pc->preexisting[i] =
				    same_change(&hp->changes[i], &pc->base->changes[j]);
	}
	find_lowering(pc, bm, hm);
}

static int
group_rank(const struct ag_pr_cluster *c)
{
	return (int)c->group * 4 + (c->blocked ? 0 : 2) + (c->lowering.n > 0 ? 0 : 1);
}

static int
cmp_cluster(const void *a, const void *b)
{
	const struct ag_pr_cluster *x = a, *y = b;
	int rx = group_rank(x), ry = group_rank(y);

	if (rx != ry)
		return rx < ry ? -1 : 1;
	return strcmp(x->id, y->id);
}

int
ag_pr_classify(struct ag_pr_report *out, const struct ag_pr_input *in, struct ag_error *err)
{
	struct ag_pr_summary *s = &out->summary;
	size_t i;

	if (in == NULL || in->base_plan == NULL || in->head_plan == NULL || in->base == NULL ||
	    in->head == NULL)
		return ag_error_set(err, AG_EINVAL,
		    "pull-request classification needs both plans "
		    "and both manifest sets");
	out->base_rev = ag_xstrdup(in->base_rev);
	out->head_rev = ag_xstrdup(in->head_rev);
	out->head_commit = ag_xstrdup(in->head_commit);
	memcpy(out->head_digest, in->head_plan->digest, sizeof(out->head_digest));

	/* Renames first: an added id claims the removed one it came from. */
	for (i = 0; i < in->head_plan->n_clusters; i++) {
		const struct ag_cluster_plan *hp = &in->head_plan->clusters[i];

		if (hp->status == AG_STATUS_UNMANAGED)
			continue;
		if (ag_manifest_set_find(in->head, hp->id) != NULL &&
		    ag_manifest_set_find(in->base, hp->id) == NULL)
			classify_one(out, in, hp->id, hp);
	}
	for (i = 0; i < in->head_plan->n_clusters; i++) {
		const struct ag_cluster_plan *hp = &in->head_plan->clusters[i];

		if (hp->status == AG_STATUS_UNMANAGED)
			continue;
		if (ag_manifest_set_find(in->head, hp->id) != NULL &&
		    ag_manifest_set_find(in->base, hp->id) == NULL)
			continue;
		if (renamed_away(out, hp->id))
			continue;
		classify_one(out, in, hp->id, hp);
	}
	/* Removed manifests whose cluster does not exist: no head plan entry. */
	for (i = 0; i < in->base->n; i++) {
		const char *id = in->base->v[i].cluster_id;

		if (ag_manifest_set_find(in->head, id) != NULL ||
		    ag_plan_find(in->head_plan, id) != NULL || renamed_away(out, id))
			continue;
		classify_one(out, in, id, NULL);
	}
	qsort(out->v, out->n, sizeof(*out->v), cmp_cluster);

	memset(s, 0, sizeof(*s));
	for (i = 0; i < out->n; i++) {
		const struct ag_pr_cluster *c = &out->v[i];

		switch (c->group) {
		case AG_PR_THIS_CHANGE:
			s->this_change++;
			break;
		case AG_PR_DRIFT:
			s->drift++;
			break;
		case AG_PR_UNTOUCHED:
			s->untouched++;
			break;
		}
		s->added += c->edit == AG_PR_EDIT_ADDED;
		s->removed += c->edit == AG_PR_EDIT_REMOVED;
		s->modified += c->edit == AG_PR_EDIT_MODIFIED;
		s->renamed += c->edit == AG_PR_EDIT_RENAMED;
		s->blocked += c->group == AG_PR_THIS_CHANGE && c->blocked;
		s->lowering += c->lowering.n > 0;
		s->errors += c->head != NULL && c->head->status == AG_STATUS_ERROR;
		s->changed += plan_changes(c->head) || c->edit == AG_PR_EDIT_RENAMED;
	}
	if (s->errors > 0)
		out->verdict = AG_PR_ERROR;
	else if (s->blocked > 0)
		out->verdict = AG_PR_BLOCKED;
	else if (s->changed > 0)
		out->verdict = AG_PR_CHANGES;
	else
		out->verdict = AG_PR_SUCCESS;
	return 0;
}

/* ---- JSON ---------------------------------------------------------------- */

static json_t *
strlist_json(const struct ag_strlist *l)
{
	json_t *a = json_array();
	size_t i;

	for (i = 0; i < l->n; i++)
		json_array_append_new(a, json_string(l->v[i]));
	return a;
}

static json_t *
cluster_json(const struct ag_pr_cluster *c)
{
	json_t *o = json_object(), *pre = json_array();
	size_t i;

	json_object_set_new(o, "id", json_string(c->id));
	json_object_set_new(o, "group", json_string(ag_pr_group_name(c->group)));
	json_object_set_new(o, "edit", json_string(ag_pr_edit_name(c->edit)));
	if (c->renamed_from != NULL)
		json_object_set_new(o, "renamed_from", json_string(c->renamed_from));
	json_object_set_new(o, "blocked", json_boolean(c->blocked));
	if (c->reason != NULL)
		json_object_set_new(o, "reason", json_string(c->reason));
	json_object_set_new(o, "lowers_protection", strlist_json(&c->lowering));
	if (c->path != NULL) {
		json_t *m = json_object();

		json_object_set_new(m, "path", json_string(c->path));
		json_object_set_new(m, "line", json_integer(c->line));
		json_object_set_new(o, "manifest", m);
	}
	for (i = 0; c->head != NULL && c->preexisting != NULL && i < c->head->n_changes; i++)
		if (c->preexisting[i])
			json_array_append_new(pre, json_string(c->head->changes[i].path));
	json_object_set_new(o, "drift_in_base", pre);
	json_object_set_new(
	    o, "plan", c->head != NULL ? ag_cluster_plan_json(c->head) : json_null());
	if (c->old_head != NULL)
		json_object_set_new(o, "old_plan", ag_cluster_plan_json(c->old_head));
	return o;
}

json_t *
ag_pr_report_json(const struct ag_pr_report *r)
{
	const struct ag_pr_summary *s = &r->summary;
	json_t *o = json_object(), *sum = json_object(), *cl = json_array(), *base, *head;
	size_t i;

	json_object_set_new(o, "version", json_integer(1));
	json_object_set_new(o, "kind", json_string("aurora-gitops-pr-report"));
	base = json_object();
	json_object_set_new(base, "revision", json_string(r->base_rev ? r->base_rev : ""));
	json_object_set_new(o, "base", base);
	head = json_object();
	json_object_set_new(head, "revision", json_string(r->head_rev ? r->head_rev : ""));
	json_object_set_new(
	    head, "commit", r->head_commit ? json_string(r->head_commit) : json_null());
	json_object_set_new(head, "plan_digest", json_string(r->head_digest));
	json_object_set_new(o, "head", head);
	json_object_set_new(o, "verdict", json_string(ag_pr_verdict_name(r->verdict)));
#define SUM(k) json_object_set_new(sum, #k, json_integer((json_int_t)s->k))
	SUM(this_change);
	SUM(drift);
	SUM(untouched);
	SUM(added);
	SUM(removed);
	SUM(modified);
	SUM(renamed);
	SUM(blocked);
	SUM(lowering);
	SUM(errors);
	SUM(changed);
#undef SUM
	json_object_set_new(o, "summary", sum);
	for (i = 0; i < r->n; i++)
		json_array_append_new(cl, cluster_json(&r->v[i]));
	json_object_set_new(o, "clusters", cl);
	return o;
}
