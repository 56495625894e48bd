#ifndef AG_CORE_PLAN_H
#define AG_CORE_PLAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/error.h"
#include "core/fieldtab.h"
#include "core/kv.h"
#include "core/manifest.h"
#include "core/observed.h"

/*
 * The plan: a pure function of the manifests, the observed snapshot, the
 * caller's password state and `now`. Same inputs give the same plan and the
 * same digest. See docs/drift.md (rules) and docs/plan-format.md (JSON).
 *
 * Values not known at plan time are placeholders the executor resolves:
 *   {{secret:spec.password}}  the opened master password of that cluster
 *   {{sg:<cluster-id>}}        the GroupId returned by the create-security-group
 *                              action of that cluster earlier in the plan
 * A plan never contains a password.
 */
#define AG_PLACEHOLDER_PASSWORD "{{secret:spec.password}}"
#define AG_PLACEHOLDER_SG_FMT "{{sg:%s}}"
/* {{kms:<cluster-id>}}: the KeyId of the key the create-kms-key action of
 * that cluster made (or found under its alias) earlier in the plan. */
#define AG_PLACEHOLDER_KMS_FMT "{{kms:%s}}"

#define AG_MANAGED_TAG_KEY "managed-by"
#define AG_MANAGED_TAG_VALUE "aurora-gitops"
/* The record of the tag keys the agent set from a manifest (labels, org,
 * env), space-separated and sorted: only these are ever removed. */
#define AG_OWNED_TAG_KEY "aurora-gitops/labels"
#define AG_TAG_VALUE_MAX 256
#define AG_PARAMS_PER_CALL 20
/* Readers that Aurora Auto Scaling adds carry this identifier prefix. */
#define AG_AUTOSCALING_PREFIX "application-autoscaling-"
#define AG_PLAN_MAX_DELETES_DEFAULT 1
/* spec.autoscaling: the agent's target-tracking policy on the scalable
 * target "cluster:<id>" of this dimension (namespace rds). */
#define AG_SCALING_POLICY_NAME "aurora-gitops-readers"
#define AG_SCALING_DIMENSION "rds:cluster:ReadReplicaCount"

/* State of spec.password as the caller knows it (keyed hash of the last
 * applied value, kept outside the core). */
enum ag_password_state {
	AG_PW_NONE = 0, /* no password in the manifest, or Secrets Manager manages it */
	AG_PW_SAME,     /* the desired value's hash equals the last applied one */
	AG_PW_CHANGED,  /* the desired value differs from the last applied one */
	AG_PW_UNKNOWN,  /* no record yet: never sent to an existing cluster */
	AG_PW_ERROR,    /* the sealed value could not be opened: cluster status error */
};

struct ag_password_info {
	const char *cluster_id;
	enum ag_password_state state;
	const char *message; /* AG_PW_ERROR: why (no secret in it) */
	/* Keyed hash (hex) of the desired secret, NULL = none. Bound into the
	 * plan digest of a cluster whose actions send the password, so a
	 * password swapped after review changes the digest; never the value. */
	const char *secret_hash;
};

struct ag_plan_index;

struct ag_plan_input {
	const struct ag_manifest_set *manifests;
	const struct ag_observed *observed;
	enum ag_mode default_mode;         /* AG_MODE_UNSET is treated as AG_MODE_PLAN */
	int64_t now;                       /* seconds since the epoch, UTC */
	int max_deletes;                   /* deletions allowed in one run; 0 refuses all */
	const char *const *cluster_filter; /* NULL/0 = every cluster */
	size_t n_cluster_filter;
	const struct ag_password_info *passwords; /* missing entry: NONE when the
	                                           * manifest has no password, else UNKNOWN */
	size_t n_passwords;
	bool include_unmanaged; /* list live clusters without our tag as "unmanaged" */
	bool forbid_weakening;  /* repository policy: a change that lowers protection is
	                         * blocked (also per manifest: aurora-gitops/weakening) */
	/* private: sorted lookups ag_plan_compute makes for its own use; leave NULL */
	const struct ag_plan_index *index;
};

/* Zeroes in and sets max_deletes = AG_PLAN_MAX_DELETES_DEFAULT, default_mode = plan. */
void ag_plan_input_init(struct ag_plan_input *in);

enum ag_cluster_status {
	AG_STATUS_UNCHANGED = 0,
	AG_STATUS_CREATE,
	AG_STATUS_UPDATE,
	AG_STATUS_BLOCKED,
	AG_STATUS_DELETE,
	AG_STATUS_SUSPENDED,
	AG_STATUS_ORPHANED,  /* live, carries managed-by=aurora-gitops, no manifest */
	AG_STATUS_UNMANAGED, /* live, no manifest, not ours (only with include_unmanaged) */
	AG_STATUS_ERROR,
};

/* "unchanged", "create", "update", "blocked", "delete", "suspended", "orphaned",
 * "unmanaged", "error". */
const char *ag_cluster_status_name(enum ag_cluster_status s);
/* "observe", "plan", "apply" ("plan" for UNSET). */
const char *ag_mode_name(enum ag_mode m);

enum ag_change_state {
	AG_CHANGE_SEND = 0, /* an action in this plan carries it */
	AG_CHANGE_PENDING,  /* already pending in AWS (PendingModifiedValues): not re-sent */
	AG_CHANGE_BLOCKED,  /* create-only or refused: no action */
	AG_CHANGE_INFO,     /* informational: no action (e.g. live newer, password not verified) */
};

/* "send", "pending-until-window", "blocked", "info". */
const char *ag_change_state_name(enum ag_change_state s);

struct ag_change {
	enum ag_field field; /* AG_F__COUNT for metadata (tags, deletion) */
	char *name;          /* "engineVersion", "instances", "tags", "deletion", "password" */
	char *path;          /* "spec.engineVersion", "spec.instances[db-2].instanceClass" */
	char *committed;     /* display string; "(absent)" when not in the manifest */
	char *live;          /* display string; "(absent)" when not live */
	enum ag_update_class klass;
	enum ag_change_state state;
	char *note;   /* hint, "deferred until …", "live is newer …"; may be NULL */
	bool weakens; /* lowers the cluster's protection (docs/drift.md): every
	               * report marks it "⚠ weakens protection" */
};

enum ag_action_kind {
	AG_ACT_CREATE_SECURITY_GROUP =
	    0,                         /* ec2 CreateSecurityGroup: result GroupId -> {{sg:<id>}} */
	AG_ACT_AUTHORIZE_INGRESS,      /* ec2 AuthorizeSecurityGroupIngress */
	AG_ACT_CREATE_SUBNET_GROUP,    /* rds CreateDBSubnetGroup */
	AG_ACT_CREATE_PARAM_GROUP,     /* rds CreateDBClusterParameterGroup */
	AG_ACT_MODIFY_PARAM_GROUP,     /* rds ModifyDBClusterParameterGroup (<= 20 params) */
	AG_ACT_CREATE_CLUSTER,         /* rds CreateDBCluster */
	AG_ACT_RESTORE_CLUSTER,        /* rds RestoreDBClusterFromSnapshot */
	AG_ACT_MODIFY_CLUSTER,         /* rds ModifyDBCluster */
	AG_ACT_PROMOTE_REPLICA,        /* rds PromoteReadReplicaDBCluster */
	AG_ACT_SET_HTTP_ENDPOINT,      /* rds EnableHttpEndpoint / DisableHttpEndpoint */
	AG_ACT_CREATE_INSTANCE,        /* rds CreateDBInstance */
	AG_ACT_MODIFY_INSTANCE,        /* rds ModifyDBInstance */
	AG_ACT_DELETE_INSTANCE,        /* rds DeleteDBInstance */
	AG_ACT_ADD_TAGS,               /* rds AddTagsToResource */
	AG_ACT_REMOVE_TAGS,            /* rds RemoveTagsFromResource */
	AG_ACT_DELETE_CLUSTER,         /* rds DeleteDBCluster */
	AG_ACT_RESET_PARAM_GROUP,      /* rds ResetDBClusterParameterGroup (<= 20 params) */
	AG_ACT_REVOKE_INGRESS,         /* ec2 RevokeSecurityGroupIngress (one rule) */
	AG_ACT_MODIFY_SUBNET_GROUP,    /* rds ModifyDBSubnetGroup */
	AG_ACT_ENSURE_MONITORING_ROLE, /* iam GetRole, else CreateRole + AttachRolePolicy:
	                                * result Arn -> {{role:<name>}} */
	AG_ACT_PUT_ALARM,              /* monitoring PutMetricAlarm (creates or replaces) */
	AG_ACT_DELETE_ALARMS,          /* monitoring DeleteAlarms (<= 100 names) */
	/* JSON 1.1 services: each parameter's value is the JSON text of that
	 * top-level member of the request ("\"rds\"", "5", "{...}") */
	AG_ACT_KMS_CREATE_KEY,             /* kms CreateKey: result KeyId -> {{kms:<id>}} */
	AG_ACT_KMS_CREATE_ALIAS,           /* kms CreateAlias */
	AG_ACT_KMS_SET_ROTATION,           /* kms EnableKeyRotation / DisableKeyRotation */
	AG_ACT_SCALING_REGISTER,           /* application-autoscaling RegisterScalableTarget */
	AG_ACT_SCALING_PUT_POLICY,         /* application-autoscaling PutScalingPolicy */
	AG_ACT_SCALING_DEREGISTER,         /* application-autoscaling DeregisterScalableTarget */
	AG_ACT_REBOOT_INSTANCE,            /* rds RebootDBInstance (pending static parameters) */
	AG_ACT_CREATE_GLOBAL_CLUSTER,      /* rds CreateGlobalCluster */
	AG_ACT_REMOVE_FROM_GLOBAL_CLUSTER, /* rds RemoveFromGlobalCluster (explicit detach) */
	AG_ACT__COUNT
};

/* "create-security-group", "authorize-ingress", "create-subnet-group",
 * "create-param-group", "modify-param-group", "create-cluster",
 * "restore-cluster", "modify-cluster", "promote-replica", "set-http-endpoint",
 * "create-instance", "modify-instance", "delete-instance", "add-tags",
 * "remove-tags", "delete-cluster", "reset-param-group", "revoke-ingress",
 * "modify-subnet-group", "ensure-monitoring-role", "put-alarm", "delete-alarms",
 * "create-kms-key", "create-kms-alias", "set-key-rotation",
 * "register-scalable-target", "put-scaling-policy", "deregister-scalable-target",
 * "reboot-instance", "create-global-cluster", "remove-from-global-cluster". */
const char *ag_action_kind_name(enum ag_action_kind k);

/* What the executor waits for after the call succeeds. */
enum ag_action_wait {
	AG_WAIT_NONE = 0,
	AG_WAIT_CLUSTER_AVAILABLE,
	AG_WAIT_INSTANCE_AVAILABLE,
	AG_WAIT_INSTANCE_DELETED,
	AG_WAIT_CLUSTER_DELETED,
};

struct ag_action {
	enum ag_action_kind kind;
	const char *api;         /* "rds" | "ec2" | "iam" | "monitoring" | "kms" |
	                            "application-autoscaling" (static string) */
	const char *action;      /* Query Action name, e.g. "ModifyDBCluster" (static) */
	char *target;            /* the resource acted on: cluster, instance, group id/name */
	struct ag_kvlist params; /* exact Query parameters (no Action/Version), in order */
	enum ag_update_class klass;
	enum ag_action_wait wait;
	bool blocked; /* never execute */
	char *blocked_reason;
};

struct ag_cluster_plan {
	char *id; /* cluster identifier */
	enum ag_cluster_status status;
	enum ag_mode mode; /* effective mode */
	bool execute;      /* mode apply, actions present, nothing blocked */
	char *reason;      /* blocked / suspended / error / refused deletion; may be NULL */
	char *source;      /* "<file>:<line>" of the manifest; NULL for orphans */
	struct ag_change *changes;
	size_t n_changes;
	size_t cap_changes;
	struct ag_action *actions; /* in execution order */
	size_t n_actions;
	size_t cap_actions;
	struct ag_strlist notes; /* cluster-level notes, e.g. expired suspend */
	char digest[65];         /* SHA-256 hex of the identity of the actions (see
	                          * ag_plan_compute_digests) */
};

struct ag_plan_summary {
	size_t changed; /* create + update + delete + blocked */
	size_t unchanged;
	size_t blocked;
	size_t create;
	size_t update;
	size_t delete_;
	size_t suspended;
	size_t orphaned;
	size_t unmanaged;
	size_t errors;
};

struct ag_plan {
	struct ag_cluster_plan *clusters; /* sorted by id */
	size_t n_clusters;
	size_t cap_clusters;
	struct ag_plan_summary summary;
	int64_t now;
	char digest[65]; /* SHA-256 hex over the canonical JSON of every cluster's actions */
};

void ag_plan_init(struct ag_plan *p);
void ag_plan_release(struct ag_plan *p);

/*
 * Computes the plan. Returns 0, or AG_EINVAL on misuse of the input (no
 * manifests/observed). Per-cluster problems never fail the call: they become
 * status error / blocked with a reason.
 */
int ag_plan_compute(struct ag_plan *out, const struct ag_plan_input *in, struct ag_error *err);

/*
 * (Re)computes every digest of p. A digest is identity, not prose: SHA-256
 * over canonical JSON (sorted keys, compact) of each action's kind, API,
 * Action, target and parameters, plus the keyed hash of the secret a
 * cluster's actions send ({"actions": [...], "secrets": {...}}). Notes,
 * reasons, classes and every display string are outside it, so rewording
 * a message changes no digest. passwords as in struct ag_plan_input.
 */
void ag_plan_compute_digests(
    struct ag_plan *p, const struct ag_password_info *passwords, size_t n_passwords);

/* Finds a cluster plan by id, or NULL. */
const struct ag_cluster_plan *ag_plan_find(const struct ag_plan *p, const char *id);

/* True when any cluster is blocked or has a refused deletion (exit code 3). */
bool ag_plan_has_blocked(const struct ag_plan *p);
/* True when any cluster would change (exit code 2). */
bool ag_plan_has_changes(const struct ag_plan *p);

/*
 * Canonical JSON (jansson, sorted keys, compact) of a live cluster and its
 * instances (instances sorted by id, lists sorted) hashed with SHA-256 into
 * out (65 bytes, hex + NUL). The executor's loop breaker: the same failing
 * action is not retried for the same commit + live digest.
 */
void ag_observed_cluster_digest(
    char out[65], const struct ag_observed *o, const struct ag_db_cluster *c);

#endif
