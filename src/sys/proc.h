#ifndef AG_SYS_PROC_H
#define AG_SYS_PROC_H

#include <stddef.h>

#include "core/buf.h"
#include "core/error.h"

/*
 * Splits a command line into arguments the way the AWS CLI does for
 * credential_process (POSIX shell words, no shell): white space separates;
 * '...' is literal; "..." keeps everything but \" and \\ (which lose the
 * backslash); a backslash outside quotes takes the next character as is.
 * Nothing is expanded ($, `, *, ~ and ; are ordinary characters). On
 * success *argv is a NULL-terminated heap array (free with
 * ag_proc_argv_free) of *argc >= 1 words. An unterminated quote or an empty
 * command is AG_EINVAL.
 */
int ag_proc_split(char ***argv, size_t *argc, const char *cmd, struct ag_error *err);
void ag_proc_argv_free(char **argv);

/*
 * Runs argv[0] (searched in PATH) with argv, without a shell; standard input
 * and standard error are the caller's. Its standard output goes to out
 * (whose max bounds it: more is AG_ETOOBIG and the process is killed).
 * *status is the exit status, or 128 + the signal number. A process still
 * running after timeout_ms is killed: AG_ETIMEOUT. A program that cannot be
 * started is AG_ENOTFOUND.
 */
int ag_proc_run(
    struct ag_buf *out, int *status, char *const argv[], long timeout_ms, struct ag_error *err);

#endif
