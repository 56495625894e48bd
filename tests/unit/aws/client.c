/*
 * The client against a scripted loopback HTTP server (a thread in this
 * test), with a fake clock and random source: retries and their backoff
 * go through the seams, request ids and counters are kept, errors name
 * the attempts, and expiring credentials are refreshed on the fake clock.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <cmocka.h>

#include "aws/client.h"
#include "../lib/loopback.h"
#include "aws/rds.h"
#include "core/mem.h"
#include "core/observed.h"

/* Fake clock and random source ---------------------------------------- */

struct fake {
	int64_t now;
	int64_t slept[16];
	int n_slept;
};

static int64_t
f_now(void *ctx)
{
	return ((struct fake *)ctx)->now;
}

static void
f_sleep(void *ctx, int64_t ms)
{
	struct fake *f = ctx;

	if (f->n_slept < 16)
		f->slept[f->n_slept++] = ms;
	f->now += ms;
}

static double
f_half(void *ctx)
{
	(void)ctx;
	return 0.5;
}

static const char THROTTLE[] = "<ErrorResponse><Error><Type>Sender</Type><Code>Throttling</Code>"
                               "<Message>Rate exceeded</Message></Error><RequestId>t</RequestId>"
                               "</ErrorResponse>";
static const char EMPTY_CLUSTERS[] =
    "<DescribeDBClustersResponse xmlns=\"http://rds.amazonaws.com/doc/2014-10-31/\">"
    "<DescribeDBClustersResult><DBClusters/></DescribeDBClustersResult>"
    "<ResponseMetadata><RequestId>ok-1</RequestId></ResponseMetadata></DescribeDBClustersResponse>";
static const char HTML[] = "<!doctype html><title>500 Internal Server Error</title><h1>Internal";

static struct fake fk;
static struct ag_clock fclock = {f_now, f_now, f_sleep, &fk};
static struct ag_rand frand = {f_half, NULL};

static struct ag_aws_client *
client_for(const struct ag_lb_server *s, int max_attempts)
{
	struct ag_aws_config cfg;
	struct ag_aws_client *c;
	struct ag_error err = AG_ERROR_INIT;
	struct ag_aws_creds cr = {"AKIDEXAMPLE", "secret", NULL, 0, "test credentials"};

	ag_aws_config_init(&cfg);
	cfg.region = ag_xstrdup("us-east-1");
	cfg.endpoint_all = ag_xasprintf("http://127.0.0.1:%d", s->port);
	cfg.max_attempts = max_attempts;
	assert_int_equal(ag_aws_client_new(&c, &cfg, &fclock, &frand, &err), 0);
	ag_aws_client_set_credentials(c, &cr);
	ag_aws_config_release(&cfg);
	return c;
}

static void
test_retry_then_success(void **state)
{
	struct ag_lb_server s;
	struct ag_aws_client *c;
	struct ag_observed o;
	struct ag_error err = AG_ERROR_INIT;
	const struct ag_strlist *ids;
	size_t n;
	const struct ag_aws_counter *cnt;

	(void)state;
	ag_lb_init(&s);
	memset(&fk, 0, sizeof(fk));
	ag_lb_script(&s, 400, THROTTLE, "rid-1");
	ag_lb_script(&s, 503, "Service Unavailable", "rid-2");
	ag_lb_script(&s, 200, EMPTY_CLUSTERS, "rid-3");
	ag_lb_start(&s);
	c = client_for(&s, 3);
	ag_observed_init(&o);
	assert_int_equal(ag_rds_describe_db_clusters(c, NULL, NULL, &o, &err), 0);
	/* u = 0.5: 0.5 * min(20 s, 1 s * 2^i) */
	assert_int_equal(fk.n_slept, 2);
	assert_int_equal(fk.slept[0], 500);
	assert_int_equal(fk.slept[1], 1000);
	ids = ag_aws_client_request_ids(c);
	assert_int_equal(ids->n, 3);
	assert_string_equal(ids->v[0], "rid-1");
	assert_string_equal(ids->v[2], "rid-3");
	assert_int_equal(ag_aws_client_request_count(c, "DescribeDBClusters"), 3);
	assert_int_equal(ag_aws_client_request_count(c, "rds:DescribeDBClusters"), 3);
	assert_int_equal(ag_aws_client_request_count(c, NULL), 3);
	cnt = ag_aws_client_counters(c, &n);
	assert_int_equal(n, 1);
	assert_int_equal(cnt[0].errors, 2);
	/* The request was signed and form-encoded. */
	assert_non_null(
	    strstr(s.requests[2], "Authorization: AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/"));
	assert_non_null(strstr(s.requests[2], "/us-east-1/rds/aws4_request"));
	assert_non_null(
	    strstr(s.requests[2], "Action=DescribeDBClusters&Version=2014-10-31&MaxRecords=100"));
	assert_null(strstr(s.requests[2], "secret"));
	ag_observed_release(&o);
	ag_aws_client_free(c);
	ag_lb_release(&s);
}

static void
test_give_up(void **state)
{
	struct ag_lb_server s;
	struct ag_aws_client *c;
	struct ag_aws_response r;
	struct ag_error err = AG_ERROR_INIT;

	(void)state;
	ag_lb_init(&s);
	memset(&fk, 0, sizeof(fk));
	ag_lb_script(&s, 400, THROTTLE, "rid-a");
	ag_lb_script(&s, 400, THROTTLE, "rid-b");
	ag_lb_start(&s);
	c = client_for(&s, 2);
	assert_int_equal(ag_rds_call(c, "DescribeDBClusters", NULL, &r, &err), AG_EAWS);
	assert_string_equal(err.msg,
	    "rds DescribeDBClusters failed after 2 attempts: Throttling (HTTP 400, request id t): "
	    "Rate exceeded (credentials from test credentials)");
	assert_string_equal(ag_aws_client_last_error(c)->code, "Throttling");
	assert_int_equal(ag_aws_client_last_error(c)->http_status, 400);
	assert_int_equal(fk.n_slept, 1);
	ag_aws_client_free(c);
	ag_lb_release(&s);
}

static void
test_html_500_and_not_found(void **state)
{
	struct ag_lb_server s;
	struct ag_aws_client *c;
	struct ag_aws_response r;
	struct ag_error err = AG_ERROR_INIT;
	static const char NF[] =
	    "<ErrorResponse><Error><Code>DBClusterNotFoundFault</Code>"
	    "<Message>DBCluster x not found.</Message></Error></ErrorResponse>";

	(void)state;
	ag_lb_init(&s);
	memset(&fk, 0, sizeof(fk));
	ag_lb_script(&s, 500, HTML, NULL);
	ag_lb_script(&s, 404, NF, "rid-nf");
	ag_lb_start(&s);
	c = client_for(&s, 1);
	assert_int_equal(ag_rds_call(c, "ModifyDBCluster", NULL, &r, &err), AG_EAWS);
	assert_non_null(strstr(err.msg, "rds ModifyDBCluster failed: HTTP 500 with a non-XML body: "
	                                "<!doctype html>"));
	ag_error_clear(&err);
	/* Not retried (not a retry code), and mapped to AG_ENOTFOUND. */
	assert_int_equal(ag_rds_call(c, "DescribeDBClusters", NULL, &r, &err), AG_ENOTFOUND);
	assert_non_null(strstr(err.msg, "DBClusterNotFoundFault (HTTP 404, request id rid-nf)"));
	assert_int_equal(fk.n_slept, 0);
	ag_aws_client_free(c);
	ag_lb_release(&s);
}

static void
test_wrong_reply(void **state)
{
	struct ag_lb_server s;
	struct ag_aws_client *c;
	struct ag_observed o;
	struct ag_error err = AG_ERROR_INIT;
	static const char S3[] = "<ListAllMyBucketsResult><Buckets/></ListAllMyBucketsResult>";

	(void)state;
	ag_lb_init(&s);
	memset(&fk, 0, sizeof(fk));
	ag_lb_script(&s, 200, S3, NULL);
	ag_lb_start(&s);
	c = client_for(&s, 3);
	ag_observed_init(&o);
	assert_int_equal(ag_rds_describe_db_clusters(c, NULL, NULL, &o, &err), AG_EAWS);
	assert_int_equal(o.n_clusters, 0);
	assert_non_null(strstr(err.msg, "rds DescribeDBClusters: unexpected reply "
	                                "<ListAllMyBucketsResult> from http://127.0.0.1:"));
	assert_non_null(strstr(err.msg, "(expected <DescribeDBClustersResponse>)"));
	ag_observed_release(&o);
	ag_aws_client_free(c);
	ag_lb_release(&s);
}

static void
test_backoff(void **state)
{
	(void)state;
	assert_int_equal(ag_aws_backoff_ms(0, 1000, 20000, 0.5), 500);
	assert_int_equal(ag_aws_backoff_ms(3, 1000, 20000, 0.5), 4000);
	assert_int_equal(ag_aws_backoff_ms(5, 1000, 20000, 0.5), 10000); /* capped at 20 s */
	assert_int_equal(ag_aws_backoff_ms(40, 1000, 20000, 0.0), 0);
	assert_true(ag_aws_backoff_ms(2, 10, 20000, 0.9999) < 40);
}

static void
test_refresh_on_fake_clock(void **state)
{
	struct ag_lb_server s;
	struct ag_aws_config cfg;
	struct ag_aws_client *c;
	struct ag_error err = AG_ERROR_INIT;
	const struct ag_aws_creds *cr;
	/* Expires 2030-01-01T00:00:00Z = 1893456000000 ms. */
	static const char J1[] = "{\"AccessKeyId\":\"ASIAONE000000000\",\"SecretAccessKey\":\"s1\","
	                         "\"Token\":\"t1\",\"Expiration\":\"2030-01-01T00:00:00Z\"}";
	static const char J2[] = "{\"AccessKeyId\":\"ASIATWO000000000\",\"SecretAccessKey\":\"s2\","
	                         "\"Token\":\"t2\",\"Expiration\":\"2030-01-01T01:00:00Z\"}";

	(void)state;
	ag_lb_init(&s);
	memset(&fk, 0, sizeof(fk));
	ag_lb_script(&s, 200, J1, NULL);
	ag_lb_script(&s, 200, J2, NULL);
	ag_lb_start(&s);
	ag_aws_config_init(&cfg);
	cfg.region = ag_xstrdup("us-east-1");
	cfg.imds_disabled = true;
	cfg.container_full_uri = ag_xasprintf("http://127.0.0.1:%d/creds", s.port);
	cfg.container_auth_token = ag_xstrdup("Bearer tok");
	assert_int_equal(ag_aws_client_new(&c, &cfg, &fclock, &frand, &err), 0);
	fk.now = 1893456000000LL - 10 * 60 * 1000; /* 10 min before expiry */
	assert_int_equal(ag_aws_client_credentials(c, &cr, &err), 0);
	assert_string_equal(cr->access_key_id, "ASIAONE000000000");
	assert_int_equal(cr->expires_ms, 1893456000000LL);
	assert_non_null(strstr(s.requests[0], "Authorization: Bearer tok"));
	fk.now += 4 * 60 * 1000; /* 6 min left: still fine */
	assert_int_equal(ag_aws_client_credentials(c, &cr, &err), 0);
	assert_string_equal(cr->access_key_id, "ASIAONE000000000");
	fk.now += 2 * 60 * 1000; /* 4 min left: inside the 5 min margin, refreshed */
	assert_int_equal(ag_aws_client_credentials(c, &cr, &err), 0);
	assert_string_equal(cr->access_key_id, "ASIATWO000000000");
	assert_non_null(strstr(cr->source, "container credentials"));
	ag_aws_client_free(c);
	ag_aws_config_release(&cfg);
	ag_lb_release(&s);
}

static void
test_config_endpoints(void **state)
{
	struct ag_aws_config cfg;
	char *e;
	char m[32];

	(void)state;
	ag_aws_config_init(&cfg);
	assert_int_equal(cfg.max_attempts, 3);
	assert_null(ag_aws_config_endpoint(&cfg, AG_AWS_RDS));
	cfg.region = ag_xstrdup("eu-west-1");
	e = ag_aws_config_endpoint(&cfg, AG_AWS_RDS);
	assert_string_equal(e, "https://rds.eu-west-1.amazonaws.com");
	free(e);
	cfg.endpoint_all = ag_xstrdup("http://127.0.0.1:5000");
	cfg.endpoint[AG_AWS_EC2] = ag_xstrdup("http://127.0.0.1:6000");
	e = ag_aws_config_endpoint(&cfg, AG_AWS_RDS);
	assert_string_equal(e, "http://127.0.0.1:5000");
	free(e);
	e = ag_aws_config_endpoint(&cfg, AG_AWS_EC2);
	assert_string_equal(e, "http://127.0.0.1:6000");
	free(e);
	ag_aws_config_release(&cfg);
	ag_aws_mask_key_id(m, sizeof(m), "AKIAIOSFODNN7EXAMPLE");
	assert_string_equal(m, "AKIA****MPLE");
	ag_aws_mask_key_id(m, sizeof(m), "short");
	assert_string_equal(m, "****");
}

static void
test_config_from_env(void **state)
{
	struct ag_aws_config cfg;
	struct ag_error err = AG_ERROR_INIT;

	(void)state;
	unsetenv("AWS_REGION");
	unsetenv("AWS_DEFAULT_REGION");
	setenv("AWS_PROFILE", "prod", 1);
	setenv("AWS_CONFIG_FILE", AG_TEST_DATA "/aws/config", 1);
	setenv("AWS_MAX_ATTEMPTS", "5", 1);
	setenv("AG_AWS_RETRY_BASE_MS", "10", 1);
	setenv("AWS_EC2_METADATA_DISABLED", "true", 1);
	assert_int_equal(ag_aws_config_from_env(&cfg, &err), 0);
	assert_string_equal(cfg.region, "eu-central-1");
	assert_string_equal(cfg.region_source, "profile 'prod' (" AG_TEST_DATA "/aws/config)");
	assert_int_equal(cfg.max_attempts, 5);
	assert_int_equal(cfg.retry_base_ms, 10);
	assert_true(cfg.imds_disabled);
	ag_aws_config_release(&cfg);
	setenv("AWS_MAX_ATTEMPTS", "many", 1);
	assert_int_equal(ag_aws_config_from_env(&cfg, &err), AG_EINVAL);
	assert_non_null(strstr(err.msg, "AWS_MAX_ATTEMPTS: 'many' is not a number"));
	ag_aws_config_release(&cfg);
	unsetenv("AWS_MAX_ATTEMPTS");
	unsetenv("AWS_PROFILE");
	unsetenv("AWS_CONFIG_FILE");
	unsetenv("AG_AWS_RETRY_BASE_MS");
}

static void
chain_config(struct ag_aws_config *cfg, const char *profile)
{
	ag_aws_config_init(cfg);
	cfg->region = ag_xstrdup("us-east-1");
	cfg->profile = ag_xstrdup(profile);
	cfg->credentials_file = ag_xstrdup(AG_TEST_DATA "/aws/credentials");
	cfg->config_file = ag_xstrdup(AG_TEST_DATA "/aws/config");
	cfg->imds_disabled = true;
}

static void
test_chain_profiles(void **state)
{
	struct ag_aws_config cfg;
	struct ag_aws_client *c;
	struct ag_error err = AG_ERROR_INIT;
	const struct ag_aws_creds *cr;

	(void)state;
	memset(&fk, 0, sizeof(fk));
	chain_config(&cfg, "prod");
	assert_int_equal(ag_aws_client_new(&c, &cfg, &fclock, &frand, &err), 0);
	assert_int_equal(ag_aws_client_credentials(c, &cr, &err), 0);
	assert_string_equal(cr->access_key_id, "AKIAPRODPROFILE00001");
	assert_string_equal(cr->session_token, "prod-token");
	assert_string_equal(cr->source, "profile 'prod' (" AG_TEST_DATA "/aws/credentials)");
	assert_int_equal(cr->expires_ms, 0);
	ag_aws_client_free(c);
	ag_aws_config_release(&cfg);

	/* The environment comes first. */
	chain_config(&cfg, "prod");
	cfg.access_key_id = ag_xstrdup("AKIAENVIRONMENT00001");
	cfg.secret_access_key = ag_xstrdup("env-secret");
	assert_int_equal(ag_aws_client_new(&c, &cfg, &fclock, &frand, &err), 0);
	assert_int_equal(ag_aws_client_credentials(c, &cr, &err), 0);
	assert_string_equal(cr->source, "environment");
	ag_aws_client_free(c);
	ag_aws_config_release(&cfg);

	/* Half a key pair is an error that names the profile and file. */
	chain_config(&cfg, "half");
	assert_int_equal(ag_aws_client_new(&c, &cfg, &fclock, &frand, &err), 0);
	assert_int_equal(ag_aws_client_credentials(c, &cr, &err), AG_EINVAL);
	assert_string_equal(err.msg,
	    "profile 'half' (" AG_TEST_DATA "/aws/credentials): "
	    "aws_access_key_id and aws_secret_access_key must both be set");
	ag_aws_client_free(c);
	ag_aws_config_release(&cfg);
}

static void
test_chain_nothing(void **state)
{
	struct ag_aws_config cfg;
	struct ag_aws_client *c;
	struct ag_error err = AG_ERROR_INIT;
	const struct ag_aws_creds *cr;
	struct ag_aws_response r;

	(void)state;
	chain_config(&cfg, "nobody");
	assert_int_equal(ag_aws_client_new(&c, &cfg, &fclock, &frand, &err), 0);
	assert_int_equal(ag_aws_client_credentials(c, &cr, &err), AG_EDENIED);
	assert_string_equal(err.msg,
	    "no AWS credentials found; tried: environment (AWS_ACCESS_KEY_ID not set); "
	    "profile 'nobody' (no credentials in " AG_TEST_DATA "/aws/credentials or " AG_TEST_DATA
	    "/aws/config); web identity (AWS_ROLE_ARN not set); container credentials "
	    "(AWS_CONTAINER_CREDENTIALS_RELATIVE_URI/_FULL_URI not set); EC2 instance metadata "
	    "(disabled by AWS_EC2_METADATA_DISABLED)");
	ag_error_clear(&err);
	/* A call says which call could not be made. */
	assert_int_equal(ag_rds_call(c, "DescribeDBClusters", NULL, &r, &err), AG_EDENIED);
	assert_non_null(
	    strstr(err.msg, "rds DescribeDBClusters: no AWS credentials found; tried:"));
	assert_int_equal(ag_aws_client_request_count(c, NULL), 0);
	ag_aws_client_free(c);
	ag_aws_config_release(&cfg);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_backoff),
	    cmocka_unit_test(test_retry_then_success),
	    cmocka_unit_test(test_give_up),
	    cmocka_unit_test(test_wrong_reply),
	    cmocka_unit_test(test_html_500_and_not_found),
	    cmocka_unit_test(test_refresh_on_fake_clock),
	    cmocka_unit_test(test_config_endpoints),
	    cmocka_unit_test(test_config_from_env),
	    cmocka_unit_test(test_chain_profiles),
	    cmocka_unit_test(test_chain_nothing),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
