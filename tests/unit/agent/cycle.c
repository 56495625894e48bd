/*
 * The reconcile cycle with its dependencies passed in: an in-memory
 * manifest source, a scripted loopback RDS endpoint (no moto), a fake
 * clock and a temporary state directory.
 */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "agent/cycle.h"
#include "agent/state.h"
#include "aws/client.h"
#include "core/mem.h"
#include "core/source.h"
#include "../lib/loopback.h"

#define NS "xmlns=\"http://rds.amazonaws.com/doc/2014-10-31/\""
#define META "<ResponseMetadata><RequestId>req</RequestId></ResponseMetadata>"
#define PASSWORD "plain-Pa55w0rd-value"

static const char NO_CLUSTERS[] =
    "<DescribeDBClustersResponse " NS "><DescribeDBClustersResult><DBClusters/>"
    "</DescribeDBClustersResult>" META "</DescribeDBClustersResponse>";
static const char NO_INSTANCES[] =
    "<DescribeDBInstancesResponse " NS "><DescribeDBInstancesResult><DBInstances/>"
    "</DescribeDBInstancesResult>" META "</DescribeDBInstancesResponse>";
static const char NO_SUBNET_GROUPS[] =
    "<DescribeDBSubnetGroupsResponse " NS "><DescribeDBSubnetGroupsResult><DBSubnetGroups/>"
    "</DescribeDBSubnetGroupsResult>" META "</DescribeDBSubnetGroupsResponse>";
static const char CREATE_CLUSTER[] =
    "<CreateDBClusterResponse " NS "><CreateDBClusterResult><DBCluster>"
    "<DBClusterIdentifier>db1</DBClusterIdentifier><Status>creating</Status>"
    "</DBCluster></CreateDBClusterResult>" META "</CreateDBClusterResponse>";
static const char DB1_AVAILABLE[] =
    "<DescribeDBClustersResponse " NS "><DescribeDBClustersResult><DBClusters><DBCluster>"
    "<DBClusterIdentifier>db1</DBClusterIdentifier><Status>available</Status>"
    "<Engine>aurora-postgresql</Engine><EngineVersion>15.4</EngineVersion>"
    "<DBSubnetGroup>default</DBSubnetGroup><MasterUsername>postgres</MasterUsername>"
    "<DBClusterArn>arn:aws:rds:us-east-1:123456789012:cluster:db1</DBClusterArn>"
    "<TagList><Tag><Key>managed-by</Key><Value>aurora-gitops</Value></Tag></TagList>"
    "</DBCluster></DBClusters></DescribeDBClustersResult>" META "</DescribeDBClustersResponse>";

/* db1 described again after the apply, for its connection outputs */
static const char DB1_OUTPUTS[] =
    "<DescribeDBClustersResponse " NS "><DescribeDBClustersResult><DBClusters><DBCluster>"
    "<DBClusterIdentifier>db1</DBClusterIdentifier><Status>available</Status>"
    "<Engine>aurora-postgresql</Engine><EngineVersion>15.4</EngineVersion><Port>5432</Port>"
    "<Endpoint>db1.cluster-x.rds.amazonaws.com</Endpoint>"
    "<ReaderEndpoint>db1.cluster-ro-x.rds.amazonaws.com</ReaderEndpoint>"
    "<DbClusterResourceId>cluster-ABC</DbClusterResourceId>"
    "<DBClusterArn>arn:aws:rds:us-east-1:123456789012:cluster:db1</DBClusterArn>"
    "</DBCluster></DBClusters></DescribeDBClustersResult>" META "</DescribeDBClustersResponse>";

static const char GOOD[] = "apiVersion: aws.project-planton.org/v1\n"
                           "kind: AwsRdsCluster\n"
                           "metadata:\n"
                           "  name: db1\n"
                           "spec:\n"
                           "  engine: aurora-postgresql\n"
                           "  engineVersion: \"15.4\"\n"
                           "  dbSubnetGroupName: default\n"
                           "  password: " PASSWORD "\n";
static const char BAD[] = "apiVersion: aws.project-planton.org/v1\n"
                          "kind: AwsRdsCluster\n"
                          "metadata:\n"
                          "  name: db1\n"
                          "spec:\n"
                          "  engine: aurora-postgresql\n"
                          "  enginVersion: \"15.4\"\n";

/* An in-memory source: one manifest text. */
struct mem_source {
	struct ag_source base;
	const char *yaml;
	int loads;
};

static int
mem_load(struct ag_source *src, struct ag_manifest_set *set, struct ag_diags *diags,
    struct ag_error *err)
{
	struct mem_source *m = (struct mem_source *)src;
	int bad;

	m->loads++;
	bad = ag_manifest_parse(set, diags, m->yaml, strlen(m->yaml), "mem/db1.yaml") < 0;
	if (ag_manifest_set_check(set, diags) < 0)
		bad = 1;
	if (bad)
		return ag_error_set(err, AG_EINVAL, "manifests in 'mem' have errors");
	return 0;
}

static const char *
mem_revision(const struct ag_source *src)
{
	(void)src;
	return "mem@1";
}

static void
mem_free(struct ag_source *src)
{
	(void)src;
}

static const struct ag_source_ops mem_ops = {mem_load, mem_revision, mem_free};

/* Fake clock. */
static int64_t now_ms = 1767225600000; /* 2026-01-01 */

static int64_t
f_now(void *ctx)
{
	(void)ctx;
	return now_ms;
}

static void
f_sleep(void *ctx, int64_t ms)
{
	(void)ctx;
	now_ms += ms;
}

static double
f_half(void *ctx)
{
	(void)ctx;
	return 0.5;
}

static struct ag_clock fclock = {f_now, f_now, f_sleep, NULL};
static struct ag_rand frand = {f_half, NULL};
static volatile sig_atomic_t stop_flag;

struct fx {
	char dir[64];
	struct ag_lb_server srv;
	struct ag_env env;
	struct mem_source src;
	struct ag_cycle_config cfg;
	struct ag_cycle cy;
};

static int
setup(void **state)
{
	struct fx *f = ag_xcalloc(1, sizeof(*f));

	snprintf(f->dir, sizeof(f->dir), "/tmp/ag-unit-cycle.XXXXXX");
	if (mkdtemp(f->dir) == NULL)
		return -1;
	ag_lb_init(&f->srv);
	/* the first describes run concurrently: replies go by Action */
	f->srv.match_action = true;
	f->src.base.ops = &mem_ops;
	f->src.yaml = GOOD;
	ag_cycle_config_init(&f->cfg);
	f->cfg.mode = AG_MODE_APPLY;
	f->cfg.poll_interval_ms = 1000;
	stop_flag = 0;
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *f = *state;
	char cmd[128];
	int rc;

	ag_cycle_release(&f->cy);
	ag_aws_client_free(f->env.aws);
	ag_state_free(f->env.state);
	ag_lb_release(&f->srv);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
	rc = system(cmd);
	free(f);
	return rc == 0 ? 0 : -1;
}

/* Starts the server, makes the environment (state opened for writing or
 * reading) and the cycle. */
static void
start(struct fx *f, bool writer)
{
	struct ag_aws_config cfg;
	struct ag_error err = AG_ERROR_INIT;
	struct ag_aws_creds cr = {"AKIDEXAMPLE", "secret", NULL, 0, "test credentials"};

	ag_lb_start(&f->srv);
	ag_aws_config_init(&cfg);
	cfg.region = ag_xstrdup("us-east-1");
	cfg.endpoint_all = ag_xasprintf("http://127.0.0.1:%d", f->srv.port);
	cfg.max_attempts = 1;
	assert_int_equal(ag_aws_client_new(&f->env.aws, &cfg, &fclock, &frand, &err), 0);
	ag_aws_config_release(&cfg);
	ag_aws_client_set_credentials(f->env.aws, &cr);
	ag_aws_client_set_stop(f->env.aws, &stop_flag);
	f->env.clock = &fclock;
	f->env.rand = &frand;
	f->env.stop = &stop_flag;
	if (writer)
		assert_int_equal(ag_state_open(&f->env.state, f->dir, &err), 0);
	else
		assert_int_equal(ag_state_open_readonly(&f->env.state, f->dir, &err), 0);
	ag_cycle_init(&f->cy, &f->env, &f->src.base, &f->cfg);
}

static int
exists(const struct fx *f, const char *name)
{
	char p[128];
	struct stat st;

	snprintf(p, sizeof(p), "%s/%s", f->dir, name);
	return stat(p, &st) == 0;
}

static void
test_cycle__plans_and_applies_through_the_passed_dependencies(void **state)
{
	struct fx *f = *state;
	struct ag_error err = AG_ERROR_INIT;
	const struct ag_cluster_plan *cp;
	char a[64];

	ag_lb_script(&f->srv, 200, NO_CLUSTERS, NULL);
	ag_lb_script(&f->srv, 200, NO_INSTANCES, NULL);
	ag_lb_script(&f->srv, 200, NO_SUBNET_GROUPS, NULL);
	ag_lb_script(&f->srv, 200, CREATE_CLUSTER, "r1");
	ag_lb_script(&f->srv, 200, DB1_AVAILABLE, NULL);
	ag_lb_script(&f->srv, 200, DB1_OUTPUTS, NULL);
	start(f, true);
	assert_int_equal(ag_cycle_plan(&f->cy, &err), 0);
	assert_int_equal(f->src.loads, 1);
	/* one describe of each kind, nothing else, before the plan (the subnet
	 * groups for the public-subnet check of dbSubnetGroupName), sent
	 * concurrently, so in no fixed order */
	assert_int_equal(f->srv.served, 3);
	assert_int_equal(ag_lb_count(&f->srv, "DescribeDBClusters"), 1);
	assert_int_equal(ag_lb_count(&f->srv, "DescribeDBInstances"), 1);
	assert_int_equal(ag_lb_count(&f->srv, "DescribeDBSubnetGroups"), 1);
	cp = ag_plan_find(&f->cy.plan, "db1");
	assert_non_null(cp);
	assert_int_equal(cp->status, AG_STATUS_CREATE);
	assert_true(cp->execute);
	/* one item per manifest, with its opened password and hash */
	assert_int_equal(f->cy.n_items, 1);
	assert_string_equal(f->cy.items[0].m->cluster_id, "db1");
	assert_non_null(f->cy.items[0].secret);
	assert_non_null(f->cy.items[0].pwhash);
	assert_int_equal(strncmp(f->cy.items[0].pwkey, "local:", 6), 0);

	assert_int_equal(ag_cycle_apply(&f->cy, &err), 0);
	assert_int_equal(f->cy.result.applied, 1);
	/* the created cluster is described once more for its outputs */
	assert_int_equal(f->srv.served, 6);
	assert_int_equal(f->srv.unscripted, 0);
	assert_string_equal(ag_lb_action(&f->srv, 3, a, sizeof(a)), "CreateDBCluster");
	assert_string_equal(ag_lb_action(&f->srv, 5, a, sizeof(a)), "DescribeDBClusters");
	{
		char *o = ag_state_outputs(f->env.state, "db1");

		assert_non_null(o);
		assert_non_null(
		    strstr(o, "\"rds_cluster_endpoint\":\"db1.cluster-x.rds.amazonaws.com\""));
		free(o);
	}
	assert_true(exists(f, "outputs.json"));
	assert_non_null(strstr(f->srv.requests[3], "MasterUserPassword=" PASSWORD));
	/* the state was saved: the hash of the password sent, never the password */
	assert_true(exists(f, "passwords.json"));
	assert_true(exists(f, "hash.key"));
	assert_string_equal(ag_state_password_key(f->env.state, "db1"), f->cy.items[0].pwkey);
}

/*
 * A file with an error is left out: the cycle still reads the live state
 * (for the other files) but plans nothing for the bad file's cluster and
 * says which file it left out.
 */
static void
test_cycle__bad_file_is_left_out(void **state)
{
	struct fx *f = *state;
	struct ag_error err = AG_ERROR_INIT;

	f->src.yaml = BAD;
	ag_lb_script(&f->srv, 200, NO_CLUSTERS, NULL);
	ag_lb_script(&f->srv, 200, NO_INSTANCES, NULL);
	start(f, true);
	assert_int_equal(ag_cycle_plan(&f->cy, &err), 0);
	assert_true(f->cy.diags.errors > 0);
	assert_int_equal(f->cy.invalid_files.n, 1);
	assert_string_equal(f->cy.invalid_files.v[0], "mem/db1.yaml");
	assert_int_equal(f->cy.manifests.n, 0);
	assert_null(ag_plan_find(&f->cy.plan, "db1"));
	assert_int_equal(f->srv.served, 2);
	assert_int_equal(f->srv.unscripted, 0);
	assert_int_equal(ag_lb_count(&f->srv, "DescribeDBClusters"), 1);
	assert_int_equal(ag_lb_count(&f->srv, "DescribeDBInstances"), 1);
}

/*
 * A read-only cycle (plan) writes nothing in the state directory, and a
 * recorded hash whose local key is gone reads as "not verified", never as
 * a rotated password to send.
 */
static void
test_cycle__readonly_writes_nothing_and_lost_key_is_not_rotation(void **state)
{
	struct fx *f = *state;
	struct ag_error err = AG_ERROR_INIT;
	struct ag_state *w = NULL;
	const struct ag_cluster_plan *cp;
	size_t i, j;

	/* an earlier run recorded a hash under a local key since lost */
	assert_int_equal(ag_state_open(&w, f->dir, &err), 0);
	ag_state_set_password_hash(w, "db1", "local:0123456789abcdef", "00ff");
	assert_int_equal(ag_state_save(w, &err), 0);
	ag_state_free(w);
	assert_false(exists(f, "hash.key"));

	ag_lb_script(&f->srv, 200, DB1_AVAILABLE, NULL);
	ag_lb_script(&f->srv, 200, NO_INSTANCES, NULL);
	ag_lb_script(&f->srv, 200, NO_SUBNET_GROUPS, NULL);
	f->cfg.never_mutate = true;
	start(f, false);
	assert_int_equal(ag_cycle_plan(&f->cy, &err), 0);
	assert_int_equal(f->cy.items[0].pw.state, AG_PW_UNKNOWN);
	cp = ag_plan_find(&f->cy.plan, "db1");
	assert_non_null(cp);
	for (i = 0; i < cp->n_actions; i++)
		for (j = 0; j < cp->actions[i].params.n; j++)
			assert_string_not_equal(
			    cp->actions[i].params.v[j].value, AG_PLACEHOLDER_PASSWORD);
	assert_int_equal(ag_cycle_save(&f->cy, &err), 0);
	assert_false(exists(f, "hash.key"));

	/* a writer makes a new key; the old record still reads "not verified" */
	ag_cycle_release(&f->cy);
	ag_state_free(f->env.state);
	assert_int_equal(ag_state_open(&f->env.state, f->dir, &err), 0);
	ag_lb_script(&f->srv, 200, DB1_AVAILABLE, NULL);
	ag_lb_script(&f->srv, 200, NO_INSTANCES, NULL);
	ag_lb_script(&f->srv, 200, NO_SUBNET_GROUPS, NULL);
	ag_cycle_init(&f->cy, &f->env, &f->src.base, &f->cfg);
	assert_int_equal(ag_cycle_plan(&f->cy, &err), 0);
	assert_int_equal(f->cy.items[0].pw.state, AG_PW_UNKNOWN);
	assert_true(exists(f, "hash.key"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(
	        test_cycle__plans_and_applies_through_the_passed_dependencies, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_cycle__bad_file_is_left_out, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_cycle__readonly_writes_nothing_and_lost_key_is_not_rotation, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
