#ifndef AG_CORE_INSIGHTS_H
#define AG_CORE_INSIGHTS_H

#include <stdbool.h>
#include <stddef.h>

#include "core/kv.h"
#include "core/manifest.h"
#include "core/observed.h"

/*
 * Performance Insights and Enhanced Monitoring of a cluster's instances:
 * the per-instance override merged over spec.performanceInsights and
 * spec.monitoring, the defaults (both on, docs/manifest-reference.md),
 * the AWS value rules, and the request parameters.
 */

#define AG_PI_DEFAULT_RETENTION 7
#define AG_MONITORING_DEFAULT_INTERVAL 60
#define AG_MONITORING_DEFAULT_ROLE "rds-monitoring-role"
#define AG_MONITORING_POLICY_ARN                                                                   \
	"arn:aws:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole"
/* The executor replaces it with the ARN of the role it made or found. */
#define AG_PLACEHOLDER_ROLE_FMT "{{role:%s}}"

/* What one instance should have. *_written: the manifest (the instance
 * or the cluster) says so; otherwise the value is the default, which is
 * only ever used to turn a feature on, never to turn one off or lower it. */
struct ag_insights_want {
	bool pi_written;    /* enabled written */
	bool pi_enabled;    /* effective (default: on where AWS supports it) */
	int pi_retention;   /* written, 0 = not */
	const char *pi_kms; /* written, NULL = not */
	bool interval_written;
	int interval;          /* effective (default 60) */
	const char *role_arn;  /* written, NULL = not */
	bool create_role;      /* effective: a role is made when no ARN is given */
	const char *role_name; /* of the role to make */
};

void ag_insights_want(
    struct ag_insights_want *out, const struct ag_manifest *m, const struct ag_instance_spec *is);

/* Whether AWS offers Performance Insights for engine on instance_class:
 * Aurora MySQL not on db.t2, db.t3, db.t4g.micro, db.t4g.small. */
bool ag_insights_pi_supported(const char *engine, const char *instance_class);

/* The value rules (NULL when valid, else a static reason). */
const char *ag_insights_check_retention(long days);
const char *ag_insights_check_interval(long seconds);
const char *ag_insights_check_role_arn(const char *s);
const char *ag_insights_check_role_name(const char *s);

/* The MonitoringRoleArn value to send: the written ARN or the placeholder
 * of the role the agent makes (malloc'd; NULL when monitoring is off). */
char *ag_insights_role_value(const struct ag_insights_want *w);

/* CreateDBInstance parameters. */
void ag_insights_create_params(struct ag_kvlist *p, const struct ag_insights_want *w);

void ag_pi_spec_release(struct ag_pi_spec *p);
void ag_monitoring_spec_release(struct ag_monitoring_spec *p);

#endif
