#ifndef AG_AWS_EC2_H
#define AG_AWS_EC2_H

#include <stdbool.h>
#include <stddef.h>

#include "aws/client.h"

/*
 * EC2 (API 2016-11-15): the VPC pieces a DB subnet group and security
 * groups need. EC2 replies differ from RDS: lowerCamel names, list items
 * are <item>, pagination by NextToken. Filters: name -> value pairs
 * (Filter.N.Name / Filter.N.Value.M).
 */

struct ag_ec2_rule {
	char *protocol; /* "tcp", "-1" */
	int from_port;
	int to_port;
	struct ag_strlist cidrs;
	struct ag_strlist group_ids;
};

struct ag_ec2_security_group {
	char *id;
	char *name;
	char *description;
	char *vpc_id;
	char *owner_id;
	struct ag_ec2_rule *ingress;
	size_t n_ingress;
	struct ag_kvlist tags;
};
void ag_ec2_security_groups_free(struct ag_ec2_security_group *v, size_t n);

struct ag_ec2_subnet {
	char *id;
	char *vpc_id;
	char *cidr;
	char *availability_zone;
	char *state;
	struct ag_kvlist tags;
};
void ag_ec2_subnets_free(struct ag_ec2_subnet *v, size_t n);

struct ag_ec2_vpc {
	char *id;
	char *cidr;
	char *state;
	struct ag_kvlist tags;
};
void ag_ec2_vpcs_free(struct ag_ec2_vpc *v, size_t n);

void ag_ec2_decode_security_group(struct ag_ec2_security_group *out, const struct ag_xml_node *n);

int ag_ec2_create_vpc(
    struct ag_aws_client *c, const char *cidr, char **vpc_id, struct ag_error *err);
int ag_ec2_create_subnet(struct ag_aws_client *c, const char *vpc_id, const char *cidr,
    const char *az, char **subnet_id, struct ag_error *err);
int ag_ec2_create_security_group(struct ag_aws_client *c, const char *name, const char *description,
    const char *vpc_id, char **group_id, struct ag_error *err);
/* One rule: protocol ("tcp"), port range, and a CIDR or a source group id (the other NULL). */
int ag_ec2_authorize_ingress(struct ag_aws_client *c, const char *group_id, const char *protocol,
    int from_port, int to_port, const char *cidr, const char *source_group_id,
    struct ag_error *err);
int ag_ec2_revoke_ingress(struct ag_aws_client *c, const char *group_id, const char *protocol,
    int from_port, int to_port, const char *cidr, const char *source_group_id,
    struct ag_error *err);
int ag_ec2_describe_security_groups(struct ag_aws_client *c, const struct ag_strlist *ids,
    const struct ag_kvlist *filters, struct ag_ec2_security_group **out, size_t *n,
    struct ag_error *err);
int ag_ec2_describe_subnets(struct ag_aws_client *c, const struct ag_strlist *ids,
    const struct ag_kvlist *filters, struct ag_ec2_subnet **out, size_t *n, struct ag_error *err);
/* A route table: the subnets associated with it explicitly, whether it is
 * its VPC's main table, and the internet gateway its default route
 * (0.0.0.0/0 or ::/0) goes to, NULL when none does. */
struct ag_ec2_route_table {
	char *id;
	char *vpc_id;
	bool main;
	struct ag_strlist subnet_ids;
	char *igw_id;
};
void ag_ec2_route_tables_free(struct ag_ec2_route_table *v, size_t n);
int ag_ec2_describe_route_tables(struct ag_aws_client *c, const struct ag_kvlist *filters,
    struct ag_ec2_route_table **out, size_t *n, struct ag_error *err);

int ag_ec2_describe_vpcs(struct ag_aws_client *c, const struct ag_strlist *ids,
    const struct ag_kvlist *filters, struct ag_ec2_vpc **out, size_t *n, struct ag_error *err);

#endif
