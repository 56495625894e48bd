/*
 * Key metrics of a cluster for `show` (aws/metrics.h). Kept apart from the
 * alarms (aws/cloudwatch.c): reading metrics and managing alarms share
 * only the transport.
 */
#include "aws/metrics.h"
#include "core/mem.h"

#include <stdlib.h>
#include <string.h>

#include "core/compat.h"

void
ag_metric_values_release(struct ag_metric_value *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(v[i].latest_at);
		v[i].latest_at = NULL;
	}
}

int
ag_metrics_read_cluster(struct ag_aws_client *c, const char *cluster, struct ag_metric_value *out,
    size_t *n, struct ag_error *err)
{
	(void)c;
	(void)cluster;
	(void)out;
	*n = 0;
	return ag_error_set(err, AG_ERROR,
	    "CloudWatch metrics of cluster '%s' cannot be read: this build has no CloudWatch "
	    "client",
	    cluster);
}
