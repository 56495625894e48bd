#ifndef AG_SECRETS_SECRETS_H
#define AG_SECRETS_SECRETS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "core/buf.h"
#include "core/error.h"

/*
 * Sealed secrets: X25519 key files, sealed values bound to a cluster and a
 * field, the key ring the agent opens them with, keyed hashes for password
 * drift, and the textual scan and re-seal of manifests. docs/secrets.md
 * describes the formats, the threat model and the procedures.
 *
 * A sealed value is one line of text:
 *
 *   AGSEALED:v1:<key_id>:<base64url(crypto_box_seal(envelope, pk))>
 *
 * base64url is RFC 4648 section 5 without padding (libsodium's
 * sodium_base64_VARIANT_URLSAFE_NO_PADDING), so a token is made only of
 * [A-Za-z0-9_-] after the key id and needs no quoting in YAML. The envelope
 * is canonical JSON (jansson, JSON_COMPACT | JSON_SORT_KEYS):
 *
 *   {"cluster":"<id>","field":"spec.password","v":1,"value":"<secret>"}
 *
 * Opening checks the cluster and the field, so a ciphertext pasted into
 * another cluster or field is refused.
 *
 * Plaintext lives only in sodium_malloc() memory (struct ag_secret) and in
 * jansson temporaries that are wiped when freed (see ag_secrets_init()).
 * No function here puts a secret value into an error message or a log.
 */

#define AG_KEY_ID_MAX 63          /* [a-z0-9][a-z0-9._-]{0,62} */
#define AG_CLUSTER_ID_MAX 63      /* RDS DB cluster identifier */
#define AG_FIELD_MAX 63           /* field path, e.g. "spec.password" */
#define AG_PUBKEY_BYTES 32        /* crypto_box_PUBLICKEYBYTES */
#define AG_SECKEY_BYTES 32        /* crypto_box_SECRETKEYBYTES */
#define AG_SECRET_MAX 4096        /* largest secret value, bytes */
#define AG_SEALED_MAX 65536       /* largest sealed text, bytes */
#define AG_SECRET_HASH_HEX_LEN 64 /* hex digits of ag_secret_hash() */
#define AG_SEALED_PREFIX "AGSEALED:v1:"

/*
 * Initialises libsodium and makes jansson wipe every block it frees (its
 * free function becomes "zero malloc_usable_size() bytes, then free"; its
 * allocation function stays malloc, so blocks allocated before the switch
 * are still freed correctly). Idempotent and thread-safe; every function
 * below calls it, but a program with threads should call it once at start
 * before other threads use jansson. Leaves a custom jansson allocator
 * installed by someone else alone. Returns 0 or AG_ECRYPTO.
 */
int ag_secrets_init(void);

/* ---- names ---------------------------------------------------------- */

/* True when id matches [a-z0-9][a-z0-9._-]{0,62}. */
bool ag_key_id_valid(const char *id);

/* Like ag_key_id_valid() with an error that names the id and the rule. */
int ag_key_id_check(const char *id, struct ag_error *err);

/*
 * Checks id against the RDS DB cluster identifier rules (1 to 63 letters,
 * digits or hyphens; first a letter; no trailing hyphen, no two hyphens in
 * a row) and writes its lower-case form to out. AG_EINVAL otherwise.
 */
int ag_cluster_id_normalize(char out[AG_CLUSTER_ID_MAX + 1], const char *id, struct ag_error *err);

/* Checks that field is a field that may hold a sealed value. Today that is
 * only "spec.password". AG_EINVAL otherwise, naming the allowed fields. */
int ag_sealed_field_check(const char *field, struct ag_error *err);

/* ---- secret values -------------------------------------------------- */

/*
 * An opened secret. ptr points to len bytes in sodium_malloc() memory,
 * followed by a NUL (the value never contains NUL). key_id is the key the
 * value was sealed with.
 */
struct ag_secret {
	char *ptr;
	size_t len;
	char key_id[AG_KEY_ID_MAX + 1];
};

/* Copies len bytes of value into a new secret (sodium_malloc). Used by
 * tests and by callers that hold a plain-text value. */
struct ag_secret *ag_secret_new(const char *value, size_t len);

/* Wipes and frees s (sodium_free). NULL is a no-op. */
void ag_secret_free(struct ag_secret *s);

/* ---- public keys ---------------------------------------------------- */

/*
 * A public key as read from a .pub file:
 *
 *   aurora-gitops public key v1
 *   key-id: <id>
 *   created: <RFC 3339 UTC>
 *   public: <base64url, 43 characters>
 *
 * Lines starting with '#' and blank lines are ignored; key-id and public
 * are required, created is optional; any other key is an error.
 */
struct ag_pubkey {
	char key_id[AG_KEY_ID_MAX + 1];
	unsigned char pk[AG_PUBKEY_BYTES];
	char created[32]; /* "" when the file has none */
};

/* Parses a .pub file held in buf (len bytes); filename is for messages
 * (file:line). Returns 0 or AG_EINVAL. */
int ag_pubkey_parse(
    struct ag_pubkey *out, const char *buf, size_t len, const char *filename, struct ag_error *err);

/* Reads and parses the .pub file at path. */
int ag_pubkey_load(struct ag_pubkey *out, const char *path, struct ag_error *err);

/* Formats the text of a .pub file for key (heap string, free()). */
char *ag_pubkey_format(const struct ag_pubkey *key);

/*
 * Creates a key pair and writes it as <prefix>.key (mode 0600, the secret
 * key file) and <prefix>.pub. The key id is the last path component of
 * prefix and must be a valid key id. Both files are created atomically and
 * exclusively: if either exists, AG_ECONFLICT and nothing is written. now is
 * the creation time recorded in both files. On success out (optional) gets
 * the public key, *pub_path and *key_path (optional, free()) the paths.
 */
int ag_keygen(struct ag_pubkey *out, char **pub_path, char **key_path, const char *prefix,
    time_t now, struct ag_error *err);

/* ---- the key ring --------------------------------------------------- */

/*
 * The secret keys an agent holds, kept sorted by key id; secret halves live
 * in sodium_malloc() memory. A secret key file is
 *
 *   aurora-gitops secret key v1
 *   key-id: <id>
 *   created: <RFC 3339 UTC>
 *   public: <base64url>
 *   secret: <base64url>
 *
 * and is read only when it is a regular file with mode 0600 or 0400 (no
 * bits for group or others, no execute bits); the public line must match
 * the secret key. Loading the same key twice (same id, same key) is fine;
 * two different keys with one id is AG_ECONFLICT.
 */
struct ag_keyring;

struct ag_keyring *ag_keyring_new(void);
void ag_keyring_free(struct ag_keyring *kr); /* wipes; NULL is a no-op */

/* Adds the key in the secret key file at path (see above for the checks;
 * a loose mode is AG_EDENIED with the chmod to run). */
int ag_keyring_add_file(struct ag_keyring *kr, const char *path, struct ag_error *err);

/* Adds every "*.key" file in dir (not recursive, hidden names skipped).
 * A directory with no key file is not an error (see ag_keyring_count()). */
int ag_keyring_add_dir(struct ag_keyring *kr, const char *dir, struct ag_error *err);

/* Adds a key held in memory; origin names it in messages (e.g. "test"). */
int ag_keyring_add_secret(struct ag_keyring *kr, const char *key_id,
    const unsigned char sk[AG_SECKEY_BYTES], const char *origin, struct ag_error *err);

size_t ag_keyring_count(const struct ag_keyring *kr);

/* The id of the i-th key in key id order (i < count); borrowed. */
const char *ag_keyring_id(const struct ag_keyring *kr, size_t i);

bool ag_keyring_has(const struct ag_keyring *kr, const char *key_id);

/* The public half of key key_id into pk; AG_ENOTFOUND when absent. */
int ag_keyring_public(unsigned char pk[AG_PUBKEY_BYTES], const struct ag_keyring *kr,
    const char *key_id, struct ag_error *err);

/* "k1, k2" or "none" into out (for messages). */
void ag_keyring_describe(const struct ag_keyring *kr, char *out, size_t outsz);

/*
 * The agent's key ring from its options: every --key-file in files and
 * every --key-dir in dirs. When both are empty, the environment is used:
 * AURORA_GITOPS_KEY_FILE (one file) and AURORA_GITOPS_KEY_DIR (one
 * directory). With nothing configured the ring is empty, which is fine
 * until a sealed value must be opened (that error then says how to load a
 * key). *out is set on success only (ag_keyring_free()).
 */
int ag_keyring_load_default(struct ag_keyring **out, const char *const *files, size_t nfiles,
    const char *const *dirs, size_t ndirs, struct ag_error *err);

/* ---- seal and open -------------------------------------------------- */

/*
 * Seals value (len bytes, 1..AG_SECRET_MAX, valid UTF-8, no NUL) for
 * cluster_id (normalised to lower case) and field, to the public key pk
 * named key_id. Needs no secret key. *out (free()) gets the sealed text.
 * Returns 0 or AG_EINVAL (bad id, field or value).
 */
int ag_sealed_seal(char **out, const unsigned char pk[AG_PUBKEY_BYTES], const char *key_id,
    const char *cluster_id, const char *field, const char *value, size_t len, struct ag_error *err);

/*
 * Opens sealed_text with the key it names and checks that the envelope is
 * version 1 and was sealed for cluster_id (compared case-insensitively) and
 * field. *out (ag_secret_free()) gets the value; it is set on success only.
 * Errors all start "cannot open sealed value for cluster '<c>' field '<f>'"
 * and never contain the value:
 *   AG_EINVAL    the text is not a sealed value (or is for a newer version)
 *   AG_ENOTFOUND no key with its id in kr ("no key 'k2' in the keyring
 *                (loaded: k1)")
 *   AG_ECRYPTO   authentication failed (wrong key or tampered ciphertext)
 *   AG_EDENIED   sealed for another cluster or field ("was sealed for
 *                cluster 'b'")
 */
int ag_sealed_open(struct ag_secret **out, const struct ag_keyring *kr, const char *sealed_text,
    const char *cluster_id, const char *field, struct ag_error *err);

/* Where a sealed value says it belongs. */
struct ag_sealed_info {
	char key_id[AG_KEY_ID_MAX + 1];
	char cluster[AG_CLUSTER_ID_MAX + 1];
	char field[AG_FIELD_MAX + 1];
};

/*
 * Opens sealed_text (text_len bytes) without checking where it belongs;
 * info gets the cluster and field from the envelope. For re-sealing and
 * inspection only: the agent uses ag_sealed_open(). Same errors as
 * ag_sealed_open() except AG_EDENIED; messages start "cannot open sealed
 * value".
 */
int ag_sealed_open_unchecked(struct ag_secret **out, struct ag_sealed_info *info,
    const struct ag_keyring *kr, const char *sealed_text, size_t text_len, struct ag_error *err);

/* Reads the key id of sealed_text without opening it. AG_EINVAL when the
 * text is not a well-formed sealed value. */
int ag_sealed_key_id(char out[AG_KEY_ID_MAX + 1], const char *sealed_text, struct ag_error *err);

/* ---- password drift ------------------------------------------------- */

/*
 * Keyed hash of a secret value, so the agent can tell whether a password
 * changed without storing it: BLAKE2b-256 keyed with a subkey derived from
 * the secret key key_id (crypto_kdf, context "agpwhash", subkey id 1) over
 * "aurora-gitops/password/v1\0" || le64(len(cluster)) || cluster ||
 * le64(len(value)) || value, where cluster is cluster_id in lower case.
 * out_hex gets 64 lower-case hex digits and a NUL.
 *
 * Which key: record the key id used next to the hash. The recommended one
 * is s->key_id (the key that opened the value); when comparing, hash with
 * the recorded key id (ag_secret_hash_matches()). AG_ENOTFOUND when the key
 * is not in kr. The same inputs always give the same hash; adding keys to
 * the ring changes nothing.
 */
int ag_secret_hash(char out_hex[AG_SECRET_HASH_HEX_LEN + 1], const struct ag_keyring *kr,
    const char *key_id, const struct ag_secret *s, const char *cluster_id, struct ag_error *err);

/* *same = whether s hashes (with key_id, for cluster_id) to hex, compared
 * in constant time. A malformed hex is "not the same". */
int ag_secret_hash_matches(bool *same, const struct ag_keyring *kr, const char *key_id,
    const char *hex, const struct ag_secret *s, const char *cluster_id, struct ag_error *err);

/* ---- finding sealed values in text ---------------------------------- */

/* One "AGSEALED:" occurrence in a file. */
struct ag_sealed_ref {
	size_t off;    /* byte offset of the 'A' */
	size_t len;    /* token length (valid ones only) */
	unsigned line; /* 1-based */
	unsigned col;  /* 1-based, in bytes */
	bool valid;    /* a well-formed v1 token; else only off/line/col are set */
	char key_id[AG_KEY_ID_MAX + 1];
};

struct ag_sealed_refs {
	struct ag_sealed_ref *v;
	size_t n;
	size_t cap;
};

void ag_sealed_refs_init(struct ag_sealed_refs *r);
void ag_sealed_refs_release(struct ag_sealed_refs *r);

/*
 * Appends every occurrence of "AGSEALED:" in buf (len bytes) to out, in
 * order. A token is AG_SEALED_PREFIX, a valid key id, ':' and at least one
 * base64url character; it ends at the first byte outside [A-Za-z0-9_-].
 * Anything else after "AGSEALED:" (a comment that mentions the format, a
 * damaged value) is a ref with valid = false. Pure; cannot fail.
 */
void ag_sealed_find(struct ag_sealed_refs *out, const char *buf, size_t len);

/* Sealed values per key id. */
struct ag_sealed_count {
	char key_id[AG_KEY_ID_MAX + 1];
	size_t count;
};

struct ag_sealed_stats {
	struct ag_sealed_count *v; /* sorted by key id */
	size_t n;
	size_t cap;
	size_t files;     /* files (buffers) scanned */
	size_t malformed; /* "AGSEALED:" occurrences that are not valid tokens */
};

void ag_sealed_stats_init(struct ag_sealed_stats *st);
void ag_sealed_stats_release(struct ag_sealed_stats *st);

/* Counts the sealed values in one buffer (a file or a git blob). */
void ag_sealed_stats_add_buf(struct ag_sealed_stats *st, const char *buf, size_t len);

/*
 * Reads a manifest for the byte-level readers (scan, reseal) into out, whose
 * max bounds the size: only UTF-8 text is accepted (as the manifest loader
 * does), so no reader sees a file the others cannot see into (a UTF-16 file
 * would hide its sealed values). AG_EINVAL otherwise.
 */
int ag_sealed_read_manifest(struct ag_buf *out, const char *path, struct ag_error *err);

/*
 * Counts the sealed values in the manifests under paths (files, or
 * directories searched for *.yaml / *.yml as ag_fs_find_manifests() does).
 * Adds to st, which the caller initialised.
 */
int ag_sealed_scan(
    struct ag_sealed_stats *st, const char *const *paths, size_t npaths, struct ag_error *err);

/* Count for key_id (0 when none). */
size_t ag_sealed_stats_get(const struct ag_sealed_stats *st, const char *key_id);

/* ---- re-sealing ----------------------------------------------------- */

/*
 * Copies buf (len bytes) to out, replacing every valid token under the key
 * retire_id with a new token sealed to `to` for the cluster and field read
 * from its envelope. Every other byte is copied unchanged. *n_resealed gets
 * the number of tokens replaced. filename is for messages (file:line:col).
 * The retired key must be in kr. Fails (out then holds a partial copy) when
 * a token under retire_id cannot be opened.
 */
int ag_reseal_buf(struct ag_buf *out, size_t *n_resealed, const struct ag_keyring *kr,
    const char *retire_id, const struct ag_pubkey *to, const char *buf, size_t len,
    const char *filename, struct ag_error *err);

/*
 * ag_reseal_buf() on the file at path, which is rewritten atomically (same
 * mode) only when at least one token was replaced and dry_run is false.
 */
int ag_reseal_file(size_t *n_resealed, const struct ag_keyring *kr, const char *retire_id,
    const struct ag_pubkey *to, const char *path, bool dry_run, struct ag_error *err);

#endif
