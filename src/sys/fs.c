#include "sys/fs.h"
#include "core/mem.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/compat.h"

int
ag_fs_read(struct ag_buf *out, const char *path, struct ag_error *err)
{
	char chunk[65536];
	int fd, rc = 0;
	ssize_t n;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return ag_error_set(err, errno == ENOENT ? AG_ENOTFOUND : AG_EIO,
		    "cannot open '%s': %s", path, strerror(errno));
	for (;;) {
		n = read(fd, chunk, sizeof(chunk));
		if (n < 0) {
			if (errno == EINTR)
				continue;
			rc = ag_error_set(
			    err, AG_EIO, "cannot read '%s': %s", path, strerror(errno));
			goto out;
		}
		if (n == 0)
			break;
		if (ag_buf_add(out, chunk, (size_t)n) < 0) {
			rc = ag_error_set(err, AG_ETOOBIG,
			    "'%s' is larger than the limit of %zu bytes", path, out->max);
			goto out;
		}
	}
out:
	close(fd);
	return rc;
}

int
ag_fs_write_atomic(const char *path, const void *data, size_t len, mode_t mode, int exclusive,
    struct ag_error *err)
{
	char *tmp = NULL;
	const char *p = data;
	int fd = -1, rc = 0;
	ssize_t n;

	if (exclusive && access(path, F_OK) == 0)
		return ag_error_set(
		    err, AG_ECONFLICT, "'%s' already exists; not overwriting", path);
	tmp = ag_xasprintf("%s.tmp.XXXXXX", path);
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0) {
		rc = ag_error_set(err, AG_EIO, "cannot create a temporary file next to '%s': %s",
		    path, strerror(errno));
		free(tmp);
		return rc;
	}
	if (fchmod(fd, mode) < 0) {
		rc = ag_error_set(
		    err, AG_EIO, "cannot set the mode of '%s': %s", tmp, strerror(errno));
		goto out;
	}
	while (len > 0) {
		n = write(fd, p, len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			rc = ag_error_set(
			    err, AG_EIO, "cannot write '%s': %s", path, strerror(errno));
			goto out;
		}
		p += n;
		len -= (size_t)n;
	}
	if (fsync(fd) < 0) {
		rc = ag_error_set(err, AG_EIO, "cannot sync '%s': %s", path, strerror(errno));
		goto out;
	}
	close(fd);
	fd = -1;
	if (exclusive) {
		/* link() fails if path appeared meanwhile: no overwrite race. */
		if (link(tmp, path) < 0) {
			rc = ag_error_set(err, errno == EEXIST ? AG_ECONFLICT : AG_EIO,
			    "cannot create '%s': %s", path, strerror(errno));
			goto out;
		}
		unlink(tmp);
	} else if (rename(tmp, path) < 0) {
		rc = ag_error_set(
		    err, AG_EIO, "cannot rename '%s' to '%s': %s", tmp, path, strerror(errno));
		goto out;
	}
out:
	if (fd >= 0)
		close(fd);
	if (rc < 0)
		unlink(tmp);
	free(tmp);
	return rc;
}

int
ag_fs_mkdirs(const char *dir, mode_t mode, struct ag_error *err)
{
	char *p = ag_xstrdup(dir), *s;
	int rc = 0;

	for (s = p + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		if (mkdir(p, mode) < 0 && errno != EEXIST) {
			rc = ag_error_set(
			    err, AG_EIO, "cannot create directory '%s': %s", p, strerror(errno));
			goto out;
		}
		*s = '/';
	}
	if (mkdir(p, mode) < 0 && errno != EEXIST)
		rc = ag_error_set(
		    err, AG_EIO, "cannot create directory '%s': %s", p, strerror(errno));
out:
	free(p);
	return rc;
}

static int
has_yaml_suffix(const char *name)
{
	size_t n = strlen(name);

	return (n > 5 && strcmp(name + n - 5, ".yaml") == 0) ||
	       (n > 4 && strcmp(name + n - 4, ".yml") == 0);
}

static int
walk(struct ag_strlist *out, const char *dir, int depth, struct ag_error *err)
{
	struct dirent **ents = NULL;
	struct stat st;
	char *path;
	int n, i, rc = 0;

	if (depth > 64)
		return ag_error_set(err, AG_ETOOBIG, "'%s': directories nested too deep", dir);
	n = scandir(dir, &ents, NULL, alphasort);
	if (n < 0)
		return ag_error_set(
		    err, AG_EIO, "cannot read directory '%s': %s", dir, strerror(errno));
	for (i = 0; i < n; i++) {
		if (rc == 0 && ents[i]->d_name[0] != '.') {
			path = ag_xasprintf("%s/%s", dir, ents[i]->d_name);
			if (stat(path, &st) == 0) {
				if (S_ISDIR(st.st_mode))
					rc = walk(out, path, depth + 1, err);
				else if (S_ISREG(st.st_mode) && has_yaml_suffix(ents[i]->d_name))
					ag_strlist_add(out, path);
			}
			free(path);
		}
		free(ents[i]);
	}
	free(ents);
	return rc;
}

int
ag_fs_find_manifests(
    struct ag_strlist *out, const char *const *paths, size_t npaths, struct ag_error *err)
{
	struct stat st;
	size_t i, len;
	char *p;
	int rc;

	for (i = 0; i < npaths; i++) {
		if (stat(paths[i], &st) < 0)
			return ag_error_set(err, errno == ENOENT ? AG_ENOTFOUND : AG_EIO,
			    "cannot read '%s': %s", paths[i], strerror(errno));
		if (S_ISDIR(st.st_mode)) {
			p = ag_xstrdup(paths[i]);
			len = strlen(p);
			while (len > 1 && p[len - 1] == '/')
				p[--len] = '\0';
			rc = walk(out, p, 0, err);
			free(p);
			if (rc < 0)
				return rc;
		} else {
			ag_strlist_add(out, paths[i]);
		}
	}
	return 0;
}
