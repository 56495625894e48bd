/* Unit tests for spec.alarms: the alarms a manifest asks for, their
 * comparison with DescribeAlarms, and the AWS value rules. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "core/alarms.h"
#include "core/diag.h"
#include "core/error.h"
#include "core/manifest.h"
#include "core/mem.h"

#define HEAD                                                                                       \
	"apiVersion: aws.project-planton.org/v1\n"                                                 \
	"kind: AwsRdsCluster\n"                                                                    \
	"metadata:\n"                                                                              \
	"  name: db1\n"                                                                            \
	"spec:\n"                                                                                  \
	"  subnetIds: [subnet-a, subnet-b]\n"                                                      \
	"  engine: aurora-postgresql\n"                                                            \
	"  engineVersion: \"16.1\"\n"                                                              \
	"  manageMasterUserPassword: true\n"

struct res {
	struct ag_manifest_set set;
	struct ag_diags diags;
	int rc;
};

static void
load(struct res *r, const char *yaml)
{
	ag_manifest_set_init(&r->set);
	ag_diags_init(&r->diags);
	r->rc = ag_manifest_parse(&r->set, &r->diags, yaml, strlen(yaml), "t.yaml");
}

static void
done(struct res *r)
{
	ag_manifest_set_release(&r->set);
	ag_diags_release(&r->diags);
}

static bool
has_error(const struct res *r, unsigned line, const char *text)
{
	size_t i;

	for (i = 0; i < r->diags.n; i++)
		if (r->diags.v[i].line == line && strstr(r->diags.v[i].message, text) != NULL)
			return true;
	return false;
}

static void
test_alarms__desired_set(void **state)
{
	struct ag_alarm_wants w;
	struct res r;

	(void)state;
	load(&r, HEAD "  alarms:\n"
	              "    snsTopicArn: arn:aws:sns:us-east-1:123456789012:t\n"
	              "    cpu: {threshold: 70, period: 60, evaluationPeriods: 5}\n"
	              "    freeLocalStorage: {enabled: false}\n"
	              "  instances: {count: 2, instanceClass: db.r6g.large}\n");
	assert_int_equal(r.rc, 0);
	ag_alarms_desired(&w, &r.set.v[0]);
	/* cpu and freeableMemory per instance, replicaLag and deadlocks per
	 * cluster; no freeLocalStorage (off), no capacity (not serverless) */
	assert_int_equal(w.n, 6);
	assert_string_equal(w.v[0].name, "aurora-gitops/db1/db1-1/cpu");
	assert_string_equal(w.v[0].dim_name, "DBInstanceIdentifier");
	assert_string_equal(w.v[0].dim_value, "db1-1");
	assert_true(
	    w.v[0].threshold == 70 && w.v[0].period == 60 && w.v[0].evaluation_periods == 5);
	assert_string_equal(w.v[1].name, "aurora-gitops/db1/db1-2/cpu");
	assert_string_equal(w.v[2].name, "aurora-gitops/db1/db1-1/freeableMemory");
	assert_string_equal(w.v[2].comparison, "LessThanThreshold");
	assert_string_equal(w.v[4].name, "aurora-gitops/db1/replicaLag");
	assert_string_equal(w.v[4].metric, "AuroraReplicaLagMaximum");
	assert_string_equal(w.v[4].dim_name, "DBClusterIdentifier");
	assert_string_equal(w.v[5].name, "aurora-gitops/db1/deadlocks");
	assert_string_equal(w.v[5].sns, "arn:aws:sns:us-east-1:123456789012:t");
	assert_non_null(strstr(w.v[5].description, AG_ALARM_MARK));
	ag_alarm_wants_release(&w);
	done(&r);

	/* no spec.alarms: nothing */
	load(&r, HEAD "  instances: {count: 2, instanceClass: db.r6g.large}\n");
	ag_alarms_desired(&w, &r.set.v[0]);
	assert_int_equal(w.n, 0);
	ag_alarm_wants_release(&w);
	done(&r);
}

static void
test_alarms__diff_and_ownership(void **state)
{
	struct ag_alarm_wants w;
	struct ag_observed_alarm a;
	struct ag_kvlist p = AG_KVLIST_INIT;
	struct res r;

	(void)state;
	load(&r, HEAD "  alarms: {snsTopicArn: \"arn:aws:sns:us-east-1:123456789012:t\"}\n"
	              "  instances: {count: 1, instanceClass: db.r6g.large}\n");
	assert_int_equal(r.rc, 0);
	ag_alarms_desired(&w, &r.set.v[0]);
	assert_int_equal(w.n, 4); /* cpu, memory, local storage; deadlocks */

	/* the live alarm as PutMetricAlarm made it is the same alarm */
	memset(&a, 0, sizeof(a));
	ag_alarm_put_params(&p, &w.v[0]);
	a.name = ag_xstrdup(ag_kvlist_get(&p, "AlarmName"));
	a.description = ag_xstrdup(ag_kvlist_get(&p, "AlarmDescription"));
	a.metric = ag_xstrdup("CPUUtilization");
	a.namespace_ = ag_xstrdup("AWS/RDS");
	a.statistic = ag_xstrdup("Average");
	a.comparison = ag_xstrdup("GreaterThanThreshold");
	a.treat_missing = ag_xstrdup("missing");
	ag_kvlist_add(&a.dimensions, "DBInstanceIdentifier", "db1-1");
	a.period = 300;
	a.evaluation_periods = 3;
	a.threshold = 80;
	a.actions_enabled = true;
	ag_strlist_add(&a.alarm_actions, "arn:aws:sns:us-east-1:123456789012:t");
	ag_strlist_add(&a.ok_actions, "arn:aws:sns:us-east-1:123456789012:t");
	assert_string_equal(ag_kvlist_get(&p, "Threshold"), "80");
	assert_null(ag_alarm_diff(&w.v[0], &a));
	assert_true(ag_alarm_is_ours(&a, "db1"));
	assert_false(ag_alarm_is_ours(&a, "db"));
	assert_int_equal(ag_alarm_kind_of_name(a.name), AG_ALARM_CPU);

	a.threshold = 95;
	assert_string_equal(ag_alarm_diff(&w.v[0], &a), "threshold");
	a.threshold = 80;
	ag_strlist_release(&a.alarm_actions);
	assert_string_equal(ag_alarm_diff(&w.v[0], &a), "snsTopicArn");
	ag_strlist_add(&a.alarm_actions, "arn:aws:sns:us-east-1:123456789012:t");
	free(a.description);
	a.description = ag_xstrdup("made by hand");
	assert_false(ag_alarm_is_ours(&a, "db1"));

	ag_observed_alarm_release(&a);
	ag_kvlist_release(&p);
	ag_alarm_wants_release(&w);
	done(&r);
}

static void
test_alarms__aws_rules(void **state)
{
	struct res r;

	(void)state;
	assert_null(ag_alarm_check_sns_arn("arn:aws:sns:eu-west-1:123456789012:db-alerts"));
	assert_null(ag_alarm_check_sns_arn("arn:aws-us-gov:sns:us-gov-west-1:123456789012:a_b"));
	assert_non_null(ag_alarm_check_sns_arn("arn:aws:sqs:us-east-1:123456789012:q"));
	assert_non_null(ag_alarm_check_sns_arn("arn:aws:sns:us-east-1:1234:q"));
	assert_null(ag_alarm_check_period(60));
	assert_null(ag_alarm_check_period(86400));
	assert_non_null(ag_alarm_check_period(90));
	assert_non_null(ag_alarm_check_period(30));

	load(&r, HEAD "  alarms:\n"
	              "    snsTopicArn: arn:aws:sqs:us-east-1:123456789012:q\n"
	              "    cpu: {threshold: 120}\n"
	              "    deadlocks: {period: 3600, evaluationPeriods: 48}\n"
	              "    capacity: {threshold: 50}\n"
	              "    freeableMemory: {period: 90}\n"
	              "  instances: {count: 2, instanceClass: db.r6g.large}\n");
	assert_int_equal(r.rc, AG_EINVAL);
	assert_true(has_error(&r, 11, "invalid topic ARN"));
	assert_true(has_error(&r, 12, "above 100; the metric is a percentage"));
	assert_true(has_error(&r, 13, "an alarm's total evaluation period can be no longer than"));
	assert_true(has_error(&r, 14, "is not serverless"));
	assert_true(has_error(&r, 15, "90 is not a period"));
	done(&r);

	load(&r, HEAD "  engineMode: serverless\n"
	              "  alarms: {capacity: {period: 300}}\n");
	assert_true(has_error(&r, 11, "in capacity units: give its threshold"));
	done(&r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_alarms__desired_set),
	    cmocka_unit_test(test_alarms__diff_and_ownership),
	    cmocka_unit_test(test_alarms__aws_rules),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
