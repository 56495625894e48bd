/*
 * Policy lint: production essentials the schema allows but an operator
 * usually wants. Each finding is a warning with a rule id (AG1xx, see
 * docs/manifest-reference.md), the field, and the fix. `validate --strict`
 * turns them into errors.
 */
#include "core/insights.h"
#include "core/manifest.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "core/compat.h"

static void warn(struct ag_diags *d, const struct ag_manifest *m, enum ag_field f, const char *rule,
    const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static void
warn(struct ag_diags *d, const struct ag_manifest *m, enum ag_field f, const char *rule,
    const char *fmt, ...)
{
	struct ag_pos pos = ag_manifest_has(m, f) ? ag_manifest_field_pos(m, f) : m->spec_pos;
	char field[64], msg[1024];
	va_list ap;

	snprintf(field, sizeof(field), "spec.%s", ag_field_yaml_name(f));
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	ag_diags_add(
	    d, AG_DIAG_WARNING, m->file, pos.line, pos.col, rule, field, "%s: %s", field, msg);
}

static void
lint_one(const struct ag_manifest *m, struct ag_diags *d)
{
	const struct ag_cluster_spec *c = &m->spec;
	bool sealed = ag_manifest_is_sealed(c->password);
	bool pg = c->engine && strcmp(c->engine, "aurora-postgresql") == 0;

	size_t i;

	/* Serverless v1 (engineMode: serverless) has no instances at all. */
	if (c->n_instances < 2 && !(c->engine_mode && strcmp(c->engine_mode, "serverless") == 0))
		warn(d, m, AG_F_INSTANCES, "AG101",
		    "%zu instance%s: a single-AZ cluster with no failover target; run at least 2, "
		    "e.g. instances: {count: 2%s}",
		    c->n_instances, c->n_instances == 1 ? "" : "s",
		    c->has_serverless_v2 ? "" : ", instanceClass: db.r6g.large");
	if (c->backup_retention_period < 7)
		warn(d, m, AG_F_BACKUP_RETENTION_PERIOD, "AG102",
		    "%d day%s of backups%s; set backupRetentionPeriod to at least 7",
		    c->backup_retention_period ? c->backup_retention_period : 1,
		    c->backup_retention_period == 1 || c->backup_retention_period == 0 ? "" : "s",
		    c->backup_retention_period ? "" : " (the AWS default)");
	if (!c->storage_encrypted)
		warn(d, m, AG_F_STORAGE_ENCRYPTED, "AG103",
		    "storage is not encrypted and encryption cannot be added later; set "
		    "storageEncrypted: true");
	if (!c->deletion_protection)
		warn(d, m, AG_F_DELETION_PROTECTION, "AG104",
		    "the cluster can be deleted by a single API call; set deletionProtection: "
		    "true");
	if (c->password && !sealed)
		warn(d, m, AG_F_PASSWORD, "AG105",
		    "a plain-text password is stored in git; seal it with `aurora-gitops seal "
		    "--key keys/NAME.pub --cluster %s --field spec.password` or use "
		    "manageMasterUserPassword: true",
		    m->cluster_id ? m->cluster_id : "ID");
	if (!c->manage_master_user_password && !sealed)
		warn(d, m, AG_F_MANAGE_MASTER_USER_PASSWORD, "AG106",
		    "the master password is %s; set manageMasterUserPassword: true so RDS keeps it "
		    "in Secrets Manager",
		    c->password ? "not managed by RDS" : "neither managed by RDS nor sealed");
	if (ag_strlist_contains(&c->allowed_cidr_blocks, "0.0.0.0/0"))
		warn(d, m, AG_F_ALLOWED_CIDR_BLOCKS, "AG107",
		    "0.0.0.0/0 opens the database port to every address; list only the networks "
		    "that need access");
	if (c->skip_final_snapshot)
		warn(d, m, AG_F_SKIP_FINAL_SNAPSHOT, "AG108",
		    "deleting the cluster would keep no final snapshot; set skipFinalSnapshot: "
		    "false");
	if (c->enabled_cloudwatch_logs_exports.n == 0)
		warn(d, m, AG_F_ENABLED_CLOUDWATCH_LOGS_EXPORTS, "AG109",
		    "no database logs are exported to CloudWatch; export at least %s",
		    pg ? "[postgresql]" : "[error, slowquery]");
	/* Massdriver, Opta and Planton bundles keep both on for production */
	for (i = 0; i < c->n_instances; i++) {
		struct ag_insights_want w;

		ag_insights_want(&w, m, &c->instances[i]);
		if (w.pi_written && !w.pi_enabled &&
		    ag_insights_pi_supported(c->engine, c->instances[i].instance_class)) {
			warn(d, m, AG_F_PERFORMANCE_INSIGHTS, "AG111",
			    "Performance Insights is off on instance '%s': its 7 days of database "
			    "load history cost nothing; remove enabled: false",
			    c->instances[i].name ? c->instances[i].name : "");
			break;
		}
	}
	for (i = 0; i < c->n_instances; i++) {
		struct ag_insights_want w;

		ag_insights_want(&w, m, &c->instances[i]);
		if (w.interval == 0) {
			warn(d, m, AG_F_MONITORING, "AG112",
			    "Enhanced Monitoring is off on instance '%s': no OS metrics (memory, "
			    "processes, I/O) to diagnose it; set monitoring.interval to 60 or less",
			    c->instances[i].name ? c->instances[i].name : "");
			break;
		}
	}
	if (ag_manifest_has(m, AG_F_ALARMS) && ag_spec_alarms(c)->sns_topic_arn == NULL)
		warn(d, m, AG_F_ALARMS, "AG113",
		    "the alarms notify nobody; set spec.alarms.snsTopicArn to the SNS topic of the "
		    "team on call");
	for (i = 0; i < c->n_instances; i++)
		if (c->instances[i].publicly_accessible && !m->public_access_ack)
			ag_diags_add(d, AG_DIAG_ERROR, m->file, c->instances[i].public_pos.line,
			    c->instances[i].public_pos.col, "AG110",
			    "spec.instances.publiclyAccessible",
			    "spec.instances[%zu].publiclyAccessible: instance '%s' would be "
			    "reachable "
			    "from the internet; keep it false, or acknowledge it with the "
			    "annotation "
			    "aurora-gitops/public-access: acknowledged",
			    i, c->instances[i].name ? c->instances[i].name : "");
}

void
ag_manifest_lint(const struct ag_manifest_set *set, struct ag_diags *diags)
{
	size_t i;

	for (i = 0; i < set->n; i++)
		lint_one(&set->v[i], diags);
}
