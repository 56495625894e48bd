/* Unit tests for sealing, opening and keyed hashes. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <sodium.h>

#include "core/error.h"
#include "secrets/secrets.h"

#define VALUE "correct horse battery staple"
#define VLEN (sizeof(VALUE) - 1)

struct fixture {
	unsigned char pk1[32], sk1[32];
	unsigned char pk2[32], sk2[32];
	struct ag_keyring *kr; /* holds k1 only */
};

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	struct ag_error err = AG_ERROR_INIT;

	assert_int_equal(ag_secrets_init(), 0);
	crypto_box_keypair(f->pk1, f->sk1);
	crypto_box_keypair(f->pk2, f->sk2);
	f->kr = ag_keyring_new();
	assert_int_equal(ag_keyring_add_secret(f->kr, "k1", f->sk1, "test", &err), 0);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	ag_keyring_free(f->kr);
	free(f);
	return 0;
}

static char *
seal_k1(struct fixture *f, const char *cluster, const char *value)
{
	struct ag_error err = AG_ERROR_INIT;
	char *s = NULL;

	assert_int_equal(
	    ag_sealed_seal(&s, f->pk1, "k1", cluster, "spec.password", value, strlen(value), &err),
	    0);
	return s;
}

static void
test_sealed__round_trip(void **state)
{
	struct fixture *f = *state;
	struct ag_error err = AG_ERROR_INIT;
	struct ag_secret *s = NULL;
	char *text = seal_k1(f, "Prod-DB", VALUE);
	size_t i;

	assert_true(strncmp(text, "AGSEALED:v1:k1:", 15) == 0);
	for (i = 15; text[i]; i++)
		assert_true(
		    strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_",
		        text[i]) != NULL);
	assert_null(strstr(text, VALUE));
	assert_int_equal(ag_sealed_open(&s, f->kr, text, "prod-db", "spec.password", &err), 0);
	assert_int_equal(s->len, VLEN);
	assert_memory_equal(s->ptr, VALUE, VLEN);
	assert_int_equal(s->ptr[s->len], '\0');
	assert_string_equal(s->key_id, "k1");
	ag_secret_free(s);
	ag_secret_free(NULL);
	free(text);
}

/* Two seals of one value differ (fresh ephemeral key each time). */
static void
test_sealed__not_deterministic(void **state)
{
	struct fixture *f = *state;
	char *a = seal_k1(f, "db", VALUE), *b = seal_k1(f, "db", VALUE);

	assert_string_not_equal(a, b);
	free(a);
	free(b);
}

/* The envelope is the canonical JSON the documentation describes. */
static void
test_sealed__envelope_is_canonical(void **state)
{
	struct fixture *f = *state;
	const char *want = "{\"cluster\":\"db-1\",\"field\":\"spec.password\",\"v\":1,"
	                   "\"value\":\"p\\\"w/\\u0001\"}";
	struct ag_error err = AG_ERROR_INIT;
	unsigned char ct[512], m[512];
	size_t ctlen;
	char *text = NULL;

	assert_int_equal(
	    ag_sealed_seal(&text, f->pk1, "k1", "DB-1", "spec.password", "p\"w/\001", 5, &err), 0);
	assert_int_equal(sodium_base642bin(ct, sizeof(ct), text + 15, strlen(text + 15), NULL,
	                     &ctlen, NULL, sodium_base64_VARIANT_URLSAFE_NO_PADDING),
	    0);
	assert_int_equal(ctlen, crypto_box_SEALBYTES + strlen(want));
	assert_int_equal(crypto_box_seal_open(m, ct, ctlen, f->pk1, f->sk1), 0);
	assert_memory_equal(m, want, strlen(want));
	free(text);
}

/* Flip every bit position class in every byte of the box: always refused. */
static void
test_sealed__tamper_every_byte(void **state)
{
	struct fixture *f = *state;
	struct ag_error err = AG_ERROR_INIT;
	struct ag_secret *s = NULL;
	unsigned char ct[512];
	size_t ctlen, i, b64sz;
	char *text = seal_k1(f, "db", VALUE), *b64, *bad;

	assert_int_equal(sodium_base642bin(ct, sizeof(ct), text + 15, strlen(text + 15), NULL,
	                     &ctlen, NULL, sodium_base64_VARIANT_URLSAFE_NO_PADDING),
	    0);
	b64sz = sodium_base64_encoded_len(ctlen, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	b64 = malloc(b64sz);
	bad = malloc(b64sz + 16);
	for (i = 0; i < ctlen; i++) {
		ct[i] ^= (unsigned char)(1u << (i % 8));
		sodium_bin2base64(b64, b64sz, ct, ctlen, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
		snprintf(bad, b64sz + 16, "AGSEALED:v1:k1:%s", b64);
		ag_error_clear(&err);
		assert_int_equal(
		    ag_sealed_open(&s, f->kr, bad, "db", "spec.password", &err), AG_ECRYPTO);
		assert_null(s);
		ct[i] ^= (unsigned char)(1u << (i % 8));
	}
	assert_string_equal(err.msg, "cannot open sealed value for cluster 'db' field "
	                             "'spec.password': authentication failed (wrong key or "
	                             "tampered ciphertext)");
	/* Untouched again: opens. */
	sodium_bin2base64(b64, b64sz, ct, ctlen, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	snprintf(bad, b64sz + 16, "AGSEALED:v1:k1:%s", b64);
	assert_int_equal(ag_sealed_open(&s, f->kr, bad, "db", "spec.password", &err), 0);
	ag_secret_free(s);
	s = NULL;
	/* Truncated and extended texts are refused too. */
	bad[strlen(bad) - 1] = '\0';
	assert_true(ag_sealed_open(&s, f->kr, bad, "db", "spec.password", &err) < 0);
	assert_null(s);
	free(b64);
	free(bad);
	free(text);
}

static void
test_sealed__wrong_cluster_and_field(void **state)
{
	struct fixture *f = *state;
	struct ag_error err = AG_ERROR_INIT;
	struct ag_secret *s = NULL;
	char *text = seal_k1(f, "cluster-a", VALUE);

	assert_int_equal(
	    ag_sealed_open(&s, f->kr, text, "cluster-b", "spec.password", &err), AG_EDENIED);
	assert_null(s);
	assert_string_equal(err.msg, "cannot open sealed value for cluster 'cluster-b' field "
	                             "'spec.password': was sealed for cluster 'cluster-a'");
	ag_error_clear(&err);
	assert_int_equal(
	    ag_sealed_open(&s, f->kr, text, "cluster-a", "spec.username", &err), AG_EDENIED);
	assert_null(s);
	assert_non_null(strstr(err.msg, "was sealed for field 'spec.password'"));
	assert_null(strstr(err.msg, VALUE));
	ag_error_clear(&err);
	assert_int_equal(
	    ag_sealed_open(&s, f->kr, text, "cluster-b", "spec.other", &err), AG_EDENIED);
	assert_non_null(
	    strstr(err.msg, "was sealed for cluster 'cluster-a' field 'spec.password'"));
	/* The cluster comparison ignores case, as RDS does. */
	assert_int_equal(ag_sealed_open(&s, f->kr, text, "Cluster-A", "spec.password", &err), 0);
	ag_secret_free(s);
	free(text);
}

static void
test_sealed__unknown_key_and_wrong_key(void **state)
{
	struct fixture *f = *state;
	struct ag_error err = AG_ERROR_INIT;
	struct ag_secret *s = NULL;
	struct ag_keyring *other;
	char *text = NULL;

	assert_int_equal(
	    ag_sealed_seal(&text, f->pk2, "k2", "db", "spec.password", VALUE, VLEN, &err), 0);
	assert_int_equal(
	    ag_sealed_open(&s, f->kr, text, "db", "spec.password", &err), AG_ENOTFOUND);
	assert_null(s);
	assert_string_equal(err.msg, "cannot open sealed value for cluster 'db' field "
	                             "'spec.password': no key 'k2' in the keyring (loaded: k1)");
	/* A ring whose key named k2 is really another key: authentication fails. */
	other = ag_keyring_new();
	assert_int_equal(ag_keyring_add_secret(other, "k2", f->sk1, "test", &err), 0);
	assert_int_equal(ag_sealed_open(&s, other, text, "db", "spec.password", &err), AG_ECRYPTO);
	ag_keyring_free(other);
	/* An empty ring says how to load keys. */
	other = ag_keyring_new();
	ag_error_clear(&err);
	assert_int_equal(
	    ag_sealed_open(&s, other, text, "db", "spec.password", &err), AG_ENOTFOUND);
	assert_non_null(strstr(err.msg, "--key-file"));
	ag_keyring_free(other);
	free(text);
}

static void
test_sealed__malformed_texts(void **state)
{
	struct fixture *f = *state;
	static const char *const bad[] = {
	    "",
	    "hunter2",
	    "AGSEALED:",
	    "AGSEALED:v1:",
	    "AGSEALED:v1:k1:",
	    "AGSEALED:v1:K1:abcd",
	    "AGSEALED:v1:k1:abc=",
	    "AGSEALED:v1:k1:ab cd",
	    "AGSEALED:v1:k1:AAAA",
	    "AGSEALED:v2:k1:AAAA",
	};
	struct ag_error err = AG_ERROR_INIT;
	struct ag_secret *s = NULL;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ag_error_clear(&err);
		assert_int_equal(
		    ag_sealed_open(&s, f->kr, bad[i], "db", "spec.password", &err), AG_EINVAL);
		assert_null(s);
		assert_true(strncmp(err.msg, "cannot open sealed value for cluster 'db'", 41) == 0);
	}
	assert_non_null(strstr(err.msg, "'v2' is not supported"));
}

/* Envelopes that authenticate but are not what we seal. */
static void
test_sealed__bad_envelopes(void **state)
{
	struct fixture *f = *state;
	static const char *const envs[] = {
	    "{\"cluster\":\"db\",\"field\":\"spec.password\",\"v\":2,\"value\":\"x\"}",
	    "{\"cluster\":\"db\",\"field\":\"spec.password\",\"value\":\"x\"}",
	    "{\"cluster\":\"db\",\"field\":\"spec.password\",\"v\":1,\"value\":\"x\",\"y\":1}",
	    "{\"cluster\":\"db\",\"field\":\"spec.password\",\"v\":1,\"value\":\"\"}",
	    "{\"cluster\":\"db\",\"field\":\"spec.password\",\"v\":1,\"value\":7}",
	    "{\"cluster\":\"db\",\"cluster\":\"db\",\"field\":\"spec.password\",\"v\":1,"
	    "\"value\":\"x\"}",
	    "[1]",
	    "not json at all with secret s3cr3t",
	};
	struct ag_error err = AG_ERROR_INIT;
	struct ag_secret *s = NULL;
	unsigned char ct[512];
	char b64[1024], text[1100];
	size_t i, n;

	for (i = 0; i < sizeof(envs) / sizeof(envs[0]); i++) {
		n = strlen(envs[i]);
		assert_int_equal(crypto_box_seal(ct, (const unsigned char *)envs[i], n, f->pk1), 0);
		sodium_bin2base64(b64, sizeof(b64), ct, n + crypto_box_SEALBYTES,
		    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
		snprintf(text, sizeof(text), "AGSEALED:v1:k1:%s", b64);
		ag_error_clear(&err);
		assert_int_equal(
		    ag_sealed_open(&s, f->kr, text, "db", "spec.password", &err), AG_EINVAL);
		assert_null(s);
		assert_null(strstr(err.msg, "s3cr3t"));
		if (i == 0)
			assert_non_null(strstr(err.msg, "version 2"));
	}
}

static void
test_sealed__seal_input_checks(void **state)
{
	struct fixture *f = *state;
	struct ag_error err = AG_ERROR_INIT;
	char big[AG_SECRET_MAX + 2];
	char *text = NULL;

	assert_int_equal(
	    ag_sealed_seal(&text, f->pk1, "k1", "db", "spec.password", "", 0, &err), AG_EINVAL);
	memset(big, 'x', sizeof(big));
	assert_int_equal(ag_sealed_seal(&text, f->pk1, "k1", "db", "spec.password", big,
	                     AG_SECRET_MAX + 1, &err),
	    AG_ETOOBIG);
	assert_int_equal(
	    ag_sealed_seal(&text, f->pk1, "k1", "db", "spec.password", big, AG_SECRET_MAX, &err),
	    0);
	free(text);
	text = NULL;
	assert_int_equal(
	    ag_sealed_seal(&text, f->pk1, "k1", "db", "spec.password", "a\0b", 3, &err), AG_EINVAL);
	assert_int_equal(
	    ag_sealed_seal(&text, f->pk1, "k1", "db", "spec.password", "\xff\xfe", 2, &err),
	    AG_EINVAL);
	assert_non_null(strstr(err.msg, "UTF-8"));
	assert_int_equal(
	    ag_sealed_seal(&text, f->pk1, "k1", "db", "spec.username", "x", 1, &err), AG_EINVAL);
	assert_non_null(strstr(err.msg, "the only secret field is 'spec.password'"));
	assert_int_equal(
	    ag_sealed_seal(&text, f->pk1, "k1", "1db", "spec.password", "x", 1, &err), AG_EINVAL);
	assert_int_equal(
	    ag_sealed_seal(&text, f->pk1, "K1", "db", "spec.password", "x", 1, &err), AG_EINVAL);
	assert_null(text);
}

static void
test_sealed__key_id_of_text(void **state)
{
	struct fixture *f = *state;
	struct ag_error err = AG_ERROR_INIT;
	char id[AG_KEY_ID_MAX + 1];
	char *text = seal_k1(f, "db", VALUE);

	assert_int_equal(ag_sealed_key_id(id, text, &err), 0);
	assert_string_equal(id, "k1");
	assert_int_equal(ag_sealed_key_id(id, "plain", &err), AG_EINVAL);
	free(text);
}

static void
test_hash__stable_and_distinct(void **state)
{
	struct fixture *f = *state;
	struct ag_error err = AG_ERROR_INIT;
	struct ag_secret *a = ag_secret_new("pw-one", 6), *b = ag_secret_new("pw-two", 6);
	char h1[AG_SECRET_HASH_HEX_LEN + 1], h2[AG_SECRET_HASH_HEX_LEN + 1];
	char h3[AG_SECRET_HASH_HEX_LEN + 1], h4[AG_SECRET_HASH_HEX_LEN + 1];
	bool same;

	assert_int_equal(ag_secret_hash(h1, f->kr, "k1", a, "db-a", &err), 0);
	assert_int_equal(strlen(h1), 64);
	assert_int_equal(strspn(h1, "0123456789abcdef"), 64);
	assert_int_equal(ag_secret_hash(h2, f->kr, "k1", a, "db-a", &err), 0);
	assert_string_equal(h1, h2);
	assert_int_equal(ag_secret_hash(h2, f->kr, "k1", a, "DB-A", &err), 0);
	assert_string_equal(h1, h2);
	assert_int_equal(ag_secret_hash(h3, f->kr, "k1", a, "db-b", &err), 0);
	assert_string_not_equal(h1, h3);
	assert_int_equal(ag_secret_hash(h4, f->kr, "k1", b, "db-a", &err), 0);
	assert_string_not_equal(h1, h4);
	/* Not a plain hash of the value. */
	assert_null(strstr(h1, "pw-one"));
	/* Adding keys to the ring does not change it; another key does. */
	assert_int_equal(ag_keyring_add_secret(f->kr, "a0", f->sk2, "test", &err), 0);
	assert_int_equal(ag_secret_hash(h2, f->kr, "k1", a, "db-a", &err), 0);
	assert_string_equal(h1, h2);
	assert_int_equal(ag_secret_hash(h2, f->kr, "a0", a, "db-a", &err), 0);
	assert_string_not_equal(h1, h2);
	assert_int_equal(ag_secret_hash_matches(&same, f->kr, "k1", h1, a, "db-a", &err), 0);
	assert_true(same);
	assert_int_equal(ag_secret_hash_matches(&same, f->kr, "k1", h1, b, "db-a", &err), 0);
	assert_false(same);
	assert_int_equal(ag_secret_hash_matches(&same, f->kr, "k1", "zz", a, "db-a", &err), 0);
	assert_false(same);
	assert_int_equal(ag_secret_hash(h2, f->kr, "gone", a, "db-a", &err), AG_ENOTFOUND);
	assert_non_null(strstr(err.msg, "no key 'gone'"));
	ag_secret_free(a);
	ag_secret_free(b);
}

/* Known answer, computed independently (Python hashlib: crypto_kdf is
 * BLAKE2b keyed with the master key, salt = le64(subkey id), personal =
 * context). A change here would make every agent see every password as
 * changed, so the construction is pinned. */
static void
test_hash__known_answer(void **state)
{
	struct ag_error err = AG_ERROR_INIT;
	struct ag_keyring *kr = ag_keyring_new();
	unsigned char sk[32];
	struct ag_secret *s = ag_secret_new("hunter22", 8);
	char h1[AG_SECRET_HASH_HEX_LEN + 1], h2[AG_SECRET_HASH_HEX_LEN + 1];
	struct ag_keyring *kr2 = ag_keyring_new();

	(void)state;
	memset(sk, 7, sizeof(sk));
	assert_int_equal(ag_keyring_add_secret(kr, "k", sk, "test", &err), 0);
	assert_int_equal(ag_keyring_add_secret(kr2, "k", sk, "test", &err), 0);
	assert_int_equal(ag_secret_hash(h1, kr, "k", s, "db", &err), 0);
	assert_int_equal(ag_secret_hash(h2, kr2, "k", s, "db", &err), 0);
	assert_string_equal(h1, h2);
	assert_string_equal(h1, "74a07d37e5c1afdab8070159da8441cb0bf9bedb5c3642cd25ddcd14843883dd");
	ag_keyring_free(kr);
	ag_keyring_free(kr2);
	ag_secret_free(s);
}

/* jansson frees through the wiping allocator once the library is set up. */
static void
test_sealed__jansson_wipes(void **state)
{
	json_malloc_t mf;
	json_free_t ff;

	(void)state;
	json_get_alloc_funcs(&mf, &ff);
	assert_true(mf == malloc);
	assert_true(ff != free);
}

static void
test_names__ids(void **state)
{
	struct ag_error err = AG_ERROR_INIT;
	char out[AG_CLUSTER_ID_MAX + 1];
	char longid[80];

	(void)state;
	assert_true(ag_key_id_valid("k1"));
	assert_true(ag_key_id_valid("2026-01.prod_key"));
	assert_false(ag_key_id_valid(""));
	assert_false(ag_key_id_valid("-k"));
	assert_false(ag_key_id_valid("K1"));
	assert_false(ag_key_id_valid("a:b"));
	assert_false(ag_key_id_valid("a/b"));
	memset(longid, 'a', sizeof(longid));
	longid[63] = '\0';
	assert_true(ag_key_id_valid(longid));
	longid[63] = 'a';
	longid[64] = '\0';
	assert_false(ag_key_id_valid(longid));
	assert_int_equal(ag_cluster_id_normalize(out, "Prod-DB-1", &err), 0);
	assert_string_equal(out, "prod-db-1");
	assert_int_equal(ag_cluster_id_normalize(out, "1db", &err), AG_EINVAL);
	assert_int_equal(ag_cluster_id_normalize(out, "db-", &err), AG_EINVAL);
	assert_int_equal(ag_cluster_id_normalize(out, "d--b", &err), AG_EINVAL);
	assert_int_equal(ag_cluster_id_normalize(out, "d_b", &err), AG_EINVAL);
	assert_int_equal(ag_cluster_id_normalize(out, "", &err), AG_EINVAL);
	assert_int_equal(ag_cluster_id_normalize(out, longid, &err), AG_EINVAL);
	assert_int_equal(ag_sealed_field_check("spec.password", &err), 0);
	assert_int_equal(ag_sealed_field_check("spec.username", &err), AG_EINVAL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_sealed__round_trip, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_sealed__not_deterministic, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_sealed__envelope_is_canonical, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_sealed__tamper_every_byte, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_sealed__wrong_cluster_and_field, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_sealed__unknown_key_and_wrong_key, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_sealed__malformed_texts, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_sealed__bad_envelopes, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_sealed__seal_input_checks, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_sealed__key_id_of_text, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_hash__stable_and_distinct, setup, teardown),
	    cmocka_unit_test(test_hash__known_answer),
	    cmocka_unit_test_setup_teardown(test_sealed__jansson_wipes, setup, teardown),
	    cmocka_unit_test(test_names__ids),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
