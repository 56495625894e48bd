#include "agent/daemon.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/eventfd.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>
#include <sodium.h>

#include "agent/gitsync.h"
#include "agent/http.h"
#include "agent/env.h"
#include "agent/source_dir.h"
#include "agent/state.h"
#include "agent/watch.h"
#include "agent/webhook.h"
#include "aws/client.h"
#include "core/kv.h"
#include "core/log.h"
#include "core/mcache.h"
#include "core/mem.h"
#include "core/status.h"
#include "git/changes.h"
#include "git/repo.h"
#include "git/source.h"
#include "sys/fs.h"
#include "sys/sysclock.h"

#include "core/compat.h"

#define MAX_WEBHOOK_BODY (1u << 20) /* GitHub caps payloads at 25 MB; pushes are small */
#define MAX_SECRET 4096
#define STATUS_REFRESH_S 5
#define APPLYING_RECHECK_MS 5000

struct daemon {
	const struct ag_daemon_opts *o;
	const struct ag_clock *clock;
	const struct ag_rand *rnd;
	/* Settings, by layer (core/runconf.h): conf is the effective one,
	 * defaults < repository file < --config file < flags. Only the loop
	 * replaces conf, and only under mu (apply_conf): the HTTP thread reads
	 * it under mu (/healthz), the loop reads it without. */
	struct ag_runconf conf;
	struct ag_runconf file_conf; /* --config FILE */
	struct ag_runconf repo_conf; /* aurora-gitops.yaml at the repository root */
	bool repo_conf_read;         /* repo_conf holds a good (or absent) file */
	char *repo_conf_error;       /* why the last repository file was refused */
	char *state_dir;
	int lock_fd, sig_fd, wake_fd; /* sig_fd: the self-pipe's read end */
	int sig_wfd;
	struct ag_watch *watch;
	struct ag_http *listen, *hook;
	/* Kept for the life of the agent: one AWS client (and its credential
	 * refresh) and, for a directory, one manifest source. */
	struct ag_aws_client *aws;
	struct ag_source *dir_src;
	/* The manifests of the commits read so far, by blob (core/mcache.h):
	 * a cycle parses only the files a commit changed. */
	struct ag_mcache *mcache;

	/* Shared with the HTTP thread: everything below, under mu. */
	pthread_mutex_t mu;
	struct ag_status st;
	struct ag_buf secret;
	int64_t heartbeat_ms; /* monotonic: last loop iteration */
	bool webhook_pending;
	char hook_why[8][192]; /* deliveries not logged yet */
	unsigned n_hook_why, hooks_unlogged;

	/* Loop schedule (monotonic ms; 0 = nothing due). */
	int64_t next_check, next_drift, reconcile_at;
	const char *due_why; /* why reconcile_at was set */
	bool full_next;      /* the due cycle is a drift sweep */
	char fingerprint[65];
	bool stop;

	/* git sources */
	struct ag_gitsync_config git; /* o->git with the state dir and shard filled */
	char notes_ref[256];          /* the notes ref git.notes_ref points at */
	char shard_text[32];
	struct ag_git_repo *check_repo;      /* for the cheap remote ref check */
	char remote_oid[AG_GIT_OID_HEX];     /* last seen at the remote */
	char reconciled_oid[AG_GIT_OID_HEX]; /* last commit a cycle finished on */
	int64_t check_at;                    /* a ref check is due (inotify), 0 = none */
};

/*
 * Signals: the handler only sets a flag and writes a byte to a self-pipe
 * the loop polls. daemon_stop is also the cycle's stop flag (struct
 * ag_env), so a SIGTERM during a cycle lets the call in flight finish and
 * sends nothing more; the loop then writes the note and exits.
 */
static volatile sig_atomic_t daemon_stop, daemon_reload;
static int daemon_sig_wfd = -1;

static void
on_signal(int sig)
{
	int saved = errno;
	char c = (char)sig;

	if (sig == SIGHUP)
		daemon_reload = 1;
	else
		daemon_stop = sig;
	if (daemon_sig_wfd >= 0 && write(daemon_sig_wfd, &c, 1) < 0) {
		/* the pipe is full: the loop is woken anyway */
	}
	errno = saved;
}

static bool
is_git(const struct daemon *d)
{
	return d->o->git.url != NULL;
}

void
ag_daemon_opts_init(struct ag_daemon_opts *o)
{
	memset(o, 0, sizeof(*o));
	ag_cycle_config_init(&o->cycle);
	ag_runconf_init(&o->flags);
	o->watch = true;
	o->shard.index = 0;
	o->shard.count = 1;
}

static int64_t
mono(const struct daemon *d)
{
	return d->clock->mono_ms(d->clock->ctx);
}

/* interval with +-10% jitter, so a fleet of agents does not poll in step */
static int64_t
jittered(const struct daemon *d, long ms)
{
	double f = 0.9 + 0.2 * d->rnd->uniform(d->rnd->ctx);

	return (int64_t)((double)ms * f);
}

/* ---- settings ----------------------------------------------------------- */

/* The --config file as a layer (nothing set without one). */
static int
load_file_conf(struct ag_runconf *out, const struct ag_daemon_opts *o, struct ag_error *err)
{
	struct ag_buf b = AG_BUF_INIT(1 << 20);
	struct ag_runconf rc;
	int r = 0;

	ag_runconf_init(&rc);
	if (o->config_file != NULL) {
		r = ag_fs_read(&b, o->config_file, err);
		if (r == 0)
			r = ag_runconf_parse(&rc, b.ptr, b.len, o->config_file, err);
	}
	ag_buf_release(&b);
	if (r == 0)
		*out = rc;
	return r;
}

/*
 * One spelling of the repository's settings file: from the commit's tree
 * (git_src a git source) or the directory. *found is false when it is not
 * there; name is how errors name it.
 */
static int
read_repo_file(struct ag_buf *b, bool *found, struct ag_source *git_src, const char *file,
    const char *name, struct ag_error *err)
{
	int r;

	if (git_src != NULL)
		r = ag_git_source_read_file(b, git_src, file, err);
	else
		r = ag_fs_read(b, name, err); /* AG_ENOTFOUND: no such file */
	*found = r == 0;
	if (r == AG_ENOTFOUND) {
		ag_error_clear(err);
		r = 0;
	}
	return r;
}

/*
 * The repository's settings file (aurora-gitops.yaml or .yml) as a layer.
 * An absent file is an empty layer; both spellings at once are refused.
 * *which names the file read (NULL: none).
 */
static int
load_repo_conf(struct ag_runconf *out, const char **which, const struct daemon *d,
    struct ag_source *git_src, struct ag_error *err)
{
	static const char *const files[2] = {AG_RUNCONF_REPO_FILE, AG_RUNCONF_REPO_FILE_YML};
	struct ag_buf b[2] = {AG_BUF_INIT(1 << 20), AG_BUF_INIT(1 << 20)};
	struct ag_runconf rc;
	char *where, *name[2] = {NULL, NULL};
	bool found[2] = {false, false};
	size_t i;
	int r = 0;

	ag_runconf_init(&rc);
	if (git_src != NULL)
		where = ag_xasprintf("%s:", ag_source_revision(git_src));
	else
		where = ag_xasprintf("%s/", d->o->cycle.dir);
	for (i = 0; i < 2 && r == 0; i++) {
		name[i] = ag_xasprintf("%s%s", where, files[i]);
		r = read_repo_file(&b[i], &found[i], git_src, files[i], name[i], err);
	}
	if (r == 0)
		r = ag_runconf_repo_file(which, found[0], found[1], where, err);
	for (i = 0; i < 2 && r == 0; i++)
		if (found[i])
			r = ag_runconf_parse(&rc, b[i].ptr, b[i].len, name[i], err);
	for (i = 0; i < 2; i++) {
		free(name[i]);
		ag_buf_release(&b[i]);
	}
	free(where);
	if (r == 0)
		*out = rc;
	return r;
}

static const char *
mode_text(enum ag_mode m)
{
	return ag_mode_name(m == AG_MODE_UNSET ? AG_MODE_APPLY : m);
}

static void
log_conf(const struct daemon *d, const char *what)
{
	ag_log_info("%s: interval %ldms, drift interval %ldms, debounce %ldms, mode %s, max "
	            "deletes %ld%s, notes %s",
	    what, d->conf.interval_ms, d->conf.drift_interval_ms, d->conf.debounce_ms,
	    mode_text(d->conf.mode), d->conf.max_deletes,
	    d->conf.forbid_weakening > 0 ? ", weakening forbidden" : "", d->conf.notes_ref);
}

/* Recomputes the effective settings from the layers; when they changed,
 * logs them and moves the timers to the new intervals. */
static bool
apply_conf(struct daemon *d, const char *what)
{
	struct ag_runconf next;

	ag_runconf_defaults(&next);
	ag_runconf_overlay(&next, &d->repo_conf);
	ag_runconf_overlay(&next, &d->file_conf);
	ag_runconf_overlay(&next, &d->o->flags);
	if (ag_runconf_equal(&next, &d->conf))
		return false;
	pthread_mutex_lock(&d->mu);
	d->conf = next;
	pthread_mutex_unlock(&d->mu);
	log_conf(d, what);
	if (d->next_check != 0)
		d->next_check = mono(d) + jittered(d, d->conf.interval_ms);
	if (d->next_drift != 0 && d->next_drift > mono(d) + d->conf.drift_interval_ms)
		d->next_drift = mono(d) + d->conf.drift_interval_ms;
	return true;
}

/*
 * Reads the repository's settings file at the revision a cycle is about to
 * reconcile. A bad file is refused: the running settings stay and the
 * reason is kept for the log, the status and the note. Returns 0, or an
 * error when no good settings were ever read from the repository (then the
 * cycle must not run on settings the repository did not mean).
 */
static int
repo_settings(struct daemon *d, struct ag_source *git_src, struct ag_error *err)
{
	struct ag_error why = AG_ERROR_INIT;
	struct ag_runconf rc;
	const char *which;
	char what[64];

	free(d->repo_conf_error);
	d->repo_conf_error = NULL;
	if (load_repo_conf(&rc, &which, d, git_src, &why) == 0) {
		d->repo_conf = rc;
		d->repo_conf_read = true;
		snprintf(what, sizeof(what), "settings from %s",
		    which != NULL ? which : AG_RUNCONF_REPO_FILE);
		apply_conf(d, what);
		return 0;
	}
	d->repo_conf_error = ag_xstrdup(why.msg);
	if (!d->repo_conf_read)
		return ag_error_set(err, why.code,
		    "%s; nothing is planned until the repository's settings file is fixed",
		    why.msg);
	ag_log_error("settings file refused, keeping the running settings: %s", why.msg);
	return 0;
}

static int
load_secret(struct daemon *d, struct ag_error *err)
{
	struct ag_buf fresh = AG_BUF_INIT(MAX_SECRET);
	int rc;

	if (d->o->webhook == NULL)
		return 0;
	rc = ag_webhook_load_secret(
	    &fresh, d->o->webhook_secret_file, d->o->webhook_secret_env, err);
	if (rc == 0) {
		pthread_mutex_lock(&d->mu);
		ag_buf_wipe(&d->secret);
		ag_buf_release(&d->secret);
		d->secret = fresh;
		pthread_mutex_unlock(&d->mu);
		return 0;
	}
	ag_buf_wipe(&fresh);
	ag_buf_release(&fresh);
	return rc;
}

/* SIGHUP: the --config file, the webhook secret and, for a directory, the
 * repository's settings file again. Anything bad keeps all of the old. */
static void
reload(struct daemon *d)
{
	struct ag_error err = AG_ERROR_INIT;
	struct ag_runconf file, repo = d->repo_conf;
	const char *which;

	if (load_file_conf(&file, d->o, &err) != 0 ||
	    (!is_git(d) && load_repo_conf(&repo, &which, d, NULL, &err) != 0)) {
		ag_log_error("reload refused, keeping the running configuration: %s", err.msg);
		return;
	}
	ag_error_clear(&err);
	if (load_secret(d, &err) != 0) {
		ag_log_error("reload refused, keeping the running configuration: %s", err.msg);
		return;
	}
	d->file_conf = file;
	d->repo_conf = repo;
	if (!is_git(d))
		d->repo_conf_read = true;
	if (!apply_conf(d, "configuration reloaded"))
		log_conf(d, "configuration reloaded (unchanged)");
	/* a git source: look at the remote now (its settings file comes with
	 * the commit the next cycle reads) */
	d->next_check = mono(d);
}

/* ---- HTTP -------------------------------------------------------------- */

/* How long the loop may go without coming round before /healthz fails.
 * Called with mu held: conf changes under it (apply_conf). */
static int64_t
stall_ms(const struct daemon *d)
{
	int64_t wait = d->o->cycle.wait_timeout_ms;

	if (wait < 10 * 60 * 1000)
		wait = 10 * 60 * 1000;
	return wait + 2 * (int64_t)d->conf.interval_ms;
}

static void
serve_status(struct daemon *d, const struct ag_http_request *req, struct ag_http_reply *rep)
{
	int64_t now = d->clock->now_ms(d->clock->ctx), age;
	int rc = 0;

	if (strcmp(req->method, "GET") != 0 && strcmp(req->method, "HEAD") != 0) {
		rep->status = 405;
		ag_buf_adds(&rep->body, "method not allowed\n");
		return;
	}
	pthread_mutex_lock(&d->mu);
	if (strcmp(req->path, "/metrics") == 0) {
		rep->content_type = "text/plain; version=0.0.4; charset=utf-8";
		rc = ag_status_render_metrics(&rep->body, &d->st);
	} else if (strcmp(req->path, "/healthz") == 0) {
		/* alive: the loop came round recently; a cycle may wait for AWS
		 * as long as the waiter's timeout, so that is not a stall */
		age = mono(d) - d->heartbeat_ms;
		if (age > stall_ms(d)) {
			rep->status = 503;
			ag_buf_addf(
			    &rep->body, "loop stalled for %lld s\n", (long long)(age / 1000));
		} else {
			ag_buf_adds(&rep->body, "ok\n");
		}
	} else if (strcmp(req->path, "/readyz") == 0) {
		rep->status = d->st.ready ? 200 : 503;
		ag_buf_adds(&rep->body, d->st.ready ? "ready\n" : "first cycle not finished\n");
	} else if (strcmp(req->path, "/") == 0) {
		rep->content_type = "text/html; charset=utf-8";
		rc = ag_status_render_html(&rep->body, &d->st, now, STATUS_REFRESH_S);
	} else {
		rep->status = 404;
		ag_buf_adds(&rep->body, "not found\n");
	}
	pthread_mutex_unlock(&d->mu);
	if (rc != 0) {
		rep->status = 500;
		rep->content_type = "text/plain; charset=utf-8";
		ag_buf_reset(&rep->body);
		ag_buf_adds(&rep->body, "status too large to render\n");
	}
}

static void
serve_webhook(struct daemon *d, const struct ag_http_request *req, struct ag_http_reply *rep)
{
	struct ag_webhook_headers h;
	enum ag_webhook_verdict v;
	char why[160];
	uint64_t one = 1;

	if (strcmp(req->method, "POST") != 0) {
		rep->status = 405;
		ag_buf_adds(&rep->body, "webhooks are POSTed\n");
		return;
	}
	h.github_event = ag_http_header(req, "X-GitHub-Event");
	h.github_signature = ag_http_header(req, "X-Hub-Signature-256");
	h.gitlab_event = ag_http_header(req, "X-Gitlab-Event");
	h.gitlab_token = ag_http_header(req, "X-Gitlab-Token");
	pthread_mutex_lock(&d->mu);
	v = ag_webhook_check(&h, req->body, req->body_len, (const unsigned char *)d->secret.ptr,
	    d->secret.len, why, sizeof(why));
	if (v == AG_WEBHOOK_REJECT) {
		d->st.webhooks_rejected++;
		rep->status = 401;
		ag_buf_adds(&rep->body, "signature or token does not match\n");
	} else {
		d->st.webhooks_accepted++;
		rep->status = 202;
		ag_buf_adds(&rep->body,
		    v == AG_WEBHOOK_PUSH ? "checking the repository now\n" : "event ignored\n");
		if (v == AG_WEBHOOK_PUSH)
			d->webhook_pending = true;
	}
	/* the loop logs it: one writer for the log */
	if (d->n_hook_why < sizeof(d->hook_why) / sizeof(d->hook_why[0]))
		snprintf(d->hook_why[d->n_hook_why++], sizeof(d->hook_why[0]), "%s%s",
		    v == AG_WEBHOOK_REJECT ? "rejected: " : "", why);
	else
		d->hooks_unlogged++;
	pthread_mutex_unlock(&d->mu);
	if (write(d->wake_fd, &one, sizeof(one)) < 0) {
		/* the counter is saturated: the loop is awake anyway */
	}
}

static void
on_listen(void *ctx, const struct ag_http_request *req, struct ag_http_reply *rep)
{
	struct daemon *d = ctx;

	/* one listener for both when --webhook names the --listen address */
	if (d->hook == NULL && d->o->webhook != NULL && strcmp(req->method, "POST") == 0)
		serve_webhook(d, req, rep);
	else
		serve_status(d, req, rep);
}

static void
on_hook(void *ctx, const struct ag_http_request *req, struct ag_http_reply *rep)
{
	serve_webhook(ctx, req, rep);
}

/* ---- source ------------------------------------------------------------ */

/*
 * A fingerprint of the manifests directory: names, sizes, change times and
 * inodes of every manifest file and of the settings file. Cheap (stat only); a different value
 * means something may have changed and a cycle is worth running.
 */
static int
fingerprint(char out[65], const char *dir, struct ag_error *err)
{
	struct ag_strlist files = AG_STRLIST_INIT;
	crypto_hash_sha256_state h;
	unsigned char dg[32];
	struct stat st;
	char line[128], *path;
	size_t i;
	int rc;

	rc = ag_fs_find_manifests(&files, &dir, 1, err);
	if (rc < 0)
		goto out;
	crypto_hash_sha256_init(&h);
	for (i = 0; i < files.n; i++) {
		crypto_hash_sha256_update(
		    &h, (const unsigned char *)files.v[i], strlen(files.v[i]) + 1);
		if (stat(files.v[i], &st) != 0)
			memset(&st, 0, sizeof(st));
		snprintf(line, sizeof(line), "%lld %lld.%09ld %llu;", (long long)st.st_size,
		    (long long)st.st_ctim.tv_sec, st.st_ctim.tv_nsec,
		    (unsigned long long)st.st_ino);
		crypto_hash_sha256_update(&h, (const unsigned char *)line, strlen(line));
	}
	/* the settings file too (either spelling): a change to it is worth a cycle */
	for (i = 0; i < 2; i++) {
		path = ag_xasprintf(
		    "%s/%s", dir, i == 0 ? AG_RUNCONF_REPO_FILE : AG_RUNCONF_REPO_FILE_YML);
		if (stat(path, &st) != 0)
			memset(&st, 0, sizeof(st));
		snprintf(line, sizeof(line), "settings %lld %lld.%09ld %llu;",
		    (long long)st.st_size, (long long)st.st_ctim.tv_sec, st.st_ctim.tv_nsec,
		    (unsigned long long)st.st_ino);
		free(path);
		crypto_hash_sha256_update(&h, (const unsigned char *)line, strlen(line));
	}
	crypto_hash_sha256_final(&h, dg);
	for (i = 0; i < 32; i++)
		snprintf(out + 2 * i, 3, "%02x", dg[i]);
out:
	ag_strlist_release(&files);
	return rc;
}

/* ---- one cycle --------------------------------------------------------- */

static void
set_cluster(struct daemon *d, const struct ag_cycle *cy, const struct ag_cluster_plan *cp,
    const char *rev, int64_t now)
{
	const struct ag_exec_cluster *ex = ag_exec_result_find(&cy->result, cp->id);
	struct ag_status_cluster *c = ag_status_cluster(&d->st, cp->id);
	enum ag_cluster_state prev = c->state;
	char change[256];

	ag_status_set_str(&c->error, NULL);
	c->drift = (long)cp->n_changes;
	change[0] = '\0';
	switch (cp->status) {
	case AG_STATUS_ERROR:
		c->state = AG_CLUSTER_ERROR;
		ag_status_set_str(&c->error, cp->reason ? cp->reason : "plan failed");
		break;
	case AG_STATUS_BLOCKED:
		c->state = AG_CLUSTER_BLOCKED;
		ag_status_set_str(&c->error, cp->reason);
		break;
	case AG_STATUS_UNCHANGED:
		c->state = AG_CLUSTER_IN_SYNC;
		break;
	default:
		if (ex == NULL || ex->status == AG_EXEC_NOT_RUN) {
			/* observe mode clears the actions of a missing cluster */
			c->state = cp->n_changes > 0 || cp->n_actions > 0 ||
			                   cp->status == AG_STATUS_CREATE ||
			                   cp->status == AG_STATUS_DELETE
			               ? AG_CLUSTER_DRIFTED
			               : AG_CLUSTER_IN_SYNC;
			if (cp->reason != NULL && cp->status == AG_STATUS_ORPHANED)
				c->state = AG_CLUSTER_BLOCKED;
		} else if (ex->status == AG_EXEC_APPLIED || ex->status == AG_EXEC_PENDING ||
		           ex->status == AG_EXEC_IN_PROGRESS || ex->status == AG_EXEC_STOPPED) {
			c->state = AG_CLUSTER_APPLYING;
			snprintf(change, sizeof(change), "%s: %zu action%s sent",
			    cp->status == AG_STATUS_CREATE   ? "create"
			    : cp->status == AG_STATUS_DELETE ? "delete"
			                                     : "update",
			    ex->n_sent, ex->n_sent == 1 ? "" : "s");
		} else {
			c->state = AG_CLUSTER_ERROR;
			ag_status_set_str(&c->error, ex->error ? ex->error : "apply failed");
			snprintf(change, sizeof(change), "%s failed",
			    ex->failed_action ? ex->failed_action : "apply");
		}
	}
	if (change[0] == '\0' && prev != c->state && prev != AG_CLUSTER_UNKNOWN)
		snprintf(change, sizeof(change), "%s -> %s", ag_cluster_state_name(prev),
		    ag_cluster_state_name(c->state));
	if (change[0] != '\0') {
		ag_status_set_str(&c->last_change, change);
		c->last_change_ms = now;
	}
	ag_status_set_str(&c->commit, rev);
	c->reconciled_ms = now;
}

static bool
has_executable(const struct ag_plan *p)
{
	size_t i;

	for (i = 0; i < p->n_clusters; i++)
		if (p->clusters[i].execute)
			return true;
	return false;
}

/* Manifest errors go to the log, one per line. */
static void
print_diags(const struct ag_diags *diags)
{
	size_t i;
	char *line;

	for (i = 0; i < diags->n; i++) {
		if (diags->v[i].severity != AG_DIAG_ERROR)
			continue;
		line = ag_diag_format(&diags->v[i]);
		ag_log_error("%s", line);
		free(line);
	}
}

/* Manifests of src this shard owns (ids into owned).
 * Invalid manifests are left to the cycle, which reports them. */
static void
owned_clusters(struct daemon *d, struct ag_source *src, struct ag_strlist *owned)
{
	struct ag_manifest_set set;
	struct ag_diags diags;
	struct ag_error err = AG_ERROR_INIT;
	size_t i;

	memset(&set, 0, sizeof(set));
	memset(&diags, 0, sizeof(diags));
	ag_source_load(src, &set, &diags, &err);
	for (i = 0; i < set.n; i++)
		if (ag_shard_owns(&d->o->shard, set.v[i].cluster_id))
			ag_strlist_add(owned, set.v[i].cluster_id);
	ag_manifest_set_release(&set);
	ag_diags_release(&diags);
}

/*
 * The git side before a cycle: fetch when the branch moved, verify the
 * signature when required, and name the revision. Returns 0 with *gs set,
 * or an error (counted as a failed fetch when the remote could not be
 * read).
 */
static int
git_open(struct daemon *d, struct ag_gitsync **gs, struct ag_error *err)
{
	struct ag_error why = AG_ERROR_INIT;
	int rc;

	rc = ag_gitsync_open(gs, &d->git, err);
	pthread_mutex_lock(&d->mu);
	if (rc < 0)
		d->st.git_fetches_failed++;
	else if (strcmp(ag_gitsync_commit(*gs), d->reconciled_oid) != 0)
		d->st.git_fetches_ok++; /* a new commit came in (or the first one) */
	pthread_mutex_unlock(&d->mu);
	if (rc < 0)
		return rc;
	if (ag_gitsync_signature(*gs, &why) < 0) {
		ag_error_set(err, why.code, "%s; nothing was applied", why.msg);
		if (ag_gitsync_note(*gs, NULL, false, NULL, &why) < 0)
			ag_log_error(
			    "cannot write the note on %s: %s", ag_gitsync_revision(*gs), why.msg);
		return err->code;
	}
	return 0;
}

/*
 * The source of a git cycle, reading through the manifest cache. Its
 * context is what a load could depend on besides a file's bytes and path:
 * the subdirectory read and the settings in effect (none of them changes
 * what a file loads to today; a change of any empties the cache, so one
 * that someday does cannot be served a stale entry).
 */
static struct ag_source *
git_source(struct daemon *d, struct ag_gitsync *gs)
{
	struct ag_source *src = ag_gitsync_source(gs);
	char *context;

	if (d->o->no_manifest_cache)
		return src;
	if (d->mcache == NULL)
		d->mcache = ag_mcache_new();
	context = ag_xasprintf("path=%s; mode=%d; maxDeletes=%ld; forbidWeakening=%d",
	    d->git.path ? d->git.path : "", (int)d->conf.mode, d->conf.max_deletes,
	    d->conf.forbid_weakening);
	ag_git_source_set_cache(src, d->mcache, context);
	free(context);
	return src;
}

/* Writes the note of a git cycle; counts it. */
static void
git_note(struct daemon *d, struct ag_gitsync *gs, struct ag_cycle *cy, bool applied,
    const struct ag_error *failure)
{
	struct ag_error err = AG_ERROR_INIT;
	int rc = ag_gitsync_note(gs, cy, applied, failure, &err);

	/* retries count whether or not the push got through in the end */
	pthread_mutex_lock(&d->mu);
	d->st.notes_retried += ag_gitsync_notes_retries(gs);
	if (rc == 0)
		d->st.notes_pushed++;
	pthread_mutex_unlock(&d->mu);
	if (rc < 0)
		ag_log_error("cannot write the note on %s: %s", ag_gitsync_revision(gs), err.msg);
}

/* Adds this cycle's AWS requests to the counters (reset per cycle). */
static void
record_aws(struct daemon *d)
{
	const struct ag_aws_counter *ctr;
	size_t i, n = 0;

	if (d->aws == NULL)
		return;
	ctr = ag_aws_client_counters(d->aws, &n);
	for (i = 0; i < n; i++) {
		if (ctr[i].requests > ctr[i].errors)
			ag_status_count_aws(
			    &d->st, ctr[i].action, "ok", ctr[i].requests - ctr[i].errors);
		if (ctr[i].errors > 0)
			ag_status_count_aws(&d->st, ctr[i].action, "error", ctr[i].errors);
	}
}

/*
 * Which clusters a cycle on the commit gs read needs to look at, when not
 * all of them: the clusters whose manifests changed since the last commit
 * a cycle finished on, plus those the last cycles left applying or in
 * error (the loop follows them). Returns false when only a full reconcile
 * is right: no earlier commit (the first cycle), a base the cache does not
 * have, a change that cannot be read file by file, or the settings file;
 * never "nothing changed" for a change it could not work out.
 */
static bool
change_scope(
    struct daemon *d, struct ag_gitsync *gs, struct ag_strlist *scope, struct ag_strlist *network)
{
	struct ag_git_changes ch;
	struct ag_error err = AG_ERROR_INIT;
	const char *head = ag_gitsync_commit(gs);
	bool ok = false;
	size_t i, followed = 0;

	if (d->reconciled_oid[0] == '\0')
		return false;
	ag_git_changes_init(&ch);
	if (strcmp(head, d->reconciled_oid) != 0) {
		if (ag_git_changed_clusters(
		        &ch, ag_gitsync_repo(gs), d->reconciled_oid, head, d->git.path, &err) < 0) {
			ag_log_info(
			    "reading every cluster: cannot tell what changed since %.7s: %s",
			    d->reconciled_oid, err.msg);
			goto out;
		}
		if (ch.full_reason != NULL) {
			ag_log_info("reading every cluster: %s", ch.full_reason);
			goto out;
		}
	}
	for (i = 0; i < ch.clusters.n; i++)
		ag_strlist_add(scope, ch.clusters.v[i]);
	for (i = 0; i < ch.network.n; i++)
		ag_strlist_add(network, ch.network.v[i]);
	pthread_mutex_lock(&d->mu);
	for (i = 0; i < d->st.n_clusters; i++) {
		const struct ag_status_cluster *c = &d->st.clusters[i];

		if ((c->state == AG_CLUSTER_APPLYING || c->state == AG_CLUSTER_ERROR) &&
		    !ag_strlist_contains(scope, c->id)) {
			ag_strlist_add(scope, c->id);
			followed++;
		}
	}
	pthread_mutex_unlock(&d->mu);
	ag_log_info("%zu manifest file%s changed since %.7s: %zu cluster%s to read (%zu "
	            "changed, %zu still applying or failed)",
	    ch.files, ch.files == 1 ? "" : "s", d->reconciled_oid, scope->n,
	    scope->n == 1 ? "" : "s", ch.clusters.n, followed);
	ok = true;
out:
	ag_git_changes_release(&ch);
	return ok;
}

/* Keeps in scope only the clusters also in keep (case-insensitive). */
static void
scope_intersect(struct ag_strlist *scope, const char *const *keep, size_t n)
{
	size_t i, j, out = 0;

	for (i = 0; i < scope->n; i++) {
		bool in = false;

		for (j = 0; j < n && !in; j++)
			in = keep[j] != NULL && strcasecmp(keep[j], scope->v[i]) == 0;
		if (in)
			scope->v[out++] = scope->v[i];
		else
			free(scope->v[i]);
	}
	scope->n = out;
}

/* After a scoped cycle: the status keeps every cluster it did not read,
 * and drops those it read that no longer exist anywhere (not planned). */
static void
status_drop_gone(struct daemon *d, const struct ag_strlist *scope, const struct ag_plan *plan)
{
	const char **ids = ag_xcalloc(d->st.n_clusters + 1, sizeof(*ids));
	size_t i, n = 0;

	for (i = 0; i < d->st.n_clusters; i++) {
		const char *id = d->st.clusters[i].id;

		if (ag_strlist_contains(scope, id) && ag_plan_find(plan, id) == NULL)
			continue;
		ids[n++] = id;
	}
	ag_status_keep_only(&d->st, ids, n);
	free(ids);
}

/* Number of manifests at the source (of this shard), for a scope with
 * nothing to read; AG_EINVAL with the diagnostics logged when they do not
 * load. */
static int
count_manifests(struct daemon *d, struct ag_source *src, size_t *n, struct ag_error *err)
{
	struct ag_manifest_set set;
	struct ag_diags diags;
	size_t i;
	int rc;

	ag_manifest_set_init(&set);
	ag_diags_init(&diags);
	rc = ag_source_load(src, &set, &diags, err);
	if (rc == AG_EINVAL && diags.n > 0)
		print_diags(&diags);
	for (i = 0, *n = 0; rc == 0 && i < set.n; i++)
		*n += ag_shard_owns(&d->o->shard, set.v[i].cluster_id);
	ag_manifest_set_release(&set);
	ag_diags_release(&diags);
	return rc;
}

/*
 * One cycle. full: read every cluster (the start and the drift sweep);
 * otherwise, for a git source whose change can be worked out, only the
 * clusters the new commit changed (change_scope).
 */
static void
reconcile(struct daemon *d, const char *why, bool full)
{
	struct ag_cycle_config cfg = d->o->cycle;
	struct ag_error err = AG_ERROR_INIT;
	struct ag_strlist owned = AG_STRLIST_INIT;
	struct ag_gitsync *gs = NULL;
	struct ag_source *src = NULL;
	struct ag_env env;
	struct ag_cycle cy;
	int64_t t0 = mono(d), now;
	char rev[128];
	size_t i, applying = 0, failed = 0, n_all = 0;
	bool applied = false, planned = false, scoped = false;
	struct ag_strlist scope = AG_STRLIST_INIT, network = AG_STRLIST_INIT;
	char since[AG_GIT_OID_HEX];
	int rc = 0;

	ag_log_info("cycle: %s", why);
	memcpy(since, d->reconciled_oid, sizeof(since));
	memset(&env, 0, sizeof(env));
	ag_cycle_init(&cy, &env, NULL, &cfg);
	cfg.auto_approve = true;
	cfg.state_dir = d->state_dir;
	snprintf(d->notes_ref, sizeof(d->notes_ref), "%s", d->conf.notes_ref);
	d->git.notes_ref = d->notes_ref;
	snprintf(rev, sizeof(rev), "dir@%.7s", d->fingerprint);
	if (d->aws == NULL) {
		if ((rc = ag_env_aws_client(&d->aws, &err)) < 0)
			goto done;
		ag_aws_client_set_stop(d->aws, &daemon_stop);
	}
	ag_aws_client_reset_counters(d->aws); /* counted into the status per cycle */
	if (is_git(d)) {
		rc = git_open(d, &gs, &err);
		if (rc < 0)
			goto done;
		src = ag_gitsync_source(gs);
		snprintf(rev, sizeof(rev), "%s", ag_gitsync_revision(gs));
		rc = repo_settings(d, src, &err);
		if (rc == 0 && strcmp(d->notes_ref, d->conf.notes_ref) != 0) {
			/* the commit moved the notes: read and write the new ref */
			ag_log_info("notes ref now '%s'", d->conf.notes_ref);
			ag_gitsync_free(gs);
			gs = NULL;
			snprintf(d->notes_ref, sizeof(d->notes_ref), "%s", d->conf.notes_ref);
			if ((rc = git_open(d, &gs, &err)) < 0)
				goto done;
		}
		if (rc == 0 && d->repo_conf_error != NULL)
			ag_gitsync_settings_error(gs, d->repo_conf_error);
		if (rc < 0)
			goto done;
		/* manifests through the cache, under the settings now in effect */
		src = git_source(d, gs);
	} else {
		if ((rc = repo_settings(d, NULL, &err)) < 0)
			goto done;
		if (d->dir_src == NULL && (rc = ag_source_dir_new(&d->dir_src, cfg.dir, &err)) < 0)
			goto done;
		src = d->dir_src;
	}
	cfg.mode = d->conf.mode;
	cfg.max_deletes = (int)d->conf.max_deletes;
	cfg.forbid_weakening = cfg.forbid_weakening || d->conf.forbid_weakening > 0;
	cy.src = src;
	env.aws = d->aws;
	env.clock = d->clock;
	env.rand = d->rnd;
	env.stop = &daemon_stop;
	env.no_wait = true; /* send what is safe now; the loop comes back */
	if (d->o->shard.count > 1) {
		owned_clusters(d, src, &owned);
		if (owned.n == 0) {
			ag_log_info("cycle: shard %s owns no cluster", d->shard_text);
			pthread_mutex_lock(&d->mu);
			ag_status_keep_only(&d->st, NULL, 0);
			ag_status_set_str(&d->st.revision, rev);
			pthread_mutex_unlock(&d->mu);
			goto done;
		}
		cfg.clusters = (const char *const *)owned.v;
		cfg.n_clusters = owned.n;
	}
	if (!full && gs != NULL && change_scope(d, gs, &scope, &network)) {
		scoped = true;
		if (cfg.n_clusters > 0)
			scope_intersect(&scope, cfg.clusters, cfg.n_clusters);
		if (scope.n == 0) {
			/* nothing this agent plans changed: no AWS call, one note */
			if ((rc = count_manifests(d, src, &n_all, &err)) < 0)
				goto done;
			ag_gitsync_set_scope(gs, 0, n_all, since);
			goto done;
		}
		cfg.clusters = (const char *const *)scope.v;
		cfg.n_clusters = scope.n;
		cfg.observe_filtered = true;
		cfg.network_ids = (const char *const *)network.v;
		cfg.n_network_ids = network.n;
	}
	/* the state lock is held for the cycle only: a CLI sync may run between */
	if ((rc = ag_state_open(&env.state, d->state_dir, &err)) < 0)
		goto done;
	rc = ag_cycle_plan(&cy, &err);
	if (scoped && gs != NULL) {
		for (i = 0, n_all = 0; i < cy.manifests.n; i++)
			n_all += ag_shard_owns(&d->o->shard, cy.manifests.v[i].cluster_id);
		ag_gitsync_set_scope(gs, scope.n, n_all, since);
	}
	if (rc == AG_EINVAL && cy.diags.n > 0) {
		print_diags(&cy.diags);
		ag_error_set(&err, AG_EINVAL,
		    "%zu error%s in the manifests at %s; nothing was planned", cy.diags.errors,
		    cy.diags.errors == 1 ? "" : "s", rev);
	}
	if (rc == 0 && cy.invalid_files.n > 0) {
		size_t k;

		print_diags(&cy.diags);
		for (k = 0; k < cy.invalid_files.n; k++)
			ag_log_error(
			    "'%s' has errors: its clusters are left as they are; the other "
			    "manifests are reconciled",
			    cy.invalid_files.v[k]);
	}
	if (rc < 0)
		goto done;
	planned = true;
	if (gs != NULL)
		ag_gitsync_skip_applied(gs, &cy.plan);
	if (has_executable(&cy.plan)) {
		applied = true;
		if (gs != NULL && (rc = ag_gitsync_begin_apply(gs, &cy.plan, &err)) < 0)
			goto done;
		if (ag_cycle_apply(&cy, &err) < 0 && cy.result.failed == 0 &&
		    cy.result.skipped == 0)
			rc = err.code ? err.code : AG_ERROR;
		else
			ag_error_clear(&err);
		if (gs != NULL && rc == 0 && (rc = ag_gitsync_end_apply(gs, &err)) < 0)
			goto done;
	}
	if (rc == 0 && ag_cycle_save(&cy, &err) < 0)
		rc = err.code ? err.code : AG_ERROR;
done:
	if (gs != NULL)
		git_note(d, gs, planned ? &cy : NULL, applied, rc < 0 ? &err : NULL);
	now = d->clock->now_ms(d->clock->ctx);

	pthread_mutex_lock(&d->mu);
	ag_status_set_str(&d->st.revision, rev);
	d->st.last_attempt_ms = now;
	ag_status_observe_reconcile(&d->st, (double)(mono(d) - t0) / 1000.0);
	record_aws(d);
	if (rc == 0 && planned) {
		const char **ids = ag_xcalloc(cy.plan.n_clusters + 1, sizeof(*ids));

		for (i = 0; i < cy.plan.n_clusters; i++) {
			set_cluster(d, &cy, &cy.plan.clusters[i], rev, now);
			ids[i] = cy.plan.clusters[i].id;
			applying += ag_status_cluster(&d->st, cy.plan.clusters[i].id)->state ==
			            AG_CLUSTER_APPLYING;
			failed += ag_status_cluster(&d->st, cy.plan.clusters[i].id)->state ==
			          AG_CLUSTER_ERROR;
		}
		if (scoped)
			status_drop_gone(d, &scope, &cy.plan);
		else
			ag_status_keep_only(&d->st, ids, cy.plan.n_clusters);
		free(ids);
	}
	if (rc == 0) {
		/* a refused settings file is this revision's error */
		ag_status_set_str(&d->st.last_error, d->repo_conf_error);
		d->st.last_sync_ms = now;
		d->st.ready = true;
	} else {
		ag_status_set_str(&d->st.last_error, err.msg);
	}
	pthread_mutex_unlock(&d->mu);

	if (rc == 0 && gs != NULL) {
		memcpy(d->reconciled_oid, ag_gitsync_commit(gs), AG_GIT_OID_HEX);
		if (d->remote_oid[0] == '\0')
			memcpy(d->remote_oid, d->reconciled_oid, AG_GIT_OID_HEX);
	}
	if (rc == 0 && scoped)
		ag_log_info("cycle done in %lld ms: %zu cluster%s (changed %zu of %zu), %zu "
		            "applying, %zu failed, %s",
		    (long long)(mono(d) - t0), cy.plan.n_clusters,
		    cy.plan.n_clusters == 1 ? "" : "s", scope.n, n_all, applying, failed, rev);
	else if (rc == 0)
		ag_log_info("cycle done in %lld ms: %zu cluster%s, %zu applying, %zu failed, %s",
		    (long long)(mono(d) - t0), cy.plan.n_clusters,
		    cy.plan.n_clusters == 1 ? "" : "s", applying, failed, rev);
	else
		ag_log_error("cycle failed: %s", err.msg);
	ag_cycle_log_requests(&cy);
	ag_cycle_release(&cy);
	ag_state_free(env.state);
	ag_gitsync_free(gs);
	ag_strlist_release(&owned);
	ag_strlist_release(&scope);
	ag_strlist_release(&network);
	/* AWS is still working on something: come back soon to see it settle */
	if (applying > 0 &&
	    (d->reconcile_at == 0 || d->reconcile_at > mono(d) + APPLYING_RECHECK_MS)) {
		d->reconcile_at = mono(d) + APPLYING_RECHECK_MS;
		d->due_why = "following clusters AWS is still applying";
	}
}

/* ---- the loop ---------------------------------------------------------- */

/* The remote's branch head (connect + ls); a cycle when it moved. */
static void
check_git(struct daemon *d, const char *why)
{
	struct ag_error err = AG_ERROR_INIT;
	char oid[AG_GIT_OID_HEX];

	if (ag_git_remote_head(oid, NULL, d->check_repo, d->git.branch, &err) < 0) {
		ag_log_error("ref check (%s) failed: %s", why, err.msg);
		pthread_mutex_lock(&d->mu);
		d->st.git_fetches_failed++;
		pthread_mutex_unlock(&d->mu);
		return;
	}
	if (strcmp(oid, d->remote_oid) == 0 && strcmp(oid, d->reconciled_oid) == 0) {
		ag_log_debug("ref check (%s): %.7s unchanged", why, oid);
		return;
	}
	ag_log_info(
	    "ref check (%s): %.7s -> %.7s", why, d->remote_oid[0] ? d->remote_oid : "-", oid);
	memcpy(d->remote_oid, oid, sizeof(oid));
	d->reconcile_at = mono(d);
	d->due_why = "new commit";
}

static void
check_source(struct daemon *d, const char *why)
{
	struct ag_error err = AG_ERROR_INIT;
	char fp[65];

	if (is_git(d)) {
		check_git(d, why);
		return;
	}

	if (fingerprint(fp, d->o->cycle.dir, &err) < 0) {
		ag_log_error("source check failed: %s", err.msg);
		return;
	}
	if (strcmp(fp, d->fingerprint) == 0) {
		ag_log_debug("source check (%s): unchanged", why);
		return;
	}
	ag_log_info("source check (%s): manifests changed", why);
	memcpy(d->fingerprint, fp, sizeof(fp));
	d->reconcile_at = mono(d);
	d->due_why = "manifests changed";
}

static void
handle_signals(struct daemon *d)
{
	char buf[64];

	while (read(d->sig_fd, buf, sizeof(buf)) > 0)
		;
	if (daemon_reload) {
		daemon_reload = 0;
		ag_log_info("SIGHUP: reloading the configuration");
		reload(d);
	}
	if (daemon_stop && !d->stop) {
		ag_log_info("%s: stopping", daemon_stop == SIGTERM ? "SIGTERM" : "SIGINT");
		d->stop = true;
	}
}

static void
handle_wake(struct daemon *d)
{
	char why[8][192];
	unsigned i, n, dropped;
	uint64_t count;
	bool trigger;

	if (read(d->wake_fd, &count, sizeof(count)) < 0) {
		/* spurious wake-up: nothing to take */
	}
	pthread_mutex_lock(&d->mu);
	trigger = d->webhook_pending;
	d->webhook_pending = false;
	n = d->n_hook_why;
	memcpy(why, d->hook_why, sizeof(why));
	dropped = d->hooks_unlogged;
	d->n_hook_why = 0;
	d->hooks_unlogged = 0;
	pthread_mutex_unlock(&d->mu);
	for (i = 0; i < n; i++)
		ag_log(strncmp(why[i], "rejected: ", 10) == 0 ? AG_LOG_WARN : AG_LOG_INFO,
		    "webhook %s", why[i]);
	if (dropped > 0)
		ag_log_warn("webhook: %u more deliveries not logged", dropped);
	if (trigger) {
		ag_log_info("webhook: checking the source now");
		check_source(d, "webhook");
	}
}

static void
handle_inotify(struct daemon *d)
{
	struct ag_error err = AG_ERROR_INIT;
	bool overflow = false;
	int rc = ag_watch_read(d->watch, &overflow, &err);

	if (rc < 0) {
		ag_log_error("file watch failed, relying on the interval: %s", err.msg);
		ag_watch_free(d->watch);
		d->watch = NULL;
		return;
	}
	if (overflow)
		ag_log_warn("inotify queue overflowed: rescanning everything");
	if (rc > 0 && is_git(d)) {
		/* a ref moved in the local repository: check it at once. A ref
		 * update is one atomic rename (of the ref or of packed-refs), so
		 * there is no burst of half-written state to wait out; events
		 * read together give one check, and a check that finds the
		 * branch where it was costs a ref listing, no cycle. */
		d->check_at = mono(d);
	} else if (rc > 0) {
		/* debounce: plan once the burst of writes is over */
		d->reconcile_at = mono(d) + d->conf.debounce_ms;
		d->due_why = "file event";
		/* the fingerprint is stale now; the cycle re-reads the files */
		d->fingerprint[0] = '\0';
	}
}

static int
poll_timeout(const struct daemon *d, int64_t now)
{
	int64_t due = d->next_check;

	if (d->next_drift < due)
		due = d->next_drift;
	if (d->reconcile_at != 0 && d->reconcile_at < due)
		due = d->reconcile_at;
	if (d->check_at != 0 && d->check_at < due)
		due = d->check_at;
	if (due <= now)
		return 0;
	return due - now > 60000 ? 60000 : (int)(due - now);
}

static void
run_loop(struct daemon *d)
{
	struct pollfd pf[3];
	int64_t now;
	int nfds, n;

	while (!d->stop) {
		now = mono(d);
		pthread_mutex_lock(&d->mu);
		d->heartbeat_ms = now;
		pthread_mutex_unlock(&d->mu);
		nfds = 0;
		pf[nfds++] = (struct pollfd){.fd = d->sig_fd, .events = POLLIN};
		pf[nfds++] = (struct pollfd){.fd = d->wake_fd, .events = POLLIN};
		if (d->watch != NULL)
			pf[nfds++] = (struct pollfd){.fd = ag_watch_fd(d->watch), .events = POLLIN};
		n = poll(pf, (nfds_t)nfds, poll_timeout(d, now));
		if (n < 0 && errno != EINTR) {
			ag_log_error("poll failed: %s", strerror(errno));
			break;
		}
		if (n > 0 && (pf[0].revents & POLLIN))
			handle_signals(d);
		if (d->stop)
			break;
		if (n > 0 && (pf[1].revents & POLLIN))
			handle_wake(d);
		if (n > 0 && nfds > 2 && (pf[2].revents & POLLIN))
			handle_inotify(d);
		now = mono(d);
		if (d->check_at != 0 && now >= d->check_at) {
			d->check_at = 0;
			check_source(d, "file event");
		}
		if (now >= d->next_check) {
			check_source(d, "interval");
			d->next_check = now + jittered(d, d->conf.interval_ms);
		}
		if (now >= d->next_drift) {
			d->next_drift = now + d->conf.drift_interval_ms;
			d->reconcile_at = 0;
			if (!is_git(d) && d->fingerprint[0] == '\0')
				check_source(d, "drift sweep");
			reconcile(d, "drift sweep", true);
			continue;
		}
		if (d->reconcile_at != 0 && now >= d->reconcile_at) {
			d->reconcile_at = 0;
			if (!is_git(d) && d->fingerprint[0] == '\0')
				check_source(d, "file event");
			reconcile(d, d->due_why ? d->due_why : "source changed", false);
		}
	}
}

/* ---- start and stop ---------------------------------------------------- */

static int
take_lock(struct daemon *d, struct ag_error *err)
{
	char *path;
	int rc = 0;

	rc = ag_fs_mkdirs(d->state_dir, 0700, err);
	if (rc < 0)
		return rc;
	path = ag_xasprintf("%s/run.lock", d->state_dir);
	d->lock_fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (d->lock_fd < 0)
		rc = ag_error_set(err, AG_EIO, "cannot open lock '%s': %s", path, strerror(errno));
	else if (flock(d->lock_fd, LOCK_EX | LOCK_NB) != 0)
		rc = ag_error_set(err, AG_ECONFLICT,
		    "another agent is running with state directory '%s' (lock '%s' is held); two "
		    "agents must not reconcile the same repository",
		    d->state_dir, path);
	free(path);
	return rc;
}

/*
 * The git directory of a local repository URL (file:// or a plain path),
 * or NULL for a network remote. A work tree's .git is taken when present.
 */
static char *
local_gitdir(const char *url)
{
	struct stat st;
	const char *path = NULL;
	char *p, *dotgit;

	if (strncmp(url, "file://", 7) == 0)
		path = url + 7;
	else if (url[0] == '/' || url[0] == '.')
		path = url;
	if (path == NULL || *path == '\0')
		return NULL;
	dotgit = ag_xasprintf("%s/.git", path);
	if (stat(dotgit, &st) == 0 && S_ISDIR(st.st_mode))
		return dotgit;
	free(dotgit);
	p = ag_xasprintf("%s/refs", path);
	if (stat(p, &st) != 0 || !S_ISDIR(st.st_mode)) {
		free(p);
		return NULL;
	}
	free(p);
	return ag_xstrdup(path);
}

/* The URL without user:password@ (for the status page and logs). */
static char *
display_url(const char *url)
{
	const char *scheme = strstr(url, "://"), *at, *slash;

	if (scheme == NULL)
		return ag_xstrdup(url);
	at = strchr(scheme + 3, '@');
	slash = strchr(scheme + 3, '/');
	if (at == NULL || (slash != NULL && at > slash))
		return ag_xstrdup(url);
	return ag_xasprintf("%.*s%s", (int)(scheme + 3 - url), url, at + 1);
}

static int
start_git(struct daemon *d, struct ag_error *err)
{
	struct ag_git_repo_opts ro;
	char *cache = ag_xasprintf("%s/git", d->state_dir);
	char *gitdir = NULL;
	int rc;

	memset(&ro, 0, sizeof(ro));
	ro.url = d->git.url;
	ro.cache_dir = cache;
	ro.notes_ref = d->git.notes_ref;
	ro.auth = &d->git.auth;
	rc = ag_git_repo_open(&d->check_repo, &ro, err);
	free(cache);
	if (rc < 0)
		return rc;
	if (d->o->watch && (gitdir = local_gitdir(d->git.url)) != NULL) {
		rc = ag_watch_new(&d->watch, err);
		if (rc == 0)
			rc = ag_watch_add_bare_repo(d->watch, gitdir, err);
		if (rc == 0)
			ag_log_info("watching the refs of '%s' (inotify, %u directories)", gitdir,
			    ag_watch_count(d->watch));
		free(gitdir);
	}
	return rc;
}

static int
start(struct daemon *d, struct ag_error *err)
{
	struct sigaction sa;
	int rc, p[2];

	rc = load_file_conf(&d->file_conf, d->o, err);
	if (rc < 0)
		return rc;
	apply_conf(d, "settings");
	rc = take_lock(d, err);
	if (rc < 0)
		return rc;
	rc = load_secret(d, err);
	if (rc < 0)
		return rc;
	if (pipe2(p, O_NONBLOCK | O_CLOEXEC) != 0)
		return ag_error_set(
		    err, AG_EIO, "cannot create the signal pipe: %s", strerror(errno));
	d->sig_fd = p[0];
	d->sig_wfd = daemon_sig_wfd = p[1];
	daemon_stop = daemon_reload = 0;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sa.sa_flags = SA_RESTART;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	d->wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (d->sig_fd < 0 || d->wake_fd < 0)
		return ag_error_set(
		    err, AG_EIO, "cannot create event descriptors: %s", strerror(errno));
	if (is_git(d)) {
		rc = start_git(d, err);
		if (rc < 0)
			return rc;
	} else if (d->o->watch) {
		rc = ag_watch_new(&d->watch, err);
		if (rc == 0)
			rc = ag_watch_add_manifests(d->watch, d->o->cycle.dir, err);
		if (rc < 0)
			return rc;
		ag_log_info("watching %u director%s under '%s' (inotify)", ag_watch_count(d->watch),
		    ag_watch_count(d->watch) == 1 ? "y" : "ies", d->o->cycle.dir);
	}
	if (d->o->listen != NULL) {
		rc = ag_http_start(&d->listen, d->o->listen,
		    d->o->webhook && strcmp(d->o->webhook, d->o->listen) == 0 ? MAX_WEBHOOK_BODY
		                                                              : 0,
		    on_listen, d, err);
		if (rc < 0)
			return rc;
		ag_log_info("status page and metrics on http://%s/ (port %u)", d->o->listen,
		    ag_http_port(d->listen));
	}
	if (d->o->webhook != NULL &&
	    (d->o->listen == NULL || strcmp(d->o->webhook, d->o->listen) != 0)) {
		rc = ag_http_start(&d->hook, d->o->webhook, MAX_WEBHOOK_BODY, on_hook, d, err);
		if (rc < 0)
			return rc;
		ag_log_info(
		    "webhook receiver on %s (port %u)", d->o->webhook, ag_http_port(d->hook));
	}
	return 0;
}

int
ag_daemon_run(const struct ag_daemon_opts *o, struct ag_error *err)
{
	struct daemon d;
	int rc;

	memset(&d, 0, sizeof(d));
	d.o = o;
	d.clock = ag_sysclock();
	d.rnd = ag_sysrand();
	d.lock_fd = d.sig_fd = d.sig_wfd = d.wake_fd = -1;
	pthread_mutex_init(&d.mu, NULL);
	ag_status_init(&d.st);
	ag_buf_init(&d.secret, MAX_SECRET);
	d.state_dir = o->cycle.state_dir ? ag_xstrdup(o->cycle.state_dir) : ag_state_default_dir();
	ag_status_set_str(&d.st.version, o->version);
	ag_runconf_init(&d.conf);
	ag_runconf_init(&d.file_conf);
	ag_runconf_init(&d.repo_conf);
	d.git = o->git;
	d.git.state_dir = d.state_dir;
	if (o->git.url != NULL) {
		char *shown = display_url(o->git.url);

		ag_status_set_str(&d.st.source, shown);
		free(shown);
	} else {
		ag_status_set_str(&d.st.source, o->cycle.dir);
	}
	if (o->shard.count > 1) {
		snprintf(
		    d.shard_text, sizeof(d.shard_text), "%u/%u", o->shard.index, o->shard.count);
		ag_status_set_str(&d.st.shard, d.shard_text);
		d.git.shard = d.shard_text;
	}
	d.st.started_ms = d.clock->now_ms(d.clock->ctx);

	rc = start(&d, err);
	if (rc == 0) {
		log_conf(&d, "running");
		d.next_check = mono(&d) + jittered(&d, d.conf.interval_ms);
		d.next_drift = mono(&d); /* the first cycle is a full one */
		run_loop(&d);
		ag_log_info("stopped");
	}
	/* listeners first: they read the status and the secret */
	ag_http_stop(d.hook);
	ag_http_stop(d.listen);
	ag_watch_free(d.watch);
	ag_git_repo_free(d.check_repo);
	ag_aws_client_free(d.aws);
	ag_source_free(d.dir_src);
	ag_mcache_free(d.mcache);
	daemon_sig_wfd = -1;
	if (d.sig_fd >= 0)
		close(d.sig_fd);
	if (d.sig_wfd >= 0)
		close(d.sig_wfd);
	if (d.wake_fd >= 0)
		close(d.wake_fd);
	if (d.lock_fd >= 0)
		close(d.lock_fd);
	ag_buf_wipe(&d.secret);
	ag_buf_release(&d.secret);
	ag_status_release(&d.st);
	free(d.repo_conf_error);
	pthread_mutex_destroy(&d.mu);
	free(d.state_dir);
	return rc;
}
