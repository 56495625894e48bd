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
