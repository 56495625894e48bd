/* Sealing and opening values: crypto_box_seal over a canonical envelope. */
#include "secrets/secrets.h"
#include "secrets/internal.h"
#include "core/bug.h"
#include "core/mem.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>
#include <sodium.h>

#include "core/compat.h"

#define ENVELOPE_FLAGS (JSON_COMPACT | JSON_SORT_KEYS)

/* Splits a sealed text into key id and base64 part. Messages do not quote
 * the text (it is harmless, but long). */
static int
parse_text(char key_id[AG_KEY_ID_MAX + 1], const char **b64, size_t *b64len, const char *text,
    size_t len, struct ag_error *err)
{
	const size_t plen = sizeof(AG_SEALED_PREFIX) - 1;
	const char *p, *end = text + len, *colon;
	size_t i;

	if (len < 9 || memcmp(text, "AGSEALED:", 9) != 0)
		return ag_error_set(err, AG_EINVAL, "not a sealed value (it must start with '%s')",
		    AG_SEALED_PREFIX);
	if (len < plen || memcmp(text, AG_SEALED_PREFIX, plen) != 0) {
		p = text + 9;
		colon = memchr(p, ':', (size_t)(end - p));
		if (colon && colon - p >= 2 && colon - p <= 8 && p[0] == 'v')
			return ag_error_set(err, AG_EINVAL,
			    "sealed value format '%.*s' is not supported by this version "
			    "(it reads v1)",
			    (int)(colon - p), p);
		return ag_error_set(
		    err, AG_EINVAL, "malformed sealed value: no 'v1:' after 'AGSEALED:'");
	}
	p = text + plen;
	colon = memchr(p, ':', (size_t)(end - p));
	if (colon == NULL || colon == p || colon - p > AG_KEY_ID_MAX)
		return ag_error_set(err, AG_EINVAL,
		    "malformed sealed value: expected 'AGSEALED:v1:<key_id>:<data>'");
	memcpy(key_id, p, (size_t)(colon - p));
	key_id[colon - p] = '\0';
	if (!ag_key_id_valid(key_id))
		return ag_error_set(err, AG_EINVAL, "malformed sealed value: invalid key id");
	*b64 = colon + 1;
	*b64len = (size_t)(end - *b64);
	if (*b64len == 0)
		return ag_error_set(
		    err, AG_EINVAL, "malformed sealed value: no data after the key id");
	for (i = 0; i < *b64len; i++)
		if (!ag__b64_char((unsigned char)(*b64)[i]))
			return ag_error_set(err, AG_EINVAL,
			    "malformed sealed value: unexpected character at offset %zu",
			    (size_t)(*b64 - text) + i);
	return 0;
}

int
ag_sealed_key_id(char out[AG_KEY_ID_MAX + 1], const char *sealed_text, struct ag_error *err)
{
	const char *b64;
	size_t b64len;

	if (sealed_text == NULL)
		AG_BUG("ag_sealed_key_id: NULL text");
	return parse_text(out, &b64, &b64len, sealed_text, strlen(sealed_text), err);
}

int
ag_sealed_seal(char **out, const unsigned char pk[AG_PUBKEY_BYTES], const char *key_id,
    const char *cluster_id, const char *field, const char *value, size_t len, struct ag_error *err)
{
	char cluster[AG_CLUSTER_ID_MAX + 1];
	json_t *root = NULL, *jv;
	unsigned char *ct = NULL;
	char *env = NULL, *b64 = NULL;
	size_t n;
	int rc = 0;

	if (out == NULL || pk == NULL || (value == NULL && len > 0))
		AG_BUG("ag_sealed_seal: NULL argument");
	if (ag_secrets_init() < 0)
		return ag_error_set(err, AG_ECRYPTO, "cannot initialise libsodium");
	if ((rc = ag_key_id_check(key_id, err)) < 0 ||
	    (rc = ag_cluster_id_normalize(cluster, cluster_id, err)) < 0 ||
	    (rc = ag_sealed_field_check(field, err)) < 0)
		return rc;
	if (len == 0)
		return ag_error_set(err, AG_EINVAL, "cannot seal an empty value");
	if (len > AG_SECRET_MAX)
		return ag_error_set(err, AG_ETOOBIG,
		    "cannot seal a value of %zu bytes: the limit is %d bytes", len, AG_SECRET_MAX);
	if (memchr(value, '\0', len))
		return ag_error_set(err, AG_EINVAL, "cannot seal a value that contains a NUL byte");

	root = json_object();
	jv = json_stringn(value, len);
	if (root == NULL || jv == NULL) {
		json_decref(jv);
		rc = ag_error_set(err, AG_EINVAL, "cannot seal the value: it is not valid UTF-8");
		goto out;
	}
	json_object_set_new(root, "v", json_integer(1));
	json_object_set_new(root, "cluster", json_string(cluster));
	json_object_set_new(root, "field", json_string(field));
	json_object_set_new(root, "value", jv);
	n = json_dumpb(root, NULL, 0, ENVELOPE_FLAGS);
	if (n == 0)
		AG_BUG("cannot serialise the envelope");
	env = sodium_malloc(n);
	if (env == NULL)
		AG_BUG("out of secure memory");
	if (json_dumpb(root, env, n, ENVELOPE_FLAGS) != n)
		AG_BUG("envelope size changed");
	ct = ag_xmalloc(crypto_box_SEALBYTES + n);
	if (crypto_box_seal(ct, (const unsigned char *)env, n, pk) != 0) {
		rc = ag_error_set(
		    err, AG_ECRYPTO, "cannot seal to key '%s': invalid public key", key_id);
		goto out;
	}
	b64 = ag__b64_encode(ct, crypto_box_SEALBYTES + n);
	*out = ag_xasprintf("%s%s:%s", AG_SEALED_PREFIX, key_id, b64);
out:
	json_decref(root);
	sodium_free(env);
	free(ct);
	free(b64);
	return rc;
}

/*
 * The shared part of both open functions. On success *out holds the value
 * and info the envelope's cluster and field. Messages carry no prefix; the
 * callers add one.
 */
static int
open_text(struct ag_secret **out, struct ag_sealed_info *info, const struct ag_keyring *kr,
    const char *text, size_t len, struct ag_error *err)
{
	const unsigned char *sk, *pk = NULL;
	unsigned char *ct = NULL, *m = NULL;
	const char *b64 = NULL, *cl, *fd, *val;
	json_t *root = NULL, *jv, *jc, *jf, *jval;
	json_error_t jerr;
	char have[256];
	size_t b64len = 0, ctlen, mlen, vlen;
	json_int_t ver;
	int rc;

	if (ag_secrets_init() < 0)
		return ag_error_set(err, AG_ECRYPTO, "cannot initialise libsodium");
	memset(info, 0, sizeof(*info));
	if (len > AG_SEALED_MAX)
		return ag_error_set(
		    err, AG_ETOOBIG, "sealed value longer than %d bytes", AG_SEALED_MAX);
	if ((rc = parse_text(info->key_id, &b64, &b64len, text, len, err)) < 0)
		return rc;
	sk = ag__keyring_secret(kr, info->key_id, &pk);
	if (sk == NULL) {
		ag_keyring_describe(kr, have, sizeof(have));
		return ag_error_set(err, AG_ENOTFOUND, "no key '%s' in the keyring (loaded: %s)",
		    info->key_id, have);
	}
	ct = ag_xmalloc(b64len);
	if (ag__b64_decode(ct, b64len, &ctlen, b64, b64len) < 0) {
		rc = ag_error_set(err, AG_EINVAL, "malformed sealed value: invalid base64url data");
		goto out;
	}
	if (ctlen <= crypto_box_SEALBYTES) {
		rc = ag_error_set(err, AG_EINVAL, "malformed sealed value: too short");
		goto out;
	}
	mlen = ctlen - crypto_box_SEALBYTES;
	m = sodium_malloc(mlen);
	if (m == NULL)
		AG_BUG("out of secure memory");
	if (crypto_box_seal_open(m, ct, ctlen, pk, sk) != 0) {
		rc = ag_error_set(
		    err, AG_ECRYPTO, "authentication failed (wrong key or tampered ciphertext)");
		goto out;
	}
	/* jansson frees through the wiping allocator (ag_secrets_init()). Its
	 * error text may quote input, so it is never shown. */
	root = json_loadb((const char *)m, mlen, JSON_REJECT_DUPLICATES, &jerr);
	sodium_memzero(&jerr, sizeof(jerr));
	if (root == NULL || !json_is_object(root)) {
		rc = ag_error_set(err, AG_EINVAL, "the envelope is not a JSON object");
		goto out;
	}
	jv = json_object_get(root, "v");
	if (!json_is_integer(jv)) {
		rc = ag_error_set(err, AG_EINVAL, "the envelope has no version");
		goto out;
	}
	ver = json_integer_value(jv);
	if (ver != 1) {
		rc = ag_error_set(err, AG_EINVAL,
		    "the envelope has version %lld; this version reads version 1", (long long)ver);
		goto out;
	}
	jc = json_object_get(root, "cluster");
	jf = json_object_get(root, "field");
	jval = json_object_get(root, "value");
	if (!json_is_string(jc) || !json_is_string(jf) || !json_is_string(jval) ||
	    json_object_size(root) != 4) {
		rc = ag_error_set(
		    err, AG_EINVAL, "the envelope must hold exactly v, cluster, field and value");
		goto out;
	}
	cl = json_string_value(jc);
	fd = json_string_value(jf);
	if (strlen(cl) > AG_CLUSTER_ID_MAX || strlen(fd) > AG_FIELD_MAX) {
		rc = ag_error_set(
		    err, AG_EINVAL, "the envelope names an over-long cluster or field");
		goto out;
	}
	snprintf(info->cluster, sizeof(info->cluster), "%s", cl);
	snprintf(info->field, sizeof(info->field), "%s", fd);
	val = json_string_value(jval);
	vlen = json_string_length(jval);
	if (vlen == 0 || vlen > AG_SECRET_MAX || memchr(val, '\0', vlen)) {
		rc = ag_error_set(err, AG_EINVAL, "the envelope holds an empty or invalid value");
		goto out;
	}
	*out = ag_secret_new(val, vlen);
	snprintf((*out)->key_id, sizeof((*out)->key_id), "%s", info->key_id);
out:
	json_decref(root);
	sodium_free(m);
	free(ct);
	return rc;
}

int
ag_sealed_open_unchecked(struct ag_secret **out, struct ag_sealed_info *info,
    const struct ag_keyring *kr, const char *sealed_text, size_t text_len, struct ag_error *err)
{
	int rc;

	if (out == NULL || info == NULL || sealed_text == NULL)
		AG_BUG("ag_sealed_open_unchecked: NULL argument");
	rc = open_text(out, info, kr, sealed_text, text_len, err);
	if (rc < 0) {
		if (info->key_id[0] && rc != AG_ENOTFOUND)
			ag_error_prefix(
			    err, "cannot open sealed value under key '%s'", info->key_id);
		else
			ag_error_prefix(err, "cannot open sealed value");
	}
	return rc;
}

int
ag_sealed_open(struct ag_secret **out, const struct ag_keyring *kr, const char *sealed_text,
    const char *cluster_id, const char *field, struct ag_error *err)
{
	struct ag_sealed_info info;
	struct ag_secret *s = NULL;
	int rc, bad_cluster, bad_field;

	if (out == NULL || sealed_text == NULL || cluster_id == NULL || field == NULL)
		AG_BUG("ag_sealed_open: NULL argument");
	rc = open_text(&s, &info, kr, sealed_text, strlen(sealed_text), err);
	if (rc == 0) {
		bad_cluster = strcasecmp(info.cluster, cluster_id) != 0;
		bad_field = strcmp(info.field, field) != 0;
		if (bad_cluster && bad_field)
			rc = ag_error_set(err, AG_EDENIED, "was sealed for cluster '%s' field '%s'",
			    info.cluster, info.field);
		else if (bad_cluster)
			rc = ag_error_set(
			    err, AG_EDENIED, "was sealed for cluster '%s'", info.cluster);
		else if (bad_field)
			rc = ag_error_set(err, AG_EDENIED, "was sealed for field '%s'", info.field);
	}
	if (rc < 0) {
		ag_secret_free(s);
		ag_error_prefix(
		    err, "cannot open sealed value for cluster '%s' field '%s'", cluster_id, field);
		return rc;
	}
	*out = s;
	return 0;
}
