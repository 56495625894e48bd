/*
 * libFuzzer target for the sealed-value side. The first input byte picks
 * what the rest is:
 *   0  a sealed text: the syntax checks (ag_sealed_key_id, the manifest
 *      loader's ag_manifest_sealed_problem), opening it against a key ring
 *      that holds key "k1", and the finder and re-sealer over it as a file;
 *   1  an envelope: sealed to k1 as it is (any bytes, not only JSON) and
 *      opened, so the envelope checks see inputs that authenticate;
 *   2  a public key file (ag_pubkey_parse).
 * Keys are fixed (seeded), so every run is reproducible. Everything is freed,
 * so LeakSanitizer reports any leak as a crash.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "core/buf.h"
#include "core/manifest.h"
#include "secrets/secrets.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct ag_keyring *ring;
static unsigned char pk1[AG_PUBKEY_BYTES];
static struct ag_pubkey to;

static void
setup(void)
{
	unsigned char seed[crypto_box_SEEDBYTES], sk[AG_SECKEY_BYTES], sk2[AG_SECKEY_BYTES];
	struct ag_error err = AG_ERROR_INIT;

	if (ring != NULL)
		return;
	if (ag_secrets_init() < 0)
		abort();
	memset(seed, 1, sizeof(seed));
	crypto_box_seed_keypair(pk1, sk, seed);
	memset(seed, 2, sizeof(seed));
	crypto_box_seed_keypair(to.pk, sk2, seed);
	memcpy(to.key_id, "k2", 3);
	ring = ag_keyring_new();
	if (ag_keyring_add_secret(ring, "k1", sk, "fuzz", &err) < 0)
		abort();
}

static void
open_text(const char *text, size_t len)
{
	struct ag_error err = AG_ERROR_INIT;
	struct ag_secret *s = NULL;
	struct ag_sealed_info info;
	char id[AG_KEY_ID_MAX + 1];
	char hex[AG_SECRET_HASH_HEX_LEN + 1];
	bool same;

	(void)ag_sealed_key_id(id, text, &err);
	(void)ag_manifest_sealed_problem(text);
	(void)ag_manifest_is_sealed(text);
	if (ag_sealed_open(&s, ring, text, "fuzz-db", "spec.password", &err) == 0) {
		if (ag_secret_hash(hex, ring, s->key_id, s, "fuzz-db", &err) == 0)
			(void)ag_secret_hash_matches(
			    &same, ring, s->key_id, hex, s, "fuzz-db", &err);
		ag_secret_free(s);
		s = NULL;
	}
	if (ag_sealed_open_unchecked(&s, &info, ring, text, len, &err) == 0)
		ag_secret_free(s);
}

static void
as_file(const char *buf, size_t len)
{
	struct ag_error err = AG_ERROR_INIT;
	struct ag_sealed_refs refs;
	struct ag_sealed_stats st;
	struct ag_buf out = AG_BUF_INIT(4 * len + 4096);
	size_t n = 0;

	ag_sealed_refs_init(&refs);
	ag_sealed_find(&refs, buf, len);
	ag_sealed_refs_release(&refs);
	ag_sealed_stats_init(&st);
	ag_sealed_stats_add_buf(&st, buf, len);
	(void)ag_sealed_stats_get(&st, "k1");
	ag_sealed_stats_release(&st);
	(void)ag_reseal_buf(&out, &n, ring, "k1", &to, buf, len, "fuzz.yaml", &err);
	ag_buf_release(&out);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text;

	setup();
	if (size < 1)
		return 0;
	text = malloc(size);
	if (text == NULL)
		return 0;
	memcpy(text, data + 1, size - 1);
	text[size - 1] = '\0';
	switch (data[0] % 3) {
	case 0:
		open_text(text, strlen(text));
		as_file((const char *)data + 1, size - 1);
		break;
	case 1: {
		unsigned char *ct = malloc(crypto_box_SEALBYTES + size - 1);
		char *b64, *tok;
		size_t b64len = sodium_base64_encoded_len(
		    crypto_box_SEALBYTES + size - 1, sodium_base64_VARIANT_URLSAFE_NO_PADDING);

		b64 = malloc(b64len);
		tok = malloc(b64len + 16);
		if (ct != NULL && b64 != NULL && tok != NULL &&
		    crypto_box_seal(ct, data + 1, size - 1, pk1) == 0) {
			sodium_bin2base64(b64, b64len, ct, crypto_box_SEALBYTES + size - 1,
			    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
			memcpy(tok, "AGSEALED:v1:k1:", 15);
			memcpy(tok + 15, b64, strlen(b64) + 1);
			open_text(tok, strlen(tok));
		}
		free(ct);
		free(b64);
		free(tok);
		break;
	}
	default: {
		struct ag_pubkey k;
		struct ag_error err = AG_ERROR_INIT;

		if (ag_pubkey_parse(&k, text, size - 1, "fuzz.pub", &err) == 0)
			free(ag_pubkey_format(&k));
		break;
	}
	}
	free(text);
	return 0;
}
