#ifndef AG_CORE_REF_H
#define AG_CORE_REF_H

#include <stdbool.h>
#include <stddef.h>

#include "core/manifest.h"

/*
 * References to other resources: a field written as
 *
 *     kmsKeyId:
 *       valueFrom: {kind: AwsKmsKey, name: orders-key, fieldPath: status.outputs.key_arn}
 *
 * The loader records each one (struct ag_ref in the manifest) and puts a
 * placeholder ("{{ref:AwsKmsKey/orders-key}}") in the field, so counts and
 * presence hold; the cycle resolves every reference of the fleet against
 * AWS with one lookup per kind and writes the value in place of the
 * placeholder. A cluster with a reference that is not resolved is planned
 * as an error and never touched: a placeholder never reaches AWS.
 *
 * Kinds and what they resolve to:
 *   AwsVpc            the VpcId of the one VPC whose Name tag is `name`
 *   AwsSubnet         the SubnetId of the one subnet whose Name tag is `name`
 *   AwsSecurityGroup  the GroupId of the one security group whose Name tag is `name`
 *   AwsKmsKey         the key ARN (or key id, fieldPath status.outputs.key_id) of
 *                     the alias `name` ("alias/x" or "x") or of the key id `name`
 *   AwsRdsCluster     the DBClusterArn of the cluster whose identifier is `name`
 */

#define AG_REF_PREFIX "{{ref:"

/* True when s is a reference placeholder (the field is not resolved). */
bool ag_ref_is_placeholder(const char *s);

/* The placeholder for kind/name (malloc'd). */
char *ag_ref_placeholder(const char *kind, const char *name);

/*
 * Checks a reference as written against the field it is in: the kinds the
 * field accepts (kinds, '|'-separated, NULL = none) and the field paths the
 * kind has. NULL when fine, else why not (into why, n bytes).
 */
const char *ag_ref_check(
    char *why, size_t n, const char *kinds, const char *kind, const char *field_path);

/* The field path a reference reads ("status.outputs.vpc_id" when written without one). */
const char *ag_ref_field_path(const struct ag_ref *r);

/* Kind of AwsKmsKey name: alias ("alias/x", or a bare name taken as an
 * alias), key id (a UUID or "mrk-" + 32 hex digits), key ARN. */
enum ag_kms_ref { AG_KMS_REF_ALIAS, AG_KMS_REF_KEY_ID, AG_KMS_REF_KEY_ARN };
enum ag_kms_ref ag_ref_kms_form(const char *name);
/* The alias name to look up for name: "alias/x" as is, else "alias/" + name (malloc'd). */
char *ag_ref_kms_alias(const char *name);

/* One resource a lookup found: the name it was found by and the value the
 * reference takes (an id or an ARN). */
struct ag_ref_candidate {
	const char *name;
	const char *id;    /* shown when a name matches several */
	const char *value; /* what the reference resolves to */
};

/*
 * Resolves r against what a lookup found: exactly one candidate named
 * r->name sets r->value; none or several set r->error (naming the lookup,
 * e.g. "ec2 DescribeVpcs tag:Name='x'", and the ids found).
 */
void ag_ref_match(struct ag_ref *r, const char *lookup, const struct ag_ref_candidate *v, size_t n);

/* Marks r as unresolved with a message (printf-style). */
void ag_ref_fail(struct ag_ref *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/*
 * Writes every resolved reference of m into its field (replacing the
 * placeholder) and checks the resolved values (a list that now names the
 * same thing twice is an error of that reference). Returns the number of
 * references still unresolved or failed.
 */
size_t ag_manifest_apply_refs(struct ag_manifest *m);

/*
 * Why m cannot be planned because of its references: NULL when every
 * reference is resolved, else a malloc'd message naming each failed one
 * with file:line:col, the field, the reference and the lookup tried.
 */
char *ag_manifest_ref_problem(const struct ag_manifest *m);

void ag_ref_release(struct ag_ref *r);

#endif
