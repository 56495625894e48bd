#ifndef AG_CORE_OBSERVED_H
#define AG_CORE_OBSERVED_H

#include <stdbool.h>
#include <stddef.h>

#include "core/arena.h"
#include "core/intern.h"
#include "core/kv.h"

/*
 * Live state as RDS describes it. The AWS layer decodes Describe replies into
 * these; the planner compares them with manifests. Strings are NULL when the
 * element was absent from the reply. Tags are in `tags` (key -> value).
 *
 * A cluster or instance decoded into a set (pooled true) keeps its strings,
 * lists, tags and members in the set's string store (ag_observed.strings):
 * they are read-only, freed with the set, and releasing the record frees
 * none of them. Any other record owns its strings one by one (malloc'd),
 * as code that fills a record by hand does.
 */

struct ag_db_cluster_member {
	char *instance_id;
	char *param_group_status; /* DBClusterParameterGroupStatus: "in-sync", "pending-reboot" */
	bool is_writer;
	int promotion_tier;
};

struct ag_cluster_pending {
	bool present; /* a PendingModifiedValues element was there */
	char *engine_version;
	int backup_retention_period; /* -1 = not pending */
	bool master_user_password;   /* a password change is pending */
	int iam_auth;                /* -1 not pending, else 0/1 */
	char *storage_type;
	struct ag_strlist enable_log_types;
	struct ag_strlist disable_log_types;
};

struct ag_db_cluster {
	char *id; /* DBClusterIdentifier */
	char *arn;
	char *resource_id;
	char *status;
	char *engine;
	char *engine_version;
	char *engine_mode;
	char *database_name;
	char *master_username;
	char *db_subnet_group;
	char *db_cluster_parameter_group;
	char *preferred_backup_window;
	char *preferred_maintenance_window;
	char *kms_key_id;
	char *storage_type;
	char *replication_source_identifier;
	char *endpoint;
	char *reader_endpoint;
	char *hosted_zone_id;
	char *network_type;
	char *local_write_forwarding_status; /* enabled, disabled, enabling, ... */
	char *engine_lifecycle_support;
	char *global_cluster_identifier;
	int backtrack_window;
	int port;
	int backup_retention_period;
	bool storage_encrypted;
	bool deletion_protection;
	bool iam_database_authentication_enabled;
	bool copy_tags_to_snapshot;
	bool http_endpoint_enabled;
	bool auto_minor_version_upgrade;
	bool multi_az;
	bool publicly_accessible;
	bool pooled; /* strings, lists, tags and members in the set's store */
	struct ag_strlist enabled_cloudwatch_logs_exports;
	struct ag_strlist availability_zones;
	struct ag_strlist vpc_security_group_ids;
	struct ag_strlist custom_endpoints; /* CustomEndpoints: host names */
	bool has_serverless_v2;
	double serverless_v2_min_capacity;
	double serverless_v2_max_capacity;
	int serverless_v2_seconds_until_auto_pause; /* 0 = not reported */
	char *scaling_configuration;  /* ScalingConfigurationInfo, canonical as in the spec */
	char *master_user_secret_arn; /* set when ManageMasterUserPassword is on */
	char *master_user_secret_status;
	char *master_user_secret_kms_key_id;
	struct ag_cluster_pending pending;
	struct ag_db_cluster_member *members;
	size_t n_members;
	struct ag_kvlist tags;
};

struct ag_db_instance {
	char *id; /* DBInstanceIdentifier */
	char *arn;
	char *cluster_id;
	char *instance_class;
	char *status;
	char *engine;
	char *engine_version;
	char *availability_zone;
	char *endpoint_address;
	int promotion_tier;
	bool auto_minor_version_upgrade;
	bool publicly_accessible;
	bool pooled;                  /* strings and tags in the set's store */
	char *pending_instance_class; /* PendingModifiedValues/DBInstanceClass */
	/* Performance Insights and Enhanced Monitoring; has_* false when the
	 * reply lacked the element (then nothing is compared, never "off") */
	bool has_pi;
	bool pi_enabled;
	int pi_retention; /* 0 = not reported */
	char *pi_kms_key_id;
	bool has_monitoring;
	int monitoring_interval;
	char *monitoring_role_arn;
	char *db_parameter_group; /* DBParameterGroups/DBParameterGroup/DBParameterGroupName */
	char *ca_certificate_identifier; /* CACertificateIdentifier */
	char *pending_ca;                /* PendingModifiedValues/CACertificateIdentifier */
	struct ag_kvlist tags;
};

/* A parameter as DescribeDBClusterParameters reports it. */
struct ag_observed_param {
	char *name;
	char *value;
	char *apply_method;
	char *apply_type; /* "static" | "dynamic" */
	char *source;     /* "user", "engine-default", "system" */
	bool is_modifiable;
};

/* A DB cluster parameter group. Parameters are only read for groups that a
 * manifest declares parameters for (params_loaded). */
struct ag_db_cluster_param_group {
	char *name;
	char *family;
	char *arn;
	char *description;
	bool params_loaded;
	struct ag_observed_param *params;
	size_t n_params;
	size_t cap_params;
};

/* One ingress permission of a security group: protocol, port range, and one
 * source (an IPv4 CIDR or a security group id). */
struct ag_observed_rule {
	char *protocol; /* "tcp", "-1" */
	int from_port;
	int to_port;
	char *cidr;     /* NULL when the source is a group */
	char *group_id; /* NULL when the source is a CIDR */
};

/* A security group the agent made for a cluster (named after it). */
struct ag_observed_sg {
	char *id;
	char *name;
	char *vpc_id;
	struct ag_observed_rule *rules;
	size_t n_rules;
};

/* A DB subnet group and its subnets. */
struct ag_observed_subnet_group {
	char *name;
	struct ag_strlist subnet_ids;
};

/* A CloudWatch metric alarm whose name starts with the agent's prefix. */
struct ag_observed_alarm {
	char *name;
	char *description;
	char *metric;
	char *namespace_;
	char *statistic;
	char *comparison;
	char *treat_missing;
	struct ag_kvlist dimensions; /* name -> value */
	int period;
	int evaluation_periods;
	double threshold;
	bool actions_enabled;
	struct ag_strlist alarm_actions;
	struct ag_strlist ok_actions;
};

/* A KMS key found through the alias a manifest's kmsKey names. */
struct ag_observed_kms_key {
	char *alias; /* "alias/orders-db" */
	char *key_id;
	char *arn;
	char *state;  /* KeyState: Enabled, Disabled, PendingDeletion, ... */
	int rotation; /* -1 unknown, 0 off, 1 on */
};

/* A scalable target on rds:cluster:ReadReplicaCount and the agent's
 * target-tracking policy on it (has_policy false: none of that name). */
struct ag_observed_scaling {
	char *cluster_id; /* from ResourceId "cluster:<id>" */
	int min_capacity;
	int max_capacity;
	bool has_policy;
	char *metric; /* PredefinedMetricType */
	double target_value;
	int scale_in_cooldown; /* -1 absent */
	int scale_out_cooldown;
	bool disable_scale_in;
	size_t other_policies; /* policies on the target that are not the agent's */
};

/* An Aurora global database and its member clusters (by ARN). */
struct ag_observed_global {
	char *id;
	char *engine;
	char *engine_version;
	char *writer_arn; /* NULL = no primary */
	struct ag_strlist members;
};

/* A snapshot of a region: every cluster and instance the agent looked at. */
struct ag_observed {
	struct ag_db_cluster *clusters;
	size_t n_clusters;
	size_t cap_clusters;
	struct ag_db_instance *instances;
	size_t n_instances;
	size_t cap_instances;
	struct ag_db_cluster_param_group *param_groups;
	size_t n_param_groups;
	size_t cap_param_groups;
	/* Network state, read once per cycle for the whole fleet; compared
	 * only when loaded (a failed or skipped read never looks empty). */
	bool sgs_loaded;
	struct ag_observed_sg *sgs;
	size_t n_sgs;
	size_t cap_sgs;
	bool subnet_groups_loaded;
	struct ag_observed_subnet_group *subnet_groups;
	size_t n_subnet_groups;
	size_t cap_subnet_groups;
	/* Subnets whose route table sends the default route to an internet
	 * gateway: subnet id -> igw id (only the subnets manifests use). */
	bool routes_loaded;
	struct ag_kvlist public_subnets;
	/* CloudWatch alarms named "aurora-gitops/...": read once for the fleet,
	 * only when some manifest has spec.alarms or a deletion tombstone. */
	bool alarms_loaded;
	struct ag_observed_alarm *alarms;
	size_t n_alarms;
	size_t cap_alarms;
	/* KMS keys by alias, read only for manifests with kmsKey. */
	bool kms_loaded;
	struct ag_observed_kms_key *kms_keys;
	size_t n_kms_keys;
	size_t cap_kms_keys;
	/* Reader Auto Scaling targets (namespace rds), read only when some
	 * manifest has autoscaling. */
	bool scaling_loaded;
	struct ag_observed_scaling *scaling;
	size_t n_scaling;
	size_t cap_scaling;
	/* Global databases, read once per cycle when a manifest names one. */
	bool globals_loaded;
	struct ag_observed_global *globals;
	size_t n_globals;
	size_t cap_globals;
	/* Lookup indexes (ag_observed_index): clusters and instances sorted by
	 * identifier, instances sorted by cluster. They point into the arrays
	 * above, so any add drops them (indexed false) and the lookups fall
	 * back to a scan until the next ag_observed_index. */
	bool indexed;
	const struct ag_db_cluster **cluster_idx;
	size_t n_cluster_idx;
	const struct ag_db_instance **instance_idx;
	size_t n_instance_idx;
	const struct ag_db_instance **member_idx;
	size_t n_member_idx;
	/* The string store of the pooled clusters and instances: unique
	 * values (identifiers, ARNs, endpoints) copied into the arena,
	 * repeated ones (engine, version, class, zone, status, group names,
	 * KMS key and role ARNs, tags) interned once. */
	struct ag_arena strings;
	struct ag_intern interned;
};

void ag_observed_init(struct ag_observed *o);
void ag_observed_release(struct ag_observed *o);
void ag_db_cluster_release(struct ag_db_cluster *c);
void ag_db_instance_release(struct ag_db_instance *i);
/* Sorts the lookup indexes, so that finding a cluster or an instance, and
 * the instances of a cluster, take O(log n) instead of a scan of the fleet
 * (a plan over N clusters would otherwise cost O(N^2) comparisons). Call it
 * after filling o; adding to o drops the indexes again. */
void ag_observed_index(struct ag_observed *o);
/* The instances whose cluster_id is id, in the order of o->instances, into
 * *out (a new array the caller frees; NULL when none); returns how many. */
size_t ag_observed_instances_of(
    const struct ag_db_instance ***out, const struct ag_observed *o, const char *id);
/* Moves every cluster and instance of src, and the string store they
 * live in, to the end of dst (src keeps none; dst's indexes are dropped).
 * When dst has none yet it takes src's arrays themselves, trimmed to their
 * length (no second fleet-sized copy while moving). */
void ag_observed_take_rds(struct ag_observed *dst, struct ag_observed *src);
/* Appends a zeroed entry and returns it (owned by o). */
struct ag_db_cluster *ag_observed_add_cluster(struct ag_observed *o);
struct ag_db_instance *ag_observed_add_instance(struct ag_observed *o);
struct ag_db_cluster_param_group *ag_observed_add_param_group(struct ag_observed *o);
struct ag_observed_param *ag_param_group_add_param(struct ag_db_cluster_param_group *g);
const struct ag_db_cluster_param_group *ag_observed_find_param_group(
    const struct ag_observed *o, const char *name);
void ag_db_cluster_param_group_release(struct ag_db_cluster_param_group *g);
struct ag_observed_sg *ag_observed_add_sg(struct ag_observed *o);
struct ag_observed_rule *ag_observed_sg_add_rule(struct ag_observed_sg *g);
struct ag_observed_subnet_group *ag_observed_add_subnet_group(struct ag_observed *o);
struct ag_observed_alarm *ag_observed_add_alarm(struct ag_observed *o);
void ag_observed_alarm_release(struct ag_observed_alarm *a);
const struct ag_observed_alarm *ag_observed_find_alarm(
    const struct ag_observed *o, const char *name);
/* The agent's security group of a cluster: named cluster_id (ASCII
 * case-insensitive) and, when vpc_id is given, in that VPC; NULL if none. */
const struct ag_observed_sg *ag_observed_find_sg(
    const struct ag_observed *o, const char *cluster_id, const char *vpc_id);
struct ag_observed_global *ag_observed_add_global(struct ag_observed *o);
/* A global database by identifier (ASCII case-insensitive), or NULL. */
const struct ag_observed_global *ag_observed_find_global(
    const struct ag_observed *o, const char *id);
const struct ag_observed_subnet_group *ag_observed_find_subnet_group(
    const struct ag_observed *o, const char *name);
struct ag_observed_kms_key *ag_observed_add_kms_key(struct ag_observed *o);
const struct ag_observed_kms_key *ag_observed_find_kms_key(
    const struct ag_observed *o, const char *alias);
struct ag_observed_scaling *ag_observed_add_scaling(struct ag_observed *o);
const struct ag_observed_scaling *ag_observed_find_scaling(
    const struct ag_observed *o, const char *cluster_id);
const struct ag_db_cluster *ag_observed_find_cluster(const struct ag_observed *o, const char *id);
const struct ag_db_instance *ag_observed_find_instance(const struct ag_observed *o, const char *id);

#endif
