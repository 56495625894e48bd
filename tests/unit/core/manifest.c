/* Unit tests for the manifest loader: schema, positions, bounds, forms. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/buf.h"
#include "core/diag.h"
#include "core/error.h"
#include "core/manifest.h"
#include "core/mem.h"
#include "core/ref.h"
#include "core/suggest.h"

#define HEAD                                                                                       \
	"apiVersion: aws.project-planton.org/v1\n"                                                 \
	"kind: AwsRdsCluster\n"                                                                    \
	"metadata:\n"                                                                              \
	"  name: db1\n"                                                                            \
	"spec:\n"                                                                                  \
	"  subnetIds: [subnet-a, subnet-b]\n"                                                      \
	"  engine: aurora-postgresql\n"                                                            \
	"  engineVersion: \"16.1\"\n"

struct fx {
	struct ag_manifest_set set;
	struct ag_diags diags;
};

static int
setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	ag_manifest_set_init(&f->set);
	ag_diags_init(&f->diags);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *f = *state;

	ag_manifest_set_release(&f->set);
	ag_diags_release(&f->diags);
	free(f);
	return 0;
}

static int
parse(struct fx *f, const char *yaml, const char *file)
{
	return ag_manifest_parse(&f->set, &f->diags, yaml, strlen(yaml), file);
}

/* The first diagnostic rendered as text (freed by the next call). */
static const char *
first_diag(struct fx *f)
{
	static char *last;

	free(last);
	last = NULL;
	if (f->diags.n == 0)
		return "";
	last = ag_diag_format(&f->diags.v[0]);
	return last;
}

static int
has_diag(struct fx *f, const char *text)
{
	size_t i;
	int found = 0;

	for (i = 0; i < f->diags.n && !found; i++) {
		char *s = ag_diag_format(&f->diags.v[i]);

		found = strstr(s, text) != NULL;
		free(s);
	}
	return found;
}

static char *
read_data(const char *rel, size_t *len)
{
	char path[1024];
	FILE *fp;
	char *buf;
	long n;

	snprintf(path, sizeof(path), "%s/%s", AG_TEST_DATA, rel);
	fp = fopen(path, "rb");
	assert_non_null(fp);
	fseek(fp, 0, SEEK_END);
	n = ftell(fp);
	fseek(fp, 0, SEEK_SET);
	buf = malloc((size_t)n + 1);
	assert_int_equal(fread(buf, 1, (size_t)n, fp), (size_t)n);
	buf[n] = '\0';
	fclose(fp);
	*len = (size_t)n;
	return buf;
}

static void
test_manifest__docs_example_validates(void **state)
{
	struct fx *f = *state;
	const struct ag_manifest *m;
	size_t len;
	char *buf = read_data("manifests/good/project-planton-docs.yaml", &len);

	assert_int_equal(ag_manifest_parse(&f->set, &f->diags, buf, len, "docs.yaml"), 0);
	free(buf);
	assert_int_equal(f->diags.errors, 0);
	assert_int_equal(f->set.n, 1);
	m = &f->set.v[0];
	assert_string_equal(m->cluster_id, "app-production-db");
	assert_string_equal(m->spec.engine, "aurora-postgresql");
	assert_string_equal(m->spec.engine_version, "14.7");
	assert_int_equal(m->spec.subnet_ids.n, 3);
	assert_string_equal(m->spec.subnet_ids.v[2], "subnet-ghi789");
	assert_string_equal(m->spec.username, "master");
	assert_true(m->spec.manage_master_user_password);
	assert_int_equal(m->spec.backup_retention_period, 14);
	assert_true(m->spec.auto_minor_version_upgrade);
	assert_null(m->spec.preferred_maintenance_window);
	assert_true(ag_manifest_has(m, AG_F_ENGINE_VERSION));
	assert_false(ag_manifest_has(m, AG_F_USERNAME));
	assert_int_equal(ag_manifest_field_pos(m, AG_F_ENGINE_VERSION).line, 7);
	assert_int_equal(ag_manifest_field_pos(m, AG_F_ENGINE_VERSION).col, 3);
	assert_int_equal(m->spec_pos.line, 5);
	assert_int_equal(m->spec_pos.col, 1);
	assert_ptr_equal(ag_manifest_set_find(&f->set, "app-production-db"), m);
	assert_null(ag_manifest_set_find(&f->set, "other"));
}

/* A reader kept from file to file gives what a fresh parse of each file
 * gives: nothing of a file (nodes, anchors, kids of collections left open
 * by a syntax error) reaches the next one. */
static void
test_manifest__reader_reuse(void **state)
{
	static const char *const texts[] = {
	    /* a syntax error inside nested collections, with anchors */
	    "apiVersion: aws.project-planton.org/v1\nkind: AwsRdsCluster\n"
	    "metadata: &m {name: one, labels: {a: &x b}}\nspec: {instances: [{name: [\n",
	    /* the anchor 'x' is not defined here: it is an error again */
	    "apiVersion: aws.project-planton.org/v1\nkind: AwsRdsCluster\n"
	    "metadata: {name: two, labels: {a: *x}}\nspec: {}\n",
	    /* two documents with anchors, aliases, a duplicate key */
	    "apiVersion: &v aws.project-planton.org/v1\nkind: &k AwsRdsCluster\n"
	    "metadata: {name: three}\nspec: &s\n  engine: aurora-postgresql\n"
	    "  engineVersion: \"16.1\"\n  dbSubnetGroupName: default\n"
	    "  instances: [{name: three-1, instanceClass: db.r6g.large}]\n"
	    "---\napiVersion: *v\nkind: *k\nkind: *k\nmetadata: {name: four}\nspec: *s\n",
	    "apiVersion: aws.project-planton.org/v1\nkind: AwsRdsCluster\n"
	    "metadata: {name: five}\nspec:\n  engine: aurora-postgresql\n"
	    "  engineVersion: \"16.1\"\n  dbSubnetGroupName: default\n"
	    "  instances: {count: 2, instanceClass: db.r6g.large}\n",
	};
	struct fx *f = *state;
	struct ag_manifest_reader *r = ag_manifest_reader_new();
	struct ag_manifest_set one;
	struct ag_diags d1;
	char file[32];
	size_t i;

	ag_manifest_set_init(&one);
	ag_diags_init(&d1);
	for (i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		snprintf(file, sizeof(file), "f%zu.yaml", i);
		assert_int_equal(ag_manifest_reader_parse(
		                     r, &f->set, &f->diags, texts[i], strlen(texts[i]), file),
		    ag_manifest_parse(&one, &d1, texts[i], strlen(texts[i]), file));
	}
	ag_manifest_reader_free(r);
	ag_manifest_reader_free(NULL);
	assert_true(f->diags.errors >= 3);
	assert_int_equal(f->diags.n, d1.n);
	for (i = 0; i < d1.n; i++) {
		char *a = ag_diag_format(&f->diags.v[i]), *b = ag_diag_format(&d1.v[i]);

		assert_string_equal(a, b);
		free(a);
		free(b);
	}
	assert_int_equal(f->set.n, 2);
	assert_int_equal(one.n, f->set.n);
	for (i = 0; i < one.n; i++) {
		assert_string_equal(f->set.v[i].cluster_id, one.v[i].cluster_id);
		assert_int_equal(f->set.v[i].spec.n_instances, one.v[i].spec.n_instances);
		assert_string_equal(
		    f->set.v[i].spec.instances[0].name, one.v[i].spec.instances[0].name);
	}
	assert_string_equal(f->set.v[1].spec.instances[1].name, "five-2");
	ag_manifest_set_release(&one);
	ag_diags_release(&d1);
}

/* Positions are kept for the written fields only, whatever order they are
 * written in; an unwritten field has none. */
static void
test_manifest__field_positions_any_order(void **state)
{
	struct fx *f = *state;
	const struct ag_manifest *m;

	assert_int_equal(parse(f,
	                     "apiVersion: aws.project-planton.org/v1\n"
	                     "kind: AwsRdsCluster\n"
	                     "metadata:\n"
	                     "  name: db1\n"
	                     "spec:\n"
	                     "  caCertificateIdentifier: rds-ca-rsa2048-g1\n"
	                     "  deletionProtection: true\n"
	                     "  engineVersion: \"16.1\"\n"
	                     "  engine: aurora-postgresql\n"
	                     "  subnetIds: [subnet-a, subnet-b]\n",
	                     "t.yaml"),
	    0);
	m = &f->set.v[0];
	assert_int_equal(ag_manifest_field_pos(m, AG_F_CA_CERTIFICATE_IDENTIFIER).line, 6);
	assert_int_equal(ag_manifest_field_pos(m, AG_F_DELETION_PROTECTION).line, 7);
	assert_int_equal(ag_manifest_field_pos(m, AG_F_ENGINE_VERSION).line, 8);
	assert_int_equal(ag_manifest_field_pos(m, AG_F_ENGINE).line, 9);
	assert_int_equal(ag_manifest_field_pos(m, AG_F_SUBNET_IDS).line, 10);
	assert_int_equal(ag_manifest_field_pos(m, AG_F_SUBNET_IDS).col, 3);
	assert_false(ag_manifest_has(m, AG_F_PORT));
	assert_int_equal(ag_manifest_field_pos(m, AG_F_PORT).line, 0);
	assert_int_equal(ag_manifest_field_pos(m, AG_F_PORT).col, 0);
}

/* Fields set together merge with those set before: a new one is added, one
 * set again takes its new position, the others keep theirs. */
static void
test_manifest__set_fields_merges(void **state)
{
	struct ag_manifest m;
	struct ag_pos at[AG_F__COUNT];

	(void)state;
	memset(&m, 0, sizeof(m));
	memset(at, 0, sizeof(at));
	ag_manifest_set_fields(&m, 0, at); /* nothing: nothing allocated */
	assert_null(m.field_pos);
	ag_manifest_set_field(&m, AG_F_PORT, (struct ag_pos){3, 1});
	ag_manifest_set_field(&m, AG_F_ENGINE, (struct ag_pos){4, 2});
	at[AG_F_ENGINE] = (struct ag_pos){9, 9};
	at[AG_F_SUBNET_IDS] = (struct ag_pos){7, 5};
	ag_manifest_set_fields(
	    &m, (UINT64_C(1) << AG_F_ENGINE) | (UINT64_C(1) << AG_F_SUBNET_IDS), at);
	assert_true(ag_manifest_has(&m, AG_F_PORT));
	assert_int_equal(ag_manifest_field_pos(&m, AG_F_PORT).line, 3);
	assert_int_equal(ag_manifest_field_pos(&m, AG_F_ENGINE).line, 9);
	assert_int_equal(ag_manifest_field_pos(&m, AG_F_SUBNET_IDS).line, 7);
	assert_int_equal(ag_manifest_field_pos(&m, AG_F_SUBNET_IDS).col, 5);
	assert_false(ag_manifest_has(&m, AG_F_USERNAME));
	ag_manifest_set_field(&m, AG_F_USERNAME, (struct ag_pos){1, 1});
	assert_int_equal(ag_manifest_field_pos(&m, AG_F_SUBNET_IDS).line, 7);
	assert_int_equal(ag_manifest_field_pos(&m, AG_F_USERNAME).line, 1);
	free(m.field_pos);
}

/* An optional block the manifest leaves out reads as unwritten (nothing
 * allocated for it); one written empty is there, with its position. */
static void
test_manifest__optional_blocks_absent_and_written(void **state)
{
	struct fx *f = *state;
	const struct ag_cluster_spec *a, *b;

	assert_int_equal(parse(f,
	                     HEAD "  instances:\n    - name: db1-1\n"
	                          "      instanceClass: db.r6g.large\n",
	                     "a.yaml"),
	    0);
	assert_int_equal(parse(f,
	                     "apiVersion: aws.project-planton.org/v1\n"
	                     "kind: AwsRdsCluster\n"
	                     "metadata:\n"
	                     "  name: db2\n"
	                     "spec:\n"
	                     "  subnetIds: [subnet-a, subnet-b]\n"
	                     "  engine: aurora-postgresql\n"
	                     "  engineVersion: \"16.1\"\n"
	                     "  performanceInsights: {}\n"
	                     "  alarms: {cpu: {threshold: 90}}\n"
	                     "  instances:\n    - name: db2-1\n"
	                     "      instanceClass: db.r6g.large\n"
	                     "      monitoring: {interval: 0}\n",
	                     "b.yaml"),
	    0);
	assert_int_equal(f->set.n, 2);
	a = &f->set.v[0].spec;
	assert_null(a->opt_pi);
	assert_null(a->opt_monitoring);
	assert_null(a->opt_alarms);
	assert_null(a->opt_kms_key);
	assert_null(a->opt_autoscaling);
	assert_null(a->opt_scaling_v1);
	assert_null(a->instances[0].opt_pi);
	assert_null(a->instances[0].opt_monitoring);
	assert_false(ag_spec_pi(a)->has_enabled);
	assert_int_equal(ag_spec_pi(a)->pos.line, 0);
	assert_false(ag_spec_monitoring(a)->has_interval);
	assert_false(ag_spec_alarms(a)->kinds[AG_ALARM_CPU].written);
	assert_false(ag_spec_scaling_v1(a)->has);
	assert_null(ag_spec_kms_key(a)->alias);
	assert_false(ag_instance_monitoring(&a->instances[0])->has_interval);

	b = &f->set.v[1].spec;
	assert_non_null(b->opt_pi);
	assert_int_equal(ag_spec_pi(b)->pos.line, 9);
	assert_false(ag_spec_pi(b)->has_enabled);
	assert_true(ag_spec_alarms(b)->kinds[AG_ALARM_CPU].written);
	assert_true(ag_spec_alarms(b)->kinds[AG_ALARM_CPU].has_threshold);
	assert_false(ag_spec_alarms(b)->kinds[AG_ALARM_MEMORY].written);
	assert_null(b->instances[0].opt_pi);
	assert_true(ag_instance_monitoring(&b->instances[0])->has_interval);
	assert_int_equal(ag_instance_monitoring(&b->instances[0])->interval, 0);
}

static void
test_manifest__unknown_field_position_and_suggestion(void **state)
{
	struct fx *f = *state;

	assert_int_equal(parse(f, HEAD "  manageMasterUserPassword: true\n  enginVersion: x\n",
	                     "manifests/db.yaml"),
	    AG_EINVAL);
	assert_int_equal(f->set.n, 0);
	assert_true(has_diag(f, "manifests/db.yaml:10:3: error: unknown field 'enginVersion' "
	                        "(did you mean 'engineVersion'?)"));
	assert_string_equal(f->diags.v[0].field, "spec.enginVersion");
}

static void
test_manifest__suggest(void **state)
{
	static const char *const c[] = {"engine", "engineVersion", "engineMode", "port"};

	(void)state;
	assert_int_equal(ag_suggest_distance("kitten", "sitting"), 3);
	assert_int_equal(ag_suggest_distance("Port", "port"), 0);
	assert_string_equal(ag_suggest("enginVersion", c, 4), "engineVersion");
	assert_string_equal(ag_suggest("engine_mode", c, 4), "engineMode");
	assert_string_equal(ag_suggest("prot", c, 4), "port");
	assert_null(ag_suggest("zzzzzzzz", c, 4));
	assert_null(ag_suggest("engine", c, 1));
}

static void
test_manifest__type_errors_are_named(void **state)
{
	struct fx *f = *state;

	parse(f,
	    HEAD "  storageEncrypted: yes please\n  port: \"5432\"\n  backupRetentionPeriod: 3.5\n",
	    "t.yaml");
	assert_true(has_diag(f, "t.yaml:9:21: error: spec.storageEncrypted: expected a boolean "
	                        "(true or false), got 'yes please'"));
	assert_true(has_diag(f, "t.yaml:10:9: error: spec.port: expected an integer, got the "
	                        "quoted string '5432'"));
	assert_true(has_diag(f, "spec.backupRetentionPeriod: expected an integer, got '3.5'"));
}

/* The plain spellings of null leave a field out; those of a bool set it;
 * other spellings and quoted texts are errors that quote them. */
static void
test_manifest__null_and_bool_spellings(void **state)
{
	struct fx *f = *state;
	const struct ag_manifest *m;

	assert_int_equal(parse(f,
	                     HEAD "  storageEncrypted: ~\n  deletionProtection: null\n"
	                          "  copyTagsToSnapshot: Null\n"
	                          "  iamDatabaseAuthenticationEnabled: NULL\n"
	                          "  enableHttpEndpoint:\n  port: null\n",
	                     "n.yaml"),
	    0);
	m = &f->set.v[0];
	assert_false(ag_manifest_has(m, AG_F_STORAGE_ENCRYPTED));
	assert_false(ag_manifest_has(m, AG_F_DELETION_PROTECTION));
	assert_false(ag_manifest_has(m, AG_F_COPY_TAGS_TO_SNAPSHOT));
	assert_false(ag_manifest_has(m, AG_F_IAM_DATABASE_AUTHENTICATION_ENABLED));
	assert_false(ag_manifest_has(m, AG_F_ENABLE_HTTP_ENDPOINT));
	assert_false(ag_manifest_has(m, AG_F_PORT));

	assert_int_equal(parse(f,
	                     HEAD "  storageEncrypted: True\n  deletionProtection: TRUE\n"
	                          "  copyTagsToSnapshot: False\n"
	                          "  iamDatabaseAuthenticationEnabled: FALSE\n"
	                          "  enableHttpEndpoint: true\n",
	                     "b.yaml"),
	    0);
	m = &f->set.v[1];
	assert_true(m->spec.storage_encrypted && m->spec.deletion_protection);
	assert_false(m->spec.copy_tags_to_snapshot || m->spec.iam_database_authentication_enabled);
	assert_true(ag_manifest_has(m, AG_F_COPY_TAGS_TO_SNAPSHOT));
	assert_true(m->spec.enable_http_endpoint);

	assert_int_equal(parse(f,
	                     HEAD "  storageEncrypted: nUll\n  deletionProtection: tRUE\n"
	                          "  copyTagsToSnapshot: \"true\"\n"
	                          "  iamDatabaseAuthenticationEnabled: '~'\n"
	                          "  enableHttpEndpoint: ~x\n  backupRetentionPeriod: \"null\"\n",
	                     "e.yaml"),
	    AG_EINVAL);
	assert_int_equal(f->diags.errors, 6);
	assert_true(has_diag(f, "e.yaml:9:21: error: spec.storageEncrypted: expected a boolean "
	                        "(true or false), got 'nUll'"));
	assert_true(has_diag(f, "e.yaml:10:23: error: spec.deletionProtection: expected a "
	                        "boolean (true or false), got 'tRUE'"));
	assert_true(has_diag(f, "e.yaml:11:23: error: spec.copyTagsToSnapshot: expected a "
	                        "boolean (true or false), got the quoted string 'true'"));
	assert_true(has_diag(f, "e.yaml:12:37: error: spec.iamDatabaseAuthenticationEnabled: "
	                        "expected a boolean (true or false), got the quoted string '~'"));
	assert_true(has_diag(f, "e.yaml:13:23: error: spec.enableHttpEndpoint: expected a "
	                        "boolean (true or false), got '~x'"));
	assert_true(has_diag(f, "e.yaml:14:26: error: spec.backupRetentionPeriod: expected an "
	                        "integer, got the quoted string 'null'"));
}

/* spec's keys are found whatever their neighbours in the table; a key that
 * is none of them (a near miss, other case, a NUL inside, empty) is reported
 * with a suggestion where there is one; list items are named by index. One
 * reader reads every file, as a directory is read. */
static void
test_manifest__keys_and_item_paths(void **state)
{
	struct fx *f = *state;
	struct ag_manifest_reader *r = ag_manifest_reader_new();
	const char *bad = HEAD "  engineMod: provisioned\n  enginE: x\n  \"engine\\0x\": 1\n"
	                       "  \"\": 1\n";
	const char *lists =
	    "apiVersion: aws.project-planton.org/v1\nkind: AwsRdsCluster\nmetadata:\n"
	    "  name: db1\nspec:\n"
	    "  subnetIds: [s-0, s-1, s-2, s-3, s-4, s-5, s-6, s-7, s-8, s-9, ~, s-11]\n"
	    "  engine: aurora-postgresql\n  engineVersion: \"16.1\"\n"
	    "  instances: [{instanceClass: db.r6g.large}, {}, {}, {}, {}, {}, {}, {}, {}, {}, x]\n";
	const char *good = HEAD "  engineMode: provisioned\n  enableHttpEndpoint: true\n"
	                        "  enabledCloudwatchLogsExports: [postgresql]\n"
	                        "  enableLocalWriteForwarding: false\n";

	assert_int_equal(
	    ag_manifest_reader_parse(r, &f->set, &f->diags, bad, strlen(bad), "k.yaml"), AG_EINVAL);
	assert_int_equal(f->diags.errors, 4);
	assert_true(has_diag(
	    f, "k.yaml:9:3: error: unknown field 'engineMod' (did you mean 'engineMode'?)"));
	assert_true(
	    has_diag(f, "k.yaml:10:3: error: unknown field 'enginE' (did you mean 'engine'?)"));
	assert_true(has_diag(f, "k.yaml:11:3: error: unknown field 'engine'"));
	assert_true(has_diag(f, "k.yaml:12:3: error: unknown field ''"));
	assert_int_equal(
	    ag_manifest_reader_parse(r, &f->set, &f->diags, lists, strlen(lists), "l.yaml"),
	    AG_EINVAL);
	assert_true(has_diag(f, "l.yaml:6:65: error: spec.subnetIds[10]: empty item"));
	assert_true(has_diag(f, "l.yaml:9:46: error: spec.instances[1].instanceClass is required"));
	assert_true(has_diag(f, "l.yaml:9:78: error: spec.instances[9].instanceClass is required"));
	assert_true(has_diag(
	    f, "l.yaml:9:82: error: spec.instances[10]: expected a mapping, got a scalar"));
	assert_int_equal(f->set.n, 0);
	assert_int_equal(
	    ag_manifest_reader_parse(r, &f->set, &f->diags, good, strlen(good), "g.yaml"), 0);
	assert_int_equal(f->set.n, 1);
	assert_string_equal(f->set.v[0].spec.engine_mode, "provisioned");
	assert_true(f->set.v[0].spec.enable_http_endpoint);
	assert_true(ag_manifest_has(&f->set.v[0], AG_F_ENABLE_LOCAL_WRITE_FORWARDING));
	assert_string_equal(f->set.v[0].spec.enabled_cloudwatch_logs_exports.v[0], "postgresql");
	ag_manifest_reader_free(r);
}

static void
test_manifest__unquoted_numbers_keep_source_text(void **state)
{
	struct fx *f = *state;
	const char *y = "apiVersion: aws.project-planton.org/v1\n"
	                "kind: AwsRdsCluster\n"
	                "metadata: {name: db1}\n"
	                "spec:\n"
	                "  subnetIds: [subnet-a, subnet-b]\n"
	                "  engine: aurora-postgresql\n"
	                "  engineVersion: 14.10\n"
	                "  kmsKeyId: 007\n";

	assert_int_equal(parse(f, y, "t.yaml"), 0);
	assert_string_equal(f->set.v[0].spec.engine_version, "14.10");
	assert_string_equal(f->set.v[0].spec.kms_key_id, "007");
}

static void
test_manifest__value_or_ref_forms(void **state)
{
	struct fx *f = *state;
	const struct ag_cluster_spec *c;

	assert_int_equal(parse(f,
	                     "apiVersion: aws.project-planton.org/v1\n"
	                     "kind: AwsRdsCluster\n"
	                     "metadata: {name: db1}\n"
	                     "spec:\n"
	                     "  subnetIds: [subnet-a, {value: subnet-b}]\n"
	                     "  securityGroupIds:\n"
	                     "    - value: sg-1\n"
	                     "    - sg-2\n"
	                     "  kmsKeyId: {value: \"arn:aws:kms:us-east-1:1:key/k\"}\n"
	                     "  vpcId: vpc-1\n"
	                     "  engine: aurora-mysql\n"
	                     "  engineVersion: 8.0.mysql_aurora.3.05.2\n",
	                     "t.yaml"),
	    0);
	c = &f->set.v[0].spec;
	assert_string_equal(c->subnet_ids.v[1], "subnet-b");
	assert_string_equal(c->security_group_ids.v[0], "sg-1");
	assert_string_equal(c->security_group_ids.v[1], "sg-2");
	assert_string_equal(c->kms_key_id, "arn:aws:kms:us-east-1:1:key/k");
	assert_string_equal(c->vpc_id, "vpc-1");

	assert_int_equal(
	    parse(
	        f, HEAD "  dbSubnetGroupName:\n    valueFrom: {kind: AwsVpc, name: v}\n", "r.yaml"),
	    AG_EINVAL);
	assert_true(has_diag(f, "r.yaml:10:23: error: spec.dbSubnetGroupName.valueFrom: no "
	                        "reference kind resolves this field; write the literal value as "
	                        "{value: ...}"));
}

/* A valueFrom is recorded, never dropped: the field holds a placeholder and
 * the manifest lists the reference with its position. */
static void
test_manifest__value_from_recorded(void **state)
{
	struct fx *f = *state;
	const struct ag_manifest *m;

	assert_int_equal(parse(f,
	                     "apiVersion: aws.openmcf.org/v1\n"
	                     "kind: AwsRdsCluster\n"
	                     "metadata: {name: db1, env: prod}\n"
	                     "spec:\n"
	                     "  subnetIds:\n"
	                     "    - subnet-a\n"
	                     "    - valueFrom: {kind: AwsSubnet, name: private-b, env: prod}\n"
	                     "  kmsKeyId:\n"
	                     "    valueFrom:\n"
	                     "      kind: AwsKmsKey\n"
	                     "      name: orders\n"
	                     "      fieldPath: status.outputs.key_arn\n"
	                     "  replicationSourceIdentifier:\n"
	                     "    valueFrom: {kind: AwsRdsCluster, name: source-db}\n"
	                     "  engine: aurora-mysql\n"
	                     "  engineVersion: 8.0.mysql_aurora.3.05.2\n",
	                     "t.yaml"),
	    0);
	m = &f->set.v[0];
	assert_int_equal(m->n_refs, 3);
	assert_int_equal(m->refs[0].field, AG_F_SUBNET_IDS);
	assert_int_equal(m->refs[0].index, 1);
	assert_string_equal(m->refs[0].kind, "AwsSubnet");
	assert_string_equal(m->refs[0].name, "private-b");
	assert_int_equal(m->refs[0].pos.line, 7);
	assert_int_equal(m->refs[0].pos.col, 7);
	assert_int_equal(m->spec.subnet_ids.n, 2);
	assert_true(ag_ref_is_placeholder(m->spec.subnet_ids.v[1]));
	assert_int_equal(m->refs[1].field, AG_F_KMS_KEY_ID);
	assert_int_equal(m->refs[1].index, -1);
	assert_string_equal(m->refs[1].field_path, "status.outputs.key_arn");
	assert_true(ag_ref_is_placeholder(m->spec.kms_key_id));
	assert_int_equal(m->refs[2].field, AG_F_REPLICATION_SOURCE_IDENTIFIER);
	assert_true(ag_manifest_has(m, AG_F_KMS_KEY_ID));

	/* value and valueFrom together are refused */
	assert_int_equal(parse(f,
	                     HEAD "  vpcId:\n    value: vpc-1\n    valueFrom: {kind: AwsVpc, "
	                          "name: v}\n",
	                     "b.yaml"),
	    AG_EINVAL);
	assert_true(has_diag(
	    f, "b.yaml:11:5: error: spec.vpcId: give either value or valueFrom, not both"));
	/* an unknown key inside valueFrom is named */
	assert_int_equal(
	    parse(f, HEAD "  vpcId:\n    valueFrom: {kind: AwsVpc, nam: v}\n", "u.yaml"),
	    AG_EINVAL);
	assert_true(has_diag(f, "u.yaml:10:31: error: unknown field 'nam' (did you mean 'name'?)"));
}

static void
test_manifest__sealed_password_verbatim(void **state)
{
	struct fx *f = *state;
	const char *sealed = "AGSEALED:v1:k1:QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVo";
	char y[1024];

	snprintf(y, sizeof(y), HEAD "  password: %s\n", sealed);
	assert_int_equal(parse(f, y, "t.yaml"), 0);
	assert_string_equal(f->set.v[0].spec.password, sealed);
	assert_true(ag_manifest_is_sealed(f->set.v[0].spec.password));
	assert_false(ag_manifest_is_sealed("hunter2"));
	assert_false(ag_manifest_is_sealed(NULL));
	/* A near miss is treated as sealed (it fails to open), never as plain text. */
	assert_true(ag_manifest_is_sealed("AGSEALED:v2:x"));
	snprintf(y, sizeof(y), HEAD "  password: \"%s=\"\n", sealed);
	assert_int_equal(parse(f, y, "p.yaml"), AG_EINVAL);
	assert_true(has_diag(f, "p.yaml:9:3: error: spec.password looks like a sealed value but "
	                        "is not a valid one: the data holds a character that is not "
	                        "base64url ([A-Za-z0-9_-]); it is never used as a password"));
}

static void
test_manifest__aliases_are_bounded(void **state)
{
	struct fx *f = *state;
	struct ag_buf b = AG_BUF_INIT(1 << 20);
	clock_t t0 = clock();
	int i, j;

	/* the classic billion laughs: 10^9 nodes once expanded */
	ag_buf_adds(&b, HEAD "  x0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
	for (i = 1; i < 10; i++) {
		ag_buf_addf(&b, "  x%d: &l%d [", i, i);
		for (j = 0; j < 10; j++)
			ag_buf_addf(&b, "%s*l%d", j ? ", " : "", i - 1);
		ag_buf_adds(&b, "]\n");
	}
	assert_int_equal(ag_manifest_parse(&f->set, &f->diags, b.ptr, b.len, "bl.yaml"), AG_EINVAL);
	assert_true(has_diag(f, "once aliases are expanded") || has_diag(f, "too many aliases"));
	assert_true((double)(clock() - t0) / CLOCKS_PER_SEC < 1.0);
	assert_int_equal(f->set.n, 0);

	/* many cheap aliases: the count bound */
	ag_diags_release(&f->diags);
	ag_buf_reset(&b);
	ag_buf_adds(&b, HEAD "  databaseName: &n app\n  tags:\n");
	for (i = 0; i < AG_MANIFEST_MAX_ALIASES + 1; i++)
		ag_buf_adds(&b, "  - *n\n");
	assert_int_equal(ag_manifest_parse(&f->set, &f->diags, b.ptr, b.len, "al.yaml"), AG_EINVAL);
	assert_true(has_diag(f, "too many aliases: more than 64 in one document"));
	ag_buf_release(&b);
}

static void
test_manifest__aliases_within_bounds_work(void **state)
{
	struct fx *f = *state;

	assert_int_equal(parse(f,
	                     "apiVersion: aws.project-planton.org/v1\n"
	                     "kind: AwsRdsCluster\n"
	                     "metadata: {name: db1}\n"
	                     "spec:\n"
	                     "  subnetIds: &subnets [subnet-a, subnet-b]\n"
	                     "  securityGroupIds: *subnets\n"
	                     "  engine: aurora-postgresql\n"
	                     "  engineVersion: \"16.1\"\n",
	                     "t.yaml"),
	    0);
	assert_int_equal(f->set.v[0].spec.security_group_ids.n, 2);
}

static void
test_manifest__size_and_depth_bounds(void **state)
{
	struct fx *f = *state;
	char *big = malloc(AG_MANIFEST_MAX_BYTES + 2);
	char deep[256];
	int i;

	memset(big, '#', AG_MANIFEST_MAX_BYTES + 1);
	big[AG_MANIFEST_MAX_BYTES + 1] = '\0';
	assert_int_equal(
	    ag_manifest_parse(&f->set, &f->diags, big, AG_MANIFEST_MAX_BYTES + 1, "big.yaml"),
	    AG_EINVAL);
	assert_string_equal(first_diag(f),
	    "big.yaml:1:1: error: file is too large: 1048577 bytes, the limit is 1048576");
	free(big);

	ag_diags_release(&f->diags);
	for (i = 0; i < 40; i++)
		deep[i] = '[';
	deep[40] = '\0';
	assert_int_equal(parse(f, deep, "deep.yaml"), AG_EINVAL);
	assert_string_equal(
	    first_diag(f), "deep.yaml:1:33: error: nesting is deeper than 32 levels");
}

static void
test_manifest__buffer_need_not_be_terminated(void **state)
{
	struct fx *f = *state;
	const char *y = HEAD "  port: 5432\n";

	/* stop right after "5432": the rest must not be read */
	assert_int_equal(ag_manifest_parse(&f->set, &f->diags, y, strlen(y) - 1, "t.yaml"), 0);
	assert_int_equal(f->set.v[0].spec.port, 5432);
}

static void
test_manifest__duplicate_keys(void **state)
{
	struct fx *f = *state;

	assert_int_equal(parse(f, HEAD "  port: 1\n  port: 2\n", "t.yaml"), AG_EINVAL);
	assert_string_equal(
	    first_diag(f), "t.yaml:10:3: error: duplicate key 'port' (first at line 9)");
}

static void
test_manifest__count_instances_expand(void **state)
{
	struct fx *f = *state;
	const struct ag_cluster_spec *c;

	assert_int_equal(parse(f,
	                     "apiVersion: aws.project-planton.org/v1\n"
	                     "kind: AwsRdsCluster\n"
	                     "metadata:\n"
	                     "  name: Orders-DB\n"
	                     "spec:\n"
	                     "  subnetIds: [subnet-a, subnet-b]\n"
	                     "  engine: aurora-postgresql\n"
	                     "  engineVersion: \"16.1\"\n"
	                     "  instances: {count: 3, instanceClass: db.r6g.large}\n",
	                     "t.yaml"),
	    0);
	c = &f->set.v[0].spec;
	assert_string_equal(f->set.v[0].cluster_id, "orders-db");
	assert_int_equal(c->n_instances, 3);
	assert_string_equal(c->instances[0].name, "orders-db-1");
	assert_string_equal(c->instances[2].name, "orders-db-3");
	assert_string_equal(c->instances[1].instance_class, "db.r6g.large");
	assert_int_equal(c->instances[0].promotion_tier, 0);
	assert_int_equal(c->instances[2].promotion_tier, 2);
	assert_true(ag_manifest_has(&f->set.v[0], AG_F_INSTANCES));
	assert_int_equal(ag_manifest_field_pos(&f->set.v[0], AG_F_INSTANCES).line, 9);
}

/* The count form's overrides set, per position, what an item of the list
 * form could (except the name); the rest keeps the count form's values. */
static void
test_manifest__count_overrides(void **state)
{
	struct fx *f = *state;
	const struct ag_cluster_spec *c;

	assert_int_equal(parse(f,
	                     HEAD "  monitoring: {interval: 60, createRole: true}\n"
	                          "  instances:\n"
	                          "    count: 3\n"
	                          "    instanceClass: db.r6g.large\n"
	                          "    overrides:\n"
	                          "      3:\n"
	                          "        instanceClass: db.r6g.xlarge\n"
	                          "        promotionTier: 9\n"
	                          "        availabilityZone: us-east-1c\n"
	                          "        performanceInsights: {enabled: false}\n"
	                          "        monitoring: {interval: 0}\n"
	                          "      1: {promotionTier: 0}\n",
	                     "t.yaml"),
	    0);
	c = &f->set.v[0].spec;
	assert_int_equal(c->n_instances, 3);
	assert_string_equal(c->instances[0].name, "db1-1");
	assert_string_equal(c->instances[0].instance_class, "db.r6g.large");
	assert_int_equal(c->instances[0].promotion_tier, 0);
	assert_null(c->instances[0].opt_pi); /* not written: no block */
	assert_false(ag_instance_pi(&c->instances[0])->has_enabled);
	assert_string_equal(c->instances[1].instance_class, "db.r6g.large");
	assert_int_equal(c->instances[1].promotion_tier, 1);
	assert_null(c->instances[1].availability_zone);
	assert_string_equal(c->instances[2].name, "db1-3");
	assert_string_equal(c->instances[2].instance_class, "db.r6g.xlarge");
	assert_int_equal(c->instances[2].promotion_tier, 9);
	assert_string_equal(c->instances[2].availability_zone, "us-east-1c");
	assert_true(ag_instance_pi(&c->instances[2])->has_enabled);
	assert_false(ag_instance_pi(&c->instances[2])->enabled);
	assert_true(ag_instance_monitoring(&c->instances[2])->has_interval);
	assert_int_equal(ag_instance_monitoring(&c->instances[2])->interval, 0);
	assert_int_equal(c->instances[2].pos.line, 14);
}

static void
test_manifest__count_overrides_errors(void **state)
{
	static const struct {
		const char *overrides;
		const char *error;
	} bad[] = {
	    {"      4: {promotionTier: 3}\n", "t.yaml:13:7: error: spec.instances.overrides.4: "
	                                      "there is no instance 4: count is 3"},
	    {"      0: {promotionTier: 3}\n",
	        "t.yaml:13:7: error: spec.instances.overrides: '0' is not an instance position: "
	        "expected 1 to 16, the N of the instance named <cluster-id>-N"},
	    {"      db1-2: {promotionTier: 3}\n", "'db1-2' is not an instance position"},
	    {"      2: {name: other}\n", "t.yaml:13:11: error: unknown field 'name'"},
	    {"      2: {instanceClas: db.r6g.large}\n",
	        "t.yaml:13:11: error: unknown field 'instanceClas' (did you mean "
	        "'instanceClass'?)"},
	    {"      2: {promotionTier: 16}\n", "spec.instances.overrides.2.promotionTier"},
	    {"      2: [db.r6g.large]\n",
	        "t.yaml:13:10: error: spec.instances.overrides.2: expected a mapping, got a "
	        "list"},
	    {"      2: {promotionTier: 3}\n      02: {promotionTier: 4}\n",
	        "t.yaml:14:7: error: spec.instances.overrides.2: position 2 is overridden twice "
	        "(first at line 13)"},
	    {"      2: {monitoring: {interval: 7}}\n",
	        "spec.instances.overrides.2.monitoring.interval: 7 is not a monitoring "
	        "interval"},
	};
	struct fx *f = *state;
	char yaml[1024];
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ag_manifest_set_release(&f->set);
		ag_diags_release(&f->diags);
		ag_manifest_set_init(&f->set);
		ag_diags_init(&f->diags);
		snprintf(yaml, sizeof(yaml),
		    HEAD "  instances:\n"
		         "    count: 3\n"
		         "    instanceClass: db.r6g.large\n"
		         "    overrides:\n"
		         "%s",
		    bad[i].overrides);
		assert_int_equal(parse(f, yaml, "t.yaml"), AG_EINVAL);
		if (!has_diag(f, bad[i].error))
			fail_msg(
			    "case %zu: no error '%s'; first: %s", i, bad[i].error, first_diag(f));
		assert_int_equal(f->set.n, 0);
	}
}

static void
test_manifest__serverless_instances_default_class(void **state)
{
	struct fx *f = *state;
	const struct ag_cluster_spec *c;

	assert_int_equal(parse(f,
	                     HEAD "  serverlessV2Scaling: {minCapacity: 0.5, maxCapacity: 4}\n"
	                          "  instances:\n"
	                          "    - name: w\n"
	                          "    - instanceClass: db.r6g.large\n"
	                          "      promotionTier: 7\n"
	                          "      availabilityZone: us-east-1b\n",
	                     "t.yaml"),
	    0);
	c = &f->set.v[0].spec;
	assert_true(c->has_serverless_v2);
	assert_true(c->serverless_v2_min_capacity == 0.5);
	assert_true(c->serverless_v2_max_capacity == 4);
	assert_int_equal(c->n_instances, 2);
	assert_string_equal(c->instances[0].name, "w");
	assert_string_equal(c->instances[0].instance_class, "db.serverless");
	assert_int_equal(c->instances[0].promotion_tier, 0);
	assert_string_equal(c->instances[1].name, "db1-2");
	assert_int_equal(c->instances[1].promotion_tier, 7);
	assert_string_equal(c->instances[1].availability_zone, "us-east-1b");
	assert_int_equal(c->instances[1].pos.line, 12);
}

static void
test_manifest__annotations(void **state)
{
	struct fx *f = *state;
	const struct ag_manifest *m;

	assert_int_equal(
	    parse(f,
	        "apiVersion: aws.project-planton.org/v1\n"
	        "kind: AwsRdsCluster\n"
	        "metadata:\n"
	        "  name: db1\n"
	        "  labels: {team: a}\n"
	        "  annotations:\n"
	        "    aurora-gitops/mode: plan\n"
	        "    aurora-gitops/deletion: delete\n"
	        "    aurora-gitops/suspend: \"schema migration until 2026-12-01T00:00:00Z\"\n"
	        "    example.com/owner: someone\n"
	        "  tags: [a, b]\n"
	        "spec:\n"
	        "  subnetIds: [subnet-a, subnet-b]\n"
	        "  engine: aurora-postgresql\n"
	        "  engineVersion: \"16.1\"\n"
	        "status: {outputs: {rds_cluster_id: db1}}\n"
	        "---\n"
	        "apiVersion: aws.project-planton.org/v1\n"
	        "kind: AwsRdsCluster\n"
	        "metadata:\n"
	        "  name: db2\n"
	        "  annotations: {aurora-gitops/suspend: \"x until 2026-12-01T10:30:00+02:00\"}\n"
	        "spec:\n"
	        "  dbSubnetGroupName: group\n"
	        "  engine: aurora-postgresql\n"
	        "  engineVersion: \"16.1\"\n",
	        "t.yaml"),
	    0);
	assert_int_equal(f->set.n, 2);
	m = &f->set.v[0];
	assert_int_equal(m->mode, AG_MODE_PLAN);
	assert_int_equal(m->deletion, AG_DELETION_DELETE);
	assert_string_equal(m->suspend_reason, "schema migration");
	assert_int_equal(m->suspend_until, 1796083200);
	assert_string_equal(ag_kvlist_get(&m->annotations, "example.com/owner"), "someone");
	assert_string_equal(ag_kvlist_get(&m->labels, "team"), "a");
	assert_int_equal(m->tags.n, 2);
	assert_int_equal(m->doc_index, 0);
	m = &f->set.v[1];
	assert_int_equal(m->doc_index, 1);
	assert_int_equal(m->mode, AG_MODE_UNSET);
	assert_int_equal(m->deletion, AG_DELETION_RETAIN);
	assert_int_equal(m->suspend_until, 1796113800); /* 08:30Z */

	assert_int_equal(
	    parse(f,
	        "apiVersion: aws.project-planton.org/v1\n"
	        "kind: AwsRdsCluster\n"
	        "metadata:\n"
	        "  name: db3\n"
	        "  annotations:\n"
	        "    aurora-gitops/mod: plan\n"
	        "    aurora-gitops/suspend: \"until 2026-02-30T00:00:00Z\"\n"
	        "spec: {dbSubnetGroupName: g, engine: aurora-mysql, engineVersion: x}\n",
	        "a.yaml"),
	    AG_EINVAL);
	assert_true(has_diag(f, "a.yaml:6:5: error: unknown annotation 'aurora-gitops/mod' (did "
	                        "you mean 'aurora-gitops/mode'?)"));
	assert_true(has_diag(f, "a.yaml:7:28: error: metadata.annotations.aurora-gitops/suspend: "
	                        "expected \"<reason> until <RFC 3339 time>\""));
}

static void
test_manifest__rfc3339_bounds(void **state)
{
	struct fx *f = *state;
	static const char *const bad[] = {"2026-02-29T00:00:00Z", "2026-13-01T00:00:00Z",
	    "2026-01-01T24:00:00Z", "2026-01-01T00:00:00", "2026-01-01 00:00:00Z",
	    "2026-01-01T00:00:00.Z", "2026-01-01T00:00:00Zjunk", "26-01-01T00:00:00Z"};
	char y[512];
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ag_diags_release(&f->diags);
		snprintf(y, sizeof(y),
		    "apiVersion: aws.project-planton.org/v1\nkind: AwsRdsCluster\n"
		    "metadata:\n  name: db1\n  annotations: {aurora-gitops/suspend: \"r until "
		    "%s\"}\n"
		    "spec: {dbSubnetGroupName: g, engine: aurora-mysql, engineVersion: x}\n",
		    bad[i]);
		assert_int_equal(parse(f, y, "t.yaml"), AG_EINVAL);
		assert_true(has_diag(f, "invalid time"));
	}
	ag_diags_release(&f->diags);
	assert_int_equal(
	    parse(f,
	        "apiVersion: aws.project-planton.org/v1\nkind: AwsRdsCluster\n"
	        "metadata:\n  name: db1\n  annotations: {aurora-gitops/suspend: \"r until "
	        "2028-02-29T23:59:59.123456Z\"}\n"
	        "spec: {dbSubnetGroupName: g, engine: aurora-mysql, engineVersion: x}\n",
	        "t.yaml"),
	    0);
}

static void
test_manifest__windows_and_defaults(void **state)
{
	struct fx *f = *state;
	const struct ag_cluster_spec *c;

	assert_int_equal(parse(f,
	                     HEAD "  preferredMaintenanceWindow: SAT:10:30-Sat:11:00\n"
	                          "  preferredBackupWindow: \"23:45-00:15\"\n"
	                          "  autoMinorVersionUpgrade: false\n"
	                          "  username: admin\n"
	                          "  finalSnapshotIdentifier: Db1-Final-2026\n",
	                     "t.yaml"),
	    0);
	c = &f->set.v[0].spec;
	assert_string_equal(c->preferred_maintenance_window, "SAT:10:30-Sat:11:00");
	assert_false(c->auto_minor_version_upgrade);
	assert_string_equal(c->username, "admin");

	assert_int_equal(
	    parse(f, HEAD "  preferredBackupWindow: \"10:00-10:10\"\n", "w.yaml"), AG_EINVAL);
	assert_true(has_diag(f, "the window must be at least 30 minutes long"));
}

static void
test_manifest__duplicate_cluster_ids(void **state)
{
	struct fx *f = *state;
	const char *a = "apiVersion: aws.project-planton.org/v1\n"
	                "kind: AwsRdsCluster\n"
	                "metadata:\n"
	                "  name: X\n"
	                "spec: {dbSubnetGroupName: g, engine: aurora-mysql, engineVersion: v}\n";
	const char *b = "apiVersion: aws.project-planton.org/v1\n"
	                "kind: AwsRdsCluster\n"
	                "metadata:\n"
	                "  name: other\n"
	                "  id: x\n"
	                "spec: {dbSubnetGroupName: g, engine: aurora-mysql, engineVersion: v}\n";

	assert_int_equal(parse(f, a, "a.yaml"), 0);
	assert_int_equal(parse(f, b, "b.yaml"), 0);
	assert_int_equal(ag_manifest_set_check(&f->set, &f->diags), AG_EINVAL);
	assert_int_equal(f->diags.errors, 1);
	assert_string_equal(
	    first_diag(f), "b.yaml:5:3: error: cluster 'x' is also defined at a.yaml:4:3");
	assert_string_equal(f->diags.v[0].field, "metadata.id");
}

static void
test_manifest__errors_keep_the_document_out(void **state)
{
	struct fx *f = *state;

	assert_int_equal(
	    parse(f, "# only a comment\n---\n---\n" HEAD "---\n" HEAD "  port: 99999\n", "t.yaml"),
	    AG_EINVAL);
	assert_int_equal(f->set.n, 1);
	assert_int_equal(f->diags.errors, 1);
	assert_int_equal(f->set.v[0].doc_index, 1);
	assert_string_equal(
	    first_diag(f), "t.yaml:21:9: error: spec.port: 99999 is out of range (0..65535)");
}

static void
test_manifest__cross_field_rules(void **state)
{
	struct fx *f = *state;

	parse(f,
	    "apiVersion: aws.project-planton.org/v1\n"
	    "kind: AwsRdsCluster\n"
	    "metadata: {name: db1}\n"
	    "spec:\n"
	    "  subnetIds: [subnet-a]\n"
	    "  engine: aurora-mysql\n"
	    "  engineVersion: v\n"
	    "  manageMasterUserPassword: true\n"
	    "  password: secret-value-1\n"
	    "  enabledCloudwatchLogsExports: [audit, upgrade]\n",
	    "t.yaml");
	assert_true(has_diag(f, "t.yaml:5:3: error: spec.subnetIds needs at least 2 subnets, or "
	                        "set spec.dbSubnetGroupName"));
	assert_true(has_diag(f, "t.yaml:9:3: error: spec.password must be empty when "
	                        "spec.manageMasterUserPassword is true"));
	assert_true(has_diag(f, "log type 'upgrade' does not exist for aurora-mysql (valid: "
	                        "audit, error, general, slowquery, instance, iam-db-auth-error)"));
	assert_false(has_diag(f, "secret-value-1"));
}

static void
test_manifest__long_values_are_cut_at_a_character(void **state)
{
	struct fx *f = *state;
	char y[1024], key[128];
	const char *msg;

	memset(key, 'a', 79);
	memcpy(key + 79, "\xc3\xa9\xc3\xa9", 5); /* U+00E9 twice, straddling the cut */
	snprintf(y, sizeof(y), HEAD "  %s: 1\n", key);
	assert_int_equal(parse(f, y, "t.yaml"), AG_EINVAL);
	msg = f->diags.v[0].message;
	assert_non_null(strstr(msg, "aaaa..."));
	assert_null(strchr(msg, '\xc3'));
}

static void
test_manifest__instance_names_unique_across_clusters(void **state)
{
	struct fx *f = *state;

	assert_int_equal(parse(f,
	                     "apiVersion: aws.project-planton.org/v1\n"
	                     "kind: AwsRdsCluster\n"
	                     "metadata: {name: x}\n"
	                     "spec:\n"
	                     "  dbSubnetGroupName: g\n"
	                     "  engine: aurora-mysql\n"
	                     "  engineVersion: v\n"
	                     "  instances: {count: 2, instanceClass: db.r6g.large}\n"
	                     "---\n"
	                     "apiVersion: aws.project-planton.org/v1\n"
	                     "kind: AwsRdsCluster\n"
	                     "metadata: {name: y}\n"
	                     "spec:\n"
	                     "  dbSubnetGroupName: g\n"
	                     "  engine: aurora-mysql\n"
	                     "  engineVersion: v\n"
	                     "  instances:\n"
	                     "    - name: y-1\n"
	                     "    - name: x-2\n",
	                     "t.yaml"),
	    AG_EINVAL);
	/* y's instances need a class: only the set check is looked at here */
	ag_diags_release(&f->diags);
	assert_int_equal(f->set.n, 1);
	assert_int_equal(parse(f,
	                     "apiVersion: aws.project-planton.org/v1\n"
	                     "kind: AwsRdsCluster\n"
	                     "metadata: {name: y}\n"
	                     "spec:\n"
	                     "  dbSubnetGroupName: g\n"
	                     "  engine: aurora-mysql\n"
	                     "  engineVersion: v\n"
	                     "  instances:\n"
	                     "    - {name: y-1, instanceClass: db.r6g.large}\n"
	                     "    - {name: x-2, instanceClass: db.r6g.large}\n",
	                     "u.yaml"),
	    0);
	assert_int_equal(ag_manifest_set_check(&f->set, &f->diags), AG_EINVAL);
	assert_int_equal(f->diags.errors, 1);
	assert_string_equal(first_diag(f), "u.yaml:10:7: error: instance 'x-2' of cluster 'y' is "
	                                   "also defined at t.yaml:8:3 (cluster 'x')");
}

/* A manifest with n labels and the given extra metadata lines. */
static char *
labels_doc(const char *meta, size_t n, const char *first)
{
	struct ag_buf b = AG_BUF_INIT((size_t)1 << 20);
	size_t i;

	(void)ag_buf_addf(&b,
	    "apiVersion: aws.project-planton.org/v1\nkind: AwsRdsCluster\n"
	    "metadata:\n  name: db1\n%s  labels:\n",
	    meta);
	if (first != NULL)
		(void)ag_buf_addf(&b, "    %s\n", first);
	for (i = first != NULL ? 1 : 0; i < n; i++)
		(void)ag_buf_addf(&b, "    k%zu: v\n", i);
	(void)ag_buf_adds(&b, "spec:\n  subnetIds: [subnet-a, subnet-b]\n"
	                      "  engine: aurora-postgresql\n  engineVersion: \"16.1\"\n");
	return ag_buf_detach(&b, NULL);
}

/* AWS allows 50 tags on a resource. Besides the labels the agent sets
 * managed-by, its record of the keys it set, and org / env when the
 * metadata has them (and no label names them): the labels leave room. */
static void
test_manifest__label_count_reserves_org_env(void **state)
{
	struct fx *f = *state;
	char *y;

	/* 48 labels + managed-by + record = 50 */
	y = labels_doc("", 48, NULL);
	assert_int_equal(parse(f, y, "a.yaml"), 0);
	assert_int_equal(f->diags.n, 0);
	free(y);

	/* 46 labels + org + env + managed-by + record = 50 */
	y = labels_doc("  org: acme\n  env: prod\n", 46, NULL);
	assert_int_equal(parse(f, y, "b.yaml"), 0);
	assert_int_equal(f->diags.n, 0);
	free(y);

	/* 47: one too many, reported at the 47th label with the AWS rule */
	y = labels_doc("  org: acme\n  env: prod\n", 47, NULL);
	(void)parse(f, y, "c.yaml");
	assert_string_equal(first_diag(f),
	    "c.yaml:54:5: error: metadata.labels: too many labels: more than 46 (AWS: \"a "
	    "resource can have a maximum of 50 tags\"; the agent also sets 'managed-by', "
	    "'aurora-gitops/labels', 'org' (from metadata.org), 'env' (from metadata.env))");
	free(y);
	ag_diags_release(&f->diags);
	ag_diags_init(&f->diags);

	/* org after the labels counts the same */
	y = labels_doc("", 48, NULL);
	{
		char *t = ag_xasprintf("%s", y);
		char *at = strstr(t, "spec:");

		free(y);
		*at = '\0';
		y = ag_xasprintf("%s  org: acme\nspec:%s", t, at + 5);
		free(t);
	}
	(void)parse(f, y, "d.yaml");
	assert_true(has_diag(f, "d.yaml:53:5: error: metadata.labels: too many labels: more "
	                        "than 47"));
	free(y);
	ag_diags_release(&f->diags);
	ag_diags_init(&f->diags);

	/* a label named org replaces the tag: org takes no room of its own */
	y = labels_doc("  org: acme\n", 48, "org: acme-labels");
	assert_int_equal(parse(f, y, "e.yaml"), 0);
	assert_int_equal(f->diags.n, 0);
	free(y);

	/* org and env values follow the tag value rules */
	(void)parse(f,
	    "apiVersion: aws.project-planton.org/v1\nkind: AwsRdsCluster\nmetadata:\n"
	    "  name: db2\n  env: \"prod#1\"\nspec:\n  subnetIds: [subnet-a, subnet-b]\n"
	    "  engine: aurora-postgresql\n  engineVersion: \"16.1\"\n",
	    "f.yaml");
	assert_true(has_diag(f, "f.yaml:5:8: error: metadata.env: invalid tag value 'prod#1'"));
	assert_true(has_diag(f, "(it becomes the AWS tag 'env')"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_manifest__docs_example_validates, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_manifest__unknown_field_position_and_suggestion, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_manifest__field_positions_any_order, setup, teardown),
	    cmocka_unit_test(test_manifest__set_fields_merges),
	    cmocka_unit_test_setup_teardown(
	        test_manifest__optional_blocks_absent_and_written, setup, teardown),
	    cmocka_unit_test(test_manifest__suggest),
	    cmocka_unit_test_setup_teardown(test_manifest__value_from_recorded, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_manifest__type_errors_are_named, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_manifest__null_and_bool_spellings, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_manifest__keys_and_item_paths, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_manifest__unquoted_numbers_keep_source_text, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_manifest__value_or_ref_forms, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_manifest__sealed_password_verbatim, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_manifest__aliases_are_bounded, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_manifest__aliases_within_bounds_work, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_manifest__size_and_depth_bounds, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_manifest__buffer_need_not_be_terminated, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_manifest__duplicate_keys, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_manifest__count_instances_expand, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_manifest__count_overrides, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_manifest__count_overrides_errors, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_manifest__serverless_instances_default_class, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_manifest__annotations, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_manifest__reader_reuse, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_manifest__rfc3339_bounds, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_manifest__windows_and_defaults, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_manifest__duplicate_cluster_ids, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_manifest__errors_keep_the_document_out, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_manifest__cross_field_rules, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_manifest__long_values_are_cut_at_a_character, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_manifest__instance_names_unique_across_clusters, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_manifest__label_count_reserves_org_env, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
