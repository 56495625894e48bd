#include "aws/autoscaling.h"
#include "core/mem.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "core/compat.h"

#define MAX_PAGES 1000
#define DIMENSION "rds:cluster:ReadReplicaCount"

static const char *
jstr(const json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

/* "cluster:<id>" -> "<id>", else NULL. */
static const char *
cluster_of(const char *resource_id)
{
	if (resource_id == NULL || strncmp(resource_id, "cluster:", 8) != 0 ||
	    resource_id[8] == '\0')
		return NULL;
	return resource_id + 8;
}

typedef int (*page_fn)(
    struct ag_observed *o, const char *policy_name, json_t *item, struct ag_error *err);

/* One paginated Describe* of namespace rds on the reader dimension. */
static int
describe_all(struct ag_aws_client *c, const char *action, const char *list_key, int per_page,
    page_fn fn, const char *policy_name, struct ag_observed *o, struct ag_error *err)
{
	char *next = NULL;
	size_t pages, j;
	int rc = 0;

	for (pages = 0; pages < MAX_PAGES; pages++) {
		json_t *req = json_pack("{s:s,s:s,s:i}", "ServiceNamespace", "rds",
		           "ScalableDimension", DIMENSION, "MaxResults", per_page),
		       *r = NULL, *list, *it;

		if (next != NULL)
			json_object_set_new(req, "NextToken", json_string(next));
		rc = ag_aws_json_call(c, AG_AWS_AAS, action, req, &r, err);
		json_decref(req);
		if (rc != 0)
			break;
		list = json_object_get(r, list_key);
		if (!json_is_array(list)) {
			json_decref(r);
			rc = ag_error_set(err, AG_EAWS,
			    "application-autoscaling %s: the reply holds no %s", action, list_key);
			break;
		}
		json_array_foreach(list, j, it)
		{
			if ((rc = fn(o, policy_name, it, err)) != 0)
				break;
		}
		free(next);
		next = jstr(r, "NextToken") != NULL && jstr(r, "NextToken")[0] != '\0'
		           ? ag_xstrdup(jstr(r, "NextToken"))
		           : NULL;
		json_decref(r);
		if (rc != 0 || next == NULL)
			break;
	}
	if (rc == 0 && next != NULL)
		rc = ag_error_set(err, AG_EAWS, "application-autoscaling %s: more than %d pages",
		    action, MAX_PAGES);
	free(next);
	return rc;
}

static int
on_target(struct ag_observed *o, const char *policy_name, json_t *it, struct ag_error *err)
{
	const char *id = cluster_of(jstr(it, "ResourceId"));
	json_t *mn = json_object_get(it, "MinCapacity"), *mx = json_object_get(it, "MaxCapacity");
	struct ag_observed_scaling *s;

	(void)policy_name;
	if (id == NULL || (jstr(it, "ScalableDimension") != NULL &&
	                      strcmp(jstr(it, "ScalableDimension"), DIMENSION) != 0))
		return 0;
	if (!json_is_integer(mn) || !json_is_integer(mx))
		return ag_error_set(err, AG_EAWS,
		    "application-autoscaling DescribeScalableTargets: target '%s' holds no "
		    "MinCapacity/MaxCapacity",
		    jstr(it, "ResourceId"));
	if (ag_observed_find_scaling(o, id) != NULL)
		return 0;
	s = ag_observed_add_scaling(o);
	s->cluster_id = ag_xstrdup(id);
	s->min_capacity = (int)json_integer_value(mn);
	s->max_capacity = (int)json_integer_value(mx);
	return 0;
}

static int
on_policy(struct ag_observed *o, const char *policy_name, json_t *it, struct ag_error *err)
{
	const char *id = cluster_of(jstr(it, "ResourceId")), *name = jstr(it, "PolicyName");
	json_t *cfg = json_object_get(it, "TargetTrackingScalingPolicyConfiguration"), *v;
	struct ag_observed_scaling *s = NULL;
	size_t i;

	for (i = 0; id != NULL && i < o->n_scaling; i++)
		if (strcmp(o->scaling[i].cluster_id, id) == 0)
			s = &o->scaling[i];
	if (s == NULL)
		return 0; /* a policy without a target: nothing to compare it with */
	if (name == NULL || strcmp(name, policy_name) != 0) {
		s->other_policies++;
		return 0;
	}
	if (!json_is_object(cfg) || !json_is_number(json_object_get(cfg, "TargetValue")))
		return ag_error_set(err, AG_EAWS,
		    "application-autoscaling DescribeScalingPolicies: policy '%s' of '%s' holds "
		    "no target-tracking configuration",
		    name, id);
	s->has_policy = true;
	s->target_value = json_number_value(json_object_get(cfg, "TargetValue"));
	free(s->metric);
	s->metric = ag_xstrdup(
	    jstr(json_object_get(cfg, "PredefinedMetricSpecification"), "PredefinedMetricType"));
	if (json_is_integer(v = json_object_get(cfg, "ScaleInCooldown")))
		s->scale_in_cooldown = (int)json_integer_value(v);
	if (json_is_integer(v = json_object_get(cfg, "ScaleOutCooldown")))
		s->scale_out_cooldown = (int)json_integer_value(v);
	s->disable_scale_in = json_is_true(json_object_get(cfg, "DisableScaleIn"));
	return 0;
}

int
ag_aas_read_rds(
    struct ag_aws_client *c, const char *policy_name, struct ag_observed *o, struct ag_error *err)
{
	int rc;

	/* AWS pages targets by up to 50, policies by up to 10 */
	rc = describe_all(
	    c, "DescribeScalableTargets", "ScalableTargets", 50, on_target, policy_name, o, err);
	if (rc == 0)
		rc = describe_all(c, "DescribeScalingPolicies", "ScalingPolicies", 10, on_policy,
		    policy_name, o, err);
	if (rc == 0)
		o->scaling_loaded = true;
	return rc;
}
