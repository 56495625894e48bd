#ifndef AG_AGENT_WEBHOOK_H
#define AG_AGENT_WEBHOOK_H

#include <stddef.h>

#include "core/buf.h"
#include "core/error.h"

/*
 * Webhook authentication. GitHub signs the raw body: X-Hub-Signature-256:
 * sha256=<hex HMAC-SHA256(secret, body)>; GitLab sends the secret itself
 * in X-Gitlab-Token. Both are compared in constant time. Nothing in the
 * body is trusted before that: a push only makes the agent look at the
 * remote sooner, it never names what to apply.
 */
enum ag_webhook_verdict {
	AG_WEBHOOK_REJECT = 0, /* missing or wrong signature/token: 401 */
	AG_WEBHOOK_PUSH,       /* authenticated push: check the remote now */
	AG_WEBHOOK_OTHER,      /* authenticated, another event (ping, tag...): nothing to do */
};

struct ag_webhook_headers {
	const char *github_event;     /* X-GitHub-Event */
	const char *github_signature; /* X-Hub-Signature-256 */
	const char *gitlab_event;     /* X-Gitlab-Event */
	const char *gitlab_token;     /* X-Gitlab-Token */
};

/*
 * Judges one delivery. why gets a short reason for the log (never the
 * secret, the signature or the token).
 */
enum ag_webhook_verdict ag_webhook_check(const struct ag_webhook_headers *h, const void *body,
    size_t body_len, const unsigned char *secret, size_t secret_len, char *why, size_t why_len);

/*
 * Reads the shared secret: from file (refused when group or others can
 * write it, or when it is empty) else from the environment variable env
 * (the caller passes getenv's value). A trailing newline is dropped. The
 * buffer is wiped by the caller when done.
 */
int ag_webhook_load_secret(
    struct ag_buf *out, const char *file, const char *env_value, struct ag_error *err);

#endif
