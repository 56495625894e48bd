#ifndef AG_CORE_MCACHE_H
#define AG_CORE_MCACHE_H

#include <stdbool.h>
#include <stddef.h>

#include "core/diag.h"
#include "core/manifest.h"

/*
 * The loaded manifests of a file, kept across loads and keyed by what
 * decides them, so that a long-running agent parses only the files a
 * commit changed (docs/architecture.md, "Manifest cache").
 *
 * What ag_manifest_parse makes of a file depends on its bytes and on the
 * name it is given, nothing else (no setting, clock or environment). So an
 * entry is keyed by:
 *  - the file's content id (a git blob id: the same id is the same bytes);
 *  - its path in the tree (a name the manifests and diagnostics carry);
 *  - the context of the load, a caller's string naming everything else a
 *    load could depend on (the loader's version, settings in effect): a
 *    load under another context empties the cache first.
 * The revision part of the name ("main@3f2a1c9:") changes with every
 * commit: a hit hands out the entry under the name of this load. An entry
 * whose diagnostics quote the name in their text is not kept (renaming
 * could not reach into the text).
 *
 * A file that failed to load is kept with its diagnostics and its return
 * code, and a hit gives back both: a broken file is reported the same way
 * each time, never taken for an absent one.
 *
 * Entries are copies: what a hit appends to a set belongs to that set and
 * may be changed (references are resolved in place) or released freely.
 * Not thread-safe: one loader at a time.
 */
struct ag_mcache;

struct ag_mcache_stats {
	size_t entries;               /* files held */
	size_t manifests;             /* manifests held */
	size_t hits, misses, dropped; /* since the last ag_mcache_begin */
};

struct ag_mcache *ag_mcache_new(void);
void ag_mcache_free(struct ag_mcache *c);

/*
 * Starts a load of a whole tree. A context other than the previous one
 * empties the cache. Counters restart.
 */
void ag_mcache_begin(struct ag_mcache *c, const char *context);

/*
 * On a hit (an entry for blob at path), appends copies of its manifests to
 * set and of its diagnostics to diags, both named file, stores the return
 * code of its load in *rc and marks the entry as seen by this load;
 * returns true. False on a miss, with nothing changed.
 */
bool ag_mcache_get(struct ag_mcache *c, const char *blob, const char *path, const char *file,
    struct ag_manifest_set *set, struct ag_diags *diags, int *rc);

/*
 * Keeps what a load of blob at path (named file) made: the manifests
 * set->v[first..set->n) and the diagnostics diags->v[first_diag..diags->n),
 * and rc, the parse's return code. Copies them; set and diags are not
 * changed. An entry already there is replaced.
 */
void ag_mcache_put(struct ag_mcache *c, const char *blob, const char *path, const char *file,
    const struct ag_manifest_set *set, size_t first, const struct ag_diags *diags,
    size_t first_diag, int rc);

/*
 * After a load that walked the whole tree: drops every entry this load did
 * not see (files removed or changed since), so the cache holds at most one
 * tree's files. Returns how many were dropped. Do not call it after a load
 * that stopped halfway: it would drop entries still in the tree.
 */
size_t ag_mcache_sweep(struct ag_mcache *c);

void ag_mcache_stats(const struct ag_mcache *c, struct ag_mcache_stats *out);

#endif
