#ifndef AG_AWS_QUERY_H
#define AG_AWS_QUERY_H

#include <stddef.h>

#include "core/buf.h"
#include "core/kv.h"

/*
 * AWS Query protocol encoding (RDS, EC2, STS): a form body of
 * percent-encoded key=value pairs, and helpers for the list and struct
 * shapes the RDS model uses (see the key names in each comment).
 */

/* Appends s percent-encoded per RFC 3986 (A-Za-z0-9-_.~ kept, space %20). */
void ag_aws_query_escape(struct ag_buf *out, const char *s);

/* Appends "k1=v1&k2=v2..." for params, in order. */
void ag_aws_query_encode(struct ag_buf *out, const struct ag_kvlist *params);

/*
 * outer.inner.N = items[N-1] (N from 1), e.g.
 * ("VpcSecurityGroupIds", "VpcSecurityGroupId"), ("SubnetIds", "SubnetIdentifier"),
 * ("EnableCloudwatchLogsExports", "member"), ("TagKeys", "member"),
 * ("AvailabilityZones", "AvailabilityZone"). An empty list is sent as "outer="
 * (as botocore does), which clears the list where the API allows it.
 */
void ag_aws_query_add_list(
    struct ag_kvlist *params, const char *outer, const char *inner, const struct ag_strlist *items);

/* Tags.Tag.N.Key / Tags.Tag.N.Value (prefix "Tags.Tag"). */
void ag_aws_query_add_tags(
    struct ag_kvlist *params, const char *prefix, const struct ag_kvlist *tags);

/*
 * RDS filters: Filters.Filter.N.Name + Filters.Filter.N.Values.Value.M.
 * filters holds name -> value pairs; repeated names become the values of
 * one filter, in first-seen order.
 */
void ag_aws_query_add_filters(struct ag_kvlist *params, const struct ag_kvlist *filters);

/* EC2 filters: Filter.N.Name + Filter.N.Value.M (same input shape). */
void ag_aws_query_add_ec2_filters(struct ag_kvlist *params, const struct ag_kvlist *filters);

/* One DB parameter for ModifyDBClusterParameterGroup and friends. */
struct ag_aws_param_setting {
	const char *name;
	const char *value;        /* NULL: not sent (ResetDBClusterParameterGroup) */
	const char *apply_method; /* "immediate" or "pending-reboot"; NULL: not sent */
};

/* Parameters.Parameter.N.{ParameterName,ParameterValue,ApplyMethod}. */
void ag_aws_query_add_parameters(
    struct ag_kvlist *params, const struct ag_aws_param_setting *settings, size_t n);

#endif
