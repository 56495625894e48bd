/* Unit tests for the drift field table and its normalisers: every row has
 * a pair that must not drift and one that must (or is never compared); the
 * views the planner compares give the texts the copying accessors give. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/diag.h"
#include "core/fieldtab.h"
#include "core/manifest.h"
#include "core/normalize.h"
#include "core/observed.h"

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

static const char *const view_docs[] = {
    /* bools and ints left out: absent, or the defaults */
    "apiVersion: aws.project-planton.org/v1\nkind: AwsRdsCluster\nmetadata:\n  name: a\n"
    "spec:\n  dbSubnetGroupName: default\n  engine: aurora-postgresql\n"
    "  engineVersion: \"16.1\"\n",
    /* written, false and true, ints set */
    "apiVersion: aws.project-planton.org/v1\nkind: AwsRdsCluster\nmetadata:\n  name: b\n"
    "spec:\n  dbSubnetGroupName: default\n  engine: aurora-mysql\n"
    "  engineVersion: \"8.0.mysql_aurora.3.05.2\"\n  manageMasterUserPassword: true\n"
    "  storageEncrypted: false\n  deletionProtection: true\n  copyTagsToSnapshot: false\n"
    "  iamDatabaseAuthenticationEnabled: true\n  backupRetentionPeriod: 35\n"
    "  port: 3307\n  backtrackWindow: 0\n  enableHttpEndpoint: false\n",
};

/* Checks view against the copy: the same text, or both absent. */
static void
same_text(const char *view, char *copy)
{
	if (copy == NULL)
		assert_null(view);
	else
		assert_string_equal(view, copy);
	free(copy);
}

static void
test_fieldtab__views_match_copies(void **state)
{
	const struct ag_field_row *rows;
	struct ag_db_cluster live[3];
	static char pg[] = "aurora-postgresql";
	char scratch[AG_FIELDTAB_SCRATCH], *copy;
	const char *view;
	size_t n, i, k, views = 0;

	(void)state;
	rows = ag_fieldtab_rows(&n);
	for (k = 0; k < sizeof(view_docs) / sizeof(view_docs[0]); k++) {
		struct ag_manifest_set set;
		struct ag_diags diags;

		ag_manifest_set_init(&set);
		ag_diags_init(&diags);
		assert_int_equal(
		    ag_manifest_parse(&set, &diags, view_docs[k], strlen(view_docs[k]), "v.yaml"),
		    0);
		assert_int_equal(set.n, 1);
		for (i = 0; i < n; i++) {
			if (ag_fieldtab_desired_view(&view, scratch, &rows[i], &set.v[0])) {
				ag_fieldtab_desired(&copy, &rows[i], &set.v[0]);
				same_text(view, copy);
				views++;
			} else {
				assert_null(view);
			}
		}
		ag_manifest_set_release(&set);
		ag_diags_release(&diags);
	}
	memset(live, 0, sizeof(live));
	live[1].storage_encrypted = live[1].deletion_protection = true;
	live[1].port = 5432;
	live[1].backup_retention_period = 1;
	live[1].backtrack_window = 86400;
	live[1].engine = pg;
	live[2].port = -1;
	live[2].backup_retention_period = 2147483647;
	for (k = 0; k < 3; k++)
		for (i = 0; i < n; i++) {
			if (ag_fieldtab_live_view(&view, scratch, &rows[i], &live[k])) {
				ag_fieldtab_live(&copy, &rows[i], &live[k]);
				same_text(view, copy);
				views++;
			} else {
				assert_null(view);
			}
		}
	assert_true(views > 0);
	/* bools and ints are views now, not copies */
	assert_true(ag_fieldtab_live_view(
	    &view, scratch, ag_fieldtab_row(AG_F_STORAGE_ENCRYPTED), &live[1]));
	assert_string_equal(view, "true");
	assert_true(ag_fieldtab_live_view(&view, scratch, ag_fieldtab_row(AG_F_PORT), &live[1]));
	assert_string_equal(view, "5432");
	assert_true(ag_fieldtab_live_view(&view, scratch, ag_fieldtab_row(AG_F_PORT), &live[2]));
	assert_null(view); /* not positive: absent, as the copy says */

	assert_string_equal(ag_fieldtab_int_text(scratch, 0), "0");
	assert_string_equal(ag_fieldtab_int_text(scratch, 7), "7");
	assert_string_equal(ag_fieldtab_int_text(scratch, -45), "-45");
	assert_string_equal(ag_fieldtab_int_text(scratch, 2147483647), "2147483647");
	assert_string_equal(ag_fieldtab_int_text(scratch, -2147483647 - 1), "-2147483648");
}

/* Numbers are compared by value; equal texts of digits are equal at once,
 * other texts still go through the number parse. */
static void
test_fieldtab__numbers_compare_by_value(void **state)
{
	(void)state;
	assert_true(ag_norm_equal(AG_NORM_INT, "7", "7", NULL));
	assert_true(ag_norm_equal(AG_NORM_INT, "007", "7", NULL));
	assert_true(ag_norm_equal(AG_NORM_NUMBER, "2", "2.0", NULL));
	assert_false(ag_norm_equal(AG_NORM_INT, "7", "8", NULL));
	assert_false(ag_norm_equal(AG_NORM_INT, "7", "70", NULL));
	assert_false(ag_norm_equal(AG_NORM_INT, "70", "7", NULL));
	assert_true(ag_norm_equal(AG_NORM_PORT, "123456789012345", "123456789012345", NULL));
	/* 16 digits: past the shortcut, still by value */
	assert_true(ag_norm_equal(AG_NORM_NUMBER, "1234567890123456", "1234567890123456", NULL));
	assert_true(ag_norm_equal(AG_NORM_NUMBER, "1234567890123456", "01234567890123456", NULL));
	assert_false(ag_norm_equal(AG_NORM_NUMBER, "1234567890123456", "1234567890123457", NULL));
	/* not a number: compared as text */
	assert_false(ag_norm_equal(AG_NORM_INT, "12", "12 ", NULL));
	assert_true(ag_norm_equal(AG_NORM_INT, "12 ", "12 ", NULL));
	assert_false(ag_norm_equal(AG_NORM_INT, "", "0", NULL));
	assert_true(ag_norm_equal(AG_NORM_INT, "", "", NULL));
	/* a port left out is the engine's default */
	assert_true(ag_norm_equal_row(ag_fieldtab_row(AG_F_PORT), NULL, "5432",
	    &(struct ag_norm_ctx){"aurora-postgresql", false, false}));
	assert_false(ag_norm_equal_row(ag_fieldtab_row(AG_F_PORT), NULL, "5433",
	    &(struct ag_norm_ctx){"aurora-postgresql", false, false}));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_fieldtab__rows_are_complete),
	    cmocka_unit_test(test_fieldtab__members_are_distinct),
	    cmocka_unit_test(test_fieldtab__every_row_normalises),
	    cmocka_unit_test(test_fieldtab__normaliser_details),
	    cmocka_unit_test(test_fieldtab__views_match_copies),
	    cmocka_unit_test(test_fieldtab__numbers_compare_by_value),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
