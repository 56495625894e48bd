#ifndef AG_CORE_PLAN_INT_H
#define AG_CORE_PLAN_INT_H

/*
 * Internal to the planner: plan.c walks the field table and the RDS and
 * EC2 resources; the resources of other services have files of their own
 * (plan_kms.c: the cluster's KMS key, plan_autoscaling.c: reader Auto
 * Scaling) that add changes and actions through these.
 */
#include "core/plan.h"

struct ag_change *ag_plan_change_add(struct ag_cluster_plan *cp, enum ag_field f, const char *name,
    const char *path, const char *committed, const char *live, enum ag_update_class klass,
    enum ag_change_state state, const char *note);
/* Marks a change as lowering protection; with forbid (the weakening policy)
 * it is also blocked, and true is returned: send nothing for it. */
bool ag_plan_mark_weakening(struct ag_change *c, bool forbid);
struct ag_action *ag_plan_action_add(struct ag_cluster_plan *cp, enum ag_action_kind k,
    const char *target, enum ag_update_class klass, enum ag_action_wait wait);

/* Adds the JSON text of a string / integer / number / boolean as the
 * parameter key of a JSON 1.1 action (see enum ag_action_kind). */
void ag_plan_json_str(struct ag_action *a, const char *key, const char *value);
void ag_plan_json_int(struct ag_action *a, const char *key, long value);
void ag_plan_json_num(struct ag_action *a, const char *key, double value);
void ag_plan_json_bool(struct ag_action *a, const char *key, bool value);
/* Adds key with the JSON text of j, and releases j. */
struct json_t;
void ag_plan_json_value(struct ag_action *a, const char *key, struct json_t *j);

/*
 * spec.kmsKey (plan_kms.c): before a create, the key, its alias and its
 * rotation; on a live cluster, rotation drift, and the key the cluster is
 * encrypted with. Never a deletion: the key outlives the cluster.
 */
void ag_plan_kms(struct ag_cluster_plan *cp, const struct ag_plan_input *in,
    const struct ag_manifest *m, const struct ag_db_cluster *live);

/*
 * spec.autoscaling (plan_autoscaling.c): the scalable target and the
 * agent's target-tracking policy, registered after the cluster's
 * instances, corrected in place, deregistered with enabled: false.
 * ag_plan_autoscaling_delete: a cluster about to be deleted loses its
 * target first, so no reader is added while it goes.
 */
void ag_plan_autoscaling(struct ag_cluster_plan *cp, const struct ag_plan_input *in,
    const struct ag_manifest *m, bool creating);
void ag_plan_autoscaling_delete(struct ag_cluster_plan *cp, const struct ag_plan_input *in);

#endif
