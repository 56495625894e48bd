#ifndef AG_AGENT_WATCH_H
#define AG_AGENT_WATCH_H

#include <stdbool.h>

#include "core/error.h"

/*
 * Change notification for local paths on the kernel's inotify API (see
 * docs/daemon.md for why not libinotifytools). Two kinds of root:
 *
 *   a manifests directory: every directory below it, events on *.yaml and
 *     *.yml files (editors and `git checkout` write temp files and rename,
 *     so moves, creates and deletes all count), new directories watched as
 *     they appear;
 *   a bare git repository: the repository directory for packed-refs and
 *     refs/ with every subdirectory for loose refs; *.lock files ignored.
 *     Directories are watched, never ref files (a rename replaces them).
 *
 * ag_watch_read() drains the descriptor and says whether anything relevant
 * happened; an event queue overflow counts as a change and rebuilds every
 * watch (a full rescan).
 */
struct ag_watch;

int ag_watch_new(struct ag_watch **out, struct ag_error *err);
void ag_watch_free(struct ag_watch *w);
/* The descriptor to poll() for POLLIN. */
int ag_watch_fd(const struct ag_watch *w);

int ag_watch_add_manifests(struct ag_watch *w, const char *dir, struct ag_error *err);
int ag_watch_add_bare_repo(struct ag_watch *w, const char *gitdir, struct ag_error *err);

/*
 * Reads pending events. Returns 1 when a relevant change was seen, 0 when
 * none, negative on failure. *overflowed is set when the kernel dropped
 * events (the caller should treat everything as changed).
 */
int ag_watch_read(struct ag_watch *w, bool *overflowed, struct ag_error *err);

/* Number of directories watched (for logs and tests). */
unsigned ag_watch_count(const struct ag_watch *w);

#endif
