#include "core/suggest.h"

#include <stdint.h>
#include <string.h>

#include "core/compat.h"

static int
lower(int c)
{
	return (c >= 'A' && c <= 'Z') ? c + ('a' - 'A') : c;
}

size_t
ag_suggest_distance(const char *a, const char *b)
{
	size_t row[AG_SUGGEST_MAX_LEN + 1];
	size_t la = strlen(a), lb = strlen(b), i, j, diag, up, cost, best;

	if (la > AG_SUGGEST_MAX_LEN || lb > AG_SUGGEST_MAX_LEN)
		return SIZE_MAX;
	for (j = 0; j <= lb; j++)
		row[j] = j;
	for (i = 1; i <= la; i++) {
		diag = row[0];
		row[0] = i;
		for (j = 1; j <= lb; j++) {
			up = row[j];
			cost = lower((unsigned char)a[i - 1]) == lower((unsigned char)b[j - 1]) ? 0
			                                                                        : 1;
			best = diag + cost;
			if (up + 1 < best)
				best = up + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			row[j] = best;
			diag = up;
		}
	}
	return row[lb];
}

const char *
ag_suggest(const char *word, const char *const *cands, size_t n)
{
	const char *best = NULL;
	size_t i, d, bestd = SIZE_MAX, len = strlen(word), limit;

	limit = len / 3 > 2 ? len / 3 : 2;
	if (limit >= len)
		limit = len > 0 ? len - 1 : 0;
	for (i = 0; i < n; i++) {
		if (strcmp(word, cands[i]) == 0)
			continue;
		d = ag_suggest_distance(word, cands[i]);
		if (d <= limit && d < bestd) {
			bestd = d;
			best = cands[i];
		}
	}
	return best;
}
