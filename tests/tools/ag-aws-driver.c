/*
 * ag-aws-driver: runs one AWS client operation and prints the decoded
 * result as JSON, for the end-to-end tests.
 *
 *   ag-aws-driver [--stats] [--fixed-date YYYYMMDDTHHMMSSZ] OP [key=value...]
 *
 * Configuration comes from the environment (ag_aws_config_from_env). On
 * failure the error goes to stderr and the exit status is 1 (3 when the
 * thing was not found). --stats prints request counters and request ids
 * as JSON on stderr.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>

#include "aws/client.h"
#include "aws/ec2.h"
#include "aws/query.h"
#include "aws/rds.h"
#include "aws/sts.h"
#include "core/log.h"
#include "core/mem.h"
#include "core/observed.h"
#include "sys/sysclock.h"

#include "core/banned.h"

static struct ag_kvlist args = AG_KVLIST_INIT;

static const char *
arg(const char *k)
{
	return ag_kvlist_get(&args, k);
}

static const char *
need(const char *k)
{
	const char *v = arg(k);

	if (!v) {
		fprintf(stderr, "ag-aws-driver: missing %s=\n", k);
		exit(64);
	}
	return v;
}

static json_t *
jstr(const char *s)
{
	return s ? json_string(s) : json_null();
}

static json_t *
jlist(const struct ag_strlist *l)
{
	json_t *a = json_array();
	size_t i;

	for (i = 0; i < l->n; i++)
		json_array_append_new(a, json_string(l->v[i]));
	return a;
}

static json_t *
jtags(const struct ag_kvlist *l)
{
	json_t *o = json_object();
	size_t i;

	for (i = 0; i < l->n; i++)
		json_object_set_new(o, l->v[i].key, json_string(l->v[i].value));
	return o;
}

static json_t *
jcluster(const struct ag_db_cluster *c)
{
	json_t *o = json_object(), *m = json_array(), *p = json_object();
	size_t i;

	json_object_set_new(o, "id", jstr(c->id));
	json_object_set_new(o, "arn", jstr(c->arn));
	json_object_set_new(o, "resource_id", jstr(c->resource_id));
	json_object_set_new(o, "status", jstr(c->status));
	json_object_set_new(o, "engine", jstr(c->engine));
	json_object_set_new(o, "engine_version", jstr(c->engine_version));
	json_object_set_new(o, "engine_mode", jstr(c->engine_mode));
	json_object_set_new(o, "database_name", jstr(c->database_name));
	json_object_set_new(o, "master_username", jstr(c->master_username));
	json_object_set_new(o, "db_subnet_group", jstr(c->db_subnet_group));
	json_object_set_new(o, "db_cluster_parameter_group", jstr(c->db_cluster_parameter_group));
	json_object_set_new(o, "preferred_backup_window", jstr(c->preferred_backup_window));
	json_object_set_new(
	    o, "preferred_maintenance_window", jstr(c->preferred_maintenance_window));
	json_object_set_new(o, "storage_type", jstr(c->storage_type));
	json_object_set_new(o, "endpoint", jstr(c->endpoint));
	json_object_set_new(o, "reader_endpoint", jstr(c->reader_endpoint));
	json_object_set_new(o, "port", json_integer(c->port));
	json_object_set_new(o, "backup_retention_period", json_integer(c->backup_retention_period));
	json_object_set_new(o, "storage_encrypted", json_boolean(c->storage_encrypted));
	json_object_set_new(o, "deletion_protection", json_boolean(c->deletion_protection));
	json_object_set_new(o, "iam_database_authentication_enabled",
	    json_boolean(c->iam_database_authentication_enabled));
	json_object_set_new(o, "copy_tags_to_snapshot", json_boolean(c->copy_tags_to_snapshot));
	json_object_set_new(
	    o, "enabled_cloudwatch_logs_exports", jlist(&c->enabled_cloudwatch_logs_exports));
	json_object_set_new(o, "vpc_security_group_ids", jlist(&c->vpc_security_group_ids));
	json_object_set_new(o, "availability_zones", jlist(&c->availability_zones));
	if (c->has_serverless_v2) {
		json_object_set_new(
		    o, "serverless_v2_min_capacity", json_real(c->serverless_v2_min_capacity));
		json_object_set_new(
		    o, "serverless_v2_max_capacity", json_real(c->serverless_v2_max_capacity));
	}
	json_object_set_new(o, "master_user_secret_arn", jstr(c->master_user_secret_arn));
	json_object_set_new(p, "present", json_boolean(c->pending.present));
	json_object_set_new(o, "pending", p);
	for (i = 0; i < c->n_members; i++)
		json_array_append_new(
		    m, json_pack("{s:s, s:b, s:i}", "id", c->members[i].instance_id, "writer",
		           c->members[i].is_writer, "tier", c->members[i].promotion_tier));
	json_object_set_new(o, "members", m);
	json_object_set_new(o, "tags", jtags(&c->tags));
	return o;
}

static json_t *
jinstance(const struct ag_db_instance *x)
{
	json_t *o = json_object();

	json_object_set_new(o, "id", jstr(x->id));
	json_object_set_new(o, "arn", jstr(x->arn));
	json_object_set_new(o, "cluster_id", jstr(x->cluster_id));
	json_object_set_new(o, "instance_class", jstr(x->instance_class));
	json_object_set_new(o, "status", jstr(x->status));
	json_object_set_new(o, "engine", jstr(x->engine));
	json_object_set_new(o, "engine_version", jstr(x->engine_version));
	json_object_set_new(o, "availability_zone", jstr(x->availability_zone));
	json_object_set_new(o, "endpoint_address", jstr(x->endpoint_address));
	json_object_set_new(o, "promotion_tier", json_integer(x->promotion_tier));
	json_object_set_new(o, "pending_instance_class", jstr(x->pending_instance_class));
	json_object_set_new(o, "tags", jtags(&x->tags));
	return o;
}

static json_t *
jobserved(const struct ag_observed *o)
{
	json_t *r = json_object(), *c = json_array(), *i = json_array();
	size_t k;

	for (k = 0; k < o->n_clusters; k++)
		json_array_append_new(c, jcluster(&o->clusters[k]));
	for (k = 0; k < o->n_instances; k++)
		json_array_append_new(i, jinstance(&o->instances[k]));
	json_object_set_new(r, "clusters", c);
	json_object_set_new(r, "instances", i);
	return r;
}

static json_t *
jsubnet_group(const struct ag_rds_subnet_group *g)
{
	return json_pack("{s:o, s:o, s:o, s:o, s:o, s:o}", "name", jstr(g->name), "description",
	    jstr(g->description), "vpc_id", jstr(g->vpc_id), "status", jstr(g->status), "arn",
	    jstr(g->arn), "subnets", jlist(&g->subnet_ids));
}

static json_t *
jsnapshot(const struct ag_rds_cluster_snapshot *s)
{
	return json_pack("{s:o, s:o, s:o, s:o, s:o, s:o}", "id", jstr(s->id), "cluster_id",
	    jstr(s->cluster_id), "arn", jstr(s->arn), "status", jstr(s->status), "engine",
	    jstr(s->engine), "tags", jtags(&s->tags));
}

/* key=value args that are not driver options become Query parameters. */
static void
query_params(struct ag_kvlist *p)
{
	size_t i;

	for (i = 0; i < args.n; i++)
		if (strncmp(args.v[i].key, "filter.", 7) != 0 &&
		    strcmp(args.v[i].key, "poll_ms") != 0 &&
		    strcmp(args.v[i].key, "timeout_ms") != 0)
			ag_kvlist_add(p, args.v[i].key, args.v[i].value);
}

static void
filters(struct ag_kvlist *f)
{
	size_t i;

	for (i = 0; i < args.n; i++)
		if (strncmp(args.v[i].key, "filter.", 7) == 0)
			ag_kvlist_add(f, args.v[i].key + 7, args.v[i].value);
}

static void
split_csv(struct ag_strlist *out, const char *s)
{
	while (s && *s) {
		const char *e = strchr(s, ',');
		char *item = ag_xstrndup(s, e ? (size_t)(e - s) : strlen(s));

		ag_strlist_add(out, item);
		free(item);
		s = e ? e + 1 : NULL;
	}
}

static long
num(const char *k, long def)
{
	const char *v = arg(k);
	char *end;
	long n;

	if (!v)
		return def;
	n = strtol(v, &end, 10);
	if (*end) {
		fprintf(stderr, "ag-aws-driver: %s must be a number\n", k);
		exit(64);
	}
	return n;
}

static int
run(struct ag_aws_client *c, const char *op, json_t **out, struct ag_error *err)
{
	struct ag_kvlist p = AG_KVLIST_INIT, f = AG_KVLIST_INIT;
	int ret = AG_OK;

	query_params(&p);
	filters(&f);
	if (strcmp(op, "call") == 0) {
		/* call service=rds|ec2|sts Action=X k=v... */
		struct ag_aws_response r;
		const char *svc = arg("service") ? arg("service") : "rds";
		enum ag_aws_service s = strcmp(svc, "ec2") == 0   ? AG_AWS_EC2
		                        : strcmp(svc, "sts") == 0 ? AG_AWS_STS
		                                                  : AG_AWS_RDS;
		struct ag_kvlist q = AG_KVLIST_INIT;
		size_t i;

		for (i = 0; i < p.n; i++)
			if (strcmp(p.v[i].key, "service") != 0 && strcmp(p.v[i].key, "Action") != 0)
				ag_kvlist_add(&q, p.v[i].key, p.v[i].value);
		ret = ag_aws_call(c, s, need("Action"), &q, &r, err);
		ag_kvlist_release(&q);
		if (ret == 0) {
			*out = json_pack("{s:s, s:o, s:i}", "root", r.root->name, "request_id",
			    jstr(r.request_id), "http_status", r.http_status);
			ag_aws_response_release(&r);
		}
	} else if (strcmp(op, "creds") == 0) {
		const struct ag_aws_creds *cr;
		char masked[64];

		if ((ret = ag_aws_client_credentials(c, &cr, err)) == 0) {
			ag_aws_mask_key_id(masked, sizeof(masked), cr->access_key_id);
			*out = json_pack("{s:s, s:s, s:b, s:I}", "source", cr->source,
			    "access_key_id", masked, "session_token", cr->session_token != NULL,
			    "expires_ms", (json_int_t)cr->expires_ms);
		}
	} else if (strcmp(op, "whoami") == 0) {
		struct ag_sts_identity id;

		if ((ret = ag_sts_get_caller_identity(c, &id, err)) == 0) {
			*out = json_pack("{s:o, s:o, s:o}", "account", jstr(id.account), "arn",
			    jstr(id.arn), "user_id", jstr(id.user_id));
			ag_sts_identity_release(&id);
		}
	} else if (strcmp(op, "create-vpc") == 0) {
		char *id;

		if ((ret = ag_ec2_create_vpc(c, need("cidr"), &id, err)) == 0) {
			*out = json_pack("{s:s}", "vpc_id", id);
			free(id);
		}
	} else if (strcmp(op, "create-subnet") == 0) {
		char *id;

		if ((ret = ag_ec2_create_subnet(
		         c, need("vpc"), need("cidr"), arg("az"), &id, err)) == 0) {
			*out = json_pack("{s:s}", "subnet_id", id);
			free(id);
		}
	} else if (strcmp(op, "create-sg") == 0) {
		char *id;

		if ((ret = ag_ec2_create_security_group(
		         c, need("name"), need("desc"), arg("vpc"), &id, err)) == 0) {
			*out = json_pack("{s:s}", "group_id", id);
			free(id);
		}
	} else if (strcmp(op, "authorize-ingress") == 0 || strcmp(op, "revoke-ingress") == 0) {
		ret = (op[0] == 'a' ? ag_ec2_authorize_ingress : ag_ec2_revoke_ingress)(c,
		    need("group"), need("proto"), (int)num("from", 0), (int)num("to", 0),
		    arg("cidr"), arg("source_group"), err);
		if (ret == 0)
			*out = json_pack("{s:b}", "ok", 1);
	} else if (strcmp(op, "describe-sgs") == 0) {
		struct ag_ec2_security_group *v;
		struct ag_strlist ids = AG_STRLIST_INIT;
		size_t n, i, j;

		split_csv(&ids, arg("ids"));
		if ((ret = ag_ec2_describe_security_groups(c, &ids, &f, &v, &n, err)) == 0) {
			json_t *a = json_array();

			for (i = 0; i < n; i++) {
				json_t *rules = json_array();

				for (j = 0; j < v[i].n_ingress; j++)
					json_array_append_new(
					    rules, json_pack("{s:o, s:i, s:i, s:o, s:o}", "proto",
					               jstr(v[i].ingress[j].protocol), "from",
					               v[i].ingress[j].from_port, "to",
					               v[i].ingress[j].to_port, "cidrs",
					               jlist(&v[i].ingress[j].cidrs), "groups",
					               jlist(&v[i].ingress[j].group_ids)));
				json_array_append_new(
				    a, json_pack("{s:o, s:o, s:o, s:o}", "id", jstr(v[i].id),
				           "name", jstr(v[i].name), "vpc_id", jstr(v[i].vpc_id),
				           "ingress", rules));
			}
			*out = json_pack("{s:o}", "security_groups", a);
			ag_ec2_security_groups_free(v, n);
		}
		ag_strlist_release(&ids);
	} else if (strcmp(op, "describe-subnets") == 0) {
		struct ag_ec2_subnet *v;
		struct ag_strlist ids = AG_STRLIST_INIT;
		size_t n, i;

		split_csv(&ids, arg("ids"));
		if ((ret = ag_ec2_describe_subnets(c, &ids, &f, &v, &n, err)) == 0) {
			json_t *a = json_array();

			for (i = 0; i < n; i++)
				json_array_append_new(
				    a, json_pack("{s:o, s:o, s:o, s:o}", "id", jstr(v[i].id),
				           "vpc_id", jstr(v[i].vpc_id), "cidr", jstr(v[i].cidr),
				           "az", jstr(v[i].availability_zone)));
			*out = json_pack("{s:o}", "subnets", a);
			ag_ec2_subnets_free(v, n);
		}
		ag_strlist_release(&ids);
	} else if (strcmp(op, "create-subnet-group") == 0 ||
	           strcmp(op, "modify-subnet-group") == 0) {
		struct ag_kvlist q = AG_KVLIST_INIT;
		struct ag_strlist subnets = AG_STRLIST_INIT;
		struct ag_rds_subnet_group g;

		ag_kvlist_add(&q, "DBSubnetGroupName", need("name"));
		if (arg("desc"))
			ag_kvlist_add(&q, "DBSubnetGroupDescription", arg("desc"));
		split_csv(&subnets, need("subnets"));
		ag_aws_query_add_list(&q, "SubnetIds", "SubnetIdentifier", &subnets);
		ret = (op[0] == 'c' ? ag_rds_create_db_subnet_group
		                    : ag_rds_modify_db_subnet_group)(c, &q, &g, err);
		if (ret == 0) {
			*out = jsubnet_group(&g);
			ag_rds_subnet_group_release(&g);
		}
		ag_strlist_release(&subnets);
		ag_kvlist_release(&q);
	} else if (strcmp(op, "describe-subnet-groups") == 0) {
		struct ag_rds_subnet_group *v;
		size_t n, i;

		if ((ret = ag_rds_describe_db_subnet_groups(c, arg("name"), &f, &v, &n, err)) ==
		    0) {
			json_t *a = json_array();

			for (i = 0; i < n; i++)
				json_array_append_new(a, jsubnet_group(&v[i]));
			*out = json_pack("{s:o}", "subnet_groups", a);
			ag_rds_subnet_groups_free(v, n);
		}
	} else if (strcmp(op, "delete-subnet-group") == 0) {
		if ((ret = ag_rds_delete_db_subnet_group(c, need("name"), err)) == 0)
			*out = json_pack("{s:b}", "ok", 1);
	} else if (strcmp(op, "create-param-group") == 0) {
		struct ag_rds_cluster_param_group g;

		if ((ret = ag_rds_create_db_cluster_parameter_group(c, &p, &g, err)) == 0) {
			*out = json_pack("{s:o, s:o, s:o}", "name", jstr(g.name), "family",
			    jstr(g.family), "arn", jstr(g.arn));
			ag_rds_cluster_param_group_release(&g);
		}
	} else if (strcmp(op, "modify-param-group") == 0 || strcmp(op, "reset-param-group") == 0) {
		/* name=G set.<param>=<value> ... (reset: set.<param>= or all=true) */
		struct ag_aws_param_setting *s = ag_xcalloc(args.n + 1, sizeof(*s));
		size_t n = 0, i;

		for (i = 0; i < args.n; i++) {
			if (strncmp(args.v[i].key, "set.", 4) != 0)
				continue;
			s[n].name = args.v[i].key + 4;
			s[n].value = args.v[i].value;
			s[n].apply_method = arg("apply") ? arg("apply") : "pending-reboot";
			n++;
		}
		if (op[0] == 'm')
			ret = ag_rds_modify_db_cluster_parameter_group(c, need("name"), s, n, err);
		else
			ret = ag_rds_reset_db_cluster_parameter_group(c, need("name"),
			    arg("all") && strcmp(arg("all"), "true") == 0, s, n, err);
		free(s);
		if (ret == 0)
			*out = json_pack("{s:b}", "ok", 1);
	} else if (strcmp(op, "describe-param-groups") == 0) {
		struct ag_rds_cluster_param_group *v;
		size_t n, i;

		if ((ret = ag_rds_describe_db_cluster_parameter_groups(
		         c, arg("name"), &f, &v, &n, err)) == 0) {
			json_t *a = json_array();

			for (i = 0; i < n; i++)
				json_array_append_new(a,
				    json_pack("{s:o, s:o, s:o}", "name", jstr(v[i].name), "family",
				        jstr(v[i].family), "description", jstr(v[i].description)));
			*out = json_pack("{s:o}", "parameter_groups", a);
			ag_rds_cluster_param_groups_free(v, n);
		}
	} else if (strcmp(op, "describe-params") == 0) {
		struct ag_rds_parameter *v;
		size_t n, i;

		if ((ret = ag_rds_describe_db_cluster_parameters(
		         c, need("name"), arg("source"), &f, &v, &n, err)) == 0) {
			json_t *o = json_object();

			for (i = 0; i < n; i++)
				json_object_set_new(o, v[i].name, jstr(v[i].value));
			*out = json_pack("{s:o}", "parameters", o);
			ag_rds_parameters_free(v, n);
		}
	} else if (strcmp(op, "delete-param-group") == 0) {
		if ((ret = ag_rds_delete_db_cluster_parameter_group(c, need("name"), err)) == 0)
			*out = json_pack("{s:b}", "ok", 1);
	} else if (strcmp(op, "create-cluster") == 0 || strcmp(op, "modify-cluster") == 0 ||
	           strcmp(op, "delete-cluster") == 0 || strcmp(op, "restore-cluster") == 0 ||
	           strcmp(op, "promote-cluster") == 0) {
		struct ag_db_cluster cl;

		memset(&cl, 0, sizeof(cl));
		if (strcmp(op, "create-cluster") == 0)
			ret = ag_rds_create_db_cluster(c, &p, &cl, err);
		else if (strcmp(op, "modify-cluster") == 0)
			ret = ag_rds_modify_db_cluster(c, &p, &cl, err);
		else if (strcmp(op, "delete-cluster") == 0)
			ret = ag_rds_delete_db_cluster(c, &p, &cl, err);
		else if (strcmp(op, "restore-cluster") == 0)
			ret = ag_rds_restore_db_cluster_from_snapshot(c, &p, &cl, err);
		else
			ret = ag_rds_promote_read_replica_db_cluster(
			    c, need("DBClusterIdentifier"), &cl, err);
		if (ret == 0)
			*out = jcluster(&cl);
		ag_db_cluster_release(&cl);
	} else if (strcmp(op, "create-instance") == 0 || strcmp(op, "modify-instance") == 0 ||
	           strcmp(op, "delete-instance") == 0) {
		struct ag_db_instance in;

		memset(&in, 0, sizeof(in));
		if (op[0] == 'c')
			ret = ag_rds_create_db_instance(c, &p, &in, err);
		else if (op[0] == 'm')
			ret = ag_rds_modify_db_instance(c, &p, &in, err);
		else
			ret = ag_rds_delete_db_instance(c, &p, &in, err);
		if (ret == 0)
			*out = jinstance(&in);
		ag_db_instance_release(&in);
	} else if (strcmp(op, "describe-all") == 0 || strcmp(op, "describe-clusters") == 0 ||
	           strcmp(op, "describe-instances") == 0) {
		struct ag_observed o;

		ag_observed_init(&o);
		if (strcmp(op, "describe-all") == 0)
			ret = ag_rds_describe_all(c, &f, &o, err);
		else if (strcmp(op, "describe-clusters") == 0)
			ret = ag_rds_describe_db_clusters(c, arg("id"), &f, &o, err);
		else
			ret = ag_rds_describe_db_instances(c, arg("id"), &f, &o, err);
		if (ret == 0)
			*out = jobserved(&o);
		ag_observed_release(&o);
	} else if (strcmp(op, "describe-by-id") == 0) {
		struct ag_strlist ids = AG_STRLIST_INIT;
		struct ag_observed o;

		ag_observed_init(&o);
		split_csv(&ids, need("ids"));
		ret = ag_rds_describe_clusters_by_id(c, (const char *const *)ids.v, ids.n,
		    !(arg("instances") && strcmp(arg("instances"), "false") == 0), &o, err);
		if (ret == 0)
			*out = jobserved(&o);
		ag_observed_release(&o);
		ag_strlist_release(&ids);
	} else if (strcmp(op, "create-snapshot") == 0) {
		struct ag_rds_cluster_snapshot s;

		if ((ret = ag_rds_create_db_cluster_snapshot(c, &p, &s, err)) == 0) {
			*out = jsnapshot(&s);
			ag_rds_cluster_snapshot_release(&s);
		}
	} else if (strcmp(op, "describe-snapshots") == 0) {
		struct ag_rds_cluster_snapshot *v;
		size_t n, i;

		if ((ret = ag_rds_describe_db_cluster_snapshots(
		         c, arg("cluster"), arg("id"), &f, &v, &n, err)) == 0) {
			json_t *a = json_array();

			for (i = 0; i < n; i++)
				json_array_append_new(a, jsnapshot(&v[i]));
			*out = json_pack("{s:o}", "snapshots", a);
			ag_rds_cluster_snapshots_free(v, n);
		}
	} else if (strcmp(op, "add-tags") == 0) {
		struct ag_kvlist t = AG_KVLIST_INIT;
		size_t i;

		for (i = 0; i < args.n; i++)
			if (strncmp(args.v[i].key, "tag.", 4) == 0)
				ag_kvlist_add(&t, args.v[i].key + 4, args.v[i].value);
		if ((ret = ag_rds_add_tags(c, need("arn"), &t, err)) == 0)
			*out = json_pack("{s:b}", "ok", 1);
		ag_kvlist_release(&t);
	} else if (strcmp(op, "remove-tags") == 0) {
		struct ag_strlist keys = AG_STRLIST_INIT;

		split_csv(&keys, need("keys"));
		if ((ret = ag_rds_remove_tags(c, need("arn"), &keys, err)) == 0)
			*out = json_pack("{s:b}", "ok", 1);
		ag_strlist_release(&keys);
	} else if (strcmp(op, "list-tags") == 0) {
		struct ag_kvlist t = AG_KVLIST_INIT;

		if ((ret = ag_rds_list_tags(c, need("arn"), &t, err)) == 0)
			*out = json_pack("{s:o}", "tags", jtags(&t));
		ag_kvlist_release(&t);
	} else if (strncmp(op, "wait-", 5) == 0) {
		int64_t poll = num("poll_ms", 100), tmo = num("timeout_ms", 5000);
		const char *id = need("id");

		if (strcmp(op, "wait-cluster-available") == 0)
			ret = ag_rds_wait_cluster_available(c, id, poll, tmo, err);
		else if (strcmp(op, "wait-cluster-deleted") == 0)
			ret = ag_rds_wait_cluster_deleted(c, id, poll, tmo, err);
		else if (strcmp(op, "wait-instance-available") == 0)
			ret = ag_rds_wait_instance_available(c, id, poll, tmo, err);
		else if (strcmp(op, "wait-instance-deleted") == 0)
			ret = ag_rds_wait_instance_deleted(c, id, poll, tmo, err);
		else {
			fprintf(stderr, "ag-aws-driver: unknown waiter '%s'\n", op);
			exit(64);
		}
		if (ret == 0)
			*out = json_pack("{s:b}", "ok", 1);
	} else {
		fprintf(stderr, "ag-aws-driver: unknown operation '%s'\n", op);
		exit(64);
	}
	ag_kvlist_release(&p);
	ag_kvlist_release(&f);
	return ret;
}

static void
log_stderr(void *ctx, enum ag_log_level level, const char *msg)
{
	(void)ctx;
	fprintf(stderr, "%s: %s\n", ag_log_level_name(level), msg);
}

int
main(int argc, char **argv)
{
	struct ag_aws_config cfg;
	struct ag_aws_client *c = NULL;
	struct ag_error err = AG_ERROR_INIT;
	json_t *out = NULL;
	const char *fixed = NULL, *op;
	int i = 1, stats = 0, ret, status;

	ag_log_set_sink(log_stderr, NULL);
	ag_log_set_level(getenv("AG_AWS_DEBUG") ? AG_LOG_DEBUG : AG_LOG_WARN);
	for (; i < argc && strncmp(argv[i], "--", 2) == 0; i++) {
		if (strcmp(argv[i], "--stats") == 0)
			stats = 1;
		else if (strcmp(argv[i], "--fixed-date") == 0 && i + 1 < argc)
			fixed = argv[++i];
		else {
			fprintf(stderr, "ag-aws-driver: unknown option '%s'\n", argv[i]);
			return 64;
		}
	}
	if (i >= argc) {
		fprintf(
		    stderr, "usage: ag-aws-driver [--stats] [--fixed-date D] OP [key=value...]\n");
		return 64;
	}
	op = argv[i++];
	for (; i < argc; i++) {
		char *eq = strchr(argv[i], '=');

		if (!eq) {
			fprintf(stderr, "ag-aws-driver: argument '%s' is not key=value\n", argv[i]);
			return 64;
		}
		*eq = '\0';
		ag_kvlist_add(&args, argv[i], eq + 1);
	}
	if ((ret = ag_aws_config_from_env(&cfg, &err)) == 0)
		ret = ag_aws_client_new(&c, &cfg, ag_sysclock(), ag_sysrand(), &err);
	if (ret == 0 && fixed)
		ag_aws_client_set_fixed_date(c, fixed);
	if (ret == 0)
		ret = run(c, op, &out, &err);
	if (ret == 0) {
		char *s = json_dumps(out, JSON_SORT_KEYS | JSON_INDENT(1));

		printf("%s\n", s);
		free(s);
		status = 0;
	} else {
		fprintf(stderr, "ag-aws-driver: %s\n", err.msg);
		status = ret == AG_ENOTFOUND ? 3 : 1;
	}
	if (stats && c) {
		size_t n, k;
		const struct ag_aws_counter *cnt = ag_aws_client_counters(c, &n);
		const struct ag_strlist *ids = ag_aws_client_request_ids(c);
		json_t *o = json_object(), *co = json_object();
		char *s;

		for (k = 0; k < n; k++)
			json_object_set_new(co, cnt[k].action,
			    json_pack("{s:i, s:i}", "requests", (int)cnt[k].requests, "errors",
			        (int)cnt[k].errors));
		json_object_set_new(
		    o, "total", json_integer((json_int_t)ag_aws_client_request_count(c, NULL)));
		json_object_set_new(o, "counters", co);
		json_object_set_new(o, "request_ids", jlist(ids));
		s = json_dumps(o, JSON_SORT_KEYS | JSON_COMPACT);
		fprintf(stderr, "stats: %s\n", s);
		free(s);
		json_decref(o);
	}
	json_decref(out);
	ag_aws_client_free(c);
	ag_aws_config_release(&cfg);
	ag_kvlist_release(&args);
	return status;
}
