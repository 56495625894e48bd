#include "cli/cli.h"
#include "cli/gitsrc.h"
#include "cli/opts.h"
#include "cli/reconcile.h"
#include "core/plan.h"

#include <string.h>

#include "core/compat.h"

/*
 * unmanaged: Aurora clusters in the account that no manifest covers. Reads
 * only; prints one line per cluster and whether it carries our tag (an
 * orphan whose manifest was removed) or was never ours.
 */
int
cmd_unmanaged(int argc, char **argv)
{
	struct ag_error err = AG_ERROR_INIT;
	struct ag_gitsync *gs = NULL;
	struct ag_cli_opts o;
	struct ag_cli_run run;
	struct ag_cycle *cy = &run.cy;
	size_t i, n = 0;
	int rc;

	memset(&run, 0, sizeof(run));
	if ((rc = ag_cli_opts_parse(&o, argc, argv)) != 0)
		goto out;
	if (o.git.repo && (rc = ag_cli_git_open(&gs, &o, argv[0])) != 0)
		goto out;
	if ((rc = ag_cli_run_open(&run, &o, false)) != 0)
		goto out;
	rc = ag_cycle_observe(cy, &err);
	/* a cluster of a bad file is not unmanaged: nothing is listed then */
	if ((rc == AG_EINVAL && cy->diags.errors) || (rc == 0 && cy->invalid_files.n > 0)) {
		rc = AG_EXIT_ERROR;
		fprintf(stderr,
		    "aurora-gitops unmanaged: the manifests have errors; run "
		    "'aurora-gitops validate %s%s'\n",
		    gs ? "--repo " : "", gs ? o.git.repo : o.cfg.dir);
		goto out;
	}
	if (rc < 0) {
		rc = ag_cli_fail(&err);
		goto out;
	}
	for (i = 0; i < cy->observed.n_clusters; i++) {
		const struct ag_db_cluster *c = &cy->observed.clusters[i];
		const char *tag = ag_kvlist_get(&c->tags, AG_MANAGED_TAG_KEY);
		int ours = tag && strcmp(tag, AG_MANAGED_TAG_VALUE) == 0;

		if (c->engine == NULL || strncmp(c->engine, "aurora", 6) != 0)
			continue;
		if (ag_manifest_set_find(&cy->manifests, c->id))
			continue;
		printf("%s\t%s %s\t%s\t%s\n", c->id, c->engine,
		    c->engine_version ? c->engine_version : "?", c->status ? c->status : "?",
		    ours ? "orphaned (tagged managed-by=aurora-gitops; its manifest is gone)"
		         : "unmanaged (no manifest; run 'aurora-gitops import' to adopt it)");
		n++;
	}
	fprintf(stderr, "%zu cluster%s without a manifest (of %zu in the account)\n", n,
	    n == 1 ? "" : "s", cy->observed.n_clusters);
	rc = AG_EXIT_OK;
out:
	ag_cli_run_close(&run);
	ag_gitsync_free(gs);
	ag_cli_opts_release(&o);
	return rc;
}
