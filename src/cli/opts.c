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
	O_OUTDIR, /* import's --out DIR: same name, another meaning */
	O_BASE,
	O_HEAD,
	O_OUT_JSON,
	O_CONTEXT,
	O_BLOB_URL,
	O_MATCH,
	O_FORBID_WEAKENING,
	O_SINCE,
	O_WAIT,
	O_RECORDED,
	O_FORMAT_RUNBOOK, /* --format of the runbook commands: text or json */
	O_FORMAT_OUTPUTS, /* --format of outputs: text, json or env */
};

/* Every option of the reconcile commands: what it takes and what it does. */
struct optdef {
	int id;
	const char *name;
	const char *value; /* shown in help; NULL for a flag */
	const char *help;
};

static const struct optdef optdefs[] = {
    {O_DIR, "dir", "DIR", "read the manifests from directory DIR"},
    {O_REPO, "repo", "URL", "read the manifests from a git repository (URL or path)"},
    {O_BRANCH, "branch", "B", "branch to follow (with --repo; default: the remote HEAD)"},
    {O_PATH, "path", "SUBDIR", "manifests directory inside the repository"},
    {O_REF, "ref", "REV", "plan or apply this revision instead of the branch tip"},
    {O_NOTES_REF, "notes-ref", "REF", "git notes ref for results"},
    {O_AGENT_ID, "agent-id", "ID", "name of this agent in notes"},
    {O_REQUIRE_SIGNED, "require-signed-commits", NULL,
        "refuse commits not signed by an allowed key"},
    {O_ALLOWED_SIGNERS, "allowed-signers", "FILE", "ssh allowed-signers file for signed commits"},
    {O_TOKEN_ENV, "git-token-env", "VAR", "environment variable holding an https token"},
    {O_TOKEN_FILE, "git-token-file", "FILE", "file holding an https token (mode 600)"},
    {O_SSH_KEY, "ssh-key", "FILE", "ssh private key for the repository"},
    {O_SSH_KNOWN_HOSTS, "ssh-known-hosts", "FILE", "known_hosts file for ssh"},
    {O_SSH_ACCEPT_NEW, "ssh-accept-new-host", NULL, "trust and record an unknown ssh host key"},
    {O_CLUSTER, "cluster", "ID", "only this cluster (repeatable)"},
    {O_FORMAT, "format", "FMT", "output format: text, json or markdown"},
    {O_FORMAT_RUNBOOK, "format", "FMT", "output format: text (for people) or json (for scripts)"},
    {O_FORMAT_OUTPUTS, "format", "FMT",
        "output format: text, json, or env (shell assignments, quoted for eval)"},
    {O_SINCE, "since", "D", "events of the last D (1m..14d; default 24h)"},
    {O_WAIT, "wait", NULL, "wait until the snapshot is available"},
    {O_RECORDED, "recorded", NULL, "print what the last reconcile recorded (no AWS call)"},
    {O_OUT, "out", "FILE", "write the plan to FILE instead of standard output"},
    {O_OUTDIR, "out", "DIR", "write DIR/<id>.yaml (never overwrites) instead of standard output"},
    {O_DETAILED, "detailed-exitcode", NULL, "exit 2 when there are changes"},
    {O_BASE, "base", "REV", "pull request: the target branch's revision (with --head, --repo)"},
    {O_HEAD, "head", "REV", "pull request: the proposed revision (with --base, --repo)"},
    {O_OUT_JSON, "out-json", "FILE", "pull request: also write the JSON report to FILE"},
    {O_CONTEXT, "context", "NAME", "pull request: names the sticky comment"},
    {O_BLOB_URL, "blob-url", "URL", "pull request: manifest links; {sha} is the head commit"},
    {O_NOTE, "note", NULL, "record the plan as a git note on the commit (with --repo)"},
    {O_ALL, "all", NULL, "clusters no manifest covers: plan lists them, import adopts them"},
    {O_MATCH, "match", "GLOB", "import the clusters whose identifier matches GLOB"},
    {O_FORBID_WEAKENING, "forbid-weakening", NULL, "block every change that lowers protection"},
    {O_MODE, "mode", "M", "default mode for manifests that set none: observe, plan or apply"},
    {O_AUTO_APPROVE, "auto-approve", NULL, "apply without asking"},
    {O_PLAN_DIGEST, "plan-digest", "HEX", "apply only if the plan still has this digest"},
    {O_MAX_DELETES, "max-deletes", "N", "refuse a cycle deleting more than N clusters (0..1000)"},
    {O_POLL, "poll-interval", "D", "how often to poll while waiting (100ms..1h)"},
    {O_WAIT_TIMEOUT, "wait-timeout", "D", "give up waiting on one resource after D (1s..48h)"},
    {O_STATE_DIR, "state-dir", "DIR", "state directory (default: the per-user state directory)"},
    {O_KEY_FILE, "key-file", "FILE", "secret key for sealed values (repeatable)"},
    {O_KEY_DIR, "key-dir", "DIR", "directory of secret keys (repeatable)"},
    {O_LOG_FORMAT, "log-format", "FMT", "log lines as text or json"},
    {'v', "verbose", NULL, "more detail on standard error (-vv: debug)"},
    {'q', "quiet", NULL, "only errors on standard error"},
};

#define GIT_OPTS                                                                                   \
	O_REPO, O_BRANCH, O_PATH, O_REF, O_NOTES_REF, O_AGENT_ID, O_REQUIRE_SIGNED,                \
	    O_ALLOWED_SIGNERS, O_TOKEN_ENV, O_TOKEN_FILE, O_SSH_KEY, O_SSH_KNOWN_HOSTS,            \
	    O_SSH_ACCEPT_NEW
#define LOG_OPTS O_LOG_FORMAT, 'v', 'q'

static const int plan_opts[] = {O_DIR, GIT_OPTS, O_BASE, O_HEAD, O_OUT_JSON, O_CONTEXT, O_BLOB_URL,
    O_CLUSTER, O_FORMAT, O_OUT, O_DETAILED, O_NOTE, O_ALL, O_MODE, O_FORBID_WEAKENING,
    O_MAX_DELETES, O_STATE_DIR, O_KEY_FILE, O_KEY_DIR, LOG_OPTS, 0};
static const int apply_opts[] = {O_DIR, GIT_OPTS, O_CLUSTER, O_PLAN_DIGEST, O_AUTO_APPROVE, O_MODE,
    O_FORBID_WEAKENING, O_MAX_DELETES, O_POLL, O_WAIT_TIMEOUT, O_STATE_DIR, O_KEY_FILE, O_KEY_DIR,
    LOG_OPTS, 0};
static const int sync_opts[] = {O_DIR, GIT_OPTS, O_CLUSTER, O_PLAN_DIGEST, O_MODE,
    O_FORBID_WEAKENING, O_MAX_DELETES, O_POLL, O_WAIT_TIMEOUT, O_STATE_DIR, O_KEY_FILE, O_KEY_DIR,
    LOG_OPTS, 0};
static const int unmanaged_opts[] = {O_DIR, GIT_OPTS, O_FORBID_WEAKENING, O_STATE_DIR, LOG_OPTS, 0};
static const int import_opts[] = {O_DIR, O_ALL, O_MATCH, O_OUTDIR, LOG_OPTS, 0};
static const int outputs_opts[] = {O_FORMAT_OUTPUTS, O_RECORDED, O_STATE_DIR, LOG_OPTS, 0};
static const int show_opts[] = {O_FORMAT_RUNBOOK, O_SINCE, LOG_OPTS, 0};
static const int snapshots_opts[] = {O_FORMAT_RUNBOOK, LOG_OPTS, 0};
static const int snapshot_opts[] = {O_FORMAT_RUNBOOK, O_WAIT, O_POLL, O_WAIT_TIMEOUT, LOG_OPTS, 0};
static const int events_opts[] = {O_FORMAT_RUNBOOK, O_SINCE, LOG_OPTS, 0};

/* One command: its operands and the options it takes. */
struct cmdspec {
	const char *name;
	const char *source;   /* synopsis of the required source; NULL: none */
	const char *operands; /* synopsis of the positional arguments; NULL: none */
	const int *opts;
};

static const struct cmdspec cmdspecs[] = {
    {"plan", "(--dir DIR | --repo URL)", NULL, plan_opts},
    {"apply", "(--dir DIR | --repo URL)", NULL, apply_opts},
    {"sync", "(--dir DIR | --repo URL)", NULL, sync_opts},
    {"unmanaged", "(--dir DIR | --repo URL)", NULL, unmanaged_opts},
    {"import", NULL, "CLUSTER_ID...", import_opts},
    {"outputs", NULL, "CLUSTER", outputs_opts},
    {"show", NULL, "CLUSTER", show_opts},
    {"snapshots", NULL, "CLUSTER", snapshots_opts},
    {"snapshot", NULL, "CLUSTER", snapshot_opts},
    {"events", NULL, "CLUSTER", events_opts},
};

static const struct cmdspec *
spec_find(const char *cmd)
{
	size_t i;

	for (i = 0; i < sizeof(cmdspecs) / sizeof(cmdspecs[0]); i++)
		if (strcmp(cmdspecs[i].name, cmd) == 0)
			return &cmdspecs[i];
	return NULL;
}

static bool
spec_has(const struct cmdspec *s, int id)
{
	const int *p;

	for (p = s->opts; *p; p++)
		if (*p == id)
			return true;
	return false;
}

static const struct optdef *
optdef_find(int id)
{
	size_t i;

	for (i = 0; i < sizeof(optdefs) / sizeof(optdefs[0]); i++)
		if (optdefs[i].id == id)
			return &optdefs[i];
	return NULL;
}

bool
ag_cli_opts_known(const char *cmd)
{
	return spec_find(cmd) != NULL;
}

void
ag_cli_opts_synopsis(FILE *f, const char *cmd)
{
	const struct cmdspec *s = spec_find(cmd);

	if (s == NULL)
		return;
	fprintf(f, "%s%s%s%s%s [OPTION...]\n", s->name, s->source ? " " : "",
	    s->source ? s->source : "", s->operands ? " " : "", s->operands ? s->operands : "");
}

void
ag_cli_opts_help(FILE *f, const char *cmd)
{
	const struct cmdspec *s = spec_find(cmd);
	const struct optdef *d;
	const int *p;
	char left[64];

	if (s == NULL)
		return;
	fputs("usage: aurora-gitops ", f);
	ag_cli_opts_synopsis(f, cmd);
	fputs("\noptions:\n", f);
	for (p = s->opts; *p; p++) {
		d = optdef_find(*p);
		if (d->id == 'v' || d->id == 'q')
			snprintf(left, sizeof(left), "-%c, --%s", d->id, d->name);
		else
			snprintf(left, sizeof(left), "--%s%s%s", d->name, d->value ? " " : "",
			    d->value ? d->value : "");
		fprintf(f, "  %-30s %s\n", left, d->help);
	}
	fputs("durations: 500ms, 90s (or 90), 5m, 2h, 3d\n", f);
}

/* The commands other than cmd that take option id, for the usage error. */
static void
taken_by(char *buf, size_t len, const char *cmd, int id)
{
	size_t i, used = 0;

	buf[0] = '\0';
	for (i = 0; i < sizeof(cmdspecs) / sizeof(cmdspecs[0]); i++) {
		int n;

		if (strcmp(cmdspecs[i].name, cmd) == 0 || !spec_has(&cmdspecs[i], id))
			continue;
		n = snprintf(buf + used, len - used, "%s%s", used ? ", " : "", cmdspecs[i].name);
		if (n < 0 || (size_t)n >= len - used)
			break;
		used += (size_t)n;
	}
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

/* Parses a whole number from min to max (digits only, no sign). */
static int
parse_count(long *out, const char *s, long min, long max)
{
	char *end;
	long long v;

	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno || *end != '\0' || v < min || v > max)
		return -1;
	*out = (long)v;
	return 0;
}

/*
 * "90", "90s", "5m", "2h", "3d", "500ms" -> milliseconds. Returns -1 when the
 * text is not a duration, -2 when it is one outside [min_ms, max_ms]
 * (checked before multiplying, so nothing overflows).
 */
static int
parse_duration_ms(long *out, const char *s, long min_ms, long max_ms)
{
	char *end;
	long long v, unit;

	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (*end == '\0' || strcmp(end, "s") == 0)
		unit = 1000;
	else if (strcmp(end, "ms") == 0)
		unit = 1;
	else if (strcmp(end, "m") == 0)
		unit = 60000;
	else if (strcmp(end, "h") == 0)
		unit = 3600000;
	else if (strcmp(end, "d") == 0)
		unit = 86400000;
	else
		return -1;
	if (errno == ERANGE || v > max_ms / unit || v * unit < min_ms)
		return -2;
	*out = (long)(v * unit);
	return 0;
}

#define POLL_MIN_MS 100L
#define POLL_MAX_MS 3600000L
#define WAIT_MIN_MS 1000L
#define WAIT_MAX_MS (48L * 3600000L)
#define SINCE_MIN_MS 60000L
#define SINCE_MAX_MS (14L * 24 * 3600000L) /* RDS keeps events for 14 days */

static int
duration_option(long *out, const char *cmd, const char *opt, const char *val, long min_ms,
    long max_ms, const char *range)
{
	int rc = parse_duration_ms(out, val, min_ms, max_ms);

	if (rc == -2)
		return ag_cli_usage(cmd, "%s '%s' is out of range (from %s)", opt, val, range);
	if (rc < 0)
		return ag_cli_usage(cmd, "%s: bad duration '%s' (e.g. 500ms, 90s, 5m, 2h; from %s)",
		    opt, val, range);
	return 0;
}

/* The getopt table: every option once, whatever command is parsing. */
static void
longopts_init(struct option *v, size_t cap)
{
	size_t i, n = 0;

	for (i = 0; i < sizeof(optdefs) / sizeof(optdefs[0]) && n + 1 < cap; i++) {
		if (optdefs[i].id == O_OUTDIR || optdefs[i].id == O_FORMAT_RUNBOOK ||
		    optdefs[i].id == O_FORMAT_OUTPUTS)
			continue;
		v[n].name = optdefs[i].name;
		v[n].has_arg = optdefs[i].value ? required_argument : no_argument;
		v[n].flag = NULL;
		v[n].val = optdefs[i].id;
		n++;
	}
	memset(&v[n], 0, sizeof(v[n]));
}

/* An option as messages name it: "--name" or "-c". */
static void
option_name(char *buf, size_t len, int c)
{
	const struct optdef *d =
	    optdef_find(c == O_OUTDIR                                    ? O_OUT
	                : c == O_FORMAT_RUNBOOK || c == O_FORMAT_OUTPUTS ? O_FORMAT
	                                                                 : c);

	if (c > 0 && c < 256)
		snprintf(buf, len, "-%c", c);
	else if (d)
		snprintf(buf, len, "--%s", d->name);
	else
		snprintf(buf, len, "?");
}

int
ag_cli_opt_error(const char *cmd, int c, char **argv, const struct option *longopts)
{
	const char *arg = argv[optind - 1];
	char name[64];
	bool flag_with_value = false;
	size_t i;

	/*
	 * glibc leaves optopt 0 for an unknown long option (then the argument
	 * just used names it) and sets it to the option's value otherwise; the
	 * argument just used is only the option itself when it is written
	 * long: in "-zq" it is the argument before.
	 */
	snprintf(name, sizeof(name), "-%c", optopt > 0 && optopt < 256 ? optopt : '?');
	if (strncmp(arg, "--", 2) == 0 && arg[2] != '\0') {
		size_t n = strcspn(arg + 2, "=");

		if (optopt == 0)
			snprintf(name, sizeof(name), "%.*s", (int)(n < 60 ? n + 2 : 60), arg);
		for (i = 0; optopt && longopts && longopts[i].name; i++)
			if (longopts[i].val == optopt &&
			    strncmp(longopts[i].name, arg + 2, n) == 0) {
				snprintf(name, sizeof(name), "--%.60s", longopts[i].name);
				flag_with_value =
				    arg[2 + n] == '=' && longopts[i].has_arg == no_argument;
			}
	}
	if (flag_with_value)
		return ag_cli_usage(cmd, "option '%s' takes no value", name);
	if (c == ':')
		return ag_cli_usage(cmd, "option '%s' needs a value", name);
	return ag_cli_usage(cmd, "unknown option '%s'", name);
}

int
ag_cli_opts_parse(struct ag_cli_opts *o, int argc, char **argv)
{
	const char *cmd = argv[0];
	const struct cmdspec *spec = spec_find(cmd);
	struct option longopts[sizeof(optdefs) / sizeof(optdefs[0]) + 1];
	int c, verbosity = 0, json_logs = 0;
	char name[64], others[128];
	const char *arg;
	long n;

	memset(o, 0, sizeof(*o));
	ag_cycle_config_init(&o->cfg);
	o->format = "text";
	o->since_ms = 24L * 3600000L;
	if (spec == NULL)
		return ag_cli_usage(cmd, "no option table for '%s'", cmd);
	longopts_init(longopts, sizeof(longopts) / sizeof(longopts[0]));
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":vq", longopts, NULL)) != -1) {
		if (c == O_OUT && spec_has(spec, O_OUTDIR))
			c = O_OUTDIR;
		if (c == O_FORMAT && spec_has(spec, O_FORMAT_RUNBOOK))
			c = O_FORMAT_RUNBOOK;
		if (c == O_FORMAT && spec_has(spec, O_FORMAT_OUTPUTS))
			c = O_FORMAT_OUTPUTS;
		if (c == ':' || c == '?')
			return ag_cli_opt_error(cmd, c, argv, longopts);
		option_name(name, sizeof(name), c);
		if (!spec_has(spec, c)) {
			taken_by(others, sizeof(others), cmd, c);
			return ag_cli_usage(cmd, "option '%s' is not an option of '%s'%s%s%s", name,
			    cmd, others[0] ? " (it is one of " : "", others, others[0] ? ")" : "");
		}
		if (optarg && *optarg == '\0')
			return ag_cli_usage(
			    cmd, "option '%s' needs a value, not an empty string", name);
		arg = optarg != NULL ? optarg : ""; /* optarg is set for options with values */
		switch (c) {
		case O_DIR:
			o->cfg.dir = arg;
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
			git_option(&o->git, c, arg);
			break;
		case O_NOTE:
			o->git.note = true;
			break;
		case O_BASE:
			o->pr.base = arg;
			break;
		case O_HEAD:
			o->pr.head = arg;
			break;
		case O_OUT_JSON:
			o->pr.out_json = arg;
			break;
		case O_CONTEXT:
			o->pr.context = arg;
			break;
		case O_BLOB_URL:
			o->pr.blob_url = arg;
			break;
		case O_STATE_DIR:
			o->cfg.state_dir = arg;
			break;
		case O_KEY_FILE:
			ag_strlist_add(&o->key_files, arg);
			break;
		case O_KEY_DIR:
			ag_strlist_add(&o->key_dirs, arg);
			break;
		case O_FORMAT:
			if (strcmp(arg, "text") != 0 && strcmp(arg, "json") != 0 &&
			    strcmp(arg, "markdown") != 0)
				return ag_cli_usage(cmd,
				    "unknown format '%s' (expected text, json or markdown)", arg);
			o->format = arg;
			break;
		case O_FORMAT_RUNBOOK:
			if (strcmp(arg, "text") != 0 && strcmp(arg, "json") != 0)
				return ag_cli_usage(
				    cmd, "unknown format '%s' (expected text or json)", arg);
			o->format = arg;
			break;
		case O_FORMAT_OUTPUTS:
			if (strcmp(arg, "text") != 0 && strcmp(arg, "json") != 0 &&
			    strcmp(arg, "env") != 0)
				return ag_cli_usage(
				    cmd, "unknown format '%s' (expected text, json or env)", arg);
			o->format = arg;
			break;
		case O_SINCE:
			if ((c = duration_option(&o->since_ms, cmd, "--since", arg, SINCE_MIN_MS,
			         SINCE_MAX_MS, "1m to 14d")) != 0)
				return c;
			break;
		case O_WAIT:
			o->wait = true;
			break;
		case O_RECORDED:
			o->recorded = true;
			break;
		case O_OUT:
		case O_OUTDIR:
			o->out = arg;
			break;
		case O_DETAILED:
			o->detailed_exitcode = true;
			break;
		case O_AUTO_APPROVE:
			o->cfg.auto_approve = true;
			break;
		case O_PLAN_DIGEST:
			if (strlen(arg) != 64 || strspn(arg, "0123456789abcdef") != 64)
				return ag_cli_usage(
				    cmd, "--plan-digest must be the 64 hex digits 'plan' printed");
			o->cfg.plan_digest = arg;
			break;
		case O_CLUSTER: {
			/* RDS stores identifiers lower-case, and so do manifests */
			char *id = ag_xstrdup(arg), *p;

			for (p = id; *p; p++)
				*p = (char)tolower((unsigned char)*p);
			ag_strlist_add(&o->clusters, id);
			free(id);
			break;
		}
		case O_MODE:
			if (mode_from(&o->cfg.mode, arg) < 0)
				return ag_cli_usage(cmd,
				    "unknown mode '%s' (expected observe, plan or apply)", arg);
			o->cfg.mode_given = true;
			break;
		case O_MAX_DELETES:
			if (parse_count(&n, arg, 0, 1000) < 0)
				return ag_cli_usage(cmd,
				    "--max-deletes takes a whole number from 0 to 1000, not '%s'",
				    arg);
			o->cfg.max_deletes = (int)n;
			break;
		case O_LOG_FORMAT:
			if (strcmp(arg, "text") == 0)
				json_logs = 0;
			else if (strcmp(arg, "json") == 0)
				json_logs = 1;
			else
				return ag_cli_usage(
				    cmd, "unknown log format '%s' (expected text or json)", arg);
			break;
		case O_ALL:
			o->cfg.include_unmanaged = true;
			o->all = true;
			break;
		case O_FORBID_WEAKENING:
			o->cfg.forbid_weakening = true;
			break;
		case O_MATCH:
			o->match = arg;
			break;
		case O_WAIT_TIMEOUT:
			if ((c = duration_option(&o->cfg.wait_timeout_ms, cmd, "--wait-timeout",
			         arg, WAIT_MIN_MS, WAIT_MAX_MS, "1s to 48h")) != 0)
				return c;
			break;
		case O_POLL:
			if ((c = duration_option(&o->cfg.poll_interval_ms, cmd, "--poll-interval",
			         arg, POLL_MIN_MS, POLL_MAX_MS, "100ms to 1h")) != 0)
				return c;
			break;
		case 'v':
			verbosity++;
			break;
		case 'q':
			verbosity = -1;
			break;
		}
	}
	for (; optind < argc; optind++) {
		if (spec->operands == NULL)
			return ag_cli_usage(
			    cmd, "unexpected argument '%s' ('%s' takes none)", argv[optind], cmd);
		if (argv[optind][0] == '\0')
			return ag_cli_usage(cmd, "an empty argument is not a %s", spec->operands);
		ag_strlist_add(&o->args, argv[optind]);
	}
	if ((o->pr.base == NULL) != (o->pr.head == NULL))
		return ag_cli_usage(cmd, "--base and --head go together");
	if (o->pr.base != NULL && o->git.repo == NULL)
		return ag_cli_usage(cmd, "--base and --head need --repo PATH|URL");
	if (o->pr.base == NULL && (o->pr.out_json || o->pr.context || o->pr.blob_url))
		return ag_cli_usage(
		    cmd, "--out-json, --context and --blob-url need --base and --head");
	if (spec->source && o->cfg.dir && o->git.repo)
		return ag_cli_usage(cmd, "--dir and --repo name two sources: pass one");
	if (spec->source && o->cfg.dir == NULL && o->git.repo == NULL)
		return ag_cli_usage(cmd, "no source given: pass %s",
		    spec_has(spec, O_REPO) ? "--dir DIR or --repo URL" : "--dir DIR");
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
