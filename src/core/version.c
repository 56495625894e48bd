/* Engine version comparison (see version.h). */
#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "core/version.h"

#include "core/compat.h"

static bool
is_sep(char c)
{
	return c == '.' || c == '_' || c == '-';
}

/* Next segment of *p: sets *seg and *len, advances *p past a separator.
 * Returns false at the end of the string. */
static bool
next_seg(const char **p, const char **seg, size_t *len)
{
	const char *s = *p;

	if (*s == '\0')
		return false;
	*seg = s;
	while (*s != '\0' && !is_sep(*s))
		s++;
	*len = (size_t)(s - *seg);
	if (*s != '\0')
		s++;
	*p = s;
	return true;
}

static bool
all_digits(const char *s, size_t n)
{
	size_t i;

	if (n == 0)
		return false;
	for (i = 0; i < n; i++)
		if (!isdigit((unsigned char)s[i]))
			return false;
	return true;
}

static int
seg_cmp(const char *a, size_t na, const char *b, size_t nb)
{
	bool da = all_digits(a, na), db = all_digits(b, nb);
	int c;

	if (da && db) {
		/* numeric: strip leading zeros, longer is larger */
		while (na > 1 && *a == '0') {
			a++;
			na--;
		}
		while (nb > 1 && *b == '0') {
			b++;
			nb--;
		}
		if (na != nb)
			return na < nb ? -1 : 1;
		c = memcmp(a, b, na);
		return c < 0 ? -1 : c > 0;
	}
	if (da != db)
		return da ? -1 : 1; /* numbers sort before words */
	c = strncmp(a, b, na < nb ? na : nb);
	if (c != 0)
		return c < 0 ? -1 : 1;
	if (na != nb)
		return na < nb ? -1 : 1;
	return 0;
}

int
ag_version_cmp(const char *a, const char *b)
{
	const char *sa, *sb;
	size_t la, lb;
	bool ha, hb;
	int c;

	if (a == NULL)
		a = "";
	if (b == NULL)
		b = "";
	for (;;) {
		ha = next_seg(&a, &sa, &la);
		hb = next_seg(&b, &sb, &lb);
		if (!ha || !hb)
			return ha == hb ? 0 : (ha ? 1 : -1);
		if ((c = seg_cmp(sa, la, sb, lb)) != 0)
			return c;
	}
}

bool
ag_version_is_prefix(const char *prefix, const char *v)
{
	const char *sa, *sb;
	size_t la, lb;

	if (prefix == NULL || v == NULL || *prefix == '\0')
		return false;
	for (;;) {
		if (!next_seg(&prefix, &sa, &la))
			return true;
		if (!next_seg(&v, &sb, &lb))
			return false;
		if (seg_cmp(sa, la, sb, lb) != 0)
			return false;
	}
}

static bool
is_mysql(const char *engine)
{
	return engine != NULL && strstr(engine, "mysql") != NULL;
}

bool
ag_version_major(char *out, unsigned long n, const char *engine, const char *v)
{
	const char *p = v, *s1, *s2;
	size_t l1, l2;
	bool two;

	if (n == 0)
		return false;
	out[0] = '\0';
	if (v == NULL || !next_seg(&p, &s1, &l1))
		return false;
	/* MySQL majors are "5.7" / "8.0"; PostgreSQL before 10 was "9.6". */
	two = is_mysql(engine) || (all_digits(s1, l1) && l1 == 1);
	if (two && next_seg(&p, &s2, &l2) && all_digits(s2, l2))
		snprintf(out, n, "%.*s.%.*s", (int)l1, s1, (int)l2, s2);
	else
		snprintf(out, n, "%.*s", (int)l1, s1);
	return true;
}

enum ag_version_verdict
ag_version_compare(const char *engine, const char *desired, const char *live, bool auto_minor)
{
	char md[64], ml[64];
	int c;

	if (desired == NULL || live == NULL || *desired == '\0' || *live == '\0')
		return AG_VERSION_EQUAL;
	if (ag_version_is_prefix(desired, live))
		return AG_VERSION_EQUAL;
	c = ag_version_cmp(desired, live);
	if (c == 0)
		return AG_VERSION_EQUAL;
	ag_version_major(md, sizeof(md), engine, desired);
	ag_version_major(ml, sizeof(ml), engine, live);
	if (c < 0) {
		if (auto_minor && strcmp(md, ml) == 0)
			return AG_VERSION_AUTO_MINOR;
		return AG_VERSION_LIVE_NEWER;
	}
	return strcmp(md, ml) == 0 ? AG_VERSION_UPGRADE_MINOR : AG_VERSION_UPGRADE_MAJOR;
}
