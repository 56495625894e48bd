/* Unit tests for the status snapshot and its renderings (/metrics, /). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "core/buf.h"
#include "core/error.h"
#include "core/status.h"

static void
fill(struct ag_status *s)
{
	struct ag_status_cluster *c;

	ag_status_init(s);
	ag_status_set_str(&s->version, "0.1.0");
	ag_status_set_str(&s->source, "file:///srv/fleet.git");
	ag_status_set_str(&s->revision, "main@3f2a1c9");
	ag_status_set_str(&s->shard, "1/3");
	s->ready = true;
	s->started_ms = 1700000000000;
	s->last_sync_ms = 1700000060250;
	c = ag_status_cluster(s, "orders-db");
	c->state = AG_CLUSTER_DRIFTED;
	c->drift = 2;
	ag_status_set_str(&c->commit, "3f2a1c9");
	c->reconciled_ms = 1700000060000;
	c = ag_status_cluster(s, "billing-db");
	c->state = AG_CLUSTER_ERROR;
	ag_status_set_str(&c->error, "modify failed: <InvalidParameter> \"x\" & 'y'");
	ag_status_observe_reconcile(s, 0.2);
	ag_status_observe_reconcile(s, 0.7);
	ag_status_observe_reconcile(s, 1000);
	ag_status_count_aws(s, "rds:DescribeDBClusters", "ok", 3);
	ag_status_count_aws(s, "rds:DescribeDBClusters", "ok", 2);
	ag_status_count_aws(s, "rds:ModifyDBCluster", "error", 1);
	s->git_fetches_ok = 4;
	s->notes_pushed = 5;
	s->notes_retried = 1;
	s->webhooks_rejected = 2;
}

static void
test_status__clusters_sorted_and_unique(void **state)
{
	struct ag_status s;
	const char *keep[] = {"orders-db"};

	(void)state;
	fill(&s);
	assert_int_equal(s.n_clusters, 2);
	assert_string_equal(s.clusters[0].id, "billing-db");
	assert_string_equal(s.clusters[1].id, "orders-db");
	assert_ptr_equal(ag_status_cluster(&s, "orders-db"), &s.clusters[1]);
	assert_int_equal(s.n_clusters, 2);
	ag_status_keep_only(&s, keep, 1);
	assert_int_equal(s.n_clusters, 1);
	assert_string_equal(s.clusters[0].id, "orders-db");
	ag_status_release(&s);
}

static void
test_status__metrics_text(void **state)
{
	struct ag_buf b = AG_BUF_INIT(1 << 20);
	struct ag_status s;

	(void)state;
	fill(&s);
	assert_int_equal(ag_status_render_metrics(&b, &s), 0);
	assert_non_null(
	    strstr(b.ptr, "# TYPE aurora_gitops_reconcile_duration_seconds histogram\n"));
	/* cumulative buckets: 0.2 <= 0.25, 0.7 <= 1, 1000 only in +Inf */
	assert_non_null(
	    strstr(b.ptr, "aurora_gitops_reconcile_duration_seconds_bucket{le=\"0.1\"} 0\n"));
	assert_non_null(
	    strstr(b.ptr, "aurora_gitops_reconcile_duration_seconds_bucket{le=\"0.25\"} 1\n"));
	assert_non_null(
	    strstr(b.ptr, "aurora_gitops_reconcile_duration_seconds_bucket{le=\"1\"} 2\n"));
	assert_non_null(
	    strstr(b.ptr, "aurora_gitops_reconcile_duration_seconds_bucket{le=\"120\"} 2\n"));
	assert_non_null(
	    strstr(b.ptr, "aurora_gitops_reconcile_duration_seconds_bucket{le=\"+Inf\"} 3\n"));
	assert_non_null(strstr(b.ptr, "aurora_gitops_reconcile_duration_seconds_count 3\n"));
	assert_non_null(
	    strstr(b.ptr, "aurora_gitops_reconcile_duration_seconds_sum 1000.900000\n"));
	assert_non_null(strstr(b.ptr, "aurora_gitops_cluster_drift{cluster=\"orders-db\"} 2\n"));
	assert_non_null(strstr(b.ptr, "aurora_gitops_cluster_drift{cluster=\"billing-db\"} 0\n"));
	assert_non_null(strstr(
	    b.ptr, "aurora_gitops_cluster_state{cluster=\"billing-db\",state=\"error\"} 1\n"));
	assert_non_null(strstr(
	    b.ptr, "aurora_gitops_cluster_state{cluster=\"billing-db\",state=\"in_sync\"} 0\n"));
	assert_non_null(strstr(b.ptr, "aurora_gitops_last_successful_sync_timestamp_seconds "
	                              "1700000060.250\n"));
	assert_non_null(strstr(b.ptr, "aurora_gitops_aws_requests_total{operation=\"rds:"
	                              "DescribeDBClusters\",status=\"ok\"} 5\n"));
	assert_non_null(strstr(b.ptr, "aurora_gitops_aws_requests_total{operation=\"rds:"
	                              "ModifyDBCluster\",status=\"error\"} 1\n"));
	assert_non_null(strstr(b.ptr, "aurora_gitops_git_fetches_total{result=\"ok\"} 4\n"));
	assert_non_null(strstr(b.ptr, "aurora_gitops_notes_pushed_total 5\n"));
	assert_non_null(strstr(b.ptr, "aurora_gitops_notes_push_retries_total 1\n"));
	assert_non_null(strstr(b.ptr, "aurora_gitops_webhooks_total{result=\"rejected\"} 2\n"));
	assert_non_null(
	    strstr(b.ptr, "aurora_gitops_build_info{version=\"0.1.0\",shard=\"1/3\"} 1\n"));
	/* every line is a comment or a sample; the document ends with a newline */
	assert_int_equal(b.ptr[b.len - 1], '\n');
	ag_buf_release(&b);
	ag_status_release(&s);
}

static void
test_status__label_values_escaped(void **state)
{
	struct ag_buf b = AG_BUF_INIT(1 << 20);
	struct ag_status s;

	(void)state;
	ag_status_init(&s);
	ag_status_cluster(&s, "a\"b\\c\nd");
	assert_int_equal(ag_status_render_metrics(&b, &s), 0);
	assert_non_null(
	    strstr(b.ptr, "aurora_gitops_cluster_drift{cluster=\"a\\\"b\\\\c\\nd\"} 0\n"));
	ag_buf_release(&b);
	ag_status_release(&s);
}

static void
test_status__bound_reported(void **state)
{
	struct ag_buf b = AG_BUF_INIT(200);
	struct ag_status s;

	(void)state;
	fill(&s);
	assert_int_equal(ag_status_render_metrics(&b, &s), AG_ETOOBIG);
	ag_buf_reset(&b);
	assert_int_equal(ag_status_render_html(&b, &s, 1700000070000, 5), AG_ETOOBIG);
	ag_buf_release(&b);
	ag_status_release(&s);
}

static void
test_status__html_page(void **state)
{
	struct ag_buf b = AG_BUF_INIT(1 << 20);
	struct ag_status s;

	(void)state;
	fill(&s);
	assert_int_equal(ag_status_render_html(&b, &s, 1700000070000, 5), 0);
	assert_non_null(strstr(b.ptr, "<!DOCTYPE html>"));
	assert_non_null(strstr(b.ptr, "<meta http-equiv=\"refresh\" content=\"5\">"));
	assert_null(strstr(b.ptr, "<script"));
	assert_non_null(strstr(b.ptr, "<code>orders-db</code></td><td class=\"state drifted\">"
	                              "drifted (2 fields)</td>"));
	assert_non_null(
	    strstr(b.ptr, "<code>3f2a1c9</code><br>2023-11-14 22:14:20 UTC (10 s ago)"));
	/* the error text is escaped, never raw markup */
	assert_non_null(strstr(b.ptr, "modify failed: &lt;InvalidParameter&gt; &quot;x&quot; &amp; "
	                              "&#39;y&#39;"));
	assert_null(strstr(b.ptr, "<InvalidParameter>"));
	assert_non_null(strstr(b.ptr, "2 clusters: 1 drifted, 1 error"));
	assert_non_null(strstr(b.ptr, "main@3f2a1c9"));
	assert_non_null(strstr(b.ptr, "1/3"));
	assert_non_null(strstr(b.ptr, "</html>\n"));
	ag_buf_reset(&b);
	assert_int_equal(ag_status_render_html(&b, &s, 1700000070000, 0), 0);
	assert_null(strstr(b.ptr, "http-equiv"));
	ag_buf_release(&b);
	ag_status_release(&s);
}

static void
test_status__html_escape(void **state)
{
	struct ag_buf b = AG_BUF_INIT(64);

	(void)state;
	assert_int_equal(ag_html_escape(&b, "<a href='x'>&\"</a>"), 0);
	assert_string_equal(b.ptr, "&lt;a href=&#39;x&#39;&gt;&amp;&quot;&lt;/a&gt;");
	ag_buf_release(&b);
}

static void
test_status__negative_duration_is_zero(void **state)
{
	struct ag_status s;

	(void)state;
	ag_status_init(&s);
	ag_status_observe_reconcile(&s, -5);
	assert_int_equal(s.hist[0], 1);
	assert_true(s.hist_sum == 0);
	ag_status_release(&s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_status__clusters_sorted_and_unique),
	    cmocka_unit_test(test_status__metrics_text),
	    cmocka_unit_test(test_status__label_values_escaped),
	    cmocka_unit_test(test_status__bound_reported),
	    cmocka_unit_test(test_status__html_page),
	    cmocka_unit_test(test_status__html_escape),
	    cmocka_unit_test(test_status__negative_duration_is_zero),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
