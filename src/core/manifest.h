#ifndef AG_CORE_MANIFEST_H
#define AG_CORE_MANIFEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/diag.h"
#include "core/kv.h"

/*
 * The AwsRdsCluster v1 manifest model (aws.project-planton.org/v1) plus the
 * aurora-gitops extensions. See docs/manifest-reference.md for every field.
 *
 * Zero values mean "absent" the way the reference loader treats proto3
 * scalars (an absent backupRetentionPeriod and 0 are the same), except
 * where a field has an explicit presence bit in ag_manifest.present.
 */

/* Every spec field, in the order of the reference field table, then our
 * extensions. Used for presence bits, source positions and the drift
 * field table (core/fieldtab.h). */
enum ag_field {
	AG_F_SUBNET_IDS = 0,
	AG_F_DB_SUBNET_GROUP_NAME,
	AG_F_SECURITY_GROUP_IDS,
	AG_F_ALLOWED_CIDR_BLOCKS,
	AG_F_ASSOCIATE_SECURITY_GROUP_IDS,
	AG_F_DATABASE_NAME,
	AG_F_MANAGE_MASTER_USER_PASSWORD,
	AG_F_MASTER_USER_SECRET_KMS_KEY_ID,
	AG_F_USERNAME,
	AG_F_PASSWORD,
	AG_F_PORT,
	AG_F_ENGINE,
	AG_F_ENGINE_VERSION,
	AG_F_STORAGE_ENCRYPTED,
	AG_F_KMS_KEY_ID,
	AG_F_ENABLED_CLOUDWATCH_LOGS_EXPORTS,
	AG_F_DELETION_PROTECTION,
	AG_F_PREFERRED_MAINTENANCE_WINDOW,
	AG_F_BACKUP_RETENTION_PERIOD,
	AG_F_PREFERRED_BACKUP_WINDOW,
	AG_F_COPY_TAGS_TO_SNAPSHOT,
	AG_F_SKIP_FINAL_SNAPSHOT,
	AG_F_FINAL_SNAPSHOT_IDENTIFIER,
	AG_F_IAM_DATABASE_AUTHENTICATION_ENABLED,
	AG_F_ENABLE_HTTP_ENDPOINT,
	AG_F_SERVERLESS_V2_SCALING,
	AG_F_SNAPSHOT_IDENTIFIER,
	AG_F_REPLICATION_SOURCE_IDENTIFIER,
	AG_F_DB_CLUSTER_PARAMETER_GROUP_NAME,
	AG_F_PARAMETERS,
	AG_F_VPC_ID,
	AG_F_ENGINE_MODE,
	AG_F_STORAGE_TYPE,
	/* aurora-gitops extensions */
	AG_F_INSTANCES,
	AG_F_APPLY_IMMEDIATELY,
	AG_F_ALLOW_MAJOR_VERSION_UPGRADE,
	AG_F_AUTO_MINOR_VERSION_UPGRADE,
	AG_F_NETWORK_TYPE,
	AG_F_PERFORMANCE_INSIGHTS,
	AG_F_MONITORING,
	AG_F_ALARMS,
	AG_F_KMS_KEY,
	AG_F_AUTOSCALING,
	AG_F_BACKTRACK_WINDOW,
	AG_F_ENABLE_LOCAL_WRITE_FORWARDING,
	AG_F_ENGINE_LIFECYCLE_SUPPORT,
	AG_F_SCALING_CONFIGURATION,
	AG_F_GLOBAL_CLUSTER_IDENTIFIER,
	AG_F_DB_INSTANCE_PARAMETER_GROUP_NAME,
	AG_F_CA_CERTIFICATE_IDENTIFIER,
	AG_F__COUNT
};

/* The YAML key of a field ("backupRetentionPeriod"). */
const char *ag_field_yaml_name(enum ag_field f);

/* A position in a source file; 1-based, 0 = unknown. */
struct ag_pos {
	unsigned line;
	unsigned col;
};

struct ag_param {
	char *name;
	char *value;
	char *apply_method; /* "immediate" | "pending-reboot"; NULL = immediate */
	struct ag_pos pos;
};

/*
 * spec.performanceInsights, and the same map on one instance
 * (spec.instances[].performanceInsights) where it overrides the cluster's
 * member by member. Every member records whether it was written: an
 * absent member never turns off or lowers what is live (docs/drift.md).
 */
struct ag_pi_spec {
	bool has_enabled;
	bool enabled;
	int retention_period; /* days: 7, 31 * (1..23) or 731; 0 = not written */
	char *kms_key_id;     /* key id, ARN or alias; NULL = not written */
	struct ag_pos pos;    /* of the map's key, 0 = not written */
};

/* spec.monitoring (Enhanced Monitoring), and per instance likewise. */
struct ag_monitoring_spec {
	bool has_interval;
	int interval;   /* seconds: 0, 1, 5, 10, 15, 30 or 60 */
	char *role_arn; /* MonitoringRoleArn; NULL = not written */
	bool has_create_role;
	bool create_role; /* the agent makes the role (IAM) when it is missing */
	char *role_name;  /* of the role it makes; NULL = rds-monitoring-role */
	struct ag_pos pos;
};

/* The CloudWatch alarms of spec.alarms (core/alarms.h has their metrics). */
enum ag_alarm_kind {
	AG_ALARM_CPU = 0,       /* cpu: CPUUtilization, per instance */
	AG_ALARM_MEMORY,        /* freeableMemory: FreeableMemory, per instance */
	AG_ALARM_LOCAL_STORAGE, /* freeLocalStorage: FreeLocalStorage, per instance */
	AG_ALARM_REPLICA_LAG,   /* replicaLag: AuroraReplicaLagMaximum, per cluster */
	AG_ALARM_DEADLOCKS,     /* deadlocks: Deadlocks, per cluster */
	AG_ALARM_CAPACITY, /* capacity: ACUUtilization (v2) / ServerlessDatabaseCapacity (v1) */
	AG_ALARM__COUNT
};

/* One alarm of spec.alarms; zero members take the kind's defaults. */
struct ag_alarm_spec {
	bool written; /* the key is in the manifest */
	bool has_enabled;
	bool enabled;
	bool has_threshold;
	double threshold;
	int period;             /* seconds, 0 = default */
	int evaluation_periods; /* 0 = default */
	struct ag_pos pos;
};

struct ag_alarms_spec {
	char *sns_topic_arn; /* AlarmActions and OKActions; NULL = none */
	struct ag_alarm_spec kinds[AG_ALARM__COUNT];
};

/* One entry of spec.instances. */
struct ag_instance_spec {
	char *name;              /* DB instance identifier (lower-case) */
	char *instance_class;    /* e.g. "db.r6g.large", "db.serverless" */
	char *availability_zone; /* NULL = AWS chooses */
	/* overrides of spec.performanceInsights and spec.monitoring: NULL until
	 * written; read through ag_instance_pi / ag_instance_monitoring */
	struct ag_pi_spec *opt_pi;
	struct ag_monitoring_spec *opt_monitoring;
	struct ag_pos pos;
	struct ag_pos public_pos; /* of publiclyAccessible, 0 = not written */
	int promotion_tier;       /* 0..15 */
	bool publicly_accessible; /* default false; true needs aurora-gitops/public-access */
};

/* spec.kmsKey: a customer managed KMS key made for the cluster. */
struct ag_kms_key_spec {
	bool create;   /* must be true when the block is written */
	bool rotation; /* automatic yearly rotation; default true */
	char *alias;   /* "alias/<name>"; default "alias/<cluster id>" */
	struct ag_pos pos, rotation_pos, alias_pos;
};

/* spec.autoscaling: reader Auto Scaling (Application Auto Scaling,
 * rds:cluster:ReadReplicaCount, one target-tracking policy). */
struct ag_autoscaling_spec {
	bool enabled;          /* default true; false deregisters the target */
	int min_readers;       /* 0..15 */
	int max_readers;       /* 1..15, >= min */
	char *metric;          /* RDSReaderAverageCPUUtilization (default) or
	                          RDSReaderAverageDatabaseConnections */
	double target_value;   /* > 0; CPU at most 100 */
	int scale_in_cooldown; /* seconds, -1 = AWS default (300) */
	int scale_out_cooldown;
	bool disable_scale_in;
	struct ag_pos pos;
};

/* A field written as {valueFrom: {kind, name, fieldPath}} (core/ref.h). */
struct ag_ref {
	enum ag_field field;
	long index; /* item of a list field, -1 for a scalar field */
	char *kind; /* "AwsVpc", "AwsSubnet", "AwsSecurityGroup", "AwsKmsKey", "AwsRdsCluster" */
	char *name; /* the referenced resource's name */
	char *field_path; /* as written, NULL = the kind's default */
	char *env;        /* as written, NULL = not written (must be the manifest's env) */
	struct ag_pos env_pos;
	struct ag_pos pos; /* of the valueFrom key */
	char *value;       /* resolved value, NULL = not resolved (yet) */
	char *error;       /* why it could not be resolved, NULL = none */
};

enum ag_mode {
	AG_MODE_UNSET = 0, /* no annotation: the command's or config's mode */
	AG_MODE_OBSERVE,   /* read live state and report drift only */
	AG_MODE_PLAN,      /* compute and report plans; never mutate */
	AG_MODE_APPLY,     /* apply plans */
};

enum ag_deletion {
	AG_DELETION_RETAIN = 0, /* default: never delete */
	AG_DELETION_DELETE,     /* tombstone: delete with a final snapshot */
};

/* Serverless v1 (engineMode: serverless) scalingConfiguration: what the
 * manifest writes; 0 / -1 / NULL = not written (AWS keeps or picks it). */
struct ag_scaling_v1 {
	bool has;
	int min_capacity, max_capacity; /* ACUs */
	int auto_pause;                 /* -1 not written, else 0/1 */
	int seconds_until_auto_pause;   /* 300..86400 */
	char *timeout_action;           /* ForceApplyCapacityChange | RollbackCapacityChange */
	int seconds_before_timeout;     /* 60..600 */
};

/* Members grouped by size (pointers and lists, then numbers, then flags)
 * so that the struct has no padding; fields are found by name, never by
 * position (core/fieldtab.h uses offsetof). */
struct ag_cluster_spec {
	struct ag_strlist subnet_ids;
	char *db_subnet_group_name;
	struct ag_strlist security_group_ids;
	struct ag_strlist allowed_cidr_blocks;
	struct ag_strlist associate_security_group_ids;
	char *database_name;
	char *master_user_secret_kms_key_id;
	char *username; /* the loader applies the reference default "master" */
	char *password; /* plain text or "AGSEALED:v1:..."; never log */
	char *engine;
	char *engine_version;
	char *kms_key_id;
	struct ag_strlist enabled_cloudwatch_logs_exports;
	char *preferred_maintenance_window; /* as written; NULL = AWS picks */
	char *preferred_backup_window;      /* NULL = AWS picks */
	char *final_snapshot_identifier;
	char *snapshot_identifier;
	char *replication_source_identifier;
	char *db_cluster_parameter_group_name;
	struct ag_param *parameters;
	size_t n_parameters;
	char *vpc_id;
	char *engine_mode; /* NULL/"" = provisioned */
	char *storage_type;
	double serverless_v2_min_capacity;
	double serverless_v2_max_capacity;          /* 0 = not set */
	int serverless_v2_seconds_until_auto_pause; /* 0 = not set (AWS: 300 when min is 0) */
	int port;                                   /* 0 = engine default */
	int backup_retention_period;                /* 0 = AWS default (1) */
	bool manage_master_user_password;
	bool storage_encrypted;
	bool deletion_protection;
	bool copy_tags_to_snapshot;
	bool skip_final_snapshot;
	bool iam_database_authentication_enabled;
	bool enable_http_endpoint;
	bool has_serverless_v2;

	/* extensions */
	bool apply_immediately;
	bool allow_major_version_upgrade;
	bool auto_minor_version_upgrade; /* default true (see present bit) */
	bool enable_local_write_forwarding;
	int backtrack_window; /* seconds, aurora-mysql; written 0 = off (present bit) */
	struct ag_instance_spec *instances; /* count form expands to <id>-1..N */
	size_t n_instances;
	char *network_type;                     /* "IPV4" | "DUAL"; NULL = AWS picks (IPV4) */
	char *engine_lifecycle_support;         /* NULL = AWS default (extended support) */
	char *global_cluster_identifier;        /* Aurora global database to create or join */
	char *db_instance_parameter_group_name; /* DB parameter group of every instance */
	char *ca_certificate_identifier;        /* server certificate CA of every instance */
	/* The optional blocks: NULL until the manifest writes them (most write
	 * none), read through the accessors below (ag_spec_pi ...), which give
	 * an unwritten block as the all-zero one, what it always read as. */
	struct ag_pi_spec *opt_pi;                   /* spec.performanceInsights */
	struct ag_monitoring_spec *opt_monitoring;   /* spec.monitoring */
	struct ag_alarms_spec *opt_alarms;           /* spec.alarms (present bit AG_F_ALARMS) */
	struct ag_kms_key_spec *opt_kms_key;         /* present bit AG_F_KMS_KEY */
	struct ag_autoscaling_spec *opt_autoscaling; /* present bit AG_F_AUTOSCALING */
	struct ag_scaling_v1 *opt_scaling_v1;        /* Serverless v1 scalingConfiguration */
};

/*
 * Readers of the optional blocks. A block the manifest does not write reads
 * as a static all-zero instance: every member "not written" (has_* false,
 * NULL strings, zero positions), exactly as when the blocks were held inline
 * and zeroed, so "absent" keeps its meaning. Never written through.
 */
extern const struct ag_pi_spec ag_pi_spec_unwritten;
extern const struct ag_monitoring_spec ag_monitoring_spec_unwritten;
extern const struct ag_alarms_spec ag_alarms_spec_unwritten;
extern const struct ag_kms_key_spec ag_kms_key_spec_unwritten;
extern const struct ag_autoscaling_spec ag_autoscaling_spec_unwritten;
extern const struct ag_scaling_v1 ag_scaling_v1_unwritten;

#define AG_SPEC_BLOCK_READER(fn, type, holder, member)                                             \
	static inline const struct type *fn(const struct holder *h)                                \
	{                                                                                          \
		return h->member != NULL ? h->member : &type##_unwritten;                          \
	}
AG_SPEC_BLOCK_READER(ag_spec_pi, ag_pi_spec, ag_cluster_spec, opt_pi)
AG_SPEC_BLOCK_READER(ag_spec_monitoring, ag_monitoring_spec, ag_cluster_spec, opt_monitoring)
AG_SPEC_BLOCK_READER(ag_spec_alarms, ag_alarms_spec, ag_cluster_spec, opt_alarms)
AG_SPEC_BLOCK_READER(ag_spec_kms_key, ag_kms_key_spec, ag_cluster_spec, opt_kms_key)
AG_SPEC_BLOCK_READER(ag_spec_autoscaling, ag_autoscaling_spec, ag_cluster_spec, opt_autoscaling)
AG_SPEC_BLOCK_READER(ag_spec_scaling_v1, ag_scaling_v1, ag_cluster_spec, opt_scaling_v1)
AG_SPEC_BLOCK_READER(ag_instance_pi, ag_pi_spec, ag_instance_spec, opt_pi)
AG_SPEC_BLOCK_READER(ag_instance_monitoring, ag_monitoring_spec, ag_instance_spec, opt_monitoring)
#undef AG_SPEC_BLOCK_READER

/* Writers: the block at *slot, made (all zero) when it is not there yet. */
struct ag_pi_spec *ag_pi_spec_make(struct ag_pi_spec **slot);
struct ag_monitoring_spec *ag_monitoring_spec_make(struct ag_monitoring_spec **slot);
struct ag_alarms_spec *ag_alarms_spec_make(struct ag_alarms_spec **slot);
struct ag_kms_key_spec *ag_kms_key_spec_make(struct ag_kms_key_spec **slot);
struct ag_autoscaling_spec *ag_autoscaling_spec_make(struct ag_autoscaling_spec **slot);
struct ag_scaling_v1 *ag_scaling_v1_make(struct ag_scaling_v1 **slot);
/* Frees the block at *slot and what it owns; *slot becomes NULL (not written). */
void ag_pi_spec_free(struct ag_pi_spec **slot);
void ag_monitoring_spec_free(struct ag_monitoring_spec **slot);

struct ag_manifest {
	char *file;        /* as given to the parser */
	struct ag_pos pos; /* of the document start */
	size_t doc_index;  /* 0-based document number within the file */

	/* metadata */
	char *name;
	char *id;
	char *slug;
	char *org;
	char *env;
	struct ag_kvlist labels;
	struct ag_kvlist annotations;
	struct ag_strlist tags;

	struct ag_cluster_spec spec;

	/* valueFrom references; their fields hold placeholders until resolved */
	struct ag_ref *refs;
	size_t n_refs;

	/* derived */
	char *cluster_id; /* metadata.id else metadata.name, lower-cased */
	enum ag_mode mode;
	enum ag_deletion deletion;
	bool forbid_weakening;  /* aurora-gitops/weakening: forbid */
	bool public_access_ack; /* aurora-gitops/public-access: acknowledged */
	bool reboot_for_params; /* aurora-gitops/reboot-for-pending-parameters: "true" */
	bool global_detach;     /* aurora-gitops/global-cluster: detach */
	char *suspend_reason;   /* NULL = not suspended */
	int64_t suspend_until;  /* seconds since the epoch, UTC */

	/* presence and source position of the written spec fields: bit f of
	 * present says field f is written; field_pos holds the positions of
	 * the written fields only, in field order (one per bit set), so a
	 * manifest pays for the fields it writes. Read through
	 * ag_manifest_has / ag_manifest_field_pos, set through
	 * ag_manifest_set_field. */
	uint64_t present;
	struct ag_pos *field_pos;

	struct ag_pos spec_pos; /* of the "spec" key */
	struct ag_pos id_pos;   /* of the metadata key the cluster id comes from */
};

_Static_assert(AG_F__COUNT <= 64, "ag_manifest.present holds one bit per field");

static inline bool
ag_manifest_has(const struct ag_manifest *m, enum ag_field f)
{
	return (m->present >> (unsigned)f) & 1u;
}

/* Where field f is written; {0, 0} when it is not. */
static inline struct ag_pos
ag_manifest_field_pos(const struct ag_manifest *m, enum ag_field f)
{
	uint64_t below = m->present & ((UINT64_C(1) << (unsigned)f) - 1u);

	if (!ag_manifest_has(m, f))
		return (struct ag_pos){0, 0};
	return m->field_pos[__builtin_popcountll(below)];
}

/* Marks field f written at pos (replacing the position it had if it was). */
void ag_manifest_set_field(struct ag_manifest *m, enum ag_field f, struct ag_pos pos);
/* The same for every field f whose bit is set in fields, at pos[f] (pos has
 * AG_F__COUNT entries), in one allocation. */
void ag_manifest_set_fields(struct ag_manifest *m, uint64_t fields, const struct ag_pos *pos);

struct ag_manifest_set {
	struct ag_manifest *v;
	size_t n;
	size_t cap;
};

void ag_manifest_set_init(struct ag_manifest_set *s);
void ag_manifest_set_release(struct ag_manifest_set *s);
void ag_manifest_release(struct ag_manifest *m);
/* Frees what one instance entry owns and zeroes it. */
void ag_instance_spec_release(struct ag_instance_spec *in);
/* Makes dst a deep copy of src: every string, list and array its own, so
 * either can be changed or released without the other. */
void ag_manifest_copy(struct ag_manifest *dst, const struct ag_manifest *src);

/* Names what ag_manifest_parse makes of a file, for caches of its results
 * (core/mcache.h): with the program's version, part of their context. A
 * cache kept beyond one process must be emptied when either changes. */
#define AG_MANIFEST_LOADER_ID AG_VERSION "/manifest-loader-1"

/* Limits that keep hostile input bounded. */
#define AG_MANIFEST_MAX_BYTES (1024 * 1024) /* one file */
#define AG_MANIFEST_MAX_ALIASES 64          /* alias expansions per document */
#define AG_MANIFEST_MAX_DEPTH 32            /* nesting depth */
#define AG_MANIFEST_MAX_DOCS 1000           /* documents per file */

/*
 * Parses every YAML document in buf (len bytes, need not be NUL-terminated)
 * as an AwsRdsCluster and validates it against the schema and every rule of
 * the reference spec. Valid manifests are appended to set; each problem is
 * added to diags with file:line:col. Returns 0 when the file had no error,
 * AG_EINVAL when it had at least one (manifests of documents with errors are
 * not added). Empty documents are skipped.
 */
int ag_manifest_parse(struct ag_manifest_set *set, struct ag_diags *diags, const char *buf,
    size_t len, const char *filename);

/*
 * The same, with the scratch memory of a reader kept from one file to the
 * next: a caller that reads many files makes one reader, passes it to
 * every ag_manifest_reader_parse and frees it at the end. What a file gives
 * does not depend on the files read before it.
 */
struct ag_manifest_reader;
struct ag_manifest_reader *ag_manifest_reader_new(void);
void ag_manifest_reader_free(struct ag_manifest_reader *r);
int ag_manifest_reader_parse(struct ag_manifest_reader *r, struct ag_manifest_set *set,
    struct ag_diags *diags, const char *buf, size_t len, const char *filename);

/*
 * Checks across manifests: two manifests with the same cluster identifier,
 * or two clusters naming the same DB instance (each error names both
 * places). Returns 0 or AG_EINVAL.
 */
int ag_manifest_set_check(const struct ag_manifest_set *set, struct ag_diags *diags);

/*
 * Keeps what can be trusted of a set with errors: removes every manifest
 * of a file that has an error in diags, and every manifest naming a
 * cluster that a removed one names too (a cluster defined twice is
 * reconciled by neither). The files with errors are added to bad_files,
 * once each, in the order of diags. Returns 0; AG_EINVAL, with set left
 * as it is, when an error belongs to no file (then nothing is known to be
 * good).
 */
int ag_manifest_set_drop_invalid(
    struct ag_manifest_set *set, const struct ag_diags *diags, struct ag_strlist *bad_files);

/* Policy lint: production essentials, added as warnings with a rule id. */
void ag_manifest_lint(const struct ag_manifest_set *set, struct ag_diags *diags);

/*
 * True when s is, or looks like, a sealed value: "agsealed" in any case
 * anywhere in it. Such a value is only ever opened as a sealed value, never
 * used as plain text, so a near miss ("AGSEALED:v2:", "agsealed:v1:", a
 * leading space) fails to open instead of becoming the password.
 */
bool ag_manifest_is_sealed(const char *s);

/* NULL when s does not look sealed or is exactly a well-formed
 * "AGSEALED:v1:<key_id>:<base64url>" value; else why it is not (static). */
const char *ag_manifest_sealed_problem(const char *s);

/* Finds a manifest by cluster identifier, or NULL. */
const struct ag_manifest *ag_manifest_set_find(
    const struct ag_manifest_set *set, const char *cluster_id);

#endif
