#include "agent/webhook.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "sys/fs.h"

#include "core/compat.h"

static int
unhex(unsigned char *out, size_t n, const char *hex)
{
	size_t i;
	int hi, lo;

	if (strlen(hex) != 2 * n)
		return -1;
	for (i = 0; i < n; i++) {
		hi = (unsigned char)hex[2 * i];
		lo = (unsigned char)hex[2 * i + 1];
#define NIB(c)                                                                                     \
	((c) >= '0' && (c) <= '9'      ? (c) - '0'                                                 \
	    : (c) >= 'a' && (c) <= 'f' ? (c) - 'a' + 10                                            \
	    : (c) >= 'A' && (c) <= 'F' ? (c) - 'A' + 10                                            \
	                               : -1)
		hi = NIB(hi);
		lo = NIB(lo);
#undef NIB
		if (hi < 0 || lo < 0)
			return -1;
		out[i] = (unsigned char)(hi << 4 | lo);
	}
	return 0;
}

static enum ag_webhook_verdict
github(const struct ag_webhook_headers *h, const void *body, size_t body_len,
    const unsigned char *secret, size_t secret_len, char *why, size_t why_len)
{
	unsigned char want[32], got[32];
	unsigned int mac_len = 0;
	const char *sig = h->github_signature;

	if (sig == NULL) {
		snprintf(why, why_len, "GitHub delivery without X-Hub-Signature-256");
		return AG_WEBHOOK_REJECT;
	}
	if (strncmp(sig, "sha256=", 7) != 0 || unhex(got, sizeof(got), sig + 7) != 0) {
		snprintf(why, why_len, "malformed X-Hub-Signature-256 (expected sha256=<64 hex>)");
		return AG_WEBHOOK_REJECT;
	}
	if (HMAC(EVP_sha256(), secret, (int)secret_len, body, body_len, want, &mac_len) == NULL ||
	    mac_len != sizeof(want)) {
		snprintf(why, why_len, "HMAC-SHA256 could not be computed");
		return AG_WEBHOOK_REJECT;
	}
	if (CRYPTO_memcmp(want, got, sizeof(want)) != 0) {
		snprintf(why, why_len, "X-Hub-Signature-256 does not match the body");
		return AG_WEBHOOK_REJECT;
	}
	if (h->github_event == NULL || strcmp(h->github_event, "push") != 0) {
		snprintf(why, why_len, "GitHub event '%.40s' ignored",
		    h->github_event ? h->github_event : "");
		return AG_WEBHOOK_OTHER;
	}
	snprintf(why, why_len, "GitHub push");
	return AG_WEBHOOK_PUSH;
}

static enum ag_webhook_verdict
gitlab(const struct ag_webhook_headers *h, const unsigned char *secret, size_t secret_len,
    char *why, size_t why_len)
{
	unsigned char a[32], b[32];
	unsigned int la = 0, lb = 0;
	static const unsigned char k[] = "aurora-gitops token compare";
	size_t tlen = strlen(h->gitlab_token);

	/*
	 * Compare digests of the two tokens: CRYPTO_memcmp needs equal
	 * lengths, and comparing MACs keeps the token's length from timing.
	 */
	if (HMAC(EVP_sha256(), k, sizeof(k) - 1, (const unsigned char *)h->gitlab_token, tlen, a,
	        &la) == NULL ||
	    HMAC(EVP_sha256(), k, sizeof(k) - 1, secret, secret_len, b, &lb) == NULL || la != lb) {
		snprintf(why, why_len, "token digest could not be computed");
		return AG_WEBHOOK_REJECT;
	}
	if (CRYPTO_memcmp(a, b, sizeof(a)) != 0) {
		snprintf(why, why_len, "X-Gitlab-Token does not match");
		return AG_WEBHOOK_REJECT;
	}
	if (h->gitlab_event == NULL || strcmp(h->gitlab_event, "Push Hook") != 0) {
		snprintf(why, why_len, "GitLab event '%.40s' ignored",
		    h->gitlab_event ? h->gitlab_event : "");
		return AG_WEBHOOK_OTHER;
	}
	snprintf(why, why_len, "GitLab push");
	return AG_WEBHOOK_PUSH;
}

enum ag_webhook_verdict
ag_webhook_check(const struct ag_webhook_headers *h, const void *body, size_t body_len,
    const unsigned char *secret, size_t secret_len, char *why, size_t why_len)
{
	if (secret == NULL || secret_len == 0) {
		snprintf(why, why_len, "no webhook secret configured");
		return AG_WEBHOOK_REJECT;
	}
	if (h->github_signature != NULL || h->github_event != NULL)
		return github(h, body, body_len, secret, secret_len, why, why_len);
	if (h->gitlab_token != NULL)
		return gitlab(h, secret, secret_len, why, why_len);
	snprintf(why, why_len, "neither X-Hub-Signature-256 nor X-Gitlab-Token present");
	return AG_WEBHOOK_REJECT;
}

int
ag_webhook_load_secret(
    struct ag_buf *out, const char *file, const char *env_value, struct ag_error *err)
{
	struct stat st;
	int rc;

	ag_buf_reset(out);
	if (file != NULL) {
		if (stat(file, &st) != 0)
			return ag_error_set(err, AG_EIO, "cannot read webhook secret '%s': %s",
			    file, strerror(errno));
		if (st.st_mode & (S_IWGRP | S_IWOTH))
			return ag_error_set(err, AG_EDENIED,
			    "webhook secret '%s' is writable by group or others; chmod 600 it",
			    file);
		rc = ag_fs_read(out, file, err);
		if (rc != 0)
			return rc;
	} else if (env_value != NULL) {
		rc = ag_buf_adds(out, env_value);
		if (rc != 0)
			return ag_error_set(
			    err, rc, "webhook secret in the environment is too long");
	}
	while (out->len > 0 && (out->ptr[out->len - 1] == '\n' || out->ptr[out->len - 1] == '\r'))
		out->ptr[--out->len] = '\0';
	if (out->len == 0)
		return ag_error_set(err, AG_EINVAL, "webhook secret %s%s%s is empty",
		    file ? "'" : "", file ? file : "from the environment", file ? "'" : "");
	return 0;
}
