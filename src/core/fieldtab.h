#ifndef AG_CORE_FIELDTAB_H
#define AG_CORE_FIELDTAB_H

#include <stdbool.h>
#include <stddef.h>

#include "core/manifest.h"
#include "core/observed.h"

/*
 * The drift field table: one row per manifest field (enum ag_field), as
 * data. The planner walks the rows; nothing about a field's semantics lives
 * elsewhere except the special emitters named by the row (docs/drift.md).
 */

/* What a change to a field costs. */
enum ag_update_class {
	AG_CLASS_NONE = 0,    /* not compared: behaviour flags of the agent itself */
	AG_CLASS_IN_PLACE,    /* ModifyDB* applies it without an outage */
	AG_CLASS_DEFERRED,    /* waits for the maintenance window unless applyImmediately */
	AG_CLASS_OUTAGE,      /* in place but with downtime (engine version, static params) */
	AG_CLASS_BLOCKED,     /* create-only: needs replacement, never executed */
	AG_CLASS_DELETE_ONLY, /* only used by DeleteDBCluster */
	AG_CLASS_CREATE_ONLY_IGNORED, /* used at create; not observable afterwards */
};

/* "in-place", "deferred", "outage", "blocked", "delete-only", "create-only", "none". */
const char *ag_update_class_name(enum ag_update_class c);

/* How a desired value is compared with the live one (core/normalize.h). */
enum ag_norm {
	AG_NORM_NOT_COMPARED = 0, /* never drifts (not observable, or handled elsewhere) */
	AG_NORM_EXACT,            /* byte equality */
	AG_NORM_CASE,             /* ASCII case-insensitive (windows) */
	AG_NORM_BOOL,             /* "true"/"false" */
	AG_NORM_INT,              /* decimal integers */
	AG_NORM_PORT,             /* integer; absent == the engine's default port */
	AG_NORM_NUMBER,           /* decimal numbers: "0.5" == "0.50" */
	AG_NORM_SET,              /* comma-separated sets: order and duplicates ignored */
	AG_NORM_SUBSET,           /* every desired member is live (live may hold more) */
	AG_NORM_STORAGE_TYPE,     /* "", "aurora", "gp2" (moto) are all standard storage */
	AG_NORM_ENGINE_MODE,      /* "" == "provisioned" */
	AG_NORM_ENGINE_VERSION,   /* core/version.h rules */
	AG_NORM_KMS_KEY,          /* key id, key ARN or alias; an alias is not compared */
	AG_NORM_PARAM_GROUP,      /* absent == any "default.*" group */
	AG_NORM_SERVERLESS,       /* "min=<n>,max=<n>[,pause=<s>]" compared as numbers; max 0
	                           * and pause absent = any */
	AG_NORM_WRITE_ONLY,       /* password: compared through the caller's hash state */
	AG_NORM_KV_SUBSET,        /* "K=v,K=v": every written member equals the live one */
};

/* What an absent desired value means. */
enum ag_absent {
	AG_ABSENT_ANY = 0, /* whatever AWS picked: no drift */
	AG_ABSENT_DEFAULT, /* equal to the row's aws_default */
};

/* How the Modify parameters of a field are written. */
enum ag_emit {
	AG_EMIT_NONE = 0, /* no ModifyDBCluster parameter */
	AG_EMIT_SCALAR,   /* modify_param=<desired canonical value> */
	AG_EMIT_LOGS,     /* CloudwatchLogsExportConfiguration.{Enable,Disable}LogTypes.member.N */
	AG_EMIT_SG_IDS,   /* VpcSecurityGroupIds.VpcSecurityGroupId.N */
	AG_EMIT_SERVERLESS,      /* ServerlessV2ScalingConfiguration.{MinCapacity,MaxCapacity} */
	AG_EMIT_ENGINE_VERSION,  /* EngineVersion (+ AllowMajorVersionUpgrade) */
	AG_EMIT_PASSWORD,        /* MasterUserPassword={{secret:spec.password}} */
	AG_EMIT_MANAGE_PASSWORD, /* ManageMasterUserPassword (+ key / password) */
	AG_EMIT_HTTP_ENDPOINT,   /* Enable/DisableHttpEndpoint (ModifyDBCluster on serverless v1) */
	AG_EMIT_PROMOTE,         /* PromoteReadReplicaDBCluster when cleared */
	AG_EMIT_PARAM_GROUP,     /* DBClusterParameterGroupName */
	AG_EMIT_PARAMETERS,      /* Modify/CreateDBClusterParameterGroup actions */
	AG_EMIT_INSTANCES,       /* Create/Modify/DeleteDBInstance actions */
	AG_EMIT_STRUCT,          /* "K=v,K=v" as <param>.K=v (a structure member each) */
};

/* The C type of a field's member in struct ag_cluster_spec (type) or in
 * struct ag_db_cluster (ltype). Zero means "no member": the row's own
 * accessor (and for the manifest, its own loader) handles it. */
enum ag_ftype {
	AG_FT_NONE = 0,
	AG_FT_STR,       /* char *, NULL = absent */
	AG_FT_REF,       /* char *, and the YAML may give {valueFrom: ...} */
	AG_FT_BOOL,      /* bool (the manifest's presence bit says whether written) */
	AG_FT_INT,       /* int, 0 = absent; bounded by the row's min..max */
	AG_FT_LIST,      /* struct ag_strlist */
	AG_FT_REFLIST,   /* struct ag_strlist of values or references */
	AG_FT_COMPOSITE, /* serverlessV2Scaling, parameters, instances: own loader */
};

/* How a change of a field relates to the cluster's protection
 * (docs/drift.md, "Absence never weakens"). */
enum ag_protect {
	AG_PROTECT_NONE = 0, /* not a protective setting */
	AG_PROTECT_TRUE,     /* true protects (deletionProtection) */
	AG_PROTECT_FALSE,    /* false protects (publiclyAccessible) */
	AG_PROTECT_MORE,     /* a larger number protects (backupRetentionPeriod) */
	AG_PROTECT_SET,      /* more members protect (log exports) */
};

/*
 * Accessors render a value in the canonical string form the normaliser
 * compares ("true", "7", "a,b", "min=0.5,max=4"). They return false when
 * the value is absent (NULL string / presence bit clear / zero scalar).
 * *out is a malloc'd string the caller frees (NULL when absent).
 */
struct ag_db_cluster;
typedef bool (*ag_field_desired_fn)(char **out, const struct ag_manifest *m);
typedef bool (*ag_field_live_fn)(char **out, const struct ag_db_cluster *c);
/* Validation of a written value: false and a message in why (n bytes,
 * written after "spec.<field>: ") when s is not acceptable. */
typedef bool (*ag_field_check_fn)(char *why, size_t n, const char *s);

/* Member offsets are stored plus one so that 0 (an omitted designated
 * initialiser) means "no member". */
#define AG_SPEC(member) (offsetof(struct ag_cluster_spec, member) + 1)
#define AG_LIVE(member) (offsetof(struct ag_db_cluster, member) + 1)

/*
 * One row per manifest field. A plain scalar field needs nothing else than
 * its row and its struct members: the loader, the release functions, the
 * Describe decoder, import, the live digest and the planner all iterate the
 * rows (docs/architecture.md, "Adding a field").
 */
struct ag_field_row {
	enum ag_field field;
	const char *yaml_path; /* "spec.backupRetentionPeriod"; the key follows "spec." */

	/* manifest side */
	enum ag_ftype type;      /* of the member at spec */
	size_t spec;             /* AG_SPEC(member), 0 = none */
	long min, max;           /* AG_FT_INT bounds */
	ag_field_check_fn check; /* value validation, NULL = any string */
	const char *ref_kinds;   /* AG_FT_REF/REFLIST: the kinds a valueFrom may name
	                          * ("AwsVpc", '|'-separated; NULL = none; core/ref.h) */

	/* AWS side */
	const char *create_param; /* CreateDBCluster parameter, NULL = none */
	const char *create_call;  /* the call create_param belongs to when not
	                           * CreateDBCluster ("CreateDBSubnetGroup") */
	const char *modify_param; /* ModifyDBCluster parameter, NULL = none */
	const char
	    *describe_elem;  /* DescribeDBClusters element ("A" or "A/B"), NULL = not observable */
	enum ag_ftype ltype; /* of the member at live */
	size_t live;         /* AG_LIVE(member): decoded from describe_elem, 0 = none */

	/* drift */
	const char *aws_default; /* canonical default when absent (AG_ABSENT_DEFAULT); "" = empty */
	enum ag_absent absent;
	enum ag_norm norm;
	enum ag_update_class klass;
	enum ag_emit emit;
	enum ag_protect protect;
	ag_field_desired_fn desired_fn; /* NULL = from the member at spec */
	ag_field_live_fn live_fn;       /* NULL = from the member at live */
	const char *hint;               /* migration hint for blocked changes, NULL = none */
	const char *change_note;        /* note on every change that is sent, NULL = none */
	bool in_restore;                /* RestoreDBClusterFromSnapshot takes create_param too
	                                 * (else it goes in the follow-up ModifyDBCluster) */
	bool needs_managed_password;    /* sent only with manageMasterUserPassword: true */
	const char *create_default;     /* sent at create (not restore, not replica) when
	                                 * the manifest leaves the field out */
	bool not_on_replica;            /* a replica inherits it from its source: never sent
	                                 * for, nor compared on, a replica cluster */
	bool import_skip;               /* import never writes it (handled by hand or
	                                 * not observable) */
	/* PendingModifiedValues: the member of struct ag_cluster_pending that
	 * shows this field pending (offset + 1, 0 = never pending) and its type
	 * (AG_FT_INT: -1 = not pending; AG_FT_BOOL: an int -1/0/1) */
	size_t pending;
	enum ag_ftype pending_type;
};

#define AG_PENDING(member) (offsetof(struct ag_cluster_pending, member) + 1)

/* The desired value of a row (its accessor or the generic one). */
bool ag_fieldtab_desired(char **out, const struct ag_field_row *row, const struct ag_manifest *m);
/* The live value of a row; false (and *out NULL) when absent or not observable. */
bool ag_fieldtab_live(char **out, const struct ag_field_row *row, const struct ag_db_cluster *c);
/* The same without a copy for a row whose value is a member read by the
 * generic accessor (a string, bool or int): *out is the text the functions
 * above would copy, NULL when absent, pointing into m (or c), a constant or
 * scratch (valid while scratch is); false (and *out NULL) when the row
 * renders its value otherwise, which the functions above then make. */
#define AG_FIELDTAB_SCRATCH 16 /* "-2147483648" and its NUL fit */
/* "%d" of v written at the end of t, without the printf machinery (the
 * planner renders ints of every cluster): returns the text, inside t. */
const char *ag_fieldtab_int_text(char t[AG_FIELDTAB_SCRATCH], int v);
bool ag_fieldtab_desired_view(const char **out, char scratch[AG_FIELDTAB_SCRATCH],
    const struct ag_field_row *row, const struct ag_manifest *m);
bool ag_fieldtab_live_view(const char **out, char scratch[AG_FIELDTAB_SCRATCH],
    const struct ag_field_row *row, const struct ag_db_cluster *c);
/* Whether a row has a live value at all. */
bool ag_fieldtab_observable(const struct ag_field_row *row);
/* The YAML key of a row ("backupRetentionPeriod"). */
const char *ag_fieldtab_key(const struct ag_field_row *row);
/* Frees the members of the rows in a cluster spec / a live cluster. */
void ag_fieldtab_release_spec(struct ag_cluster_spec *s);
void ag_fieldtab_release_live(struct ag_db_cluster *c);
/* In a shallow copy of a spec (struct assignment), replaces the members of
 * the rows by copies of their own: the inverse of ag_fieldtab_release_spec,
 * for ag_manifest_copy. */
void ag_fieldtab_own_spec(struct ag_cluster_spec *s);

/* The row of a field (never NULL for f < AG_F__COUNT; misuse is AG_BUG). */
const struct ag_field_row *ag_fieldtab_row(enum ag_field f);
/* All rows in enum order; *n = AG_F__COUNT. */
const struct ag_field_row *ag_fieldtab_rows(size_t *n);

/* Display forms of spec.kmsKey ("alias/x,rotation=on") and spec.autoscaling
 * ("readers=1..5,RDSReaderAverageCPUUtilization=60,scaleIn=300s,..."),
 * malloc'd; also what the planner compares for autoscaling. */
char *ag_kms_key_text(const struct ag_kms_key_spec *k);
char *ag_autoscaling_text(const struct ag_autoscaling_spec *a);

/* Engine default port: 5432 for aurora-postgresql / postgres, 3306 otherwise. */
int ag_engine_default_port(const char *engine);

/* The subnet group name the agent creates from subnetIds: the cluster id
 * lower-cased with [^a-z0-9._-] replaced by '-' (malloc'd). */
char *ag_fieldtab_subnet_group_name(const char *cluster_id);

/* The cluster parameter group the agent manages for spec.parameters:
 * dbClusterParameterGroupName if set, else "<id>-cluster" (malloc'd). */
char *ag_fieldtab_param_group_name(const struct ag_manifest *m);

/* DBParameterGroupFamily for an engine + version: "aurora-postgresql15",
 * "aurora-mysql8.0" (malloc'd; NULL when the version has no major). */
char *ag_fieldtab_param_family(const char *engine, const char *version);

#endif
