/* Unit tests for import: live cluster -> YAML -> parse -> plan with zero drift. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/diag.h"
#include "core/error.h"
#include "core/import.h"
#include "core/kv.h"
#include "core/manifest.h"
#include "core/mem.h"
#include "core/observed.h"
#include "core/plan.h"
#include "core/report.h"

static struct ag_db_cluster *
live(struct ag_observed *o, const char *id, const char *engine, const char *version)
{
	struct ag_db_cluster *c = ag_observed_add_cluster(o);

	c->id = ag_xstrdup(id);
	c->arn = ag_xasprintf("arn:aws:rds:us-east-1:123456789012:cluster:%s", id);
	c->status = ag_xstrdup("available");
	c->engine = ag_xstrdup(engine);
	c->engine_version = ag_xstrdup(version);
	c->engine_mode = ag_xstrdup("provisioned");
	c->master_username = ag_xstrdup("admin");
	c->db_subnet_group = ag_xstrdup("default");
	c->db_cluster_parameter_group = ag_xstrdup("default.aurora8.0");
	c->preferred_backup_window = ag_xstrdup("03:50-04:20");
	c->preferred_maintenance_window = ag_xstrdup("Wed:03:00-Wed:03:30");
	c->kms_key_id = ag_xstrdup("default_kms_key_id");
	c->storage_type = ag_xstrdup("gp2");
	c->port = strstr(engine, "postgres") != NULL ? 5432 : 3306;
	c->backup_retention_period = 1;
	c->pending.backup_retention_period = -1;
	c->pending.iam_auth = -1;
	return c;
}

static void
member(struct ag_observed *o, struct ag_db_cluster *c, const char *id, const char *klass, int tier,
    bool writer, bool auto_minor)
{
	struct ag_db_instance *i = ag_observed_add_instance(o);

	i->id = ag_xstrdup(id);
	i->cluster_id = ag_xstrdup(c->id);
	i->instance_class = ag_xstrdup(klass);
	i->availability_zone = ag_xstrdup("us-east-1b");
	i->promotion_tier = tier;
	i->auto_minor_version_upgrade = auto_minor;
	c->members = ag_xrealloc(c->members, (c->n_members + 1) * sizeof(*c->members));
	c->members[c->n_members].instance_id = ag_xstrdup(id);
	c->members[c->n_members].param_group_status = NULL;
	c->members[c->n_members].is_writer = writer;
	c->members[c->n_members].promotion_tier = tier;
	c->n_members++;
}

/* Imports c, parses the YAML, plans it against o: returns the change count. */
static size_t
roundtrip_scaling(struct ag_observed *o, const struct ag_db_cluster *c,
    const struct ag_observed_scaling *scaling, char **yaml_out)
{
	struct ag_buf y = AG_BUF_INIT(1 << 20), t = AG_BUF_INIT(1 << 20);
	struct ag_error err = AG_ERROR_INIT;
	struct ag_manifest_set set;
	struct ag_diags d;
	struct ag_plan plan;
	struct ag_plan_input in;
	const struct ag_cluster_plan *cp;
	size_t i, n;

	assert_int_equal(ag_import_render(&y, c, o, scaling, &err), 0);
	ag_manifest_set_init(&set);
	ag_diags_init(&d);
	if (ag_manifest_parse(&set, &d, y.ptr, y.len, "import.yaml") != 0) {
		for (i = 0; i < d.n; i++) {
			char *s = ag_diag_format(&d.v[i]);
			fprintf(stderr, "%s\n", s);
			free(s);
		}
		fprintf(stderr, "%s", y.ptr);
		fail();
	}
	assert_int_equal(set.n, 1);
	ag_plan_init(&plan);
	ag_plan_input_init(&in);
	in.manifests = &set;
	in.observed = o;
	in.now = 1794988000;
	assert_int_equal(ag_plan_compute(&plan, &in, &err), 0);
	cp = ag_plan_find(&plan, c->id);
	assert_non_null(cp);
	n = cp->n_changes;
	if (n != 0 || cp->status != AG_STATUS_UNCHANGED) {
		ag_report_text(&t, &plan, 0);
		fprintf(stderr, "%s\n%s", y.ptr, t.ptr);
	}
	assert_int_equal(cp->status, AG_STATUS_UNCHANGED);
	assert_int_equal(cp->n_actions, 0);
	ag_plan_release(&plan);
	ag_manifest_set_release(&set);
	ag_diags_release(&d);
	ag_buf_release(&t);
	*yaml_out = ag_buf_detach(&y, NULL);
	return n;
}

static size_t
roundtrip(struct ag_observed *o, const struct ag_db_cluster *c, char **yaml_out)
{
	return roundtrip_scaling(o, c, NULL, yaml_out);
}

static void
test_import__moto_cluster_zero_drift(void **state)
{
	struct ag_observed o;
	struct ag_db_cluster *c;
	char *y;

	(void)state;
	ag_observed_init(&o);
	c = live(&o, "db1", "aurora-postgresql", "15.4");
	ag_kvlist_add(&c->tags, "managed-by", "aurora-gitops");
	assert_int_equal(roundtrip(&o, c, &y), 0);
	/* defaults dropped */
	assert_null(strstr(y, "backupRetentionPeriod"));
	assert_null(strstr(y, "port:"));
	assert_null(strstr(y, "storageType"));
	assert_null(strstr(y, "dbClusterParameterGroupName"));
	assert_null(strstr(y, "deletionProtection"));
	assert_null(strstr(y, "kmsKeyId"));
	assert_null(strstr(y, "labels"));
	/* live values kept, windows lower-cased, version quoted */
	assert_non_null(strstr(y, "engineVersion: \"15.4\""));
	assert_non_null(strstr(y, "preferredMaintenanceWindow: \"wed:03:00-wed:03:30\""));
	assert_non_null(strstr(y, "dbSubnetGroupName: \"default\""));
	assert_non_null(strstr(y, "The master password cannot be read"));
	assert_null(strstr(y, "password:"));
	free(y);
	ag_observed_release(&o);
}

static void
test_import__full_cluster_zero_drift(void **state)
{
	struct ag_observed o;
	struct ag_db_cluster *c;
	char *y;

	(void)state;
	ag_observed_init(&o);
	c = live(&o, "orders", "aurora-mysql", "8.0.mysql_aurora.3.05.2");
	c->port = 3307;
	c->backup_retention_period = 14;
	c->deletion_protection = true;
	c->storage_encrypted = true;
	free(c->kms_key_id);
	c->kms_key_id = ag_xstrdup("arn:aws:kms:us-east-1:123456789012:key/k-1");
	c->copy_tags_to_snapshot = true;
	c->iam_database_authentication_enabled = true;
	c->database_name = ag_xstrdup("orders");
	free(c->storage_type);
	c->storage_type = ag_xstrdup("aurora-iopt1");
	free(c->db_cluster_parameter_group);
	c->db_cluster_parameter_group = ag_xstrdup("orders-params");
	c->master_user_secret_arn = ag_xstrdup("arn:aws:secretsmanager:us-east-1:1:secret:rds!x");
	c->has_serverless_v2 = true;
	c->serverless_v2_min_capacity = 0.5;
	c->serverless_v2_max_capacity = 8;
	ag_strlist_add(&c->enabled_cloudwatch_logs_exports, "slowquery");
	ag_strlist_add(&c->enabled_cloudwatch_logs_exports, "error");
	ag_strlist_add(&c->vpc_security_group_ids, "sg-2");
	ag_strlist_add(&c->vpc_security_group_ids, "sg-1");
	ag_kvlist_add(&c->tags, "team", "payments");
	ag_kvlist_add(&c->tags, "cost center", "42: x");
	ag_kvlist_add(&c->tags, "aws:cloudformation:stack-name", "s");
	member(&o, c, "orders-2", "db.serverless", 1, false, false);
	member(&o, c, "orders-1", "db.serverless", 0, true, false);
	assert_int_equal(roundtrip(&o, c, &y), 0);
	assert_non_null(strstr(y, "manageMasterUserPassword: true"));
	assert_non_null(strstr(y, "port: 3307"));
	assert_non_null(strstr(y, "backupRetentionPeriod: 14"));
	assert_non_null(strstr(y, "storageType: \"aurora-iopt1\""));
	assert_non_null(strstr(y, "autoMinorVersionUpgrade: false"));
	assert_non_null(strstr(y, "- name: \"orders-1\""));
	assert_true(strstr(y, "orders-1") < strstr(y, "orders-2"));
	assert_null(strstr(y, "aws:cloudformation"));
	assert_null(strstr(y, "managed-by"));
	free(y);
	ag_observed_release(&o);
}

/* A cluster another tool manages: import says so, and the plan of the file
 * is exactly one visible change, the adoption; the other tool's tags stay. */
static void
test_import__adoption_is_one_visible_change(void **state)
{
	struct ag_buf y = AG_BUF_INIT(1 << 20);
	struct ag_error err = AG_ERROR_INIT;
	struct ag_manifest_set set;
	struct ag_diags d;
	struct ag_plan plan;
	struct ag_plan_input in;
	struct ag_observed o;
	struct ag_db_cluster *c;
	const struct ag_cluster_plan *cp;

	(void)state;
	ag_observed_init(&o);
	c = live(&o, "legacy", "aurora-postgresql", "15.4");
	ag_kvlist_add(&c->tags, "managed-by", "terraform");
	ag_kvlist_add(&c->tags, "planton.org/stack", "s1");
	assert_int_equal(ag_import_render(&y, c, &o, NULL, &err), 0);
	assert_non_null(strstr(y.ptr, "tagged managed-by=terraform"));
	assert_null(strstr(y.ptr, "shows no changes"));
	ag_manifest_set_init(&set);
	ag_diags_init(&d);
	assert_int_equal(ag_manifest_parse(&set, &d, y.ptr, y.len, "import.yaml"), 0);
	ag_plan_init(&plan);
	ag_plan_input_init(&in);
	in.manifests = &set;
	in.observed = &o;
	in.now = 1794988000;
	assert_int_equal(ag_plan_compute(&plan, &in, &err), 0);
	cp = ag_plan_find(&plan, "legacy");
	assert_int_equal(cp->n_changes, 1);
	assert_string_equal(cp->changes[0].path, "metadata.labels.managed-by");
	assert_non_null(strstr(cp->changes[0].note, "adoption"));
	assert_int_equal(cp->n_actions, 1);
	assert_int_equal(cp->actions[0].kind, AG_ACT_ADD_TAGS);
	ag_plan_release(&plan);
	ag_manifest_set_release(&set);
	ag_diags_release(&d);
	ag_buf_release(&y);
	ag_observed_release(&o);
}

/* A public instance is imported as it is, acknowledged: zero drift, and
 * never silently made private by the first sync. */
static void
test_import__public_instance_as_it_is(void **state)
{
	struct ag_observed o;
	struct ag_db_cluster *c;
	char *y;

	(void)state;
	ag_observed_init(&o);
	c = live(&o, "pub", "aurora-postgresql", "15.4");
	member(&o, c, "pub-1", "db.r6g.large", 0, true, true);
	member(&o, c, "pub-2", "db.r6g.large", 1, false, true);
	o.instances[1].publicly_accessible = true;
	assert_int_equal(roundtrip(&o, c, &y), 0);
	assert_non_null(strstr(y, "aurora-gitops/public-access: acknowledged"));
	assert_non_null(strstr(y, "publiclyAccessible: true"));
	free(y);
	ag_observed_release(&o);
}

/* An encrypted cluster's key is written as AWS reports it (an ARN, or the
 * key id an emulator echoes); a placeholder that names no key is not. */
static void
test_import__kms_key_written(void **state)
{
	static const struct {
		const char *live;
		bool written;
	} keys[] = {
	    {"arn:aws:kms:us-east-1:123456789012:key/0b3f7c8e-2a4d-4c5e-9f10-1a2b3c4d5e6f", true},
	    {"0b3f7c8e-2a4d-4c5e-9f10-1a2b3c4d5e6f", true},
	    {"mrk-0123456789abcdef0123456789abcdef", true},
	    {"default_kms_key_id", false},
	};
	struct ag_observed o;
	struct ag_db_cluster *c;
	size_t i;
	char *y, want[160];

	(void)state;
	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		ag_observed_init(&o);
		c = live(&o, "vault", "aurora-postgresql", "15.4");
		c->storage_encrypted = true;
		free(c->kms_key_id);
		c->kms_key_id = ag_xstrdup(keys[i].live);
		member(&o, c, "vault-1", "db.r6g.large", 0, true, true);
		assert_int_equal(roundtrip(&o, c, &y), 0);
		snprintf(want, sizeof(want), "kmsKeyId: \"%s\"", keys[i].live);
		if (keys[i].written)
			assert_non_null(strstr(y, want));
		else
			assert_null(strstr(y, "kmsKeyId"));
		assert_non_null(strstr(y, "storageEncrypted: true"));
		free(y);
		ag_observed_release(&o);
	}
}

static struct ag_observed_scaling *
target(struct ag_observed *o, const char *cluster, int min, int max)
{
	struct ag_observed_scaling *t = ag_observed_add_scaling(o);

	t->cluster_id = ag_xstrdup(cluster);
	t->min_capacity = min;
	t->max_capacity = max;
	t->scale_in_cooldown = -1;
	t->scale_out_cooldown = -1;
	return t;
}

/* The agent's policy on the live target: written as autoscaling, zero
 * drift; the readers Auto Scaling added are not listed as instances. */
static void
test_import__autoscaling_written(void **state)
{
	struct ag_observed o;
	struct ag_db_cluster *c;
	struct ag_observed_scaling *t;
	char *y;

	(void)state;
	ag_observed_init(&o);
	c = live(&o, "shop", "aurora-postgresql", "15.4");
	member(&o, c, "shop-1", "db.r6g.large", 0, true, true);
	member(&o, c, "shop-2", "db.r6g.large", 1, false, true);
	member(&o, c, "application-autoscaling-0a1b2c3d", "db.r6g.large", 15, false, true);
	o.scaling_loaded = true;
	t = target(&o, "shop", 1, 5);
	t->has_policy = true;
	t->metric = ag_xstrdup("RDSReaderAverageDatabaseConnections");
	t->target_value = 250.5;
	t->scale_in_cooldown = 600;
	t->disable_scale_in = true;
	t->other_policies = 1;
	/* one row, information only: the reader Auto Scaling added */
	assert_int_equal(roundtrip_scaling(&o, c, t, &y), 1);
	assert_non_null(strstr(y, "  autoscaling:\n    minReaders: 1\n    maxReaders: 5\n"
	                          "    metric: RDSReaderAverageDatabaseConnections\n"
	                          "    targetValue: 250.5\n    scaleInCooldown: 600\n"
	                          "    disableScaleIn: true\n"));
	assert_null(strstr(y, "scaleOutCooldown"));
	assert_non_null(strstr(y, "other policies on the target (1): left as they are"));
	assert_null(strstr(y, "name: \"application-autoscaling-"));
	assert_non_null(strstr(y,
	    "Readers added by Aurora Auto Scaling (application-autoscaling-...) are left out (1"));
	assert_non_null(strstr(y, "- name: \"shop-2\""));
	free(y);
	ag_observed_release(&o);
}

/* A target the manifest cannot state exactly is left out with a comment
 * saying why: zero drift, and the agent leaves the target alone. */
static void
test_import__autoscaling_left_alone(void **state)
{
	static const struct {
		bool agent_policy;
		const char *metric;
		int min, max;
		double value;
		const char *why;
	} cases[] = {
	    {false, NULL, 1, 4, 0, "its policies are not aurora-gitops's"},
	    {true, NULL, 1, 4, 50, "a metric autoscaling cannot name"},
	    {true, "RDSReaderAverageCPUUtilization", 0, 0, 50, "its capacities are outside"},
	    {true, "RDSReaderAverageCPUUtilization", 2, 16, 50, "its capacities are outside"},
	    {true, "RDSReaderAverageCPUUtilization", 1, 4, 150, "its target value is outside"},
	};
	struct ag_observed o;
	struct ag_db_cluster *c;
	struct ag_observed_scaling *t;
	size_t i;
	char *y;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		ag_observed_init(&o);
		c = live(&o, "shop", "aurora-postgresql", "15.4");
		member(&o, c, "shop-1", "db.r6g.large", 0, true, true);
		o.scaling_loaded = true;
		t = target(&o, "shop", cases[i].min, cases[i].max);
		t->has_policy = cases[i].agent_policy;
		t->metric = cases[i].metric ? ag_xstrdup(cases[i].metric) : NULL;
		t->target_value = cases[i].value;
		t->other_policies = 1;
		assert_int_equal(roundtrip_scaling(&o, c, t, &y), 0);
		assert_null(strstr(y, "autoscaling:"));
		assert_non_null(strstr(y, "Reader Auto Scaling has a target here"));
		assert_non_null(strstr(y, cases[i].why));
		free(y);
		ag_observed_release(&o);
	}
}

static void
test_import__refuses_nameless(void **state)
{
	struct ag_db_cluster c;
	struct ag_buf y = AG_BUF_INIT(1024);
	struct ag_error err = AG_ERROR_INIT;

	(void)state;
	memset(&c, 0, sizeof(c));
	assert_int_equal(ag_import_render(&y, &c, NULL, NULL, &err), AG_EINVAL);
	assert_non_null(strstr(err.msg, "cannot import cluster"));
	ag_buf_release(&y);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_import__moto_cluster_zero_drift),
	    cmocka_unit_test(test_import__full_cluster_zero_drift),
	    cmocka_unit_test(test_import__adoption_is_one_visible_change),
	    cmocka_unit_test(test_import__public_instance_as_it_is),
	    cmocka_unit_test(test_import__kms_key_written),
	    cmocka_unit_test(test_import__autoscaling_written),
	    cmocka_unit_test(test_import__autoscaling_left_alone),
	    cmocka_unit_test(test_import__refuses_nameless),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
