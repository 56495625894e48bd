#ifndef AG_GIT_INTERNAL_H
#define AG_GIT_INTERNAL_H

#include <git2.h>
#include <stdbool.h>

#include "git/repo.h"

/* Shared by the files of ag_git; not part of its interface. */
struct ag_git_repo {
	git_repository *repo;
	char *url;         /* as configured on origin (a plain path made absolute) */
	char *local_path;  /* filesystem path of a local remote, else NULL */
	char *path;        /* the cache (or the opened local repository) */
	char *cache_dir;   /* NULL for ag_git_repo_open_local */
	char *notes_ref;   /* refs/notes/aurora-gitops */
	char *notes_track; /* refs/notes/remotes/origin/aurora-gitops */
	struct ag_git_auth auth;
	const struct ag_clock *clock;
	const struct ag_rand *rand;
	bool read_only;
	int cred_attempts;
};

/* Sets err from libgit2's last error: "<what>: <libgit2 message>". Returns
 * AG_ENOTFOUND for GIT_ENOTFOUND, AG_ECONFLICT for the compare-and-swap
 * failures, AG_EGIT otherwise. */
int ag_git_fail(struct ag_error *err, int lg2rc, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Remote callbacks with credentials and certificate checks filled in. */
void ag_git_callbacks(git_remote_callbacks *cb, struct ag_git_repo *r);

/* The callbacks themselves; payload is the struct ag_git_repo. */
int ag_git_cred_cb(git_credential **out, const char *url, const char *user_from_url,
    unsigned int allowed, void *payload);
int ag_git_cert_cb(git_cert *cert, int valid, const char *host, void *payload);

/* The filesystem path of a local remote (file://PATH or a plain path), or
 * NULL for a network URL (scp-style "host:path" included). Caller frees. */
char *ag_git_local_path(const char *url);

/* 1 when a line of the known_hosts file names host with this key, 0 when
 * none names it, -1 when a line names it with another key. */
int ag_git_known_hosts_match(const char *file, const char *host, const git_cert_hostkey *hk);

int ag_git_oid_parse(git_oid *out, const char *hex, struct ag_error *err);

#endif
