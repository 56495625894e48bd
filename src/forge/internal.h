#ifndef AG_FORGE_INTERNAL_H
#define AG_FORGE_INTERNAL_H

#include <curl/curl.h>

#include "core/buf.h"
#include "core/kv.h"
#include "forge/forge.h"

#define AG_FORGE_BODY_MAX ((size_t)16 << 20) /* one reply */
#define AG_FORGE_PAGES_MAX 200               /* pages of comments followed */

struct ag_forge {
	enum ag_forge_kind kind;
	char *api_url; /* no trailing '/' */
	char *project;
	char *project_seg; /* GitLab: URL-encoded project */
	char *token;
	enum ag_forge_token_kind token_kind;
	char *ca_bundle;
	const struct ag_clock *clock;
	const struct ag_rand *rand;
	int max_attempts;
	int64_t max_wait_ms;
	int64_t base_wait_ms;
	CURL *curl;
	char curl_err[CURL_ERROR_SIZE];
};

struct ag_forge_reply {
	long status;
	struct ag_buf body;
	struct ag_kvlist headers; /* lower-case names */
};

void ag_forge_reply_init(struct ag_forge_reply *r);
void ag_forge_reply_release(struct ag_forge_reply *r);

/*
 * One API call with retries. url must be under the API base (checked: the
 * token goes nowhere else). json may be NULL. Returns 0 with the final reply
 * in out (any status: the caller judges it), or AG_ENET / AG_ETIMEOUT /
 * AG_ETOOBIG / AG_EINVAL with err filled. `what` names the operation for
 * errors ("list the comments of pull request #3").
 */
int ag_forge_call(struct ag_forge *f, const char *method, const char *url, const char *json,
    struct ag_forge_reply *out, const char *what, struct ag_error *err);

/* Turns a non-2xx reply into an error naming what failed and, for 403,
 * the permission the token lacks. Returns the error code. */
int ag_forge_reply_error(const struct ag_forge *f, const struct ag_forge_reply *r, const char *what,
    const char *permission, struct ag_error *err);

/* {"body": body} as compact JSON (caller frees). */
char *ag_forge_body_json(const char *body);

/*
 * Finds the id of the first comment under first_url (a list, followed
 * page by page through Link headers) whose body holds marker; GitLab's
 * system notes are passed over when skip_system. *id = NULL when there is
 * none. what and permission name the call and the token's needed
 * permission in errors.
 */
int ag_forge_find_marked(struct ag_forge *f, char **id, const char *first_url, const char *what,
    const char *permission, const char *marker, bool skip_system, struct ag_error *err);

/*
 * Writes the sticky comment: {"body": body} to url with update_method
 * (PATCH or PUT) when id names the comment found, with POST when id is
 * NULL. A reply other than 200/201 is an error naming what and, for 403,
 * permission. On success *id_out (when not NULL) is the comment's id: id,
 * or for a new comment the id of the reply (NULL when it has none). Takes
 * id, url and what, and frees them.
 */
int ag_forge_send_comment(struct ag_forge *f, char **id_out, char *id, const char *update_method,
    char *url, char *what, const char *permission, const char *body, struct ag_error *err);

/* A commit status as one forge spells it. */
struct ag_forge_status {
	const char *sha;         /* for errors */
	const char *state;       /* the forge's own state name */
	const char *context_key; /* "context" (GitHub) or "name" (GitLab) */
	const char *context;
	const char *description; /* cut to 140 characters; NULL for none */
	const char *target_url;  /* NULL for none */
	const char *permission;  /* what a 403 says the token lacks */
};

/* POSTs s to url (the statuses endpoint of the commit; taken and freed); a
 * reply other than 200/201 is an error naming the commit. */
int ag_forge_post_status(
    struct ag_forge *f, const struct ag_forge_status *s, char *url, struct ag_error *err);

int ag_github_upsert_comment(struct ag_forge *f, bool *created, char **id, long number,
    const char *marker, const char *body, struct ag_error *err);
/* Fill in the forge's own spelling of s (state, context key, permission)
 * and post it. */
int ag_github_set_status(
    struct ag_forge *f, struct ag_forge_status *s, enum ag_forge_state state, struct ag_error *err);
int ag_gitlab_upsert_comment(struct ag_forge *f, bool *created, char **id, long number,
    const char *marker, const char *body, struct ag_error *err);
/* Fill in the forge's own spelling of s (state, context key, permission)
 * and post it. */
int ag_gitlab_set_status(
    struct ag_forge *f, struct ag_forge_status *s, enum ag_forge_state state, struct ag_error *err);

#endif
