#ifndef AG_CORE_RUNCONF_H
#define AG_CORE_RUNCONF_H

#include <stddef.h>

#include "core/error.h"
#include "core/manifest.h"

/*
 * The daemon's settings that may change while it runs (SIGHUP): the
 * command-line values, overlaid by an optional aurora-gitops.yaml:
 *
 *   interval: 30s        # remote ref check (jittered)
 *   driftInterval: 5m    # full drift sweep against AWS
 *   debounce: 100ms      # quiet time after a file event before planning
 *   mode: apply          # observe | plan | apply (manifest annotations win)
 *   maxDeletes: 0
 *   notesRef: refs/notes/aurora-gitops
 *
 * Unknown keys and bad values are errors (file:line), so a typo never
 * silently keeps a default.
 */
struct ag_runconf {
	long interval_ms;
	long drift_interval_ms;
	long debounce_ms;
	enum ag_mode mode; /* AG_MODE_UNSET: the command's default */
	long max_deletes;  /* -1: the command's default */
	char notes_ref[256];
};

void ag_runconf_init(struct ag_runconf *rc);

/* "90", "90s", "500ms", "5m", "2h" -> ms (> 0 and at most 24 h). */
int ag_runconf_parse_duration(long *out_ms, const char *s);

/* Overlays the YAML document buf onto rc. On error rc is unchanged. */
int ag_runconf_parse(
    struct ag_runconf *rc, const char *buf, size_t len, const char *filename, struct ag_error *err);

#endif
