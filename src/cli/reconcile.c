#include "cli/reconcile.h"
#include "cli/cli.h"
#include "agent/source.h"
#include "core/buf.h"
#include "core/mem.h"
#include "core/report.h"
#include "sys/fs.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/compat.h"

#define REPORT_MAX (256u * 1024 * 1024)

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

	rc = ag_cycle_plan(cy, &o->cfg, &err);
	*errp = err;
	if (rc == AG_EINVAL && cy->diags.errors > 0) {
		ag_diags_sort(&cy->diags);
		ag_source_print_diags(&cy->diags);
		fprintf(stderr,
		    "aurora-gitops: %zu error%s in the manifests; nothing was read from "
		    "or sent to AWS\n",
		    cy->diags.errors, cy->diags.errors == 1 ? "" : "s");
		note_first_diag(cy, errp);
		return AG_EXIT_ERROR;
	}
	if (rc < 0)
		return ag_cli_fail(&err);
	return 0;
}

int
ag_cli_render_plan(const struct ag_cycle *cy, const char *format, const char *path)
{
	struct ag_buf b = AG_BUF_INIT(REPORT_MAX);
	struct ag_error err = AG_ERROR_INIT;
	int rc;

	if (strcmp(format, "json") == 0)
		rc = ag_report_json(&b, &cy->plan);
	else if (strcmp(format, "markdown") == 0)
		rc = ag_report_markdown(&b, &cy->plan);
	else
		rc = ag_report_text(&b, &cy->plan, path == NULL && isatty(STDOUT_FILENO));
	if (rc < 0) {
		ag_error_set(
		    &err, rc, "cannot render the plan as %s: %s", format, ag_error_name(rc));
		goto out;
	}
	if (path)
		rc = ag_fs_write_atomic(path, b.ptr, b.len, 0644, 0, &err);
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

	for (i = 0; i < r->n; i++) {
		const struct ag_exec_cluster *c = &r->v[i];

		if (c->status == AG_EXEC_NOT_RUN)
			continue;
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
	}
	printf("apply: %zu cluster%s applied, %zu failed, %zu held by the loop breaker, "
	       "%lu mutating call%s\n",
	    r->applied, r->applied == 1 ? "" : "s", r->failed, r->skipped, r->mutating_calls,
	    r->mutating_calls == 1 ? "" : "s");
}

int
ag_cli_exit_for(const struct ag_cycle *cy, int detailed, int applied)
{
	if (cy->plan.summary.errors > 0 || cy->result.failed > 0 || cy->result.skipped > 0)
		return AG_EXIT_ERROR;
	if (ag_plan_has_blocked(&cy->plan))
		return AG_EXIT_BLOCKED;
	if (detailed && !applied && ag_plan_has_changes(&cy->plan))
		return AG_EXIT_CHANGES;
	return AG_EXIT_OK;
}
