/*
 * Import: a live cluster -> an AwsRdsCluster manifest that plans with zero
 * drift. Values equal to what an absent field means (fieldtab.c) are left
 * out so the first pull request stays small.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/buf.h"
#include "core/error.h"
#include "core/fieldtab.h"
#include "core/insights.h"
#include "core/import.h"
#include "core/kv.h"
#include "core/mem.h"
#include "core/normalize.h"
#include "core/observed.h"
#include "core/plan.h"
#include "core/ref.h"

#include "core/compat.h"

/* Writes s as a YAML double-quoted scalar. */
static void
yq(struct ag_buf *b, const char *s)
{
	const unsigned char *p;

	(void)ag_buf_addc(b, '"');
	for (p = (const unsigned char *)s; *p != '\0'; p++) {
		if (*p == '"' || *p == '\\')
			(void)ag_buf_addf(b, "\\%c", *p);
		else if (*p < 0x20)
			(void)ag_buf_addf(b, "\\x%02x", *p);
		else
			(void)ag_buf_addc(b, (char)*p);
	}
	(void)ag_buf_addc(b, '"');
}

static void
kv_line(struct ag_buf *b, const char *indent, const char *key, const char *value)
{
	(void)ag_buf_addf(b, "%s%s: ", indent, key);
	yq(b, value);
	(void)ag_buf_addc(b, '\n');
}

static bool
set(const char *s)
{
	return s != NULL && *s != '\0';
}

static void
list_lines(struct ag_buf *b, const char *key, const struct ag_strlist *l)
{
	struct ag_strlist c = AG_STRLIST_INIT;
	size_t i;

	ag_strlist_copy(&c, l);
	ag_strlist_sort(&c);
	(void)ag_buf_addf(b, "  %s:\n", key);
	for (i = 0; i < c.n; i++) {
		(void)ag_buf_adds(b, "    - ");
		yq(b, c.v[i]);
		(void)ag_buf_addc(b, '\n');
	}
	ag_strlist_release(&c);
}

static bool
is_auto_reader(const struct ag_db_instance *di)
{
	return strncmp(di->id, AG_AUTOSCALING_PREFIX, strlen(AG_AUTOSCALING_PREFIX)) == 0;
}

static int
cmp_inst(const void *a, const void *b)
{
	const struct ag_db_instance *const *x = a, *const *y = b;

	if (is_auto_reader(*x) != is_auto_reader(*y))
		return is_auto_reader(*x) ? 1 : -1;
	return strcmp((*x)->id, (*y)->id);
}

/* Instances of c (by DBClusterIdentifier or membership), sorted by id;
 * the readers Aurora Auto Scaling added come last, counted in *n_auto. */
static size_t
cluster_instances(const struct ag_db_instance ***out, size_t *n_auto, const struct ag_db_cluster *c,
    const struct ag_observed *o)
{
	const struct ag_db_instance **v;
	size_t i, j, n = 0;

	/* an array of pointers: each element is one pointer */
	v = ag_xcalloc(o != NULL ? o->n_instances + 1 : 1, sizeof(void *));
	for (i = 0; o != NULL && i < o->n_instances; i++) {
		const struct ag_db_instance *di = &o->instances[i];
		bool mine = false;

		if (di->id == NULL)
			continue;
		if (di->cluster_id != NULL && strcmp(di->cluster_id, c->id) == 0)
			mine = true;
		for (j = 0; j < c->n_members && !mine; j++)
			if (c->members[j].instance_id != NULL &&
			    strcmp(c->members[j].instance_id, di->id) == 0)
				mine = true;
		if (mine)
			v[n++] = di;
		if (mine && is_auto_reader(di))
			(*n_auto)++;
	}
	if (n > 1)
		qsort(v, n, sizeof(*v), cmp_inst); /* NOLINT(bugprone-sizeof-expression) */
	*out = v;
	return n;
}

/* Whether a live value is what AWS picks when the field is left out. */
static bool
is_aws_default(const struct ag_field_row *row, const char *l, const struct ag_db_cluster *c)
{
	char port[16];

	if (*l == '\0')
		return true;
	switch (row->norm) {
	case AG_NORM_PARAM_GROUP:
		return strncmp(l, "default.", 8) == 0;
	case AG_NORM_PORT:
		snprintf(port, sizeof(port), "%d", ag_engine_default_port(c->engine));
		return strcmp(l, port) == 0;
	default:
		return row->aws_default != NULL &&
		       ag_norm_equal(row->norm, row->aws_default, l, NULL);
	}
}

/* One row of the field table as YAML, unless it is the AWS default. */
static void
import_row(struct ag_buf *b, const struct ag_field_row *row, const struct ag_db_cluster *c)
{
	struct ag_strlist l = AG_STRLIST_INIT;
	char *v = NULL, *p, *save = NULL;

	if (row->import_skip || !ag_fieldtab_live(&v, row, c) || is_aws_default(row, v, c)) {
		free(v);
		return;
	}
	switch (row->type) {
	case AG_FT_BOOL:
	case AG_FT_INT:
		(void)ag_buf_addf(b, "  %s: %s\n", ag_fieldtab_key(row), v);
		break;
	case AG_FT_LIST:
	case AG_FT_REFLIST:
		for (p = strtok_r(v, ",", &save); p != NULL; p = strtok_r(NULL, ",", &save))
			ag_strlist_add(&l, p);
		list_lines(b, ag_fieldtab_key(row), &l);
		ag_strlist_release(&l);
		break;
	default:
		if (row->norm == AG_NORM_CASE) /* windows: AWS capitalises the days */
			for (p = v; *p != '\0'; p++)
				*p = (char)tolower((unsigned char)*p);
		kv_line(b, "  ", ag_fieldtab_key(row), v);
		break;
	}
	free(v);
}

/* scalingConfiguration from the canonical live form ("AutoPause=true,..."),
 * members renamed to their manifest keys. */
static void
scaling_v1_lines(struct ag_buf *b, const char *canonical)
{
	static const char *const map[][2] = {{"AutoPause", "autoPause"},
	    {"MaxCapacity", "maxCapacity"}, {"MinCapacity", "minCapacity"},
	    {"SecondsBeforeTimeout", "secondsBeforeTimeout"},
	    {"SecondsUntilAutoPause", "secondsUntilAutoPause"}, {"TimeoutAction", "timeoutAction"}};
	const char *p = canonical, *e, *eq;
	size_t i, n;

	(void)ag_buf_adds(b, "  scalingConfiguration:\n");
	while (*p != '\0') {
		e = strchr(p, ',');
		n = e != NULL ? (size_t)(e - p) : strlen(p);
		eq = memchr(p, '=', n);
		for (i = 0; eq != NULL && i < sizeof(map) / sizeof(map[0]); i++)
			if (strlen(map[i][0]) == (size_t)(eq - p) &&
			    strncmp(p, map[i][0], (size_t)(eq - p)) == 0)
				(void)ag_buf_addf(b, "    %s: %.*s\n", map[i][1],
				    (int)(n - (size_t)(eq - p) - 1), eq + 1);
		p += n;
		if (*p == ',')
			p++;
	}
}

/* Why the live target cannot be written as autoscaling (NULL: it can). */
static const char *
scaling_unwritable(const struct ag_observed_scaling *t)
{
	if (!t->has_policy)
		return "its policies are not aurora-gitops's";
	if (t->metric == NULL || (strcmp(t->metric, "RDSReaderAverageCPUUtilization") != 0 &&
	                             strcmp(t->metric, "RDSReaderAverageDatabaseConnections") != 0))
		return "its policy tracks a metric autoscaling cannot name";
	if (t->min_capacity < 0 || t->max_capacity < 1 || t->max_capacity > 15 ||
	    t->min_capacity > t->max_capacity)
		return "its capacities are outside what autoscaling allows (maxReaders 1..15, "
		       "minReaders 0..maxReaders)";
	if (!(t->target_value > 0) ||
	    (strcmp(t->metric, "RDSReaderAverageCPUUtilization") == 0 && t->target_value > 100))
		return "its target value is outside what autoscaling allows";
	return NULL;
}

/* spec.autoscaling as the live target says, or a comment on why not. */
static void
scaling_lines(struct ag_buf *b, const struct ag_observed_scaling *t)
{
	const char *why = scaling_unwritable(t);
	char *num;

	if (why != NULL) {
		(void)ag_buf_addf(b,
		    "  # Reader Auto Scaling has a target here (readers %d..%d) that is not "
		    "written:\n"
		    "  # %s. Without autoscaling the agent leaves it alone;\n"
		    "  # writing it would add the agent's own policy (%s).\n",
		    t->min_capacity, t->max_capacity, why, AG_SCALING_POLICY_NAME);
		return;
	}
	(void)ag_buf_addf(b, "  autoscaling:\n    minReaders: %d\n    maxReaders: %d\n",
	    t->min_capacity, t->max_capacity);
	(void)ag_buf_addf(b, "    metric: %s\n", t->metric);
	num = ag_norm_number(t->target_value);
	(void)ag_buf_addf(b, "    targetValue: %s\n", num);
	free(num);
	if (t->scale_in_cooldown >= 0)
		(void)ag_buf_addf(b, "    scaleInCooldown: %d\n", t->scale_in_cooldown);
	if (t->scale_out_cooldown >= 0)
		(void)ag_buf_addf(b, "    scaleOutCooldown: %d\n", t->scale_out_cooldown);
	if (t->disable_scale_in)
		(void)ag_buf_adds(b, "    disableScaleIn: true\n");
	if (t->other_policies > 0)
		(void)ag_buf_addf(b, "    # other policies on the target (%zu): left as they are\n",
		    t->other_policies);
}

int
ag_import_render(struct ag_buf *yaml, const struct ag_db_cluster *c, const struct ag_observed *o,
    const struct ag_observed_scaling *scaling, struct ag_error *err)
{
	const struct ag_db_instance **inst = NULL;
	const struct ag_field_row *rows;
	size_t n_rows;
	struct ag_buf b = AG_BUF_INIT((size_t)1 << 22);
	size_t i, n_inst, n_auto = 0, n_labels = 0;
	bool auto_minor_off = false, any_public = false;
	const char *other;
	char *num;
	int r;

	if (c == NULL || !set(c->id) || !set(c->engine))
		return ag_error_set(err, AG_EINVAL,
		    "cannot import cluster '%s': the description has no identifier or engine",
		    c != NULL && c->id != NULL ? c->id : "");

	rows = ag_fieldtab_rows(&n_rows);
	other = ag_kvlist_get(&c->tags, AG_MANAGED_TAG_KEY);
	if (other != NULL && strcmp(other, AG_MANAGED_TAG_VALUE) == 0)
		other = NULL;
	(void)ag_buf_addf(&b, "# AwsRdsCluster imported from the live cluster '%s'.\n", c->id);
	if (other == NULL)
		(void)ag_buf_adds(&b,
		    "# Values equal to the AWS defaults are left out; planning this "
		    "file against the cluster shows no changes.\n");
	else
		(void)ag_buf_addf(&b,
		    "# Values equal to the AWS defaults are left out. The cluster is tagged "
		    "%s=%s: planning this\n# file shows one change, the adoption (%s=%s), and "
		    "nothing else. Another tool's tags are kept.\n",
		    AG_MANAGED_TAG_KEY, other, AG_MANAGED_TAG_KEY, AG_MANAGED_TAG_VALUE);
	(void)ag_buf_adds(&b, "apiVersion: aws.project-planton.org/v1\nkind: AwsRdsCluster\n"
	                      "metadata:\n");
	kv_line(&b, "  ", "name", c->id);
	n_inst = cluster_instances(&inst, &n_auto, c, o);
	for (i = 0; i < n_inst; i++)
		if (inst[i]->publicly_accessible)
			any_public = true;
	if (any_public) /* as it is live: imported, not silently made private */
		(void)ag_buf_adds(&b, "  annotations:\n"
		                      "    # an instance is publicly accessible today\n"
		                      "    aurora-gitops/public-access: acknowledged\n");
	for (i = 0; i < c->tags.n; i++) {
		const char *k = c->tags.v[i].key;

		if (strcmp(k, AG_MANAGED_TAG_KEY) == 0 || strcmp(k, AG_OWNED_TAG_KEY) == 0 ||
		    strncmp(k, "aws:", 4) == 0)
			continue;
		if (n_labels++ == 0)
			(void)ag_buf_adds(&b, "  labels:\n");
		(void)ag_buf_adds(&b, "    ");
		yq(&b, k);
		(void)ag_buf_adds(&b, ": ");
		yq(&b, c->tags.v[i].value != NULL ? c->tags.v[i].value : "");
		(void)ag_buf_addc(&b, '\n');
	}

	(void)ag_buf_adds(&b, "spec:\n");
	for (i = 0; i < n_rows; i++)
		import_row(&b, &rows[i], c);
	if (set(c->master_user_secret_arn)) {
		(void)ag_buf_adds(&b, "  manageMasterUserPassword: true\n");
	} else {
		(void)ag_buf_adds(&b,
		    "  # The master password cannot be read from AWS, so it is not written here "
		    "and\n"
		    "  # not managed. To manage it, add a sealed value (aurora-gitops seal "
		    "--field\n"
		    "  # spec.password) or set manageMasterUserPassword: true.\n");
	}
	/* The key as AWS reports it: a key ARN (an emulator may echo the key
	 * id it was given). Anything else names no key (an emulator's
	 * placeholder) and is left out, which matches any key. */
	if (c->storage_encrypted && set(c->kms_key_id) &&
	    ag_ref_kms_form(c->kms_key_id) != AG_KMS_REF_ALIAS)
		kv_line(&b, "  ", "kmsKeyId", c->kms_key_id);
	if (c->has_serverless_v2) {
		(void)ag_buf_adds(&b, "  serverlessV2Scaling:\n");
		num = ag_norm_number(c->serverless_v2_min_capacity);
		(void)ag_buf_addf(&b, "    minCapacity: %s\n", num);
		free(num);
		num = ag_norm_number(c->serverless_v2_max_capacity);
		(void)ag_buf_addf(&b, "    maxCapacity: %s\n", num);
		free(num);
		if (c->serverless_v2_min_capacity == 0 &&
		    c->serverless_v2_seconds_until_auto_pause > 0)
			(void)ag_buf_addf(&b, "    secondsUntilAutoPause: %d\n",
			    c->serverless_v2_seconds_until_auto_pause);
	}
	if (set(c->scaling_configuration))
		scaling_v1_lines(&b, c->scaling_configuration);
	/* No finalSnapshotIdentifier: a deletion names the final snapshot
	 * <id>-final-<UTC timestamp>, which never collides. */

	for (i = 0; i < n_inst; i++)
		if (!inst[i]->auto_minor_version_upgrade)
			auto_minor_off = true;
	if (auto_minor_off)
		(void)ag_buf_adds(&b, "  autoMinorVersionUpgrade: false\n");
	if (scaling != NULL)
		scaling_lines(&b, scaling);
	if (n_auto > 0)
		(void)ag_buf_addf(&b,
		    "  # Readers added by Aurora Auto Scaling (%s...) are left out (%zu\n"
		    "  # today): its policy owns them, and the agent never deletes them.\n",
		    AG_AUTOSCALING_PREFIX, n_auto);
	if (n_inst > n_auto) {
		(void)ag_buf_adds(&b, "  instances:\n");
		for (i = 0; i < n_inst - n_auto; i++) {
			(void)ag_buf_adds(&b, "    - ");
			kv_line(&b, "", "name", inst[i]->id);
			kv_line(&b, "      ", "instanceClass",
			    inst[i]->instance_class != NULL ? inst[i]->instance_class : "");
			(void)ag_buf_addf(&b, "      promotionTier: %d\n", inst[i]->promotion_tier);
			if (inst[i]->publicly_accessible)
				(void)ag_buf_adds(&b, "      publiclyAccessible: true\n");
			/* off today: written, or the defaults would turn them on */
			if (inst[i]->has_pi && !inst[i]->pi_enabled &&
			    ag_insights_pi_supported(c->engine, inst[i]->instance_class))
				(void)ag_buf_adds(
				    &b, "      performanceInsights: {enabled: false}\n");
			if (inst[i]->has_monitoring && inst[i]->monitoring_interval == 0)
				(void)ag_buf_adds(&b, "      monitoring: {interval: 0}\n");
		}
	}
	free(inst);

	r = ag_buf_add(yaml, b.ptr, b.len);
	ag_buf_release(&b);
	if (r != 0)
		return ag_error_set(
		    err, r, "import of cluster '%s': the manifest is too large", c->id);
	return 0;
}
