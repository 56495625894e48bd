#include "aws/ec2.h"
#include "aws/query.h"
#include "core/mem.h"

#include <stdlib.h>
#include <string.h>

#include "core/compat.h"

#define EC2_MAX_PAGES 10000

static void
ec2_tags(struct ag_kvlist *out, const struct ag_xml_node *n)
{
	const struct ag_xml_node *l = ag_xml_child(n, "tagSet");
	size_t i;

	for (i = 0; l && i < l->n_kids; i++) {
		const char *k = ag_xml_text(l->kids[i], "key");
		const char *v = ag_xml_text(l->kids[i], "value");

		if (k)
			ag_kvlist_add(out, k, v ? v : "");
	}
}

void
ag_ec2_security_groups_free(struct ag_ec2_security_group *v, size_t n)
{
	size_t i, j;

	for (i = 0; v && i < n; i++) {
		free(v[i].id);
		free(v[i].name);
		free(v[i].description);
		free(v[i].vpc_id);
		free(v[i].owner_id);
		for (j = 0; j < v[i].n_ingress; j++) {
			free(v[i].ingress[j].protocol);
			ag_strlist_release(&v[i].ingress[j].cidrs);
			ag_strlist_release(&v[i].ingress[j].group_ids);
		}
		free(v[i].ingress);
		ag_kvlist_release(&v[i].tags);
	}
	free(v);
}

void
ag_ec2_subnets_free(struct ag_ec2_subnet *v, size_t n)
{
	size_t i;

	for (i = 0; v && i < n; i++) {
		free(v[i].id);
		free(v[i].vpc_id);
		free(v[i].cidr);
		free(v[i].availability_zone);
		free(v[i].state);
		ag_kvlist_release(&v[i].tags);
	}
	free(v);
}

void
ag_ec2_vpcs_free(struct ag_ec2_vpc *v, size_t n)
{
	size_t i;

	for (i = 0; v && i < n; i++) {
		free(v[i].id);
		free(v[i].cidr);
		free(v[i].state);
		ag_kvlist_release(&v[i].tags);
	}
	free(v);
}

void
ag_ec2_decode_security_group(struct ag_ec2_security_group *g, const struct ag_xml_node *n)
{
	const struct ag_xml_node *l = ag_xml_child(n, "ipPermissions");
	size_t i, j;

	memset(g, 0, sizeof(*g));
	g->id = ag_xml_dup(n, "groupId");
	g->name = ag_xml_dup(n, "groupName");
	g->description = ag_xml_dup(n, "groupDescription");
	g->vpc_id = ag_xml_dup(n, "vpcId");
	g->owner_id = ag_xml_dup(n, "ownerId");
	if (l && l->n_kids)
		g->ingress = ag_xcalloc(l->n_kids, sizeof(*g->ingress));
	for (i = 0; l && i < l->n_kids; i++) {
		struct ag_ec2_rule *r = &g->ingress[g->n_ingress++];
		const struct ag_xml_node *p = l->kids[i], *x;

		r->protocol = ag_xml_dup(p, "ipProtocol");
		r->from_port = -1;
		r->to_port = -1;
		ag_xml_int(p, "fromPort", &r->from_port);
		ag_xml_int(p, "toPort", &r->to_port);
		x = ag_xml_child(p, "ipRanges");
		for (j = 0; x && j < x->n_kids; j++)
			if (ag_xml_text(x->kids[j], "cidrIp"))
				ag_strlist_add(&r->cidrs, ag_xml_text(x->kids[j], "cidrIp"));
		x = ag_xml_child(p, "groups");
		for (j = 0; x && j < x->n_kids; j++)
			if (ag_xml_text(x->kids[j], "groupId"))
				ag_strlist_add(&r->group_ids, ag_xml_text(x->kids[j], "groupId"));
	}
	ec2_tags(&g->tags, n);
}

static void
decode_subnet(struct ag_ec2_subnet *s, const struct ag_xml_node *n)
{
	memset(s, 0, sizeof(*s));
	s->id = ag_xml_dup(n, "subnetId");
	s->vpc_id = ag_xml_dup(n, "vpcId");
	s->cidr = ag_xml_dup(n, "cidrBlock");
	s->availability_zone = ag_xml_dup(n, "availabilityZone");
	s->state = ag_xml_dup(n, "state");
	ec2_tags(&s->tags, n);
}

void
ag_ec2_route_tables_free(struct ag_ec2_route_table *v, size_t n)
{
	size_t i;

	for (i = 0; v && i < n; i++) {
		free(v[i].id);
		free(v[i].vpc_id);
		ag_strlist_release(&v[i].subnet_ids);
		free(v[i].igw_id);
	}
	free(v);
}

static void
decode_route_table(struct ag_ec2_route_table *t, const struct ag_xml_node *n)
{
	const struct ag_xml_node *l;
	size_t i;

	memset(t, 0, sizeof(*t));
	t->id = ag_xml_dup(n, "routeTableId");
	t->vpc_id = ag_xml_dup(n, "vpcId");
	l = ag_xml_child(n, "associationSet");
	for (i = 0; l && i < l->n_kids; i++) {
		const char *sub = ag_xml_text(l->kids[i], "subnetId");
		bool main = false;

		if (ag_xml_bool(l->kids[i], "main", &main) && main)
			t->main = true;
		if (sub && *sub)
			ag_strlist_add(&t->subnet_ids, sub);
	}
	l = ag_xml_child(n, "routeSet");
	for (i = 0; l && i < l->n_kids && t->igw_id == NULL; i++) {
		const char *dst = ag_xml_text(l->kids[i], "destinationCidrBlock");
		const char *dst6 = ag_xml_text(l->kids[i], "destinationIpv6CidrBlock");
		const char *gw = ag_xml_text(l->kids[i], "gatewayId");

		if (gw && strncmp(gw, "igw-", 4) == 0 &&
		    ((dst && strcmp(dst, "0.0.0.0/0") == 0) || (dst6 && strcmp(dst6, "::/0") == 0)))
			t->igw_id = ag_xstrdup(gw);
	}
}

static void
decode_vpc(struct ag_ec2_vpc *v, const struct ag_xml_node *n)
{
	memset(v, 0, sizeof(*v));
	v->id = ag_xml_dup(n, "vpcId");
	v->cidr = ag_xml_dup(n, "cidrBlock");
	v->state = ag_xml_dup(n, "state");
	ec2_tags(&v->tags, n);
}

static int
create_one(struct ag_aws_client *c, const char *action, const struct ag_kvlist *p, const char *path,
    char **id, struct ag_error *err)
{
	struct ag_aws_response r;
	const struct ag_xml_node *n;
	int ret;

	*id = NULL;
	if ((ret = ag_ec2_call(c, action, p, &r, err)) != 0)
		return ret;
	n = ag_xml_path(r.root, path);
	if (!n || !n->text[0]) {
		ag_aws_response_release(&r);
		return ag_error_set(err, AG_EAWS, "ec2 %s: reply has no %s", action, path);
	}
	*id = ag_xstrdup(n->text);
	ag_aws_response_release(&r);
	return AG_OK;
}

int
ag_ec2_create_vpc(struct ag_aws_client *c, const char *cidr, char **vpc_id, struct ag_error *err)
{
	struct ag_kvlist p = AG_KVLIST_INIT;
	int ret;

	ag_kvlist_add(&p, "CidrBlock", cidr);
	ret = create_one(c, "CreateVpc", &p, "vpc/vpcId", vpc_id, err);
	ag_kvlist_release(&p);
	return ret;
}

int
ag_ec2_create_subnet(struct ag_aws_client *c, const char *vpc_id, const char *cidr, const char *az,
    char **subnet_id, struct ag_error *err)
{
	struct ag_kvlist p = AG_KVLIST_INIT;
	int ret;

	ag_kvlist_add(&p, "VpcId", vpc_id);
	ag_kvlist_add(&p, "CidrBlock", cidr);
	if (az)
		ag_kvlist_add(&p, "AvailabilityZone", az);
	ret = create_one(c, "CreateSubnet", &p, "subnet/subnetId", subnet_id, err);
	ag_kvlist_release(&p);
	return ret;
}

int
ag_ec2_create_security_group(struct ag_aws_client *c, const char *name, const char *description,
    const char *vpc_id, char **group_id, struct ag_error *err)
{
	struct ag_kvlist p = AG_KVLIST_INIT;
	int ret;

	ag_kvlist_add(&p, "GroupName", name);
	ag_kvlist_add(&p, "GroupDescription", description);
	if (vpc_id)
		ag_kvlist_add(&p, "VpcId", vpc_id);
	ret = create_one(c, "CreateSecurityGroup", &p, "groupId", group_id, err);
	ag_kvlist_release(&p);
	return ret;
}

static int
ingress(struct ag_aws_client *c, const char *action, const char *group_id, const char *protocol,
    int from_port, int to_port, const char *cidr, const char *source_group_id, struct ag_error *err)
{
	struct ag_kvlist p = AG_KVLIST_INIT;
	struct ag_aws_response r;
	int ret;

	ag_kvlist_add(&p, "GroupId", group_id);
	ag_kvlist_add(&p, "IpPermissions.1.IpProtocol", protocol);
	ag_kvlist_addf(&p, "IpPermissions.1.FromPort", "%d", from_port);
	ag_kvlist_addf(&p, "IpPermissions.1.ToPort", "%d", to_port);
	if (cidr)
		ag_kvlist_add(&p, "IpPermissions.1.IpRanges.1.CidrIp", cidr);
	if (source_group_id)
		ag_kvlist_add(&p, "IpPermissions.1.Groups.1.GroupId", source_group_id);
	ret = ag_ec2_call(c, action, &p, &r, err);
	ag_kvlist_release(&p);
	if (ret == 0)
		ag_aws_response_release(&r);
	return ret;
}

int
ag_ec2_authorize_ingress(struct ag_aws_client *c, const char *group_id, const char *protocol,
    int from_port, int to_port, const char *cidr, const char *source_group_id, struct ag_error *err)
{
	return ingress(c, "AuthorizeSecurityGroupIngress", group_id, protocol, from_port, to_port,
	    cidr, source_group_id, err);
}

int
ag_ec2_revoke_ingress(struct ag_aws_client *c, const char *group_id, const char *protocol,
    int from_port, int to_port, const char *cidr, const char *source_group_id, struct ag_error *err)
{
	return ingress(c, "RevokeSecurityGroupIngress", group_id, protocol, from_port, to_port,
	    cidr, source_group_id, err);
}

/* Paginated EC2 Describe with NextToken; decode() fills elem_size bytes per <item>. */
static int
ec2_describe(struct ag_aws_client *c, const char *action, const char *id_key,
    const struct ag_strlist *ids, const struct ag_kvlist *filters, const char *set,
    size_t elem_size, void (*decode)(void *, const struct ag_xml_node *),
    void (*free_fn)(void *, size_t), void **out, size_t *n, struct ag_error *err)
{
	char *token = NULL;
	void *v = NULL;
	size_t cnt = 0, cap = 0, i;
	int pages = 0, ret = AG_OK;

	do {
		struct ag_kvlist p = AG_KVLIST_INIT;
		struct ag_aws_response r;
		const struct ag_xml_node *l;
		const char *t;

		for (i = 0; ids && i < ids->n; i++) {
			char *k = ag_xasprintf("%s.%zu", id_key, i + 1);

			ag_kvlist_add(&p, k, ids->v[i]);
			free(k);
		}
		if (filters && filters->n)
			ag_aws_query_add_ec2_filters(&p, filters);
		if (token)
			ag_kvlist_add(&p, "NextToken", token);
		ret = ag_ec2_call(c, action, &p, &r, err);
		ag_kvlist_release(&p);
		if (ret != 0)
			break;
		l = ag_xml_child(r.root, set);
		for (i = 0; l && i < l->n_kids; i++) {
			if (cnt == cap) {
				cap = cap ? cap * 2 : 8;
				v = ag_xrealloc(v, cap * elem_size);
			}
			decode((char *)v + cnt * elem_size, l->kids[i]);
			cnt++;
		}
		t = ag_xml_text(r.root, "nextToken");
		free(token);
		token = t && *t ? ag_xstrdup(t) : NULL;
		ag_aws_response_release(&r);
		if (++pages >= EC2_MAX_PAGES && token) {
			ret = ag_error_set(
			    err, AG_ETOOBIG, "ec2 %s: more than %d pages", action, EC2_MAX_PAGES);
			break;
		}
	} while (token);
	free(token);
	if (ret != 0) {
		free_fn(v, cnt);
		v = NULL;
		cnt = 0;
	}
	*out = v;
	*n = cnt;
	return ret;
}

static void
dec_sg(void *o, const struct ag_xml_node *n)
{
	ag_ec2_decode_security_group(o, n);
}

static void
dec_subnet(void *o, const struct ag_xml_node *n)
{
	decode_subnet(o, n);
}

static void
dec_vpc(void *o, const struct ag_xml_node *n)
{
	decode_vpc(o, n);
}

static void
free_sg(void *v, size_t n)
{
	ag_ec2_security_groups_free(v, n);
}

static void
free_subnets(void *v, size_t n)
{
	ag_ec2_subnets_free(v, n);
}

static void
dec_route_table(void *o, const struct ag_xml_node *n)
{
	decode_route_table(o, n);
}

static void
free_route_tables(void *v, size_t n)
{
	ag_ec2_route_tables_free(v, n);
}

static void
free_vpcs(void *v, size_t n)
{
	ag_ec2_vpcs_free(v, n);
}

int
ag_ec2_describe_security_groups(struct ag_aws_client *c, const struct ag_strlist *ids,
    const struct ag_kvlist *filters, struct ag_ec2_security_group **out, size_t *n,
    struct ag_error *err)
{
	void *v;
	int ret = ec2_describe(c, "DescribeSecurityGroups", "GroupId", ids, filters,
	    "securityGroupInfo", sizeof(**out), dec_sg, free_sg, &v, n, err);

	*out = v;
	return ret;
}

int
ag_ec2_describe_subnets(struct ag_aws_client *c, const struct ag_strlist *ids,
    const struct ag_kvlist *filters, struct ag_ec2_subnet **out, size_t *n, struct ag_error *err)
{
	void *v;
	int ret = ec2_describe(c, "DescribeSubnets", "SubnetId", ids, filters, "subnetSet",
	    sizeof(**out), dec_subnet, free_subnets, &v, n, err);

	*out = v;
	return ret;
}

int
ag_ec2_describe_route_tables(struct ag_aws_client *c, const struct ag_kvlist *filters,
    struct ag_ec2_route_table **out, size_t *n, struct ag_error *err)
{
	void *v;
	int ret = ec2_describe(c, "DescribeRouteTables", "RouteTableId", NULL, filters,
	    "routeTableSet", sizeof(**out), dec_route_table, free_route_tables, &v, n, err);

	*out = v;
	return ret;
}

int
ag_ec2_describe_vpcs(struct ag_aws_client *c, const struct ag_strlist *ids,
    const struct ag_kvlist *filters, struct ag_ec2_vpc **out, size_t *n, struct ag_error *err)
{
	void *v;
	int ret = ec2_describe(c, "DescribeVpcs", "VpcId", ids, filters, "vpcSet", sizeof(**out),
	    dec_vpc, free_vpcs, &v, n, err);

	*out = v;
	return ret;
}
