/*
 * Performance Insights and Enhanced Monitoring per instance: the cluster's
 * settings, the instance's overrides and the defaults merged into what one
 * instance should have; the AWS value rules; the CreateDBInstance
 * parameters. The drift comparison is in plan.c (plan_instance_insights).
 */
#include <ctype.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "core/insights.h"
#include "core/mem.h"

#include "core/compat.h"

void
ag_pi_spec_release(struct ag_pi_spec *p)
{
	free(p->kms_key_id);
	memset(p, 0, sizeof(*p));
}

void
ag_monitoring_spec_release(struct ag_monitoring_spec *p)
{
	free(p->role_arn);
	free(p->role_name);
	memset(p, 0, sizeof(*p));
}

static bool
prefix(const char *s, const char *p)
{
	return s != NULL && strncmp(s, p, strlen(p)) == 0;
}

bool
ag_insights_pi_supported(const char *engine, const char *instance_class)
{
	if (engine == NULL || strcmp(engine, "aurora-mysql") != 0 || instance_class == NULL)
		return true;
	return !(prefix(instance_class, "db.t2.") || prefix(instance_class, "db.t3.") ||
	         strcmp(instance_class, "db.t4g.micro") == 0 ||
	         strcmp(instance_class, "db.t4g.small") == 0);
}

void
ag_insights_want(
    struct ag_insights_want *w, const struct ag_manifest *m, const struct ag_instance_spec *is)
{
	const struct ag_pi_spec *cp = ag_spec_pi(&m->spec),
	                        *ip = is != NULL ? ag_instance_pi(is) : NULL;
	const struct ag_monitoring_spec *cm = ag_spec_monitoring(&m->spec),
	                                *im = is != NULL ? ag_instance_monitoring(is) : NULL;
	const char *klass = is != NULL ? is->instance_class : NULL;

	memset(w, 0, sizeof(*w));
	if (ip != NULL && ip->has_enabled) {
		w->pi_written = true;
		w->pi_enabled = ip->enabled;
	} else if (cp->has_enabled) {
		w->pi_written = true;
		w->pi_enabled = cp->enabled;
	} else {
		/* the default: on where AWS offers it (a written true on a class
		 * without it is a validation error instead) */
		w->pi_enabled = ag_insights_pi_supported(m->spec.engine, klass);
	}
	w->pi_retention =
	    ip != NULL && ip->retention_period > 0 ? ip->retention_period : cp->retention_period;
	w->pi_kms = ip != NULL && ip->kms_key_id != NULL ? ip->kms_key_id : cp->kms_key_id;

	if (im != NULL && im->has_interval) {
		w->interval_written = true;
		w->interval = im->interval;
	} else if (cm->has_interval) {
		w->interval_written = true;
		w->interval = cm->interval;
	} else {
		w->interval = AG_MONITORING_DEFAULT_INTERVAL;
	}
	w->role_arn = im != NULL && im->role_arn != NULL ? im->role_arn : cm->role_arn;
	if (im != NULL && im->has_create_role)
		w->create_role = im->create_role;
	else if (cm->has_create_role)
		w->create_role = cm->create_role;
	else
		w->create_role = w->role_arn == NULL;
	w->role_name = im != NULL && im->role_name != NULL
	                   ? im->role_name
	                   : (cm->role_name != NULL ? cm->role_name : AG_MONITORING_DEFAULT_ROLE);
	if (w->interval > 0 && w->role_arn == NULL && !w->create_role && !w->interval_written)
		w->interval = 0; /* a default never asks for a role nobody gave */
}

const char *
ag_insights_check_retention(long d)
{
	if (d == 7 || d == 731 || (d >= 31 && d <= 23 * 31 && d % 31 == 0))
		return NULL;
	return "AWS accepts 7, a number of months from 1 to 23 times 31 (31, 62, ..., 713), "
	       "or 731 days";
}

const char *
ag_insights_check_interval(long s)
{
	if (s == 0 || s == 1 || s == 5 || s == 10 || s == 15 || s == 30 || s == 60)
		return NULL;
	return "AWS accepts 0, 1, 5, 10, 15, 30 or 60 seconds";
}

static bool
role_char(int c)
{
	return isalnum(c) || strchr("+=,.@_-", c) != NULL;
}

const char *
ag_insights_check_role_name(const char *s)
{
	size_t i, n = strlen(s);

	if (n < 1 || n > 64)
		return "an IAM role name has 1 to 64 characters";
	for (i = 0; i < n; i++)
		if (!role_char((unsigned char)s[i]))
			return "an IAM role name has only letters, digits and + = , . @ _ -";
	return NULL;
}

const char *
ag_insights_check_role_arn(const char *s)
{
	const char *p = s, *q;
	size_t i;

	if (!prefix(p, "arn:aws"))
		goto bad;
	p += 7;
	if (*p == '-') /* aws-cn, aws-us-gov */
		while (isalnum((unsigned char)*p) || *p == '-')
			p++;
	if (!prefix(p, ":iam::"))
		goto bad;
	p += 6;
	for (i = 0; i < 12; i++)
		if (!isdigit((unsigned char)p[i]))
			goto bad;
	p += 12;
	if (!prefix(p, ":role/"))
		goto bad;
	p += 6;
	q = strrchr(p, '/');
	q = q != NULL ? q + 1 : p;
	if (*q == '\0' || strlen(p) > 512)
		goto bad;
	for (; *p != '\0'; p++)
		if (!role_char((unsigned char)*p) && *p != '/')
			goto bad;
	return NULL;
bad:
	return "expected the ARN of an IAM role, arn:aws:iam::<12-digit account>:role/<name>";
}

char *
ag_insights_role_value(const struct ag_insights_want *w)
{
	if (w->interval == 0)
		return NULL;
	if (w->role_arn != NULL)
		return ag_xstrdup(w->role_arn);
	return ag_xasprintf(AG_PLACEHOLDER_ROLE_FMT, w->role_name);
}

void
ag_insights_create_params(struct ag_kvlist *p, const struct ag_insights_want *w)
{
	char *role = ag_insights_role_value(w);

	ag_kvlist_add(p, "EnablePerformanceInsights", w->pi_enabled ? "true" : "false");
	if (w->pi_enabled && w->pi_kms != NULL)
		ag_kvlist_add(p, "PerformanceInsightsKMSKeyId", w->pi_kms);
	if (w->pi_enabled && w->pi_retention > 0)
		ag_kvlist_addf(p, "PerformanceInsightsRetentionPeriod", "%d", w->pi_retention);
	ag_kvlist_addf(p, "MonitoringInterval", "%d", w->interval);
	if (role != NULL)
		ag_kvlist_add(p, "MonitoringRoleArn", role);
	free(role);
}
