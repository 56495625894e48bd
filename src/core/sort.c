#include "core/sort.h"

#include <stdbool.h>
#include <stdlib.h>

#include "core/compat.h"

static bool
in_order(const void *base, size_t n, size_t size, int (*cmp)(const void *, const void *))
{
	const char *p = base;
	size_t i;

	for (i = 1; i < n; i++)
		if (cmp(p + (i - 1) * size, p + i * size) >= 0)
			return false;
	return true;
}

void
ag_sort(void *base, size_t n, size_t size, int (*cmp)(const void *, const void *))
{
	if (n > 1 && !in_order(base, n, size, cmp))
		qsort(base, n, size, cmp);
}
