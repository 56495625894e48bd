/*
 * The CloudWatch alarms of spec.alarms: kinds, defaults, AWS rules, the
 * PutMetricAlarm parameters and the comparison with DescribeAlarms. The
 * plan's changes and actions are made in plan.c (plan_alarms).
 */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alarms.h"
#include "core/mem.h"
#include "core/normalize.h"

#include "core/compat.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

static const struct kind_def {
	const char *key;
	const char *title;
	const char *metric;
	const char *statistic;
	const char *comparison;
	const char *treat_missing;
	double threshold; /* NAN: no default (required) */
	int period;
	int evaluation_periods;
	bool per_instance;
} kinds[AG_ALARM__COUNT] = {
    [AG_ALARM_CPU] = {"cpu", "CPU utilization", "CPUUtilization", "Average", "GreaterThanThreshold",
        "missing", 80, 300, 3, true},
    [AG_ALARM_MEMORY] = {"freeableMemory", "Freeable memory", "FreeableMemory", "Average",
        "LessThanThreshold", "missing", 268435456.0, 300, 3, true},
    [AG_ALARM_LOCAL_STORAGE] = {"freeLocalStorage", "Free local storage", "FreeLocalStorage",
        "Average", "LessThanThreshold", "missing", 2147483648.0, 300, 3, true},
    [AG_ALARM_REPLICA_LAG] = {"replicaLag", "Aurora replica lag", "AuroraReplicaLagMaximum",
        "Maximum", "GreaterThanThreshold", "notBreaching", 1000, 60, 5, false},
    [AG_ALARM_DEADLOCKS] = {"deadlocks", "Deadlocks", "Deadlocks", "Average",
        "GreaterThanThreshold", "notBreaching", 0, 300, 1, false},
    [AG_ALARM_CAPACITY] = {"capacity", "Serverless capacity (ACU utilization)", "ACUUtilization",
        "Average", "GreaterThanThreshold", "missing", 90, 300, 3, false},
};

const char *
ag_alarm_kind_key(enum ag_alarm_kind k)
{
	return (unsigned)k < AG_ALARM__COUNT ? kinds[k].key : "?";
}

int
ag_alarm_kind_of(const char *key)
{
	size_t i;

	for (i = 0; i < AG_ALARM__COUNT; i++)
		if (strcmp(kinds[i].key, key) == 0)
			return (int)i;
	return -1;
}

void
ag_alarms_spec_release(struct ag_alarms_spec *a)
{
	free(a->sns_topic_arn);
	memset(a, 0, sizeof(*a));
}

static bool
serverless_v1(const struct ag_manifest *m)
{
	return m->spec.engine_mode != NULL && strcmp(m->spec.engine_mode, "serverless") == 0;
}

static bool
serverless_v2(const struct ag_manifest *m)
{
	size_t i;

	if (m->spec.has_serverless_v2)
		return true;
	for (i = 0; i < m->spec.n_instances; i++)
		if (m->spec.instances[i].instance_class != NULL &&
		    strcmp(m->spec.instances[i].instance_class, "db.serverless") == 0)
			return true;
	return false;
}

bool
ag_alarm_applies(enum ag_alarm_kind k, const struct ag_manifest *m)
{
	bool v1 = serverless_v1(m);

	switch (k) {
	case AG_ALARM_CPU:
	case AG_ALARM_DEADLOCKS:
		return true;
	case AG_ALARM_MEMORY:
	case AG_ALARM_LOCAL_STORAGE:
		return !v1;
	case AG_ALARM_REPLICA_LAG:
		return !v1 && m->spec.n_instances >= 2;
	case AG_ALARM_CAPACITY:
		return v1 ? ag_spec_alarms(&m->spec)->kinds[k].has_threshold : serverless_v2(m);
	case AG_ALARM__COUNT:
		break;
	}
	return false;
}

static void
add_want(struct ag_alarm_wants *out, const struct ag_manifest *m, enum ag_alarm_kind k,
    const char *instance)
{
	const struct kind_def *d = &kinds[k];
	const struct ag_alarm_spec *s = &ag_spec_alarms(&m->spec)->kinds[k];
	struct ag_alarm_want *w;
	bool v1 = serverless_v1(m);

	AG_GROW(out->v, out->cap, out->n + 1);
	w = &out->v[out->n++];
	memset(w, 0, sizeof(*w));
	w->kind = k;
	w->metric = d->metric;
	w->statistic = d->statistic;
	w->comparison = d->comparison;
	if (k == AG_ALARM_CAPACITY && v1) {
		w->metric = "ServerlessDatabaseCapacity";
		w->comparison = "GreaterThanOrEqualToThreshold";
	}
	w->treat_missing = d->treat_missing;
	w->threshold = s->has_threshold ? s->threshold : d->threshold;
	w->period = s->period > 0 ? s->period : d->period;
	w->evaluation_periods =
	    s->evaluation_periods > 0 ? s->evaluation_periods : d->evaluation_periods;
	w->sns = ag_spec_alarms(&m->spec)->sns_topic_arn;
	if (instance != NULL) {
		w->name =
		    ag_xasprintf("%s%s/%s/%s", AG_ALARM_PREFIX, m->cluster_id, instance, d->key);
		w->dim_name = "DBInstanceIdentifier";
		w->dim_value = ag_xstrdup(instance);
		w->description = ag_xasprintf("%s of instance %s of Aurora cluster %s %s", d->title,
		    instance, m->cluster_id, AG_ALARM_MARK);
	} else {
		w->name = ag_xasprintf("%s%s/%s", AG_ALARM_PREFIX, m->cluster_id, d->key);
		w->dim_name = "DBClusterIdentifier";
		w->dim_value = ag_xstrdup(m->cluster_id);
		w->description = ag_xasprintf(
		    "%s of Aurora cluster %s %s", d->title, m->cluster_id, AG_ALARM_MARK);
	}
}

void
ag_alarms_desired(struct ag_alarm_wants *out, const struct ag_manifest *m)
{
	size_t k, i;

	memset(out, 0, sizeof(*out));
	if (!ag_manifest_has(m, AG_F_ALARMS) || m->cluster_id == NULL)
		return;
	for (k = 0; k < AG_ALARM__COUNT; k++) {
		const struct ag_alarm_spec *s = &ag_spec_alarms(&m->spec)->kinds[k];

		if ((s->has_enabled && !s->enabled) || !ag_alarm_applies((enum ag_alarm_kind)k, m))
			continue;
		if (kinds[k].per_instance && !serverless_v1(m) && m->spec.n_instances > 0) {
			for (i = 0; i < m->spec.n_instances; i++)
				if (m->spec.instances[i].name != NULL)
					add_want(out, m, (enum ag_alarm_kind)k,
					    m->spec.instances[i].name);
		} else {
			add_want(out, m, (enum ag_alarm_kind)k, NULL);
		}
	}
}

void
ag_alarm_wants_release(struct ag_alarm_wants *w)
{
	size_t i;

	for (i = 0; i < w->n; i++) {
		free(w->v[i].name);
		free(w->v[i].description);
		free(w->v[i].dim_value);
	}
	free(w->v);
	memset(w, 0, sizeof(*w));
}

bool
ag_alarm_named_for(const char *name, const char *cluster_id)
{
	size_t np = strlen(AG_ALARM_PREFIX), nc = strlen(cluster_id);

	return name != NULL && strncmp(name, AG_ALARM_PREFIX, np) == 0 &&
	       strncmp(name + np, cluster_id, nc) == 0 && name[np + nc] == '/';
}

bool
ag_alarm_is_ours(const struct ag_observed_alarm *a, const char *cluster_id)
{
	size_t n, nm = strlen(AG_ALARM_MARK);

	if (!ag_alarm_named_for(a->name, cluster_id) || a->description == NULL)
		return false;
	n = strlen(a->description);
	return n >= nm && strcmp(a->description + n - nm, AG_ALARM_MARK) == 0;
}

int
ag_alarm_kind_of_name(const char *name)
{
	const char *p = name != NULL ? strrchr(name, '/') : NULL;

	return p != NULL ? ag_alarm_kind_of(p + 1) : -1;
}

static bool
eq(const char *a, const char *b)
{
	return strcmp(a != NULL ? a : "", b != NULL ? b : "") == 0;
}

static bool
only(const struct ag_strlist *l, const char *v)
{
	if (v == NULL)
		return l->n == 0;
	return l->n == 1 && strcmp(l->v[0], v) == 0;
}

const char *
ag_alarm_diff(const struct ag_alarm_want *w, const struct ag_observed_alarm *a)
{
	if (!eq(a->metric, w->metric) || !eq(a->namespace_, "AWS/RDS"))
		return "metric";
	if (!eq(a->statistic, w->statistic))
		return "statistic";
	if (a->dimensions.n != 1 || !eq(a->dimensions.v[0].key, w->dim_name) ||
	    !eq(a->dimensions.v[0].value, w->dim_value))
		return "dimensions";
	if (!eq(a->comparison, w->comparison))
		return "comparison";
	if (fabs(a->threshold - w->threshold) > 1e-9 * (fabs(w->threshold) + 1))
		return "threshold";
	if (a->period != w->period)
		return "period";
	if (a->evaluation_periods != w->evaluation_periods)
		return "evaluationPeriods";
	if (!only(&a->alarm_actions, w->sns) || !only(&a->ok_actions, w->sns) ||
	    (w->sns != NULL && !a->actions_enabled))
		return "snsTopicArn";
	if (!eq(a->treat_missing, w->treat_missing))
		return "treatMissingData";
	if (!eq(a->description, w->description))
		return "description";
	return NULL;
}

static const char *
op(const char *comparison)
{
	if (eq(comparison, "GreaterThanThreshold"))
		return ">";
	if (eq(comparison, "LessThanThreshold"))
		return "<";
	if (eq(comparison, "GreaterThanOrEqualToThreshold"))
		return ">=";
	if (eq(comparison, "LessThanOrEqualToThreshold"))
		return "<=";
	return comparison != NULL ? comparison : "?";
}

static char *
text(const char *metric, const char *stat, const char *cmp, double threshold, int evals, int period,
    const char *sns)
{
	char *t = ag_norm_number(threshold);
	char *s = ag_xasprintf("%s %s %s %s for %d x %d s%s%s", metric != NULL ? metric : "?",
	    stat != NULL ? stat : "?", op(cmp), t, evals, period, sns != NULL ? ", notify " : "",
	    sns != NULL ? sns : "");

	free(t);
	return s;
}

char *
ag_alarm_want_text(const struct ag_alarm_want *w)
{
	return text(w->metric, w->statistic, w->comparison, w->threshold, w->evaluation_periods,
	    w->period, w->sns);
}

char *
ag_alarm_live_text(const struct ag_observed_alarm *a)
{
	return text(a->metric, a->statistic, a->comparison, a->threshold, a->evaluation_periods,
	    a->period, a->alarm_actions.n > 0 ? a->alarm_actions.v[0] : NULL);
}

void
ag_alarm_put_params(struct ag_kvlist *p, const struct ag_alarm_want *w)
{
	char *t = ag_norm_number(w->threshold);

	ag_kvlist_add(p, "AlarmName", w->name);
	ag_kvlist_add(p, "AlarmDescription", w->description);
	ag_kvlist_add(p, "ActionsEnabled", "true");
	if (w->sns != NULL) {
		ag_kvlist_add(p, "OKActions.member.1", w->sns);
		ag_kvlist_add(p, "AlarmActions.member.1", w->sns);
	}
	ag_kvlist_add(p, "MetricName", w->metric);
	ag_kvlist_add(p, "Namespace", "AWS/RDS");
	ag_kvlist_add(p, "Statistic", w->statistic);
	ag_kvlist_add(p, "Dimensions.member.1.Name", w->dim_name);
	ag_kvlist_add(p, "Dimensions.member.1.Value", w->dim_value);
	ag_kvlist_addf(p, "Period", "%d", w->period);
	ag_kvlist_addf(p, "EvaluationPeriods", "%d", w->evaluation_periods);
	ag_kvlist_add(p, "Threshold", t);
	ag_kvlist_add(p, "ComparisonOperator", w->comparison);
	ag_kvlist_add(p, "TreatMissingData", w->treat_missing);
	free(t);
}

const char *
ag_alarm_check_sns_arn(const char *s)
{
	const char *p = s;
	size_t i, n;

	if (strncmp(p, "arn:aws", 7) != 0)
		goto bad;
	p += 7;
	if (*p == '-')
		while (isalnum((unsigned char)*p) || *p == '-')
			p++;
	if (strncmp(p, ":sns:", 5) != 0)
		goto bad;
	p += 5;
	while (islower((unsigned char)*p) || isdigit((unsigned char)*p) || *p == '-')
		p++;
	if (*p++ != ':')
		goto bad;
	for (i = 0; i < 12; i++)
		if (!isdigit((unsigned char)p[i]))
			goto bad;
	p += 12;
	if (*p++ != ':')
		goto bad;
	n = strlen(p);
	if (n < 1 || n > 256)
		goto bad;
	for (i = 0; i < n; i++)
		if (!isalnum((unsigned char)p[i]) && p[i] != '-' && p[i] != '_' &&
		    !(p[i] == '.' && strcmp(p + i, ".fifo") == 0))
			goto bad;
	return NULL;
bad:
	return "expected the ARN of an SNS topic, arn:aws:sns:<region>:<12-digit account>:<topic "
	       "name of 1 to 256 letters, digits, - and _>";
}

const char *
ag_alarm_check_period(long s)
{
	if (s >= 60 && s <= 86400 && s % 60 == 0)
		return NULL;
	return "RDS publishes its metrics every 60 seconds, so the period is a multiple of 60 up "
	       "to 86400 (AWS: valid values are 10, 20, 30 and any multiple of 60; the shorter "
	       "ones need high-resolution metrics)";
}
