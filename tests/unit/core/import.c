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
roundtrip(struct ag_observed *o, const struct ag_db_cluster *c, char **yaml_out)
{
	struct ag_buf y = AG_BUF_INIT(1 << 20), t = AG_BUF_INIT(1 << 20);
	struct ag_error err = AG_ERROR_INIT;
	struct ag_manifest_set set;
	struct ag_diags d;
	struct ag_plan plan;
	struct ag_plan_input in;
	const struct ag_cluster_plan *cp;
	size_t i, n;

	assert_int_equal(ag_import_render(&y, c, o, &err), 0);
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
	assert_int_equal(ag_import_render(&y, c, &o, &err), 0);
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

static void
test_import__refuses_nameless(void **state)
{
	struct ag_db_cluster c;
	struct ag_buf y = AG_BUF_INIT(1024);
	struct ag_error err = AG_ERROR_INIT;

	(void)state;
	memset(&c, 0, sizeof(c));
	assert_int_equal(ag_import_render(&y, &c, NULL, &err), AG_EINVAL);
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
	    cmocka_unit_test(test_import__refuses_nameless),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
