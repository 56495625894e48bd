#ifndef AG_CORE_MANIFEST_INT_H
#define AG_CORE_MANIFEST_INT_H

/*
 * Internal to the manifest loader (manifest_yaml.c reads the YAML,
 * manifest_validate.c holds the value checks and the cross-field rules).
 */
#include <stdbool.h>
#include <stdint.h>

#include "core/manifest.h"

/* One entry of spec.instances.overrides (count form): what it sets of the
 * instance at position (1-based). promotion_tier is -1 when not set,
 * public_pos.line 0 when publiclyAccessible is not. */
struct ag_inst_override {
	long position;
	const char *key; /* as written; points into the YAML tree */
	struct ag_instance_spec spec;
};

/* The state of loading one document. */
struct ag_key_index;

struct ag_mload {
	const char *file;
	struct ag_diags *diags;
	const struct ag_key_index *spec_keys; /* spec's keys, indexed once per reader */
	size_t errors;                        /* errors reported for the current document */
	struct ag_manifest *m;

	struct ag_pos doc_pos;      /* document start */
	struct ag_pos metadata_pos; /* "metadata" key, 0 = absent */
	struct ag_pos name_pos;     /* metadata.name key */
	struct ag_pos idkey_pos;    /* metadata.id key */
	bool have_metadata;
	bool have_spec;

	/* spec.instances in the count form, expanded once the id is known */
	bool inst_count_form;
	long inst_count;
	char *inst_count_class;
	struct ag_pos inst_count_class_pos;
	struct ag_inst_override *inst_overrides;
	size_t n_inst_overrides;
};

/* Frees the count form's overrides (what expand_count did not take). */
void ag_mload_overrides_release(struct ag_mload *l);

/* Copies s for display into out (n bytes): at most 80 characters, control
 * characters replaced by '?', "..." when cut. Returns out. */
const char *ag_mload_show(char *out, size_t n, const char *s);

/* Adds an error for the current document at pos (1-based). */
void ag_mload_error(struct ag_mload *l, struct ag_pos pos, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Applies defaults, derives the cluster id, expands the instances and runs
 * the rules that involve more than one field. */
void ag_mload_finish(struct ag_mload *l);

/*
 * Value checks. Each returns NULL when s is valid, else a static reason
 * ("must start with a letter") that the caller puts after the subject.
 */
const char *ag_mcheck_rds_identifier(const char *s, size_t maxlen);
const char *ag_mcheck_maintenance_window(const char *s);
const char *ag_mcheck_backup_window(const char *s);
const char *ag_mcheck_cidr(const char *s);
const char *ag_mcheck_instance_class(const char *s);

/* AWS tag rules (labels become tags): a key is 1..128 Unicode characters,
 * a value 0..256; letters, digits, white space and _ . : / = + - @ only;
 * neither may start with "aws:" or "rds:". */
const char *ag_mcheck_tag_key(const char *s);
const char *ag_mcheck_tag_value(const char *s);
/* At most this many tags on a cluster, the agent's managed-by tag included. */
#define AG_MANIFEST_MAX_TAGS 50

/* A plain-text master password: 8..41 printable ASCII characters without
 * '/', '"', '@' or a space. The reason never repeats the value. */
const char *ag_mcheck_password(const char *s);
/* A master username: 1..16 letters, digits or '_', a letter first, not a
 * word RDS or the engine reserves. engine may be NULL. */
const char *ag_mcheck_username(const char *engine, const char *s);
/* A database name: a letter first, then letters, digits or '_'; at most
 * 63 characters for aurora-postgresql, 64 for aurora-mysql; not reserved. */
const char *ag_mcheck_database_name(const char *engine, const char *s);
/* True when the daily backup window and the weekly maintenance window
 * (both valid) share a minute. */
bool ag_mcheck_windows_overlap(const char *backup, const char *maintenance);

/* Parses "YYYY-MM-DDTHH:MM:SS[.frac](Z|+HH:MM|-HH:MM)" into seconds since
 * the epoch. Returns 0 or AG_EINVAL. */
int ag_mparse_rfc3339(int64_t *out, const char *s);

/* Engines this product manages and their log types. */
bool ag_mengine_supported(const char *engine);
/* NULL-terminated list of the log types valid for engine (NULL if the
 * engine is not supported). */
const char *const *ag_mengine_log_types(const char *engine);

#endif
