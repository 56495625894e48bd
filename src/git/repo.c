#include "git/internal.h"
#include "core/buf.h"
#include "core/log.h"
#include "core/mem.h"
#include "core/report.h"
#include "sys/fs.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <pthread.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/compat.h"

static pthread_once_t init_once = PTHREAD_ONCE_INIT;

/*
 * LeakSanitizer hook (used only in sanitizer builds): libgit2 1.5.1 with
 * the PCRE2 regex backend leaks its match data on config regex lookups.
 * Not our leak, and every program that links ag_git would report it.
 */
const char *__lsan_default_suppressions(void);
const char *__lsan_default_options(void);

const char *
__lsan_default_options(void)
{
	return "print_suppressions=0";
}

const char *
__lsan_default_suppressions(void)
{
	return "leak:libpcre2-8.so\n";
}

static void
do_init(void)
{
	git_libgit2_init();
}

void
ag_git_global_init(void)
{
	pthread_once(&init_once, do_init);
}

int
ag_git_fail(struct ag_error *err, int lg2rc, const char *fmt, ...)
{
	const git_error *ge = git_error_last();
	char what[512];
	va_list ap;
	int code;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	switch (lg2rc) {
	case GIT_ENOTFOUND:
		code = AG_ENOTFOUND;
		break;
	case GIT_EMODIFIED:
	case GIT_EEXISTS:
	case GIT_ELOCKED:
	case GIT_ENONFASTFORWARD:
		code = AG_ECONFLICT;
		break;
	case GIT_ECERTIFICATE:
	case GIT_EAUTH:
		code = AG_EDENIED;
		break;
	default:
		code = AG_EGIT;
	}
	return ag_error_set(
	    err, code, "%s: %s", what, ge && ge->message ? ge->message : "unknown libgit2 error");
}

int
ag_git_oid_parse(git_oid *out, const char *hex, struct ag_error *err)
{
	if (hex == NULL || strlen(hex) != GIT_OID_HEXSZ || git_oid_fromstr(out, hex) < 0)
		return ag_error_set(err, AG_EINVAL, "'%s' is not a commit id", hex ? hex : "");
	return 0;
}

/*
 * A URL that names a local repository: file://PATH or a plain path. An
 * scp-style "host:path" has a colon before the first slash; a URL has
 * "://".
 */
char *
ag_git_local_path(const char *url)
{
	const char *colon, *slash;

	if (strncmp(url, "file://", 7) == 0)
		return ag_xstrdup(url + 7);
	if (strstr(url, "://") != NULL)
		return NULL;
	colon = strchr(url, ':');
	slash = strchr(url, '/');
	if (colon && (slash == NULL || colon < slash))
		return NULL;
	return ag_xstrdup(url);
}

int
ag_git_cred_cb(git_credential **out, const char *url, const char *user_from_url,
    unsigned int allowed, void *payload)
{
	struct ag_git_repo *r = payload;
	const char *user = user_from_url ? user_from_url : "git";

	(void)url;
	/* libgit2 asks again after a refused credential: answer once, then
	 * give up so a wrong token fails instead of looping. */
	if (r->cred_attempts++ > 2)
		return GIT_EAUTH;
	if ((allowed & GIT_CREDENTIAL_USERPASS_PLAINTEXT) && r->auth.https_token)
		return git_credential_userpass_plaintext_new(out,
		    r->auth.https_user ? r->auth.https_user : "x-access-token",
		    r->auth.https_token);
	if (allowed & GIT_CREDENTIAL_USERNAME)
		return git_credential_username_new(out, user);
	if (allowed & GIT_CREDENTIAL_SSH_KEY) {
		if (r->auth.ssh_key)
			return git_credential_ssh_key_new(out, user, NULL, r->auth.ssh_key, NULL);
		return git_credential_ssh_key_from_agent(out, user);
	}
	git_error_set_str(GIT_ERROR_NET, "no credentials for this transport: https needs a "
	                                 "token (--git-token-env or --git-token-file)");
	return GIT_EAUTH;
}

/*
 * Checks an SSH host key against a known_hosts file of plain entries
 * ("host[,host] keytype base64" or "[host]:port ..."). Returns 1 when a
 * line names the host with this key, 0 when none does, -1 when a line names
 * the host with another key (a changed key is never accepted).
 */
int
ag_git_known_hosts_match(const char *file, const char *host, const git_cert_hostkey *hk)
{
	struct ag_buf b = AG_BUF_INIT(4u * 1024 * 1024);
	struct ag_error e = AG_ERROR_INIT;
	unsigned char key[8192];
	char *line, *save = NULL;
	int found = 0;

	if (ag_fs_read(&b, file, &e) < 0) {
		ag_buf_release(&b);
		return 0;
	}
	for (line = strtok_r(b.ptr, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *hosts, *type, *b64, *s2 = NULL, *h, *s3 = NULL;
		size_t n;
		int named = 0;

		if (line[0] == '#' || line[0] == '|' || line[0] == '@')
			continue;
		hosts = strtok_r(line, " \t", &s2);
		type = strtok_r(NULL, " \t", &s2);
		b64 = strtok_r(NULL, " \t\r", &s2);
		if (!hosts || !type || !b64)
			continue;
		for (h = strtok_r(hosts, ",", &s3); h; h = strtok_r(NULL, ",", &s3)) {
			if (strcmp(h, host) == 0)
				named = 1;
			else if (h[0] == '[' && strncmp(h + 1, host, strlen(host)) == 0 &&
			         h[1 + strlen(host)] == ']')
				named = 1;
		}
		if (!named)
			continue;
		if (sodium_base642bin(key, sizeof(key), b64, strlen(b64), NULL, &n, NULL,
		        sodium_base64_VARIANT_ORIGINAL) != 0)
			continue;
		if (n == hk->hostkey_len && memcmp(key, hk->hostkey, n) == 0) {
			found = 1;
			break;
		}
		found = -1;
	}
	ag_buf_release(&b);
	return found;
}

static const char *
raw_type_name(git_cert_ssh_raw_type_t t)
{
	switch (t) {
	case GIT_CERT_SSH_RAW_TYPE_RSA:
		return "ssh-rsa";
	case GIT_CERT_SSH_RAW_TYPE_DSS:
		return "ssh-dss";
	case GIT_CERT_SSH_RAW_TYPE_KEY_ECDSA_256:
		return "ecdsa-sha2-nistp256";
	case GIT_CERT_SSH_RAW_TYPE_KEY_ECDSA_384:
		return "ecdsa-sha2-nistp384";
	case GIT_CERT_SSH_RAW_TYPE_KEY_ECDSA_521:
		return "ecdsa-sha2-nistp521";
	case GIT_CERT_SSH_RAW_TYPE_KEY_ED25519:
		return "ssh-ed25519";
	default:
		return NULL;
	}
}

int
ag_git_cert_cb(git_cert *cert, int valid, const char *host, void *payload)
{
	struct ag_git_repo *r = payload;
	const git_cert_hostkey *hk;
	const char *type;
	char *b64, *line;
	int m, fd;
	FILE *f;

	if (cert->cert_type != GIT_CERT_HOSTKEY_LIBSSH2)
		return GIT_PASSTHROUGH; /* TLS: libgit2's verification stands */
	hk = (const git_cert_hostkey *)cert;
	if (r->auth.ssh_known_hosts == NULL)
		return GIT_PASSTHROUGH; /* libgit2 checked ~/.ssh/known_hosts */
	if (!(hk->type & GIT_CERT_SSH_RAW)) {
		git_error_set_str(GIT_ERROR_SSH, "ssh host key not available for checking");
		return GIT_ECERTIFICATE;
	}
	m = ag_git_known_hosts_match(r->auth.ssh_known_hosts, host, hk);
	if (m == 1)
		return 0;
	if (m < 0) {
		git_error_set_str(GIT_ERROR_SSH, "ssh host key changed: it does not match "
		                                 "known_hosts; refusing to connect");
		return GIT_ECERTIFICATE;
	}
	(void)valid;
	type = raw_type_name(hk->raw_type);
	if (!r->auth.ssh_accept_new_host || type == NULL) {
		git_error_set_str(GIT_ERROR_SSH, "ssh host is not in known_hosts (add it, or "
		                                 "pass --ssh-accept-new-host to trust it on "
		                                 "first use)");
		return GIT_ECERTIFICATE;
	}
	b64 =
	    ag_xmalloc(sodium_base64_ENCODED_LEN(hk->hostkey_len, sodium_base64_VARIANT_ORIGINAL));
	sodium_bin2base64(b64,
	    sodium_base64_ENCODED_LEN(hk->hostkey_len, sodium_base64_VARIANT_ORIGINAL),
	    (const unsigned char *)hk->hostkey, hk->hostkey_len, sodium_base64_VARIANT_ORIGINAL);
	line = ag_xasprintf("%s %s %s\n", host, type, b64);
	free(b64);
	/* the key is trusted only once it is recorded: a first use that could
	 * not be written down would be trusted again, silently, every time */
	fd = open(
	    r->auth.ssh_known_hosts, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	f = fd >= 0 ? fdopen(fd, "a") : NULL;
	if (f == NULL || fputs(line, f) == EOF || fclose(f) != 0) {
		char *msg = ag_xasprintf("cannot record the new ssh host key of '%s' in '%s': %s",
		    host, r->auth.ssh_known_hosts, strerror(errno));
		if (f == NULL && fd >= 0)
			close(fd);
		git_error_set_str(GIT_ERROR_SSH, msg);
		free(msg);
		free(line);
		return GIT_ECERTIFICATE;
	}
	ag_log_warn("trusting the new ssh host key of '%s' on first use (%s)", host, type);
	free(line);
	return 0;
}

void
ag_git_callbacks(git_remote_callbacks *cb, struct ag_git_repo *r)
{
	git_remote_init_callbacks(cb, GIT_REMOTE_CALLBACKS_VERSION);
	cb->credentials = ag_git_cred_cb;
	cb->certificate_check = ag_git_cert_cb;
	cb->payload = r;
	r->cred_attempts = 0;
}

static int
rm_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static int
rm_tree(const char *path)
{
	struct stat st;

	if (lstat(path, &st) < 0)
		return errno == ENOENT ? 0 : -1;
	return nftw(path, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* Creates a fresh bare cache with origin = r->url. */
static int
cache_create(struct ag_git_repo *r, struct ag_error *err)
{
	git_remote *remote = NULL;
	char *spec = NULL;
	int rc;

	if ((rc = ag_fs_mkdirs(r->cache_dir, 0700, err)) < 0)
		return rc;
	if ((rc = git_repository_init(&r->repo, r->path, 1)) < 0)
		return ag_git_fail(err, rc, "cannot create the git cache '%s'", r->path);
	rc = git_remote_create_with_fetchspec(
	    &remote, r->repo, "origin", r->url, "+refs/heads/*:refs/remotes/origin/*");
	if (rc < 0) {
		rc = ag_git_fail(err, rc, "cannot configure the remote '%s'", r->url);
		goto out;
	}
	/* Notes are fetched without '+': their history is never rewritten,
	 * so a non-fast-forward there is an error, not something to accept. */
	spec = ag_xasprintf("%s:%s", r->notes_ref, r->notes_track);
	if ((rc = git_remote_add_fetch(r->repo, "origin", spec)) < 0) {
		rc = ag_git_fail(err, rc, "cannot configure the notes refspec '%s'", spec);
		goto out;
	}
	rc = 0;
out:
	free(spec);
	git_remote_free(remote);
	return rc;
}

/* Opens the cache; 1 when it is usable, 0 when it must be rebuilt (why
 * in *why), negative on error. */
static int
cache_try_open(struct ag_git_repo *r, const char **why)
{
	git_remote *remote = NULL;
	struct stat st;
	int ok = 0;

	if (stat(r->path, &st) < 0) {
		*why = NULL; /* absent: just create */
		return 0;
	}
	if (git_repository_open_bare(&r->repo, r->path) < 0) {
		*why = "it cannot be opened as a repository";
		return 0;
	}
	if (git_remote_lookup(&remote, r->repo, "origin") < 0) {
		*why = "it has no origin";
	} else if (git_remote_url(remote) == NULL || strcmp(git_remote_url(remote), r->url) != 0) {
		*why = "it was cloned from another remote";
	} else {
		ok = 1;
	}
	git_remote_free(remote);
	if (!ok) {
		git_repository_free(r->repo);
		r->repo = NULL;
	}
	return ok;
}

int
ag_git_repo_rebuild(struct ag_git_repo *r, const char *why, struct ag_error *err)
{
	ag_log_warn("git cache '%s' for '%s' is rebuilt: %s", r->path, r->url, why);
	git_repository_free(r->repo);
	r->repo = NULL;
	if (rm_tree(r->path) < 0)
		return ag_error_set(
		    err, AG_EIO, "cannot remove the git cache '%s': %s", r->path, strerror(errno));
	return cache_create(r, err);
}

static char *
tracking_name(const char *notes_ref)
{
	const char *p = "refs/notes/";

	if (strncmp(notes_ref, p, strlen(p)) == 0)
		return ag_xasprintf("refs/notes/remotes/origin/%s", notes_ref + strlen(p));
	return ag_xasprintf("refs/notes/remotes/origin/%s", notes_ref);
}

static struct ag_git_repo *
repo_new(void)
{
	struct ag_git_repo *r = ag_xcalloc(1, sizeof(*r));

	return r;
}

/*
 * The ssh files are refused when others could have changed them, as ssh
 * itself refuses them: a private key others can read is no longer private,
 * and a known_hosts file others can write lets them vouch for any server.
 * A known_hosts file that does not exist yet is fine (trust on first use
 * creates it, mode 0600).
 */
static int
check_ssh_files(const struct ag_git_auth *a, struct ag_error *err)
{
	struct stat st;

	if (a->ssh_key) {
		if (stat(a->ssh_key, &st) < 0)
			return ag_error_set(err, AG_ENOTFOUND, "cannot read the ssh key '%s': %s",
			    a->ssh_key, strerror(errno));
		if (st.st_mode & 077)
			return ag_error_set(err, AG_EDENIED,
			    "ssh key '%s' is accessible by others (mode %03o); chmod 600 it",
			    a->ssh_key, (unsigned)(st.st_mode & 0777));
	}
	if (a->ssh_known_hosts && stat(a->ssh_known_hosts, &st) == 0 && (st.st_mode & 022))
		return ag_error_set(err, AG_EDENIED,
		    "known_hosts file '%s' is writable by others (mode %03o); chmod 644 or 600 it",
		    a->ssh_known_hosts, (unsigned)(st.st_mode & 0777));
	return 0;
}

int
ag_git_repo_open(struct ag_git_repo **out, const struct ag_git_repo_opts *o, struct ag_error *err)
{
	struct ag_git_repo *r;
	const char *why = NULL;
	char hash[65], *local;
	int rc;

	*out = NULL;
	ag_git_global_init();
	if (o->url == NULL || o->url[0] == '\0')
		return ag_error_set(err, AG_EINVAL, "no repository URL given");
	r = repo_new();
	r->notes_ref = ag_xstrdup(o->notes_ref ? o->notes_ref : AG_GIT_NOTES_REF_DEFAULT);
	if (strncmp(r->notes_ref, "refs/notes/", 11) != 0 ||
	    git_reference_is_valid_name(r->notes_ref) != 1) {
		rc = ag_error_set(err, AG_EINVAL,
		    "notes ref '%s' is not a valid name under refs/notes/", r->notes_ref);
		goto out;
	}
	r->notes_track = tracking_name(r->notes_ref);
	local = ag_git_local_path(o->url);
	if (local && strncmp(o->url, "file://", 7) != 0) {
		char real[PATH_MAX];

		if (realpath(local, real) == NULL) {
			rc = ag_error_set(err, AG_ENOTFOUND, "repository '%s' not found: %s",
			    o->url, strerror(errno));
			free(local);
			goto out;
		}
		free(local);
		local = ag_xstrdup(real);
		r->url = ag_xstrdup(real);
	} else {
		r->url = ag_xstrdup(o->url);
	}
	r->local_path = local;
	if (o->auth)
		r->auth = *o->auth;
	if ((rc = check_ssh_files(&r->auth, err)) < 0)
		goto out;
	r->clock = o->clock;
	r->rand = o->rand;
	r->cache_dir = ag_xstrdup(o->cache_dir);
	ag_sha256_hex(hash, r->url, strlen(r->url));
	hash[16] = '\0';
	r->path = ag_xasprintf("%s/%s", o->cache_dir, hash);
	rc = cache_try_open(r, &why);
	if (rc == 1)
		rc = 0;
	else if (why)
		rc = ag_git_repo_rebuild(r, why, err);
	else
		rc = cache_create(r, err);
out:
	if (rc < 0)
		ag_git_repo_free(r);
	else
		*out = r;
	return rc;
}

int
ag_git_repo_open_local(struct ag_git_repo **out, const char *path, struct ag_error *err)
{
	struct ag_git_repo *r;
	int rc;

	*out = NULL;
	ag_git_global_init();
	r = repo_new();
	r->read_only = true;
	r->url = ag_xstrdup(path);
	r->path = ag_xstrdup(path);
	r->notes_ref = ag_xstrdup(AG_GIT_NOTES_REF_DEFAULT);
	r->notes_track = ag_xstrdup(AG_GIT_NOTES_REF_DEFAULT);
	if ((rc = git_repository_open_ext(&r->repo, path, GIT_REPOSITORY_OPEN_NO_SEARCH, NULL)) <
	    0) {
		rc = ag_git_fail(err, rc, "cannot open the repository '%s'", path);
		ag_git_repo_free(r);
		return rc;
	}
	*out = r;
	return 0;
}

void
ag_git_repo_free(struct ag_git_repo *r)
{
	if (r == NULL)
		return;
	git_repository_free(r->repo);
	free(r->url);
	free(r->local_path);
	free(r->path);
	free(r->cache_dir);
	free(r->notes_ref);
	free(r->notes_track);
	free(r);
}

const char *
ag_git_repo_url(const struct ag_git_repo *r)
{
	return r->url;
}

const char *
ag_git_repo_path(const struct ag_git_repo *r)
{
	return r->path;
}

const char *
ag_git_repo_notes_ref(const struct ag_git_repo *r)
{
	return r->notes_ref;
}

int
ag_git_remote_head(char oid[AG_GIT_OID_HEX], char **resolved, struct ag_git_repo *r,
    const char *branch, struct ag_error *err)
{
	git_remote_callbacks cb;
	git_remote *remote = NULL;
	const git_remote_head **heads;
	char *want = NULL, *head_target = NULL;
	size_t n, i;
	int rc, found = 0;

	if (resolved)
		*resolved = NULL;
	if (r->read_only)
		return ag_error_set(err, AG_EINVAL, "'%s' has no remote to ask", r->path);
	ag_git_callbacks(&cb, r);
	if ((rc = git_remote_create_detached(&remote, r->url)) < 0) {
		rc = ag_git_fail(err, rc, "cannot use the remote '%s'", r->url);
		goto out;
	}
	if ((rc = git_remote_connect(remote, GIT_DIRECTION_FETCH, &cb, NULL, NULL)) < 0) {
		rc = ag_git_fail(err, rc, "cannot connect to '%s'", r->url);
		goto out;
	}
	if ((rc = git_remote_ls(&heads, &n, remote)) < 0) {
		rc = ag_git_fail(err, rc, "cannot list the refs of '%s'", r->url);
		goto out;
	}
	if (branch == NULL) {
		for (i = 0; i < n; i++)
			if (strcmp(heads[i]->name, "HEAD") == 0 && heads[i]->symref_target)
				head_target = ag_xstrdup(heads[i]->symref_target);
		if (head_target == NULL || strncmp(head_target, "refs/heads/", 11) != 0) {
			rc = ag_error_set(err, AG_ENOTFOUND,
			    "the remote '%s' names no default branch (pass --branch)", r->url);
			goto out;
		}
		want = ag_xstrdup(head_target);
	} else {
		want = ag_xasprintf("refs/heads/%s", branch);
	}
	for (i = 0; i < n; i++) {
		if (strcmp(heads[i]->name, want) == 0) {
			/* heads[] belongs to the connection: copy first */
			git_oid_tostr(oid, AG_GIT_OID_HEX, &heads[i]->oid);
			found = 1;
		}
	}
	if (!found) {
		rc = ag_error_set(
		    err, AG_ENOTFOUND, "branch '%s' not found on '%s'", want + 11, r->url);
		goto out;
	}
	if (resolved)
		*resolved = ag_xstrdup(want + 11);
	rc = 0;
out:
	if (remote) {
		git_remote_disconnect(remote);
		git_remote_free(remote);
	}
	free(want);
	free(head_target);
	return rc;
}

static int
fetch_specs(struct ag_git_repo *r, const char *const *specs, size_t n, struct ag_error *err)
{
	git_fetch_options fo;
	git_remote *remote = NULL;
	git_strarray arr = {(char **)specs, n};
	int rc;

	if (r->read_only)
		return ag_error_set(err, AG_EINVAL, "'%s' is opened read-only", r->path);
	git_fetch_options_init(&fo, GIT_FETCH_OPTIONS_VERSION);
	ag_git_callbacks(&fo.callbacks, r);
	fo.prune = GIT_FETCH_NO_PRUNE;
	fo.download_tags = GIT_REMOTE_DOWNLOAD_TAGS_NONE;
	if ((rc = git_remote_lookup(&remote, r->repo, "origin")) < 0) {
		rc = ag_git_fail(err, rc, "cannot find the remote of the cache '%s'", r->path);
		goto out;
	}
	rc = git_remote_fetch(remote, n ? &arr : NULL, &fo, "fetch");
	if (rc < 0)
		rc = ag_git_fail(err, rc, "cannot fetch from '%s'", r->url);
out:
	git_remote_free(remote);
	return rc;
}

int
ag_git_fetch(struct ag_git_repo *r, struct ag_error *err)
{
	return fetch_specs(r, NULL, 0, err);
}

int
ag_git_fetch_notes(struct ag_git_repo *r, struct ag_error *err)
{
	char *spec = ag_xasprintf("%s:%s", r->notes_ref, r->notes_track);
	const char *specs[1] = {spec};
	int rc;

	rc = fetch_specs(r, specs, 1, err);
	free(spec);
	return rc;
}

struct walk_ctx {
	git_odb *odb;
	int missing;
	char where[GIT_OID_HEXSZ + 1];
};

static int
walk_check(const char *root, const git_tree_entry *e, void *payload)
{
	struct walk_ctx *w = payload;

	(void)root;
	if (git_tree_entry_type(e) == GIT_OBJECT_BLOB &&
	    !git_odb_exists(w->odb, git_tree_entry_id(e))) {
		w->missing = 1;
		git_oid_tostr(w->where, sizeof(w->where), git_tree_entry_id(e));
		return -1;
	}
	return 0;
}

int
ag_git_check_commit(struct ag_git_repo *r, const char *hex, struct ag_error *err)
{
	git_commit *c = NULL;
	git_tree *t = NULL;
	git_odb *odb = NULL;
	struct walk_ctx w;
	git_oid id;
	int rc;

	if ((rc = ag_git_oid_parse(&id, hex, err)) < 0)
		return rc;
	memset(&w, 0, sizeof(w));
	if ((rc = git_commit_lookup(&c, r->repo, &id)) < 0) {
		rc = ag_git_fail(err, rc, "cannot read commit %.7s", hex);
		goto out;
	}
	if ((rc = git_commit_tree(&t, c)) < 0) {
		rc = ag_git_fail(err, rc, "cannot read the tree of commit %.7s", hex);
		goto out;
	}
	if ((rc = git_repository_odb(&odb, r->repo)) < 0) {
		rc = ag_git_fail(err, rc, "cannot open the object store of '%s'", r->path);
		goto out;
	}
	w.odb = odb;
	rc = git_tree_walk(t, GIT_TREEWALK_PRE, walk_check, &w);
	if (w.missing) {
		rc = ag_error_set(
		    err, AG_ENOTFOUND, "object %s of commit %.7s is missing", w.where, hex);
		goto out;
	}
	if (rc < 0) {
		rc = ag_git_fail(err, rc, "cannot read the tree of commit %.7s", hex);
		goto out;
	}
	rc = 0;
out:
	git_odb_free(odb);
	git_tree_free(t);
	git_commit_free(c);
	return rc;
}

static int
tracking_oid(char oid[AG_GIT_OID_HEX], struct ag_git_repo *r, const char *branch)
{
	char *ref = ag_xasprintf("refs/remotes/origin/%s", branch);
	git_oid id;
	int rc;

	rc = git_reference_name_to_id(&id, r->repo, ref);
	free(ref);
	if (rc < 0)
		return -1;
	git_oid_tostr(oid, AG_GIT_OID_HEX, &id);
	return 0;
}

/* Writes and removes a small probe file in the cache; on failure adds
 * why to err (which holds the fetch error) and returns AG_EIO. */
static int
cache_writable(struct ag_git_repo *r, struct ag_error *err)
{
	char *probe = ag_xasprintf("%s/.write-probe.XXXXXX", r->path);
	char block[4096] = {0};
	int fd, saved = 0;

	fd = mkostemp(probe, O_CLOEXEC);
	if (fd < 0) {
		saved = errno;
	} else {
		errno = 0;
		if (write(fd, block, sizeof(block)) != (ssize_t)sizeof(block) || fsync(fd) < 0)
			saved = errno ? errno : EIO;
		close(fd);
		unlink(probe);
	}
	free(probe);
	if (saved == 0)
		return 0;
	ag_error_prefix(err, "the git cache '%s' cannot be written (%s); it is kept as it is",
	    r->path, strerror(saved));
	return AG_EIO;
}

/* A branch whose new tip does not contain the tip fetched before was
 * force-pushed (history rewritten): said once, when it is fetched. The
 * new tip is followed (the branch is the truth); notes on the commits
 * that left it stay in the notes ref. */
static void
warn_rewritten(struct ag_git_repo *r, const char *branch, const char *prev, const char *now)
{
	git_oid p, n;

	if (strcmp(prev, now) == 0 || git_oid_fromstr(&p, prev) < 0 || git_oid_fromstr(&n, now) < 0)
		return;
	if (git_graph_descendant_of(r->repo, &n, &p) != 0) /* contains it, or unknown */
		return;
	ag_log_warn("branch '%s' of '%s' was force-pushed: its tip %.12s does not contain the "
	            "commit %.12s fetched before",
	    branch, r->url, now, prev);
}

int
ag_git_update(char oid[AG_GIT_OID_HEX], char **resolved, bool *fetched, struct ag_git_repo *r,
    const char *branch, struct ag_error *err)
{
	char remote_oid[AG_GIT_OID_HEX], local_oid[AG_GIT_OID_HEX], prev_oid[AG_GIT_OID_HEX];
	struct ag_error cerr = AG_ERROR_INIT;
	char *name = NULL;
	int rc, attempt;
	bool have_prev;

	*fetched = false;
	if ((rc = ag_git_remote_head(remote_oid, &name, r, branch, err)) < 0)
		goto out;
	if (tracking_oid(local_oid, r, name) == 0 && strcmp(local_oid, remote_oid) == 0 &&
	    ag_git_check_commit(r, local_oid, &cerr) == 0) {
		memcpy(oid, local_oid, AG_GIT_OID_HEX);
		goto out;
	}
	have_prev = tracking_oid(prev_oid, r, name) == 0;
	for (attempt = 0; attempt < 2; attempt++) {
		rc = ag_git_fetch(r, err);
		if (rc == 0) {
			*fetched = true;
			if (tracking_oid(local_oid, r, name) < 0) {
				rc = ag_error_set(err, AG_ENOTFOUND,
				    "branch '%s' was not fetched from '%s'", name, r->url);
			} else {
				ag_error_clear(&cerr);
				rc = ag_git_check_commit(r, local_oid, &cerr);
				if (rc == 0) {
					if (have_prev)
						warn_rewritten(r, name, prev_oid, local_oid);
					memcpy(oid, local_oid, AG_GIT_OID_HEX);
					goto out;
				}
				*err = cerr;
			}
		}
		/* A cache that cannot be written to (disk full, read-only, a
		 * file size limit) is not broken: removing it would lose the
		 * last good state and rebuilding it would fail the same way. */
		if (attempt == 0 && cache_writable(r, err) < 0) {
			rc = AG_EIO;
			goto out;
		}
		if (attempt == 0 && (rc = ag_git_repo_rebuild(r, err->msg, err)) < 0)
			goto out;
	}
out:
	if (rc == 0 && resolved)
		*resolved = name;
	else
		free(name);
	return rc;
}

int
ag_git_resolve(
    char oid[AG_GIT_OID_HEX], struct ag_git_repo *r, const char *rev, struct ag_error *err)
{
	git_object *obj = NULL, *peeled = NULL;
	char *tracking;
	int rc;

	/* In the cache the fetched branches are the truth; in a clone opened
	 * in place, what the user names comes first. */
	tracking = ag_xasprintf("refs/remotes/origin/%s", rev);
	rc = git_revparse_single(&obj, r->repo, r->read_only ? rev : tracking);
	if (rc < 0)
		rc = git_revparse_single(&obj, r->repo, r->read_only ? tracking : rev);
	free(tracking);
	if (rc < 0) {
		rc = ag_git_fail(err, rc, "revision '%s' not found in '%s'", rev, r->url);
		goto out;
	}
	if ((rc = git_object_peel(&peeled, obj, GIT_OBJECT_COMMIT)) < 0) {
		rc = ag_git_fail(err, rc, "revision '%s' is not a commit", rev);
		goto out;
	}
	git_oid_tostr(oid, AG_GIT_OID_HEX, git_object_id(peeled));
	rc = 0;
out:
	git_object_free(peeled);
	git_object_free(obj);
	return rc;
}

int
ag_git_commit_time(long long *out, struct ag_git_repo *r, const char *hex, struct ag_error *err)
{
	git_commit *c = NULL;
	git_oid id;
	int rc;

	if ((rc = ag_git_oid_parse(&id, hex, err)) < 0)
		return rc;
	if ((rc = git_commit_lookup(&c, r->repo, &id)) < 0)
		return ag_git_fail(err, rc, "cannot read commit %.7s", hex);
	*out = (long long)git_commit_time(c);
	git_commit_free(c);
	return 0;
}
