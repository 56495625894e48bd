/* Keyed hashes of secret values, for write-only password drift. */
#include "secrets/secrets.h"
#include "secrets/internal.h"
#include "core/bug.h"

#include <stdint.h>
#include <string.h>

#include <sodium.h>

#include "core/compat.h"

#define HASH_DOMAIN "aurora-gitops/password/v1"
#define HASH_KDF_CTX "agpwhash"
#define HASH_KDF_ID 1

static void
update_len(crypto_generichash_state *st, size_t n)
{
	unsigned char le[8];
	uint64_t v = (uint64_t)n;
	int i;

	for (i = 0; i < 8; i++)
		le[i] = (unsigned char)(v >> (8 * i));
	crypto_generichash_update(st, le, sizeof(le));
}

int
ag_secret_hash(char out_hex[AG_SECRET_HASH_HEX_LEN + 1], const struct ag_keyring *kr,
    const char *key_id, const struct ag_secret *s, const char *cluster_id, struct ag_error *err)
{
	unsigned char subkey[crypto_generichash_KEYBYTES];
	unsigned char h[AG_SECRET_HASH_HEX_LEN / 2];
	char cluster[AG_CLUSTER_ID_MAX + 1];
	crypto_generichash_state st;
	const unsigned char *sk;
	char have[256];
	size_t i, n;

	if (out_hex == NULL || s == NULL || cluster_id == NULL)
		AG_BUG("ag_secret_hash: NULL argument");
	if (ag_secrets_init() < 0)
		return ag_error_set(err, AG_ECRYPTO, "cannot initialise libsodium");
	out_hex[0] = '\0';
	sk = ag__keyring_secret(kr, key_id, NULL);
	if (sk == NULL) {
		ag_keyring_describe(kr, have, sizeof(have));
		return ag_error_set(err, AG_ENOTFOUND,
		    "cannot hash the value for cluster '%s': no key '%s' in the keyring "
		    "(loaded: %s)",
		    cluster_id, key_id ? key_id : "", have);
	}
	/* Lower-case so "Prod-DB" and "prod-db" (one RDS cluster) agree. */
	n = strlen(cluster_id);
	if (n > AG_CLUSTER_ID_MAX)
		return ag_error_set(err, AG_EINVAL, "cannot hash: cluster identifier too long");
	for (i = 0; i <= n; i++)
		cluster[i] = (cluster_id[i] >= 'A' && cluster_id[i] <= 'Z')
		                 ? (char)(cluster_id[i] - 'A' + 'a')
		                 : cluster_id[i];

	crypto_kdf_derive_from_key(subkey, sizeof(subkey), HASH_KDF_ID, HASH_KDF_CTX, sk);
	crypto_generichash_init(&st, subkey, sizeof(subkey), sizeof(h));
	crypto_generichash_update(&st, (const unsigned char *)HASH_DOMAIN, sizeof(HASH_DOMAIN));
	update_len(&st, n);
	crypto_generichash_update(&st, (const unsigned char *)cluster, n);
	update_len(&st, s->len);
	crypto_generichash_update(&st, (const unsigned char *)s->ptr, s->len);
	crypto_generichash_final(&st, h, sizeof(h));
	sodium_bin2hex(out_hex, AG_SECRET_HASH_HEX_LEN + 1, h, sizeof(h));
	sodium_memzero(subkey, sizeof(subkey));
	sodium_memzero(&st, sizeof(st));
	return 0;
}

int
ag_secret_hash_matches(bool *same, const struct ag_keyring *kr, const char *key_id, const char *hex,
    const struct ag_secret *s, const char *cluster_id, struct ag_error *err)
{
	char now[AG_SECRET_HASH_HEX_LEN + 1];
	int rc;

	if (same == NULL)
		AG_BUG("ag_secret_hash_matches: NULL argument");
	*same = false;
	if ((rc = ag_secret_hash(now, kr, key_id, s, cluster_id, err)) < 0)
		return rc;
	if (hex && strlen(hex) == AG_SECRET_HASH_HEX_LEN)
		*same = sodium_memcmp(now, hex, AG_SECRET_HASH_HEX_LEN) == 0;
	return 0;
}
