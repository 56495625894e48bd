#include "git/sshsig.h"
#include "core/mem.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "core/compat.h"

#define ARMOR_BEGIN "-----BEGIN SSH SIGNATURE-----"
#define ARMOR_END "-----END SSH SIGNATURE-----"
#define SIG_MAX 8192 /* decoded blob; an ed25519 signature is about 150 bytes */

/* A bounded reader over an SSH wire-format buffer. */
struct rd {
	const unsigned char *p;
	size_t left;
};

static int
rd_u32(struct rd *r, uint32_t *v)
{
	if (r->left < 4)
		return -1;
	*v = ((uint32_t)r->p[0] << 24) | ((uint32_t)r->p[1] << 16) | ((uint32_t)r->p[2] << 8) |
	     r->p[3];
	r->p += 4;
	r->left -= 4;
	return 0;
}

/* An SSH "string": uint32 length + bytes; *s points into the buffer. */
static int
rd_string(struct rd *r, const unsigned char **s, size_t *n)
{
	uint32_t len;

	if (rd_u32(r, &len) < 0 || len > r->left)
		return -1;
	*s = r->p;
	*n = len;
	r->p += len;
	r->left -= len;
	return 0;
}

static int
str_is(const unsigned char *s, size_t n, const char *want)
{
	return n == strlen(want) && memcmp(s, want, n) == 0;
}

/* Decodes "string keytype || string key" for ed25519 into key. */
static int
ed25519_pubkey(unsigned char key[32], const unsigned char *blob, size_t n)
{
	struct rd r = {blob, n};
	const unsigned char *t, *k;
	size_t tn, kn;

	if (rd_string(&r, &t, &tn) < 0 || !str_is(t, tn, "ssh-ed25519"))
		return -1;
	if (rd_string(&r, &k, &kn) < 0 || kn != 32 || r.left != 0)
		return -1;
	memcpy(key, k, 32);
	return 0;
}

void
ag_allowed_signers_release(struct ag_allowed_signers *s)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		free(s->v[i].principals);
	free(s->v);
	s->v = NULL;
	s->n = 0;
}

/* Next whitespace-separated token of [*p, end); honours double quotes
 * (options like namespaces="git,file"). */
static int
next_token(const char **p, const char *end, const char **tok, size_t *n)
{
	const char *s = *p;
	int q = 0;

	while (s < end && (*s == ' ' || *s == '\t'))
		s++;
	if (s >= end)
		return -1;
	*tok = s;
	while (s < end && (q || (*s != ' ' && *s != '\t'))) {
		if (*s == '"')
			q = !q;
		s++;
	}
	if (q)
		return -2;
	*n = (size_t)(s - *tok);
	*p = s;
	return 0;
}

static int
is_keytype(const char *t, size_t n)
{
	static const char *types[] = {"ssh-ed25519", "ssh-rsa", "ecdsa-sha2-nistp256",
	    "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521", "sk-ssh-ed25519@openssh.com",
	    "sk-ecdsa-sha2-nistp256@openssh.com", "ssh-dss", "rsa-sha2-256", "rsa-sha2-512"};
	size_t i;

	for (i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		if (str_is((const unsigned char *)t, n, types[i]))
			return 1;
	return 0;
}

/* YYYYMMDD[HHMM[SS]][Z] into seconds since the epoch (always read as UTC). */
static int
parse_stamp(int64_t *out, const char *s, size_t n)
{
	int v[6] = {0, 1, 1, 0, 0, 0}, widths[6] = {4, 2, 2, 2, 2, 2};
	size_t i = 0, f;
	int64_t y, m, days;

	if (n > 0 && s[n - 1] == 'Z')
		n--;
	if (n != 8 && n != 12 && n != 14)
		return -1;
	for (f = 0; f < 6 && i < n; f++) {
		int k, x = 0;

		for (k = 0; k < widths[f]; k++, i++) {
			if (s[i] < '0' || s[i] > '9')
				return -1;
			x = x * 10 + (s[i] - '0');
		}
		v[f] = x;
	}
	if (v[1] < 1 || v[1] > 12 || v[2] < 1 || v[2] > 31 || v[3] > 23 || v[4] > 59 || v[5] > 60)
		return -1;
	/* days from civil (proleptic Gregorian) */
	y = v[0] - (v[1] <= 2);
	m = v[1];
	{
		int64_t era = (y >= 0 ? y : y - 399) / 400;
		int64_t yoe = y - era * 400;
		int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + v[2] - 1;
		int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;

		days = era * 146097 + doe - 719468;
	}
	*out = days * 86400 + v[3] * 3600 + v[4] * 60 + v[5];
	return 0;
}

/* Applies one option token to s; unknown options are refused. */
static int
apply_option(struct ag_allowed_signer *s, const char *t, size_t n)
{
	const char *end = t + n;

	while (t < end) {
		const char *comma = t, *eq, *val;
		size_t kn, vn;
		int q = 0;

		while (comma < end && (q || *comma != ',')) {
			if (*comma == '"')
				q = !q;
			comma++;
		}
		eq = memchr(t, '=', (size_t)(comma - t));
		kn = (size_t)((eq ? eq : comma) - t);
		val = eq ? eq + 1 : NULL;
		vn = eq ? (size_t)(comma - val) : 0;
		if (val && vn >= 2 && val[0] == '"' && val[vn - 1] == '"') {
			val++;
			vn -= 2;
		}
		if (str_is((const unsigned char *)t, kn, "namespaces") && val) {
			const char *p = val, *ve = val + vn;

			s->git_namespace_ok = 0;
			while (p < ve) {
				const char *c = memchr(p, ',', (size_t)(ve - p));
				size_t ln = (size_t)((c ? c : ve) - p);

				/* Patterns other than an exact "git" or "*" never
				 * match here: being stricter is safe. */
				if (str_is((const unsigned char *)p, ln, "git") ||
				    str_is((const unsigned char *)p, ln, "*"))
					s->git_namespace_ok = 1;
				p += ln + (c ? 1 : 0);
			}
		} else if (str_is((const unsigned char *)t, kn, "valid-after") && val) {
			if (parse_stamp(&s->valid_after, val, vn) < 0)
				return -1;
		} else if (str_is((const unsigned char *)t, kn, "valid-before") && val) {
			if (parse_stamp(&s->valid_before, val, vn) < 0)
				return -1;
		} else {
			return -1;
		}
		t = comma < end ? comma + 1 : end;
	}
	return 0;
}

int
ag_allowed_signers_parse(struct ag_allowed_signers *out, const char *text, size_t len,
    const char *file, struct ag_error *err)
{
	const char *p = text, *end = text + len;
	unsigned lineno = 0;
	int rc = 0;

	out->v = NULL;
	out->n = 0;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *le = nl ? nl : end, *q = p, *tok, *princ, *type, *key;
		size_t tn, pn, typen, keyn, decoded;
		struct ag_allowed_signer s;
		unsigned char blob[512];

		lineno++;
		while (q < le && (*q == ' ' || *q == '\t' || *q == '\r'))
			q++;
		if (q >= le || *q == '#')
			goto next;
		if (le > q && le[-1] == '\r')
			le--;
		memset(&s, 0, sizeof(s));
		s.git_namespace_ok = 1;
		s.valid_after = INT64_MIN;
		s.valid_before = INT64_MAX;
		s.line = lineno;
		if (next_token(&q, le, &princ, &pn) < 0 || next_token(&q, le, &tok, &tn) < 0)
			goto bad;
		if (!is_keytype(tok, tn)) {
			if (apply_option(&s, tok, tn) < 0) {
				rc = ag_error_set(err, AG_EINVAL,
				    "%s:%u: unsupported option '%.*s' in allowed signers", file,
				    lineno, (int)(tn > 80 ? 80 : tn), tok);
				goto out;
			}
			if (next_token(&q, le, &tok, &tn) < 0)
				goto bad;
		}
		type = tok;
		typen = tn;
		if (next_token(&q, le, &key, &keyn) < 0)
			goto bad;
		if (!is_keytype(type, typen))
			goto bad;
		if (!str_is((const unsigned char *)type, typen, "ssh-ed25519"))
			goto next; /* can never verify here; not an error */
		if (sodium_base642bin(blob, sizeof(blob), key, keyn, NULL, &decoded, NULL,
		        sodium_base64_VARIANT_ORIGINAL) != 0 ||
		    ed25519_pubkey(s.key, blob, decoded) < 0)
			goto bad;
		s.principals = ag_xstrndup(princ, pn);
		out->v = ag_xrealloc(out->v, (out->n + 1) * sizeof(*out->v));
		out->v[out->n++] = s;
	next:
		p = nl ? nl + 1 : end;
		continue;
	bad:
		rc = ag_error_set(err, AG_EINVAL,
		    "%s:%u: malformed allowed-signers line (want: principals [options] "
		    "ssh-ed25519 BASE64KEY)",
		    file, lineno);
		goto out;
	}
out:
	if (rc < 0)
		ag_allowed_signers_release(out);
	return rc;
}

/* Strips the armor and decodes the base64 body into out (at most cap). */
static int
dearmor(unsigned char *out, size_t cap, size_t *n, const char *a, size_t len)
{
	const char *b, *e, *end = a + len;
	size_t bl = strlen(ARMOR_BEGIN);

	b = memmem(a, len, ARMOR_BEGIN, bl);
	if (b == NULL)
		return -1;
	b += bl;
	e = memmem(b, (size_t)(end - b), ARMOR_END, strlen(ARMOR_END));
	if (e == NULL)
		return -1;
	return sodium_base642bin(
	    out, cap, b, (size_t)(e - b), " \t\r\n", n, NULL, sodium_base64_VARIANT_ORIGINAL);
}

static void
put_string(unsigned char *dst, size_t *off, const void *s, size_t n)
{
	dst[*off] = (unsigned char)(n >> 24);
	dst[*off + 1] = (unsigned char)(n >> 16);
	dst[*off + 2] = (unsigned char)(n >> 8);
	dst[*off + 3] = (unsigned char)n;
	memcpy(dst + *off + 4, s, n);
	*off += 4 + n;
}

int
ag_sshsig_verify(char **principal, const char *armored, size_t armored_len, const void *msg,
    size_t msg_len, const char *ns, const struct ag_allowed_signers *signers, int64_t when,
    struct ag_error *err)
{
	unsigned char *blob = NULL, *signed_data = NULL, pk[32], hash[crypto_hash_sha512_BYTES];
	const unsigned char *pub, *nsp, *reserved, *halg, *sig, *t, *sigbytes;
	size_t n, pubn, nsn, resn, halgn, sign, tn, sigbn, hn, off = 0, i;
	uint32_t version;
	struct rd r, rs;
	int rc = 0, key_known = 0;

	if (principal)
		*principal = NULL;
	blob = ag_xmalloc(SIG_MAX);
	if (dearmor(blob, SIG_MAX, &n, armored, armored_len) < 0) {
		rc = ag_error_set(err, AG_ECRYPTO, "signature is not an armored SSH signature");
		goto out;
	}
	r.p = blob;
	r.left = n;
	if (r.left < 6 || memcmp(r.p, "SSHSIG", 6) != 0) {
		rc = ag_error_set(err, AG_ECRYPTO, "signature blob does not start with 'SSHSIG'");
		goto out;
	}
	r.p += 6;
	r.left -= 6;
	if (rd_u32(&r, &version) < 0 || version != 1 || rd_string(&r, &pub, &pubn) < 0 ||
	    rd_string(&r, &nsp, &nsn) < 0 || rd_string(&r, &reserved, &resn) < 0 ||
	    rd_string(&r, &halg, &halgn) < 0 || rd_string(&r, &sig, &sign) < 0 || r.left != 0) {
		rc = ag_error_set(err, AG_ECRYPTO, "malformed SSH signature blob");
		goto out;
	}
	if (ed25519_pubkey(pk, pub, pubn) < 0) {
		rc = ag_error_set(err, AG_ECRYPTO, "signature key is not ssh-ed25519");
		goto out;
	}
	if (!str_is(nsp, nsn, ns)) {
		rc = ag_error_set(err, AG_ECRYPTO, "signature namespace is '%.*s', want '%s'",
		    (int)(nsn > 64 ? 64 : nsn), (const char *)nsp, ns);
		goto out;
	}
	rs.p = sig;
	rs.left = sign;
	if (rd_string(&rs, &t, &tn) < 0 || !str_is(t, tn, "ssh-ed25519") ||
	    rd_string(&rs, &sigbytes, &sigbn) < 0 || sigbn != crypto_sign_BYTES || rs.left != 0) {
		rc = ag_error_set(err, AG_ECRYPTO, "malformed ssh-ed25519 signature");
		goto out;
	}
	if (str_is(halg, halgn, "sha512")) {
		crypto_hash_sha512(hash, msg, msg_len);
		hn = crypto_hash_sha512_BYTES;
	} else if (str_is(halg, halgn, "sha256")) {
		crypto_hash_sha256(hash, msg, msg_len);
		hn = crypto_hash_sha256_BYTES;
	} else {
		rc = ag_error_set(err, AG_ECRYPTO, "unsupported signature hash algorithm");
		goto out;
	}
	/* "SSHSIG" || string(ns) || string(reserved) || string(halg) || string(H(msg)) */
	signed_data = ag_xmalloc(6 + 16 + nsn + resn + halgn + hn);
	memcpy(signed_data, "SSHSIG", 6);
	off = 6;
	put_string(signed_data, &off, nsp, nsn);
	put_string(signed_data, &off, reserved, resn);
	put_string(signed_data, &off, halg, halgn);
	put_string(signed_data, &off, hash, hn);
	if (crypto_sign_verify_detached(sigbytes, signed_data, off, pk) != 0) {
		rc = ag_error_set(err, AG_ECRYPTO, "bad signature: it does not match the commit");
		goto out;
	}
	for (i = 0; i < signers->n; i++) {
		const struct ag_allowed_signer *s = &signers->v[i];

		if (sodium_memcmp(s->key, pk, 32) != 0)
			continue;
		key_known = 1;
		if (!s->git_namespace_ok || when < s->valid_after || when >= s->valid_before)
			continue;
		if (principal)
			*principal = ag_xstrdup(s->principals);
		goto out;
	}
	rc = ag_error_set(err, AG_EDENIED,
	    key_known ? "good signature, but the signer is not allowed at the commit time or "
	                "for namespace 'git'"
	              : "good signature by a key that is not in the allowed signers");
out:
	free(blob);
	free(signed_data);
	return rc;
}
