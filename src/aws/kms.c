#include "aws/kms.h"
#include "core/mem.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "core/compat.h"

#define MAX_PAGES 1000

static const char *
jstr(const json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

int
ag_kms_key_of_alias(struct ag_aws_client *c, const char *alias, char **key_id, struct ag_error *err)
{
	json_t *req = json_pack("{s:s}", "KeyId", alias), *r = NULL;
	const char *id;
	int rc;

	*key_id = NULL;
	rc = ag_aws_json_call(c, AG_AWS_KMS, "DescribeKey", req, &r, err);
	json_decref(req);
	if (rc != 0)
		return rc;
	id = jstr(json_object_get(r, "KeyMetadata"), "KeyId");
	if (id == NULL || id[0] == '\0')
		rc = ag_error_set(
		    err, AG_EAWS, "kms DescribeKey '%s': the reply holds no KeyId", alias);
	else
		*key_id = ag_xstrdup(id);
	json_decref(r);
	return rc;
}

static int
read_key(struct ag_aws_client *c, struct ag_observed_kms_key *k, struct ag_error *err)
{
	json_t *req = json_pack("{s:s}", "KeyId", k->key_id), *r = NULL, *md, *rot;
	int rc;

	rc = ag_aws_json_call(c, AG_AWS_KMS, "DescribeKey", req, &r, err);
	if (rc == 0) {
		md = json_object_get(r, "KeyMetadata");
		if (jstr(md, "Arn") == NULL || jstr(md, "KeyState") == NULL)
			rc = ag_error_set(err, AG_EAWS,
			    "kms DescribeKey '%s' (%s): the reply holds no Arn or KeyState",
			    k->key_id, k->alias);
		else {
			k->arn = ag_xstrdup(jstr(md, "Arn"));
			k->state = ag_xstrdup(jstr(md, "KeyState"));
		}
	}
	json_decref(r);
	r = NULL;
	/* rotation cannot be read on a key pending deletion or disabled */
	if (rc == 0 && strcmp(k->state, "Enabled") == 0) {
		rc = ag_aws_json_call(c, AG_AWS_KMS, "GetKeyRotationStatus", req, &r, err);
		if (rc == 0) {
			rot = json_object_get(r, "KeyRotationEnabled");
			if (!json_is_boolean(rot))
				rc = ag_error_set(err, AG_EAWS,
				    "kms GetKeyRotationStatus '%s': the reply holds no "
				    "KeyRotationEnabled",
				    k->key_id);
			else
				k->rotation = json_is_true(rot) ? 1 : 0;
		}
		json_decref(r);
	}
	json_decref(req);
	return rc;
}

int
ag_kms_read_keys(struct ag_aws_client *c, const struct ag_strlist *aliases, struct ag_observed *o,
    struct ag_error *err)
{
	char *marker = NULL;
	size_t pages, i, first = o->n_kms_keys;
	int rc = 0;

	if (aliases->n == 0)
		return 0;
	for (pages = 0; pages < MAX_PAGES; pages++) {
		json_t *req = json_pack("{s:i}", "Limit", 100), *r = NULL, *list, *it;
		size_t j;

		if (marker != NULL)
			json_object_set_new(req, "Marker", json_string(marker));
		rc = ag_aws_json_call(c, AG_AWS_KMS, "ListAliases", req, &r, err);
		json_decref(req);
		if (rc != 0)
			break;
		list = json_object_get(r, "Aliases");
		if (!json_is_array(list)) {
			json_decref(r);
			rc = ag_error_set(
			    err, AG_EAWS, "kms ListAliases: the reply holds no Aliases");
			break;
		}
		json_array_foreach(list, j, it)
		{
			const char *name = jstr(it, "AliasName"), *target = jstr(it, "TargetKeyId");
			struct ag_observed_kms_key *k;

			if (name == NULL || target == NULL || !ag_strlist_contains(aliases, name) ||
			    ag_observed_find_kms_key(o, name) != NULL)
				continue;
			k = ag_observed_add_kms_key(o);
			k->alias = ag_xstrdup(name);
			k->key_id = ag_xstrdup(target);
		}
		free(marker);
		marker = NULL;
		if (json_is_true(json_object_get(r, "Truncated")) && jstr(r, "NextMarker") != NULL)
			marker = ag_xstrdup(jstr(r, "NextMarker"));
		json_decref(r);
		if (marker == NULL)
			break;
	}
	if (rc == 0 && marker != NULL)
		rc = ag_error_set(err, AG_EAWS, "kms ListAliases: more than %d pages", MAX_PAGES);
	free(marker);
	for (i = first; rc == 0 && i < o->n_kms_keys; i++)
		rc = read_key(c, &o->kms_keys[i], err);
	if (rc == 0)
		o->kms_loaded = true;
	return rc;
}

/* One paginated listing (ListKeys, ListAliases): calls each() for every
 * item of list_member of every page. */
static int
list_all(struct ag_aws_client *c, const char *action, const char *list_member,
    int (*each)(void *, const json_t *, struct ag_error *), void *ctx, struct ag_error *err)
{
	char *marker = NULL;
	size_t pages;
	int rc = 0;

	for (pages = 0; pages < MAX_PAGES; pages++) {
		json_t *req = json_pack("{s:i}", "Limit", 100), *r = NULL, *list, *it;
		size_t j;

		if (marker != NULL)
			json_object_set_new(req, "Marker", json_string(marker));
		rc = ag_aws_json_call(c, AG_AWS_KMS, action, req, &r, err);
		json_decref(req);
		if (rc != 0)
			break;
		list = json_object_get(r, list_member);
		if (!json_is_array(list)) {
			json_decref(r);
			rc = ag_error_set(
			    err, AG_EAWS, "kms %s: the reply holds no %s", action, list_member);
			break;
		}
		json_array_foreach(list, j, it)
		{
			if ((rc = each(ctx, it, err)) != 0)
				break;
		}
		free(marker);
		marker = NULL;
		if (rc == 0 && json_is_true(json_object_get(r, "Truncated"))) {
			if (jstr(r, "NextMarker") == NULL)
				rc = ag_error_set(err, AG_EAWS,
				    "kms %s: the reply is truncated but holds no NextMarker",
				    action);
			else
				marker = ag_xstrdup(jstr(r, "NextMarker"));
		}
		json_decref(r);
		if (rc != 0 || marker == NULL)
			break;
	}
	if (rc == 0 && marker != NULL)
		rc = ag_error_set(err, AG_EAWS, "kms %s: more than %d pages", action, MAX_PAGES);
	free(marker);
	return rc;
}

static int
each_key(void *ctx, const json_t *it, struct ag_error *err)
{
	const char *id = jstr(it, "KeyId"), *arn = jstr(it, "KeyArn");

	if (id == NULL || arn == NULL)
		return ag_error_set(err, AG_EAWS, "kms ListKeys: a key without KeyId or KeyArn");
	ag_kvlist_add(ctx, id, arn);
	return 0;
}

int
ag_kms_list_keys(struct ag_aws_client *c, struct ag_kvlist *out, struct ag_error *err)
{
	return list_all(c, "ListKeys", "Keys", each_key, out, err);
}

static int
each_alias(void *ctx, const json_t *it, struct ag_error *err)
{
	const char *name = jstr(it, "AliasName"), *target = jstr(it, "TargetKeyId");

	if (name == NULL)
		return ag_error_set(err, AG_EAWS, "kms ListAliases: an alias without AliasName");
	/* an alias AWS reserved but did not create yet has no key */
	if (target != NULL)
		ag_kvlist_add(ctx, name, target);
	return 0;
}

int
ag_kms_list_aliases(struct ag_aws_client *c, struct ag_kvlist *out, struct ag_error *err)
{
	return list_all(c, "ListAliases", "Aliases", each_alias, out, err);
}

/* Whether the key's tags name it as the agent's key of cluster_id. */
static int
tagged_for(struct ag_aws_client *c, const char *key_id, const char *cluster_id, bool *mine,
    struct ag_error *err)
{
	json_t *req = json_pack("{s:s,s:i}", "KeyId", key_id, "Limit", 50), *r = NULL, *tags, *t;
	bool managed = false, cluster = false;
	size_t i;
	int rc;

	*mine = false;
	rc = ag_aws_json_call(c, AG_AWS_KMS, "ListResourceTags", req, &r, err);
	json_decref(req);
	if (rc != 0)
		return rc;
	tags = json_object_get(r, "Tags");
	json_array_foreach(tags, i, t)
	{
		const char *k = jstr(t, "TagKey"), *v = jstr(t, "TagValue");

		if (k == NULL || v == NULL)
			continue;
		if (strcmp(k, "managed-by") == 0 && strcmp(v, "aurora-gitops") == 0)
			managed = true;
		if (strcmp(k, "aurora-gitops/cluster") == 0 && strcmp(v, cluster_id) == 0)
			cluster = true;
	}
	*mine = managed && cluster;
	json_decref(r);
	return 0;
}

int
ag_kms_find_cluster_key(
    struct ag_aws_client *c, const char *cluster_id, char **key_id, struct ag_error *err)
{
	char *marker = NULL;
	size_t pages, j;
	int rc = 0;

	*key_id = NULL;
	for (pages = 0; pages < MAX_PAGES && *key_id == NULL; pages++) {
		json_t *req = json_pack("{s:i}", "Limit", 1000), *r = NULL, *list, *it;

		if (marker != NULL)
			json_object_set_new(req, "Marker", json_string(marker));
		rc = ag_aws_json_call(c, AG_AWS_KMS, "ListKeys", req, &r, err);
		json_decref(req);
		if (rc != 0)
			break;
		list = json_object_get(r, "Keys");
		if (!json_is_array(list)) {
			json_decref(r);
			rc = ag_error_set(err, AG_EAWS, "kms ListKeys: the reply holds no Keys");
			break;
		}
		json_array_foreach(list, j, it)
		{
			struct ag_observed_kms_key k;
			struct ag_error e2 = AG_ERROR_INIT;
			bool mine = false;
			const char *id = jstr(it, "KeyId");

			if (id == NULL || tagged_for(c, id, cluster_id, &mine, &e2) != 0 || !mine)
				continue; /* tags not readable: not provably ours */
			memset(&k, 0, sizeof(k));
			k.rotation = -1;
			k.key_id = ag_xstrdup(id);
			k.alias = ag_xstrdup(cluster_id);
			if (read_key(c, &k, &e2) == 0 && strcmp(k.state, "PendingDeletion") != 0 &&
			    strcmp(k.state, "PendingImport") != 0)
				*key_id = ag_xstrdup(id);
			free(k.key_id);
			free(k.alias);
			free(k.arn);
			free(k.state);
			if (*key_id != NULL)
				break;
		}
		free(marker);
		marker = NULL;
		if (json_is_true(json_object_get(r, "Truncated")) && jstr(r, "NextMarker") != NULL)
			marker = ag_xstrdup(jstr(r, "NextMarker"));
		json_decref(r);
		if (marker == NULL)
			break;
	}
	free(marker);
	if (rc == 0 && *key_id == NULL)
		rc = ag_error_set(err, AG_ENOTFOUND, "no key tagged for cluster '%s'", cluster_id);
	return rc;
}
