#include "cli/opts.h"
#include "cli/cli.h"
#include "core/mem.h"

#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "core/compat.h"

enum {
	O_DIR = 256,
	O_REPO,
	O_BRANCH,
	O_STATE_DIR,
	O_KEY_FILE,
	O_KEY_DIR,
	O_FORMAT,
	O_OUT,
	O_DETAILED,
	O_AUTO_APPROVE,
	O_PLAN_DIGEST,
	O_CLUSTER,
	O_MODE,
	O_MAX_DELETES,
	O_LOG_FORMAT,
	O_ALL,
	O_MATCH,
	O_FORBID_WEAKENING,
	O_WAIT_TIMEOUT,
	O_POLL,
	O_PATH,
	O_REF,
	O_NOTES_REF,
	O_NOTE,
	O_REQUIRE_SIGNED,
	O_ALLOWED_SIGNERS,
	O_AGENT_ID,
	O_TOKEN_ENV,
	O_TOKEN_FILE,
	O_SSH_KEY,
	O_SSH_KNOWN_HOSTS,
	O_SSH_ACCEPT_NEW,
	O_BASE,
	O_HEAD,
	O_OUT_JSON,
	O_CONTEXT,
	O_BLOB_URL,
};

static const struct option longopts[] = {
    {"dir", required_argument, NULL, O_DIR},
    {"repo", required_argument, NULL, O_REPO},
    {"branch", required_argument, NULL, O_BRANCH},
    {"state-dir", required_argument, NULL, O_STATE_DIR},
    {"key-file", required_argument, NULL, O_KEY_FILE},
    {"key-dir", required_argument, NULL, O_KEY_DIR},
    {"format", required_argument, NULL, O_FORMAT},
    {"out", required_argument, NULL, O_OUT},
    {"detailed-exitcode", no_argument, NULL, O_DETAILED},
    {"auto-approve", no_argument, NULL, O_AUTO_APPROVE},
    {"plan-digest", required_argument, NULL, O_PLAN_DIGEST},
    {"cluster", required_argument, NULL, O_CLUSTER},
    {"mode", required_argument, NULL, O_MODE},
    {"max-deletes", required_argument, NULL, O_MAX_DELETES},
    {"log-format", required_argument, NULL, O_LOG_FORMAT},
    {"all", no_argument, NULL, O_ALL},
    {"match", required_argument, NULL, O_MATCH},
    {"forbid-weakening", no_argument, NULL, O_FORBID_WEAKENING},
    {"wait-timeout", required_argument, NULL, O_WAIT_TIMEOUT},
    {"poll-interval", required_argument, NULL, O_POLL},
    {"path", required_argument, NULL, O_PATH},
    {"ref", required_argument, NULL, O_REF},
    {"notes-ref", required_argument, NULL, O_NOTES_REF},
    {"note", no_argument, NULL, O_NOTE},
    {"require-signed-commits", no_argument, NULL, O_REQUIRE_SIGNED},
    {"allowed-signers", required_argument, NULL, O_ALLOWED_SIGNERS},
    {"agent-id", required_argument, NULL, O_AGENT_ID},
    {"git-token-env", required_argument, NULL, O_TOKEN_ENV},
    {"git-token-file", required_argument, NULL, O_TOKEN_FILE},
    {"ssh-key", required_argument, NULL, O_SSH_KEY},
    {"ssh-known-hosts", required_argument, NULL, O_SSH_KNOWN_HOSTS},
    {"ssh-accept-new-host", no_argument, NULL, O_SSH_ACCEPT_NEW},
    {"base", required_argument, NULL, O_BASE},
    {"head", required_argument, NULL, O_HEAD},
    {"out-json", required_argument, NULL, O_OUT_JSON},
    {"context", required_argument, NULL, O_CONTEXT},
    {"blob-url", required_argument, NULL, O_BLOB_URL},
    {"verbose", no_argument, NULL, 'v'},
    {"quiet", no_argument, NULL, 'q'},
    {NULL, 0, NULL, 0},
};

/* Parses a whole non-negative number of at most max. */
static int
parse_count(long *out, const char *s, long max)
{
	char *end;

	errno = 0;
	*out = strtol(s, &end, 10);
	return errno == 0 && end != s && *end == '\0' && *out >= 0 && *out <= max ? 0 : -1;
}

/* "90", "90s", "5m", "2h", "500ms" -> milliseconds. */
static int
parse_duration_ms(long *out, const char *s)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || v < 0)
		return -1;
	if (*end == '\0' || strcmp(end, "s") == 0)
		*out = v * 1000;
	else if (strcmp(end, "ms") == 0)
		*out = v;
	else if (strcmp(end, "m") == 0)
		*out = v * 60000;
	else if (strcmp(end, "h") == 0)
		*out = v * 3600000;
	else
		return -1;
	return 0;
}

static int
mode_from(enum ag_mode *out, const char *s)
{
	if (strcmp(s, "observe") == 0)
		*out = AG_MODE_OBSERVE;
	else if (strcmp(s, "plan") == 0)
		*out = AG_MODE_PLAN;
	else if (strcmp(s, "apply") == 0)
		*out = AG_MODE_APPLY;
	else
		return -1;
	return 0;
}

static void
git_option(struct ag_cli_git *g, int c, const char *arg)
{
	switch (c) {
	case O_REPO:
		g->repo = arg;
		break;
	case O_BRANCH:
		g->branch = arg;
		break;
	case O_PATH:
		g->path = arg;
		break;
	case O_REF:
		g->ref = arg;
		break;
	case O_NOTES_REF:
		g->notes_ref = arg;
		break;
	case O_REQUIRE_SIGNED:
		g->require_signed = true;
		break;
	case O_ALLOWED_SIGNERS:
		g->allowed_signers = arg;
		break;
	case O_AGENT_ID:
		g->agent_id = arg;
		break;
	case O_TOKEN_ENV:
		g->token_env = arg;
		break;
	case O_TOKEN_FILE:
		g->token_file = arg;
		break;
	case O_SSH_KEY:
		g->ssh_key = arg;
		break;
	case O_SSH_KNOWN_HOSTS:
		g->ssh_known_hosts = arg;
		break;
	case O_SSH_ACCEPT_NEW:
		g->ssh_accept_new_host = true;
		break;
	}
}

int
ag_cli_opts_parse(struct ag_cli_opts *o, int argc, char **argv, unsigned accept)
{
	const char *cmd = argv[0];
	int c, verbosity = 0, json_logs = 0;
	long n;

	memset(o, 0, sizeof(*o));
	ag_cycle_config_init(&o->cfg);
	o->format = "text";
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":vq", longopts, NULL)) != -1) {
		switch (c) {
		case O_DIR:
			if (!(accept & (AG_OPT_SOURCE | AG_OPT_OUTDIR)))
				goto unknown;
			o->cfg.dir = optarg;
			break;
		case O_REPO:
		case O_BRANCH:
		case O_PATH:
		case O_REF:
		case O_NOTES_REF:
		case O_REQUIRE_SIGNED:
		case O_ALLOWED_SIGNERS:
		case O_AGENT_ID:
		case O_TOKEN_ENV:
		case O_TOKEN_FILE:
		case O_SSH_KEY:
		case O_SSH_KNOWN_HOSTS:
		case O_SSH_ACCEPT_NEW:
			if (!(accept & AG_OPT_SOURCE))
				goto unknown;
			git_option(&o->git, c, optarg);
			break;
		case O_NOTE:
			if (!(accept & AG_OPT_NOTE))
				goto unknown;
			o->git.note = true;
			break;
		case O_BASE:
		case O_HEAD:
		case O_OUT_JSON:
		case O_CONTEXT:
		case O_BLOB_URL:
			if (!(accept & AG_OPT_PR))
				goto unknown;
			if (c == O_BASE)
				o->pr.base = optarg;
			else if (c == O_HEAD)
				o->pr.head = optarg;
			else if (c == O_OUT_JSON)
				o->pr.out_json = optarg;
			else if (c == O_CONTEXT)
				o->pr.context = optarg;
			else
				o->pr.blob_url = optarg;
			break;
		case O_STATE_DIR:
			o->cfg.state_dir = optarg;
			break;
		case O_KEY_FILE:
			ag_strlist_add(&o->key_files, optarg);
			break;
		case O_KEY_DIR:
			ag_strlist_add(&o->key_dirs, optarg);
			break;
		case O_FORMAT:
			if (!(accept & AG_OPT_FORMAT))
				goto unknown;
			if (strcmp(optarg, "text") && strcmp(optarg, "json") &&
			    strcmp(optarg, "markdown"))
				return ag_cli_usage(cmd,
				    "unknown format '%s' (expected text, json or markdown)",
				    optarg);
			o->format = optarg;
			break;
		case O_OUT:
			if (!(accept & (AG_OPT_FORMAT | AG_OPT_OUTDIR)))
				goto unknown;
			o->out = optarg;
			break;
		case O_DETAILED:
			if (!(accept & AG_OPT_EXITCODE))
				goto unknown;
			o->detailed_exitcode = true;
			break;
		case O_AUTO_APPROVE:
			if (!(accept & AG_OPT_APPROVE))
				goto unknown;
			o->cfg.auto_approve = true;
			break;
		case O_PLAN_DIGEST:
			if (!(accept & AG_OPT_APPROVE))
				goto unknown;
			if (strlen(optarg) != 64 || strspn(optarg, "0123456789abcdef") != 64)
				return ag_cli_usage(
				    cmd, "--plan-digest must be the 64 hex digits 'plan' printed");
			o->cfg.plan_digest = optarg;
			break;
		case O_CLUSTER: {
			/* RDS stores identifiers lower-case, and so do manifests */
			char *id = ag_xstrdup(optarg), *p;

			for (p = id; *p; p++)
				*p = (char)tolower((unsigned char)*p);
			ag_strlist_add(&o->clusters, id);
			free(id);
			break;
		}
		case O_MODE:
			if (mode_from(&o->cfg.mode, optarg) < 0)
				return ag_cli_usage(cmd,
				    "unknown mode '%s' (expected observe, plan or apply)", optarg);
			o->cfg.mode_given = true;
			break;
		case O_MAX_DELETES:
			if (parse_count(&n, optarg, 1000) < 0)
				return ag_cli_usage(cmd,
				    "--max-deletes takes a whole number from 0 to 1000, not '%s'",
				    optarg);
			o->cfg.max_deletes = (int)n;
			break;
		case O_LOG_FORMAT:
			if (strcmp(optarg, "text") == 0)
				json_logs = 0;
			else if (strcmp(optarg, "json") == 0)
				json_logs = 1;
			else
				return ag_cli_usage(
				    cmd, "unknown log format '%s' (expected text or json)", optarg);
			break;
		case O_ALL:
			o->cfg.include_unmanaged = true;
			o->all = true;
			break;
		case O_FORBID_WEAKENING:
			if (!(accept & AG_OPT_SOURCE))
				goto unknown;
			o->cfg.forbid_weakening = true;
			break;
		case O_MATCH:
			if (!(accept & AG_OPT_OUTDIR))
				goto unknown;
			o->match = optarg;
			break;
		case O_WAIT_TIMEOUT:
			if (parse_duration_ms(&o->cfg.wait_timeout_ms, optarg) < 0)
				return ag_cli_usage(
				    cmd, "bad duration '%s' (e.g. 90s, 5m, 2h)", optarg);
			break;
		case O_POLL:
			if (parse_duration_ms(&o->cfg.poll_interval_ms, optarg) < 0)
				return ag_cli_usage(
				    cmd, "bad duration '%s' (e.g. 500ms, 30s)", optarg);
			break;
		case 'v':
			verbosity++;
			break;
		case 'q':
			verbosity = -1;
			break;
		case ':':
			return ag_cli_usage(cmd, "option '%s' needs a value", argv[optind - 1]);
		default:
		unknown:
			return ag_cli_usage(cmd, "unknown option '%s'", argv[optind - 1]);
		}
	}
	for (; optind < argc; optind++)
		ag_strlist_add(&o->args, argv[optind]);
	if ((o->pr.base == NULL) != (o->pr.head == NULL))
		return ag_cli_usage(cmd, "--base and --head go together");
	if (o->pr.base != NULL && o->git.repo == NULL)
		return ag_cli_usage(cmd, "--base and --head need --repo PATH|URL");
	if (o->pr.base == NULL && (o->pr.out_json || o->pr.context || o->pr.blob_url))
		return ag_cli_usage(
		    cmd, "--out-json, --context and --blob-url need --base and --head");
	if ((accept & AG_OPT_SOURCE) && o->cfg.dir && o->git.repo)
		return ag_cli_usage(cmd, "--dir and --repo name two sources: pass one");
	if ((accept & AG_OPT_SOURCE) && o->cfg.dir == NULL && o->git.repo == NULL)
		return ag_cli_usage(cmd, "no source given: pass --dir DIR or --repo URL");
	if (o->git.repo == NULL &&
	    (o->git.branch || o->git.path || o->git.ref || o->git.require_signed || o->git.note))
		return ag_cli_usage(cmd,
		    "--branch, --path, --ref, --note and --require-signed-commits need --repo");
	if (o->git.require_signed && o->git.allowed_signers == NULL)
		return ag_cli_usage(cmd, "--require-signed-commits needs --allowed-signers FILE");
	if (o->git.ssh_accept_new_host && o->git.ssh_known_hosts == NULL)
		return ag_cli_usage(cmd, "--ssh-accept-new-host needs --ssh-known-hosts FILE "
		                         "(the file new host keys are added to)");
	if (o->git.token_env && o->git.token_file)
		return ag_cli_usage(cmd, "--git-token-env and --git-token-file: pass one");
	o->cfg.key_files = (const char *const *)o->key_files.v;
	o->cfg.n_key_files = o->key_files.n;
	o->cfg.key_dirs = (const char *const *)o->key_dirs.v;
	o->cfg.n_key_dirs = o->key_dirs.n;
	o->cfg.clusters = (const char *const *)o->clusters.v;
	o->cfg.n_clusters = o->clusters.n;
	o->verbosity = verbosity;
	ag_cli_log_setup(json_logs, verbosity);
	return 0;
}

void
ag_cli_opts_release(struct ag_cli_opts *o)
{
	if (o->git.token) {
		sodium_memzero(o->git.token, strlen(o->git.token));
		free(o->git.token);
		o->git.token = NULL;
	}
	ag_strlist_release(&o->args);
	ag_strlist_release(&o->clusters);
	ag_strlist_release(&o->key_files);
	ag_strlist_release(&o->key_dirs);
}
