/* Key files: the committed .pub format, key generation. */
#include "secrets/secrets.h"
#include "secrets/internal.h"
#include "core/bug.h"
#include "core/mem.h"
#include "sys/fs.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "core/compat.h"

#define PUB_HEADER "aurora-gitops public key v1"
#define SEC_HEADER "aurora-gitops secret key v1"
#define PUB_MAX_BYTES 4096

int
ag__keyfile_split(struct ag__kline *out, size_t *n, const char *buf, size_t len, const char *header,
    const char *const *allowed, const char *filename, struct ag_error *err)
{
	const char *p = buf, *end = buf + len, *eol, *colon;
	unsigned line = 0;
	size_t i, ll;

	*n = 0;
	while (p < end) {
		eol = memchr(p, '\n', (size_t)(end - p));
		ll = eol ? (size_t)(eol - p) : (size_t)(end - p);
		line++;
		if (ll > 0 && p[ll - 1] == '\r')
			ll--;
		while (ll > 0 && (p[ll - 1] == ' ' || p[ll - 1] == '\t'))
			ll--;
		if (line == 1) {
			if (ll != strlen(header) || memcmp(p, header, ll) != 0)
				return ag_error_set(err, AG_EINVAL,
				    "%s:1: not an aurora-gitops key file: the first line must be "
				    "'%s'",
				    filename, header);
		} else if (ll > 0 && p[0] != '#') {
			colon = memchr(p, ':', ll);
			if (colon == NULL || colon == p || (size_t)(colon - p) + 1 >= ll ||
			    colon[1] != ' ')
				return ag_error_set(
				    err, AG_EINVAL, "%s:%u: expected 'key: value'", filename, line);
			for (i = 0; allowed[i]; i++)
				if (strlen(allowed[i]) == (size_t)(colon - p) &&
				    memcmp(allowed[i], p, (size_t)(colon - p)) == 0)
					break;
			if (allowed[i] == NULL)
				return ag_error_set(err, AG_EINVAL, "%s:%u: unknown key '%.*s'",
				    filename, line, (int)((colon - p) > 40 ? 40 : (colon - p)), p);
			if (ag__kline_get(out, *n, allowed[i]))
				return ag_error_set(err, AG_EINVAL, "%s:%u: duplicate key '%s'",
				    filename, line, allowed[i]);
			if (*n >= AG__KLINES_MAX)
				return ag_error_set(
				    err, AG_EINVAL, "%s:%u: too many lines", filename, line);
			out[*n].key = allowed[i];
			out[*n].keylen = strlen(allowed[i]);
			out[*n].val = colon + 2;
			out[*n].vallen = ll - (size_t)(colon - p) - 2;
			while (out[*n].vallen > 0 && out[*n].val[0] == ' ') {
				out[*n].val++;
				out[*n].vallen--;
			}
			out[*n].line = line;
			(*n)++;
		}
		p = eol ? eol + 1 : end;
	}
	if (line == 0)
		return ag_error_set(err, AG_EINVAL, "%s: empty key file", filename);
	return 0;
}

const struct ag__kline *
ag__kline_get(const struct ag__kline *lines, size_t n, const char *key)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(lines[i].key, key) == 0)
			return &lines[i];
	return NULL;
}

int
ag_pubkey_parse(
    struct ag_pubkey *out, const char *buf, size_t len, const char *filename, struct ag_error *err)
{
	static const char *const allowed[] = {"key-id", "created", "public", NULL};
	struct ag__kline lines[AG__KLINES_MAX];
	const struct ag__kline *id, *pub, *created;
	size_t n, binlen;
	int rc;

	memset(out, 0, sizeof(*out));
	if (len >= sizeof(SEC_HEADER) - 1 && memcmp(buf, SEC_HEADER, sizeof(SEC_HEADER) - 1) == 0)
		return ag_error_set(err, AG_EINVAL,
		    "%s is a secret key file; give the public key (the .pub file) instead",
		    filename);
	rc = ag__keyfile_split(lines, &n, buf, len, PUB_HEADER, allowed, filename, err);
	if (rc < 0)
		return rc;
	id = ag__kline_get(lines, n, "key-id");
	pub = ag__kline_get(lines, n, "public");
	created = ag__kline_get(lines, n, "created");
	if (id == NULL || pub == NULL)
		return ag_error_set(err, AG_EINVAL, "%s: missing '%s' line", filename,
		    id == NULL ? "key-id" : "public");
	if (id->vallen == 0 || id->vallen > AG_KEY_ID_MAX)
		return ag_error_set(err, AG_EINVAL, "%s:%u: invalid key id", filename, id->line);
	memcpy(out->key_id, id->val, id->vallen);
	out->key_id[id->vallen] = '\0';
	if (!ag_key_id_valid(out->key_id)) {
		rc = ag_key_id_check(out->key_id, err);
		ag_error_prefix(err, "%s:%u", filename, id->line);
		return rc;
	}
	if (ag__b64_decode(out->pk, sizeof(out->pk), &binlen, pub->val, pub->vallen) < 0 ||
	    binlen != AG_PUBKEY_BYTES)
		return ag_error_set(err, AG_EINVAL,
		    "%s:%u: 'public' is not a base64url-encoded 32-byte key", filename, pub->line);
	if (created) {
		if (created->vallen >= sizeof(out->created))
			return ag_error_set(err, AG_EINVAL, "%s:%u: 'created' is too long",
			    filename, created->line);
		memcpy(out->created, created->val, created->vallen);
		out->created[created->vallen] = '\0';
	}
	return 0;
}

int
ag_pubkey_load(struct ag_pubkey *out, const char *path, struct ag_error *err)
{
	struct ag_buf b = AG_BUF_INIT(PUB_MAX_BYTES);
	int rc;

	rc = ag_fs_read(&b, path, err);
	if (rc == 0)
		rc = ag_pubkey_parse(out, b.ptr, b.len, path, err);
	if (rc < 0 && rc != AG_EINVAL && rc != AG_ENOTFOUND)
		ag_error_prefix(err, "cannot load public key");
	ag_buf_release(&b);
	return rc;
}

char *
ag_pubkey_format(const struct ag_pubkey *key)
{
	char *b64 = ag__b64_encode(key->pk, sizeof(key->pk));
	char *s;

	if (key->created[0])
		s = ag_xasprintf("%s\nkey-id: %s\ncreated: %s\npublic: %s\n", PUB_HEADER,
		    key->key_id, key->created, b64);
	else
		s = ag_xasprintf("%s\nkey-id: %s\npublic: %s\n", PUB_HEADER, key->key_id, b64);
	free(b64);
	return s;
}

/* Drops a ".pub" or ".key" the user may have typed after the name. */
static char *
strip_suffix(const char *prefix)
{
	size_t n = strlen(prefix);

	if (n > 4 && (strcmp(prefix + n - 4, ".pub") == 0 || strcmp(prefix + n - 4, ".key") == 0))
		n -= 4;
	return ag_xstrndup(prefix, n);
}

int
ag_keygen(struct ag_pubkey *out, char **pub_path, char **key_path, const char *prefix, time_t now,
    struct ag_error *err)
{
	struct ag_pubkey pub;
	unsigned char *sk = NULL;
	char *base = NULL, *pubp = NULL, *keyp = NULL, *pubtext = NULL, *sectext = NULL;
	char *pk64 = NULL, *sk64 = NULL;
	const char *name;
	size_t cap, n;
	int rc = 0, wrote_key = 0;

	if (ag_secrets_init() < 0)
		return ag_error_set(err, AG_ECRYPTO, "cannot initialise libsodium");
	if (prefix == NULL || prefix[0] == '\0')
		return ag_error_set(err, AG_EINVAL, "no output name given");
	base = strip_suffix(prefix);
	name = strrchr(base, '/');
	name = name ? name + 1 : base;
	if ((rc = ag_key_id_check(name, err)) < 0) {
		ag_error_prefix(err, "cannot use '%s' as the key name", prefix);
		goto out;
	}
	pubp = ag_xasprintf("%s.pub", base);
	keyp = ag_xasprintf("%s.key", base);
	if (access(keyp, F_OK) == 0 || access(pubp, F_OK) == 0) {
		rc = ag_error_set(err, AG_ECONFLICT,
		    "'%s' already exists; not overwriting (nothing "
		    "written)",
		    access(keyp, F_OK) == 0 ? keyp : pubp);
		goto out;
	}

	memset(&pub, 0, sizeof(pub));
	snprintf(pub.key_id, sizeof(pub.key_id), "%s", name);
	ag__rfc3339(pub.created, now);
	sk = sodium_malloc(AG_SECKEY_BYTES);
	cap = 512;
	sectext = sodium_malloc(cap);
	if (sk == NULL || sectext == NULL)
		AG_BUG("out of secure memory");
	crypto_box_keypair(pub.pk, sk);
	pk64 = ag__b64_encode(pub.pk, sizeof(pub.pk));
	/* The encoded secret key lives in secure memory too. */
	sk64 = sodium_malloc(sodium_base64_encoded_len(AG_SECKEY_BYTES, AG_B64_VARIANT));
	if (sk64 == NULL)
		AG_BUG("out of secure memory");
	sodium_bin2base64(sk64, sodium_base64_encoded_len(AG_SECKEY_BYTES, AG_B64_VARIANT), sk,
	    AG_SECKEY_BYTES, AG_B64_VARIANT);
	n = (size_t)snprintf(sectext, cap,
	    "%s\n# The secret half of key '%s'. Never commit this file; keep an offline copy.\n"
	    "key-id: %s\ncreated: %s\npublic: %s\nsecret: %s\n",
	    SEC_HEADER, pub.key_id, pub.key_id, pub.created, pk64, sk64);
	if (n >= cap)
		AG_BUG("secret key text does not fit");
	pubtext = ag_pubkey_format(&pub);

	/* Secret first: a public key nobody holds the secret for must never
	 * appear, since values sealed to it could not be opened. */
	if ((rc = ag_fs_write_atomic(keyp, sectext, n, 0600, 1, err)) < 0)
		goto out;
	wrote_key = 1;
	if ((rc = ag_fs_write_atomic(pubp, pubtext, strlen(pubtext), 0644, 1, err)) < 0)
		goto out;
	if (out)
		*out = pub;
	if (pub_path) {
		*pub_path = pubp;
		pubp = NULL;
	}
	if (key_path) {
		*key_path = keyp;
		keyp = NULL;
	}
out:
	if (rc < 0 && wrote_key)
		unlink(keyp);
	sodium_free(sk);
	sodium_free(sk64);
	sodium_free(sectext);
	free(pk64);
	free(pubtext);
	free(base);
	free(pubp);
	free(keyp);
	return rc;
}
