#include "core/shard.h"

#include <ctype.h>
#include <string.h>
#include <sodium.h>

#include "core/compat.h"

#define AG_SHARD_MAX 1024

static int
parse_u32(uint32_t *out, const char *s, const char *end)
{
	unsigned long v = 0;
	const char *p;

	if (s == end || end - s > 5)
		return -1;
	for (p = s; p < end; p++) {
		if (!isdigit((unsigned char)*p))
			return -1;
		v = v * 10 + (unsigned long)(*p - '0');
	}
	*out = (uint32_t)v;
	return 0;
}

int
ag_shard_parse(struct ag_shard *out, const char *text, struct ag_error *err)
{
	const char *slash = text ? strchr(text, '/') : NULL;
	struct ag_shard sh;

	if (slash == NULL || parse_u32(&sh.index, text, slash) != 0 ||
	    parse_u32(&sh.count, slash + 1, slash + strlen(slash)) != 0)
		return ag_error_set(err, AG_EINVAL,
		    "invalid shard '%s': expected I/N, e.g. 0/3 for the first of three agents",
		    text ? text : "");
	if (sh.count < 1 || sh.count > AG_SHARD_MAX)
		return ag_error_set(
		    err, AG_EINVAL, "invalid shard '%s': N must be 1..%d", text, AG_SHARD_MAX);
	if (sh.index >= sh.count)
		return ag_error_set(err, AG_EINVAL,
		    "invalid shard '%s': I must be below N (shards count from 0)", text);
	*out = sh;
	return 0;
}

uint32_t
ag_shard_of(const char *cluster_id, uint32_t count)
{
	crypto_hash_sha256_state st;
	unsigned char digest[crypto_hash_sha256_BYTES];
	unsigned char c;
	uint64_t v = 0;
	size_t i;

	if (count <= 1)
		return 0;
	crypto_hash_sha256_init(&st);
	for (i = 0; cluster_id[i]; i++) {
		c = (unsigned char)cluster_id[i];
		if (c >= 'A' && c <= 'Z') /* ASCII only: the same on every locale */
			c = (unsigned char)(c - 'A' + 'a');
		crypto_hash_sha256_update(&st, &c, 1);
	}
	crypto_hash_sha256_final(&st, digest);
	for (i = 0; i < 8; i++)
		v = (v << 8) | digest[i];
	return (uint32_t)(v % count);
}

bool
ag_shard_owns(const struct ag_shard *sh, const char *cluster_id)
{
	return sh->count <= 1 || ag_shard_of(cluster_id, sh->count) == sh->index;
}
