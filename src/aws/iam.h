#ifndef AG_AWS_IAM_H
#define AG_AWS_IAM_H

#include "aws/client.h"

/* IAM (API 2010-05-08): the Enhanced Monitoring role. */

/* The description the agent gives the roles it makes: a role with it
 * (and only such a role) may get the managed policy attached later. */
#define AG_IAM_ROLE_DESCRIPTION "Enhanced Monitoring for RDS (made by aurora-gitops)"

/*
 * The ARN of role `name` that lets RDS send Enhanced Monitoring metrics:
 * GetRole; when missing, CreateRole (trusting monitoring.rds.amazonaws.com)
 * then AttachRolePolicy with AmazonRDSEnhancedMonitoringRole. An existing
 * role must have that policy attached; one the agent made gets it attached
 * (a run cut short between the two calls), any other is an error naming
 * the role, never changed. *created says whether this call made the role.
 */
int ag_iam_ensure_monitoring_role(
    struct ag_aws_client *c, const char *name, char **arn, bool *created, struct ag_error *err);

#endif
