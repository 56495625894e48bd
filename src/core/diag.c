#include "core/diag.h"
#include "core/buf.h"
#include "core/mem.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/compat.h"

void
ag_diags_init(struct ag_diags *d)
{
	memset(d, 0, sizeof(*d));
}

void
ag_diags_release(struct ag_diags *d)
{
	size_t i;

	if (d == NULL)
		return;
	for (i = 0; i < d->n; i++) {
		free(d->v[i].file);
		free(d->v[i].rule);
		free(d->v[i].field);
		free(d->v[i].message);
	}
	free(d->v);
	ag_diags_init(d);
}

void
ag_diags_add(struct ag_diags *d, enum ag_diag_severity sev, const char *file, unsigned line,
    unsigned col, const char *rule, const char *field, const char *fmt, ...)
{
	struct ag_diag *x;
	va_list ap;
	char msg[1024];

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	AG_GROW(d->v, d->cap, d->n + 1);
	x = &d->v[d->n++];
	x->severity = sev;
	x->file = ag_xstrdup(file);
	x->line = line;
	x->col = col;
	x->rule = ag_xstrdup(rule);
	x->field = ag_xstrdup(field);
	x->message = ag_xstrdup(msg);
	if (sev == AG_DIAG_ERROR)
		d->errors++;
	else
		d->warnings++;
}

void
ag_diags_promote_warnings(struct ag_diags *d)
{
	size_t i;

	for (i = 0; i < d->n; i++)
		d->v[i].severity = AG_DIAG_ERROR;
	d->errors += d->warnings;
	d->warnings = 0;
}

char *
ag_diag_format(const struct ag_diag *x)
{
	struct ag_buf b = AG_BUF_INIT(8192);

	if (x->file) {
		ag_buf_adds(&b, x->file);
		if (x->line) {
			ag_buf_addf(&b, ":%u", x->line);
			if (x->col)
				ag_buf_addf(&b, ":%u", x->col);
		}
		ag_buf_adds(&b, ": ");
	}
	ag_buf_adds(&b, x->severity == AG_DIAG_ERROR ? "error: " : "warning: ");
	ag_buf_adds(&b, x->message);
	if (x->rule)
		ag_buf_addf(&b, " [%s]", x->rule);
	return ag_buf_detach(&b, NULL);
}

static int
cmp_diag(const struct ag_diag *a, const struct ag_diag *b)
{
	int c = strcmp(a->file ? a->file : "", b->file ? b->file : "");

	if (c)
		return c;
	if (a->line != b->line)
		return a->line < b->line ? -1 : 1;
	if (a->col != b->col)
		return a->col < b->col ? -1 : 1;
	return 0;
}

void
ag_diags_sort(struct ag_diags *d)
{
	size_t i, j;
	struct ag_diag t;

	for (i = 1; i < d->n; i++) {
		t = d->v[i];
		for (j = i; j > 0 && cmp_diag(&d->v[j - 1], &t) > 0; j--)
			d->v[j] = d->v[j - 1];
		d->v[j] = t;
	}
}
