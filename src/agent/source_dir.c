#include "agent/source_dir.h"
#include "core/buf.h"
#include "core/mem.h"
#include "sys/fs.h"

#include <stdlib.h>
#include <string.h>

#include "core/compat.h"

struct source_dir {
	struct ag_source base; /* first: the interface */
	char *dir;
	char *revision;
};

static int
dir_load(struct ag_source *src, struct ag_manifest_set *set, struct ag_diags *diags,
    struct ag_error *err)
{
	struct source_dir *s = (struct source_dir *)src;
	struct ag_strlist files = AG_STRLIST_INIT;
	struct ag_buf buf = AG_BUF_INIT(AG_MANIFEST_MAX_BYTES);
	struct ag_manifest_reader *reader = NULL;
	const char *paths[1] = {s->dir};
	int rc, bad = 0;
	size_t i;

	rc = ag_fs_find_manifests(&files, paths, 1, err);
	if (rc < 0)
		goto out;
	if (files.n == 0) {
		rc = ag_error_set(
		    err, AG_ENOTFOUND, "no manifests (*.yaml, *.yml) under '%s'", s->dir);
		goto out;
	}
	reader = ag_manifest_reader_new();
	for (i = 0; i < files.n; i++) {
		ag_buf_reset(&buf);
		rc = ag_fs_read(&buf, files.v[i], err);
		if (rc < 0)
			goto out;
		if (ag_manifest_reader_parse(reader, set, diags, buf.ptr, buf.len, files.v[i]) < 0)
			bad = 1;
	}
	if (ag_manifest_set_check(set, diags) < 0)
		bad = 1;
	rc = bad ? AG_EINVAL : 0;
	if (bad)
		ag_error_set(err, AG_EINVAL, "manifests under '%s' have errors", s->dir);
out:
	ag_manifest_reader_free(reader);
	ag_buf_release(&buf);
	ag_strlist_release(&files);
	return rc;
}

static const char *
dir_revision(const struct ag_source *src)
{
	return ((const struct source_dir *)src)->revision;
}

static void
dir_free(struct ag_source *src)
{
	struct source_dir *s = (struct source_dir *)src;

	free(s->dir);
	free(s->revision);
	free(s);
}

static const struct ag_source_ops dir_ops = {dir_load, dir_revision, dir_free};

int
ag_source_dir_new(struct ag_source **out, const char *dir, struct ag_error *err)
{
	struct source_dir *s;
	size_t n;

	*out = NULL;
	if (dir == NULL || *dir == '\0')
		return ag_error_set(err, AG_EINVAL, "no manifest directory given");
	s = ag_xcalloc(1, sizeof(*s));
	s->base.ops = &dir_ops;
	s->dir = ag_xstrdup(dir);
	n = strlen(dir);
	s->revision = n && dir[n - 1] == '/' ? ag_xstrdup(dir) : ag_xasprintf("%s/", dir);
	*out = &s->base;
	return 0;
}
