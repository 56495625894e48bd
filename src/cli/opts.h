#ifndef AG_CLI_OPTS_H
#define AG_CLI_OPTS_H

#include <stdbool.h>
#include <stdio.h>

#include "agent/cycle.h"
#include "core/kv.h"

/*
 * Options of the reconcile commands (plan, apply, sync, unmanaged, import).
 * One table in opts.c describes every option (name, value, help); each
 * command lists the options it takes. The parser refuses any other option,
 * naming it and the command, and `help COMMAND` is rendered from the same
 * lists, so help and parser cannot disagree.
 */

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
	long since_ms;          /* show, events: --since (default 24 h) */
	bool wait;              /* snapshot: --wait */
	bool recorded;          /* outputs: --recorded (from the state, no AWS call) */
	int verbosity;          /* -1 quiet (-q), 0 default, 1+ verbose (-v) */
	struct ag_strlist args; /* positional arguments */
	struct ag_strlist clusters;
	struct ag_strlist key_files;
	struct ag_strlist key_dirs;
};

/* Parses argv (argv[0] = the command's name, one with a table here).
 * Returns 0, or an exit code (64) after printing the usage error. */
int ag_cli_opts_parse(struct ag_cli_opts *o, int argc, char **argv);
/* After getopt_long (with ':' first in its optstring) returned ':' or '?':
 * prints the usage error naming the option as the user wrote it (never a
 * neighbouring argument) and returns 64. */
struct option;
int ag_cli_opt_error(const char *cmd, int c, char **argv, const struct option *longopts);
/* True when cmd's options are described by the table here. */
bool ag_cli_opts_known(const char *cmd);
/* Writes cmd's synopsis line (without "usage: aurora-gitops "). */
void ag_cli_opts_synopsis(FILE *f, const char *cmd);
/* Writes cmd's synopsis and one line per option with its help. */
void ag_cli_opts_help(FILE *f, const char *cmd);
void ag_cli_opts_release(struct ag_cli_opts *o);

#endif
