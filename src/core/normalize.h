#ifndef AG_CORE_NORMALIZE_H
#define AG_CORE_NORMALIZE_H

#include <stdbool.h>

#include "core/fieldtab.h"

/*
 * Normalisers: whether a desired canonical value equals a live one under a
 * field's rules. desired == NULL means absent (the row's `absent` rule then
 * applies, via ag_norm_equal_row); live == NULL means the element was not in
 * the Describe reply.
 */
struct ag_norm_ctx {
	const char *engine; /* desired engine, for the default port */
	bool auto_minor;    /* effective autoMinorVersionUpgrade */
	bool module_sg;     /* the manifest makes its own security group */
};

/* Equality of two present values under norm. */
bool ag_norm_equal(
    enum ag_norm norm, const char *desired, const char *live, const struct ag_norm_ctx *ctx);

/* Equality for a row, applying its absent rule and its normaliser. */
bool ag_norm_equal_row(const struct ag_field_row *row, const char *desired, const char *live,
    const struct ag_norm_ctx *ctx);

/* Canonical storage type: "aurora" for NULL, "", "aurora", "gp2"; else s. */
const char *ag_norm_storage_type(const char *s);

/* Canonical number text ("0.5", "4", "1.25"): %g-style, malloc'd. */
char *ag_norm_number(double v);

#endif
