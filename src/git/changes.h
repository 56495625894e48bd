#ifndef AG_GIT_CHANGES_H
#define AG_GIT_CHANGES_H

#include <stddef.h>

#include "core/error.h"
#include "core/kv.h"
#include "git/repo.h"

/*
 * Which clusters a change between two commits touches: the tree diff of
 * base and head (no rename detection: a renamed file is its old path
 * removed and its new path added), and for every changed manifest file
 * under subdir (*.yaml, *.yml, as the git source reads them) the cluster
 * identifiers of both its versions. A removed or renamed manifest names
 * its cluster through the old version, so "no manifest any more" is a
 * change to plan, never "nothing changed".
 *
 * full_reason is set (and clusters left as far as they got) when only a
 * full reconcile is right: the repository settings file (aurora-gitops.yaml
 * or .yml at the root) changed, or a changed manifest could not be read or
 * parsed on one side (its clusters are then unknown).
 */
struct ag_git_changes {
	struct ag_strlist clusters; /* lower-case identifiers, each once */
	/* Those of clusters whose network (subnets, subnet group, security
	 * groups, allowed CIDR blocks, VPC, port, engine) differs between the
	 * two versions, or that one version lacks: the security groups, subnet
	 * groups and routes are read for these only. */
	struct ag_strlist network;
	size_t files;      /* changed manifest files */
	char *full_reason; /* NULL, or why a full reconcile is needed */
};

void ag_git_changes_init(struct ag_git_changes *c);
void ag_git_changes_release(struct ag_git_changes *c);

/* base and head are 40-hex commit ids. A base that is not in the
 * repository (never fetched, or pruned after a force push) is
 * AG_ENOTFOUND; the caller then reconciles everything. */
int ag_git_changed_clusters(struct ag_git_changes *out, struct ag_git_repo *r, const char *base,
    const char *head, const char *subdir, struct ag_error *err);

#endif
