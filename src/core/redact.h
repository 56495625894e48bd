#ifndef AG_CORE_REDACT_H
#define AG_CORE_REDACT_H

#include <stddef.h>

/*
 * The secrets a process knows (passwords it sends, credentials), so that
 * every message can be cleaned of them before it is printed or stored: an
 * AWS error body, a proxy's 5xx page or a log line may echo a request back.
 * Values are kept in heap memory that is wiped when released.
 */
struct ag_redactor {
	char **v;
	size_t n;
	size_t cap;
};

#define AG_REDACTOR_INIT                                                                           \
	{                                                                                          \
		NULL, 0, 0                                                                         \
	}
/* What a secret is replaced with. */
#define AG_REDACTED "[redacted]"
/* Shorter values are not treated as secrets: hiding every "a" in a message
 * would make it unreadable, and no AWS secret is that short. */
#define AG_REDACT_MIN 3

void ag_redactor_init(struct ag_redactor *r);
/* Wipes and frees every value. */
void ag_redactor_release(struct ag_redactor *r);
/*
 * Adds a secret (copied), and its form-urlencoded spelling when that
 * differs (a proxy that echoes the request body shows that one). NULL,
 * values shorter than AG_REDACT_MIN and values already known are ignored.
 */
void ag_redactor_add(struct ag_redactor *r, const char *secret);

/*
 * A copy of len bytes of text (heap, NUL-terminated) with every occurrence
 * of every secret in r replaced by AG_REDACTED, longest secrets first. r may
 * be NULL (a plain copy).
 */
char *ag_redact(const struct ag_redactor *r, const char *text, size_t len);

/* ag_redact() in place on a NUL-terminated buffer of size bufsz (the
 * result is cut to fit). */
void ag_redact_buf(const struct ag_redactor *r, char *buf, size_t bufsz);

#endif
