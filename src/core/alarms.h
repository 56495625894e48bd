#ifndef AG_CORE_ALARMS_H
#define AG_CORE_ALARMS_H

#include <stdbool.h>
#include <stddef.h>

#include "core/kv.h"
#include "core/manifest.h"
#include "core/observed.h"

/*
 * spec.alarms: the CloudWatch metric alarms the Massdriver, Opta and
 * Planton bundles set around an Aurora cluster (CPU, freeable memory, free
 * local storage, replica lag, deadlocks, serverless capacity), with their
 * defaults, the AWS value rules, the PutMetricAlarm parameters and the
 * comparison with DescribeAlarms. Every alarm the agent makes is named
 * "aurora-gitops/<cluster>/[<instance>/]<kind>" and its description ends
 * with AG_ALARM_MARK: only such alarms are ever changed or deleted.
 */

#define AG_ALARM_PREFIX "aurora-gitops/"
#define AG_ALARM_MARK "(managed by aurora-gitops)"

/* The YAML key of a kind ("cpu", "freeableMemory", ...). */
const char *ag_alarm_kind_key(enum ag_alarm_kind k);
/* The kind of a YAML key, or -1. */
int ag_alarm_kind_of(const char *key);

/* What one alarm should be. */
struct ag_alarm_want {
	enum ag_alarm_kind kind;
	char *name;
	char *description;
	const char *metric;
	const char *statistic;
	const char *comparison;
	const char *treat_missing;
	const char *dim_name; /* DBInstanceIdentifier | DBClusterIdentifier */
	char *dim_value;
	int period;
	int evaluation_periods;
	double threshold;
	const char *sns; /* NULL = no actions */
};

struct ag_alarm_wants {
	struct ag_alarm_want *v;
	size_t n;
	size_t cap;
};

/* The alarms m asks for (none without spec.alarms), in a stable order:
 * per kind, the cluster's alarm or one per instance of the manifest. */
void ag_alarms_desired(struct ag_alarm_wants *out, const struct ag_manifest *m);
void ag_alarm_wants_release(struct ag_alarm_wants *w);

/* Whether alarm a is one the agent made for cluster id (prefix + mark). */
bool ag_alarm_is_ours(const struct ag_observed_alarm *a, const char *cluster_id);
/* Whether a carries the agent's prefix for cluster id. */
bool ag_alarm_named_for(const char *name, const char *cluster_id);
/* The kind a live alarm of ours is (from its name), or -1. */
int ag_alarm_kind_of_name(const char *name);

/* The first attribute in which live differs from want ("threshold",
 * "period", ...), or NULL when they are the same alarm. */
const char *ag_alarm_diff(const struct ag_alarm_want *want, const struct ag_observed_alarm *live);

/* One line for reports: "CPUUtilization Average > 80 for 3 x 300 s" (malloc'd). */
char *ag_alarm_want_text(const struct ag_alarm_want *w);
char *ag_alarm_live_text(const struct ag_observed_alarm *a);

/* PutMetricAlarm parameters of w (Query form). */
void ag_alarm_put_params(struct ag_kvlist *p, const struct ag_alarm_want *w);

/* Value rules: NULL when valid, else a static reason. */
const char *ag_alarm_check_sns_arn(const char *s);
const char *ag_alarm_check_period(long seconds);

/* Whether kind k applies to the cluster of m at all. */
bool ag_alarm_applies(enum ag_alarm_kind k, const struct ag_manifest *m);

void ag_alarms_spec_release(struct ag_alarms_spec *a);

#endif
