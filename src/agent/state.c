#include "agent/state.h"
#include "agent/state_outputs.h"
#include "core/buf.h"
#include "core/mem.h"
#include "sys/fs.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/compat.h"

#define STATE_FILE_MAX (16 * 1024 * 1024)

struct ag_state {
	char *dir;
	int lock_fd;
	bool readonly;
	json_t *passwords;
	json_t *failures;
	struct ag_outstore *outputs; /* per cluster: its connection outputs */
	int dirty;
};

char *
ag_state_default_dir(void)
{
	const char *x = getenv("XDG_STATE_HOME"), *home = getenv("HOME");

	if (x && *x)
		return ag_xasprintf("%s/aurora-gitops", x);
	return ag_xasprintf("%s/.local/state/aurora-gitops", home && *home ? home : ".");
}

/* A directory or file of the state: ours, and writable by nobody else. */
static int
check_owner(const struct stat *st, const char *path, const char *what, struct ag_error *err)
{
	if (st->st_uid != geteuid())
		return ag_error_set(err, AG_EDENIED,
		    "refusing state %s '%s': it is owned by uid %lu, not by the running user "
		    "(uid %lu)",
		    what, path, (unsigned long)st->st_uid, (unsigned long)geteuid());
	if (st->st_mode & (S_IWGRP | S_IWOTH))
		return ag_error_set(err, AG_EDENIED,
		    "refusing state %s '%s': it is writable by %s (mode %04o; run 'chmod go-w')",
		    what, path, (st->st_mode & S_IWOTH) ? "others" : "its group",
		    (unsigned)(st->st_mode & 07777));
	return 0;
}

/*
 * Opens a state file for reading without following a symbolic link, after
 * checking that it is a regular file we own that nobody else can write. A
 * missing file is AG_ENOTFOUND.
 */
static int
open_private(int *out, const char *path, struct ag_error *err)
{
	struct stat st;
	int fd, rc = 0;

	*out = -1;
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0) {
		if (errno == ENOENT)
			return ag_error_set(err, AG_ENOTFOUND, "'%s' does not exist", path);
		if (errno == ELOOP)
			return ag_error_set(err, AG_EDENIED,
			    "refusing state file '%s': it is a symbolic link", path);
		return ag_error_set(err, AG_EIO, "cannot open '%s': %s", path, strerror(errno));
	}
	if (fstat(fd, &st) < 0)
		rc = ag_error_set(err, AG_EIO, "cannot stat '%s': %s", path, strerror(errno));
	else if (!S_ISREG(st.st_mode))
		rc = ag_error_set(
		    err, AG_EDENIED, "refusing state file '%s': not a regular file", path);
	else
		rc = check_owner(&st, path, "file", err);
	if (rc < 0)
		close(fd);
	else
		*out = fd;
	return rc;
}

/* Reads a state file whole (open_private()'s checks). */
static int
read_private(struct ag_buf *out, const char *path, struct ag_error *err)
{
	char chunk[4096];
	ssize_t n;
	int fd, rc;

	if ((rc = open_private(&fd, path, err)) < 0)
		return rc;
	for (;;) {
		n = read(fd, chunk, sizeof(chunk));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			rc = ag_error_set(
			    err, AG_EIO, "cannot read '%s': %s", path, strerror(errno));
			goto out;
		}
		if (n == 0)
			break;
		if (ag_buf_add(out, chunk, (size_t)n) < 0) {
			rc = ag_error_set(
			    err, AG_ETOOBIG, "'%s' is larger than %zu bytes", path, out->max);
			goto out;
		}
	}
out:
	explicit_bzero(chunk, sizeof(chunk));
	close(fd);
	return rc;
}

static int
load_json(json_t **out, const char *dir, const char *name, struct ag_error *err)
{
	struct ag_buf b = AG_BUF_INIT(STATE_FILE_MAX);
	json_error_t jerr;
	char *path = ag_xasprintf("%s/%s", dir, name);
	int rc;

	*out = NULL;
	rc = read_private(&b, path, err);
	if (rc == AG_ENOTFOUND) {
		ag_error_clear(err);
		*out = json_object();
		rc = 0;
		goto out;
	}
	if (rc < 0)
		goto out;
	*out = json_loadb(b.ptr, b.len, 0, &jerr);
	if (*out == NULL) {
		/* jansson reports line and column -1 when it has no position */
		if (jerr.line > 0)
			rc = ag_error_set(err, AG_EINVAL,
			    "%s:%d:%d: state file is damaged: %s (move it away to start over)",
			    path, jerr.line, jerr.column > 0 ? jerr.column : 1, jerr.text);
		else
			rc = ag_error_set(err, AG_EINVAL,
			    "%s: state file is damaged: %s (move it away to start over)", path,
			    jerr.text[0] ? jerr.text : "not JSON");
	} else if (!json_is_object(*out)) {
		json_decref(*out);
		*out = NULL;
		rc = ag_error_set(err, AG_EINVAL,
		    "%s: state file is damaged: a JSON object was expected (move it away to "
		    "start over)",
		    path);
	}
out:
	ag_buf_release(&b);
	free(path);
	return rc;
}

/* The state directory: a directory we own that nobody else can write.
 * Missing: AG_ENOTFOUND. */
static int
check_dir(const char *dir, struct ag_error *err)
{
	struct stat st;

	if (stat(dir, &st) < 0) {
		if (errno == ENOENT)
			return ag_error_set(err, AG_ENOTFOUND, "'%s' does not exist", dir);
		return ag_error_set(
		    err, AG_EIO, "cannot use state directory '%s': %s", dir, strerror(errno));
	}
	if (!S_ISDIR(st.st_mode))
		return ag_error_set(err, AG_EINVAL, "state directory '%s' is not a directory", dir);
	return check_owner(&st, dir, "directory", err);
}

static int
open_common(struct ag_state **out, const char *dir, bool readonly, struct ag_error *err)
{
	struct ag_state *s = ag_xcalloc(1, sizeof(*s));
	struct stat st;
	char *lock = NULL, *opath = NULL;
	int rc;

	*out = NULL;
	s->lock_fd = -1;
	s->readonly = readonly;
	s->dir = ag_xstrdup(dir);
	if (!readonly && (rc = ag_fs_mkdirs(dir, 0700, err)) < 0)
		goto out;
	rc = check_dir(dir, err);
	if (rc == AG_ENOTFOUND && readonly) {
		/* nothing recorded yet: read as empty, create nothing */
		ag_error_clear(err);
		s->passwords = json_object();
		s->failures = json_object();
		goto outputs;
	}
	if (rc < 0)
		goto out;
	if (!readonly) {
		lock = ag_xasprintf("%s/lock", dir);
		s->lock_fd = open(lock, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
		if (s->lock_fd < 0) {
			rc = ag_error_set(err, errno == ELOOP ? AG_EDENIED : AG_EIO,
			    "cannot open lock file '%s': %s", lock,
			    errno == ELOOP ? "it is a symbolic link" : strerror(errno));
			goto out;
		}
		if (fstat(s->lock_fd, &st) < 0 || !S_ISREG(st.st_mode)) {
			rc = ag_error_set(
			    err, AG_EDENIED, "refusing lock file '%s': not a regular file", lock);
			goto out;
		}
		if ((rc = check_owner(&st, lock, "file", err)) < 0)
			goto out;
		if (flock(s->lock_fd, LOCK_EX | LOCK_NB) < 0) {
			rc = ag_error_set(err, errno == EWOULDBLOCK ? AG_ECONFLICT : AG_EIO,
			    "cannot lock state directory '%s': %s", dir,
			    errno == EWOULDBLOCK ? "another aurora-gitops process is using it"
			                         : strerror(errno));
			goto out;
		}
	}
	if ((rc = load_json(&s->passwords, dir, "passwords.json", err)) < 0)
		goto out;
	if ((rc = load_json(&s->failures, dir, "failures.json", err)) < 0)
		goto out;
outputs:
	opath = ag_xasprintf("%s/outputs.json", dir);
	if ((rc = ag_outstore_open(&s->outputs, opath, readonly, open_private, err)) < 0)
		goto out;
	*out = s;
	s = NULL;
out:
	free(opath);
	free(lock);
	ag_state_free(s);
	return rc;
}

int
ag_state_open(struct ag_state **out, const char *dir, struct ag_error *err)
{
	return open_common(out, dir, false, err);
}

int
ag_state_open_readonly(struct ag_state **out, const char *dir, struct ag_error *err)
{
	return open_common(out, dir, true, err);
}

bool
ag_state_readonly(const struct ag_state *s)
{
	return s->readonly;
}

void
ag_state_free(struct ag_state *s)
{
	if (s == NULL)
		return;
	if (s->lock_fd >= 0)
		close(s->lock_fd);
	json_decref(s->passwords);
	json_decref(s->failures);
	ag_outstore_free(s->outputs);
	free(s->dir);
	free(s);
}

const char *
ag_state_dir(const struct ag_state *s)
{
	return s->dir;
}

static int
save_json(const char *dir, const char *name, json_t *j, struct ag_error *err)
{
	char *text = json_dumps(j, JSON_INDENT(2) | JSON_SORT_KEYS);
	char *path = ag_xasprintf("%s/%s", dir, name);
	int rc;

	rc = ag_fs_write_atomic(path, text, strlen(text), 0600, 0, err);
	free(text);
	free(path);
	return rc;
}

int
ag_state_save(struct ag_state *s, struct ag_error *err)
{
	return ag_state_save_outputs(s, NULL, err);
}

int
ag_state_save_outputs(struct ag_state *s, const struct ag_state_outputs *src, struct ag_error *err)
{
	int rc;

	if (s->readonly)
		return 0;
	if (s->dirty) {
		if ((rc = save_json(s->dir, "passwords.json", s->passwords, err)) < 0)
			return rc;
		if ((rc = save_json(s->dir, "failures.json", s->failures, err)) < 0)
			return rc;
		s->dirty = 0;
	}
	return ag_outstore_save(s->outputs, src, err);
}

const char *
ag_state_password_hash(const struct ag_state *s, const char *cluster)
{
	return json_string_value(json_object_get(json_object_get(s->passwords, cluster), "hash"));
}

const char *
ag_state_password_key(const struct ag_state *s, const char *cluster)
{
	return json_string_value(json_object_get(json_object_get(s->passwords, cluster), "key_id"));
}

/* "local:" + 16 hex digits of a keyed hash of a fixed label: names the key
 * without revealing it. */
static void
local_key_id(char *out, const unsigned char key[32])
{
	static const char label[] = "aurora-gitops local key id";
	unsigned char h[8];
	char hex[17];

	crypto_generichash(h, sizeof(h), (const unsigned char *)label, sizeof(label) - 1, key, 32);
	sodium_bin2hex(hex, sizeof(hex), h, sizeof(h));
	snprintf(out, AG_STATE_LOCAL_KEY_ID_LEN + 1, "local:%s", hex);
}

int
ag_state_local_key(struct ag_state *s, unsigned char key[32], char *key_id, struct ag_error *err)
{
	struct ag_buf b = AG_BUF_INIT(64);
	char *path = ag_xasprintf("%s/hash.key", s->dir);
	int rc;

	rc = read_private(&b, path, err);
	if (rc == AG_ENOTFOUND && !s->readonly) {
		ag_error_clear(err);
		randombytes_buf(key, 32);
		rc = ag_fs_write_atomic(path, key, 32, 0600, 1, err);
		goto out;
	}
	if (rc < 0)
		goto out;
	if (b.len != 32) {
		rc = ag_error_set(
		    err, AG_EINVAL, "'%s' is damaged (expected 32 bytes, found %zu)", path, b.len);
		goto out;
	}
	memcpy(key, b.ptr, 32);
out:
	if (rc == 0 && key_id)
		local_key_id(key_id, key);
	ag_buf_wipe(&b);
	ag_buf_release(&b);
	free(path);
	return rc;
}

void
ag_state_set_password_hash(
    struct ag_state *s, const char *cluster, const char *key_id, const char *hash)
{
	json_object_set_new(s->passwords, cluster,
	    json_pack("{s:s, s:s}", "key_id", key_id ? key_id : "", "hash", hash));
	s->dirty = 1;
}

int
ag_state_failure_repeats(const struct ag_state *s, const char *cluster, const char *plan_digest,
    const char *live_digest, const char **why)
{
	json_t *f = json_object_get(s->failures, cluster);
	const char *p, *l;

	if (f == NULL)
		return 0;
	p = json_string_value(json_object_get(f, "plan"));
	l = json_string_value(json_object_get(f, "live"));
	if (p == NULL || l == NULL || strcmp(p, plan_digest) != 0 || strcmp(l, live_digest) != 0)
		return 0;
	if (why)
		*why = json_string_value(json_object_get(f, "error"));
	return 1;
}

void
ag_state_record_failure(struct ag_state *s, const char *cluster, const char *plan_digest,
    const char *live_digest, const char *action, const char *error)
{
	json_object_set_new(s->failures, cluster,
	    json_pack("{s:s, s:s, s:s, s:s}", "plan", plan_digest, "live", live_digest, "action",
	        action, "error", error));
	s->dirty = 1;
}

void
ag_state_list(const struct ag_state *s, struct ag_kvlist *passwords, struct ag_kvlist *failures)
{
	const char *k;
	json_t *v;

	json_object_foreach(s->passwords, k, v)
	    ag_kvlist_add(passwords, k, json_string_value(json_object_get(v, "key_id")));
	json_object_foreach(s->failures, k, v) ag_kvlist_addf(failures, k, "%s: %s",
	    json_string_value(json_object_get(v, "action")) ?: "?",
	    json_string_value(json_object_get(v, "error")) ?: "?");
	ag_kvlist_sort(passwords);
	ag_kvlist_sort(failures);
}

void
ag_state_clear_failure(struct ag_state *s, const char *cluster)
{
	if (json_object_del(s->failures, cluster) == 0)
		s->dirty = 1;
}

int
ag_state_set_outputs(
    struct ag_state *s, const char *cluster, const char *json_text, const char *recorded_at)
{
	return ag_outstore_set(s->outputs, cluster, json_text, recorded_at);
}

char *
ag_state_outputs(const struct ag_state *s, const char *cluster)
{
	return ag_outstore_get(s->outputs, cluster);
}
