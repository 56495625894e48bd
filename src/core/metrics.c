/*
 * /metrics: the Prometheus text exposition format (version 0.0.4). Every
 * family gets HELP and TYPE lines and all its samples together; counters
 * end in _total; histogram buckets are cumulative and end with +Inf.
 */
#include "core/status.h"

#include <string.h>

#include "core/error.h"

#include "core/compat.h"

#define P "aurora_gitops_"

int
ag_prom_escape(struct ag_buf *out, const char *s)
{
	int rc = 0;

	for (; s != NULL && *s && rc == 0; s++) {
		if (*s == '\\')
			rc = ag_buf_adds(out, "\\\\");
		else if (*s == '"')
			rc = ag_buf_adds(out, "\\\"");
		else if (*s == '\n')
			rc = ag_buf_adds(out, "\\n");
		else
			rc = ag_buf_addc(out, *s);
	}
	return rc;
}

static int
family(struct ag_buf *out, const char *name, const char *type, const char *help)
{
	return ag_buf_addf(out, "# HELP " P "%s %s\n# TYPE " P "%s %s\n", name, help, name, type);
}

static int
sample_u(struct ag_buf *out, const char *name, uint64_t v)
{
	return ag_buf_addf(out, P "%s %llu\n", name, (unsigned long long)v);
}

static int
timestamp(struct ag_buf *out, const char *name, int64_t ms)
{
	return ag_buf_addf(
	    out, P "%s %lld.%03lld\n", name, (long long)(ms / 1000), (long long)(ms % 1000));
}

static int
render_clusters(struct ag_buf *out, const struct ag_status *s)
{
	size_t i;
	int st, rc;

	rc = family(out, "cluster_drift", "gauge",
	    "Fields whose live value differs from the manifest, per cluster (0 = in sync).");
	for (i = 0; rc == 0 && i < s->n_clusters; i++) {
		rc = ag_buf_adds(out, P "cluster_drift{cluster=\"");
		rc = rc ? rc : ag_prom_escape(out, s->clusters[i].id);
		rc = rc ? rc : ag_buf_addf(out, "\"} %ld\n", s->clusters[i].drift);
	}
	rc = rc ? rc
	        : family(out, "cluster_state", "gauge",
	              "1 for the state each cluster is in, 0 for the others.");
	for (i = 0; rc == 0 && i < s->n_clusters; i++)
		for (st = 0; rc == 0 && st < AG_CLUSTER_N_STATES; st++) {
			rc = ag_buf_adds(out, P "cluster_state{cluster=\"");
			rc = rc ? rc : ag_prom_escape(out, s->clusters[i].id);
			rc = rc ? rc
			        : ag_buf_addf(out, "\",state=\"%s\"} %d\n",
			              ag_cluster_state_slug((enum ag_cluster_state)st),
			              (int)s->clusters[i].state == st);
		}
	return rc;
}

static int
render_histogram(struct ag_buf *out, const struct ag_status *s)
{
	uint64_t cum = 0;
	size_t i;
	int rc;

	rc = family(out, "reconcile_duration_seconds", "histogram",
	    "Time one reconcile cycle took, from trigger to saved result.");
	for (i = 0; rc == 0 && i < AG_STATUS_N_BUCKETS; i++) {
		cum += s->hist[i];
		rc = ag_buf_addf(out, P "reconcile_duration_seconds_bucket{le=\"%g\"} %llu\n",
		    ag_status_buckets[i], (unsigned long long)cum);
	}
	cum += s->hist[AG_STATUS_N_BUCKETS];
	rc = rc ? rc
	        : ag_buf_addf(out, P "reconcile_duration_seconds_bucket{le=\"+Inf\"} %llu\n",
	              (unsigned long long)cum);
	rc = rc ? rc : ag_buf_addf(out, P "reconcile_duration_seconds_sum %.6f\n", s->hist_sum);
	rc = rc ? rc : sample_u(out, "reconcile_duration_seconds_count", s->hist_count);
	return rc;
}

static int
render_aws(struct ag_buf *out, const struct ag_status *s)
{
	size_t i;
	int rc;

	rc = family(out, "aws_requests_total", "counter",
	    "AWS API requests (every attempt), by operation and outcome.");
	for (i = 0; rc == 0 && i < s->n_aws; i++) {
		rc = ag_buf_adds(out, P "aws_requests_total{operation=\"");
		rc = rc ? rc : ag_prom_escape(out, s->aws[i].a);
		rc = rc ? rc : ag_buf_adds(out, "\",status=\"");
		rc = rc ? rc : ag_prom_escape(out, s->aws[i].b);
		rc = rc ? rc : ag_buf_addf(out, "\"} %llu\n", (unsigned long long)s->aws[i].n);
	}
	return rc;
}

int
ag_status_render_metrics(struct ag_buf *out, const struct ag_status *s)
{
	int rc;

	rc = family(out, "build_info", "gauge", "Always 1; the version in a label.");
	rc = rc ? rc : ag_buf_adds(out, P "build_info{version=\"");
	rc = rc ? rc : ag_prom_escape(out, s->version ? s->version : "");
	rc = rc ? rc : ag_buf_addf(out, "\",shard=\"");
	rc = rc ? rc : ag_prom_escape(out, s->shard ? s->shard : "");
	rc = rc ? rc : ag_buf_adds(out, "\"} 1\n");
	rc = rc ? rc : family(out, "ready", "gauge", "1 once the first reconcile cycle finished.");
	rc = rc ? rc : sample_u(out, "ready", s->ready ? 1 : 0);
	rc = rc ? rc
	        : family(out, "start_time_seconds", "gauge",
	              "When the agent started, seconds since the epoch.");
	rc = rc ? rc : timestamp(out, "start_time_seconds", s->started_ms);
	rc = rc ? rc
	        : family(out, "last_successful_sync_timestamp_seconds", "gauge",
	              "When the last cycle without error finished (0 = never).");
	rc = rc ? rc : timestamp(out, "last_successful_sync_timestamp_seconds", s->last_sync_ms);
	rc = rc ? rc : render_histogram(out, s);
	rc = rc ? rc : render_clusters(out, s);
	rc = rc ? rc : render_aws(out, s);
	rc =
	    rc ? rc
	       : family(out, "git_fetches_total", "counter", "Fetches from the remote, by result.");
	rc = rc ? rc
	        : ag_buf_addf(out,
	              P "git_fetches_total{result=\"ok\"} %llu\n" P
	                "git_fetches_total{result=\"error\"} %llu\n",
	              (unsigned long long)s->git_fetches_ok,
	              (unsigned long long)s->git_fetches_failed);
	rc = rc ? rc
	        : family(out, "notes_pushed_total", "counter",
	              "Reconcile notes pushed to the remote.");
	rc = rc ? rc : sample_u(out, "notes_pushed_total", s->notes_pushed);
	rc = rc ? rc
	        : family(out, "notes_push_retries_total", "counter",
	              "Notes pushes retried after another writer moved the notes ref.");
	rc = rc ? rc : sample_u(out, "notes_push_retries_total", s->notes_retried);
	rc = rc ? rc
	        : family(out, "webhooks_total", "counter",
	              "Webhook deliveries, by result (rejected = bad signature or token).");
	rc = rc ? rc
	        : ag_buf_addf(out,
	              P "webhooks_total{result=\"accepted\"} %llu\n" P
	                "webhooks_total{result=\"rejected\"} %llu\n",
	              (unsigned long long)s->webhooks_accepted,
	              (unsigned long long)s->webhooks_rejected);
	return rc;
}
