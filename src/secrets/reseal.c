/* Re-sealing values under a retired key, leaving every other byte alone. */
#include "secrets/secrets.h"
#include "secrets/internal.h"
#include "core/bug.h"
#include "core/manifest.h"
#include "core/mem.h"
#include "sys/fs.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/compat.h"

int
ag_reseal_buf(struct ag_buf *out, size_t *n_resealed, const struct ag_keyring *kr,
    const char *retire_id, const struct ag_pubkey *to, const char *buf, size_t len,
    const char *filename, struct ag_error *err)
{
	struct ag_sealed_refs refs;
	struct ag_sealed_info info;
	struct ag_secret *s = NULL;
	const struct ag_sealed_ref *r;
	char *token = NULL;
	size_t i, pos = 0, count = 0;
	int rc = 0;

	if (out == NULL || retire_id == NULL || to == NULL || (buf == NULL && len > 0))
		AG_BUG("ag_reseal_buf: NULL argument");
	if (n_resealed)
		*n_resealed = 0;
	if (strcmp(retire_id, to->key_id) == 0)
		return ag_error_set(err, AG_EINVAL,
		    "cannot re-seal from key '%s' to itself: the new key must have another id",
		    retire_id);
	ag_sealed_refs_init(&refs);
	ag_sealed_find(&refs, buf, len);
	for (i = 0; i < refs.n; i++) {
		r = &refs.v[i];
		if (!r->valid || strcmp(r->key_id, retire_id) != 0)
			continue;
		if (ag_buf_add(out, buf + pos, r->off - pos) < 0)
			goto toobig;
		rc = ag_sealed_open_unchecked(&s, &info, kr, buf + r->off, r->len, err);
		if (rc == 0)
			rc = ag_sealed_seal(&token, to->pk, to->key_id, info.cluster, info.field,
			    s->ptr, s->len, err);
		ag_secret_free(s);
		s = NULL;
		if (rc < 0) {
			ag_error_prefix(err, "%s:%u:%u", filename, r->line, r->col);
			goto out;
		}
		if (ag_buf_adds(out, token) < 0)
			goto toobig;
		free(token);
		token = NULL;
		pos = r->off + r->len;
		count++;
	}
	if (ag_buf_add(out, buf + pos, len - pos) < 0)
		goto toobig;
	if (n_resealed)
		*n_resealed = count;
	goto out;
toobig:
	rc = ag_error_set(
	    err, AG_ETOOBIG, "%s: re-sealed text is larger than %zu bytes", filename, out->max);
out:
	free(token);
	ag_sealed_refs_release(&refs);
	return rc;
}

int
ag_reseal_file(size_t *n_resealed, const struct ag_keyring *kr, const char *retire_id,
    const struct ag_pubkey *to, const char *path, bool dry_run, struct ag_error *err)
{
	struct ag_buf in = AG_BUF_INIT(AG_MANIFEST_MAX_BYTES);
	struct ag_buf out = AG_BUF_INIT(4 * AG_MANIFEST_MAX_BYTES);
	struct stat st;
	char *target = NULL;
	size_t n = 0;
	int rc;

	if (n_resealed)
		*n_resealed = 0;
	if ((rc = ag_sealed_read_manifest(&in, path, err)) < 0)
		goto out;
	if ((rc = ag_reseal_buf(&out, &n, kr, retire_id, to, in.ptr, in.len, path, err)) < 0)
		goto out;
	if (n > 0 && !dry_run) {
		/* Write through a symbolic link, keeping the file's mode. */
		target = realpath(path, NULL);
		if (target == NULL || stat(target, &st) < 0) {
			rc = ag_error_set(
			    err, AG_EIO, "cannot stat '%s': %s", path, strerror(errno));
			goto out;
		}
		rc = ag_fs_write_atomic(target, out.ptr, out.len, st.st_mode & 07777, 0, err);
		if (rc < 0)
			goto out;
	}
	if (n_resealed)
		*n_resealed = n;
out:
	free(target);
	ag_buf_release(&in);
	ag_buf_release(&out);
	return rc;
}
