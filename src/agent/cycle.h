#ifndef AG_AGENT_CYCLE_H
#define AG_AGENT_CYCLE_H

#include <stdbool.h>
#include <stddef.h>

#include "agent/env.h"
#include "agent/exec.h"
#include "core/diag.h"
#include "core/error.h"
#include "core/manifest.h"
#include "core/observed.h"
#include "core/plan.h"
#include "core/source.h"

struct ag_keyring;
struct ag_secret;

/*
 * One reconcile cycle:
 *
 *   load + validate manifests (from the source) -> open sealed passwords
 *   -> read live state (one paginated describe of clusters and one of
 *   instances; with observe_filtered, of the filtered clusters only)
 *   -> plan -> (apply, per mode) -> record results in the state
 *
 * Dependencies are passed in: the source of manifests (a directory, a git
 * commit) and the environment (AWS client, state, clock, random, stop
 * flag), both created by the caller and borrowed. A manifest error stops
 * the cycle before AWS is touched: a half-loaded repository must never
 * look like "these clusters were removed".
 */
struct ag_cycle_config {
	const char *dir;          /* --dir: for the caller, which makes the source */
	struct ag_source *source; /* --repo: the caller's git source (else a directory) */
	const char *state_dir;    /* for the caller, which opens the state */
	const char *const *key_files;
	size_t n_key_files;
	const char *const *key_dirs;
	size_t n_key_dirs;
	enum ag_mode mode; /* the command's default; annotations win, except
	                    * that `plan` (AG_MODE_PLAN with never_mutate)
	                    * never mutates */
	bool never_mutate;
	bool mode_given;             /* --mode was on the command line */
	bool auto_approve;           /* apply: do not ask */
	const char *plan_digest;     /* apply: refuse unless the plan has this digest */
	const char *const *clusters; /* --cluster filter */
	size_t n_clusters;
	/* Read only the filtered clusters from AWS (Filter db-cluster-id)
	 * instead of the whole fleet: for a cycle that plans just the clusters
	 * a commit changed. Needs clusters; other manifests are still loaded
	 * and checked, but neither read nor planned. */
	bool observe_filtered;
	/* With observe_filtered: the clusters whose network changed; the
	 * security groups, subnet groups and routes are read only for these
	 * and for clusters that do not exist yet. The others' network is
	 * compared by the next full cycle (nothing is compared unread). */
	const char *const *network_ids;
	size_t n_network_ids;
	int max_deletes; /* default AG_PLAN_MAX_DELETES_DEFAULT */
	bool include_unmanaged;
	bool forbid_weakening; /* --forbid-weakening: block changes that lower protection */
	long wait_timeout_ms;  /* per waiter; default 2 h */
	long poll_interval_ms; /* waiter polling; default 30 s */
};

void ag_cycle_config_init(struct ag_cycle_config *cfg);

/* What the cycle knows about one manifest beyond the manifest itself. */
struct ag_cycle_item {
	const struct ag_manifest *m; /* in cy->manifests */
	struct ag_secret *secret;    /* opened password, or NULL */
	struct ag_password_info pw;  /* its state against the last applied one */
	char *pwhash;                /* keyed hash of the desired password */
	char *pwkey;                 /* key id of that hash */
	char *pwmsg;                 /* why the password could not be used */
};

struct ag_cycle {
	const struct ag_cycle_config *cfg;
	const struct ag_env *env; /* borrowed */
	struct ag_source *src;    /* borrowed */
	struct ag_manifest_set manifests;
	struct ag_diags diags; /* manifest findings, for the caller to print */
	/* Files with manifest errors: their clusters are left out of the
	 * plan (neither touched nor deleted); the others are still planned.
	 * diags has the errors, the caller reports them and exits non-zero. */
	struct ag_strlist invalid_files;
	struct ag_cycle_item *items; /* one per manifest with a password of its own
	                              * (not managed by RDS), in manifest order */
	size_t n_items;
	struct ag_observed observed;
	struct ag_plan plan;
	struct ag_exec_result result;
	struct ag_keyring *keyring;
	long describe_ms;      /* time spent reading live state */
	bool outputs_recorded; /* connection outputs saved in the state (once a cycle) */
};

/* Prepares a cycle over src in env; both are borrowed and must outlive it. */
void ag_cycle_init(struct ag_cycle *cy, const struct ag_env *env, struct ag_source *src,
    const struct ag_cycle_config *cfg);
void ag_cycle_release(struct ag_cycle *cy);

/* Everything up to and including the plan. Manifest errors in some files:
 * those files are listed in cy->invalid_files and left out, the rest is
 * planned (0). AG_EINVAL with cy->diags filled when an error belongs to no
 * file (the caller prints them). */
int ag_cycle_plan(struct ag_cycle *cy, struct ag_error *err);

/* Only up to the live state (for `unmanaged`): manifests + describe. */
int ag_cycle_observe(struct ag_cycle *cy, struct ag_error *err);

/* Executes the executable part of cy->plan; results in cy->result; saves
 * the state. Returns 0 when every executed action succeeded, AG_ERROR when
 * one failed (the others still ran), AG_ESTOPPED when the stop flag cut it
 * short (cy->result says what was done and what was not). */
int ag_cycle_apply(struct ag_cycle *cy, struct ag_error *err);

/* Saves what the cycle learned in the state directory (apply and sync call
 * it even when there was nothing to apply; a read-only state saves nothing). */
int ag_cycle_save(struct ag_cycle *cy, struct ag_error *err);

/* Logs (info) the AWS requests this cycle made, per action:
 * "aws requests: rds:DescribeDBClusters=1 rds:DescribeDBInstances=1". */
void ag_cycle_log_requests(const struct ag_cycle *cy);

#endif
