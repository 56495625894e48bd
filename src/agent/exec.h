#ifndef AG_AGENT_EXEC_H
#define AG_AGENT_EXEC_H

#include <stdbool.h>
#include <stddef.h>

#include "agent/env.h"
#include "core/error.h"
#include "core/kv.h"
#include "core/plan.h"

struct ag_aws_client;

/*
 * The apply executor: walks the executable clusters of a plan, resolves the
 * placeholders ({{secret:spec.password}}, {{sg:<id>}}), sends each action,
 * waits where the action says so, and records what happened per cluster.
 *
 * Order inside a cluster is the plan's order. The first failing action
 * stops that cluster (later actions depend on earlier ones); other clusters
 * still run. Every create is keyed by an identifier, so a re-run after an
 * interruption finds what exists and plans only the rest.
 */
enum ag_exec_status {
	AG_EXEC_NOT_RUN = 0, /* not executable: mode, blocked, suspended, nothing to do */
	AG_EXEC_APPLIED,     /* every action succeeded */
	AG_EXEC_PENDING,     /* succeeded; some changes wait for the maintenance window */
	AG_EXEC_FAILED,      /* an action failed; later ones were not sent */
	AG_EXEC_SKIPPED,     /* the same failure happened for this commit + live state */
	AG_EXEC_IN_PROGRESS, /* no-wait mode: sent what was safe; AWS is still working and
	                      * the rest follows in a later cycle */
	AG_EXEC_STOPPED,     /* the stop flag cut it short: n_sent of n_actions were sent */
};

const char *ag_exec_status_name(enum ag_exec_status s);

struct ag_exec_cluster {
	char *id;
	enum ag_exec_status status;
	size_t n_sent; /* actions sent successfully */
	size_t n_actions;
	char *failed_action;       /* kind of the failing action */
	char *error;               /* message of the failure (no secret) */
	bool transient;            /* failed, but retried next cycle (not held) */
	struct ag_strlist pending; /* fields AWS reports as pending after the modify */
	struct ag_strlist request_ids;
};

struct ag_exec_result {
	/* the clusters the plan had something to run for (execute set, some
	 * action), in plan order; a cluster not here was not run */
	struct ag_exec_cluster *v;
	size_t n;
	size_t cap;
	size_t failed;
	size_t skipped; /* held by the loop breaker: not converged either */
	size_t applied;
	size_t in_progress; /* no-wait mode: sent, AWS still working */
	size_t stopped;     /* cut short by the stop flag */
	size_t not_started; /* executable, but the stop flag came first */
	unsigned long mutating_calls;
};

void ag_exec_result_init(struct ag_exec_result *r);
void ag_exec_result_release(struct ag_exec_result *r);
const struct ag_exec_cluster *ag_exec_result_find(const struct ag_exec_result *r, const char *id);

/* Supplies the opened password of a cluster (NUL-terminated, owned by the
 * caller) or NULL. */
typedef const char *(*ag_exec_secret_fn)(void *ctx, const char *cluster_id);

struct ag_exec_opts {
	long wait_timeout_ms;
	long poll_interval_ms;
	/* Send what is safe now and return instead of waiting: a cluster
	 * stops after its first action that would wait (AG_EXEC_IN_PROGRESS);
	 * the next cycle's plan holds it while AWS works, then goes on. */
	bool no_wait;
	/* Called on every waiter poll (may be NULL). */
	void (*progress)(void *ctx, const struct ag_wait_progress *p);
	void *progress_ctx;
	ag_exec_secret_fn secret;
	void *secret_ctx;
	/* Loop breaker: the executor skips a cluster when this returns true
	 * (borrowed *why), and reports each failure through on_failure. */
	bool (*repeats)(void *ctx, const struct ag_cluster_plan *cp, const char **why);
	/* terminal: the failure would repeat as is (validation, permission,
	 * invalid state); false for transient ones (throttling, 5xx,
	 * connection, timeouts), which the next cycle retries. */
	void (*on_failure)(void *ctx, const struct ag_cluster_plan *cp, const char *action,
	    const char *error, bool terminal);
	void (*on_success)(void *ctx, const struct ag_cluster_plan *cp);
	void *hook_ctx;
};

/*
 * Runs every cluster with cp->execute set. Returns 0, AG_ERROR when a
 * cluster failed (details in out), or AG_ESTOPPED when the client's stop
 * flag was set: the call in flight finishes, no new action is sent, and
 * out says which clusters were done, cut short or not started.
 */
int ag_exec_plan(struct ag_exec_result *out, struct ag_aws_client *aws, const struct ag_plan *plan,
    const struct ag_exec_opts *opts, struct ag_error *err);

/*
 * Whether what the executor sent to a cluster (ec, for the plan cp) may have
 * changed its connection outputs: a create, restore, promotion or delete,
 * or a modify of the port, identifier or managed password. Tags, instances,
 * parameter groups and the network do not, so their outputs need no fresh
 * describe.
 */
bool ag_exec_outputs_may_change(const struct ag_cluster_plan *cp, const struct ag_exec_cluster *ec);

#endif
