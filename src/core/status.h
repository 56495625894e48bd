#ifndef AG_CORE_STATUS_H
#define AG_CORE_STATUS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"

/*
 * What the running agent knows about itself and its clusters: the one
 * structure the daemon updates and the HTTP listener renders, as
 * Prometheus text (/metrics) or as the HTML status page (/). Rendering is
 * pure: the caller passes the time, and holds whatever lock protects the
 * structure while it renders.
 */

enum ag_cluster_state {
	AG_CLUSTER_UNKNOWN = 0, /* not reconciled yet */
	AG_CLUSTER_IN_SYNC,
	AG_CLUSTER_DRIFTED,  /* live differs and this agent does not apply */
	AG_CLUSTER_APPLYING, /* actions sent, AWS still working */
	AG_CLUSTER_BLOCKED,  /* a change needs replacement or policy refuses it */
	AG_CLUSTER_ERROR,
	AG_CLUSTER_N_STATES
};

/* "in sync", "drifted", ... for people. */
const char *ag_cluster_state_name(enum ag_cluster_state st);
/* "in_sync", "drifted", ... for label values and CSS classes. */
const char *ag_cluster_state_slug(enum ag_cluster_state st);

struct ag_status_cluster {
	char *id;
	enum ag_cluster_state state;
	long drift;             /* differing fields (0 when in sync) */
	char *commit;           /* revision last reconciled at, or NULL */
	int64_t reconciled_ms;  /* wall clock of that reconcile, 0 = never */
	char *last_change;      /* one line: what last changed, or NULL */
	int64_t last_change_ms; /* 0 = never */
	char *error;            /* last error (never a secret), or NULL */
};

/* One counter with two label values (operation + status). */
struct ag_status_count {
	char *a;
	char *b;
	uint64_t n;
};

/* Upper bounds of the reconcile duration histogram, seconds. */
#define AG_STATUS_N_BUCKETS 12
extern const double ag_status_buckets[AG_STATUS_N_BUCKETS];

struct ag_status {
	char *version;
	char *source;   /* repository or directory, without credentials */
	char *revision; /* "main@3f2a1c9", or NULL before the first load */
	char *shard;    /* "1/3", or NULL when not sharded */
	bool ready;     /* the first cycle finished */
	int64_t started_ms;
	int64_t last_sync_ms;    /* last cycle that finished without error, 0 = never */
	int64_t last_attempt_ms; /* last cycle, 0 = never */
	char *last_error;        /* the last cycle's error, NULL when it succeeded */

	struct ag_status_cluster *clusters; /* sorted by id */
	size_t n_clusters, cap_clusters;

	uint64_t hist[AG_STATUS_N_BUCKETS + 1]; /* per bucket, not cumulative; last = +Inf */
	double hist_sum;
	uint64_t hist_count;

	struct ag_status_count *aws; /* (operation, status) -> requests */
	size_t n_aws, cap_aws;

	uint64_t git_fetches_ok, git_fetches_failed;
	uint64_t notes_pushed, notes_retried;
	uint64_t webhooks_accepted, webhooks_rejected;
};

void ag_status_init(struct ag_status *s);
void ag_status_release(struct ag_status *s);

/* Replaces a string field (copies val; NULL clears). */
void ag_status_set_str(char **field, const char *val);

/* The entry for id, added (state unknown) when missing. Pointers into the
 * array are valid until the next add or remove. */
struct ag_status_cluster *ag_status_cluster(struct ag_status *s, const char *id);
/* Drops entries whose id is not in ids (clusters removed from the source
 * or moved to another shard). */
void ag_status_keep_only(struct ag_status *s, const char *const *ids, size_t n);

/* Records one reconcile cycle's duration. */
void ag_status_observe_reconcile(struct ag_status *s, double seconds);
/* Adds n to the AWS request counter for (operation, status). */
void ag_status_count_aws(
    struct ag_status *s, const char *operation, const char *status, uint64_t n);

/*
 * Prometheus text exposition format 0.0.4: HELP and TYPE for every family,
 * label values escaped, cumulative histogram buckets ending in +Inf.
 * Returns 0 or AG_ETOOBIG when out's bound is reached.
 */
int ag_status_render_metrics(struct ag_buf *out, const struct ag_status *s);

/*
 * The status page: one self-contained HTML document (inline CSS, no
 * script) that refreshes itself every refresh_s seconds (0: never). Every
 * string from outside is HTML-escaped. now_ms makes "12 s ago" texts.
 */
int ag_status_render_html(
    struct ag_buf *out, const struct ag_status *s, int64_t now_ms, int refresh_s);

/* Appends s with & < > " ' escaped for HTML text and attribute values. */
int ag_html_escape(struct ag_buf *out, const char *s);
/* Appends s with \ " and newline escaped for a Prometheus label value. */
int ag_prom_escape(struct ag_buf *out, const char *s);

#endif
