#ifndef AG_AWS_RDS_H
#define AG_AWS_RDS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "aws/batch.h"
#include "aws/client.h"
#include "aws/query.h"
#include "core/observed.h"

/*
 * RDS operations (API 2014-10-31). Arguments: client first, inputs, then
 * outputs, then err. Mutating calls take the exact Query parameters in
 * params (the plan carries them), e.g. DBClusterIdentifier, Engine,
 * Tags.Tag.1.Key; see aws/query.h for list helpers. Output pointers may be
 * NULL when the caller does not need the decoded reply. Describe calls
 * follow Marker until it is absent (MaxRecords 100) and take filters as
 * name -> value pairs (a repeated name gives several values).
 */

/* Decoders (also used by the unit tests on captured replies). */
void ag_rds_decode_cluster(struct ag_db_cluster *out, const struct ag_xml_node *n);
void ag_rds_decode_instance(struct ag_db_instance *out, const struct ag_xml_node *n);
/* The same into a new record of o (pooled: its strings in o's string
 * store, read-only), identifiers in lower case, as the describe calls
 * read them. */
struct ag_db_cluster *ag_rds_add_cluster(struct ag_observed *o, const struct ag_xml_node *n);
struct ag_db_instance *ag_rds_add_instance(struct ag_observed *o, const struct ag_xml_node *n);

/* The fleet read: DescribeDBClusters + DescribeDBInstances, all pages, into
 * out (appended), the two streams concurrently (aws/batch.h). Nothing is
 * appended when either fails. */
int ag_rds_describe_all(struct ag_aws_client *c, const struct ag_kvlist *filters,
    struct ag_observed *out, struct ag_error *err);
/* The same two streams added to a batch, to run alongside other reads. */
void ag_rds_batch_describe_all(
    struct ag_aws_batch *b, const struct ag_kvlist *filters, struct ag_observed *out);

/* Values per Filter in one describe call. */
#define AG_RDS_FILTER_VALUES 100

/*
 * Only the named clusters (and, when instances, their DB instances):
 * Filter db-cluster-id, at most AG_RDS_FILTER_VALUES identifiers per call,
 * each call paginated, each a stream of its own run concurrently (at most
 * AG_AWS_MAX_IN_FLIGHT at once); appended to out in the order of the
 * identifiers, nothing when one fails. An identifier that does not exist
 * is absent from out, not an error.
 */
int ag_rds_describe_clusters_by_id(struct ag_aws_client *c, const char *const *ids, size_t n,
    bool instances, struct ag_observed *out, struct ag_error *err);
void ag_rds_batch_clusters_by_id(struct ag_aws_batch *b, const char *const *ids, size_t n,
    bool instances, struct ag_observed *out);

/* id NULL: all. Appends to out. A missing id is AG_ENOTFOUND. */
int ag_rds_describe_db_clusters(struct ag_aws_client *c, const char *id,
    const struct ag_kvlist *filters, struct ag_observed *out, struct ag_error *err);
int ag_rds_describe_db_instances(struct ag_aws_client *c, const char *id,
    const struct ag_kvlist *filters, struct ag_observed *out, struct ag_error *err);

int ag_rds_create_db_cluster(struct ag_aws_client *c, const struct ag_kvlist *params,
    struct ag_db_cluster *out, struct ag_error *err);
int ag_rds_modify_db_cluster(struct ag_aws_client *c, const struct ag_kvlist *params,
    struct ag_db_cluster *out, struct ag_error *err);
int ag_rds_delete_db_cluster(struct ag_aws_client *c, const struct ag_kvlist *params,
    struct ag_db_cluster *out, struct ag_error *err);
int ag_rds_restore_db_cluster_from_snapshot(struct ag_aws_client *c, const struct ag_kvlist *params,
    struct ag_db_cluster *out, struct ag_error *err);
int ag_rds_promote_read_replica_db_cluster(struct ag_aws_client *c, const char *cluster_id,
    struct ag_db_cluster *out, struct ag_error *err);

int ag_rds_create_db_instance(struct ag_aws_client *c, const struct ag_kvlist *params,
    struct ag_db_instance *out, struct ag_error *err);
int ag_rds_modify_db_instance(struct ag_aws_client *c, const struct ag_kvlist *params,
    struct ag_db_instance *out, struct ag_error *err);
int ag_rds_delete_db_instance(struct ag_aws_client *c, const struct ag_kvlist *params,
    struct ag_db_instance *out, struct ag_error *err);

/* DB subnet groups. */
struct ag_rds_subnet_group {
	char *name;
	char *description;
	char *vpc_id;
	char *status;
	char *arn;
	struct ag_strlist subnet_ids;
	struct ag_strlist subnet_azs; /* parallel to subnet_ids */
};
void ag_rds_subnet_group_release(struct ag_rds_subnet_group *g);
void ag_rds_subnet_groups_free(struct ag_rds_subnet_group *v, size_t n);
void ag_rds_decode_subnet_group(struct ag_rds_subnet_group *out, const struct ag_xml_node *n);
int ag_rds_create_db_subnet_group(struct ag_aws_client *c, const struct ag_kvlist *params,
    struct ag_rds_subnet_group *out, struct ag_error *err);
int ag_rds_modify_db_subnet_group(struct ag_aws_client *c, const struct ag_kvlist *params,
    struct ag_rds_subnet_group *out, struct ag_error *err);
int ag_rds_delete_db_subnet_group(struct ag_aws_client *c, const char *name, struct ag_error *err);
/* name NULL: all. *out is a heap array of *n entries (ag_rds_subnet_groups_free). */
int ag_rds_describe_db_subnet_groups(struct ag_aws_client *c, const char *name,
    const struct ag_kvlist *filters, struct ag_rds_subnet_group **out, size_t *n,
    struct ag_error *err);
/* Every subnet group (all pages) as a stream of a batch: *out and *n are
 * set once the batch has succeeded (NULL and 0 until then). */
void ag_rds_batch_subnet_groups(
    struct ag_aws_batch *b, struct ag_rds_subnet_group **out, size_t *n);

/* Aurora global databases (DescribeGlobalClusters). */
struct ag_rds_global_cluster {
	char *id; /* GlobalClusterIdentifier */
	char *engine;
	char *engine_version;
	char *writer_arn;          /* the member with IsWriter true; NULL = none */
	struct ag_strlist members; /* DBClusterArn of every member */
};

void ag_rds_global_clusters_free(struct ag_rds_global_cluster *v, size_t n);
void ag_rds_decode_global_cluster(struct ag_rds_global_cluster *out, const struct ag_xml_node *n);
/* Every global cluster of the account (paginated). *out as for subnet groups. */
int ag_rds_describe_global_clusters(
    struct ag_aws_client *c, struct ag_rds_global_cluster **out, size_t *n, struct ag_error *err);

/* DB cluster parameter groups. */
struct ag_rds_cluster_param_group {
	char *name;
	char *family;
	char *description;
	char *arn;
};
void ag_rds_cluster_param_group_release(struct ag_rds_cluster_param_group *g);
void ag_rds_cluster_param_groups_free(struct ag_rds_cluster_param_group *v, size_t n);
int ag_rds_create_db_cluster_parameter_group(struct ag_aws_client *c,
    const struct ag_kvlist *params, struct ag_rds_cluster_param_group *out, struct ag_error *err);
int ag_rds_modify_db_cluster_parameter_group(struct ag_aws_client *c, const char *name,
    const struct ag_aws_param_setting *settings, size_t n, struct ag_error *err);
/* reset_all, or the named settings (value ignored). */
int ag_rds_reset_db_cluster_parameter_group(struct ag_aws_client *c, const char *name,
    bool reset_all, const struct ag_aws_param_setting *settings, size_t n, struct ag_error *err);
int ag_rds_delete_db_cluster_parameter_group(
    struct ag_aws_client *c, const char *name, struct ag_error *err);
int ag_rds_describe_db_cluster_parameter_groups(struct ag_aws_client *c, const char *name,
    const struct ag_kvlist *filters, struct ag_rds_cluster_param_group **out, size_t *n,
    struct ag_error *err);

struct ag_rds_parameter {
	char *name;
	char *value; /* NULL when unset */
	char *description;
	char *source; /* "engine-default", "user", "system" */
	char *apply_type;
	char *data_type;
	char *allowed_values;
	char *apply_method;
	char *minimum_engine_version;
	bool is_modifiable;
};
void ag_rds_parameters_free(struct ag_rds_parameter *v, size_t n);
/* source: NULL (all), "user", "engine-default", "system". */
int ag_rds_describe_db_cluster_parameters(struct ag_aws_client *c, const char *group,
    const char *source, const struct ag_kvlist *filters, struct ag_rds_parameter **out, size_t *n,
    struct ag_error *err);

/* DB cluster snapshots. */
struct ag_rds_cluster_snapshot {
	char *id;
	char *cluster_id;
	char *arn;
	char *status;
	char *engine;
	char *engine_version;
	char *snapshot_type;
	char *create_time;
	char *kms_key_id;
	char *vpc_id;
	int port;
	int percent_progress;
	bool storage_encrypted;
	struct ag_kvlist tags;
};
void ag_rds_cluster_snapshot_release(struct ag_rds_cluster_snapshot *s);
void ag_rds_cluster_snapshots_free(struct ag_rds_cluster_snapshot *v, size_t n);
void ag_rds_decode_cluster_snapshot(
    struct ag_rds_cluster_snapshot *out, const struct ag_xml_node *n);
int ag_rds_create_db_cluster_snapshot(struct ag_aws_client *c, const struct ag_kvlist *params,
    struct ag_rds_cluster_snapshot *out, struct ag_error *err);
/* cluster_id / snapshot_id NULL: not sent. */
int ag_rds_describe_db_cluster_snapshots(struct ag_aws_client *c, const char *cluster_id,
    const char *snapshot_id, const struct ag_kvlist *filters, struct ag_rds_cluster_snapshot **out,
    size_t *n, struct ag_error *err);
int ag_rds_delete_db_cluster_snapshot(
    struct ag_aws_client *c, const char *snapshot_id, struct ag_error *err);

/* Tags (resource = ARN). */
int ag_rds_add_tags(
    struct ag_aws_client *c, const char *arn, const struct ag_kvlist *tags, struct ag_error *err);
int ag_rds_remove_tags(
    struct ag_aws_client *c, const char *arn, const struct ag_strlist *keys, struct ag_error *err);
int ag_rds_list_tags(
    struct ag_aws_client *c, const char *arn, struct ag_kvlist *out, struct ag_error *err);

/*
 * Waiters, polling Describe every poll_ms until the state holds or
 * timeout_ms passes (AG_ETIMEOUT, naming the last status seen), on the
 * client's clock. Available: every matching resource "available"; fails
 * at once on deleted/deleting/failed/incompatible-restore/
 * incompatible-parameters. Deleted: gone (NotFound or empty); fails at
 * once on creating/modifying/rebooting/resetting-master-credentials.
 * botocore uses poll 30 s, 60 attempts.
 */
int ag_rds_wait_cluster_available(struct ag_aws_client *c, const char *id, int64_t poll_ms,
    int64_t timeout_ms, struct ag_error *err);
int ag_rds_wait_cluster_deleted(struct ag_aws_client *c, const char *id, int64_t poll_ms,
    int64_t timeout_ms, struct ag_error *err);
int ag_rds_wait_instance_available(struct ag_aws_client *c, const char *id, int64_t poll_ms,
    int64_t timeout_ms, struct ag_error *err);
int ag_rds_wait_instance_deleted(struct ag_aws_client *c, const char *id, int64_t poll_ms,
    int64_t timeout_ms, struct ag_error *err);

/*
 * The general waiter behind those four. progress (may be NULL) is called
 * after every poll with the status seen. Once the client's stop flag is
 * set the waiter returns AG_ESTOPPED after its current poll, naming the
 * last status.
 */
struct ag_rds_waiter {
	bool instance;     /* a DB instance, else a DB cluster */
	bool want_deleted; /* wait for it to be gone, else available */
	const char *id;
	int64_t poll_ms;
	int64_t timeout_ms;
	void (*progress)(void *ctx, const char *kind, const char *id, const char *status,
	    const char *goal, int64_t elapsed_ms);
	void *ctx;
};
int ag_rds_wait(struct ag_aws_client *c, const struct ag_rds_waiter *w, struct ag_error *err);

/* Runbook reads (show, events). */
struct ag_rds_event {
	char *source_id;
	char *source_type;
	char *date; /* ISO 8601 as AWS sent it */
	char *message;
	struct ag_strlist categories;
};
void ag_rds_events_free(struct ag_rds_event *v, size_t n);
/* DescribeEvents for one source (SourceType e.g. "db-cluster") since
 * start_iso (ISO 8601 UTC), all pages, oldest first as AWS returns them. */
int ag_rds_describe_events(struct ag_aws_client *c, const char *source_id, const char *source_type,
    const char *start_iso, struct ag_rds_event **out, size_t *n, struct ag_error *err);

struct ag_rds_pending_action {
	char *resource; /* ResourceIdentifier (an ARN) */
	char *action;   /* "system-update", "db-upgrade", ... */
	char *description;
	char *auto_applied_after;
	char *forced_apply;
	char *current_apply;
	char *opt_in_status;
};
void ag_rds_pending_actions_free(struct ag_rds_pending_action *v, size_t n);
/* DescribePendingMaintenanceActions filtered by db-cluster-id (the
 * cluster) or db-instance-id (each of instance_ids), all pages. */
int ag_rds_describe_pending_maintenance(struct ag_aws_client *c, const char *filter_name,
    const struct ag_strlist *ids, struct ag_rds_pending_action **out, size_t *n,
    struct ag_error *err);

#endif
