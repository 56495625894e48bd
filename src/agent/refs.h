#ifndef AG_AGENT_REFS_H
#define AG_AGENT_REFS_H

#include "aws/client.h"
#include "core/manifest.h"
#include "core/observed.h"

/*
 * Resolves the valueFrom references of every manifest in set (core/ref.h)
 * with one lookup per kind for the whole fleet, whatever the number of
 * references:
 *
 *   AwsVpc / AwsSubnet / AwsSecurityGroup  one paginated DescribeVpcs /
 *       DescribeSubnets / DescribeSecurityGroups per 200 names, filtered by
 *       tag:Name; exactly one resource must carry the name
 *   AwsKmsKey       one paginated ListKeys (key ids and ARNs) and, when a
 *                   name is an alias, one paginated ListAliases
 *   AwsRdsCluster   the clusters already described (o), no request
 *
 * A reference that matches nothing, or more than one resource, or whose
 * lookup failed (permissions, network) is marked failed with the lookup
 * tried; its cluster is then planned as an error and never touched, while
 * the other clusters go on. Resolved values are written into the manifests
 * (ag_manifest_apply_refs). Never fails as a whole.
 */
void ag_refs_resolve(
    struct ag_manifest_set *set, const struct ag_observed *o, struct ag_aws_client *aws);

#endif
