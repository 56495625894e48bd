/*
 * The JSON 1.1 protocol (KMS, Application Auto Scaling) against a
 * scripted loopback server: X-Amz-Target, content type and signing name
 * on the wire, error codes from "__type", retries through the clock seam,
 * a reply that is not an object is an error, and the readers built on it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <jansson.h>

#include "aws/autoscaling.h"
#include "aws/client.h"
#include "aws/kms.h"
#include "../lib/loopback.h"
#include "core/mem.h"
#include "core/observed.h"

struct fake {
	int64_t now;
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

	f->n_slept++;
	f->now += ms;
}

static double
f_half(void *ctx)
{
	(void)ctx;
	return 0.5;
}

static struct fake fk;
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
	cfg.max_attempts = 3;
	assert_int_equal(ag_aws_client_new(&c, &cfg, &fclock, &frand, &err), 0);
	ag_aws_client_set_credentials(c, &cr);
	ag_aws_config_release(&cfg);
	return c;
}

static bool
has_header(const char *req, const char *line)
{
	return strcasestr(req, line) != NULL;
}

static void
test_json__request_and_reply(void **state)
{
	struct ag_lb_server s;
	struct ag_aws_client *c;
	struct ag_error err = AG_ERROR_INIT;
	char *id = NULL;

	(void)state;
	memset(&fk, 0, sizeof(fk));
	ag_lb_init(&s);
	ag_lb_script(&s, 200, "{\"KeyMetadata\": {\"KeyId\": \"k-1\"}}", "rid-1");
	ag_lb_start(&s);
	c = client_for(&s);
	assert_int_equal(ag_kms_key_of_alias(c, "alias/x", &id, &err), 0);
	assert_string_equal(id, "k-1");
	assert_true(has_header(s.requests[0], "X-Amz-Target: TrentService.DescribeKey\r\n"));
	assert_true(has_header(s.requests[0], "Content-Type: application/x-amz-json-1.1\r\n"));
	assert_true(has_header(s.requests[0], "/us-east-1/kms/aws4_request"));
	assert_non_null(strstr(s.requests[0], "\r\n\r\n{\"KeyId\":\"alias/x\"}"));
	assert_int_equal(ag_aws_client_request_count(c, "kms:DescribeKey"), 1);
	free(id);
	ag_aws_client_free(c);
	ag_lb_stop(&s);
	ag_lb_release(&s);
}

static void
test_json__errors(void **state)
{
	struct ag_lb_server s;
	struct ag_aws_client *c;
	struct ag_error err = AG_ERROR_INIT;
	json_t *out = NULL;
	char *id = NULL;

	(void)state;
	memset(&fk, 0, sizeof(fk));
	ag_lb_init(&s);
	ag_lb_script(&s, 400,
	    "{\"__type\": \"com.amazonaws.kms#NotFoundException\", \"message\": \"Alias not "
	    "found\"}",
	    "rid-1");
	ag_lb_script(&s, 400, "{\"__type\": \"ThrottlingException\", \"message\": \"slow\"}", NULL);
	ag_lb_script(&s, 200, "{}", NULL);
	ag_lb_script(&s, 200, "[1, 2]", NULL);
	ag_lb_script(&s, 200, "", NULL);
	ag_lb_script(&s, 502, "<html>bad gateway</html>", NULL);
	ag_lb_script(&s, 502, "<html>bad gateway</html>", NULL);
	ag_lb_script(&s, 502, "<html>bad gateway</html>", NULL);
	ag_lb_start(&s);
	c = client_for(&s);

	/* a namespaced __type is the code; NotFound maps to AG_ENOTFOUND */
	assert_int_equal(ag_kms_key_of_alias(c, "alias/x", &id, &err), AG_ENOTFOUND);
	assert_string_equal(ag_aws_client_last_error(c)->code, "NotFoundException");
	assert_non_null(strstr(err.msg, "Alias not found"));
	assert_null(id);

	/* throttling is retried through the clock seam */
	ag_error_clear(&err);
	assert_int_equal(
	    ag_aws_json_call(c, AG_AWS_AAS, "DescribeScalableTargets", NULL, &out, &err), 0);
	assert_int_equal(fk.n_slept, 1);
	assert_true(json_is_object(out));
	json_decref(out);
	assert_true(has_header(
	    s.requests[2], "X-Amz-Target: AnyScaleFrontendService.DescribeScalableTargets\r\n"));
	assert_true(has_header(s.requests[2], "/application-autoscaling/aws4_request"));

	/* a reply that is not an object is an error, never an empty result */
	assert_int_equal(ag_aws_json_call(c, AG_AWS_KMS, "ListAliases", NULL, &out, &err), AG_EAWS);
	assert_null(out);
	assert_non_null(strstr(err.msg, "not a JSON object"));
	/* an operation without output replies with an empty body */
	assert_int_equal(ag_aws_json_call(c, AG_AWS_KMS, "EnableKeyRotation", NULL, &out, &err), 0);
	assert_true(json_is_object(out) && json_object_size(out) == 0);
	json_decref(out);
	/* a non-JSON 5xx is retried, then named */
	assert_int_equal(ag_aws_json_call(c, AG_AWS_KMS, "ListAliases", NULL, &out, &err), AG_EAWS);
	assert_non_null(strstr(err.msg, "failed after 3 attempts"));
	assert_non_null(strstr(err.msg, "non-JSON error body"));
	ag_aws_client_free(c);
	ag_lb_stop(&s);
	ag_lb_release(&s);
}

static void
test_json__readers(void **state)
{
	struct ag_lb_server s;
	struct ag_aws_client *c;
	struct ag_error err = AG_ERROR_INIT;
	struct ag_observed o;
	struct ag_strlist aliases = AG_STRLIST_INIT;
	const struct ag_observed_scaling *t;
	const struct ag_observed_kms_key *k;

	(void)state;
	memset(&fk, 0, sizeof(fk));
	ag_lb_init(&s);
	/* KMS: two pages of aliases, then the key of the one asked for */
	ag_lb_script(&s, 200,
	    "{\"Aliases\": [{\"AliasName\": \"alias/other\", \"TargetKeyId\": \"k-0\"}], "
	    "\"Truncated\": true, \"NextMarker\": \"m1\"}",
	    NULL);
	ag_lb_script(&s, 200,
	    "{\"Aliases\": [{\"AliasName\": \"alias/db1\", \"TargetKeyId\": \"k-1\"}], "
	    "\"Truncated\": false}",
	    NULL);
	ag_lb_script(&s, 200,
	    "{\"KeyMetadata\": {\"KeyId\": \"k-1\", \"Arn\": \"arn:aws:kms:us-east-1:1:key/k-1\", "
	    "\"KeyState\": \"Enabled\"}}",
	    NULL);
	ag_lb_script(&s, 200, "{\"KeyRotationEnabled\": true}", NULL);
	/* Application Auto Scaling: targets on two pages, then policies */
	ag_lb_script(&s, 200,
	    "{\"ScalableTargets\": [{\"ResourceId\": \"cluster:db1\", \"ScalableDimension\": "
	    "\"rds:cluster:ReadReplicaCount\", \"MinCapacity\": 1, \"MaxCapacity\": 5}], "
	    "\"NextToken\": \"t1\"}",
	    NULL);
	ag_lb_script(&s, 200,
	    "{\"ScalableTargets\": [{\"ResourceId\": \"cluster:db2\", \"ScalableDimension\": "
	    "\"rds:cluster:ReadReplicaCount\", \"MinCapacity\": 0, \"MaxCapacity\": 2}]}",
	    NULL);
	ag_lb_script(&s, 200,
	    "{\"ScalingPolicies\": [{\"PolicyName\": \"aurora-gitops-readers\", \"ResourceId\": "
	    "\"cluster:db1\", \"TargetTrackingScalingPolicyConfiguration\": {\"TargetValue\": "
	    "60.0, \"PredefinedMetricSpecification\": {\"PredefinedMetricType\": "
	    "\"RDSReaderAverageCPUUtilization\"}, \"ScaleInCooldown\": 300}}, {\"PolicyName\": "
	    "\"someone-else\", \"ResourceId\": \"cluster:db1\"}]}",
	    NULL);
	ag_lb_start(&s);
	c = client_for(&s);
	ag_observed_init(&o);
	ag_strlist_add(&aliases, "alias/db1");
	assert_int_equal(ag_kms_read_keys(c, &aliases, &o, &err), 0);
	assert_true(o.kms_loaded);
	assert_int_equal(o.n_kms_keys, 1);
	k = ag_observed_find_kms_key(&o, "alias/db1");
	assert_non_null(k);
	assert_string_equal(k->arn, "arn:aws:kms:us-east-1:1:key/k-1");
	assert_int_equal(k->rotation, 1);
	assert_non_null(strstr(s.requests[1], "\"Marker\":\"m1\""));

	assert_int_equal(ag_aas_read_rds(c, "aurora-gitops-readers", &o, &err), 0);
	assert_true(o.scaling_loaded);
	assert_int_equal(o.n_scaling, 2);
	t = ag_observed_find_scaling(&o, "db1");
	assert_non_null(t);
	assert_true(t->has_policy);
	assert_int_equal(t->max_capacity, 5);
	assert_int_equal(t->scale_in_cooldown, 300);
	assert_int_equal(t->scale_out_cooldown, -1);
	assert_int_equal(t->other_policies, 1);
	assert_false(ag_observed_find_scaling(&o, "db2")->has_policy);
	assert_non_null(strstr(s.requests[5], "\"NextToken\":\"t1\""));
	assert_non_null(strstr(s.requests[6], "\"MaxResults\":10"));
	ag_strlist_release(&aliases);
	ag_observed_release(&o);
	ag_aws_client_free(c);
	ag_lb_stop(&s);
	ag_lb_release(&s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_json__request_and_reply),
	    cmocka_unit_test(test_json__errors),
	    cmocka_unit_test(test_json__readers),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
