#ifndef AG_GIT_SOURCE_H
#define AG_GIT_SOURCE_H

#include "core/buf.h"
#include "core/source.h"
#include "git/repo.h"

/*
 * The git source: manifests read from the tree of one commit in a
 * repository (the cache of a remote, or a local repository opened with
 * ag_git_repo_open_local). Every file is named "<label>@<short>:<path>" in
 * diagnostics, e.g. "main@3f2a1c9:prod/orders.yaml:12:3: ...".
 *
 * rev is resolved to a commit once, when the source is made; load always
 * reads that commit. subdir (NULL: the root) limits the walk to one
 * directory of the tree. Symlinks and submodules are skipped with a
 * warning diagnostic. The source borrows repo: free the source first.
 */
int ag_git_source_new(struct ag_source **out, struct ag_git_repo *repo, const char *rev,
    const char *label, const char *subdir, struct ag_error *err);

/*
 * Makes the source's loads go through cache (core/mcache.h): a file whose
 * blob and path were loaded before is not read or parsed again, and after
 * a load that walked the whole tree the cache keeps only that tree's
 * files. context names what else the load depends on (settings in effect);
 * the loader's version is added. The source borrows cache.
 */
struct ag_mcache;
void ag_git_source_set_cache(struct ag_source *src, struct ag_mcache *cache, const char *context);

/* The commit the source reads (40 hex digits). */
const char *ag_git_source_commit(const struct ag_source *src);

/*
 * Reads the file at path (from the tree's root, never limited by subdir)
 * at the source's commit into out (bounded by out's limit). AG_ENOTFOUND
 * when there is no such entry; a directory, link or submodule there is
 * AG_EINVAL.
 */
int ag_git_source_read_file(
    struct ag_buf *out, const struct ag_source *src, const char *path, struct ag_error *err);

/*
 * Loads the manifests at an arbitrary revision (a commit id, a branch, a
 * tag) in one call: resolve, walk, parse, check. Same results as
 * ag_source_load on a source made for rev; for comparing two revisions
 * (base and head of a change).
 */
int ag_git_load_at(struct ag_manifest_set *set, struct ag_diags *diags, struct ag_git_repo *repo,
    const char *rev, const char *subdir, struct ag_error *err);

#endif
