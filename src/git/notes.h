#ifndef AG_GIT_NOTES_H
#define AG_GIT_NOTES_H

#include <stddef.h>

#include "core/buf.h"
#include "core/error.h"
#include "git/repo.h"

/*
 * Git notes as the status channel. Notes live under the repository's notes
 * ref (ag_git_repo_notes_ref); one JSON object per line (core/noteline.h).
 *
 * Writing: lines are appended to the note of a commit in the local notes
 * ref of the cache, on top of what was fetched from the remote, then pushed
 * without force. When another writer got there first (a client-side
 * non-fast-forward, a server-side "failed to update ref", or a failed
 * compare-and-swap on a local remote) the remote notes are fetched, merged
 * with the union strategy (lines of both sides kept), and the push is
 * retried with backoff. For a local remote (file:// or a path) objects are
 * written into the remote as a pack and the ref is moved with a
 * compare-and-swap: libgit2's local push would overwrite a concurrent update.
 */

/* Which copy of the notes to read. */
enum ag_git_notes_side {
	AG_GIT_NOTES_REMOTE = 0, /* the last fetched remote notes (tracking ref) */
	AG_GIT_NOTES_LOCAL = 1,  /* local notes (may hold lines not pushed yet) */
};

/* Reads the note on commit oid (appended to out; nothing when none). */
int ag_git_note_read(struct ag_buf *out, struct ag_git_repo *r, enum ag_git_notes_side side,
    const char *oid, struct ag_error *err);

/* Calls fn for each annotated commit (oid hex, note text, length). A
 * non-zero return from fn stops the walk and is returned. */
typedef int (*ag_git_note_fn)(void *ctx, const char *oid, const char *text, size_t len);
int ag_git_notes_foreach(struct ag_git_repo *r, enum ag_git_notes_side side, ag_git_note_fn fn,
    void *ctx, struct ag_error *err);

/*
 * Appends lines (each ending in '\n') to the note of commit oid in the
 * local notes ref, first merging what was fetched. Nothing is pushed.
 * who names the notes commit's author ("aurora-gitops <agent-id>").
 */
int ag_git_note_append(struct ag_git_repo *r, const char *oid, const char *lines, size_t len,
    const char *who, struct ag_error *err);

/*
 * Pushes the local notes ref to the remote without force, fetching and
 * merging on rejection, up to max_attempts (0: a default of 40) with
 * exponential backoff and jitter. Nothing to push is success. *retries
 * (may be NULL) counts the pushes rejected because another writer got
 * there first, each followed by a fetch, merge and new push.
 */
int ag_git_notes_push(
    unsigned *retries, struct ag_git_repo *r, int max_attempts, struct ag_error *err);

#endif
