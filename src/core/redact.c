/* Removing known secrets from messages before they are printed or stored. */
#include "core/redact.h"
#include "core/buf.h"
#include "core/mem.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/compat.h"

void
ag_redactor_init(struct ag_redactor *r)
{
	memset(r, 0, sizeof(*r));
}

void
ag_redactor_release(struct ag_redactor *r)
{
	size_t i;

	if (r == NULL)
		return;
	for (i = 0; i < r->n; i++) {
		explicit_bzero(r->v[i], strlen(r->v[i]));
		free(r->v[i]);
	}
	free(r->v);
	ag_redactor_init(r);
}

static void
add_one(struct ag_redactor *r, const char *s)
{
	size_t i, len = strlen(s);

	if (len < AG_REDACT_MIN)
		return;
	for (i = 0; i < r->n; i++)
		if (strcmp(r->v[i], s) == 0)
			return;
	AG_GROW(r->v, r->cap, r->n + 1);
	/* Keep the longest first, so a secret that contains another one is
	 * replaced whole. */
	for (i = r->n; i > 0 && strlen(r->v[i - 1]) < len; i--)
		r->v[i] = r->v[i - 1];
	r->v[i] = ag_xstrdup(s);
	r->n++;
}

/* The spelling of application/x-www-form-urlencoded as the AWS Query
 * encoder writes it (RFC 3986 unreserved characters kept, %XX otherwise). */
static char *
form_encode(const char *s)
{
	struct ag_buf b = AG_BUF_INIT((size_t)1 << 20);

	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		    c == '-' || c == '_' || c == '.' || c == '~')
			(void)ag_buf_addc(&b, (char)c);
		else
			(void)ag_buf_addf(&b, "%%%02X", c);
	}
	return ag_buf_detach(&b, NULL);
}

void
ag_redactor_add(struct ag_redactor *r, const char *secret)
{
	char *enc;

	if (secret == NULL)
		return;
	add_one(r, secret);
	enc = form_encode(secret);
	add_one(r, enc);
	explicit_bzero(enc, strlen(enc));
	free(enc);
}

char *
ag_redact(const struct ag_redactor *r, const char *text, size_t len)
{
	struct ag_buf out = AG_BUF_INIT((size_t)-1 / 2);
	char *cur = ag_xstrndup(text, len), *next;
	size_t i;

	for (i = 0; r != NULL && i < r->n; i++) {
		const char *s = r->v[i], *p = cur, *hit;
		size_t sl = strlen(s);

		if (strstr(cur, s) == NULL)
			continue;
		ag_buf_reset(&out);
		while ((hit = strstr(p, s)) != NULL) {
			(void)ag_buf_add(&out, p, (size_t)(hit - p));
			(void)ag_buf_adds(&out, AG_REDACTED);
			p = hit + sl;
		}
		(void)ag_buf_adds(&out, p);
		explicit_bzero(cur, strlen(cur));
		free(cur);
		next = ag_buf_detach(&out, NULL);
		cur = next;
	}
	ag_buf_release(&out);
	return cur;
}

/* A message cut to fit its buffer may end in the first bytes of a secret:
 * such a tail (AG_REDACT_MIN bytes or more) is replaced as well. */
static void
tail_prefix(const struct ag_redactor *r, char *buf, size_t bufsz)
{
	size_t len = strlen(buf), i, k;

	if (len + 1 < bufsz)
		return; /* not cut */
	for (i = 0; i < r->n; i++) {
		size_t sl = strlen(r->v[i]);

		for (k = sl - 1 < len ? sl - 1 : len; k >= AG_REDACT_MIN; k--) {
			if (memcmp(buf + len - k, r->v[i], k) != 0)
				continue;
			if (len - k + sizeof(AG_REDACTED) <= bufsz) {
				memcpy(buf + len - k, AG_REDACTED, sizeof(AG_REDACTED));
			} else {
				memset(buf + len - k, '*', k);
			}
			return;
		}
	}
}

void
ag_redact_buf(const struct ag_redactor *r, char *buf, size_t bufsz)
{
	char *clean;

	if (r == NULL || r->n == 0 || bufsz == 0)
		return;
	clean = ag_redact(r, buf, strlen(buf));
	snprintf(buf, bufsz, "%s", clean);
	explicit_bzero(clean, strlen(clean));
	free(clean);
	tail_prefix(r, buf, bufsz);
}
