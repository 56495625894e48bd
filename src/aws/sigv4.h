#ifndef AG_AWS_SIGV4_H
#define AG_AWS_SIGV4_H

#include <stddef.h>

#include "core/error.h"
#include "core/kv.h"

/*
 * AWS Signature Version 4 (header signing), pure functions: no clock, no
 * environment, no I/O, so the AWS test suite can drive them directly.
 */

struct ag_sigv4_creds {
	const char *access_key_id;
	const char *secret_access_key;
	const char *session_token; /* NULL or "": none */
};

struct ag_sigv4_request {
	const char *method;              /* "POST" */
	const char *path;                /* as sent, e.g. "/" (raw bytes, not yet encoded) */
	const char *query;               /* raw query string without '?', or NULL */
	const struct ag_kvlist *headers; /* name: value as sent; Host and X-Amz-Date included */
	const void *body;
	size_t body_len;
	int normalize_path; /* remove dot segments and duplicate slashes */
};

struct ag_sigv4_result {
	char *canonical_request;
	char *string_to_sign;
	char *signed_headers;
	char *authorization; /* the Authorization header value */
	char signature[65];
};

void ag_sigv4_result_release(struct ag_sigv4_result *r);

/*
 * Signs req at amz_date ("YYYYMMDDTHHMMSSZ"). When creds carries a session
 * token and the headers do not already hold X-Amz-Security-Token, it is
 * signed as if it were present; the caller must then send it too.
 */
int ag_sigv4_sign(struct ag_sigv4_result *out, const struct ag_sigv4_request *req,
    const struct ag_sigv4_creds *creds, const char *region, const char *service,
    const char *amz_date, struct ag_error *err);

/* Lowercase hex SHA-256 of data (out gets 65 bytes). */
void ag_sigv4_sha256_hex(char out[65], const void *data, size_t len);

/* Formats ms since the epoch as "YYYYMMDDTHHMMSSZ" (out gets 17 bytes). */
void ag_sigv4_amz_date(char out[17], long long epoch_ms);

#endif
