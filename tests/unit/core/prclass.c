/* Unit tests for the pull-request classification (this change / drift
 * already there / untouched), its JSON and its Markdown. */
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
#include "core/escape.h"
#include "core/error.h"
#include "core/kv.h"
#include "core/manifest.h"
#include "core/mem.h"
#include "core/observed.h"
#include "core/plan.h"
#include "core/prclass.h"

#define NOW 1794988000

static void
parse(struct ag_manifest_set *set, const char *file, const char *name, const char *spec)
{
	struct ag_diags d;
	char *y = ag_xasprintf("apiVersion: aws.project-planton.org/v1\nkind: AwsRdsCluster\n"
	                       "metadata:\n  name: %s\nspec:\n  engine: aurora-postgresql\n"
	                       "  engineVersion: \"15.4\"\n  dbSubnetGroupName: default\n%s",
	    name, spec);

	ag_diags_init(&d);
	assert_int_equal(ag_manifest_parse(set, &d, y, strlen(y), file), 0);
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
	struct ag_manifest_set base, head;
	struct ag_observed obs;
	struct ag_plan base_plan, head_plan;
	struct ag_pr_report rep;
};

static void
plan_of(struct ag_plan *p, const struct ag_manifest_set *set, const struct ag_observed *o)
{
	struct ag_plan_input in;
	struct ag_error err = AG_ERROR_INIT;

	ag_plan_input_init(&in);
	in.manifests = set;
	in.observed = o;
	in.now = NOW;
	in.default_mode = AG_MODE_APPLY;
	assert_int_equal(ag_plan_compute(p, &in, &err), 0);
}

static void
world_init(struct world *w)
{
	memset(w, 0, sizeof(*w));
	ag_manifest_set_init(&w->base);
	ag_manifest_set_init(&w->head);
	ag_observed_init(&w->obs);
	ag_plan_init(&w->base_plan);
	ag_plan_init(&w->head_plan);
	ag_pr_report_init(&w->rep);
}

static void
world_classify(struct world *w)
{
	struct ag_pr_input in = {0};
	struct ag_error err = AG_ERROR_INIT;

	plan_of(&w->base_plan, &w->base, &w->obs);
	plan_of(&w->head_plan, &w->head, &w->obs);
	in.base_plan = &w->base_plan;
	in.head_plan = &w->head_plan;
	in.base = &w->base;
	in.head = &w->head;
	in.base_rev = "main";
	in.head_rev = "feature@0123456";
	in.head_commit = "0123456789abcdef0123456789abcdef01234567";
	assert_int_equal(ag_pr_classify(&w->rep, &in, &err), 0);
}

static void
world_release(struct world *w)
{
	ag_pr_report_release(&w->rep);
	ag_plan_release(&w->base_plan);
	ag_plan_release(&w->head_plan);
	ag_observed_release(&w->obs);
	ag_manifest_set_release(&w->base);
	ag_manifest_set_release(&w->head);
}

/*
 * base: a (backup 14: drifted, live 1), b, c (deletion protection on),
 *       d (backup 14: drifted), old (old.yaml), rm, ghost (not live)
 * head: a (+ copyTagsToSnapshot), b, c (deletion protection off), d,
 *       renamed (old.yaml, same document), fresh (new, not live)
 */
static void
mixed_world(struct world *w)
{
	struct ag_db_cluster *c;
	int i;

	world_init(w);
	for (i = 0; i < 2; i++) {
		struct ag_manifest_set *s = i == 0 ? &w->base : &w->head;

		parse(s, "prod/a.yaml", "a",
		    i == 0 ? "  backupRetentionPeriod: 14\n"
		           : "  backupRetentionPeriod: 14\n  copyTagsToSnapshot: true\n");
		parse(s, "prod/b.yaml", "b", "");
		parse(s, "prod/c.yaml", "c",
		    i == 0 ? "  deletionProtection: true\n" : "  deletionProtection: false\n");
		parse(s, "prod/d.yaml", "d", "  backupRetentionPeriod: 14\n");
		parse(s, "prod/old.yaml", i == 0 ? "old" : "renamed", "");
	}
	parse(&w->base, "prod/rm.yaml", "rm", "");
	parse(&w->base, "prod/ghost.yaml", "ghost", "");
	parse(&w->head, "prod/fresh.yaml", "fresh", "");
	live(&w->obs, "a");
	live(&w->obs, "b");
	c = live(&w->obs, "c");
	c->deletion_protection = true;
	live(&w->obs, "d");
	live(&w->obs, "old");
	live(&w->obs, "rm");
	world_classify(w);
}

static const struct ag_pr_cluster *
find(const struct ag_pr_report *r, const char *id)
{
	size_t i;

	for (i = 0; i < r->n; i++)
		if (strcmp(r->v[i].id, id) == 0)
			return &r->v[i];
	fail_msg("cluster '%s' not in the report", id);
	return NULL;
}

static void
test_prclass__groups(void **state)
{
	struct world w;
	const struct ag_pr_cluster *c;
	size_t i;

	(void)state;
	mixed_world(&w);
	for (i = 0; i < w.rep.n; i++)
		print_message("%s %s %s\n", w.rep.v[i].id, ag_pr_group_name(w.rep.v[i].group),
		    ag_pr_edit_name(w.rep.v[i].edit));
	assert_int_equal(w.rep.n, 8);
	assert_int_equal(w.rep.summary.this_change, 6);
	assert_int_equal(w.rep.summary.drift, 1);
	assert_int_equal(w.rep.summary.untouched, 1);

	c = find(&w.rep, "a");
	assert_int_equal(c->group, AG_PR_THIS_CHANGE);
	assert_int_equal(c->edit, AG_PR_EDIT_MODIFIED);
	assert_string_equal(c->path, "prod/a.yaml");
	assert_true(c->line > 0);
	c = find(&w.rep, "b");
	assert_int_equal(c->group, AG_PR_UNTOUCHED);
	assert_int_equal(c->edit, AG_PR_EDIT_NONE);
	c = find(&w.rep, "d");
	assert_int_equal(c->group, AG_PR_DRIFT);
	assert_int_equal(c->edit, AG_PR_EDIT_NONE);
	c = find(&w.rep, "renamed");
	assert_int_equal(c->group, AG_PR_THIS_CHANGE);
	assert_int_equal(c->edit, AG_PR_EDIT_RENAMED);
	assert_string_equal(c->renamed_from, "old");
	assert_true(c->blocked);
	assert_non_null(c->old_head);
	assert_int_equal(c->old_head->status, AG_STATUS_ORPHANED);
	for (i = 0; i < w.rep.n; i++)
		assert_string_not_equal(w.rep.v[i].id, "old");
	c = find(&w.rep, "rm");
	assert_int_equal(c->edit, AG_PR_EDIT_REMOVED);
	assert_int_equal(c->head->status, AG_STATUS_ORPHANED);
	c = find(&w.rep, "ghost");
	assert_int_equal(c->edit, AG_PR_EDIT_REMOVED);
	assert_null(c->head);
	assert_string_equal(c->path, "prod/ghost.yaml");
	c = find(&w.rep, "fresh");
	assert_int_equal(c->edit, AG_PR_EDIT_ADDED);
	assert_int_equal(c->head->status, AG_STATUS_CREATE);
	assert_int_equal(w.rep.summary.added, 1);
	assert_int_equal(w.rep.summary.removed, 2);
	assert_int_equal(w.rep.summary.renamed, 1);
	assert_int_equal(w.rep.summary.modified, 2);
	assert_int_equal(w.rep.verdict, AG_PR_BLOCKED);
	world_release(&w);
}

static void
test_prclass__blocked_and_lowering_lead(void **state)
{
	struct world w;
	const struct ag_pr_cluster *c;

	(void)state;
	mixed_world(&w);
	assert_string_equal(w.rep.v[0].id, "renamed");
	assert_string_equal(w.rep.v[1].id, "c");
	c = &w.rep.v[1];
	assert_int_equal(c->lowering.n, 1);
	assert_string_equal(c->lowering.v[0], "spec.deletionProtection: true → false");
	assert_int_equal(w.rep.summary.lowering, 1);
	/* then the rest of this change by id, then drift, then untouched */
	assert_string_equal(w.rep.v[2].id, "a");
	assert_string_equal(w.rep.v[6].id, "d");
	assert_string_equal(w.rep.v[7].id, "b");
	world_release(&w);
}

static void
test_prclass__drift_inside_this_change_is_marked(void **state)
{
	struct world w;
	const struct ag_pr_cluster *c;
	size_t i, seen = 0;

	(void)state;
	mixed_world(&w);
	c = find(&w.rep, "a");
	assert_non_null(c->preexisting);
	for (i = 0; i < c->head->n_changes; i++) {
		const char *p = c->head->changes[i].path;

		if (strcmp(p, "spec.backupRetentionPeriod") == 0) {
			assert_true(c->preexisting[i]);
			seen++;
		} else if (strcmp(p, "spec.copyTagsToSnapshot") == 0) {
			assert_false(c->preexisting[i]);
			seen++;
		}
	}
	assert_int_equal(seen, 2);
	world_release(&w);
}

/* A cluster that does not exist yet: its fields are no drift "already
 * there", even though the base plan would create it too. */
static void
test_prclass__create_is_not_drift(void **state)
{
	struct world w;
	const struct ag_pr_cluster *c;
	size_t i;

	(void)state;
	world_init(&w);
	parse(&w.base, "n.yaml", "n", "  backupRetentionPeriod: 7\n");
	parse(&w.head, "n.yaml", "n", "  backupRetentionPeriod: 14\n");
	world_classify(&w);
	c = find(&w.rep, "n");
	assert_int_equal(c->group, AG_PR_THIS_CHANGE);
	assert_int_equal(c->head->status, AG_STATUS_CREATE);
	assert_true(c->head->n_changes > 0);
	for (i = 0; i < c->head->n_changes; i++)
		assert_false(c->preexisting[i]);
	world_release(&w);
}

static void
test_prclass__no_edit_no_drift_is_success(void **state)
{
	struct world w;

	(void)state;
	world_init(&w);
	parse(&w.base, "x.yaml", "x", "");
	parse(&w.head, "x.yaml", "x", "");
	live(&w.obs, "x");
	world_classify(&w);
	assert_int_equal(w.rep.n, 1);
	assert_int_equal(w.rep.v[0].group, AG_PR_UNTOUCHED);
	assert_int_equal(w.rep.verdict, AG_PR_SUCCESS);
	world_release(&w);
}

static void
test_prclass__fingerprint_ignores_place_not_content(void **state)
{
	struct ag_manifest_set s;
	char f0[65], f1[65], f2[65];

	(void)state;
	ag_manifest_set_init(&s);
	parse(&s, "one.yaml", "x", "  backupRetentionPeriod: 7\n");
	parse(&s, "two/other.yaml", "y", "  backupRetentionPeriod: 7\n");
	parse(&s, "three.yaml", "z", "  backupRetentionPeriod: 8\n");
	ag_manifest_fingerprint(f0, &s.v[0]);
	ag_manifest_fingerprint(f1, &s.v[1]);
	ag_manifest_fingerprint(f2, &s.v[2]);
	assert_string_equal(f0, f1);
	assert_string_not_equal(f0, f2);
	ag_manifest_set_release(&s);
}

static void
test_prclass__repo_path(void **state)
{
	(void)state;
	assert_string_equal(ag_pr_repo_path("main@3f2a1c9:prod/orders.yaml"), "prod/orders.yaml");
	assert_string_equal(ag_pr_repo_path("prod/orders.yaml"), "prod/orders.yaml");
	assert_string_equal(ag_pr_repo_path("c:x/y.yaml"), "c:x/y.yaml");
}

static void
test_prclass__json_has_every_cluster(void **state)
{
	struct world w;
	json_t *j, *c;
	size_t i;
	bool saw_pre = false;

	(void)state;
	mixed_world(&w);
	j = ag_pr_report_json(&w.rep);
	assert_string_equal(json_string_value(json_object_get(j, "verdict")), "blocked");
	assert_int_equal(json_array_size(json_object_get(j, "clusters")), 8);
	assert_int_equal(
	    json_integer_value(json_object_get(json_object_get(j, "summary"), "drift")), 1);
	assert_string_equal(
	    json_string_value(json_object_get(json_object_get(j, "head"), "commit")),
	    "0123456789abcdef0123456789abcdef01234567");
	json_array_foreach(json_object_get(j, "clusters"), i, c)
	{
		if (strcmp(json_string_value(json_object_get(c, "id")), "a") == 0) {
			json_t *pre = json_object_get(c, "drift_in_base");

			assert_int_equal(json_array_size(pre), 1);
			assert_string_equal(json_string_value(json_array_get(pre, 0)),
			    "spec.backupRetentionPeriod");
			saw_pre = true;
		}
	}
	assert_true(saw_pre);
	json_decref(j);
	world_release(&w);
}

static void
test_prclass__markdown_layout(void **state)
{
	struct world w;
	struct ag_buf b = AG_BUF_INIT(1 << 20);
	struct ag_pr_markdown_opts o = {0};
	const char *this_change, *drift, *untouched;

	(void)state;
	mixed_world(&w);
	o.context = "prod fleet";
	o.blob_url = "https://github.com/acme/db/blob/0123456789abcdef0123456789abcdef01234567";
	assert_int_equal(ag_pr_markdown(&b, &w.rep, &o), 0);
	print_message("%s", b.ptr);
	assert_true(strncmp(b.ptr, "<!-- aurora-gitops:pr-report:prod_fleet -->\n", 44) == 0);
	assert_non_null(strstr(b.ptr, "| **this change** | 6 |\n"));
	assert_non_null(strstr(b.ptr, "| drift already there | 1 |\n"));
	assert_non_null(strstr(b.ptr, "| untouched | 1 |\n"));
	this_change = strstr(b.ptr, "### This change (6)");
	drift = strstr(b.ptr, "### Drift already there (1)");
	untouched = strstr(b.ptr, "### Untouched (1)");
	assert_non_null(this_change);
	assert_non_null(drift);
	assert_non_null(untouched);
	assert_true(this_change < drift && drift < untouched);
	/* blocked first, then the protection-lowering one */
	assert_true(strstr(b.ptr, "#### ⛔ `renamed`") < strstr(b.ptr, "#### ⚠️ `c`"));
	assert_true(strstr(b.ptr, "#### ⚠️ `c`") < strstr(b.ptr, "`a`"));
	/* drift collapsed, inside its details */
	assert_true(
	    strstr(drift, "<details><summary>Show the 1 cluster</summary>") < strstr(drift, "`d`"));
	assert_non_null(
	    strstr(b.ptr, "Manifest: [prod\\/a\\.yaml line 4](https://github.com/acme/db/"
	                  "blob/0123456789abcdef0123456789abcdef01234567/prod/a.yaml#L4)"));
	assert_non_null(strstr(b.ptr, "_drift already there_"));
	assert_non_null(strstr(b.ptr, "<details><summary>API calls ("));
	assert_null(strstr(b.ptr, "Truncated"));
	ag_buf_release(&b);
	world_release(&w);
}

static void
test_prclass__markdown_escapes_values(void **state)
{
	struct world w;
	struct ag_buf b = AG_BUF_INIT(1 << 20);
	struct ag_cluster_plan *cp;
	const char *p;
	size_t i;

	(void)state;
	mixed_world(&w);
	/* a hostile live value (AWS echoes what someone typed) and note */
	cp = (struct ag_cluster_plan *)find(&w.rep, "d")->head;
	for (i = 0; i < cp->n_changes; i++) {
		free(cp->changes[i].live);
		cp->changes[i].live = ag_xstrdup("``x`` <script>\n\n</details> @org/team #1");
		free(cp->changes[i].note);
		cp->changes[i].note = ag_xstrdup("<img src=x> **bold** [l](http://e) @admin");
	}
	assert_int_equal(ag_pr_markdown(&b, &w.rep, NULL), 0);
	assert_null(strstr(b.ptr, "<script>\n"));
	for (p = strstr(b.ptr, "<"); p != NULL; p = strstr(p + 1, "<")) {
		/* raw HTML only: marker, details, summary; the value in code */
		if (strncmp(p, "<!-- aurora-gitops:", 19) == 0 || strncmp(p, "<details>", 9) == 0 ||
		    strncmp(p, "</details>", 10) == 0 || strncmp(p, "<summary>", 9) == 0 ||
		    strncmp(p, "</summary>", 10) == 0 || p[-1] == '\\')
			continue;
		assert_true(strncmp(p, "<script>\\n\\n</details> @org", 27) == 0);
	}
	assert_null(strstr(b.ptr, " @admin"));
	assert_non_null(strstr(b.ptr, "``` ``x`` <script>\\n\\n</details> @org/team #1 ```"));
	assert_non_null(strstr(b.ptr, "&lt;img src\\=x&gt; \\*\\*bold\\*\\* \\[l\\]\\(http\\:"));
	assert_non_null(strstr(b.ptr, "\\@admin"));
	ag_buf_release(&b);
	world_release(&w);
}

static void
test_prclass__md_helpers(void **state)
{
	struct ag_buf b = AG_BUF_INIT(4096);
	char *m;

	(void)state;
	(void)ag_escape_md_code(&b, "a`b");
	assert_string_equal(b.ptr, "``a`b``");
	ag_buf_reset(&b);
	(void)ag_escape_md_code(&b, "`x");
	assert_string_equal(b.ptr, "`` `x ``");
	ag_buf_reset(&b);
	(void)ag_escape_md_code(&b, "");
	assert_string_equal(b.ptr, "`  `");
	ag_buf_reset(&b);
	(void)ag_escape_md_text(&b, "a\r\nb\x01<c>");
	assert_string_equal(b.ptr, "a\\\\r\\\\nb\\\\x01&lt;c&gt;");
	m = ag_pr_marker("x y-->z");
	assert_string_equal(m, "<!-- aurora-gitops:pr-report:x_y--_z -->");
	free(m);
	ag_buf_release(&b);
}

/* 1,000 changed clusters: the comment is capped with a note; the JSON has all. */
static void
test_prclass__thousand_clusters_truncate(void **state)
{
	struct world w;
	struct ag_buf b = AG_BUF_INIT(1 << 22), y = AG_BUF_INIT(1 << 24);
	struct ag_diags d;
	json_t *j;
	size_t i;
	int pass;

	(void)state;
	world_init(&w);
	for (pass = 0; pass < 2; pass++) {
		for (i = 0; i < 1000; i++) {
			char *id = ag_xasprintf("cluster-%04zu", i);

			ag_buf_reset(&y);
			(void)ag_buf_addf(&y,
			    "apiVersion: aws.project-planton.org/v1\nkind: AwsRdsCluster\n"
			    "metadata:\n  name: %s\nspec:\n  engine: aurora-postgresql\n"
			    "  engineVersion: \"15.4\"\n  dbSubnetGroupName: default\n"
			    "  backupRetentionPeriod: %d\n",
			    id, pass == 0 ? 7 : 14);
			ag_diags_init(&d);
			assert_int_equal(ag_manifest_parse(pass == 0 ? &w.base : &w.head, &d, y.ptr,
			                     y.len, "fleet.yaml"),
			    0);
			ag_diags_release(&d);
			if (pass == 0)
				live(&w.obs, id);
			free(id);
		}
	}
	world_classify(&w);
	assert_int_equal(w.rep.summary.this_change, 1000);
	assert_int_equal(ag_pr_markdown(&b, &w.rep,
	                     &(struct ag_pr_markdown_opts){.artifact = "aurora-gitops-plan.json"}),
	    0);
	print_message("markdown: %zu bytes\n", b.len);
	assert_true(b.len < AG_PR_COMMENT_MAX);
	assert_true(b.len > AG_PR_COMMENT_MAX / 2);
	assert_non_null(strstr(b.ptr, "**Truncated:**"));
	assert_non_null(strstr(b.ptr, "`aurora-gitops-plan.json`"));
	j = ag_pr_report_json(&w.rep);
	assert_int_equal(json_array_size(json_object_get(j, "clusters")), 1000);
	json_decref(j);
	ag_buf_release(&y);
	ag_buf_release(&b);
	world_release(&w);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_prclass__groups),
	    cmocka_unit_test(test_prclass__blocked_and_lowering_lead),
	    cmocka_unit_test(test_prclass__drift_inside_this_change_is_marked),
	    cmocka_unit_test(test_prclass__create_is_not_drift),
	    cmocka_unit_test(test_prclass__no_edit_no_drift_is_success),
	    cmocka_unit_test(test_prclass__fingerprint_ignores_place_not_content),
	    cmocka_unit_test(test_prclass__repo_path),
	    cmocka_unit_test(test_prclass__json_has_every_cluster),
	    cmocka_unit_test(test_prclass__markdown_layout),
	    cmocka_unit_test(test_prclass__markdown_escapes_values),
	    cmocka_unit_test(test_prclass__md_helpers),
	    cmocka_unit_test(test_prclass__thousand_clusters_truncate),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
