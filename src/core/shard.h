#ifndef AG_CORE_SHARD_H
#define AG_CORE_SHARD_H

#include <stdbool.h>
#include <stdint.h>

#include "core/error.h"

/*
 * --shard I/N: which clusters this agent reconciles when N agents share a
 * repository. A cluster belongs to shard
 *
 *     be64(SHA-256(lower-case(identifier))[0..8]) mod N
 *
 * which depends only on the identifier (RDS identifiers are
 * case-insensitive, so the case does not matter), never on file names,
 * order or fleet size, and is the same on every machine and version.
 */
struct ag_shard {
	uint32_t index; /* I: 0 <= I < N */
	uint32_t count; /* N: 1 = not sharded */
};

/* Parses "I/N" (N in 1..1024, 0 <= I < N). Bad input: AG_EINVAL naming it. */
int ag_shard_parse(struct ag_shard *out, const char *text, struct ag_error *err);
/* The shard (0..count-1) of a cluster identifier. count 0 is taken as 1. */
uint32_t ag_shard_of(const char *cluster_id, uint32_t count);
/* Whether this shard reconciles the cluster. */
bool ag_shard_owns(const struct ag_shard *sh, const char *cluster_id);

#endif
