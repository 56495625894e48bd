/*
 * libFuzzer target for webhook authentication (ag_webhook_check), the part
 * of the listener that sees a delivery before anything is trusted. The
 * input is split on NUL bytes into: flags, X-GitHub-Event,
 * X-Hub-Signature-256, X-Gitlab-Event, X-Gitlab-Token, the secret, and the
 * body (the rest, NULs included). Flag bits say which headers are present
 * (an absent header is NULL, not empty) and whether the signature header is
 * replaced by the correct HMAC of the body (or the token by the secret),
 * so the event branches behind the checks are reached too. The secret is
 * the field prefixed with a 0x01 byte, which neither the fixed reason texts
 * nor the echoed event names (0x01 replaced there) hold, so a 0x01 in the
 * reason means the secret leaked. Properties checked: a verdict other
 * than REJECT needs the right signature (GitHub) or the right token
 * (GitLab), and the reason never contains the secret.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "agent/webhook.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define NFIELDS 6

static void
sign(char out[7 + 65], const unsigned char *secret, size_t slen, const void *body, size_t blen)
{
	static const char hex[] = "0123456789abcdef";
	unsigned char mac[32];
	unsigned int n = 0;
	size_t i;

	if (HMAC(EVP_sha256(), secret, (int)slen, body, blen, mac, &n) == NULL || n != sizeof(mac))
		abort();
	memcpy(out, "sha256=", 7);
	for (i = 0; i < sizeof(mac); i++) {
		out[7 + 2 * i] = hex[mac[i] >> 4];
		out[7 + 2 * i + 1] = hex[mac[i] & 15];
	}
	out[7 + 64] = '\0';
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *copy, *f[NFIELDS], *p, *end, why[256], good[7 + 65], *secret;
	const unsigned char *body;
	size_t i, blen, slen;
	struct ag_webhook_headers h = {0};
	enum ag_webhook_verdict v;
	unsigned flags;

	if (size < 1)
		return 0;
	copy = malloc(size + 1);
	if (copy == NULL)
		abort();
	memcpy(copy, data, size);
	copy[size] = '\0';
	flags = (unsigned char)copy[0];
	p = copy + 1;
	end = copy + size;
	for (i = 0; i < NFIELDS; i++) {
		char *z = memchr(p, '\0', (size_t)(end - p) + 1);

		f[i] = p;
		p = z < end ? z + 1 : end;
	}
	body = (const unsigned char *)p;
	blen = (size_t)(end - p);
	/* 0x01 marks the secret: the echoed event names never carry one. */
	for (i = 0; i < 3; i += 2)
		for (p = f[i]; *p; p++)
			if (*p == '\x01')
				*p = '\x02';
	slen = strlen(f[4]) + 1;
	secret = malloc(slen + 1);
	if (secret == NULL)
		abort();
	secret[0] = '\x01';
	memcpy(secret + 1, f[4], slen);
	h.github_event = flags & 1 ? f[0] : NULL;
	h.github_signature = flags & 2 ? f[1] : NULL;
	h.gitlab_event = flags & 4 ? f[2] : NULL;
	h.gitlab_token = flags & 8 ? f[3] : NULL;
	if (flags & 16) {
		sign(good, (const unsigned char *)secret, slen, body, blen);
		h.github_signature = good;
	}
	if (flags & 32)
		h.gitlab_token = secret;
	if (flags & 64)
		slen = 0; /* no secret configured */
	memset(why, 'x', sizeof(why));
	v = ag_webhook_check(&h, body, blen, (const unsigned char *)secret, slen, why, sizeof(why));
	if (memchr(why, '\0', sizeof(why)) == NULL)
		abort(); /* the reason is always terminated */
	if (v != AG_WEBHOOK_REJECT) {
		if (slen == 0)
			abort();
		if (h.github_signature != NULL || h.github_event != NULL) {
			sign(good, (const unsigned char *)secret, slen, body, blen);
			if (h.github_signature == NULL || strcasecmp(h.github_signature, good) != 0)
				abort(); /* accepted without the right HMAC */
		} else if (h.gitlab_token == NULL || strcmp(h.gitlab_token, secret) != 0) {
			abort(); /* accepted without the right token */
		}
	}
	if (slen > 0 && strchr(why, '\x01') != NULL)
		abort(); /* the secret leaked into the reason */
	free(secret);
	free(copy);
	return 0;
}
