#include "sys/fs.h"
#include "core/mem.h"
#include "core/runconf.h"

#include <dirent.h>
#include <stdbool.h>
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

/* What ag_fs_atomic_write() gathers before a write(2). */
#define ATOMIC_CHUNK 65536

int
ag_fs_atomic_open(struct ag_fs_atomic *w, const char *path, mode_t mode, struct ag_error *err)
{
	int rc;

	memset(w, 0, sizeof(*w));
	w->fd = -1;
	w->mode = mode;
	ag_buf_init(&w->pending, ATOMIC_CHUNK);
	w->path = ag_xstrdup(path);
	w->tmp = ag_xasprintf("%s.tmp.XXXXXX", path);
	w->fd = mkostemp(w->tmp, O_CLOEXEC);
	if (w->fd < 0) {
		rc = ag_error_set(err, AG_EIO, "cannot create a temporary file next to '%s': %s",
		    path, strerror(errno));
		free(w->tmp);
		w->tmp = NULL; /* nothing to remove */
		ag_fs_atomic_abort(w);
		return rc;
	}
	if (fchmod(w->fd, mode) < 0) {
		rc = ag_error_set(
		    err, AG_EIO, "cannot set the mode of '%s': %s", w->tmp, strerror(errno));
		ag_fs_atomic_abort(w);
		return rc;
	}
	return 0;
}

static int
write_all(struct ag_fs_atomic *w, const char *p, size_t len, struct ag_error *err)
{
	ssize_t n;

	if (w->fd < 0)
		return ag_error_set(err, AG_EIO, "cannot write '%s': an earlier write failed",
		    w->path ? w->path : "");
	while (len > 0) {
		n = write(w->fd, p, len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return ag_error_set(
			    err, AG_EIO, "cannot write '%s': %s", w->path, strerror(errno));
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* A failed step: the temporary file goes, later calls fail. */
static int
atomic_fail(struct ag_fs_atomic *w, int rc)
{
	if (w->fd >= 0)
		close(w->fd);
	w->fd = -1;
	if (w->tmp != NULL)
		unlink(w->tmp);
	free(w->tmp);
	w->tmp = NULL;
	return rc;
}

int
ag_fs_atomic_write(struct ag_fs_atomic *w, const void *data, size_t len, struct ag_error *err)
{
	int rc;

	if (w->fd >= 0 && w->pending.len + len <= w->pending.max)
		return ag_buf_add(&w->pending, data, len) < 0 ? AG_ETOOBIG : 0;
	/* full: what is pending goes first, then data itself */
	if ((rc = write_all(w, w->pending.ptr, w->pending.len, err)) < 0 ||
	    (rc = write_all(w, data, len, err)) < 0)
		return atomic_fail(w, rc);
	ag_buf_reset(&w->pending);
	return 0;
}

int
ag_fs_atomic_commit(struct ag_fs_atomic *w, int exclusive, struct ag_error *err)
{
	int rc;

	if ((rc = write_all(w, w->pending.ptr, w->pending.len, err)) < 0)
		return atomic_fail(w, rc);
	ag_buf_reset(&w->pending);
	if (fsync(w->fd) < 0)
		return atomic_fail(
		    w, ag_error_set(err, AG_EIO, "cannot sync '%s': %s", w->path, strerror(errno)));
	close(w->fd);
	w->fd = -1;
	if (exclusive) {
		/* link() fails if path appeared meanwhile: no overwrite race. */
		if (link(w->tmp, w->path) < 0)
			return atomic_fail(
			    w, ag_error_set(err, errno == EEXIST ? AG_ECONFLICT : AG_EIO,
			           "cannot create '%s': %s", w->path, strerror(errno)));
		unlink(w->tmp);
	} else if (rename(w->tmp, w->path) < 0) {
		return atomic_fail(w, ag_error_set(err, AG_EIO, "cannot rename '%s' to '%s': %s",
		                          w->tmp, w->path, strerror(errno)));
	}
	free(w->tmp);
	w->tmp = NULL; /* in place: nothing to remove */
	return 0;
}

void
ag_fs_atomic_abort(struct ag_fs_atomic *w)
{
	atomic_fail(w, 0);
	ag_buf_release(&w->pending);
	free(w->path);
	w->path = NULL;
}

int
ag_fs_write_atomic(const char *path, const void *data, size_t len, mode_t mode, int exclusive,
    struct ag_error *err)
{
	struct ag_fs_atomic w;
	int rc;

	if (exclusive && access(path, F_OK) == 0)
		return ag_error_set(
		    err, AG_ECONFLICT, "'%s' already exists; not overwriting", path);
	if ((rc = ag_fs_atomic_open(&w, path, mode, err)) < 0)
		return rc;
	if ((rc = ag_fs_atomic_write(&w, data, len, err)) == 0)
		rc = ag_fs_atomic_commit(&w, exclusive, err);
	ag_fs_atomic_abort(&w);
	return rc;
}

int
ag_fs_write_output(const char *path, const void *data, size_t len, struct ag_error *err)
{
	const char *p = data;
	struct stat st;
	ssize_t n;
	int fd, flags = O_WRONLY | O_CLOEXEC | O_NOCTTY, rc = 0;

	if (path[0] == '\0')
		return ag_error_set(err, AG_EINVAL, "cannot write to a file with an empty name");
	if (lstat(path, &st) < 0) {
		if (errno != ENOENT)
			return ag_error_set(
			    err, AG_EIO, "cannot write '%s': %s", path, strerror(errno));
		return ag_fs_write_atomic(path, data, len, 0644, 0, err);
	}
	if (S_ISREG(st.st_mode))
		return ag_fs_write_atomic(path, data, len, st.st_mode & 07777, 0, err);
	if (S_ISDIR(st.st_mode))
		return ag_error_set(err, AG_EINVAL, "cannot write '%s': it is a directory", path);
	if (S_ISLNK(st.st_mode)) {
		/* /dev/stdout and friends lead to a pipe or terminal: written
		 * through; a link to a file would be replaced or written through,
		 * neither of which the user asked for */
		if (stat(path, &st) < 0 || S_ISREG(st.st_mode) || S_ISDIR(st.st_mode))
			return ag_error_set(err, AG_EINVAL,
			    "'%s' is a symbolic link; refusing to replace it or write through it "
			    "(name its target instead)",
			    path);
	} else {
		flags |= O_NOFOLLOW;
	}
	/* a FIFO, a device or a socket: written in place, never replaced */
	fd = open(path, flags);
	if (fd < 0)
		return ag_error_set(err, AG_EIO, "cannot write '%s': %s", path, strerror(errno));
	if (fstat(fd, &st) < 0 || S_ISREG(st.st_mode) || S_ISDIR(st.st_mode)) {
		close(fd);
		return ag_error_set(
		    err, AG_EIO, "cannot write '%s': it changed while being opened", path);
	}
	while (len > 0) {
		n = write(fd, p, len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			rc = ag_error_set(
			    err, AG_EIO, "cannot write '%s': %s", path, strerror(errno));
			break;
		}
		p += n;
		len -= (size_t)n;
	}
	if (close(fd) < 0 && rc == 0)
		rc = ag_error_set(err, AG_EIO, "cannot write '%s': %s", path, strerror(errno));
	return rc;
}

int
ag_fs_mkdirs(const char *dir, mode_t mode, struct ag_error *err)
{
	char *p, *s;
	int rc = 0;

	if (dir[0] == '\0')
		return ag_error_set(err, AG_EINVAL, "cannot create a directory with an empty name");
	p = ag_xstrdup(dir);
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

/* Bounds of one manifest walk: nesting, directories and entries looked at. */
#define WALK_MAX_DEPTH 64
#define WALK_MAX_DIRS 10000
#define WALK_MAX_ENTRIES 200000

struct walk_dir {
	dev_t dev;
	ino_t ino;
	char *path;
};

struct walk {
	struct ag_strlist *out;
	struct walk_dir *dirs; /* every directory entered, by device and inode */
	size_t n_dirs;
	size_t cap_dirs;
	size_t entries;
};

/* Why an entry that stat() cannot follow is unreadable, for the message. */
static int
unreadable(const char *path, int errnum, struct ag_error *err)
{
	struct stat lst;

	if (lstat(path, &lst) == 0 && S_ISLNK(lst.st_mode))
		return ag_error_set(err, AG_EIO,
		    "cannot read '%s': it is a symbolic link to nothing readable (%s); a manifest "
		    "that cannot be read would look like a removed cluster",
		    path, strerror(errnum));
	return ag_error_set(err, AG_EIO,
	    "cannot read '%s': %s; a manifest that cannot be read would look like a removed "
	    "cluster",
	    path, strerror(errnum));
}

/* An entry that is not a directory, of the given mode: a manifest, the
 * repository's settings file, or nothing to read. */
static int
take_entry(struct walk *w, const char *path, const char *name, mode_t mode, int depth,
    struct ag_error *err)
{
	if (has_yaml_suffix(name) && !S_ISREG(mode))
		return ag_error_set(
		    err, AG_EINVAL, "'%s' is not a regular file; a manifest must be one", path);
	if (depth == 0 && ag_runconf_is_repo_file(name))
		return 0; /* the repository's settings file, not a manifest */
	if (S_ISREG(mode) && has_yaml_suffix(name))
		ag_strlist_add(w->out, path);
	return 0;
}

/* "dir/name" (dir is dlen bytes) in a new string: one per entry of a
 * directory, so copied without a format. */
static char *
join_name(const char *dir, size_t dlen, const char *name)
{
	size_t nlen = strlen(name);
	char *p = ag_xmalloc(dlen + nlen + 2);

	memcpy(p, dir, dlen);
	p[dlen] = '/';
	memcpy(p + dlen + 1, name, nlen + 1);
	return p;
}

/*
 * Every directory is entered once: a second visit (a symbolic link back to
 * an ancestor, or a second link to a directory already read) is an error,
 * so a link loop ends at once instead of growing without bound. Entries
 * that cannot be examined are errors too.
 */
static int
walk(struct walk *w, const char *dir, const struct stat *dst, int depth, struct ag_error *err)
{
	struct dirent **ents = NULL;
	struct stat st;
	char *path;
	size_t k, dlen = strlen(dir);
	int n, i, dfd, rc = 0;
	bool looked = false; /* an entry could be looked at */

	if (depth > WALK_MAX_DEPTH)
		return ag_error_set(err, AG_ETOOBIG, "'%s': directories nested more than %d deep",
		    dir, WALK_MAX_DEPTH);
	for (k = 0; k < w->n_dirs; k++)
		if (w->dirs[k].dev == dst->st_dev && w->dirs[k].ino == dst->st_ino)
			return ag_error_set(err, AG_EINVAL,
			    "'%s' is the directory '%s' again (a symbolic link loop, or a second "
			    "link to it); every directory is read once",
			    dir, w->dirs[k].path);
	if (w->n_dirs >= WALK_MAX_DIRS)
		return ag_error_set(
		    err, AG_ETOOBIG, "'%s': more than %d directories", dir, WALK_MAX_DIRS);
	AG_GROW(w->dirs, w->cap_dirs, w->n_dirs + 1);
	w->dirs[w->n_dirs].dev = dst->st_dev;
	w->dirs[w->n_dirs].ino = dst->st_ino;
	w->dirs[w->n_dirs].path = ag_xstrdup(dir);
	w->n_dirs++;
	/* entries are looked at relative to the directory: no walk of the
	 * whole path for each of them */
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	n = dfd < 0 ? -1 : scandirat(dfd, ".", &ents, NULL, alphasort);
	if (n < 0) {
		rc = ag_error_set(
		    err, AG_EIO, "cannot read directory '%s': %s", dir, strerror(errno));
		if (dfd >= 0)
			close(dfd);
		return rc;
	}
	for (i = 0; i < n; i++) {
		if (rc == 0 && ents[i]->d_name[0] != '.') {
			path = join_name(dir, dlen, ents[i]->d_name);
			if (++w->entries > WALK_MAX_ENTRIES)
				rc = ag_error_set(err, AG_ETOOBIG,
				    "'%s': more than %d entries under the manifest directory", path,
				    WALK_MAX_ENTRIES);
			else if (ents[i]->d_type == DT_REG && looked)
				/* a regular file, no link: the entry says so, and once
				 * one entry of the directory could be looked at, every
				 * one can (a stat would only say it again) */
				rc = take_entry(w, path, ents[i]->d_name, S_IFREG, depth, err);
			else if (fstatat(dfd, ents[i]->d_name, &st, 0) < 0)
				rc = unreadable(path, errno, err);
			else {
				looked = true;
				if (S_ISDIR(st.st_mode))
					rc = walk(w, path, &st, depth + 1, err);
				else
					rc = take_entry(
					    w, path, ents[i]->d_name, st.st_mode, depth, err);
			}
			free(path);
		}
		free(ents[i]);
	}
	free(ents);
	close(dfd);
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
			struct walk w;
			size_t k;

			memset(&w, 0, sizeof(w));
			w.out = out;
			p = ag_xstrdup(paths[i]);
			len = strlen(p);
			while (len > 1 && p[len - 1] == '/')
				p[--len] = '\0';
			rc = walk(&w, p, &st, 0, err);
			for (k = 0; k < w.n_dirs; k++)
				free(w.dirs[k].path);
			free(w.dirs);
			free(p);
			if (rc < 0)
				return rc;
		} else {
			ag_strlist_add(out, paths[i]);
		}
	}
	return 0;
}
