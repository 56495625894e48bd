/*
 * The recorded outputs of every cluster (outputs.json in the state
 * directory), for state.c only.
 *
 * The file is one JSON object, a line a cluster in identifier order:
 *
 *   {
 *     "db1": {"port":5432,...,"recorded_at":"..."},
 *     ...
 *   }
 *
 * In memory a writer's store costs a cluster its identifier and a 16-byte
 * digest of its record (without recorded_at), not the record; a reader's
 * store costs nothing: records are read from the file when asked for.
 * Records are never all held at once: a save streams the old file and the
 * new records, one line at a time, into a temporary file that replaces
 * the old one only when complete (an unchanged record is copied as it
 * stands). A file that is not in this form (older versions wrote it
 * indented, or edited by hand) is read whole, and rewritten in this form
 * at the next save.
 *
 * Beside it, outputs.json.index (written with each save and by a writer's
 * open that checked the whole file) names the file's BLAKE2b-256 and each
 * record's digest; while the file hashes to what it names, an open takes
 * the digests from it instead of parsing and checking every line again.
 */
#ifndef AG_AGENT_STATE_OUTPUTS_H
#define AG_AGENT_STATE_OUTPUTS_H

#include "agent/state.h"
#include "core/error.h"

#include <stdbool.h>

struct ag_outstore;

/* Opens a state file for reading as state.c does (no link followed, ours,
 * nobody else can write it) into *fd. A missing file is AG_ENOTFOUND. */
typedef int (*ag_outstore_open_fn)(int *fd, const char *path, struct ag_error *err);

/* The store of the file at path; a missing file is an empty store. A
 * damaged file is an error with its position. */
int ag_outstore_open(struct ag_outstore **out, const char *path, bool readonly,
    ag_outstore_open_fn open, struct ag_error *err);
void ag_outstore_free(struct ag_outstore *o);

/* Records the outputs of cluster (json_text: a JSON object) seen at
 * recorded_at, unless they equal the recorded ones; held in memory until
 * the next save. AG_EINVAL when json_text is not a JSON object. */
int ag_outstore_set(
    struct ag_outstore *o, const char *cluster, const char *json_text, const char *recorded_at);

/* The record of cluster (compact JSON, sorted keys, with recorded_at),
 * or NULL. Caller frees. */
char *ag_outstore_get(const struct ag_outstore *o, const char *cluster);

/*
 * Writes the file (atomically, mode 0600) when the store holds something
 * it does not: a record set, or one that src makes (may be NULL) and that
 * differs from the recorded one. A record set wins over src's. On error
 * the file and the store are as they were.
 */
int ag_outstore_save(
    struct ag_outstore *o, const struct ag_state_outputs *src, struct ag_error *err);

#endif
