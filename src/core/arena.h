#ifndef AG_CORE_ARENA_H
#define AG_CORE_ARENA_H

#include <stddef.h>

/*
 * A bump allocator: blocks are carved one after another from large chunks
 * and freed all at once, with their arena. A block costs its own bytes
 * (plus alignment) instead of a malloc header and rounding each: the
 * observed fleet keeps tens of thousands of short strings, for which the
 * header and rounding cost as much as the text.
 *
 * Blocks never move and are never freed one by one (nothing may free() or
 * realloc() a block). An arena is not thread-safe: each thread fills its
 * own, and a finished one can be moved into another (ag_arena_take).
 * A zeroed struct is an empty arena (AG_ARENA_INIT).
 */
struct ag_arena_chunk;

struct ag_arena {
	struct ag_arena_chunk *head; /* the chunk new blocks come from; older chunks behind */
	size_t bytes;                /* bytes of all chunks held (headers included) */
};

#define AG_ARENA_INIT                                                                              \
	{                                                                                          \
		NULL, 0                                                                            \
	}

/* n bytes aligned to align (a power of two, at most 16); never NULL (an
 * allocation failure aborts as ag_xmalloc does). n == 0 gives a valid
 * pointer to no bytes. */
void *ag_arena_alloc(struct ag_arena *a, size_t n, size_t align);
/* An array of count elements of size bytes each, aligned for align and
 * zeroed; aborts on overflow of count * size. */
void *ag_arena_calloc(struct ag_arena *a, size_t count, size_t size, size_t align);
/* A copy of s in the arena (NULL in, NULL out). */
char *ag_arena_strdup(struct ag_arena *a, const char *s);
/* A copy of the n bytes at s, terminated. */
char *ag_arena_strndup(struct ag_arena *a, const char *s, size_t n);
/* Moves every chunk of src into dst; the blocks stay where they are (and
 * now live as long as dst). src is left empty. */
void ag_arena_take(struct ag_arena *dst, struct ag_arena *src);
/* Frees every block; the arena is empty again. */
void ag_arena_release(struct ag_arena *a);
/* Frees every block but keeps one chunk for the blocks to come: an arena
 * filled and emptied again and again costs no allocation once warm. */
void ag_arena_reset(struct ag_arena *a);

#define AG_ARENA_NEW(a, type, count)                                                               \
	((type *)ag_arena_calloc((a), (count), sizeof(type), _Alignof(type)))

#endif
