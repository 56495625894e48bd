#include "cli/cli.h"
#include "cli/opts.h"
#include "agent/env.h"
#include "aws/client.h"
#include "aws/rds.h"
#include "core/buf.h"
#include "core/import.h"
#include "core/mem.h"
#include "core/observed.h"
#include "sys/fs.h"

#include <stdlib.h>
#include <string.h>

#include "core/compat.h"

/* Reads one cluster and its instances. */
static int
read_cluster(struct ag_observed *o, struct ag_aws_client *aws, const char *id, struct ag_error *err)
{
	struct ag_kvlist filter = AG_KVLIST_INIT;
	int rc;

	rc = ag_rds_describe_db_clusters(aws, id, NULL, o, err);
	if (rc < 0)
		return rc;
	ag_kvlist_add(&filter, "db-cluster-id", id);
	rc = ag_rds_describe_db_instances(aws, NULL, &filter, o, err);
	ag_kvlist_release(&filter);
	return rc;
}

/*
 * import: writes a manifest for each live cluster that plans with zero
 * drift. With --out DIR the files are DIR/<id>.yaml and an existing file is
 * never overwritten; without it the manifests go to standard output.
 */
int
cmd_import(int argc, char **argv)
{
	struct ag_error err = AG_ERROR_INIT;
	struct ag_aws_client *aws = NULL;
	struct ag_buf yaml = AG_BUF_INIT(AG_MANIFEST_MAX_BYTES);
	struct ag_cli_opts o;
	struct ag_observed obs;
	char *path = NULL;
	size_t i;
	int rc;

	ag_observed_init(&obs);
	if ((rc = ag_cli_opts_parse(&o, argc, argv, AG_OPT_OUTDIR)) != 0)
		goto out;
	if (o.args.n == 0) {
		rc = ag_cli_usage("import", "name at least one cluster identifier");
		goto out;
	}
	if ((rc = ag_env_aws_client(&aws, &err)) < 0)
		goto fail;
	if (o.out && (rc = ag_fs_mkdirs(o.out, 0755, &err)) < 0)
		goto fail;
	for (i = 0; i < o.args.n; i++) {
		const char *id = o.args.v[i];
		const struct ag_db_cluster *c;

		ag_observed_release(&obs);
		if ((rc = read_cluster(&obs, aws, id, &err)) < 0) {
			ag_error_prefix(&err, "cannot import cluster '%s'", id);
			goto fail;
		}
		c = ag_observed_find_cluster(&obs, id);
		if (c == NULL) {
			rc = ag_error_set(
			    &err, AG_ENOTFOUND, "cannot import cluster '%s': not found", id);
			goto fail;
		}
		ag_buf_reset(&yaml);
		if ((rc = ag_import_render(&yaml, c, &obs, &err)) < 0)
			goto fail;
		if (o.out == NULL) {
			if (i > 0)
				fputs("---\n", stdout);
			fwrite(yaml.ptr, 1, yaml.len, stdout);
			continue;
		}
		free(path);
		path = ag_xasprintf("%s/%s.yaml", o.out, id);
		if ((rc = ag_fs_write_atomic(path, yaml.ptr, yaml.len, 0644, 1, &err)) < 0)
			goto fail;
		fprintf(stderr, "wrote %s\n", path);
	}
	rc = AG_EXIT_OK;
	goto out;
fail:
	rc = ag_cli_fail(&err);
out:
	free(path);
	ag_buf_release(&yaml);
	ag_observed_release(&obs);
	ag_aws_client_free(aws);
	ag_cli_opts_release(&o);
	return rc;
}
