/*
 * aurora-gitops doctor: checks what the agent needs from AWS and says
 * which check failed and why. Prints the resolved region, the RDS
 * endpoint, the credential source (the access key id masked, never the
 * secret), the caller identity, and whether DescribeDBClusters is allowed.
 */
#include "cli/cli.h"
#include "aws/client.h"
#include "aws/sts.h"
#include "core/mem.h"
#include "sys/sysclock.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/compat.h"

static int failed;

static void row(const char *name, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
row(const char *name, const char *fmt, ...)
{
	va_list ap;

	printf("%-14s", name);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
}

static void
fail_row(const char *name, const char *why)
{
	failed++;
	row(name, "FAILED: %s", why);
}

int
cmd_doctor(int argc, char **argv)
{
	struct ag_aws_config cfg;
	struct ag_aws_client *c = NULL;
	struct ag_error err = AG_ERROR_INIT;
	const struct ag_aws_creds *creds = NULL;
	char *endpoint = NULL;
	int i, have_creds = 0;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "-v") == 0)
			ag_cli_log_setup(0, 1);
		else if (strcmp(argv[i], "-q") == 0)
			ag_cli_log_setup(0, -1);
		else
			return ag_cli_usage("doctor", "unknown argument '%s'", argv[i]);
	}
	failed = 0;
	if (ag_aws_config_from_env(&cfg, &err) != 0) {
		ag_aws_config_release(&cfg);
		return ag_cli_fail(&err);
	}

	if (cfg.region) {
		row("region:", "%s (from %s)", cfg.region, cfg.region_source);
	} else {
		char *why =
		    ag_xasprintf("no AWS region: set AWS_REGION or AWS_DEFAULT_REGION, or 'region' "
		                 "in profile '%s' of %s",
		        cfg.profile, cfg.config_file);

		fail_row("region:", why);
		free(why);
	}
	endpoint = ag_aws_config_endpoint(&cfg, AG_AWS_RDS);
	if (endpoint)
		row("rds endpoint:", "%s%s", endpoint,
		    cfg.endpoint[AG_AWS_RDS] ? " (from AWS_ENDPOINT_URL_RDS)"
		    : cfg.endpoint_all       ? " (from AWS_ENDPOINT_URL)"
		                             : "");
	else
		fail_row("rds endpoint:",
		    "unknown: no region and no AWS_ENDPOINT_URL_RDS or AWS_ENDPOINT_URL");

	if (ag_aws_client_new(&c, &cfg, ag_sysclock(), ag_sysrand(), &err) != 0) {
		fail_row("client:", err.msg);
		goto out;
	}
	if (ag_aws_client_credentials(c, &creds, &err) == 0) {
		char masked[64];

		ag_aws_mask_key_id(masked, sizeof(masked), creds->access_key_id);
		row("credentials:", "%s (access key %s%s)", creds->source, masked,
		    creds->session_token ? ", temporary" : "");
		have_creds = 1;
	} else {
		fail_row("credentials:", err.msg);
	}

	if (!have_creds) {
		fail_row("identity:", "skipped: no credentials");
		fail_row("rds access:", "skipped: no credentials");
		goto out;
	}
	{
		struct ag_sts_identity id;

		ag_error_clear(&err);
		if (ag_sts_get_caller_identity(c, &id, &err) == 0) {
			row("identity:", "%s (account %s)", id.arn ? id.arn : "?",
			    id.account ? id.account : "?");
			ag_sts_identity_release(&id);
		} else {
			fail_row("identity:", err.msg);
		}
	}
	if (!endpoint) {
		fail_row("rds access:", "skipped: no endpoint");
	} else {
		struct ag_kvlist p = AG_KVLIST_INIT;
		struct ag_aws_response r;

		ag_error_clear(&err);
		ag_kvlist_add(&p, "MaxRecords", "20");
		if (ag_rds_call(c, "DescribeDBClusters", &p, &r, &err) == 0) {
			const struct ag_xml_node *l = ag_xml_child(r.result, "DBClusters");

			row("rds access:",
			    "DescribeDBClusters allowed (%zu cluster%s in the first page)",
			    l ? l->n_kids : 0, l && l->n_kids == 1 ? "" : "s");
			ag_aws_response_release(&r);
		} else {
			fail_row("rds access:", err.msg);
		}
		ag_kvlist_release(&p);
	}
out:
	if (failed)
		printf("doctor: %d check%s failed\n", failed, failed == 1 ? "" : "s");
	else
		printf("doctor: all checks passed\n");
	free(endpoint);
	ag_aws_client_free(c);
	ag_aws_config_release(&cfg);
	return failed ? AG_EXIT_ERROR : AG_EXIT_OK;
}
