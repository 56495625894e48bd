/*
 * libFuzzer target for the AWS XML side: the expat-based tree builder
 * (ag_xml_parse), the error-reply decoder (ag_aws_parse_error) and every
 * RDS and EC2 decoder run on every element of the tree (the cluster and
 * instance decoders both on their own and into an observed set's string
 * store), plus the escaping of server text for messages. Everything is freed, so LeakSanitizer
 * reports any leak as a crash.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "aws/client.h"
#include "aws/ec2.h"
#include "aws/rds.h"
#include "aws/xml.h"
#include "core/escape.h"
#include "core/kv.h"
#include "core/observed.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
decode_all(const struct ag_xml_node *n, struct ag_observed *o, size_t *budget)
{
	struct ag_db_cluster c;
	struct ag_db_instance d;
	struct ag_rds_subnet_group g;
	struct ag_rds_cluster_snapshot s;
	struct ag_ec2_security_group *sg;
	struct ag_strlist l = AG_STRLIST_INIT;
	struct ag_kvlist t = AG_KVLIST_INIT;
	bool b;
	int i;
	double x;
	size_t k;

	if (*budget == 0)
		return;
	(*budget)--;
	ag_rds_decode_cluster(&c, n);
	ag_db_cluster_release(&c);
	ag_rds_decode_instance(&d, n);
	ag_db_instance_release(&d);
	(void)ag_rds_add_cluster(o, n);
	(void)ag_rds_add_instance(o, n);
	ag_rds_decode_subnet_group(&g, n);
	ag_rds_subnet_group_release(&g);
	ag_rds_decode_cluster_snapshot(&s, n);
	ag_rds_cluster_snapshot_release(&s);
	sg = calloc(1, sizeof(*sg));
	if (sg != NULL) {
		ag_ec2_decode_security_group(sg, n);
		ag_ec2_security_groups_free(sg, 1);
	}
	ag_xml_strlist(&l, n, n->n_kids ? n->kids[0]->name : "x");
	ag_strlist_release(&l);
	ag_xml_tags(&t, n, n->n_kids ? n->kids[0]->name : "x");
	ag_kvlist_release(&t);
	(void)ag_xml_bool(n, "x", &b);
	(void)ag_xml_int(n, n->n_kids ? n->kids[0]->name : "x", &i);
	(void)ag_xml_double(n, n->n_kids ? n->kids[0]->name : "x", &x);
	(void)ag_xml_path(n, "DescribeDBClustersResult/DBClusters/DBCluster");
	(void)ag_xml_find(n, "Marker");
	free(ag_escape_dup(n->text));
	for (k = 0; k < n->n_kids; k++)
		decode_all(n->kids[k], o, budget);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ag_xml_node *root = NULL;
	struct ag_aws_error_info ei;
	struct ag_error err = AG_ERROR_INIT;
	struct ag_observed o;
	size_t budget = 2000;

	ag_observed_init(&o);
	if (ag_xml_parse(&root, (const char *)data, size, "fuzz reply", &err) == 0) {
		decode_all(root, &o, &budget);
		ag_xml_free(root);
	}
	/* the pooled records outlive the tree they came from */
	ag_observed_index(&o);
	(void)ag_observed_find_cluster(&o, "x");
	ag_observed_release(&o);
	memset(&ei, 0, sizeof(ei));
	if (ag_aws_parse_error(&ei, (const char *)data, size) == 0) {
		free(ag_escape_dup(ei.code));
		free(ag_escape_dup(ei.message));
	}
	ag_aws_error_info_release(&ei);
	return 0;
}
