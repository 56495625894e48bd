/* The key ring: secret key files, loaded with strict mode checks. */
#include "secrets/secrets.h"
#include "secrets/internal.h"
#include "core/bug.h"
#include "core/mem.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "core/compat.h"

#define SEC_HEADER "aurora-gitops secret key v1"
#define KEYFILE_MAX 4096

struct ag_key {
	char id[AG_KEY_ID_MAX + 1];
	unsigned char pk[AG_PUBKEY_BYTES];
	unsigned char *sk; /* sodium_malloc */
	char *origin;      /* file it came from, for messages */
};

struct ag_keyring {
	struct ag_key *v; /* sorted by id */
	size_t n;
	size_t cap;
};

struct ag_keyring *
ag_keyring_new(void)
{
	if (ag_secrets_init() < 0)
		AG_BUG("libsodium failed to initialise");
	return ag_xcalloc(1, sizeof(struct ag_keyring));
}

void
ag_keyring_free(struct ag_keyring *kr)
{
	size_t i;

	if (kr == NULL)
		return;
	for (i = 0; i < kr->n; i++) {
		sodium_free(kr->v[i].sk);
		free(kr->v[i].origin);
	}
	free(kr->v);
	free(kr);
}

static struct ag_key *
find(const struct ag_keyring *kr, const char *id)
{
	size_t i;

	for (i = 0; kr && id && i < kr->n; i++)
		if (strcmp(kr->v[i].id, id) == 0)
			return &kr->v[i];
	return NULL;
}

int
ag_keyring_add_secret(struct ag_keyring *kr, const char *key_id,
    const unsigned char sk[AG_SECKEY_BYTES], const char *origin, struct ag_error *err)
{
	unsigned char pk[AG_PUBKEY_BYTES];
	struct ag_key *k;
	size_t i;
	int rc;

	if (kr == NULL || sk == NULL)
		AG_BUG("ag_keyring_add_secret: NULL argument");
	if ((rc = ag_key_id_check(key_id, err)) < 0)
		return rc;
	crypto_scalarmult_base(pk, sk);
	if ((k = find(kr, key_id)) != NULL) {
		if (sodium_memcmp(k->sk, sk, AG_SECKEY_BYTES) == 0)
			return 0;
		return ag_error_set(err, AG_ECONFLICT,
		    "key id '%s' is used by two different keys ('%s' and '%s')", key_id, k->origin,
		    origin ? origin : "?");
	}
	AG_GROW(kr->v, kr->cap, kr->n + 1);
	for (i = kr->n; i > 0 && strcmp(kr->v[i - 1].id, key_id) > 0; i--)
		kr->v[i] = kr->v[i - 1];
	k = &kr->v[i];
	memset(k, 0, sizeof(*k));
	snprintf(k->id, sizeof(k->id), "%s", key_id);
	memcpy(k->pk, pk, sizeof(pk));
	k->sk = sodium_malloc(AG_SECKEY_BYTES);
	if (k->sk == NULL)
		AG_BUG("out of secure memory");
	memcpy(k->sk, sk, AG_SECKEY_BYTES);
	k->origin = ag_xstrdup(origin ? origin : "?");
	kr->n++;
	return 0;
}

/* Opens path and checks that it is a private regular file, then reads it
 * into secure memory. */
static int
read_private(char **out, size_t *outlen, const char *path, struct ag_error *err)
{
	struct stat st;
	char *buf = NULL;
	size_t len = 0;
	ssize_t r;
	int fd, rc = 0;
	mode_t mode;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0)
		return ag_error_set(err, errno == ENOENT ? AG_ENOTFOUND : AG_EIO,
		    "cannot open key file '%s': %s", path, strerror(errno));
	if (fstat(fd, &st) < 0) {
		rc = ag_error_set(
		    err, AG_EIO, "cannot stat key file '%s': %s", path, strerror(errno));
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		rc = ag_error_set(err, AG_EDENIED, "key file '%s' is not a regular file", path);
		goto out;
	}
	mode = st.st_mode & 07777;
	if (mode & 0044) {
		rc = ag_error_set(err, AG_EDENIED,
		    "key file '%s' is readable by others (mode %04o); run chmod 600 %s", path,
		    (unsigned)mode, path);
		goto out;
	}
	if (mode & ~(mode_t)0600) {
		rc = ag_error_set(err, AG_EDENIED,
		    "key file '%s' has mode %04o, but key files must be mode 0600 or 0400; "
		    "run chmod 600 %s",
		    path, (unsigned)mode, path);
		goto out;
	}
	if (st.st_size > KEYFILE_MAX) {
		rc = ag_error_set(
		    err, AG_ETOOBIG, "key file '%s' is larger than %d bytes", path, KEYFILE_MAX);
		goto out;
	}
	buf = sodium_malloc(KEYFILE_MAX + 1);
	if (buf == NULL)
		AG_BUG("out of secure memory");
	for (;;) {
		r = read(fd, buf + len, KEYFILE_MAX + 1 - len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			rc = ag_error_set(
			    err, AG_EIO, "cannot read key file '%s': %s", path, strerror(errno));
			goto out;
		}
		if (r == 0)
			break;
		len += (size_t)r;
		if (len > KEYFILE_MAX) {
			rc = ag_error_set(err, AG_ETOOBIG, "key file '%s' is larger than %d bytes",
			    path, KEYFILE_MAX);
			goto out;
		}
	}
	*out = buf;
	*outlen = len;
	buf = NULL;
out:
	sodium_free(buf);
	close(fd);
	return rc;
}

int
ag_keyring_add_file(struct ag_keyring *kr, const char *path, struct ag_error *err)
{
	static const char *const allowed[] = {"key-id", "created", "public", "secret", NULL};
	struct ag__kline lines[AG__KLINES_MAX];
	const struct ag__kline *id, *pub, *sec;
	unsigned char pk[AG_PUBKEY_BYTES], derived[AG_PUBKEY_BYTES];
	unsigned char *sk = NULL;
	char keyid[AG_KEY_ID_MAX + 1];
	char *text = NULL;
	size_t len = 0, n, binlen;
	int rc;

	if (kr == NULL || path == NULL)
		AG_BUG("ag_keyring_add_file: NULL argument");
	if ((rc = read_private(&text, &len, path, err)) < 0)
		return rc;
	if ((rc = ag__keyfile_split(lines, &n, text, len, SEC_HEADER, allowed, path, err)) < 0)
		goto out;
	id = ag__kline_get(lines, n, "key-id");
	pub = ag__kline_get(lines, n, "public");
	sec = ag__kline_get(lines, n, "secret");
	if (id == NULL || sec == NULL) {
		rc = ag_error_set(err, AG_EINVAL, "%s: missing '%s' line", path,
		    id == NULL ? "key-id" : "secret");
		goto out;
	}
	if (id->vallen == 0 || id->vallen > AG_KEY_ID_MAX) {
		rc = ag_error_set(err, AG_EINVAL, "%s:%u: invalid key id", path, id->line);
		goto out;
	}
	memcpy(keyid, id->val, id->vallen);
	keyid[id->vallen] = '\0';
	if ((rc = ag_key_id_check(keyid, err)) < 0) {
		ag_error_prefix(err, "%s:%u", path, id->line);
		goto out;
	}
	sk = sodium_malloc(AG_SECKEY_BYTES);
	if (sk == NULL)
		AG_BUG("out of secure memory");
	if (ag__b64_decode(sk, AG_SECKEY_BYTES, &binlen, sec->val, sec->vallen) < 0 ||
	    binlen != AG_SECKEY_BYTES) {
		rc = ag_error_set(err, AG_EINVAL,
		    "%s:%u: 'secret' is not a base64url-encoded 32-byte key", path, sec->line);
		goto out;
	}
	if (pub) {
		crypto_scalarmult_base(derived, sk);
		if (ag__b64_decode(pk, sizeof(pk), &binlen, pub->val, pub->vallen) < 0 ||
		    binlen != AG_PUBKEY_BYTES) {
			rc = ag_error_set(err, AG_EINVAL,
			    "%s:%u: 'public' is not a base64url-encoded 32-byte key", path,
			    pub->line);
			goto out;
		}
		if (sodium_memcmp(pk, derived, sizeof(pk)) != 0) {
			rc = ag_error_set(err, AG_EINVAL,
			    "%s:%u: the public key does not belong to the secret key", path,
			    pub->line);
			goto out;
		}
	}
	rc = ag_keyring_add_secret(kr, keyid, sk, path, err);
out:
	sodium_free(sk);
	sodium_free(text);
	return rc;
}

static int
is_key_name(const struct dirent *d)
{
	size_t n = strlen(d->d_name);

	return d->d_name[0] != '.' && n > 4 && strcmp(d->d_name + n - 4, ".key") == 0;
}

int
ag_keyring_add_dir(struct ag_keyring *kr, const char *dir, struct ag_error *err)
{
	struct dirent **ents = NULL;
	struct stat st;
	char *path;
	int n, i, rc = 0;

	if (kr == NULL || dir == NULL)
		AG_BUG("ag_keyring_add_dir: NULL argument");
	n = scandir(dir, &ents, is_key_name, alphasort);
	if (n < 0)
		return ag_error_set(err, errno == ENOENT ? AG_ENOTFOUND : AG_EIO,
		    "cannot read key directory '%s': %s", dir, strerror(errno));
	for (i = 0; i < n; i++) {
		if (rc == 0) {
			path = ag_xasprintf("%s/%s", dir, ents[i]->d_name);
			/* Directories named *.key are skipped; files get the full checks. */
			if (!(stat(path, &st) == 0 && S_ISDIR(st.st_mode)))
				rc = ag_keyring_add_file(kr, path, err);
			free(path);
		}
		free(ents[i]);
	}
	free(ents);
	return rc;
}

size_t
ag_keyring_count(const struct ag_keyring *kr)
{
	return kr ? kr->n : 0;
}

const char *
ag_keyring_id(const struct ag_keyring *kr, size_t i)
{
	if (kr == NULL || i >= kr->n)
		AG_BUG("ag_keyring_id: index out of range");
	return kr->v[i].id;
}

bool
ag_keyring_has(const struct ag_keyring *kr, const char *key_id)
{
	return find(kr, key_id) != NULL;
}

int
ag_keyring_public(unsigned char pk[AG_PUBKEY_BYTES], const struct ag_keyring *kr,
    const char *key_id, struct ag_error *err)
{
	const struct ag_key *k = find(kr, key_id);
	char have[256];

	if (k == NULL) {
		ag_keyring_describe(kr, have, sizeof(have));
		return ag_error_set(err, AG_ENOTFOUND, "no key '%s' in the keyring (loaded: %s)",
		    key_id ? key_id : "", have);
	}
	memcpy(pk, k->pk, AG_PUBKEY_BYTES);
	return 0;
}

void
ag_keyring_describe(const struct ag_keyring *kr, char *out, size_t outsz)
{
	size_t i, used = 0;
	int w;

	if (outsz == 0)
		return;
	out[0] = '\0';
	if (kr == NULL || kr->n == 0) {
		snprintf(out, outsz, "none; pass --key-file or --key-dir");
		return;
	}
	for (i = 0; i < kr->n; i++) {
		w = snprintf(out + used, outsz - used, "%s%s", i ? ", " : "", kr->v[i].id);
		if (w < 0 || (size_t)w >= outsz - used) {
			if (outsz >= 4)
				memcpy(out + outsz - 4, "...", 4);
			return;
		}
		used += (size_t)w;
	}
}

const unsigned char *
ag__keyring_secret(const struct ag_keyring *kr, const char *key_id, const unsigned char **pk)
{
	const struct ag_key *k = find(kr, key_id);

	if (k == NULL)
		return NULL;
	if (pk)
		*pk = k->pk;
	return k->sk;
}

int
ag_keyring_load_default(struct ag_keyring **out, const char *const *files, size_t nfiles,
    const char *const *dirs, size_t ndirs, struct ag_error *err)
{
	struct ag_keyring *kr = ag_keyring_new();
	const char *envf, *envd;
	size_t i;
	int rc = 0;

	if (nfiles == 0 && ndirs == 0) {
		envf = getenv("AURORA_GITOPS_KEY_FILE");
		envd = getenv("AURORA_GITOPS_KEY_DIR");
		if (envf && envf[0] && (rc = ag_keyring_add_file(kr, envf, err)) < 0)
			goto out;
		if (envd && envd[0] && (rc = ag_keyring_add_dir(kr, envd, err)) < 0)
			goto out;
	}
	for (i = 0; i < nfiles; i++)
		if ((rc = ag_keyring_add_file(kr, files[i], err)) < 0)
			goto out;
	for (i = 0; i < ndirs; i++)
		if ((rc = ag_keyring_add_dir(kr, dirs[i], err)) < 0)
			goto out;
	*out = kr;
	kr = NULL;
out:
	ag_keyring_free(kr);
	return rc;
}
