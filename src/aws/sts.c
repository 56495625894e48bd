#include "aws/sts.h"
#include "aws/internal.h"
#include "core/mem.h"

#include <stdlib.h>
#include <string.h>

#include "core/compat.h"

void
ag_sts_identity_release(struct ag_sts_identity *id)
{
	if (!id)
		return;
	free(id->account);
	free(id->arn);
	free(id->user_id);
	memset(id, 0, sizeof(*id));
}

int
ag_sts_get_caller_identity(
    struct ag_aws_client *c, struct ag_sts_identity *out, struct ag_error *err)
{
	struct ag_aws_response r;
	int ret;

	memset(out, 0, sizeof(*out));
	if ((ret = ag_sts_call(c, "GetCallerIdentity", NULL, &r, err)) != 0)
		return ret;
	out->account = ag_xml_dup(r.result, "Account");
	out->arn = ag_xml_dup(r.result, "Arn");
	out->user_id = ag_xml_dup(r.result, "UserId");
	ag_aws_response_release(&r);
	return AG_OK;
}

int
ag_sts_decode_credentials(
    struct ag_aws_creds *out, const struct ag_xml_node *result, struct ag_error *err)
{
	const struct ag_xml_node *cr = ag_xml_child(result, "Credentials");
	const char *exp;

	memset(out, 0, sizeof(*out));
	if (!cr || !ag_xml_text(cr, "AccessKeyId") || !ag_xml_text(cr, "SecretAccessKey"))
		return ag_error_set(err, AG_EAWS, "STS reply holds no Credentials element");
	out->access_key_id = ag_xml_dup(cr, "AccessKeyId");
	out->secret_access_key = ag_xml_dup(cr, "SecretAccessKey");
	out->session_token = ag_xml_dup(cr, "SessionToken");
	exp = ag_xml_text(cr, "Expiration");
	if (exp && ag_aws_parse_time(exp, &out->expires_ms) != 0) {
		ag_aws_creds_release(out);
		return ag_error_set(err, AG_EAWS, "STS reply: invalid Expiration '%s'", exp);
	}
	return AG_OK;
}

int
ag_sts_assume_role(struct ag_aws_client *c, const struct ag_aws_creds *source, const char *role_arn,
    const char *session_name, const char *external_id, struct ag_aws_creds *out,
    struct ag_error *err)
{
	struct ag_kvlist p = AG_KVLIST_INIT;
	struct ag_aws_response r;
	int ret;

	memset(out, 0, sizeof(*out));
	ag_kvlist_add(&p, "RoleArn", role_arn);
	ag_kvlist_add(&p, "RoleSessionName", session_name);
	if (external_id)
		ag_kvlist_add(&p, "ExternalId", external_id);
	ret = ag_aws_call_with(c, AG_AWS_STS, "AssumeRole", &p, source, &r, err);
	ag_kvlist_release(&p);
	if (ret != 0)
		return ret;
	ret = ag_sts_decode_credentials(out, r.result, err);
	ag_aws_response_release(&r);
	return ret;
}

int
ag_sts_assume_role_with_web_identity(struct ag_aws_client *c, const char *role_arn,
    const char *session_name, const char *token, struct ag_aws_creds *out, struct ag_error *err)
{
	struct ag_kvlist p = AG_KVLIST_INIT;
	struct ag_aws_response r;
	int ret;

	memset(out, 0, sizeof(*out));
	ag_kvlist_add(&p, "RoleArn", role_arn);
	ag_kvlist_add(&p, "RoleSessionName", session_name);
	ag_kvlist_add(&p, "WebIdentityToken", token);
	ret = ag_aws_call_with(c, AG_AWS_STS, "AssumeRoleWithWebIdentity", &p, NULL, &r, err);
	explicit_bzero(p.v[2].value, strlen(p.v[2].value));
	ag_kvlist_release(&p);
	if (ret != 0)
		return ret;
	ret = ag_sts_decode_credentials(out, r.result, err);
	ag_aws_response_release(&r);
	return ret;
}
