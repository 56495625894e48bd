#ifndef AG_CORE_PRCLASS_H
#define AG_CORE_PRCLASS_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "core/buf.h"
#include "core/error.h"
#include "core/kv.h"
#include "core/manifest.h"
#include "core/plan.h"

/*
 * Pull-request change classification (pure). A pull request is planned
 * twice against the same live snapshot: once with the manifests of its
 * base revision, once with those of its head. Every cluster then falls in
 * exactly one group:
 *
 *   this change   the cluster's manifest differs between base and head
 *                 (added, removed, renamed or edited): the pull request
 *                 is why it changes;
 *   drift         the manifest is the same at base and head but the head
 *                 plan still changes the cluster: someone changed it out
 *                 of band, and merging any pull request would revert it;
 *   untouched     same manifest, nothing to do.
 *
 * Removed manifests orphan their cluster (it is never deleted). A changed
 * identifier is a rename, which RDS cannot do in place here: it would
 * create a new empty cluster and orphan the old one, so it is blocked.
 */

enum ag_pr_group {
	AG_PR_THIS_CHANGE = 0,
	AG_PR_DRIFT,
	AG_PR_UNTOUCHED,
};

enum ag_pr_edit {
	AG_PR_EDIT_NONE = 0, /* same manifest at base and head */
	AG_PR_EDIT_ADDED,
	AG_PR_EDIT_REMOVED,
	AG_PR_EDIT_MODIFIED,
	AG_PR_EDIT_RENAMED, /* identifier changed: blocked */
};

/* "this-change", "drift", "untouched". */
const char *ag_pr_group_name(enum ag_pr_group g);
/* "none", "added", "removed", "modified", "renamed". */
const char *ag_pr_edit_name(enum ag_pr_edit e);

/* The outcome a commit status reports. */
enum ag_pr_verdict {
	AG_PR_SUCCESS = 0, /* nothing would change */
	AG_PR_CHANGES,     /* something would change, nothing of this change is blocked */
	AG_PR_BLOCKED,     /* this change contains a blocked change or a rename */
	AG_PR_ERROR,       /* a cluster could not be planned */
};

/* "success", "changes", "blocked", "error". */
const char *ag_pr_verdict_name(enum ag_pr_verdict v);

struct ag_pr_cluster {
	char *id;
	enum ag_pr_group group;
	enum ag_pr_edit edit;
	char *renamed_from; /* AG_PR_EDIT_RENAMED: the identifier at base */
	/* Borrowed from the input plans; head is NULL when the head plan has no
	 * entry (a removed manifest whose cluster never existed). */
	const struct ag_cluster_plan *head;
	const struct ag_cluster_plan *base;
	const struct ag_cluster_plan *old_head; /* renamed: the head plan of the old id */
	bool blocked;                           /* blocked at head, or renamed */
	char *reason;                           /* why this change is blocked; may be NULL */
	struct ag_strlist lowering;             /* protection-lowering changes, "spec.x: a → b" */
	char *path;        /* manifest path in the repository (head, else base) */
	unsigned line;     /* 1-based line of the document; 0 = unknown */
	bool *preexisting; /* parallel to head->changes: the base plan has it too */
};

struct ag_pr_summary {
	size_t this_change;
	size_t drift;
	size_t untouched;
	size_t added;
	size_t removed;
	size_t modified;
	size_t renamed;
	size_t blocked;  /* clusters of this change that are blocked */
	size_t lowering; /* clusters that lower a protection (any group) */
	size_t errors;
	size_t changed; /* clusters the head plan would change */
};

struct ag_pr_report {
	struct ag_pr_cluster *v; /* this change, then drift, then untouched; blocked and
	                          * protection-lowering first in each group, then by id */
	size_t n;
	size_t cap;
	struct ag_pr_summary summary;
	enum ag_pr_verdict verdict;
	char *base_rev;    /* for people: "main", "origin/main@3f2a1c9" */
	char *head_rev;    /* for people */
	char *head_commit; /* full hex id of the head commit; may be NULL */
	char head_digest[65];
};

struct ag_pr_input {
	const struct ag_plan *base_plan;
	const struct ag_plan *head_plan;
	const struct ag_manifest_set *base;
	const struct ag_manifest_set *head;
	const char *base_rev;
	const char *head_rev;
	const char *head_commit;
};

void ag_pr_report_init(struct ag_pr_report *r);
void ag_pr_report_release(struct ag_pr_report *r);

/*
 * Classifies every cluster of the head plan plus every manifest removed
 * since base. The report borrows the plans: keep them alive while using
 * it. Returns 0, or AG_EINVAL when an input is missing.
 */
int ag_pr_classify(struct ag_pr_report *out, const struct ag_pr_input *in, struct ag_error *err);

/*
 * SHA-256 hex of everything in a manifest that can change what is planned
 * (spec, labels, annotations, tags, mode, deletion, suspension), leaving out
 * where it is written (file, line) and its identifier. Two manifests with
 * the same fingerprint plan the same.
 */
void ag_manifest_fingerprint(char out[65], const struct ag_manifest *m);

/* The path a manifest's file name stands for in the repository: a source
 * may name files "REV:path" (git) — the part after the first ':' that
 * follows an '@', or the name itself. Borrowed from file. */
const char *ag_pr_repo_path(const char *file);

/* The JSON artifact (schema in docs/pull-requests.md). New reference. */
json_t *ag_pr_report_json(const struct ag_pr_report *r);

/* GitHub caps a comment body at 65,536 characters; GitLab's notes allow
 * more. The Markdown stays under this many bytes (bytes >= characters). */
#define AG_PR_COMMENT_MAX 65536

struct ag_pr_markdown_opts {
	const char *context;  /* names the sticky comment; NULL = "default" */
	const char *blob_url; /* "https://github.com/o/r/blob/<sha>": links to manifest
	                       * lines as <blob_url>/<path>#L<line>; NULL = no links */
	const char *artifact; /* where the JSON report is (name or URL); may be NULL */
	size_t max;           /* 0 = AG_PR_COMMENT_MAX */
};

/* The hidden marker that finds the sticky comment again:
 * "<!-- aurora-gitops:pr-report:CONTEXT -->" (malloc'd). The context is
 * reduced to [A-Za-z0-9._/-]. */
char *ag_pr_marker(const char *context);

/*
 * Markdown for a pull-request comment: marker, a summary table, one section
 * per cluster that changes (blocked and protection-lowering first), the
 * drift collapsed, API details in <details>. Every value that comes from a
 * manifest or from AWS is escaped. Stays under opts->max bytes; when
 * clusters had to be left out, a truncation note says how many and points
 * at the JSON artifact. Returns 0 or AG_ETOOBIG.
 */
int ag_pr_markdown(
    struct ag_buf *out, const struct ag_pr_report *r, const struct ag_pr_markdown_opts *opts);

#endif
