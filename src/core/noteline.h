#ifndef AG_CORE_NOTELINE_H
#define AG_CORE_NOTELINE_H

#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/kv.h"
#include "core/error.h"

/*
 * One line of a git note written on a reconciled commit: a single JSON
 * object, no embedded newline, so that notes written by several agents can
 * be merged by concatenating lines (union merge) and read back line by line.
 * See docs/notes.md for the fields.
 *
 * Nothing secret ever goes into a note line: outputs carry endpoints, the
 * port and the ARN of the managed secret, never a password.
 */
#define AG_NOTELINE_VERSION 1
#define AG_NOTELINE_MAX 65536        /* bytes per line, newline included */
#define AG_NOTELINE_MAX_ENDPOINTS 16 /* custom endpoints kept in a line (AWS allows 5) */

struct ag_note_action {
	char *kind;       /* "create", "modify", ... */
	char *request_id; /* AWS request id; NULL when none was returned */
};

struct ag_note_line {
	int v;          /* format version, AG_NOTELINE_VERSION */
	int64_t ts;     /* seconds since the epoch, UTC */
	char *agent;    /* agent id */
	char *shard;    /* "I/N" or NULL */
	char *kind;     /* plan | apply | drift | error | skipped */
	char *cluster;  /* cluster id; NULL for lines about the whole commit */
	char *revision; /* "main@3f2a1c9" */
	char *digest;   /* plan digest of the cluster (hex) or NULL */
	long changes;   /* number of planned actions */
	struct ag_note_action *actions;
	size_t n_actions;
	char *result; /* applied, pending, failed, in-sync, planned, drift, held,
	               * interrupted, unsigned, already-applied, invalid, blocked */
	char *writer_endpoint;
	char *reader_endpoint;
	int port; /* 0 = unknown */
	char *secret_arn;
	char *cluster_arn;
	char *resource_id;
	struct ag_strlist custom_endpoints; /* at most AG_NOTELINE_MAX_ENDPOINTS */
	char *signer;                       /* principal of the verified commit signature */
	char *error;                        /* message for failures; never a secret */
	/* What the cycle read: NULL for a full reconcile (every cluster read
	 * from AWS); "changed" when it read and planned only the clusters a
	 * commit changed: scope_planned of scope_of manifests, the change
	 * taken against commit scope_since. */
	char *scope;
	long scope_planned;
	long scope_of;
	char *scope_since;
};

void ag_note_line_init(struct ag_note_line *l);
void ag_note_line_release(struct ag_note_line *l);
/* Appends an action (strings copied; request_id may be NULL). */
void ag_note_line_add_action(struct ag_note_line *l, const char *kind, const char *request_id);

/* Appends l as one JSON object and a newline to out. Keys are written in a
 * fixed order; absent (NULL / 0) optional fields are left out. */
int ag_note_line_format(struct ag_buf *out, const struct ag_note_line *l);

/*
 * Parses one line (without its newline) into l (initialised by the caller,
 * released by the caller even on failure). A line that is not a JSON
 * object, or lacks v, ts or kind, is AG_EINVAL with err filled; unknown
 * keys are ignored so newer agents can add fields.
 */
int ag_note_line_parse(struct ag_note_line *l, const char *s, size_t len, struct ag_error *err);

/* "2026-11-28T19:40:00Z" for ts (seconds since the epoch, UTC). */
void ag_note_time_format(char out[32], int64_t ts);

#endif
