#ifndef AG_AWS_METRICS_H
#define AG_AWS_METRICS_H

#include <stddef.h>

#include "aws/client.h"

/*
 * Key CloudWatch metrics of a cluster for `show` (AWS/RDS namespace,
 * dimension DBClusterIdentifier, the last hour in 5-minute periods):
 * CPUUtilization, FreeLocalStorage, FreeStorageSpace and
 * ServerlessDatabaseCapacity, read with one GetMetricData request. A
 * metric with no datapoints is reported as such (a provisioned cluster has
 * no ServerlessDatabaseCapacity); a reply without one of the queries, or
 * with a query whose status is not Complete, is an error.
 */
#define AG_METRICS_SHOWN 4

struct ag_metric_value {
	const char *name; /* "CPUUtilization" */
	const char *stat; /* "Average", "Minimum", "Maximum" */
	const char *unit; /* "%", "bytes", "ACU" */
	size_t n_points;
	double latest; /* the newest datapoint, when n_points > 0 */
	char *latest_at;
};

void ag_metric_values_release(struct ag_metric_value *v, size_t n);

/* Fills out[0 .. *n) (at most AG_METRICS_SHOWN), or fails with err. */
int ag_metrics_read_cluster(struct ag_aws_client *c, const char *cluster,
    struct ag_metric_value *out, size_t *n, struct ag_error *err);

#endif
