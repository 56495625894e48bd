#ifndef AG_CLI_GITSRC_H
#define AG_CLI_GITSRC_H

#include "agent/gitsync.h"
#include "cli/opts.h"

/*
 * --repo for the reconcile commands: reads the https token (from the
 * variable --git-token-env names, a --git-token-file, or
 * AURORA_GITOPS_GIT_TOKEN; never from argv), opens the git side and points
 * o->cfg.source at the commit's tree. Returns 0, or an exit code after
 * printing what failed.
 */
/* Reads g->token from --git-token-file, the variable --git-token-env names,
 * or AURORA_GITOPS_GIT_TOKEN (none: no token). */
int ag_cli_git_token(struct ag_cli_git *g, struct ag_error *err);

int ag_cli_git_open(struct ag_gitsync **out, struct ag_cli_opts *o, const char *cmd);

#endif
