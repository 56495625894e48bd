#ifndef AG_AWS_AUTOSCALING_H
#define AG_AWS_AUTOSCALING_H

#include "aws/client.h"
#include "core/observed.h"

/*
 * Application Auto Scaling (JSON 1.1, X-Amz-Target
 * AnyScaleFrontendService.*): every scalable target of namespace rds on
 * rds:cluster:ReadReplicaCount and their policies, with one paginated
 * DescribeScalableTargets and one paginated DescribeScalingPolicies for
 * the whole fleet. Fills o->scaling (the policy named policy_name is the
 * agent's) and sets o->scaling_loaded.
 */
int ag_aas_read_rds(
    struct ag_aws_client *c, const char *policy_name, struct ag_observed *o, struct ag_error *err);

#endif
