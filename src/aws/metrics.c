/*
 * Key metrics of a cluster for `show` (aws/metrics.h): one GetMetricData
 * request (CloudWatch Query API, the same SigV4 client). Kept apart from
 * the alarms (aws/cloudwatch.c): reading metrics and managing alarms share
 * only the transport.
 */
#include "aws/metrics.h"
#include "core/mem.h"
#include "core/window.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/compat.h"

#define PERIOD_S 300
#define WINDOW_S 3600

static const struct {
	const char *id; /* GetMetricData query id: lower case, starts with a letter */
	const char *name;
	const char *stat;
	const char *unit;
} shown[AG_METRICS_SHOWN] = {
    {"cpu", "CPUUtilization", "Average", "%"},
    {"freelocal", "FreeLocalStorage", "Minimum", "bytes"},
    {"freestorage", "FreeStorageSpace", "Minimum", "bytes"},
    {"acu", "ServerlessDatabaseCapacity", "Average", "ACU"},
};

void
ag_metric_values_release(struct ag_metric_value *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(v[i].latest_at);
		v[i].latest_at = NULL;
	}
}

static void
add_query(struct ag_kvlist *p, size_t k, const char *cluster)
{
	char key[128];

#define Q(suffix, value)                                                                           \
	do {                                                                                       \
		snprintf(key, sizeof(key), "MetricDataQueries.member.%zu.%s", k + 1, suffix);      \
		ag_kvlist_add(p, key, value);                                                      \
	} while (0)
	Q("Id", shown[k].id);
	Q("MetricStat.Metric.Namespace", "AWS/RDS");
	Q("MetricStat.Metric.MetricName", shown[k].name);
	Q("MetricStat.Metric.Dimensions.member.1.Name", "DBClusterIdentifier");
	Q("MetricStat.Metric.Dimensions.member.1.Value", cluster);
	Q("MetricStat.Period", "300");
	Q("MetricStat.Stat", shown[k].stat);
	Q("ReturnData", "true");
#undef Q
}

/* The result of query id in the reply, or NULL. */
static const struct ag_xml_node *
result_of(const struct ag_xml_node *list, const char *id, size_t *count)
{
	const struct ag_xml_node *found = NULL;
	size_t i;

	*count = 0;
	for (i = 0; list && i < list->n_kids; i++) {
		const char *x = ag_xml_text(list->kids[i], "Id");

		if (x && strcmp(x, id) == 0) {
			found = list->kids[i];
			(*count)++;
		}
	}
	return found;
}

int
ag_metrics_read_cluster(struct ag_aws_client *c, const char *cluster, struct ag_metric_value *out,
    size_t *n, struct ag_error *err)
{
	const struct ag_clock *clk = ag_aws_client_clock(c);
	int64_t now = clk->now_ms(clk->ctx) / 1000;
	struct ag_kvlist p = AG_KVLIST_INIT;
	struct ag_aws_response r;
	const struct ag_xml_node *list;
	char start[32], end[32];
	size_t k;
	int rc;

	*n = 0;
	/* whole periods, so the newest one is complete */
	now -= now % PERIOD_S;
	ag_time_format_utc(start, sizeof(start), now - WINDOW_S);
	ag_time_format_utc(end, sizeof(end), now);
	for (k = 0; k < AG_METRICS_SHOWN; k++)
		add_query(&p, k, cluster);
	ag_kvlist_add(&p, "StartTime", start);
	ag_kvlist_add(&p, "EndTime", end);
	ag_kvlist_add(&p, "ScanBy", "TimestampDescending");
	rc = ag_aws_call(c, AG_AWS_CLOUDWATCH, "GetMetricData", &p, &r, err);
	ag_kvlist_release(&p);
	if (rc < 0) {
		ag_error_prefix(err, "cannot read the metrics of cluster '%s'", cluster);
		return rc;
	}
	list = ag_xml_child(r.result, "MetricDataResults");
	if (list == NULL) {
		ag_aws_response_release(&r);
		return ag_error_set(err, AG_EAWS,
		    "cloudwatch GetMetricData: the reply has no MetricDataResults; refusing to "
		    "show the metrics of '%s' as empty",
		    cluster);
	}
	for (k = 0; k < AG_METRICS_SHOWN; k++) {
		size_t count, i;
		const struct ag_xml_node *res = result_of(list, shown[k].id, &count), *ts, *vals;
		const char *status = res ? ag_xml_text(res, "StatusCode") : NULL;
		struct ag_metric_value *m = &out[k];

		if (res == NULL || count != 1) {
			rc = ag_error_set(err, AG_EAWS,
			    "cloudwatch GetMetricData: the reply has %s result for %s of cluster "
			    "'%s'",
			    count ? "more than one" : "no", shown[k].name, cluster);
			break;
		}
		if (status == NULL || strcmp(status, "Complete") != 0) {
			rc = ag_error_set(err, AG_EAWS,
			    "cloudwatch GetMetricData: %s of cluster '%s' is %s, not Complete",
			    shown[k].name, cluster, status ? status : "without a StatusCode");
			break;
		}
		memset(m, 0, sizeof(*m));
		m->name = shown[k].name;
		m->stat = shown[k].stat;
		m->unit = shown[k].unit;
		ts = ag_xml_child(res, "Timestamps");
		vals = ag_xml_child(res, "Values");
		m->n_points = vals ? vals->n_kids : 0;
		if ((ts ? ts->n_kids : 0) != m->n_points) {
			rc = ag_error_set(err, AG_EAWS,
			    "cloudwatch GetMetricData: %s of cluster '%s' has %zu values for %zu "
			    "timestamps",
			    shown[k].name, cluster, m->n_points, ts ? ts->n_kids : 0);
			break;
		}
		/* newest first (ScanBy TimestampDescending): the newest is the
		 * greatest timestamp whatever the order */
		for (i = 0; i < m->n_points; i++) {
			const char *t = ts->kids[i]->text;
			char *endp;
			double v = strtod(vals->kids[i]->text ? vals->kids[i]->text : "", &endp);

			if (t == NULL || vals->kids[i]->text == NULL || *endp != '\0') {
				rc = ag_error_set(err, AG_EAWS,
				    "cloudwatch GetMetricData: %s of cluster '%s' has an "
				    "unreadable "
				    "datapoint",
				    shown[k].name, cluster);
				break;
			}
			if (m->latest_at == NULL || strcmp(t, m->latest_at) > 0) {
				free(m->latest_at);
				m->latest_at = ag_xstrdup(t);
				m->latest = v;
			}
		}
		*n = k + 1;
		if (rc < 0)
			break;
	}
	ag_aws_response_release(&r);
	return rc;
}
