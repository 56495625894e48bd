#ifndef AG_GIT_REPO_H
#define AG_GIT_REPO_H

#include <stdbool.h>
#include <stddef.h>

#include "core/clock.h"
#include "core/error.h"

/*
 * A git remote and the bare cache clone the agent keeps of it in the state
 * directory. Manifests are always read from objects in this cache (the
 * tree at a commit), never from a work tree.
 *
 * Layout: <cache_dir>/<sha256(url)[0..16]>/ is a bare repository whose
 * remote "origin" is url; branches are fetched into refs/remotes/origin/BRANCH,
 * the notes ref N (default refs/notes/aurora-gitops) into
 * refs/notes/remotes/origin/<name>, and local notes not yet pushed live in N.
 * A cache whose origin is another URL, or that cannot be opened or read,
 * is deleted and cloned again, never trusted.
 */
#define AG_GIT_NOTES_REF_DEFAULT "refs/notes/aurora-gitops"
#define AG_GIT_OID_HEX 41

/* How to authenticate. Values, never read from argv: the CLI takes the
 * token from an environment variable or a file. */
struct ag_git_auth {
	const char *https_token;     /* sent as the password, user "x-access-token" */
	const char *https_user;      /* NULL: "x-access-token" */
	const char *ssh_key;         /* private key file; NULL: the ssh agent */
	const char *ssh_known_hosts; /* NULL: ~/.ssh/known_hosts */
	bool ssh_accept_new_host;    /* trust on first use: only when asked */
};

struct ag_git_repo_opts {
	const char *url;       /* file://, plain path, git://, https://, ssh://, scp-style */
	const char *cache_dir; /* parent of the cache clones (e.g. <state>/git) */
	const char *notes_ref; /* NULL: AG_GIT_NOTES_REF_DEFAULT */
	const struct ag_git_auth *auth;
	const struct ag_clock *clock; /* for push backoff; NULL: no sleeping */
	const struct ag_rand *rand;   /* jitter; NULL: none */
};

struct ag_git_repo;

/* Calls git_libgit2_init once per process (idempotent). */
void ag_git_global_init(void);

/*
 * Opens the cache for o->url, creating it, or rebuilding it when it is
 * corrupt or belongs to another remote. No network access yet.
 */
int ag_git_repo_open(
    struct ag_git_repo **out, const struct ag_git_repo_opts *o, struct ag_error *err);

/*
 * Opens an existing local repository (bare or not) at path for reading
 * only, without a cache and without a remote: for tools that already have a
 * clone (a CI checkout reading base and head). Fetch and notes pushing are
 * refused on such a handle.
 */
int ag_git_repo_open_local(struct ag_git_repo **out, const char *path, struct ag_error *err);

void ag_git_repo_free(struct ag_git_repo *r);

const char *ag_git_repo_url(const struct ag_git_repo *r);
const char *ag_git_repo_path(const struct ag_git_repo *r);
const char *ag_git_repo_notes_ref(const struct ag_git_repo *r);

/*
 * Asks the remote (connect + ls, no object transfer) where branch points.
 * branch NULL: the branch the remote's HEAD names; its name is returned in
 * *resolved (caller frees; may be NULL when not wanted). A branch that does
 * not exist on the remote is AG_ENOTFOUND.
 */
int ag_git_remote_head(char oid[AG_GIT_OID_HEX], char **resolved, struct ag_git_repo *r,
    const char *branch, struct ag_error *err);

/*
 * Brings the cache up to date for branch (NULL: remote HEAD): a remote ref
 * check first, a fetch (branches and notes) only when the branch moved or
 * when the cache lacks the commit. *fetched says whether a fetch ran; oid
 * is the branch head; *resolved as in ag_git_remote_head. A fetch that
 * fails because the cache is damaged rebuilds it and fetches once more.
 */
int ag_git_update(char oid[AG_GIT_OID_HEX], char **resolved, bool *fetched, struct ag_git_repo *r,
    const char *branch, struct ag_error *err);

/* Fetches branches and the notes ref unconditionally. */
int ag_git_fetch(struct ag_git_repo *r, struct ag_error *err);

/* Fetches only the notes ref into its tracking ref. */
int ag_git_fetch_notes(struct ag_git_repo *r, struct ag_error *err);

/*
 * Resolves rev (a commit id, a branch name, "origin/main", a tag, "HEAD~2")
 * to a commit. In a cache a branch name is tried as the fetched
 * refs/remotes/origin/<rev> first; in a repository opened with
 * ag_git_repo_open_local, rev as given comes first.
 */
int ag_git_resolve(
    char oid[AG_GIT_OID_HEX], struct ag_git_repo *r, const char *rev, struct ag_error *err);

/* Whether the object store can read the commit and every object of its
 * tree. 0 yes, AG_ENOTFOUND/AG_EGIT no (err says what is missing). */
int ag_git_check_commit(struct ag_git_repo *r, const char *oid, struct ag_error *err);

/* Deletes and recreates the cache (the cause goes to the log). */
int ag_git_repo_rebuild(struct ag_git_repo *r, const char *why, struct ag_error *err);

/* The committer time of a commit (seconds since the epoch). */
int ag_git_commit_time(
    long long *out, struct ag_git_repo *r, const char *oid, struct ag_error *err);

/*
 * Verifies the SSH signature of commit oid against the allowed-signers file
 * content. 0 and *principal (caller frees) when an allowed signer signed it;
 * AG_ENOTFOUND for an unsigned commit; AG_ECRYPTO/AG_EDENIED with err
 * saying why otherwise.
 */
int ag_git_verify_commit(char **principal, struct ag_git_repo *r, const char *oid,
    const char *allowed_signers, size_t len, const char *signers_file, struct ag_error *err);

#endif
