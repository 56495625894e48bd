/*
 * The drift field table: one row per manifest field. Accessors render a
 * value in canonical string form; normalize.c compares them; plan.c emits
 * parameters from the row. docs/drift.md explains every row.
 */
#include <ctype.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/bug.h"
#include "core/buf.h"
#include "core/fieldtab.h"
#include "core/mem.h"
#include "core/normalize.h"
#include "core/observed.h"
#include "core/version.h"

#include "core/compat.h"

const char *
ag_update_class_name(enum ag_update_class c)
{
	switch (c) {
	case AG_CLASS_NONE:
		return "none";
	case AG_CLASS_IN_PLACE:
		return "in-place";
	case AG_CLASS_DEFERRED:
		return "deferred";
	case AG_CLASS_OUTAGE:
		return "outage";
	case AG_CLASS_BLOCKED:
		return "blocked";
	case AG_CLASS_DELETE_ONLY:
		return "delete-only";
	case AG_CLASS_CREATE_ONLY_IGNORED:
		return "create-only";
	}
	return "none";
}

int
ag_engine_default_port(const char *engine)
{
	if (engine != NULL && strstr(engine, "postgres") != NULL)
		return 5432;
	return 3306;
}

char *
ag_fieldtab_subnet_group_name(const char *cluster_id)
{
	char *s = ag_xstrdup(cluster_id != NULL ? cluster_id : "");
	char *p;

	for (p = s; *p != '\0'; p++) {
		*p = (char)tolower((unsigned char)*p);
		if (!isalnum((unsigned char)*p) && *p != '.' && *p != '_' && *p != '-')
			*p = '-';
	}
	return s;
}

char *
ag_fieldtab_param_group_name(const struct ag_manifest *m)
{
	if (m->spec.db_cluster_parameter_group_name != NULL &&
	    m->spec.db_cluster_parameter_group_name[0] != '\0')
		return ag_xstrdup(m->spec.db_cluster_parameter_group_name);
	return ag_xasprintf("%s-cluster", m->cluster_id != NULL ? m->cluster_id : "");
}

char *
ag_fieldtab_param_family(const char *engine, const char *version)
{
	char major[64];

	if (engine == NULL || !ag_version_major(major, sizeof(major), engine, version))
		return NULL;
	return ag_xasprintf("%s%s", engine, major);
}

/* ---- accessors ---------------------------------------------------------- */

static bool
str_out(char **out, const char *s)
{
	*out = NULL;
	if (s == NULL || *s == '\0')
		return false;
	*out = ag_xstrdup(s);
	return true;
}

static bool
bool_out(char **out, bool v)
{
	*out = ag_xstrdup(v ? "true" : "false");
	return true;
}

/* A present bool: the presence bit or true. */
static bool
mbool_out(char **out, const struct ag_manifest *m, enum ag_field f, bool v)
{
	*out = NULL;
	if (!ag_manifest_has(m, f) && !v)
		return false;
	return bool_out(out, v);
}

static bool
int_out(char **out, int v)
{
	*out = ag_xasprintf("%d", v);
	return true;
}

/* Sorted, de-duplicated, comma-joined. */
static bool
list_out(char **out, const struct ag_strlist *l)
{
	struct ag_strlist c = AG_STRLIST_INIT;
	struct ag_buf b = AG_BUF_INIT((size_t)1 << 24);
	size_t i;

	*out = NULL;
	ag_strlist_copy(&c, l);
	ag_strlist_sort(&c);
	for (i = 0; i < c.n; i++) {
		if (i > 0 && strcmp(c.v[i], c.v[i - 1]) == 0)
			continue;
		if (b.len > 0)
			(void)ag_buf_addc(&b, ',');
		(void)ag_buf_adds(&b, c.v[i]);
	}
	ag_strlist_release(&c);
	*out = ag_buf_detach(&b, NULL);
	return true;
}

static bool
mlist_out(char **out, const struct ag_manifest *m, enum ag_field f, const struct ag_strlist *l)
{
	*out = NULL;
	if (l->n == 0 && !ag_manifest_has(m, f))
		return false;
	return list_out(out, l);
}

static char *
serverless_text(double min, double max)
{
	char *a = ag_norm_number(min), *b = ag_norm_number(max);
	char *s = ag_xasprintf("min=%s,max=%s", a, b);

	free(a);
	free(b);
	return s;
}

#define M (&m->spec)

static bool
d_subnet_ids(char **o, const struct ag_manifest *m)
{
	return mlist_out(o, m, AG_F_SUBNET_IDS, &M->subnet_ids);
}
static bool
d_subnet_group(char **o, const struct ag_manifest *m)
{
	if (M->db_subnet_group_name != NULL && M->db_subnet_group_name[0] != '\0')
		return str_out(o, M->db_subnet_group_name);
	if (M->subnet_ids.n > 0) {
		*o = ag_fieldtab_subnet_group_name(m->cluster_id);
		return true;
	}
	*o = NULL;
	return false;
}
static bool
d_sg_ids(char **o, const struct ag_manifest *m)
{
	return mlist_out(o, m, AG_F_SECURITY_GROUP_IDS, &M->security_group_ids);
}
static bool
d_cidrs(char **o, const struct ag_manifest *m)
{
	return mlist_out(o, m, AG_F_ALLOWED_CIDR_BLOCKS, &M->allowed_cidr_blocks);
}
static bool
d_assoc_sg(char **o, const struct ag_manifest *m)
{
	return mlist_out(o, m, AG_F_ASSOCIATE_SECURITY_GROUP_IDS, &M->associate_security_group_ids);
}
static bool
d_dbname(char **o, const struct ag_manifest *m)
{
	return str_out(o, M->database_name);
}
static bool
d_manage_pw(char **o, const struct ag_manifest *m)
{
	return mbool_out(o, m, AG_F_MANAGE_MASTER_USER_PASSWORD, M->manage_master_user_password);
}
static bool
d_secret_kms(char **o, const struct ag_manifest *m)
{
	return str_out(o, M->master_user_secret_kms_key_id);
}
static bool
d_username(char **o, const struct ag_manifest *m)
{
	/* A restored cluster takes its master user from the snapshot: the
	 * loader's default "master" says nothing about it, only a username
	 * written in the manifest does. */
	if (M->snapshot_identifier != NULL && *M->snapshot_identifier != '\0' &&
	    !ag_manifest_has(m, AG_F_USERNAME)) {
		*o = NULL;
		return false;
	}
	return str_out(o, M->username);
}
static bool
d_password(char **o, const struct ag_manifest *m)
{
	/* never the value: only whether there is one */
	*o = NULL;
	if (M->password == NULL || M->password[0] == '\0' || M->manage_master_user_password)
		return false;
	*o = ag_xstrdup("(set)");
	return true;
}
static bool
d_port(char **o, const struct ag_manifest *m)
{
	*o = NULL;
	if (M->port <= 0)
		return false;
	return int_out(o, M->port);
}
static bool
d_engine(char **o, const struct ag_manifest *m)
{
	return str_out(o, M->engine);
}
static bool
d_engine_version(char **o, const struct ag_manifest *m)
{
	return str_out(o, M->engine_version);
}
static bool
d_encrypted(char **o, const struct ag_manifest *m)
{
	return mbool_out(o, m, AG_F_STORAGE_ENCRYPTED, M->storage_encrypted);
}
static bool
d_kms(char **o, const struct ag_manifest *m)
{
	return str_out(o, M->kms_key_id);
}
static bool
d_logs(char **o, const struct ag_manifest *m)
{
	return mlist_out(
	    o, m, AG_F_ENABLED_CLOUDWATCH_LOGS_EXPORTS, &M->enabled_cloudwatch_logs_exports);
}
static bool
d_del_prot(char **o, const struct ag_manifest *m)
{
	return mbool_out(o, m, AG_F_DELETION_PROTECTION, M->deletion_protection);
}
static bool
d_maint(char **o, const struct ag_manifest *m)
{
	return str_out(o, M->preferred_maintenance_window);
}
static bool
d_backup_ret(char **o, const struct ag_manifest *m)
{
	*o = NULL;
	if (M->backup_retention_period <= 0)
		return false;
	return int_out(o, M->backup_retention_period);
}
static bool
d_backup_win(char **o, const struct ag_manifest *m)
{
	return str_out(o, M->preferred_backup_window);
}
static bool
d_copy_tags(char **o, const struct ag_manifest *m)
{
	return mbool_out(o, m, AG_F_COPY_TAGS_TO_SNAPSHOT, M->copy_tags_to_snapshot);
}
static bool
d_skip_final(char **o, const struct ag_manifest *m)
{
	return mbool_out(o, m, AG_F_SKIP_FINAL_SNAPSHOT, M->skip_final_snapshot);
}
static bool
d_final_id(char **o, const struct ag_manifest *m)
{
	return str_out(o, M->final_snapshot_identifier);
}
static bool
d_iam(char **o, const struct ag_manifest *m)
{
	return mbool_out(
	    o, m, AG_F_IAM_DATABASE_AUTHENTICATION_ENABLED, M->iam_database_authentication_enabled);
}
static bool
d_http(char **o, const struct ag_manifest *m)
{
	return mbool_out(o, m, AG_F_ENABLE_HTTP_ENDPOINT, M->enable_http_endpoint);
}
static bool
d_serverless(char **o, const struct ag_manifest *m)
{
	*o = NULL;
	if (!M->has_serverless_v2)
		return false;
	*o = serverless_text(M->serverless_v2_min_capacity, M->serverless_v2_max_capacity);
	return true;
}
static bool
d_snapshot(char **o, const struct ag_manifest *m)
{
	return str_out(o, M->snapshot_identifier);
}
static bool
d_repl(char **o, const struct ag_manifest *m)
{
	return str_out(o, M->replication_source_identifier);
}
static bool
d_pgroup(char **o, const struct ag_manifest *m)
{
	*o = NULL;
	if (M->n_parameters > 0 || (M->db_cluster_parameter_group_name != NULL &&
	                               M->db_cluster_parameter_group_name[0] != '\0')) {
		*o = ag_fieldtab_param_group_name(m);
		return true;
	}
	return false;
}
static bool
d_params(char **o, const struct ag_manifest *m)
{
	struct ag_buf b = AG_BUF_INIT((size_t)1 << 24);
	size_t i;

	*o = NULL;
	if (M->n_parameters == 0)
		return false;
	for (i = 0; i < M->n_parameters; i++)
		(void)ag_buf_addf(&b, "%s%s=%s", i > 0 ? "," : "", M->parameters[i].name,
		    M->parameters[i].value != NULL ? M->parameters[i].value : "");
	*o = ag_buf_detach(&b, NULL);
	return true;
}
static bool
d_vpc(char **o, const struct ag_manifest *m)
{
	return str_out(o, M->vpc_id);
}
static bool
d_engine_mode(char **o, const struct ag_manifest *m)
{
	return str_out(o, M->engine_mode);
}
static bool
d_storage_type(char **o, const struct ag_manifest *m)
{
	return str_out(o, M->storage_type);
}
static bool
d_instances(char **o, const struct ag_manifest *m)
{
	struct ag_buf b = AG_BUF_INIT((size_t)1 << 24);
	size_t i;

	*o = NULL;
	if (!ag_manifest_has(m, AG_F_INSTANCES) && M->n_instances == 0)
		return false;
	for (i = 0; i < M->n_instances; i++)
		(void)ag_buf_addf(&b, "%s%s", i > 0 ? "," : "", M->instances[i].name);
	*o = ag_buf_detach(&b, NULL);
	return true;
}
static bool
d_apply_now(char **o, const struct ag_manifest *m)
{
	return mbool_out(o, m, AG_F_APPLY_IMMEDIATELY, M->apply_immediately);
}
static bool
d_allow_major(char **o, const struct ag_manifest *m)
{
	return mbool_out(o, m, AG_F_ALLOW_MAJOR_VERSION_UPGRADE, M->allow_major_version_upgrade);
}
static bool
d_auto_minor(char **o, const struct ag_manifest *m)
{
	*o = NULL;
	if (!ag_manifest_has(m, AG_F_AUTO_MINOR_VERSION_UPGRADE))
		return false;
	return bool_out(o, M->auto_minor_version_upgrade);
}

#undef M

static bool
l_subnet_group(char **o, const struct ag_db_cluster *c)
{
	return str_out(o, c->db_subnet_group);
}
static bool
l_assoc_sg(char **o, const struct ag_db_cluster *c)
{
	return list_out(o, &c->vpc_security_group_ids);
}
static bool
l_dbname(char **o, const struct ag_db_cluster *c)
{
	return str_out(o, c->database_name);
}
static bool
l_manage_pw(char **o, const struct ag_db_cluster *c)
{
	return bool_out(
	    o, c->master_user_secret_arn != NULL && c->master_user_secret_arn[0] != '\0');
}
static bool
l_secret_kms(char **o, const struct ag_db_cluster *c)
{
	return str_out(o, c->master_user_secret_kms_key_id);
}
static bool
l_username(char **o, const struct ag_db_cluster *c)
{
	return str_out(o, c->master_username);
}
static bool
l_port(char **o, const struct ag_db_cluster *c)
{
	*o = NULL;
	if (c->port <= 0)
		return false;
	return int_out(o, c->port);
}
static bool
l_engine(char **o, const struct ag_db_cluster *c)
{
	return str_out(o, c->engine);
}
static bool
l_engine_version(char **o, const struct ag_db_cluster *c)
{
	return str_out(o, c->engine_version);
}
static bool
l_encrypted(char **o, const struct ag_db_cluster *c)
{
	return bool_out(o, c->storage_encrypted);
}
static bool
l_kms(char **o, const struct ag_db_cluster *c)
{
	return str_out(o, c->kms_key_id);
}
static bool
l_logs(char **o, const struct ag_db_cluster *c)
{
	return list_out(o, &c->enabled_cloudwatch_logs_exports);
}
static bool
l_del_prot(char **o, const struct ag_db_cluster *c)
{
	return bool_out(o, c->deletion_protection);
}
static bool
l_maint(char **o, const struct ag_db_cluster *c)
{
	return str_out(o, c->preferred_maintenance_window);
}
static bool
l_backup_ret(char **o, const struct ag_db_cluster *c)
{
	*o = NULL;
	if (c->backup_retention_period <= 0)
		return false;
	return int_out(o, c->backup_retention_period);
}
static bool
l_backup_win(char **o, const struct ag_db_cluster *c)
{
	return str_out(o, c->preferred_backup_window);
}
static bool
l_copy_tags(char **o, const struct ag_db_cluster *c)
{
	return bool_out(o, c->copy_tags_to_snapshot);
}
static bool
l_iam(char **o, const struct ag_db_cluster *c)
{
	return bool_out(o, c->iam_database_authentication_enabled);
}
static bool
l_http(char **o, const struct ag_db_cluster *c)
{
	return bool_out(o, c->http_endpoint_enabled);
}
static bool
l_serverless(char **o, const struct ag_db_cluster *c)
{
	*o = NULL;
	if (!c->has_serverless_v2)
		return false;
	*o = serverless_text(c->serverless_v2_min_capacity, c->serverless_v2_max_capacity);
	return true;
}
static bool
l_repl(char **o, const struct ag_db_cluster *c)
{
	return str_out(o, c->replication_source_identifier);
}
static bool
l_pgroup(char **o, const struct ag_db_cluster *c)
{
	return str_out(o, c->db_cluster_parameter_group);
}
static bool
l_engine_mode(char **o, const struct ag_db_cluster *c)
{
	return str_out(o, c->engine_mode);
}
static bool
l_storage_type(char **o, const struct ag_db_cluster *c)
{
	*o = ag_xstrdup(ag_norm_storage_type(c->storage_type));
	return true;
}

#define HINT_REPLACE(what)                                                                         \
	what " cannot change in place: snapshot the cluster, restore the snapshot into a new "     \
	     "cluster with the new value under a new identifier, switch clients, then delete the " \
	     "old cluster with the deletion tombstone"

static const struct ag_field_row rows[AG_F__COUNT] = {
    [AG_F_SUBNET_IDS] = {AG_F_SUBNET_IDS, "spec.subnetIds", "SubnetIds.SubnetIdentifier.N", NULL,
        NULL, NULL, AG_ABSENT_ANY, AG_NORM_NOT_COMPARED, AG_CLASS_CREATE_ONLY_IGNORED, AG_EMIT_NONE,
        d_subnet_ids, NULL,
        "the subnets of an existing subnet group are not compared; edit the group with "
        "ModifyDBSubnetGroup",
        false},
    [AG_F_DB_SUBNET_GROUP_NAME] = {AG_F_DB_SUBNET_GROUP_NAME, "spec.dbSubnetGroupName",
        "DBSubnetGroupName", NULL, "DBSubnetGroup", NULL, AG_ABSENT_ANY, AG_NORM_EXACT,
        AG_CLASS_BLOCKED, AG_EMIT_NONE, d_subnet_group, l_subnet_group,
        "the subnet group cannot change in place: create a new cluster in the new subnet "
        "group from a snapshot, switch clients, then delete the old cluster",
        true},
    [AG_F_SECURITY_GROUP_IDS] = {AG_F_SECURITY_GROUP_IDS, "spec.securityGroupIds", NULL, NULL, NULL,
        NULL, AG_ABSENT_ANY, AG_NORM_NOT_COMPARED, AG_CLASS_CREATE_ONLY_IGNORED, AG_EMIT_NONE,
        d_sg_ids, NULL,
        "ingress rules of the security group are set at create and not compared afterwards", false},
    [AG_F_ALLOWED_CIDR_BLOCKS] = {AG_F_ALLOWED_CIDR_BLOCKS, "spec.allowedCidrBlocks", NULL, NULL,
        NULL, NULL, AG_ABSENT_ANY, AG_NORM_NOT_COMPARED, AG_CLASS_CREATE_ONLY_IGNORED, AG_EMIT_NONE,
        d_cidrs, NULL,
        "ingress rules of the security group are set at create and not compared afterwards", false},
    [AG_F_ASSOCIATE_SECURITY_GROUP_IDS] = {AG_F_ASSOCIATE_SECURITY_GROUP_IDS,
        "spec.associateSecurityGroupIds", "VpcSecurityGroupIds.VpcSecurityGroupId.N",
        "VpcSecurityGroupIds.VpcSecurityGroupId.N", "VpcSecurityGroups", NULL, AG_ABSENT_ANY,
        AG_NORM_SET, AG_CLASS_IN_PLACE, AG_EMIT_SG_IDS, d_assoc_sg, l_assoc_sg, NULL, true},
    [AG_F_DATABASE_NAME] = {AG_F_DATABASE_NAME, "spec.databaseName", "DatabaseName", NULL,
        "DatabaseName", NULL, AG_ABSENT_ANY, AG_NORM_EXACT, AG_CLASS_BLOCKED, AG_EMIT_NONE,
        d_dbname, l_dbname,
        "databaseName cannot change in place: create the database with SQL (CREATE DATABASE) "
        "and keep the manifest value as it was, or restore a snapshot into a new cluster",
        true},
    [AG_F_MANAGE_MASTER_USER_PASSWORD] = {AG_F_MANAGE_MASTER_USER_PASSWORD,
        "spec.manageMasterUserPassword", "ManageMasterUserPassword", "ManageMasterUserPassword",
        "MasterUserSecret", "false", AG_ABSENT_DEFAULT, AG_NORM_BOOL, AG_CLASS_IN_PLACE,
        AG_EMIT_MANAGE_PASSWORD, d_manage_pw, l_manage_pw, NULL, false},
    [AG_F_MASTER_USER_SECRET_KMS_KEY_ID] = {AG_F_MASTER_USER_SECRET_KMS_KEY_ID,
        "spec.masterUserSecretKmsKeyId", "MasterUserSecretKmsKeyId", "MasterUserSecretKmsKeyId",
        "MasterUserSecret/KmsKeyId", NULL, AG_ABSENT_ANY, AG_NORM_KMS_KEY, AG_CLASS_IN_PLACE,
        AG_EMIT_SCALAR, d_secret_kms, l_secret_kms, NULL, false},
    [AG_F_USERNAME] = {AG_F_USERNAME, "spec.username", "MasterUsername", NULL, "MasterUsername",
        NULL, AG_ABSENT_ANY, AG_NORM_EXACT, AG_CLASS_BLOCKED, AG_EMIT_NONE, d_username, l_username,
        "the master username cannot change in place: create a new role with SQL and keep the "
        "manifest value as it was, or restore a snapshot into a new cluster",
        false},
    [AG_F_PASSWORD] = {AG_F_PASSWORD, "spec.password", "MasterUserPassword", "MasterUserPassword",
        NULL, NULL, AG_ABSENT_ANY, AG_NORM_WRITE_ONLY, AG_CLASS_IN_PLACE, AG_EMIT_PASSWORD,
        d_password, NULL, NULL, false},
    [AG_F_PORT] = {AG_F_PORT, "spec.port", "Port", "Port", "Port", NULL, AG_ABSENT_DEFAULT,
        AG_NORM_PORT, AG_CLASS_IN_PLACE, AG_EMIT_SCALAR, d_port, l_port, NULL, true},
    [AG_F_ENGINE] = {AG_F_ENGINE, "spec.engine", "Engine", NULL, "Engine", NULL, AG_ABSENT_ANY,
        AG_NORM_EXACT, AG_CLASS_BLOCKED, AG_EMIT_NONE, d_engine, l_engine,
        HINT_REPLACE("the engine") " (or use an AWS Database Migration Service migration)", true},
    [AG_F_ENGINE_VERSION] = {AG_F_ENGINE_VERSION, "spec.engineVersion", "EngineVersion",
        "EngineVersion", "EngineVersion", NULL, AG_ABSENT_ANY, AG_NORM_ENGINE_VERSION,
        AG_CLASS_OUTAGE, AG_EMIT_ENGINE_VERSION, d_engine_version, l_engine_version,
        "a major version upgrade needs spec.allowMajorVersionUpgrade: true (and usually a "
        "parameter group of the new family); it restarts the cluster",
        true},
    [AG_F_STORAGE_ENCRYPTED] = {AG_F_STORAGE_ENCRYPTED, "spec.storageEncrypted", "StorageEncrypted",
        NULL, "StorageEncrypted", "false", AG_ABSENT_DEFAULT, AG_NORM_BOOL, AG_CLASS_BLOCKED,
        AG_EMIT_NONE, d_encrypted, l_encrypted,
        "storageEncrypted cannot change in place: snapshot the cluster, restore the snapshot "
        "into a new encrypted cluster (RestoreDBClusterFromSnapshot with KmsKeyId) under a new "
        "identifier, switch clients, then delete the old one",
        false},
    [AG_F_KMS_KEY_ID] = {AG_F_KMS_KEY_ID, "spec.kmsKeyId", "KmsKeyId", NULL, "KmsKeyId", NULL,
        AG_ABSENT_ANY, AG_NORM_KMS_KEY, AG_CLASS_BLOCKED, AG_EMIT_NONE, d_kms, l_kms,
        "kmsKeyId cannot change in place: copy a snapshot with the new key, restore it into a "
        "new cluster, switch clients, then delete the old one",
        true},
    [AG_F_ENABLED_CLOUDWATCH_LOGS_EXPORTS] = {AG_F_ENABLED_CLOUDWATCH_LOGS_EXPORTS,
        "spec.enabledCloudwatchLogsExports", "EnableCloudwatchLogsExports.member.N",
        "CloudwatchLogsExportConfiguration", "EnabledCloudwatchLogsExports", "", AG_ABSENT_DEFAULT,
        AG_NORM_SET, AG_CLASS_IN_PLACE, AG_EMIT_LOGS, d_logs, l_logs, NULL, true},
    [AG_F_DELETION_PROTECTION] = {AG_F_DELETION_PROTECTION, "spec.deletionProtection",
        "DeletionProtection", "DeletionProtection", "DeletionProtection", "false",
        AG_ABSENT_DEFAULT, AG_NORM_BOOL, AG_CLASS_IN_PLACE, AG_EMIT_SCALAR, d_del_prot, l_del_prot,
        NULL, true},
    [AG_F_PREFERRED_MAINTENANCE_WINDOW] = {AG_F_PREFERRED_MAINTENANCE_WINDOW,
        "spec.preferredMaintenanceWindow", "PreferredMaintenanceWindow",
        "PreferredMaintenanceWindow", "PreferredMaintenanceWindow", NULL, AG_ABSENT_ANY,
        AG_NORM_CASE, AG_CLASS_IN_PLACE, AG_EMIT_SCALAR, d_maint, l_maint, NULL, false},
    [AG_F_BACKUP_RETENTION_PERIOD] = {AG_F_BACKUP_RETENTION_PERIOD, "spec.backupRetentionPeriod",
        "BackupRetentionPeriod", "BackupRetentionPeriod", "BackupRetentionPeriod", "1",
        AG_ABSENT_DEFAULT, AG_NORM_INT, AG_CLASS_IN_PLACE, AG_EMIT_SCALAR, d_backup_ret,
        l_backup_ret, NULL, false},
    [AG_F_PREFERRED_BACKUP_WINDOW] = {AG_F_PREFERRED_BACKUP_WINDOW, "spec.preferredBackupWindow",
        "PreferredBackupWindow", "PreferredBackupWindow", "PreferredBackupWindow", NULL,
        AG_ABSENT_ANY, AG_NORM_CASE, AG_CLASS_IN_PLACE, AG_EMIT_SCALAR, d_backup_win, l_backup_win,
        NULL, false},
    [AG_F_COPY_TAGS_TO_SNAPSHOT] = {AG_F_COPY_TAGS_TO_SNAPSHOT, "spec.copyTagsToSnapshot",
        "CopyTagsToSnapshot", "CopyTagsToSnapshot", "CopyTagsToSnapshot", "false",
        AG_ABSENT_DEFAULT, AG_NORM_BOOL, AG_CLASS_IN_PLACE, AG_EMIT_SCALAR, d_copy_tags,
        l_copy_tags, NULL, true},
    [AG_F_SKIP_FINAL_SNAPSHOT] = {AG_F_SKIP_FINAL_SNAPSHOT, "spec.skipFinalSnapshot", NULL, NULL,
        NULL, NULL, AG_ABSENT_ANY, AG_NORM_NOT_COMPARED, AG_CLASS_DELETE_ONLY, AG_EMIT_NONE,
        d_skip_final, NULL, NULL, false},
    [AG_F_FINAL_SNAPSHOT_IDENTIFIER] = {AG_F_FINAL_SNAPSHOT_IDENTIFIER,
        "spec.finalSnapshotIdentifier", NULL, NULL, NULL, NULL, AG_ABSENT_ANY, AG_NORM_NOT_COMPARED,
        AG_CLASS_DELETE_ONLY, AG_EMIT_NONE, d_final_id, NULL, NULL, false},
    [AG_F_IAM_DATABASE_AUTHENTICATION_ENABLED] = {AG_F_IAM_DATABASE_AUTHENTICATION_ENABLED,
        "spec.iamDatabaseAuthenticationEnabled", "EnableIAMDatabaseAuthentication",
        "EnableIAMDatabaseAuthentication", "IAMDatabaseAuthenticationEnabled", "false",
        AG_ABSENT_DEFAULT, AG_NORM_BOOL, AG_CLASS_DEFERRED, AG_EMIT_SCALAR, d_iam, l_iam, NULL,
        true},
    [AG_F_ENABLE_HTTP_ENDPOINT] = {AG_F_ENABLE_HTTP_ENDPOINT, "spec.enableHttpEndpoint",
        "EnableHttpEndpoint", "EnableHttpEndpoint", "HttpEndpointEnabled", "false",
        AG_ABSENT_DEFAULT, AG_NORM_BOOL, AG_CLASS_IN_PLACE, AG_EMIT_HTTP_ENDPOINT, d_http, l_http,
        NULL, false},
    [AG_F_SERVERLESS_V2_SCALING] = {AG_F_SERVERLESS_V2_SCALING, "spec.serverlessV2Scaling",
        "ServerlessV2ScalingConfiguration", "ServerlessV2ScalingConfiguration",
        "ServerlessV2ScalingConfiguration", "", AG_ABSENT_ANY, AG_NORM_SERVERLESS,
        AG_CLASS_IN_PLACE, AG_EMIT_SERVERLESS, d_serverless, l_serverless, NULL, false},
    [AG_F_SNAPSHOT_IDENTIFIER] = {AG_F_SNAPSHOT_IDENTIFIER, "spec.snapshotIdentifier",
        "SnapshotIdentifier", NULL, NULL, NULL, AG_ABSENT_ANY, AG_NORM_NOT_COMPARED,
        AG_CLASS_BLOCKED, AG_EMIT_NONE, d_snapshot, NULL,
        "snapshotIdentifier is used only when the cluster is created "
        "(RestoreDBClusterFromSnapshot); "
        "changing it later does nothing: restore into a new cluster instead",
        true},
    [AG_F_REPLICATION_SOURCE_IDENTIFIER] = {AG_F_REPLICATION_SOURCE_IDENTIFIER,
        "spec.replicationSourceIdentifier", "ReplicationSourceIdentifier", NULL,
        "ReplicationSourceIdentifier", "", AG_ABSENT_DEFAULT, AG_NORM_EXACT, AG_CLASS_IN_PLACE,
        AG_EMIT_PROMOTE, d_repl, l_repl,
        "the replication source cannot change: remove replicationSourceIdentifier to promote "
        "the replica, or create a new replica cluster",
        false},
    [AG_F_DB_CLUSTER_PARAMETER_GROUP_NAME] = {AG_F_DB_CLUSTER_PARAMETER_GROUP_NAME,
        "spec.dbClusterParameterGroupName", "DBClusterParameterGroupName",
        "DBClusterParameterGroupName", "DBClusterParameterGroup", NULL, AG_ABSENT_ANY,
        AG_NORM_PARAM_GROUP, AG_CLASS_IN_PLACE, AG_EMIT_PARAM_GROUP, d_pgroup, l_pgroup, NULL,
        true},
    [AG_F_PARAMETERS] = {AG_F_PARAMETERS, "spec.parameters", NULL, NULL, NULL, NULL, AG_ABSENT_ANY,
        AG_NORM_NOT_COMPARED, AG_CLASS_IN_PLACE, AG_EMIT_PARAMETERS, d_params, NULL, NULL, false},
    [AG_F_VPC_ID] = {AG_F_VPC_ID, "spec.vpcId", NULL, NULL, NULL, NULL, AG_ABSENT_ANY,
        AG_NORM_NOT_COMPARED, AG_CLASS_BLOCKED, AG_EMIT_NONE, d_vpc, NULL,
        "the VPC of a cluster cannot change in place: restore a snapshot into a new cluster in "
        "a subnet group of the new VPC, switch clients, then delete the old one",
        false},
    [AG_F_ENGINE_MODE] = {AG_F_ENGINE_MODE, "spec.engineMode", "EngineMode", NULL, "EngineMode",
        "provisioned", AG_ABSENT_DEFAULT, AG_NORM_ENGINE_MODE, AG_CLASS_BLOCKED, AG_EMIT_NONE,
        d_engine_mode, l_engine_mode, HINT_REPLACE("engineMode"), true},
    [AG_F_STORAGE_TYPE] = {AG_F_STORAGE_TYPE, "spec.storageType", "StorageType", "StorageType",
        "StorageType", "aurora", AG_ABSENT_DEFAULT, AG_NORM_STORAGE_TYPE, AG_CLASS_IN_PLACE,
        AG_EMIT_SCALAR, d_storage_type, l_storage_type, NULL, true},
    [AG_F_INSTANCES] = {AG_F_INSTANCES, "spec.instances", NULL, NULL, "DBClusterMembers", NULL,
        AG_ABSENT_ANY, AG_NORM_NOT_COMPARED, AG_CLASS_DEFERRED, AG_EMIT_INSTANCES, d_instances,
        NULL, NULL, false},
    [AG_F_APPLY_IMMEDIATELY] = {AG_F_APPLY_IMMEDIATELY, "spec.applyImmediately", NULL,
        "ApplyImmediately", NULL, NULL, AG_ABSENT_ANY, AG_NORM_NOT_COMPARED, AG_CLASS_NONE,
        AG_EMIT_NONE, d_apply_now, NULL, NULL, false},
    [AG_F_ALLOW_MAJOR_VERSION_UPGRADE] = {AG_F_ALLOW_MAJOR_VERSION_UPGRADE,
        "spec.allowMajorVersionUpgrade", NULL, "AllowMajorVersionUpgrade", NULL, NULL,
        AG_ABSENT_ANY, AG_NORM_NOT_COMPARED, AG_CLASS_NONE, AG_EMIT_NONE, d_allow_major, NULL, NULL,
        false},
    [AG_F_AUTO_MINOR_VERSION_UPGRADE] = {AG_F_AUTO_MINOR_VERSION_UPGRADE,
        "spec.autoMinorVersionUpgrade", NULL, NULL, "DBInstance/AutoMinorVersionUpgrade", NULL,
        AG_ABSENT_ANY, AG_NORM_NOT_COMPARED, AG_CLASS_IN_PLACE, AG_EMIT_INSTANCES, d_auto_minor,
        NULL, NULL, false},
};

const struct ag_field_row *
ag_fieldtab_row(enum ag_field f)
{
	if ((unsigned)f >= AG_F__COUNT)
		AG_BUG("field out of range");
	return &rows[f];
}

const struct ag_field_row *
ag_fieldtab_rows(size_t *n)
{
	*n = AG_F__COUNT;
	return rows;
}
