#ifndef AG_CLI_CLI_H
#define AG_CLI_CLI_H

#include <stdbool.h>
#include <stdio.h>

#include "core/error.h"

/* Exit codes (terraform-compatible where it applies). */
enum ag_exit {
	AG_EXIT_OK = 0,      /* ok, no changes */
	AG_EXIT_ERROR = 1,   /* error */
	AG_EXIT_CHANGES = 2, /* changes present (with --detailed-exitcode) */
	AG_EXIT_BLOCKED = 3, /* a change needs replacement or is refused by policy */
	AG_EXIT_USAGE = 64,  /* command-line misuse */
};

/* One command: `aurora-gitops <name> ...`. fn gets argv with argv[0] = name
 * and returns an exit code. */
struct ag_cmd {
	const char *name;
	int (*fn)(int argc, char **argv);
	bool own_help; /* handles --help itself; else main prints `usage` */
	const char *summary;
	const char *usage; /* synopsis and options, shown by `help <name>`; NULL: the
	                    * command's option table in opts.c renders both */
};

extern const struct ag_cmd ag_cmds[];
const struct ag_cmd *ag_cmd_find(const char *name);

/* Prints "aurora-gitops: <msg>" for err to stderr and returns AG_EXIT_ERROR. */
int ag_cli_fail(const struct ag_error *err);
/* Prints "aurora-gitops <cmd>: <formatted>" plus a usage hint; returns 64. */
int ag_cli_usage(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Sets up logging to stderr: text or JSON lines; verbosity -1 (quiet) .. 2. */
void ag_cli_log_setup(int json, int verbosity);

#define AG_CMD_DECL(n) int cmd_##n(int argc, char **argv)
AG_CMD_DECL(validate);
AG_CMD_DECL(plan);
AG_CMD_DECL(apply);
AG_CMD_DECL(sync);
AG_CMD_DECL(run);
AG_CMD_DECL(import);
AG_CMD_DECL(status);
AG_CMD_DECL(unmanaged);
AG_CMD_DECL(outputs);
AG_CMD_DECL(show);
AG_CMD_DECL(snapshots);
AG_CMD_DECL(snapshot);
AG_CMD_DECL(events);
AG_CMD_DECL(doctor);
AG_CMD_DECL(keygen);
AG_CMD_DECL(seal);
AG_CMD_DECL(reseal);
AG_CMD_DECL(report);
AG_CMD_DECL(version);
AG_CMD_DECL(help);

#endif
