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

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_outputs__partial_reply_is_an_error),
	    cmocka_unit_test(test_outputs__env_quoting_and_json_round_trip),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
