#ifndef AG_AWS_INTERNAL_H
#define AG_AWS_INTERNAL_H

/* Shared between the files of ag_aws; not part of the public API. */

#include "aws/client.h"

/*
 * Reads the key = value pairs of [section] from an AWS shared config or
 * credentials file. A missing file is AG_ENOTFOUND; a missing section
 * leaves out empty and sets *found to 0.
 */
int ag_aws_ini_section(
    struct ag_kvlist *out, int *found, const char *path, const char *section, struct ag_error *err);

/* Credential chain (creds.c); resolves into out. */
int ag_aws_creds_resolve(struct ag_aws_client *c, struct ag_aws_creds *out, struct ag_error *err);

/* Signed call with explicit credentials (NULL: unsigned, as STS AssumeRoleWithWebIdentity). */
int ag_aws_call_with(struct ag_aws_client *c, enum ag_aws_service svc, const char *action,
    const struct ag_kvlist *params, const struct ag_aws_creds *creds, struct ag_aws_response *resp,
    struct ag_error *err);

/* Parses an ISO-8601 timestamp ("2026-01-02T03:04:05Z", fractions allowed; a
 * "+HH:MM" offset, or none, meaning UTC). */
int ag_aws_parse_time(const char *s, int64_t *out_ms);

/*
 * The JSON a credential_process prints: {"Version": 1, "AccessKeyId",
 * "SecretAccessKey", "SessionToken" (optional), "Expiration" (RFC 3339,
 * optional: none means the keys do not expire)}. what names the source.
 */
int ag_aws_process_creds_parse(
    struct ag_aws_creds *out, const char *json, size_t len, const char *what, struct ag_error *err);

/* The IAM Identity Center portal's GetRoleCredentials reply:
 * {"roleCredentials": {"accessKeyId", "secretAccessKey", "sessionToken",
 * "expiration": milliseconds since the epoch}}. */
int ag_aws_sso_creds_parse(
    struct ag_aws_creds *out, const char *json, size_t len, const char *what, struct ag_error *err);

/* The file `aws sso login` caches a token in: DIR/<sha1 hex of key>.json,
 * key being the sso_session name, or the start URL for the legacy form. */
char *ag_aws_sso_cache_file(const char *dir, const char *key);

/*
 * Lanes: what the concurrent reads (aws/batch.h) run on. A lane of c has
 * c's configuration, endpoints, clock, stop flag and known secrets, and
 * counters, request ids and a last error of its own; its credentials are
 * c's, resolved or refreshed by c under c's lock. Lanes are made and
 * merged on the thread that owns c, which meanwhile makes no call on c.
 */
struct ag_aws_client *ag_aws_lane_new(struct ag_aws_client *c);
/* c's easy handle number i (< AG_AWS_MAX_IN_FLIGHT) for lanes, made on
 * first use and kept with its connections; NULL when libcurl cannot make
 * one. */
void *ag_aws_lane_handle(struct ag_aws_client *c, int i);
/* Lends a handle to a lane for the task it runs (NULL: takes it back). */
void ag_aws_lane_set_handle(struct ag_aws_client *lane, void *handle);
/* Adds what the lane recorded (request and error counts, request ids,
 * secrets; its last error when take_error) to its parent, then frees it. */
void ag_aws_lane_merge(struct ag_aws_client *lane, bool take_error);
void ag_aws_client_clear_last_error(struct ag_aws_client *c);

#endif
