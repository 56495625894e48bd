#ifndef AG_AWS_KMS_H
#define AG_AWS_KMS_H

#include "aws/client.h"
#include "core/kv.h"
#include "core/observed.h"

/*
 * KMS (JSON 1.1, X-Amz-Target TrentService.*): the keys manifests name
 * by alias. One paginated ListAliases for all of them, then per key that
 * exists DescribeKey (ARN, state) and GetKeyRotationStatus. Fills
 * o->kms_keys and sets o->kms_loaded; an alias with no key is simply not
 * added. A reply without the expected members is an error, never "no key".
 */
int ag_kms_read_keys(struct ag_aws_client *c, const struct ag_strlist *aliases,
    struct ag_observed *o, struct ag_error *err);

/* DescribeKey of an alias: its KeyId (malloc'd) in *key_id, or AG_ENOTFOUND. */
int ag_kms_key_of_alias(
    struct ag_aws_client *c, const char *alias, char **key_id, struct ag_error *err);

/* Every key of the account and region (paginated ListKeys): key id -> key
 * ARN appended to out. A key without KeyId or KeyArn is an error. */
int ag_kms_list_keys(struct ag_aws_client *c, struct ag_kvlist *out, struct ag_error *err);
/* Every alias (paginated ListAliases): alias name -> target key id appended
 * to out; an alias with no key yet is left out. */
int ag_kms_list_aliases(struct ag_aws_client *c, struct ag_kvlist *out, struct ag_error *err);
/*
 * A key the agent made for a cluster that carries no alias: an earlier
 * run's CreateKey went through but its CreateAlias did not (a crash, a
 * lost connection). Pages ListKeys and reads each key's tags
 * (ListResourceTags; a key whose tags cannot be read is skipped): the
 * first key tagged managed-by=aurora-gitops and aurora-gitops/cluster=
 * cluster_id, not pending deletion, goes to *key_id (malloc'd), else
 * AG_ENOTFOUND. Used only before a CreateKey, so the fleet's cycles never
 * pay for it.
 */
int ag_kms_find_cluster_key(
    struct ag_aws_client *c, const char *cluster_id, char **key_id, struct ag_error *err);

#endif
