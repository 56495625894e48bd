#ifndef AG_AWS_STS_H
#define AG_AWS_STS_H

#include "aws/client.h"

/* STS (API 2011-06-15). */

struct ag_sts_identity {
	char *account;
	char *arn;
	char *user_id;
};
void ag_sts_identity_release(struct ag_sts_identity *id);

int ag_sts_get_caller_identity(
    struct ag_aws_client *c, struct ag_sts_identity *out, struct ag_error *err);

/* Decodes <Credentials> (AssumeRole*, GetSessionToken) into out (source left NULL). */
int ag_sts_decode_credentials(
    struct ag_aws_creds *out, const struct ag_xml_node *result, struct ag_error *err);

/* AssumeRole signed with source (not the client's chain). out->source is set by the caller. */
int ag_sts_assume_role(struct ag_aws_client *c, const struct ag_aws_creds *source,
    const char *role_arn, const char *session_name, const char *external_id,
    struct ag_aws_creds *out, struct ag_error *err);
/* AssumeRoleWithWebIdentity (unsigned request). */
int ag_sts_assume_role_with_web_identity(struct ag_aws_client *c, const char *role_arn,
    const char *session_name, const char *token, struct ag_aws_creds *out, struct ag_error *err);

#endif
