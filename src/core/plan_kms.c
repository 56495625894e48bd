/*
 * spec.kmsKey: a customer managed key made for the cluster, found by its
 * alias on every later cycle (so a second key is never made), rotation
 * kept as written, and never scheduled for deletion: snapshots and
 * backups encrypted with it outlive the cluster.
 */
#include "core/mem.h"
#include "core/plan_int.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/compat.h"

#define KEY_PATH "spec.kmsKey"

/* Does a KmsKeyId as RDS reports it (an ARN, usually) name this key? */
static bool
same_key(const char *live, const struct ag_observed_kms_key *k)
{
	size_t n, kn;

	if (live == NULL || live[0] == '\0')
		return false;
	if ((k->arn != NULL && strcmp(live, k->arn) == 0) ||
	    (k->key_id != NULL && strcmp(live, k->key_id) == 0) ||
	    (k->alias != NULL && strcmp(live, k->alias) == 0))
		return true;
	/* arn:aws:kms:REGION:ACCOUNT:key/KEYID */
	if (k->key_id == NULL)
		return false;
	n = strlen(live);
	kn = strlen(k->key_id);
	return n > kn + 4 && strcmp(live + n - kn, k->key_id) == 0 &&
	       strncmp(live + n - kn - 4, "key/", 4) == 0;
}

/* A blocked kmsKey change. On a create, the cluster must not be made
 * without its key, so the whole cluster is held (plan_mode clears its
 * actions); on a live cluster plan_manifest holds it the same way. */
static void
blocked(struct ag_cluster_plan *cp, const struct ag_db_cluster *live, const char *want,
    const char *have, const char *note)
{
	ag_plan_change_add(cp, AG_F_KMS_KEY, "kmsKey", KEY_PATH, want, have, AG_CLASS_BLOCKED,
	    AG_CHANGE_BLOCKED, note);
	if (live == NULL) {
		cp->status = AG_STATUS_BLOCKED;
		free(cp->reason);
		cp->reason = ag_xasprintf("blocked: spec.kmsKey: %s", note);
	}
}

static void
rotation_action(struct ag_cluster_plan *cp, const char *key_id, bool on)
{
	struct ag_action *a = ag_plan_action_add(
	    cp, AG_ACT_KMS_SET_ROTATION, key_id, AG_CLASS_IN_PLACE, AG_WAIT_NONE);

	a->action = on ? "EnableKeyRotation" : "DisableKeyRotation";
	ag_plan_json_str(a, "KeyId", key_id);
}

static void
create_key(struct ag_cluster_plan *cp, const struct ag_manifest *m)
{
	const struct ag_kms_key_spec *k = ag_spec_kms_key(&m->spec);
	char *ph = ag_xasprintf(AG_PLACEHOLDER_KMS_FMT, cp->id);
	char *desc = ag_xasprintf("Aurora cluster %s (aurora-gitops)", cp->id);
	struct ag_action *a;
	json_t *tags = json_array();

	a = ag_plan_action_add(
	    cp, AG_ACT_KMS_CREATE_KEY, k->alias, AG_CLASS_IN_PLACE, AG_WAIT_NONE);
	ag_plan_json_str(a, "Description", desc);
	ag_plan_json_str(a, "KeySpec", "SYMMETRIC_DEFAULT");
	ag_plan_json_str(a, "KeyUsage", "ENCRYPT_DECRYPT");
	json_array_append_new(tags,
	    json_pack("{s:s,s:s}", "TagKey", AG_MANAGED_TAG_KEY, "TagValue", AG_MANAGED_TAG_VALUE));
	json_array_append_new(
	    tags, json_pack("{s:s,s:s}", "TagKey", "aurora-gitops/cluster", "TagValue", cp->id));
	ag_plan_json_value(a, "Tags", tags);

	a = ag_plan_action_add(
	    cp, AG_ACT_KMS_CREATE_ALIAS, k->alias, AG_CLASS_IN_PLACE, AG_WAIT_NONE);
	ag_plan_json_str(a, "AliasName", k->alias);
	ag_plan_json_str(a, "TargetKeyId", ph);
	if (k->rotation)
		rotation_action(cp, ph, true);
	free(ph);
	free(desc);
}

void
ag_plan_kms(struct ag_cluster_plan *cp, const struct ag_plan_input *in, const struct ag_manifest *m,
    const struct ag_db_cluster *live)
{
	const struct ag_kms_key_spec *k = ag_spec_kms_key(&m->spec);
	const struct ag_observed_kms_key *key;
	struct ag_change *c;
	char *want, *have = NULL, *note;

	if (!ag_manifest_has(m, AG_F_KMS_KEY) || k->alias == NULL)
		return;
	want = ag_kms_key_text(k);
	if (!in->observed->kms_loaded) {
		blocked(cp, live, want, "(not read)",
		    "the KMS aliases were not read, so the key cannot be checked; nothing is "
		    "made without that check");
		goto out;
	}
	key = ag_observed_find_kms_key(in->observed, k->alias);
	if (key == NULL) {
		if (live != NULL) {
			note = ag_xasprintf(
			    "no key has the alias '%s', and a cluster's key cannot change in "
			    "place (it is encrypted with %s): create the alias for the cluster's "
			    "key, or restore a snapshot copy with the new key under a new "
			    "identifier",
			    k->alias,
			    live->kms_key_id != NULL ? live->kms_key_id : "no customer key");
			ag_plan_change_add(cp, AG_F_KMS_KEY, "kmsKey", KEY_PATH, want, NULL,
			    AG_CLASS_BLOCKED, AG_CHANGE_BLOCKED, note);
			free(note);
			goto out;
		}
		ag_plan_change_add(cp, AG_F_KMS_KEY, "kmsKey", KEY_PATH, want, NULL,
		    AG_CLASS_IN_PLACE, AG_CHANGE_SEND,
		    "new customer managed key; it is kept (never scheduled for deletion) when "
		    "the cluster is deleted");
		create_key(cp, m);
		goto out;
	}
	have = ag_xasprintf("%s,rotation=%s", k->alias,
	    key->rotation < 0 ? "unknown"
	    : key->rotation   ? "on"
	                      : "off");
	if (key->state != NULL && strcmp(key->state, "Enabled") != 0) {
		note = ag_xasprintf("key %s (%s) is %s: %s", key->key_id ? key->key_id : "?",
		    k->alias, key->state,
		    strcmp(key->state, "PendingDeletion") == 0
		        ? "cancel the deletion (kms cancel-key-deletion) and enable it; the "
		          "agent never re-enables a key by itself"
		        : "enable it (kms enable-key); the agent never re-enables a key by "
		          "itself");
		blocked(cp, live, want, have, note);
		free(note);
		goto out;
	}
	if (live != NULL && live->storage_encrypted && !same_key(live->kms_key_id, key)) {
		note = ag_xasprintf("the cluster is encrypted with %s, not with %s (%s); a "
		                    "cluster's key cannot change in place",
		    live->kms_key_id != NULL ? live->kms_key_id : "the AWS managed key", k->alias,
		    key->arn != NULL ? key->arn : "?");
		ag_plan_change_add(cp, AG_F_KMS_KEY, "kmsKey", KEY_PATH, want, have,
		    AG_CLASS_BLOCKED, AG_CHANGE_BLOCKED, note);
		free(note);
		goto out;
	}
	if (key->rotation >= 0 && (key->rotation == 1) != k->rotation) {
		c = ag_plan_change_add(cp, AG_F_KMS_KEY, "kmsKey.rotation", KEY_PATH ".rotation",
		    k->rotation ? "true" : "false", key->rotation ? "true" : "false",
		    AG_CLASS_IN_PLACE, AG_CHANGE_SEND, NULL);
		if (!k->rotation &&
		    ag_plan_mark_weakening(c, in->forbid_weakening || m->forbid_weakening))
			goto out; /* blocked: the cluster is held with the reason */
		rotation_action(cp, key->key_id != NULL ? key->key_id : k->alias, k->rotation);
	}
out:
	free(want);
	free(have);
}
