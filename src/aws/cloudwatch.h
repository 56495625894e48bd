#ifndef AG_AWS_CLOUDWATCH_H
#define AG_AWS_CLOUDWATCH_H

#include "aws/client.h"
#include "core/observed.h"

/* CloudWatch (API 2010-08-01): the agent's metric alarms. */

/* Decodes one MetricAlarms member (also used by the unit tests). */
void ag_cw_decode_alarm(struct ag_observed_alarm *out, const struct ag_xml_node *n);

/*
 * DescribeAlarms of every metric alarm whose name starts with prefix, all
 * pages (MaxRecords 100, NextToken), appended to out->alarms. A reply
 * without a MetricAlarms element is an error, never "no alarms"; so is a
 * NextToken that comes back twice.
 */
int ag_cw_describe_alarms(
    struct ag_aws_client *c, const char *prefix, struct ag_observed *out, struct ag_error *err);

#endif
