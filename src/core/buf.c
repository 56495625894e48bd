#include "core/buf.h"
#include "core/error.h"
#include "core/mem.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>

#include "core/compat.h"

char ag_buf_slop[1];

void
ag_buf_init(struct ag_buf *b, size_t max)
{
	b->ptr = ag_buf_slop;
	b->len = 0;
	b->cap = 0;
	b->max = max;
}

void
ag_buf_release(struct ag_buf *b)
{
	if (b == NULL)
		return;
	if (b->cap)
		free(b->ptr);
	b->ptr = ag_buf_slop;
	b->len = 0;
	b->cap = 0;
}

void
ag_buf_reset(struct ag_buf *b)
{
	b->len = 0;
	if (b->cap)
		b->ptr[0] = '\0';
}

static int
grow(struct ag_buf *b, size_t extra)
{
	size_t want, ncap;

	if (extra > b->max || b->len > b->max - extra)
		return AG_ETOOBIG;
	want = b->len + extra + 1;
	if (want <= b->cap)
		return 0;
	ncap = b->cap ? b->cap : 64;
	while (ncap < want)
		ncap *= 2;
	if (b->cap == 0) {
		b->ptr = ag_xmalloc(ncap);
		b->ptr[0] = '\0';
	} else {
		b->ptr = ag_xrealloc(b->ptr, ncap);
	}
	b->cap = ncap;
	return 0;
}

int
ag_buf_reserve(struct ag_buf *b, size_t extra)
{
	return grow(b, extra);
}

int
ag_buf_add(struct ag_buf *b, const void *data, size_t n)
{
	if (grow(b, n) < 0)
		return AG_ETOOBIG;
	if (n == 0)
		return 0;
	memcpy(b->ptr + b->len, data, n);
	b->len += n;
	b->ptr[b->len] = '\0';
	return 0;
}

int
ag_buf_adds(struct ag_buf *b, const char *s)
{
	return ag_buf_add(b, s, strlen(s));
}

int
ag_buf_addc(struct ag_buf *b, char c)
{
	return ag_buf_add(b, &c, 1);
}

int
ag_buf_vaddf(struct ag_buf *b, const char *fmt, va_list ap)
{
	va_list cp;
	int n;

	va_copy(cp, ap);
	n = vsnprintf(NULL, 0, fmt, cp);
	va_end(cp);
	if (n < 0)
		return AG_EINVAL;
	if (grow(b, (size_t)n) < 0)
		return AG_ETOOBIG;
	vsnprintf(b->ptr + b->len, (size_t)n + 1, fmt, ap);
	b->len += (size_t)n;
	return 0;
}

int
ag_buf_addf(struct ag_buf *b, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = ag_buf_vaddf(b, fmt, ap);
	va_end(ap);
	return rc;
}

char *
ag_buf_detach(struct ag_buf *b, size_t *len)
{
	char *s;

	if (b->cap == 0)
		s = ag_xstrdup("");
	else
		s = b->ptr;
	if (len)
		*len = b->len;
	b->ptr = ag_buf_slop;
	b->len = 0;
	b->cap = 0;
	return s;
}

void
ag_buf_wipe(struct ag_buf *b)
{
	if (b->cap)
		sodium_memzero(b->ptr, b->cap);
	b->len = 0;
}
