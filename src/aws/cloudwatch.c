/* CloudWatch operations: the agent's metric alarms, read for the fleet. */
#include "aws/cloudwatch.h"
#include "core/mem.h"

#include <stdlib.h>
#include <string.h>

#include "core/compat.h"

#define CW_MAX_PAGES 10000

void
ag_cw_decode_alarm(struct ag_observed_alarm *a, const struct ag_xml_node *n)
{
	const struct ag_xml_node *d = ag_xml_child(n, "Dimensions");
	size_t i;

	memset(a, 0, sizeof(*a));
	a->name = ag_xml_dup(n, "AlarmName");
	a->description = ag_xml_dup(n, "AlarmDescription");
	a->metric = ag_xml_dup(n, "MetricName");
	a->namespace_ = ag_xml_dup(n, "Namespace");
	a->statistic = ag_xml_dup(n, "Statistic");
	a->comparison = ag_xml_dup(n, "ComparisonOperator");
	a->treat_missing = ag_xml_dup(n, "TreatMissingData");
	ag_xml_int(n, "Period", &a->period);
	ag_xml_int(n, "EvaluationPeriods", &a->evaluation_periods);
	ag_xml_double(n, "Threshold", &a->threshold);
	ag_xml_bool(n, "ActionsEnabled", &a->actions_enabled);
	ag_xml_strlist(&a->alarm_actions, n, "AlarmActions");
	ag_xml_strlist(&a->ok_actions, n, "OKActions");
	for (i = 0; d != NULL && i < d->n_kids; i++) {
		const char *k = ag_xml_text(d->kids[i], "Name"),
		           *v = ag_xml_text(d->kids[i], "Value");

		if (k != NULL)
			ag_kvlist_add(&a->dimensions, k, v != NULL ? v : "");
	}
}

int
ag_cw_describe_alarms(
    struct ag_aws_client *c, const char *prefix, struct ag_observed *out, struct ag_error *err)
{
	struct ag_strlist tokens = AG_STRLIST_INIT;
	size_t max_bytes = ag_aws_client_config(c)->max_list_bytes, total = 0;
	char *token = NULL;
	int pages = 0, rc = 0;

	do {
		struct ag_kvlist p = AG_KVLIST_INIT;
		struct ag_aws_response r;
		const struct ag_xml_node *l;
		const char *t;
		size_t i;

		ag_kvlist_add(&p, "AlarmNamePrefix", prefix);
		ag_kvlist_add(&p, "AlarmTypes.member.1", "MetricAlarm");
		ag_kvlist_add(&p, "MaxRecords", "100");
		if (token != NULL)
			ag_kvlist_add(&p, "NextToken", token);
		rc = ag_aws_call(c, AG_AWS_CLOUDWATCH, "DescribeAlarms", &p, &r, err);
		ag_kvlist_release(&p);
		if (rc != 0)
			break;
		total += r.body_len;
		l = ag_xml_child(r.result, "MetricAlarms");
		if (l == NULL || (max_bytes && total > max_bytes)) {
			rc = ag_error_set(err, l == NULL ? AG_EAWS : AG_ETOOBIG,
			    l == NULL
			        ? "monitoring DescribeAlarms: the reply has no MetricAlarms "
			          "element (page %d)"
			        : "monitoring DescribeAlarms: the replies exceed the size limit "
			          "after %d pages",
			    pages + 1);
			ag_aws_response_release(&r);
			break;
		}
		for (i = 0; i < l->n_kids; i++) {
			struct ag_observed_alarm *a = ag_observed_add_alarm(out);

			ag_cw_decode_alarm(a, l->kids[i]);
		}
		t = ag_xml_text(r.result, "NextToken");
		free(token);
		token = t != NULL && *t ? ag_xstrdup(t) : NULL;
		ag_aws_response_release(&r);
		if (token != NULL && ag_strlist_contains(&tokens, token)) {
			rc = ag_error_set(err, AG_EAWS,
			    "monitoring DescribeAlarms: NextToken came back a second time (page "
			    "%d); "
			    "the pages would never end",
			    pages + 1);
			break;
		}
		if (token != NULL)
			ag_strlist_add(&tokens, token);
		if (++pages >= CW_MAX_PAGES && token != NULL) {
			rc = ag_error_set(err, AG_ETOOBIG,
			    "monitoring DescribeAlarms: more than %d pages", CW_MAX_PAGES);
			break;
		}
	} while (token != NULL);
	free(token);
	ag_strlist_release(&tokens);
	return rc;
}
