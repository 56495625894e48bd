#ifndef AG_CORE_IMPORT_H
#define AG_CORE_IMPORT_H

#include "core/buf.h"
#include "core/error.h"
#include "core/observed.h"

/*
 * Writes an AwsRdsCluster v1 manifest for a live cluster that plans with
 * zero drift against it: values equal to AWS defaults are dropped, windows
 * and engineVersion are written as live, instances as an explicit list (from
 * o, matched by DBClusterIdentifier / cluster members), live tags (except
 * managed-by and aws:*) as metadata.labels. The master password is not
 * readable: with a MasterUserSecret the manifest says
 * manageMasterUserPassword: true, otherwise it has no password field and a
 * comment says so. An encrypted cluster's key is written as kmsKeyId, as
 * AWS reports it. scaling is the cluster's reader Auto Scaling target (NULL:
 * none): with the agent's policy on it (AG_SCALING_POLICY_NAME) it is
 * written as autoscaling; a target the manifest could not state exactly
 * (other policies only, a custom metric, capacities outside 0..15) is left
 * out with a comment, so the agent leaves it alone. Readers Auto Scaling
 * added (AG_AUTOSCALING_PREFIX) are never listed as instances: its policy
 * owns them. Returns 0, AG_EINVAL (cluster without an identifier or
 * engine) or AG_ETOOBIG.
 */
int ag_import_render(struct ag_buf *yaml, const struct ag_db_cluster *c,
    const struct ag_observed *o, const struct ag_observed_scaling *scaling, struct ag_error *err);

#endif
