#ifndef AG_SECRETS_INTERNAL_H
#define AG_SECRETS_INTERNAL_H

/* Shared by the ag_secrets sources only; not part of the public API. */

#include <stddef.h>

#include "secrets/secrets.h"

#define AG_B64_VARIANT sodium_base64_VARIANT_URLSAFE_NO_PADDING

/* True for the bytes of base64url without padding: [A-Za-z0-9_-]. */
int ag__b64_char(unsigned char c);

/* Encodes n bytes as base64url without padding (heap string, free()). */
char *ag__b64_encode(const unsigned char *bin, size_t n);

/* Decodes exactly b64len characters into bin (at most maxlen bytes);
 * *binlen gets the length. Returns 0, or -1 when the text is not valid
 * base64url or does not fit. */
int ag__b64_decode(
    unsigned char *bin, size_t maxlen, size_t *binlen, const char *b64, size_t b64len);

/* Formats t as RFC 3339 UTC ("2026-01-02T03:04:05Z"). */
void ag__rfc3339(char out[32], time_t t);

/* The key pair of key_id, or NULL when kr has no such key. Borrowed. */
const unsigned char *ag__keyring_secret(
    const struct ag_keyring *kr, const char *key_id, const unsigned char **pk);

/* "key: value" lines of a key file. Values point into the parsed buffer. */
struct ag__kline {
	const char *key;
	size_t keylen;
	const char *val;
	size_t vallen;
	unsigned line;
};

#define AG__KLINES_MAX 8

/*
 * Splits a key file: the first line must be header; the others are blank,
 * '#' comments or "key: value". Each key in allowed (NULL-terminated) may
 * appear once; others are errors (file:line). Never copies values, so it is
 * safe on buffers that hold secret keys, and never quotes a value.
 */
int ag__keyfile_split(struct ag__kline *out, size_t *n, const char *buf, size_t len,
    const char *header, const char *const *allowed, const char *filename, struct ag_error *err);

/* The value of key in lines, or NULL. */
const struct ag__kline *ag__kline_get(const struct ag__kline *lines, size_t n, const char *key);

#endif
