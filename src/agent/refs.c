/*
 * Resolving valueFrom references against AWS, one lookup per kind for the
 * whole fleet (agent/refs.h).
 */
#include "agent/refs.h"
#include "aws/ec2.h"
#include "aws/kms.h"
#include "aws/rds.h"
#include "core/buf.h"
#include "core/error.h"
#include "core/log.h"
#include "core/mem.h"
#include "core/ref.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/compat.h"

/* Values of one filter per EC2 call (AWS documents 200 values per filter). */
#define NAMES_PER_CALL 200

/* The references of one kind across the fleet. */
struct refset {
	struct ag_ref **v;
	size_t n, cap;
	struct ag_strlist names; /* distinct names, for the filters */
};

static void
refset_add(struct refset *s, struct ag_ref *r)
{
	AG_GROW(s->v, s->cap, s->n + 1);
	s->v[s->n++] = r;
	if (!ag_strlist_contains(&s->names, r->name))
		ag_strlist_add(&s->names, r->name);
}

static void
refset_release(struct refset *s)
{
	free(s->v);
	ag_strlist_release(&s->names);
	memset(s, 0, sizeof(*s));
}

/* Fails every reference of s with the lookup's error. */
static void
fail_all(struct refset *s, const char *lookup, const struct ag_error *e)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		ag_ref_fail(s->v[i], "%s failed: %s", lookup, e->msg);
}

/* Candidates: one per resource, named by its Name tag. */
struct cands {
	struct ag_ref_candidate *v;
	size_t n, cap;
};

static void
cands_add(struct cands *c, const char *name, const char *id, const char *value)
{
	AG_GROW(c->v, c->cap, c->n + 1);
	c->v[c->n].name = name;
	c->v[c->n].id = id;
	c->v[c->n].value = value;
	c->n++;
}

static void
match_all(struct refset *s, const char *what, const struct cands *c)
{
	size_t i;

	for (i = 0; i < s->n; i++) {
		char *lookup = ag_xasprintf("%s tag:Name='%s'", what, s->v[i]->name);

		ag_ref_match(s->v[i], lookup, c->v, c->n);
		free(lookup);
	}
}

/* The tag:Name filter for names[start .. start+NAMES_PER_CALL). */
static void
name_filter(struct ag_kvlist *f, const struct ag_strlist *names, size_t start)
{
	size_t i;

	for (i = start; i < names->n && i < start + NAMES_PER_CALL; i++)
		ag_kvlist_add(f, "tag:Name", names->v[i]);
}

/*
 * One call of a lookup by Name tag: the resources matching filters, each
 * appended to out as (its Name tag, its id). Returns 0 or a negative AG_E*.
 */
typedef int (*by_name_fn)(struct ag_kvlist *out, struct ag_aws_client *aws,
    const struct ag_kvlist *filters, struct ag_error *err);

/* Appends (Name tag, id); a resource without one (the filter asked for a
 * Name, so AWS should not return it) cannot match a reference. */
static void
add_named(struct ag_kvlist *out, const struct ag_kvlist *tags, const char *id)
{
	const char *name = ag_kvlist_get(tags, "Name");

	if (name != NULL && id != NULL)
		ag_kvlist_add(out, name, id);
}

static int
vpcs_by_name(struct ag_kvlist *out, struct ag_aws_client *aws, const struct ag_kvlist *filters,
    struct ag_error *err)
{
	struct ag_ec2_vpc *v = NULL;
	size_t n = 0, i;
	int rc = ag_ec2_describe_vpcs(aws, NULL, filters, &v, &n, err);

	for (i = 0; rc == 0 && i < n; i++)
		add_named(out, &v[i].tags, v[i].id);
	ag_ec2_vpcs_free(v, n);
	return rc;
}

static int
subnets_by_name(struct ag_kvlist *out, struct ag_aws_client *aws, const struct ag_kvlist *filters,
    struct ag_error *err)
{
	struct ag_ec2_subnet *v = NULL;
	size_t n = 0, i;
	int rc = ag_ec2_describe_subnets(aws, NULL, filters, &v, &n, err);

	for (i = 0; rc == 0 && i < n; i++)
		add_named(out, &v[i].tags, v[i].id);
	ag_ec2_subnets_free(v, n);
	return rc;
}

static int
sgs_by_name(struct ag_kvlist *out, struct ag_aws_client *aws, const struct ag_kvlist *filters,
    struct ag_error *err)
{
	struct ag_ec2_security_group *v = NULL;
	size_t n = 0, i;
	int rc = ag_ec2_describe_security_groups(aws, NULL, filters, &v, &n, err);

	for (i = 0; rc == 0 && i < n; i++)
		add_named(out, &v[i].tags, v[i].id);
	ag_ec2_security_groups_free(v, n);
	return rc;
}

/*
 * Resolves every reference of s by the Name tag: one call per
 * NAMES_PER_CALL distinct names (what names the call in errors); a failed
 * call fails every reference of the kind, never reads as "no match".
 */
static void
resolve_by_name(struct refset *s, struct ag_aws_client *aws, const char *what, by_name_fn fn)
{
	struct ag_kvlist found = AG_KVLIST_INIT;
	struct cands c = {0};
	size_t start, i;
	int rc = 0;

	for (start = 0; rc == 0 && start < s->names.n; start += NAMES_PER_CALL) {
		struct ag_kvlist f = AG_KVLIST_INIT;
		struct ag_error e = AG_ERROR_INIT;

		name_filter(&f, &s->names, start);
		rc = fn(&found, aws, &f, &e);
		ag_kvlist_release(&f);
		if (rc < 0)
			fail_all(s, what, &e);
	}
	if (rc == 0) {
		for (i = 0; i < found.n; i++)
			cands_add(&c, found.v[i].key, found.v[i].value, found.v[i].value);
		match_all(s, what, &c);
	}
	free(c.v);
	ag_kvlist_release(&found);
}

/* Cluster identifiers are lower case in AWS; a name is matched the same
 * way. A cycle that described only some clusters (a commit touching a few)
 * describes the referenced ones it lacks, all in one filtered call. */
static void
resolve_clusters(struct refset *s, const struct ag_observed *o, struct ag_aws_client *aws)
{
	struct ag_strlist missing = AG_STRLIST_INIT;
	struct ag_observed more;
	struct ag_error e = AG_ERROR_INIT;
	bool more_ok = true;
	size_t i, j;

	ag_observed_init(&more);
	for (i = 0; i < s->n; i++) {
		char *id = ag_xstrdup(s->v[i]->name);

		for (j = 0; id[j]; j++)
			if (id[j] >= 'A' && id[j] <= 'Z')
				id[j] = (char)(id[j] - 'A' + 'a');
		if (ag_observed_find_cluster(o, id) == NULL && !ag_strlist_contains(&missing, id))
			ag_strlist_add(&missing, id);
		free(id);
	}
	if (missing.n > 0 && ag_rds_describe_clusters_by_id(aws, (const char *const *)missing.v,
	                         missing.n, false, &more, &e) < 0)
		more_ok = false;
	for (i = 0; i < s->n; i++) {
		struct ag_ref *r = s->v[i];
		char *id = ag_xstrdup(r->name);
		const struct ag_db_cluster *c;

		for (j = 0; id[j]; j++)
			if (id[j] >= 'A' && id[j] <= 'Z')
				id[j] = (char)(id[j] - 'A' + 'a');
		c = ag_observed_find_cluster(o, id);
		if (c == NULL)
			c = ag_observed_find_cluster(&more, id);
		if (c == NULL && !more_ok)
			ag_ref_fail(r, "rds DescribeDBClusters for '%s' failed: %s", id, e.msg);
		else if (c == NULL)
			ag_ref_fail(r, "rds DescribeDBClusters has no cluster '%s'", id);
		else if (c->arn == NULL || c->arn[0] == '\0')
			ag_ref_fail(
			    r, "rds DescribeDBClusters gave no DBClusterArn for cluster '%s'", id);
		else
			ag_ref_match(r, "", &(struct ag_ref_candidate){r->name, c->arn, c->arn}, 1);
		free(id);
	}
	ag_strlist_release(&missing);
	ag_observed_release(&more);
}

/* AwsKmsKey: one paginated ListKeys (key id -> key ARN) and, when a
 * reference names an alias, one paginated ListAliases (alias -> key id). */
static void
resolve_kms(struct refset *s, struct ag_aws_client *aws)
{
	struct ag_kvlist keys = AG_KVLIST_INIT, aliases = AG_KVLIST_INIT;
	struct ag_error e = AG_ERROR_INIT;
	bool want_aliases = false;
	size_t i;

	for (i = 0; i < s->n; i++)
		if (ag_ref_kms_form(s->v[i]->name) == AG_KMS_REF_ALIAS)
			want_aliases = true;
	if (ag_kms_list_keys(aws, &keys, &e) < 0) {
		fail_all(s, "kms ListKeys", &e);
		goto out;
	}
	if (want_aliases && ag_kms_list_aliases(aws, &aliases, &e) < 0) {
		fail_all(s, "kms ListAliases", &e);
		goto out;
	}
	for (i = 0; i < s->n; i++) {
		struct ag_ref *r = s->v[i];
		bool want_id = strcmp(ag_ref_field_path(r), "status.outputs.key_id") == 0;
		const char *id = NULL, *arn = NULL;
		char *alias = NULL;
		size_t k;

		switch (ag_ref_kms_form(r->name)) {
		case AG_KMS_REF_ALIAS:
			alias = ag_ref_kms_alias(r->name);
			id = ag_kvlist_get(&aliases, alias);
			if (id == NULL) {
				ag_ref_fail(r, "kms ListAliases has no alias '%s'", alias);
				break;
			}
			if ((arn = ag_kvlist_get(&keys, id)) == NULL)
				ag_ref_fail(r,
				    "kms ListAliases: alias '%s' names key '%s', which ListKeys "
				    "does not "
				    "list",
				    alias, id);
			break;
		case AG_KMS_REF_KEY_ID:
			id = r->name;
			if ((arn = ag_kvlist_get(&keys, id)) == NULL)
				ag_ref_fail(r, "kms ListKeys has no key '%s'", id);
			break;
		case AG_KMS_REF_KEY_ARN:
			for (k = 0; k < keys.n; k++)
				if (strcmp(keys.v[k].value, r->name) == 0) {
					id = keys.v[k].key;
					arn = keys.v[k].value;
				}
			if (arn == NULL)
				ag_ref_fail(r, "kms ListKeys has no key '%s'", r->name);
			break;
		}
		if (arn != NULL) {
			struct ag_ref_candidate c = {r->name, id, want_id ? id : arn};

			ag_ref_match(r, "kms", &c, 1);
		}
		free(alias);
	}
out:
	ag_kvlist_release(&keys);
	ag_kvlist_release(&aliases);
}

void
ag_refs_resolve(struct ag_manifest_set *set, const struct ag_observed *o, struct ag_aws_client *aws)
{
	struct refset vpcs = {0}, subnets = {0}, sgs = {0}, clusters = {0}, keys = {0};
	size_t i, j;

	for (i = 0; i < set->n; i++)
		for (j = 0; j < set->v[i].n_refs; j++) {
			struct ag_ref *r = &set->v[i].refs[j];

			if (strcmp(r->kind, "AwsVpc") == 0)
				refset_add(&vpcs, r);
			else if (strcmp(r->kind, "AwsSubnet") == 0)
				refset_add(&subnets, r);
			else if (strcmp(r->kind, "AwsSecurityGroup") == 0)
				refset_add(&sgs, r);
			else if (strcmp(r->kind, "AwsRdsCluster") == 0)
				refset_add(&clusters, r);
			else if (strcmp(r->kind, "AwsKmsKey") == 0)
				refset_add(&keys, r);
			else
				ag_ref_fail(r, "unknown reference kind '%s'", r->kind);
		}
	if (vpcs.n)
		resolve_by_name(&vpcs, aws, "ec2 DescribeVpcs", vpcs_by_name);
	if (subnets.n)
		resolve_by_name(&subnets, aws, "ec2 DescribeSubnets", subnets_by_name);
	if (sgs.n)
		resolve_by_name(&sgs, aws, "ec2 DescribeSecurityGroups", sgs_by_name);
	if (clusters.n)
		resolve_clusters(&clusters, o, aws);
	if (keys.n)
		resolve_kms(&keys, aws);
	for (i = 0; i < set->n; i++)
		if (set->v[i].n_refs > 0 && ag_manifest_apply_refs(&set->v[i]) > 0)
			ag_log_warn(
			    "cluster '%s': a valueFrom reference did not resolve; the cluster "
			    "is not touched",
			    set->v[i].cluster_id ? set->v[i].cluster_id : "?");
	refset_release(&vpcs);
	refset_release(&subnets);
	refset_release(&sgs);
	refset_release(&clusters);
	refset_release(&keys);
}
