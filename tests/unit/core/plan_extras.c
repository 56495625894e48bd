/* Unit tests for the planner's resources outside RDS: the cluster's KMS
 * key (spec.kmsKey) and reader Auto Scaling (spec.autoscaling). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/diag.h"
#include "core/manifest.h"
#include "core/mem.h"
#include "core/observed.h"
#include "core/plan.h"

#define NOW 1794988000
#define ARN "arn:aws:kms:us-east-1:123456789012:key/k-1"

struct fx {
	struct ag_manifest_set set;
	struct ag_observed obs;
	struct ag_plan plan;
	struct ag_plan_input in;
};

static int
setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	ag_manifest_set_init(&f->set);
	ag_observed_init(&f->obs);
	ag_plan_init(&f->plan);
	ag_plan_input_init(&f->in);
	f->in.manifests = &f->set;
	f->in.observed = &f->obs;
	f->in.now = NOW;
	f->in.default_mode = AG_MODE_APPLY;
	f->in.max_deletes = 5;
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *f = *state;

	ag_manifest_set_release(&f->set);
	ag_observed_release(&f->obs);
	ag_plan_release(&f->plan);
	free(f);
	return 0;
}

static void
add_manifest(struct fx *f, const char *meta, const char *spec)
{
	struct ag_diags d;
	char *y = ag_xasprintf("apiVersion: aws.project-planton.org/v1\n"
	                       "kind: AwsRdsCluster\n"
	                       "metadata:\n"
	                       "  name: db1\n%s"
	                       "spec:\n"
	                       "  engine: aurora-postgresql\n"
	                       "  engineVersion: \"15.4\"\n"
	                       "  dbSubnetGroupName: default\n%s",
	    meta, spec);
	size_t i;
	int r;

	ag_diags_init(&d);
	r = ag_manifest_parse(&f->set, &d, y, strlen(y), "db.yaml");
	for (i = 0; i < d.n; i++) {
		char *t = ag_diag_format(&d.v[i]);

		fprintf(stderr, "%s\n", t);
		free(t);
	}
	assert_int_equal(r, 0);
	ag_diags_release(&d);
	free(y);
}

static struct ag_db_cluster *
add_live(struct fx *f, const char *kms)
{
	struct ag_db_cluster *c = ag_observed_add_cluster(&f->obs);

	c->id = ag_xstrdup("db1");
	c->arn = ag_xstrdup("arn:aws:rds:us-east-1:123456789012:cluster:db1");
	c->status = ag_xstrdup("available");
	c->engine = ag_xstrdup("aurora-postgresql");
	c->engine_version = ag_xstrdup("15.4");
	c->engine_mode = ag_xstrdup("provisioned");
	c->master_username = ag_xstrdup("master");
	c->db_subnet_group = ag_xstrdup("default");
	c->db_cluster_parameter_group = ag_xstrdup("default.aurora-postgresql15");
	c->port = 5432;
	c->backup_retention_period = 1;
	c->auto_minor_version_upgrade = true;
	c->storage_encrypted = kms != NULL;
	c->kms_key_id = kms ? ag_xstrdup(kms) : NULL;
	ag_kvlist_add(&c->tags, "managed-by", "aurora-gitops");
	return c;
}

static void
add_key(struct fx *f, const char *state, int rotation)
{
	struct ag_observed_kms_key *k = ag_observed_add_kms_key(&f->obs);

	k->alias = ag_xstrdup("alias/db1");
	k->key_id = ag_xstrdup("k-1");
	k->arn = ag_xstrdup(ARN);
	k->state = ag_xstrdup(state);
	k->rotation = rotation;
}

static const struct ag_cluster_plan *
plan(struct fx *f)
{
	struct ag_error e = AG_ERROR_INIT;
	const struct ag_cluster_plan *cp;

	assert_int_equal(ag_plan_compute(&f->plan, &f->in, &e), 0);
	cp = ag_plan_find(&f->plan, "db1");
	assert_non_null(cp);
	return cp;
}

static const struct ag_change *
change(const struct ag_cluster_plan *cp, const char *path)
{
	size_t i;

	for (i = 0; i < cp->n_changes; i++)
		if (strcmp(cp->changes[i].path, path) == 0)
			return &cp->changes[i];
	return NULL;
}

#define KMS_SPEC "  kmsKey: {create: true}\n"

static void
test_kms__not_read_blocks(void **state)
{
	struct fx *f = *state;
	const struct ag_cluster_plan *cp;

	add_manifest(f, "", KMS_SPEC);
	cp = plan(f);
	assert_int_equal(cp->n_actions, 0);
	assert_non_null(change(cp, "spec.kmsKey"));
	assert_int_equal(change(cp, "spec.kmsKey")->state, AG_CHANGE_BLOCKED);
}

static void
test_kms__create_before_cluster(void **state)
{
	struct fx *f = *state;
	const struct ag_cluster_plan *cp;
	size_t i;

	f->obs.kms_loaded = true;
	add_manifest(f, "", KMS_SPEC);
	cp = plan(f);
	assert_int_equal(cp->status, AG_STATUS_CREATE);
	assert_true(cp->n_actions >= 4);
	assert_int_equal(cp->actions[0].kind, AG_ACT_KMS_CREATE_KEY);
	assert_int_equal(cp->actions[1].kind, AG_ACT_KMS_CREATE_ALIAS);
	assert_string_equal(ag_kvlist_get(&cp->actions[1].params, "AliasName"), "\"alias/db1\"");
	assert_string_equal(
	    ag_kvlist_get(&cp->actions[1].params, "TargetKeyId"), "\"{{kms:db1}}\"");
	assert_int_equal(cp->actions[2].kind, AG_ACT_KMS_SET_ROTATION);
	assert_string_equal(cp->actions[2].action, "EnableKeyRotation");
	for (i = 0; i < cp->n_actions; i++)
		if (cp->actions[i].kind == AG_ACT_CREATE_CLUSTER)
			break;
	assert_true(i < cp->n_actions && i > 2);
	assert_string_equal(ag_kvlist_get(&cp->actions[i].params, "KmsKeyId"), "alias/db1");
	assert_string_equal(ag_kvlist_get(&cp->actions[i].params, "StorageEncrypted"), "true");
}

static void
test_kms__existing_key_never_recreated(void **state)
{
	struct fx *f = *state;
	const struct ag_cluster_plan *cp;
	size_t i;

	f->obs.kms_loaded = true;
	add_key(f, "Enabled", 1);
	add_manifest(f, "", KMS_SPEC);
	cp = plan(f);
	for (i = 0; i < cp->n_actions; i++) {
		assert_int_not_equal(cp->actions[i].kind, AG_ACT_KMS_CREATE_KEY);
		assert_int_not_equal(cp->actions[i].kind, AG_ACT_KMS_SET_ROTATION);
	}
}

static void
test_kms__rotation_drift(void **state)
{
	struct fx *f = *state;
	const struct ag_cluster_plan *cp;
	const struct ag_change *c;

	f->obs.kms_loaded = true;
	add_key(f, "Enabled", 0);
	add_live(f, ARN);
	add_manifest(f, "", KMS_SPEC);
	cp = plan(f);
	assert_int_equal(cp->status, AG_STATUS_UPDATE);
	c = change(cp, "spec.kmsKey.rotation");
	assert_non_null(c);
	assert_int_equal(c->klass, AG_CLASS_IN_PLACE);
	assert_false(c->weakens);
	assert_int_equal(cp->n_actions, 1);
	assert_string_equal(cp->actions[0].action, "EnableKeyRotation");
	assert_string_equal(ag_kvlist_get(&cp->actions[0].params, "KeyId"), "\"k-1\"");
}

static void
test_kms__rotation_off_weakens(void **state)
{
	struct fx *f = *state;
	const struct ag_cluster_plan *cp;

	f->obs.kms_loaded = true;
	add_key(f, "Enabled", 1);
	add_live(f, ARN);
	add_manifest(f, "", "  kmsKey: {create: true, rotation: false}\n");
	cp = plan(f);
	assert_true(change(cp, "spec.kmsKey.rotation")->weakens);
	assert_string_equal(cp->actions[0].action, "DisableKeyRotation");
}

static void
test_kms__other_key_or_state_blocked(void **state)
{
	struct fx *f = *state;
	const struct ag_cluster_plan *cp;

	f->obs.kms_loaded = true;
	add_key(f, "Enabled", 1);
	add_live(f, "arn:aws:kms:us-east-1:123456789012:key/other");
	add_manifest(f, "", KMS_SPEC);
	cp = plan(f);
	assert_int_equal(cp->status, AG_STATUS_BLOCKED);
	assert_int_equal(cp->n_actions, 0);
	assert_non_null(strstr(change(cp, "spec.kmsKey")->note, "key/other"));

	ag_plan_release(&f->plan);
	ag_plan_init(&f->plan);
	free(f->obs.kms_keys[0].state);
	f->obs.kms_keys[0].state = ag_xstrdup("PendingDeletion");
	free(f->obs.clusters[0].kms_key_id);
	f->obs.clusters[0].kms_key_id = ag_xstrdup(ARN);
	cp = plan(f);
	assert_int_equal(cp->status, AG_STATUS_BLOCKED);
	assert_non_null(strstr(change(cp, "spec.kmsKey")->note, "cancel the deletion"));
}

#define AS_SPEC "  autoscaling:\n    minReaders: 1\n    maxReaders: 5\n    targetValue: 60\n"

static struct ag_observed_scaling *
add_target(struct fx *f, int min, int max, double target)
{
	struct ag_observed_scaling *s = ag_observed_add_scaling(&f->obs);

	s->cluster_id = ag_xstrdup("db1");
	s->min_capacity = min;
	s->max_capacity = max;
	s->has_policy = true;
	s->metric = ag_xstrdup("RDSReaderAverageCPUUtilization");
	s->target_value = target;
	s->scale_in_cooldown = 300; /* what AWS keeps when none was sent */
	s->scale_out_cooldown = 300;
	return s;
}

static void
test_autoscaling__same_is_clean(void **state)
{
	struct fx *f = *state;

	f->obs.scaling_loaded = true;
	add_live(f, NULL);
	add_target(f, 1, 5, 60);
	add_manifest(f, "", AS_SPEC);
	assert_int_equal(plan(f)->status, AG_STATUS_UNCHANGED);
}

static void
test_autoscaling__drift_sends_only_what_differs(void **state)
{
	struct fx *f = *state;
	const struct ag_cluster_plan *cp;

	f->obs.scaling_loaded = true;
	add_live(f, NULL);
	add_target(f, 2, 5, 60);
	add_manifest(f, "", AS_SPEC);
	cp = plan(f);
	assert_int_equal(cp->status, AG_STATUS_UPDATE);
	assert_int_equal(cp->n_actions, 1);
	assert_int_equal(cp->actions[0].kind, AG_ACT_SCALING_REGISTER);
	assert_string_equal(ag_kvlist_get(&cp->actions[0].params, "MinCapacity"), "1");
	assert_string_equal(ag_kvlist_get(&cp->actions[0].params, "ResourceId"), "\"cluster:db1\"");
	assert_int_equal(change(cp, "spec.autoscaling")->klass, AG_CLASS_IN_PLACE);

	ag_plan_release(&f->plan);
	ag_plan_init(&f->plan);
	f->obs.scaling[0].min_capacity = 1;
	f->obs.scaling[0].target_value = 75;
	cp = plan(f);
	assert_int_equal(cp->n_actions, 1);
	assert_int_equal(cp->actions[0].kind, AG_ACT_SCALING_PUT_POLICY);
	assert_non_null(strstr(
	    ag_kvlist_get(&cp->actions[0].params, "TargetTrackingScalingPolicyConfiguration"),
	    "\"TargetValue\":60"));
}

static void
test_autoscaling__absent_leaves_target_alone(void **state)
{
	struct fx *f = *state;

	f->obs.scaling_loaded = true;
	add_live(f, NULL);
	add_target(f, 1, 5, 60);
	add_manifest(f, "", "");
	assert_int_equal(plan(f)->status, AG_STATUS_UNCHANGED);
}

static void
test_autoscaling__disabled_deregisters(void **state)
{
	struct fx *f = *state;
	const struct ag_cluster_plan *cp;

	f->obs.scaling_loaded = true;
	add_live(f, NULL);
	add_target(f, 1, 5, 60);
	add_manifest(f, "", "  autoscaling: {enabled: false}\n");
	cp = plan(f);
	assert_int_equal(cp->n_actions, 1);
	assert_int_equal(cp->actions[0].kind, AG_ACT_SCALING_DEREGISTER);
}

static void
test_autoscaling__tombstone_deregisters_first(void **state)
{
	struct fx *f = *state;
	const struct ag_cluster_plan *cp;

	f->obs.scaling_loaded = true;
	add_live(f, NULL);
	add_target(f, 1, 5, 60);
	add_manifest(f, "  annotations:\n    aurora-gitops/deletion: delete\n", "");
	cp = plan(f);
	assert_int_equal(cp->status, AG_STATUS_DELETE);
	assert_int_equal(cp->actions[0].kind, AG_ACT_SCALING_DEREGISTER);
	assert_int_equal(cp->actions[cp->n_actions - 1].kind, AG_ACT_DELETE_CLUSTER);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_kms__not_read_blocks, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_kms__create_before_cluster, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_kms__existing_key_never_recreated, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_kms__rotation_drift, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_kms__rotation_off_weakens, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_kms__other_key_or_state_blocked, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_autoscaling__same_is_clean, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_autoscaling__drift_sends_only_what_differs, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_autoscaling__absent_leaves_target_alone, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_autoscaling__disabled_deregisters, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_autoscaling__tombstone_deregisters_first, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
