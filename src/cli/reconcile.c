#include "cli/reconcile.h"
#include "cli/cli.h"
#include "agent/source_dir.h"
#include "core/log.h"
#include "core/buf.h"
#include "core/mem.h"
#include "core/report.h"
#include "sys/fs.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/compat.h"

#define REPORT_MAX (256u * 1024 * 1024)

volatile sig_atomic_t ag_cli_stop;

static void
on_stop_signal(int sig)
{
	if (ag_cli_stop == sig) {
		/* asked twice: stop now, the default way */
		signal(sig, SIG_DFL);
		raise(sig);
	}
	ag_cli_stop = sig;
}

void
ag_cli_catch_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_stop_signal;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = 0; /* no SA_RESTART: a sleeping waiter wakes up */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}

/*
 * Waiting progress on stderr: one updating line on a terminal; otherwise a
 * line each time a resource's status changes.
 */
struct progress {
	bool tty;
	bool line_open;
	char last[256];
};

static struct progress progress_state;

static void
show_progress(void *ctx, const struct ag_wait_progress *p)
{
	struct progress *pr = ctx;
	char key[256];
	long s = (long)(p->elapsed_ms / 1000);

	if (pr->tty) {
		fprintf(stderr, "\r\033[Kwaiting: %s '%s' is %s (%ldm%02lds, waiting for %s)",
		    p->kind, p->id, p->status, s / 60, s % 60, p->goal);
		pr->line_open = true;
		fflush(stderr);
		return;
	}
	snprintf(key, sizeof(key), "%s/%s/%s", p->kind, p->id, p->status);
	if (strcmp(key, pr->last) == 0)
		return;
	snprintf(pr->last, sizeof(pr->last), "%s", key);
	fprintf(stderr, "waiting: %s '%s' is %s after %lds (waiting for %s)\n", p->kind, p->id,
	    p->status, s, p->goal);
}

static void
end_progress(void)
{
	if (progress_state.line_open) {
		fputc('\n', stderr);
		progress_state.line_open = false;
	}
}

int
ag_cli_run_open(struct ag_cli_run *r, const struct ag_cli_opts *o, bool writer)
{
	struct ag_error err = AG_ERROR_INIT;

	memset(r, 0, sizeof(*r));
	ag_cycle_init(&r->cy, &r->env, NULL, &o->cfg);
	/* --repo: the git source the caller opened (and frees); else --dir */
	if (o->cfg.source == NULL && ag_source_dir_new(&r->src, o->cfg.dir, &err) < 0)
		return ag_cli_fail(&err);
	if (ag_env_open(&r->env, o->cfg.state_dir, writer, &ag_cli_stop, &err) < 0)
		return ag_cli_fail(&err);
	r->cy.src = o->cfg.source ? o->cfg.source : r->src;
	if (writer && o->verbosity >= 0) {
		progress_state.tty = isatty(STDERR_FILENO);
		r->env.progress = show_progress;
		r->env.progress_ctx = &progress_state;
	}
	return 0;
}

void
ag_cli_run_close(struct ag_cli_run *r)
{
	if (r->cy.env == NULL) /* never opened */
		return;
	end_progress();
	ag_cycle_log_requests(&r->cy);
	ag_cycle_release(&r->cy);
	ag_source_free(r->src);
	ag_env_close(&r->env);
}

/* The first error diagnostic as the error of the cycle (for notes). */
static void
note_first_diag(const struct ag_cycle *cy, struct ag_error *err)
{
	size_t i;
	char *line;

	for (i = 0; i < cy->diags.n; i++) {
		if (cy->diags.v[i].severity != AG_DIAG_ERROR)
			continue;
		line = ag_diag_format(&cy->diags.v[i]);
		ag_error_set(err, AG_EINVAL, "%zu error%s in the manifests; first: %s",
		    cy->diags.errors, cy->diags.errors == 1 ? "" : "s", line);
		free(line);
		return;
	}
}

void
ag_cli_print_diags(const struct ag_diags *diags)
{
	size_t i;
	char *line;

	for (i = 0; i < diags->n; i++) {
		if (diags->v[i].severity != AG_DIAG_ERROR)
			continue;
		line = ag_diag_format(&diags->v[i]);
		fprintf(stderr, "%s\n", line);
		free(line);
	}
}

int
ag_cli_cycle_plan(struct ag_cycle *cy, const struct ag_cli_opts *o)
{
	struct ag_error err = AG_ERROR_INIT;

	return ag_cli_cycle_plan_err(cy, o, &err);
}

int
ag_cli_cycle_plan_err(struct ag_cycle *cy, const struct ag_cli_opts *o, struct ag_error *errp)
{
	struct ag_error err = AG_ERROR_INIT;
	int rc;

	(void)o;
	rc = ag_cycle_plan(cy, &err);
	*errp = err;
	if (rc == AG_EINVAL && cy->diags.errors > 0) {
		ag_diags_sort(&cy->diags);
		ag_cli_print_diags(&cy->diags);
		fprintf(stderr,
		    "aurora-gitops: %zu error%s in the manifests; nothing was read from "
		    "or sent to AWS\n",
		    cy->diags.errors, cy->diags.errors == 1 ? "" : "s");
		note_first_diag(cy, errp);
		return AG_EXIT_ERROR;
	}
	if (rc < 0)
		return ag_cli_fail(&err);
	if (cy->invalid_files.n > 0) {
		size_t i;

		ag_diags_sort(&cy->diags);
		ag_cli_print_diags(&cy->diags);
		for (i = 0; i < cy->invalid_files.n; i++)
			fprintf(stderr,
			    "aurora-gitops: '%s' has errors: its clusters are left as they are; "
			    "the other manifests are reconciled\n",
			    cy->invalid_files.v[i]);
	}
	return 0;
}

/* Streams a report to standard output. */
static int
stdout_write(void *ctx, const char *data, size_t len)
{
	(void)ctx;
	return fwrite(data, 1, len, stdout) == len ? 0 : AG_EIO;
}

int
ag_cli_render_plan(const struct ag_cycle *cy, const char *format, const char *path)
{
	struct ag_report_sink out = {stdout_write, NULL};
	struct ag_buf b = AG_BUF_INIT(REPORT_MAX);
	struct ag_error err = AG_ERROR_INIT;
	bool json = strcmp(format, "json") == 0, md = strcmp(format, "markdown") == 0;
	int rc;

	/* to standard output the text and JSON forms are streamed: the report
	 * of a fleet is never whole in memory; a file is replaced atomically,
	 * from one buffer */
	if (path == NULL && !md) {
		rc = json ? ag_report_json_to(&out, &cy->plan)
		          : ag_report_text_to(&out, &cy->plan, isatty(STDOUT_FILENO));
		if (rc == AG_EIO)
			ag_error_set(&err, rc, "cannot write the plan to standard output: %s",
			    strerror(errno));
		else if (rc < 0)
			ag_error_set(&err, rc, "cannot render the plan as %s: %s", format,
			    ag_error_name(rc));
		goto out;
	}
	if (json)
		rc = ag_report_json(&b, &cy->plan);
	else if (md)
		rc = ag_report_markdown(&b, &cy->plan);
	else
		rc = ag_report_text(&b, &cy->plan, 0);
	if (rc < 0) {
		ag_error_set(
		    &err, rc, "cannot render the plan as %s: %s", format, ag_error_name(rc));
		goto out;
	}
	if (path)
		rc = ag_fs_write_output(path, b.ptr, b.len, &err);
	else
		fwrite(b.ptr, 1, b.len, stdout);
out:
	ag_buf_release(&b);
	if (rc < 0)
		return ag_cli_fail(&err);
	return 0;
}

void
ag_cli_print_result(const struct ag_cycle *cy)
{
	const struct ag_exec_result *r = &cy->result;
	size_t i, j;

	end_progress();
	for (i = 0; i < r->n; i++) {
		const struct ag_exec_cluster *c = &r->v[i];

		if (c->status == AG_EXEC_NOT_RUN)
			continue;
		if (c->status == AG_EXEC_STOPPED && c->n_sent == 0) {
			printf("cluster '%s': not started (0 of %zu actions sent)\n", c->id,
			    c->n_actions);
			continue;
		}
		printf("cluster '%s': %s (%zu of %zu actions sent)", c->id,
		    ag_exec_status_name(c->status), c->n_sent, c->n_actions);
		if (c->pending.n) {
			printf("; pending until the maintenance window:");
			for (j = 0; j < c->pending.n; j++)
				printf(" %s", c->pending.v[j]);
		}
		printf("\n");
		if (c->error)
			printf("  %s%s%s\n", c->failed_action ? c->failed_action : "",
			    c->failed_action ? ": " : "", c->error);
		if (c->status == AG_EXEC_FAILED && c->transient)
			printf("  (a transient failure: the next run tries again)\n");
	}
	printf("apply: %zu cluster%s applied, %zu failed, %zu held by the loop breaker, "
	       "%lu mutating call%s\n",
	    r->applied, r->applied == 1 ? "" : "s", r->failed, r->skipped, r->mutating_calls,
	    r->mutating_calls == 1 ? "" : "s");
}

int
ag_cli_exit_for(const struct ag_cycle *cy, int detailed, int applied)
{
	if (cy->plan.summary.errors > 0 || cy->result.failed > 0 || cy->result.skipped > 0 ||
	    cy->invalid_files.n > 0)
		return AG_EXIT_ERROR;
	if (ag_plan_has_blocked(&cy->plan))
		return AG_EXIT_BLOCKED;
	if (detailed && !applied && ag_plan_has_changes(&cy->plan))
		return AG_EXIT_CHANGES;
	return AG_EXIT_OK;
}
