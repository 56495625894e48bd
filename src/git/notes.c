#include "git/notes.h"
#include "git/internal.h"
#include "core/log.h"
#include "core/mem.h"
#include "sys/sysclock.h"

#include <stdlib.h>
#include <string.h>

#include "core/compat.h"

#define NOTES_EMAIL "aurora-gitops"
#define PUSH_ATTEMPTS_DEFAULT 40
#define BACKOFF_BASE_MS 20
#define BACKOFF_CAP_MS 2000

static const char *
side_ref(const struct ag_git_repo *r, enum ag_git_notes_side side)
{
	return side == AG_GIT_NOTES_LOCAL ? r->notes_ref : r->notes_track;
}

/* The commit a ref points to: 1 found, 0 absent, negative error. */
static int
ref_tip(git_oid *out, struct ag_git_repo *r, const char *ref, struct ag_error *err)
{
	int rc = git_reference_name_to_id(out, r->repo, ref);

	if (rc == GIT_ENOTFOUND)
		return 0;
	if (rc < 0)
		return ag_git_fail(err, rc, "cannot read the ref '%s'", ref);
	return 1;
}

int
ag_git_note_read(struct ag_buf *out, struct ag_git_repo *r, enum ag_git_notes_side side,
    const char *hex, struct ag_error *err)
{
	git_note *note = NULL;
	const char *msg;
	git_oid id;
	int rc;

	if ((rc = ag_git_oid_parse(&id, hex, err)) < 0)
		return rc;
	rc = git_note_read(&note, r->repo, side_ref(r, side), &id);
	if (rc == GIT_ENOTFOUND)
		return 0;
	if (rc < 0)
		return ag_git_fail(err, rc, "cannot read the note on %.7s", hex);
	msg = git_note_message(note);
	rc = ag_buf_adds(out, msg ? msg : "");
	git_note_free(note);
	if (rc < 0)
		return ag_error_set(err, rc, "the note on %.7s is too large", hex);
	return 0;
}

struct foreach_ctx {
	git_repository *repo;
	ag_git_note_fn fn;
	void *ctx;
	int stopped;
};

static int
foreach_cb(const git_oid *blob_id, const git_oid *annotated, void *payload)
{
	struct foreach_ctx *f = payload;
	char hex[AG_GIT_OID_HEX];
	git_blob *blob = NULL;
	char *text;
	size_t n;
	int rc;

	if ((rc = git_blob_lookup(&blob, f->repo, blob_id)) < 0)
		return rc;
	n = (size_t)git_blob_rawsize(blob);
	text = ag_xmalloc(n + 1);
	memcpy(text, git_blob_rawcontent(blob), n);
	text[n] = '\0';
	git_blob_free(blob);
	git_oid_tostr(hex, sizeof(hex), annotated);
	rc = f->fn(f->ctx, hex, text, n);
	free(text);
	if (rc != 0)
		f->stopped = rc;
	return rc;
}

int
ag_git_notes_foreach(struct ag_git_repo *r, enum ag_git_notes_side side, ag_git_note_fn fn,
    void *ctx, struct ag_error *err)
{
	struct foreach_ctx f = {r->repo, fn, ctx, 0};
	int rc;

	rc = git_note_foreach(r->repo, side_ref(r, side), foreach_cb, &f);
	if (f.stopped)
		return f.stopped;
	if (rc == GIT_ENOTFOUND)
		return 0;
	if (rc < 0)
		return ag_git_fail(err, rc, "cannot read the notes '%s'", side_ref(r, side));
	return 0;
}

/* Moves ref from old (NULL: must not exist) to new, atomically. */
static int
cas_ref(git_repository *repo, const char *ref, const git_oid *new_id, const git_oid *old,
    const char *why, struct ag_error *err)
{
	git_reference *out = NULL;
	int rc;

	if (old)
		rc = git_reference_create_matching(&out, repo, ref, new_id, 1, old, why);
	else
		rc = git_reference_create(&out, repo, ref, new_id, 0, why);
	git_reference_free(out);
	if (rc < 0)
		return ag_git_fail(err, rc, "cannot update '%s'", ref);
	return 0;
}

static int
notes_signature(git_signature **sig, const char *who, struct ag_error *err)
{
	int rc = git_signature_now(sig, who && who[0] ? who : "aurora-gitops", NOTES_EMAIL);

	if (rc < 0)
		return ag_git_fail(err, rc, "cannot make the notes signature");
	return 0;
}

/* A commit on tree with parents, message ours (not libgit2's default). */
static int
make_commit(git_oid *out, git_repository *repo, const git_signature *sig, const char *msg,
    const git_oid *tree_id, const git_commit **parents, size_t n, struct ag_error *err)
{
	git_tree *tree = NULL;
	int rc;

	if ((rc = git_tree_lookup(&tree, repo, tree_id)) < 0)
		return ag_git_fail(err, rc, "cannot read a notes tree");
	rc = git_commit_create(out, repo, NULL, sig, sig, NULL, msg, tree, n, parents);
	git_tree_free(tree);
	if (rc < 0)
		return ag_git_fail(err, rc, "cannot write a notes commit");
	return 0;
}

/*
 * Makes the local notes ref contain the fetched remote notes: nothing when
 * it already does, a fast-forward when local is behind, else a merge commit
 * whose tree is the union merge of both (lines of both notes kept).
 */
static int
merge_fetched(struct ag_git_repo *r, struct ag_error *err)
{
	git_oid track, local, tree_id, merged;
	git_commit *lc = NULL, *tc = NULL;
	git_index *idx = NULL;
	git_signature *sig = NULL;
	git_merge_options mo;
	const git_commit *parents[2];
	int rc, have_t, have_l;

	if ((have_t = ref_tip(&track, r, r->notes_track, err)) <= 0)
		return have_t;
	if ((have_l = ref_tip(&local, r, r->notes_ref, err)) < 0)
		return have_l;
	if (!have_l)
		return cas_ref(r->repo, r->notes_ref, &track, NULL, "notes: fetched", err);
	if (git_oid_equal(&track, &local) || git_graph_descendant_of(r->repo, &local, &track) == 1)
		return 0;
	if (git_graph_descendant_of(r->repo, &track, &local) == 1)
		return cas_ref(r->repo, r->notes_ref, &track, &local, "notes: fast-forward", err);
	if ((rc = git_commit_lookup(&lc, r->repo, &local)) < 0 ||
	    (rc = git_commit_lookup(&tc, r->repo, &track)) < 0) {
		rc = ag_git_fail(err, rc, "cannot read the notes commits to merge");
		goto out;
	}
	git_merge_options_init(&mo, GIT_MERGE_OPTIONS_VERSION);
	/* no rename detection: it could pair the notes of two commits */
	mo.flags = 0;
	mo.file_favor = GIT_MERGE_FILE_FAVOR_UNION;
	if ((rc = git_merge_commits(&idx, r->repo, lc, tc, &mo)) < 0) {
		rc = ag_git_fail(err, rc, "cannot merge the notes");
		goto out;
	}
	if (git_index_has_conflicts(idx)) {
		rc = ag_error_set(err, AG_EGIT, "merging the notes left conflicts");
		goto out;
	}
	if ((rc = git_index_write_tree_to(&tree_id, idx, r->repo)) < 0) {
		rc = ag_git_fail(err, rc, "cannot write the merged notes tree");
		goto out;
	}
	if ((rc = notes_signature(&sig, "aurora-gitops", err)) < 0)
		goto out;
	parents[0] = lc;
	parents[1] = tc;
	rc = make_commit(
	    &merged, r->repo, sig, "Merge remote notes (union)\n", &tree_id, parents, 2, err);
	if (rc == 0)
		rc = cas_ref(r->repo, r->notes_ref, &merged, &local, "notes: merge", err);
out:
	git_signature_free(sig);
	git_index_free(idx);
	git_commit_free(lc);
	git_commit_free(tc);
	return rc;
}

int
ag_git_note_append(struct ag_git_repo *r, const char *hex, const char *lines, size_t len,
    const char *who, struct ag_error *err)
{
	git_oid target, local, made_id, final_id;
	git_commit *parent = NULL, *made = NULL;
	git_note *old = NULL;
	git_signature *sig = NULL;
	const git_commit *parents[1];
	struct ag_buf text = AG_BUF_INIT(16u * 1024 * 1024);
	git_oid blob_id;
	char *msg = NULL;
	int rc, have_l;

	if (r->read_only)
		return ag_error_set(err, AG_EINVAL, "'%s' is opened read-only", r->path);
	if ((rc = ag_git_oid_parse(&target, hex, err)) < 0)
		return rc;
	if ((rc = merge_fetched(r, err)) < 0)
		goto out;
	if ((have_l = ref_tip(&local, r, r->notes_ref, err)) < 0) {
		rc = have_l;
		goto out;
	}
	if (have_l) {
		if ((rc = git_commit_lookup(&parent, r->repo, &local)) < 0) {
			rc = ag_git_fail(err, rc, "cannot read the notes commit");
			goto out;
		}
		rc = git_note_commit_read(&old, r->repo, parent, &target);
		if (rc < 0 && rc != GIT_ENOTFOUND) {
			rc = ag_git_fail(err, rc, "cannot read the note on %.7s", hex);
			goto out;
		}
		if (old && git_note_message(old)) {
			const char *m = git_note_message(old);
			size_t n = strlen(m);

			ag_buf_add(&text, m, n);
			if (n > 0 && m[n - 1] != '\n')
				ag_buf_addc(&text, '\n');
		}
	}
	if ((rc = ag_buf_add(&text, lines, len)) < 0) {
		rc = ag_error_set(err, rc, "the note on %.7s would be too large", hex);
		goto out;
	}
	if ((rc = notes_signature(&sig, who, err)) < 0)
		goto out;
	rc = git_note_commit_create(
	    &made_id, &blob_id, r->repo, parent, sig, sig, &target, text.ptr, 1);
	if (rc < 0) {
		rc = ag_git_fail(err, rc, "cannot write the note on %.7s", hex);
		goto out;
	}
	/* Same tree and parent, our own message. */
	if ((rc = git_commit_lookup(&made, r->repo, &made_id)) < 0) {
		rc = ag_git_fail(err, rc, "cannot read the new notes commit");
		goto out;
	}
	msg = ag_xasprintf("Notes for %.12s\n", hex);
	parents[0] = parent;
	rc = make_commit(
	    &final_id, r->repo, sig, msg, git_commit_tree_id(made), parents, parent ? 1 : 0, err);
	if (rc == 0)
		rc = cas_ref(
		    r->repo, r->notes_ref, &final_id, have_l ? &local : NULL, "notes: add", err);
out:
	free(msg);
	ag_buf_release(&text);
	git_signature_free(sig);
	git_note_free(old);
	git_commit_free(made);
	git_commit_free(parent);
	return rc;
}

/* Race-free push into a local repository: pack, then compare-and-swap. */
static int
push_local(
    struct ag_git_repo *r, const git_oid *local, const git_oid *expected, struct ag_error *err)
{
	git_repository *remote = NULL;
	git_packbuilder *pb = NULL;
	git_revwalk *walk = NULL;
	char *packdir = NULL;
	int rc;

	if ((rc = git_repository_open_ext(
	         &remote, r->local_path, GIT_REPOSITORY_OPEN_NO_SEARCH, NULL)) < 0) {
		rc = ag_git_fail(err, rc, "cannot open the remote repository '%s'", r->local_path);
		goto out;
	}
	if ((rc = git_packbuilder_new(&pb, r->repo)) < 0 ||
	    (rc = git_revwalk_new(&walk, r->repo)) < 0 ||
	    (rc = git_revwalk_push(walk, local)) < 0 ||
	    (expected && (rc = git_revwalk_hide(walk, expected)) < 0) ||
	    (rc = git_packbuilder_insert_walk(pb, walk)) < 0) {
		rc = ag_git_fail(err, rc, "cannot collect the notes objects to push");
		goto out;
	}
	if (git_packbuilder_object_count(pb) > 0) {
		packdir = ag_xasprintf("%sobjects/pack", git_repository_path(remote));
		if ((rc = git_packbuilder_write(pb, packdir, 0, NULL, NULL)) < 0) {
			rc = ag_git_fail(err, rc, "cannot write the notes pack into '%s'", packdir);
			goto out;
		}
	}
	rc = cas_ref(remote, r->notes_ref, local, expected, "aurora-gitops: notes", err);
out:
	free(packdir);
	git_revwalk_free(walk);
	git_packbuilder_free(pb);
	git_repository_free(remote);
	return rc;
}

struct push_payload {
	struct ag_git_repo *r;
	char *rejected;
};

static int
cred_proxy(
    git_credential **out, const char *url, const char *user, unsigned int allowed, void *payload)
{
	struct push_payload *p = payload;

	return ag_git_cred_cb(out, url, user, allowed, p->r);
}

static int
cert_proxy(git_cert *cert, int valid, const char *host, void *payload)
{
	struct push_payload *p = payload;

	return ag_git_cert_cb(cert, valid, host, p->r);
}

static int
update_ref_cb(const char *refname, const char *status, void *payload)
{
	struct push_payload *p = payload;

	if (status != NULL && p->rejected == NULL)
		p->rejected = ag_xasprintf("%s: %s", refname, status);
	return 0;
}

/* Push over the network without force; server-side rejections are
 * reported through the callback with rc 0, so both are checked. */
static int
push_remote(struct ag_git_repo *r, struct ag_error *err)
{
	struct push_payload p = {r, NULL};
	git_push_options po;
	git_remote *remote = NULL;
	char *spec = ag_xasprintf("%s:%s", r->notes_ref, r->notes_ref);
	char *specs[1] = {spec};
	git_strarray arr = {specs, 1};
	int rc;

	git_push_options_init(&po, GIT_PUSH_OPTIONS_VERSION);
	ag_git_callbacks(&po.callbacks, r);
	po.callbacks.credentials = cred_proxy;
	po.callbacks.certificate_check = cert_proxy;
	po.callbacks.push_update_reference = update_ref_cb;
	po.callbacks.payload = &p;
	if ((rc = git_remote_lookup(&remote, r->repo, "origin")) < 0) {
		rc = ag_git_fail(err, rc, "cannot find the remote of the cache '%s'", r->path);
		goto out;
	}
	rc = git_remote_push(remote, &arr, &po);
	if (rc == GIT_ENONFASTFORWARD) {
		rc = ag_error_set(
		    err, AG_ECONFLICT, "notes push to '%s' rejected: not a fast-forward", r->url);
		goto out;
	}
	if (rc < 0) {
		rc = ag_git_fail(err, rc, "cannot push the notes to '%s'", r->url);
		goto out;
	}
	/* A hook that declines the update is the server's policy, not a
	 * race: retrying would be refused the same way, so it is not retried. */
	if (p.rejected && strstr(p.rejected, "hook declined")) {
		rc = ag_error_set(err, AG_EDENIED, "notes push to '%s' refused by the server: %s",
		    r->url, p.rejected);
		goto out;
	}
	if (p.rejected) {
		rc = ag_error_set(
		    err, AG_ECONFLICT, "notes push to '%s' rejected: %s", r->url, p.rejected);
		goto out;
	}
	rc = 0;
out:
	free(p.rejected);
	free(spec);
	git_remote_free(remote);
	return rc;
}

int
ag_git_notes_push(unsigned *retries, struct ag_git_repo *r, int max_attempts, struct ag_error *err)
{
	const struct ag_clock *clock = r->clock ? r->clock : ag_sysclock();
	const struct ag_rand *rnd = r->rand ? r->rand : ag_sysrand();
	git_oid local, track;
	int rc, have_t, attempt;
	long delay = BACKOFF_BASE_MS;

	if (retries != NULL)
		*retries = 0;
	if (r->read_only)
		return ag_error_set(err, AG_EINVAL, "'%s' is opened read-only", r->path);
	if (max_attempts <= 0)
		max_attempts = PUSH_ATTEMPTS_DEFAULT;
	for (attempt = 1;; attempt++) {
		/* Local must contain everything fetched: pushing a local ref
		 * that is behind would move the remote back (a lost update). */
		if ((rc = merge_fetched(r, err)) < 0)
			return rc;
		if ((rc = ref_tip(&local, r, r->notes_ref, err)) <= 0)
			return rc; /* nothing written locally: nothing to push */
		if ((have_t = ref_tip(&track, r, r->notes_track, err)) < 0)
			return have_t;
		if (have_t && git_oid_equal(&local, &track))
			return 0;
		if (r->local_path)
			rc = push_local(r, &local, have_t ? &track : NULL, err);
		else
			rc = push_remote(r, err);
		if (rc == 0) {
			git_reference *ref = NULL;

			/* The remote now has local: remember it as fetched. */
			rc = git_reference_create(&ref, r->repo, r->notes_track, &local, 1, "push");
			git_reference_free(ref);
			if (rc < 0)
				return ag_git_fail(err, rc, "cannot update '%s'", r->notes_track);
			if (attempt > 1)
				ag_log_info(
				    "notes pushed to '%s' after %d attempts", r->url, attempt);
			return 0;
		}
		if (rc != AG_ECONFLICT)
			return rc;
		if (attempt >= max_attempts) {
			ag_error_prefix(err, "gave up after %d attempts", attempt);
			return rc;
		}
		ag_log_info(
		    "%s; fetching, merging and pushing again (attempt %d)", err->msg, attempt + 1);
		if (retries != NULL)
			(*retries)++;
		ag_error_clear(err);
		clock->sleep_ms(clock->ctx, (int64_t)(delay * (0.5 + rnd->uniform(rnd->ctx))));
		if (delay < BACKOFF_CAP_MS)
			delay *= 2;
		if ((rc = ag_git_fetch_notes(r, err)) < 0)
			return rc;
	}
}
