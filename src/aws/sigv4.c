/*
 * AWS Signature Version 4, header variant. Follows the steps of the AWS
 * "Create a signed AWS API request" guide: canonical request, string to
 * sign, signing key derivation, signature. Hashing and HMAC come from
 * OpenSSL libcrypto.
 */
#include "aws/sigv4.h"
#include "core/buf.h"
#include "core/mem.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>

#include "core/compat.h"

#define SIGV4_MAX (1024 * 1024)

static void
hex_encode(char *out, const unsigned char *in, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < n; i++) {
		out[2 * i] = hex[in[i] >> 4];
		out[2 * i + 1] = hex[in[i] & 15];
	}
	out[2 * n] = '\0';
}

void
ag_sigv4_sha256_hex(char out[65], const void *data, size_t len)
{
	unsigned char md[SHA256_DIGEST_LENGTH];

	SHA256(data, len, md);
	hex_encode(out, md, sizeof(md));
}

void
ag_sigv4_amz_date(char out[17], long long epoch_ms)
{
	time_t t = (time_t)(epoch_ms / 1000);
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(out, 17, "%Y%m%dT%H%M%SZ", &tm);
}

static int
hmac(unsigned char out[32], const void *key, size_t keylen, const char *msg)
{
	unsigned int n = 32;

	if (HMAC(EVP_sha256(), key, (int)keylen, (const unsigned char *)msg, strlen(msg), out,
	        &n) == NULL)
		return -1;
	return 0;
}

static int
unreserved(unsigned char c)
{
	return isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~';
}

static void
uri_encode(struct ag_buf *b, const char *s, size_t n, int keep_slash)
{
	size_t i;

	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (unreserved(c) || (keep_slash && c == '/'))
			ag_buf_addc(b, (char)c);
		else
			ag_buf_addf(b, "%%%02X", c);
	}
}

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Percent-decodes s[0..n) ('+' stays '+'); returns a heap string. */
static char *
uri_decode(const char *s, size_t n, size_t *outlen)
{
	char *out = ag_xmalloc(n + 1);
	size_t i, j = 0;

	for (i = 0; i < n; i++) {
		if (s[i] == '%' && i + 2 < n && hexval(s[i + 1]) >= 0 && hexval(s[i + 2]) >= 0) {
			out[j++] = (char)(hexval(s[i + 1]) * 16 + hexval(s[i + 2]));
			i += 2;
		} else {
			out[j++] = s[i];
		}
	}
	out[j] = '\0';
	*outlen = j;
	return out;
}

/* RFC 3986 section 5.2.4 plus collapsing of empty segments. */
static char *
normalize_path(const char *path)
{
	struct ag_strlist segs = AG_STRLIST_INIT;
	struct ag_buf b = AG_BUF_INIT(SIGV4_MAX);
	const char *p = path, *e;
	size_t i;
	int trailing = 0;

	while (*p) {
		while (*p == '/')
			p++;
		if (!*p) {
			trailing = 1;
			break;
		}
		e = strchr(p, '/');
		if (!e)
			e = p + strlen(p);
		if ((size_t)(e - p) == 1 && p[0] == '.') {
			trailing = *e == '/' || !*e;
		} else if ((size_t)(e - p) == 2 && p[0] == '.' && p[1] == '.') {
			if (segs.n > 0) {
				free(segs.v[segs.n - 1]);
				segs.n--;
			}
			trailing = 1;
		} else {
			char *seg = ag_xstrndup(p, (size_t)(e - p));

			ag_strlist_add(&segs, seg);
			free(seg);
			trailing = *e == '/';
		}
		p = e;
	}
	for (i = 0; i < segs.n; i++) {
		ag_buf_addc(&b, '/');
		ag_buf_adds(&b, segs.v[i]);
	}
	if (segs.n == 0 || trailing)
		ag_buf_addc(&b, '/');
	ag_strlist_release(&segs);
	return ag_buf_detach(&b, NULL);
}

struct qpair {
	char *k;
	char *v;
};

static int
qpair_cmp(const void *a, const void *b)
{
	const struct qpair *x = a, *y = b;
	int r = strcmp(x->k, y->k);

	return r ? r : strcmp(x->v, y->v);
}

static void
canonical_query(struct ag_buf *b, const char *q)
{
	struct qpair *v = NULL;
	size_t n = 0, cap = 0, i;
	const char *p = q, *e, *eq;

	while (p && *p) {
		struct ag_buf kb = AG_BUF_INIT(SIGV4_MAX), vb = AG_BUF_INIT(SIGV4_MAX);
		char *dk, *dv;
		size_t dkl, dvl;

		e = strchr(p, '&');
		if (!e)
			e = p + strlen(p);
		if (e == p) {
			p = *e ? e + 1 : e;
			continue;
		}
		eq = memchr(p, '=', (size_t)(e - p));
		dk = uri_decode(p, (size_t)((eq ? eq : e) - p), &dkl);
		dv = eq ? uri_decode(eq + 1, (size_t)(e - eq - 1), &dvl) : ag_xstrdup("");
		if (!eq)
			dvl = 0;
		uri_encode(&kb, dk, dkl, 0);
		uri_encode(&vb, dv, dvl, 0);
		free(dk);
		free(dv);
		AG_GROW(v, cap, n + 1);
		v[n].k = ag_buf_detach(&kb, NULL);
		v[n].v = ag_buf_detach(&vb, NULL);
		n++;
		p = *e ? e + 1 : e;
	}
	if (n)
		qsort(v, n, sizeof(*v), qpair_cmp);
	for (i = 0; i < n; i++) {
		ag_buf_addf(b, "%s%s=%s", i ? "&" : "", v[i].k, v[i].v);
		free(v[i].k);
		free(v[i].v);
	}
	free(v);
}

struct hdr {
	char *name; /* lowercase */
	struct ag_buf value;
	size_t order;
};

static int
hdr_cmp(const void *a, const void *b)
{
	const struct hdr *x = a, *y = b;
	int r = strcmp(x->name, y->name);

	if (r)
		return r;
	return x->order < y->order ? -1 : x->order > y->order;
}

/* Trims and collapses runs of whitespace (incl. folded lines) to one space. */
static void
add_trimmed(struct ag_buf *b, const char *s)
{
	int space = 0, started = 0;

	for (; *s; s++) {
		if (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n') {
			space = started;
			continue;
		}
		if (space)
			ag_buf_addc(b, ' ');
		space = 0;
		started = 1;
		ag_buf_addc(b, *s);
	}
}

void
ag_sigv4_result_release(struct ag_sigv4_result *r)
{
	if (!r)
		return;
	free(r->canonical_request);
	free(r->string_to_sign);
	free(r->signed_headers);
	free(r->authorization);
	memset(r, 0, sizeof(*r));
}

int
ag_sigv4_sign(struct ag_sigv4_result *out, const struct ag_sigv4_request *req,
    const struct ag_sigv4_creds *creds, const char *region, const char *service,
    const char *amz_date, struct ag_error *err)
{
	struct ag_buf creq = AG_BUF_INIT(SIGV4_MAX), sts = AG_BUF_INIT(SIGV4_MAX);
	struct ag_buf sh = AG_BUF_INIT(SIGV4_MAX), auth = AG_BUF_INIT(SIGV4_MAX);
	struct hdr *h = NULL;
	size_t nh = 0, caph = 0, i, j, k;
	char hash[65], date[9], *path = NULL, *key = NULL;
	unsigned char k1[32], k2[32], k3[32], k4[32], sig[32];
	int have_token = 0, ret = AG_OK;

	memset(out, 0, sizeof(*out));
	if (!req->method || !req->path || !creds || !creds->access_key_id ||
	    !creds->secret_access_key || !region || !service || !amz_date ||
	    strlen(amz_date) != 16) {
		ret = ag_error_set(err, AG_EINVAL, "sigv4: incomplete request or credentials");
		goto out;
	}
	memcpy(date, amz_date, 8);
	date[8] = '\0';

	/* Canonical headers: lowercase names, sorted; duplicates joined with ','. */
	for (i = 0; req->headers && i < req->headers->n; i++) {
		const struct ag_kv *kv = &req->headers->v[i];
		char *name = ag_xstrdup(kv->key);

		for (k = 0; name[k]; k++)
			name[k] = (char)tolower((unsigned char)name[k]);
		if (strcmp(name, "x-amz-security-token") == 0)
			have_token = 1;
		AG_GROW(h, caph, nh + 1);
		h[nh].name = name;
		ag_buf_init(&h[nh].value, SIGV4_MAX);
		add_trimmed(&h[nh].value, kv->value ? kv->value : "");
		h[nh].order = nh;
		nh++;
	}
	if (creds->session_token && creds->session_token[0] && !have_token) {
		AG_GROW(h, caph, nh + 1);
		h[nh].name = ag_xstrdup("x-amz-security-token");
		ag_buf_init(&h[nh].value, SIGV4_MAX);
		add_trimmed(&h[nh].value, creds->session_token);
		h[nh].order = nh;
		nh++;
	}
	if (nh)
		qsort(h, nh, sizeof(*h), hdr_cmp);

	ag_buf_addf(&creq, "%s\n", req->method);
	path = req->normalize_path ? normalize_path(req->path) : ag_xstrdup(req->path);
	uri_encode(&creq, path, strlen(path), 1);
	ag_buf_addc(&creq, '\n');
	canonical_query(&creq, req->query);
	ag_buf_addc(&creq, '\n');
	for (i = 0; i < nh; i = j) {
		ag_buf_addf(&creq, "%s:%s", h[i].name, h[i].value.ptr);
		for (j = i + 1; j < nh && strcmp(h[j].name, h[i].name) == 0; j++)
			ag_buf_addf(&creq, ",%s", h[j].value.ptr);
		ag_buf_addc(&creq, '\n');
		ag_buf_addf(&sh, "%s%s", i ? ";" : "", h[i].name);
	}
	ag_buf_addc(&creq, '\n');
	ag_buf_addf(&creq, "%s\n", sh.ptr);
	ag_sigv4_sha256_hex(hash, req->body ? req->body : "", req->body ? req->body_len : 0);
	ag_buf_adds(&creq, hash);

	ag_sigv4_sha256_hex(hash, creq.ptr, creq.len);
	ag_buf_addf(&sts, "AWS4-HMAC-SHA256\n%s\n%s/%s/%s/aws4_request\n%s", amz_date, date, region,
	    service, hash);

	key = ag_xasprintf("AWS4%s", creds->secret_access_key);
	if (hmac(k1, key, strlen(key), date) || hmac(k2, k1, 32, region) ||
	    hmac(k3, k2, 32, service) || hmac(k4, k3, 32, "aws4_request") ||
	    hmac(sig, k4, 32, sts.ptr)) {
		ret = ag_error_set(err, AG_ERROR, "sigv4: HMAC-SHA256 failed");
		goto out;
	}
	hex_encode(out->signature, sig, 32);
	ag_buf_addf(&auth,
	    "AWS4-HMAC-SHA256 Credential=%s/%s/%s/%s/aws4_request, SignedHeaders=%s, Signature=%s",
	    creds->access_key_id, date, region, service, sh.ptr, out->signature);

	out->canonical_request = ag_buf_detach(&creq, NULL);
	out->string_to_sign = ag_buf_detach(&sts, NULL);
	out->signed_headers = ag_buf_detach(&sh, NULL);
	out->authorization = ag_buf_detach(&auth, NULL);
out:
	for (i = 0; i < nh; i++) {
		free(h[i].name);
		ag_buf_release(&h[i].value);
	}
	free(h);
	free(path);
	if (key) {
		explicit_bzero(key, strlen(key));
		free(key);
	}
	explicit_bzero(k1, sizeof(k1));
	explicit_bzero(k2, sizeof(k2));
	explicit_bzero(k3, sizeof(k3));
	explicit_bzero(k4, sizeof(k4));
	ag_buf_release(&creq);
	ag_buf_release(&sts);
	ag_buf_release(&sh);
	ag_buf_release(&auth);
	return ret;
}
