/* Unit tests for the plan renderers: text and JSON snapshots (key lines),
 * the Markdown layout and its size cap. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "core/buf.h"
#include "core/diag.h"
#include "core/error.h"
#include "core/kv.h"
#include "core/manifest.h"
#include "core/mem.h"
#include "core/observed.h"
#include "core/plan.h"
#include "core/report.h"

#define NOW 1794988000

static void
parse(struct ag_manifest_set *set, const char *name, const char *spec)
{
	struct ag_diags d;
	char *y = ag_xasprintf("apiVersion: aws.project-planton.org/v1\nkind: AwsRdsCluster\n"
	                       "metadata:\n  name: %s\nspec:\n  engine: aurora-postgresql\n"
	                       "%s  dbSubnetGroupName: default\n%s",
	    name, strstr(spec, "engineVersion") != NULL ? "" : "  engineVersion: \"15.4\"\n", spec);

	ag_diags_init(&d);
	assert_int_equal(ag_manifest_parse(set, &d, y, strlen(y), "clusters.yaml"), 0);
	ag_diags_release(&d);
	free(y);
}

static struct ag_db_cluster *
live(struct ag_observed *o, const char *id)
{
	struct ag_db_cluster *c = ag_observed_add_cluster(o);

	c->id = ag_xstrdup(id);
	c->arn = ag_xasprintf("arn:aws:rds:us-east-1:123456789012:cluster:%s", id);
	c->engine = ag_xstrdup("aurora-postgresql");
	c->engine_version = ag_xstrdup("15.4");
	c->master_username = ag_xstrdup("master");
	c->db_subnet_group = ag_xstrdup("default");
	c->preferred_maintenance_window = ag_xstrdup("wed:03:00-wed:03:30");
	c->port = 5432;
	c->backup_retention_period = 1;
	c->pending.backup_retention_period = -1;
	c->pending.iam_auth = -1;
	ag_kvlist_add(&c->tags, "managed-by", "aurora-gitops");
	return c;
}

struct world {
	struct ag_manifest_set set;
	struct ag_observed obs;
	struct ag_plan plan;
};

static void
small_world(struct world *w)
{
	struct ag_plan_input in;
	struct ag_error err = AG_ERROR_INIT;

	ag_manifest_set_init(&w->set);
	ag_observed_init(&w->obs);
	ag_plan_init(&w->plan);
	parse(&w->set, "alpha", "  backupRetentionPeriod: 7\n  engineVersion: \"15.6\"\n");
	parse(&w->set, "beta", "");
	parse(&w->set, "gamma", "  storageEncrypted: true\n");
	parse(&w->set, "delta",
	    "  instances:\n    - name: delta-1\n      instanceClass: db.r6g.large\n");
	live(&w->obs, "alpha");
	live(&w->obs, "beta");
	live(&w->obs, "gamma");
	ag_plan_input_init(&in);
	in.manifests = &w->set;
	in.observed = &w->obs;
	in.now = NOW;
	in.default_mode = AG_MODE_APPLY;
	assert_int_equal(ag_plan_compute(&w->plan, &in, &err), 0);
}

static void
world_release(struct world *w)
{
	ag_plan_release(&w->plan);
	ag_observed_release(&w->obs);
	ag_manifest_set_release(&w->set);
}

static void
test_report__text_key_lines(void **state)
{
	struct world w;
	struct ag_buf b = AG_BUF_INIT(1 << 20);

	(void)state;
	small_world(&w);
	assert_int_equal(ag_report_text(&b, &w.plan, 0), 0);
	assert_non_null(strstr(b.ptr, "Plan: 1 to create, 1 to update, 0 to delete, 1 unchanged, "
	                              "1 blocked, 0 suspended, 0 orphaned, 0 errors\n"));
	assert_non_null(strstr(b.ptr, "\n~ alpha (update, mode apply) clusters.yaml:"));
	assert_non_null(
	    strstr(b.ptr, "    spec.backupRetentionPeriod: committed 7 → live 1 [in-place]\n"));
	assert_non_null(
	    strstr(b.ptr, "    spec.engineVersion: committed 15.6 → live 15.4 [outage]\n"
	                  "        minor version upgrade: the cluster restarts; deferred "
	                  "until 2026-11-25T03:00:00Z"));
	assert_non_null(strstr(b.ptr, "    1. rds ModifyDBCluster alpha (outage)\n"
	                              "         DBClusterIdentifier=alpha\n"));
	assert_non_null(strstr(b.ptr, "         ApplyImmediately=false\n"));
	assert_non_null(strstr(b.ptr, "\n! gamma (blocked, mode apply)"));
	assert_non_null(strstr(b.ptr, "\n+ delta (create, mode apply)"));
	assert_non_null(strstr(b.ptr, "rds CreateDBInstance delta-1"));
	assert_non_null(strstr(b.ptr, "\nunchanged (1): beta\n"));
	assert_null(strstr(b.ptr, "\033["));
	ag_buf_reset(&b);
	assert_int_equal(ag_report_text(&b, &w.plan, 1), 0);
	assert_non_null(strstr(b.ptr, "\033[31m! gamma"));
	ag_buf_release(&b);
	world_release(&w);
}

static void
test_report__json_schema(void **state)
{
	struct world w;
	struct ag_buf b = AG_BUF_INIT(1 << 20);
	json_t *j, *c, *ch, *a;
	json_error_t je;

	(void)state;
	small_world(&w);
	assert_int_equal(ag_report_json(&b, &w.plan), 0);
	j = json_loads(b.ptr, 0, &je);
	assert_non_null(j);
	assert_int_equal(json_integer_value(json_object_get(j, "version")), 1);
	assert_string_equal(json_string_value(json_object_get(j, "digest")), w.plan.digest);
	assert_int_equal(
	    json_integer_value(json_object_get(json_object_get(j, "summary"), "changed")), 3);
	assert_int_equal(
	    json_integer_value(json_object_get(json_object_get(j, "summary"), "blocked")), 1);
	assert_int_equal(json_array_size(json_object_get(j, "clusters")), 4);
	c = json_array_get(json_object_get(j, "clusters"), 0); /* alpha: sorted */
	assert_string_equal(json_string_value(json_object_get(c, "id")), "alpha");
	assert_string_equal(json_string_value(json_object_get(c, "status")), "update");
	assert_string_equal(json_string_value(json_object_get(c, "mode")), "apply");
	ch = json_array_get(json_object_get(c, "changes"), 0);
	assert_string_equal(json_string_value(json_object_get(ch, "field")), "engineVersion");
	assert_string_equal(json_string_value(json_object_get(ch, "path")), "spec.engineVersion");
	assert_string_equal(json_string_value(json_object_get(ch, "committed")), "15.6");
	assert_string_equal(json_string_value(json_object_get(ch, "live")), "15.4");
	assert_string_equal(json_string_value(json_object_get(ch, "class")), "outage");
	assert_string_equal(json_string_value(json_object_get(ch, "state")), "send");
	a = json_array_get(json_object_get(c, "actions"), 0);
	assert_string_equal(json_string_value(json_object_get(a, "kind")), "modify-cluster");
	assert_string_equal(json_string_value(json_object_get(a, "api")), "rds");
	assert_string_equal(json_string_value(json_object_get(a, "action")), "ModifyDBCluster");
	assert_string_equal(json_string_value(json_object_get(
	                        json_object_get(a, "params"), "BackupRetentionPeriod")),
	    "7");
	assert_string_equal(json_string_value(json_object_get(a, "class")), "outage");
	json_decref(j);
	ag_buf_release(&b);
	world_release(&w);
}

static void
test_report__markdown_layout(void **state)
{
	struct world w;
	struct ag_buf b = AG_BUF_INIT(1 << 20);

	(void)state;
	small_world(&w);
	assert_int_equal(ag_report_markdown(&b, &w.plan), 0);
	assert_non_null(strstr(b.ptr, "## aurora-gitops plan\n"));
	assert_non_null(strstr(b.ptr, "| 4 | 3 | 1 | 1 | 1 | 1 | 0 | 0 | 0 | 0 |"));
	assert_non_null(strstr(b.ptr, "### `alpha` — update (mode apply)"));
	assert_non_null(strstr(b.ptr, "- `spec.backupRetentionPeriod`: committed `7` → live `1` · "
	                              "**🟢 in-place**"));
	assert_non_null(strstr(b.ptr, "**🟠 outage**"));
	assert_non_null(strstr(b.ptr, "**⛔ blocked**"));
	assert_non_null(strstr(b.ptr, "<details><summary>API actions (1, will run)</summary>"));
	assert_non_null(strstr(b.ptr, "**Unchanged (1):** `beta`\n"));
	assert_null(strstr(b.ptr, "Truncated"));
	ag_buf_release(&b);
	world_release(&w);
}

/* A plan with n changed clusters built directly. */
static void
big_plan(struct ag_plan *p, size_t n, size_t n_unchanged)
{
	size_t i;

	ag_plan_init(p);
	p->clusters = ag_xcalloc(n + n_unchanged, sizeof(*p->clusters));
	p->n_clusters = p->cap_clusters = n + n_unchanged;
	for (i = 0; i < n + n_unchanged; i++) {
		struct ag_cluster_plan *cp = &p->clusters[i];

		cp->id = ag_xasprintf("cluster-%05zu", i);
		cp->mode = AG_MODE_APPLY;
		if (i >= n) {
			cp->status = AG_STATUS_UNCHANGED;
			p->summary.unchanged++;
			continue;
		}
		cp->status = AG_STATUS_UPDATE;
		p->summary.update++;
		p->summary.changed++;
		cp->changes = ag_xcalloc(2, sizeof(*cp->changes));
		cp->n_changes = cp->cap_changes = 2;
		cp->changes[0].field = AG_F_BACKUP_RETENTION_PERIOD;
		cp->changes[0].name = ag_xstrdup("backupRetentionPeriod");
		cp->changes[0].path = ag_xstrdup("spec.backupRetentionPeriod");
		cp->changes[0].committed = ag_xstrdup("7");
		cp->changes[0].live = ag_xstrdup("1");
		cp->changes[0].klass = AG_CLASS_IN_PLACE;
		cp->changes[1].field = AG_F_PASSWORD;
		cp->changes[1].name = ag_xstrdup("password");
		cp->changes[1].path = ag_xstrdup("spec.password");
		cp->changes[1].committed = ag_xstrdup("changed (rotated)");
		cp->changes[1].live = ag_xstrdup("(not readable)");
		cp->changes[1].klass = AG_CLASS_IN_PLACE;
		cp->actions = ag_xcalloc(1, sizeof(*cp->actions));
		cp->n_actions = cp->cap_actions = 1;
		cp->actions[0].kind = AG_ACT_MODIFY_CLUSTER;
		cp->actions[0].api = "rds";
		cp->actions[0].action = "ModifyDBCluster";
		cp->actions[0].target = ag_xstrdup(cp->id);
		ag_kvlist_add(&cp->actions[0].params, "DBClusterIdentifier", cp->id);
		ag_kvlist_add(&cp->actions[0].params, "BackupRetentionPeriod", "7");
		ag_kvlist_add(
		    &cp->actions[0].params, "MasterUserPassword", AG_PLACEHOLDER_PASSWORD);
		cp->actions[0].klass = AG_CLASS_IN_PLACE;
	}
	memset(p->digest, 'a', 64);
}

/* Every line of a Markdown report is one the renderer writes: a value can
 * start no line, so it can open no code block, comment or HTML block. */
static void
check_lines(const char *md)
{
	const char *l = md, *e;

	for (; *l; l = *e ? e + 1 : e) {
		size_t n, k;

		e = strchr(l, '\n');
		if (e == NULL)
			e = l + strlen(l);
		n = (size_t)(e - l);
		for (k = 0; k < n && l[k] == '`'; k++)
			;
		if (k > 0)
			assert_int_equal(k, n); /* a fence line is only backticks */
		if (n > 0 && l[0] == '<') {
			assert_true((n >= 9 && strncmp(l, "<details>", 9) == 0) ||
			            (n == 10 && strncmp(l, "</details>", 10) == 0));
		}
	}
}

static void
test_report__markdown_values_cannot_hide_clusters(void **state)
{
	static const char hostile[] = "x\n```\n<!--\n</details>\n# fake\u2028`` <b>";
	struct ag_plan p;
	struct ag_buf b = AG_BUF_INIT((size_t)1 << 24);
	struct ag_cluster_plan *cp;
	const char *h;
	size_t headings = 0;

	(void)state;
	big_plan(&p, 3, 1);
	cp = &p.clusters[0];
	free(cp->changes[0].path);
	cp->changes[0].path = ag_xstrdup("metadata.labels.team\n```");
	free(cp->changes[0].committed);
	cp->changes[0].committed = ag_xstrdup(hostile);
	free(cp->changes[0].live);
	cp->changes[0].live = ag_xstrdup("````\n<!--");
	cp->changes[0].note = ag_xstrdup(hostile);
	cp->reason = ag_xstrdup(hostile);
	ag_strlist_add(&cp->notes, hostile);
	ag_kvlist_add(&cp->actions[0].params, "Tags.Tag.1.Value", hostile);
	ag_kvlist_add(&cp->actions[0].params, "Tags.Tag.2.Value", "`````");
	free(p.clusters[3].id);
	p.clusters[3].id = ag_xstrdup("last`\n<!--");
	assert_int_equal(ag_report_markdown(&b, &p), 0);
	check_lines(b.ptr);
	/* Every later cluster is still its own heading. */
	for (h = b.ptr; (h = strstr(h, "\n### ")) != NULL; h++)
		headings++;
	assert_int_equal(headings, 3);
	assert_non_null(strstr(b.ptr, "\n### `cluster-00001` — update"));
	assert_non_null(strstr(b.ptr, "\n### `cluster-00002` — update"));
	/* Prose is escaped to the letter, values sit in outgrown code spans. */
	assert_non_null(strstr(b.ptr, "> x\\\\n\\`\\`\\`\\\\n&lt;\\!\\-\\-"));
	assert_non_null(strstr(b.ptr, "- note: x\\\\n"));
	assert_non_null(strstr(b.ptr, "committed ````x\\n```\\n<!--"));
	assert_non_null(strstr(b.ptr, "\\u{2028}"));
	assert_non_null(strstr(b.ptr, "``````\n1. rds ModifyDBCluster"));
	assert_non_null(strstr(b.ptr, "**Unchanged (1):** ``last`\\n<!--``"));
	assert_non_null(strstr(b.ptr, "\\` &lt;b&gt;")); /* in prose */
	ag_buf_release(&b);
	ag_plan_release(&p);
}

static void
test_report__markdown_cap(void **state)
{
	struct ag_plan p;
	struct ag_buf b = AG_BUF_INIT((size_t)1 << 24);
	const char *t;
	size_t shown = 0;
	const char *s;

	(void)state;
	big_plan(&p, 5000, 3000);
	assert_int_equal(ag_report_markdown(&b, &p), 0);
	assert_true(b.len < AG_REPORT_MARKDOWN_MAX);
	t = strstr(b.ptr, "> **Truncated:** ");
	assert_non_null(t);
	for (s = b.ptr; (s = strstr(s, "\n### `cluster-")) != NULL; s++)
		shown++;
	assert_true(shown > 10);
	{
		char want[128];

		snprintf(want, sizeof(want), "> **Truncated:** %zu changed clusters were left out",
		    5000 - shown);
		assert_non_null(strstr(b.ptr, want));
	}
	assert_non_null(strstr(t, "`aurora-gitops plan --format json`"));
	assert_non_null(strstr(b.ptr, "**Unchanged (3000):** `cluster-05000`, `cluster-05001`"));
	assert_non_null(strstr(b.ptr, " and 2900 more\n"));
	assert_non_null(strstr(b.ptr, "- `password`: changed (rotated)"));
	ag_buf_release(&b);
	ag_plan_release(&p);
}

/* A sink that gathers the pieces and counts them; fails from the piece
 * fail_at on. */
struct pieces {
	struct ag_buf b;
	size_t n;
	size_t fail_at;
};

static int
pieces_write(void *ctx, const char *data, size_t len)
{
	struct pieces *p = ctx;

	if (p->fail_at > 0 && ++p->n >= p->fail_at)
		return AG_EIO;
	if (p->fail_at == 0)
		p->n++;
	return ag_buf_add(&p->b, data, len);
}

/* The streamed reports are the bytes of the whole ones: the JSON is
 * jansson's dump of the whole document (its clusters dumped one at a time
 * and indented into place), with no cluster and with several; a sink's
 * error stops the report and is returned. */
static void
test_report__streamed_reports_are_the_same_bytes(void **state)
{
	struct pieces p = {AG_BUF_INIT(1 << 24), 0, 0};
	struct ag_report_sink sink = {pieces_write, &p};
	struct ag_buf b = AG_BUF_INIT(1 << 24);
	struct ag_plan empty;
	struct world w;
	json_t *j;
	char *whole;
	int color;

	(void)state;
	small_world(&w);
	j = ag_plan_json(&w.plan);
	whole = json_dumps(j, JSON_SORT_KEYS | JSON_INDENT(2) | JSON_ENSURE_ASCII);
	json_decref(j);
	assert_int_equal(ag_report_json_to(&sink, &w.plan), 0);
	assert_int_equal(p.b.len, strlen(whole) + 1);
	assert_memory_equal(p.b.ptr, whole, strlen(whole));
	assert_int_equal(p.b.ptr[p.b.len - 1], '\n');
	free(whole);
	assert_int_equal(ag_report_json(&b, &w.plan), 0);
	assert_string_equal(b.ptr, p.b.ptr);

	empty = w.plan;
	empty.n_clusters = 0;
	j = ag_plan_json(&empty);
	whole = json_dumps(j, JSON_SORT_KEYS | JSON_INDENT(2) | JSON_ENSURE_ASCII);
	json_decref(j);
	ag_buf_reset(&p.b);
	assert_int_equal(ag_report_json_to(&sink, &empty), 0);
	assert_memory_equal(p.b.ptr, whole, strlen(whole));
	assert_int_equal(p.b.len, strlen(whole) + 1);
	free(whole);

	for (color = 0; color < 2; color++) {
		ag_buf_reset(&p.b);
		ag_buf_reset(&b);
		assert_int_equal(ag_report_text_to(&sink, &w.plan, color), 0);
		assert_int_equal(ag_report_text(&b, &w.plan, color), 0);
		assert_string_equal(p.b.ptr, b.ptr);
	}

	p.fail_at = 1;
	p.n = 0;
	assert_int_equal(ag_report_text_to(&sink, &w.plan, 0), AG_EIO);
	p.n = 0;
	assert_int_equal(ag_report_json_to(&sink, &w.plan), AG_EIO);
	ag_buf_release(&p.b);
	ag_buf_release(&b);
	world_release(&w);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_report__text_key_lines),
	    cmocka_unit_test(test_report__json_schema),
	    cmocka_unit_test(test_report__streamed_reports_are_the_same_bytes),
	    cmocka_unit_test(test_report__markdown_layout),
	    cmocka_unit_test(test_report__markdown_cap),
	    cmocka_unit_test(test_report__markdown_values_cannot_hide_clusters),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
