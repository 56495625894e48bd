#ifndef AG_SYS_FS_H
#define AG_SYS_FS_H

#include <stddef.h>
#include <sys/types.h>

#include "core/buf.h"
#include "core/error.h"
#include "core/kv.h"

/* Reads the whole file into out (whose max bounds the size). A file larger
 * than out->max is AG_ETOOBIG with the path in the message. */
int ag_fs_read(struct ag_buf *out, const char *path, struct ag_error *err);

/*
 * Writes data to path atomically: a temporary file in the same directory,
 * fsync, rename. mode applies to the new file. With exclusive set, an
 * existing path is AG_ECONFLICT and nothing is written.
 */
int ag_fs_write_atomic(const char *path, const void *data, size_t len, mode_t mode, int exclusive,
    struct ag_error *err);

/*
 * The same, written piece by piece (a file too large to build in memory
 * first): ag_fs_atomic_open() creates the temporary file,
 * ag_fs_atomic_write() appends (buffered), ag_fs_atomic_commit() flushes,
 * fsyncs and renames it over path. Until the commit, path is untouched; a
 * failed step, or ag_fs_atomic_abort(), removes the temporary file. Errors
 * name path. After a failed write, commit returns that error again.
 */
struct ag_fs_atomic {
	char *path;
	char *tmp;
	int fd;
	mode_t mode;
	struct ag_buf pending; /* written, not yet handed to the kernel */
};

int ag_fs_atomic_open(struct ag_fs_atomic *w, const char *path, mode_t mode, struct ag_error *err);
int ag_fs_atomic_write(struct ag_fs_atomic *w, const void *data, size_t len, struct ag_error *err);
/* With exclusive set, an existing path is AG_ECONFLICT and stays as it is. */
int ag_fs_atomic_commit(struct ag_fs_atomic *w, int exclusive, struct ag_error *err);
/* Removes the temporary file and releases w (also after a commit: then it
 * only releases). */
void ag_fs_atomic_abort(struct ag_fs_atomic *w);

/*
 * Writes an output the user named (plan --out FILE): a regular file or a
 * new name is written atomically (keeping an existing file's mode, else
 * 0644); a FIFO, device or socket is written in place and never replaced,
 * also through a symbolic link (/dev/stdout); a symbolic link to a file or
 * directory is refused (it would be replaced or written through), and so
 * are a directory and an empty name (AG_EINVAL).
 */
int ag_fs_write_output(const char *path, const void *data, size_t len, struct ag_error *err);

/* Creates dir and its parents with mode (like mkdir -p). An empty dir is
 * AG_EINVAL. */
int ag_fs_mkdirs(const char *dir, mode_t mode, struct ag_error *err);

/*
 * Collects regular files under each path that end in ".yaml" or ".yml"
 * (a path that is itself a file is taken as is, whatever its name),
 * recursively, in sorted order, following symbolic links. Hidden entries
 * (".git") and the settings file aurora-gitops.yaml directly in a directory
 * given are skipped (core/runconf.h). Errors, never a shorter list: an entry that cannot
 * be examined (a dangling link, no permission), a *.yaml that is not a
 * regular file, a directory reached a second time (a link loop: directories
 * are told apart by device and inode), more than 64 levels, 10,000
 * directories or 200,000 entries.
 */
int ag_fs_find_manifests(
    struct ag_strlist *out, const char *const *paths, size_t npaths, struct ag_error *err);

#endif
