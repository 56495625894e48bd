/* Finding sealed values in manifest text, and counting them per key. */
#include "secrets/secrets.h"
#include "secrets/internal.h"
#include "core/bug.h"
#include "core/escape.h"
#include "core/kv.h"
#include "core/manifest.h"
#include "core/mem.h"
#include "sys/fs.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/compat.h"

#define MARK "AGSEALED:"
#define MARK_LEN (sizeof(MARK) - 1)

void
ag_sealed_refs_init(struct ag_sealed_refs *r)
{
	memset(r, 0, sizeof(*r));
}

void
ag_sealed_refs_release(struct ag_sealed_refs *r)
{
	free(r->v);
	memset(r, 0, sizeof(*r));
}

static int
id_char(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
}

/* Length of the token at p (at most n bytes), or 0 when it is not one;
 * key_id gets its key id. */
static size_t
token_len(char key_id[AG_KEY_ID_MAX + 1], const char *p, size_t n)
{
	const size_t plen = sizeof(AG_SEALED_PREFIX) - 1;
	size_t i = plen, idlen, start;

	if (n < plen || memcmp(p, AG_SEALED_PREFIX, plen) != 0)
		return 0;
	while (i < n && id_char((unsigned char)p[i]))
		i++;
	idlen = i - plen;
	if (idlen == 0 || idlen > AG_KEY_ID_MAX || i >= n || p[i] != ':')
		return 0;
	memcpy(key_id, p + plen, idlen);
	key_id[idlen] = '\0';
	if (!ag_key_id_valid(key_id))
		return 0;
	start = ++i;
	while (i < n && ag__b64_char((unsigned char)p[i]))
		i++;
	if (i == start)
		return 0;
	return i;
}

void
ag_sealed_find(struct ag_sealed_refs *out, const char *buf, size_t len)
{
	const char *p = buf, *end = buf + len, *hit, *q;
	const char *linestart = buf, *scanned = buf;
	unsigned line = 1;
	struct ag_sealed_ref *r;
	size_t tl;

	while (p < end && (hit = memmem(p, (size_t)(end - p), MARK, MARK_LEN)) != NULL) {
		for (q = scanned; q < hit; q++)
			if (*q == '\n') {
				line++;
				linestart = q + 1;
			}
		scanned = hit;
		AG_GROW(out->v, out->cap, out->n + 1);
		r = &out->v[out->n++];
		memset(r, 0, sizeof(*r));
		r->off = (size_t)(hit - buf);
		r->line = line;
		r->col = (unsigned)(hit - linestart) + 1;
		tl = token_len(r->key_id, hit, (size_t)(end - hit));
		if (tl) {
			r->valid = true;
			r->len = tl;
			p = hit + tl;
		} else {
			r->key_id[0] = '\0';
			p = hit + MARK_LEN;
		}
	}
}

void
ag_sealed_stats_init(struct ag_sealed_stats *st)
{
	memset(st, 0, sizeof(*st));
}

void
ag_sealed_stats_release(struct ag_sealed_stats *st)
{
	free(st->v);
	memset(st, 0, sizeof(*st));
}

static void
stats_bump(struct ag_sealed_stats *st, const char *key_id)
{
	size_t i, j;
	int c = 1;

	for (i = 0; i < st->n; i++) {
		c = strcmp(st->v[i].key_id, key_id);
		if (c >= 0)
			break;
	}
	if (i < st->n && c == 0) {
		st->v[i].count++;
		return;
	}
	AG_GROW(st->v, st->cap, st->n + 1);
	for (j = st->n; j > i; j--)
		st->v[j] = st->v[j - 1];
	memset(&st->v[i], 0, sizeof(st->v[i]));
	snprintf(st->v[i].key_id, sizeof(st->v[i].key_id), "%s", key_id);
	st->v[i].count = 1;
	st->n++;
}

void
ag_sealed_stats_add_buf(struct ag_sealed_stats *st, const char *buf, size_t len)
{
	struct ag_sealed_refs refs;
	size_t i;

	ag_sealed_refs_init(&refs);
	ag_sealed_find(&refs, buf, len);
	for (i = 0; i < refs.n; i++) {
		if (refs.v[i].valid)
			stats_bump(st, refs.v[i].key_id);
		else
			st->malformed++;
	}
	st->files++;
	ag_sealed_refs_release(&refs);
}

int
ag_sealed_read_manifest(struct ag_buf *out, const char *path, struct ag_error *err)
{
	const char *why;
	size_t off;
	int rc;

	if ((rc = ag_fs_read(out, path, err)) < 0)
		return rc;
	if ((why = ag_utf8_check(out->ptr, out->len, &off)) != NULL)
		return ag_error_set(err, AG_EINVAL,
		    "'%s': the file is not UTF-8 text (byte %zu): %s; its sealed values cannot be "
		    "found",
		    path, off, why);
	return 0;
}

int
ag_sealed_scan(
    struct ag_sealed_stats *st, const char *const *paths, size_t npaths, struct ag_error *err)
{
	struct ag_strlist files = AG_STRLIST_INIT;
	struct ag_buf b = AG_BUF_INIT(AG_MANIFEST_MAX_BYTES);
	size_t i;
	int rc;

	if (st == NULL || (paths == NULL && npaths > 0))
		AG_BUG("ag_sealed_scan: NULL argument");
	if ((rc = ag_fs_find_manifests(&files, paths, npaths, err)) < 0)
		goto out;
	for (i = 0; i < files.n; i++) {
		ag_buf_reset(&b);
		if ((rc = ag_sealed_read_manifest(&b, files.v[i], err)) < 0)
			goto out;
		ag_sealed_stats_add_buf(st, b.ptr, b.len);
	}
out:
	ag_buf_release(&b);
	ag_strlist_release(&files);
	return rc;
}

size_t
ag_sealed_stats_get(const struct ag_sealed_stats *st, const char *key_id)
{
	size_t i;

	for (i = 0; st && key_id && i < st->n; i++)
		if (strcmp(st->v[i].key_id, key_id) == 0)
			return st->v[i].count;
	return 0;
}
