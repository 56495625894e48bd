#include "agent/gitsync.h"
#include "agent/cycle.h"
#include "aws/rds.h"
#include "core/buf.h"
#include "core/log.h"
#include "core/mem.h"
#include "core/noteline.h"
#include "git/notes.h"
#include "git/source.h"
#include "sys/fs.h"
#include "sys/sysclock.h"

#include <errno.h>
#include <jansson.h>
#include <sodium.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/compat.h"

#define MARKER "apply-in-progress.json"
#define SIGNERS_MAX (1024 * 1024)
#define CACHE_LOCK_WAIT_MS (120 * 1000)

struct ag_gitsync {
	struct ag_git_repo *repo;
	struct ag_source *source;
	char commit[AG_GIT_OID_HEX];
	char *label;
	char *agent_id;
	char *shard;
	char *state_dir;
	int sig_rc;
	struct ag_error sig_err;
	char *signer;
	struct ag_strlist already_applied; /* cluster ids */
	bool marker_written;
	/* lines about a run that was interrupted, read from its marker before
	 * this run writes its own; 1 found, 0 none, -1 damaged */
	int interrupted;
	struct ag_buf ilines;
	char icommit[AG_GIT_OID_HEX];
	char *settings_error;
	/* set for a cycle that plans only the clusters a commit changed */
	bool scoped;
	size_t scope_planned, scope_of;
	char scope_since[AG_GIT_OID_HEX];
	unsigned notes_retries; /* pushes rejected and retried by the last note */
};

void
ag_gitsync_set_scope(struct ag_gitsync *gs, size_t planned, size_t of, const char *since)
{
	gs->scoped = true;
	gs->scope_planned = planned;
	gs->scope_of = of;
	snprintf(gs->scope_since, sizeof(gs->scope_since), "%s", since ? since : "");
}

static void
set_scope(const struct ag_gitsync *gs, struct ag_note_line *l)
{
	if (!gs->scoped)
		return;
	l->scope = ag_xstrdup("changed");
	l->scope_planned = (long)gs->scope_planned;
	l->scope_of = (long)gs->scope_of;
	l->scope_since = ag_xasprintf("%.7s", gs->scope_since);
}

struct ag_source *
ag_gitsync_source(struct ag_gitsync *gs)
{
	return gs->source;
}

const char *
ag_gitsync_commit(const struct ag_gitsync *gs)
{
	return gs->commit;
}

const char *
ag_gitsync_revision(const struct ag_gitsync *gs)
{
	return ag_source_revision(gs->source);
}

struct ag_git_repo *
ag_gitsync_repo(struct ag_gitsync *gs)
{
	return gs->repo;
}

int
ag_gitsync_signature(const struct ag_gitsync *gs, struct ag_error *why)
{
	if (gs->sig_rc < 0 && why)
		*why = gs->sig_err;
	return gs->sig_rc;
}

void
ag_gitsync_free(struct ag_gitsync *gs)
{
	if (gs == NULL)
		return;
	ag_source_free(gs->source);
	ag_git_repo_free(gs->repo);
	free(gs->label);
	free(gs->agent_id);
	free(gs->shard);
	free(gs->state_dir);
	free(gs->signer);
	ag_strlist_release(&gs->already_applied);
	ag_buf_release(&gs->ilines);
	free(gs->settings_error);
	free(gs);
}

static int
verify_signature(struct ag_gitsync *gs, const struct ag_gitsync_config *cfg, struct ag_error *err)
{
	struct ag_buf b = AG_BUF_INIT(SIGNERS_MAX);
	struct stat st;
	int rc;

	if (cfg->allowed_signers == NULL)
		return ag_error_set(
		    err, AG_EUSAGE, "--require-signed-commits needs --allowed-signers FILE");
	if (stat(cfg->allowed_signers, &st) < 0)
		return ag_error_set(err, AG_EIO, "cannot read the allowed signers '%s': %s",
		    cfg->allowed_signers, strerror(errno));
	/* who may sign is a trust decision: a file others can change is refused */
	if (st.st_mode & (S_IWGRP | S_IWOTH))
		return ag_error_set(err, AG_EDENIED,
		    "allowed signers '%s' is writable by group or others; refusing it",
		    cfg->allowed_signers);
	if ((rc = ag_fs_read(&b, cfg->allowed_signers, err)) < 0)
		goto out;
	gs->sig_rc = ag_git_verify_commit(
	    &gs->signer, gs->repo, gs->commit, b.ptr, b.len, cfg->allowed_signers, &gs->sig_err);
	/* A broken allowed-signers file is the operator's error, not the
	 * commit's: stop instead of noting the commit as badly signed. */
	if (gs->sig_rc == AG_EINVAL) {
		*err = gs->sig_err;
		rc = AG_EINVAL;
		goto out;
	}
	if (gs->sig_rc == 0)
		ag_log_info("commit %.7s signed by '%s'", gs->commit, gs->signer);
	else
		ag_log_warn("%s", gs->sig_err.msg);
	rc = 0;
out:
	ag_buf_release(&b);
	return rc;
}

static int interrupted_lines(
    struct ag_gitsync *gs, struct ag_buf *out, char commit_out[AG_GIT_OID_HEX]);

/*
 * The git cache under the state directory is shared by every process that
 * uses that directory: the daemon and any CLI plan or sync run beside it.
 * libgit2 guards each ref with a lock file and fails, rather than waits, when
 * another process holds one, so two fetches or note writes at once would make
 * one of them fail half way. They are serialized by an flock on
 * <state>/git.lock, held around git operations only (never across AWS calls),
 * so a reader waits for at most one fetch or note push of another process.
 * Returns the locked descriptor in *fd_out.
 */
static int
cache_lock(int *fd_out, const char *state_dir, struct ag_error *err)
{
	const struct ag_clock *clock = ag_sysclock();
	char *path = ag_xasprintf("%s/git.lock", state_dir);
	int64_t deadline = clock->mono_ms(clock->ctx) + CACHE_LOCK_WAIT_MS;
	bool told = false;
	int fd, rc = 0;

	*fd_out = -1;
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0) {
		rc = ag_error_set(
		    err, AG_EIO, "cannot open the git cache lock '%s': %s", path, strerror(errno));
		goto out;
	}
	while (flock(fd, LOCK_EX | LOCK_NB) != 0) {
		if (errno != EWOULDBLOCK && errno != EINTR) {
			rc = ag_error_set(err, AG_EIO, "cannot lock the git cache '%s': %s", path,
			    strerror(errno));
			goto out;
		}
		if (clock->mono_ms(clock->ctx) >= deadline) {
			rc = ag_error_set(err, AG_ECONFLICT,
			    "git cache lock '%s' is still held by another aurora-gitops process "
			    "after %d s; nothing was fetched",
			    path, CACHE_LOCK_WAIT_MS / 1000);
			goto out;
		}
		if (!told)
			ag_log_warn("waiting for the git cache lock '%s' (another process is "
			            "fetching or writing notes)",
			    path);
		told = true;
		clock->sleep_ms(clock->ctx, 50);
	}
	*fd_out = fd;
	fd = -1;
out:
	if (fd >= 0)
		close(fd);
	free(path);
	return rc;
}

static void
cache_unlock(int fd)
{
	if (fd >= 0)
		close(fd); /* closing the only descriptor releases the flock */
}

int
ag_gitsync_open(struct ag_gitsync **out, const struct ag_gitsync_config *cfg, struct ag_error *err)
{
	struct ag_git_repo_opts ro;
	struct ag_gitsync *gs;
	char *cache = NULL, *branch = NULL, host[256];
	char head[AG_GIT_OID_HEX];
	bool fetched = false;
	int rc, lock_fd = -1;

	*out = NULL;
	gs = ag_xcalloc(1, sizeof(*gs));
	ag_buf_init(&gs->ilines, 16u * 1024 * 1024);
	gs->state_dir = ag_xstrdup(cfg->state_dir);
	if (cfg->agent_id) {
		gs->agent_id = ag_xstrdup(cfg->agent_id);
	} else {
		if (gethostname(host, sizeof(host)) < 0)
			snprintf(host, sizeof(host), "aurora-gitops");
		host[sizeof(host) - 1] = '\0';
		gs->agent_id = ag_xstrdup(host);
	}
	gs->shard = ag_xstrdup(cfg->shard);
	cache = ag_xasprintf("%s/git", cfg->state_dir);
	if ((rc = ag_fs_mkdirs(cfg->state_dir, 0700, err)) < 0)
		goto out;
	if ((rc = cache_lock(&lock_fd, cfg->state_dir, err)) < 0)
		goto out;
	memset(&ro, 0, sizeof(ro));
	ro.url = cfg->url;
	ro.cache_dir = cache;
	ro.notes_ref = cfg->notes_ref;
	ro.auth = &cfg->auth;
	ro.clock = ag_sysclock();
	ro.rand = ag_sysrand();
	if ((rc = ag_git_repo_open(&gs->repo, &ro, err)) < 0)
		goto out;
	if ((rc = ag_git_update(head, &branch, &fetched, gs->repo, cfg->branch, err)) < 0)
		goto out;
	ag_log_info("git: %s@%.7s%s", branch, head, fetched ? " (fetched)" : " (unchanged)");
	if (cfg->ref) {
		if ((rc = ag_git_resolve(gs->commit, gs->repo, cfg->ref, err)) < 0)
			goto out;
		if ((rc = ag_git_check_commit(gs->repo, gs->commit, err)) < 0)
			goto out;
		gs->label = ag_xstrdup(cfg->ref);
	} else {
		memcpy(gs->commit, head, sizeof(head));
		gs->label = ag_xstrdup(branch);
	}
	/* the remote notes decide what was already applied */
	if (!fetched && (rc = ag_git_fetch_notes(gs->repo, err)) < 0)
		goto out;
	if ((rc = ag_git_source_new(&gs->source, gs->repo, gs->commit, gs->label, cfg->path, err)) <
	    0)
		goto out;
	if (cfg->require_signed && (rc = verify_signature(gs, cfg, err)) < 0)
		goto out;
	gs->interrupted = interrupted_lines(gs, &gs->ilines, gs->icommit);
	rc = 0;
out:
	cache_unlock(lock_fd);
	free(branch);
	free(cache);
	if (rc < 0)
		ag_gitsync_free(gs);
	else
		*out = gs;
	return rc;
}

/* Every line already noted on the commit (remote and local notes). */
static void
existing_lines(struct ag_gitsync *gs, struct ag_buf *out)
{
	struct ag_error e = AG_ERROR_INIT;

	ag_git_note_read(out, gs->repo, AG_GIT_NOTES_REMOTE, gs->commit, &e);
	if (out->len && out->ptr[out->len - 1] != '\n')
		ag_buf_addc(out, '\n');
	ag_git_note_read(out, gs->repo, AG_GIT_NOTES_LOCAL, gs->commit, &e);
}

typedef int (*line_fn)(void *ctx, const struct ag_note_line *l);

static void
each_line(const struct ag_buf *b, line_fn fn, void *ctx)
{
	const char *p = b->ptr, *end = b->ptr + b->len;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = (size_t)((nl ? nl : end) - p);
		struct ag_error e = AG_ERROR_INIT;
		struct ag_note_line l;

		ag_note_line_init(&l);
		if (n > 0 && ag_note_line_parse(&l, p, n, &e) == 0)
			fn(ctx, &l);
		ag_note_line_release(&l);
		p = nl ? nl + 1 : end;
	}
}

/*
 * The lines already noted on the commit, each as a 16-byte digest of the
 * fields a check compares (sorted, for a binary search): the note text is
 * parsed once, not once per cluster, and dropped (a fleet's note is some
 * MiB).
 */
#define SEEN_KEY_LEN 16
struct seen {
	unsigned char (*v)[SEEN_KEY_LEN];
	size_t n, cap;
};

/* The digest of fields (NULL and "" told apart). */
static void
seen_key(unsigned char out[SEEN_KEY_LEN], const char *const *fields, size_t n)
{
	crypto_generichash_state st;
	size_t i;

	crypto_generichash_init(&st, NULL, 0, SEEN_KEY_LEN);
	for (i = 0; i < n; i++) {
		unsigned char tag = fields[i] != NULL;

		crypto_generichash_update(&st, &tag, 1);
		if (fields[i] != NULL)
			crypto_generichash_update(
			    &st, (const unsigned char *)fields[i], strlen(fields[i]) + 1);
	}
	crypto_generichash_final(&st, out, SEEN_KEY_LEN);
}

static void
seen_add(struct seen *s, const char *const *fields, size_t n)
{
	AG_GROW(s->v, s->cap, s->n + 1);
	seen_key(s->v[s->n++], fields, n);
}

static int
cmp_key(const void *a, const void *b)
{
	return memcmp(a, b, SEEN_KEY_LEN);
}

static bool
seen_has(const struct seen *s, const char *const *fields, size_t n)
{
	unsigned char k[SEEN_KEY_LEN];

	seen_key(k, fields, n);
	return s->n > 0 && bsearch(k, s->v, s->n, SEEN_KEY_LEN, cmp_key) != NULL;
}

static void
seen_release(struct seen *s)
{
	free(s->v);
	memset(s, 0, sizeof(*s));
}

/* Reads the lines noted on the commit into s, through add (one line at a
 * time), sorted. */
static void
seen_load(struct ag_gitsync *gs, struct seen *s, line_fn add)
{
	struct ag_buf notes = AG_BUF_INIT(16u * 1024 * 1024);

	existing_lines(gs, &notes);
	each_line(&notes, add, s);
	ag_buf_release(&notes);
	if (s->n > 0)
		qsort(s->v, s->n, SEEN_KEY_LEN, cmp_key);
}

/* An apply noted as done: its cluster and plan digest. */
static int
applied_cb(void *ctx, const struct ag_note_line *l)
{
	if (l->cluster && l->digest && l->result && l->kind && strcmp(l->kind, "apply") == 0 &&
	    (strcmp(l->result, "applied") == 0 || strcmp(l->result, "pending") == 0)) {
		const char *f[] = {l->cluster, l->digest};

		seen_add(ctx, f, 2);
	}
	return 0;
}

size_t
ag_gitsync_skip_applied(struct ag_gitsync *gs, struct ag_plan *plan)
{
	struct seen applied = {NULL, 0, 0};
	size_t i, n = 0;

	seen_load(gs, &applied, applied_cb);
	for (i = 0; i < plan->n_clusters; i++) {
		struct ag_cluster_plan *cp = &plan->clusters[i];
		const char *f[] = {cp->id, cp->digest};

		if (!cp->execute || cp->n_actions == 0 || !seen_has(&applied, f, 2))
			continue;
		ag_log_warn("cluster '%s': this plan (%.12s) was already applied for commit %.7s; "
		            "not applying it again",
		    cp->id, cp->digest, gs->commit);
		cp->execute = false;
		ag_strlist_add(&gs->already_applied, cp->id);
		n++;
	}
	seen_release(&applied);
	return n;
}

static char *
marker_path(const struct ag_gitsync *gs)
{
	return ag_xasprintf("%s/%s", gs->state_dir, MARKER);
}

int
ag_gitsync_begin_apply(struct ag_gitsync *gs, const struct ag_plan *plan, struct ag_error *err)
{
	json_t *o = json_object(), *cl = json_array();
	char *path = marker_path(gs), *s;
	size_t i;
	int rc;

	json_object_set_new(o, "commit", json_string(gs->commit));
	json_object_set_new(o, "revision", json_string(ag_gitsync_revision(gs)));
	json_object_set_new(o, "started", json_integer(ag_sysclock()->now_ms(NULL) / 1000));
	for (i = 0; i < plan->n_clusters; i++) {
		const struct ag_cluster_plan *cp = &plan->clusters[i];
		json_t *c;

		if (!cp->execute || cp->n_actions == 0)
			continue;
		c = json_object();
		json_object_set_new(c, "id", json_string(cp->id));
		json_object_set_new(c, "digest", json_string(cp->digest));
		json_array_append_new(cl, c);
	}
	json_object_set_new(o, "clusters", cl);
	s = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	rc = ag_fs_write_atomic(path, s, strlen(s), 0600, 0, err);
	if (rc == 0)
		gs->marker_written = true;
	free(s);
	free(path);
	return rc;
}

int
ag_gitsync_end_apply(struct ag_gitsync *gs, struct ag_error *err)
{
	char *path = marker_path(gs);
	int rc = 0;

	if (unlink(path) < 0 && errno != ENOENT)
		rc = ag_error_set(err, AG_EIO, "cannot remove '%s': %s", path, strerror(errno));
	gs->marker_written = false;
	free(path);
	return rc;
}

static void
line_base(struct ag_gitsync *gs, struct ag_note_line *l, const char *kind, const char *cluster,
    const char *result)
{
	ag_note_line_init(l);
	l->ts = ag_sysclock()->now_ms(NULL) / 1000;
	l->agent = ag_xstrdup(gs->agent_id);
	l->shard = ag_xstrdup(gs->shard);
	l->kind = ag_xstrdup(kind);
	l->cluster = ag_xstrdup(cluster);
	l->revision = ag_xstrdup(ag_gitsync_revision(gs));
	l->result = ag_xstrdup(result);
	l->signer = ag_xstrdup(gs->signer);
}

/*
 * Lines for a marker left by an interrupted run: one per cluster it was
 * applying, on the commit it was applying. Appended to the note of that
 * commit (commit_out).
 */
static int
interrupted_lines(struct ag_gitsync *gs, struct ag_buf *out, char commit_out[AG_GIT_OID_HEX])
{
	struct ag_buf b = AG_BUF_INIT(1024 * 1024);
	struct ag_error e = AG_ERROR_INIT;
	char *path = marker_path(gs), when[32], *msg;
	json_t *o = NULL, *cl, *commit;
	size_t i;
	int found = 0;

	if (ag_fs_read(&b, path, &e) < 0)
		goto out;
	o = json_loadb(b.ptr, b.len, 0, NULL);
	commit = json_object_get(o, "commit");
	if (!json_is_string(commit) || strlen(json_string_value(commit)) != 40) {
		ag_log_warn("'%s' is damaged; ignoring it", path);
		found = -1;
		goto out;
	}
	memcpy(commit_out, json_string_value(commit), AG_GIT_OID_HEX);
	ag_note_time_format(when, json_integer_value(json_object_get(o, "started")));
	msg = ag_xasprintf("an earlier run was interrupted while applying (started %s); this run "
	                   "re-read the live state and planned only what is still missing",
	    when);
	cl = json_object_get(o, "clusters");
	for (i = 0; i < json_array_size(cl); i++) {
		json_t *c = json_array_get(cl, i);
		struct ag_note_line l;

		line_base(
		    gs, &l, "error", json_string_value(json_object_get(c, "id")), "interrupted");
		l.digest = ag_xstrdup(json_string_value(json_object_get(c, "digest")));
		if (json_is_string(json_object_get(o, "revision"))) {
			free(l.revision);
			l.revision = ag_xstrdup(json_string_value(json_object_get(o, "revision")));
		}
		l.error = ag_xstrdup(msg);
		ag_note_line_format(out, &l);
		ag_note_line_release(&l);
	}
	free(msg);
	found = 1;
out:
	json_decref(o);
	ag_buf_release(&b);
	free(path);
	return found;
}

static void
set_outputs(struct ag_note_line *l, const struct ag_db_cluster *c)
{
	if (c == NULL)
		return;
	l->writer_endpoint = ag_xstrdup(c->endpoint);
	l->reader_endpoint = ag_xstrdup(c->reader_endpoint);
	l->port = c->port;
	l->secret_arn = ag_xstrdup(c->master_user_secret_arn);
	l->cluster_arn = ag_xstrdup(c->arn);
	l->resource_id = ag_xstrdup(c->resource_id);
	ag_strlist_copy(&l->custom_endpoints, &c->custom_endpoints);
}

/* Results that record an event; every occurrence is noted. Others are
 * states and are noted once per commit, cluster, kind and digest. */
static int
is_event(const char *result)
{
	return strcmp(result, "applied") == 0 || strcmp(result, "pending") == 0 ||
	       strcmp(result, "failed") == 0 || strcmp(result, "interrupted") == 0;
}

/* A line as the dedupe tells it apart: agent, cluster, kind, digest and
 * result. */
static int
dedupe_cb(void *ctx, const struct ag_note_line *l)
{
	const char *f[] = {l->agent, l->cluster, l->kind, l->digest, l->result};

	seen_add(ctx, f, 5);
	return 0;
}

static void
emit(struct ag_gitsync *gs, struct ag_buf *out, const struct seen *existing,
    const struct ag_note_line *l)
{
	const char *f[] = {gs->agent_id, l->cluster, l->kind, l->digest, l->result};

	if (!is_event(l->result) && seen_has(existing, f, 5))
		return;
	if (ag_note_line_format(out, l) < 0)
		ag_log_warn("note line for '%s' too large; left out", l->cluster ? l->cluster : "");
}

static void
cluster_line(struct ag_gitsync *gs, struct ag_note_line *l, const struct ag_cycle *cy,
    const struct ag_cluster_plan *cp, bool applied, const struct ag_observed *after)
{
	const struct ag_exec_cluster *ec =
	    applied ? ag_exec_result_find(&cy->result, cp->id) : NULL;
	const char *kind, *result;
	size_t i;

	if (ag_strlist_contains(&gs->already_applied, cp->id)) {
		kind = "skipped";
		result = "already-applied";
	} else if (cp->status == AG_STATUS_ERROR) {
		kind = "error";
		result = "invalid";
	} else if (cp->status == AG_STATUS_BLOCKED) {
		kind = "plan";
		result = "blocked";
	} else if (cp->status == AG_STATUS_SUSPENDED) {
		kind = "skipped";
		result = "suspended";
	} else if (ec && ec->status != AG_EXEC_NOT_RUN) {
		switch (ec->status) {
		case AG_EXEC_APPLIED:
			kind = "apply";
			result = "applied";
			break;
		case AG_EXEC_PENDING:
			kind = "apply";
			result = "pending";
			break;
		case AG_EXEC_SKIPPED:
			kind = "skipped";
			result = "held";
			break;
		default:
			kind = "error";
			result = "failed";
		}
	} else if (cp->mode == AG_MODE_OBSERVE && cp->status != AG_STATUS_UNCHANGED) {
		/* observe clears the actions; the drift is still there */
		kind = "drift";
		result = "drift";
	} else if (cp->n_actions == 0) {
		kind = cp->mode == AG_MODE_APPLY && applied ? "apply" : "plan";
		result = "in-sync";
	} else if (cp->mode == AG_MODE_OBSERVE) {
		kind = "drift";
		result = "drift";
	} else {
		kind = "plan";
		result = "planned";
	}
	line_base(gs, l, kind, cp->id, result);
	set_scope(gs, l);
	l->digest = ag_xstrdup(cp->digest);
	l->changes = (long)cp->n_actions;
	for (i = 0; i < cp->n_actions; i++) {
		const char *rid = NULL;

		if (ec == NULL || i >= ec->n_sent)
			continue;
		if (i < ec->request_ids.n)
			rid = ec->request_ids.v[i];
		ag_note_line_add_action(l, ag_action_kind_name(cp->actions[i].kind), rid);
	}
	if (ec && ec->error)
		l->error = ag_xasprintf("%s%s%s", ec->failed_action ? ec->failed_action : "",
		    ec->failed_action ? ": " : "", ec->error);
	else if (cp->reason && (cp->status == AG_STATUS_ERROR || cp->status == AG_STATUS_BLOCKED ||
	                           ec == NULL || ec->status == AG_EXEC_SKIPPED))
		l->error = ag_xstrdup(cp->reason);
	set_outputs(l, ag_observed_find_cluster(after, cp->id));
}

/*
 * Re-reads, after an apply, only the clusters whose outputs the apply may
 * have changed (one filtered describe per 100 of them); the others keep
 * what the cycle read before applying, which is still what they show.
 */
static void
read_outputs(struct ag_observed *after, struct ag_cycle *cy)
{
	struct ag_strlist ids = AG_STRLIST_INIT;
	struct ag_error e = AG_ERROR_INIT;
	size_t i;

	for (i = 0; i < cy->result.n; i++) {
		const struct ag_exec_cluster *ec = &cy->result.v[i];
		const struct ag_cluster_plan *cp = ag_plan_find(&cy->plan, ec->id);

		if (cp != NULL && ec->n_sent > 0 && ag_exec_outputs_may_change(cp, ec))
			ag_strlist_add(&ids, ec->id);
	}
	if (ids.n > 0 && ag_rds_describe_clusters_by_id(
	                     cy->env->aws, (const char *const *)ids.v, ids.n, false, after, &e) < 0)
		ag_log_warn("cannot read the outputs after apply: %s", e.msg);
	ag_strlist_release(&ids);
}

static int
push_lines(
    struct ag_gitsync *gs, const char *commit, const struct ag_buf *lines, struct ag_error *err)
{
	char *who;
	int rc;

	if (lines->len == 0)
		return 0;
	who = ag_xasprintf("aurora-gitops %s", gs->agent_id);
	rc = ag_git_note_append(gs->repo, commit, lines->ptr, lines->len, who, err);
	free(who);
	return rc;
}

unsigned
ag_gitsync_notes_retries(const struct ag_gitsync *gs)
{
	return gs->notes_retries;
}

void
ag_gitsync_settings_error(struct ag_gitsync *gs, const char *msg)
{
	free(gs->settings_error);
	gs->settings_error = ag_xstrdup(msg);
}

/* One "invalid" line per file left out of the plan, with its first error. */
static void
invalid_lines(struct ag_gitsync *gs, struct ag_buf *out, const struct seen *existing,
    const struct ag_cycle *cy)
{
	struct ag_note_line l;
	size_t i, j;

	for (i = 0; i < cy->invalid_files.n; i++) {
		const char *file = cy->invalid_files.v[i];

		for (j = 0; j < cy->diags.n; j++) {
			const struct ag_diag *d = &cy->diags.v[j];

			if (d->severity == AG_DIAG_ERROR && d->file && strcmp(d->file, file) == 0)
				break;
		}
		if (j == cy->diags.n)
			continue;
		line_base(gs, &l, "error", NULL, "invalid");
		l.error = ag_diag_format(&cy->diags.v[j]);
		emit(gs, out, existing, &l);
		ag_note_line_release(&l);
	}
}

int
ag_gitsync_note(struct ag_gitsync *gs, struct ag_cycle *cy, bool applied,
    const struct ag_error *failure, struct ag_error *err)
{
	struct ag_buf lines = AG_BUF_INIT(16u * 1024 * 1024);
	struct seen existing = {NULL, 0, 0};
	struct ag_observed after;
	const struct ag_observed *obs = NULL;
	struct ag_note_line l;
	int rc, lock_fd = -1;
	size_t i;

	ag_observed_init(&after);
	seen_load(gs, &existing, dedupe_cb);
	if (cy != NULL && gs->sig_rc >= 0)
		invalid_lines(gs, &lines, &existing, cy);
	if (gs->sig_rc < 0) {
		line_base(gs, &l, "skipped", NULL,
		    gs->sig_rc == AG_ENOTFOUND ? "unsigned"
		    : gs->sig_rc == AG_EDENIED ? "untrusted-signer"
		                               : "bad-signature");
		l.error = ag_xasprintf("%s; nothing was applied", gs->sig_err.msg);
		emit(gs, &lines, &existing, &l);
		ag_note_line_release(&l);
	} else if (cy == NULL || cy->plan.n_clusters == 0) {
		if (failure && failure->code) {
			line_base(gs, &l, "error", NULL,
			    failure->code == AG_EINVAL ? "invalid" : "failed");
			l.error = ag_xstrdup(failure->msg);
			emit(gs, &lines, &existing, &l);
			ag_note_line_release(&l);
		}
	} else {
		/* endpoints of what was just created or changed */
		if (applied && cy->env && cy->env->aws)
			read_outputs(&after, cy);
		for (i = 0; i < cy->plan.n_clusters; i++) {
			const struct ag_cluster_plan *cp = &cy->plan.clusters[i];

			if (cp->status == AG_STATUS_ORPHANED || cp->status == AG_STATUS_UNMANAGED)
				continue;
			obs = ag_observed_find_cluster(&after, cp->id) ? &after : &cy->observed;
			cluster_line(gs, &l, cy, cp, applied, obs);
			emit(gs, &lines, &existing, &l);
			ag_note_line_release(&l);
		}
	}
	if (gs->settings_error != NULL) {
		line_base(gs, &l, "error", NULL, "invalid");
		l.error =
		    ag_xasprintf("%s; the agent kept its running settings", gs->settings_error);
		emit(gs, &lines, &existing, &l);
		ag_note_line_release(&l);
	}
	if (gs->scoped && gs->sig_rc >= 0 && !(failure && failure->code)) {
		/* what the cycle looked at: the clusters the commit changed,
		 * not the fleet; said once per commit even when none of them
		 * has a line (a file outside the manifests, a removed manifest) */
		line_base(gs, &l, "plan", NULL, "scoped");
		set_scope(gs, &l);
		emit(gs, &lines, &existing, &l);
		ag_note_line_release(&l);
	}
	rc = cache_lock(&lock_fd, gs->state_dir, err);
	if (rc == 0 && gs->interrupted == 1)
		rc = push_lines(gs, gs->icommit, &gs->ilines, err);
	if (rc == 0)
		rc = push_lines(gs, gs->commit, &lines, err);
	if (rc == 0)
		rc = ag_git_notes_push(&gs->notes_retries, gs->repo, 0, err);
	cache_unlock(lock_fd);
	/* the earlier run's marker is noted now (this run's own, if it
	 * applied, was replaced and removed by begin/end_apply) */
	if (rc == 0 && gs->interrupted != 0 && !gs->marker_written)
		rc = ag_gitsync_end_apply(gs, err);
	if (rc == 0)
		gs->interrupted = 0;
	ag_observed_release(&after);
	ag_buf_release(&lines);
	seen_release(&existing);
	return rc;
}
