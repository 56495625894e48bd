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
#include "core/manifest_int.h"
#include "core/mem.h"
#include "core/normalize.h"
#include "core/observed.h"
#include "core/suggest.h"
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

const char *
ag_fieldtab_int_text(char t[AG_FIELDTAB_SCRATCH], int v)
{
	char *p = t + AG_FIELDTAB_SCRATCH;
	unsigned u = v < 0 ? 0u - (unsigned)v : (unsigned)v;

	*--p = '\0';
	do
		*--p = (char)('0' + u % 10);
	while ((u /= 10) != 0);
	if (v < 0)
		*--p = '-';
	return p;
}

static bool
int_out(char **out, int v)
{
	char t[AG_FIELDTAB_SCRATCH];

	*out = ag_xstrdup(ag_fieldtab_int_text(t, v));
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
serverless_text(double min, double max, int pause)
{
	char *a = ag_norm_number(min), *b = ag_norm_number(max);
	char *s = pause > 0 ? ag_xasprintf("min=%s,max=%s,pause=%d", a, b, pause)
	                    : ag_xasprintf("min=%s,max=%s", a, b);

	free(a);
	free(b);
	return s;
}

#define M (&m->spec)

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
d_username(char **o, const struct ag_manifest *m)
{
	/* Only a username written in the manifest says something about a
	 * live cluster: the loader's default "master" is what a new cluster
	 * is created with (create_default), while a restored cluster takes its master
	 * user from the snapshot and a promoted replica from its source. */
	if (!ag_manifest_has(m, AG_F_USERNAME)) {
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
d_serverless(char **o, const struct ag_manifest *m)
{
	*o = NULL;
	if (!M->has_serverless_v2)
		return false;
	*o = serverless_text(M->serverless_v2_min_capacity, M->serverless_v2_max_capacity,
	    M->serverless_v2_seconds_until_auto_pause);
	return true;
}
static bool
d_kms_key(char **o, const struct ag_manifest *m)
{
	*o = NULL;
	if (!ag_manifest_has(m, AG_F_KMS_KEY))
		return false;
	*o = ag_kms_key_text(ag_spec_kms_key(M));
	return true;
}
static bool
d_autoscaling(char **o, const struct ag_manifest *m)
{
	*o = NULL;
	if (!ag_manifest_has(m, AG_F_AUTOSCALING))
		return false;
	*o = ag_autoscaling_text(ag_spec_autoscaling(M));
	return true;
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
d_auto_minor(char **o, const struct ag_manifest *m)
{
	*o = NULL;
	if (!ag_manifest_has(m, AG_F_AUTO_MINOR_VERSION_UPGRADE))
		return false;
	return bool_out(o, M->auto_minor_version_upgrade);
}
static bool
d_pi(char **o, const struct ag_manifest *m)
{
	const struct ag_pi_spec *pi = ag_spec_pi(M);

	*o = NULL;
	if (!ag_manifest_has(m, AG_F_PERFORMANCE_INSIGHTS))
		return false;
	*o = ag_xasprintf("enabled=%s,retention=%d,kms=%s",
	    !pi->has_enabled ? "default" : (pi->enabled ? "true" : "false"), pi->retention_period,
	    pi->kms_key_id != NULL ? pi->kms_key_id : "");
	return true;
}
static bool
d_monitoring(char **o, const struct ag_manifest *m)
{
	const struct ag_monitoring_spec *mo = ag_spec_monitoring(M);

	*o = NULL;
	if (!ag_manifest_has(m, AG_F_MONITORING))
		return false;
	*o = ag_xasprintf("interval=%d,role=%s,create=%d,name=%s",
	    mo->has_interval ? mo->interval : -1, mo->role_arn != NULL ? mo->role_arn : "",
	    mo->has_create_role ? (int)mo->create_role : -1,
	    mo->role_name != NULL ? mo->role_name : "");
	return true;
}
static bool
d_alarms(char **o, const struct ag_manifest *m)
{
	const struct ag_alarms_spec *al = ag_spec_alarms(M);
	struct ag_buf b = AG_BUF_INIT((size_t)1 << 16);
	size_t k;

	*o = NULL;
	if (!ag_manifest_has(m, AG_F_ALARMS))
		return false;
	(void)ag_buf_addf(&b, "sns=%s", al->sns_topic_arn != NULL ? al->sns_topic_arn : "");
	for (k = 0; k < AG_ALARM__COUNT; k++) {
		const struct ag_alarm_spec *a = &al->kinds[k];

		if (a->written)
			(void)ag_buf_addf(&b, ",%zu=%d/%g/%d/%d", k,
			    a->has_enabled ? (int)a->enabled : -1,
			    a->has_threshold ? a->threshold : -1, a->period, a->evaluation_periods);
	}
	*o = ag_buf_detach(&b, NULL);
	return true;
}

static bool
d_backtrack(char **o, const struct ag_manifest *m)
{
	/* a written 0 turns backtracking off: it is a value, not an absence */
	*o = NULL;
	if (!ag_manifest_has(m, AG_F_BACKTRACK_WINDOW))
		return false;
	return int_out(o, M->backtrack_window);
}

/* Canonical form of a Serverless v1 scaling configuration: the written
 * members as "AwsMember=value", in member-name order, comma-joined; the
 * decoder writes the live one the same way (AG_NORM_KV_SUBSET). */
static bool
d_scaling_v1(char **o, const struct ag_manifest *m)
{
	const struct ag_scaling_v1 *s = ag_spec_scaling_v1(M);
	struct ag_buf b = AG_BUF_INIT(1024);

	*o = NULL;
	if (!s->has)
		return false;
	if (s->auto_pause >= 0)
		(void)ag_buf_addf(&b, ",AutoPause=%s", s->auto_pause ? "true" : "false");
	if (s->max_capacity > 0)
		(void)ag_buf_addf(&b, ",MaxCapacity=%d", s->max_capacity);
	if (s->min_capacity > 0)
		(void)ag_buf_addf(&b, ",MinCapacity=%d", s->min_capacity);
	if (s->seconds_before_timeout > 0)
		(void)ag_buf_addf(&b, ",SecondsBeforeTimeout=%d", s->seconds_before_timeout);
	if (s->seconds_until_auto_pause > 0)
		(void)ag_buf_addf(&b, ",SecondsUntilAutoPause=%d", s->seconds_until_auto_pause);
	if (s->timeout_action != NULL)
		(void)ag_buf_addf(&b, ",TimeoutAction=%s", s->timeout_action);
	*o = ag_xstrdup(b.len > 0 ? b.ptr + 1 : "");
	ag_buf_release(&b);
	return true;
}

#undef M

static bool
l_scaling_v1(char **o, const struct ag_db_cluster *c)
{
	return str_out(o, c->scaling_configuration);
}
static bool
l_backtrack(char **o, const struct ag_db_cluster *c)
{
	return int_out(o, c->backtrack_window);
}
static bool
l_local_write_forwarding(char **o, const struct ag_db_cluster *c)
{
	const char *s = c->local_write_forwarding_status;

	*o = NULL;
	if (s == NULL || s[0] == '\0')
		return false; /* not in the reply: compared with the default */
	/* requested and enabling are on their way: the request was made */
	return bool_out(o,
	    strcmp(s, "enabled") == 0 || strcmp(s, "enabling") == 0 || strcmp(s, "requested") == 0);
}

static bool
l_assoc_sg(char **o, const struct ag_db_cluster *c)
{
	return list_out(o, &c->vpc_security_group_ids);
}
static bool
l_manage_pw(char **o, const struct ag_db_cluster *c)
{
	return bool_out(
	    o, c->master_user_secret_arn != NULL && c->master_user_secret_arn[0] != '\0');
}
static bool
l_serverless(char **o, const struct ag_db_cluster *c)
{
	*o = NULL;
	if (!c->has_serverless_v2)
		return false;
	*o = serverless_text(c->serverless_v2_min_capacity, c->serverless_v2_max_capacity,
	    c->serverless_v2_seconds_until_auto_pause);
	return true;
}
static bool
l_storage_type(char **o, const struct ag_db_cluster *c)
{
	*o = ag_xstrdup(ag_norm_storage_type(c->storage_type));
	return true;
}

/* ---- value checks (the validation column) ---------------------------------- */

static bool
one_of(char *why, size_t n, const char *s, const char *const *allowed, size_t na, const char *what)
{
	char shown[128], list[256] = "";
	const char *sug;
	size_t i;

	for (i = 0; i < na; i++)
		if (strcmp(s, allowed[i]) == 0)
			return true;
	for (i = 0; i < na; i++) {
		if (allowed[i][0] == '\0')
			continue;
		snprintf(list + strlen(list), sizeof(list) - strlen(list), "%s%s",
		    list[0] ? ", " : "", allowed[i]);
	}
	ag_mload_show(shown, sizeof(shown), s);
	sug = ag_suggest(s, allowed, na);
	if (sug)
		snprintf(why, n, "%s '%s' is not supported (did you mean '%s'?)", what, shown, sug);
	else
		snprintf(why, n, "%s '%s' is not supported (one of: %s)", what, shown, list);
	return false;
}

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

static bool
check_engine(char *why, size_t n, const char *s)
{
	static const char *const allowed[] = {"aurora-mysql", "aurora-postgresql"};
	char shown[128];
	const char *sug;

	if (s[0] == '\0' || ag_mengine_supported(s))
		return true;
	ag_mload_show(shown, sizeof(shown), s);
	sug = ag_suggest(s, allowed, NELEM(allowed));
	if (sug)
		snprintf(why, n, "engine '%s' is not supported (did you mean '%s'?)", shown, sug);
	else
		snprintf(why, n,
		    "engine '%s' is not supported: aurora-gitops manages Aurora only "
		    "(aurora-mysql or aurora-postgresql)",
		    shown);
	return false;
}
static bool
check_engine_mode(char *why, size_t n, const char *s)
{
	static const char *const allowed[] = {"", "provisioned", "serverless"};

	return one_of(why, n, s, allowed, NELEM(allowed), "engine mode");
}
static bool
check_storage_type(char *why, size_t n, const char *s)
{
	static const char *const allowed[] = {"", "aurora", "aurora-iopt1"};

	return one_of(why, n, s, allowed, NELEM(allowed), "storage type");
}
static bool
check_network_type(char *why, size_t n, const char *s)
{
	static const char *const allowed[] = {"IPV4", "DUAL"};

	return one_of(why, n, s, allowed, NELEM(allowed), "network type");
}
static bool
check_lifecycle(char *why, size_t n, const char *s)
{
	static const char *const allowed[] = {
	    "open-source-rds-extended-support", "open-source-rds-extended-support-disabled"};

	return one_of(why, n, s, allowed, NELEM(allowed), "engine lifecycle support");
}
static bool
check_log_type(char *why, size_t n, const char *s)
{
	static const char *const all[] = {"audit", "error", "general", "slowquery", "instance",
	    "iam-db-auth-error", "postgresql", "upgrade"};

	/* whether it matches the engine is checked once the engine is known */
	return one_of(why, n, s, all, NELEM(all), "log type");
}
static bool
reason(char *why, size_t n, const char *s, const char *r, const char *what, const char *expect)
{
	char shown[128];

	if (r == NULL)
		return true;
	ag_mload_show(shown, sizeof(shown), s);
	snprintf(why, n, "invalid %s '%s': %s%s", what, shown, r, expect);
	return false;
}
static bool
check_global_id(char *why, size_t n, const char *s)
{
	const char *p;

	/* AWS: 1 to 255 characters, pattern [A-Za-z][0-9A-Za-z-:._]* */
	if (s[0] == '\0')
		return true;
	if (strlen(s) > 255)
		return reason(why, n, s, "must be at most 255 characters long",
		    "global cluster identifier", "");
	if (!isalpha((unsigned char)s[0]))
		return reason(why, n, s, "must start with a letter", "global cluster identifier",
		    " (AWS: [A-Za-z][0-9A-Za-z-:._]*)");
	for (p = s; *p != '\0'; p++)
		if (!isalnum((unsigned char)*p) && strchr("-:._", *p) == NULL)
			return reason(why, n, s, "may contain only letters, digits and - : . _",
			    "global cluster identifier", " (AWS: [A-Za-z][0-9A-Za-z-:._]*)");
	return true;
}
static bool
check_ca(char *why, size_t n, const char *s)
{
	static const char *const allowed[] = {
	    "rds-ca-rsa2048-g1", "rds-ca-rsa4096-g1", "rds-ca-ecc384-g1", "rds-ca-2019"};

	return one_of(why, n, s, allowed, NELEM(allowed), "certificate authority");
}
static bool
check_instance_pgroup(char *why, size_t n, const char *s)
{
	if (s[0] == '\0' || strncmp(s, "default.", 8) == 0)
		return true;
	return reason(why, n, s, ag_mcheck_rds_identifier(s, 255), "DB parameter group name",
	    " (AWS: 1 to 255 letters, digits or hyphens, the first a letter, no two consecutive "
	    "hyphens, no trailing hyphen)");
}
static bool
check_maintenance(char *why, size_t n, const char *s)
{
	return s[0] == '\0' ||
	       reason(why, n, s, ag_mcheck_maintenance_window(s), "maintenance window",
	           " (expected ddd:HH:MM-ddd:HH:MM, e.g. sun:05:00-sun:06:00)");
}
static bool
check_backup(char *why, size_t n, const char *s)
{
	return s[0] == '\0' || reason(why, n, s, ag_mcheck_backup_window(s), "backup window",
	                           " (expected HH:MM-HH:MM, e.g. 03:00-04:00)");
}
static bool
check_snapshot_id(char *why, size_t n, const char *s)
{
	return s[0] == '\0' ||
	       reason(why, n, s, ag_mcheck_rds_identifier(s, 255), "snapshot identifier", "");
}
static bool
check_cidr(char *why, size_t n, const char *s)
{
	return reason(why, n, s, ag_mcheck_cidr(s), "IPv4 CIDR block", "");
}

/* ---- the rows ------------------------------------------------------------ */

#define HINT_REPLACE(what)                                                                         \
	what " cannot change in place: snapshot the cluster, restore the snapshot into a new "     \
	     "cluster with the new value under a new identifier, switch clients, then delete the " \
	     "old cluster with the deletion tombstone"

#define INGRESS_HINT                                                                               \
	"ingress rules of the security group are set at create and not compared afterwards"

static const struct ag_field_row rows[AG_F__COUNT] = {
    [AG_F_SUBNET_IDS] =
        {
            .field = AG_F_SUBNET_IDS,
            .yaml_path = "spec.subnetIds",
            .ref_kinds = "AwsSubnet",
            .type = AG_FT_REFLIST,
            .spec = AG_SPEC(subnet_ids),
            .create_param = "SubnetIds.SubnetIdentifier.N",
            .create_call = "CreateDBSubnetGroup",
            .norm = AG_NORM_NOT_COMPARED,
            .klass = AG_CLASS_CREATE_ONLY_IGNORED,
            .hint = "the subnets of an existing subnet group are not compared; edit the group "
                    "with ModifyDBSubnetGroup",
            .import_skip = true,
        },
    [AG_F_DB_SUBNET_GROUP_NAME] =
        {
            .field = AG_F_DB_SUBNET_GROUP_NAME,
            .yaml_path = "spec.dbSubnetGroupName",
            .type = AG_FT_REF,
            .spec = AG_SPEC(db_subnet_group_name),
            .create_param = "DBSubnetGroupName",
            .describe_elem = "DBSubnetGroup",
            .ltype = AG_FT_STR,
            .live = AG_LIVE(db_subnet_group),
            .norm = AG_NORM_EXACT,
            .klass = AG_CLASS_BLOCKED,
            .desired_fn = d_subnet_group,
            .hint = "the subnet group cannot change in place: create a new cluster in the new "
                    "subnet group from a snapshot, switch clients, then delete the old cluster",
            .in_restore = true,
        },
    [AG_F_SECURITY_GROUP_IDS] =
        {
            .field = AG_F_SECURITY_GROUP_IDS,
            .yaml_path = "spec.securityGroupIds",
            .ref_kinds = "AwsSecurityGroup",
            .type = AG_FT_REFLIST,
            .spec = AG_SPEC(security_group_ids),
            .norm = AG_NORM_NOT_COMPARED,
            .klass = AG_CLASS_CREATE_ONLY_IGNORED,
            .hint = INGRESS_HINT,
            .import_skip = true,
        },
    [AG_F_ALLOWED_CIDR_BLOCKS] =
        {
            .field = AG_F_ALLOWED_CIDR_BLOCKS,
            .yaml_path = "spec.allowedCidrBlocks",
            .type = AG_FT_LIST,
            .spec = AG_SPEC(allowed_cidr_blocks),
            .check = check_cidr,
            .norm = AG_NORM_NOT_COMPARED,
            .klass = AG_CLASS_CREATE_ONLY_IGNORED,
            .hint = INGRESS_HINT,
            .import_skip = true,
        },
    [AG_F_ASSOCIATE_SECURITY_GROUP_IDS] =
        {
            .field = AG_F_ASSOCIATE_SECURITY_GROUP_IDS,
            .yaml_path = "spec.associateSecurityGroupIds",
            .ref_kinds = "AwsSecurityGroup",
            .type = AG_FT_REFLIST,
            .spec = AG_SPEC(associate_security_group_ids),
            .create_param = "VpcSecurityGroupIds.VpcSecurityGroupId.N",
            .modify_param = "VpcSecurityGroupIds.VpcSecurityGroupId.N",
            .describe_elem = "VpcSecurityGroups",
            .norm = AG_NORM_SET,
            .klass = AG_CLASS_IN_PLACE,
            .emit = AG_EMIT_SG_IDS,
            .live_fn = l_assoc_sg,
            .in_restore = true,
        },
    [AG_F_DATABASE_NAME] =
        {
            .field = AG_F_DATABASE_NAME,
            .yaml_path = "spec.databaseName",
            .type = AG_FT_STR,
            .spec = AG_SPEC(database_name),
            .create_param = "DatabaseName",
            .describe_elem = "DatabaseName",
            .ltype = AG_FT_STR,
            .live = AG_LIVE(database_name),
            .norm = AG_NORM_EXACT,
            .klass = AG_CLASS_BLOCKED,
            .hint = "databaseName cannot change in place: create the database with SQL "
                    "(CREATE DATABASE) and keep the manifest value as it was, or restore a "
                    "snapshot into a new cluster",
            .in_restore = true,
        },
    [AG_F_MANAGE_MASTER_USER_PASSWORD] =
        {
            .field = AG_F_MANAGE_MASTER_USER_PASSWORD,
            .not_on_replica = true,
            .yaml_path = "spec.manageMasterUserPassword",
            .type = AG_FT_BOOL,
            .spec = AG_SPEC(manage_master_user_password),
            .create_param = "ManageMasterUserPassword",
            .modify_param = "ManageMasterUserPassword",
            .describe_elem = "MasterUserSecret",
            .aws_default = "false",
            .absent = AG_ABSENT_DEFAULT,
            .norm = AG_NORM_BOOL,
            .klass = AG_CLASS_IN_PLACE,
            .emit = AG_EMIT_MANAGE_PASSWORD,
            .live_fn = l_manage_pw,
            .import_skip = true, /* import writes it with the password comment */
        },
    [AG_F_MASTER_USER_SECRET_KMS_KEY_ID] =
        {
            .field = AG_F_MASTER_USER_SECRET_KMS_KEY_ID,
            .not_on_replica = true,
            .yaml_path = "spec.masterUserSecretKmsKeyId",
            .ref_kinds = "AwsKmsKey",
            .type = AG_FT_REF,
            .spec = AG_SPEC(master_user_secret_kms_key_id),
            .create_param = "MasterUserSecretKmsKeyId",
            .modify_param = "MasterUserSecretKmsKeyId",
            .describe_elem = "MasterUserSecret/KmsKeyId",
            .ltype = AG_FT_STR,
            .live = AG_LIVE(master_user_secret_kms_key_id),
            .norm = AG_NORM_KMS_KEY,
            .klass = AG_CLASS_IN_PLACE,
            .emit = AG_EMIT_SCALAR,
            .needs_managed_password = true,
            .import_skip = true, /* the default key of Secrets Manager */
        },
    [AG_F_USERNAME] =
        {
            .field = AG_F_USERNAME,
            .not_on_replica = true,
            .yaml_path = "spec.username",
            .type = AG_FT_STR,
            .spec = AG_SPEC(username),
            .create_param = "MasterUsername",
            .describe_elem = "MasterUsername",
            .ltype = AG_FT_STR,
            .live = AG_LIVE(master_username),
            .norm = AG_NORM_EXACT,
            .klass = AG_CLASS_BLOCKED,
            .desired_fn = d_username,
            .create_default = "master",
            .hint = "the master username cannot change in place: create a new role with SQL "
                    "and keep the manifest value as it was, or restore a snapshot into a new "
                    "cluster",
        },
    [AG_F_PASSWORD] =
        {
            .field = AG_F_PASSWORD,
            .not_on_replica = true,
            .yaml_path = "spec.password",
            .type = AG_FT_STR,
            .spec = AG_SPEC(password),
            .create_param = "MasterUserPassword",
            .modify_param = "MasterUserPassword",
            .norm = AG_NORM_WRITE_ONLY,
            .klass = AG_CLASS_IN_PLACE,
            .emit = AG_EMIT_PASSWORD,
            .desired_fn = d_password,
            .import_skip = true,
        },
    [AG_F_PORT] =
        {
            .field = AG_F_PORT,
            .yaml_path = "spec.port",
            .type = AG_FT_INT,
            .spec = AG_SPEC(port),
            .min = 0,
            .max = 65535,
            .create_param = "Port",
            .modify_param = "Port",
            .describe_elem = "Port",
            .ltype = AG_FT_INT,
            .live = AG_LIVE(port),
            .absent = AG_ABSENT_DEFAULT,
            .norm = AG_NORM_PORT,
            .klass = AG_CLASS_IN_PLACE,
            .emit = AG_EMIT_SCALAR,
            .in_restore = true,
        },
    [AG_F_ENGINE] =
        {
            .field = AG_F_ENGINE,
            .yaml_path = "spec.engine",
            .type = AG_FT_STR,
            .spec = AG_SPEC(engine),
            .check = check_engine,
            .create_param = "Engine",
            .describe_elem = "Engine",
            .ltype = AG_FT_STR,
            .live = AG_LIVE(engine),
            .norm = AG_NORM_EXACT,
            .klass = AG_CLASS_BLOCKED,
            .hint = HINT_REPLACE("the engine") " (or use an AWS Database Migration Service "
                                               "migration)",
            .in_restore = true,
        },
    [AG_F_ENGINE_VERSION] =
        {
            .field = AG_F_ENGINE_VERSION,
            .yaml_path = "spec.engineVersion",
            .type = AG_FT_STR,
            .spec = AG_SPEC(engine_version),
            .create_param = "EngineVersion",
            .modify_param = "EngineVersion",
            .describe_elem = "EngineVersion",
            .ltype = AG_FT_STR,
            .live = AG_LIVE(engine_version),
            .norm = AG_NORM_ENGINE_VERSION,
            .klass = AG_CLASS_OUTAGE,
            .emit = AG_EMIT_ENGINE_VERSION,
            .hint = "a major version upgrade needs spec.allowMajorVersionUpgrade: true (and "
                    "usually a parameter group of the new family); it restarts the cluster",
            .in_restore = true,
        },
    [AG_F_STORAGE_ENCRYPTED] =
        {
            .field = AG_F_STORAGE_ENCRYPTED,
            .yaml_path = "spec.storageEncrypted",
            .type = AG_FT_BOOL,
            .spec = AG_SPEC(storage_encrypted),
            .create_param = "StorageEncrypted",
            .describe_elem = "StorageEncrypted",
            .ltype = AG_FT_BOOL,
            .live = AG_LIVE(storage_encrypted),
            .aws_default = "false",
            .absent = AG_ABSENT_DEFAULT,
            .norm = AG_NORM_BOOL,
            .klass = AG_CLASS_BLOCKED,
            .protect = AG_PROTECT_TRUE,
            .hint = "storageEncrypted cannot change in place: snapshot the cluster, restore the "
                    "snapshot into a new encrypted cluster (RestoreDBClusterFromSnapshot with "
                    "KmsKeyId) under a new identifier, switch clients, then delete the old one",
        },
    [AG_F_KMS_KEY_ID] =
        {
            .field = AG_F_KMS_KEY_ID,
            .yaml_path = "spec.kmsKeyId",
            .ref_kinds = "AwsKmsKey",
            .type = AG_FT_REF,
            .spec = AG_SPEC(kms_key_id),
            .create_param = "KmsKeyId",
            .describe_elem = "KmsKeyId",
            .ltype = AG_FT_STR,
            .live = AG_LIVE(kms_key_id),
            .norm = AG_NORM_KMS_KEY,
            .klass = AG_CLASS_BLOCKED,
            .hint = "kmsKeyId cannot change in place: copy a snapshot with the new key, restore "
                    "it into a new cluster, switch clients, then delete the old one",
            .in_restore = true,
            .import_skip = true, /* written with storageEncrypted (import.c) */
        },
    [AG_F_ENABLED_CLOUDWATCH_LOGS_EXPORTS] =
        {
            .field = AG_F_ENABLED_CLOUDWATCH_LOGS_EXPORTS,
            .yaml_path = "spec.enabledCloudwatchLogsExports",
            .type = AG_FT_LIST,
            .spec = AG_SPEC(enabled_cloudwatch_logs_exports),
            .check = check_log_type,
            .create_param = "EnableCloudwatchLogsExports.member.N",
            .modify_param = "CloudwatchLogsExportConfiguration",
            .describe_elem = "EnabledCloudwatchLogsExports",
            .ltype = AG_FT_LIST,
            .live = AG_LIVE(enabled_cloudwatch_logs_exports),
            .aws_default = "",
            .absent = AG_ABSENT_DEFAULT,
            .norm = AG_NORM_SET,
            .klass = AG_CLASS_IN_PLACE,
            .emit = AG_EMIT_LOGS,
            .protect = AG_PROTECT_SET,
            .in_restore = true,
        },
    [AG_F_DELETION_PROTECTION] =
        {
            .field = AG_F_DELETION_PROTECTION,
            .yaml_path = "spec.deletionProtection",
            .type = AG_FT_BOOL,
            .spec = AG_SPEC(deletion_protection),
            .create_param = "DeletionProtection",
            .modify_param = "DeletionProtection",
            .describe_elem = "DeletionProtection",
            .ltype = AG_FT_BOOL,
            .live = AG_LIVE(deletion_protection),
            .aws_default = "false",
            .absent = AG_ABSENT_DEFAULT,
            .norm = AG_NORM_BOOL,
            .klass = AG_CLASS_IN_PLACE,
            .emit = AG_EMIT_SCALAR,
            .protect = AG_PROTECT_TRUE,
            .change_note = "applied immediately whatever applyImmediately says",
            .in_restore = true,
        },
    [AG_F_PREFERRED_MAINTENANCE_WINDOW] =
        {
            .field = AG_F_PREFERRED_MAINTENANCE_WINDOW,
            .yaml_path = "spec.preferredMaintenanceWindow",
            .type = AG_FT_STR,
            .spec = AG_SPEC(preferred_maintenance_window),
            .check = check_maintenance,
            .create_param = "PreferredMaintenanceWindow",
            .modify_param = "PreferredMaintenanceWindow",
            .describe_elem = "PreferredMaintenanceWindow",
            .ltype = AG_FT_STR,
            .live = AG_LIVE(preferred_maintenance_window),
            .norm = AG_NORM_CASE,
            .klass = AG_CLASS_IN_PLACE,
            .emit = AG_EMIT_SCALAR,
        },
    [AG_F_BACKUP_RETENTION_PERIOD] =
        {
            .field = AG_F_BACKUP_RETENTION_PERIOD,
            .yaml_path = "spec.backupRetentionPeriod",
            .type = AG_FT_INT,
            .spec = AG_SPEC(backup_retention_period),
            .min = 0,
            .max = 35,
            .create_param = "BackupRetentionPeriod",
            .modify_param = "BackupRetentionPeriod",
            .describe_elem = "BackupRetentionPeriod",
            .ltype = AG_FT_INT,
            .live = AG_LIVE(backup_retention_period),
            .aws_default = "1",
            .absent = AG_ABSENT_DEFAULT,
            .norm = AG_NORM_INT,
            .klass = AG_CLASS_IN_PLACE,
            .emit = AG_EMIT_SCALAR,
            .protect = AG_PROTECT_MORE,
            .pending = AG_PENDING(backup_retention_period),
            .pending_type = AG_FT_INT,
        },
    [AG_F_PREFERRED_BACKUP_WINDOW] =
        {
            .field = AG_F_PREFERRED_BACKUP_WINDOW,
            .yaml_path = "spec.preferredBackupWindow",
            .type = AG_FT_STR,
            .spec = AG_SPEC(preferred_backup_window),
            .check = check_backup,
            .create_param = "PreferredBackupWindow",
            .modify_param = "PreferredBackupWindow",
            .describe_elem = "PreferredBackupWindow",
            .ltype = AG_FT_STR,
            .live = AG_LIVE(preferred_backup_window),
            .norm = AG_NORM_CASE,
            .klass = AG_CLASS_IN_PLACE,
            .emit = AG_EMIT_SCALAR,
        },
    [AG_F_COPY_TAGS_TO_SNAPSHOT] =
        {
            .field = AG_F_COPY_TAGS_TO_SNAPSHOT,
            .yaml_path = "spec.copyTagsToSnapshot",
            .type = AG_FT_BOOL,
            .spec = AG_SPEC(copy_tags_to_snapshot),
            .create_param = "CopyTagsToSnapshot",
            .modify_param = "CopyTagsToSnapshot",
            .describe_elem = "CopyTagsToSnapshot",
            .ltype = AG_FT_BOOL,
            .live = AG_LIVE(copy_tags_to_snapshot),
            .aws_default = "false",
            .absent = AG_ABSENT_DEFAULT,
            .norm = AG_NORM_BOOL,
            .klass = AG_CLASS_IN_PLACE,
            .emit = AG_EMIT_SCALAR,
            .protect = AG_PROTECT_TRUE,
            .in_restore = true,
        },
    [AG_F_SKIP_FINAL_SNAPSHOT] =
        {
            .field = AG_F_SKIP_FINAL_SNAPSHOT,
            .yaml_path = "spec.skipFinalSnapshot",
            .type = AG_FT_BOOL,
            .spec = AG_SPEC(skip_final_snapshot),
            .norm = AG_NORM_NOT_COMPARED,
            .klass = AG_CLASS_DELETE_ONLY,
            .import_skip = true,
        },
    [AG_F_FINAL_SNAPSHOT_IDENTIFIER] =
        {
            .field = AG_F_FINAL_SNAPSHOT_IDENTIFIER,
            .yaml_path = "spec.finalSnapshotIdentifier",
            .type = AG_FT_STR,
            .spec = AG_SPEC(final_snapshot_identifier),
            .check = check_snapshot_id,
            .norm = AG_NORM_NOT_COMPARED,
            .klass = AG_CLASS_DELETE_ONLY,
            .import_skip = true,
        },
    [AG_F_IAM_DATABASE_AUTHENTICATION_ENABLED] =
        {
            .field = AG_F_IAM_DATABASE_AUTHENTICATION_ENABLED,
            .yaml_path = "spec.iamDatabaseAuthenticationEnabled",
            .type = AG_FT_BOOL,
            .spec = AG_SPEC(iam_database_authentication_enabled),
            .create_param = "EnableIAMDatabaseAuthentication",
            .modify_param = "EnableIAMDatabaseAuthentication",
            .describe_elem = "IAMDatabaseAuthenticationEnabled",
            .ltype = AG_FT_BOOL,
            .live = AG_LIVE(iam_database_authentication_enabled),
            .aws_default = "false",
            .absent = AG_ABSENT_DEFAULT,
            .norm = AG_NORM_BOOL,
            .klass = AG_CLASS_DEFERRED,
            .emit = AG_EMIT_SCALAR,
            .protect = AG_PROTECT_TRUE,
            .in_restore = true,
            .pending = AG_PENDING(iam_auth),
            .pending_type = AG_FT_BOOL,
        },
    [AG_F_ENABLE_HTTP_ENDPOINT] =
        {
            .field = AG_F_ENABLE_HTTP_ENDPOINT,
            .yaml_path = "spec.enableHttpEndpoint",
            .type = AG_FT_BOOL,
            .spec = AG_SPEC(enable_http_endpoint),
            .create_param = "EnableHttpEndpoint",
            .modify_param = "EnableHttpEndpoint",
            .describe_elem = "HttpEndpointEnabled",
            .ltype = AG_FT_BOOL,
            .live = AG_LIVE(http_endpoint_enabled),
            .aws_default = "false",
            .absent = AG_ABSENT_DEFAULT,
            .norm = AG_NORM_BOOL,
            .klass = AG_CLASS_IN_PLACE,
            .emit = AG_EMIT_HTTP_ENDPOINT,
        },
    [AG_F_SERVERLESS_V2_SCALING] =
        {
            .field = AG_F_SERVERLESS_V2_SCALING,
            .yaml_path = "spec.serverlessV2Scaling",
            .type = AG_FT_COMPOSITE,
            .create_param = "ServerlessV2ScalingConfiguration",
            .modify_param = "ServerlessV2ScalingConfiguration",
            .describe_elem = "ServerlessV2ScalingConfiguration",
            .aws_default = "",
            .norm = AG_NORM_SERVERLESS,
            .klass = AG_CLASS_IN_PLACE,
            .emit = AG_EMIT_SERVERLESS,
            .desired_fn = d_serverless,
            .live_fn = l_serverless,
            .import_skip = true, /* a map: written by import.c */
        },
    [AG_F_SNAPSHOT_IDENTIFIER] =
        {
            .field = AG_F_SNAPSHOT_IDENTIFIER,
            .yaml_path = "spec.snapshotIdentifier",
            .type = AG_FT_STR,
            .spec = AG_SPEC(snapshot_identifier),
            .create_param = "SnapshotIdentifier",
            .create_call = "RestoreDBClusterFromSnapshot",
            .norm = AG_NORM_NOT_COMPARED,
            .klass = AG_CLASS_BLOCKED,
            .hint = "snapshotIdentifier is used only when the cluster is created "
                    "(RestoreDBClusterFromSnapshot); changing it later does nothing: restore "
                    "into a new cluster instead",
            .in_restore = true,
            .import_skip = true,
        },
    [AG_F_REPLICATION_SOURCE_IDENTIFIER] =
        {
            .field = AG_F_REPLICATION_SOURCE_IDENTIFIER,
            .yaml_path = "spec.replicationSourceIdentifier",
            .ref_kinds = "AwsRdsCluster",
            .type = AG_FT_REF,
            .spec = AG_SPEC(replication_source_identifier),
            .create_param = "ReplicationSourceIdentifier",
            .describe_elem = "ReplicationSourceIdentifier",
            .ltype = AG_FT_STR,
            .live = AG_LIVE(replication_source_identifier),
            .aws_default = "",
            .absent = AG_ABSENT_DEFAULT,
            .norm = AG_NORM_EXACT,
            .klass = AG_CLASS_IN_PLACE,
            .emit = AG_EMIT_PROMOTE,
            .hint = "the replication source cannot change: remove replicationSourceIdentifier to "
                    "promote the replica, or create a new replica cluster",
        },
    [AG_F_DB_CLUSTER_PARAMETER_GROUP_NAME] =
        {
            .field = AG_F_DB_CLUSTER_PARAMETER_GROUP_NAME,
            .yaml_path = "spec.dbClusterParameterGroupName",
            .type = AG_FT_STR,
            .spec = AG_SPEC(db_cluster_parameter_group_name),
            .create_param = "DBClusterParameterGroupName",
            .modify_param = "DBClusterParameterGroupName",
            .describe_elem = "DBClusterParameterGroup",
            .ltype = AG_FT_STR,
            .live = AG_LIVE(db_cluster_parameter_group),
            .norm = AG_NORM_PARAM_GROUP,
            .klass = AG_CLASS_IN_PLACE,
            .emit = AG_EMIT_PARAM_GROUP,
            .desired_fn = d_pgroup,
            .in_restore = true,
        },
    [AG_F_PARAMETERS] =
        {
            .field = AG_F_PARAMETERS,
            .yaml_path = "spec.parameters",
            .type = AG_FT_COMPOSITE,
            .norm = AG_NORM_NOT_COMPARED,
            .klass = AG_CLASS_IN_PLACE,
            .emit = AG_EMIT_PARAMETERS,
            .desired_fn = d_params,
            .import_skip = true,
        },
    [AG_F_VPC_ID] =
        {
            .field = AG_F_VPC_ID,
            .yaml_path = "spec.vpcId",
            .ref_kinds = "AwsVpc",
            .type = AG_FT_REF,
            .spec = AG_SPEC(vpc_id),
            .norm = AG_NORM_NOT_COMPARED,
            .klass = AG_CLASS_BLOCKED,
            .hint = "the VPC of a cluster cannot change in place: restore a snapshot into a new "
                    "cluster in a subnet group of the new VPC, switch clients, then delete the "
                    "old one",
            .import_skip = true,
        },
    [AG_F_ENGINE_MODE] =
        {
            .field = AG_F_ENGINE_MODE,
            .yaml_path = "spec.engineMode",
            .type = AG_FT_STR,
            .spec = AG_SPEC(engine_mode),
            .check = check_engine_mode,
            .create_param = "EngineMode",
            .describe_elem = "EngineMode",
            .ltype = AG_FT_STR,
            .live = AG_LIVE(engine_mode),
            .aws_default = "provisioned",
            .absent = AG_ABSENT_DEFAULT,
            .norm = AG_NORM_ENGINE_MODE,
            .klass = AG_CLASS_BLOCKED,
            .hint = HINT_REPLACE("engineMode"),
            .in_restore = true,
        },
    [AG_F_STORAGE_TYPE] =
        {
            .field = AG_F_STORAGE_TYPE,
            .yaml_path = "spec.storageType",
            .type = AG_FT_STR,
            .spec = AG_SPEC(storage_type),
            .check = check_storage_type,
            .create_param = "StorageType",
            .modify_param = "StorageType",
            .describe_elem = "StorageType",
            .ltype = AG_FT_STR,
            .live = AG_LIVE(storage_type),
            .aws_default = "aurora",
            .absent = AG_ABSENT_DEFAULT,
            .norm = AG_NORM_STORAGE_TYPE,
            .klass = AG_CLASS_IN_PLACE,
            .emit = AG_EMIT_SCALAR,
            .live_fn = l_storage_type,
            .in_restore = true,
            .pending = AG_PENDING(storage_type),
            .pending_type = AG_FT_STR,
        },
    [AG_F_INSTANCES] =
        {
            .field = AG_F_INSTANCES,
            .yaml_path = "spec.instances",
            .type = AG_FT_COMPOSITE,
            .describe_elem = "DBClusterMembers",
            .norm = AG_NORM_NOT_COMPARED,
            .klass = AG_CLASS_DEFERRED,
            .emit = AG_EMIT_INSTANCES,
            .desired_fn = d_instances,
            .import_skip = true,
        },
    [AG_F_APPLY_IMMEDIATELY] =
        {
            .field = AG_F_APPLY_IMMEDIATELY,
            .yaml_path = "spec.applyImmediately",
            .type = AG_FT_BOOL,
            .spec = AG_SPEC(apply_immediately),
            .modify_param = "ApplyImmediately",
            .norm = AG_NORM_NOT_COMPARED,
            .klass = AG_CLASS_NONE,
            .import_skip = true,
        },
    [AG_F_ALLOW_MAJOR_VERSION_UPGRADE] =
        {
            .field = AG_F_ALLOW_MAJOR_VERSION_UPGRADE,
            .yaml_path = "spec.allowMajorVersionUpgrade",
            .type = AG_FT_BOOL,
            .spec = AG_SPEC(allow_major_version_upgrade),
            .modify_param = "AllowMajorVersionUpgrade",
            .norm = AG_NORM_NOT_COMPARED,
            .klass = AG_CLASS_NONE,
            .import_skip = true,
        },
    [AG_F_AUTO_MINOR_VERSION_UPGRADE] =
        {
            .field = AG_F_AUTO_MINOR_VERSION_UPGRADE,
            .yaml_path = "spec.autoMinorVersionUpgrade",
            .type = AG_FT_BOOL,
            .spec = AG_SPEC(auto_minor_version_upgrade),
            /* the cluster-level setting too, when written (AWS: valid for
             * Aurora DB clusters); the instances carry and compare it */
            .create_param = "AutoMinorVersionUpgrade",
            .describe_elem = "DBInstance/AutoMinorVersionUpgrade",
            .norm = AG_NORM_NOT_COMPARED,
            .klass = AG_CLASS_IN_PLACE,
            .emit = AG_EMIT_INSTANCES,
            .desired_fn = d_auto_minor,
            .import_skip = true, /* a property of the instances: written by import.c */
        },
    [AG_F_NETWORK_TYPE] =
        {
            .field = AG_F_NETWORK_TYPE,
            .yaml_path = "spec.networkType",
            .type = AG_FT_STR,
            .spec = AG_SPEC(network_type),
            .check = check_network_type,
            .create_param = "NetworkType",
            .modify_param = "NetworkType",
            .describe_elem = "NetworkType",
            .ltype = AG_FT_STR,
            .live = AG_LIVE(network_type),
            .norm = AG_NORM_EXACT,
            .klass = AG_CLASS_IN_PLACE,
            .emit = AG_EMIT_SCALAR,
            .in_restore = true,
        },
    [AG_F_PERFORMANCE_INSIGHTS] =
        {
            /* per instance, compared in plan.c (plan_instance_insights) */
            .field = AG_F_PERFORMANCE_INSIGHTS,
            .yaml_path = "spec.performanceInsights",
            .type = AG_FT_COMPOSITE,
            .create_param = "EnablePerformanceInsights",
            .create_call = "CreateDBInstance",
            .describe_elem = "DBInstance/PerformanceInsightsEnabled",
            .norm = AG_NORM_NOT_COMPARED,
            .klass = AG_CLASS_IN_PLACE,
            .emit = AG_EMIT_INSTANCES,
            .protect = AG_PROTECT_TRUE,
            .desired_fn = d_pi,
            .import_skip = true, /* a property of the instances: written by import.c */
        },
    [AG_F_MONITORING] =
        {
            .field = AG_F_MONITORING,
            .yaml_path = "spec.monitoring",
            .type = AG_FT_COMPOSITE,
            .create_param = "MonitoringInterval",
            .create_call = "CreateDBInstance",
            .describe_elem = "DBInstance/MonitoringInterval",
            .norm = AG_NORM_NOT_COMPARED,
            .klass = AG_CLASS_IN_PLACE,
            .emit = AG_EMIT_INSTANCES,
            .protect = AG_PROTECT_TRUE,
            .desired_fn = d_monitoring,
            .import_skip = true,
        },
    [AG_F_ALARMS] =
        {
            /* CloudWatch alarms, compared in plan.c (plan_alarms) */
            .field = AG_F_ALARMS,
            .yaml_path = "spec.alarms",
            .type = AG_FT_COMPOSITE,
            .create_param = "AlarmName",
            .create_call = "PutMetricAlarm",
            .norm = AG_NORM_NOT_COMPARED,
            .klass = AG_CLASS_IN_PLACE,
            .protect = AG_PROTECT_SET,
            .desired_fn = d_alarms,
            .import_skip = true,
        },
    [AG_F_KMS_KEY] =
        {
            /* KMS, not RDS: compared and corrected by core/plan_kms.c */
            .field = AG_F_KMS_KEY,
            .yaml_path = "spec.kmsKey",
            .type = AG_FT_COMPOSITE,
            .norm = AG_NORM_NOT_COMPARED,
            .klass = AG_CLASS_IN_PLACE,
            .desired_fn = d_kms_key,
            .import_skip = true,
        },
    [AG_F_AUTOSCALING] =
        {
            /* Application Auto Scaling: core/plan_autoscaling.c */
            .field = AG_F_AUTOSCALING,
            .yaml_path = "spec.autoscaling",
            .type = AG_FT_COMPOSITE,
            .norm = AG_NORM_NOT_COMPARED,
            .klass = AG_CLASS_IN_PLACE,
            .desired_fn = d_autoscaling,
            .import_skip = true,
        },
    [AG_F_BACKTRACK_WINDOW] =
        {
            .field = AG_F_BACKTRACK_WINDOW,
            .yaml_path = "spec.backtrackWindow",
            .type = AG_FT_INT,
            .spec = AG_SPEC(backtrack_window),
            .min = 0,
            .max = 259200,
            .create_param = "BacktrackWindow",
            .modify_param = "BacktrackWindow",
            .describe_elem = "BacktrackWindow",
            .ltype = AG_FT_INT,
            .live = AG_LIVE(backtrack_window),
            .aws_default = "0",
            .absent = AG_ABSENT_DEFAULT,
            .norm = AG_NORM_INT,
            .klass = AG_CLASS_IN_PLACE,
            .emit = AG_EMIT_SCALAR,
            .protect = AG_PROTECT_MORE,
            .desired_fn = d_backtrack,
            .live_fn = l_backtrack,
            .hint = "backtracking can be turned on only when a cluster is created or "
                    "restored: restore a snapshot into a new cluster with backtrackWindow "
                    "set, switch clients, then delete the old cluster",
            .in_restore = true,
        },
    [AG_F_ENABLE_LOCAL_WRITE_FORWARDING] =
        {
            .field = AG_F_ENABLE_LOCAL_WRITE_FORWARDING,
            .yaml_path = "spec.enableLocalWriteForwarding",
            .type = AG_FT_BOOL,
            .spec = AG_SPEC(enable_local_write_forwarding),
            .create_param = "EnableLocalWriteForwarding",
            .modify_param = "EnableLocalWriteForwarding",
            .describe_elem = "LocalWriteForwardingStatus",
            .ltype = AG_FT_STR,
            .live = AG_LIVE(local_write_forwarding_status),
            .aws_default = "false",
            .absent = AG_ABSENT_DEFAULT,
            .norm = AG_NORM_BOOL,
            .klass = AG_CLASS_IN_PLACE,
            .emit = AG_EMIT_SCALAR,
            .live_fn = l_local_write_forwarding,
        },
    [AG_F_ENGINE_LIFECYCLE_SUPPORT] =
        {
            .field = AG_F_ENGINE_LIFECYCLE_SUPPORT,
            .yaml_path = "spec.engineLifecycleSupport",
            .type = AG_FT_STR,
            .spec = AG_SPEC(engine_lifecycle_support),
            .check = check_lifecycle,
            .create_param = "EngineLifecycleSupport",
            .describe_elem = "EngineLifecycleSupport",
            .ltype = AG_FT_STR,
            .live = AG_LIVE(engine_lifecycle_support),
            .norm = AG_NORM_EXACT,
            .klass = AG_CLASS_BLOCKED,
            .hint = "engineLifecycleSupport is set when a cluster is created (ModifyDBCluster "
                    "has no such parameter): restore a snapshot into a new cluster with the "
                    "new value, switch clients, then delete the old cluster",
            .in_restore = true,
        },
    [AG_F_SCALING_CONFIGURATION] =
        {
            .field = AG_F_SCALING_CONFIGURATION,
            .yaml_path = "spec.scalingConfiguration",
            .type = AG_FT_COMPOSITE,
            .create_param = "ScalingConfiguration",
            .modify_param = "ScalingConfiguration",
            .describe_elem = "ScalingConfigurationInfo",
            .ltype = AG_FT_STR,
            .live = AG_LIVE(scaling_configuration),
            .norm = AG_NORM_KV_SUBSET,
            .klass = AG_CLASS_IN_PLACE,
            .emit = AG_EMIT_STRUCT,
            .desired_fn = d_scaling_v1,
            .live_fn = l_scaling_v1,
            .in_restore = true,
            .import_skip = true, /* a map: written by import.c */
        },
    [AG_F_GLOBAL_CLUSTER_IDENTIFIER] =
        {
            .field = AG_F_GLOBAL_CLUSTER_IDENTIFIER,
            .yaml_path = "spec.globalClusterIdentifier",
            .type = AG_FT_STR,
            .spec = AG_SPEC(global_cluster_identifier),
            .check = check_global_id,
            .create_param = "GlobalClusterIdentifier",
            .describe_elem = "GlobalClusterIdentifier",
            .ltype = AG_FT_STR,
            .live = AG_LIVE(global_cluster_identifier),
            /* compared by plan.c (plan_global): joining, leaving and
             * promoting follow AWS's rules, never the generic diff */
            .norm = AG_NORM_NOT_COMPARED,
            .klass = AG_CLASS_IN_PLACE,
        },
    [AG_F_DB_INSTANCE_PARAMETER_GROUP_NAME] =
        {
            .field = AG_F_DB_INSTANCE_PARAMETER_GROUP_NAME,
            .yaml_path = "spec.dbInstanceParameterGroupName",
            .type = AG_FT_STR,
            .spec = AG_SPEC(db_instance_parameter_group_name),
            .check = check_instance_pgroup,
            .describe_elem = "DBInstance/DBParameterGroups",
            .norm = AG_NORM_NOT_COMPARED, /* per instance: plan.c */
            .klass = AG_CLASS_IN_PLACE,
            .emit = AG_EMIT_INSTANCES,
            .import_skip = true,
        },
    [AG_F_CA_CERTIFICATE_IDENTIFIER] =
        {
            .field = AG_F_CA_CERTIFICATE_IDENTIFIER,
            .yaml_path = "spec.caCertificateIdentifier",
            .type = AG_FT_STR,
            .spec = AG_SPEC(ca_certificate_identifier),
            .check = check_ca,
            .describe_elem = "DBInstance/CACertificateIdentifier",
            .norm = AG_NORM_NOT_COMPARED, /* per instance: plan.c */
            .klass = AG_CLASS_DEFERRED,
            .emit = AG_EMIT_INSTANCES,
            .import_skip = true,
        },
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

const char *
ag_fieldtab_key(const struct ag_field_row *row)
{
	return row->yaml_path + 5; /* after "spec." */
}

#define AT(base, off) ((void *)((char *)(base) + (off)-1))
#define CAT(base, off) ((const void *)((const char *)(base) + (off)-1))

bool
ag_fieldtab_desired(char **out, const struct ag_field_row *row, const struct ag_manifest *m)
{
	const void *p;

	*out = NULL;
	if (row->desired_fn != NULL)
		return row->desired_fn(out, m);
	if (row->spec == 0)
		return false;
	p = CAT(&m->spec, row->spec);
	switch (row->type) {
	case AG_FT_STR:
	case AG_FT_REF:
		return str_out(out, *(char *const *)p);
	case AG_FT_BOOL:
		return mbool_out(out, m, row->field, *(const bool *)p);
	case AG_FT_INT:
		return *(const int *)p > 0 && int_out(out, *(const int *)p);
	case AG_FT_LIST:
	case AG_FT_REFLIST:
		return mlist_out(out, m, row->field, (const struct ag_strlist *)p);
	case AG_FT_NONE:
	case AG_FT_COMPOSITE:
		break;
	}
	return false;
}

/* A string member's text as str_out() would copy it: NULL when absent. */
static const char *
str_view(const char *s)
{
	return s != NULL && *s != '\0' ? s : NULL;
}

/* The text of a member at off of base as the generic accessors render it
 * (see ag_fieldtab_desired_view), a bool's only when present says so. */
static bool
member_view(const char **out, char scratch[AG_FIELDTAB_SCRATCH], bool rendered, size_t off,
    enum ag_ftype type, const void *base, bool present)
{
	const void *p = CAT(base, off);

	*out = NULL;
	if (rendered || off == 0)
		return false;
	switch (type) {
	case AG_FT_STR:
	case AG_FT_REF:
		*out = str_view(*(char *const *)p);
		return true;
	case AG_FT_BOOL:
		if (present || *(const bool *)p)
			*out = *(const bool *)p ? "true" : "false";
		return true;
	case AG_FT_INT:
		if (*(const int *)p > 0)
			*out = ag_fieldtab_int_text(scratch, *(const int *)p);
		return true;
	default:
		return false;
	}
}

bool
ag_fieldtab_desired_view(const char **out, char scratch[AG_FIELDTAB_SCRATCH],
    const struct ag_field_row *row, const struct ag_manifest *m)
{
	/* mbool_out: a bool counts when written or true */
	return member_view(out, scratch, row->desired_fn != NULL, row->spec, row->type, &m->spec,
	    row->type == AG_FT_BOOL && row->spec != 0 && ag_manifest_has(m, row->field));
}

bool
ag_fieldtab_live_view(const char **out, char scratch[AG_FIELDTAB_SCRATCH],
    const struct ag_field_row *row, const struct ag_db_cluster *c)
{
	/* bool_out: a live bool is always there */
	return member_view(out, scratch, row->live_fn != NULL, row->live, row->ltype, c, true);
}

bool
ag_fieldtab_observable(const struct ag_field_row *row)
{
	return row->live_fn != NULL || row->live != 0;
}

bool
ag_fieldtab_live(char **out, const struct ag_field_row *row, const struct ag_db_cluster *c)
{
	const void *p;

	*out = NULL;
	if (row->live_fn != NULL)
		return row->live_fn(out, c);
	if (row->live == 0)
		return false;
	p = CAT(c, row->live);
	switch (row->ltype) {
	case AG_FT_STR:
	case AG_FT_REF:
		return str_out(out, *(char *const *)p);
	case AG_FT_BOOL:
		return bool_out(out, *(const bool *)p);
	case AG_FT_INT:
		return *(const int *)p > 0 && int_out(out, *(const int *)p);
	case AG_FT_LIST:
	case AG_FT_REFLIST:
		return list_out(out, (const struct ag_strlist *)p);
	case AG_FT_NONE:
	case AG_FT_COMPOSITE:
		break;
	}
	return false;
}

static void
release_member(void *p, enum ag_ftype t)
{
	switch (t) {
	case AG_FT_STR:
	case AG_FT_REF:
		free(*(char **)p);
		*(char **)p = NULL;
		break;
	case AG_FT_LIST:
	case AG_FT_REFLIST:
		ag_strlist_release((struct ag_strlist *)p);
		break;
	default:
		break;
	}
}

void
ag_fieldtab_release_spec(struct ag_cluster_spec *s)
{
	size_t i;

	for (i = 0; i < AG_F__COUNT; i++)
		if (rows[i].spec != 0)
			release_member(AT(s, rows[i].spec), rows[i].type);
}

/* Replaces the member at p (a shallow copy) by a copy it owns. */
static void
copy_member(void *p, enum ag_ftype t)
{
	struct ag_strlist l = AG_STRLIST_INIT;

	switch (t) {
	case AG_FT_STR:
	case AG_FT_REF:
		*(char **)p = ag_xstrdup(*(char **)p);
		break;
	case AG_FT_LIST:
	case AG_FT_REFLIST:
		ag_strlist_copy(&l, (const struct ag_strlist *)p);
		*(struct ag_strlist *)p = l;
		break;
	default:
		break;
	}
}

void
ag_fieldtab_own_spec(struct ag_cluster_spec *s)
{
	size_t i;

	for (i = 0; i < AG_F__COUNT; i++)
		if (rows[i].spec != 0)
			copy_member(AT(s, rows[i].spec), rows[i].type);
}

void
ag_fieldtab_release_live(struct ag_db_cluster *c)
{
	size_t i;

	for (i = 0; i < AG_F__COUNT; i++)
		if (rows[i].live != 0)
			release_member(AT(c, rows[i].live), rows[i].ltype);
}

char *
ag_kms_key_text(const struct ag_kms_key_spec *k)
{
	return ag_xasprintf(
	    "%s,rotation=%s", k->alias ? k->alias : "(default alias)", k->rotation ? "on" : "off");
}

char *
ag_autoscaling_text(const struct ag_autoscaling_spec *a)
{
	char *t, *s;
	char in[24] = "default", out[24] = "default";

	if (!a->enabled)
		return ag_xstrdup("disabled");
	t = ag_norm_number(a->target_value);
	if (a->scale_in_cooldown >= 0)
		snprintf(in, sizeof(in), "%ds", a->scale_in_cooldown);
	if (a->scale_out_cooldown >= 0)
		snprintf(out, sizeof(out), "%ds", a->scale_out_cooldown);
	s = ag_xasprintf("readers=%d..%d,%s=%s,scaleIn=%s,scaleOut=%s%s", a->min_readers,
	    a->max_readers, a->metric ? a->metric : "?", t, in, out,
	    a->disable_scale_in ? ",scaleInDisabled" : "");
	free(t);
	return s;
}
