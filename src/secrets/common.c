/* Library set-up, names, secret values and small encoders. */
#include "secrets/secrets.h"
#include "secrets/internal.h"
#include "core/bug.h"
#include "core/mem.h"

#include <malloc.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>
#include <sodium.h>

#include "core/compat.h"

static pthread_once_t init_once = PTHREAD_ONCE_INIT;
static int init_rc;

/* jansson's free: wipe the whole block first. Works for any block from
 * malloc(), including ones allocated before this was installed. */
static void
wiping_free(void *p)
{
	if (p == NULL)
		return;
	sodium_memzero(p, malloc_usable_size(p));
	free(p);
}

static void
init_run(void)
{
	json_malloc_t mf;
	json_free_t ff;

	if (sodium_init() < 0) {
		init_rc = AG_ECRYPTO;
		return;
	}
	json_get_alloc_funcs(&mf, &ff);
	if (mf == malloc && ff == free)
		json_set_alloc_funcs(malloc, wiping_free);
	init_rc = 0;
}

int
ag_secrets_init(void)
{
	pthread_once(&init_once, init_run);
	return init_rc;
}

bool
ag_key_id_valid(const char *id)
{
	size_t i;

	if (id == NULL || id[0] == '\0')
		return false;
	for (i = 0; id[i]; i++) {
		unsigned char c = (unsigned char)id[i];
		int alnum = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');

		if (i >= AG_KEY_ID_MAX)
			return false;
		if (!alnum && (i == 0 || (c != '.' && c != '_' && c != '-')))
			return false;
	}
	return true;
}

int
ag_key_id_check(const char *id, struct ag_error *err)
{
	if (ag_key_id_valid(id))
		return 0;
	return ag_error_set(err, AG_EINVAL,
	    "invalid key id '%.80s': use 1 to 63 characters from a-z, 0-9, '.', '_', '-', "
	    "starting with a letter or digit",
	    id ? id : "");
}

int
ag_cluster_id_normalize(char out[AG_CLUSTER_ID_MAX + 1], const char *id, struct ag_error *err)
{
	size_t i, n;
	const char *why = NULL;

	n = id ? strlen(id) : 0;
	if (n == 0)
		why = "it is empty";
	else if (n > AG_CLUSTER_ID_MAX)
		why = "it is longer than 63 characters";
	else if (!((id[0] >= 'a' && id[0] <= 'z') || (id[0] >= 'A' && id[0] <= 'Z')))
		why = "it must start with a letter";
	else if (id[n - 1] == '-')
		why = "it must not end with a hyphen";
	for (i = 0; why == NULL && i < n; i++) {
		unsigned char c = (unsigned char)id[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		        c == '-'))
			why = "it may contain only letters, digits and hyphens";
		else if (c == '-' && i > 0 && id[i - 1] == '-')
			why = "it must not contain two consecutive hyphens";
	}
	if (why)
		return ag_error_set(
		    err, AG_EINVAL, "invalid cluster identifier '%.80s': %s", id ? id : "", why);
	for (i = 0; i < n; i++)
		out[i] = (id[i] >= 'A' && id[i] <= 'Z') ? (char)(id[i] - 'A' + 'a') : id[i];
	out[n] = '\0';
	return 0;
}

int
ag_sealed_field_check(const char *field, struct ag_error *err)
{
	if (field && strcmp(field, "spec.password") == 0)
		return 0;
	return ag_error_set(err, AG_EINVAL,
	    "field '%.80s' cannot hold a sealed value: the only secret field is 'spec.password'",
	    field ? field : "");
}

struct ag_secret *
ag_secret_new(const char *value, size_t len)
{
	struct ag_secret *s;

	if (ag_secrets_init() < 0)
		AG_BUG("libsodium failed to initialise");
	s = ag_xcalloc(1, sizeof(*s));
	s->ptr = sodium_malloc(len + 1);
	if (s->ptr == NULL) {
		fprintf(
		    stderr, "aurora-gitops: fatal: out of secure memory (%zu bytes)\n", len + 1);
		abort();
	}
	if (len)
		memcpy(s->ptr, value, len);
	s->ptr[len] = '\0';
	s->len = len;
	return s;
}

void
ag_secret_free(struct ag_secret *s)
{
	if (s == NULL)
		return;
	sodium_free(s->ptr);
	sodium_memzero(s, sizeof(*s));
	free(s);
}

int
ag__b64_char(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	       c == '-' || c == '_';
}

char *
ag__b64_encode(const unsigned char *bin, size_t n)
{
	size_t sz = sodium_base64_encoded_len(n, AG_B64_VARIANT);
	char *s = ag_xmalloc(sz);

	sodium_bin2base64(s, sz, bin, n, AG_B64_VARIANT);
	return s;
}

int
ag__b64_decode(unsigned char *bin, size_t maxlen, size_t *binlen, const char *b64, size_t b64len)
{
	const char *end = NULL;
	size_t i;

	for (i = 0; i < b64len; i++)
		if (!ag__b64_char((unsigned char)b64[i]))
			return -1;
	if (sodium_base642bin(bin, maxlen, b64, b64len, NULL, binlen, &end, AG_B64_VARIANT) != 0)
		return -1;
	if (end != b64 + b64len)
		return -1;
	return 0;
}

void
ag__rfc3339(char out[32], time_t t)
{
	struct tm tm;

	if (gmtime_r(&t, &tm) == NULL || strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(out, 32, "1970-01-01T00:00:00Z");
}
