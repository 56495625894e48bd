#ifndef AG_CORE_SORT_H
#define AG_CORE_SORT_H

#include <stddef.h>

/*
 * qsort(base, n, size, cmp), skipped when base is in order already: every
 * element before the next under cmp (cmp < 0). Lists that mostly come in
 * order (manifests read from a sorted directory walk, clusters planned in
 * their order) then cost one pass. Where no two elements compare equal the
 * result is the one qsort gives; with a tie qsort runs, as it would anyway.
 */
void ag_sort(void *base, size_t n, size_t size, int (*cmp)(const void *, const void *));

#endif
