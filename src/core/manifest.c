/*
 * The manifest model: field names, lifetime, lookups and the checks that
 * span several manifests.
 */
#include "core/manifest.h"
#include "core/error.h"
#include "core/fieldtab.h"
#include "core/alarms.h"
#include "core/bug.h"
#include "core/insights.h"
#include "core/mem.h"
#include "core/ref.h"
#include "core/sort.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sodium.h>

#include "core/compat.h"

const char *
ag_field_yaml_name(enum ag_field f)
{
	if ((unsigned)f >= AG_F__COUNT)
		return NULL;
	return ag_fieldtab_key(ag_fieldtab_row(f));
}

void
ag_manifest_set_field(struct ag_manifest *m, enum ag_field f, struct ag_pos pos)
{
	size_t n = (size_t)__builtin_popcountll(m->present), at;

	if ((unsigned)f >= AG_F__COUNT)
		AG_BUG("ag_manifest_set_field: field out of range");
	at = (size_t)__builtin_popcountll(m->present & ((UINT64_C(1) << (unsigned)f) - 1u));
	if (!ag_manifest_has(m, f)) {
		/* exactly one more: most manifests write a handful of fields */
		m->field_pos = ag_xrealloc(m->field_pos, (n + 1) * sizeof(*m->field_pos));
		memmove(&m->field_pos[at + 1], &m->field_pos[at], (n - at) * sizeof(*m->field_pos));
		m->present |= UINT64_C(1) << (unsigned)f;
	}
	m->field_pos[at] = pos;
}

void
ag_manifest_set_fields(struct ag_manifest *m, uint64_t fields, const struct ag_pos *pos)
{
	uint64_t all = m->present | fields, bit;
	struct ag_pos *v;
	size_t k = 0, old = 0;
	unsigned f;

	if (AG_F__COUNT < 64 && (fields >> (AG_F__COUNT % 64)) != 0)
		AG_BUG("ag_manifest_set_fields: field out of range");
	if (fields == 0)
		return;
	v = ag_xmalloc((size_t)__builtin_popcountll(all) * sizeof(*v));
	for (f = 0; f < AG_F__COUNT; f++) {
		bit = UINT64_C(1) << f;
		if ((all & bit) == 0)
			continue;
		v[k++] = (fields & bit) != 0 ? pos[f] : m->field_pos[old];
		if ((m->present & bit) != 0)
			old++;
	}
	free(m->field_pos);
	m->field_pos = v;
	m->present = all;
}

/* The optional blocks: an all-zero instance to read when one is not
 * written, and the writer that makes it on the first write. */
#define SPEC_BLOCK(type, make)                                                                     \
	const struct type type##_unwritten;                                                        \
	struct type *make(struct type **slot)                                                      \
	{                                                                                          \
		if (*slot == NULL)                                                                 \
			*slot = ag_xcalloc(1, sizeof(**slot));                                     \
		return *slot;                                                                      \
	}
SPEC_BLOCK(ag_pi_spec, ag_pi_spec_make)
SPEC_BLOCK(ag_monitoring_spec, ag_monitoring_spec_make)
SPEC_BLOCK(ag_alarms_spec, ag_alarms_spec_make)
SPEC_BLOCK(ag_kms_key_spec, ag_kms_key_spec_make)
SPEC_BLOCK(ag_autoscaling_spec, ag_autoscaling_spec_make)
SPEC_BLOCK(ag_scaling_v1, ag_scaling_v1_make)
#undef SPEC_BLOCK

/* Frees the block *slot with what it owns (release_fn frees its members)
 * and leaves the slot NULL: not written. */
#define FREE_BLOCK(slot, release_fn)                                                               \
	do {                                                                                       \
		if ((slot) != NULL) {                                                              \
			release_fn(slot);                                                          \
			free(slot);                                                                \
			(slot) = NULL;                                                             \
		}                                                                                  \
	} while (0)

void
ag_pi_spec_free(struct ag_pi_spec **slot)
{
	FREE_BLOCK(*slot, ag_pi_spec_release);
}

void
ag_monitoring_spec_free(struct ag_monitoring_spec **slot)
{
	FREE_BLOCK(*slot, ag_monitoring_spec_release);
}

static void
kms_key_release(struct ag_kms_key_spec *k)
{
	free(k->alias);
}

static void
autoscaling_release(struct ag_autoscaling_spec *a)
{
	free(a->metric);
}

static void
scaling_v1_release(struct ag_scaling_v1 *s)
{
	free(s->timeout_action);
}

void
ag_instance_spec_release(struct ag_instance_spec *in)
{
	free(in->name);
	free(in->instance_class);
	free(in->availability_zone);
	ag_pi_spec_free(&in->opt_pi);
	ag_monitoring_spec_free(&in->opt_monitoring);
	memset(in, 0, sizeof(*in));
}

void
ag_manifest_set_init(struct ag_manifest_set *s)
{
	memset(s, 0, sizeof(*s));
}

static void
cluster_spec_release(struct ag_cluster_spec *c)
{
	size_t i;

	if (c->password)
		sodium_memzero(c->password, strlen(c->password));
	ag_fieldtab_release_spec(c);
	for (i = 0; i < c->n_parameters; i++) {
		free(c->parameters[i].name);
		free(c->parameters[i].value);
		free(c->parameters[i].apply_method);
	}
	free(c->parameters);
	for (i = 0; i < c->n_instances; i++)
		ag_instance_spec_release(&c->instances[i]);
	free(c->instances);
	ag_pi_spec_free(&c->opt_pi);
	ag_monitoring_spec_free(&c->opt_monitoring);
	FREE_BLOCK(c->opt_alarms, ag_alarms_spec_release);
	FREE_BLOCK(c->opt_kms_key, kms_key_release);
	FREE_BLOCK(c->opt_autoscaling, autoscaling_release);
	FREE_BLOCK(c->opt_scaling_v1, scaling_v1_release);
	memset(c, 0, sizeof(*c));
}

void
ag_manifest_release(struct ag_manifest *m)
{
	if (m == NULL)
		return;
	free(m->file);
	free(m->name);
	free(m->id);
	free(m->slug);
	free(m->org);
	free(m->env);
	ag_kvlist_release(&m->labels);
	ag_kvlist_release(&m->annotations);
	ag_strlist_release(&m->tags);
	cluster_spec_release(&m->spec);
	for (size_t i = 0; i < m->n_refs; i++)
		ag_ref_release(&m->refs[i]);
	free(m->refs);
	free(m->cluster_id);
	free(m->suspend_reason);
	free(m->field_pos);
	memset(m, 0, sizeof(*m));
}

/* In a copy, replaces the block *slot (shared with the original) by a copy
 * of its own, then own_fn replaces the strings it points to likewise. */
#define OWN_BLOCK(slot, own_fn)                                                                    \
	do {                                                                                       \
		if ((slot) != NULL) {                                                              \
			void *own_copy_ = ag_xmalloc(sizeof(*(slot)));                             \
			memcpy(own_copy_, (slot), sizeof(*(slot)));                                \
			(slot) = own_copy_;                                                        \
			own_fn(slot);                                                              \
		}                                                                                  \
	} while (0)

static void
pi_own(struct ag_pi_spec *p)
{
	p->kms_key_id = ag_xstrdup(p->kms_key_id);
}

static void
monitoring_own(struct ag_monitoring_spec *p)
{
	p->role_arn = ag_xstrdup(p->role_arn);
	p->role_name = ag_xstrdup(p->role_name);
}

static void
alarms_own(struct ag_alarms_spec *a)
{
	a->sns_topic_arn = ag_xstrdup(a->sns_topic_arn);
}

static void
kms_key_own(struct ag_kms_key_spec *k)
{
	k->alias = ag_xstrdup(k->alias);
}

static void
autoscaling_own(struct ag_autoscaling_spec *a)
{
	a->metric = ag_xstrdup(a->metric);
}

static void
scaling_v1_own(struct ag_scaling_v1 *s)
{
	s->timeout_action = ag_xstrdup(s->timeout_action);
}

/* The inverse of cluster_spec_release on a shallow copy: every member it
 * frees gets a copy of its own. */
static void
cluster_spec_own(struct ag_cluster_spec *c)
{
	struct ag_param *params = c->parameters;
	struct ag_instance_spec *insts = c->instances;
	size_t i;

	ag_fieldtab_own_spec(c);
	c->parameters = NULL;
	if (c->n_parameters > 0) {
		c->parameters = ag_xcalloc(c->n_parameters, sizeof(*c->parameters));
		for (i = 0; i < c->n_parameters; i++) {
			c->parameters[i] = params[i];
			c->parameters[i].name = ag_xstrdup(params[i].name);
			c->parameters[i].value = ag_xstrdup(params[i].value);
			c->parameters[i].apply_method = ag_xstrdup(params[i].apply_method);
		}
	}
	c->instances = NULL;
	if (c->n_instances > 0) {
		c->instances = ag_xcalloc(c->n_instances, sizeof(*c->instances));
		for (i = 0; i < c->n_instances; i++) {
			struct ag_instance_spec *in = &c->instances[i];

			*in = insts[i];
			in->name = ag_xstrdup(in->name);
			in->instance_class = ag_xstrdup(in->instance_class);
			in->availability_zone = ag_xstrdup(in->availability_zone);
			OWN_BLOCK(in->opt_pi, pi_own);
			OWN_BLOCK(in->opt_monitoring, monitoring_own);
		}
	}
	OWN_BLOCK(c->opt_pi, pi_own);
	OWN_BLOCK(c->opt_monitoring, monitoring_own);
	OWN_BLOCK(c->opt_alarms, alarms_own);
	OWN_BLOCK(c->opt_kms_key, kms_key_own);
	OWN_BLOCK(c->opt_autoscaling, autoscaling_own);
	OWN_BLOCK(c->opt_scaling_v1, scaling_v1_own);
}

void
ag_manifest_copy(struct ag_manifest *dst, const struct ag_manifest *src)
{
	size_t i;

	/* scalars by assignment, then every member ag_manifest_release frees
	 * replaced by a copy: a member missed here would be freed twice, which
	 * the copy's unit test (under ASan) catches */
	*dst = *src;
	dst->file = ag_xstrdup(src->file);
	dst->name = ag_xstrdup(src->name);
	dst->id = ag_xstrdup(src->id);
	dst->slug = ag_xstrdup(src->slug);
	dst->org = ag_xstrdup(src->org);
	dst->env = ag_xstrdup(src->env);
	ag_kvlist_init(&dst->labels);
	ag_kvlist_copy(&dst->labels, &src->labels);
	ag_kvlist_init(&dst->annotations);
	ag_kvlist_copy(&dst->annotations, &src->annotations);
	ag_strlist_init(&dst->tags);
	ag_strlist_copy(&dst->tags, &src->tags);
	cluster_spec_own(&dst->spec);
	dst->refs = NULL;
	if (src->n_refs > 0) {
		dst->refs = ag_xcalloc(src->n_refs, sizeof(*dst->refs));
		for (i = 0; i < src->n_refs; i++) {
			const struct ag_ref *r = &src->refs[i];

			dst->refs[i] = *r;
			dst->refs[i].kind = ag_xstrdup(r->kind);
			dst->refs[i].name = ag_xstrdup(r->name);
			dst->refs[i].field_path = ag_xstrdup(r->field_path);
			dst->refs[i].env = ag_xstrdup(r->env);
			dst->refs[i].value = ag_xstrdup(r->value);
			dst->refs[i].error = ag_xstrdup(r->error);
		}
	}
	dst->cluster_id = ag_xstrdup(src->cluster_id);
	dst->suspend_reason = ag_xstrdup(src->suspend_reason);
	dst->field_pos = NULL;
	if (src->present != 0) {
		size_t n = (size_t)__builtin_popcountll(src->present);

		dst->field_pos = ag_xmalloc(n * sizeof(*dst->field_pos));
		memcpy(dst->field_pos, src->field_pos, n * sizeof(*dst->field_pos));
	}
}

void
ag_manifest_set_release(struct ag_manifest_set *s)
{
	size_t i;

	if (s == NULL)
		return;
	for (i = 0; i < s->n; i++)
		ag_manifest_release(&s->v[i]);
	free(s->v);
	ag_manifest_set_init(s);
}

/* Case-insensitive search for "agsealed" anywhere in s. */
static bool
mentions_sealed(const char *s)
{
	static const char mark[] = "agsealed";
	size_t i, j;

	for (i = 0; s[i]; i++) {
		for (j = 0; mark[j] && s[i + j]; j++) {
			char c = s[i + j];

			if (c >= 'A' && c <= 'Z')
				c = (char)(c - 'A' + 'a');
			if (c != mark[j])
				break;
		}
		if (mark[j] == '\0')
			return true;
	}
	return false;
}

bool
ag_manifest_is_sealed(const char *s)
{
	return s != NULL && mentions_sealed(s);
}

const char *
ag_manifest_sealed_problem(const char *s)
{
	static const char prefix[] = "AGSEALED:v1:";
	const char *p, *id;
	size_t n;

	if (s == NULL || !mentions_sealed(s))
		return NULL;
	if (strncmp(s, prefix, sizeof(prefix) - 1) != 0) {
		if (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')
			return "it starts with white space";
		if (strncmp(s, "AGSEALED:", 9) == 0 && s[9] == 'v' && strncmp(s, prefix, 12) != 0)
			return "only format v1 ('AGSEALED:v1:') is read";
		if (strncmp(s, "AGSEALED", 8) != 0 && strncasecmp(s, "AGSEALED", 8) == 0)
			return "'AGSEALED' must be upper case";
		return "it must start with exactly 'AGSEALED:v1:'";
	}
	id = p = s + sizeof(prefix) - 1;
	if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9')))
		return "the key id must start with a lower-case letter or a digit";
	for (p++; (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '.' || *p == '_' ||
	          *p == '-';
	     p++)
		;
	if (p - id > 63)
		return "the key id is longer than 63 characters";
	if (*p != ':')
		return "the key id must be followed by ':' (key ids are [a-z0-9._-])";
	for (n = 0, p++; (*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
	                 (*p >= '0' && *p <= '9') || *p == '_' || *p == '-';
	     p++, n++)
		;
	if (n == 0)
		return "there is no data after the key id";
	if (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
		return "it ends with white space";
	if (*p != '\0')
		return "the data holds a character that is not base64url ([A-Za-z0-9_-])";
	if (n % 4 == 1)
		return "the data is not valid base64url (its length is wrong)";
	return NULL;
}

const struct ag_manifest *
ag_manifest_set_find(const struct ag_manifest_set *set, const char *cluster_id)
{
	size_t i;

	for (i = 0; i < set->n; i++)
		if (set->v[i].cluster_id && strcmp(set->v[i].cluster_id, cluster_id) == 0)
			return &set->v[i];
	return NULL;
}

static int
cmp_by_id(const void *a, const void *b)
{
	const struct ag_manifest *x = *(const struct ag_manifest *const *)a;
	const struct ag_manifest *y = *(const struct ag_manifest *const *)b;
	int c = strcmp(x->cluster_id ? x->cluster_id : "", y->cluster_id ? y->cluster_id : "");

	if (c)
		return c;
	/* keep the input order among equals: the first one is the original */
	return x < y ? -1 : (x > y);
}

struct inst_ref {
	const struct ag_manifest *m;
	const struct ag_instance_spec *in;
	size_t order;
};

static int
cmp_inst(const void *a, const void *b)
{
	const struct inst_ref *x = a, *y = b;
	int c = strcmp(x->in->name, y->in->name);

	if (c)
		return c;
	return x->order < y->order ? -1 : (x->order > y->order);
}

/* DB instance identifiers are unique in an account and region, so two
 * clusters must not name the same instance. */
static int
check_instance_names(const struct ag_manifest_set *set, struct ag_diags *diags)
{
	struct inst_ref *v;
	size_t i, j, n = 0, total = 0;
	int rc = 0;

	for (i = 0; i < set->n; i++)
		total += set->v[i].spec.n_instances;
	if (total < 2)
		return 0;
	v = ag_xcalloc(total, sizeof(*v));
	for (i = 0; i < set->n; i++)
		for (j = 0; j < set->v[i].spec.n_instances; j++) {
			if (set->v[i].spec.instances[j].name == NULL)
				continue;
			v[n].m = &set->v[i];
			v[n].in = &set->v[i].spec.instances[j];
			v[n].order = n;
			n++;
		}
	ag_sort(v, n, sizeof(*v), cmp_inst); /* a sorted walk's files: mostly in order */
	for (i = 1; i < n; i++) {
		if (strcmp(v[i].in->name, v[i - 1].in->name) != 0 || v[i].m == v[i - 1].m)
			continue; /* twice in one manifest is reported by the loader */
		ag_diags_add(diags, AG_DIAG_ERROR, v[i].m->file, v[i].in->pos.line,
		    v[i].in->pos.col, NULL, "spec.instances",
		    "instance '%s' of cluster '%s' is also defined at %s:%u:%u (cluster '%s')",
		    v[i].in->name, v[i].m->cluster_id ? v[i].m->cluster_id : "", v[i - 1].m->file,
		    v[i - 1].in->pos.line, v[i - 1].in->pos.col,
		    v[i - 1].m->cluster_id ? v[i - 1].m->cluster_id : "");
		rc = AG_EINVAL;
	}
	free(v);
	return rc;
}

int
ag_manifest_set_check(const struct ag_manifest_set *set, struct ag_diags *diags)
{
	const struct ag_manifest **v, *first, *cur;
	size_t i;
	int rc = 0;

	if (set->n < 2)
		return 0;
	rc = check_instance_names(set, diags);
	v = ag_xcalloc(set->n, sizeof(*v));
	for (i = 0; i < set->n; i++)
		v[i] = &set->v[i];
	ag_sort(v, set->n, sizeof(*v), cmp_by_id);
	first = v[0];
	for (i = 1; i < set->n; i++) {
		cur = v[i];
		if (cur->cluster_id == NULL || first->cluster_id == NULL ||
		    strcmp(cur->cluster_id, first->cluster_id) != 0) {
			first = cur;
			continue;
		}
		ag_diags_add(diags, AG_DIAG_ERROR, cur->file, cur->id_pos.line, cur->id_pos.col,
		    NULL, cur->id && cur->id[0] ? "metadata.id" : "metadata.name",
		    "cluster '%s' is also defined at %s:%u:%u", cur->cluster_id, first->file,
		    first->id_pos.line, first->id_pos.col);
		rc = AG_EINVAL;
	}
	free(v);
	return rc;
}

static int
cmp_str_ptr(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Sorts v and removes repeats; returns the new count. */
static size_t
sort_unique(const char **v, size_t n)
{
	size_t i, out = 0;

	if (n == 0)
		return 0;
	qsort(v, n, sizeof(*v), cmp_str_ptr);
	for (i = 1, out = 1; i < n; i++)
		if (strcmp(v[i], v[out - 1]) != 0)
			v[out++] = v[i];
	return out;
}

static bool
sorted_has(const char *const *v, size_t n, const char *s)
{
	return s != NULL && n > 0 && bsearch(&s, v, n, sizeof(*v), cmp_str_ptr) != NULL;
}

int
ag_manifest_set_drop_invalid(
    struct ag_manifest_set *set, const struct ag_diags *diags, struct ag_strlist *bad_files)
{
	/* sorted sets of the bad files and of the clusters they name: a
	 * fleet-wide commit with many bad files stays O(N log N) */
	const char **files = ag_xcalloc(diags->n + 1, sizeof(*files));
	const char **ids = ag_xcalloc(set->n + 1, sizeof(*ids));
	bool *listed, *drop;
	size_t i, n_files = 0, n_ids = 0, kept = 0;

	for (i = 0; i < diags->n; i++) {
		if (diags->v[i].severity != AG_DIAG_ERROR)
			continue;
		if (diags->v[i].file == NULL) {
			free(files);
			free(ids);
			return AG_EINVAL;
		}
		files[n_files++] = diags->v[i].file;
	}
	n_files = sort_unique(files, n_files);
	for (i = 0; i < set->n; i++)
		if (set->v[i].cluster_id && sorted_has(files, n_files, set->v[i].file))
			ids[n_ids++] = set->v[i].cluster_id;
	n_ids = sort_unique(ids, n_ids);
	/* the files once each, in the order of diags (before any is freed:
	 * the names point into diags, which stays) */
	listed = ag_xcalloc(n_files + 1, sizeof(*listed));
	for (i = 0; i < diags->n; i++) {
		const char **at;

		if (diags->v[i].severity != AG_DIAG_ERROR)
			continue;
		at = bsearch(&diags->v[i].file, files, n_files, sizeof(*files), cmp_str_ptr);
		if (at != NULL && !listed[at - files]) {
			listed[at - files] = true;
			ag_strlist_add(bad_files, diags->v[i].file);
		}
	}
	free(listed);
	/* decided for every manifest first: ids point into the manifests */
	drop = ag_xcalloc(set->n + 1, sizeof(*drop));
	for (i = 0; i < set->n; i++)
		drop[i] = sorted_has(files, n_files, set->v[i].file) ||
		          sorted_has(ids, n_ids, set->v[i].cluster_id);
	for (i = 0; i < set->n; i++) {
		if (drop[i]) {
			ag_manifest_release(&set->v[i]);
			continue;
		}
		if (kept != i)
			set->v[kept] = set->v[i];
		kept++;
	}
	set->n = kept;
	free(drop);
	free(files);
	free(ids);
	return 0;
}
