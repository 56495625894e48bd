/* Unit tests for the policy lint rules AG101..AG113. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/diag.h"
#include "core/manifest.h"

#define HEAD                                                                                       \
	"apiVersion: aws.project-planton.org/v1\n"                                                 \
	"kind: AwsRdsCluster\n"                                                                    \
	"metadata:\n"                                                                              \
	"  name: db1\n"                                                                            \
	"spec:\n"                                                                                  \
	"  subnetIds: [subnet-a, subnet-b]\n"                                                      \
	"  engine: aurora-postgresql\n"                                                            \
	"  engineVersion: \"16.1\"\n"

/* Everything a production cluster should have: no warning at all. */
#define GOOD                                                                                       \
	HEAD "  manageMasterUserPassword: true\n"                                                  \
	     "  storageEncrypted: true\n"                                                          \
	     "  deletionProtection: true\n"                                                        \
	     "  backupRetentionPeriod: 7\n"                                                        \
	     "  enabledCloudwatchLogsExports: [postgresql]\n"

struct res {
	struct ag_manifest_set set;
	struct ag_diags diags;
};

static void
lint(struct res *r, const char *yaml)
{
	ag_manifest_set_init(&r->set);
	ag_diags_init(&r->diags);
	assert_int_equal(ag_manifest_parse(&r->set, &r->diags, yaml, strlen(yaml), "t.yaml"), 0);
	assert_int_equal(r->set.n, 1);
	ag_manifest_lint(&r->set, &r->diags);
}

static void
done(struct res *r)
{
	ag_manifest_set_release(&r->set);
	ag_diags_release(&r->diags);
}

static const struct ag_diag *
find_rule(const struct res *r, const char *rule)
{
	size_t i;

	for (i = 0; i < r->diags.n; i++)
		if (r->diags.v[i].rule && strcmp(r->diags.v[i].rule, rule) == 0)
			return &r->diags.v[i];
	return NULL;
}

static void
test_lint__production_is_clean(void **state)
{
	struct res r;

	(void)state;
	lint(&r, GOOD "  instances: {count: 2, instanceClass: db.r6g.large}\n");
	assert_int_equal(r.diags.n, 0);
	done(&r);
}

static void
test_lint__each_rule_fires(void **state)
{
	struct res r;
	const struct ag_diag *d;
	char *s;

	(void)state;
	lint(&r, HEAD "  password: hunter2hunter2\n"
	              "  allowedCidrBlocks: [10.0.0.0/8, 0.0.0.0/0]\n"
	              "  skipFinalSnapshot: true\n"
	              "  backupRetentionPeriod: 3\n"
	              "  instances: {count: 1, instanceClass: db.r6g.large}\n");
	assert_int_equal(r.diags.errors, 0);
	assert_int_equal(r.diags.warnings, 9);

	d = find_rule(&r, "AG101");
	assert_non_null(d);
	assert_string_equal(d->field, "spec.instances");
	assert_int_equal(d->line, 13);
	d = find_rule(&r, "AG102");
	assert_non_null(d);
	assert_string_equal(d->field, "spec.backupRetentionPeriod");
	assert_non_null(strstr(d->message, "3 days of backups"));
	d = find_rule(&r, "AG103");
	assert_non_null(d);
	assert_string_equal(d->field, "spec.storageEncrypted");
	assert_int_equal(d->line, 5); /* absent: points at spec */
	d = find_rule(&r, "AG104");
	assert_non_null(d);
	assert_string_equal(d->field, "spec.deletionProtection");
	d = find_rule(&r, "AG105");
	assert_non_null(d);
	assert_string_equal(d->field, "spec.password");
	assert_int_equal(d->line, 9);
	assert_non_null(strstr(d->message,
	    "aurora-gitops seal --key keys/NAME.pub --cluster db1 --field spec.password"));
	assert_null(strstr(d->message, "hunter2"));
	d = find_rule(&r, "AG106");
	assert_non_null(d);
	assert_string_equal(d->field, "spec.manageMasterUserPassword");
	d = find_rule(&r, "AG107");
	assert_non_null(d);
	assert_string_equal(d->field, "spec.allowedCidrBlocks");
	d = find_rule(&r, "AG108");
	assert_non_null(d);
	assert_string_equal(d->field, "spec.skipFinalSnapshot");
	d = find_rule(&r, "AG109");
	assert_non_null(d);
	assert_non_null(strstr(d->message, "[postgresql]"));

	s = ag_diag_format(find_rule(&r, "AG108"));
	assert_string_equal(s,
	    "t.yaml:11:3: warning: spec.skipFinalSnapshot: deleting the cluster "
	    "would keep no final snapshot; set skipFinalSnapshot: false [AG108]");
	free(s);
	done(&r);
}

static void
test_lint__serverless_single_instance_is_single_az(void **state)
{
	struct res r;

	(void)state;
	lint(&r, GOOD "  serverlessV2Scaling: {minCapacity: 0.5, maxCapacity: 2}\n"
	              "  instances: {count: 1}\n");
	assert_int_equal(r.diags.n, 1);
	assert_non_null(find_rule(&r, "AG101"));
	assert_non_null(strstr(find_rule(&r, "AG101")->message, "{count: 2}"));
	done(&r);
}

/* Serverless v1 has no instances: AG101 cannot apply. */
static void
test_lint__serverless_v1_has_no_instances(void **state)
{
	struct res r;

	(void)state;
	lint(&r, GOOD "  engineMode: serverless\n");
	assert_null(find_rule(&r, "AG101"));
	assert_int_equal(r.diags.n, 0);
	done(&r);
}

/* A public instance is an error unless an annotation acknowledges it. */
static void
test_lint__public_instance_needs_acknowledgement(void **state)
{
	struct res r;
	const struct ag_diag *d;

	(void)state;
	lint(&r,
	    GOOD "  instances:\n"
	         "    - {name: db-1, instanceClass: db.r6g.large}\n"
	         "    - {name: db-2, instanceClass: db.r6g.large, publiclyAccessible: true}\n");
	d = find_rule(&r, "AG110");
	assert_non_null(d);
	assert_int_equal(d->severity, AG_DIAG_ERROR);
	assert_int_equal(d->line, 16);
	assert_non_null(strstr(d->message, "db-2"));
	done(&r);
	lint(&r, "apiVersion: aws.project-planton.org/v1\n"
	         "kind: AwsRdsCluster\n"
	         "metadata:\n"
	         "  name: db\n"
	         "  annotations: {aurora-gitops/public-access: acknowledged}\n"
	         "spec:\n"
	         "  subnetIds: [subnet-a, subnet-b]\n"
	         "  engine: aurora-postgresql\n"
	         "  engineVersion: \"16.1\"\n"
	         "  instances:\n"
	         "    - {name: db-1, instanceClass: db.r6g.large, publiclyAccessible: true}\n");
	assert_null(find_rule(&r, "AG110"));
	done(&r);
}

static void
test_lint__sealed_password_is_fine(void **state)
{
	struct res r;

	(void)state;
	lint(&r, HEAD "  password: AGSEALED:v1:k1:c2VhbGVk\n"
	              "  storageEncrypted: true\n"
	              "  deletionProtection: true\n"
	              "  backupRetentionPeriod: 35\n"
	              "  enabledCloudwatchLogsExports: [postgresql]\n"
	              "  instances: {count: 2, instanceClass: db.r6g.large}\n");
	assert_null(find_rule(&r, "AG105"));
	assert_null(find_rule(&r, "AG106"));
	assert_int_equal(r.diags.n, 0);
	done(&r);
}

/* The bundles keep Performance Insights and Enhanced Monitoring on. */
static void
test_lint__insights_and_monitoring_off(void **state)
{
	struct res r;
	const struct ag_diag *d;

	(void)state;
	lint(&r, GOOD "  performanceInsights: {enabled: false}\n"
	              "  monitoring: {interval: 0}\n"
	              "  instances: {count: 2, instanceClass: db.r6g.large}\n");
	assert_int_equal(r.diags.warnings, 2);
	d = find_rule(&r, "AG111");
	assert_non_null(d);
	assert_string_equal(d->field, "spec.performanceInsights");
	assert_int_equal(d->line, 14);
	assert_non_null(strstr(d->message, "instance 'db1-1'"));
	d = find_rule(&r, "AG112");
	assert_non_null(d);
	assert_string_equal(d->field, "spec.monitoring");
	assert_int_equal(d->line, 15);
	done(&r);

	lint(&r, GOOD "  alarms: {cpu: {threshold: 90}}\n"
	              "  instances: {count: 2, instanceClass: db.r6g.large}\n");
	assert_int_equal(r.diags.warnings, 1);
	d = find_rule(&r, "AG113");
	assert_non_null(d);
	assert_string_equal(d->field, "spec.alarms");
	assert_int_equal(d->line, 14);
	done(&r);

	/* one instance overriding it off is found too; off where AWS has no
	 * Performance Insights (Aurora MySQL on db.t3) is not a finding */
	lint(&r, GOOD "  instances:\n"
	              "    - {name: a, instanceClass: db.r6g.large}\n"
	              "    - {name: b, instanceClass: db.r6g.large, monitoring: {interval: 0}}\n");
	assert_int_equal(r.diags.warnings, 1);
	d = find_rule(&r, "AG112");
	assert_non_null(d);
	assert_non_null(strstr(d->message, "instance 'b'"));
	done(&r);
}

static void
test_lint__strict_promotes(void **state)
{
	struct res r;

	(void)state;
	lint(&r, GOOD);
	assert_int_equal(r.diags.warnings, 1);
	ag_diags_promote_warnings(&r.diags);
	assert_int_equal(r.diags.errors, 1);
	assert_int_equal(r.diags.warnings, 0);
	done(&r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_lint__production_is_clean),
	    cmocka_unit_test(test_lint__each_rule_fires),
	    cmocka_unit_test(test_lint__serverless_single_instance_is_single_az),
	    cmocka_unit_test(test_lint__serverless_v1_has_no_instances),
	    cmocka_unit_test(test_lint__public_instance_needs_acknowledgement),
	    cmocka_unit_test(test_lint__sealed_password_is_fine),
	    cmocka_unit_test(test_lint__strict_promotes),
	    cmocka_unit_test(test_lint__insights_and_monitoring_off),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
