#ifndef AG_CORE_DIAG_H
#define AG_CORE_DIAG_H

#include <stddef.h>

/*
 * Diagnostics: the findings of validation and policy lint. Unlike an
 * ag_error (one failure that stops an operation), a manifest check collects
 * every problem it finds so a user fixes them all in one round.
 *
 * Rendered as text: "<file>:<line>:<col>: <severity>: <message>" with
 * " [<rule>]" appended for lint findings.
 */
enum ag_diag_severity {
	AG_DIAG_ERROR = 0,
	AG_DIAG_WARNING = 1,
};

struct ag_diag {
	enum ag_diag_severity severity;
	char *file;    /* may be NULL */
	unsigned line; /* 1-based; 0 = no position */
	unsigned col;  /* 1-based; 0 = no column */
	char *rule;    /* lint rule id, e.g. "AG101"; NULL for schema errors */
	char *field;   /* manifest path, e.g. "spec.backupRetentionPeriod"; may be NULL */
	char *message; /* lowercase, no trailing period */
};

struct ag_diags {
	struct ag_diag *v;
	size_t n;
	size_t cap;
	size_t errors;
	size_t warnings;
};

void ag_diags_init(struct ag_diags *d);
void ag_diags_release(struct ag_diags *d);
void ag_diags_add(struct ag_diags *d, enum ag_diag_severity sev, const char *file, unsigned line,
    unsigned col, const char *rule, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 8, 9)));
/* Turns every warning into an error (validate --strict). */
void ag_diags_promote_warnings(struct ag_diags *d);
/* "<file>:<line>:<col>: error: <message>" into a malloc'd string. */
char *ag_diag_format(const struct ag_diag *diag);
/* Sorts by file, line, column (stable). */
void ag_diags_sort(struct ag_diags *d);

#endif
