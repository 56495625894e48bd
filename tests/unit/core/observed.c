/* Lookups in the observed fleet: the sorted indexes answer exactly as a scan
 * of the arrays does, and an add drops them until the next index. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/mem.h"
#include "core/observed.h"

static void
add_cluster(struct ag_observed *o, const char *id)
{
	struct ag_db_cluster *c = ag_observed_add_cluster(o);

	c->id = id ? ag_xstrdup(id) : NULL;
}

static void
add_instance(struct ag_observed *o, const char *id, const char *cluster)
{
	struct ag_db_instance *d = ag_observed_add_instance(o);

	d->id = id ? ag_xstrdup(id) : NULL;
	d->cluster_id = cluster ? ag_xstrdup(cluster) : NULL;
}

/* A fleet in no particular order, with instances of one cluster apart. */
static void
fleet(struct ag_observed *o)
{
	ag_observed_init(o);
	add_cluster(o, "m");
	add_cluster(o, "b");
	add_cluster(o, NULL);
	add_cluster(o, "z");
	add_cluster(o, "a");
	add_instance(o, "b-2", "b");
	add_instance(o, "z-1", "z");
	add_instance(o, "b-1", "b");
	add_instance(o, "lone", NULL);
	add_instance(o, NULL, "m");
	add_instance(o, "b-3", "b");
}

static void
check_lookups(struct ag_observed *o)
{
	const struct ag_db_instance **v;
	const char *ids[] = {"a", "b", "m", "z", "", "c", "zz", "B"};
	size_t i, n;

	for (i = 0; i < sizeof(ids) / sizeof(*ids); i++) {
		const struct ag_db_cluster *c = ag_observed_find_cluster(o, ids[i]);

		if (strcmp(ids[i], "a") == 0 || strcmp(ids[i], "b") == 0 ||
		    strcmp(ids[i], "m") == 0 || strcmp(ids[i], "z") == 0) {
			assert_non_null(c);
			assert_string_equal(c->id, ids[i]);
		} else {
			assert_null(c);
		}
	}
	assert_ptr_equal(ag_observed_find_instance(o, "b-1"), &o->instances[2]);
	assert_ptr_equal(ag_observed_find_instance(o, "lone"), &o->instances[3]);
	assert_null(ag_observed_find_instance(o, "b-4"));
	n = ag_observed_instances_of(&v, o, "b");
	assert_int_equal(n, 3);
	/* in the order of the array, as a scan finds them */
	assert_ptr_equal(v[0], &o->instances[0]);
	assert_ptr_equal(v[1], &o->instances[2]);
	assert_ptr_equal(v[2], &o->instances[5]);
	free(v);
	n = ag_observed_instances_of(&v, o, "m");
	assert_int_equal(n, 1);
	assert_null(v[0]->id);
	free(v);
	n = ag_observed_instances_of(&v, o, "a");
	assert_int_equal(n, 0);
	assert_null(v);
}

static void
test_observed__scan_and_index_agree(void **state)
{
	struct ag_observed o;

	(void)state;
	fleet(&o);
	assert_false(o.indexed);
	check_lookups(&o);
	ag_observed_index(&o);
	assert_true(o.indexed);
	check_lookups(&o);
	ag_observed_release(&o);
}

static void
test_observed__add_drops_index(void **state)
{
	struct ag_observed o;
	char id[32];
	int i;

	(void)state;
	fleet(&o);
	ag_observed_index(&o);
	/* enough adds to move the arrays: the index must not point into the old ones */
	for (i = 0; i < 1000; i++) {
		snprintf(id, sizeof(id), "c-%04d", i);
		add_cluster(&o, id);
		snprintf(id, sizeof(id), "c-%04d-1", i);
		add_instance(&o, id, NULL);
	}
	assert_false(o.indexed);
	assert_non_null(ag_observed_find_cluster(&o, "c-0500"));
	assert_non_null(ag_observed_find_instance(&o, "c-0999-1"));
	ag_observed_index(&o);
	assert_string_equal(ag_observed_find_cluster(&o, "c-0500")->id, "c-0500");
	assert_ptr_equal(ag_observed_find_instance(&o, "c-0999-1"), &o.instances[6 + 999]);
	check_lookups(&o);
	ag_observed_release(&o);
}

static void
test_observed__duplicates_find_the_first(void **state)
{
	struct ag_observed o;

	(void)state;
	ag_observed_init(&o);
	add_cluster(&o, "x");
	add_cluster(&o, "y");
	add_cluster(&o, "x");
	ag_observed_index(&o);
	assert_ptr_equal(ag_observed_find_cluster(&o, "x"), &o.clusters[0]);
	ag_observed_release(&o);
	ag_observed_init(&o);
	ag_observed_index(&o);
	assert_null(ag_observed_find_cluster(&o, "x"));
	ag_observed_release(&o);
}

/* A part as a describe stream leaves it: n pooled clusters and instances
 * whose strings are in the part's own store. */
static void
pooled_part(struct ag_observed *o, const char *prefix, int n)
{
	char id[32];
	int i;

	ag_observed_init(o);
	for (i = 0; i < n; i++) {
		struct ag_db_cluster *c = ag_observed_add_cluster(o);
		struct ag_db_instance *d = ag_observed_add_instance(o);

		snprintf(id, sizeof(id), "%s-%03d", prefix, i);
		c->pooled = d->pooled = true;
		c->id = ag_arena_strdup(&o->strings, id);
		c->status = (char *)ag_intern_get(&o->interned, &o->strings, "available");
		c->availability_zones.v = AG_ARENA_NEW(&o->strings, char *, 1);
		c->availability_zones.v[0] = (char *)ag_intern_get(&o->interned, &o->strings, "a");
		c->availability_zones.n = c->availability_zones.cap = 1;
		d->cluster_id = c->id;
		snprintf(id, sizeof(id), "%s-%03d-1", prefix, i);
		d->id = ag_arena_strdup(&o->strings, id);
	}
}

/* Moving parts into a set: the first is taken as it is (its arrays,
 * trimmed), later ones appended; every record and string stays readable
 * after the parts are released, and the set frees them all once. */
static void
test_observed__take_moves_records_and_strings(void **state)
{
	struct ag_observed set, a, b;
	const struct ag_db_cluster *first;
	const struct ag_db_instance **v;

	(void)state;
	ag_observed_init(&set);
	pooled_part(&a, "a", 100);
	pooled_part(&b, "b", 300);
	assert_true(a.cap_clusters > a.n_clusters);
	first = a.clusters;
	ag_observed_take_rds(&set, &a);
	assert_int_equal(set.n_clusters, 100);
	assert_int_equal(set.cap_clusters, 100);
	assert_int_equal(set.n_instances, 100);
	assert_int_equal(set.cap_instances, 100);
	assert_int_equal(a.n_clusters, 0);
	assert_null(a.clusters);
	assert_null(a.strings.head);
	if (set.clusters == first) /* trimmed in place: the same array */
		assert_string_equal(set.clusters[0].id, "a-000");
	ag_observed_take_rds(&set, &b);
	assert_int_equal(b.n_clusters, 0);
	ag_observed_release(&a);
	ag_observed_release(&b); /* its records moved: nothing of theirs is freed */
	assert_int_equal(set.n_clusters, 400);
	assert_int_equal(set.n_instances, 400);
	ag_observed_index(&set);
	assert_string_equal(ag_observed_find_cluster(&set, "a-099")->status, "available");
	assert_string_equal(ag_observed_find_cluster(&set, "b-299")->availability_zones.v[0], "a");
	assert_string_equal(ag_observed_find_instance(&set, "b-150-1")->cluster_id, "b-150");
	assert_int_equal(ag_observed_instances_of(&v, &set, "a-042"), 1);
	assert_string_equal(v[0]->id, "a-042-1");
	free(v);
	/* a pooled record's release frees none of its strings */
	ag_db_cluster_release(&set.clusters[0]);
	assert_null(set.clusters[0].id);
	assert_string_equal(set.clusters[1].status, "available");
	ag_observed_release(&set);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_observed__scan_and_index_agree),
	    cmocka_unit_test(test_observed__add_drops_index),
	    cmocka_unit_test(test_observed__duplicates_find_the_first),
	    cmocka_unit_test(test_observed__take_moves_records_and_strings),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
