#ifndef AG_CORE_BUF_H
#define AG_CORE_BUF_H

#include <stdarg.h>
#include <stddef.h>

/*
 * A growable byte buffer with a mandatory upper bound.
 *
 * Invariants: ptr is never NULL (an empty buffer points at a shared empty
 * string) and is always NUL-terminated at ptr[len]; len never exceeds max.
 * Everything read from outside (HTTP bodies, git blobs, YAML files) goes
 * through one of these so a hostile size cannot exhaust memory.
 */
struct ag_buf {
	char *ptr;
	size_t len;
	size_t cap; /* allocated bytes, 0 while ptr is the shared empty string */
	size_t max; /* largest len allowed */
};

extern char ag_buf_slop[1];

#define AG_BUF_INIT(maxlen)                                                                        \
	{                                                                                          \
		ag_buf_slop, 0, 0, (maxlen)                                                        \
	}

void ag_buf_init(struct ag_buf *b, size_t max);
void ag_buf_release(struct ag_buf *b);
/* Empties the buffer but keeps its memory. */
void ag_buf_reset(struct ag_buf *b);
/* Makes room for extra more bytes without adding any; AG_ETOOBIG (buffer
 * unchanged) when max would be passed. */
int ag_buf_reserve(struct ag_buf *b, size_t extra);
/* Appends; returns AG_ETOOBIG (buffer unchanged) when max would be passed. */
int ag_buf_add(struct ag_buf *b, const void *data, size_t n);
int ag_buf_adds(struct ag_buf *b, const char *s);
int ag_buf_addc(struct ag_buf *b, char c);
int ag_buf_addf(struct ag_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int ag_buf_vaddf(struct ag_buf *b, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));
/* Hands the heap string to the caller (free() it) and resets b. */
char *ag_buf_detach(struct ag_buf *b, size_t *len);
/* Overwrites the contents with zeros (for buffers that held secrets). */
void ag_buf_wipe(struct ag_buf *b);

#endif
