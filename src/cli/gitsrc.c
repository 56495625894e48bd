#include "cli/gitsrc.h"
#include "agent/state.h"
#include "cli/cli.h"
#include "core/buf.h"
#include "core/mem.h"
#include "sys/fs.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/compat.h"

#define TOKEN_MAX 16384

int
ag_cli_git_token(struct ag_cli_git *g, struct ag_error *err)
{
	struct ag_buf b = AG_BUF_INIT(TOKEN_MAX);
	const char *v;
	struct stat st;
	int rc;

	if (g->token_file) {
		if (stat(g->token_file, &st) < 0)
			return ag_error_set(err, AG_EIO, "cannot read the token file '%s': %s",
			    g->token_file, strerror(errno));
		if (st.st_mode & 077)
			return ag_error_set(err, AG_EDENIED,
			    "token file '%s' is readable or writable by others (mode %03o); "
			    "chmod 600 it",
			    g->token_file, (unsigned)(st.st_mode & 0777));
		if ((rc = ag_fs_read(&b, g->token_file, err)) < 0) {
			ag_buf_wipe(&b);
			ag_buf_release(&b);
			return rc;
		}
		while (b.len > 0 && (b.ptr[b.len - 1] == '\n' || b.ptr[b.len - 1] == '\r'))
			b.ptr[--b.len] = '\0';
		g->token = ag_xstrdup(b.ptr);
		ag_buf_wipe(&b);
		ag_buf_release(&b);
		return 0;
	}
	v = getenv(g->token_env ? g->token_env : "AURORA_GITOPS_GIT_TOKEN");
	if (g->token_env && (v == NULL || v[0] == '\0'))
		return ag_error_set(err, AG_EINVAL,
		    "environment variable '%s' (--git-token-env) is empty", g->token_env);
	if (v && v[0])
		g->token = ag_xstrdup(v);
	return 0;
}

int
ag_cli_git_open(struct ag_gitsync **out, struct ag_cli_opts *o, const char *cmd)
{
	struct ag_error err = AG_ERROR_INIT;
	struct ag_gitsync_config gc;
	char *defdir = NULL;
	int rc;

	(void)cmd;
	*out = NULL;
	if (ag_cli_git_token(&o->git, &err) < 0)
		return ag_cli_fail(&err);
	memset(&gc, 0, sizeof(gc));
	gc.url = o->git.repo;
	gc.branch = o->git.branch;
	gc.path = o->git.path;
	gc.ref = o->git.ref;
	gc.notes_ref = o->git.notes_ref;
	gc.auth.https_token = o->git.token;
	gc.auth.ssh_key = o->git.ssh_key;
	gc.auth.ssh_known_hosts = o->git.ssh_known_hosts;
	gc.auth.ssh_accept_new_host = o->git.ssh_accept_new_host;
	gc.state_dir = o->cfg.state_dir ? o->cfg.state_dir : (defdir = ag_state_default_dir());
	gc.require_signed = o->git.require_signed;
	gc.allowed_signers = o->git.allowed_signers;
	gc.agent_id = o->git.agent_id;
	rc = ag_gitsync_open(out, &gc, &err);
	free(defdir);
	if (rc < 0)
		return ag_cli_fail(&err);
	o->cfg.source = ag_gitsync_source(*out);
	return 0;
}
