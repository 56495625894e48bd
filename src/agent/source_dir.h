#ifndef AG_AGENT_SOURCE_DIR_H
#define AG_AGENT_SOURCE_DIR_H

#include "core/error.h"
#include "core/source.h"

/*
 * The directory source (--dir DIR): every *.yaml / *.yml under dir,
 * recursively, read from the file system on each load. Its revision is
 * the directory as given, with a trailing '/'. An empty or missing
 * directory is an error: a wrong path must never look like "every
 * manifest was removed".
 */
int ag_source_dir_new(struct ag_source **out, const char *dir, struct ag_error *err);

#endif
