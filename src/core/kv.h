#ifndef AG_CORE_KV_H
#define AG_CORE_KV_H

#include <stddef.h>

/*
 * An ordered list of string pairs. Used for AWS Query parameters (the plan
 * carries the exact parameters it will send), tags, labels and annotations.
 * Order is preserved; lookups are linear (lists are short).
 */
struct ag_kv {
	char *key;
	char *value;
};

struct ag_kvlist {
	struct ag_kv *v;
	size_t n;
	size_t cap;
};

#define AG_KVLIST_INIT                                                                             \
	{                                                                                          \
		NULL, 0, 0                                                                         \
	}

void ag_kvlist_init(struct ag_kvlist *l);
void ag_kvlist_release(struct ag_kvlist *l);
/* Zeroes every value, then releases: for lists that held a secret. */
void ag_kvlist_wipe(struct ag_kvlist *l);
/* Appends copies of key and value. */
void ag_kvlist_add(struct ag_kvlist *l, const char *key, const char *value);
void ag_kvlist_addf(struct ag_kvlist *l, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Replaces the value of the first pair with key, or appends. */
void ag_kvlist_set(struct ag_kvlist *l, const char *key, const char *value);
/* First value for key, or NULL. */
const char *ag_kvlist_get(const struct ag_kvlist *l, const char *key);
void ag_kvlist_copy(struct ag_kvlist *dst, const struct ag_kvlist *src);
/* Sorts by key (stable), for canonical output. */
void ag_kvlist_sort(struct ag_kvlist *l);

/* A list of strings. */
struct ag_strlist {
	char **v;
	size_t n;
	size_t cap;
};

#define AG_STRLIST_INIT                                                                            \
	{                                                                                          \
		NULL, 0, 0                                                                         \
	}

void ag_strlist_init(struct ag_strlist *l);
void ag_strlist_release(struct ag_strlist *l);
void ag_strlist_add(struct ag_strlist *l, const char *s);
int ag_strlist_contains(const struct ag_strlist *l, const char *s);
void ag_strlist_copy(struct ag_strlist *dst, const struct ag_strlist *src);
void ag_strlist_sort(struct ag_strlist *l);
/* Same members, ignoring order and duplicates. */
int ag_strlist_set_equal(const struct ag_strlist *a, const struct ag_strlist *b);

#endif
