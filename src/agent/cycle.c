#include "agent/cycle.h"
#include "agent/refs.h"
#include "agent/state.h"
#include "aws/cloudwatch.h"
#include "aws/client.h"
#include "aws/autoscaling.h"
#include "aws/batch.h"
#include "aws/ec2.h"
#include "aws/kms.h"
#include "aws/rds.h"
#include "core/alarms.h"
#include "core/bug.h"
#include "core/buf.h"
#include "core/fieldtab.h"
#include "core/log.h"
#include "core/report.h"
#include "core/window.h"
#include "core/mem.h"
#include "core/outputs.h"
#include "core/ref.h"
#include "secrets/secrets.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/compat.h"

/* Key id of plain-text password hashes recorded before the local key had
 * a fingerprint in its id. */
#define LEGACY_LOCAL_KEY_ID "local"

void
ag_cycle_config_init(struct ag_cycle_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->mode = AG_MODE_PLAN;
	cfg->max_deletes = AG_PLAN_MAX_DELETES_DEFAULT;
	cfg->wait_timeout_ms = 2L * 3600 * 1000;
	cfg->poll_interval_ms = 30000;
}

void
ag_cycle_init(struct ag_cycle *cy, const struct ag_env *env, struct ag_source *src,
    const struct ag_cycle_config *cfg)
{
	memset(cy, 0, sizeof(*cy));
	cy->env = env;
	cy->src = src;
	cy->cfg = cfg;
	ag_manifest_set_init(&cy->manifests);
	ag_diags_init(&cy->diags);
	ag_strlist_init(&cy->invalid_files);
	ag_observed_init(&cy->observed);
	ag_plan_init(&cy->plan);
	ag_exec_result_init(&cy->result);
}

void
ag_cycle_release(struct ag_cycle *cy)
{
	size_t i;

	if (cy == NULL)
		return;
	for (i = 0; i < cy->n_items; i++) {
		ag_secret_free(cy->items[i].secret);
		free(cy->items[i].pwhash);
		free(cy->items[i].pwkey);
		free(cy->items[i].pwmsg);
	}
	free(cy->items);
	ag_exec_result_release(&cy->result);
	ag_plan_release(&cy->plan);
	ag_observed_release(&cy->observed);
	ag_strlist_release(&cy->invalid_files);
	ag_diags_release(&cy->diags);
	ag_manifest_set_release(&cy->manifests);
	ag_keyring_free(cy->keyring);
	memset(cy, 0, sizeof(*cy));
}

/* Whether the cycle reads and plans the cluster (its --cluster filter). */
static bool
in_scope(const struct ag_cycle *cy, const char *id)
{
	size_t i;

	if (cy->cfg->clusters == NULL || cy->cfg->n_clusters == 0)
		return true;
	for (i = 0; i < cy->cfg->n_clusters; i++)
		if (cy->cfg->clusters[i] != NULL && id != NULL &&
		    strcasecmp(cy->cfg->clusters[i], id) == 0)
			return true;
	return false;
}

/* Whether the cycle reads the network of the cluster (observe_network). */
static bool
network_in_scope(const struct ag_cycle *cy, const char *id)
{
	size_t i;

	if (!cy->cfg->observe_filtered)
		return true;
	if (!in_scope(cy, id))
		return false;
	if (id == NULL || ag_observed_find_cluster(&cy->observed, id) == NULL)
		return true; /* to be created: its network is read */
	for (i = 0; i < cy->cfg->n_network_ids; i++)
		if (cy->cfg->network_ids[i] != NULL && strcasecmp(cy->cfg->network_ids[i], id) == 0)
			return true;
	return false;
}

static int
needs_keyring(const struct ag_manifest_set *set)
{
	size_t i;

	for (i = 0; i < set->n; i++)
		if (set->v[i].spec.password && ag_manifest_is_sealed(set->v[i].spec.password))
			return 1;
	return 0;
}

/*
 * Hash of a plain-text password, keyed by the state directory's local key
 * and bound to the cluster; key_id names that key. AG_ENOTFOUND when a
 * read-only state has no key yet.
 */
static int
plaintext_hash(char **out, char *key_id, struct ag_state *st, const char *pw, const char *cluster,
    struct ag_error *err)
{
	unsigned char key[32], h[32];
	crypto_generichash_state gs;
	char hex[65];
	int rc;

	if ((rc = ag_state_local_key(st, key, key_id, err)) < 0)
		return rc;
	crypto_generichash_init(&gs, key, sizeof(key), sizeof(h));
	crypto_generichash_update(&gs, (const unsigned char *)cluster, strlen(cluster) + 1);
	crypto_generichash_update(&gs, (const unsigned char *)pw, strlen(pw));
	crypto_generichash_final(&gs, h, sizeof(h));
	sodium_memzero(key, sizeof(key));
	sodium_bin2hex(hex, sizeof(hex), h, sizeof(h));
	*out = ag_xstrdup(hex);
	return 0;
}

/*
 * A plain-text password against the recorded hash. The hash can be
 * compared only under the key it was made with: a record under another
 * (lost, re-created) local key, or no local key at all in a read-only
 * run, is "not verified", never "changed".
 */
static int
plaintext_state(struct ag_cycle_item *it, struct ag_state *st, const char *pw, struct ag_error *err)
{
	const char *id = it->m->cluster_id;
	const char *last = ag_state_password_hash(st, id), *lastkey = ag_state_password_key(st, id);
	char key_id[AG_STATE_LOCAL_KEY_ID_LEN + 1];
	int rc;

	rc = plaintext_hash(&it->pwhash, key_id, st, pw, id, err);
	if (rc == AG_ENOTFOUND) {
		ag_error_clear(err);
		it->pw.state = AG_PW_UNKNOWN;
		return 0;
	}
	if (rc < 0)
		return rc;
	it->pwkey = ag_xstrdup(key_id);
	if (last == NULL || lastkey == NULL)
		it->pw.state = AG_PW_UNKNOWN;
	else if (strcmp(lastkey, key_id) != 0 && strcmp(lastkey, LEGACY_LOCAL_KEY_ID) != 0)
		it->pw.state = AG_PW_UNKNOWN;
	else
		it->pw.state = strcmp(last, it->pwhash) == 0 ? AG_PW_SAME : AG_PW_CHANGED;
	return 0;
}

/* A password in the manifest that the agent sets (not one RDS manages). */
static bool
has_own_password(const struct ag_manifest *m)
{
	return m->spec.password != NULL && m->spec.password[0] != '\0' &&
	       !m->spec.manage_master_user_password;
}

/*
 * Works out, for every manifest with a password, whether it differs from
 * the last one applied. A sealed value that cannot be opened marks only
 * that cluster as failed; the others go on.
 */
static int
password_states(struct ag_cycle *cy, struct ag_error *err)
{
	const struct ag_cycle_config *cfg = cy->cfg;
	struct ag_state *st = cy->env->state;
	struct ag_error e = AG_ERROR_INIT;
	size_t i, n = cy->manifests.n, with = 0;
	int rc = 0, have_ring = 0;

	/* an item for each manifest with a password of its own: a fleet whose
	 * passwords RDS manages holds none */
	for (i = 0; i < n; i++)
		if (has_own_password(&cy->manifests.v[i]))
			with++;
	cy->items = ag_xcalloc(with ? with : 1, sizeof(*cy->items));
	if (needs_keyring(&cy->manifests)) {
		/* A key that cannot be loaded (missing, readable by others) fails
		 * only the clusters with sealed values; the others go on. */
		rc = ag_keyring_load_default(&cy->keyring, cfg->key_files, cfg->n_key_files,
		    cfg->key_dirs, cfg->n_key_dirs, &e);
		have_ring = rc == 0 && cy->keyring && ag_keyring_count(cy->keyring) > 0;
		if (rc == 0 && !have_ring)
			ag_error_set(&e, AG_ENOTFOUND,
			    "no secret key to open it: pass --key-file FILE or --key-dir DIR");
		else if (rc < 0)
			ag_error_prefix(&e, "cannot load the secret keys");
	}
	for (i = 0; i < n; i++) {
		const struct ag_manifest *m = &cy->manifests.v[i];
		const char *pw = m->spec.password, *last, *lastkey;
		struct ag_error oe = AG_ERROR_INIT;
		char hex[AG_SECRET_HASH_HEX_LEN + 1];
		struct ag_cycle_item *it;
		bool same = false;

		if (!has_own_password(m))
			continue;
		it = &cy->items[cy->n_items++];
		it->m = m;
		it->pw.cluster_id = m->cluster_id;
		it->pw.state = AG_PW_NONE;
		/* a cluster the cycle does not plan needs no password opened */
		if (cfg->observe_filtered && !in_scope(cy, m->cluster_id))
			continue;
		if (!ag_manifest_is_sealed(pw)) {
			it->secret = ag_secret_new(pw, strlen(pw));
			if ((rc = plaintext_state(it, st, pw, err)) < 0)
				return rc;
			continue;
		}
		last = ag_state_password_hash(st, m->cluster_id);
		lastkey = ag_state_password_key(st, m->cluster_id);
		if (!have_ring) {
			it->pwmsg = ag_xasprintf("%s: cluster '%s' field 'spec.password': %s",
			    m->file, m->cluster_id, e.msg);
			goto fail;
		}
		if (ag_sealed_open(
		        &it->secret, cy->keyring, pw, m->cluster_id, "spec.password", &oe) < 0) {
			it->pwmsg = ag_xasprintf("%s: %s", m->file, oe.msg);
			goto fail;
		}
		if (ag_secret_hash(
		        hex, cy->keyring, it->secret->key_id, it->secret, m->cluster_id, &oe) < 0) {
			it->pwmsg = ag_xasprintf("%s: %s", m->file, oe.msg);
			goto fail;
		}
		it->pwhash = ag_xstrdup(hex);
		it->pwkey = ag_xstrdup(it->secret->key_id);
		if (last && lastkey && strncmp(lastkey, LEGACY_LOCAL_KEY_ID, 5) != 0 &&
		    ag_keyring_has(cy->keyring, lastkey) &&
		    ag_secret_hash_matches(
		        &same, cy->keyring, lastkey, last, it->secret, m->cluster_id, &oe) < 0)
			same = false;
		/* Re-sealed under a new key, same value: record the hash under
		 * the new key, so the old key can be retired without this
		 * value looking changed (saved by the next apply or sync). */
		if (same && strcmp(lastkey, it->pwkey) != 0)
			ag_state_set_password_hash(st, m->cluster_id, it->pwkey, it->pwhash);
		it->pw.state = last == NULL ? AG_PW_UNKNOWN : same ? AG_PW_SAME : AG_PW_CHANGED;
		it->pw.secret_hash = it->pwhash;
		continue;
	fail:
		it->pw.state = AG_PW_ERROR;
		it->pw.message = it->pwmsg;
	}
	return 0;
}

/* Parameters are read only for the groups manifests declare parameters
 * for: one describe per such group, none otherwise. */
static int
observe_param_groups(struct ag_cycle *cy, struct ag_error *err)
{
	struct ag_rds_cluster_param_group *groups = NULL;
	struct ag_rds_parameter *params = NULL;
	struct ag_db_cluster_param_group *g;
	struct ag_observed_param *op;
	size_t i, j, ng = 0, np = 0;
	char *name = NULL;
	int rc;

	for (i = 0; i < cy->manifests.n; i++) {
		const struct ag_manifest *m = &cy->manifests.v[i];

		if (m->spec.n_parameters == 0 ||
		    (cy->cfg->observe_filtered && !in_scope(cy, m->cluster_id)))
			continue;
		free(name);
		name = ag_fieldtab_param_group_name(m);
		if (name == NULL || ag_observed_find_param_group(&cy->observed, name))
			continue;
		rc = ag_rds_describe_db_cluster_parameter_groups(
		    cy->env->aws, name, NULL, &groups, &ng, err);
		if (rc == AG_ENOTFOUND) {
			ag_error_clear(err);
			continue;
		}
		if (rc < 0)
			goto out;
		rc = ag_rds_describe_db_cluster_parameters(
		    cy->env->aws, name, "user", NULL, &params, &np, err);
		if (rc < 0) {
			ag_rds_cluster_param_groups_free(groups, ng);
			goto out;
		}
		g = ag_observed_add_param_group(&cy->observed);
		g->name = ag_xstrdup(name);
		if (ng > 0) {
			g->family = ag_xstrdup(groups[0].family);
			g->arn = ag_xstrdup(groups[0].arn);
			g->description = ag_xstrdup(groups[0].description);
		}
		g->params_loaded = true;
		for (j = 0; j < np; j++) {
			op = ag_param_group_add_param(g);
			op->name = ag_xstrdup(params[j].name);
			op->value = ag_xstrdup(params[j].value);
			op->apply_method = ag_xstrdup(params[j].apply_method);
			op->apply_type = ag_xstrdup(params[j].apply_type);
			/* asked for Source=user: say so when the reply does not */
			op->source = ag_xstrdup(params[j].source ? params[j].source : "user");
			op->is_modifiable = params[j].is_modifiable;
		}
		ag_rds_parameters_free(params, np);
		ag_rds_cluster_param_groups_free(groups, ng);
		params = NULL;
		groups = NULL;
	}
	rc = 0;
out:
	free(name);
	return rc;
}

/* Security groups of at most this many clusters per DescribeSecurityGroups
 * (AWS allows 200 filter values). */
#define SG_NAMES_PER_CALL 200

static void
add_sgs(struct ag_observed *o, const struct ag_ec2_security_group *v, size_t n)
{
	size_t i, j, k;

	for (i = 0; i < n; i++) {
		struct ag_observed_sg *g = ag_observed_add_sg(o);

		g->id = v[i].id ? ag_xstrdup(v[i].id) : NULL;
		g->name = v[i].name ? ag_xstrdup(v[i].name) : NULL;
		g->vpc_id = v[i].vpc_id ? ag_xstrdup(v[i].vpc_id) : NULL;
		for (j = 0; j < v[i].n_ingress; j++) {
			const struct ag_ec2_rule *r = &v[i].ingress[j];

			for (k = 0; k < r->cidrs.n + r->group_ids.n; k++) {
				struct ag_observed_rule *x = ag_observed_sg_add_rule(g);

				x->protocol = ag_xstrdup(r->protocol ? r->protocol : "");
				x->from_port = r->from_port;
				x->to_port = r->to_port;
				if (k < r->cidrs.n)
					x->cidr = ag_xstrdup(r->cidrs.v[k]);
				else
					x->group_id = ag_xstrdup(r->group_ids.v[k - r->cidrs.n]);
			}
		}
	}
}

/* Up to this many values in one EC2 filter. */
#define EC2_FILTER_VALUES 200

/*
 * Which of the subnets the manifests use route the default route to an
 * internet gateway (a public subnet: the plan warns). Two paginated calls
 * per 200 subnets/VPCs for the whole fleet: DescribeSubnets for their VPCs,
 * DescribeRouteTables of those VPCs; a subnet without a table of its own
 * follows its VPC's main table.
 */
static int
observe_routes(struct ag_cycle *cy, struct ag_error *err)
{
	struct ag_strlist subnets = AG_STRLIST_INIT, vpcs = AG_STRLIST_INIT;
	struct ag_kvlist vpc_of = AG_KVLIST_INIT;
	struct ag_ec2_route_table *tables = NULL;
	size_t n_tables = 0, i, j, start;
	int rc = 0;

	for (i = 0; i < cy->manifests.n; i++) {
		const struct ag_cluster_spec *s = &cy->manifests.v[i].spec;
		const struct ag_observed_subnet_group *g = NULL;

		if (!network_in_scope(cy, cy->manifests.v[i].cluster_id))
			continue;

		for (j = 0; j < s->subnet_ids.n; j++)
			if (!ag_ref_is_placeholder(s->subnet_ids.v[j]) &&
			    !ag_strlist_contains(&subnets, s->subnet_ids.v[j]))
				ag_strlist_add(&subnets, s->subnet_ids.v[j]);
		if (s->db_subnet_group_name != NULL && s->db_subnet_group_name[0] != '\0')
			g = ag_observed_find_subnet_group(&cy->observed, s->db_subnet_group_name);
		for (j = 0; g != NULL && j < g->subnet_ids.n; j++)
			if (!ag_strlist_contains(&subnets, g->subnet_ids.v[j]))
				ag_strlist_add(&subnets, g->subnet_ids.v[j]);
	}
	for (start = 0; start < subnets.n && rc == 0; start += EC2_FILTER_VALUES) {
		struct ag_kvlist f = AG_KVLIST_INIT;
		struct ag_ec2_subnet *v = NULL;
		size_t n = 0;

		for (i = start; i < subnets.n && i < start + EC2_FILTER_VALUES; i++)
			ag_kvlist_add(&f, "subnet-id", subnets.v[i]);
		rc = ag_ec2_describe_subnets(cy->env->aws, NULL, &f, &v, &n, err);
		for (i = 0; rc == 0 && i < n; i++) {
			if (v[i].id == NULL || v[i].vpc_id == NULL)
				continue;
			ag_kvlist_set(&vpc_of, v[i].id, v[i].vpc_id);
			if (!ag_strlist_contains(&vpcs, v[i].vpc_id))
				ag_strlist_add(&vpcs, v[i].vpc_id);
		}
		ag_ec2_subnets_free(v, n);
		ag_kvlist_release(&f);
	}
	for (start = 0; start < vpcs.n && rc == 0; start += EC2_FILTER_VALUES) {
		struct ag_kvlist f = AG_KVLIST_INIT;
		struct ag_ec2_route_table *v = NULL;
		size_t n = 0;

		for (i = start; i < vpcs.n && i < start + EC2_FILTER_VALUES; i++)
			ag_kvlist_add(&f, "vpc-id", vpcs.v[i]);
		rc = ag_ec2_describe_route_tables(cy->env->aws, &f, &v, &n, err);
		if (rc == 0 && n > 0) {
			tables = ag_xrealloc(tables, (n_tables + n) * sizeof(*tables));
			memcpy(tables + n_tables, v, n * sizeof(*v));
			n_tables += n;
			free(v); /* the members moved to tables */
		} else {
			ag_ec2_route_tables_free(v, n);
		}
		ag_kvlist_release(&f);
	}
	for (i = 0; rc == 0 && i < subnets.n; i++) {
		const char *vpc = ag_kvlist_get(&vpc_of, subnets.v[i]);
		const struct ag_ec2_route_table *t = NULL;

		for (j = 0; j < n_tables && t == NULL; j++)
			if (ag_strlist_contains(&tables[j].subnet_ids, subnets.v[i]))
				t = &tables[j];
		for (j = 0; j < n_tables && t == NULL && vpc != NULL; j++)
			if (tables[j].main && tables[j].vpc_id &&
			    strcmp(tables[j].vpc_id, vpc) == 0)
				t = &tables[j];
		if (t != NULL && t->igw_id != NULL)
			ag_kvlist_set(&cy->observed.public_subnets, subnets.v[i], t->igw_id);
	}
	if (rc == 0)
		cy->observed.routes_loaded = true;
	ag_ec2_route_tables_free(tables, n_tables);
	ag_kvlist_release(&vpc_of);
	ag_strlist_release(&vpcs);
	ag_strlist_release(&subnets);
	return rc;
}

/*
 * Aurora global databases: one paginated DescribeGlobalClusters for the
 * whole account, and only when some manifest names a global database (the
 * planner needs to know whether it exists and whether it has a primary).
 */
static int
observe_globals(struct ag_cycle *cy, struct ag_error *err)
{
	struct ag_rds_global_cluster *v = NULL;
	size_t i, n = 0;
	bool want = false;
	int rc;

	for (i = 0; i < cy->manifests.n && !want; i++)
		want = cy->manifests.v[i].spec.global_cluster_identifier != NULL;
	if (!want)
		return 0;
	rc = ag_rds_describe_global_clusters(cy->env->aws, &v, &n, err);
	for (i = 0; rc == 0 && i < n; i++) {
		struct ag_observed_global *g = ag_observed_add_global(&cy->observed);

		g->id = v[i].id ? ag_xstrdup(v[i].id) : NULL;
		g->engine = v[i].engine ? ag_xstrdup(v[i].engine) : NULL;
		g->engine_version = v[i].engine_version ? ag_xstrdup(v[i].engine_version) : NULL;
		g->writer_arn = v[i].writer_arn ? ag_xstrdup(v[i].writer_arn) : NULL;
		ag_strlist_copy(&g->members, &v[i].members);
	}
	if (rc == 0)
		cy->observed.globals_loaded = true;
	ag_rds_global_clusters_free(v, n);
	return rc;
}

/* What a manifest needs the DB subnet groups for (observe_network). */
static bool
needs_subnet_groups(const struct ag_cluster_spec *s)
{
	return s->subnet_ids.n > 0 ||
	       (s->db_subnet_group_name != NULL && s->db_subnet_group_name[0] != '\0');
}

static void
add_subnet_groups(struct ag_observed *o, const struct ag_rds_subnet_group *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		struct ag_observed_subnet_group *g = ag_observed_add_subnet_group(o);

		g->name = v[i].name ? ag_xstrdup(v[i].name) : NULL;
		ag_strlist_copy(&g->subnet_ids, &v[i].subnet_ids);
	}
	o->subnet_groups_loaded = true;
}

/*
 * Whether observe_network will read the DB subnet groups whatever the
 * cluster describe finds: then they are read alongside it. A cluster of a
 * changed-only cycle that is not in network_ids counts only once it is
 * known to be missing (network_in_scope), so it waits for the describe.
 */
static bool
subnet_groups_wanted_early(const struct ag_cycle *cy)
{
	size_t i, j;

	for (i = 0; i < cy->manifests.n; i++) {
		const char *id = cy->manifests.v[i].cluster_id;

		if (!needs_subnet_groups(&cy->manifests.v[i].spec))
			continue;
		if (!cy->cfg->observe_filtered)
			return true;
		if (!in_scope(cy, id))
			continue;
		if (id == NULL)
			return true;
		for (j = 0; j < cy->cfg->n_network_ids; j++)
			if (cy->cfg->network_ids[j] != NULL &&
			    strcasecmp(cy->cfg->network_ids[j], id) == 0)
				return true;
	}
	return false;
}

/*
 * The network state the planner compares (plan.c, plan_network): the
 * security groups the agent made (named after their clusters) and the DB
 * subnet groups, each read once for the whole fleet — one paginated call
 * per 200 clusters with their own group, one paginated call for all subnet
 * groups — and only when some manifest needs it.
 */
static int
observe_network(struct ag_cycle *cy, struct ag_error *err)
{
	struct ag_strlist names = AG_STRLIST_INIT;
	bool want_subnets = false;
	size_t i, start;
	int rc = 0;

	for (i = 0; i < cy->manifests.n; i++) {
		const struct ag_cluster_spec *s = &cy->manifests.v[i].spec;

		if (!network_in_scope(cy, cy->manifests.v[i].cluster_id))
			continue;
		if ((s->allowed_cidr_blocks.n > 0 || s->security_group_ids.n > 0) &&
		    cy->manifests.v[i].cluster_id != NULL)
			ag_strlist_add(&names, cy->manifests.v[i].cluster_id);
		if (needs_subnet_groups(s))
			want_subnets = true;
	}
	for (start = 0; start < names.n && rc == 0; start += SG_NAMES_PER_CALL) {
		struct ag_kvlist filters = AG_KVLIST_INIT;
		struct ag_ec2_security_group *v = NULL;
		size_t n = 0;

		for (i = start; i < names.n && i < start + SG_NAMES_PER_CALL; i++)
			ag_kvlist_add(&filters, "group-name", names.v[i]);
		rc = ag_ec2_describe_security_groups(cy->env->aws, NULL, &filters, &v, &n, err);
		if (rc == 0)
			add_sgs(&cy->observed, v, n);
		ag_ec2_security_groups_free(v, n);
		ag_kvlist_release(&filters);
	}
	if (rc == 0 && names.n > 0)
		cy->observed.sgs_loaded = true;
	/* read already, alongside the clusters, when that was sure to be needed */
	if (rc == 0 && want_subnets && !cy->observed.subnet_groups_loaded) {
		struct ag_rds_subnet_group *v = NULL;
		size_t n = 0;

		rc = ag_rds_describe_db_subnet_groups(cy->env->aws, NULL, NULL, &v, &n, err);
		if (rc == 0)
			add_subnet_groups(&cy->observed, v, n);
		ag_rds_subnet_groups_free(v, n);
	}
	ag_strlist_release(&names);
	if (rc == 0 && want_subnets)
		rc = observe_routes(cy, err);
	return rc;
}

/*
 * The agent's CloudWatch alarms ("aurora-gitops/..."): one paginated
 * DescribeAlarms for the whole fleet, only when some manifest has
 * spec.alarms or a deletion tombstone (whose alarms go with the cluster).
 */
static int
observe_alarms(struct ag_cycle *cy, struct ag_error *err)
{
	size_t i;
	int rc;

	for (i = 0; i < cy->manifests.n; i++)
		if (ag_manifest_has(&cy->manifests.v[i], AG_F_ALARMS) ||
		    cy->manifests.v[i].deletion == AG_DELETION_DELETE)
			break;
	if (i == cy->manifests.n)
		return 0;
	rc = ag_cw_describe_alarms(cy->env->aws, AG_ALARM_PREFIX, &cy->observed, err);
	if (rc == 0)
		cy->observed.alarms_loaded = true;
	return rc;
}

/*
 * What lives outside RDS, read only when some manifest needs it: the KMS
 * keys kmsKey names (one paginated ListAliases, then two calls per key)
 * and the reader Auto Scaling targets and policies of the whole fleet (one
 * paginated call each) when a manifest has autoscaling or deletes its
 * cluster (the target goes first).
 */
static int
observe_extras(struct ag_cycle *cy, struct ag_error *err)
{
	struct ag_strlist aliases = AG_STRLIST_INIT;
	bool want_scaling = false, want_kms = false;
	size_t i;
	int rc = 0;

	for (i = 0; i < cy->manifests.n; i++) {
		const struct ag_manifest *m = &cy->manifests.v[i];

		const char *alias = ag_spec_kms_key(&m->spec)->alias;

		if (ag_manifest_has(m, AG_F_KMS_KEY) && alias != NULL) {
			want_kms = true;
			if (!ag_strlist_contains(&aliases, alias))
				ag_strlist_add(&aliases, alias);
		}
		if (ag_manifest_has(m, AG_F_AUTOSCALING) || m->deletion == AG_DELETION_DELETE)
			want_scaling = true;
	}
	if (want_kms)
		rc = ag_kms_read_keys(cy->env->aws, &aliases, &cy->observed, err);
	if (rc == 0 && want_scaling)
		rc = ag_aas_read_rds(cy->env->aws, AG_SCALING_POLICY_NAME, &cy->observed, err);
	ag_strlist_release(&aliases);
	return rc;
}

int
ag_cycle_observe(struct ag_cycle *cy, struct ag_error *err)
{
	const struct ag_clock *clk = cy->env->clock;
	struct ag_aws_batch batch = AG_AWS_BATCH_INIT;
	struct ag_rds_subnet_group *groups = NULL;
	size_t n_groups = 0;
	bool early_groups;
	int64_t t0;
	int rc;

	rc = ag_source_load(cy->src, &cy->manifests, &cy->diags, err);
	/* One bad file stops only its own clusters: the rest of the fleet is
	 * still reconciled. Nothing is deleted for a manifest left out (only
	 * a manifest's deletion annotation deletes). */
	if (rc == AG_EINVAL && cy->diags.errors > 0 &&
	    ag_manifest_set_drop_invalid(&cy->manifests, &cy->diags, &cy->invalid_files) == 0) {
		ag_error_clear(err);
		rc = 0;
	}
	if (rc < 0)
		return rc;
	t0 = clk->mono_ms(clk->ctx);
	/* The streams that depend on nothing read so far run concurrently:
	 * every page of DescribeDBClusters, of DescribeDBInstances (or their
	 * filtered chunks) and of DescribeDBSubnetGroups when it is needed. */
	if (cy->cfg->observe_filtered && cy->cfg->n_clusters > 0)
		ag_rds_batch_clusters_by_id(
		    &batch, cy->cfg->clusters, cy->cfg->n_clusters, true, &cy->observed);
	else
		ag_rds_batch_describe_all(&batch, NULL, &cy->observed);
	early_groups = subnet_groups_wanted_early(cy);
	if (early_groups)
		ag_rds_batch_subnet_groups(&batch, &groups, &n_groups);
	rc = ag_aws_batch_run(cy->env->aws, &batch, AG_AWS_MAX_IN_FLIGHT, err);
	if (rc == 0 && early_groups)
		add_subnet_groups(&cy->observed, groups, n_groups);
	ag_rds_subnet_groups_free(groups, n_groups);
	/* References resolve before the network is read: the subnets and
	 * groups it reads are the resolved ones. */
	if (rc == 0)
		ag_refs_resolve(&cy->manifests, &cy->observed, cy->env->aws);
	if (rc == 0)
		rc = observe_param_groups(cy, err);
	if (rc == 0)
		rc = observe_network(cy, err);
	if (rc == 0)
		rc = observe_alarms(cy, err);
	if (rc == 0)
		rc = observe_extras(cy, err);
	if (rc == 0)
		rc = observe_globals(cy, err);
	cy->describe_ms = (long)(clk->mono_ms(clk->ctx) - t0);
	if (rc < 0)
		ag_error_prefix(err, "cannot read the live state from AWS");
	return rc;
}

int
ag_cycle_plan(struct ag_cycle *cy, struct ag_error *err)
{
	const struct ag_cycle_config *cfg = cy->cfg;
	struct ag_password_info *pw;
	struct ag_plan_input in;
	size_t i;
	int rc;

	if ((rc = ag_cycle_observe(cy, err)) < 0)
		return rc;
	if ((rc = password_states(cy, err)) < 0)
		return rc;
	/* Every password the agent knows stays out of every AWS message. */
	for (i = 0; i < cy->n_items; i++)
		if (cy->items[i].secret != NULL)
			ag_aws_client_add_secret(cy->env->aws, cy->items[i].secret->ptr);
	pw = ag_xcalloc(cy->n_items ? cy->n_items : 1, sizeof(*pw));
	for (i = 0; i < cy->n_items; i++)
		pw[i] = cy->items[i].pw;
	ag_plan_input_init(&in);
	in.manifests = &cy->manifests;
	in.observed = &cy->observed;
	in.default_mode = cfg->mode;
	in.now = cy->env->clock->now_ms(cy->env->clock->ctx) / 1000;
	in.max_deletes = cfg->max_deletes;
	in.cluster_filter = cfg->clusters;
	in.n_cluster_filter = cfg->n_clusters;
	in.passwords = pw;
	in.n_passwords = cy->n_items;
	in.include_unmanaged = cfg->include_unmanaged;
	in.forbid_weakening = cfg->forbid_weakening;
	rc = ag_plan_compute(&cy->plan, &in, err);
	free(pw);
	return rc;
}

static const struct ag_cycle_item *
item_of(const struct ag_cycle *cy, const char *cluster)
{
	size_t i;

	for (i = 0; i < cy->n_items; i++)
		if (strcmp(cy->items[i].m->cluster_id, cluster) == 0)
			return &cy->items[i];
	return NULL;
}

static const char *
secret_of(void *ctx, const char *cluster)
{
	const struct ag_cycle_item *it = item_of(ctx, cluster);

	if (it == NULL || it->secret == NULL)
		return NULL;
	return it->secret->ptr;
}

static void
live_digest(char out[65], const struct ag_cycle *cy, const char *cluster)
{
	const struct ag_db_cluster *c = ag_observed_find_cluster(&cy->observed, cluster);

	if (c)
		ag_observed_cluster_digest(out, &cy->observed, c);
	else
		snprintf(out, 65, "absent");
}

/*
 * What the loop breaker compares for the manifest side: the cluster's plan
 * digest, and the hash of its desired password when it has one (the plan
 * carries only a placeholder, so a new password would not change the
 * digest). Keyed hashes only: nothing secret is stored.
 */
static void
plan_key(char out[65], const struct ag_cycle *cy, const struct ag_cluster_plan *cp)
{
	const struct ag_cycle_item *it = item_of(cy, cp->id);
	char *both;

	if (it == NULL || it->pwhash == NULL) {
		memcpy(out, cp->digest, 65);
		return;
	}
	both = ag_xasprintf("%s:%s", cp->digest, it->pwhash);
	ag_sha256_hex(out, both, strlen(both));
	free(both);
}

static bool
hook_repeats(void *ctx, const struct ag_cluster_plan *cp, const char **why)
{
	struct ag_cycle *cy = ctx;
	char live[65], key[65];

	live_digest(live, cy, cp->id);
	plan_key(key, cy, cp);
	return ag_state_failure_repeats(cy->env->state, cp->id, key, live, why) == 1;
}

/* Only a failure that would repeat as is holds the cluster (the loop
 * breaker); a transient one is retried by the next cycle. */
static void
hook_failure(void *ctx, const struct ag_cluster_plan *cp, const char *action, const char *error,
    bool terminal)
{
	struct ag_cycle *cy = ctx;
	char live[65], key[65];

	if (!terminal)
		return;
	live_digest(live, cy, cp->id);
	plan_key(key, cy, cp);
	ag_state_record_failure(cy->env->state, cp->id, key, live, action, error);
}

static int
sends_password(const struct ag_cluster_plan *cp)
{
	size_t i, j;

	for (i = 0; i < cp->n_actions; i++)
		for (j = 0; j < cp->actions[i].params.n; j++)
			if (strcmp(cp->actions[i].params.v[j].value, AG_PLACEHOLDER_PASSWORD) == 0)
				return 1;
	return 0;
}

static void
hook_success(void *ctx, const struct ag_cluster_plan *cp)
{
	struct ag_cycle *cy = ctx;
	const struct ag_cycle_item *it = item_of(cy, cp->id);

	ag_state_clear_failure(cy->env->state, cp->id);
	if (it && it->pwhash && it->pwkey && sends_password(cp))
		ag_state_set_password_hash(cy->env->state, cp->id, it->pwkey, it->pwhash);
}

/*
 * A cluster cut short by the stop flag, or left to AWS in no-wait mode,
 * may already have been sent its password (in a create or modify that
 * went through): record its hash, so the next cycle does not send it again
 * or call it unverified.
 */
static void
record_partial(struct ag_cycle *cy)
{
	size_t i, j, k, sent;

	for (i = 0; i < cy->result.n; i++) {
		const struct ag_exec_cluster *r = &cy->result.v[i];
		const struct ag_cluster_plan *cp = ag_plan_find(&cy->plan, r->id);
		const struct ag_cycle_item *it = item_of(cy, r->id);
		bool pw = false;

		if ((r->status != AG_EXEC_STOPPED && r->status != AG_EXEC_IN_PROGRESS) ||
		    r->n_sent == 0 || cp == NULL || it == NULL || !it->pwhash || !it->pwkey)
			continue;
		for (j = 0, sent = 0; j < cp->n_actions && sent < r->n_sent; j++) {
			if (cp->actions[j].blocked)
				continue;
			sent++;
			for (k = 0; k < cp->actions[j].params.n; k++)
				if (strcmp(cp->actions[j].params.v[k].value,
				        AG_PLACEHOLDER_PASSWORD) == 0)
					pw = true;
		}
		if (pw)
			ag_state_set_password_hash(cy->env->state, r->id, it->pwkey, it->pwhash);
	}
}

/* The outputs of a cluster of the cycle's describe as a JSON tree (the
 * state's source of records, made one cluster at a time). */
static json_t *
outputs_of(void *ctx, const char *cluster)
{
	const struct ag_cycle *cy = ctx;
	const struct ag_db_cluster *c = ag_observed_find_cluster(&cy->observed, cluster);
	char why[512];
	json_t *json = NULL;

	if (c != NULL)
		(void)ag_outputs_cluster_json(&json, c, why, sizeof(why));
	return json;
}

/* Whether a manifest keeps cluster (names it and does not delete it):
 * only those have their outputs recorded. */
static bool
kept(const struct ag_cycle *cy, const char *cluster)
{
	size_t i;

	for (i = 0; i < cy->manifests.n; i++)
		if (cy->manifests.v[i].cluster_id != NULL &&
		    strcmp(cy->manifests.v[i].cluster_id, cluster) == 0)
			return cy->manifests.v[i].deletion != AG_DELETION_DELETE;
	return false;
}

/*
 * A cluster the cycle sent something that may change its outputs to
 * (ag_exec_outputs_may_change()) is described again (one DescribeDBClusters
 * by identifier: its endpoints may be new) and its outputs set in the
 * state. Returns whether the cycle's describe must not be used for it
 * (it was described again; a cluster no longer there records nothing).
 */
static bool
record_fresh_outputs(struct ag_cycle *cy, const struct ag_exec_cluster *ec, const char *when)
{
	const struct ag_cluster_plan *cp;
	const struct ag_db_cluster *c;
	struct ag_error e = AG_ERROR_INIT;
	struct ag_observed fresh;
	struct ag_outputs out;
	char why[512], *json;

	if (ec->n_sent == 0 || (cp = ag_plan_find(&cy->plan, ec->id)) == NULL ||
	    !ag_exec_outputs_may_change(cp, ec) || !kept(cy, ec->id))
		return false;
	ag_observed_init(&fresh);
	if (ag_rds_describe_db_clusters(cy->env->aws, ec->id, NULL, &fresh, &e) < 0) {
		ag_log_warn(
		    "cluster '%s': cannot read its outputs after the apply: %s", ec->id, e.msg);
		ag_observed_release(&fresh);
		return false;
	}
	c = ag_observed_find_cluster(&fresh, ec->id);
	if (c != NULL && ag_outputs_from_cluster(&out, c, why, sizeof(why)) == 0) {
		json = ag_outputs_json(&out);
		ag_state_set_outputs(cy->env->state, ec->id, json, when);
		free(json);
		ag_outputs_release(&out);
	} else if (c != NULL) {
		ag_log_info("cluster '%s': outputs not recorded: %s", ec->id, why);
	}
	ag_observed_release(&fresh);
	return true;
}

/*
 * Saves the state with the connection outputs of every managed cluster
 * (outputs.json), once a cycle: those the apply may have changed are
 * described again, the others come from the cycle's describe, made one at
 * a time while the state is written. A cluster whose outputs are not known
 * (still creating, a partial reply) keeps what was recorded before.
 */
static int
save_state(struct ag_cycle *cy, struct ag_error *err)
{
	struct ag_state *st = cy->env->state;
	struct ag_state_outputs src = {NULL, 0, outputs_of, cy, NULL};
	struct ag_strlist fresh = AG_STRLIST_INIT;
	const char **ids;
	char when[32];
	size_t i;
	int rc;

	if (ag_state_readonly(st) || cy->outputs_recorded)
		return ag_state_save(st, err);
	cy->outputs_recorded = true;
	ag_time_format_utc(when, sizeof(when), cy->env->clock->now_ms(cy->env->clock->ctx) / 1000);
	for (i = 0; i < cy->result.n; i++)
		if (record_fresh_outputs(cy, &cy->result.v[i], when))
			ag_strlist_add(&fresh, cy->result.v[i].id);
	ids = ag_xcalloc(cy->manifests.n + 1, sizeof(*ids));
	for (i = 0; i < cy->manifests.n; i++) {
		const struct ag_manifest *m = &cy->manifests.v[i];
		const struct ag_db_cluster *c;
		char why[512];

		if (m->cluster_id == NULL || m->deletion == AG_DELETION_DELETE ||
		    ag_strlist_contains(&fresh, m->cluster_id) ||
		    (c = ag_observed_find_cluster(&cy->observed, m->cluster_id)) == NULL)
			continue;
		if (ag_outputs_check_cluster(c, why, sizeof(why)) < 0) {
			ag_log_info("cluster '%s': outputs not recorded: %s", m->cluster_id, why);
			continue;
		}
		ids[src.n++] = m->cluster_id;
	}
	src.clusters = ids;
	src.recorded_at = when;
	rc = ag_state_save_outputs(st, &src, err);
	free(ids);
	ag_strlist_release(&fresh);
	return rc;
}

int
ag_cycle_apply(struct ag_cycle *cy, struct ag_error *err)
{
	const struct ag_env *env = cy->env;
	struct ag_exec_opts opts;
	struct ag_error serr = AG_ERROR_INIT;
	int rc, src;

	memset(&opts, 0, sizeof(opts));
	opts.wait_timeout_ms = cy->cfg->wait_timeout_ms;
	opts.poll_interval_ms = cy->cfg->poll_interval_ms;
	opts.no_wait = env->no_wait;
	opts.progress = env->progress;
	opts.progress_ctx = env->progress_ctx;
	opts.secret = secret_of;
	opts.secret_ctx = cy;
	opts.repeats = hook_repeats;
	opts.on_failure = hook_failure;
	opts.on_success = hook_success;
	opts.hook_ctx = cy;
	if (cy->cfg->never_mutate || ag_state_readonly(env->state))
		AG_BUG("apply in a never-mutate cycle");
	rc = ag_exec_plan(&cy->result, env->aws, &cy->plan, &opts, err);
	record_partial(cy);
	src = save_state(cy, &serr);
	if (src < 0 && rc == 0) {
		*err = serr;
		rc = src;
	}
	return rc;
}

int
ag_cycle_save(struct ag_cycle *cy, struct ag_error *err)
{
	if (cy->env->state == NULL)
		return 0;
	return save_state(cy, err);
}

void
ag_cycle_log_requests(const struct ag_cycle *cy)
{
	const struct ag_aws_counter *v;
	struct ag_buf b = AG_BUF_INIT(65536);
	size_t i, n = 0;

	if (cy->env == NULL || cy->env->aws == NULL || !ag_log_enabled(AG_LOG_INFO))
		return;
	v = ag_aws_client_counters(cy->env->aws, &n);
	for (i = 0; i < n; i++)
		ag_buf_addf(&b, " %s=%lu", v[i].action, v[i].requests);
	ag_log_info("aws requests:%s (describe took %ld ms)", n ? b.ptr : " none", cy->describe_ms);
	ag_buf_release(&b);
}
