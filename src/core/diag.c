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

struct diag_slot {
	struct ag_diag d;
	size_t idx;
};

/* By file, line and column; equal places keep the order they were added
 * in (the original index breaks ties, so qsort is stable here). */
static int
cmp_slot(const void *a, const void *b)
{
	const struct diag_slot *x = a, *y = b;
	int c = cmp_diag(&x->d, &y->d);

	if (c)
		return c;
	return x->idx < y->idx ? -1 : x->idx > y->idx ? 1 : 0;
}

void
ag_diags_sort(struct ag_diags *d)
{
	struct diag_slot *t;
	size_t i;

	if (d->n < 2)
		return;
	t = ag_xcalloc(d->n, sizeof(*t));
	for (i = 0; i < d->n; i++) {
		t[i].d = d->v[i];
		t[i].idx = i;
	}
	qsort(t, d->n, sizeof(*t), cmp_slot);
	for (i = 0; i < d->n; i++)
		d->v[i] = t[i].d;
	free(t);
}
