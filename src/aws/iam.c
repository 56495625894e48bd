/* IAM operations: the Enhanced Monitoring role. */
#include "aws/iam.h"
#include "core/insights.h"
#include "core/log.h"
#include "core/mem.h"

#include <stdlib.h>
#include <string.h>

#include "core/compat.h"

#define TRUST_POLICY                                                                               \
	"{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":"          \
	"{\"Service\":\"monitoring.rds.amazonaws.com\"},\"Action\":\"sts:AssumeRole\"}]}"

static int
call1(struct ag_aws_client *c, const char *action, const char *name, const char *k2, const char *v2,
    struct ag_aws_response *r, struct ag_error *err)
{
	struct ag_kvlist p = AG_KVLIST_INIT;
	int rc;

	ag_kvlist_add(&p, "RoleName", name);
	if (k2 != NULL)
		ag_kvlist_add(&p, k2, v2);
	rc = ag_aws_call(c, AG_AWS_IAM, action, &p, r, err);
	ag_kvlist_release(&p);
	return rc;
}

/* Whether the managed policy is attached to role name (one page: a role
 * holds at most 20 managed policies, the default page is 100). */
static int
has_policy(struct ag_aws_client *c, const char *name, bool *out, struct ag_error *err)
{
	struct ag_aws_response r;
	const struct ag_xml_node *l;
	size_t i;
	int rc;

	*out = false;
	if ((rc = call1(c, "ListAttachedRolePolicies", name, NULL, NULL, &r, err)) != 0)
		return rc;
	l = ag_xml_child(r.result, "AttachedPolicies");
	if (l == NULL) {
		ag_aws_response_release(&r);
		return ag_error_set(err, AG_EAWS,
		    "iam ListAttachedRolePolicies: the reply for role '%s' has no AttachedPolicies",
		    name);
	}
	for (i = 0; i < l->n_kids; i++) {
		const char *arn = ag_xml_text(l->kids[i], "PolicyArn");

		if (arn != NULL && strcmp(arn, AG_MONITORING_POLICY_ARN) == 0)
			*out = true;
	}
	ag_aws_response_release(&r);
	return 0;
}

static int
attach(struct ag_aws_client *c, const char *name, struct ag_error *err)
{
	struct ag_aws_response r;
	int rc = call1(c, "AttachRolePolicy", name, "PolicyArn", AG_MONITORING_POLICY_ARN, &r, err);

	if (rc == 0)
		ag_aws_response_release(&r);
	return rc;
}

/* The role exists: its ARN, and the policy checked (or attached when the
 * agent made the role). */
static int
existing(struct ag_aws_client *c, const char *name, const struct ag_aws_response *get, char **arn,
    struct ag_error *err)
{
	const struct ag_xml_node *role = ag_xml_child(get->result, "Role");
	const char *desc = ag_xml_text(role, "Description");
	bool ok = false;
	int rc;

	if (role == NULL || ag_xml_text(role, "Arn") == NULL)
		return ag_error_set(
		    err, AG_EAWS, "iam GetRole: the reply for role '%s' has no Role/Arn", name);
	if ((rc = has_policy(c, name, &ok, err)) != 0)
		return rc;
	if (!ok) {
		if (desc == NULL || strcmp(desc, AG_IAM_ROLE_DESCRIPTION) != 0)
			return ag_error_set(err, AG_ECONFLICT,
			    "monitoring role '%s' exists but does not have the policy "
			    "AmazonRDSEnhancedMonitoringRole attached, and aurora-gitops did not "
			    "make "
			    "it: attach the policy, or set spec.monitoring.roleArn or roleName to "
			    "another role",
			    name);
		if ((rc = attach(c, name, err)) != 0)
			return rc;
	}
	*arn = ag_xstrdup(ag_xml_text(role, "Arn"));
	return 0;
}

int
ag_iam_ensure_monitoring_role(
    struct ag_aws_client *c, const char *name, char **arn, bool *created, struct ag_error *err)
{
	struct ag_kvlist p = AG_KVLIST_INIT;
	struct ag_aws_response r;
	const char *got;
	int rc;

	*arn = NULL;
	*created = false;
	rc = call1(c, "GetRole", name, NULL, NULL, &r, err);
	if (rc == 0) {
		rc = existing(c, name, &r, arn, err);
		ag_aws_response_release(&r);
		return rc;
	}
	if (rc != AG_ENOTFOUND)
		return rc;
	ag_error_clear(err);
	ag_kvlist_add(&p, "RoleName", name);
	ag_kvlist_add(&p, "AssumeRolePolicyDocument", TRUST_POLICY);
	ag_kvlist_add(&p, "Description", AG_IAM_ROLE_DESCRIPTION);
	ag_kvlist_add(&p, "Tags.member.1.Key", "managed-by");
	ag_kvlist_add(&p, "Tags.member.1.Value", "aurora-gitops");
	rc = ag_aws_call(c, AG_AWS_IAM, "CreateRole", &p, &r, err);
	ag_kvlist_release(&p);
	if (rc != 0) {
		const struct ag_aws_error_info *ei = ag_aws_client_last_error(c);

		if (ei == NULL || ei->code == NULL || strcmp(ei->code, "EntityAlreadyExists") != 0)
			return rc;
		/* made meanwhile (another agent): take it as it is */
		ag_error_clear(err);
		if ((rc = call1(c, "GetRole", name, NULL, NULL, &r, err)) != 0)
			return rc;
		rc = existing(c, name, &r, arn, err);
		ag_aws_response_release(&r);
		return rc;
	}
	got = ag_xml_text(ag_xml_child(r.result, "Role"), "Arn");
	if (got == NULL) {
		ag_aws_response_release(&r);
		return ag_error_set(
		    err, AG_EAWS, "iam CreateRole: the reply for role '%s' has no Role/Arn", name);
	}
	*arn = ag_xstrdup(got);
	ag_aws_response_release(&r);
	if ((rc = attach(c, name, err)) != 0) {
		free(*arn);
		*arn = NULL;
		return rc;
	}
	*created = true;
	ag_log_info("made the Enhanced Monitoring role '%s'", name);
	return 0;
}
