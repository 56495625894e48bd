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
 * In memory a cluster costs a digest of its record (without recorded_at),
 * not the record: a reconcile compares the outputs it sees with that
 * digest and keeps the text only of records it changes. Records that did
 * not change are copied from the file when it is saved. A file that is not
 * in this form (older versions wrote it indented, or edited by hand) is
 * read whole, every record kept as text, and rewritten in this form at
 * the next save. A read-only store keeps every record as text: the file
 * may be replaced by a writer while it is open.
 */
#ifndef AG_AGENT_STATE_OUTPUTS_H
#define AG_AGENT_STATE_OUTPUTS_H

#include "core/buf.h"
#include "core/error.h"

#include <stdbool.h>

struct ag_outstore;

/* Reads a state file as state.c does (no link followed, ours, nobody
 * else can write it). A missing file is AG_ENOTFOUND. */
typedef int (*ag_outstore_read_fn)(struct ag_buf *out, const char *path, struct ag_error *err);

/* The store of the file at path; a missing file is an empty store. A
 * damaged file is an error with its position. */
int ag_outstore_open(struct ag_outstore **out, const char *path, bool readonly,
    ag_outstore_read_fn read, struct ag_error *err);
void ag_outstore_free(struct ag_outstore *o);

/* Whether the store holds something the file does not. */
bool ag_outstore_dirty(const struct ag_outstore *o);

/* Records the outputs of cluster (json_text: a JSON object) seen at
 * recorded_at, unless they equal the recorded ones. AG_EINVAL when
 * json_text is not a JSON object. */
int ag_outstore_set(
    struct ag_outstore *o, const char *cluster, const char *json_text, const char *recorded_at);

/* The record of cluster (compact JSON, sorted keys, with recorded_at),
 * or NULL. Caller frees. */
char *ag_outstore_get(const struct ag_outstore *o, const char *cluster);

/* Writes the file when the store is dirty (atomically, mode 0600). */
int ag_outstore_save(struct ag_outstore *o, struct ag_error *err);

#endif
