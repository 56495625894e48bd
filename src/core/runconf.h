#ifndef AG_CORE_RUNCONF_H
#define AG_CORE_RUNCONF_H

#include <stdbool.h>
#include <stddef.h>

#include "core/error.h"
#include "core/manifest.h"

/* The settings file at the root of the manifests repository, under
 * either spelling (both at once are refused: ag_runconf_repo_files). */
#define AG_RUNCONF_REPO_FILE "aurora-gitops.yaml"
#define AG_RUNCONF_REPO_FILE_YML "aurora-gitops.yml"

/* Whether name, a file directly at the repository root, is the
 * repository's settings file (never a manifest). */
bool ag_runconf_is_repo_file(const char *name);

/*
 * Which settings file a repository root holds, given which of the two
 * spellings exist: *which is AG_RUNCONF_REPO_FILE, AG_RUNCONF_REPO_FILE_YML
 * or NULL (none, an empty layer). Both at once is AG_EINVAL naming both
 * (where: how to name a file for the error, e.g. "main@3f2a1c9:" or
 * "dir/"), since neither can be taken over the other.
 */
int ag_runconf_repo_file(
    const char **which, bool have_yaml, bool have_yml, const char *where, struct ag_error *err);

/*
 * The daemon's settings that may change while it runs, from up to four
 * layers (highest first): command-line flags, the --config file, the
 * repository's aurora-gitops.yaml, the built-in defaults. Every layer is a
 * struct ag_runconf in which only what that layer says is set; the
 * effective settings are the defaults with each layer overlaid in turn.
 *
 * The file format (every key optional):
 *
 *   interval: 30s        # remote ref check (jittered)
 *   driftInterval: 5m    # full drift sweep against AWS
 *   debounce: 100ms      # quiet time after a file event before planning
 *   mode: apply          # observe | plan | apply (manifest annotations win)
 *   maxDeletes: 0        # deletions allowed per cycle
 *   forbidWeakening: false  # block every change that lowers protection
 *   notesRef: refs/notes/aurora-gitops
 *
 * Unknown keys and bad values are errors (file:line:col), so a typo never
 * silently keeps a default.
 */
struct ag_runconf {
	long interval_ms;       /* 0: not set */
	long drift_interval_ms; /* 0: not set */
	long debounce_ms;       /* 0: not set */
	enum ag_mode mode;      /* AG_MODE_UNSET: not set */
	long max_deletes;       /* -1: not set */
	int forbid_weakening;   /* -1: not set, else 0 or 1 */
	char notes_ref[256];    /* "": not set */
};

/* Nothing set. */
void ag_runconf_init(struct ag_runconf *rc);

/* The built-in defaults: 30 s, 5 min, 100 ms, apply,
 * AG_PLAN_MAX_DELETES_DEFAULT deletes, weakening allowed, refs/notes/aurora-gitops. */
void ag_runconf_defaults(struct ag_runconf *rc);

/* Copies every setting src sets onto dst. */
void ag_runconf_overlay(struct ag_runconf *dst, const struct ag_runconf *src);

/* Whether two settings are the same. */
int ag_runconf_equal(const struct ag_runconf *a, const struct ag_runconf *b);

/* "90", "90s", "500ms", "5m", "2h" -> ms (> 0 and at most 24 h). */
int ag_runconf_parse_duration(long *out_ms, const char *s);

/* Overlays the YAML document buf onto rc. On error rc is unchanged and
 * err names filename:line:col. */
int ag_runconf_parse(
    struct ag_runconf *rc, const char *buf, size_t len, const char *filename, struct ag_error *err);

#endif
