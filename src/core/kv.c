#include "core/kv.h"
#include "core/mem.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>

#include "core/compat.h"

void
ag_kvlist_init(struct ag_kvlist *l)
{
	l->v = NULL;
	l->n = 0;
	l->cap = 0;
}

void
ag_kvlist_release(struct ag_kvlist *l)
{
	size_t i;

	if (l == NULL)
		return;
	for (i = 0; i < l->n; i++) {
		free(l->v[i].key);
		free(l->v[i].value);
	}
	free(l->v);
	ag_kvlist_init(l);
}

void
ag_kvlist_wipe(struct ag_kvlist *l)
{
	size_t i;

	if (l == NULL)
		return;
	for (i = 0; i < l->n; i++)
		sodium_memzero(l->v[i].value, strlen(l->v[i].value));
	ag_kvlist_release(l);
}

void
ag_kvlist_add(struct ag_kvlist *l, const char *key, const char *value)
{
	AG_GROW(l->v, l->cap, l->n + 1);
	l->v[l->n].key = ag_xstrdup(key);
	l->v[l->n].value = ag_xstrdup(value ? value : "");
	l->n++;
}

void
ag_kvlist_addf(struct ag_kvlist *l, const char *key, const char *fmt, ...)
{
	va_list ap;
	char *v;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	v = ag_xmalloc((size_t)(n < 0 ? 0 : n) + 1);
	va_start(ap, fmt);
	vsnprintf(v, (size_t)(n < 0 ? 0 : n) + 1, fmt, ap);
	va_end(ap);
	AG_GROW(l->v, l->cap, l->n + 1);
	l->v[l->n].key = ag_xstrdup(key);
	l->v[l->n].value = v;
	l->n++;
}

void
ag_kvlist_set(struct ag_kvlist *l, const char *key, const char *value)
{
	size_t i;

	for (i = 0; i < l->n; i++) {
		if (strcmp(l->v[i].key, key) == 0) {
			free(l->v[i].value);
			l->v[i].value = ag_xstrdup(value ? value : "");
			return;
		}
	}
	ag_kvlist_add(l, key, value);
}

const char *
ag_kvlist_get(const struct ag_kvlist *l, const char *key)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		if (strcmp(l->v[i].key, key) == 0)
			return l->v[i].value;
	return NULL;
}

void
ag_kvlist_copy(struct ag_kvlist *dst, const struct ag_kvlist *src)
{
	size_t i;

	for (i = 0; i < src->n; i++)
		ag_kvlist_add(dst, src->v[i].key, src->v[i].value);
}

void
ag_kvlist_sort(struct ag_kvlist *l)
{
	size_t i, j;
	struct ag_kv t;

	/* Insertion sort: stable, and the lists are short. */
	for (i = 1; i < l->n; i++) {
		t = l->v[i];
		for (j = i; j > 0 && strcmp(l->v[j - 1].key, t.key) > 0; j--)
			l->v[j] = l->v[j - 1];
		l->v[j] = t;
	}
}

void
ag_strlist_init(struct ag_strlist *l)
{
	l->v = NULL;
	l->n = 0;
	l->cap = 0;
}

void
ag_strlist_release(struct ag_strlist *l)
{
	size_t i;

	if (l == NULL)
		return;
	for (i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	ag_strlist_init(l);
}

void
ag_strlist_add(struct ag_strlist *l, const char *s)
{
	AG_GROW(l->v, l->cap, l->n + 1);
	l->v[l->n++] = ag_xstrdup(s);
}

int
ag_strlist_contains(const struct ag_strlist *l, const char *s)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		if (strcmp(l->v[i], s) == 0)
			return 1;
	return 0;
}

void
ag_strlist_copy(struct ag_strlist *dst, const struct ag_strlist *src)
{
	size_t i;

	for (i = 0; i < src->n; i++)
		ag_strlist_add(dst, src->v[i]);
}

static int
cmpstr(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

void
ag_strlist_sort(struct ag_strlist *l)
{
	if (l->n > 1)
		qsort(l->v, l->n, sizeof(*l->v), cmpstr);
}

int
ag_strlist_set_equal(const struct ag_strlist *a, const struct ag_strlist *b)
{
	size_t i;

	for (i = 0; i < a->n; i++)
		if (!ag_strlist_contains(b, a->v[i]))
			return 0;
	for (i = 0; i < b->n; i++)
		if (!ag_strlist_contains(a, b->v[i]))
			return 0;
	return 1;
}
