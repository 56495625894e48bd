#include "cli/cli.h"
#include "cli/opts.h"
#include "agent/env.h"
#include "agent/source_dir.h"
#include "cli/reconcile.h"
#include "core/source.h"
#include "aws/autoscaling.h"
#include "aws/client.h"
#include "aws/rds.h"
#include "core/buf.h"
#include "core/import.h"
#include "core/mem.h"
#include "core/observed.h"
#include "core/plan.h"
#include "sys/fs.h"

#include <fnmatch.h>
#include <stdio.h>
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
 * The clusters to import: the identifiers named, or with --all / --match
 * GLOB every live cluster (matching GLOB, case-insensitively as RDS
 * compares identifiers) that no manifest under --dir covers. One paginated
 * describe of the fleet, whatever its size.
 */
static int
select_clusters(struct ag_strlist *ids, struct ag_observed *fleet, struct ag_aws_client *aws,
    const struct ag_cli_opts *o, struct ag_error *err)
{
	struct ag_manifest_set set;
	struct ag_diags diags;
	struct ag_source *src = NULL;
	size_t i;
	int rc;

	if (!o->all && o->match == NULL) {
		ag_strlist_copy(ids, &o->args);
		return 0;
	}
	ag_manifest_set_init(&set);
	ag_diags_init(&diags);
	if (o->cfg.dir != NULL && ((rc = ag_source_dir_new(&src, o->cfg.dir, err)) < 0 ||
	                              (rc = ag_source_load(src, &set, &diags, err)) != 0)) {
		ag_cli_print_diags(&diags);
		if (rc == AG_EINVAL)
			rc = ag_error_set(err, AG_EINVAL,
			    "import: the manifests under '%s' have errors; nothing was imported "
			    "(a half-read directory would look like uncovered clusters)",
			    o->cfg.dir);
		goto out;
	}
	if ((rc = ag_rds_describe_db_clusters(aws, NULL, NULL, fleet, err)) < 0)
		goto out;
	for (i = 0; i < fleet->n_clusters; i++) {
		const char *id = fleet->clusters[i].id;

		if (id == NULL || ag_manifest_set_find(&set, id) != NULL)
			continue;
		if (o->match != NULL && fnmatch(o->match, id, FNM_CASEFOLD) != 0)
			continue;
		ag_strlist_add(ids, id);
	}
	ag_strlist_sort(ids);
	rc = 0;
out:
	if (src != NULL)
		ag_source_free(src);
	ag_diags_release(&diags);
	ag_manifest_set_release(&set);
	return rc;
}

/*
 * import: writes a manifest for each live cluster that plans with zero
 * drift. With --out DIR the files are DIR/<id>.yaml and an existing file is
 * never overwritten; without it the manifests go to standard output. The
 * reader Auto Scaling targets are read once for all of them (one paged
 * DescribeScalableTargets and DescribeScalingPolicies); a failed read
 * fails the import, since a manifest without autoscaling would not say
 * what the cluster has.
 */
int
cmd_import(int argc, char **argv)
{
	struct ag_error err = AG_ERROR_INIT;
	struct ag_aws_client *aws = NULL;
	struct ag_buf yaml = AG_BUF_INIT(AG_MANIFEST_MAX_BYTES);
	struct ag_cli_opts o;
	struct ag_observed obs, fleet, scaling;
	struct ag_strlist ids = AG_STRLIST_INIT;
	char *path = NULL;
	size_t i;
	int rc;

	ag_observed_init(&obs);
	ag_observed_init(&fleet);
	ag_observed_init(&scaling);
	if ((rc = ag_cli_opts_parse(&o, argc, argv)) != 0)
		goto out;
	if (o.args.n == 0 && !o.all && o.match == NULL) {
		rc = ag_cli_usage(
		    "import", "name at least one cluster identifier, or --all / --match GLOB");
		goto out;
	}
	if (o.args.n > 0 && (o.all || o.match != NULL)) {
		rc = ag_cli_usage("import", "cluster identifiers and --all / --match: pass one");
		goto out;
	}
	if ((ag_env_aws_client(&aws, &err)) < 0)
		goto fail;
	if ((select_clusters(&ids, &fleet, aws, &o, &err)) < 0)
		goto fail;
	if (ids.n == 0) {
		fprintf(stderr, "import: no cluster to import (every matching cluster has a "
		                "manifest)\n");
		rc = AG_EXIT_OK;
		goto out;
	}
	if (ag_aas_read_rds(aws, AG_SCALING_POLICY_NAME, &scaling, &err) < 0) {
		ag_error_prefix(&err, "cannot import: reader Auto Scaling could not be read");
		goto fail;
	}
	if (o.out && (ag_fs_mkdirs(o.out, 0755, &err)) < 0)
		goto fail;
	for (i = 0; i < ids.n; i++) {
		const char *id = ids.v[i];
		const struct ag_db_cluster *c;

		ag_observed_release(&obs);
		if ((read_cluster(&obs, aws, id, &err)) < 0) {
			ag_error_prefix(&err, "cannot import cluster '%s'", id);
			goto fail;
		}
		c = ag_observed_find_cluster(&obs, id);
		if (c == NULL) {
			(void)ag_error_set(
			    &err, AG_ENOTFOUND, "cannot import cluster '%s': not found", id);
			goto fail;
		}
		ag_buf_reset(&yaml);
		if ((ag_import_render(
		        &yaml, c, &obs, ag_observed_find_scaling(&scaling, c->id), &err)) < 0)
			goto fail;
		if (o.out == NULL) {
			if (i > 0)
				fputs("---\n", stdout);
			fwrite(yaml.ptr, 1, yaml.len, stdout);
			continue;
		}
		free(path);
		path = ag_xasprintf("%s/%s.yaml", o.out, id);
		if ((ag_fs_write_atomic(path, yaml.ptr, yaml.len, 0644, 1, &err)) < 0)
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
	ag_observed_release(&fleet);
	ag_observed_release(&scaling);
	ag_strlist_release(&ids);
	ag_aws_client_free(aws);
	ag_cli_opts_release(&o);
	return rc;
}
