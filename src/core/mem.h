#ifndef AG_CORE_MEM_H
#define AG_CORE_MEM_H

#include <stddef.h>

/*
 * Allocation wrappers. Running out of memory is not a condition this agent
 * can recover from in a useful way (as in git's xmalloc): these report and
 * abort instead of returning NULL, so callers need no OOM branches.
 */
void *ag_xmalloc(size_t n);
void *ag_xcalloc(size_t n, size_t size);
void *ag_xrealloc(void *p, size_t n);
/* Grows *p (holding *cap elements of size) to hold at least want; the new
 * elements are zeroed. */
void ag_xgrow(void **p, size_t *cap, size_t want, size_t size);
/* The same without zeroing: for arrays that grow to fleet size (one element
 * per cluster or instance), where the caller initialises every element it
 * takes. The spare capacity stays untouched, so a large array that the
 * allocator maps by pages keeps it out of the resident set. */
void ag_xgrow_uninit(void **p, size_t *cap, size_t want, size_t size);
char *ag_xstrdup(const char *s); /* NULL in, NULL out */
char *ag_xstrndup(const char *s, size_t n);
char *ag_xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#define AG_GROW(arr, cap, want) ag_xgrow((void **)&(arr), &(cap), (want), sizeof(*(arr)))
#define AG_GROW_UNINIT(arr, cap, want)                                                             \
	ag_xgrow_uninit((void **)&(arr), &(cap), (want), sizeof(*(arr)))

#endif
