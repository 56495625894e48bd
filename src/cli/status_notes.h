#ifndef AG_CLI_STATUS_NOTES_H
#define AG_CLI_STATUS_NOTES_H

/* status --repo URL|PATH [--state-dir D] [--notes-ref R] [--format text|json]
 * [--history CLUSTER]: results read from the notes. Returns an exit code. */
int ag_cli_status_notes(int argc, char **argv);

#endif
