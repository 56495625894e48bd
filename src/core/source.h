#ifndef AG_CORE_SOURCE_H
#define AG_CORE_SOURCE_H

#include "core/diag.h"
#include "core/error.h"
#include "core/manifest.h"

/*
 * Where manifests come from: an interface, so the cycle does not know
 * whether it reads a plain directory (src/agent, --dir) or the tree of a
 * git commit (src/git, --repo). An implementation embeds struct ag_source
 * as its first member and fills ops.
 */
struct ag_source;

struct ag_source_ops {
	/*
	 * Loads and validates every manifest at the source's revision into set.
	 * Schema and cross-file errors go to diags (file names as the source
	 * names them, e.g. "main@3f2a1c9:prod/orders.yaml"); returns 0 when
	 * there were none, AG_EINVAL when there was at least one, another code
	 * with err filled when the source could not be read. A source with no
	 * manifests, or one that could be read only in part, is an error: a
	 * wrong path or a half-read tree must never look like "every manifest
	 * was removed".
	 */
	int (*load)(struct ag_source *src, struct ag_manifest_set *set, struct ag_diags *diags,
	    struct ag_error *err);
	/* The revision the last load read, for people: "manifests/" or
	 * "main@3f2a1c9". Valid until the next load or free. */
	const char *(*revision)(const struct ag_source *src);
	void (*free)(struct ag_source *src);
};

struct ag_source {
	const struct ag_source_ops *ops;
};

static inline int
ag_source_load(struct ag_source *src, struct ag_manifest_set *set, struct ag_diags *diags,
    struct ag_error *err)
{
	return src->ops->load(src, set, diags, err);
}

static inline const char *
ag_source_revision(const struct ag_source *src)
{
	return src->ops->revision(src);
}

static inline void
ag_source_free(struct ag_source *src)
{
	if (src != NULL)
		src->ops->free(src);
}

#endif
