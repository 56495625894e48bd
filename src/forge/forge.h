#ifndef AG_FORGE_FORGE_H
#define AG_FORGE_FORGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/clock.h"
#include "core/error.h"
#include "core/kv.h"

/*
 * The forge: where pull requests live (GitHub, GitHub Enterprise, GitLab,
 * self-hosted GitLab). Two things are done there: keep one sticky comment
 * (a merge-request note on GitLab) up to date, found again by a hidden
 * marker, and set a commit status on the head commit.
 *
 * Transport: libcurl with TLS verification on; the API base must be https,
 * or http to a loopback address only (tests, local proxies). Rate-limit
 * replies (429, or 403 with rate-limit headers) and 5xx are retried with
 * backoff through the clock seam; a wait longer than the limit is an error
 * rather than a silent hang. The token is sent only to the API base and
 * never appears in a log or an error.
 */

enum ag_forge_kind {
	AG_FORGE_GITHUB = 0,
	AG_FORGE_GITLAB,
};

/* GitLab: which header carries the token. */
enum ag_forge_token_kind {
	AG_FORGE_TOKEN_BEARER = 0, /* GitHub: Authorization: Bearer */
	AG_FORGE_TOKEN_PRIVATE,    /* GitLab: PRIVATE-TOKEN (personal, project, group token) */
	AG_FORGE_TOKEN_JOB,        /* GitLab: JOB-TOKEN ($CI_JOB_TOKEN) */
};

struct ag_forge_config {
	enum ag_forge_kind kind;
	const char *api_url; /* "https://api.github.com", "https://gitlab.example/api/v4" */
	const char *project; /* GitHub "owner/repo"; GitLab "group/project" or a numeric id */
	const char *token;   /* copied; wiped on free */
	enum ag_forge_token_kind token_kind;
	const char *ca_bundle; /* NULL = the system's */
	const struct ag_clock *clock;
	const struct ag_rand *rand;
	int max_attempts;     /* 0 = 5 */
	int64_t max_wait_ms;  /* longest single wait for a rate limit; 0 = 120 s */
	int64_t base_wait_ms; /* first backoff step; 0 = 1 s */
};

struct ag_forge;

/* Checks the configuration (URL scheme, project form) and makes a handle. */
int ag_forge_new(struct ag_forge **out, const struct ag_forge_config *cfg, struct ag_error *err);
void ag_forge_free(struct ag_forge *f);

/*
 * Creates the comment of pull request / merge request `number` whose body
 * contains marker, or updates the first one that does in place (GitHub:
 * PATCH of the issue comment; GitLab: PUT of the note). *created tells
 * which; *id is the comment's id (malloc'd, may be NULL when not wanted).
 */
int ag_forge_upsert_comment(struct ag_forge *f, bool *created, char **id, long number,
    const char *marker, const char *body, struct ag_error *err);

/* What a commit status says. */
enum ag_forge_state {
	AG_FORGE_SUCCESS = 0,
	AG_FORGE_FAILURE, /* GitHub "failure", GitLab "failed" */
	AG_FORGE_ERROR,   /* GitHub "error", GitLab "failed" */
	AG_FORGE_PENDING, /* GitHub "pending", GitLab "running" */
};

/* Sets the status `context` (GitHub context, GitLab name) on commit sha.
 * description is cut to 140 characters; target_url may be NULL. */
int ag_forge_set_status(struct ag_forge *f, const char *sha, enum ag_forge_state state,
    const char *context, const char *description, const char *target_url, struct ag_error *err);

/* ---- pure helpers (exposed for tests) ----------------------------------- */

/* 0 when url is https://HOST[...] or http:// to 127.0.0.0/8, ::1 or
 * localhost; AG_EINVAL with the reason otherwise. */
int ag_forge_check_url(const char *url, struct ag_error *err);

/* The URL of rel="next" in an RFC 8288 Link header, malloc'd, or NULL. */
char *ag_forge_link_next(const char *link);

/* True when url starts with base followed by '/', '?' or the end: the
 * token is sent nowhere else (a Link header could point anywhere). */
bool ag_forge_same_origin(const char *base, const char *url);

/*
 * Whether and how long to wait before retrying a reply. status 0 = the
 * transfer failed (network). headers: lower-case names. now_s: seconds since
 * the epoch (for x-ratelimit-reset / ratelimit-reset). u: uniform [0,1) for
 * jitter. Returns the wait in ms, or -1 when the reply is final.
 * *rate_limited tells whether the forge asked us to slow down.
 */
int64_t ag_forge_retry_wait(bool *rate_limited, long status, const struct ag_kvlist *headers,
    int attempt, int64_t now_s, int64_t base_ms, double u);

/* Percent-encodes s for one URL path segment ("group/project" ->
 * "group%2Fproject"). malloc'd. */
char *ag_forge_escape_segment(const char *s);

#endif
