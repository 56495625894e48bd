#ifndef AG_AGENT_STATE_H
#define AG_AGENT_STATE_H

#include <jansson.h>
#include <stdbool.h>

#include "core/error.h"
#include "core/kv.h"

/*
 * The agent's state directory (--state-dir; default
 * $XDG_STATE_HOME/aurora-gitops, else ~/.local/state/aurora-gitops):
 *
 *   lock             flock()ed by writers (apply, sync, the daemon), so two
 *                    never reconcile at the same time; readers (plan,
 *                    status) take no lock and never wait
 *   passwords.json   per cluster: key id + keyed hash of the last applied
 *                    master password (never the password)
 *   failures.json    per cluster: the plan and live-state digests of the
 *                    last failed action (the loop breaker)
 *   outputs.json     per cluster: its connection outputs (endpoints, port,
 *                    ARNs; core/outputs.h) as last seen after a reconcile
 *
 * Files are written atomically with mode 0600; the directory is 0700.
 */
struct ag_state;

/* Default directory; caller frees. */
char *ag_state_default_dir(void);

/*
 * Opens (creating, 0700) dir for writing and takes its lock exclusively.
 * Another holder is AG_ECONFLICT. A directory or file not owned by the
 * running user, or writable by group or others, is refused (AG_EDENIED),
 * and no file in it is opened through a symbolic link.
 */
int ag_state_open(struct ag_state **out, const char *dir, struct ag_error *err);
/*
 * Opens dir for reading: no lock (a writer replaces files atomically, so
 * a reader sees each file whole), nothing created or written; a missing
 * directory reads as empty. The same ownership checks apply.
 * ag_state_save() on it is a no-op.
 */
int ag_state_open_readonly(struct ag_state **out, const char *dir, struct ag_error *err);
/* True when opened with ag_state_open_readonly(). */
bool ag_state_readonly(const struct ag_state *s);
/* Releases the lock; does not save. NULL-safe. */
void ag_state_free(struct ag_state *s);
/* Writes changed files atomically. */
int ag_state_save(struct ag_state *s, struct ag_error *err);
const char *ag_state_dir(const struct ag_state *s);

/* Last applied password hash for cluster, or NULL (borrowed). */
const char *ag_state_password_hash(const struct ag_state *s, const char *cluster);
/* Key id recorded with that hash, or NULL (borrowed). */
const char *ag_state_password_key(const struct ag_state *s, const char *cluster);
/*
 * A 32-byte random key kept in the state directory (hash.key, mode 0600).
 * Keys the hash of plain-text (unsealed) passwords, which have no sealing
 * key to derive one from. A writer creates it on first use; a reader gets
 * AG_ENOTFOUND when it is missing. key_id (AG_STATE_LOCAL_KEY_ID_LEN + 1
 * bytes, may be NULL) receives "local:<fingerprint>", recorded with each
 * hash so a lost and re-created key reads as "not verified", never as a
 * changed password.
 */
#define AG_STATE_LOCAL_KEY_ID_LEN 22
int ag_state_local_key(
    struct ag_state *s, unsigned char key[32], char *key_id, struct ag_error *err);
void ag_state_set_password_hash(
    struct ag_state *s, const char *cluster, const char *key_id, const char *hash);

/*
 * Loop breaker. Returns 1 (and the recorded error in *why, borrowed) when
 * the cluster's last attempt failed with the same plan digest and the same
 * live-state digest: retrying would fail the same way, so it is not retried
 * until the commit or the live state changes.
 */
int ag_state_failure_repeats(const struct ag_state *s, const char *cluster, const char *plan_digest,
    const char *live_digest, const char **why);
void ag_state_record_failure(struct ag_state *s, const char *cluster, const char *plan_digest,
    const char *live_digest, const char *action, const char *error);
/*
 * What the state records, for `status`: clusters with a recorded password
 * hash (key = cluster, value = key id), and failed clusters (key = cluster,
 * value = "<action>: <error>"). Appended, sorted by cluster.
 */
void ag_state_list(
    const struct ag_state *s, struct ag_kvlist *passwords, struct ag_kvlist *failures);
void ag_state_clear_failure(struct ag_state *s, const char *cluster);

/*
 * Connection outputs: json_text is the object ag_outputs_json() made;
 * recorded_at (ISO 8601 UTC) is stored with it, and only when the outputs
 * differ from those recorded. AG_EINVAL when json_text is not an object.
 * ag_state_outputs() returns the recorded object (with recorded_at) as
 * compact JSON (malloc'd), or NULL when none is recorded.
 */
int ag_state_set_outputs(
    struct ag_state *s, const char *cluster, const char *json_text, const char *recorded_at);
char *ag_state_outputs(const struct ag_state *s, const char *cluster);

/*
 * The outputs of many clusters, made one cluster at a time while the state
 * is saved and dropped at once, so a fleet's records are never all in
 * memory: make() returns the JSON object of cluster (a new reference the
 * caller releases, as ag_outputs_to_json() makes it: whether it changed is
 * found from the tree, with no text made), or NULL when its outputs are not
 * known (what was recorded stays). It is called up to twice per cluster (once
 * to find whether anything changed, once to write) and must give the same
 * answer both times. A record ag_state_set_outputs() set wins.
 */
typedef json_t *(*ag_state_outputs_fn)(void *ctx, const char *cluster);
struct ag_state_outputs {
	const char *const *clusters; /* any order; duplicates count once */
	size_t n;
	ag_state_outputs_fn make;
	void *ctx;
	const char *recorded_at; /* stored with the records that changed */
};

/* ag_state_save(), with the outputs of src (NULL: none) recorded. */
int ag_state_save_outputs(
    struct ag_state *s, const struct ag_state_outputs *src, struct ag_error *err);

#endif
