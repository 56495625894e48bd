#include "core/mem.h"
#include "core/bug.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/compat.h"

void
ag_bug_at(const char *file, int line, const char *msg)
{
	fprintf(stderr, "aurora-gitops: BUG: %s:%d: %s\n", file, line, msg);
	abort();
}

static void
oom(size_t n)
{
	fprintf(stderr, "aurora-gitops: fatal: out of memory allocating %zu bytes\n", n);
	abort();
}

void *
ag_xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (p == NULL)
		oom(n);
	return p;
}

void *
ag_xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);

	if (p == NULL)
		oom(n * size);
	return p;
}

void *
ag_xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);

	if (q == NULL)
		oom(n);
	return q;
}

static size_t
grown_cap(size_t cap, size_t want, size_t size)
{
	size_t ncap = cap ? cap : 8;

	while (ncap < want) {
		if (ncap > SIZE_MAX / 2 / size)
			oom(SIZE_MAX);
		ncap *= 2;
	}
	return ncap;
}

void
ag_xgrow(void **p, size_t *cap, size_t want, size_t size)
{
	size_t ncap;

	if (want <= *cap)
		return;
	ncap = grown_cap(*cap, want, size);
	*p = ag_xrealloc(*p, ncap * size);
	memset((char *)*p + *cap * size, 0, (ncap - *cap) * size);
	*cap = ncap;
}

void
ag_xgrow_uninit(void **p, size_t *cap, size_t want, size_t size)
{
	size_t ncap;

	if (want <= *cap)
		return;
	ncap = grown_cap(*cap, want, size);
	*p = ag_xrealloc(*p, ncap * size);
	*cap = ncap;
}

char *
ag_xstrdup(const char *s)
{
	char *d;

	if (s == NULL)
		return NULL;
	d = strdup(s);
	if (d == NULL)
		oom(strlen(s) + 1);
	return d;
}

char *
ag_xstrndup(const char *s, size_t n)
{
	char *d = ag_xmalloc(n + 1);

	memcpy(d, s, n);
	d[n] = '\0';
	return d;
}

char *
ag_xasprintf(const char *fmt, ...)
{
	va_list ap;
	int n;
	char *s;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		AG_BUG("bad format");
	s = ag_xmalloc((size_t)n + 1);
	va_start(ap, fmt);
	vsnprintf(s, (size_t)n + 1, fmt, ap);
	va_end(ap);
	return s;
}
