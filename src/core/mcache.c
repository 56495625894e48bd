/*
 * The manifest cache: a hash table of files keyed by (content id, path),
 * chained, grown when it holds more entries than buckets.
 */
#include "core/mcache.h"
#include "core/mem.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/compat.h"

struct entry {
	struct entry *next;
	uint64_t hash;
	char *blob;
	char *path;
	char *parsed_as; /* the name the manifests and diagnostics carry */
	struct ag_manifest *v;
	size_t n;
	struct ag_diags diags;
	int rc;
	unsigned long seen; /* generation of the last load that saw it */
};

struct ag_mcache {
	struct entry **buckets;
	size_t n_buckets; /* a power of two */
	size_t n_entries;
	size_t n_manifests;
	char *context;
	unsigned long gen;
	size_t hits, misses, dropped;
};

/* FNV-1a over blob, a NUL, and path. */
static uint64_t
key_hash(const char *blob, const char *path)
{
	uint64_t h = 1469598103934665603ULL;
	const unsigned char *p;

	for (p = (const unsigned char *)blob; *p; p++)
		h = (h ^ *p) * 1099511628211ULL;
	h = (h ^ 0) * 1099511628211ULL;
	for (p = (const unsigned char *)path; *p; p++)
		h = (h ^ *p) * 1099511628211ULL;
	return h;
}

static void
entry_free(struct ag_mcache *c, struct entry *e)
{
	size_t i;

	for (i = 0; i < e->n; i++)
		ag_manifest_release(&e->v[i]);
	c->n_manifests -= e->n;
	free(e->v);
	ag_diags_release(&e->diags);
	free(e->blob);
	free(e->path);
	free(e->parsed_as);
	free(e);
}

static void
clear(struct ag_mcache *c)
{
	size_t i;

	for (i = 0; i < c->n_buckets; i++) {
		while (c->buckets[i] != NULL) {
			struct entry *e = c->buckets[i];

			c->buckets[i] = e->next;
			entry_free(c, e);
		}
	}
	c->n_entries = 0;
}

struct ag_mcache *
ag_mcache_new(void)
{
	struct ag_mcache *c = ag_xcalloc(1, sizeof(*c));

	c->n_buckets = 64;
	c->buckets = ag_xcalloc(c->n_buckets, sizeof(*c->buckets));
	return c;
}

void
ag_mcache_free(struct ag_mcache *c)
{
	if (c == NULL)
		return;
	clear(c);
	free(c->buckets);
	free(c->context);
	free(c);
}

void
ag_mcache_begin(struct ag_mcache *c, const char *context)
{
	if (context == NULL)
		context = "";
	if (c->context == NULL || strcmp(c->context, context) != 0) {
		clear(c);
		free(c->context);
		c->context = ag_xstrdup(context);
	}
	c->gen++;
	c->hits = c->misses = c->dropped = 0;
}

static struct entry **
find(struct ag_mcache *c, const char *blob, const char *path, uint64_t h)
{
	struct entry **pp = &c->buckets[h & (c->n_buckets - 1)];

	for (; *pp != NULL; pp = &(*pp)->next)
		if ((*pp)->hash == h && strcmp((*pp)->blob, blob) == 0 &&
		    strcmp((*pp)->path, path) == 0)
			return pp;
	return pp;
}

/* Appends a copy of d named file (when d named the entry's file). */
static void
diag_copy(struct ag_diags *out, const struct ag_diag *d, const char *parsed_as, const char *file)
{
	const char *name = d->file;

	if (name != NULL && parsed_as != NULL && strcmp(name, parsed_as) == 0)
		name = file;
	ag_diags_add(out, d->severity, name, d->line, d->col, d->rule, d->field, "%s",
	    d->message != NULL ? d->message : "");
}

bool
ag_mcache_get(struct ag_mcache *c, const char *blob, const char *path, const char *file,
    struct ag_manifest_set *set, struct ag_diags *diags, int *rc)
{
	struct entry *e = *find(c, blob, path, key_hash(blob, path));
	size_t i;

	if (e == NULL) {
		c->misses++;
		return false;
	}
	AG_GROW_UNINIT(set->v, set->cap, set->n + e->n);
	for (i = 0; i < e->n; i++) {
		struct ag_manifest *m = &set->v[set->n++];

		ag_manifest_copy(m, &e->v[i]);
		if (m->file != NULL && strcmp(m->file, file) != 0) {
			free(m->file);
			m->file = ag_xstrdup(file);
		}
	}
	for (i = 0; i < e->diags.n; i++)
		diag_copy(diags, &e->diags.v[i], e->parsed_as, file);
	*rc = e->rc;
	e->seen = c->gen;
	c->hits++;
	return true;
}

static void
grow(struct ag_mcache *c)
{
	size_t n = c->n_buckets * 2, i;
	struct entry **b = ag_xcalloc(n, sizeof(*b));

	for (i = 0; i < c->n_buckets; i++) {
		while (c->buckets[i] != NULL) {
			struct entry *e = c->buckets[i];

			c->buckets[i] = e->next;
			e->next = b[e->hash & (n - 1)];
			b[e->hash & (n - 1)] = e;
		}
	}
	free(c->buckets);
	c->buckets = b;
	c->n_buckets = n;
}

void
ag_mcache_put(struct ag_mcache *c, const char *blob, const char *path, const char *file,
    const struct ag_manifest_set *set, size_t first, const struct ag_diags *diags,
    size_t first_diag, int rc)
{
	uint64_t h = key_hash(blob, path);
	struct entry **pp, *e;
	size_t i;

	/* a message quoting the name would keep the old revision's name */
	for (i = first_diag; i < diags->n; i++)
		if (diags->v[i].message != NULL && strstr(diags->v[i].message, file) != NULL)
			return;
	pp = find(c, blob, path, h);
	if (*pp != NULL) {
		e = *pp;
		*pp = e->next;
		c->n_entries--;
		entry_free(c, e);
	}
	e = ag_xcalloc(1, sizeof(*e));
	e->hash = h;
	e->blob = ag_xstrdup(blob);
	e->path = ag_xstrdup(path);
	e->parsed_as = ag_xstrdup(file);
	e->n = set->n > first ? set->n - first : 0;
	if (e->n > 0) {
		e->v = ag_xcalloc(e->n, sizeof(*e->v));
		for (i = 0; i < e->n; i++)
			ag_manifest_copy(&e->v[i], &set->v[first + i]);
	}
	ag_diags_init(&e->diags);
	for (i = first_diag; i < diags->n; i++)
		diag_copy(&e->diags, &diags->v[i], NULL, NULL);
	e->rc = rc;
	e->seen = c->gen;
	e->next = c->buckets[h & (c->n_buckets - 1)];
	c->buckets[h & (c->n_buckets - 1)] = e;
	c->n_entries++;
	c->n_manifests += e->n;
	if (c->n_entries > c->n_buckets)
		grow(c);
}

size_t
ag_mcache_sweep(struct ag_mcache *c)
{
	size_t i, n = 0;

	for (i = 0; i < c->n_buckets; i++) {
		struct entry **pp = &c->buckets[i];

		while (*pp != NULL) {
			struct entry *e = *pp;

			if (e->seen == c->gen) {
				pp = &e->next;
				continue;
			}
			*pp = e->next;
			c->n_entries--;
			entry_free(c, e);
			n++;
		}
	}
	c->dropped += n;
	return n;
}

void
ag_mcache_stats(const struct ag_mcache *c, struct ag_mcache_stats *out)
{
	out->entries = c->n_entries;
	out->manifests = c->n_manifests;
	out->hits = c->hits;
	out->misses = c->misses;
	out->dropped = c->dropped;
}
