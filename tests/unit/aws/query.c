/* Query encoding: RFC 3986 escaping and the list/struct shapes of rds-api.md. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "aws/query.h"
#include "core/buf.h"
#include "core/kv.h"

static char *
encode(const struct ag_kvlist *p)
{
	struct ag_buf b = AG_BUF_INIT(1 << 20);

	ag_aws_query_encode(&b, p);
	return ag_buf_detach(&b, NULL);
}

static void
check(const struct ag_kvlist *p, const char *want)
{
	char *got = encode(p);

	assert_string_equal(got, want);
	free(got);
}

static void
test_escape(void **state)
{
	struct ag_kvlist p = AG_KVLIST_INIT;

	(void)state;
	ag_kvlist_add(&p, "Action", "DescribeDBClusters");
	ag_kvlist_add(&p, "Description", "a b+c/d=e&f~g_h.i-j*k");
	ag_kvlist_add(&p, "Utf8", "\xe1\x88\xb4");
	ag_kvlist_add(&p, "Empty", "");
	check(&p, "Action=DescribeDBClusters&Description=a%20b%2Bc%2Fd%3De%26f~g_h.i-j%2Ak"
	          "&Utf8=%E1%88%B4&Empty=");
	ag_kvlist_release(&p);
}

static void
test_lists(void **state)
{
	struct ag_kvlist p = AG_KVLIST_INIT;
	struct ag_strlist sg = AG_STRLIST_INIT, none = AG_STRLIST_INIT, logs = AG_STRLIST_INIT;
	struct ag_strlist subnets = AG_STRLIST_INIT, keys = AG_STRLIST_INIT;

	(void)state;
	ag_strlist_add(&sg, "sg-1");
	ag_strlist_add(&sg, "sg-2");
	ag_strlist_add(&logs, "postgresql");
	ag_strlist_add(&subnets, "subnet-a");
	ag_strlist_add(&subnets, "subnet-b");
	ag_strlist_add(&keys, "team");
	ag_aws_query_add_list(&p, "VpcSecurityGroupIds", "VpcSecurityGroupId", &sg);
	ag_aws_query_add_list(&p, "EnableCloudwatchLogsExports", "member", &logs);
	ag_aws_query_add_list(&p, "SubnetIds", "SubnetIdentifier", &subnets);
	ag_aws_query_add_list(&p, "TagKeys", "member", &keys);
	ag_aws_query_add_list(&p, "AvailabilityZones", "AvailabilityZone", &none);
	check(&p, "VpcSecurityGroupIds.VpcSecurityGroupId.1=sg-1"
	          "&VpcSecurityGroupIds.VpcSecurityGroupId.2=sg-2"
	          "&EnableCloudwatchLogsExports.member.1=postgresql"
	          "&SubnetIds.SubnetIdentifier.1=subnet-a&SubnetIds.SubnetIdentifier.2=subnet-b"
	          "&TagKeys.member.1=team&AvailabilityZones=");
	ag_kvlist_release(&p);
	ag_strlist_release(&sg);
	ag_strlist_release(&logs);
	ag_strlist_release(&subnets);
	ag_strlist_release(&keys);
}

static void
test_tags_filters_params(void **state)
{
	struct ag_kvlist p = AG_KVLIST_INIT, tags = AG_KVLIST_INIT, f = AG_KVLIST_INIT;
	struct ag_aws_param_setting s[2] = {{"max_connections", "200", "pending-reboot"},
	    {"log_min_duration_statement", "1000", NULL}};

	(void)state;
	ag_kvlist_add(&tags, "managed-by", "aurora-gitops");
	ag_kvlist_add(&tags, "team", "pay ments");
	ag_aws_query_add_tags(&p, "Tags.Tag", &tags);
	check(&p, "Tags.Tag.1.Key=managed-by&Tags.Tag.1.Value=aurora-gitops"
	          "&Tags.Tag.2.Key=team&Tags.Tag.2.Value=pay%20ments");
	ag_kvlist_release(&p);

	ag_kvlist_add(&f, "engine", "aurora-postgresql");
	ag_kvlist_add(&f, "db-cluster-id", "a");
	ag_kvlist_add(&f, "db-cluster-id", "b");
	ag_aws_query_add_filters(&p, &f);
	check(&p, "Filters.Filter.1.Name=engine&Filters.Filter.1.Values.Value.1=aurora-postgresql"
	          "&Filters.Filter.2.Name=db-cluster-id&Filters.Filter.2.Values.Value.1=a"
	          "&Filters.Filter.2.Values.Value.2=b");
	ag_kvlist_release(&p);

	ag_aws_query_add_ec2_filters(&p, &f);
	check(&p, "Filter.1.Name=engine&Filter.1.Value.1=aurora-postgresql"
	          "&Filter.2.Name=db-cluster-id&Filter.2.Value.1=a&Filter.2.Value.2=b");
	ag_kvlist_release(&p);

	ag_aws_query_add_parameters(&p, s, 2);
	check(&p, "Parameters.Parameter.1.ParameterName=max_connections"
	          "&Parameters.Parameter.1.ParameterValue=200"
	          "&Parameters.Parameter.1.ApplyMethod=pending-reboot"
	          "&Parameters.Parameter.2.ParameterName=log_min_duration_statement"
	          "&Parameters.Parameter.2.ParameterValue=1000");
	ag_kvlist_release(&p);
	ag_kvlist_release(&tags);
	ag_kvlist_release(&f);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_escape),
	    cmocka_unit_test(test_lists),
	    cmocka_unit_test(test_tags_filters_params),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
