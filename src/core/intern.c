#include "core/intern.h"
#include "core/mem.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/compat.h"

/* Eight bytes at a time, each word mixed in by a multiply: the bytewise
 * FNV-1a this replaces was one multiply a byte, and most of the cost of a
 * lookup (element names of 15-30 bytes, key ARNs of 80). No adversary to
 * fear: a collision costs a strcmp, never a wrong answer. */
static uint64_t
hash_of(const char *s)
{
	size_t n = strlen(s), i;
	uint64_t h = 0x9E3779B97F4A7C15ULL ^ n, w;

	for (i = 0; i + 8 <= n; i += 8) {
		memcpy(&w, s + i, 8);
		h = (h ^ w) * 0xFF51AFD7ED558CCDULL;
		h ^= h >> 32;
	}
	w = 0;
	memcpy(&w, s + i, n - i);
	h = (h ^ w) * 0xC4CEB9FE1A85EC53ULL;
	return h ^ (h >> 29);
}

/* The slot holding s, or the free slot where it belongs. Only the
 * pointer is kept (8 bytes a slot): a probe compares the text, and the
 * first byte tells most apart. */
static const char **
find(const char **slots, size_t cap, const char *s, uint64_t h)
{
	size_t i = (size_t)h & (cap - 1);

	while (slots[i] != NULL && strcmp(slots[i], s) != 0)
		i = (i + 1) & (cap - 1);
	return &slots[i];
}

/* Doubles the table (at most half full after). */
static void
grow(struct ag_intern *t)
{
	size_t cap = t->cap ? t->cap * 2 : 64, i;
	const char **slots = ag_xcalloc(cap, sizeof(*slots));

	for (i = 0; i < t->cap; i++)
		if (t->slots[i] != NULL)
			*find(slots, cap, t->slots[i], hash_of(t->slots[i])) = t->slots[i];
	free(t->slots);
	t->slots = slots;
	t->cap = cap;
}

const char *
ag_intern_get(struct ag_intern *t, struct ag_arena *a, const char *s)
{
	const char **slot;

	if (s == NULL)
		return NULL;
	if ((t->n + 1) * 2 > t->cap)
		grow(t);
	slot = find(t->slots, t->cap, s, hash_of(s));
	if (*slot == NULL) {
		*slot = ag_arena_strdup(a, s);
		t->n++;
	}
	return *slot;
}

const char *
ag_intern_find(const struct ag_intern *t, const char *s)
{
	if (s == NULL || t->cap == 0)
		return NULL;
	return *find(t->slots, t->cap, s, hash_of(s));
}

void
ag_intern_release(struct ag_intern *t)
{
	free(t->slots);
	memset(t, 0, sizeof(*t));
}
