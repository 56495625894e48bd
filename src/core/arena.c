#include "core/arena.h"
#include "core/mem.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/compat.h"

/* 32 KiB chunks stay below the allocator's mmap threshold, so a chunk
 * costs no system call, and the tail left unused in a filled chunk is at
 * most a quarter of one (bigger blocks get a chunk of their own). */
#define ARENA_CHUNK (32u * 1024)
#define ARENA_BIG (ARENA_CHUNK / 4)
#define ARENA_MAX_ALIGN 16u

struct ag_arena_chunk {
	struct ag_arena_chunk *next;
	size_t size; /* bytes of data */
	size_t used;
	_Alignas(16) unsigned char data[];
};

static struct ag_arena_chunk *
chunk_new(struct ag_arena *a, size_t size)
{
	struct ag_arena_chunk *k = ag_xmalloc(sizeof(*k) + size);

	k->next = NULL;
	k->size = size;
	k->used = 0;
	a->bytes += sizeof(*k) + size;
	return k;
}

void *
ag_arena_alloc(struct ag_arena *a, size_t n, size_t align)
{
	struct ag_arena_chunk *k = a->head;
	size_t at;

	if (align == 0 || align > ARENA_MAX_ALIGN || (align & (align - 1)) != 0)
		align = ARENA_MAX_ALIGN;
	if (k != NULL) {
		at = (k->used + align - 1) & ~(align - 1);
		if (at <= k->size && k->size - at >= n) {
			k->used = at + n;
			return k->data + at;
		}
	}
	if (n > SIZE_MAX - sizeof(*k) - ARENA_CHUNK)
		ag_xmalloc(SIZE_MAX); /* reports the size and aborts */
	if (n >= ARENA_BIG) {
		/* a chunk of its own, behind the head: the head's free tail
		 * stays usable for the small blocks that follow */
		struct ag_arena_chunk *big = chunk_new(a, n);

		big->used = n;
		if (k != NULL) {
			big->next = k->next;
			k->next = big;
		} else {
			a->head = big;
		}
		return big->data;
	}
	k = chunk_new(a, ARENA_CHUNK);
	k->next = a->head;
	a->head = k;
	k->used = n;
	return k->data;
}

void *
ag_arena_calloc(struct ag_arena *a, size_t count, size_t size, size_t align)
{
	void *p;

	if (size != 0 && count > SIZE_MAX / size)
		ag_xmalloc(SIZE_MAX); /* reports the size and aborts */
	p = ag_arena_alloc(a, count * size, align);
	memset(p, 0, count * size);
	return p;
}

char *
ag_arena_strndup(struct ag_arena *a, const char *s, size_t n)
{
	char *d;

	if (n == SIZE_MAX)
		ag_xmalloc(SIZE_MAX);
	d = ag_arena_alloc(a, n + 1, 1);
	memcpy(d, s, n);
	d[n] = '\0';
	return d;
}

char *
ag_arena_strdup(struct ag_arena *a, const char *s)
{
	return s == NULL ? NULL : ag_arena_strndup(a, s, strlen(s));
}

void
ag_arena_take(struct ag_arena *dst, struct ag_arena *src)
{
	struct ag_arena_chunk *last;

	if (src->head == NULL)
		return;
	if (dst->head == NULL) {
		*dst = *src;
	} else {
		/* src's chunks go behind dst's head, which keeps serving new
		 * blocks */
		for (last = src->head; last->next != NULL; last = last->next)
			;
		last->next = dst->head->next;
		dst->head->next = src->head;
		dst->bytes += src->bytes;
	}
	src->head = NULL;
	src->bytes = 0;
}

void
ag_arena_release(struct ag_arena *a)
{
	struct ag_arena_chunk *k = a->head, *next;

	while (k != NULL) {
		next = k->next;
		free(k);
		k = next;
	}
	a->head = NULL;
	a->bytes = 0;
}

void
ag_arena_reset(struct ag_arena *a)
{
	struct ag_arena_chunk *k = a->head;

	/* the head is a standard chunk unless the first block was big */
	if (k == NULL || k->size != ARENA_CHUNK) {
		ag_arena_release(a);
		return;
	}
	a->head = k->next;
	ag_arena_release(a);
	k->next = NULL;
	k->used = 0;
	a->head = k;
	a->bytes = sizeof(*k) + k->size;
}
