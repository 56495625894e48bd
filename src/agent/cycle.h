#ifndef AG_AGENT_CYCLE_H
#define AG_AGENT_CYCLE_H

#include <stdbool.h>
#include <stddef.h>

#include "agent/exec.h"
#include "core/diag.h"
#include "core/error.h"
#include "core/manifest.h"
#include "core/observed.h"
#include "core/plan.h"

struct ag_aws_client;
struct ag_keyring;
struct ag_state;
struct ag_secret;
struct ag_source;

/*
 * One reconcile cycle over a plain directory of manifests:
 *
 *   load + validate manifests -> open sealed passwords -> read live state
 *   (one paginated describe of clusters and one of instances) -> plan
 *   -> (apply, per mode) -> record results in the state directory
 *
 * A manifest error stops the cycle before AWS is touched: a half-loaded
 * repository must never look like "these clusters were removed".
 */
struct ag_cycle_config {
	const char *dir;          /* --dir: manifests directory */
	struct ag_source *source; /* when set (--repo), manifests come from here */
	const char *state_dir;    /* NULL: ag_state_default_dir() */
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
	int max_deletes; /* default AG_PLAN_MAX_DELETES_DEFAULT */
	bool include_unmanaged;
	long wait_timeout_ms;  /* per waiter; default 2 h */
	long poll_interval_ms; /* waiter polling; default 30 s */
};

void ag_cycle_config_init(struct ag_cycle_config *cfg);

struct ag_cycle {
	const struct ag_cycle_config *cfg;
	struct ag_manifest_set manifests;
	struct ag_diags diags;
	struct ag_observed observed;
	struct ag_plan plan;
	struct ag_exec_result result;
	struct ag_aws_client *aws;
	struct ag_state *state;
	struct ag_keyring *keyring;
	/* opened passwords, parallel to manifests.v (NULL where none) */
	struct ag_secret **secrets;
	struct ag_password_info *pwinfo;
	char **pwhash; /* hash of the desired password (for recording after apply) */
	char **pwkey;  /* key id used for that hash */
	char **pwmsg;
	size_t n_pw;
	long describe_ms; /* time spent reading live state */
};

void ag_cycle_init(struct ag_cycle *cy);
void ag_cycle_release(struct ag_cycle *cy);

/* Everything up to and including the plan. Manifest errors: AG_EINVAL with
 * cy->diags filled (print them). */
int ag_cycle_plan(struct ag_cycle *cy, const struct ag_cycle_config *cfg, struct ag_error *err);

/* Only up to the live state (for `unmanaged`): manifests + describe. */
int ag_cycle_observe(struct ag_cycle *cy, const struct ag_cycle_config *cfg, struct ag_error *err);

/* Executes the executable part of cy->plan; results in cy->result. Returns
 * 0 when every executed action succeeded, AG_ERROR when one failed (the
 * others still ran). */
int ag_cycle_apply(struct ag_cycle *cy, struct ag_error *err);

/* Saves what the cycle learned in the state directory (apply and sync call
 * it even when there was nothing to apply). */
int ag_cycle_save(struct ag_cycle *cy, struct ag_error *err);

/* Logs (info) the AWS requests this cycle made, per action:
 * "aws requests: rds:DescribeDBClusters=1 rds:DescribeDBInstances=1". */
void ag_cycle_log_requests(const struct ag_cycle *cy);

#endif
