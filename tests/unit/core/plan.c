/* Unit tests for the planner: drift per field, classes, blocked fields,
 * deletion safety, modes, pending values, passwords, digests, instances. */
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
#include "core/fieldtab.h"
#include "core/kv.h"
#include "core/manifest.h"
#include "core/mem.h"
#include "core/observed.h"
#include "core/plan.h"
#include "core/report.h"

#define NOW 1794988000 /* 2026-11-18T07:46:40Z, a Wednesday */

struct fx {
	struct ag_manifest_set set;
	struct ag_observed obs;
	struct ag_plan plan;
	struct ag_plan_input in;
	struct ag_password_info pw[4];
};

static int
setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	ag_manifest_set_init(&f->set);
	ag_observed_init(&f->obs);
	ag_plan_init(&f->plan);
	ag_plan_input_init(&f->in);
	f->in.manifests = &f->set;
	f->in.observed = &f->obs;
	f->in.now = NOW;
	f->in.default_mode = AG_MODE_APPLY;
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *f = *state;

	ag_manifest_set_release(&f->set);
	ag_observed_release(&f->obs);
	ag_plan_release(&f->plan);
	free(f);
	return 0;
}

/* Parses one manifest: name, extra metadata lines, extra spec lines. */
static void
add_manifest(struct fx *f, const char *name, const char *meta, const char *spec)
{
	struct ag_diags d;
	char *y;
	size_t i;
	int r;

	y = ag_xasprintf("apiVersion: aws.project-planton.org/v1\n"
	                 "kind: AwsRdsCluster\n"
	                 "metadata:\n"
	                 "  name: %s\n"
	                 "%s"
	                 "spec:\n"
	                 "%s"
	                 "%s"
	                 "%s",
	    name, meta != NULL ? meta : "",
	    spec != NULL && strstr(spec, "  engine:") != NULL ? ""
	                                                      : "  engine: aurora-postgresql\n",
	    spec != NULL && strstr(spec, "engineVersion") != NULL ? ""
	                                                          : "  engineVersion: \"15.4\"\n",
	    spec != NULL ? spec : "");
	if (spec == NULL ||
	    (strstr(spec, "dbSubnetGroupName") == NULL && strstr(spec, "subnetIds") == NULL)) {
		char *t = ag_xasprintf("%s  dbSubnetGroupName: default\n", y);

		free(y);
		y = t;
	}
	ag_diags_init(&d);
	r = ag_manifest_parse(&f->set, &d, y, strlen(y), "db.yaml");
	for (i = 0; i < d.n; i++) {
		char *t = ag_diag_format(&d.v[i]);

		if (d.v[i].severity == AG_DIAG_ERROR)
			fprintf(stderr, "%s\n--\n%s\n", t, y);
		free(t);
	}
	assert_int_equal(r, 0);
	ag_diags_release(&d);
	free(y);
}

/* A live cluster the way moto describes an untouched aurora-postgresql 15.4. */
static struct ag_db_cluster *
add_live(struct fx *f, const char *id)
{
	struct ag_db_cluster *c = ag_observed_add_cluster(&f->obs);

	c->id = ag_xstrdup(id);
	c->arn = ag_xasprintf("arn:aws:rds:us-east-1:123456789012:cluster:%s", id);
	c->status = ag_xstrdup("available");
	c->engine = ag_xstrdup("aurora-postgresql");
	c->engine_version = ag_xstrdup("15.4");
	c->engine_mode = ag_xstrdup("provisioned");
	c->master_username = ag_xstrdup("master");
	c->database_name = ag_xstrdup("postgres");
	c->db_subnet_group = ag_xstrdup("default");
	c->db_cluster_parameter_group = ag_xstrdup("default.aurora8.0");
	c->preferred_backup_window = ag_xstrdup("03:50-04:20");
	c->preferred_maintenance_window = ag_xstrdup("wed:03:00-wed:03:30");
	c->kms_key_id = ag_xstrdup("default_kms_key_id");
	c->storage_type = ag_xstrdup("gp2");
	c->network_type = ag_xstrdup("IPV4");
	c->engine_lifecycle_support = ag_xstrdup("open-source-rds-extended-support");
	c->port = 5432;
	c->backup_retention_period = 1;
	c->pending.backup_retention_period = -1;
	c->pending.iam_auth = -1;
	ag_strlist_add(&c->availability_zones, "us-east-1a");
	ag_strlist_add(&c->availability_zones, "us-east-1b");
	ag_strlist_add(&c->availability_zones, "us-east-1c");
	ag_kvlist_add(&c->tags, "managed-by", "aurora-gitops");
	return c;
}

static struct ag_db_instance *
add_inst(
    struct fx *f, struct ag_db_cluster *c, const char *id, const char *klass, int tier, bool writer)
{
	struct ag_db_instance *i = ag_observed_add_instance(&f->obs);

	i->id = ag_xstrdup(id);
	i->cluster_id = ag_xstrdup(c->id);
	i->instance_class = ag_xstrdup(klass);
	i->status = ag_xstrdup("available");
	i->engine = ag_xstrdup("aurora-postgresql");
	i->availability_zone = ag_xstrdup("us-east-1a");
	i->promotion_tier = tier;
	i->auto_minor_version_upgrade = true;
	c->members = ag_xrealloc(c->members, (c->n_members + 1) * sizeof(*c->members));
	c->members[c->n_members].instance_id = ag_xstrdup(id);
	c->members[c->n_members].param_group_status = NULL;
	c->members[c->n_members].is_writer = writer;
	c->members[c->n_members].promotion_tier = tier;
	c->n_members++;
	return i;
}

static const struct ag_cluster_plan *
run(struct fx *f, const char *id)
{
	struct ag_error err = AG_ERROR_INIT;
	const struct ag_cluster_plan *cp;

	assert_int_equal(ag_plan_compute(&f->plan, &f->in, &err), 0);
	cp = ag_plan_find(&f->plan, id);
	assert_non_null(cp);
	return cp;
}

static const struct ag_change *
find_change(const struct ag_cluster_plan *cp, const char *path)
{
	size_t i;

	for (i = 0; i < cp->n_changes; i++)
		if (strcmp(cp->changes[i].path, path) == 0)
			return &cp->changes[i];
	return NULL;
}

static const struct ag_action *
find_action(const struct ag_cluster_plan *cp, enum ag_action_kind k)
{
	size_t i;

	for (i = 0; i < cp->n_actions; i++)
		if (cp->actions[i].kind == k)
			return &cp->actions[i];
	return NULL;
}

static const char *
param(const struct ag_action *a, const char *key)
{
	assert_non_null(a);
	return ag_kvlist_get(&a->params, key);
}

static void
dump(const struct ag_plan *p)
{
	struct ag_buf b = AG_BUF_INIT((size_t)1 << 22);

	ag_report_text(&b, p, 0);
	fprintf(stderr, "%s", b.ptr);
	ag_buf_release(&b);
}

/* ---- baseline --------------------------------------------------------- */

static void
test_plan__moto_defaults_are_no_drift(void **state)
{
	struct fx *f = *state;
	const struct ag_cluster_plan *cp;

	add_manifest(f, "db1", NULL, NULL);
	add_live(f, "db1");
	cp = run(f, "db1");
	if (cp->n_changes != 0)
		dump(&f->plan);
	assert_int_equal(cp->status, AG_STATUS_UNCHANGED);
	assert_int_equal(cp->n_changes, 0);
	assert_int_equal(cp->n_actions, 0);
	assert_int_equal(f->plan.summary.unchanged, 1);
}

/* ---- every comparable row: a YAML line that must drift against the moto
 * baseline, the class, and the ModifyDBCluster parameter it sends ------ */

struct row_case {
	enum ag_field field;
	const char *spec; /* YAML lines under spec */
	const char *path; /* expected change path */
	enum ag_update_class klass;
	enum ag_change_state state;
	const char *param;        /* expected ModifyDBCluster key (NULL = none) */
	const char *value;        /* and its value */
	enum ag_action_kind kind; /* action carrying it */
};

/* Rows for aurora-mysql only: the live cluster of these cases is aurora-mysql
 * with a backtrack window of an hour. */
#define MYSQL_SPEC "  engine: aurora-mysql\n  engineVersion: \"8.0.mysql_aurora.3.05.2\"\n"

static const struct row_case row_cases[] = {
    {AG_F_DB_SUBNET_GROUP_NAME, "  dbSubnetGroupName: other\n", "spec.dbSubnetGroupName",
        AG_CLASS_BLOCKED, AG_CHANGE_BLOCKED, NULL, NULL, 0},
    {AG_F_ASSOCIATE_SECURITY_GROUP_IDS, "  associateSecurityGroupIds: [sg-1]\n",
        "spec.associateSecurityGroupIds", AG_CLASS_IN_PLACE, AG_CHANGE_SEND,
        "VpcSecurityGroupIds.VpcSecurityGroupId.1", "sg-1", AG_ACT_MODIFY_CLUSTER},
    {AG_F_DATABASE_NAME, "  databaseName: app\n", "spec.databaseName", AG_CLASS_BLOCKED,
        AG_CHANGE_BLOCKED, NULL, NULL, 0},
    {AG_F_MANAGE_MASTER_USER_PASSWORD, "  manageMasterUserPassword: true\n",
        "spec.manageMasterUserPassword", AG_CLASS_IN_PLACE, AG_CHANGE_SEND,
        "ManageMasterUserPassword", "true", AG_ACT_MODIFY_CLUSTER},
    {AG_F_USERNAME, "  username: admin\n", "spec.username", AG_CLASS_BLOCKED, AG_CHANGE_BLOCKED,
        NULL, NULL, 0},
    {AG_F_PORT, "  port: 6543\n", "spec.port", AG_CLASS_IN_PLACE, AG_CHANGE_SEND, "Port", "6543",
        AG_ACT_MODIFY_CLUSTER},
    {AG_F_ENGINE, "  engine: aurora-mysql\n  engineVersion: 8.0.mysql_aurora.3.05.2\n",
        "spec.engine", AG_CLASS_BLOCKED, AG_CHANGE_BLOCKED, NULL, NULL, 0},
    {AG_F_ENGINE_VERSION, "  engineVersion: \"15.5\"\n", "spec.engineVersion", AG_CLASS_OUTAGE,
        AG_CHANGE_SEND, "EngineVersion", "15.5", AG_ACT_MODIFY_CLUSTER},
    {AG_F_STORAGE_ENCRYPTED, "  storageEncrypted: true\n", "spec.storageEncrypted",
        AG_CLASS_BLOCKED, AG_CHANGE_BLOCKED, NULL, NULL, 0},
    {AG_F_KMS_KEY_ID, "  kmsKeyId: arn:aws:kms:us-east-1:123456789012:key/abcd\n", "spec.kmsKeyId",
        AG_CLASS_BLOCKED, AG_CHANGE_BLOCKED, NULL, NULL, 0},
    {AG_F_ENABLED_CLOUDWATCH_LOGS_EXPORTS, "  enabledCloudwatchLogsExports: [postgresql]\n",
        "spec.enabledCloudwatchLogsExports", AG_CLASS_IN_PLACE, AG_CHANGE_SEND,
        "CloudwatchLogsExportConfiguration.EnableLogTypes.member.1", "postgresql",
        AG_ACT_MODIFY_CLUSTER},
    {AG_F_DELETION_PROTECTION, "  deletionProtection: true\n", "spec.deletionProtection",
        AG_CLASS_IN_PLACE, AG_CHANGE_SEND, "DeletionProtection", "true", AG_ACT_MODIFY_CLUSTER},
    {AG_F_PREFERRED_MAINTENANCE_WINDOW, "  preferredMaintenanceWindow: sun:05:00-sun:05:30\n",
        "spec.preferredMaintenanceWindow", AG_CLASS_IN_PLACE, AG_CHANGE_SEND,
        "PreferredMaintenanceWindow", "sun:05:00-sun:05:30", AG_ACT_MODIFY_CLUSTER},
    {AG_F_BACKUP_RETENTION_PERIOD, "  backupRetentionPeriod: 7\n", "spec.backupRetentionPeriod",
        AG_CLASS_IN_PLACE, AG_CHANGE_SEND, "BackupRetentionPeriod", "7", AG_ACT_MODIFY_CLUSTER},
    {AG_F_PREFERRED_BACKUP_WINDOW, "  preferredBackupWindow: 01:00-01:30\n",
        "spec.preferredBackupWindow", AG_CLASS_IN_PLACE, AG_CHANGE_SEND, "PreferredBackupWindow",
        "01:00-01:30", AG_ACT_MODIFY_CLUSTER},
    {AG_F_COPY_TAGS_TO_SNAPSHOT, "  copyTagsToSnapshot: true\n", "spec.copyTagsToSnapshot",
        AG_CLASS_IN_PLACE, AG_CHANGE_SEND, "CopyTagsToSnapshot", "true", AG_ACT_MODIFY_CLUSTER},
    {AG_F_IAM_DATABASE_AUTHENTICATION_ENABLED, "  iamDatabaseAuthenticationEnabled: true\n",
        "spec.iamDatabaseAuthenticationEnabled", AG_CLASS_DEFERRED, AG_CHANGE_SEND,
        "EnableIAMDatabaseAuthentication", "true", AG_ACT_MODIFY_CLUSTER},
    {AG_F_ENABLE_HTTP_ENDPOINT, "  enableHttpEndpoint: true\n", "spec.enableHttpEndpoint",
        AG_CLASS_IN_PLACE, AG_CHANGE_SEND, "ResourceArn",
        "arn:aws:rds:us-east-1:123456789012:cluster:db1", AG_ACT_SET_HTTP_ENDPOINT},
    {AG_F_SERVERLESS_V2_SCALING,
        "  serverlessV2Scaling:\n    minCapacity: 0.5\n    maxCapacity: 4\n",
        "spec.serverlessV2Scaling", AG_CLASS_IN_PLACE, AG_CHANGE_SEND,
        "ServerlessV2ScalingConfiguration.MaxCapacity", "4", AG_ACT_MODIFY_CLUSTER},
    {AG_F_REPLICATION_SOURCE_IDENTIFIER,
        "  replicationSourceIdentifier: arn:aws:rds:us-west-2:123456789012:cluster:src\n",
        "spec.replicationSourceIdentifier", AG_CLASS_BLOCKED, AG_CHANGE_BLOCKED, NULL, NULL, 0},
    {AG_F_DB_CLUSTER_PARAMETER_GROUP_NAME, "  dbClusterParameterGroupName: custom-pg\n",
        "spec.dbClusterParameterGroupName", AG_CLASS_IN_PLACE, AG_CHANGE_SEND,
        "DBClusterParameterGroupName", "custom-pg", AG_ACT_MODIFY_CLUSTER},
    {AG_F_ENGINE_MODE, "  engineMode: serverless\n", "spec.engineMode", AG_CLASS_BLOCKED,
        AG_CHANGE_BLOCKED, NULL, NULL, 0},
    {AG_F_STORAGE_TYPE, "  storageType: aurora-iopt1\n", "spec.storageType", AG_CLASS_IN_PLACE,
        AG_CHANGE_SEND, "StorageType", "aurora-iopt1", AG_ACT_MODIFY_CLUSTER},
    {AG_F_NETWORK_TYPE, "  networkType: DUAL\n", "spec.networkType", AG_CLASS_IN_PLACE,
        AG_CHANGE_SEND, "NetworkType", "DUAL", AG_ACT_MODIFY_CLUSTER},
    {AG_F_BACKTRACK_WINDOW, MYSQL_SPEC "  backtrackWindow: 7200\n", "spec.backtrackWindow",
        AG_CLASS_IN_PLACE, AG_CHANGE_SEND, "BacktrackWindow", "7200", AG_ACT_MODIFY_CLUSTER},
    {AG_F_ENABLE_LOCAL_WRITE_FORWARDING, "  enableLocalWriteForwarding: true\n",
        "spec.enableLocalWriteForwarding", AG_CLASS_IN_PLACE, AG_CHANGE_SEND,
        "EnableLocalWriteForwarding", "true", AG_ACT_MODIFY_CLUSTER},
    {AG_F_SCALING_CONFIGURATION,
        "  engineMode: serverless\n  scalingConfiguration: {minCapacity: 4, maxCapacity: 8}\n",
        "spec.scalingConfiguration", AG_CLASS_IN_PLACE, AG_CHANGE_SEND,
        "ScalingConfiguration.MinCapacity", "4", AG_ACT_MODIFY_CLUSTER},
    {AG_F_ENGINE_LIFECYCLE_SUPPORT,
        "  engineLifecycleSupport: open-source-rds-extended-support-disabled\n",
        "spec.engineLifecycleSupport", AG_CLASS_BLOCKED, AG_CHANGE_BLOCKED, NULL, NULL, 0},
    {AG_F_MASTER_USER_SECRET_KMS_KEY_ID,
        "  manageMasterUserPassword: true\n  masterUserSecretKmsKeyId: key-1\n",
        "spec.manageMasterUserPassword", AG_CLASS_IN_PLACE, AG_CHANGE_SEND,
        "MasterUserSecretKmsKeyId", "key-1", AG_ACT_MODIFY_CLUSTER},
};

static void
test_plan__every_row_drifts_with_its_class(void **state)
{
	struct fx *f = *state;
	size_t i, n;
	const struct ag_field_row *rows = ag_fieldtab_rows(&n);
	bool covered[AG_F__COUNT] = {false};

	for (i = 0; i < sizeof(row_cases) / sizeof(row_cases[0]); i++) {
		const struct row_case *rc = &row_cases[i];
		const struct ag_cluster_plan *cp;
		const struct ag_change *c;
		struct ag_db_cluster *live;

		ag_manifest_set_release(&f->set);
		ag_observed_release(&f->obs);
		add_manifest(f, "db1", NULL, rc->spec);
		live = add_live(f, "db1");
		if (strncmp(rc->spec, MYSQL_SPEC, strlen(MYSQL_SPEC)) == 0) {
			free(live->engine);
			live->engine = ag_xstrdup("aurora-mysql");
			free(live->engine_version);
			live->engine_version = ag_xstrdup("8.0.mysql_aurora.3.05.2");
			live->port = 3306;
			live->backtrack_window = 3600;
		}
		if (strstr(rc->spec, "scalingConfiguration:") != NULL) {
			free(live->engine_mode);
			live->engine_mode = ag_xstrdup("serverless");
			live->scaling_configuration = ag_xstrdup(
			    "AutoPause=true,MaxCapacity=8,MinCapacity=2,SecondsUntilAutoPause=300");
		}
		cp = run(f, "db1");
		c = find_change(cp, rc->path);
		if (c == NULL) {
			fprintf(stderr, "row %s: no change at %s\n", rows[rc->field].yaml_path,
			    rc->path);
			dump(&f->plan);
		}
		assert_non_null(c);
		assert_int_equal(c->klass, rc->klass);
		assert_int_equal(c->state, rc->state);
		if (rc->klass == AG_CLASS_BLOCKED) {
			assert_int_equal(cp->status, AG_STATUS_BLOCKED);
			assert_int_equal(cp->n_actions, 0);
			assert_non_null(c->note); /* migration hint */
			assert_non_null(cp->reason);
		} else {
			assert_int_equal(cp->status, AG_STATUS_UPDATE);
			assert_string_equal(param(find_action(cp, rc->kind), rc->param), rc->value);
		}
		covered[rc->field] = true;
	}
	/* every comparable row has a case */
	for (i = 0; i < n; i++) {
		if (rows[i].norm == AG_NORM_NOT_COMPARED || rows[i].norm == AG_NORM_WRITE_ONLY ||
		    !ag_fieldtab_observable(&rows[i]))
			continue;
		if (!covered[i])
			fprintf(stderr, "row %s has no drift case\n", rows[i].yaml_path);
		assert_true(covered[i]);
	}
}

/* Backtracking: a written 0 turns it off (a value, not an absence, and a
 * weakening); turning it on for a cluster created without it is blocked. */
static void
test_plan__backtrack_window(void **state)
{
	struct fx *f = *state;
	const struct ag_cluster_plan *cp;
	const struct ag_change *c;
	struct ag_db_cluster *live;

	add_manifest(f, "db1", NULL, MYSQL_SPEC "  backtrackWindow: 0\n");
	live = add_live(f, "db1");
	free(live->engine);
	live->engine = ag_xstrdup("aurora-mysql");
	free(live->engine_version);
	live->engine_version = ag_xstrdup("8.0.mysql_aurora.3.05.2");
	live->port = 3306;
	live->backtrack_window = 3600;
	cp = run(f, "db1");
	c = find_change(cp, "spec.backtrackWindow");
	assert_non_null(c);
	assert_true(c->weakens);
	assert_string_equal(param(find_action(cp, AG_ACT_MODIFY_CLUSTER), "BacktrackWindow"), "0");

	/* absent: the live window is kept */
	ag_manifest_set_release(&f->set);
	ag_manifest_set_init(&f->set);
	ag_plan_release(&f->plan);
	add_manifest(f, "db1", NULL, MYSQL_SPEC);
	cp = run(f, "db1");
	c = find_change(cp, "spec.backtrackWindow");
	assert_non_null(c);
	assert_int_equal(c->state, AG_CHANGE_INFO);
	assert_null(find_action(cp, AG_ACT_MODIFY_CLUSTER));

	/* live off: cannot be turned on in place */
	live->backtrack_window = 0;
	ag_manifest_set_release(&f->set);
	ag_manifest_set_init(&f->set);
	ag_plan_release(&f->plan);
	add_manifest(f, "db1", NULL, MYSQL_SPEC "  backtrackWindow: 3600\n");
	cp = run(f, "db1");
	c = find_change(cp, "spec.backtrackWindow");
	assert_non_null(c);
	assert_int_equal(c->state, AG_CHANGE_BLOCKED);
	assert_int_equal(cp->status, AG_STATUS_BLOCKED);
	assert_non_null(strstr(c->note, "only when a cluster is created or restored"));
}

/* Serverless v2 scale to zero: minCapacity 0 with secondsUntilAutoPause is
 * sent as documented, compared, and an unwritten pause time is AWS's. */
static void
test_plan__serverless_v2_pause(void **state)
{
	struct fx *f = *state;
	const struct ag_cluster_plan *cp;
	const struct ag_action *a;
	struct ag_db_cluster *c;

	add_manifest(f, "db1", NULL,
	    "  serverlessV2Scaling: {minCapacity: 0, maxCapacity: 4, secondsUntilAutoPause: "
	    "600}\n");
	c = add_live(f, "db1");
	c->has_serverless_v2 = true;
	c->serverless_v2_min_capacity = 0.5;
	c->serverless_v2_max_capacity = 4;
	cp = run(f, "db1");
	a = find_action(cp, AG_ACT_MODIFY_CLUSTER);
	assert_string_equal(param(a, "ServerlessV2ScalingConfiguration.MinCapacity"), "0");
	assert_string_equal(param(a, "ServerlessV2ScalingConfiguration.MaxCapacity"), "4");
	assert_string_equal(
	    param(a, "ServerlessV2ScalingConfiguration.SecondsUntilAutoPause"), "600");

	/* live pauses after 300 s: the written 600 drifts */
	c->serverless_v2_min_capacity = 0;
	c->serverless_v2_seconds_until_auto_pause = 300;
	ag_plan_release(&f->plan);
	cp = run(f, "db1");
	assert_non_null(find_change(cp, "spec.serverlessV2Scaling"));

	/* same values: clean; without the pause time any live one matches */
	c->serverless_v2_seconds_until_auto_pause = 600;
	ag_plan_release(&f->plan);
	cp = run(f, "db1");
	assert_null(find_change(cp, "spec.serverlessV2Scaling"));
	ag_manifest_set_release(&f->set);
	ag_manifest_set_init(&f->set);
	add_manifest(f, "db1", NULL, "  serverlessV2Scaling: {minCapacity: 0, maxCapacity: 4}\n");
	ag_plan_release(&f->plan);
	cp = run(f, "db1");
	assert_null(find_change(cp, "spec.serverlessV2Scaling"));
}

/* Serverless v1: only the written members are compared and sent, each as
 * a member of the ScalingConfiguration structure; create carries them. */
static void
test_plan__serverless_v1_scaling(void **state)
{
	struct fx *f = *state;
	const struct ag_cluster_plan *cp;
	const struct ag_action *a;
	struct ag_db_cluster *c;

	add_manifest(f, "db1", NULL,
	    "  engineMode: serverless\n  scalingConfiguration:\n    minCapacity: 2\n"
	    "    maxCapacity: 16\n    autoPause: true\n    secondsUntilAutoPause: 900\n"
	    "    timeoutAction: ForceApplyCapacityChange\n");
	cp = run(f, "db1");
	a = find_action(cp, AG_ACT_CREATE_CLUSTER);
	assert_string_equal(param(a, "EngineMode"), "serverless");
	assert_string_equal(param(a, "ScalingConfiguration.MinCapacity"), "2");
	assert_string_equal(param(a, "ScalingConfiguration.MaxCapacity"), "16");
	assert_string_equal(param(a, "ScalingConfiguration.AutoPause"), "true");
	assert_string_equal(param(a, "ScalingConfiguration.SecondsUntilAutoPause"), "900");
	assert_string_equal(
	    param(a, "ScalingConfiguration.TimeoutAction"), "ForceApplyCapacityChange");
	assert_null(param(a, "ScalingConfiguration.SecondsBeforeTimeout"));

	c = add_live(f, "db1");
	free(c->engine_mode);
	c->engine_mode = ag_xstrdup("serverless");
	c->scaling_configuration =
	    ag_xstrdup("AutoPause=true,MaxCapacity=16,MinCapacity=2,SecondsBeforeTimeout=300,"
	               "SecondsUntilAutoPause=900,TimeoutAction=ForceApplyCapacityChange");
	ag_plan_release(&f->plan);
	cp = run(f, "db1");
	assert_null(find_change(cp, "spec.scalingConfiguration"));

	free(c->scaling_configuration);
	c->scaling_configuration =
	    ag_xstrdup("AutoPause=false,MaxCapacity=16,MinCapacity=2,SecondsBeforeTimeout=300,"
	               "SecondsUntilAutoPause=900,TimeoutAction=ForceApplyCapacityChange");
	ag_plan_release(&f->plan);
	cp = run(f, "db1");
	assert_non_null(find_change(cp, "spec.scalingConfiguration"));
	a = find_action(cp, AG_ACT_MODIFY_CLUSTER);
	assert_string_equal(param(a, "ScalingConfiguration.AutoPause"), "true");
	assert_string_equal(param(a, "ScalingConfiguration.MinCapacity"), "2");
}

static struct ag_observed_global *
add_global(struct fx *f, const char *id, const char *writer_arn)
{
	struct ag_observed_global *g = ag_observed_add_global(&f->obs);

	f->obs.globals_loaded = true;
	g->id = ag_xstrdup(id);
	g->engine = ag_xstrdup("aurora-postgresql");
	if (writer_arn != NULL) {
		g->writer_arn = ag_xstrdup(writer_arn);
		ag_strlist_add(&g->members, writer_arn);
	}
	return g;
}

/* Create: a missing global database is created first and the cluster is
 * its primary; an existing one with a primary takes the new cluster as a
 * secondary, which sends no master user or password settings. */
static void
test_plan__global_create(void **state)
{
	struct fx *f = *state;
	const struct ag_cluster_plan *cp;
	const struct ag_action *a;

	f->obs.globals_loaded = true;
	add_manifest(f, "db1", NULL,
	    "  globalClusterIdentifier: orders-global\n  manageMasterUserPassword: true\n"
	    "  storageEncrypted: true\n");
	cp = run(f, "db1");
	assert_int_equal(cp->actions[0].kind, AG_ACT_CREATE_GLOBAL_CLUSTER);
	a = &cp->actions[0];
	assert_string_equal(param(a, "GlobalClusterIdentifier"), "orders-global");
	assert_string_equal(param(a, "Engine"), "aurora-postgresql");
	assert_string_equal(param(a, "EngineVersion"), "15.4");
	assert_string_equal(param(a, "StorageEncrypted"), "true");
	assert_null(param(a, "SourceDBClusterIdentifier"));
	a = find_action(cp, AG_ACT_CREATE_CLUSTER);
	assert_string_equal(param(a, "GlobalClusterIdentifier"), "orders-global");
	assert_string_equal(param(a, "MasterUsername"), "master");

	/* the global database exists with a primary elsewhere: a secondary */
	add_global(f, "orders-global", "arn:aws:rds:us-west-2:123456789012:cluster:primary");
	ag_plan_release(&f->plan);
	cp = run(f, "db1");
	assert_null(find_action(cp, AG_ACT_CREATE_GLOBAL_CLUSTER));
	a = find_action(cp, AG_ACT_CREATE_CLUSTER);
	assert_string_equal(param(a, "GlobalClusterIdentifier"), "orders-global");
	assert_null(param(a, "MasterUsername"));
	assert_null(param(a, "ManageMasterUserPassword"));
}

/* An existing cluster: a standalone one becomes the primary of a new
 * global database; one cannot join an existing global database; leaving
 * is never automatic, only by the detach annotation. */
static void
test_plan__global_existing(void **state)
{
	struct fx *f = *state;
	const struct ag_cluster_plan *cp;
	const struct ag_change *c;
	const struct ag_action *a;
	struct ag_db_cluster *live;

	f->obs.globals_loaded = true;
	add_manifest(f, "db1", NULL, "  globalClusterIdentifier: g1\n");
	live = add_live(f, "db1");
	cp = run(f, "db1");
	a = find_action(cp, AG_ACT_CREATE_GLOBAL_CLUSTER);
	assert_string_equal(param(a, "GlobalClusterIdentifier"), "g1");
	assert_string_equal(param(a, "SourceDBClusterIdentifier"), live->arn);
	assert_null(param(a, "Engine")); /* AWS takes it from the source */
	assert_int_equal(find_change(cp, "spec.globalClusterIdentifier")->klass, AG_CLASS_IN_PLACE);

	/* g1 exists (another primary): blocked */
	add_global(f, "g1", "arn:aws:rds:us-west-2:123456789012:cluster:other");
	ag_plan_release(&f->plan);
	cp = run(f, "db1");
	c = find_change(cp, "spec.globalClusterIdentifier");
	assert_int_equal(c->state, AG_CHANGE_BLOCKED);
	assert_int_equal(cp->status, AG_STATUS_BLOCKED);
	assert_null(find_action(cp, AG_ACT_CREATE_GLOBAL_CLUSTER));

	/* member of g1, field removed: kept, shown, nothing sent */
	live->global_cluster_identifier = ag_xstrdup("g1");
	ag_manifest_set_release(&f->set);
	ag_manifest_set_init(&f->set);
	add_manifest(f, "db1", NULL, "");
	ag_plan_release(&f->plan);
	cp = run(f, "db1");
	c = find_change(cp, "spec.globalClusterIdentifier");
	assert_int_equal(c->state, AG_CHANGE_INFO);
	assert_non_null(strstr(c->note, "never automatic"));
	assert_null(find_action(cp, AG_ACT_REMOVE_FROM_GLOBAL_CLUSTER));

	/* the annotation detaches it: an explicit, weakening change */
	ag_manifest_set_release(&f->set);
	ag_manifest_set_init(&f->set);
	add_manifest(f, "db1", "  annotations:\n    aurora-gitops/global-cluster: detach\n", "");
	ag_plan_release(&f->plan);
	cp = run(f, "db1");
	c = find_change(cp, "spec.globalClusterIdentifier");
	assert_int_equal(c->state, AG_CHANGE_SEND);
	assert_true(c->weakens);
	a = find_action(cp, AG_ACT_REMOVE_FROM_GLOBAL_CLUSTER);
	assert_string_equal(param(a, "GlobalClusterIdentifier"), "g1");
	assert_string_equal(param(a, "DbClusterIdentifier"), live->arn);

	/* a secondary (g1's writer is another cluster) is not compared on its
	 * master user: it inherits it */
	ag_manifest_set_release(&f->set);
	ag_manifest_set_init(&f->set);
	add_manifest(f, "db1", NULL, "  globalClusterIdentifier: g1\n  username: admin\n");
	ag_plan_release(&f->plan);
	cp = run(f, "db1");
	assert_null(find_change(cp, "spec.username"));
	assert_null(find_change(cp, "spec.globalClusterIdentifier"));
}

/* Instance parameter group and CA certificate: sent with every
 * CreateDBInstance, compared per instance, corrected with ModifyDBInstance;
 * a CA change pending until the window is not sent again. */
static void
test_plan__instance_pgroup_and_ca(void **state)
{
	struct fx *f = *state;
	const struct ag_cluster_plan *cp;
	const struct ag_action *a;
	const struct ag_change *c;
	struct ag_db_cluster *live;
	struct ag_db_instance *i;
	size_t k;

	add_manifest(f, "db1", NULL,
	    "  dbInstanceParameterGroupName: app-pg16\n  caCertificateIdentifier: "
	    "rds-ca-rsa4096-g1\n  instances:\n    - {name: db1-1, instanceClass: db.r6g.large}\n"
	    "    - {name: db1-2, instanceClass: db.r6g.large}\n");
	live = add_live(f, "db1");
	i = add_inst(f, live, "db1-1", "db.r6g.large", 1, true);
	i->db_parameter_group = ag_xstrdup("default.aurora-postgresql15");
	i->ca_certificate_identifier = ag_xstrdup("rds-ca-rsa2048-g1");
	cp = run(f, "db1");
	a = find_action(cp, AG_ACT_CREATE_INSTANCE);
	assert_string_equal(param(a, "DBInstanceIdentifier"), "db1-2");
	assert_string_equal(param(a, "DBParameterGroupName"), "app-pg16");
	assert_string_equal(param(a, "CACertificateIdentifier"), "rds-ca-rsa4096-g1");
	a = find_action(cp, AG_ACT_MODIFY_INSTANCE);
	assert_string_equal(param(a, "DBInstanceIdentifier"), "db1-1");
	assert_string_equal(param(a, "DBParameterGroupName"), "app-pg16");
	assert_string_equal(param(a, "CACertificateIdentifier"), "rds-ca-rsa4096-g1");
	c = find_change(cp, "spec.instances[db1-1].caCertificateIdentifier");
	assert_int_equal(c->klass, AG_CLASS_DEFERRED);
	c = find_change(cp, "spec.instances[db1-1].dbInstanceParameterGroupName");
	assert_int_equal(c->klass, AG_CLASS_IN_PLACE);

	/* the CA change is pending in AWS: shown, not sent again */
	i->pending_ca = ag_xstrdup("rds-ca-rsa4096-g1");
	free(i->db_parameter_group);
	i->db_parameter_group = ag_xstrdup("app-pg16");
	ag_plan_release(&f->plan);
	cp = run(f, "db1");
	c = find_change(cp, "spec.instances[db1-1].caCertificateIdentifier");
	assert_int_equal(c->state, AG_CHANGE_PENDING);
	for (k = 0; k < cp->n_actions; k++)
		if (cp->actions[k].kind == AG_ACT_MODIFY_INSTANCE) {
			assert_null(
			    ag_kvlist_get(&cp->actions[k].params, "CACertificateIdentifier"));
			assert_null(ag_kvlist_get(&cp->actions[k].params, "DBParameterGroupName"));
		}
}

/* The same fields written as the live values (or in an equivalent form) do
 * not drift. */
static void
test_plan__equivalent_forms_do_not_drift(void **state)
{
	struct fx *f = *state;
	const struct ag_cluster_plan *cp;
	struct ag_db_cluster *c;

	add_manifest(f, "db1", "  labels:\n    team: data\n",
	    "  engineVersion: \"15\"\n"
	    "  port: 5432\n"
	    "  backupRetentionPeriod: 1\n"
	    "  deletionProtection: false\n"
	    "  storageType: aurora\n"
	    "  preferredMaintenanceWindow: wed:03:00-wed:03:30\n"
	    "  preferredBackupWindow: 03:50-04:20\n"
	    "  enabledCloudwatchLogsExports: [instance, postgresql]\n"
	    "  storageEncrypted: true\n"
	    "  kmsKeyId: abcd-1234\n"
	    "  associateSecurityGroupIds: [sg-2, sg-1]\n"
	    "  serverlessV2Scaling:\n    minCapacity: 0.5\n    maxCapacity: 16\n"
	    "  engineMode: provisioned\n");
	c = add_live(f, "db1");
	free(c->preferred_maintenance_window);
	c->preferred_maintenance_window = ag_xstrdup("Wed:03:00-Wed:03:30");
	ag_strlist_add(&c->enabled_cloudwatch_logs_exports, "postgresql");
	ag_strlist_add(&c->enabled_cloudwatch_logs_exports, "instance");
	c->storage_encrypted = true;
	free(c->kms_key_id);
	c->kms_key_id = ag_xstrdup("arn:aws:kms:us-east-1:123456789012:key/abcd-1234");
	ag_strlist_add(&c->vpc_security_group_ids, "sg-1");
	ag_strlist_add(&c->vpc_security_group_ids, "sg-2");
	c->has_serverless_v2 = true;
	c->serverless_v2_min_capacity = 0.50;
	c->serverless_v2_max_capacity = 16.0;
	free(c->storage_type);
	c->storage_type = ag_xstrdup("");
	ag_kvlist_add(&c->tags, "team", "data");
	ag_kvlist_add(&c->tags, "aws:cloudformation:stack-name", "x");
	cp = run(f, "db1");
	if (cp->n_changes != 0)
		dump(&f->plan);
	assert_int_equal(cp->status, AG_STATUS_UNCHANGED);
	assert_int_equal(cp->n_changes, 0);
}

/* ---- engine version --------------------------------------------------- */

static const struct ag_cluster_plan *
version_case(struct fx *f, const char *desired, const char *live, const char *extra)
{
	char *spec = ag_xasprintf("  engineVersion: \"%s\"\n%s", desired, extra ? extra : "");
	struct ag_db_cluster *c;
	const struct ag_cluster_plan *cp;

	ag_manifest_set_release(&f->set);
	ag_observed_release(&f->obs);
	add_manifest(f, "db1", NULL, spec);
	c = add_live(f, "db1");
	free(c->engine_version);
	c->engine_version = ag_xstrdup(live);
	cp = run(f, "db1");
	free(spec);
	return cp;
}

static void
test_plan__engine_version_rules(void **state)
{
	struct fx *f = *state;
	const struct ag_cluster_plan *cp;
	const struct ag_change *c;

	/* major only matches any minor */
	cp = version_case(f, "15", "15.7", NULL);
	assert_int_equal(cp->n_changes, 0);
	/* same major, auto minor on (default), live newer: no drift */
	cp = version_case(f, "15.4", "15.5", NULL);
	assert_int_equal(cp->n_changes, 0);
	/* auto minor off: a note, never a downgrade */
	cp = version_case(f, "15.4", "15.5", "  autoMinorVersionUpgrade: false\n");
	c = find_change(cp, "spec.engineVersion");
	assert_non_null(c);
	assert_int_equal(c->state, AG_CHANGE_INFO);
	assert_non_null(strstr(c->note, "live is newer (15.5 > 15.4), update the manifest"));
	assert_int_equal(cp->n_actions, 0);
	assert_int_equal(cp->status, AG_STATUS_UNCHANGED);
	/* live on a newer major: note only */
	cp = version_case(f, "15.4", "16.1", NULL);
	c = find_change(cp, "spec.engineVersion");
	assert_int_equal(c->state, AG_CHANGE_INFO);
	assert_int_equal(cp->n_actions, 0);
	/* desired newer minor: outage, deferred to the window */
	cp = version_case(f, "15.6", "15.4", NULL);
	c = find_change(cp, "spec.engineVersion");
	assert_int_equal(c->klass, AG_CLASS_OUTAGE);
	assert_int_equal(c->state, AG_CHANGE_SEND);
	/* Wednesday 07:46, window wed:03:00: the next one is a week later */
	assert_non_null(strstr(c->note, "deferred until 2026-11-25T03:00:00Z"));
	assert_string_equal(param(find_action(cp, AG_ACT_MODIFY_CLUSTER), "EngineVersion"), "15.6");
	assert_string_equal(
	    param(find_action(cp, AG_ACT_MODIFY_CLUSTER), "ApplyImmediately"), "false");
	assert_null(param(find_action(cp, AG_ACT_MODIFY_CLUSTER), "AllowMajorVersionUpgrade"));
	/* major upgrade without the allowance: blocked with a hint */
	cp = version_case(f, "16.1", "15.4", NULL);
	c = find_change(cp, "spec.engineVersion");
	assert_int_equal(c->klass, AG_CLASS_BLOCKED);
	assert_non_null(strstr(c->note, "allowMajorVersionUpgrade"));
	assert_int_equal(cp->status, AG_STATUS_BLOCKED);
	assert_int_equal(cp->n_actions, 0);
	/* with the allowance */
	cp = version_case(
	    f, "16.1", "15.4", "  allowMajorVersionUpgrade: true\n  applyImmediately: true\n");
	assert_string_equal(
	    param(find_action(cp, AG_ACT_MODIFY_CLUSTER), "AllowMajorVersionUpgrade"), "true");
	assert_string_equal(
	    param(find_action(cp, AG_ACT_MODIFY_CLUSTER), "ApplyImmediately"), "true");
	c = find_change(cp, "spec.engineVersion");
	assert_null(strstr(c->note, "deferred"));
	/* the new family's default groups go with a major upgrade */
	assert_string_equal(
	    param(find_action(cp, AG_ACT_MODIFY_CLUSTER), "DBClusterParameterGroupName"),
	    "default.aurora-postgresql16");
	assert_string_equal(
	    param(find_action(cp, AG_ACT_MODIFY_CLUSTER), "DBInstanceParameterGroupName"),
	    "default.aurora-postgresql16");
}

/* A major upgrade of a cluster with its own parameter group: a group of
 * the old family is refused with the fix; a new name is created in the new
 * family and sent with the upgrade. */
static void
test_plan__major_upgrade_own_group(void **state)
{
	struct fx *f = *state;
	const struct ag_cluster_plan *cp;
	struct ag_db_cluster_param_group *g;
	struct ag_db_cluster *c;
	const struct ag_action *a;

	add_manifest(f, "db1", NULL,
	    "  engineVersion: \"16.1\"\n  allowMajorVersionUpgrade: true\n"
	    "  dbClusterParameterGroupName: pg15\n"
	    "  parameters:\n    - {name: work_mem, value: \"1\"}\n");
	c = add_live(f, "db1");
	free(c->db_cluster_parameter_group);
	c->db_cluster_parameter_group = ag_xstrdup("pg15");
	g = ag_observed_add_param_group(&f->obs);
	g->name = ag_xstrdup("pg15");
	g->family = ag_xstrdup("aurora-postgresql15");
	cp = run(f, "db1");
	assert_int_equal(cp->status, AG_STATUS_BLOCKED);
	assert_non_null(strstr(find_change(cp, "spec.engineVersion")->note, "new name"));

	ag_manifest_set_release(&f->set);
	add_manifest(f, "db1", NULL,
	    "  engineVersion: \"16.1\"\n  allowMajorVersionUpgrade: true\n"
	    "  dbClusterParameterGroupName: pg16\n"
	    "  parameters:\n    - {name: work_mem, value: \"1\"}\n");
	cp = run(f, "db1");
	a = find_action(cp, AG_ACT_CREATE_PARAM_GROUP);
	assert_string_equal(param(a, "DBParameterGroupFamily"), "aurora-postgresql16");
	a = find_action(cp, AG_ACT_MODIFY_CLUSTER);
	assert_string_equal(param(a, "EngineVersion"), "16.1");
	assert_string_equal(param(a, "DBClusterParameterGroupName"), "pg16");
	assert_string_equal(
	    param(a, "DBInstanceParameterGroupName"), "default.aurora-postgresql16");
}

static void
test_plan__mysql_versions_segment_wise(void **state)
{
	struct fx *f = *state;
	const struct ag_cluster_plan *cp;
	struct ag_db_cluster *c;

	add_manifest(
	    f, "my1", NULL, "  engine: aurora-mysql\n  engineVersion: 8.0.mysql_aurora.3.10.0\n");
	c = add_live(f, "my1");
	free(c->engine);
	c->engine = ag_xstrdup("aurora-mysql");
	free(c->engine_version);
	c->engine_version = ag_xstrdup("8.0.mysql_aurora.3.05.2");
	c->port = 3306;
	cp = run(f, "my1");
	/* 3.10 > 3.05 numerically (a string compare says otherwise) */
	assert_string_equal(param(find_action(cp, AG_ACT_MODIFY_CLUSTER), "EngineVersion"),
	    "8.0.mysql_aurora.3.10.0");
	assert_int_equal(find_change(cp, "spec.engineVersion")->klass, AG_CLASS_OUTAGE);
	/* and no port drift: 3306 is the MySQL default */
	assert_null(find_change(cp, "spec.port"));
}

/* ---- pending values ---------------------------------------------------- */

static void
test_plan__pending_values_not_resent(void **state)
{
	struct fx *f = *state;
	const struct ag_cluster_plan *cp;
	struct ag_db_cluster *c;
	struct ag_db_instance *i;

	add_manifest(f, "db1", NULL,
	    "  engineVersion: \"15.6\"\n  backupRetentionPeriod: 7\n"
	    "  instances:\n    - name: db1-a\n      instanceClass: db.r6g.xlarge\n");
	c = add_live(f, "db1");
	c->pending.present = true;
	c->pending.engine_version = ag_xstrdup("15.6");
	c->pending.backup_retention_period = 7;
	i = add_inst(f, c, "db1-a", "db.r6g.large", 0, true);
	i->pending_instance_class = ag_xstrdup("db.r6g.xlarge");
	cp = run(f, "db1");
	assert_int_equal(find_change(cp, "spec.engineVersion")->state, AG_CHANGE_PENDING);
	assert_int_equal(find_change(cp, "spec.backupRetentionPeriod")->state, AG_CHANGE_PENDING);
	assert_int_equal(
	    find_change(cp, "spec.instances[db1-a].instanceClass")->state, AG_CHANGE_PENDING);
	assert_string_equal(ag_change_state_name(AG_CHANGE_PENDING), "pending-until-window");
	assert_null(find_action(cp, AG_ACT_MODIFY_CLUSTER));
	assert_null(find_action(cp, AG_ACT_MODIFY_INSTANCE));
	assert_int_equal(cp->n_actions, 0);
	assert_int_equal(cp->status, AG_STATUS_UNCHANGED);
}

/* ---- blocked ------------------------------------------------------------ */

static void
test_plan__blocked_cluster_gets_no_actions(void **state)
{
	struct fx *f = *state;
	const struct ag_cluster_plan *cp;

	add_manifest(f, "db1", NULL, "  storageEncrypted: true\n  backupRetentionPeriod: 7\n");
	add_live(f, "db1");
	cp = run(f, "db1");
	assert_int_equal(cp->status, AG_STATUS_BLOCKED);
	assert_int_equal(cp->n_actions, 0);
	assert_false(cp->execute);
	assert_non_null(strstr(cp->reason, "storageEncrypted"));
	assert_non_null(strstr(find_change(cp, "spec.storageEncrypted")->note,
	    "restore the snapshot into a new encrypted cluster"));
	/* the other change is still reported */
	assert_non_null(find_change(cp, "spec.backupRetentionPeriod"));
	assert_true(ag_plan_has_blocked(&f->plan));
}

/* ---- deletion ----------------------------------------------------------- */

#define TOMBSTONE "  annotations:\n    aurora-gitops/deletion: delete\n"

static void
test_plan__tombstone_deletes_with_final_snapshot(void **state)
{
	struct fx *f = *state;
	const struct ag_cluster_plan *cp;
	struct ag_db_cluster *c;

	add_manifest(f, "db1", TOMBSTONE, NULL);
	c = add_live(f, "db1");
	add_inst(f, c, "db1-w", "db.r6g.large", 0, true);
	add_inst(f, c, "db1-r", "db.r6g.large", 1, false);
	cp = run(f, "db1");
	assert_int_equal(cp->status, AG_STATUS_DELETE);
	assert_int_equal(cp->n_actions, 3);
	assert_int_equal(cp->actions[0].kind, AG_ACT_DELETE_INSTANCE);
	assert_string_equal(cp->actions[0].target, "db1-r"); /* readers first */
	assert_string_equal(cp->actions[1].target, "db1-w");
	assert_int_equal(cp->actions[2].kind, AG_ACT_DELETE_CLUSTER);
	assert_string_equal(
	    param(&cp->actions[2], "FinalDBSnapshotIdentifier"), "db1-final-20261118074640");
	assert_null(param(&cp->actions[2], "SkipFinalSnapshot"));
	assert_true(cp->execute);
}

static void
test_plan__tombstone_refused_when_protected(void **state)
{
	struct fx *f = *state;
	const struct ag_cluster_plan *cp;
	struct ag_db_cluster *c;

	add_manifest(f, "db1", TOMBSTONE, NULL);
	c = add_live(f, "db1");
	c->deletion_protection = true;
	cp = run(f, "db1");
	assert_int_equal(cp->status, AG_STATUS_BLOCKED);
	assert_int_equal(cp->n_actions, 0);
	assert_non_null(strstr(cp->reason, "earlier, separate commit"));

	/* the manifest itself still asks for protection */
	ag_manifest_set_release(&f->set);
	ag_observed_release(&f->obs);
	add_manifest(f, "db1", TOMBSTONE, "  deletionProtection: true\n");
	add_live(f, "db1");
	cp = run(f, "db1");
	assert_int_equal(cp->status, AG_STATUS_BLOCKED);
	assert_int_equal(cp->n_actions, 0);
	assert_non_null(strstr(cp->reason, "deletionProtection: true"));
}

static void
test_plan__too_many_deletes_refuses_all(void **state)
{
	struct fx *f = *state;
	const struct ag_cluster_plan *cp;

	add_manifest(f, "db1", TOMBSTONE, NULL);
	add_manifest(f, "db2", TOMBSTONE, NULL);
	add_live(f, "db1");
	add_live(f, "db2");
	cp = run(f, "db1");
	assert_int_equal(cp->status, AG_STATUS_BLOCKED);
	assert_int_equal(cp->n_actions, 0);
	assert_non_null(strstr(cp->reason, "would delete 2 clusters (db1, db2)"));
	cp = ag_plan_find(&f->plan, "db2");
	assert_int_equal(cp->status, AG_STATUS_BLOCKED);
	assert_int_equal(cp->n_actions, 0);
	assert_int_equal(f->plan.summary.delete_, 0);
	/* with a higher limit both go */
	f->in.max_deletes = 2;
	cp = run(f, "db2");
	assert_int_equal(cp->status, AG_STATUS_DELETE);
	assert_int_equal(f->plan.summary.delete_, 2);
}

static void
test_plan__missing_manifest_never_deletes(void **state)
{
	struct fx *f = *state;
	const struct ag_cluster_plan *cp;
	struct ag_db_cluster *c;

	add_manifest(f, "db1", TOMBSTONE, NULL); /* tombstone of a cluster that is gone */
	add_live(f, "ours");                     /* tagged, no manifest */
	c = add_live(f, "theirs");               /* untagged, no manifest */
	ag_kvlist_release(&c->tags);
	cp = run(f, "db1");
	assert_int_equal(cp->status, AG_STATUS_UNCHANGED);
	assert_int_equal(cp->n_actions, 0);
	cp = ag_plan_find(&f->plan, "ours");
	assert_non_null(cp);
	assert_int_equal(cp->status, AG_STATUS_ORPHANED);
	assert_int_equal(cp->n_actions, 0);
	assert_null(ag_plan_find(&f->plan, "theirs"));
	f->in.include_unmanaged = true;
	cp = run(f, "theirs");
	assert_int_equal(cp->status, AG_STATUS_UNMANAGED);
	assert_int_equal(cp->n_actions, 0);
	assert_int_equal(f->plan.summary.orphaned, 1);
}

/* ---- modes and suspend --------------------------------------------------- */

static void
test_plan__modes(void **state)
{
	struct fx *f = *state;
	const struct ag_cluster_plan *cp;

	add_manifest(f, "db-observe", "  annotations:\n    aurora-gitops/mode: observe\n",
	    "  backupRetentionPeriod: 7\n");
	add_manifest(f, "db-plan", "  annotations:\n    aurora-gitops/mode: plan\n",
	    "  backupRetentionPeriod: 7\n");
	add_manifest(f, "db-apply", NULL, "  backupRetentionPeriod: 7\n");
	add_live(f, "db-observe");
	add_live(f, "db-plan");
	add_live(f, "db-apply");
	cp = run(f, "db-observe");
	assert_int_equal(cp->mode, AG_MODE_OBSERVE);
	assert_int_equal(cp->n_actions, 0);
	assert_int_equal(cp->n_changes, 1);
	assert_false(cp->execute);
	cp = ag_plan_find(&f->plan, "db-plan");
	assert_int_equal(cp->mode, AG_MODE_PLAN);
	assert_int_equal(cp->n_actions, 1);
	assert_false(cp->execute);
	cp = ag_plan_find(&f->plan, "db-apply");
	assert_int_equal(cp->mode, AG_MODE_APPLY);
	assert_true(cp->execute);
	/* the default mode applies to manifests without the annotation */
	f->in.default_mode = AG_MODE_PLAN;
	cp = run(f, "db-apply");
	assert_false(cp->execute);
	/* sorted by id */
	assert_string_equal(f->plan.clusters[0].id, "db-apply");
	assert_string_equal(f->plan.clusters[2].id, "db-plan");
}

static void
test_plan__suspend(void **state)
{
	struct fx *f = *state;
	const struct ag_cluster_plan *cp;

	add_manifest(f, "db1",
	    "  annotations:\n    aurora-gitops/suspend: \"migration until 2026-12-01T00:00:00Z\"\n",
	    "  backupRetentionPeriod: 7\n");
	add_manifest(f, "db2",
	    "  annotations:\n    aurora-gitops/suspend: \"migration until 2026-01-01T00:00:00Z\"\n",
	    "  backupRetentionPeriod: 7\n");
	add_live(f, "db1");
	add_live(f, "db2");
	cp = run(f, "db1");
	assert_int_equal(cp->status, AG_STATUS_SUSPENDED);
	assert_int_equal(cp->n_actions, 0);
	assert_non_null(strstr(cp->reason, "migration"));
	assert_non_null(strstr(cp->reason, "2026-12-01T00:00:00Z"));
	cp = ag_plan_find(&f->plan, "db2");
	assert_int_equal(cp->status, AG_STATUS_UPDATE);
	assert_true(cp->notes.n > 0);
	assert_non_null(strstr(cp->notes.v[0], "expired"));
}

/* ---- passwords ------------------------------------------------------------ */

#define SECRET "s3cr3t-Pa55w0rd-value"

static void
test_plan__password_states(void **state)
{
	struct fx *f = *state;
	const struct ag_cluster_plan *cp;
	const struct ag_change *c;
	struct ag_buf b = AG_BUF_INIT((size_t)1 << 22);

	add_manifest(f, "db1", NULL, "  password: " SECRET "\n");
	add_manifest(f, "db2", NULL, "  password: " SECRET "\n");
	add_manifest(f, "db3", NULL, "  password: " SECRET "\n");
	add_manifest(f, "db4", NULL, "  password: " SECRET "\n");
	add_manifest(f, "new1", NULL, "  password: " SECRET "\n");
	add_live(f, "db1");
	add_live(f, "db2");
	add_live(f, "db3");
	add_live(f, "db4");
	f->pw[0] = (struct ag_password_info){"db1", AG_PW_SAME, NULL};
	f->pw[1] = (struct ag_password_info){"db2", AG_PW_CHANGED, NULL};
	f->pw[2] = (struct ag_password_info){
	    "db4", AG_PW_ERROR, "sealed value for key 'k1' could not be opened (wrong key?)"};
	f->in.passwords = f->pw;
	f->in.n_passwords = 3;
	cp = run(f, "db1");
	assert_int_equal(cp->status, AG_STATUS_UNCHANGED);
	assert_int_equal(cp->n_changes, 0);
	cp = ag_plan_find(&f->plan, "db2");
	assert_string_equal(param(find_action(cp, AG_ACT_MODIFY_CLUSTER), "MasterUserPassword"),
	    AG_PLACEHOLDER_PASSWORD);
	assert_string_equal(find_change(cp, "spec.password")->committed, "changed (rotated)");
	/* no record: informational, nothing sent */
	cp = ag_plan_find(&f->plan, "db3");
	c = find_change(cp, "spec.password");
	assert_int_equal(c->state, AG_CHANGE_INFO);
	assert_string_equal(
	    c->note, "password: not verified (no record of the last applied value)");
	assert_int_equal(cp->n_actions, 0);
	assert_int_equal(cp->status, AG_STATUS_UNCHANGED);
	/* error: that cluster only */
	cp = ag_plan_find(&f->plan, "db4");
	assert_int_equal(cp->status, AG_STATUS_ERROR);
	assert_int_equal(cp->n_actions, 0);
	assert_non_null(strstr(cp->reason, "could not be opened"));
	assert_int_equal(f->plan.summary.errors, 1);
	/* new cluster: the password goes in CreateDBCluster as a placeholder */
	cp = ag_plan_find(&f->plan, "new1");
	assert_int_equal(cp->status, AG_STATUS_CREATE);
	assert_string_equal(param(find_action(cp, AG_ACT_CREATE_CLUSTER), "MasterUserPassword"),
	    AG_PLACEHOLDER_PASSWORD);
	/* no output ever holds the password */
	assert_int_equal(ag_report_text(&b, &f->plan, 1), 0);
	assert_int_equal(ag_report_json(&b, &f->plan), 0);
	assert_int_equal(ag_report_markdown(&b, &f->plan), 0);
	assert_null(strstr(b.ptr, SECRET));
	assert_non_null(strstr(b.ptr, "password: changed (rotated)"));
	ag_buf_release(&b);
}

/* ---- create ---------------------------------------------------------------- */

static void
test_plan__create_with_everything(void **state)
{
	struct fx *f = *state;
	const struct ag_cluster_plan *cp;
	const struct ag_action *a;

	add_manifest(f, "new1", "  labels:\n    team: data\n",
	    "  subnetIds: [subnet-a, subnet-b]\n"
	    "  allowedCidrBlocks: [10.0.0.0/16]\n"
	    "  securityGroupIds: [sg-app]\n"
	    "  associateSecurityGroupIds: [sg-extra]\n"
	    "  vpcId: vpc-1\n"
	    "  backupRetentionPeriod: 7\n"
	    "  deletionProtection: true\n"
	    "  enabledCloudwatchLogsExports: [postgresql]\n"
	    "  manageMasterUserPassword: true\n"
	    "  parameters:\n    - name: log_min_duration_statement\n      value: \"500\"\n"
	    "  instances:\n    - name: new1-a\n      instanceClass: db.r6g.large\n"
	    "    - name: new1-b\n      instanceClass: db.r6g.large\n      promotionTier: 2\n");
	cp = run(f, "new1");
	assert_int_equal(cp->status, AG_STATUS_CREATE);
	assert_int_equal(cp->actions[0].kind, AG_ACT_CREATE_SECURITY_GROUP);
	assert_string_equal(cp->actions[0].api, "ec2");
	assert_int_equal(cp->actions[1].kind, AG_ACT_AUTHORIZE_INGRESS);
	assert_string_equal(param(&cp->actions[1], "GroupId"), "{{sg:new1}}");
	assert_string_equal(
	    param(&cp->actions[1], "IpPermissions.1.IpRanges.1.CidrIp"), "10.0.0.0/16");
	assert_string_equal(param(&cp->actions[1], "IpPermissions.1.FromPort"), "5432");
	/* one rule per call */
	assert_null(param(&cp->actions[1], "IpPermissions.1.Groups.1.GroupId"));
	assert_int_equal(cp->actions[2].kind, AG_ACT_AUTHORIZE_INGRESS);
	assert_string_equal(param(&cp->actions[2], "IpPermissions.1.Groups.1.GroupId"), "sg-app");
	assert_int_equal(cp->actions[3].kind, AG_ACT_CREATE_SUBNET_GROUP);
	assert_string_equal(param(&cp->actions[3], "SubnetIds.SubnetIdentifier.2"), "subnet-b");
	assert_int_equal(cp->actions[4].kind, AG_ACT_CREATE_PARAM_GROUP);
	assert_string_equal(
	    param(&cp->actions[4], "DBParameterGroupFamily"), "aurora-postgresql15");
	assert_int_equal(cp->actions[5].kind, AG_ACT_MODIFY_PARAM_GROUP);
	/* apply type unknown (a new group): pending-reboot, which AWS accepts
	 * for static and dynamic parameters alike */
	assert_string_equal(
	    param(&cp->actions[5], "Parameters.Parameter.1.ApplyMethod"), "pending-reboot");
	a = &cp->actions[6];
	assert_int_equal(a->kind, AG_ACT_CREATE_CLUSTER);
	assert_string_equal(param(a, "DBSubnetGroupName"), "new1");
	assert_string_equal(param(a, "VpcSecurityGroupIds.VpcSecurityGroupId.1"), "sg-extra");
	assert_string_equal(param(a, "VpcSecurityGroupIds.VpcSecurityGroupId.2"), "{{sg:new1}}");
	assert_string_equal(param(a, "DBClusterParameterGroupName"), "new1-cluster");
	assert_string_equal(param(a, "EnableCloudwatchLogsExports.member.1"), "postgresql");
	assert_string_equal(param(a, "ManageMasterUserPassword"), "true");
	assert_null(param(a, "MasterUserPassword"));
	assert_string_equal(param(a, "BackupRetentionPeriod"), "7");
	assert_string_equal(param(a, "DeletionProtection"), "true");
	assert_string_equal(param(a, "MasterUsername"), "master");
	assert_string_equal(param(a, "Tags.Tag.1.Key"), "aurora-gitops/labels");
	assert_string_equal(param(a, "Tags.Tag.1.Value"), "team");
	assert_string_equal(param(a, "Tags.Tag.2.Key"), "managed-by");
	assert_string_equal(param(a, "Tags.Tag.3.Key"), "team");
	assert_int_equal(a->wait, AG_WAIT_CLUSTER_AVAILABLE);
	/* monitoring is on by default: its role first, made when missing */
	assert_int_equal(cp->actions[7].kind, AG_ACT_ENSURE_MONITORING_ROLE);
	assert_string_equal(cp->actions[7].api, "iam");
	assert_string_equal(param(&cp->actions[7], "RoleName"), "rds-monitoring-role");
	assert_int_equal(cp->actions[8].kind, AG_ACT_CREATE_INSTANCE);
	assert_string_equal(param(&cp->actions[8], "EnablePerformanceInsights"), "true");
	assert_null(param(&cp->actions[8], "PerformanceInsightsRetentionPeriod"));
	assert_string_equal(param(&cp->actions[8], "MonitoringInterval"), "60");
	assert_string_equal(
	    param(&cp->actions[8], "MonitoringRoleArn"), "{{role:rds-monitoring-role}}");
	assert_string_equal(param(&cp->actions[9], "PromotionTier"), "2");
	assert_string_equal(param(&cp->actions[9], "DBClusterIdentifier"), "new1");
	assert_int_equal(cp->n_actions, 10);
}

static void
test_plan__restore_then_modify(void **state)
{
	struct fx *f = *state;
	const struct ag_cluster_plan *cp;
	const struct ag_action *a;

	add_manifest(f, "r1", NULL,
	    "  snapshotIdentifier: snap-1\n  password: " SECRET "\n  backupRetentionPeriod: 7\n"
	    "  preferredMaintenanceWindow: sun:05:00-sun:05:30\n  storageEncrypted: true\n");
	cp = run(f, "r1");
	a = find_action(cp, AG_ACT_RESTORE_CLUSTER);
	assert_non_null(a);
	assert_string_equal(param(a, "SnapshotIdentifier"), "snap-1");
	assert_null(param(a, "MasterUserPassword"));
	assert_null(param(a, "MasterUsername"));
	assert_null(param(a, "StorageEncrypted"));
	a = find_action(cp, AG_ACT_MODIFY_CLUSTER);
	assert_non_null(a);
	assert_string_equal(param(a, "MasterUserPassword"), AG_PLACEHOLDER_PASSWORD);
	assert_string_equal(param(a, "BackupRetentionPeriod"), "7");
	assert_string_equal(param(a, "PreferredMaintenanceWindow"), "sun:05:00-sun:05:30");
	assert_string_equal(param(a, "ApplyImmediately"), "true");
}

/* A restored cluster keeps the snapshot's master user: the loader's default
 * username is not drift, a username written in the manifest is. */
static void
test_plan__restored_username_comes_from_snapshot(void **state)
{
	struct fx *f = *state;
	const struct ag_cluster_plan *cp;
	struct ag_db_cluster *c;

	add_manifest(f, "r1", NULL, "  snapshotIdentifier: snap-1\n");
	c = add_live(f, "r1");
	free(c->master_username);
	c->master_username = ag_xstrdup("pg");
	cp = run(f, "r1");
	assert_int_equal(cp->status, AG_STATUS_UNCHANGED);
	assert_null(find_change(cp, "spec.username"));

	add_manifest(f, "r2", NULL, "  snapshotIdentifier: snap-1\n  username: admin\n");
	c = add_live(f, "r2");
	free(c->master_username);
	c->master_username = ag_xstrdup("pg");
	ag_plan_release(&f->plan);
	ag_plan_init(&f->plan);
	cp = run(f, "r2");
	assert_int_equal(cp->status, AG_STATUS_BLOCKED);
	assert_non_null(find_change(cp, "spec.username"));
}

/* ---- instances -------------------------------------------------------------- */

static void
test_plan__instances(void **state)
{
	struct fx *f = *state;
	const struct ag_cluster_plan *cp;
	struct ag_db_cluster *c;
	size_t i, create_at = 99, delete_at = 0;

	add_manifest(f, "db1", NULL,
	    "  instances:\n"
	    "    - name: db1-a\n      instanceClass: db.r6g.xlarge\n      promotionTier: 0\n"
	    "    - name: db1-c\n      instanceClass: db.r6g.large\n      promotionTier: 3\n");
	c = add_live(f, "db1");
	add_inst(f, c, "db1-a", "db.r6g.large", 0, true);
	add_inst(f, c, "db1-b", "db.r6g.large", 1, false);
	cp = run(f, "db1");
	assert_int_equal(cp->status, AG_STATUS_UPDATE);
	for (i = 0; i < cp->n_actions; i++) {
		if (cp->actions[i].kind == AG_ACT_CREATE_INSTANCE)
			create_at = i;
		if (cp->actions[i].kind == AG_ACT_DELETE_INSTANCE)
			delete_at = i;
	}
	assert_true(create_at < delete_at);
	assert_string_equal(cp->actions[create_at].target, "db1-c");
	assert_string_equal(cp->actions[delete_at].target, "db1-b");
	assert_string_equal(
	    param(find_action(cp, AG_ACT_MODIFY_INSTANCE), "DBInstanceClass"), "db.r6g.xlarge");
	assert_string_equal(
	    param(find_action(cp, AG_ACT_MODIFY_INSTANCE), "ApplyImmediately"), "false");
	assert_int_equal(
	    find_change(cp, "spec.instances[db1-a].instanceClass")->klass, AG_CLASS_DEFERRED);
	assert_non_null(strstr(find_change(cp, "spec.instances[db1-a].instanceClass")->note,
	    "deferred until 2026-11-25T03:00:00Z"));

	/* an explicitly empty list never removes the last instance */
	ag_manifest_set_release(&f->set);
	ag_observed_release(&f->obs);
	add_manifest(f, "db1", NULL, "  instances: []\n");
	c = add_live(f, "db1");
	add_inst(f, c, "db1-w", "db.r6g.large", 0, true);
	add_inst(f, c, "db1-r", "db.r6g.large", 1, false);
	cp = run(f, "db1");
	assert_int_equal(cp->n_actions, 1);
	assert_string_equal(cp->actions[0].target, "db1-r");
	assert_int_equal(find_change(cp, "spec.instances[db1-w]")->state, AG_CHANGE_INFO);

	/* no spec.instances: instances are not managed */
	ag_manifest_set_release(&f->set);
	ag_observed_release(&f->obs);
	add_manifest(f, "db1", NULL, NULL);
	c = add_live(f, "db1");
	add_inst(f, c, "db1-w", "db.r6g.large", 0, true);
	cp = run(f, "db1");
	assert_int_equal(cp->n_changes, 0);
}

/* ---- performance insights and monitoring ------------------------------------ */

static struct ag_db_instance *
insights_inst(struct fx *f, struct ag_db_cluster *c, const char *id, bool pi, int retention,
    int interval, const char *role)
{
	struct ag_db_instance *i = add_inst(f, c, id, "db.r6g.large", 0, true);

	i->has_pi = true;
	i->pi_enabled = pi;
	i->pi_retention = retention;
	i->has_monitoring = true;
	i->monitoring_interval = interval;
	i->monitoring_role_arn = role != NULL ? ag_xstrdup(role) : NULL;
	return i;
}

/* Defaults turn them on, never off or lower; written values are enforced;
 * turning off is weakening. */
static void
test_plan__insights_defaults_never_weaken(void **state)
{
	struct fx *f = *state;
	const struct ag_cluster_plan *cp;
	const struct ag_change *ch;
	const struct ag_action *a;
	struct ag_db_cluster *c;
	const char *role = "arn:aws:iam::123456789012:role/mine";

	/* live off, nothing written: both turned on, the role made */
	add_manifest(f, "db1", NULL, "  instances: [{name: db1-a, instanceClass: db.r6g.large}]\n");
	c = add_live(f, "db1");
	insights_inst(f, c, "db1-a", false, 0, 0, NULL);
	cp = run(f, "db1");
	ch = find_change(cp, "spec.instances[db1-a].performanceInsights.enabled");
	assert_string_equal(ch->committed, "true (default)");
	assert_false(ch->weakens);
	ch = find_change(cp, "spec.instances[db1-a].monitoring.interval");
	assert_string_equal(ch->committed, "60 (default)");
	assert_int_equal(ch->klass, AG_CLASS_IN_PLACE);
	assert_int_equal(cp->actions[0].kind, AG_ACT_ENSURE_MONITORING_ROLE);
	a = find_action(cp, AG_ACT_MODIFY_INSTANCE);
	assert_string_equal(param(a, "EnablePerformanceInsights"), "true");
	assert_string_equal(param(a, "MonitoringInterval"), "60");
	assert_string_equal(param(a, "MonitoringRoleArn"), "{{role:rds-monitoring-role}}");

	/* live on with a long retention and a 5 s interval: nothing written,
	 * nothing sent */
	ag_manifest_set_release(&f->set);
	ag_observed_release(&f->obs);
	add_manifest(f, "db1", NULL, "  instances: [{name: db1-a, instanceClass: db.r6g.large}]\n");
	c = add_live(f, "db1");
	insights_inst(f, c, "db1-a", true, 731, 5, role);
	cp = run(f, "db1");
	assert_null(find_action(cp, AG_ACT_MODIFY_INSTANCE));
	assert_null(find_action(cp, AG_ACT_ENSURE_MONITORING_ROLE));

	/* written lower values are sent and marked weakening; the policy
	 * blocks them */
	ag_manifest_set_release(&f->set);
	ag_observed_release(&f->obs);
	add_manifest(f, "db1", "  annotations:\n    aurora-gitops/weakening: forbid\n",
	    "  performanceInsights: {retentionPeriod: 93}\n"
	    "  monitoring: {interval: 0}\n"
	    "  instances: [{name: db1-a, instanceClass: db.r6g.large}]\n");
	c = add_live(f, "db1");
	insights_inst(f, c, "db1-a", true, 731, 5, role);
	cp = run(f, "db1");
	ch = find_change(cp, "spec.instances[db1-a].performanceInsights.retentionPeriod");
	assert_true(ch->weakens);
	assert_int_equal(ch->state, AG_CHANGE_BLOCKED);
	ch = find_change(cp, "spec.instances[db1-a].monitoring.interval");
	assert_true(ch->weakens);
	assert_int_equal(ch->state, AG_CHANGE_BLOCKED);
	assert_int_equal(cp->status, AG_STATUS_BLOCKED);

	/* a written role differs: corrected, with the interval it needs */
	ag_manifest_set_release(&f->set);
	ag_observed_release(&f->obs);
	add_manifest(f, "db1", NULL,
	    "  monitoring: {roleArn: \"arn:aws:iam::123456789012:role/other\"}\n"
	    "  instances: [{name: db1-a, instanceClass: db.r6g.large}]\n");
	c = add_live(f, "db1");
	insights_inst(f, c, "db1-a", true, 7, 15, role);
	cp = run(f, "db1");
	a = find_action(cp, AG_ACT_MODIFY_INSTANCE);
	assert_string_equal(param(a, "MonitoringInterval"), "15");
	assert_string_equal(param(a, "MonitoringRoleArn"), "arn:aws:iam::123456789012:role/other");
	assert_null(find_action(cp, AG_ACT_ENSURE_MONITORING_ROLE));

	/* a reply without the elements reads as unknown, never as "off" */
	ag_manifest_set_release(&f->set);
	ag_observed_release(&f->obs);
	add_manifest(f, "db1", NULL, "  instances: [{name: db1-a, instanceClass: db.r6g.large}]\n");
	c = add_live(f, "db1");
	add_inst(f, c, "db1-a", "db.r6g.large", 0, true);
	cp = run(f, "db1");
	assert_int_equal(cp->n_changes, 0);
}

/* ---- tags and logs ---------------------------------------------------------- */

static void
test_plan__tags_and_logs(void **state)
{
	struct fx *f = *state;
	const struct ag_cluster_plan *cp;
	struct ag_db_cluster *c;
	const struct ag_action *a;

	add_manifest(f, "db1", "  labels:\n    team: data\n    env: prod\n",
	    "  enabledCloudwatchLogsExports: [postgresql]\n");
	c = add_live(f, "db1");
	ag_kvlist_add(&c->tags, "team", "web");
	ag_kvlist_add(&c->tags, "old", "x");
	ag_kvlist_add(&c->tags, "planton.org/resource", "z"); /* another tool's */
	ag_kvlist_add(&c->tags, "aws:backup:plan", "y");
	ag_kvlist_add(&c->tags, AG_OWNED_TAG_KEY, "old team"); /* what the agent set */
	ag_strlist_add(&c->enabled_cloudwatch_logs_exports, "upgrade");
	cp = run(f, "db1");
	a = find_action(cp, AG_ACT_ADD_TAGS);
	assert_string_equal(param(a, "ResourceName"), c->arn);
	assert_string_equal(param(a, "Tags.Tag.1.Key"), AG_OWNED_TAG_KEY);
	assert_string_equal(param(a, "Tags.Tag.1.Value"), "env team");
	assert_string_equal(param(a, "Tags.Tag.2.Key"), "env");
	assert_string_equal(param(a, "Tags.Tag.3.Key"), "team");
	assert_string_equal(param(a, "Tags.Tag.3.Value"), "data");
	a = find_action(cp, AG_ACT_REMOVE_TAGS);
	/* only what the agent set: never another tool's tag */
	assert_string_equal(param(a, "TagKeys.member.1"), "old");
	assert_null(param(a, "TagKeys.member.2"));
	a = find_action(cp, AG_ACT_MODIFY_CLUSTER);
	assert_string_equal(
	    param(a, "CloudwatchLogsExportConfiguration.EnableLogTypes.member.1"), "postgresql");
	assert_string_equal(
	    param(a, "CloudwatchLogsExportConfiguration.DisableLogTypes.member.1"), "upgrade");
}

/* The tags the agent set and the manifest dropped go in one call, sorted,
 * whatever their order in the reply; AWS's own never; nothing to remove,
 * no call. */
static void
test_plan__removed_tags_sorted(void **state)
{
	struct fx *f = *state;
	const struct ag_cluster_plan *cp;
	struct ag_db_cluster *c;
	const struct ag_action *a;

	add_manifest(f, "db1", "  labels:\n    team: data\n", NULL);
	add_manifest(f, "db2", "  labels:\n    team: data\n", NULL);
	c = add_live(f, "db1");
	ag_kvlist_add(&c->tags, "zeta", "1");
	ag_kvlist_add(&c->tags, "team", "data");
	ag_kvlist_add(&c->tags, "old", "2");
	ag_kvlist_add(&c->tags, "aws:x", "3");
	ag_kvlist_add(&c->tags, AG_OWNED_TAG_KEY, "zeta old aws:x team");
	c = add_live(f, "db2");
	ag_kvlist_add(&c->tags, "team", "data");
	ag_kvlist_add(&c->tags, "other", "4"); /* not the agent's */
	ag_kvlist_add(&c->tags, AG_OWNED_TAG_KEY, "team");
	cp = run(f, "db1");
	a = find_action(cp, AG_ACT_REMOVE_TAGS);
	assert_string_equal(param(a, "TagKeys.member.1"), "old");
	assert_string_equal(param(a, "TagKeys.member.2"), "zeta");
	assert_null(param(a, "TagKeys.member.3"));
	/* the changes too, in the order of the keys */
	assert_true(
	    find_change(cp, "metadata.labels.old") < find_change(cp, "metadata.labels.zeta"));
	assert_null(find_change(cp, "metadata.labels.aws:x"));
	cp = run(f, "db2");
	assert_int_equal(cp->n_actions, 0);
}

/* ---- parameters -------------------------------------------------------------- */

/* A user-set parameter the manifest no longer names is reset; engine
 * defaults and parameters still named are left alone. */
static void
test_plan__removed_parameters_are_reset(void **state)
{
	struct fx *f = *state;
	const struct ag_cluster_plan *cp;
	const struct ag_action *a;
	struct ag_db_cluster_param_group *g;
	struct ag_observed_param *op;
	const char *names[] = {"kept", "dropped", "engine_default"};
	const char *sources[] = {"user", "user", "engine-default"};
	size_t i;

	add_manifest(f, "db1", NULL,
	    "  dbClusterParameterGroupName: pg1\n  parameters:\n    - name: kept\n"
	    "      value: \"1\"\n");
	add_live(f, "db1");
	free(f->obs.clusters[0].db_cluster_parameter_group);
	f->obs.clusters[0].db_cluster_parameter_group = ag_xstrdup("pg1");
	g = ag_observed_add_param_group(&f->obs);
	g->name = ag_xstrdup("pg1");
	g->params_loaded = true;
	for (i = 0; i < 3; i++) {
		op = ag_param_group_add_param(g);
		op->name = ag_xstrdup(names[i]);
		op->value = ag_xstrdup("1");
		op->source = ag_xstrdup(sources[i]);
	}
	cp = run(f, "db1");
	assert_int_equal(cp->status, AG_STATUS_UPDATE);
	a = find_action(cp, AG_ACT_RESET_PARAM_GROUP);
	assert_non_null(a);
	assert_string_equal(a->action, "ResetDBClusterParameterGroup");
	assert_string_equal(param(a, "DBClusterParameterGroupName"), "pg1");
	assert_string_equal(param(a, "ResetAllParameters"), "false");
	assert_string_equal(param(a, "Parameters.Parameter.1.ParameterName"), "dropped");
	assert_null(param(a, "Parameters.Parameter.2.ParameterName"));
	assert_non_null(find_change(cp, "spec.parameters[dropped]"));
	assert_null(find_change(cp, "spec.parameters[kept]"));
	assert_null(find_change(cp, "spec.parameters[engine_default]"));
	assert_null(find_action(cp, AG_ACT_MODIFY_PARAM_GROUP));
}

static void
test_plan__parameters_in_chunks(void **state)
{
	struct fx *f = *state;
	const struct ag_cluster_plan *cp;
	struct ag_db_cluster_param_group *g;
	struct ag_observed_param *op;
	struct ag_buf y = AG_BUF_INIT(1 << 20);
	size_t i, n = 0;

	ag_buf_adds(&y, "  dbClusterParameterGroupName: pg1\n  parameters:\n");
	for (i = 0; i < 45; i++)
		ag_buf_addf(&y, "    - name: p%02zu\n      value: \"%zu\"\n%s", i, i,
		    i == 3 ? "      applyMethod: pending-reboot\n" : "");
	add_manifest(f, "db1", NULL, y.ptr);
	add_live(f, "db1");
	free(f->obs.clusters[0].db_cluster_parameter_group);
	f->obs.clusters[0].db_cluster_parameter_group = ag_xstrdup("pg1");
	g = ag_observed_add_param_group(&f->obs);
	g->name = ag_xstrdup("pg1");
	g->params_loaded = true;
	for (i = 0; i < 45; i++) {
		op = ag_param_group_add_param(g);
		op->name = ag_xasprintf("p%02zu", i);
		op->value = ag_xasprintf("%zu", i < 3 ? i : i + 1000); /* p00..p02 equal */
	}
	cp = run(f, "db1");
	for (i = 0; i < cp->n_actions; i++)
		if (cp->actions[i].kind == AG_ACT_MODIFY_PARAM_GROUP)
			n++;
	assert_int_equal(n, 3); /* 42 changed: 20 + 20 + 2 */
	assert_string_equal(param(&cp->actions[0], "Parameters.Parameter.1.ParameterName"), "p03");
	assert_string_equal(
	    param(&cp->actions[0], "Parameters.Parameter.1.ApplyMethod"), "pending-reboot");
	assert_int_equal(cp->actions[0].klass, AG_CLASS_OUTAGE);
	assert_non_null(param(&cp->actions[1], "Parameters.Parameter.20.ParameterName"));
	assert_null(param(&cp->actions[1], "Parameters.Parameter.21.ParameterName"));
	assert_string_equal(param(&cp->actions[2], "Parameters.Parameter.2.ParameterName"), "p44");
	assert_null(find_change(cp, "spec.parameters[p01]"));
	assert_non_null(find_change(cp, "spec.parameters[p03]"));
	ag_buf_release(&y);
}

/* ---- digests ------------------------------------------------------------------ */

static void
build_fleet(struct fx *f, bool reversed)
{
	const char *ids[3] = {"db1", "db2", "db3"};
	size_t k;

	for (k = 0; k < 3; k++) {
		const char *id = ids[reversed ? 2 - k : k];
		struct ag_db_cluster *c;

		char *spec = ag_xasprintf("  backupRetentionPeriod: 9\n  instances:\n"
		                          "    - name: %s-1\n      instanceClass: db.r6g.xlarge\n"
		                          "    - name: %s-4\n      instanceClass: db.r6g.large\n",
		    id, id);
		char n2[32], n3[32], n1[32];

		add_manifest(f, id, "  labels:\n    a: b\n", spec);
		free(spec);
		c = add_live(f, id);
		ag_kvlist_add(&c->tags, reversed ? "z" : "y", "1");
		ag_kvlist_add(&c->tags, reversed ? "y" : "z", "1");
		snprintf(n1, sizeof(n1), "%s-1", id);
		snprintf(n2, sizeof(n2), "%s-2", id);
		snprintf(n3, sizeof(n3), "%s-3", id);
		if (reversed) {
			add_inst(f, c, n3, "db.r6g.large", 1, false);
			add_inst(f, c, n2, "db.r6g.large", 1, false);
			add_inst(f, c, n1, "db.r6g.large", 0, true);
		} else {
			add_inst(f, c, n1, "db.r6g.large", 0, true);
			add_inst(f, c, n2, "db.r6g.large", 1, false);
			add_inst(f, c, n3, "db.r6g.large", 1, false);
		}
	}
}

static void
test_plan__digest_is_stable(void **state)
{
	struct fx *f = *state;
	char d1[65], d2[65], o1[65], o2[65];
	struct ag_db_cluster *c;

	build_fleet(f, false);
	run(f, "db1");
	/* monitoring role, create db1-4, modify db1-1, delete db1-2 and db1-3,
	 * add tags, cluster (the live tags y and z are not the agent's: never
	 * removed) */
	assert_int_equal(ag_plan_find(&f->plan, "db1")->n_actions, 7);
	memcpy(d1, f->plan.digest, 65);
	run(f, "db1");
	assert_string_equal(d1, f->plan.digest);
	ag_observed_cluster_digest(o1, &f->obs, &f->obs.clusters[0]);

	ag_manifest_set_release(&f->set);
	ag_observed_release(&f->obs);
	build_fleet(f, true);
	run(f, "db1");
	memcpy(d2, f->plan.digest, 65);
	assert_string_equal(d1, d2);
	c = (struct ag_db_cluster *)ag_observed_find_cluster(&f->obs, "db1");
	ag_observed_cluster_digest(o2, &f->obs, c);
	assert_string_equal(o1, o2);
	assert_int_equal(strlen(d1), 64);

	/* a different plan has a different digest; so does different live state */
	c->backup_retention_period = 9;
	run(f, "db1");
	assert_string_not_equal(d1, f->plan.digest);
	ag_observed_cluster_digest(o2, &f->obs, c);
	assert_string_not_equal(o1, o2);
}

/* The digest is the identity of what is sent: kind, API, Action, target and
 * parameters in canonical JSON. Pinned: digests live in git notes for years,
 * so a change here is a format change (docs/plan-format.md). */
static void
test_plan__golden_digest(void **state)
{
	static const char canon_cluster[] =
	    "{\"actions\":[{\"action\":\"ModifyDBCluster\",\"api\":\"rds\","
	    "\"kind\":\"modify-cluster\",\"params\":{\"ApplyImmediately\":\"false\","
	    "\"BackupRetentionPeriod\":\"9\",\"DBClusterIdentifier\":\"db1\"},"
	    "\"target\":\"db1\"}]}";
	static const char canon_plan[] =
	    "[{\"actions\":[{\"action\":\"ModifyDBCluster\",\"api\":\"rds\","
	    "\"kind\":\"modify-cluster\",\"params\":{\"ApplyImmediately\":\"false\","
	    "\"BackupRetentionPeriod\":\"9\",\"DBClusterIdentifier\":\"db1\"},"
	    "\"target\":\"db1\"}],\"cluster\":\"db1\"}]";
	struct fx *f = *state;
	const struct ag_cluster_plan *cp;
	char want[65];

	add_manifest(f, "db1", NULL, "  backupRetentionPeriod: 9\n");
	add_live(f, "db1");
	cp = run(f, "db1");
	assert_int_equal(cp->n_actions, 1);
	ag_sha256_hex(want, canon_cluster, strlen(canon_cluster));
	assert_string_equal(cp->digest, want);
	assert_string_equal(
	    cp->digest, "7a7239f4d303f1b4c78b3c7b54b47104004e7bf36c499d9b4034ed3f90208c9d");
	ag_sha256_hex(want, canon_plan, strlen(canon_plan));
	assert_string_equal(f->plan.digest, want);
	assert_string_equal(
	    f->plan.digest, "bf1c72f291e8586e13fc4d5aef4223ed6a37dcb06273e92874ce3e72c4f27237");
}

/* Rewording any message, note, reason or class changes no digest. */
static void
test_plan__digest_ignores_prose(void **state)
{
	struct fx *f = *state;
	struct ag_cluster_plan *cp;
	char d[65], dc[65];
	size_t i;

	add_manifest(f, "db1", NULL, "  backupRetentionPeriod: 9\n  engine: aurora-mysql\n");
	add_live(f, "db1");
	cp = (struct ag_cluster_plan *)run(f, "db1");
	assert_int_equal(cp->status, AG_STATUS_BLOCKED);
	memcpy(d, f->plan.digest, sizeof(d));
	memcpy(dc, cp->digest, sizeof(dc));
	for (i = 0; i < cp->n_changes; i++) {
		free(cp->changes[i].note);
		cp->changes[i].note = ag_xstrdup("reworded");
		free(cp->changes[i].committed);
		cp->changes[i].committed = ag_xstrdup("reworded");
	}
	free(cp->reason);
	cp->reason = ag_xstrdup("reworded");
	for (i = 0; i < cp->n_actions; i++) {
		free(cp->actions[i].blocked_reason);
		cp->actions[i].blocked_reason = ag_xstrdup("reworded");
		cp->actions[i].klass = AG_CLASS_OUTAGE;
	}
	ag_strlist_add(&cp->notes, "a new note");
	ag_plan_compute_digests(&f->plan, NULL, 0);
	assert_string_equal(d, f->plan.digest);
	assert_string_equal(dc, cp->digest);
	/* but a parameter is identity */
	if (cp->n_actions > 0) {
		ag_kvlist_add(&cp->actions[0].params, "X", "1");
		ag_plan_compute_digests(&f->plan, NULL, 0);
		assert_string_not_equal(dc, cp->digest);
	}
}

/* A password swapped after review changes the digest: the keyed hash of the
 * secret a cluster's actions send is bound into it (never the value). */
static void
test_plan__digest_binds_secret(void **state)
{
	struct fx *f = *state;
	char a[65], b[65], none[65];

	add_manifest(f, "db1", NULL, "  password: s3cret-value\n");
	add_live(f, "db1");
	f->in.passwords = f->pw;
	f->in.n_passwords = 1;
	f->pw[0] = (struct ag_password_info){"db1", AG_PW_CHANGED, NULL, "hash-of-first"};
	run(f, "db1");
	assert_non_null(
	    strstr(param(find_action(ag_plan_find(&f->plan, "db1"), AG_ACT_MODIFY_CLUSTER),
	               "MasterUserPassword"),
	        "{{secret:"));
	memcpy(a, f->plan.digest, sizeof(a));
	f->pw[0].secret_hash = "hash-of-second";
	run(f, "db1");
	memcpy(b, f->plan.digest, sizeof(b));
	assert_string_not_equal(a, b);
	f->pw[0].secret_hash = "hash-of-first";
	run(f, "db1");
	assert_string_equal(a, f->plan.digest);
	/* a cluster that does not send the password: its hash is not bound */
	f->pw[0] = (struct ag_password_info){"db1", AG_PW_SAME, NULL, "hash-of-first"};
	run(f, "db1");
	memcpy(none, f->plan.digest, sizeof(none));
	f->pw[0].secret_hash = "hash-of-second";
	run(f, "db1");
	assert_string_equal(none, f->plan.digest);
}

/* ---- absence never weakens -------------------------------------------------- */

static struct ag_db_cluster *
protected_live(struct fx *f)
{
	struct ag_db_cluster *c = add_live(f, "db1");

	c->deletion_protection = true;
	c->backup_retention_period = 14;
	c->copy_tags_to_snapshot = true;
	c->iam_database_authentication_enabled = true;
	c->storage_encrypted = true;
	ag_strlist_add(&c->enabled_cloudwatch_logs_exports, "postgresql");
	return c;
}

/* Protective settings left out of the manifest keep what is live: no
 * action, an informational "unmanaged" change each. */
static void
test_plan__absence_never_weakens(void **state)
{
	static const char *const paths[] = {"spec.deletionProtection", "spec.backupRetentionPeriod",
	    "spec.copyTagsToSnapshot", "spec.iamDatabaseAuthenticationEnabled",
	    "spec.enabledCloudwatchLogsExports", "spec.storageEncrypted"};
	struct fx *f = *state;
	const struct ag_cluster_plan *cp;
	size_t i;

	add_manifest(f, "db1", NULL, NULL);
	protected_live(f);
	cp = run(f, "db1");
	if (cp->n_actions != 0)
		dump(&f->plan);
	assert_int_equal(cp->status, AG_STATUS_UNCHANGED);
	assert_int_equal(cp->n_actions, 0);
	for (i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		const struct ag_change *c = find_change(cp, paths[i]);

		assert_non_null(c);
		assert_int_equal(c->state, AG_CHANGE_INFO);
		assert_non_null(strstr(c->note, "unmanaged"));
		assert_false(c->weakens);
	}
}

/* Lowering happens only when the manifest says so, and is marked. */
static void
test_plan__explicit_lowering_is_marked(void **state)
{
	struct fx *f = *state;
	const struct ag_cluster_plan *cp;
	const struct ag_action *a;
	struct ag_buf b = AG_BUF_INIT((size_t)1 << 22);

	add_manifest(f, "db1", NULL,
	    "  deletionProtection: false\n  backupRetentionPeriod: 7\n"
	    "  copyTagsToSnapshot: true\n  enabledCloudwatchLogsExports: []\n");
	protected_live(f);
	cp = run(f, "db1");
	a = find_action(cp, AG_ACT_MODIFY_CLUSTER);
	assert_string_equal(param(a, "DeletionProtection"), "false");
	assert_string_equal(param(a, "BackupRetentionPeriod"), "7");
	assert_string_equal(
	    param(a, "CloudwatchLogsExportConfiguration.DisableLogTypes.member.1"), "postgresql");
	assert_true(find_change(cp, "spec.deletionProtection")->weakens);
	assert_true(find_change(cp, "spec.backupRetentionPeriod")->weakens);
	assert_true(find_change(cp, "spec.enabledCloudwatchLogsExports")->weakens);
	assert_null(find_change(cp, "spec.copyTagsToSnapshot")); /* equal: no change */
	assert_int_equal(ag_report_text(&b, &f->plan, 0), 0);
	assert_non_null(strstr(b.ptr, "⚠ weakens protection"));
	ag_buf_release(&b);
	assert_int_equal(ag_report_markdown(&b, &f->plan), 0);
	assert_non_null(strstr(b.ptr, "⚠ weakens protection"));
	ag_buf_release(&b);
	/* raising is not weakening */
	ag_manifest_set_release(&f->set);
	add_manifest(f, "db1", NULL, "  backupRetentionPeriod: 21\n");
	cp = run(f, "db1");
	assert_false(find_change(cp, "spec.backupRetentionPeriod")->weakens);
}

/* A policy forbids lowering outright: annotation or repository setting. */
static void
test_plan__weakening_policy_blocks(void **state)
{
	struct fx *f = *state;
	const struct ag_cluster_plan *cp;

	add_manifest(f, "db1", "  annotations:\n    aurora-gitops/weakening: forbid\n",
	    "  deletionProtection: false\n");
	protected_live(f);
	cp = run(f, "db1");
	assert_int_equal(cp->status, AG_STATUS_BLOCKED);
	assert_int_equal(cp->n_actions, 0);
	assert_int_equal(find_change(cp, "spec.deletionProtection")->state, AG_CHANGE_BLOCKED);

	ag_manifest_set_release(&f->set);
	add_manifest(f, "db1", NULL, "  deletionProtection: false\n  port: 5433\n");
	f->in.forbid_weakening = true;
	cp = run(f, "db1");
	assert_int_equal(cp->status, AG_STATUS_BLOCKED);
	assert_int_equal(cp->n_actions, 0);
	f->in.forbid_weakening = false;
	cp = run(f, "db1");
	assert_int_equal(cp->status, AG_STATUS_UPDATE);
}

/* ---- public access ------------------------------------------------------ */

/* A reader made public out of band is reported and corrected; creates say
 * PubliclyAccessible=false. */
static void
test_plan__public_reader_corrected(void **state)
{
	struct fx *f = *state;
	const struct ag_cluster_plan *cp;
	const struct ag_change *c;
	struct ag_db_cluster *live;
	size_t i;

	add_manifest(f, "db1", NULL,
	    "  instances:\n    - {name: db1-1, instanceClass: db.r6g.large}\n"
	    "    - {name: db1-2, instanceClass: db.r6g.large}\n"
	    "    - {name: db1-3, instanceClass: db.r6g.large}\n");
	live = add_live(f, "db1");
	add_inst(f, live, "db1-1", "db.r6g.large", 0, true);
	add_inst(f, live, "db1-2", "db.r6g.large", 1, false)->publicly_accessible = true;
	cp = run(f, "db1");
	c = find_change(cp, "spec.instances[db1-2].publiclyAccessible");
	assert_non_null(c);
	assert_string_equal(c->committed, "false");
	assert_string_equal(c->live, "true");
	assert_false(c->weakens);
	for (i = 0; i < cp->n_actions; i++)
		if (cp->actions[i].kind == AG_ACT_MODIFY_INSTANCE)
			break;
	assert_true(i < cp->n_actions);
	assert_string_equal(cp->actions[i].target, "db1-2");
	assert_string_equal(param(&cp->actions[i], "PubliclyAccessible"), "false");
	assert_string_equal(
	    param(find_action(cp, AG_ACT_CREATE_INSTANCE), "PubliclyAccessible"), "false");
}

/* Making an instance public needs the acknowledgement and is marked. */
static void
test_plan__public_needs_acknowledgement(void **state)
{
	struct fx *f = *state;
	const struct ag_cluster_plan *cp;
	struct ag_db_cluster *live;

	add_manifest(f, "db1", NULL,
	    "  instances:\n    - {name: db1-1, instanceClass: db.r6g.large, "
	    "publiclyAccessible: true}\n");
	live = add_live(f, "db1");
	add_inst(f, live, "db1-1", "db.r6g.large", 0, true);
	cp = run(f, "db1");
	assert_int_equal(cp->status, AG_STATUS_BLOCKED);
	assert_int_equal(cp->n_actions, 0);

	ag_manifest_set_release(&f->set);
	add_manifest(f, "db1", "  annotations: {aurora-gitops/public-access: acknowledged}\n",
	    "  instances:\n    - {name: db1-1, instanceClass: db.r6g.large, "
	    "publiclyAccessible: true}\n");
	cp = run(f, "db1");
	assert_int_equal(cp->status, AG_STATUS_UPDATE);
	assert_true(find_change(cp, "spec.instances[db1-1].publiclyAccessible")->weakens);
	assert_string_equal(
	    param(find_action(cp, AG_ACT_MODIFY_INSTANCE), "PubliclyAccessible"), "true");
}

/* Readers added by Aurora Auto Scaling are never deleted, and reported. */
static void
test_plan__autoscaling_readers_kept(void **state)
{
	struct fx *f = *state;
	const struct ag_cluster_plan *cp;
	struct ag_db_cluster *live;
	const struct ag_change *c;

	add_manifest(
	    f, "db1", NULL, "  instances:\n    - {name: db1-1, instanceClass: db.r6g.large}\n");
	live = add_live(f, "db1");
	add_inst(f, live, "db1-1", "db.r6g.large", 0, true);
	add_inst(f, live, "application-autoscaling-1f2e3d4c", "db.r6g.large", 1, false);
	cp = run(f, "db1");
	assert_int_equal(cp->n_actions, 0);
	c = find_change(cp, "spec.instances[application-autoscaling-1f2e3d4c]");
	assert_non_null(c);
	assert_int_equal(c->state, AG_CHANGE_INFO);
	assert_non_null(strstr(c->note, "Auto Scaling"));
}

/* ---- requests right for real AWS ------------------------------------------ */

/* Static parameters default to pending-reboot (apply type read from AWS);
 * dynamic ones to immediate; a pending reboot is shown. */
static void
test_plan__parameter_apply_type(void **state)
{
	struct fx *f = *state;
	const struct ag_cluster_plan *cp;
	const struct ag_action *a;
	struct ag_db_cluster_param_group *g;
	struct ag_observed_param *op;
	struct ag_db_cluster *c;
	const char *names[] = {"shared_buffers", "work_mem"};
	const char *types[] = {"static", "dynamic"};
	size_t i;

	add_manifest(f, "db1", NULL,
	    "  dbClusterParameterGroupName: pg1\n  parameters:\n"
	    "    - {name: shared_buffers, value: \"2\"}\n    - {name: work_mem, value: \"2\"}\n"
	    "  instances:\n    - {name: db1-1, instanceClass: db.r6g.large}\n");
	c = add_live(f, "db1");
	add_inst(f, c, "db1-1", "db.r6g.large", 0, true);
	c->members[0].param_group_status = ag_xstrdup("pending-reboot");
	free(c->db_cluster_parameter_group);
	c->db_cluster_parameter_group = ag_xstrdup("pg1");
	g = ag_observed_add_param_group(&f->obs);
	g->name = ag_xstrdup("pg1");
	g->params_loaded = true;
	for (i = 0; i < 2; i++) {
		op = ag_param_group_add_param(g);
		op->name = ag_xstrdup(names[i]);
		op->value = ag_xstrdup("1");
		op->source = ag_xstrdup("user");
		op->apply_type = ag_xstrdup(types[i]);
	}
	cp = run(f, "db1");
	a = find_action(cp, AG_ACT_MODIFY_PARAM_GROUP);
	assert_string_equal(param(a, "Parameters.Parameter.1.ParameterName"), "shared_buffers");
	assert_string_equal(param(a, "Parameters.Parameter.1.ApplyMethod"), "pending-reboot");
	assert_string_equal(param(a, "Parameters.Parameter.2.ParameterName"), "work_mem");
	assert_string_equal(param(a, "Parameters.Parameter.2.ApplyMethod"), "immediate");
	assert_non_null(find_change(cp, "spec.instances[db1-1]"));
	assert_non_null(strstr(find_change(cp, "spec.instances[db1-1]")->note, "pending reboot"));
}

/* A cluster of four instances, all pending a reboot; the writer is db2-b
 * so that neither identifier order nor list order puts it last. */
static struct ag_db_cluster *
reboot_fixture(struct fx *f, const char *meta, const char *spec)
{
	struct ag_db_cluster *c;
	const char *ids[] = {"db2-c", "db2-b", "db2-a", "db2-d"};
	char *y;
	size_t i;

	y = ag_xasprintf("%s"
	                 "  instances:\n    - {name: db2-a, instanceClass: db.r6g.large}\n"
	                 "    - {name: db2-b, instanceClass: db.r6g.large}\n"
	                 "    - {name: db2-c, instanceClass: db.r6g.large}\n"
	                 "    - {name: db2-d, instanceClass: db.r6g.large}\n",
	    spec);
	add_manifest(f, "db2", meta, y);
	free(y);
	c = add_live(f, "db2");
	for (i = 0; i < 4; i++) {
		add_inst(f, c, ids[i], "db.r6g.large", 1, strcmp(ids[i], "db2-b") == 0);
		c->members[i].param_group_status = ag_xstrdup("pending-reboot");
	}
	return c;
}

#define REBOOT_ANN "  annotations:\n    aurora-gitops/reboot-for-pending-parameters: \"true\"\n"

/* Without the annotation a pending reboot is shown and nothing rebooted. */
static void
test_plan__pending_reboot_not_without_annotation(void **state)
{
	struct fx *f = *state;
	const struct ag_cluster_plan *cp;
	const struct ag_change *ch;

	reboot_fixture(f, NULL, "");
	cp = run(f, "db2");
	assert_null(find_action(cp, AG_ACT_REBOOT_INSTANCE));
	ch = find_change(cp, "spec.instances[db2-b]");
	assert_non_null(ch);
	assert_int_equal(ch->state, AG_CHANGE_INFO);
	assert_non_null(strstr(ch->note, "aurora-gitops/reboot-for-pending-parameters"));
}

/* With it: one RebootDBInstance per instance, readers first (by
 * identifier), the writer last, each waited for. */
static void
test_plan__pending_reboot_order(void **state)
{
	struct fx *f = *state;
	const struct ag_cluster_plan *cp;
	const char *want[] = {"db2-a", "db2-c", "db2-d", "db2-b"};
	size_t i, n = 0;

	reboot_fixture(f, REBOOT_ANN, "");
	cp = run(f, "db2");
	assert_int_equal(cp->status, AG_STATUS_UPDATE);
	for (i = 0; i < cp->n_actions; i++) {
		const struct ag_action *a = &cp->actions[i];

		if (a->kind != AG_ACT_REBOOT_INSTANCE)
			continue;
		assert_true(n < 4);
		assert_string_equal(a->target, want[n]);
		assert_string_equal(a->action, "RebootDBInstance");
		assert_string_equal(param(a, "DBInstanceIdentifier"), want[n]);
		assert_int_equal(a->params.n, 1);
		assert_int_equal(a->wait, AG_WAIT_INSTANCE_AVAILABLE);
		assert_int_equal(a->klass, AG_CLASS_OUTAGE);
		n++;
	}
	assert_int_equal(n, 4);
	/* the reboots come after every other action of the cluster */
	assert_int_equal(cp->actions[cp->n_actions - 1].kind, AG_ACT_REBOOT_INSTANCE);
	assert_int_equal(find_change(cp, "spec.instances[db2-b]")->state, AG_CHANGE_SEND);
}

/* One at a time across cycles: while an instance of the cluster is not
 * available (the previous reboot), nothing else is rebooted. */
static void
test_plan__pending_reboot_waits_for_busy(void **state)
{
	struct fx *f = *state;
	const struct ag_cluster_plan *cp;
	const struct ag_change *ch;
	struct ag_db_instance *i;

	reboot_fixture(f, REBOOT_ANN, "");
	i = (struct ag_db_instance *)ag_observed_find_instance(&f->obs, "db2-a");
	free(i->status);
	i->status = ag_xstrdup("rebooting");
	cp = run(f, "db2");
	assert_null(find_action(cp, AG_ACT_REBOOT_INSTANCE));
	ch = find_change(cp, "spec.instances[db2-c]");
	assert_non_null(ch);
	assert_int_equal(ch->state, AG_CHANGE_INFO);
	assert_non_null(strstr(ch->note, "'db2-a' is rebooting"));
}

/* A plan that changes the parameter group reboots nothing yet. */
static void
test_plan__pending_reboot_after_param_change(void **state)
{
	struct fx *f = *state;
	const struct ag_cluster_plan *cp;
	struct ag_db_cluster *c;
	struct ag_db_cluster_param_group *g;

	c = reboot_fixture(f, REBOOT_ANN,
	    "  dbClusterParameterGroupName: pg2\n  parameters:\n"
	    "    - {name: shared_buffers, value: \"2\"}\n");
	free(c->db_cluster_parameter_group);
	c->db_cluster_parameter_group = ag_xstrdup("pg2");
	g = ag_observed_add_param_group(&f->obs);
	g->name = ag_xstrdup("pg2");
	g->params_loaded = true;
	cp = run(f, "db2");
	assert_non_null(find_action(cp, AG_ACT_MODIFY_PARAM_GROUP));
	assert_null(find_action(cp, AG_ACT_REBOOT_INSTANCE));
	assert_non_null(strstr(find_change(cp, "spec.instances[db2-b]")->note, "later cycle"));
}

/* A replica inherits its master user and password settings: none is sent
 * at create, none is compared. */
static void
test_plan__replica_sends_no_master_user(void **state)
{
	struct fx *f = *state;
	const struct ag_cluster_plan *cp;
	const struct ag_action *a;
	struct ag_db_cluster *c;

	add_manifest(f, "rep1", NULL,
	    "  replicationSourceIdentifier: arn:aws:rds:us-west-2:123456789012:cluster:src\n"
	    "  manageMasterUserPassword: true\n");
	cp = run(f, "rep1");
	a = find_action(cp, AG_ACT_CREATE_CLUSTER);
	assert_string_equal(param(a, "ReplicationSourceIdentifier"),
	    "arn:aws:rds:us-west-2:123456789012:cluster:src");
	assert_null(param(a, "MasterUsername"));
	assert_null(param(a, "ManageMasterUserPassword"));
	assert_null(param(a, "MasterUserPassword"));

	c = add_live(f, "rep1");
	c->replication_source_identifier =
	    ag_xstrdup("arn:aws:rds:us-west-2:123456789012:cluster:src");
	free(c->master_username);
	c->master_username = ag_xstrdup("postgres");
	cp = run(f, "rep1");
	assert_null(find_change(cp, "spec.username"));
	assert_null(find_change(cp, "spec.manageMasterUserPassword"));
	assert_int_equal(cp->n_actions, 0);
}

/* MasterUserSecretKmsKeyId only when turning management on. */
static void
test_plan__secret_kms_key_only_when_turning_on(void **state)
{
	struct fx *f = *state;
	const struct ag_cluster_plan *cp;
	struct ag_db_cluster *c;

	add_manifest(f, "db1", NULL,
	    "  manageMasterUserPassword: true\n  masterUserSecretKmsKeyId: key-new\n"
	    "  backupRetentionPeriod: 3\n");
	c = add_live(f, "db1");
	c->master_user_secret_arn = ag_xstrdup("arn:aws:secretsmanager:us-east-1:1:secret:x");
	c->master_user_secret_kms_key_id = ag_xstrdup("arn:aws:kms:us-east-1:1:key/key-old");
	cp = run(f, "db1");
	assert_null(param(find_action(cp, AG_ACT_MODIFY_CLUSTER), "MasterUserSecretKmsKeyId"));
	assert_int_equal(find_change(cp, "spec.masterUserSecretKmsKeyId")->state, AG_CHANGE_INFO);

	/* turning management on carries the key */
	free(c->master_user_secret_arn);
	c->master_user_secret_arn = NULL;
	free(c->master_user_secret_kms_key_id);
	c->master_user_secret_kms_key_id = NULL;
	cp = run(f, "db1");
	assert_string_equal(
	    param(find_action(cp, AG_ACT_MODIFY_CLUSTER), "MasterUserSecretKmsKeyId"), "key-new");
	assert_string_equal(
	    param(find_action(cp, AG_ACT_MODIFY_CLUSTER), "ManageMasterUserPassword"), "true");
}

/* serverlessV2Scaling without maxCapacity sends no MaxCapacity. */
static void
test_plan__serverless_max_not_invented(void **state)
{
	struct fx *f = *state;
	const struct ag_action *a;

	add_manifest(f, "sv1", NULL, "  serverlessV2Scaling:\n    minCapacity: 2\n");
	a = find_action(run(f, "sv1"), AG_ACT_CREATE_CLUSTER);
	assert_string_equal(param(a, "ServerlessV2ScalingConfiguration.MinCapacity"), "2");
	assert_null(param(a, "ServerlessV2ScalingConfiguration.MaxCapacity"));
}

/* skipFinalSnapshot: true is honoured on a tombstoned delete, loudly. */
static void
test_plan__skip_final_snapshot_honoured(void **state)
{
	struct fx *f = *state;
	const struct ag_cluster_plan *cp;
	const struct ag_action *a;
	struct ag_buf b = AG_BUF_INIT((size_t)1 << 22);

	add_manifest(f, "db1", TOMBSTONE, "  skipFinalSnapshot: true\n");
	add_live(f, "db1");
	cp = run(f, "db1");
	assert_int_equal(cp->status, AG_STATUS_DELETE);
	a = find_action(cp, AG_ACT_DELETE_CLUSTER);
	assert_string_equal(param(a, "SkipFinalSnapshot"), "true");
	assert_null(param(a, "FinalDBSnapshotIdentifier"));
	assert_int_equal(ag_report_text(&b, &f->plan, 0), 0);
	assert_non_null(strstr(b.ptr, "WITHOUT A FINAL SNAPSHOT"));
	assert_non_null(strstr(b.ptr, "weakens protection"));
	ag_buf_release(&b);
}

/* Adopting a cluster another tool manages is one explicit change; its tags
 * stay; org and env become tags. */
static void
test_plan__tags_owned_not_grabbed(void **state)
{
	struct fx *f = *state;
	const struct ag_cluster_plan *cp;
	const struct ag_change *ch;
	struct ag_db_cluster *c;
	const struct ag_action *a;

	add_manifest(f, "db1", "  org: acme\n  env: prod\n", NULL);
	c = add_live(f, "db1");
	ag_kvlist_release(&c->tags);
	ag_kvlist_add(&c->tags, "managed-by", "planton");
	ag_kvlist_add(&c->tags, "planton.org/stack", "s1");
	cp = run(f, "db1");
	ch = find_change(cp, "metadata.labels.managed-by");
	assert_non_null(ch);
	assert_string_equal(ch->live, "planton");
	assert_non_null(strstr(ch->note, "adoption"));
	assert_null(find_action(cp, AG_ACT_REMOVE_TAGS));
	a = find_action(cp, AG_ACT_ADD_TAGS);
	assert_string_equal(param(a, "Tags.Tag.1.Key"), AG_OWNED_TAG_KEY);
	assert_string_equal(param(a, "Tags.Tag.1.Value"), "env org");
	assert_string_equal(param(a, "Tags.Tag.2.Key"), "env");
	assert_string_equal(param(a, "Tags.Tag.2.Value"), "prod");
	assert_string_equal(param(a, "Tags.Tag.3.Key"), "managed-by");
	assert_string_equal(param(a, "Tags.Tag.4.Key"), "org");
}

/* Ingress of the cluster's own security group and the subnets of its
 * subnet group: compared with the fleet read, corrected one rule per call. */
static void
test_plan__network_drift(void **state)
{
	struct fx *f = *state;
	const struct ag_cluster_plan *cp;
	struct ag_observed_sg *g;
	struct ag_observed_rule *r;
	struct ag_observed_subnet_group *sn;
	struct ag_db_cluster *c;
	size_t i, n_auth = 0, n_revoke = 0;

	add_manifest(f, "db1", NULL,
	    "  subnetIds: [subnet-a, subnet-b, subnet-c]\n"
	    "  allowedCidrBlocks: [10.0.0.0/16]\n  securityGroupIds: [sg-app, sg-new]\n");
	c = add_live(f, "db1");
	free(c->db_subnet_group);
	c->db_subnet_group = ag_xstrdup("db1");
	/* not read: nothing compared */
	cp = run(f, "db1");
	assert_int_equal(cp->n_actions, 0);

	f->obs.sgs_loaded = true;
	f->obs.subnet_groups_loaded = true;
	g = ag_observed_add_sg(&f->obs);
	g->id = ag_xstrdup("sg-0db1");
	g->name = ag_xstrdup("db1");
	r = ag_observed_sg_add_rule(g);
	r->protocol = ag_xstrdup("tcp");
	r->from_port = r->to_port = 5432;
	r->cidr = ag_xstrdup("10.0.0.0/16");
	r = ag_observed_sg_add_rule(g);
	r->protocol = ag_xstrdup("tcp");
	r->from_port = r->to_port = 5432;
	r->group_id = ag_xstrdup("sg-app");
	r = ag_observed_sg_add_rule(g);
	r->protocol = ag_xstrdup("tcp");
	r->from_port = r->to_port = 5432;
	r->cidr = ag_xstrdup("0.0.0.0/0"); /* opened out of band */
	sn = ag_observed_add_subnet_group(&f->obs);
	sn->name = ag_xstrdup("db1");
	ag_strlist_add(&sn->subnet_ids, "subnet-b");
	ag_strlist_add(&sn->subnet_ids, "subnet-a");
	cp = run(f, "db1");
	for (i = 0; i < cp->n_actions; i++) {
		const struct ag_action *a = &cp->actions[i];

		if (a->kind == AG_ACT_AUTHORIZE_INGRESS) {
			n_auth++;
			assert_string_equal(param(a, "GroupId"), "sg-0db1");
			assert_string_equal(param(a, "IpPermissions.1.Groups.1.GroupId"), "sg-new");
			assert_string_equal(param(a, "IpPermissions.1.FromPort"), "5432");
		} else if (a->kind == AG_ACT_REVOKE_INGRESS) {
			n_revoke++;
			assert_string_equal(a->action, "RevokeSecurityGroupIngress");
			assert_string_equal(
			    param(a, "IpPermissions.1.IpRanges.1.CidrIp"), "0.0.0.0/0");
		}
	}
	assert_int_equal(n_auth, 1);
	assert_int_equal(n_revoke, 1);
	assert_string_equal(
	    param(find_action(cp, AG_ACT_MODIFY_SUBNET_GROUP), "SubnetIds.SubnetIdentifier.3"),
	    "subnet-c");
	assert_string_equal(
	    param(find_action(cp, AG_ACT_MODIFY_SUBNET_GROUP), "DBSubnetGroupName"), "db1");
}

/* A subnet whose default route goes to an internet gateway: a warning. */
static void
test_plan__public_subnet_warning(void **state)
{
	struct fx *f = *state;
	const struct ag_cluster_plan *cp;
	size_t i;
	bool warned = false;

	add_manifest(f, "db1", NULL, "  subnetIds: [subnet-a, subnet-b]\n");
	f->obs.routes_loaded = true;
	ag_kvlist_add(&f->obs.public_subnets, "subnet-b", "igw-1");
	cp = run(f, "db1");
	for (i = 0; i < cp->notes.n; i++)
		if (strstr(cp->notes.v[i], "subnet-b") && strstr(cp->notes.v[i], "igw-1"))
			warned = true;
	assert_true(warned);
	for (i = 0; i < cp->notes.n; i++)
		assert_null(strstr(cp->notes.v[i], "subnet-a "));
}

static void
test_plan__cluster_filter(void **state)
{
	struct fx *f = *state;
	const char *only[] = {"db2"};

	build_fleet(f, false);
	f->in.cluster_filter = only;
	f->in.n_cluster_filter = 1;
	run(f, "db2");
	assert_int_equal(f->plan.n_clusters, 1);
}

/* A describe with nothing but an identifier must not crash or invent
 * drift for fields AWS did not report. */
static void
test_plan__sparse_live_cluster(void **state)
{
	struct fx *f = *state;
	const struct ag_cluster_plan *cp;
	struct ag_db_cluster *c;
	struct ag_db_instance *i;
	struct ag_buf b = AG_BUF_INIT((size_t)1 << 22);

	add_manifest(f, "db1", "  labels:\n    team: x\n",
	    "  port: 5432\n  storageEncrypted: false\n  kmsKeyId: k\n"
	    "  preferredMaintenanceWindow: sun:05:00-sun:05:30\n"
	    "  enabledCloudwatchLogsExports: [postgresql]\n  dbClusterParameterGroupName: pg\n"
	    "  parameters:\n    - name: a\n      value: \"1\"\n"
	    "  serverlessV2Scaling:\n    minCapacity: 1\n"
	    "  instances:\n    - name: db1-a\n      instanceClass: db.r6g.large\n");
	c = ag_observed_add_cluster(&f->obs);
	c->id = ag_xstrdup("db1");
	c->pending.backup_retention_period = -1;
	c->pending.iam_auth = -1;
	i = ag_observed_add_instance(&f->obs);
	i->id = ag_xstrdup("db1-a");
	i->cluster_id = ag_xstrdup("db1");
	cp = run(f, "db1");
	assert_int_not_equal(cp->status, AG_STATUS_ERROR);
	assert_null(find_change(cp, "spec.kmsKeyId"));
	assert_null(find_change(cp, "spec.port"));
	assert_null(find_change(cp, "spec.preferredMaintenanceWindow"));
	assert_int_equal(ag_report_text(&b, &f->plan, 1), 0);
	assert_int_equal(ag_report_json(&b, &f->plan), 0);
	assert_int_equal(ag_report_markdown(&b, &f->plan), 0);
	ag_buf_release(&b);
}

static void
test_plan__tombstone_while_deleting(void **state)
{
	struct fx *f = *state;
	const struct ag_cluster_plan *cp;
	struct ag_db_cluster *c;

	add_manifest(f, "db1", TOMBSTONE, NULL);
	c = add_live(f, "db1");
	free(c->status);
	c->status = ag_xstrdup("deleting");
	cp = run(f, "db1");
	assert_int_equal(cp->status, AG_STATUS_UNCHANGED);
	assert_int_equal(cp->n_actions, 0);
}

static void
test_plan__other_paths(void **state)
{
	struct fx *f = *state;
	const struct ag_cluster_plan *cp;
	struct ag_db_cluster *c;

	/* replica without replicationSourceIdentifier in the manifest: promote */
	add_manifest(f, "rep", NULL, NULL);
	c = add_live(f, "rep");
	c->replication_source_identifier = ag_xstrdup("arn:aws:rds:us-west-2:1:cluster:src");
	/* custom live group, none in the manifest: back to the default group */
	add_manifest(f, "pg", NULL, NULL);
	c = add_live(f, "pg");
	free(c->db_cluster_parameter_group);
	c->db_cluster_parameter_group = ag_xstrdup("hand-made");
	/* parameters for a group that does not exist yet */
	add_manifest(
	    f, "newpg", NULL, "  parameters:\n    - name: work_mem\n      value: \"64MB\"\n");
	add_live(f, "newpg");
	/* Serverless v1: the HTTP endpoint goes through ModifyDBCluster */
	add_manifest(f, "v1", NULL, "  engineMode: serverless\n  enableHttpEndpoint: true\n");
	c = add_live(f, "v1");
	free(c->engine_mode);
	c->engine_mode = ag_xstrdup("serverless");
	/* a tombstone in observe mode and a limit of zero deletions */
	add_manifest(f, "obs",
	    "  annotations:\n    aurora-gitops/mode: observe\n"
	    "    aurora-gitops/deletion: delete\n",
	    NULL);
	add_live(f, "obs");

	cp = run(f, "rep");
	assert_int_equal(cp->actions[0].kind, AG_ACT_PROMOTE_REPLICA);
	assert_string_equal(param(&cp->actions[0], "DBClusterIdentifier"), "rep");
	cp = ag_plan_find(&f->plan, "pg");
	assert_string_equal(
	    param(find_action(cp, AG_ACT_MODIFY_CLUSTER), "DBClusterParameterGroupName"),
	    "default.aurora-postgresql15");
	cp = ag_plan_find(&f->plan, "newpg");
	assert_int_equal(cp->actions[0].kind, AG_ACT_CREATE_PARAM_GROUP);
	assert_string_equal(param(&cp->actions[0], "DBClusterParameterGroupName"), "newpg-cluster");
	assert_int_equal(cp->actions[1].kind, AG_ACT_MODIFY_PARAM_GROUP);
	assert_string_equal(
	    param(&cp->actions[1], "Parameters.Parameter.1.ParameterValue"), "64MB");
	assert_string_equal(
	    param(find_action(cp, AG_ACT_MODIFY_CLUSTER), "DBClusterParameterGroupName"),
	    "newpg-cluster");
	cp = ag_plan_find(&f->plan, "v1");
	assert_null(find_action(cp, AG_ACT_SET_HTTP_ENDPOINT));
	assert_string_equal(
	    param(find_action(cp, AG_ACT_MODIFY_CLUSTER), "EnableHttpEndpoint"), "true");
	cp = ag_plan_find(&f->plan, "obs");
	assert_int_equal(cp->status, AG_STATUS_DELETE);
	assert_int_equal(cp->n_actions, 0);
	assert_false(cp->execute);

	f->in.max_deletes = 0;
	cp = run(f, "obs");
	assert_int_equal(cp->status, AG_STATUS_BLOCKED);
	assert_non_null(strstr(cp->reason, "at most 0 may be deleted per run"));
}

/* ---- busy gate -------------------------------------------------------------- */

static void
test_plan__busy_cluster_or_instance_gets_no_action(void **state)
{
	struct fx *f = *state;
	struct ag_db_cluster *c;
	struct ag_db_instance *di;
	const struct ag_cluster_plan *cp;

	add_manifest(f, "db1", NULL, "  backupRetentionPeriod: 7\n");
	c = add_live(f, "db1");
	free(c->status);
	c->status = ag_xstrdup("modifying");
	cp = run(f, "db1");
	assert_int_equal(cp->n_actions, 0);
	assert_false(cp->execute);
	assert_non_null(cp->reason);
	assert_non_null(strstr(cp->reason, "waiting: cluster is modifying"));
	assert_non_null(find_change(cp, "spec.backupRetentionPeriod"));

	/* available, but an instance is rebooting */
	ag_plan_release(&f->plan);
	free(c->status);
	c->status = ag_xstrdup("available");
	di = add_inst(f, c, "db1-1", "db.r6g.large", 1, true);
	free(di->status);
	di->status = ag_xstrdup("rebooting");
	cp = run(f, "db1");
	assert_int_equal(cp->n_actions, 0);
	assert_non_null(strstr(cp->reason, "waiting: instance 'db1-1' is rebooting"));

	/* settled: the change is planned */
	ag_plan_release(&f->plan);
	free(di->status);
	di->status = ag_xstrdup("available");
	cp = run(f, "db1");
	assert_non_null(find_action(cp, AG_ACT_MODIFY_CLUSTER));
	assert_true(cp->reason == NULL || strstr(cp->reason, "waiting") == NULL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_plan__moto_defaults_are_no_drift, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_plan__busy_cluster_or_instance_gets_no_action, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_plan__every_row_drifts_with_its_class, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_plan__equivalent_forms_do_not_drift, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_plan__backtrack_window, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_plan__serverless_v2_pause, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_plan__serverless_v1_scaling, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_plan__global_create, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_plan__global_existing, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_plan__instance_pgroup_and_ca, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_plan__engine_version_rules, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_plan__mysql_versions_segment_wise, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_plan__pending_values_not_resent, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_plan__blocked_cluster_gets_no_actions, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_plan__tombstone_deletes_with_final_snapshot, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_plan__tombstone_refused_when_protected, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_plan__too_many_deletes_refuses_all, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_plan__missing_manifest_never_deletes, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_plan__modes, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_plan__suspend, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_plan__password_states, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_plan__create_with_everything, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_plan__restore_then_modify, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_plan__restored_username_comes_from_snapshot, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_plan__instances, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_plan__tags_and_logs, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_plan__removed_tags_sorted, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_plan__insights_defaults_never_weaken, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_plan__parameters_in_chunks, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_plan__removed_parameters_are_reset, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_plan__digest_is_stable, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_plan__golden_digest, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_plan__public_subnet_warning, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_plan__network_drift, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_plan__major_upgrade_own_group, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_plan__tags_owned_not_grabbed, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_plan__parameter_apply_type, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_plan__replica_sends_no_master_user, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_plan__secret_kms_key_only_when_turning_on, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_plan__serverless_max_not_invented, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_plan__skip_final_snapshot_honoured, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_plan__public_reader_corrected, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_plan__public_needs_acknowledgement, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_plan__autoscaling_readers_kept, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_plan__absence_never_weakens, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_plan__explicit_lowering_is_marked, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_plan__weakening_policy_blocks, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_plan__digest_ignores_prose, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_plan__digest_binds_secret, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_plan__cluster_filter, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_plan__sparse_live_cluster, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_plan__tombstone_while_deleting, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_plan__other_paths, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_plan__pending_reboot_not_without_annotation, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_plan__pending_reboot_order, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_plan__pending_reboot_waits_for_busy, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_plan__pending_reboot_after_param_change, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
