#include "git/changes.h"
#include "git/internal.h"
#include "core/buf.h"
#include "core/diag.h"
#include "core/manifest.h"
#include "core/mem.h"
#include "core/runconf.h"

#include <stdlib.h>
#include <string.h>

#include "core/compat.h"

void
ag_git_changes_init(struct ag_git_changes *c)
{
	memset(c, 0, sizeof(*c));
	ag_strlist_init(&c->clusters);
	ag_strlist_init(&c->network);
}

void
ag_git_changes_release(struct ag_git_changes *c)
{
	if (c == NULL)
		return;
	ag_strlist_release(&c->clusters);
	ag_strlist_release(&c->network);
	free(c->full_reason);
	memset(c, 0, sizeof(*c));
}

static bool
has_suffix(const char *s, const char *suf)
{
	size_t n = strlen(s), m = strlen(suf);

	return n >= m && strcmp(s + n - m, suf) == 0;
}

/* The repository settings file (aurora-gitops.yaml or .yml at the root),
 * read by the agent for every cluster. */
static bool
is_settings(const char *path)
{
	return ag_runconf_is_repo_file(path);
}

static void
add_list(struct ag_buf *b, const char *name, const struct ag_strlist *l)
{
	size_t i;

	ag_buf_addf(b, "%s:", name);
	for (i = 0; i < l->n; i++)
		ag_buf_addf(b, "%s,", l->v[i]);
	ag_buf_addc(b, ';');
}

/* What of a manifest its network reads depend on, as one string. */
static char *
network_key(const struct ag_manifest *m)
{
	const struct ag_cluster_spec *s = &m->spec;
	struct ag_buf b = AG_BUF_INIT(AG_MANIFEST_MAX_BYTES);
	char *out;

	add_list(&b, "subnets", &s->subnet_ids);
	add_list(&b, "sgs", &s->security_group_ids);
	add_list(&b, "cidrs", &s->allowed_cidr_blocks);
	add_list(&b, "assoc", &s->associate_security_group_ids);
	ag_buf_addf(&b, "group:%s;vpc:%s;port:%d;engine:%s;",
	    s->db_subnet_group_name ? s->db_subnet_group_name : "", s->vpc_id ? s->vpc_id : "",
	    s->port, s->engine ? s->engine : "");
	out = ag_xstrdup(b.ptr ? b.ptr : "");
	ag_buf_release(&b);
	return out;
}

static void
need_full(struct ag_git_changes *out, char *why)
{
	if (out->full_reason == NULL)
		out->full_reason = why;
	else
		free(why);
}

/*
 * The clusters one side of a changed file declares. A side the git source
 * would not read (absent, a symbolic link, a submodule) declares none.
 */
static int
side_clusters(struct ag_git_changes *out, struct ag_kvlist *net, git_repository *repo,
    const git_diff_file *f, const char *label, struct ag_error *err)
{
	struct ag_manifest_set set;
	struct ag_diags diags;
	struct ag_buf buf = AG_BUF_INIT(AG_MANIFEST_MAX_BYTES);
	git_blob *blob = NULL;
	char *file;
	size_t i;
	int rc;

	if (f->mode != GIT_FILEMODE_BLOB && f->mode != GIT_FILEMODE_BLOB_EXECUTABLE)
		return 0;
	file = ag_xasprintf("%s:%s", label, f->path);
	ag_manifest_set_init(&set);
	ag_diags_init(&diags);
	if ((rc = git_blob_lookup(&blob, repo, &f->id)) < 0) {
		rc = ag_git_fail(err, rc, "cannot read '%s'", file);
		goto out;
	}
	if (git_blob_rawsize(blob) > AG_MANIFEST_MAX_BYTES ||
	    ag_buf_add(&buf, git_blob_rawcontent(blob), (size_t)git_blob_rawsize(blob)) < 0 ||
	    ag_manifest_parse(&set, &diags, buf.ptr, buf.len, file) < 0) {
		need_full(out, ag_xasprintf("'%s' does not parse on its own, so the clusters it "
		                            "declares are not known",
		                   file));
		rc = 0;
		goto out;
	}
	for (i = 0; i < set.n; i++) {
		char *key;

		if (set.v[i].cluster_id == NULL)
			continue;
		if (!ag_strlist_contains(&out->clusters, set.v[i].cluster_id))
			ag_strlist_add(&out->clusters, set.v[i].cluster_id);
		key = network_key(&set.v[i]);
		ag_kvlist_set(net, set.v[i].cluster_id, key);
		free(key);
	}
	rc = 0;
out:
	git_blob_free(blob);
	ag_buf_release(&buf);
	ag_diags_release(&diags);
	ag_manifest_set_release(&set);
	free(file);
	return rc;
}

static int
commit_tree(git_tree **out, git_repository *repo, const char *hex, struct ag_error *err)
{
	git_commit *c = NULL;
	git_oid id;
	int rc;

	*out = NULL;
	if ((rc = ag_git_oid_parse(&id, hex, err)) < 0)
		return rc;
	if ((rc = git_commit_lookup(&c, repo, &id)) < 0)
		return ag_git_fail(err, rc, "cannot read commit %.7s", hex);
	rc = git_commit_tree(out, c);
	git_commit_free(c);
	if (rc < 0)
		return ag_git_fail(err, rc, "cannot read the tree of commit %.7s", hex);
	return 0;
}

int
ag_git_changed_clusters(struct ag_git_changes *out, struct ag_git_repo *r, const char *base,
    const char *head, const char *subdir, struct ag_error *err)
{
	git_diff_options opts = GIT_DIFF_OPTIONS_INIT;
	git_tree *old = NULL, *new = NULL;
	git_diff *diff = NULL;
	struct ag_kvlist net[2] = {AG_KVLIST_INIT, AG_KVLIST_INIT}; /* id -> network_key */
	char *prefix = NULL, olabel[16], nlabel[16];
	size_t i, n, plen = 0;
	int rc;

	if ((rc = commit_tree(&old, r->repo, base, err)) < 0)
		goto out;
	if ((rc = commit_tree(&new, r->repo, head, err)) < 0)
		goto out;
	if (subdir && subdir[0] && strcmp(subdir, ".") != 0) {
		plen = strlen(subdir);
		while (plen > 0 && subdir[plen - 1] == '/')
			plen--;
		prefix = ag_xasprintf("%.*s/", (int)plen, subdir);
		plen++;
	}
	/* type changes (a file becoming a link) as one delta with both sides */
	opts.flags = GIT_DIFF_INCLUDE_TYPECHANGE;
	if ((rc = git_diff_tree_to_tree(&diff, r->repo, old, new, &opts)) < 0) {
		rc = ag_git_fail(err, rc, "cannot compare commits %.7s and %.7s", base, head);
		goto out;
	}
	snprintf(olabel, sizeof(olabel), "%.7s", base);
	snprintf(nlabel, sizeof(nlabel), "%.7s", head);
	n = git_diff_num_deltas(diff);
	for (i = 0; i < n; i++) {
		const git_diff_delta *d = git_diff_get_delta(diff, i);
		const git_diff_file *sides[2] = {&d->old_file, &d->new_file};
		const char *labels[2] = {olabel, nlabel};
		bool counted = false;
		size_t s;

		for (s = 0; s < 2; s++) {
			const char *path = sides[s]->path;

			if (sides[s]->mode == 0 || path == NULL)
				continue; /* added (no old side) or removed (no new side) */
			if (is_settings(path)) {
				need_full(
				    out, ag_xasprintf("the settings file '%s' changed", path));
				continue;
			}
			if (prefix && strncmp(path, prefix, plen) != 0)
				continue;
			if (!has_suffix(path, ".yaml") && !has_suffix(path, ".yml"))
				continue;
			if (!counted) {
				out->files++;
				counted = true;
			}
			if ((rc = side_clusters(out, &net[s], r->repo, sides[s], labels[s], err)) <
			    0)
				goto out;
		}
	}
	for (i = 0; i < out->clusters.n; i++) {
		const char *id = out->clusters.v[i];
		const char *was = ag_kvlist_get(&net[0], id), *is = ag_kvlist_get(&net[1], id);

		if (was == NULL || is == NULL || strcmp(was, is) != 0)
			ag_strlist_add(&out->network, id);
	}
	rc = 0;
out:
	ag_kvlist_release(&net[0]);
	ag_kvlist_release(&net[1]);
	git_diff_free(diff);
	git_tree_free(old);
	git_tree_free(new);
	free(prefix);
	return rc;
}
