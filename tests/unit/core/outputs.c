/* Connection outputs: a partial reply is an error, env output quotes for
 * the shell, the recorded JSON reads back. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/error.h"
#include "core/observed.h"
#include "core/outputs.h"

static void
fill(struct ag_db_cluster *c)
{
	memset(c, 0, sizeof(*c));
	c->id = strdup("shop");
	c->arn = strdup("arn:aws:rds:us-east-1:1:cluster:shop");
	c->resource_id = strdup("cluster-ABC");
	c->endpoint = strdup("shop.cluster-x.rds.amazonaws.com");
	c->reader_endpoint = strdup("shop.cluster-ro-x.rds.amazonaws.com");
	c->engine = strdup("aurora-postgresql");
	c->engine_version = strdup("16.1");
	c->status = strdup("available");
	c->port = 5432;
}

static void
test_outputs__partial_reply_is_an_error(void **state)
{
	struct ag_db_cluster c;
	struct ag_outputs o;
	char why[256];

	(void)state;
	fill(&c);
	free(c.reader_endpoint);
	c.reader_endpoint = NULL;
	assert_int_equal(ag_outputs_from_cluster(&o, &c, why, sizeof(why)), AG_EAWS);
	assert_string_equal(why, "DescribeDBClusters gave no ReaderEndpoint for cluster 'shop' "
	                         "(status available): the outputs are not known yet");
	c.reader_endpoint = strdup("r");
	c.port = 0;
	assert_int_equal(ag_outputs_from_cluster(&o, &c, why, sizeof(why)), AG_EAWS);
	ag_db_cluster_release(&c);
}

static void
test_outputs__env_quoting_and_json_round_trip(void **state)
{
	struct ag_db_cluster c;
	struct ag_outputs o, back;
	struct ag_buf b = AG_BUF_INIT(1 << 16);
	char why[256], *json;

	(void)state;
	fill(&c);
	ag_strlist_add(&c.custom_endpoints, "it's$(reboot)`x`");
	assert_int_equal(ag_outputs_from_cluster(&o, &c, why, sizeof(why)), 0);
	assert_int_equal(ag_outputs_render(&b, &o, "env"), 0);
	assert_non_null(strstr(b.ptr, "AURORA_PORT='5432'\n"));
	assert_non_null(strstr(b.ptr, "AURORA_CUSTOM_ENDPOINTS='it'\\''s$(reboot)`x`'\n"));
	assert_non_null(strstr(b.ptr, "AURORA_MASTER_USER_SECRET_ARN=''\n"));
	assert_int_equal(ag_outputs_render(&b, &o, "yaml"), AG_EINVAL);

	json = ag_outputs_json(&o);
	assert_int_equal(ag_outputs_from_json(&back, json, why, sizeof(why)), 0);
	assert_string_equal(back.writer_endpoint, o.writer_endpoint);
	assert_int_equal(back.port, 5432);
	assert_string_equal(back.custom_endpoints.v[0], "it's$(reboot)`x`");
	assert_null(back.master_user_secret_arn);
	free(json);
	ag_outputs_release(&back);
	assert_int_equal(
	    ag_outputs_from_json(&back, "{\"rds_cluster_id\":\"x\"}", why, sizeof(why)), AG_EINVAL);
	ag_outputs_release(&back);
	ag_outputs_release(&o);
	ag_buf_release(&b);
	ag_db_cluster_release(&c);
}

/* The tree made straight from a described cluster is the one made from
 * the outputs filled from it, and is in key order already: jansson writes
 * it the same with and without sorting. A cluster without outputs is the
 * same error, with the same message, whichever way it is asked. */
static void
test_outputs__tree_straight_from_the_cluster(void **state)
{
	struct ag_db_cluster c;
	struct ag_outputs o;
	char why[256], why2[256], *via, *direct, *unsorted;
	json_t *j = NULL, *k;
	int with;

	(void)state;
	for (with = 0; with < 4; with++) {
		fill(&c);
		if (with & 1) {
			ag_strlist_add(&c.custom_endpoints, "b.cluster-custom-x \u00e9\"\\");
			ag_strlist_add(&c.custom_endpoints, "a\xc3\xa9");
		}
		if (with & 2) {
			c.master_user_secret_arn =
			    strdup("arn:aws:secretsmanager:x:1:secret:rds!c");
			c.hosted_zone_id = strdup("Z2R2ITUGPM61AM");
		} else {
			c.master_user_secret_arn = strdup("");
		}
		assert_int_equal(ag_outputs_check_cluster(&c, why, sizeof(why)), 0);
		assert_int_equal(ag_outputs_cluster_json(&j, &c, why, sizeof(why)), 0);
		assert_int_equal(ag_outputs_from_cluster(&o, &c, why, sizeof(why)), 0);
		k = ag_outputs_to_json(&o);
		via = json_dumps(k, JSON_COMPACT | JSON_SORT_KEYS);
		direct = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS);
		unsorted = json_dumps(j, JSON_COMPACT);
		assert_string_equal(direct, via);
		assert_string_equal(unsorted, via);
		assert_true(json_equal(j, k));
		free(via);
		free(direct);
		free(unsorted);
		json_decref(j);
		json_decref(k);
		ag_outputs_release(&o);
		ag_db_cluster_release(&c);
	}

	fill(&c);
	free(c.engine);
	c.engine = strdup("");
	assert_int_equal(ag_outputs_from_cluster(&o, &c, why, sizeof(why)), AG_EAWS);
	assert_int_equal(ag_outputs_check_cluster(&c, why2, sizeof(why2)), AG_EAWS);
	assert_string_equal(why2, why);
	k = json_object();
	j = k;
	assert_int_equal(ag_outputs_cluster_json(&j, &c, why2, sizeof(why2)), AG_EAWS);
	assert_null(j);
	json_decref(k);
	assert_string_equal(why2, why);
	assert_non_null(strstr(why, "no Engine for cluster 'shop'"));
	free(c.engine);
	c.engine = strdup("aurora-mysql");
	c.port = -1;
	assert_int_equal(ag_outputs_check_cluster(&c, why2, sizeof(why2)), AG_EAWS);
	assert_string_equal(
	    why2, "DescribeDBClusters gave no Port for cluster 'shop' (status available)");
	ag_db_cluster_release(&c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_outputs__partial_reply_is_an_error),
	    cmocka_unit_test(test_outputs__env_quoting_and_json_round_trip),
	    cmocka_unit_test(test_outputs__tree_straight_from_the_cluster),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
