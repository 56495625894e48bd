#ifndef AG_AGENT_DAEMON_H
#define AG_AGENT_DAEMON_H

#include <stdbool.h>

#include "agent/cycle.h"
#include "agent/gitsync.h"
#include "core/error.h"
#include "core/runconf.h"
#include "core/shard.h"

/*
 * `aurora-gitops run`: one poll() loop that reconciles whenever the source
 * changes, and on a timer for drift.
 *
 *   signals      signalfd: SIGTERM/SIGINT stop after the cycle in progress
 *                (exit 0), SIGHUP reloads the settings file and the
 *                webhook secret (a bad file keeps the old settings)
 *   source check every interval (+-10% jitter): for git, the remote's branch
 *                head (connect + ls, no transfer), fetched only when it
 *                moved; for a directory, a fingerprint of the files; a
 *                cycle only when it moved
 *   inotify      local sources (a directory, or the refs of a local bare
 *                repository): a change is checked after the debounce
 *   webhook      an authenticated push checks the source at once
 *   drift sweep  every drift interval, a full cycle against AWS
 *   listener     /metrics, /healthz, /readyz and the status page
 *
 * A lock file in the state directory (run.lock) keeps a second agent on the
 * same host and state directory from starting.
 */
struct ag_daemon_opts {
	struct ag_cycle_config cycle; /* source (dir), state dir, keys, mode */
	struct ag_gitsync_config git; /* git.url set: the source is a git remote */
	struct ag_runconf flags;      /* settings from the command line */
	const char *config_file;      /* optional settings file, re-read on SIGHUP */
	bool watch;                   /* inotify on local sources */
	const char *listen;           /* "127.0.0.1:9464" or NULL */
	const char *webhook;          /* "0.0.0.0:9465" or NULL */
	const char *webhook_secret_file;
	const char *webhook_secret_env; /* the variable's value, or NULL */
	struct ag_shard shard;
	const char *version;
	bool no_manifest_cache; /* parse every manifest every cycle (no core/mcache.h) */
};

void ag_daemon_opts_init(struct ag_daemon_opts *o);

/* Runs until SIGTERM or SIGINT. Returns 0 after a clean stop, or an error
 * when the daemon could not start (bad address, lock held, bad config). */
int ag_daemon_run(const struct ag_daemon_opts *o, struct ag_error *err);

#endif
