/* XML decoding: captured moto replies, hand-made full replies, error shapes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
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

/* Pooled records (decoded into an observed set's string store) read exactly
 * as records of their own: every member compared. */
static void
same_str(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		assert_ptr_equal(a, b);
	else
		assert_string_equal(a, b);
}

static void
same_list(const struct ag_strlist *a, const struct ag_strlist *b)
{
	size_t i;

	assert_int_equal(a->n, b->n);
	for (i = 0; i < a->n; i++)
		assert_string_equal(a->v[i], b->v[i]);
}

static void
same_tags(const struct ag_kvlist *a, const struct ag_kvlist *b)
{
	size_t i;

	assert_int_equal(a->n, b->n);
	for (i = 0; i < a->n; i++) {
		assert_string_equal(a->v[i].key, b->v[i].key);
		assert_string_equal(a->v[i].value, b->v[i].value);
	}
}

static void
same_cluster(const struct ag_db_cluster *a, const struct ag_db_cluster *b)
{
	size_t i;

	same_str(a->id, b->id);
	same_str(a->arn, b->arn);
	same_str(a->resource_id, b->resource_id);
	same_str(a->status, b->status);
	same_str(a->engine, b->engine);
	same_str(a->engine_version, b->engine_version);
	same_str(a->engine_mode, b->engine_mode);
	same_str(a->database_name, b->database_name);
	same_str(a->master_username, b->master_username);
	same_str(a->db_subnet_group, b->db_subnet_group);
	same_str(a->db_cluster_parameter_group, b->db_cluster_parameter_group);
	same_str(a->preferred_backup_window, b->preferred_backup_window);
	same_str(a->preferred_maintenance_window, b->preferred_maintenance_window);
	same_str(a->kms_key_id, b->kms_key_id);
	same_str(a->storage_type, b->storage_type);
	same_str(a->replication_source_identifier, b->replication_source_identifier);
	same_str(a->endpoint, b->endpoint);
	same_str(a->reader_endpoint, b->reader_endpoint);
	same_str(a->hosted_zone_id, b->hosted_zone_id);
	same_str(a->network_type, b->network_type);
	same_str(a->local_write_forwarding_status, b->local_write_forwarding_status);
	same_str(a->engine_lifecycle_support, b->engine_lifecycle_support);
	same_str(a->global_cluster_identifier, b->global_cluster_identifier);
	assert_int_equal(a->backtrack_window, b->backtrack_window);
	assert_int_equal(a->port, b->port);
	assert_int_equal(a->backup_retention_period, b->backup_retention_period);
	assert_int_equal(a->storage_encrypted, b->storage_encrypted);
	assert_int_equal(a->deletion_protection, b->deletion_protection);
	assert_int_equal(
	    a->iam_database_authentication_enabled, b->iam_database_authentication_enabled);
	assert_int_equal(a->copy_tags_to_snapshot, b->copy_tags_to_snapshot);
	assert_int_equal(a->http_endpoint_enabled, b->http_endpoint_enabled);
	assert_int_equal(a->auto_minor_version_upgrade, b->auto_minor_version_upgrade);
	assert_int_equal(a->multi_az, b->multi_az);
	assert_int_equal(a->publicly_accessible, b->publicly_accessible);
	same_list(&a->enabled_cloudwatch_logs_exports, &b->enabled_cloudwatch_logs_exports);
	same_list(&a->availability_zones, &b->availability_zones);
	same_list(&a->vpc_security_group_ids, &b->vpc_security_group_ids);
	same_list(&a->custom_endpoints, &b->custom_endpoints);
	assert_int_equal(a->has_serverless_v2, b->has_serverless_v2);
	assert_true(a->serverless_v2_min_capacity == b->serverless_v2_min_capacity);
	assert_true(a->serverless_v2_max_capacity == b->serverless_v2_max_capacity);
	assert_int_equal(
	    a->serverless_v2_seconds_until_auto_pause, b->serverless_v2_seconds_until_auto_pause);
	same_str(a->scaling_configuration, b->scaling_configuration);
	same_str(a->master_user_secret_arn, b->master_user_secret_arn);
	same_str(a->master_user_secret_status, b->master_user_secret_status);
	same_str(a->master_user_secret_kms_key_id, b->master_user_secret_kms_key_id);
	assert_int_equal(a->pending.present, b->pending.present);
	same_str(a->pending.engine_version, b->pending.engine_version);
	assert_int_equal(a->pending.backup_retention_period, b->pending.backup_retention_period);
	assert_int_equal(a->pending.master_user_password, b->pending.master_user_password);
	assert_int_equal(a->pending.iam_auth, b->pending.iam_auth);
	same_str(a->pending.storage_type, b->pending.storage_type);
	same_list(&a->pending.enable_log_types, &b->pending.enable_log_types);
	same_list(&a->pending.disable_log_types, &b->pending.disable_log_types);
	assert_int_equal(a->n_members, b->n_members);
	for (i = 0; i < a->n_members; i++) {
		same_str(a->members[i].instance_id, b->members[i].instance_id);
		same_str(a->members[i].param_group_status, b->members[i].param_group_status);
		assert_int_equal(a->members[i].is_writer, b->members[i].is_writer);
		assert_int_equal(a->members[i].promotion_tier, b->members[i].promotion_tier);
	}
	same_tags(&a->tags, &b->tags);
}

static void
same_instance(const struct ag_db_instance *a, const struct ag_db_instance *b)
{
	same_str(a->id, b->id);
	same_str(a->arn, b->arn);
	same_str(a->cluster_id, b->cluster_id);
	same_str(a->instance_class, b->instance_class);
	same_str(a->status, b->status);
	same_str(a->engine, b->engine);
	same_str(a->engine_version, b->engine_version);
	same_str(a->availability_zone, b->availability_zone);
	same_str(a->endpoint_address, b->endpoint_address);
	assert_int_equal(a->promotion_tier, b->promotion_tier);
	assert_int_equal(a->auto_minor_version_upgrade, b->auto_minor_version_upgrade);
	assert_int_equal(a->publicly_accessible, b->publicly_accessible);
	same_str(a->pending_instance_class, b->pending_instance_class);
	assert_int_equal(a->has_pi, b->has_pi);
	assert_int_equal(a->pi_enabled, b->pi_enabled);
	assert_int_equal(a->pi_retention, b->pi_retention);
	same_str(a->pi_kms_key_id, b->pi_kms_key_id);
	assert_int_equal(a->has_monitoring, b->has_monitoring);
	assert_int_equal(a->monitoring_interval, b->monitoring_interval);
	same_str(a->monitoring_role_arn, b->monitoring_role_arn);
	same_str(a->db_parameter_group, b->db_parameter_group);
	same_str(a->ca_certificate_identifier, b->ca_certificate_identifier);
	same_str(a->pending_ca, b->pending_ca);
	same_tags(&a->tags, &b->tags);
}

/* Every cluster of a reply decoded twice into a set: each pooled copy
 * reads as the record of its own; repeated values are one copy, the
 * identifiers and ARNs two. */
static void
pooled_clusters(const char *path, const char *list_path)
{
	struct ag_xml_node *root = load(path);
	const struct ag_xml_node *l = ag_xml_path(root, list_path);
	struct ag_observed o;
	size_t i;

	assert_non_null(l);
	assert_true(l->n_kids > 0);
	ag_observed_init(&o);
	for (i = 0; i < 2 * l->n_kids; i++)
		assert_true(ag_rds_add_cluster(&o, l->kids[i % l->n_kids])->pooled);
	ag_xml_free(root); /* the set keeps nothing of the tree */
	root = load(path);
	l = ag_xml_path(root, list_path);
	for (i = 0; i < l->n_kids; i++) {
		const struct ag_db_cluster *a = &o.clusters[i], *b = &o.clusters[i + l->n_kids];
		struct ag_db_cluster c;

		ag_rds_decode_cluster(&c, l->kids[i]);
		assert_false(c.pooled);
		same_cluster(a, &c);
		same_cluster(b, &c);
		ag_db_cluster_release(&c);
		assert_ptr_not_equal(a->id, b->id);
		assert_string_equal(a->id, b->id);
		if (a->resource_id != NULL)
			assert_ptr_not_equal(a->resource_id, b->resource_id);
		if (a->status != NULL)
			assert_ptr_equal(a->status, b->status);
		if (a->engine_version != NULL)
			assert_ptr_equal(a->engine_version, b->engine_version);
		if (a->availability_zones.n > 0)
			assert_ptr_equal(a->availability_zones.v[0], b->availability_zones.v[0]);
		if (a->tags.n > 0)
			assert_ptr_equal(a->tags.v[0].value, b->tags.v[0].value);
	}
	ag_observed_index(&o);
	assert_non_null(ag_observed_find_cluster(&o, o.clusters[0].id));
	ag_observed_release(&o);
	ag_xml_free(root);
}

static void
test_pooled_clusters(void **state)
{
	(void)state;
	pooled_clusters(AG_TEST_DATA "/aws/moto-describe-db-clusters.xml",
	    "DescribeDBClustersResult/DBClusters");
	pooled_clusters(AG_TEST_DATA "/aws/describe-db-clusters-full.xml",
	    "DescribeDBClustersResult/DBClusters");
}

static void
test_pooled_instances(void **state)
{
	struct ag_xml_node *root = load(AG_TEST_DATA "/aws/describe-db-instances.xml");
	const struct ag_xml_node *n =
	    ag_xml_path(root, "DescribeDBInstancesResult/DBInstances/DBInstance");
	struct ag_xml_node *bare =
	    parse("<DBInstance><DBInstanceIdentifier>C0-2</DBInstanceIdentifier>"
	          "<DBClusterIdentifier>C0</DBClusterIdentifier></DBInstance>");
	struct ag_observed o, moved;
	struct ag_db_instance d;
	const struct ag_db_instance *a, *b, *x;

	(void)state;
	ag_observed_init(&o);
	ag_observed_init(&moved);
	a = ag_rds_add_instance(&o, n);
	b = ag_rds_add_instance(&o, n);
	x = ag_rds_add_instance(&o, bare);
	ag_rds_decode_instance(&d, n);
	same_instance(a, &d);
	same_instance(b, &d);
	assert_ptr_equal(a->instance_class, b->instance_class);
	assert_ptr_equal(a->tags.v[0].key, b->tags.v[0].key);
	assert_ptr_not_equal(a->endpoint_address, b->endpoint_address);
	/* identifiers in lower case; what the reply left out stays unknown */
	assert_string_equal(x->id, "c0-2");
	assert_string_equal(x->cluster_id, "c0");
	assert_null(x->instance_class);
	assert_null(x->endpoint_address);
	assert_null(x->pending_ca);
	assert_false(x->has_pi);
	assert_false(x->has_monitoring);
	assert_int_equal(x->tags.n, 0);
	ag_xml_free(bare);
	ag_xml_free(root);
	/* moved into another set, the records and their strings go along */
	ag_observed_take_rds(&moved, &o);
	ag_observed_release(&o);
	assert_int_equal(moved.n_instances, 3);
	assert_int_equal(moved.cap_instances, 3);
	same_instance(&moved.instances[1], &d);
	ag_db_instance_release(&d);
	ag_observed_index(&moved);
	assert_ptr_equal(ag_observed_find_instance(&moved, "c0-2"), &moved.instances[2]);
	ag_observed_release(&moved);
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

/* The tree: children in document order (as an array and through next),
 * parents, a namespace prefix dropped, leaf text only, "" when empty. */
static void
test_tree_shape(void **state)
{
	struct ag_xml_node *root = parse("<r:A xmlns:r=\"urn:x\"><B>1</B><C/>mixed<B>2 &amp; 3</B>"
	                                 "<D><E>deep</E></D>tail</r:A>");
	const struct ag_xml_node *b, *c, *d;
	static const char *const names[] = {"B", "C", "B", "D"};
	size_t i;

	(void)state;
	assert_string_equal(root->name, "A");
	assert_null(root->parent);
	assert_int_equal(root->n_kids, 4);
	assert_string_equal(root->text, "tail");
	for (i = 0; i < root->n_kids; i++) {
		assert_string_equal(root->kids[i]->name, names[i]);
		assert_ptr_equal(root->kids[i]->parent, root);
		assert_ptr_equal(
		    root->kids[i]->next, i + 1 < root->n_kids ? root->kids[i + 1] : NULL);
	}
	b = root->kids[2];
	c = root->kids[1];
	d = root->kids[3];
	assert_string_equal(b->text, "2 & 3");
	assert_string_equal(c->text, "");
	assert_int_equal(c->n_kids, 0);
	assert_null(c->kids);
	assert_string_equal(ag_xml_text(root, "B"), "1");
	assert_string_equal(ag_xml_text(ag_xml_path(root, "D"), "E"), "deep");
	assert_ptr_equal(ag_xml_find(root, "E")->parent, d);
	assert_int_equal(ag_xml_count(root, "B"), 2);
	assert_int_equal(ag_xml_count(root, "C"), 1);
	assert_int_equal(ag_xml_count(root, "E"), 0); /* a grandchild only */
	assert_int_equal(ag_xml_count(root, "Z"), 0);
	assert_int_equal(ag_xml_count(c, "B"), 0);
	assert_int_equal(ag_xml_count(NULL, "B"), 0);
	ag_xml_free(root);
	ag_xml_free(NULL);
}

/* A lookup by a buffer the caller fills anew each time finds what the
 * buffer holds now, not what it held at the last lookup. */
static void
test_lookup_by_reused_buffer(void **state)
{
	struct ag_xml_node *root = parse("<A><B>b</B><C>c</C><D><B>db</B></D></A>");
	char name[8];

	(void)state;
	memcpy(name, "B", 2);
	assert_string_equal(ag_xml_text(root, name), "b");
	assert_string_equal(ag_xml_text(root, name), "b");
	memcpy(name, "C", 2);
	assert_string_equal(ag_xml_text(root, name), "c");
	memcpy(name, "Z", 2);
	assert_null(ag_xml_text(root, name));
	memcpy(name, "B", 2);
	assert_string_equal(ag_xml_text(root->kids[2], name), "db");
	assert_null(ag_xml_text(root->kids[1], name));
	memcpy(name, "D", 2);
	assert_ptr_equal(ag_xml_child(root, name), root->kids[2]);
	ag_xml_free(root);
}

/* One reader for many documents: each reads as a fresh parser would read
 * it, after a document of other names and after a malformed one. */
static void
test_reader_reused(void **state)
{
	static const char a[] = "<A><R><Id>1</Id><X>x</X></R><R><Id>2</Id><X>y</X></R></A>";
	static const char b[] = "<B><R><X>3</X><Id>z</Id></R><R><Y/><Id>w</Id></R></B>";
	static const char bad[] = "<A><R><Id>1</Id></A>";
	struct ag_xml_reader *rd = ag_xml_reader_new();
	struct ag_error err = AG_ERROR_INIT;
	struct ag_xml_node *root = NULL;
	int round;

	(void)state;
	for (round = 0; round < 2; round++) {
		assert_int_equal(ag_xml_reader_parse(rd, &root, a, sizeof(a) - 1, "a", &err), 0);
		assert_string_equal(root->name, "A");
		assert_string_equal(ag_xml_text(root->kids[1], "Id"), "2");
		assert_string_equal(ag_xml_text(root->kids[1], "X"), "y");
		ag_xml_free(root);
		assert_int_equal(ag_xml_reader_parse(rd, &root, b, sizeof(b) - 1, "b", &err), 0);
		assert_string_equal(root->name, "B");
		assert_string_equal(root->kids[0]->kids[0]->name, "X");
		assert_string_equal(ag_xml_text(root->kids[0], "Id"), "z");
		assert_null(ag_xml_text(root->kids[0], "Y"));
		assert_string_equal(ag_xml_text(root->kids[1], "Y"), "");
		assert_string_equal(ag_xml_text(root->kids[1], "Id"), "w");
		ag_xml_free(root);
		root = NULL;
		assert_int_equal(
		    ag_xml_reader_parse(rd, &root, bad, sizeof(bad) - 1, "bad", &err), AG_EAWS);
		assert_null(root);
		assert_non_null(strstr(err.msg, "bad: malformed XML at line 1"));
	}
	ag_xml_reader_free(rd);
	ag_xml_reader_free(NULL);
}

/* Records whose members come in differing sequences keep their own names
 * (the parser guesses each name from the one before it in the previous
 * record), and lookups tell a name the document never uses, a name used
 * elsewhere only, and a present one apart. */
static void
test_names_in_varying_records(void **state)
{
	struct ag_xml_node *root =
	    parse("<R><A><X>1</X><Y>2</Y><Z>3</Z></A>"
	          "<A><X>4</X><Z>5</Z></A>"
	          "<A><Y>6</Y><X>7</X></A>"
	          "<A><X>8</X><Y>9</Y><q:Z xmlns:q=\"urn:q\">10</q:Z></A></R>");
	static const char *const names[4][3] = {
	    {"X", "Y", "Z"}, {"X", "Z", NULL}, {"Y", "X", NULL}, {"X", "Y", "Z"}};
	size_t i, j;

	(void)state;
	assert_int_equal(root->n_kids, 4);
	for (i = 0; i < 4; i++)
		for (j = 0; j < 3 && names[i][j] != NULL; j++)
			assert_string_equal(root->kids[i]->kids[j]->name, names[i][j]);
	assert_int_equal(root->kids[1]->n_kids, 2);
	assert_string_equal(ag_xml_text(root->kids[1], "Z"), "5");
	assert_null(ag_xml_text(root->kids[1], "Y"));
	assert_string_equal(ag_xml_text(root->kids[2], "X"), "7");
	assert_string_equal(ag_xml_text(root->kids[3], "Z"), "10");
	assert_null(ag_xml_child(root->kids[0], "A"));
	assert_null(ag_xml_child(root->kids[0], "Never"));
	assert_null(ag_xml_child(root->kids[0]->kids[0], "X"));
	assert_null(ag_xml_child(NULL, "X"));
	assert_ptr_equal(ag_xml_child(root, "A"), root->kids[0]);
	ag_xml_free(root);
}

/* A document longer than the pieces expat is given (1 MiB): tokens that
 * span two pieces read whole, and an error far in still says where. */
static void
test_long_document(void **state)
{
	struct ag_buf b = AG_BUF_INIT(4 << 20);
	struct ag_error err = AG_ERROR_INIT;
	struct ag_xml_node *root = NULL;
	char want[64];
	size_t i;

	(void)state;
	assert_int_equal(ag_buf_adds(&b, "<A>"), 0);
	for (i = 0; i < 40000; i++)
		assert_int_equal(ag_buf_addf(&b, "\n<Member><Id>member-%zu</Id></Member>", i), 0);
	assert_int_equal(ag_buf_adds(&b, "</A>"), 0);
	assert_true(b.len > 1024 * 1024);
	assert_int_equal(ag_xml_parse(&root, b.ptr, b.len, "long reply", &err), 0);
	assert_int_equal(root->n_kids, 40000);
	for (i = 0; i < 40000; i++) {
		snprintf(want, sizeof(want), "member-%zu", i);
		assert_string_equal(ag_xml_text(root->kids[i], "Id"), want);
	}
	ag_xml_free(root);
	root = NULL;
	b.len -= 4; /* the root is never closed */
	assert_int_equal(ag_xml_parse(&root, b.ptr, b.len, "long reply", &err), AG_EAWS);
	assert_null(root);
	assert_non_null(strstr(err.msg, "long reply: malformed XML at line 40001"));
	ag_buf_release(&b);
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
	    cmocka_unit_test(test_pooled_clusters),
	    cmocka_unit_test(test_pooled_instances),
	    cmocka_unit_test(test_errors),
	    cmocka_unit_test(test_tree_shape),
	    cmocka_unit_test(test_names_in_varying_records),
	    cmocka_unit_test(test_lookup_by_reused_buffer),
	    cmocka_unit_test(test_reader_reused),
	    cmocka_unit_test(test_long_document),
	    cmocka_unit_test(test_malformed),
	    cmocka_unit_test(test_doctype_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
