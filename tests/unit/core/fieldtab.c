/* Unit tests for the drift field table and its normalisers: every row has
 * a pair that must not drift and one that must (or is never compared). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/fieldtab.h"
#include "core/normalize.h"

struct norm_case {
	enum ag_field field;
	const char *same_d, *same_l; /* must not drift (NULL = absent) */
	const char *diff_d, *diff_l; /* must drift */
	enum ag_update_class klass;
};

static const struct norm_case cases[] = {
    {AG_F_DB_SUBNET_GROUP_NAME, NULL, "default", "a", "b", AG_CLASS_BLOCKED},
    {AG_F_ASSOCIATE_SECURITY_GROUP_IDS, "sg-2,sg-1", "sg-1,sg-2", "sg-1", "sg-1,sg-2",
        AG_CLASS_IN_PLACE},
    {AG_F_DATABASE_NAME, NULL, "postgres", "app", "other", AG_CLASS_BLOCKED},
    {AG_F_MANAGE_MASTER_USER_PASSWORD, NULL, "false", NULL, "true", AG_CLASS_IN_PLACE},
    {AG_F_MASTER_USER_SECRET_KMS_KEY_ID, "k-1", "arn:aws:kms:us-east-1:1:key/k-1", "k-1",
        "arn:aws:kms:us-east-1:1:key/k-2", AG_CLASS_IN_PLACE},
    {AG_F_USERNAME, "master", "master", "admin", "master", AG_CLASS_BLOCKED},
    {AG_F_PORT, NULL, "5432", NULL, "3306", AG_CLASS_IN_PLACE},
    {AG_F_ENGINE, "aurora-mysql", "aurora-mysql", "aurora-mysql", "aurora-postgresql",
        AG_CLASS_BLOCKED},
    {AG_F_ENGINE_VERSION, "15", "15.4", "15.6", "15.4", AG_CLASS_OUTAGE},
    {AG_F_STORAGE_ENCRYPTED, NULL, "false", "true", "false", AG_CLASS_BLOCKED},
    {AG_F_KMS_KEY_ID, "alias/aws/rds", "arn:aws:kms:us-east-1:1:key/x", "k-1", "k-2",
        AG_CLASS_BLOCKED},
    {AG_F_ENABLED_CLOUDWATCH_LOGS_EXPORTS, NULL, "", "postgresql", "", AG_CLASS_IN_PLACE},
    {AG_F_DELETION_PROTECTION, NULL, "false", NULL, "true", AG_CLASS_IN_PLACE},
    {AG_F_PREFERRED_MAINTENANCE_WINDOW, "WED:03:00-wed:03:30", "wed:03:00-Wed:03:30",
        "sun:05:00-sun:05:30", "wed:03:00-wed:03:30", AG_CLASS_IN_PLACE},
    {AG_F_BACKUP_RETENTION_PERIOD, NULL, "1", NULL, "7", AG_CLASS_IN_PLACE},
    {AG_F_PREFERRED_BACKUP_WINDOW, NULL, "03:00-03:30", "01:00-01:30", "03:00-03:30",
        AG_CLASS_IN_PLACE},
    {AG_F_COPY_TAGS_TO_SNAPSHOT, "false", NULL, "true", "false", AG_CLASS_IN_PLACE},
    {AG_F_IAM_DATABASE_AUTHENTICATION_ENABLED, NULL, "false", "true", "false", AG_CLASS_DEFERRED},
    {AG_F_ENABLE_HTTP_ENDPOINT, NULL, "false", "true", "false", AG_CLASS_IN_PLACE},
    {AG_F_SERVERLESS_V2_SCALING, "min=0.5,max=0", "min=0.50,max=16", "min=1,max=4", "min=0.5,max=4",
        AG_CLASS_IN_PLACE},
    {AG_F_REPLICATION_SOURCE_IDENTIFIER, NULL, NULL, NULL, "arn:src", AG_CLASS_IN_PLACE},
    {AG_F_DB_CLUSTER_PARAMETER_GROUP_NAME, NULL, "default.aurora-postgresql15", NULL, "custom",
        AG_CLASS_IN_PLACE},
    {AG_F_ENGINE_MODE, NULL, "provisioned", "serverless", "provisioned", AG_CLASS_BLOCKED},
    {AG_F_STORAGE_TYPE, "aurora", "gp2", "aurora-iopt1", "", AG_CLASS_IN_PLACE},
    {AG_F_NETWORK_TYPE, NULL, "IPV4", "DUAL", "IPV4", AG_CLASS_IN_PLACE},
    {AG_F_BACKTRACK_WINDOW, NULL, "0", "3600", "7200", AG_CLASS_IN_PLACE},
    {AG_F_ENABLE_LOCAL_WRITE_FORWARDING, NULL, "false", "true", "false", AG_CLASS_IN_PLACE},
    {AG_F_ENGINE_LIFECYCLE_SUPPORT, NULL, "open-source-rds-extended-support",
        "open-source-rds-extended-support-disabled", "open-source-rds-extended-support",
        AG_CLASS_BLOCKED},
    {AG_F_SCALING_CONFIGURATION, "MaxCapacity=8,MinCapacity=2",
        "AutoPause=true,MaxCapacity=8,MinCapacity=2,SecondsUntilAutoPause=300", "MinCapacity=4",
        "MaxCapacity=8,MinCapacity=2", AG_CLASS_IN_PLACE},
};

static void
test_fieldtab__rows_are_complete(void **state)
{
	size_t n, i;
	const struct ag_field_row *rows = ag_fieldtab_rows(&n);

	(void)state;
	assert_int_equal(n, AG_F__COUNT);
	for (i = 0; i < n; i++) {
		assert_int_equal(rows[i].field, (enum ag_field)i);
		assert_non_null(rows[i].yaml_path);
		assert_int_equal(strncmp(rows[i].yaml_path, "spec.", 5), 0);
		/* a value comes from the row's member or its accessor */
		assert_true(rows[i].desired_fn != NULL || rows[i].spec != 0);
		if (rows[i].spec != 0)
			assert_int_not_equal(rows[i].type, AG_FT_NONE);
		if (rows[i].live != 0) {
			assert_int_not_equal(rows[i].ltype, AG_FT_NONE);
			assert_non_null(rows[i].describe_elem);
		}
		if (rows[i].klass == AG_CLASS_BLOCKED)
			assert_non_null(rows[i].hint);
		if (ag_fieldtab_observable(&rows[i]) && rows[i].norm != AG_NORM_NOT_COMPARED)
			assert_non_null(rows[i].describe_elem);
		if (rows[i].emit == AG_EMIT_SCALAR)
			assert_non_null(rows[i].modify_param);
		assert_ptr_equal(ag_fieldtab_row((enum ag_field)i), &rows[i]);
	}
	/* the create-only fields of the design */
	assert_int_equal(ag_fieldtab_row(AG_F_ENGINE)->klass, AG_CLASS_BLOCKED);
	assert_int_equal(ag_fieldtab_row(AG_F_STORAGE_ENCRYPTED)->klass, AG_CLASS_BLOCKED);
	assert_int_equal(ag_fieldtab_row(AG_F_KMS_KEY_ID)->klass, AG_CLASS_BLOCKED);
	assert_int_equal(ag_fieldtab_row(AG_F_DATABASE_NAME)->klass, AG_CLASS_BLOCKED);
	assert_int_equal(ag_fieldtab_row(AG_F_USERNAME)->klass, AG_CLASS_BLOCKED);
	assert_int_equal(ag_fieldtab_row(AG_F_DB_SUBNET_GROUP_NAME)->klass, AG_CLASS_BLOCKED);
	assert_int_equal(ag_fieldtab_row(AG_F_ENGINE_MODE)->klass, AG_CLASS_BLOCKED);
	assert_int_equal(ag_fieldtab_row(AG_F_VPC_ID)->klass, AG_CLASS_BLOCKED);
	assert_int_equal(ag_fieldtab_row(AG_F_SNAPSHOT_IDENTIFIER)->klass, AG_CLASS_BLOCKED);
	assert_int_equal(ag_fieldtab_row(AG_F_SKIP_FINAL_SNAPSHOT)->klass, AG_CLASS_DELETE_ONLY);
	assert_int_equal(
	    ag_fieldtab_row(AG_F_FINAL_SNAPSHOT_IDENTIFIER)->klass, AG_CLASS_DELETE_ONLY);
	assert_int_equal(ag_fieldtab_row(AG_F_ENGINE_VERSION)->klass, AG_CLASS_OUTAGE);
	assert_string_equal(ag_update_class_name(AG_CLASS_DEFERRED), "deferred");
}

/* No two rows share a member: the release functions free each once. */
static void
test_fieldtab__members_are_distinct(void **state)
{
	size_t n, i, j;
	const struct ag_field_row *rows = ag_fieldtab_rows(&n);

	(void)state;
	for (i = 0; i < n; i++)
		for (j = i + 1; j < n; j++) {
			if (rows[i].spec != 0)
				assert_int_not_equal(rows[i].spec, rows[j].spec);
			if (rows[i].live != 0)
				assert_int_not_equal(rows[i].live, rows[j].live);
		}
	assert_string_equal(ag_fieldtab_key(ag_fieldtab_row(AG_F_PORT)), "port");
	assert_string_equal(ag_field_yaml_name(AG_F_PORT), "port");
}

static void
test_fieldtab__every_row_normalises(void **state)
{
	struct ag_norm_ctx ctx = {"aurora-postgresql", true, false};
	bool covered[AG_F__COUNT] = {false};
	size_t n, i;
	const struct ag_field_row *rows = ag_fieldtab_rows(&n);

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct norm_case *c = &cases[i];
		const struct ag_field_row *row = ag_fieldtab_row(c->field);

		if (!ag_norm_equal_row(row, c->same_d, c->same_l, &ctx))
			fprintf(stderr, "%s: '%s' vs '%s' drifts\n", row->yaml_path,
			    c->same_d ? c->same_d : "(absent)", c->same_l ? c->same_l : "(absent)");
		assert_true(ag_norm_equal_row(row, c->same_d, c->same_l, &ctx));
		if (ag_norm_equal_row(row, c->diff_d, c->diff_l, &ctx))
			fprintf(stderr, "%s: '%s' vs '%s' does not drift\n", row->yaml_path,
			    c->diff_d ? c->diff_d : "(absent)", c->diff_l ? c->diff_l : "(absent)");
		assert_false(ag_norm_equal_row(row, c->diff_d, c->diff_l, &ctx));
		assert_int_equal(row->klass, c->klass);
		covered[c->field] = true;
	}
	for (i = 0; i < n; i++) {
		if (rows[i].norm == AG_NORM_NOT_COMPARED || rows[i].norm == AG_NORM_WRITE_ONLY ||
		    !ag_fieldtab_observable(&rows[i])) {
			/* never compared: even different values do not drift */
			assert_true(ag_norm_equal_row(&rows[i], "a", "b", &ctx));
			continue;
		}
		if (!covered[i])
			fprintf(stderr, "row %s has no case\n", rows[i].yaml_path);
		assert_true(covered[i]);
	}
}

static void
test_fieldtab__normaliser_details(void **state)
{
	struct ag_norm_ctx pg = {"aurora-postgresql", true, false};
	struct ag_norm_ctx my = {"aurora-mysql", true, true};
	char *s;

	(void)state;
	assert_string_equal(ag_norm_storage_type(NULL), "aurora");
	assert_string_equal(ag_norm_storage_type("gp2"), "aurora");
	assert_string_equal(ag_norm_storage_type("aurora-iopt1"), "aurora-iopt1");
	s = ag_norm_number(0.5);
	assert_string_equal(s, "0.5");
	free(s);
	s = ag_norm_number(16.0);
	assert_string_equal(s, "16");
	free(s);
	/* port default depends on the engine */
	assert_true(ag_norm_equal_row(ag_fieldtab_row(AG_F_PORT), NULL, "3306", &my));
	assert_false(ag_norm_equal_row(ag_fieldtab_row(AG_F_PORT), NULL, "3306", &pg));
	/* the module's own security group may be attached too */
	assert_true(ag_norm_equal_row(
	    ag_fieldtab_row(AG_F_ASSOCIATE_SECURITY_GROUP_IDS), "sg-1", "sg-1,sg-module", &my));
	/* auto minor off: a newer live minor is reported (as a note by the planner) */
	pg.auto_minor = false;
	assert_false(ag_norm_equal(AG_NORM_ENGINE_VERSION, "15.4", "15.5", &pg));
	pg.auto_minor = true;
	assert_true(ag_norm_equal(AG_NORM_ENGINE_VERSION, "15.4", "15.5", &pg));
	assert_true(ag_norm_equal(AG_NORM_SET, "a,b,a", "b,a", NULL));
	assert_true(ag_norm_equal(AG_NORM_ENGINE_MODE, "", "provisioned", NULL));
	assert_int_equal(ag_engine_default_port("aurora-postgresql"), 5432);
	assert_int_equal(ag_engine_default_port("aurora-mysql"), 3306);
	s = ag_fieldtab_subnet_group_name("My_DB x");
	assert_string_equal(s, "my_db-x");
	free(s);
	s = ag_fieldtab_param_family("aurora-mysql", "8.0.mysql_aurora.3.05.2");
	assert_string_equal(s, "aurora-mysql8.0");
	free(s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_fieldtab__rows_are_complete),
	    cmocka_unit_test(test_fieldtab__members_are_distinct),
	    cmocka_unit_test(test_fieldtab__every_row_normalises),
	    cmocka_unit_test(test_fieldtab__normaliser_details),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
