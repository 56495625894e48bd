#include "cli/cli.h"
#include "cli/opts.h"

#include <getopt.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "agent/daemon.h"
#include "cli/gitsrc.h"
#include "core/mem.h"
#include "core/kv.h"
#include "core/runconf.h"
#include "core/shard.h"

#include "core/compat.h"

#define WEBHOOK_SECRET_ENV "AURORA_GITOPS_WEBHOOK_SECRET"
#define MANIFEST_CACHE_ENV "AURORA_GITOPS_MANIFEST_CACHE"

enum {
	R_DIR = 256,
	R_REPO,
	R_BRANCH,
	R_STATE_DIR,
	R_KEY_FILE,
	R_KEY_DIR,
	R_MODE,
	R_MAX_DELETES,
	R_INTERVAL,
	R_DRIFT_INTERVAL,
	R_DEBOUNCE,
	R_CONFIG,
	R_NO_WATCH,
	R_LISTEN,
	R_WEBHOOK,
	R_WEBHOOK_SECRET_FILE,
	R_SHARD,
	R_LOG_FORMAT,
	R_PATH,
	R_NOTES_REF,
	R_REQUIRE_SIGNED,
	R_ALLOWED_SIGNERS,
	R_AGENT_ID,
	R_TOKEN_ENV,
	R_TOKEN_FILE,
	R_SSH_KEY,
	R_SSH_KNOWN_HOSTS,
	R_SSH_ACCEPT_NEW,
	R_FORBID_WEAKENING,
};

static const struct option run_longopts[] = {
    {"dir", required_argument, NULL, R_DIR},
    {"repo", required_argument, NULL, R_REPO},
    {"branch", required_argument, NULL, R_BRANCH},
    {"state-dir", required_argument, NULL, R_STATE_DIR},
    {"key-file", required_argument, NULL, R_KEY_FILE},
    {"key-dir", required_argument, NULL, R_KEY_DIR},
    {"mode", required_argument, NULL, R_MODE},
    {"max-deletes", required_argument, NULL, R_MAX_DELETES},
    {"interval", required_argument, NULL, R_INTERVAL},
    {"drift-interval", required_argument, NULL, R_DRIFT_INTERVAL},
    {"debounce", required_argument, NULL, R_DEBOUNCE},
    {"config", required_argument, NULL, R_CONFIG},
    {"no-watch", no_argument, NULL, R_NO_WATCH},
    {"listen", required_argument, NULL, R_LISTEN},
    {"webhook", required_argument, NULL, R_WEBHOOK},
    {"webhook-secret-file", required_argument, NULL, R_WEBHOOK_SECRET_FILE},
    {"shard", required_argument, NULL, R_SHARD},
    {"log-format", required_argument, NULL, R_LOG_FORMAT},
    {"path", required_argument, NULL, R_PATH},
    {"notes-ref", required_argument, NULL, R_NOTES_REF},
    {"require-signed-commits", no_argument, NULL, R_REQUIRE_SIGNED},
    {"allowed-signers", required_argument, NULL, R_ALLOWED_SIGNERS},
    {"agent-id", required_argument, NULL, R_AGENT_ID},
    {"git-token-env", required_argument, NULL, R_TOKEN_ENV},
    {"git-token-file", required_argument, NULL, R_TOKEN_FILE},
    {"ssh-key", required_argument, NULL, R_SSH_KEY},
    {"ssh-known-hosts", required_argument, NULL, R_SSH_KNOWN_HOSTS},
    {"ssh-accept-new-host", no_argument, NULL, R_SSH_ACCEPT_NEW},
    {"forbid-weakening", no_argument, NULL, R_FORBID_WEAKENING},
    {"verbose", no_argument, NULL, 'v'},
    {"quiet", no_argument, NULL, 'q'},
    {NULL, 0, NULL, 0},
};

static int
duration(long *out, const char *opt, const char *val)
{
	if (ag_runconf_parse_duration(out, val) != 0)
		return ag_cli_usage(
		    "run", "%s: bad duration '%s' (e.g. 500ms, 30s, 5m; at most 24h)", opt, val);
	return 0;
}

/*
 * run: the agent as a service. Parses its own options (durations, listeners,
 * shard) and hands over to the daemon loop; only a failure to start is an
 * error exit, a SIGTERM is a clean one.
 */
int
cmd_run(int argc, char **argv)
{
	struct ag_error err = AG_ERROR_INIT;
	struct ag_strlist key_files = AG_STRLIST_INIT, key_dirs = AG_STRLIST_INIT;
	struct ag_daemon_opts o;
	struct ag_cli_git git;
	int c, rc, verbosity = 1, json = 0;
	char *end;
	long n;

	ag_daemon_opts_init(&o);
	memset(&git, 0, sizeof(git));
	o.version = AG_VERSION;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":vq", run_longopts, NULL)) != -1) {
		rc = 0;
		switch (c) {
		case R_DIR:
			o.cycle.dir = optarg;
			break;
		case R_REPO:
			git.repo = optarg;
			break;
		case R_BRANCH:
			git.branch = optarg;
			break;
		case R_PATH:
			git.path = optarg;
			break;
		case R_NOTES_REF:
			git.notes_ref = optarg;
			if (strlen(optarg) >= sizeof(o.flags.notes_ref))
				rc = ag_cli_usage("run", "--notes-ref: '%s' is too long", optarg);
			snprintf(o.flags.notes_ref, sizeof(o.flags.notes_ref), "%s", optarg);
			break;
		case R_FORBID_WEAKENING:
			o.flags.forbid_weakening = 1;
			break;
		case R_REQUIRE_SIGNED:
			git.require_signed = true;
			break;
		case R_ALLOWED_SIGNERS:
			git.allowed_signers = optarg;
			break;
		case R_AGENT_ID:
			git.agent_id = optarg;
			break;
		case R_TOKEN_ENV:
			git.token_env = optarg;
			break;
		case R_TOKEN_FILE:
			git.token_file = optarg;
			break;
		case R_SSH_KEY:
			git.ssh_key = optarg;
			break;
		case R_SSH_KNOWN_HOSTS:
			git.ssh_known_hosts = optarg;
			break;
		case R_SSH_ACCEPT_NEW:
			git.ssh_accept_new_host = true;
			break;
		case R_STATE_DIR:
			o.cycle.state_dir = optarg;
			break;
		case R_KEY_FILE:
			ag_strlist_add(&key_files, optarg);
			break;
		case R_KEY_DIR:
			ag_strlist_add(&key_dirs, optarg);
			break;
		case R_MODE:
			if (strcmp(optarg, "observe") == 0)
				o.cycle.mode = AG_MODE_OBSERVE;
			else if (strcmp(optarg, "plan") == 0)
				o.cycle.mode = AG_MODE_PLAN;
			else if (strcmp(optarg, "apply") == 0)
				o.cycle.mode = AG_MODE_APPLY;
			else
				rc = ag_cli_usage("run",
				    "unknown mode '%s' (expected observe, plan or apply)", optarg);
			o.cycle.mode_given = true;
			o.flags.mode = o.cycle.mode;
			break;
		case R_MAX_DELETES:
			n = strtol(optarg, &end, 10);
			if (end == optarg || *end != '\0' || n < 0 || n > 1000)
				rc = ag_cli_usage("run",
				    "--max-deletes takes a whole number from 0 to 1000, not '%s'",
				    optarg);
			o.cycle.max_deletes = (int)n;
			o.flags.max_deletes = n;
			break;
		case R_INTERVAL:
			rc = duration(&o.flags.interval_ms, "--interval", optarg);
			break;
		case R_DRIFT_INTERVAL:
			rc = duration(&o.flags.drift_interval_ms, "--drift-interval", optarg);
			break;
		case R_DEBOUNCE:
			rc = duration(&o.flags.debounce_ms, "--debounce", optarg);
			break;
		case R_CONFIG:
			o.config_file = optarg;
			break;
		case R_NO_WATCH:
			o.watch = false;
			break;
		case R_LISTEN:
			o.listen = optarg;
			break;
		case R_WEBHOOK:
			o.webhook = optarg;
			break;
		case R_WEBHOOK_SECRET_FILE:
			o.webhook_secret_file = optarg;
			break;
		case R_SHARD:
			if (ag_shard_parse(&o.shard, optarg, &err) != 0)
				rc = ag_cli_usage("run", "--shard: %s", err.msg);
			break;
		case R_LOG_FORMAT:
			if (strcmp(optarg, "text") == 0)
				json = 0;
			else if (strcmp(optarg, "json") == 0)
				json = 1;
			else
				rc = ag_cli_usage("run",
				    "unknown log format '%s' (expected text or json)", optarg);
			break;
		case 'v':
			verbosity++;
			break;
		case 'q':
			verbosity = 0; /* warnings and errors only */
			break;
		default:
			rc = ag_cli_opt_error("run", c, argv, run_longopts);
		}
		if (rc != 0)
			goto out;
	}
	if (optind < argc) {
		rc = ag_cli_usage("run", "unexpected argument '%s'", argv[optind]);
		goto out;
	}
	if ((o.cycle.dir == NULL) == (git.repo == NULL)) {
		rc = ag_cli_usage("run", "%s",
		    git.repo ? "--dir and --repo exclude each other"
		             : "no source given: pass --repo URL [--branch B] or --dir DIR");
		goto out;
	}
	if (git.repo == NULL && (git.branch || git.path || git.require_signed)) {
		rc = ag_cli_usage(
		    "run", "--branch, --path and --require-signed-commits need --repo");
		goto out;
	}
	if (git.ssh_accept_new_host && git.ssh_known_hosts == NULL) {
		rc = ag_cli_usage("run", "--ssh-accept-new-host needs --ssh-known-hosts FILE (the "
		                         "file new host keys are added to)");
		goto out;
	}
	if (git.token_env && git.token_file) {
		rc = ag_cli_usage("run", "--git-token-env and --git-token-file exclude each other");
		goto out;
	}
	if (git.require_signed && git.allowed_signers == NULL) {
		rc = ag_cli_usage("run", "--require-signed-commits needs --allowed-signers FILE");
		goto out;
	}
	if (git.repo != NULL) {
		if (ag_cli_git_token(&git, &err) < 0) {
			rc = ag_cli_fail(&err);
			goto out;
		}
		o.git.url = git.repo;
		o.git.branch = git.branch;
		o.git.path = git.path;
		o.git.notes_ref = git.notes_ref;
		o.git.auth.https_token = git.token;
		o.git.auth.ssh_key = git.ssh_key;
		o.git.auth.ssh_known_hosts = git.ssh_known_hosts;
		o.git.auth.ssh_accept_new_host = git.ssh_accept_new_host;
		o.git.require_signed = git.require_signed;
		o.git.allowed_signers = git.allowed_signers;
		o.git.agent_id = git.agent_id;
	}
	{
		const char *mc = getenv(MANIFEST_CACHE_ENV);

		if (mc != NULL && strcmp(mc, "off") != 0 && strcmp(mc, "on") != 0) {
			rc = ag_cli_usage(
			    "run", MANIFEST_CACHE_ENV " must be 'on' or 'off', not '%s'", mc);
			goto out;
		}
		o.no_manifest_cache = mc != NULL && strcmp(mc, "off") == 0;
	}
	if (o.webhook != NULL) {
		o.webhook_secret_env = getenv(WEBHOOK_SECRET_ENV);
		if (o.webhook_secret_file == NULL && o.webhook_secret_env == NULL) {
			rc = ag_cli_usage("run",
			    "--webhook needs a secret: --webhook-secret-file FILE or the "
			    "environment variable " WEBHOOK_SECRET_ENV);
			goto out;
		}
	}
	o.cycle.key_files = (const char *const *)key_files.v;
	o.cycle.n_key_files = key_files.n;
	o.cycle.key_dirs = (const char *const *)key_dirs.v;
	o.cycle.n_key_dirs = key_dirs.n;
	ag_cli_log_setup(json, verbosity);
	rc = ag_daemon_run(&o, &err) == 0 ? AG_EXIT_OK : ag_cli_fail(&err);
out:
	if (git.token != NULL) {
		sodium_memzero(git.token, strlen(git.token));
		free(git.token);
	}
	ag_strlist_release(&key_files);
	ag_strlist_release(&key_dirs);
	return rc;
}
