/* valueFrom references: checks, matching, writing resolved values, and the
 * message that keeps a cluster with an unresolved reference untouched. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/diag.h"
#include "core/error.h"
#include "core/manifest.h"
#include "core/ref.h"

static const char *
parse_one(struct ag_manifest_set *set, struct ag_diags *d, const char *spec)
{
	static char y[2048];

	snprintf(y, sizeof(y),
	    "apiVersion: aws.project-planton.org/v1\n"
	    "kind: AwsRdsCluster\n"
	    "metadata: {name: db1}\n"
	    "spec:\n"
	    "  engine: aurora-postgresql\n"
	    "  engineVersion: \"16.1\"\n"
	    "%s",
	    spec);
	assert_int_equal(ag_manifest_parse(set, d, y, strlen(y), "m.yaml"), 0);
	return y;
}

static void
test_ref__check(void **state)
{
	char why[512];

	(void)state;
	assert_null(ag_ref_check(why, sizeof(why), "AwsVpc", "AwsVpc", NULL));
	assert_null(ag_ref_check(why, sizeof(why), "AwsVpc", "AwsVpc", "status.outputs.vpc_id"));
	assert_null(
	    ag_ref_check(why, sizeof(why), "AwsKmsKey", "AwsKmsKey", "status.outputs.key_id"));
	assert_non_null(ag_ref_check(why, sizeof(why), "AwsKmsKey", "AwsKmsKey", "status.x"));
	assert_string_equal(why, "fieldPath 'status.x' of kind AwsKmsKey is not resolved (it takes "
	                         "'status.outputs.key_arn' or 'status.outputs.key_id')");
	assert_non_null(ag_ref_check(why, sizeof(why), "AwsSubnet", "AwsSecurityGroup", NULL));
	assert_string_equal(why,
	    "a reference of kind 'AwsSecurityGroup' cannot fill this field (it takes: AwsSubnet)");
	assert_non_null(ag_ref_check(why, sizeof(why), NULL, "AwsVpc", NULL));
}

static void
test_ref__kms_forms(void **state)
{
	char *a;

	(void)state;
	assert_int_equal(
	    ag_ref_kms_form("1234abcd-12ab-34cd-56ef-1234567890ab"), AG_KMS_REF_KEY_ID);
	assert_int_equal(
	    ag_ref_kms_form("mrk-1234abcd12ab34cd56ef1234567890ab"), AG_KMS_REF_KEY_ID);
	assert_int_equal(
	    ag_ref_kms_form("arn:aws:kms:us-east-1:123456789012:key/1234"), AG_KMS_REF_KEY_ARN);
	assert_int_equal(ag_ref_kms_form("orders"), AG_KMS_REF_ALIAS);
	assert_int_equal(ag_ref_kms_form("1234abcd-12ab-34cd-56ef-1234567890a"), AG_KMS_REF_ALIAS);
	a = ag_ref_kms_alias("orders");
	assert_string_equal(a, "alias/orders");
	free(a);
	a = ag_ref_kms_alias("alias/orders");
	assert_string_equal(a, "alias/orders");
	free(a);
}

static void
test_ref__match_one_none_many(void **state)
{
	struct ag_ref r = {.kind = NULL};
	struct ag_ref_candidate v[] = {
	    {"a", "vpc-1", "vpc-1"},
	    {"b", "vpc-2", "vpc-2"},
	    {"b", "vpc-3", "vpc-3"},
	};

	(void)state;
	r.kind = strdup("AwsVpc");
	r.name = strdup("a");
	ag_ref_match(&r, "ec2 DescribeVpcs tag:Name='a'", v, 3);
	assert_string_equal(r.value, "vpc-1");
	assert_null(r.error);

	free(r.name);
	r.name = strdup("b");
	ag_ref_match(&r, "ec2 DescribeVpcs tag:Name='b'", v, 3);
	assert_null(r.value);
	assert_string_equal(r.error, "ec2 DescribeVpcs tag:Name='b' is ambiguous: 2 match (vpc-2, "
	                             "vpc-3); a reference must match exactly one");

	free(r.name);
	r.name = strdup("c");
	ag_ref_match(&r, "ec2 DescribeVpcs tag:Name='c'", v, 3);
	assert_null(r.value);
	assert_string_equal(r.error, "ec2 DescribeVpcs tag:Name='c' found nothing");
	ag_ref_release(&r);
}

static void
test_ref__apply_and_problem(void **state)
{
	struct ag_manifest_set set;
	struct ag_diags d;
	struct ag_manifest *m;
	char *msg;

	(void)state;
	ag_manifest_set_init(&set);
	ag_diags_init(&d);
	parse_one(&set, &d,
	    "  subnetIds:\n"
	    "    - subnet-a\n"
	    "    - valueFrom: {kind: AwsSubnet, name: b}\n"
	    "  vpcId:\n"
	    "    valueFrom: {kind: AwsVpc, name: main}\n");
	m = &set.v[0];
	assert_int_equal(m->n_refs, 2);

	/* not looked up: the cluster cannot be planned */
	msg = ag_manifest_ref_problem(m);
	assert_non_null(msg);
	assert_non_null(strstr(msg, "m.yaml:9:7: spec.subnetIds[1]: reference {kind: AwsSubnet, "
	                            "name: 'b'} not resolved"));
	free(msg);

	/* a resolved item that repeats another item fails that reference */
	m->refs[0].value = strdup("subnet-a");
	m->refs[1].value = strdup("vpc-9");
	assert_int_equal(ag_manifest_apply_refs(m), 1);
	assert_string_equal(m->spec.vpc_id, "vpc-9");
	msg = ag_manifest_ref_problem(m);
	assert_non_null(
	    strstr(msg, "resolved to 'subnet-a', which item 0 of the list already names"));
	assert_non_null(strstr(msg, "the cluster is not touched"));
	free(msg);

	/* resolved: the value replaces the placeholder, nothing is left */
	free(m->refs[0].error);
	m->refs[0].error = NULL;
	free(m->refs[0].value);
	m->refs[0].value = strdup("subnet-b");
	assert_int_equal(ag_manifest_apply_refs(m), 0);
	assert_string_equal(m->spec.subnet_ids.v[1], "subnet-b");
	assert_null(ag_manifest_ref_problem(m));

	ag_manifest_set_release(&set);
	ag_diags_release(&d);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_ref__check),
	    cmocka_unit_test(test_ref__kms_forms),
	    cmocka_unit_test(test_ref__match_one_none_many),
	    cmocka_unit_test(test_ref__apply_and_problem),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
