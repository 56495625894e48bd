/*
 * Pure rules of the forge transport: which URLs may carry a token, how to
 * follow pagination, when and how long to wait before a retry.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/buf.h"
#include "core/error.h"
#include "core/kv.h"
#include "core/mem.h"
#include "forge/forge.h"

#include "core/compat.h"

static bool
loopback_host(const char *h, size_t n)
{
	size_t i, dots = 0;

	if ((n == 9 && strncasecmp(h, "localhost", 9) == 0) ||
	    (n == 5 && strncmp(h, "[::1]", 5) == 0))
		return true;
	if (n < 9 || strncmp(h, "127.", 4) != 0)
		return false;
	for (i = 0; i < n; i++) {
		if (h[i] == '.')
			dots++;
		else if (h[i] < '0' || h[i] > '9')
			return false;
	}
	return dots == 3;
}

int
ag_forge_check_url(const char *url, struct ag_error *err)
{
	const char *host, *end;
	size_t n;

	if (url == NULL || *url == '\0')
		return ag_error_set(err, AG_EINVAL, "API URL is empty");
	for (end = url; *end; end++)
		if ((unsigned char)*end <= 0x20 || (unsigned char)*end == 0x7f)
			return ag_error_set(err, AG_EINVAL,
			    "API URL '%s' contains a space or control character", url);
	if (strncmp(url, "https://", 8) == 0)
		host = url + 8;
	else if (strncmp(url, "http://", 7) == 0)
		host = url + 7;
	else
		return ag_error_set(err, AG_EINVAL, "API URL '%s' must start with https://", url);
	if (strchr(url, '@') != NULL && strchr(url, '@') < host + strcspn(host, "/"))
		return ag_error_set(err, AG_EINVAL,
		    "API URL '%s' must not carry credentials; the token comes from the environment",
		    url);
	if (*host == '[')
		n = strcspn(host, "]") + 1;
	else
		n = strcspn(host, ":/?#");
	if (n == 0 || (*host == '[' && host[n - 1] != ']'))
		return ag_error_set(err, AG_EINVAL, "API URL '%s' has no host", url);
	if (url[4] == ':' && !loopback_host(host, n))
		return ag_error_set(err, AG_EINVAL,
		    "API URL '%s' is plain http to a host that is not loopback: use https "
		    "(the token would travel in clear text)",
		    url);
	return 0;
}

char *
ag_forge_link_next(const char *link)
{
	const char *p = link;

	while (p != NULL && *p) {
		const char *lt = strchr(p, '<'), *gt, *end, *rel;

		if (lt == NULL)
			return NULL;
		gt = strchr(lt, '>');
		if (gt == NULL)
			return NULL;
		end = strchr(gt, ',');
		/* a URL may contain ',' only inside <>: the params end at the
		 * next ',' after '>' */
		rel = strstr(gt, "rel=");
		if (rel != NULL && (end == NULL || rel < end)) {
			const char *v = rel + 4;
			size_t vn;

			if (*v == '"')
				v++;
			vn = strcspn(v, "\";, ");
			/* rel may list several relation types: "next last" */
			while (vn > 0) {
				if (vn == 4 && strncmp(v, "next", 4) == 0)
					return ag_xstrndup(lt + 1, (size_t)(gt - lt - 1));
				v += vn;
				if (*v != ' ')
					break;
				v++;
				vn = strcspn(v, "\";, ");
			}
		}
		p = end != NULL ? end + 1 : NULL;
	}
	return NULL;
}

bool
ag_forge_same_origin(const char *base, const char *url)
{
	size_t n;

	if (base == NULL || url == NULL)
		return false;
	n = strlen(base);
	while (n > 0 && base[n - 1] == '/')
		n--;
	if (strncmp(base, url, n) != 0)
		return false;
	return url[n] == '\0' || url[n] == '/' || url[n] == '?';
}

/* A non-negative decimal number of seconds, bounded. */
static bool
parse_secs(int64_t *out, const char *s)
{
	int64_t v = 0;

	if (s == NULL)
		return false;
	while (*s == ' ')
		s++;
	if (*s < '0' || *s > '9')
		return false;
	for (; *s >= '0' && *s <= '9'; s++) {
		if (v > (int64_t)1 << 40)
			return false;
		v = v * 10 + (*s - '0');
	}
	while (*s == ' ')
		s++;
	if (*s != '\0')
		return false;
	*out = v;
	return true;
}

static const char *
header(const struct ag_kvlist *h, const char *name)
{
	return h != NULL ? ag_kvlist_get(h, name) : NULL;
}

int64_t
ag_forge_retry_wait(bool *rate_limited, long status, const struct ag_kvlist *headers, int attempt,
    int64_t now_s, int64_t base_ms, double u)
{
	const char *remaining = header(headers, "x-ratelimit-remaining");
	const char *retry_after = header(headers, "retry-after");
	const char *reset = header(headers, "x-ratelimit-reset");
	int64_t v, cap, half;

	*rate_limited = false;
	if (reset == NULL)
		reset = header(headers, "ratelimit-reset"); /* GitLab */
	if (status == 429 ||
	    (status == 403 &&
	        ((remaining != NULL && strcmp(remaining, "0") == 0) || retry_after != NULL))) {
		*rate_limited = true;
		if (parse_secs(&v, retry_after))
			return v * 1000;
		if (parse_secs(&v, reset) && v > now_s)
			return (v - now_s) * 1000 + 1000;
		/* no hint: GitHub documents "at least one minute" for
		 * secondary limits */
		return 60000;
	}
	if (status != 0 && status != 500 && status != 502 && status != 503 && status != 504)
		return -1;
	if (parse_secs(&v, retry_after))
		return v * 1000;
	if (attempt < 0)
		attempt = 0;
	cap = base_ms << (attempt < 10 ? attempt : 10);
	if (u < 0)
		u = 0;
	if (u >= 1)
		u = 0.999999;
	/* half fixed, half jitter: never zero, never in lockstep */
	half = cap / 2;
	return half + (int64_t)(u * (double)half);
}

char *
ag_forge_escape_segment(const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	struct ag_buf b = AG_BUF_INIT(1 << 16);
	const unsigned char *p;

	for (p = (const unsigned char *)s; *p; p++) {
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || *p == '-' || *p == '.' || *p == '_' || *p == '~')
			(void)ag_buf_addc(&b, (char)*p);
		else
			(void)ag_buf_addf(&b, "%%%c%c", hex[*p >> 4], hex[*p & 15]);
	}
	return ag_buf_detach(&b, NULL);
}
