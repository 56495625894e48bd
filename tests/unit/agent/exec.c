/*
 * The apply executor against a scripted loopback RDS endpoint (no moto),
 * on a fake clock: order of the calls, waiting with progress, the no-wait
 * mode, the stop flag (in flight finishes, nothing new is sent), and a
 * failing action that stops only its own cluster.
 */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "agent/exec.h"
#include "aws/client.h"
#include "core/mem.h"
#include "core/plan.h"
#include "../lib/loopback.h"

#define NS "xmlns=\"http://rds.amazonaws.com/doc/2014-10-31/\""
#define META "<ResponseMetadata><RequestId>req</RequestId></ResponseMetadata>"

static const char CREATE_CLUSTER[] =
    "<CreateDBClusterResponse " NS "><CreateDBClusterResult><DBCluster>"
    "<DBClusterIdentifier>db1</DBClusterIdentifier><Status>creating</Status>"
    "</DBCluster></CreateDBClusterResult>" META "</CreateDBClusterResponse>";
static const char CREATE_INSTANCE[] =
    "<CreateDBInstanceResponse " NS "><CreateDBInstanceResult><DBInstance>"
    "<DBInstanceIdentifier>db1-1</DBInstanceIdentifier><DBInstanceStatus>creating"
    "</DBInstanceStatus></DBInstance></CreateDBInstanceResult>" META "</CreateDBInstanceResponse>";
#define CLUSTER_IS(st)                                                                             \
	"<DescribeDBClustersResponse " NS "><DescribeDBClustersResult><DBClusters><DBCluster>"     \
	"<DBClusterIdentifier>db1</DBClusterIdentifier><Engine>aurora-postgresql</Engine>"         \
	"<Status>" st "</Status></DBCluster></DBClusters></DescribeDBClustersResult>" META         \
	"</DescribeDBClustersResponse>"
#define INSTANCE_IS(st)                                                                            \
	"<DescribeDBInstancesResponse " NS "><DescribeDBInstancesResult><DBInstances><DBInstance>" \
	"<DBInstanceIdentifier>db1-1</DBInstanceIdentifier><DBClusterIdentifier>db1"               \
	"</DBClusterIdentifier><Engine>aurora-postgresql</Engine><DBInstanceStatus>" st            \
	"</DBInstanceStatus></DBInstance></DBInstances></DescribeDBInstancesResult>" META          \
	"</DescribeDBInstancesResponse>"
static const char INVALID[] = "<ErrorResponse><Error><Type>Sender</Type><Code>InvalidParameterValue"
                              "</Code><Message>bad value</Message></Error></ErrorResponse>";

/* Fake clock; its sleep can raise the stop flag, as a signal would. */
struct fake {
	int64_t now;
	int sleeps;
	int stop_after_sleeps; /* 0: never */
};

static struct fake fk;
static volatile sig_atomic_t stop_flag;

static int64_t
f_now(void *ctx)
{
	return ((struct fake *)ctx)->now;
}

static void
f_sleep(void *ctx, int64_t ms)
{
	struct fake *f = ctx;

	f->now += ms;
	f->sleeps++;
	if (f->stop_after_sleeps && f->sleeps >= f->stop_after_sleeps)
		stop_flag = SIGTERM;
}

static double
f_half(void *ctx)
{
	(void)ctx;
	return 0.5;
}

static struct ag_clock fclock = {f_now, f_now, f_sleep, &fk};
static struct ag_rand frand = {f_half, NULL};

static struct ag_aws_client *
client_for(const struct ag_lb_server *s)
{
	struct ag_aws_config cfg;
	struct ag_aws_client *c;
	struct ag_error err = AG_ERROR_INIT;
	struct ag_aws_creds cr = {"AKIDEXAMPLE", "secret", NULL, 0, "test credentials"};

	ag_aws_config_init(&cfg);
	cfg.region = ag_xstrdup("us-east-1");
	cfg.endpoint_all = ag_xasprintf("http://127.0.0.1:%d", s->port);
	cfg.max_attempts = 1;
	assert_int_equal(ag_aws_client_new(&c, &cfg, &fclock, &frand, &err), 0);
	ag_aws_client_set_credentials(c, &cr);
	ag_aws_client_set_stop(c, &stop_flag);
	ag_aws_config_release(&cfg);
	return c;
}

static struct ag_action *
add_action(struct ag_cluster_plan *cp, enum ag_action_kind kind, const char *action,
    const char *target, enum ag_action_wait wait)
{
	struct ag_action *a;

	AG_GROW(cp->actions, cp->cap_actions, cp->n_actions + 1);
	a = &cp->actions[cp->n_actions++];
	memset(a, 0, sizeof(*a));
	a->kind = kind;
	a->api = "rds";
	a->action = action;
	a->target = ag_xstrdup(target);
	a->wait = wait;
	return a;
}

static struct ag_cluster_plan *
add_cluster(struct ag_plan *p, const char *id)
{
	struct ag_cluster_plan *cp;

	AG_GROW(p->clusters, p->cap_clusters, p->n_clusters + 1);
	cp = &p->clusters[p->n_clusters++];
	memset(cp, 0, sizeof(*cp));
	cp->id = ag_xstrdup(id);
	cp->status = AG_STATUS_CREATE;
	cp->mode = AG_MODE_APPLY;
	cp->execute = true;
	return cp;
}

/* db1: create the cluster (wait available), then its instance (wait). */
static void
create_plan(struct ag_plan *p)
{
	struct ag_cluster_plan *cp = add_cluster(p, "db1");
	struct ag_action *a;

	a = add_action(
	    cp, AG_ACT_CREATE_CLUSTER, "CreateDBCluster", "db1", AG_WAIT_CLUSTER_AVAILABLE);
	ag_kvlist_add(&a->params, "DBClusterIdentifier", "db1");
	ag_kvlist_add(&a->params, "MasterUserPassword", AG_PLACEHOLDER_PASSWORD);
	a = add_action(
	    cp, AG_ACT_CREATE_INSTANCE, "CreateDBInstance", "db1-1", AG_WAIT_INSTANCE_AVAILABLE);
	ag_kvlist_add(&a->params, "DBInstanceIdentifier", "db1-1");
}

static const char *
secret(void *ctx, const char *cluster)
{
	(void)ctx;
	return strcmp(cluster, "db1") == 0 ? "s3cret-pw-value" : NULL;
}

/* progress log: "cluster db1 creating 30000;" ... */
static char progress_log[1024];

static void
on_progress(void *ctx, const struct ag_wait_progress *p)
{
	size_t n = strlen(progress_log);

	(void)ctx;
	snprintf(progress_log + n, sizeof(progress_log) - n, "%s %s %s %lld;", p->kind, p->id,
	    p->status, (long long)p->elapsed_ms);
}

static int failures, terminal_failures;

static void
on_failure(void *ctx, const struct ag_cluster_plan *cp, const char *action, const char *error,
    bool terminal)
{
	(void)ctx;
	(void)cp;
	(void)action;
	(void)error;
	failures++;
	terminal_failures += terminal;
}

static void
opts_init(struct ag_exec_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->wait_timeout_ms = 3600 * 1000;
	o->poll_interval_ms = 30000;
	o->secret = secret;
	o->progress = on_progress;
	o->on_failure = on_failure;
}

static int
setup(void **state)
{
	(void)state;
	memset(&fk, 0, sizeof(fk));
	fk.now = 1000000;
	stop_flag = 0;
	failures = 0;
	terminal_failures = 0;
	progress_log[0] = '\0';
	return 0;
}

static void
test_exec__sends_in_order_and_waits_with_progress(void **state)
{
	struct ag_lb_server s;
	struct ag_aws_client *c;
	struct ag_plan p;
	struct ag_exec_result r;
	struct ag_exec_opts o;
	struct ag_error err = AG_ERROR_INIT;
	char a[64];

	(void)state;
	ag_lb_init(&s);
	ag_lb_script(&s, 200, CREATE_CLUSTER, "r1");
	ag_lb_script(&s, 200, CLUSTER_IS("creating"), NULL);
	ag_lb_script(&s, 200, CLUSTER_IS("available"), NULL);
	ag_lb_script(&s, 200, CREATE_INSTANCE, "r2");
	ag_lb_script(&s, 200, INSTANCE_IS("available"), NULL);
	ag_lb_start(&s);
	c = client_for(&s);
	ag_plan_init(&p);
	create_plan(&p);
	ag_exec_result_init(&r);
	opts_init(&o);
	assert_int_equal(ag_exec_plan(&r, c, &p, &o, &err), 0);
	assert_int_equal(r.n, 1);
	assert_int_equal(r.v[0].status, AG_EXEC_APPLIED);
	assert_int_equal(r.v[0].n_sent, 2);
	assert_int_equal(r.applied, 1);
	assert_int_equal(r.mutating_calls, 2);
	assert_int_equal(s.served, 5);
	assert_int_equal(s.unscripted, 0);
	assert_string_equal(ag_lb_action(&s, 0, a, sizeof(a)), "CreateDBCluster");
	assert_string_equal(ag_lb_action(&s, 1, a, sizeof(a)), "DescribeDBClusters");
	assert_string_equal(ag_lb_action(&s, 3, a, sizeof(a)), "CreateDBInstance");
	/* the placeholder was resolved for the call, and only there */
	assert_non_null(strstr(s.requests[0], "MasterUserPassword=s3cret-pw-value"));
	assert_null(strstr(s.requests[3], "s3cret"));
	/* one poll interval slept between the two cluster polls */
	assert_int_equal(fk.sleeps, 1);
	assert_string_equal(progress_log,
	    "cluster db1 creating 0;cluster db1 available 30000;instance db1-1 available 0;");
	ag_exec_result_release(&r);
	ag_plan_release(&p);
	ag_aws_client_free(c);
	ag_lb_release(&s);
}

static void
test_exec__no_wait_sends_what_is_safe_and_returns(void **state)
{
	struct ag_lb_server s;
	struct ag_aws_client *c;
	struct ag_plan p;
	struct ag_exec_result r;
	struct ag_exec_opts o;
	struct ag_error err = AG_ERROR_INIT;

	(void)state;
	ag_lb_init(&s);
	ag_lb_script(&s, 200, CREATE_CLUSTER, "r1");
	ag_lb_start(&s);
	c = client_for(&s);
	ag_plan_init(&p);
	create_plan(&p);
	ag_exec_result_init(&r);
	opts_init(&o);
	o.no_wait = true;
	assert_int_equal(ag_exec_plan(&r, c, &p, &o, &err), 0);
	assert_int_equal(r.v[0].status, AG_EXEC_IN_PROGRESS);
	assert_int_equal(r.v[0].n_sent, 1);
	assert_int_equal(r.in_progress, 1);
	assert_int_equal(r.applied, 0);
	/* no describe, no sleep, no instance create */
	assert_int_equal(s.served + s.unscripted, 1);
	assert_int_equal(fk.sleeps, 0);
	ag_exec_result_release(&r);
	ag_plan_release(&p);
	ag_aws_client_free(c);
	ag_lb_release(&s);
}

static void
test_exec__stop_while_waiting_sends_nothing_new(void **state)
{
	struct ag_lb_server s;
	struct ag_aws_client *c;
	struct ag_plan p;
	struct ag_exec_result r;
	struct ag_exec_opts o;
	struct ag_error err = AG_ERROR_INIT;

	(void)state;
	ag_lb_init(&s);
	ag_lb_script(&s, 200, CREATE_CLUSTER, "r1");
	ag_lb_script(&s, 200, CLUSTER_IS("creating"), NULL);
	ag_lb_start(&s);
	c = client_for(&s);
	ag_plan_init(&p);
	create_plan(&p);
	add_action(add_cluster(&p, "db2"), AG_ACT_CREATE_CLUSTER, "CreateDBCluster", "db2",
	    AG_WAIT_CLUSTER_AVAILABLE);
	ag_exec_result_init(&r);
	opts_init(&o);
	fk.stop_after_sleeps = 1; /* the signal arrives during the first poll sleep */
	assert_int_equal(ag_exec_plan(&r, c, &p, &o, &err), AG_ESTOPPED);
	assert_int_equal(r.v[0].status, AG_EXEC_STOPPED);
	assert_int_equal(r.v[0].n_sent, 1);
	assert_non_null(strstr(r.v[0].error, "stopped while waiting for DB cluster 'db1'"));
	assert_non_null(strstr(r.v[0].error, "'creating'"));
	assert_int_equal(r.v[1].status, AG_EXEC_STOPPED);
	assert_int_equal(r.v[1].n_sent, 0);
	assert_int_equal(r.stopped, 1);
	assert_int_equal(r.not_started, 1);
	assert_int_equal(r.failed, 0);
	assert_int_equal(failures, 0); /* a stop is not a failure for the loop breaker */
	assert_int_equal(s.served + s.unscripted, 2);
	assert_non_null(strstr(err.msg, "0 clusters applied, 1 cut short, 1 not started"));
	ag_exec_result_release(&r);
	ag_plan_release(&p);
	ag_aws_client_free(c);
	ag_lb_release(&s);
}

static void
test_exec__failure_stops_only_its_cluster(void **state)
{
	struct ag_lb_server s;
	struct ag_aws_client *c;
	struct ag_plan p;
	struct ag_exec_result r;
	struct ag_exec_opts o;
	struct ag_error err = AG_ERROR_INIT;
	struct ag_cluster_plan *cp;

	(void)state;
	ag_lb_init(&s);
	ag_lb_script(&s, 400, INVALID, "r1");
	ag_lb_script(&s, 200,
	    "<AddTagsToResourceResponse " NS ">" META "</AddTagsToResourceResponse>", "r2");
	ag_lb_start(&s);
	c = client_for(&s);
	ag_plan_init(&p);
	create_plan(&p);
	cp = add_cluster(&p, "db2");
	cp->status = AG_STATUS_UPDATE;
	add_action(cp, AG_ACT_ADD_TAGS, "AddTagsToResource", "arn:db2", AG_WAIT_NONE);
	ag_exec_result_init(&r);
	opts_init(&o);
	assert_int_equal(ag_exec_plan(&r, c, &p, &o, &err), AG_ERROR);
	assert_int_equal(r.v[0].status, AG_EXEC_FAILED);
	assert_int_equal(r.v[0].n_sent, 0);
	assert_string_equal(r.v[0].failed_action, "create-cluster");
	assert_non_null(strstr(r.v[0].error, "InvalidParameterValue"));
	assert_null(strstr(r.v[0].error, "s3cret"));
	assert_int_equal(r.v[1].status, AG_EXEC_APPLIED);
	assert_int_equal(failures, 1);
	assert_int_equal(terminal_failures, 1); /* a validation error would repeat */
	assert_false(r.v[0].transient);
	assert_int_equal(s.served + s.unscripted, 2);
	ag_exec_result_release(&r);
	ag_plan_release(&p);
	ag_aws_client_free(c);
	ag_lb_release(&s);
}

static const char THROTTLE[] = "<ErrorResponse><Error><Type>Sender</Type><Code>Throttling"
                               "</Code><Message>Rate exceeded</Message></Error></ErrorResponse>";

/* Throttling, 5xx and timeouts are transient: reported, never held. */
static void
test_exec__transient_failures_are_not_terminal(void **state)
{
	struct ag_lb_server s;
	struct ag_aws_client *c;
	struct ag_plan p;
	struct ag_exec_result r;
	struct ag_exec_opts o;
	struct ag_error err = AG_ERROR_INIT;

	(void)state;
	ag_lb_init(&s);
	ag_lb_script(&s, 400, THROTTLE, "r1");
	ag_lb_script(&s, 503, "Service Unavailable", "r2");
	ag_lb_start(&s);
	c = client_for(&s);
	ag_plan_init(&p);
	create_plan(&p);
	add_action(
	    add_cluster(&p, "db2"), AG_ACT_CREATE_CLUSTER, "CreateDBCluster", "db2", AG_WAIT_NONE);
	ag_exec_result_init(&r);
	opts_init(&o);
	assert_int_equal(ag_exec_plan(&r, c, &p, &o, &err), AG_ERROR);
	assert_int_equal(r.v[0].status, AG_EXEC_FAILED);
	assert_true(r.v[0].transient);
	assert_int_equal(r.v[1].status, AG_EXEC_FAILED);
	assert_true(r.v[1].transient);
	assert_int_equal(failures, 2);
	assert_int_equal(terminal_failures, 0);
	ag_exec_result_release(&r);
	ag_plan_release(&p);
	ag_aws_client_free(c);
	ag_lb_release(&s);
}

/* #17: a create whose reply was lost is not sent again once a describe
 * shows AWS processed it. */
static void
test_exec__lost_create_reply_is_described_not_resent(void **state)
{
	struct ag_lb_server s;
	struct ag_aws_client *c;
	struct ag_plan p;
	struct ag_exec_result r;
	struct ag_exec_opts o;
	struct ag_error err = AG_ERROR_INIT;

	(void)state;
	ag_lb_init(&s);
	ag_lb_script(&s, 503, "Service Unavailable", "r1");   /* AWS created it, reply lost */
	ag_lb_script(&s, 200, CLUSTER_IS("creating"), NULL);  /* describe before a retry */
	ag_lb_script(&s, 200, CLUSTER_IS("available"), NULL); /* the waiter */
	ag_lb_start(&s);
	c = client_for(&s);
	ag_aws_client_set_max_attempts(c, 3);
	ag_plan_init(&p);
	add_action(add_cluster(&p, "db1"), AG_ACT_CREATE_CLUSTER, "CreateDBCluster", "db1",
	    AG_WAIT_CLUSTER_AVAILABLE);
	ag_exec_result_init(&r);
	opts_init(&o);
	assert_int_equal(ag_exec_plan(&r, c, &p, &o, &err), 0);
	assert_int_equal(r.v[0].status, AG_EXEC_APPLIED);
	assert_int_equal(ag_lb_count(&s, "CreateDBCluster"), 1);
	assert_int_equal(ag_lb_count(&s, "DescribeDBClusters"), 2);
	assert_int_equal(s.unscripted, 0);
	assert_int_equal(failures, 0);
	ag_exec_result_release(&r);
	ag_plan_release(&p);
	ag_aws_client_free(c);
	ag_lb_release(&s);
}

#define IAM_NS "xmlns=\"https://iam.amazonaws.com/doc/2010-05-08/\""
#define ROLE_ARN "arn:aws:iam::123456789012:role/rds-monitoring-role"

/* The monitoring role is made through IAM (GetRole: none; CreateRole;
 * AttachRolePolicy), its ARN replaces the placeholder, and RDS refusing a
 * role made moments ago (IAM propagation) is waited out on the clock. */
static void
test_exec__monitoring_role_made_then_waited_for(void **state)
{
	struct ag_lb_server s;
	struct ag_aws_client *c;
	struct ag_plan p;
	struct ag_exec_result r;
	struct ag_exec_opts o;
	struct ag_error err = AG_ERROR_INIT;
	struct ag_cluster_plan *cp;
	struct ag_action *a;
	char buf[64];
	static const char not_ready[] =
	    "<ErrorResponse><Error><Type>Sender</Type><Code>InvalidParameterValue</Code><Message>"
	    "IAM role ARN value is invalid or does not include the required permissions for: "
	    "ENHANCED_MONITORING</Message></Error></ErrorResponse>";

	(void)state;
	ag_lb_init(&s);
	ag_lb_script(&s, 404,
	    "<ErrorResponse " IAM_NS "><Error><Type>Sender</Type><Code>NoSuchEntity</Code>"
	    "<Message>The role with name rds-monitoring-role cannot be found.</Message></Error>"
	    "</ErrorResponse>",
	    "i1");
	ag_lb_script(&s, 200,
	    "<CreateRoleResponse " IAM_NS "><CreateRoleResult><Role><RoleName>rds-monitoring-role"
	    "</RoleName><Arn>" ROLE_ARN "</Arn></Role></CreateRoleResult>" META
	    "</CreateRoleResponse>",
	    "i2");
	ag_lb_script(&s, 200,
	    "<AttachRolePolicyResponse " IAM_NS ">" META "</AttachRolePolicyResponse>", "i3");
	ag_lb_script(&s, 400, not_ready, "m1");
	ag_lb_script(&s, 400, not_ready, "m2");
	ag_lb_script(&s, 200,
	    "<ModifyDBInstanceResponse " NS "><ModifyDBInstanceResult><DBInstance>"
	    "<DBInstanceIdentifier>db1-1</DBInstanceIdentifier></DBInstance>"
	    "</ModifyDBInstanceResult>" META "</ModifyDBInstanceResponse>",
	    "m3");
	ag_lb_start(&s);
	c = client_for(&s);
	ag_plan_init(&p);
	cp = add_cluster(&p, "db1");
	cp->status = AG_STATUS_UPDATE;
	a = add_action(
	    cp, AG_ACT_ENSURE_MONITORING_ROLE, "GetRole", "rds-monitoring-role", AG_WAIT_NONE);
	a->api = "iam";
	ag_kvlist_add(&a->params, "RoleName", "rds-monitoring-role");
	a = add_action(cp, AG_ACT_MODIFY_INSTANCE, "ModifyDBInstance", "db1-1", AG_WAIT_NONE);
	ag_kvlist_add(&a->params, "DBInstanceIdentifier", "db1-1");
	ag_kvlist_add(&a->params, "MonitoringInterval", "60");
	ag_kvlist_add(&a->params, "MonitoringRoleArn", "{{role:rds-monitoring-role}}");
	ag_exec_result_init(&r);
	opts_init(&o);
	assert_int_equal(ag_exec_plan(&r, c, &p, &o, &err), 0);
	assert_int_equal(r.v[0].status, AG_EXEC_APPLIED);
	ag_lb_stop(&s);
	assert_string_equal(ag_lb_action(&s, 0, buf, sizeof(buf)), "GetRole");
	assert_string_equal(ag_lb_action(&s, 1, buf, sizeof(buf)), "CreateRole");
	assert_non_null(strstr(s.requests[1], "monitoring.rds.amazonaws.com"));
	assert_string_equal(ag_lb_action(&s, 2, buf, sizeof(buf)), "AttachRolePolicy");
	assert_non_null(strstr(s.requests[2], "AmazonRDSEnhancedMonitoringRole"));
	assert_int_equal(ag_lb_count(&s, "ModifyDBInstance"), 3);
	assert_non_null(strstr(s.requests[5], "rds-monitoring-role"));
	assert_null(strstr(s.requests[5], "%7B%7Brole"));
	assert_int_equal(fk.sleeps, 2);
	assert_int_equal(fk.now, 1000000 + 2 * 10000);
	assert_int_equal(s.unscripted, 0);
	ag_exec_result_release(&r);
	ag_plan_release(&p);
	ag_aws_client_free(c);
	ag_lb_release(&s);
}

static const char GET_ROLE[] =
    "<GetRoleResponse " IAM_NS "><GetRoleResult><Role><RoleName>rds-monitoring-role</RoleName>"
    "<Arn>" ROLE_ARN "</Arn><Description>Enhanced Monitoring for RDS (made by aurora-gitops)"
    "</Description></Role></GetRoleResult>" META "</GetRoleResponse>";
static const char LIST_POLICIES[] =
    "<ListAttachedRolePoliciesResponse " IAM_NS "><ListAttachedRolePoliciesResult>"
    "<AttachedPolicies><member><PolicyName>AmazonRDSEnhancedMonitoringRole</PolicyName>"
    "<PolicyArn>arn:aws:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole"
    "</PolicyArn></member></AttachedPolicies><IsTruncated>false</IsTruncated>"
    "</ListAttachedRolePoliciesResult>" META "</ListAttachedRolePoliciesResponse>";
static const char MODIFY_INSTANCE[] =
    "<ModifyDBInstanceResponse " NS "><ModifyDBInstanceResult><DBInstance>"
    "<DBInstanceIdentifier>x</DBInstanceIdentifier></DBInstance>"
    "</ModifyDBInstanceResult>" META "</ModifyDBInstanceResponse>";

/* Cluster id: ensure role, then turn monitoring on for instance <id>-1
 * with the role's ARN. */
static void
monitoring_cluster(struct ag_plan *p, const char *id, const char *role)
{
	struct ag_cluster_plan *cp = add_cluster(p, id);
	char inst[64], ph[128];
	struct ag_action *a;

	cp->status = AG_STATUS_UPDATE;
	snprintf(inst, sizeof(inst), "%s-1", id);
	snprintf(ph, sizeof(ph), "{{role:%s}}", role);
	a = add_action(cp, AG_ACT_ENSURE_MONITORING_ROLE, "GetRole", role, AG_WAIT_NONE);
	a->api = "iam";
	ag_kvlist_add(&a->params, "RoleName", role);
	a = add_action(cp, AG_ACT_MODIFY_INSTANCE, "ModifyDBInstance", inst, AG_WAIT_NONE);
	ag_kvlist_add(&a->params, "DBInstanceIdentifier", inst);
	ag_kvlist_add(&a->params, "MonitoringInterval", "60");
	ag_kvlist_add(&a->params, "MonitoringRoleArn", ph);
}

/* Three clusters need the role that exists: one GetRole and one
 * ListAttachedRolePolicies for the run, each cluster's modify names its
 * ARN and records the id of the check. The next run asks again: the role
 * may have been deleted in between. */
static void
test_exec__monitoring_role_checked_once_per_run(void **state)
{
	struct ag_lb_server s;
	struct ag_aws_client *c;
	struct ag_plan p;
	struct ag_exec_result r;
	struct ag_exec_opts o;
	struct ag_error err = AG_ERROR_INIT;
	char buf[64];
	int run, i;

	(void)state;
	ag_lb_init(&s);
	for (run = 0; run < 2; run++) {
		ag_lb_script(&s, 200, GET_ROLE, run == 0 ? "g1" : "g2");
		ag_lb_script(&s, 200, LIST_POLICIES, run == 0 ? "l1" : "l2");
		for (i = 0; i < 3; i++)
			ag_lb_script(&s, 200, MODIFY_INSTANCE, "m");
	}
	ag_lb_start(&s);
	c = client_for(&s);
	ag_plan_init(&p);
	monitoring_cluster(&p, "db1", "rds-monitoring-role");
	monitoring_cluster(&p, "db2", "rds-monitoring-role");
	monitoring_cluster(&p, "db3", "rds-monitoring-role");
	for (run = 0; run < 2; run++) {
		ag_exec_result_init(&r);
		opts_init(&o);
		assert_int_equal(ag_exec_plan(&r, c, &p, &o, &err), 0);
		assert_int_equal(ag_lb_count(&s, "GetRole"), run + 1);
		assert_int_equal(ag_lb_count(&s, "ListAttachedRolePolicies"), run + 1);
		assert_int_equal(ag_lb_count(&s, "ModifyDBInstance"), 3 * (run + 1));
		for (i = 0; i < 3; i++) {
			assert_int_equal(r.v[i].status, AG_EXEC_APPLIED);
			assert_int_equal(r.v[i].n_sent, 2);
			assert_true(r.v[i].request_ids.n >= 1);
			assert_string_equal(r.v[i].request_ids.v[0], run == 0 ? "l1" : "l2");
			assert_string_equal(ag_lb_action(&s, run * 5 + 2 + i, buf, sizeof(buf)),
			    "ModifyDBInstance");
			assert_non_null(strstr(s.requests[run * 5 + 2 + i],
			    "MonitoringRoleArn=arn%3Aaws%3Aiam%3A%3A123456789012%3Arole%2Frds-"
			    "monitoring-role"));
		}
		ag_exec_result_release(&r);
	}
	ag_lb_stop(&s);
	assert_int_equal(s.unscripted, 0);
	assert_int_equal(failures, 0);
	ag_plan_release(&p);
	ag_aws_client_free(c);
	ag_lb_release(&s);
}

/* A failed role check is never taken as success: a failure that would
 * repeat (access denied) fails the next cluster of the run with the same
 * error and no IAM call; a transient one (503) is asked again by the next
 * cluster. No cluster modifies an instance without a role. */
static void
test_exec__monitoring_role_failure_is_not_cached_as_success(void **state)
{
	struct ag_lb_server s;
	struct ag_aws_client *c;
	struct ag_plan p;
	struct ag_exec_result r;
	struct ag_exec_opts o;
	struct ag_error err = AG_ERROR_INIT;
	char buf[64];

	(void)state;
	ag_lb_init(&s);
	ag_lb_script(&s, 403,
	    "<ErrorResponse " IAM_NS "><Error><Type>Sender</Type><Code>AccessDenied</Code>"
	    "<Message>not authorized to perform: iam:GetRole</Message></Error></ErrorResponse>",
	    "d1");
	ag_lb_script(&s, 503, "Service Unavailable", "u1");
	ag_lb_script(&s, 200, GET_ROLE, "g1");
	ag_lb_script(&s, 200, LIST_POLICIES, "l1");
	ag_lb_script(&s, 200, MODIFY_INSTANCE, "m1");
	ag_lb_start(&s);
	c = client_for(&s);
	ag_plan_init(&p);
	monitoring_cluster(&p, "db1", "denied-role");
	monitoring_cluster(&p, "db2", "denied-role");
	monitoring_cluster(&p, "db3", "rds-monitoring-role");
	monitoring_cluster(&p, "db4", "rds-monitoring-role");
	ag_exec_result_init(&r);
	opts_init(&o);
	assert_int_equal(ag_exec_plan(&r, c, &p, &o, &err), AG_ERROR);
	ag_lb_stop(&s);
	/* denied: db1 asked, db2 reports the same failure without asking */
	assert_int_equal(r.v[0].status, AG_EXEC_FAILED);
	assert_int_equal(r.v[1].status, AG_EXEC_FAILED);
	assert_int_equal(r.v[0].n_sent, 0);
	assert_int_equal(r.v[1].n_sent, 0);
	assert_string_equal(r.v[1].failed_action, "ensure-monitoring-role");
	assert_non_null(strstr(r.v[0].error, "AccessDenied"));
	assert_string_equal(r.v[1].error, r.v[0].error);
	assert_false(r.v[0].transient);
	assert_false(r.v[1].transient);
	/* unavailable: db3 fails (transient), db4 asks again and goes on */
	assert_int_equal(r.v[2].status, AG_EXEC_FAILED);
	assert_true(r.v[2].transient);
	assert_int_equal(r.v[3].status, AG_EXEC_APPLIED);
	assert_int_equal(failures, 3);
	assert_int_equal(terminal_failures, 2);
	assert_string_equal(ag_lb_action(&s, 0, buf, sizeof(buf)), "GetRole");
	assert_non_null(strstr(s.requests[0], "RoleName=denied-role"));
	assert_string_equal(ag_lb_action(&s, 1, buf, sizeof(buf)), "GetRole");
	assert_string_equal(ag_lb_action(&s, 2, buf, sizeof(buf)), "GetRole");
	assert_int_equal(ag_lb_count(&s, "GetRole"), 3);
	assert_int_equal(ag_lb_count(&s, "ModifyDBInstance"), 1);
	assert_non_null(strstr(s.requests[4], "DBInstanceIdentifier=db4-1"));
	assert_int_equal(s.unscripted, 0);
	ag_exec_result_release(&r);
	ag_plan_release(&p);
	ag_aws_client_free(c);
	ag_lb_release(&s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup(test_exec__sends_in_order_and_waits_with_progress, setup),
	    cmocka_unit_test_setup(test_exec__no_wait_sends_what_is_safe_and_returns, setup),
	    cmocka_unit_test_setup(test_exec__stop_while_waiting_sends_nothing_new, setup),
	    cmocka_unit_test_setup(test_exec__failure_stops_only_its_cluster, setup),
	    cmocka_unit_test_setup(test_exec__monitoring_role_made_then_waited_for, setup),
	    cmocka_unit_test_setup(test_exec__monitoring_role_checked_once_per_run, setup),
	    cmocka_unit_test_setup(
	        test_exec__monitoring_role_failure_is_not_cached_as_success, setup),
	    cmocka_unit_test_setup(test_exec__transient_failures_are_not_terminal, setup),
	    cmocka_unit_test_setup(test_exec__lost_create_reply_is_described_not_resent, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
