#include "cli/cli.h"
#include "cli/opts.h"
#include "core/log.h"

#include <errno.h>
#include <malloc.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <git2.h>
#include <sodium.h>
#include <curl/curl.h>

#include "core/compat.h"

const struct ag_cmd ag_cmds[] = {
    {"validate", cmd_validate, true, "check manifests against the schema and policy",
        "validate [PATH...] [--strict] [--format text|json]\n"
        "     validate --repo URL|PATH [--branch B] [--path SUBDIR] [--ref REV] [--state-dir D]"},
    /* plan, apply, sync, unmanaged and import: usage from their tables in opts.c */
    {"plan", cmd_plan, false, "show what would change, as text, JSON or Markdown", NULL},
    {"apply", cmd_apply, false, "apply the plan (asks first unless --auto-approve)", NULL},
    {"sync", cmd_sync, false, "one unattended cycle: plan, then apply per each cluster's mode",
        NULL},
    {"run", cmd_run, false, "run as a service: watch, reconcile, serve metrics and status",
        "run (--repo URL [--branch B] [--path P] | --dir DIR) [--interval 30s]\n"
        "     [--drift-interval 5m] [--debounce 100ms] [--notes-ref REF]\n"
        "     [--listen ADDR:PORT] [--webhook ADDR:PORT] [--webhook-secret-file F]\n"
        "     [--shard I/N] [--config FILE] [--no-watch] [--mode observe|plan|apply]\n"
        "     [--max-deletes N] [--forbid-weakening] [--state-dir DIR]\n"
        "     [--key-file F | --key-dir D] [--log-format text|json] [-v | -q]\n"
        "     [--require-signed-commits --allowed-signers F] [--agent-id ID]\n"
        "     [--git-token-env VAR | --git-token-file F] [--ssh-key F] [--ssh-known-hosts F]\n"
        "     [--ssh-accept-new-host]"},
    {"report", cmd_report, true, "post a pull-request plan as a sticky comment and commit status",
        "report (--github OWNER/REPO --pr N | --gitlab PROJECT --mr N) --markdown FILE\n"
        "     --json FILE [--sha SHA] [--api-url URL] [--target-url URL] [--no-status]"},
    {"import", cmd_import, false, "write manifests for live clusters", NULL},
    {"status", cmd_status, false, "show sealed-key usage and what the agent recorded",
        "status [--dir DIR] [--state-dir DIR]\n"
        "     status --repo URL|PATH [--format text|json] [--history CLUSTER] [--notes-ref R]\n"
        "            [--state-dir DIR]"},
    {"unmanaged", cmd_unmanaged, false, "list clusters no manifest covers", NULL},
    /* runbook: usage from their tables in opts.c */
    {"outputs", cmd_outputs, false, "print a cluster's endpoints, port and ARNs (text, json, env)",
        NULL},
    {"show", cmd_show, false,
        "a cluster at a glance: members, ingress, backups, maintenance, events, metrics", NULL},
    {"snapshots", cmd_snapshots, false, "list a cluster's snapshots, newest first", NULL},
    {"snapshot", cmd_snapshot, false, "take a manual snapshot with the cluster's tags", NULL},
    {"events", cmd_events, false, "a cluster's recent RDS events", NULL},
    {"doctor", cmd_doctor, false, "check region, endpoint, credentials and access", "doctor"},
    {"keygen", cmd_keygen, true, "create a key pair for sealed secrets", "keygen --out keys/NAME"},
    {"seal", cmd_seal, true, "seal a secret read from standard input",
        "seal --key keys/NAME.pub --cluster ID [--field spec.password]   (secret on stdin)"},
    {"reseal", cmd_reseal, true, "re-seal values sealed with a retired key",
        "reseal --retire KEY_ID --key keys/NEW.pub [--key-file F | --key-dir D] [--dry-run] "
        "[PATH...]\n"
        "     reseal --list [PATH...]"},
    {"version", cmd_version, false, "print the version", "version"},
    {"help", cmd_help, false, "show help for a command", "help [COMMAND]"},
    {NULL, NULL, false, NULL, NULL},
};

const struct ag_cmd *
ag_cmd_find(const char *name)
{
	const struct ag_cmd *c;

	for (c = ag_cmds; c->name; c++)
		if (strcmp(c->name, name) == 0)
			return c;
	return NULL;
}

int
ag_cli_fail(const struct ag_error *err)
{
	fprintf(stderr, "aurora-gitops: %s\n", err->msg[0] ? err->msg : ag_error_name(err->code));
	return AG_EXIT_ERROR;
}

int
ag_cli_usage(const char *cmd, const char *fmt, ...)
{
	const struct ag_cmd *c = cmd ? ag_cmd_find(cmd) : NULL;
	va_list ap;

	fprintf(stderr, "aurora-gitops%s%s: ", cmd ? " " : "", cmd ? cmd : "");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	if (c && c->usage)
		fprintf(stderr, "usage: aurora-gitops %s\n", c->usage);
	if (c && c->usage == NULL) {
		fputs("usage: aurora-gitops ", stderr);
		ag_cli_opts_synopsis(stderr, c->name);
		fprintf(stderr, "run 'aurora-gitops help %s' for its options\n", c->name);
	}
	if (c == NULL)
		fprintf(stderr, "run 'aurora-gitops help' for the list of commands\n");
	return AG_EXIT_USAGE;
}

static void
json_escape(FILE *f, const char *s)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c == '\n')
			fputs("\\n", f);
		else if (c < 0x20)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
}

static void
sink_text(void *ctx, enum ag_log_level level, const char *msg)
{
	(void)ctx;
	fprintf(stderr, "aurora-gitops: %s: %s\n", ag_log_level_name(level), msg);
}

static void
sink_json(void *ctx, enum ag_log_level level, const char *msg)
{
	struct timespec ts;
	struct tm tm;
	char when[32];

	(void)ctx;
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
	fprintf(
	    stderr, "{\"ts\":\"%s\",\"level\":\"%s\",\"msg\":\"", when, ag_log_level_name(level));
	json_escape(stderr, msg);
	fputs("\"}\n", stderr);
}

void
ag_cli_log_setup(int json, int verbosity)
{
	ag_log_set_sink(json ? sink_json : sink_text, NULL);
	if (verbosity < 0)
		ag_log_set_level(AG_LOG_ERROR);
	else if (verbosity == 0)
		ag_log_set_level(AG_LOG_WARN);
	else if (verbosity == 1)
		ag_log_set_level(AG_LOG_INFO);
	else
		ag_log_set_level(AG_LOG_DEBUG);
}

int
cmd_version(int argc, char **argv)
{
	if (argc > 1)
		return ag_cli_usage(
		    "version", "unexpected argument '%s' ('version' takes none)", argv[1]);
	printf("aurora-gitops %s\n", AG_VERSION);
	return AG_EXIT_OK;
}

int
cmd_help(int argc, char **argv)
{
	const struct ag_cmd *c;

	if (argc > 2)
		return ag_cli_usage("help", "unexpected argument '%s' (name one command)", argv[2]);
	if (argc > 1) {
		c = ag_cmd_find(argv[1]);
		if (c == NULL)
			return ag_cli_usage("help", "unknown command '%s'", argv[1]);
		printf("aurora-gitops %s: %s\n\n", c->name, c->summary);
		if (c->usage)
			printf("usage: aurora-gitops %s\n", c->usage);
		else
			ag_cli_opts_help(stdout, c->name);
		return AG_EXIT_OK;
	}
	printf("aurora-gitops: keeps AWS Aurora clusters as a git repository says\n\n"
	       "usage: aurora-gitops <command> [options]\n\ncommands:\n");
	for (c = ag_cmds; c->name; c++)
		printf("  %-10s %s\n", c->name, c->summary);
	printf("\nexit codes: 0 ok, 1 error, 2 changes (--detailed-exitcode), 3 blocked, 64 usage\n"
	       "run 'aurora-gitops help <command>' for its options\n");
	return AG_EXIT_OK;
}

/* `<command> --help` or `-h` before any "--". */
static int
wants_help(int argc, char **argv)
{
	int i;

	for (i = 0; i < argc && strcmp(argv[i], "--") != 0; i++)
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0)
			return 1;
	return 0;
}

/*
 * Passwords pass through this process: no core dumps, and (outside
 * sanitizer builds, whose leak checker attaches to the process with ptrace)
 * no ptrace or /proc/<pid>/mem access by other unprivileged processes.
 */
static int
no_core_dumps(void)
{
	if (setrlimit(RLIMIT_CORE, &(struct rlimit){0, 0}) != 0)
		return -1;
#if !defined(__SANITIZE_ADDRESS__)
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0)
		return -1;
#endif
	return 0;
}

int
main(int argc, char **argv)
{
	const struct ag_cmd *c;
	int rc;

	if (argc < 2)
		return ag_cli_usage(NULL, "no command given");
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)
		return cmd_help(1, argv + 1);
	if (strcmp(argv[1], "--version") == 0)
		return cmd_version(1, argv + 1);
	c = ag_cmd_find(argv[1]);
	if (c == NULL)
		return ag_cli_usage(NULL, "unknown command '%s'", argv[1]);
	if (!c->own_help && wants_help(argc - 2, argv + 2))
		return cmd_help(2, argv);
	if (no_core_dumps() != 0)
		fprintf(stderr, "aurora-gitops: warning: cannot disable core dumps: %s\n",
		    strerror(errno));
	/* Over a file size limit (RLIMIT_FSIZE) a write fails with EFBIG and
	 * is reported like a full disk, instead of the signal killing the
	 * process in the middle of writing its state. */
	signal(SIGXFSZ, SIG_IGN);
#ifdef M_ARENA_MAX
	/* One malloc arena: the threads of a concurrent read would otherwise
	 * each get one (a MiB or two more peak RSS at 1,000 clusters), and
	 * they spend their time waiting on the network, not in malloc. */
	mallopt(M_ARENA_MAX, 1);
#endif
	if (sodium_init() < 0) {
		fprintf(stderr, "aurora-gitops: cannot initialise libsodium\n");
		return AG_EXIT_ERROR;
	}
	curl_global_init(CURL_GLOBAL_DEFAULT);
	/* libgit2 is initialised by the git layer when a command first opens a
	 * repository (ag_git_global_init): its TLS backend parses the system's
	 * CA bundle at init, which a --dir run never needs. Shutting down an
	 * uninitialised libgit2 is a no-op. */
	ag_cli_log_setup(0, 0);
	rc = c->fn(argc - 1, argv + 1);
	git_libgit2_shutdown();
	curl_global_cleanup();
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, "aurora-gitops: write failure on standard output: %s\n",
		    strerror(errno));
		return AG_EXIT_ERROR;
	}
	return rc;
}
