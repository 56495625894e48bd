#ifndef AG_AGENT_STATE_H
#define AG_AGENT_STATE_H

#include "core/error.h"
#include "core/kv.h"

/*
 * The agent's state directory (--state-dir; default
 * $XDG_STATE_HOME/aurora-gitops, else ~/.local/state/aurora-gitops):
 *
 *   lock             flock()ed while a command runs, so a CLI run and the
 *                    daemon never reconcile at the same time
 *   passwords.json   per cluster: key id + keyed hash of the last applied
 *                    master password (never the password)
 *   failures.json    per cluster: the plan and live-state digests of the
 *                    last failed action (the loop breaker)
 *
 * Files are written atomically with mode 0600; the directory is 0700.
 */
struct ag_state;

/* Default directory; caller frees. */
char *ag_state_default_dir(void);

/* Opens (creating) dir and takes its lock. Another holder is AG_ECONFLICT. */
int ag_state_open(struct ag_state **out, const char *dir, struct ag_error *err);
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
 * A 32-byte random key kept in the state directory (hash.key, mode 0600),
 * created on first use. Keys the hash of plain-text (unsealed) passwords,
 * which have no sealing key to derive one from.
 */
int ag_state_local_key(struct ag_state *s, unsigned char key[32], struct ag_error *err);
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

#endif
