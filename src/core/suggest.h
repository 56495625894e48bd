#ifndef AG_CORE_SUGGEST_H
#define AG_CORE_SUGGEST_H

#include <stddef.h>

/*
 * "Did you mean" suggestions for misspelt names (fields, annotation keys,
 * enum values), in the manner of git's help.autocorrect.
 */

/* Levenshtein distance between a and b, ignoring ASCII case; strings
 * longer than AG_SUGGEST_MAX_LEN give SIZE_MAX. */
#define AG_SUGGEST_MAX_LEN 64
size_t ag_suggest_distance(const char *a, const char *b);

/*
 * The candidate closest to word, or NULL when none is close enough: the
 * distance must be at most 2, or a third of the word's length for longer
 * words, and never the whole word. Candidates equal to word are skipped.
 */
const char *ag_suggest(const char *word, const char *const *cands, size_t n);

#endif
