#include "agent/watch.h"

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/mem.h"

#include "core/compat.h"

#define DIR_MASK                                                                                   \
	(IN_CLOSE_WRITE | IN_MOVED_TO | IN_MOVED_FROM | IN_DELETE | IN_CREATE | IN_DELETE_SELF |   \
	    IN_MOVE_SELF | IN_ONLYDIR)
#define REFS_MASK (IN_MOVED_TO | IN_CREATE | IN_DELETE | IN_MOVED_FROM | IN_ONLYDIR)
#define BARE_MASK (IN_MOVED_TO | IN_CREATE | IN_ONLYDIR)
#define MAX_WATCHES 100000

enum root_kind { ROOT_MANIFESTS, ROOT_BARE };

struct root {
	enum root_kind kind;
	char *path;
};

struct wentry {
	int wd;
	enum root_kind kind;
	int is_repo_top; /* the bare repository's own directory */
	char *path;
};

struct ag_watch {
	int fd;
	struct root *roots;
	size_t n_roots, cap_roots;
	struct wentry *v;
	size_t n, cap;
	bool rescan; /* a watched directory was deleted or replaced */
};

int
ag_watch_new(struct ag_watch **out, struct ag_error *err)
{
	struct ag_watch *w;
	int fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);

	if (fd < 0)
		return ag_error_set(err, AG_EIO, "cannot start inotify: %s", strerror(errno));
	w = ag_xcalloc(1, sizeof(*w));
	w->fd = fd;
	*out = w;
	return 0;
}

static void
drop_all(struct ag_watch *w)
{
	size_t i;

	for (i = 0; i < w->n; i++) {
		inotify_rm_watch(w->fd, w->v[i].wd);
		free(w->v[i].path);
	}
	w->n = 0;
}

void
ag_watch_free(struct ag_watch *w)
{
	size_t i;

	if (w == NULL)
		return;
	drop_all(w);
	free(w->v);
	for (i = 0; i < w->n_roots; i++)
		free(w->roots[i].path);
	free(w->roots);
	close(w->fd);
	free(w);
}

int
ag_watch_fd(const struct ag_watch *w)
{
	return w->fd;
}

unsigned
ag_watch_count(const struct ag_watch *w)
{
	return (unsigned)w->n;
}

static struct wentry *
find_wd(struct ag_watch *w, int wd)
{
	size_t i;

	for (i = 0; i < w->n; i++)
		if (w->v[i].wd == wd)
			return &w->v[i];
	return NULL;
}

static int
add_one(struct ag_watch *w, const char *path, enum root_kind kind, int top, uint32_t mask,
    struct ag_error *err)
{
	struct wentry *e;
	int wd;

	if (w->n >= MAX_WATCHES)
		return ag_error_set(
		    err, AG_ETOOBIG, "too many directories to watch under '%s'", path);
	wd = inotify_add_watch(w->fd, path, mask);
	if (wd < 0)
		return ag_error_set(err, AG_EIO, "cannot watch '%s': %s%s", path, strerror(errno),
		    errno == ENOSPC ? " (raise fs.inotify.max_user_watches)" : "");
	e = find_wd(w, wd); /* the same directory reached twice */
	if (e != NULL)
		return 0;
	AG_GROW(w->v, w->cap, w->n + 1);
	e = &w->v[w->n++];
	e->wd = wd;
	e->kind = kind;
	e->is_repo_top = top;
	e->path = ag_xstrdup(path);
	return 0;
}

/* Watches dir and every directory below it (hidden ones skipped for
 * manifests, as the loader skips them). */
static int
add_tree(struct ag_watch *w, const char *dir, enum root_kind kind, struct ag_error *err)
{
	struct dirent *de;
	struct stat st;
	DIR *d;
	char *sub;
	int rc;

	rc = add_one(w, dir, kind, 0, kind == ROOT_BARE ? REFS_MASK : DIR_MASK, err);
	if (rc != 0)
		return rc;
	d = opendir(dir);
	if (d == NULL) /* gone between the watch and the walk: the event says so */
		return 0;
	while (rc == 0 && (de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		sub = ag_xasprintf("%s/%s", dir, de->d_name);
		if (lstat(sub, &st) == 0 && S_ISDIR(st.st_mode))
			rc = add_tree(w, sub, kind, err);
		free(sub);
	}
	closedir(d);
	return rc;
}

static int
add_root(struct ag_watch *w, const struct root *r, struct ag_error *err)
{
	char *refs;
	int rc;

	if (r->kind == ROOT_MANIFESTS)
		return add_tree(w, r->path, ROOT_MANIFESTS, err);
	rc = add_one(w, r->path, ROOT_BARE, 1, BARE_MASK, err);
	if (rc != 0)
		return rc;
	refs = ag_xasprintf("%s/refs", r->path);
	rc = add_tree(w, refs, ROOT_BARE, err);
	free(refs);
	return rc;
}

static int
remember(struct ag_watch *w, const char *path, enum root_kind kind, struct ag_error *err)
{
	struct root *r;
	int rc;

	AG_GROW(w->roots, w->cap_roots, w->n_roots + 1);
	r = &w->roots[w->n_roots];
	r->kind = kind;
	r->path = ag_xstrdup(path);
	rc = add_root(w, r, err);
	if (rc != 0) {
		free(r->path);
		return rc;
	}
	w->n_roots++;
	return 0;
}

int
ag_watch_add_manifests(struct ag_watch *w, const char *dir, struct ag_error *err)
{
	return remember(w, dir, ROOT_MANIFESTS, err);
}

int
ag_watch_add_bare_repo(struct ag_watch *w, const char *gitdir, struct ag_error *err)
{
	return remember(w, gitdir, ROOT_BARE, err);
}

static int
ends_with(const char *s, const char *suffix)
{
	size_t a = strlen(s), b = strlen(suffix);

	return a >= b && strcmp(s + a - b, suffix) == 0;
}

static int
rescan(struct ag_watch *w, struct ag_error *err)
{
	size_t i;
	int rc = 0;

	drop_all(w);
	for (i = 0; i < w->n_roots && rc == 0; i++)
		rc = add_root(w, &w->roots[i], err);
	return rc;
}

/* Whether one event matters; adds watches for new directories. */
static int
handle(struct ag_watch *w, const struct inotify_event *ev, struct ag_error *err)
{
	struct wentry *e = find_wd(w, ev->wd);
	const char *name = ev->len ? ev->name : "";
	char *sub;
	int rc;

	if (e == NULL)
		return 0;
	if (ev->mask & IN_IGNORED) {
		free(e->path);
		*e = w->v[--w->n];
		return 0;
	}
	if (ev->mask & (IN_DELETE_SELF | IN_MOVE_SELF)) {
		/* replaced (git checkout, a symlink swap): watch the new one */
		w->rescan = true;
		return 1;
	}
	if (e->kind == ROOT_BARE) {
		if (ends_with(name, ".lock"))
			return 0;
		if (e->is_repo_top)
			return strcmp(name, "packed-refs") == 0;
	} else if (!(ev->mask & IN_ISDIR) && !ends_with(name, ".yaml") &&
	           !ends_with(name, ".yml")) {
		return 0;
	}
	if ((ev->mask & IN_ISDIR) && (ev->mask & (IN_CREATE | IN_MOVED_TO)) && name[0] != '.') {
		sub = ag_xasprintf("%s/%s", e->path, name);
		rc = add_tree(w, sub, e->kind, err);
		free(sub);
		if (rc != 0)
			return rc;
	}
	if (name[0] == '.' && e->kind == ROOT_MANIFESTS)
		return 0;
	return 1;
}

int
ag_watch_read(struct ag_watch *w, bool *overflowed, struct ag_error *err)
{
	char buf[16384] __attribute__((aligned(__alignof__(struct inotify_event))));
	const struct inotify_event *ev;
	ssize_t n;
	char *p;
	int changed = 0, rc;

	*overflowed = false;
	for (;;) {
		n = read(w->fd, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			break;
		if (n <= 0)
			return ag_error_set(err, AG_EIO, "cannot read inotify events: %s",
			    n < 0 ? strerror(errno) : "end of file");
		for (p = buf; p < buf + n; p += sizeof(*ev) + ev->len) {
			ev = (const struct inotify_event *)p;
			if (ev->mask & IN_Q_OVERFLOW) {
				*overflowed = true;
				continue;
			}
			rc = handle(w, ev, err);
			if (rc < 0)
				return rc;
			changed |= rc;
		}
	}
	if (*overflowed || w->rescan) {
		w->rescan = false;
		rc = rescan(w, err);
		if (rc < 0)
			return rc;
		changed = 1;
	}
	return changed;
}
