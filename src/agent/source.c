#include "agent/source.h"
#include "core/buf.h"
#include "core/mem.h"
#include "sys/fs.h"

#include <stdio.h>
#include <stdlib.h>

#include "core/compat.h"

int
ag_source_load_dir(
    struct ag_manifest_set *set, struct ag_diags *diags, const char *dir, struct ag_error *err)
{
	struct ag_strlist files = AG_STRLIST_INIT;
	struct ag_buf buf = AG_BUF_INIT(AG_MANIFEST_MAX_BYTES);
	const char *paths[1] = {dir};
	int rc, bad = 0;
	size_t i;

	rc = ag_fs_find_manifests(&files, paths, 1, err);
	if (rc < 0)
		goto out;
	if (files.n == 0) {
		rc =
		    ag_error_set(err, AG_ENOTFOUND, "no manifests (*.yaml, *.yml) under '%s'", dir);
		goto out;
	}
	for (i = 0; i < files.n; i++) {
		ag_buf_reset(&buf);
		rc = ag_fs_read(&buf, files.v[i], err);
		if (rc < 0)
			goto out;
		if (ag_manifest_parse(set, diags, buf.ptr, buf.len, files.v[i]) < 0)
			bad = 1;
	}
	if (ag_manifest_set_check(set, diags) < 0)
		bad = 1;
	rc = bad ? AG_EINVAL : 0;
	if (bad)
		ag_error_set(err, AG_EINVAL, "manifests under '%s' have errors", dir);
out:
	ag_buf_release(&buf);
	ag_strlist_release(&files);
	return rc;
}

void
ag_source_print_diags(const struct ag_diags *diags)
{
	size_t i;
	char *line;

	for (i = 0; i < diags->n; i++) {
		if (diags->v[i].severity != AG_DIAG_ERROR)
			continue;
		line = ag_diag_format(&diags->v[i]);
		fprintf(stderr, "%s\n", line);
		free(line);
	}
}
