#include "git/source.h"
#include "git/internal.h"
#include "core/buf.h"
#include "core/log.h"
#include "core/mcache.h"
#include "core/mem.h"
#include "core/runconf.h"

#include <stdlib.h>
#include <string.h>

#include "core/compat.h"

struct git_source {
	struct ag_source base; /* first: the interface */
	struct ag_git_repo *repo;
	char oid[AG_GIT_OID_HEX];
	char *subdir;
	char *revision;          /* "<label>@<short>" */
	struct ag_mcache *cache; /* borrowed; NULL: parse every file */
	char *context;           /* of the cache's loads */
};

static int
has_suffix(const char *s, const char *suf)
{
	size_t n = strlen(s), m = strlen(suf);

	return n >= m && strcmp(s + n - m, suf) == 0;
}

struct walk {
	git_repository *repo;
	const char *revision;
	const char *prefix; /* subdir + "/" or "" */
	struct ag_manifest_set *set;
	struct ag_diags *diags;
	struct ag_error *err;
	struct ag_mcache *cache;
	struct ag_buf buf;
	size_t files;
	int bad;
	int failed;
};

static int
walk_cb(const char *root, const git_tree_entry *e, void *payload)
{
	struct walk *w = payload;
	const char *name = git_tree_entry_name(e);
	git_filemode_t mode = git_tree_entry_filemode(e);
	git_blob *blob = NULL;
	char *path, *file = NULL, hex[AG_GIT_OID_HEX];
	git_object_size_t size;
	int rc = 0;

	if (mode == GIT_FILEMODE_TREE)
		return 0;
	if (!has_suffix(name, ".yaml") && !has_suffix(name, ".yml"))
		return 0;
	/* the repository's settings file is not a manifest */
	if (w->prefix[0] == '\0' && root[0] == '\0' && ag_runconf_is_repo_file(name))
		return 0;
	path = ag_xasprintf("%s%s%s", w->prefix, root, name);
	file = ag_xasprintf("%s:%s", w->revision, path);
	if (mode == GIT_FILEMODE_LINK || mode == GIT_FILEMODE_COMMIT) {
		const char *what = mode == GIT_FILEMODE_LINK ? "symbolic link" : "submodule";

		ag_diags_add(w->diags, AG_DIAG_WARNING, file, 0, 0, NULL, NULL,
		    "%s skipped: manifests are read only from regular files in the tree", what);
		ag_log_warn("%s: %s skipped", file, what);
		goto out;
	}
	/* a blob loaded before (same id, same path) is not read again */
	git_oid_tostr(hex, sizeof(hex), git_tree_entry_id(e));
	if (w->cache != NULL) {
		int prc = 0;

		if (ag_mcache_get(w->cache, hex, path, file, w->set, w->diags, &prc)) {
			w->files++;
			if (prc < 0)
				w->bad = 1;
			goto out;
		}
	}
	if ((rc = git_blob_lookup(&blob, w->repo, git_tree_entry_id(e))) < 0) {
		ag_git_fail(w->err, rc, "cannot read '%s'", file);
		w->failed = 1;
		rc = -1;
		goto out;
	}
	size = git_blob_rawsize(blob);
	ag_buf_reset(&w->buf);
	/* the blob is not NUL-terminated: copy it into a bounded buffer */
	if (size > AG_MANIFEST_MAX_BYTES ||
	    ag_buf_add(&w->buf, git_blob_rawcontent(blob), (size_t)size) < 0) {
		ag_diags_add(w->diags, AG_DIAG_ERROR, file, 0, 0, NULL, NULL,
		    "file is larger than %d bytes", AG_MANIFEST_MAX_BYTES);
		w->bad = 1;
		goto out;
	}
	w->files++;
	if (w->cache == NULL) {
		if (ag_manifest_parse(w->set, w->diags, w->buf.ptr, w->buf.len, file) < 0)
			w->bad = 1;
	} else {
		size_t first = w->set->n, first_diag = w->diags->n;
		int prc = ag_manifest_parse(w->set, w->diags, w->buf.ptr, w->buf.len, file);

		if (prc < 0)
			w->bad = 1;
		ag_mcache_put(w->cache, hex, path, file, w->set, first, w->diags, first_diag, prc);
	}
	rc = 0;
out:
	git_blob_free(blob);
	free(path);
	free(file);
	return rc;
}

/* Ends a cached load of a whole tree: drops the files it did not see. */
static void
cache_report(struct ag_mcache *cache)
{
	struct ag_mcache_stats st;

	ag_mcache_sweep(cache);
	ag_mcache_stats(cache, &st);
	ag_log_info("manifest cache: %zu file%s parsed, %zu reused, %zu dropped; %zu held",
	    st.misses, st.misses == 1 ? "" : "s", st.hits, st.dropped, st.entries);
}

static int
load_commit(struct ag_manifest_set *set, struct ag_diags *diags, struct ag_git_repo *r,
    const char *hex, const char *revision, const char *subdir, struct ag_mcache *cache,
    const char *context, struct ag_error *err)
{
	git_commit *c = NULL;
	git_tree *root = NULL, *sub = NULL;
	git_tree_entry *te = NULL;
	struct walk w;
	git_oid id;
	char *prefix = NULL;
	int rc;

	memset(&w, 0, sizeof(w));
	ag_buf_init(&w.buf, AG_MANIFEST_MAX_BYTES);
	if ((rc = ag_git_oid_parse(&id, hex, err)) < 0)
		goto out;
	if ((rc = git_commit_lookup(&c, r->repo, &id)) < 0) {
		rc = ag_git_fail(err, rc, "cannot read commit %s", revision);
		goto out;
	}
	if ((rc = git_commit_tree(&root, c)) < 0) {
		rc = ag_git_fail(err, rc, "cannot read the tree of %s", revision);
		goto out;
	}
	if (subdir && subdir[0] && strcmp(subdir, ".") != 0) {
		size_t n = strlen(subdir);

		while (n > 0 && subdir[n - 1] == '/')
			n--;
		prefix = ag_xstrndup(subdir, n);
		rc = git_tree_entry_bypath(&te, root, prefix);
		if (rc == GIT_ENOTFOUND ||
		    (rc == 0 && git_tree_entry_type(te) != GIT_OBJECT_TREE)) {
			rc = ag_error_set(
			    err, AG_ENOTFOUND, "directory '%s' not found at %s", prefix, revision);
			goto out;
		}
		if (rc < 0) {
			rc = ag_git_fail(err, rc, "cannot read '%s' at %s", prefix, revision);
			goto out;
		}
		if ((rc = git_tree_lookup(&sub, r->repo, git_tree_entry_id(te))) < 0) {
			rc = ag_git_fail(err, rc, "cannot read '%s' at %s", prefix, revision);
			goto out;
		}
		free(prefix);
		prefix = ag_xasprintf("%.*s/", (int)n, subdir);
	}
	w.repo = r->repo;
	w.revision = revision;
	w.prefix = prefix ? prefix : "";
	w.set = set;
	w.diags = diags;
	w.err = err;
	w.cache = cache;
	if (cache != NULL)
		ag_mcache_begin(cache, context);
	rc = git_tree_walk(sub ? sub : root, GIT_TREEWALK_PRE, walk_cb, &w);
	if (w.failed) {
		rc = err->code ? err->code : AG_EGIT;
		goto out;
	}
	if (rc < 0) {
		rc = ag_git_fail(err, rc, "cannot walk the tree of %s", revision);
		goto out;
	}
	/* the whole tree was walked: what it did not see is gone */
	if (cache != NULL)
		cache_report(cache);
	if (w.files == 0 && !w.bad) {
		rc = ag_error_set(err, AG_ENOTFOUND, "no manifests (*.yaml, *.yml) in '%s' at %s",
		    prefix ? prefix : "/", revision);
		goto out;
	}
	if (ag_manifest_set_check(set, diags) < 0)
		w.bad = 1;
	rc = w.bad ? AG_EINVAL : 0;
	if (w.bad)
		ag_error_set(err, AG_EINVAL, "manifests at %s have errors", revision);
out:
	ag_buf_release(&w.buf);
	free(prefix);
	git_tree_entry_free(te);
	git_tree_free(sub);
	git_tree_free(root);
	git_commit_free(c);
	return rc;
}

static int
src_load(struct ag_source *base, struct ag_manifest_set *set, struct ag_diags *diags,
    struct ag_error *err)
{
	struct git_source *s = (struct git_source *)base;

	return load_commit(
	    set, diags, s->repo, s->oid, s->revision, s->subdir, s->cache, s->context, err);
}

static const char *
src_revision(const struct ag_source *base)
{
	return ((const struct git_source *)base)->revision;
}

static void
src_free(struct ag_source *base)
{
	struct git_source *s = (struct git_source *)base;

	free(s->subdir);
	free(s->revision);
	free(s->context);
	free(s);
}

static const struct ag_source_ops git_source_ops = {src_load, src_revision, src_free};

int
ag_git_source_new(struct ag_source **out, struct ag_git_repo *repo, const char *rev,
    const char *label, const char *subdir, struct ag_error *err)
{
	struct git_source *s;
	char oid[AG_GIT_OID_HEX];
	int rc;

	*out = NULL;
	if ((rc = ag_git_resolve(oid, repo, rev, err)) < 0)
		return rc;
	s = ag_xcalloc(1, sizeof(*s));
	s->base.ops = &git_source_ops;
	s->repo = repo;
	memcpy(s->oid, oid, sizeof(oid));
	s->subdir = ag_xstrdup(subdir);
	s->revision = ag_xasprintf("%s@%.7s", label ? label : rev, oid);
	*out = &s->base;
	return 0;
}

void
ag_git_source_set_cache(struct ag_source *src, struct ag_mcache *cache, const char *context)
{
	struct git_source *s = (struct git_source *)src;

	s->cache = cache;
	free(s->context);
	s->context = ag_xasprintf("%s; %s", AG_MANIFEST_LOADER_ID, context ? context : "");
}

const char *
ag_git_source_commit(const struct ag_source *src)
{
	return ((const struct git_source *)src)->oid;
}

int
ag_git_load_at(struct ag_manifest_set *set, struct ag_diags *diags, struct ag_git_repo *repo,
    const char *rev, const char *subdir, struct ag_error *err)
{
	struct ag_source *src = NULL;
	int rc;

	if ((rc = ag_git_source_new(&src, repo, rev, rev, subdir, err)) < 0)
		return rc;
	rc = ag_source_load(src, set, diags, err);
	ag_source_free(src);
	return rc;
}

int
ag_git_source_read_file(
    struct ag_buf *out, const struct ag_source *src, const char *path, struct ag_error *err)
{
	const struct git_source *s = (const struct git_source *)src;
	git_commit *c = NULL;
	git_tree *root = NULL;
	git_tree_entry *te = NULL;
	git_blob *blob = NULL;
	git_oid id;
	int rc;

	if ((rc = ag_git_oid_parse(&id, s->oid, err)) < 0)
		goto out;
	if ((rc = git_commit_lookup(&c, s->repo->repo, &id)) < 0 ||
	    (rc = git_commit_tree(&root, c)) < 0) {
		rc = ag_git_fail(err, rc, "cannot read the tree of %s", s->revision);
		goto out;
	}
	rc = git_tree_entry_bypath(&te, root, path);
	if (rc == GIT_ENOTFOUND) {
		rc = ag_error_set(err, AG_ENOTFOUND, "'%s' not found at %s", path, s->revision);
		goto out;
	}
	if (rc < 0) {
		rc = ag_git_fail(err, rc, "cannot read '%s' at %s", path, s->revision);
		goto out;
	}
	if (git_tree_entry_filemode(te) != GIT_FILEMODE_BLOB &&
	    git_tree_entry_filemode(te) != GIT_FILEMODE_BLOB_EXECUTABLE) {
		rc = ag_error_set(err, AG_EINVAL, "%s:%s is not a regular file", s->revision, path);
		goto out;
	}
	if ((rc = git_blob_lookup(&blob, s->repo->repo, git_tree_entry_id(te))) < 0) {
		rc = ag_git_fail(err, rc, "cannot read '%s' at %s", path, s->revision);
		goto out;
	}
	if (ag_buf_add(out, git_blob_rawcontent(blob), (size_t)git_blob_rawsize(blob)) < 0) {
		rc = ag_error_set(
		    err, AG_ETOOBIG, "%s:%s is larger than %zu bytes", s->revision, path, out->max);
		goto out;
	}
	rc = 0;
out:
	git_blob_free(blob);
	git_tree_entry_free(te);
	git_tree_free(root);
	git_commit_free(c);
	return rc;
}
