#ifndef AG_CORE_REPORT_H
#define AG_CORE_REPORT_H

#include <jansson.h>

#include "core/buf.h"
#include "core/plan.h"

/*
 * Renderers of a plan. Schema of the JSON form: docs/plan-format.md. None
 * of them ever prints a password: the plan holds placeholders only, and a
 * password change renders as "password: changed (rotated)".
 */

/* Report JSON schema version. */
#define AG_REPORT_VERSION 1
/* The Markdown report stays under this many characters (GitHub comments
 * are capped at 65,535). */
#define AG_REPORT_MARKDOWN_MAX 60000

/* JSON of one action: {"kind","api","action","target","params":{...},"class",
 * "wait","blocked","blocked_reason"?}. New reference. */
json_t *ag_action_json(const struct ag_action *a);
/* JSON of one cluster plan (see docs/plan-format.md). New reference. */
json_t *ag_cluster_plan_json(const struct ag_cluster_plan *cp);
/* The whole report object. New reference. */
json_t *ag_plan_json(const struct ag_plan *p);

/* SHA-256 of data as 64 lower-case hex digits + NUL (libsodium). */
void ag_sha256_hex(char out[65], const void *data, size_t n);
/* The same of the JSON text json_dumps(j, flags) would make, streamed
 * (json_dump_callback) instead of made. */
void ag_sha256_json_hex(char out[65], const struct json_t *j, size_t flags);

/* Human text; color adds ANSI colours. Returns 0 or AG_ETOOBIG. */
int ag_report_text(struct ag_buf *out, const struct ag_plan *p, int color);
/* The JSON report, pretty-printed with sorted keys and a trailing newline. */
int ag_report_json(struct ag_buf *out, const struct ag_plan *p);

/*
 * Where a streamed report goes: write() gets it piece by piece (each piece
 * some KiB, a cluster's lines never split between calls) and returns 0,
 * or a negative AG_E* that stops the report and is returned.
 */
struct ag_report_sink {
	int (*write)(void *ctx, const char *data, size_t len);
	void *ctx;
};

/* The same reports, streamed: a fleet's report is never whole in memory
 * (the JSON form holds one cluster's tree at a time). The bytes are those
 * of ag_report_text() and ag_report_json(). */
int ag_report_text_to(const struct ag_report_sink *sink, const struct ag_plan *p, int color);
int ag_report_json_to(const struct ag_report_sink *sink, const struct ag_plan *p);
/* Markdown for a pull-request comment, capped below AG_REPORT_MARKDOWN_MAX. */
int ag_report_markdown(struct ag_buf *out, const struct ag_plan *p);

#endif
