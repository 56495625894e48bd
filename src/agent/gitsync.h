#ifndef AG_AGENT_GITSYNC_H
#define AG_AGENT_GITSYNC_H

#include <stdbool.h>

#include "core/error.h"
#include "core/plan.h"
#include "core/source.h"
#include "git/repo.h"

struct ag_cycle;

/*
 * The git side of a cycle over --repo: bring the cache up to date, pick the
 * commit (branch head or --ref), check its signature when signatures are
 * required, hand the cycle a source reading that commit's tree, and write
 * the outcome back as note lines on the commit (docs/notes.md).
 *
 * Apply bookkeeping lives here too:
 *  - at most one apply per (commit, cluster, plan digest): a cluster whose
 *    apply is already noted on the commit is not applied again;
 *  - an "apply in progress" marker in the state directory, written before
 *    the first mutating call and removed after; a marker found by the next
 *    run means that run was interrupted, and the note says so.
 */
struct ag_gitsync_config {
	const char *url;
	const char *branch; /* NULL: the remote's default branch */
	const char *path;   /* subdirectory of the tree; NULL: root */
	const char *ref;    /* a revision to read instead of the branch head */
	const char *notes_ref;
	struct ag_git_auth auth;
	const char *state_dir; /* the cache lives in <state_dir>/git */
	bool require_signed;
	const char *allowed_signers; /* file */
	const char *agent_id;        /* NULL: the host name */
	const char *shard;           /* "I/N" or NULL */
};

struct ag_gitsync;

/* Fetches (only when the branch moved), resolves the commit, fetches the
 * remote notes, verifies the signature when required. */
int ag_gitsync_open(
    struct ag_gitsync **out, const struct ag_gitsync_config *cfg, struct ag_error *err);
void ag_gitsync_free(struct ag_gitsync *gs);

/* The source for the cycle (borrowed; valid until ag_gitsync_free). */
struct ag_source *ag_gitsync_source(struct ag_gitsync *gs);
const char *ag_gitsync_commit(const struct ag_gitsync *gs);
const char *ag_gitsync_revision(const struct ag_gitsync *gs);
struct ag_git_repo *ag_gitsync_repo(struct ag_gitsync *gs);

/* 0 when no signature is required or an allowed signer signed the commit;
 * otherwise the error (AG_ENOTFOUND unsigned, AG_ECRYPTO, AG_EDENIED) with
 * why filled. */
int ag_gitsync_signature(const struct ag_gitsync *gs, struct ag_error *why);

/*
 * Turns off execution for clusters whose apply with the same plan digest is
 * already noted on this commit. Returns how many were turned off.
 */
size_t ag_gitsync_skip_applied(struct ag_gitsync *gs, struct ag_plan *plan);

/* Records that an apply of plan at this commit starts / ended. */
int ag_gitsync_begin_apply(struct ag_gitsync *gs, const struct ag_plan *plan, struct ag_error *err);
int ag_gitsync_end_apply(struct ag_gitsync *gs, struct ag_error *err);

/* How many times the last ag_gitsync_note's push was rejected (another
 * writer moved the notes first) and retried after a fetch and merge. */
unsigned ag_gitsync_notes_retries(const struct ag_gitsync *gs);

/* A problem with the repository's settings file at this commit (the agent
 * kept its running settings): noted as an error line without a cluster. */
void ag_gitsync_settings_error(struct ag_gitsync *gs, const char *msg);

/*
 * Marks the cycle as planning only the clusters a commit changed since
 * commit since: planned of the of manifests. Every note line then carries
 * that scope, so a line never claims a full check the cycle did not make;
 * a cycle that planned none of them notes one line about the commit.
 */
void ag_gitsync_set_scope(struct ag_gitsync *gs, size_t planned, size_t of, const char *since);

/*
 * Writes the note lines of a cycle (cy may be NULL when the cycle did not
 * get to a plan; then failure, when not NULL, is noted as an error line)
 * and pushes them. applied: whether the cycle ran apply. Lines that would
 * repeat what this agent already noted on the commit are left out.
 */
int ag_gitsync_note(struct ag_gitsync *gs, struct ag_cycle *cy, bool applied,
    const struct ag_error *failure, struct ag_error *err);

#endif
