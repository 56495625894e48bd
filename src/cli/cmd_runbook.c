/*
 * The runbook commands: answers to "what is this cluster doing?" without
 * the aws CLI.
 *
 *   show CLUSTER       status, endpoints, members (role, AZ, class,
 *                      status), security-group ingress, backups and the
 *                      latest snapshots, pending maintenance, recent events,
 *                      key CloudWatch metrics
 *   snapshots CLUSTER  every snapshot of the cluster, newest first
 *   snapshot CLUSTER   a manual snapshot carrying the cluster's tags
 *   events CLUSTER     the cluster's RDS events (--since, default 24 h)
 *
 * Text for people, --format json for scripts. Every read is a complete AWS
 * reply or an error: a member, security group or metric the reply leaves
 * out is reported as missing, never shown as "none".
 */
#include "agent/env.h"
#include "aws/ec2.h"
#include "aws/metrics.h"
#include "aws/query.h"
#include "aws/rds.h"
#include "cli/cli.h"
#include "cli/opts.h"
#include "core/buf.h"
#include "core/mem.h"
#include "core/window.h"

#include <ctype.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/compat.h"

#define SNAPSHOTS_IN_SHOW 3
#define EVENTS_IN_SHOW 10

/* What every runbook command starts from: options, the cluster id (lower
 * case, as RDS stores it) and an AWS client. */
struct rb {
	struct ag_cli_opts o;
	struct ag_aws_client *aws;
	char *id;
	bool json;
};

static int
rb_open(struct rb *r, int argc, char **argv)
{
	struct ag_error err = AG_ERROR_INIT;
	char *p;
	int rc;

	memset(r, 0, sizeof(*r));
	if ((rc = ag_cli_opts_parse(&r->o, argc, argv)) != 0)
		return rc;
	if (r->o.args.n != 1)
		return ag_cli_usage(argv[0], "name one cluster (got %zu)", r->o.args.n);
	r->id = ag_xstrdup(r->o.args.v[0]);
	for (p = r->id; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	r->json = strcmp(r->o.format, "json") == 0;
	if (ag_env_aws_client(&r->aws, &err) < 0)
		return ag_cli_fail(&err);
	return 0;
}

static void
rb_close(struct rb *r)
{
	ag_aws_client_free(r->aws);
	free(r->id);
	ag_cli_opts_release(&r->o);
}

/* The cluster, described: exactly that one, or an error. */
static int
read_cluster(
    struct rb *r, struct ag_observed *obs, const struct ag_db_cluster **out, struct ag_error *err)
{
	int rc = ag_rds_describe_db_clusters(r->aws, r->id, NULL, obs, err);

	*out = NULL;
	if (rc == AG_ENOTFOUND)
		ag_error_prefix(err, "no cluster '%s'", r->id);
	if (rc < 0)
		return rc;
	if (obs->n_clusters != 1 || obs->clusters[0].id == NULL ||
	    strcmp(obs->clusters[0].id, r->id) != 0)
		return ag_error_set(err, AG_EAWS,
		    "DescribeDBClusters for '%s' answered with %zu clusters, not that one", r->id,
		    obs->n_clusters);
	*out = &obs->clusters[0];
	return 0;
}

static json_t *
jstr(const char *s)
{
	return s ? json_string(s) : json_null();
}

static void
print_json(json_t *j)
{
	char *s = json_dumps(j, JSON_INDENT(2) | JSON_SORT_KEYS);

	if (s != NULL)
		printf("%s\n", s);
	free(s);
}

static const char *
or_dash(const char *s)
{
	return s && *s ? s : "-";
}

/* ---- snapshots --------------------------------------------------------- */

static int
cmp_snap_newest(const void *a, const void *b)
{
	const struct ag_rds_cluster_snapshot *x = a, *y = b;

	return strcmp(y->create_time ? y->create_time : "", x->create_time ? x->create_time : "");
}

static json_t *
snapshot_json(const struct ag_rds_cluster_snapshot *s)
{
	json_t *j = json_object();

	json_object_set_new(j, "id", jstr(s->id));
	json_object_set_new(j, "arn", jstr(s->arn));
	json_object_set_new(j, "type", jstr(s->snapshot_type));
	json_object_set_new(j, "status", jstr(s->status));
	json_object_set_new(j, "created", jstr(s->create_time));
	json_object_set_new(j, "progress", json_integer(s->percent_progress));
	json_object_set_new(j, "encrypted", json_boolean(s->storage_encrypted));
	json_object_set_new(j, "engine_version", jstr(s->engine_version));
	return j;
}

static void
snapshot_line(const struct ag_rds_cluster_snapshot *s)
{
	printf("  %-40s %-9s %-10s %-24s %3d%%%s\n", or_dash(s->id), or_dash(s->snapshot_type),
	    or_dash(s->status), or_dash(s->create_time), s->percent_progress,
	    s->storage_encrypted ? "  encrypted" : "");
}

/* Every snapshot of the cluster, newest first; a snapshot the reply gives
 * without an identifier or a type is a partial reply. */
static int
read_snapshots(struct rb *r, struct ag_rds_cluster_snapshot **v, size_t *n, struct ag_error *err)
{
	size_t i;
	int rc = ag_rds_describe_db_cluster_snapshots(r->aws, r->id, NULL, NULL, v, n, err);

	if (rc < 0)
		return rc;
	for (i = 0; i < *n; i++)
		if ((*v)[i].id == NULL || (*v)[i].status == NULL || (*v)[i].create_time == NULL)
			return ag_error_set(err, AG_EAWS,
			    "DescribeDBClusterSnapshots: snapshot %zu of cluster '%s' has no %s",
			    i + 1, r->id,
			    (*v)[i].id == NULL       ? "DBClusterSnapshotIdentifier"
			    : (*v)[i].status == NULL ? "Status"
			                             : "SnapshotCreateTime");
	if (*n > 1)
		qsort(*v, *n, sizeof(**v), cmp_snap_newest);
	return 0;
}

int
cmd_snapshots(int argc, char **argv)
{
	struct ag_error err = AG_ERROR_INIT;
	struct ag_rds_cluster_snapshot *v = NULL;
	size_t n = 0, i;
	struct rb r;
	int rc;

	if ((rc = rb_open(&r, argc, argv)) != 0)
		goto out;
	if ((read_snapshots(&r, &v, &n, &err)) < 0) {
		rc = ag_cli_fail(&err);
		goto out;
	}
	if (n == 0) {
		/* snapshots outlive their cluster; none at all for a cluster that
		 * does not exist is most likely a wrong name */
		struct ag_observed obs;
		const struct ag_db_cluster *c;

		ag_observed_init(&obs);
		rc = read_cluster(&r, &obs, &c, &err);
		ag_observed_release(&obs);
		if (rc < 0) {
			ag_error_prefix(&err, "no snapshots of cluster '%s'", r.id);
			rc = ag_cli_fail(&err);
			goto out;
		}
	}
	if (r.json) {
		json_t *a = json_array();

		for (i = 0; i < n; i++)
			json_array_append_new(a, snapshot_json(&v[i]));
		print_json(a);
		json_decref(a);
	} else if (n == 0) {
		printf("cluster '%s' has no snapshots\n", r.id);
	} else {
		printf("snapshots of '%s' (%zu, newest first):\n", r.id, n);
		for (i = 0; i < n; i++)
			snapshot_line(&v[i]);
	}
	rc = AG_EXIT_OK;
out:
	ag_rds_cluster_snapshots_free(v, n);
	rb_close(&r);
	return rc;
}

/* ---- snapshot ------------------------------------------------------------ */

/* "<cluster>-manual-YYYYMMDD-HHMMSS" from the client's clock: a valid
 * snapshot identifier whenever the cluster id is one (letters, digits and
 * single hyphens; at most 255 characters). */
static char *
snapshot_id(const char *cluster, const struct ag_clock *clk)
{
	char when[32], stamp[32];
	size_t i, j = 0;

	ag_time_format_utc(when, sizeof(when), clk->now_ms(clk->ctx) / 1000);
	for (i = 0; when[i] && j + 1 < sizeof(stamp); i++) {
		if (when[i] >= '0' && when[i] <= '9')
			stamp[j++] = when[i];
		else if (when[i] == 'T')
			stamp[j++] = '-';
	}
	stamp[j] = '\0';
	return ag_xasprintf("%.200s-manual-%s", cluster, stamp);
}

static int
wait_snapshot(
    struct rb *r, const char *sid, struct ag_rds_cluster_snapshot *last, struct ag_error *err)
{
	const struct ag_clock *clk = ag_aws_client_clock(r->aws);
	int64_t start = clk->mono_ms(clk->ctx);

	for (;;) {
		struct ag_rds_cluster_snapshot *v = NULL;
		size_t n = 0;
		int rc = ag_rds_describe_db_cluster_snapshots(r->aws, NULL, sid, NULL, &v, &n, err);

		if (rc < 0)
			return rc;
		if (n != 1 || v[0].status == NULL) {
			ag_rds_cluster_snapshots_free(v, n);
			return ag_error_set(err, AG_EAWS,
			    "DescribeDBClusterSnapshots for '%s' answered with %zu snapshots%s",
			    sid, n, n == 1 ? " and no Status" : "");
		}
		ag_rds_cluster_snapshot_release(last);
		*last = v[0];
		free(v);
		if (strcmp(last->status, "available") == 0)
			return 0;
		if (strcmp(last->status, "creating") != 0)
			return ag_error_set(
			    err, AG_EAWS, "snapshot '%s' is %s, not available", sid, last->status);
		if (clk->mono_ms(clk->ctx) - start > r->o.cfg.wait_timeout_ms)
			return ag_error_set(err, AG_ETIMEOUT,
			    "snapshot '%s' is still %s after %lds", sid, last->status,
			    r->o.cfg.wait_timeout_ms / 1000);
		if (ag_aws_client_stopping(r->aws))
			return ag_error_set(err, AG_ESTOPPED, "stopped while snapshot '%s' was %s",
			    sid, last->status);
		fprintf(stderr, "waiting: snapshot '%s' is %s (%d%%)\n", sid, last->status,
		    last->percent_progress);
		clk->sleep_ms(clk->ctx, r->o.cfg.poll_interval_ms);
	}
}

int
cmd_snapshot(int argc, char **argv)
{
	struct ag_error err = AG_ERROR_INIT;
	struct ag_kvlist p = AG_KVLIST_INIT, tags = AG_KVLIST_INIT;
	struct ag_rds_cluster_snapshot snap;
	const struct ag_db_cluster *c;
	struct ag_observed obs;
	char *sid = NULL;
	size_t i;
	struct rb r;
	int rc;

	memset(&snap, 0, sizeof(snap));
	ag_observed_init(&obs);
	if ((rc = rb_open(&r, argc, argv)) != 0)
		goto out;
	if ((read_cluster(&r, &obs, &c, &err)) < 0)
		goto fail;
	if (c == NULL) { /* read_cluster() fills c on success; never trusted blindly */
		(void)ag_error_set(&err, AG_ENOTFOUND, "cluster '%s' not found", r.id);
		goto fail;
	}
	sid = snapshot_id(r.id, ag_aws_client_clock(r.aws));
	/* the cluster's tags, as AWS would copy them with CopyTagsToSnapshot;
	 * keys under aws: are AWS's own and cannot be set */
	for (i = 0; i < c->tags.n; i++)
		if (strncmp(c->tags.v[i].key, "aws:", 4) != 0)
			ag_kvlist_add(&tags, c->tags.v[i].key, c->tags.v[i].value);
	ag_kvlist_add(&p, "DBClusterSnapshotIdentifier", sid);
	ag_kvlist_add(&p, "DBClusterIdentifier", r.id);
	if (tags.n)
		ag_aws_query_add_tags(&p, "Tags.Tag", &tags);
	if ((ag_rds_create_db_cluster_snapshot(r.aws, &p, &snap, &err)) < 0) {
		ag_error_prefix(&err, "cannot snapshot cluster '%s'", r.id);
		goto fail;
	}
	if (snap.id == NULL || snap.status == NULL) {
		(void)ag_error_set(&err, AG_EAWS,
		    "CreateDBClusterSnapshot for '%s' answered without the snapshot's %s", sid,
		    snap.id == NULL ? "identifier" : "status");
		goto fail;
	}
	if (r.o.wait && strcmp(snap.status, "available") != 0 &&
	    (wait_snapshot(&r, sid, &snap, &err)) < 0)
		goto fail;
	if (r.json) {
		json_t *j = snapshot_json(&snap);

		json_object_set_new(j, "tags_copied", json_integer((json_int_t)tags.n));
		print_json(j);
		json_decref(j);
	} else {
		printf("snapshot '%s' of cluster '%s': %s (%zu tag%s copied)\n", snap.id, r.id,
		    snap.status, tags.n, tags.n == 1 ? "" : "s");
	}
	rc = AG_EXIT_OK;
	goto out;
fail:
	rc = ag_cli_fail(&err);
out:
	ag_rds_cluster_snapshot_release(&snap);
	ag_kvlist_release(&p);
	ag_kvlist_release(&tags);
	ag_observed_release(&obs);
	free(sid);
	rb_close(&r);
	return rc;
}

/* ---- events ------------------------------------------------------------- */

static json_t *
event_json(const struct ag_rds_event *e)
{
	json_t *j = json_object(), *cats = json_array();
	size_t i;

	json_object_set_new(j, "date", jstr(e->date));
	json_object_set_new(j, "message", jstr(e->message));
	for (i = 0; i < e->categories.n; i++)
		json_array_append_new(cats, json_string(e->categories.v[i]));
	json_object_set_new(j, "categories", cats);
	return j;
}

static void
event_line(const struct ag_rds_event *e)
{
	struct ag_buf b = AG_BUF_INIT(4096);
	size_t i;

	for (i = 0; i < e->categories.n; i++)
		(void)ag_buf_addf(&b, "%s%s", i ? "," : "", e->categories.v[i]);
	printf("  %-24s %-22s %s\n", or_dash(e->date), b.len ? b.ptr : "-", or_dash(e->message));
	ag_buf_release(&b);
}

static int
read_events(struct rb *r, struct ag_rds_event **v, size_t *n, struct ag_error *err)
{
	const struct ag_clock *clk = ag_aws_client_clock(r->aws);
	char start[32];
	size_t i;
	int rc;

	ag_time_format_utc(start, sizeof(start), (clk->now_ms(clk->ctx) - r->o.since_ms) / 1000);
	if ((rc = ag_rds_describe_events(r->aws, r->id, "db-cluster", start, v, n, err)) < 0)
		return rc;
	for (i = 0; i < *n; i++)
		if ((*v)[i].date == NULL || (*v)[i].message == NULL)
			return ag_error_set(err, AG_EAWS, "DescribeEvents: event %zu has no %s",
			    i + 1, (*v)[i].date == NULL ? "Date" : "Message");
	return 0;
}

int
cmd_events(int argc, char **argv)
{
	struct ag_error err = AG_ERROR_INIT;
	struct ag_rds_event *v = NULL;
	size_t n = 0, i;
	struct rb r;
	int rc;

	if ((rc = rb_open(&r, argc, argv)) != 0)
		goto out;
	if ((read_events(&r, &v, &n, &err)) < 0) {
		rc = ag_cli_fail(&err);
		goto out;
	}
	if (r.json) {
		json_t *a = json_array();

		for (i = 0; i < n; i++)
			json_array_append_new(a, event_json(&v[i]));
		print_json(a);
		json_decref(a);
	} else if (n == 0) {
		printf(
		    "no events for cluster '%s' in the last %ldh\n", r.id, r.o.since_ms / 3600000L);
	} else {
		printf("events of cluster '%s' (%zu):\n", r.id, n);
		for (i = 0; i < n; i++)
			event_line(&v[i]);
	}
	rc = AG_EXIT_OK;
out:
	ag_rds_events_free(v, n);
	rb_close(&r);
	return rc;
}

/* ---- show ---------------------------------------------------------------- */

struct show {
	const struct ag_db_cluster *c;
	struct ag_observed obs; /* the cluster and its instances */
	struct ag_ec2_security_group *sgs;
	size_t n_sgs;
	struct ag_rds_cluster_snapshot *snaps;
	size_t n_snaps;
	struct ag_rds_pending_action *pending;
	size_t n_pending;
	struct ag_rds_event *events;
	size_t n_events;
	struct ag_metric_value metrics[AG_METRICS_SHOWN];
	size_t n_metrics;
	struct ag_error metrics_err; /* the metrics could not be read: shown, exit 1 */
};

static void
show_release(struct show *s)
{
	ag_observed_release(&s->obs);
	ag_ec2_security_groups_free(s->sgs, s->n_sgs);
	ag_rds_cluster_snapshots_free(s->snaps, s->n_snaps);
	ag_rds_pending_actions_free(s->pending, s->n_pending);
	ag_rds_events_free(s->events, s->n_events);
	ag_metric_values_release(s->metrics, s->n_metrics);
}

static const struct ag_db_instance *
member_instance(const struct show *s, const char *id)
{
	size_t i;

	for (i = 0; i < s->obs.n_instances; i++)
		if (s->obs.instances[i].id && strcmp(s->obs.instances[i].id, id) == 0)
			return &s->obs.instances[i];
	return NULL;
}

static int
show_read(struct rb *r, struct show *s, struct ag_error *err)
{
	struct ag_kvlist f = AG_KVLIST_INIT;
	struct ag_strlist ids = AG_STRLIST_INIT;
	struct ag_rds_pending_action *more = NULL;
	size_t i, n_more = 0;
	int rc;

	if ((rc = read_cluster(r, &s->obs, &s->c, err)) < 0)
		return rc;
	/* members: one DescribeDBInstances filtered by the cluster */
	ag_kvlist_add(&f, "db-cluster-id", r->id);
	rc = ag_rds_describe_db_instances(r->aws, NULL, &f, &s->obs, err);
	ag_kvlist_release(&f);
	s->c = &s->obs.clusters[0];
	if (rc < 0)
		return rc;
	for (i = 0; i < s->c->n_members; i++) {
		const struct ag_db_instance *d = member_instance(s, s->c->members[i].instance_id);

		if (d == NULL)
			return ag_error_set(err, AG_EAWS,
			    "DescribeDBInstances did not return member '%s' of cluster '%s'",
			    s->c->members[i].instance_id, r->id);
		if (d->status == NULL || d->instance_class == NULL)
			return ag_error_set(err, AG_EAWS,
			    "DescribeDBInstances: instance '%s' has no %s", d->id,
			    d->status == NULL ? "DBInstanceStatus" : "DBInstanceClass");
	}
	/* security groups: every one the cluster names, or an error */
	if (s->c->vpc_security_group_ids.n > 0) {
		rc = ag_ec2_describe_security_groups(
		    r->aws, &s->c->vpc_security_group_ids, NULL, &s->sgs, &s->n_sgs, err);
		if (rc < 0)
			return rc;
		for (i = 0; i < s->c->vpc_security_group_ids.n; i++) {
			size_t j;

			for (j = 0; j < s->n_sgs; j++)
				if (s->sgs[j].id &&
				    strcmp(s->sgs[j].id, s->c->vpc_security_group_ids.v[i]) == 0)
					break;
			if (j == s->n_sgs)
				return ag_error_set(err, AG_EAWS,
				    "DescribeSecurityGroups did not return '%s' (attached to "
				    "cluster "
				    "'%s')",
				    s->c->vpc_security_group_ids.v[i], r->id);
		}
	}
	if ((rc = read_snapshots(r, &s->snaps, &s->n_snaps, err)) < 0)
		return rc;
	/* pending maintenance: the cluster's, then its instances' */
	ag_strlist_add(&ids, r->id);
	rc = ag_rds_describe_pending_maintenance(
	    r->aws, "db-cluster-id", &ids, &s->pending, &s->n_pending, err);
	ag_strlist_release(&ids);
	if (rc < 0)
		return rc;
	for (i = 0; i < s->c->n_members; i++)
		ag_strlist_add(&ids, s->c->members[i].instance_id);
	if (ids.n > 0) {
		rc = ag_rds_describe_pending_maintenance(
		    r->aws, "db-instance-id", &ids, &more, &n_more, err);
		ag_strlist_release(&ids);
		if (rc < 0)
			return rc;
		s->pending = ag_xrealloc(s->pending, (s->n_pending + n_more + 1) * sizeof(*more));
		if (n_more > 0)
			memcpy(s->pending + s->n_pending, more, n_more * sizeof(*more));
		s->n_pending += n_more;
		free(more);
	}
	for (i = 0; i < s->n_pending; i++)
		if (s->pending[i].action == NULL || s->pending[i].resource == NULL)
			return ag_error_set(err, AG_EAWS,
			    "DescribePendingMaintenanceActions: entry %zu has no %s", i + 1,
			    s->pending[i].action == NULL ? "Action" : "ResourceIdentifier");
	if ((rc = read_events(r, &s->events, &s->n_events, err)) < 0)
		return rc;
	/* everything else is shown even when the metrics cannot be read */
	if (ag_metrics_read_cluster(r->aws, r->id, s->metrics, &s->n_metrics, &s->metrics_err) < 0)
		s->n_metrics = 0;
	return 0;
}

static const char *
role_of(const struct ag_db_cluster *c, const char *id)
{
	size_t i;

	for (i = 0; i < c->n_members; i++)
		if (strcmp(c->members[i].instance_id, id) == 0)
			return c->members[i].is_writer ? "writer" : "reader";
	return "?";
}

static json_t *
show_json(const struct rb *r, const struct show *s)
{
	const struct ag_db_cluster *c = s->c;
	json_t *j = json_object(), *a;
	size_t i, k, m;

	json_object_set_new(j, "cluster", jstr(r->id));
	json_object_set_new(j, "status", jstr(c->status));
	json_object_set_new(j, "engine", jstr(c->engine));
	json_object_set_new(j, "engine_version", jstr(c->engine_version));
	json_object_set_new(j, "writer_endpoint", jstr(c->endpoint));
	json_object_set_new(j, "reader_endpoint", jstr(c->reader_endpoint));
	json_object_set_new(j, "port", json_integer(c->port));
	json_object_set_new(j, "deletion_protection", json_boolean(c->deletion_protection));
	json_object_set_new(j, "storage_encrypted", json_boolean(c->storage_encrypted));
	json_object_set_new(
	    j, "preferred_maintenance_window", jstr(c->preferred_maintenance_window));
	a = json_array();
	for (i = 0; i < c->n_members; i++) {
		const struct ag_db_instance *d = member_instance(s, c->members[i].instance_id);
		json_t *o = json_object();

		json_object_set_new(o, "id", jstr(d->id));
		json_object_set_new(
		    o, "role", json_string(c->members[i].is_writer ? "writer" : "reader"));
		json_object_set_new(o, "availability_zone", jstr(d->availability_zone));
		json_object_set_new(o, "class", jstr(d->instance_class));
		json_object_set_new(o, "status", jstr(d->status));
		json_object_set_new(o, "promotion_tier", json_integer(d->promotion_tier));
		json_array_append_new(a, o);
	}
	json_object_set_new(j, "members", a);
	a = json_array();
	for (i = 0; i < s->n_sgs; i++)
		for (k = 0; k < s->sgs[i].n_ingress; k++) {
			const struct ag_ec2_rule *ru = &s->sgs[i].ingress[k];
			json_t *o = json_object(), *src = json_array();

			json_object_set_new(o, "group", jstr(s->sgs[i].id));
			json_object_set_new(o, "protocol", jstr(ru->protocol));
			json_object_set_new(o, "from_port", json_integer(ru->from_port));
			json_object_set_new(o, "to_port", json_integer(ru->to_port));
			for (m = 0; m < ru->cidrs.n; m++)
				json_array_append_new(src, json_string(ru->cidrs.v[m]));
			for (m = 0; m < ru->group_ids.n; m++)
				json_array_append_new(src, json_string(ru->group_ids.v[m]));
			json_object_set_new(o, "sources", src);
			json_array_append_new(a, o);
		}
	json_object_set_new(j, "ingress", a);
	a = json_object();
	json_object_set_new(a, "retention_days", json_integer(c->backup_retention_period));
	json_object_set_new(a, "window", jstr(c->preferred_backup_window));
	{
		json_t *l = json_array();

		for (i = 0; i < s->n_snaps && i < SNAPSHOTS_IN_SHOW; i++)
			json_array_append_new(l, snapshot_json(&s->snaps[i]));
		json_object_set_new(a, "latest_snapshots", l);
	}
	json_object_set_new(j, "backups", a);
	a = json_array();
	for (i = 0; i < s->n_pending; i++) {
		json_t *o = json_object();

		json_object_set_new(o, "resource", jstr(s->pending[i].resource));
		json_object_set_new(o, "action", jstr(s->pending[i].action));
		json_object_set_new(o, "description", jstr(s->pending[i].description));
		json_object_set_new(
		    o, "auto_applied_after", jstr(s->pending[i].auto_applied_after));
		json_object_set_new(o, "forced_apply", jstr(s->pending[i].forced_apply));
		json_array_append_new(a, o);
	}
	json_object_set_new(j, "pending_maintenance", a);
	a = json_array();
	for (i = s->n_events > EVENTS_IN_SHOW ? s->n_events - EVENTS_IN_SHOW : 0; i < s->n_events;
	     i++)
		json_array_append_new(a, event_json(&s->events[i]));
	json_object_set_new(j, "recent_events", a);
	a = json_object();
	for (i = 0; i < s->n_metrics; i++) {
		json_t *o = json_object();

		json_object_set_new(o, "statistic", json_string(s->metrics[i].stat));
		json_object_set_new(o, "unit", json_string(s->metrics[i].unit));
		json_object_set_new(
		    o, "datapoints", json_integer((json_int_t)s->metrics[i].n_points));
		json_object_set_new(o, "latest",
		    s->metrics[i].n_points ? json_real(s->metrics[i].latest) : json_null());
		json_object_set_new(o, "latest_at", jstr(s->metrics[i].latest_at));
		json_object_set_new(a, s->metrics[i].name, o);
	}
	json_object_set_new(j, "metrics", a);
	if (s->metrics_err.code)
		json_object_set_new(j, "metrics_error", json_string(s->metrics_err.msg));
	return j;
}

static void
show_text(const struct rb *r, const struct show *s)
{
	const struct ag_db_cluster *c = s->c;
	size_t i, k, m;

	printf("cluster %s: %s\n", r->id, or_dash(c->status));
	printf("  engine            %s %s\n", or_dash(c->engine), or_dash(c->engine_version));
	printf("  writer endpoint   %s:%d\n", or_dash(c->endpoint), c->port);
	printf("  reader endpoint   %s:%d\n", or_dash(c->reader_endpoint), c->port);
	printf("  protection        deletion protection %s, storage %s\n",
	    c->deletion_protection ? "on" : "OFF",
	    c->storage_encrypted ? "encrypted" : "NOT encrypted");
	printf("members (%zu):\n", c->n_members);
	if (c->n_members == 0)
		printf("  no instances: the cluster has no compute\n");
	for (i = 0; i < c->n_members; i++) {
		const struct ag_db_instance *d = member_instance(s, c->members[i].instance_id);

		printf("  %-32s %-6s %-12s %-16s %s\n", d->id, role_of(c, d->id),
		    or_dash(d->availability_zone), d->instance_class, d->status);
	}
	printf("ingress:\n");
	if (c->vpc_security_group_ids.n == 0)
		printf("  no security group is attached\n");
	for (i = 0; i < s->n_sgs; i++) {
		if (s->sgs[i].n_ingress == 0)
			printf(
			    "  %s (%s): no ingress rules\n", s->sgs[i].id, or_dash(s->sgs[i].name));
		for (k = 0; k < s->sgs[i].n_ingress; k++) {
			const struct ag_ec2_rule *ru = &s->sgs[i].ingress[k];

			printf("  %s %s ", s->sgs[i].id,
			    ru->protocol && strcmp(ru->protocol, "-1") == 0
			        ? "all"
			        : or_dash(ru->protocol));
			if (ru->from_port == ru->to_port)
				printf("%d from", ru->from_port);
			else
				printf("%d-%d from", ru->from_port, ru->to_port);
			for (m = 0; m < ru->cidrs.n; m++)
				printf(" %s", ru->cidrs.v[m]);
			for (m = 0; m < ru->group_ids.n; m++)
				printf(" %s", ru->group_ids.v[m]);
			printf("\n");
		}
	}
	printf("backups: %d day%s retention, window %s\n", c->backup_retention_period,
	    c->backup_retention_period == 1 ? "" : "s", or_dash(c->preferred_backup_window));
	if (s->n_snaps == 0)
		printf("  no snapshots\n");
	for (i = 0; i < s->n_snaps && i < SNAPSHOTS_IN_SHOW; i++)
		snapshot_line(&s->snaps[i]);
	printf("maintenance: window %s\n", or_dash(c->preferred_maintenance_window));
	if (s->n_pending == 0)
		printf("  nothing pending\n");
	for (i = 0; i < s->n_pending; i++) {
		const struct ag_rds_pending_action *pa = &s->pending[i];

		printf("  %s: %s", pa->resource, pa->action);
		if (pa->description)
			printf(" (%s)", pa->description);
		if (pa->auto_applied_after)
			printf(", applied automatically after %s", pa->auto_applied_after);
		if (pa->forced_apply)
			printf(", forced on %s", pa->forced_apply);
		printf("\n");
	}
	printf("events (last %ldh, %zu):\n", r->o.since_ms / 3600000L, s->n_events);
	for (i = s->n_events > EVENTS_IN_SHOW ? s->n_events - EVENTS_IN_SHOW : 0; i < s->n_events;
	     i++)
		event_line(&s->events[i]);
	printf("metrics (last hour, 5-minute periods):\n");
	if (s->metrics_err.code)
		printf("  error: %s\n", s->metrics_err.msg);
	for (i = 0; i < s->n_metrics; i++) {
		if (s->metrics[i].n_points == 0)
			printf("  %-28s no datapoints in the last hour\n", s->metrics[i].name);
		else
			printf("  %-28s %.2f %s (%s, %s)\n", s->metrics[i].name,
			    s->metrics[i].latest, s->metrics[i].unit, s->metrics[i].stat,
			    or_dash(s->metrics[i].latest_at));
	}
}

int
cmd_show(int argc, char **argv)
{
	struct ag_error err = AG_ERROR_INIT;
	struct show s;
	struct rb r;
	int rc;

	memset(&s, 0, sizeof(s));
	ag_observed_init(&s.obs);
	if ((rc = rb_open(&r, argc, argv)) != 0)
		goto out;
	if ((show_read(&r, &s, &err)) < 0) {
		rc = ag_cli_fail(&err);
		goto out;
	}
	if (r.json) {
		json_t *j = show_json(&r, &s);

		print_json(j);
		json_decref(j);
	} else {
		show_text(&r, &s);
	}
	rc = AG_EXIT_OK;
	if (s.metrics_err.code) {
		fflush(stdout);
		rc = ag_cli_fail(&s.metrics_err);
	}
out:
	show_release(&s);
	rb_close(&r);
	return rc;
}
