/* RDS operations: decoders, paginated Describe calls, mutations, waiters. */
#include "aws/rds.h"
#include "aws/batch.h"
#include "aws/internal.h"
#include "core/buf.h"
#include "core/fieldtab.h"
#include "core/log.h"
#include "core/mem.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/compat.h"

#define RDS_MAX_PAGES 10000

/* Decoders ------------------------------------------------------------ */

/*
 * Where a decoder puts strings, lists and arrays: the string store of an
 * observed set (a pooled record: unique values copied into its arena,
 * repeated ones interned), or the heap (a record of its own, released with
 * ag_db_cluster_release / ag_db_instance_release). Either way a value absent
 * from the reply stays NULL.
 */
struct sink {
	struct ag_arena *arena; /* NULL: the heap */
	struct ag_intern *interned;
};

/* A value unique to the record (identifier, ARN, endpoint); may be
 * changed in place (identifiers are lowered). */
static char *
put_unique(const struct sink *k, const char *s)
{
	return k->arena ? ag_arena_strdup(k->arena, s) : ag_xstrdup(s);
}

/* A value that repeats across the fleet; read-only when pooled. */
static char *
put_repeated(const struct sink *k, const char *s)
{
	return k->arena ? (char *)ag_intern_get(k->interned, k->arena, s) : ag_xstrdup(s);
}

static char *
text_unique(const struct sink *k, const struct ag_xml_node *n, const char *name)
{
	return put_unique(k, ag_xml_text(n, name));
}

static char *
text_repeated(const struct sink *k, const struct ag_xml_node *n, const char *name)
{
	return put_repeated(k, ag_xml_text(n, name));
}

/* A pooled list of exactly n strings (n > 0); a heap one grows as it is
 * added to. */
static void
list_open(const struct sink *k, struct ag_strlist *out, size_t n)
{
	if (k->arena != NULL && n > 0) {
		out->v = AG_ARENA_NEW(k->arena, char *, n);
		out->cap = n;
	}
}

static void
list_add(const struct sink *k, struct ag_strlist *out, const char *s, bool unique)
{
	if (k->arena == NULL)
		ag_strlist_add(out, s);
	else
		out->v[out->n++] = unique ? put_unique(k, s) : put_repeated(k, s);
}

/* The texts of the children of n/list (any element name). */
static void
texts(const struct sink *k, struct ag_strlist *out, const struct ag_xml_node *n, const char *list,
    bool unique)
{
	const struct ag_xml_node *l = ag_xml_child(n, list);
	size_t i;

	if (l == NULL)
		return;
	list_open(k, out, l->n_kids);
	for (i = 0; i < l->n_kids; i++)
		list_add(k, out, l->kids[i]->text, unique);
}

/* Tags under n/list: each child with a Key (a missing Value reads ""). */
static void
tags(const struct sink *k, struct ag_kvlist *out, const struct ag_xml_node *n, const char *list)
{
	const struct ag_xml_node *l = ag_xml_child(n, list);
	size_t i;

	if (k->arena == NULL) {
		ag_xml_tags(out, n, list);
		return;
	}
	if (l == NULL || l->n_kids == 0)
		return;
	out->v = AG_ARENA_NEW(k->arena, struct ag_kv, l->n_kids);
	out->cap = l->n_kids;
	for (i = 0; i < l->n_kids; i++) {
		const char *key = ag_xml_text(l->kids[i], "Key");
		const char *v = ag_xml_text(l->kids[i], "Value");

		if (key == NULL)
			continue;
		out->v[out->n].key = put_repeated(k, key);
		out->v[out->n].value = put_repeated(k, v ? v : "");
		out->n++;
	}
}

/* The members of the field table's rows (core/fieldtab.h): each row names
 * its Describe element ("A" or "A/B") and the member it lands in. */
static void
decode_rows(struct ag_db_cluster *c, const struct ag_xml_node *n, const struct sink *k)
{
	const struct ag_field_row *rows;
	size_t nrows, i;

	rows = ag_fieldtab_rows(&nrows);
	for (i = 0; i < nrows; i++) {
		const struct ag_field_row *row = &rows[i];
		const struct ag_xml_node *parent = n;
		const char *name = row->describe_elem, *slash;
		void *dst;
		char head[64];

		if (row->live == 0 || name == NULL)
			continue;
		if ((slash = strchr(name, '/')) != NULL) {
			snprintf(head, sizeof(head), "%.*s", (int)(slash - name), name);
			parent = ag_xml_child(n, head);
			name = slash + 1;
			if (parent == NULL)
				continue;
		}
		dst = (char *)c + row->live - 1;
		switch (row->ltype) {
		case AG_FT_STR:
		case AG_FT_REF:
			*(char **)dst = text_repeated(k, parent, name);
			break;
		case AG_FT_INT:
			ag_xml_int(parent, name, dst);
			break;
		case AG_FT_BOOL:
			ag_xml_bool(parent, name, dst);
			break;
		case AG_FT_LIST:
		case AG_FT_REFLIST:
			texts(k, dst, parent, name, false);
			break;
		case AG_FT_NONE:
		case AG_FT_COMPOSITE:
			break;
		}
	}
}

/* ScalingConfigurationInfo in the canonical form of the field table: the
 * members present as "Member=value", in member-name order, comma-joined
 * (NULL when the element is empty: not a Serverless v1 cluster). */
static char *
scaling_v1_text(const struct ag_xml_node *x, const struct sink *k)
{
	static const char *const members[] = {"AutoPause", "MaxCapacity", "MinCapacity",
	    "SecondsBeforeTimeout", "SecondsUntilAutoPause", "TimeoutAction"};
	struct ag_buf b = AG_BUF_INIT(1024);
	const char *v;
	char *s;
	size_t i;

	for (i = 0; i < sizeof(members) / sizeof(members[0]); i++) {
		v = ag_xml_text(x, members[i]);
		if (v == NULL || v[0] == '\0')
			continue;
		(void)ag_buf_addf(&b, ",%s=%s", members[i], v);
	}
	s = b.len > 0 ? put_repeated(k, b.ptr + 1) : NULL;
	ag_buf_release(&b);
	return s;
}

static void
decode_members(struct ag_db_cluster *c, const struct ag_xml_node *n, const struct sink *k)
{
	const struct ag_xml_node *l = ag_xml_child(n, "DBClusterMembers");
	size_t i;

	if (l == NULL || l->n_kids == 0)
		return;
	c->members = k->arena ? AG_ARENA_NEW(k->arena, struct ag_db_cluster_member, l->n_kids)
	                      : ag_xcalloc(l->n_kids, sizeof(*c->members));
	for (i = 0; i < l->n_kids; i++) {
		struct ag_db_cluster_member *m = &c->members[c->n_members];

		if (!ag_xml_text(l->kids[i], "DBInstanceIdentifier"))
			continue;
		m->instance_id = text_unique(k, l->kids[i], "DBInstanceIdentifier");
		m->param_group_status =
		    text_repeated(k, l->kids[i], "DBClusterParameterGroupStatus");
		ag_xml_bool(l->kids[i], "IsClusterWriter", &m->is_writer);
		ag_xml_int(l->kids[i], "PromotionTier", &m->promotion_tier);
		c->n_members++;
	}
}

static void
decode_cluster(struct ag_db_cluster *c, const struct ag_xml_node *n, const struct sink *k)
{
	const struct ag_xml_node *x, *l;
	size_t i, n_sg = 0;

	memset(c, 0, sizeof(*c));
	c->pooled = k->arena != NULL;
	c->id = text_unique(k, n, "DBClusterIdentifier");
	c->arn = text_unique(k, n, "DBClusterArn");
	c->resource_id = text_unique(k, n, "DbClusterResourceId");
	c->status = text_repeated(k, n, "Status");
	decode_rows(c, n, k);
	c->endpoint = text_unique(k, n, "Endpoint");
	c->reader_endpoint = text_unique(k, n, "ReaderEndpoint");
	c->hosted_zone_id = text_repeated(k, n, "HostedZoneId");
	ag_xml_bool(n, "AutoMinorVersionUpgrade", &c->auto_minor_version_upgrade);
	ag_xml_bool(n, "MultiAZ", &c->multi_az);
	ag_xml_bool(n, "PubliclyAccessible", &c->publicly_accessible);
	texts(k, &c->availability_zones, n, "AvailabilityZones", false);
	texts(k, &c->custom_endpoints, n, "CustomEndpoints", true);
	l = ag_xml_child(n, "VpcSecurityGroups");
	for (i = 0; l && i < l->n_kids; i++)
		n_sg += ag_xml_text(l->kids[i], "VpcSecurityGroupId") != NULL;
	list_open(k, &c->vpc_security_group_ids, n_sg);
	for (i = 0; l && i < l->n_kids; i++) {
		const char *id = ag_xml_text(l->kids[i], "VpcSecurityGroupId");

		if (id)
			list_add(k, &c->vpc_security_group_ids, id, false);
	}
	if ((x = ag_xml_child(n, "ServerlessV2ScalingConfiguration")) != NULL &&
	    (ag_xml_child(x, "MinCapacity") || ag_xml_child(x, "MaxCapacity"))) {
		c->has_serverless_v2 = true;
		ag_xml_double(x, "MinCapacity", &c->serverless_v2_min_capacity);
		ag_xml_double(x, "MaxCapacity", &c->serverless_v2_max_capacity);
		ag_xml_int(x, "SecondsUntilAutoPause", &c->serverless_v2_seconds_until_auto_pause);
	}
	/* the row gave the element's own text: its canonical form instead */
	if (!c->pooled)
		free(c->scaling_configuration);
	c->scaling_configuration = NULL;
	if ((x = ag_xml_child(n, "ScalingConfigurationInfo")) != NULL)
		c->scaling_configuration = scaling_v1_text(x, k);
	if ((x = ag_xml_child(n, "MasterUserSecret")) != NULL) {
		c->master_user_secret_arn = text_unique(k, x, "SecretArn");
		c->master_user_secret_status = text_repeated(k, x, "SecretStatus");
	}
	c->pending.backup_retention_period = -1;
	c->pending.iam_auth = -1;
	if ((x = ag_xml_child(n, "PendingModifiedValues")) != NULL) {
		const struct ag_xml_node *pl = ag_xml_child(x, "PendingCloudwatchLogsExports");
		bool b;

		c->pending.present = true;
		c->pending.engine_version = text_repeated(k, x, "EngineVersion");
		c->pending.storage_type = text_repeated(k, x, "StorageType");
		ag_xml_int(x, "BackupRetentionPeriod", &c->pending.backup_retention_period);
		c->pending.master_user_password = ag_xml_child(x, "MasterUserPassword") != NULL;
		if (ag_xml_bool(x, "IAMDatabaseAuthenticationEnabled", &b))
			c->pending.iam_auth = b ? 1 : 0;
		texts(k, &c->pending.enable_log_types, pl, "LogTypesToEnable", false);
		texts(k, &c->pending.disable_log_types, pl, "LogTypesToDisable", false);
	}
	decode_members(c, n, k);
	tags(k, &c->tags, n, "TagList");
}

static void
decode_instance(struct ag_db_instance *d, const struct ag_xml_node *n, const struct sink *k)
{
	const struct ag_xml_node *pending = ag_xml_child(n, "PendingModifiedValues");
	const struct ag_xml_node *pg = ag_xml_child(n, "DBParameterGroups");

	memset(d, 0, sizeof(*d));
	d->pooled = k->arena != NULL;
	d->id = text_unique(k, n, "DBInstanceIdentifier");
	d->arn = text_unique(k, n, "DBInstanceArn");
	d->cluster_id = text_unique(k, n, "DBClusterIdentifier");
	d->instance_class = text_repeated(k, n, "DBInstanceClass");
	d->status = text_repeated(k, n, "DBInstanceStatus");
	d->engine = text_repeated(k, n, "Engine");
	d->engine_version = text_repeated(k, n, "EngineVersion");
	d->availability_zone = text_repeated(k, n, "AvailabilityZone");
	d->endpoint_address = text_unique(k, ag_xml_child(n, "Endpoint"), "Address");
	ag_xml_int(n, "PromotionTier", &d->promotion_tier);
	ag_xml_bool(n, "AutoMinorVersionUpgrade", &d->auto_minor_version_upgrade);
	ag_xml_bool(n, "PubliclyAccessible", &d->publicly_accessible);
	d->pending_instance_class = text_repeated(k, pending, "DBInstanceClass");
	d->has_pi = ag_xml_bool(n, "PerformanceInsightsEnabled", &d->pi_enabled);
	ag_xml_int(n, "PerformanceInsightsRetentionPeriod", &d->pi_retention);
	d->pi_kms_key_id = text_repeated(k, n, "PerformanceInsightsKMSKeyId");
	d->has_monitoring = ag_xml_int(n, "MonitoringInterval", &d->monitoring_interval);
	d->monitoring_role_arn = text_repeated(k, n, "MonitoringRoleArn");
	if (pg != NULL && pg->n_kids > 0)
		d->db_parameter_group = text_repeated(k, pg->kids[0], "DBParameterGroupName");
	d->ca_certificate_identifier = text_repeated(k, n, "CACertificateIdentifier");
	d->pending_ca = text_repeated(k, pending, "CACertificateIdentifier");
	tags(k, &d->tags, n, "TagList");
}

static const struct sink heap = {NULL, NULL};

void
ag_rds_decode_cluster(struct ag_db_cluster *c, const struct ag_xml_node *n)
{
	decode_cluster(c, n, &heap);
}

void
ag_rds_decode_instance(struct ag_db_instance *d, const struct ag_xml_node *n)
{
	decode_instance(d, n, &heap);
}

void
ag_rds_subnet_group_release(struct ag_rds_subnet_group *g)
{
	if (!g)
		return;
	free(g->name);
	free(g->description);
	free(g->vpc_id);
	free(g->status);
	free(g->arn);
	ag_strlist_release(&g->subnet_ids);
	ag_strlist_release(&g->subnet_azs);
	memset(g, 0, sizeof(*g));
}

void
ag_rds_subnet_groups_free(struct ag_rds_subnet_group *v, size_t n)
{
	size_t i;

	for (i = 0; v && i < n; i++)
		ag_rds_subnet_group_release(&v[i]);
	free(v);
}

void
ag_rds_global_clusters_free(struct ag_rds_global_cluster *v, size_t n)
{
	size_t i;

	for (i = 0; v && i < n; i++) {
		free(v[i].id);
		free(v[i].engine);
		free(v[i].engine_version);
		free(v[i].writer_arn);
		ag_strlist_release(&v[i].members);
	}
	free(v);
}

void
ag_rds_decode_global_cluster(struct ag_rds_global_cluster *g, const struct ag_xml_node *n)
{
	const struct ag_xml_node *l = ag_xml_child(n, "GlobalClusterMembers");
	size_t i;

	memset(g, 0, sizeof(*g));
	g->id = ag_xml_dup(n, "GlobalClusterIdentifier");
	g->engine = ag_xml_dup(n, "Engine");
	g->engine_version = ag_xml_dup(n, "EngineVersion");
	for (i = 0; l && i < l->n_kids; i++) {
		const char *arn = ag_xml_text(l->kids[i], "DBClusterArn");
		bool w = false;

		if (arn == NULL || arn[0] == '\0')
			continue;
		ag_strlist_add(&g->members, arn);
		if (ag_xml_bool(l->kids[i], "IsWriter", &w) && w && g->writer_arn == NULL)
			g->writer_arn = ag_xstrdup(arn);
	}
}

void
ag_rds_decode_subnet_group(struct ag_rds_subnet_group *g, const struct ag_xml_node *n)
{
	const struct ag_xml_node *l = ag_xml_child(n, "Subnets");
	size_t i;

	memset(g, 0, sizeof(*g));
	g->name = ag_xml_dup(n, "DBSubnetGroupName");
	g->description = ag_xml_dup(n, "DBSubnetGroupDescription");
	g->vpc_id = ag_xml_dup(n, "VpcId");
	g->status = ag_xml_dup(n, "SubnetGroupStatus");
	g->arn = ag_xml_dup(n, "DBSubnetGroupArn");
	for (i = 0; l && i < l->n_kids; i++) {
		const char *id = ag_xml_text(l->kids[i], "SubnetIdentifier");
		const char *az =
		    ag_xml_text(ag_xml_child(l->kids[i], "SubnetAvailabilityZone"), "Name");

		if (!id)
			continue;
		ag_strlist_add(&g->subnet_ids, id);
		ag_strlist_add(&g->subnet_azs, az ? az : "");
	}
}

void
ag_rds_cluster_param_group_release(struct ag_rds_cluster_param_group *g)
{
	if (!g)
		return;
	free(g->name);
	free(g->family);
	free(g->description);
	free(g->arn);
	memset(g, 0, sizeof(*g));
}

void
ag_rds_cluster_param_groups_free(struct ag_rds_cluster_param_group *v, size_t n)
{
	size_t i;

	for (i = 0; v && i < n; i++)
		ag_rds_cluster_param_group_release(&v[i]);
	free(v);
}

static void
decode_param_group(struct ag_rds_cluster_param_group *g, const struct ag_xml_node *n)
{
	memset(g, 0, sizeof(*g));
	g->name = ag_xml_dup(n, "DBClusterParameterGroupName");
	g->family = ag_xml_dup(n, "DBParameterGroupFamily");
	g->description = ag_xml_dup(n, "Description");
	g->arn = ag_xml_dup(n, "DBClusterParameterGroupArn");
}

void
ag_rds_parameters_free(struct ag_rds_parameter *v, size_t n)
{
	size_t i;

	for (i = 0; v && i < n; i++) {
		free(v[i].name);
		free(v[i].value);
		free(v[i].description);
		free(v[i].source);
		free(v[i].apply_type);
		free(v[i].data_type);
		free(v[i].allowed_values);
		free(v[i].apply_method);
		free(v[i].minimum_engine_version);
	}
	free(v);
}

static void
decode_parameter(struct ag_rds_parameter *p, const struct ag_xml_node *n)
{
	memset(p, 0, sizeof(*p));
	p->name = ag_xml_dup(n, "ParameterName");
	p->value = ag_xml_dup(n, "ParameterValue");
	p->description = ag_xml_dup(n, "Description");
	p->source = ag_xml_dup(n, "Source");
	p->apply_type = ag_xml_dup(n, "ApplyType");
	p->data_type = ag_xml_dup(n, "DataType");
	p->allowed_values = ag_xml_dup(n, "AllowedValues");
	p->apply_method = ag_xml_dup(n, "ApplyMethod");
	p->minimum_engine_version = ag_xml_dup(n, "MinimumEngineVersion");
	ag_xml_bool(n, "IsModifiable", &p->is_modifiable);
}

void
ag_rds_cluster_snapshot_release(struct ag_rds_cluster_snapshot *s)
{
	if (!s)
		return;
	free(s->id);
	free(s->cluster_id);
	free(s->arn);
	free(s->status);
	free(s->engine);
	free(s->engine_version);
	free(s->snapshot_type);
	free(s->create_time);
	free(s->kms_key_id);
	free(s->vpc_id);
	ag_kvlist_release(&s->tags);
	memset(s, 0, sizeof(*s));
}

void
ag_rds_cluster_snapshots_free(struct ag_rds_cluster_snapshot *v, size_t n)
{
	size_t i;

	for (i = 0; v && i < n; i++)
		ag_rds_cluster_snapshot_release(&v[i]);
	free(v);
}

void
ag_rds_decode_cluster_snapshot(struct ag_rds_cluster_snapshot *s, const struct ag_xml_node *n)
{
	memset(s, 0, sizeof(*s));
	s->id = ag_xml_dup(n, "DBClusterSnapshotIdentifier");
	s->cluster_id = ag_xml_dup(n, "DBClusterIdentifier");
	s->arn = ag_xml_dup(n, "DBClusterSnapshotArn");
	s->status = ag_xml_dup(n, "Status");
	s->engine = ag_xml_dup(n, "Engine");
	s->engine_version = ag_xml_dup(n, "EngineVersion");
	s->snapshot_type = ag_xml_dup(n, "SnapshotType");
	s->create_time = ag_xml_dup(n, "SnapshotCreateTime");
	s->kms_key_id = ag_xml_dup(n, "KmsKeyId");
	s->vpc_id = ag_xml_dup(n, "VpcId");
	ag_xml_int(n, "Port", &s->port);
	ag_xml_int(n, "PercentProgress", &s->percent_progress);
	ag_xml_bool(n, "StorageEncrypted", &s->storage_encrypted);
	ag_xml_tags(&s->tags, n, "TagList");
}

/* Pagination ---------------------------------------------------------- */

/*
 * What one page of a Describe reply must look like: <ActionResult> holding
 * exactly one <list> whose children are all <member> elements, each with
 * exactly one non-empty <id>. Anything else (a proxy's stub, a truncated or
 * re-shaped reply) is an error, never an empty or shorter list: an account
 * that reads as empty makes the planner create every cluster again.
 */
struct list_shape {
	const char *list;   /* "DBClusters" */
	const char *member; /* "DBCluster" */
	const char *id;     /* "DBClusterIdentifier" */
};

static const struct list_shape shape_clusters = {"DBClusters", "DBCluster", "DBClusterIdentifier"};
static const struct list_shape shape_instances = {
    "DBInstances", "DBInstance", "DBInstanceIdentifier"};

typedef void (*page_fn)(void *ctx, const struct ag_xml_node *list);

static void
lower_in_place(char *s)
{
	for (; s && *s; s++)
		if (*s >= 'A' && *s <= 'Z')
			*s = (char)(*s - 'A' + 'a');
}

/* Checks one page against sh; *list gets the list element. ids collects
 * the identifiers in lower case (RDS identifiers are case-insensitive). */
static int
check_page(const struct ag_xml_node **list, struct ag_strlist *ids, const char *action,
    const struct ag_aws_response *r, const struct list_shape *sh, struct ag_error *err)
{
	char *want = ag_xasprintf("%sResult", action);
	const struct ag_xml_node *l;
	size_t i;
	int ok = r->result != NULL && strcmp(r->result->name, want) == 0 &&
	         ag_xml_count(r->root, want) == 1;

	free(want);
	if (!ok)
		return ag_error_set(err, AG_EAWS,
		    "rds %s: the reply has no single <%sResult> element; refusing to read it as "
		    "an empty list",
		    action, action);
	if (ag_xml_count(r->result, sh->list) != 1)
		return ag_error_set(err, AG_EAWS,
		    "rds %s: the reply has %s <%s> list; refusing to read it as an empty list",
		    action, ag_xml_count(r->result, sh->list) ? "more than one" : "no", sh->list);
	l = ag_xml_child(r->result, sh->list);
	if (l == NULL) /* counted once above; never read as an empty list */
		return ag_error_set(
		    err, AG_EAWS, "rds %s: the reply has no <%s> list", action, sh->list);
	for (i = 0; i < l->n_kids; i++) {
		const struct ag_xml_node *m = l->kids[i];
		const char *id;
		char *low;

		if (strcmp(m->name, sh->member) != 0)
			return ag_error_set(err, AG_EAWS,
			    "rds %s: <%s> holds a <%s> element where only <%s> may be", action,
			    sh->list, m->name, sh->member);
		if (!sh->id)
			continue;
		id = ag_xml_text(m, sh->id);
		if (ag_xml_count(m, sh->id) != 1 || !id || !*id)
			return ag_error_set(err, AG_EAWS, "rds %s: <%s> %zu of the reply has %s %s",
			    action, sh->member, ids->n + 1,
			    ag_xml_count(m, sh->id) > 1 ? "more than one" : "no", sh->id);
		low = ag_xstrdup(id);
		lower_in_place(low);
		ag_strlist_add(ids, low);
		free(low);
	}
	*list = l;
	return AG_OK;
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every identifier at most once over all pages (compared in lower case). */
static int
check_unique(
    const char *action, const struct list_shape *sh, struct ag_strlist *ids, struct ag_error *err)
{
	size_t i;

	if (ids->n > 1)
		qsort(ids->v, ids->n, sizeof(*ids->v), cmp_str);
	for (i = 1; i < ids->n; i++)
		if (strcmp(ids->v[i - 1], ids->v[i]) == 0)
			return ag_error_set(err, AG_EAWS,
			    "rds %s: the reply lists %s '%s' more than once (identifiers are "
			    "compared case-insensitively); refusing to guess which copy is true",
			    action, sh->id, ids->v[i]);
	return AG_OK;
}

/*
 * Calls action page by page (MaxRecords 100) until Marker is absent. Bounds:
 * RDS_MAX_PAGES pages, max_list_bytes reply bytes in total, and no Marker
 * may come back twice (a cycle A, B, A would otherwise run to the page cap).
 */
static int
paginate(struct ag_aws_client *c, const char *action, const struct ag_kvlist *base,
    const struct ag_kvlist *filters, const struct list_shape *sh, page_fn fn, void *ctx,
    struct ag_error *err)
{
	struct ag_strlist markers = AG_STRLIST_INIT, ids = AG_STRLIST_INIT;
	size_t max_bytes = ag_aws_client_config(c)->max_list_bytes, total = 0;
	char *marker = NULL;
	int pages = 0, ret = AG_OK;

	do {
		struct ag_kvlist p = AG_KVLIST_INIT;
		struct ag_aws_response r;
		const struct ag_xml_node *list = NULL;
		const char *m;

		if (base)
			ag_kvlist_copy(&p, base);
		if (filters && filters->n)
			ag_aws_query_add_filters(&p, filters);
		ag_kvlist_add(&p, "MaxRecords", "100");
		if (marker)
			ag_kvlist_add(&p, "Marker", marker);
		ret = ag_rds_call(c, action, &p, &r, err);
		ag_kvlist_release(&p);
		if (ret != 0)
			break;
		total += r.body_len;
		if (max_bytes && total > max_bytes) {
			ag_aws_response_release(&r);
			ret = ag_error_set(err, AG_ETOOBIG,
			    "rds %s: the replies exceed %zu bytes in total after %d pages", action,
			    max_bytes, pages + 1);
			break;
		}
		if ((ret = check_page(&list, &ids, action, &r, sh, err)) != 0 || list == NULL) {
			if (ret == 0) /* check_page sets it when it returns 0 */
				ret = ag_error_set(
				    err, AG_EAWS, "rds %s: no list in the reply", action);
			ag_aws_response_release(&r);
			break;
		}
		fn(ctx, list);
		m = ag_xml_text(r.result, "Marker");
		free(marker);
		marker = m && *m ? ag_xstrdup(m) : NULL;
		ag_aws_response_release(&r);
		if (marker && ag_strlist_contains(&markers, marker)) {
			ret = ag_error_set(err, AG_EAWS,
			    "rds %s: Marker '%.40s' came back a second time (page %d); the "
			    "pages would never end",
			    action, marker, pages + 1);
			break;
		}
		if (marker)
			ag_strlist_add(&markers, marker);
		if (++pages >= RDS_MAX_PAGES && marker) {
			ret = ag_error_set(
			    err, AG_ETOOBIG, "rds %s: more than %d pages", action, RDS_MAX_PAGES);
			break;
		}
	} while (marker);
	if (ret == AG_OK && sh->id)
		ret = check_unique(action, sh, &ids, err);
	free(marker);
	ag_strlist_release(&markers);
	ag_strlist_release(&ids);
	return ret;
}

/* Identifiers from replies in lower case: RDS compares them
 * case-insensitively, and so must every comparison with a manifest. */
static void
lower_cluster_ids(struct ag_db_cluster *c)
{
	size_t i;

	lower_in_place(c->id);
	for (i = 0; i < c->n_members; i++)
		lower_in_place(c->members[i].instance_id);
}

static void
lower_instance_ids(struct ag_db_instance *d)
{
	lower_in_place(d->id);
	lower_in_place(d->cluster_id);
}

struct ag_db_cluster *
ag_rds_add_cluster(struct ag_observed *o, const struct ag_xml_node *n)
{
	struct sink k = {&o->strings, &o->interned};
	struct ag_db_cluster *c = ag_observed_add_cluster(o);

	decode_cluster(c, n, &k);
	lower_cluster_ids(c);
	return c;
}

struct ag_db_instance *
ag_rds_add_instance(struct ag_observed *o, const struct ag_xml_node *n)
{
	struct sink k = {&o->strings, &o->interned};
	struct ag_db_instance *d = ag_observed_add_instance(o);

	decode_instance(d, n, &k);
	lower_instance_ids(d);
	return d;
}

static void
page_clusters(void *ctx, const struct ag_xml_node *l)
{
	size_t i;

	for (i = 0; i < l->n_kids; i++)
		ag_rds_add_cluster(ctx, l->kids[i]);
}

static void
page_instances(void *ctx, const struct ag_xml_node *l)
{
	size_t i;

	for (i = 0; i < l->n_kids; i++)
		ag_rds_add_instance(ctx, l->kids[i]);
}

/* Every page of DescribeDBClusters (instances false) or
 * DescribeDBInstances into out, not indexed. */
static int
describe_rds(struct ag_aws_client *c, bool instances, const char *id,
    const struct ag_kvlist *filters, struct ag_observed *out, struct ag_error *err)
{
	struct ag_kvlist p = AG_KVLIST_INIT;
	int ret;

	if (id)
		ag_kvlist_add(&p, instances ? "DBInstanceIdentifier" : "DBClusterIdentifier", id);
	ret = instances ? paginate(c, "DescribeDBInstances", &p, filters, &shape_instances,
	                      page_instances, out, err)
	                : paginate(c, "DescribeDBClusters", &p, filters, &shape_clusters,
	                      page_clusters, out, err);
	ag_kvlist_release(&p);
	return ret;
}

int
ag_rds_describe_db_clusters(struct ag_aws_client *c, const char *id,
    const struct ag_kvlist *filters, struct ag_observed *out, struct ag_error *err)
{
	int ret = describe_rds(c, false, id, filters, out, err);

	ag_observed_index(out);
	return ret;
}

int
ag_rds_describe_db_instances(struct ag_aws_client *c, const char *id,
    const struct ag_kvlist *filters, struct ag_observed *out, struct ag_error *err)
{
	int ret = describe_rds(c, true, id, filters, out, err);

	ag_observed_index(out);
	return ret;
}

/* One stream of the fleet read: every page of DescribeDBClusters or
 * DescribeDBInstances (Marker after Marker) into a part of its own, moved
 * into out once every stream of the batch has succeeded. */
struct rds_stream {
	bool instances;
	struct ag_kvlist filters;
	struct ag_observed part;
	struct ag_observed *out;
};

static int
run_stream(struct ag_aws_client *c, void *arg, struct ag_error *err)
{
	struct rds_stream *s = arg;

	/* not indexed: the part is moved into out, which is indexed then */
	return describe_rds(c, s->instances, NULL, &s->filters, &s->part, err);
}

static void
done_stream(void *arg, bool ok)
{
	struct rds_stream *s = arg;

	if (ok) {
		ag_observed_take_rds(s->out, &s->part);
		ag_observed_index(s->out);
	}
	ag_observed_release(&s->part);
	ag_kvlist_release(&s->filters);
	free(s);
}

static void
add_stream(struct ag_aws_batch *b, bool instances, const struct ag_kvlist *filters,
    struct ag_observed *out)
{
	struct rds_stream *s = ag_xcalloc(1, sizeof(*s));

	s->instances = instances;
	if (filters)
		ag_kvlist_copy(&s->filters, filters);
	ag_observed_init(&s->part);
	s->out = out;
	ag_aws_batch_add(b, run_stream, done_stream, s);
}

void
ag_rds_batch_describe_all(
    struct ag_aws_batch *b, const struct ag_kvlist *filters, struct ag_observed *out)
{
	add_stream(b, false, filters, out);
	add_stream(b, true, filters, out);
}

int
ag_rds_describe_all(struct ag_aws_client *c, const struct ag_kvlist *filters,
    struct ag_observed *out, struct ag_error *err)
{
	struct ag_aws_batch b = AG_AWS_BATCH_INIT;

	ag_rds_batch_describe_all(&b, filters, out);
	return ag_aws_batch_run(c, &b, AG_AWS_MAX_IN_FLIGHT, err);
}

/*
 * The clusters named in ids (any case) and their instances: per 100
 * identifiers one paginated DescribeDBClusters and one DescribeDBInstances,
 * both with the Filter db-cluster-id (a filter, not DBClusterIdentifier,
 * so an identifier that does not exist is simply absent from the reply).
 * Each is a stream of its own.
 */
void
ag_rds_batch_clusters_by_id(struct ag_aws_batch *b, const char *const *ids, size_t n,
    bool instances, struct ag_observed *out)
{
	struct ag_strlist uniq = AG_STRLIST_INIT;
	size_t i, start;

	for (i = 0; i < n; i++) {
		char *low;

		if (ids[i] == NULL || ids[i][0] == '\0')
			continue;
		low = ag_xstrdup(ids[i]);
		lower_in_place(low);
		if (!ag_strlist_contains(&uniq, low))
			ag_strlist_add(&uniq, low);
		free(low);
	}
	for (start = 0; start < uniq.n; start += AG_RDS_FILTER_VALUES) {
		struct ag_kvlist f = AG_KVLIST_INIT;

		for (i = start; i < uniq.n && i < start + AG_RDS_FILTER_VALUES; i++)
			ag_kvlist_add(&f, "db-cluster-id", uniq.v[i]);
		add_stream(b, false, &f, out);
		if (instances)
			add_stream(b, true, &f, out);
		ag_kvlist_release(&f);
	}
	ag_strlist_release(&uniq);
}

int
ag_rds_describe_clusters_by_id(struct ag_aws_client *c, const char *const *ids, size_t n,
    bool instances, struct ag_observed *out, struct ag_error *err)
{
	struct ag_aws_batch b = AG_AWS_BATCH_INIT;

	ag_rds_batch_clusters_by_id(&b, ids, n, instances, out);
	return ag_aws_batch_run(c, &b, AG_AWS_MAX_IN_FLIGHT, err);
}

/* Single-object calls ------------------------------------------------- */

static int
call_one(struct ag_aws_client *c, const char *action, const struct ag_kvlist *params,
    const char *elem, void (*decode)(void *, const struct ag_xml_node *), void *out,
    struct ag_error *err)
{
	struct ag_aws_response r;
	const struct ag_xml_node *n;
	int ret;

	if ((ret = ag_rds_call(c, action, params, &r, err)) != 0)
		return ret;
	if (out && elem) {
		n = ag_xml_child(r.result, elem);
		if (!n) {
			ag_aws_response_release(&r);
			return ag_error_set(
			    err, AG_EAWS, "rds %s: reply has no %s element", action, elem);
		}
		decode(out, n);
	}
	ag_aws_response_release(&r);
	return AG_OK;
}

static void
dec_cluster(void *o, const struct ag_xml_node *n)
{
	ag_rds_decode_cluster(o, n);
	lower_cluster_ids(o);
}

static void
dec_instance(void *o, const struct ag_xml_node *n)
{
	ag_rds_decode_instance(o, n);
	lower_instance_ids(o);
}

static void
dec_subnet_group(void *o, const struct ag_xml_node *n)
{
	ag_rds_decode_subnet_group(o, n);
}

static void
dec_global_cluster(void *o, const struct ag_xml_node *n)
{
	ag_rds_decode_global_cluster(o, n);
}

static void
dec_param_group(void *o, const struct ag_xml_node *n)
{
	decode_param_group(o, n);
}

static void
dec_snapshot(void *o, const struct ag_xml_node *n)
{
	ag_rds_decode_cluster_snapshot(o, n);
}

#define CLUSTER_OP(fn, action)                                                                     \
	int fn(struct ag_aws_client *c, const struct ag_kvlist *params, struct ag_db_cluster *out, \
	    struct ag_error *err)                                                                  \
	{                                                                                          \
		return call_one(c, action, params, "DBCluster", dec_cluster, out, err);            \
	}

CLUSTER_OP(ag_rds_create_db_cluster, "CreateDBCluster")
CLUSTER_OP(ag_rds_modify_db_cluster, "ModifyDBCluster")
CLUSTER_OP(ag_rds_delete_db_cluster, "DeleteDBCluster")
CLUSTER_OP(ag_rds_restore_db_cluster_from_snapshot, "RestoreDBClusterFromSnapshot")

int
ag_rds_promote_read_replica_db_cluster(struct ag_aws_client *c, const char *cluster_id,
    struct ag_db_cluster *out, struct ag_error *err)
{
	struct ag_kvlist p = AG_KVLIST_INIT;
	int ret;

	ag_kvlist_add(&p, "DBClusterIdentifier", cluster_id);
	ret = call_one(c, "PromoteReadReplicaDBCluster", &p, "DBCluster", dec_cluster, out, err);
	ag_kvlist_release(&p);
	return ret;
}

#define INSTANCE_OP(fn, action)                                                                    \
	int fn(struct ag_aws_client *c, const struct ag_kvlist *params,                            \
	    struct ag_db_instance *out, struct ag_error *err)                                      \
	{                                                                                          \
		return call_one(c, action, params, "DBInstance", dec_instance, out, err);          \
	}

INSTANCE_OP(ag_rds_create_db_instance, "CreateDBInstance")
INSTANCE_OP(ag_rds_modify_db_instance, "ModifyDBInstance")
INSTANCE_OP(ag_rds_delete_db_instance, "DeleteDBInstance")

int
ag_rds_create_db_subnet_group(struct ag_aws_client *c, const struct ag_kvlist *params,
    struct ag_rds_subnet_group *out, struct ag_error *err)
{
	return call_one(
	    c, "CreateDBSubnetGroup", params, "DBSubnetGroup", dec_subnet_group, out, err);
}

int
ag_rds_modify_db_subnet_group(struct ag_aws_client *c, const struct ag_kvlist *params,
    struct ag_rds_subnet_group *out, struct ag_error *err)
{
	return call_one(
	    c, "ModifyDBSubnetGroup", params, "DBSubnetGroup", dec_subnet_group, out, err);
}

static int
call_name(struct ag_aws_client *c, const char *action, const char *key, const char *value,
    struct ag_error *err)
{
	struct ag_kvlist p = AG_KVLIST_INIT;
	int ret;

	ag_kvlist_add(&p, key, value);
	ret = call_one(c, action, &p, NULL, NULL, NULL, err);
	ag_kvlist_release(&p);
	return ret;
}

int
ag_rds_delete_db_subnet_group(struct ag_aws_client *c, const char *name, struct ag_error *err)
{
	return call_name(c, "DeleteDBSubnetGroup", "DBSubnetGroupName", name, err);
}

struct list_ctx {
	struct list_shape shape;
	size_t elem_size;
	void (*decode)(void *, const struct ag_xml_node *);
	void *v;
	size_t n;
	size_t cap;
};

static void
page_list(void *ctx, const struct ag_xml_node *l)
{
	struct list_ctx *lc = ctx;
	size_t i;

	for (i = 0; i < l->n_kids; i++) {
		if (lc->n == lc->cap) {
			size_t ncap = lc->cap ? lc->cap * 2 : 8;

			lc->v = ag_xrealloc(lc->v, ncap * lc->elem_size);
			lc->cap = ncap;
		}
		lc->decode((char *)lc->v + lc->n * lc->elem_size, l->kids[i]);
		lc->n++;
	}
}

static int
describe_list(struct ag_aws_client *c, const char *action, const struct ag_kvlist *base,
    const struct ag_kvlist *filters, struct list_ctx *lc, void **out, size_t *n,
    void (*free_fn)(void *, size_t), struct ag_error *err)
{
	int ret = paginate(c, action, base, filters, &lc->shape, page_list, lc, err);

	if (ret != 0) {
		free_fn(lc->v, lc->n);
		*out = NULL;
		*n = 0;
		return ret;
	}
	*out = lc->v;
	*n = lc->n;
	return AG_OK;
}

static void
free_subnet_groups(void *v, size_t n)
{
	ag_rds_subnet_groups_free(v, n);
}

static void
free_global_clusters(void *v, size_t n)
{
	ag_rds_global_clusters_free(v, n);
}

static void
free_param_groups(void *v, size_t n)
{
	ag_rds_cluster_param_groups_free(v, n);
}

static void
free_params(void *v, size_t n)
{
	ag_rds_parameters_free(v, n);
}

static void
free_snapshots(void *v, size_t n)
{
	ag_rds_cluster_snapshots_free(v, n);
}

static void
dec_parameter(void *o, const struct ag_xml_node *n)
{
	decode_parameter(o, n);
}

int
ag_rds_describe_db_subnet_groups(struct ag_aws_client *c, const char *name,
    const struct ag_kvlist *filters, struct ag_rds_subnet_group **out, size_t *n,
    struct ag_error *err)
{
	struct list_ctx lc = {{"DBSubnetGroups", "DBSubnetGroup", "DBSubnetGroupName"},
	    sizeof(**out), dec_subnet_group, NULL, 0, 0};
	struct ag_kvlist p = AG_KVLIST_INIT;
	void *v;
	int ret;

	if (name)
		ag_kvlist_add(&p, "DBSubnetGroupName", name);
	ret = describe_list(
	    c, "DescribeDBSubnetGroups", &p, filters, &lc, &v, n, free_subnet_groups, err);
	*out = v;
	ag_kvlist_release(&p);
	return ret;
}

/* DescribeDBSubnetGroups (all, every page) as a stream of a batch. */
struct subnet_stream {
	struct ag_rds_subnet_group *v;
	size_t n;
	struct ag_rds_subnet_group **out;
	size_t *out_n;
};

static int
run_subnet_stream(struct ag_aws_client *c, void *arg, struct ag_error *err)
{
	struct subnet_stream *s = arg;

	return ag_rds_describe_db_subnet_groups(c, NULL, NULL, &s->v, &s->n, err);
}

static void
done_subnet_stream(void *arg, bool ok)
{
	struct subnet_stream *s = arg;

	if (ok) {
		*s->out = s->v;
		*s->out_n = s->n;
	} else {
		ag_rds_subnet_groups_free(s->v, s->n);
	}
	free(s);
}

void
ag_rds_batch_subnet_groups(struct ag_aws_batch *b, struct ag_rds_subnet_group **out, size_t *n)
{
	struct subnet_stream *s = ag_xcalloc(1, sizeof(*s));

	*out = NULL;
	*n = 0;
	s->out = out;
	s->out_n = n;
	ag_aws_batch_add(b, run_subnet_stream, done_subnet_stream, s);
}

int
ag_rds_describe_global_clusters(
    struct ag_aws_client *c, struct ag_rds_global_cluster **out, size_t *n, struct ag_error *err)
{
	struct list_ctx lc = {{"GlobalClusters", "GlobalClusterMember", "GlobalClusterIdentifier"},
	    sizeof(**out), dec_global_cluster, NULL, 0, 0};
	void *v;
	int ret;

	ret = describe_list(
	    c, "DescribeGlobalClusters", NULL, NULL, &lc, &v, n, free_global_clusters, err);
	*out = v;
	return ret;
}

int
ag_rds_create_db_cluster_parameter_group(struct ag_aws_client *c, const struct ag_kvlist *params,
    struct ag_rds_cluster_param_group *out, struct ag_error *err)
{
	return call_one(c, "CreateDBClusterParameterGroup", params, "DBClusterParameterGroup",
	    dec_param_group, out, err);
}

int
ag_rds_modify_db_cluster_parameter_group(struct ag_aws_client *c, const char *name,
    const struct ag_aws_param_setting *settings, size_t n, struct ag_error *err)
{
	struct ag_kvlist p = AG_KVLIST_INIT;
	int ret;

	ag_kvlist_add(&p, "DBClusterParameterGroupName", name);
	ag_aws_query_add_parameters(&p, settings, n);
	ret = call_one(c, "ModifyDBClusterParameterGroup", &p, NULL, NULL, NULL, err);
	ag_kvlist_release(&p);
	return ret;
}

int
ag_rds_reset_db_cluster_parameter_group(struct ag_aws_client *c, const char *name, bool reset_all,
    const struct ag_aws_param_setting *settings, size_t n, struct ag_error *err)
{
	struct ag_kvlist p = AG_KVLIST_INIT;
	size_t i;
	int ret;

	ag_kvlist_add(&p, "DBClusterParameterGroupName", name);
	if (reset_all) {
		ag_kvlist_add(&p, "ResetAllParameters", "true");
	} else {
		for (i = 0; i < n; i++) {
			struct ag_aws_param_setting s = settings[i];

			s.value = NULL;
			if (!s.apply_method)
				s.apply_method = "pending-reboot";
			/* Keep numbering: add one at a time with the right index. */
			{
				char *k =
				    ag_xasprintf("Parameters.Parameter.%zu.ParameterName", i + 1);
				char *m =
				    ag_xasprintf("Parameters.Parameter.%zu.ApplyMethod", i + 1);

				ag_kvlist_add(&p, k, s.name);
				ag_kvlist_add(&p, m, s.apply_method);
				free(k);
				free(m);
			}
		}
	}
	ret = call_one(c, "ResetDBClusterParameterGroup", &p, NULL, NULL, NULL, err);
	ag_kvlist_release(&p);
	return ret;
}

int
ag_rds_delete_db_cluster_parameter_group(
    struct ag_aws_client *c, const char *name, struct ag_error *err)
{
	return call_name(
	    c, "DeleteDBClusterParameterGroup", "DBClusterParameterGroupName", name, err);
}

int
ag_rds_describe_db_cluster_parameter_groups(struct ag_aws_client *c, const char *name,
    const struct ag_kvlist *filters, struct ag_rds_cluster_param_group **out, size_t *n,
    struct ag_error *err)
{
	struct list_ctx lc = {
	    {"DBClusterParameterGroups", "DBClusterParameterGroup", "DBClusterParameterGroupName"},
	    sizeof(**out), dec_param_group, NULL, 0, 0};
	struct ag_kvlist p = AG_KVLIST_INIT;
	void *v;
	int ret;

	if (name)
		ag_kvlist_add(&p, "DBClusterParameterGroupName", name);
	ret = describe_list(
	    c, "DescribeDBClusterParameterGroups", &p, filters, &lc, &v, n, free_param_groups, err);
	*out = v;
	ag_kvlist_release(&p);
	return ret;
}

int
ag_rds_describe_db_cluster_parameters(struct ag_aws_client *c, const char *group,
    const char *source, const struct ag_kvlist *filters, struct ag_rds_parameter **out, size_t *n,
    struct ag_error *err)
{
	struct list_ctx lc = {
	    {"Parameters", "Parameter", "ParameterName"}, sizeof(**out), dec_parameter, NULL, 0, 0};
	struct ag_kvlist p = AG_KVLIST_INIT;
	void *v;
	int ret;

	ag_kvlist_add(&p, "DBClusterParameterGroupName", group);
	if (source)
		ag_kvlist_add(&p, "Source", source);
	ret = describe_list(
	    c, "DescribeDBClusterParameters", &p, filters, &lc, &v, n, free_params, err);
	*out = v;
	ag_kvlist_release(&p);
	return ret;
}

int
ag_rds_create_db_cluster_snapshot(struct ag_aws_client *c, const struct ag_kvlist *params,
    struct ag_rds_cluster_snapshot *out, struct ag_error *err)
{
	return call_one(
	    c, "CreateDBClusterSnapshot", params, "DBClusterSnapshot", dec_snapshot, out, err);
}

int
ag_rds_describe_db_cluster_snapshots(struct ag_aws_client *c, const char *cluster_id,
    const char *snapshot_id, const struct ag_kvlist *filters, struct ag_rds_cluster_snapshot **out,
    size_t *n, struct ag_error *err)
{
	struct list_ctx lc = {
	    {"DBClusterSnapshots", "DBClusterSnapshot", "DBClusterSnapshotIdentifier"},
	    sizeof(**out), dec_snapshot, NULL, 0, 0};
	struct ag_kvlist p = AG_KVLIST_INIT;
	void *v;
	int ret;

	if (cluster_id)
		ag_kvlist_add(&p, "DBClusterIdentifier", cluster_id);
	if (snapshot_id)
		ag_kvlist_add(&p, "DBClusterSnapshotIdentifier", snapshot_id);
	ret = describe_list(
	    c, "DescribeDBClusterSnapshots", &p, filters, &lc, &v, n, free_snapshots, err);
	*out = v;
	ag_kvlist_release(&p);
	return ret;
}

int
ag_rds_delete_db_cluster_snapshot(
    struct ag_aws_client *c, const char *snapshot_id, struct ag_error *err)
{
	return call_name(
	    c, "DeleteDBClusterSnapshot", "DBClusterSnapshotIdentifier", snapshot_id, err);
}

int
ag_rds_add_tags(
    struct ag_aws_client *c, const char *arn, const struct ag_kvlist *tags, struct ag_error *err)
{
	struct ag_kvlist p = AG_KVLIST_INIT;
	int ret;

	ag_kvlist_add(&p, "ResourceName", arn);
	ag_aws_query_add_tags(&p, "Tags.Tag", tags);
	ret = call_one(c, "AddTagsToResource", &p, NULL, NULL, NULL, err);
	ag_kvlist_release(&p);
	return ret;
}

int
ag_rds_remove_tags(
    struct ag_aws_client *c, const char *arn, const struct ag_strlist *keys, struct ag_error *err)
{
	struct ag_kvlist p = AG_KVLIST_INIT;
	int ret;

	ag_kvlist_add(&p, "ResourceName", arn);
	ag_aws_query_add_list(&p, "TagKeys", "member", keys);
	ret = call_one(c, "RemoveTagsFromResource", &p, NULL, NULL, NULL, err);
	ag_kvlist_release(&p);
	return ret;
}

int
ag_rds_list_tags(
    struct ag_aws_client *c, const char *arn, struct ag_kvlist *out, struct ag_error *err)
{
	struct ag_kvlist p = AG_KVLIST_INIT;
	struct ag_aws_response r;
	int ret;

	ag_kvlist_add(&p, "ResourceName", arn);
	ret = ag_rds_call(c, "ListTagsForResource", &p, &r, err);
	ag_kvlist_release(&p);
	if (ret != 0)
		return ret;
	ag_xml_tags(out, r.result, "TagList");
	ag_aws_response_release(&r);
	return AG_OK;
}

/* Waiters ------------------------------------------------------------- */

static const char *const avail_fail[] = {
    "deleted", "deleting", "failed", "incompatible-restore", "incompatible-parameters", NULL};
static const char *const deleted_fail[] = {
    "creating", "modifying", "rebooting", "resetting-master-credentials", NULL};

static int
listed(const char *const *l, const char *s)
{
	for (; s && *l; l++)
		if (strcmp(*l, s) == 0)
			return 1;
	return 0;
}

int
ag_rds_wait(struct ag_aws_client *c, const struct ag_rds_waiter *w, struct ag_error *err)
{
	const struct ag_clock *clk = ag_aws_client_clock(c);
	const char *kind = w->instance ? "DB instance" : "DB cluster";
	const char *goal = w->want_deleted ? "deleted" : "available";
	const char *id = w->id;
	int64_t start = clk->mono_ms(clk->ctx), poll_ms = w->poll_ms, timeout_ms = w->timeout_ms;
	char last[64] = "unknown";
	int polls = 0;

	for (;;) {
		struct ag_observed o;
		const char *status = NULL;
		int ret;

		ag_observed_init(&o);
		ret = w->instance ? ag_rds_describe_db_instances(c, id, NULL, &o, err)
		                  : ag_rds_describe_db_clusters(c, id, NULL, &o, err);
		polls++;
		if (ret == AG_ENOTFOUND ||
		    (ret == 0 && (w->instance ? o.n_instances : o.n_clusters) == 0)) {
			ag_observed_release(&o);
			if (w->want_deleted) {
				ag_error_clear(err);
				return AG_OK;
			}
			if (ret == 0)
				ag_error_set(err, AG_ENOTFOUND, "%s '%s' not found", kind, id);
			ag_error_prefix(err, "waiting for %s '%s' to become available", kind, id);
			return AG_ENOTFOUND;
		}
		if (ret != 0) {
			ag_observed_release(&o);
			ag_error_prefix(err, "waiting for %s '%s' to become %s", kind, id, goal);
			return ret;
		}
		status = w->instance ? o.instances[0].status : o.clusters[0].status;
		snprintf(last, sizeof(last), "%s", status ? status : "unknown");
		ag_observed_release(&o);
		if (w->progress)
			w->progress(w->ctx, w->instance ? "instance" : "cluster", id, last, goal,
			    clk->mono_ms(clk->ctx) - start);
		if (!w->want_deleted && strcmp(last, "available") == 0)
			return AG_OK;
		if (listed(w->want_deleted ? deleted_fail : avail_fail, last))
			return ag_error_set(err, AG_EAWS,
			    "waiting for %s '%s' to become %s: it is '%s', which will not lead "
			    "there",
			    kind, id, goal, last);
		if (clk->mono_ms(clk->ctx) - start + poll_ms > timeout_ms)
			return ag_error_set(err, AG_ETIMEOUT,
			    "timed out after %lld ms waiting for %s '%s' to become %s (last status "
			    "'%s', %d polls)",
			    (long long)timeout_ms, kind, id, goal, last, polls);
		if (!ag_aws_client_stopping(c)) {
			ag_log_debug("%s '%s' is '%s'; waiting %lld ms for '%s'", kind, id, last,
			    (long long)poll_ms, goal);
			clk->sleep_ms(clk->ctx, poll_ms);
		}
		if (ag_aws_client_stopping(c))
			return ag_error_set(err, AG_ESTOPPED,
			    "stopped while waiting for %s '%s' to become %s (it was '%s' after "
			    "%lld s)",
			    kind, id, goal, last,
			    (long long)((clk->mono_ms(clk->ctx) - start) / 1000));
	}
}

static int
wait_for(struct ag_aws_client *c, int instance, const char *id, int want_deleted, int64_t poll_ms,
    int64_t timeout_ms, struct ag_error *err)
{
	struct ag_rds_waiter w = {0};

	w.instance = instance != 0;
	w.want_deleted = want_deleted != 0;
	w.id = id;
	w.poll_ms = poll_ms;
	w.timeout_ms = timeout_ms;
	return ag_rds_wait(c, &w, err);
}

int
ag_rds_wait_cluster_available(struct ag_aws_client *c, const char *id, int64_t poll_ms,
    int64_t timeout_ms, struct ag_error *err)
{
	return wait_for(c, 0, id, 0, poll_ms, timeout_ms, err);
}

int
ag_rds_wait_cluster_deleted(struct ag_aws_client *c, const char *id, int64_t poll_ms,
    int64_t timeout_ms, struct ag_error *err)
{
	return wait_for(c, 0, id, 1, poll_ms, timeout_ms, err);
}

int
ag_rds_wait_instance_available(struct ag_aws_client *c, const char *id, int64_t poll_ms,
    int64_t timeout_ms, struct ag_error *err)
{
	return wait_for(c, 1, id, 0, poll_ms, timeout_ms, err);
}

int
ag_rds_wait_instance_deleted(struct ag_aws_client *c, const char *id, int64_t poll_ms,
    int64_t timeout_ms, struct ag_error *err)
{
	return wait_for(c, 1, id, 1, poll_ms, timeout_ms, err);
}

/* Runbook reads ------------------------------------------------------- */

void
ag_rds_events_free(struct ag_rds_event *v, size_t n)
{
	size_t i;

	for (i = 0; v && i < n; i++) {
		free(v[i].source_id);
		free(v[i].source_type);
		free(v[i].date);
		free(v[i].message);
		ag_strlist_release(&v[i].categories);
	}
	free(v);
}

static void
dec_event(void *o, const struct ag_xml_node *n)
{
	struct ag_rds_event *e = o;

	memset(e, 0, sizeof(*e));
	e->source_id = ag_xml_dup(n, "SourceIdentifier");
	e->source_type = ag_xml_dup(n, "SourceType");
	e->date = ag_xml_dup(n, "Date");
	e->message = ag_xml_dup(n, "Message");
	ag_xml_strlist(&e->categories, n, "EventCategories");
}

static void
free_events(void *v, size_t n)
{
	ag_rds_events_free(v, n);
}

int
ag_rds_describe_events(struct ag_aws_client *c, const char *source_id, const char *source_type,
    const char *start_iso, struct ag_rds_event **out, size_t *n, struct ag_error *err)
{
	struct list_ctx lc = {{"Events", "Event", NULL}, sizeof(**out), dec_event, NULL, 0, 0};
	struct ag_kvlist p = AG_KVLIST_INIT;
	void *v;
	int ret;

	ag_kvlist_add(&p, "SourceIdentifier", source_id);
	ag_kvlist_add(&p, "SourceType", source_type);
	if (start_iso)
		ag_kvlist_add(&p, "StartTime", start_iso);
	ret = describe_list(c, "DescribeEvents", &p, NULL, &lc, &v, n, free_events, err);
	*out = v;
	ag_kvlist_release(&p);
	return ret;
}

void
ag_rds_pending_actions_free(struct ag_rds_pending_action *v, size_t n)
{
	size_t i;

	for (i = 0; v && i < n; i++) {
		free(v[i].resource);
		free(v[i].action);
		free(v[i].description);
		free(v[i].auto_applied_after);
		free(v[i].forced_apply);
		free(v[i].current_apply);
		free(v[i].opt_in_status);
	}
	free(v);
}

/* One ResourcePendingMaintenanceActions holds several actions: the page
 * callback flattens them into (resource, action) rows. */
struct pending_ctx {
	struct ag_rds_pending_action *v;
	size_t n, cap;
};

static void
page_pending(void *ctx, const struct ag_xml_node *l)
{
	struct pending_ctx *pc = ctx;
	size_t i, j;

	for (i = 0; i < l->n_kids; i++) {
		const struct ag_xml_node *r = l->kids[i];
		const struct ag_xml_node *d = ag_xml_child(r, "PendingMaintenanceActionDetails");

		for (j = 0; d && j < d->n_kids; j++) {
			const struct ag_xml_node *a = d->kids[j];
			struct ag_rds_pending_action *x;

			AG_GROW(pc->v, pc->cap, pc->n + 1);
			x = &pc->v[pc->n++];
			memset(x, 0, sizeof(*x));
			x->resource = ag_xml_dup(r, "ResourceIdentifier");
			x->action = ag_xml_dup(a, "Action");
			x->description = ag_xml_dup(a, "Description");
			x->auto_applied_after = ag_xml_dup(a, "AutoAppliedAfterDate");
			x->forced_apply = ag_xml_dup(a, "ForcedApplyDate");
			x->current_apply = ag_xml_dup(a, "CurrentApplyDate");
			x->opt_in_status = ag_xml_dup(a, "OptInStatus");
		}
	}
}

int
ag_rds_describe_pending_maintenance(struct ag_aws_client *c, const char *filter_name,
    const struct ag_strlist *ids, struct ag_rds_pending_action **out, size_t *n,
    struct ag_error *err)
{
	static const struct list_shape sh = {
	    "PendingMaintenanceActions", "ResourcePendingMaintenanceActions", NULL};
	struct pending_ctx pc = {NULL, 0, 0};
	struct ag_kvlist f = AG_KVLIST_INIT;
	size_t i;
	int ret;

	for (i = 0; i < ids->n; i++)
		ag_kvlist_add(&f, filter_name, ids->v[i]);
	ret =
	    paginate(c, "DescribePendingMaintenanceActions", NULL, &f, &sh, page_pending, &pc, err);
	ag_kvlist_release(&f);
	if (ret != 0) {
		ag_rds_pending_actions_free(pc.v, pc.n);
		pc.v = NULL;
		pc.n = 0;
	}
	*out = pc.v;
	*n = pc.n;
	return ret;
}
