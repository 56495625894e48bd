#include "core/status.h"

#include <stdlib.h>
#include <string.h>

#include "core/mem.h"

#include "core/compat.h"

const double ag_status_buckets[AG_STATUS_N_BUCKETS] = {
    0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 120};

static const char *const state_names[AG_CLUSTER_N_STATES] = {
    "unknown", "in sync", "drifted", "applying", "blocked", "error"};
static const char *const state_slugs[AG_CLUSTER_N_STATES] = {
    "unknown", "in_sync", "drifted", "applying", "blocked", "error"};

const char *
ag_cluster_state_name(enum ag_cluster_state st)
{
	return (unsigned)st < AG_CLUSTER_N_STATES ? state_names[st] : "unknown";
}

const char *
ag_cluster_state_slug(enum ag_cluster_state st)
{
	return (unsigned)st < AG_CLUSTER_N_STATES ? state_slugs[st] : "unknown";
}

void
ag_status_init(struct ag_status *s)
{
	memset(s, 0, sizeof(*s));
}

static void
cluster_release(struct ag_status_cluster *c)
{
	free(c->id);
	free(c->commit);
	free(c->last_change);
	free(c->error);
}

void
ag_status_release(struct ag_status *s)
{
	size_t i;

	for (i = 0; i < s->n_clusters; i++)
		cluster_release(&s->clusters[i]);
	free(s->clusters);
	for (i = 0; i < s->n_aws; i++) {
		free(s->aws[i].a);
		free(s->aws[i].b);
	}
	free(s->aws);
	free(s->version);
	free(s->source);
	free(s->revision);
	free(s->shard);
	free(s->last_error);
	memset(s, 0, sizeof(*s));
}

void
ag_status_set_str(char **field, const char *val)
{
	char *copy = ag_xstrdup(val);

	free(*field);
	*field = copy;
}

struct ag_status_cluster *
ag_status_cluster(struct ag_status *s, const char *id)
{
	size_t lo = 0, hi = s->n_clusters, mid;
	int c;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		c = strcmp(s->clusters[mid].id, id);
		if (c == 0)
			return &s->clusters[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	AG_GROW(s->clusters, s->cap_clusters, s->n_clusters + 1);
	memmove(
	    &s->clusters[lo + 1], &s->clusters[lo], (s->n_clusters - lo) * sizeof(s->clusters[0]));
	memset(&s->clusters[lo], 0, sizeof(s->clusters[0]));
	s->clusters[lo].id = ag_xstrdup(id);
	s->n_clusters++;
	return &s->clusters[lo];
}

static int
cmp_id(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

void
ag_status_keep_only(struct ag_status *s, const char *const *ids, size_t n)
{
	/* a sorted copy of ids: a fleet's status is kept in O(N log N) */
	const char **keep = ag_xcalloc(n + 1, sizeof(*keep));
	size_t i, m = 0, out = 0;

	for (i = 0; i < n; i++)
		if (ids[i] != NULL)
			keep[m++] = ids[i];
	qsort(keep, m, sizeof(*keep), cmp_id);
	for (i = 0; i < s->n_clusters; i++) {
		const char *id = s->clusters[i].id;

		if (bsearch(&id, keep, m, sizeof(*keep), cmp_id) != NULL)
			s->clusters[out++] = s->clusters[i];
		else
			cluster_release(&s->clusters[i]);
	}
	s->n_clusters = out;
	free(keep);
}

void
ag_status_observe_reconcile(struct ag_status *s, double seconds)
{
	size_t i;

	if (!(seconds >= 0)) /* NaN or negative: a clock step, not a duration */
		seconds = 0;
	for (i = 0; i < AG_STATUS_N_BUCKETS; i++)
		if (seconds <= ag_status_buckets[i])
			break;
	s->hist[i]++;
	s->hist_sum += seconds;
	s->hist_count++;
}

void
ag_status_count_aws(struct ag_status *s, const char *operation, const char *status, uint64_t n)
{
	size_t i;

	for (i = 0; i < s->n_aws; i++)
		if (strcmp(s->aws[i].a, operation) == 0 && strcmp(s->aws[i].b, status) == 0) {
			s->aws[i].n += n;
			return;
		}
	AG_GROW(s->aws, s->cap_aws, s->n_aws + 1);
	s->aws[s->n_aws].a = ag_xstrdup(operation);
	s->aws[s->n_aws].b = ag_xstrdup(status);
	s->aws[s->n_aws].n = n;
	s->n_aws++;
}
