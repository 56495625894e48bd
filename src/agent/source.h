#ifndef AG_AGENT_SOURCE_H
#define AG_AGENT_SOURCE_H

#include "core/diag.h"
#include "core/error.h"
#include "core/manifest.h"

/*
 * Where manifests come from. Today: a plain directory (--dir DIR), read
 * recursively for *.yaml / *.yml.
 */

/*
 * Loads and validates every manifest under dir into set. Schema errors and
 * cross-file errors go to diags; the return value is 0 when there were
 * none, AG_EINVAL when there was at least one (set then holds only the
 * manifests that were valid), or another code with err filled for I/O
 * failures. An empty or missing directory is an error: a wrong path must
 * never look like "every manifest was removed".
 */
int ag_source_load_dir(
    struct ag_manifest_set *set, struct ag_diags *diags, const char *dir, struct ag_error *err);

/* Writes every error diagnostic of diags to stderr, one per line. */
void ag_source_print_diags(const struct ag_diags *diags);

#endif
