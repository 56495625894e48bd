/*
 * spec.autoscaling: reader Auto Scaling through Application Auto Scaling.
 * The scalable target (rds:cluster:ReadReplicaCount of "cluster:<id>")
 * holds min/max readers; the agent's one target-tracking policy
 * (AG_SCALING_POLICY_NAME) holds the metric, target and cooldowns. Other
 * policies on the target are left alone. Readers Auto Scaling adds are
 * never deleted by the instance reconciler (plan.c, AG_AUTOSCALING_PREFIX).
 */
#include "core/mem.h"
#include "core/normalize.h"
#include "core/plan_int.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/compat.h"

#define PATH "spec.autoscaling"

static char *
resource_id(const char *cluster)
{
	return ag_xasprintf("cluster:%s", cluster);
}

static void
target_params(struct ag_action *a, const char *cluster)
{
	char *rid = resource_id(cluster);

	ag_plan_json_str(a, "ServiceNamespace", "rds");
	ag_plan_json_str(a, "ResourceId", rid);
	ag_plan_json_str(a, "ScalableDimension", AG_SCALING_DIMENSION);
	free(rid);
}

/* The live target in the display form of the desired one. */
static char *
live_text(const struct ag_observed_scaling *t)
{
	struct ag_autoscaling_spec s;
	char *txt;

	if (t == NULL)
		return NULL;
	if (!t->has_policy)
		return ag_xasprintf("readers=%d..%d,no policy named %s", t->min_capacity,
		    t->max_capacity, AG_SCALING_POLICY_NAME);
	memset(&s, 0, sizeof(s));
	s.enabled = true;
	s.min_readers = t->min_capacity;
	s.max_readers = t->max_capacity;
	s.metric = t->metric;
	s.target_value = t->target_value;
	s.scale_in_cooldown = t->scale_in_cooldown;
	s.scale_out_cooldown = t->scale_out_cooldown;
	s.disable_scale_in = t->disable_scale_in;
	txt = ag_autoscaling_text(&s);
	return txt;
}

static bool
same_number(double a, double b)
{
	char *x = ag_norm_number(a), *y = ag_norm_number(b);
	bool same = strcmp(x, y) == 0;

	free(x);
	free(y);
	return same;
}

/* A cooldown left out of the manifest is whatever AWS keeps (300 s). */
static bool
same_policy(const struct ag_autoscaling_spec *a, const struct ag_observed_scaling *t)
{
	return t->has_policy && t->metric != NULL && a->metric != NULL &&
	       strcmp(t->metric, a->metric) == 0 && same_number(t->target_value, a->target_value) &&
	       (a->scale_in_cooldown < 0 || a->scale_in_cooldown == t->scale_in_cooldown) &&
	       (a->scale_out_cooldown < 0 || a->scale_out_cooldown == t->scale_out_cooldown) &&
	       a->disable_scale_in == t->disable_scale_in;
}

static void
deregister(struct ag_cluster_plan *cp)
{
	struct ag_action *a = ag_plan_action_add(
	    cp, AG_ACT_SCALING_DEREGISTER, cp->id, AG_CLASS_IN_PLACE, AG_WAIT_NONE);

	target_params(a, cp->id);
}

void
ag_plan_autoscaling(struct ag_cluster_plan *cp, const struct ag_plan_input *in,
    const struct ag_manifest *m, bool creating)
{
	const struct ag_autoscaling_spec *s = ag_spec_autoscaling(&m->spec);
	const struct ag_observed_scaling *t;
	struct ag_action *a;
	char *want, *have, *rid;
	json_t *cfg;

	if (!ag_manifest_has(m, AG_F_AUTOSCALING))
		return; /* not written: whatever is there is not the agent's to change */
	want = ag_autoscaling_text(s);
	if (!in->observed->scaling_loaded) {
		ag_plan_change_add(cp, AG_F_AUTOSCALING, "autoscaling", PATH, want, "(not read)",
		    AG_CLASS_BLOCKED, AG_CHANGE_BLOCKED,
		    "the scalable targets were not read, so reader Auto Scaling cannot be "
		    "compared; nothing is sent without that");
		free(want);
		return;
	}
	t = creating ? NULL : ag_observed_find_scaling(in->observed, cp->id);
	have = live_text(t);
	if (!s->enabled) {
		if (t != NULL) {
			ag_plan_change_add(cp, AG_F_AUTOSCALING, "autoscaling", PATH, want, have,
			    AG_CLASS_IN_PLACE, AG_CHANGE_SEND,
			    "deregistered: the target and its policies go; the readers it added "
			    "stay until removed by hand");
			deregister(cp);
		}
		goto out;
	}
	if (t != NULL && t->min_capacity == s->min_readers && t->max_capacity == s->max_readers &&
	    same_policy(s, t))
		goto out;
	ag_plan_change_add(cp, AG_F_AUTOSCALING, "autoscaling", PATH, want, have, AG_CLASS_IN_PLACE,
	    AG_CHANGE_SEND,
	    t != NULL && t->other_policies > 0
	        ? "other scaling policies on this target are left as they are"
	        : NULL);
	if (t == NULL || t->min_capacity != s->min_readers || t->max_capacity != s->max_readers) {
		a = ag_plan_action_add(
		    cp, AG_ACT_SCALING_REGISTER, cp->id, AG_CLASS_IN_PLACE, AG_WAIT_NONE);
		target_params(a, cp->id);
		ag_plan_json_int(a, "MinCapacity", s->min_readers);
		ag_plan_json_int(a, "MaxCapacity", s->max_readers);
	}
	if (t == NULL || !same_policy(s, t)) {
		a = ag_plan_action_add(
		    cp, AG_ACT_SCALING_PUT_POLICY, cp->id, AG_CLASS_IN_PLACE, AG_WAIT_NONE);
		ag_plan_json_str(a, "PolicyName", AG_SCALING_POLICY_NAME);
		ag_plan_json_str(a, "PolicyType", "TargetTrackingScaling");
		rid = resource_id(cp->id);
		ag_plan_json_str(a, "ResourceId", rid);
		free(rid);
		ag_plan_json_str(a, "ScalableDimension", AG_SCALING_DIMENSION);
		ag_plan_json_str(a, "ServiceNamespace", "rds");
		cfg = json_pack("{s:f,s:{s:s},s:b}", "TargetValue", s->target_value,
		    "PredefinedMetricSpecification", "PredefinedMetricType", s->metric,
		    "DisableScaleIn", s->disable_scale_in);
		if (s->scale_in_cooldown >= 0)
			json_object_set_new(
			    cfg, "ScaleInCooldown", json_integer(s->scale_in_cooldown));
		if (s->scale_out_cooldown >= 0)
			json_object_set_new(
			    cfg, "ScaleOutCooldown", json_integer(s->scale_out_cooldown));
		ag_plan_json_value(a, "TargetTrackingScalingPolicyConfiguration", cfg);
	}
out:
	free(want);
	free(have);
}

void
ag_plan_autoscaling_delete(struct ag_cluster_plan *cp, const struct ag_plan_input *in)
{
	if (in->observed->scaling_loaded && ag_observed_find_scaling(in->observed, cp->id) != NULL)
		deregister(cp);
}
