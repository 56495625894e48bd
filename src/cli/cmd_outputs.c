#include "agent/env.h"
#include "agent/state.h"
#include "aws/rds.h"
#include "cli/cli.h"
#include "cli/opts.h"
#include "core/buf.h"
#include "core/mem.h"
#include "core/outputs.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/compat.h"

/*
 * outputs CLUSTER [--format text|json|env] [--recorded [--state-dir DIR]]:
 * the connection outputs of a cluster (core/outputs.h), read live with one
 * DescribeDBClusters, or with --recorded as the last reconcile recorded them
 * in the state directory (no AWS call). A cluster that is not there, or a
 * reply without its endpoints, is an error, never empty output.
 */
int
cmd_outputs(int argc, char **argv)
{
	struct ag_error err = AG_ERROR_INIT;
	struct ag_aws_client *aws = NULL;
	struct ag_state *st = NULL;
	struct ag_observed obs;
	struct ag_outputs out;
	struct ag_buf b = AG_BUF_INIT(1 << 20);
	struct ag_cli_opts o;
	char why[512], *id = NULL, *rec = NULL, *p;
	bool have = false;
	int rc;

	ag_observed_init(&obs);
	memset(&out, 0, sizeof(out));
	if ((rc = ag_cli_opts_parse(&o, argc, argv)) != 0)
		goto out;
	if (o.args.n != 1) {
		rc = ag_cli_usage(argv[0], "name one cluster (got %zu)", o.args.n);
		goto out;
	}
	if (o.cfg.state_dir != NULL && !o.recorded) {
		rc = ag_cli_usage(argv[0], "--state-dir goes with --recorded");
		goto out;
	}
	id = ag_xstrdup(o.args.v[0]);
	for (p = id; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	if (o.recorded) {
		char *dir = o.cfg.state_dir ? ag_xstrdup(o.cfg.state_dir) : ag_state_default_dir();

		rc = ag_state_open_readonly(&st, dir, &err);
		if (rc == 0 && (rec = ag_state_outputs(st, id)) == NULL)
			rc = ag_error_set(&err, AG_ENOTFOUND,
			    "no outputs recorded for cluster '%s' in state directory '%s' (a sync "
			    "or "
			    "apply records them)",
			    id, dir);
		if (rc == 0 && ag_outputs_from_json(&out, rec, why, sizeof(why)) < 0)
			rc = ag_error_set(
			    &err, AG_EINVAL, "cluster '%s' in '%s/outputs.json': %s", id, dir, why);
		free(dir);
		if (rc < 0) {
			rc = ag_cli_fail(&err);
			goto out;
		}
		have = true;
	} else {
		if ((rc = ag_env_aws_client(&aws, &err)) < 0 ||
		    (rc = ag_rds_describe_db_clusters(aws, id, NULL, &obs, &err)) < 0) {
			if (rc == AG_ENOTFOUND)
				ag_error_prefix(&err, "no cluster '%s'", id);
			rc = ag_cli_fail(&err);
			goto out;
		}
		if (obs.n_clusters != 1 || obs.clusters[0].id == NULL ||
		    strcmp(obs.clusters[0].id, id) != 0) {
			ag_error_set(&err, AG_EAWS,
			    "DescribeDBClusters for '%s' answered with %zu clusters, not that one",
			    id, obs.n_clusters);
			rc = ag_cli_fail(&err);
			goto out;
		}
		if (ag_outputs_from_cluster(&out, &obs.clusters[0], why, sizeof(why)) < 0) {
			ag_error_set(&err, AG_EAWS, "%s", why);
			rc = ag_cli_fail(&err);
			goto out;
		}
		have = true;
	}
	if (have && ag_outputs_render(&b, &out, o.format) == 0) {
		fwrite(b.ptr, 1, b.len, stdout);
		rc = fflush(stdout) == 0 ? AG_EXIT_OK : AG_EXIT_ERROR;
	}
out:
	ag_buf_release(&b);
	ag_outputs_release(&out);
	ag_observed_release(&obs);
	ag_aws_client_free(aws);
	ag_state_free(st);
	free(rec);
	free(id);
	ag_cli_opts_release(&o);
	return rc;
}
