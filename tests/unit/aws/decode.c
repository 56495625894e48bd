/* XML decoding: captured moto replies, hand-made full replies, error shapes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "aws/client.h"
#include "aws/cloudwatch.h"
#include "aws/rds.h"
#include "aws/xml.h"
#include "core/buf.h"
#include "core/observed.h"
#include "sys/fs.h"

static struct ag_xml_node *
load(const char *path)
{
	struct ag_buf b = AG_BUF_INIT(1 << 20);
	struct ag_error err = AG_ERROR_INIT;
	struct ag_xml_node *root = NULL;

	assert_int_equal(ag_fs_read(&b, path, &err), 0);
	assert_int_equal(ag_xml_parse(&root, b.ptr, b.len, path, &err), 0);
	ag_buf_release(&b);
	return root;
}

static void
test_moto_clusters(void **state)
{
	struct ag_xml_node *root = load(AG_TEST_DATA "/aws/moto-describe-db-clusters.xml");
	const struct ag_xml_node *l = ag_xml_path(root, "DescribeDBClustersResult/DBClusters");
	struct ag_db_cluster c;

	(void)state;
	assert_non_null(l);
	assert_int_equal(l->n_kids, 1);
	ag_rds_decode_cluster(&c, l->kids[0]);
	assert_string_equal(c.id, "c0");
	assert_string_equal(c.arn, "arn:aws:rds:us-east-1:123456789012:cluster:c0");
	assert_string_equal(c.resource_id, "cluster-7MKZ9ITNL9ZSU5P7C781AT9Y4V");
	assert_string_equal(c.status, "available");
	assert_string_equal(c.engine, "aurora-postgresql");
	assert_string_equal(c.engine_version, "16.1");
	assert_string_equal(c.engine_mode, "provisioned");
	assert_null(c.database_name);
	assert_string_equal(c.master_username, "pg");
	assert_string_equal(c.db_subnet_group, "sng");
	assert_string_equal(c.db_cluster_parameter_group, "default.aurora8.0");
	assert_string_equal(c.preferred_backup_window, "01:37-02:07");
	assert_string_equal(c.preferred_maintenance_window, "wed:02:40-wed:03:10");
	assert_string_equal(c.kms_key_id, "default_kms_key_id");
	assert_string_equal(c.storage_type, "gp2");
	assert_string_equal(c.endpoint, "c0.cluster-okhufxvsla6g.us-east-1.rds.amazonaws.com");
	assert_string_equal(
	    c.reader_endpoint, "c0.cluster-ro-okhufxvsla6g.us-east-1.rds.amazonaws.com");
	assert_string_equal(c.hosted_zone_id, "W6P82H02YIVNDH");
	assert_string_equal(c.network_type, "IPV4");
	assert_int_equal(c.port, 5432);
	assert_int_equal(c.backup_retention_period, 3);
	assert_false(c.storage_encrypted);
	assert_false(c.deletion_protection);
	assert_false(c.iam_database_authentication_enabled);
	assert_false(c.copy_tags_to_snapshot);
	assert_false(c.http_endpoint_enabled);
	assert_true(c.auto_minor_version_upgrade);
	assert_false(c.multi_az);
	assert_false(c.publicly_accessible);
	assert_int_equal(c.availability_zones.n, 3);
	assert_string_equal(c.availability_zones.v[1], "us-east-1b");
	assert_int_equal(c.enabled_cloudwatch_logs_exports.n, 0);
	assert_int_equal(c.vpc_security_group_ids.n, 0);
	assert_false(c.has_serverless_v2);
	assert_null(c.master_user_secret_arn);
	assert_false(c.pending.present);
	assert_int_equal(c.pending.backup_retention_period, -1);
	/* Members: after a failover, c0-2 is the writer. */
	assert_int_equal(c.n_members, 2);
	assert_string_equal(c.members[0].instance_id, "c0-1");
	assert_false(c.members[0].is_writer);
	assert_int_equal(c.members[0].promotion_tier, 1);
	assert_string_equal(c.members[0].param_group_status, "in-sync");
	assert_string_equal(c.members[1].instance_id, "c0-2");
	assert_true(c.members[1].is_writer);
	assert_int_equal(c.members[1].promotion_tier, 2);
	assert_int_equal(c.tags.n, 1);
	assert_string_equal(ag_kvlist_get(&c.tags, "managed-by"), "aurora-gitops");
	assert_string_equal(ag_xml_text(ag_xml_child(root, "ResponseMetadata"), "RequestId"),
	    "Mq1n5nARYCTBYqIqvVvOT5rg0NpophxGSwcLmvDq1YxOkkt53tuG");
	assert_null(ag_xml_text(ag_xml_child(root, "DescribeDBClustersResult"), "Marker"));
	ag_db_cluster_release(&c);
	ag_xml_free(root);
}

static void
test_full_cluster(void **state)
{
	struct ag_xml_node *root = load(AG_TEST_DATA "/aws/describe-db-clusters-full.xml");
	const struct ag_xml_node *res = ag_xml_child(root, "DescribeDBClustersResult");
	struct ag_db_cluster c;

	(void)state;
	assert_string_equal(ag_xml_text(res, "Marker"), "next-page-token");
	ag_rds_decode_cluster(&c, ag_xml_child(ag_xml_child(res, "DBClusters"), "DBCluster"));
	assert_string_equal(c.id, "orders");
	assert_int_equal(c.port, 5433);
	assert_int_equal(c.vpc_security_group_ids.n, 2);
	assert_string_equal(c.vpc_security_group_ids.v[1], "sg-0b2");
	assert_int_equal(c.enabled_cloudwatch_logs_exports.n, 1);
	assert_string_equal(c.enabled_cloudwatch_logs_exports.v[0], "postgresql");
	assert_int_equal(c.custom_endpoints.n, 2);
	assert_string_equal(
	    c.custom_endpoints.v[1], "batch.cluster-custom-abc.us-east-1.rds.amazonaws.com");
	assert_true(c.has_serverless_v2);
	assert_true(c.serverless_v2_min_capacity == 0.5);
	assert_true(c.serverless_v2_max_capacity == 16.0);
	assert_string_equal(c.master_user_secret_arn,
	    "arn:aws:secretsmanager:us-east-1:123456789012:secret:rds!cluster-abc");
	assert_string_equal(c.master_user_secret_status, "active");
	assert_string_equal(
	    c.master_user_secret_kms_key_id, "arn:aws:kms:us-east-1:123456789012:key/k1");
	assert_true(c.pending.present);
	assert_string_equal(c.pending.engine_version, "15.5");
	assert_int_equal(c.pending.backup_retention_period, 14);
	assert_true(c.pending.master_user_password);
	assert_int_equal(c.pending.iam_auth, 1);
	assert_null(c.pending.storage_type);
	assert_int_equal(c.pending.enable_log_types.n, 1);
	assert_string_equal(c.pending.enable_log_types.v[0], "upgrade");
	assert_string_equal(c.pending.disable_log_types.v[0], "postgresql");
	assert_int_equal(c.n_members, 0);
	assert_int_equal(c.tags.n, 0);
	ag_db_cluster_release(&c);
	ag_xml_free(root);
}

static void
test_instances(void **state)
{
	struct ag_xml_node *root = load(AG_TEST_DATA "/aws/describe-db-instances.xml");
	const struct ag_xml_node *res = ag_xml_child(root, "DescribeDBInstancesResult");
	struct ag_db_instance i;

	(void)state;
	assert_string_equal(ag_xml_text(res, "Marker"), "bW9yZQ==");
	ag_rds_decode_instance(&i, ag_xml_path(res, "DBInstances/DBInstance"));
	assert_string_equal(i.id, "c0-1");
	assert_string_equal(i.arn, "arn:aws:rds:us-east-1:123456789012:db:c0-1");
	assert_string_equal(i.cluster_id, "c0");
	assert_string_equal(i.instance_class, "db.r6g.large");
	assert_string_equal(i.pending_instance_class, "db.r6g.xlarge");
	assert_string_equal(i.status, "available");
	assert_string_equal(i.engine_version, "16.1");
	assert_string_equal(i.availability_zone, "us-east-1a");
	assert_string_equal(i.endpoint_address, "c0-1.aaaa.us-east-1.rds.amazonaws.com");
	assert_int_equal(i.promotion_tier, 1);
	assert_true(i.auto_minor_version_upgrade);
	assert_false(i.publicly_accessible);
	assert_string_equal(ag_kvlist_get(&i.tags, "team"), "payments");
	/* no Performance Insights or monitoring elements: unknown, not "off" */
	assert_false(i.has_pi);
	assert_false(i.has_monitoring);
	ag_db_instance_release(&i);
	ag_xml_free(root);
}

static struct ag_xml_node *
parse(const char *xml)
{
	struct ag_error err = AG_ERROR_INIT;
	struct ag_xml_node *root = NULL;

	assert_int_equal(ag_xml_parse(&root, xml, strlen(xml), "test reply", &err), 0);
	return root;
}

static void
test_insights_and_alarms(void **state)
{
	struct ag_xml_node *root =
	    parse("<DBInstance><DBInstanceIdentifier>c0-1</DBInstanceIdentifier>"
	          "<PerformanceInsightsEnabled>true</PerformanceInsightsEnabled>"
	          "<PerformanceInsightsRetentionPeriod>93</PerformanceInsightsRetentionPeriod>"
	          "<PerformanceInsightsKMSKeyId>arn:aws:kms:us-east-1:123456789012:key/k1"
	          "</PerformanceInsightsKMSKeyId><MonitoringInterval>30</MonitoringInterval>"
	          "<MonitoringRoleArn>arn:aws:iam::123456789012:role/rds-monitoring-role"
	          "</MonitoringRoleArn></DBInstance>");
	struct ag_db_instance i;
	struct ag_observed_alarm a;

	(void)state;
	ag_rds_decode_instance(&i, root);
	assert_true(i.has_pi && i.pi_enabled);
	assert_int_equal(i.pi_retention, 93);
	assert_string_equal(i.pi_kms_key_id, "arn:aws:kms:us-east-1:123456789012:key/k1");
	assert_true(i.has_monitoring);
	assert_int_equal(i.monitoring_interval, 30);
	assert_string_equal(
	    i.monitoring_role_arn, "arn:aws:iam::123456789012:role/rds-monitoring-role");
	ag_db_instance_release(&i);
	ag_xml_free(root);

	root = parse("<member><AlarmName>aurora-gitops/c0/c0-1/cpu</AlarmName>"
	             "<AlarmDescription>d (managed by aurora-gitops)</AlarmDescription>"
	             "<ActionsEnabled>true</ActionsEnabled>"
	             "<OKActions><member>arn:aws:sns:us-east-1:123456789012:t</member></OKActions>"
	             "<AlarmActions><member>arn:aws:sns:us-east-1:123456789012:t</member>"
	             "</AlarmActions><MetricName>CPUUtilization</MetricName>"
	             "<Namespace>AWS/RDS</Namespace><Statistic>Average</Statistic>"
	             "<Dimensions><member><Name>DBInstanceIdentifier</Name><Value>c0-1</Value>"
	             "</member></Dimensions><Period>300</Period>"
	             "<EvaluationPeriods>3</EvaluationPeriods><Threshold>80.0</Threshold>"
	             "<ComparisonOperator>GreaterThanThreshold</ComparisonOperator>"
	             "<TreatMissingData>missing</TreatMissingData></member>");
	ag_cw_decode_alarm(&a, root);
	assert_string_equal(a.name, "aurora-gitops/c0/c0-1/cpu");
	assert_string_equal(a.metric, "CPUUtilization");
	assert_string_equal(a.namespace_, "AWS/RDS");
	assert_string_equal(ag_kvlist_get(&a.dimensions, "DBInstanceIdentifier"), "c0-1");
	assert_int_equal(a.period, 300);
	assert_int_equal(a.evaluation_periods, 3);
	assert_true(a.threshold == 80.0);
	assert_true(a.actions_enabled);
	assert_int_equal(a.alarm_actions.n, 1);
	assert_string_equal(a.ok_actions.v[0], "arn:aws:sns:us-east-1:123456789012:t");
	assert_string_equal(a.treat_missing, "missing");
	ag_observed_alarm_release(&a);
	ag_xml_free(root);
}

static void
parse_error_file(const char *path, struct ag_aws_error_info *e, int want)
{
	struct ag_buf b = AG_BUF_INIT(1 << 20);
	struct ag_error err = AG_ERROR_INIT;

	assert_int_equal(ag_fs_read(&b, path, &err), 0);
	assert_int_equal(ag_aws_parse_error(e, b.ptr, b.len), want);
	ag_buf_release(&b);
}

static void
test_errors(void **state)
{
	struct ag_aws_error_info e;

	(void)state;
	parse_error_file(AG_TEST_DATA "/aws/rds-error-not-found.xml", &e, 0);
	assert_string_equal(e.code, "DBClusterNotFoundFault");
	assert_string_equal(e.message, "DBCluster nope not found.");
	assert_string_equal(e.request_id, "d3pf5a1b-0000-4000-8000-000000000001");
	ag_aws_error_info_release(&e);

	parse_error_file(AG_TEST_DATA "/aws/iam-error-signature.xml", &e, 0);
	assert_string_equal(e.code, "SignatureDoesNotMatch");
	assert_non_null(strstr(e.message, "does not match"));
	assert_string_equal(e.request_id, "7a62c49f-347e-4fc4-9331-6e8eEXAMPLE");
	ag_aws_error_info_release(&e);

	parse_error_file(AG_TEST_DATA "/aws/ec2-error.xml", &e, 0);
	assert_string_equal(e.code, "InvalidSubnetID.NotFound");
	assert_string_equal(e.request_id, "59dbff89-35bd-4eac-99ed-be587EXAMPLE");
	ag_aws_error_info_release(&e);

	/* moto's Flask error page is not XML: no code, the caller reports the status. */
	parse_error_file(AG_TEST_DATA "/aws/html-500.html", &e, AG_EINVAL);
	assert_null(e.code);
	assert_int_equal(ag_aws_parse_error(&e, "", 0), AG_EINVAL);
	assert_int_equal(ag_aws_parse_error(&e, "<a><b/></a>", 11), AG_EINVAL);
}

static void
test_malformed(void **state)
{
	struct ag_xml_node *root = NULL;
	struct ag_error err = AG_ERROR_INIT;
	static const char bad[] = "<a><b>text</a>";

	(void)state;
	assert_int_equal(ag_xml_parse(&root, bad, sizeof(bad) - 1, "test reply", &err), AG_EAWS);
	assert_null(root);
	assert_non_null(strstr(err.msg, "test reply: malformed XML at line 1"));
}

static void
test_doctype_refused(void **state)
{
	struct ag_xml_node *root = NULL;
	struct ag_error err = AG_ERROR_INIT;
	static const char dtd[] = "<!DOCTYPE a [<!ENTITY x \"xxxxxxxx\">]><a>&x;&x;</a>";

	(void)state;
	assert_int_equal(ag_xml_parse(&root, dtd, sizeof(dtd) - 1, "reply", &err), AG_EAWS);
	assert_null(root);
	assert_string_equal(
	    err.msg, "reply: malformed XML: a document type declaration is not allowed");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_moto_clusters),
	    cmocka_unit_test(test_full_cluster),
	    cmocka_unit_test(test_instances),
	    cmocka_unit_test(test_insights_and_alarms),
	    cmocka_unit_test(test_errors),
	    cmocka_unit_test(test_malformed),
	    cmocka_unit_test(test_doctype_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
