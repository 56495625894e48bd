#ifndef AG_CORE_INTERN_H
#define AG_CORE_INTERN_H

#include <stddef.h>

#include "core/arena.h"

/*
 * A set of interned strings: every distinct text is kept once, in an arena,
 * and asking for it again gives the same copy. For the values that repeat
 * across a fleet (engine, version, instance class, zone, status, group
 * names, KMS key and role ARNs): ten thousand clusters hold a handful of
 * distinct ones. The strings belong to the arena the caller passes (always
 * the same one for a table) and must not be changed. A zeroed struct is an
 * empty table (AG_INTERN_INIT).
 */
struct ag_intern {
	const char **slots; /* open addressing; NULL = free */
	size_t cap;         /* 0 or a power of two */
	size_t n;
};

#define AG_INTERN_INIT                                                                             \
	{                                                                                          \
		NULL, 0, 0                                                                         \
	}

/* The one copy of s (NULL in, NULL out), added to a when new. */
const char *ag_intern_get(struct ag_intern *t, struct ag_arena *a, const char *s);
/* The copy of s in t, or NULL when s was never added (or is NULL). */
const char *ag_intern_find(const struct ag_intern *t, const char *s);
/* Forgets the table (the strings stay in their arena). */
void ag_intern_release(struct ag_intern *t);

#endif
