#include "cli/cli.h"
#include "cli/status_notes.h"
#include "cli/opts.h"
#include "agent/state.h"
#include "core/kv.h"
#include "core/mem.h"
#include "secrets/secrets.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "core/compat.h"

/*
 * status: what the agent knows without asking AWS.
 *   - sealed values in the manifests, counted per key id (so a retired key
 *     can be removed once its count is zero)
 *   - from the state directory: clusters whose password the agent has
 *     applied (and with which key), and clusters the loop breaker holds
 */
int
cmd_status(int argc, char **argv)
{
	static const struct option longopts[] = {
	    {"dir", required_argument, NULL, 'd'},
	    {"state-dir", required_argument, NULL, 's'},
	    {NULL, 0, NULL, 0},
	};
	struct ag_error err = AG_ERROR_INIT;
	struct ag_sealed_stats st;
	struct ag_kvlist pw = AG_KVLIST_INIT, fail = AG_KVLIST_INIT;
	struct ag_state *state = NULL;
	const char *dir = "manifests", *statedir = NULL;
	char *defdir = NULL;
	size_t i;
	int c, rc = AG_EXIT_OK;

	/* with --repo, status reads the notes instead */
	for (c = 1; c < argc; c++)
		if (strcmp(argv[c], "--repo") == 0 || strncmp(argv[c], "--repo=", 7) == 0)
			return ag_cli_status_notes(argc, argv);
	ag_sealed_stats_init(&st);
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":", longopts, NULL)) != -1) {
		switch (c) {
		case 'd':
			dir = optarg;
			break;
		case 's':
			statedir = optarg;
			break;
		default:
			rc = ag_cli_opt_error("status", c, argv, longopts);
			goto out;
		}
	}
	if (optind < argc) {
		rc = ag_cli_usage("status", "unexpected argument '%s'", argv[optind]);
		goto out;
	}
	if (dir[0] == '\0' || (statedir && statedir[0] == '\0')) {
		rc = ag_cli_usage("status", "option '%s' needs a value, not an empty string",
		    dir[0] == '\0' ? "--dir" : "--state-dir");
		goto out;
	}
	if (ag_sealed_scan(&st, &dir, 1, &err) < 0) {
		rc = ag_cli_fail(&err);
		goto out;
	}
	printf("sealed values in '%s' (%zu file%s):\n", dir, st.files, st.files == 1 ? "" : "s");
	if (st.n == 0)
		printf("  none\n");
	for (i = 0; i < st.n; i++)
		printf("  key %-24s %zu value%s\n", st.v[i].key_id, st.v[i].count,
		    st.v[i].count == 1 ? "" : "s");
	if (st.malformed)
		printf("  %zu malformed AGSEALED value%s (run 'aurora-gitops reseal --list %s')\n",
		    st.malformed, st.malformed == 1 ? "" : "s", dir);

	if (statedir == NULL)
		statedir = defdir = ag_state_default_dir();
	/* a reader: works while a sync holds the lock, writes nothing */
	if (ag_state_open_readonly(&state, statedir, &err) < 0) {
		rc = ag_cli_fail(&err);
		goto out;
	}
	ag_state_list(state, &pw, &fail);
	printf("passwords applied by the agent (state '%s'):\n", statedir);
	if (pw.n == 0)
		printf("  none\n");
	for (i = 0; i < pw.n; i++)
		printf("  %-32s key %s\n", pw.v[i].key, pw.v[i].value);
	printf("clusters held by the loop breaker:\n");
	if (fail.n == 0)
		printf("  none\n");
	for (i = 0; i < fail.n; i++)
		printf("  %-32s %s\n", fail.v[i].key, fail.v[i].value);
out:
	ag_state_free(state);
	ag_kvlist_release(&pw);
	ag_kvlist_release(&fail);
	ag_sealed_stats_release(&st);
	free(defdir);
	return rc;
}
