#ifndef AG_CLI_OPTS_H
#define AG_CLI_OPTS_H

#include <stdbool.h>

#include "agent/cycle.h"
#include "core/kv.h"

/*
 * Options shared by the reconcile commands (plan, apply, sync, unmanaged,
 * import). Each command accepts the subset it names in `accept`.
 */
enum {
	AG_OPT_SOURCE = 1 << 0,   /* --dir DIR | --repo URL [--branch B] */
	AG_OPT_FORMAT = 1 << 1,   /* --format text|json|markdown, --out FILE */
	AG_OPT_EXITCODE = 1 << 2, /* --detailed-exitcode */
	AG_OPT_APPROVE = 1 << 3,  /* --auto-approve, --plan-digest HEX */
	AG_OPT_OUTDIR = 1 << 4,   /* import: --out DIR */
	AG_OPT_NOTE = 1 << 5,     /* plan: --note */
	AG_OPT_PR = 1 << 6,       /* plan: --base, --head, --out-json, --context, --blob-url */
};

/* --repo and the options that go with it (see docs/notes.md). */
struct ag_cli_git {
	const char *repo;
	const char *branch;
	const char *path;
	const char *ref;
	const char *notes_ref;
	const char *allowed_signers;
	const char *agent_id;
	const char *token_env;  /* name of the variable holding an https token */
	const char *token_file; /* file holding an https token */
	const char *ssh_key;
	const char *ssh_known_hosts;
	bool require_signed;
	bool ssh_accept_new_host;
	bool note;   /* plan: write a plan note */
	char *token; /* read from token_env/token_file; wiped on release */
};

/* plan --base REV --head REV: the pull-request report (docs/pull-requests.md). */
struct ag_cli_pr {
	const char *base;
	const char *head;
	const char *out_json; /* the JSON report, besides --format/--out */
	const char *context;  /* names the sticky comment */
	const char *blob_url; /* manifest links; {sha} = the head commit */
};

struct ag_cli_opts {
	struct ag_cli_pr pr;
	struct ag_cli_git git;
	struct ag_cycle_config cfg;
	const char *format; /* "text" | "json" | "markdown" */
	const char *out;    /* --out FILE (plan) or DIR (import) */
	bool detailed_exitcode;
	bool all;               /* --all */
	const char *match;      /* import: --match GLOB */
	int verbosity;          /* -1 quiet (-q), 0 default, 1+ verbose (-v) */
	struct ag_strlist args; /* positional arguments */
	struct ag_strlist clusters;
	struct ag_strlist key_files;
	struct ag_strlist key_dirs;
};

/* Parses argv (argv[0] = command name). Returns 0, or an exit code (64)
 * after printing the usage error. */
int ag_cli_opts_parse(struct ag_cli_opts *o, int argc, char **argv, unsigned accept);
void ag_cli_opts_release(struct ag_cli_opts *o);

#endif
