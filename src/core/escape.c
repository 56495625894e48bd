/* Escaping of outside text for terminals, logs and Markdown. */
#include "core/escape.h"
#include "core/error.h"
#include "core/mem.h"

#include <stdint.h>
#include <string.h>

#include "core/compat.h"

/* Length of the valid UTF-8 sequence at s (at most n bytes) and its code
 * point, or 0 when the bytes are not valid UTF-8 (overlong forms,
 * surrogates and values above U+10FFFF are invalid). */
static size_t
utf8_seq(const unsigned char *s, size_t n, uint32_t *cp)
{
	size_t len, i;
	uint32_t v;

	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		len = 2;
		v = s[0] & 0x1f;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		len = 3;
		v = s[0] & 0x0f;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		len = 4;
		v = s[0] & 0x07;
	} else {
		return 0;
	}
	if (len > n)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		v = (v << 6) | (s[i] & 0x3f);
	}
	if ((len == 3 && v < 0x800) || (len == 4 && (v < 0x10000 || v > 0x10ffff)) ||
	    (v >= 0xd800 && v <= 0xdfff))
		return 0;
	*cp = v;
	return len;
}

/* Code points that move the cursor, start a new line or reorder text. */
static int
is_invisible_control(uint32_t cp)
{
	return (cp >= 0x80 && cp <= 0x9f) || cp == 0x2028 || cp == 0x2029 || cp == 0x200e ||
	       cp == 0x200f || (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069) ||
	       cp == 0x061c;
}

/* Whether the 8 bytes at p are all ASCII and none is NUL. */
static int
ascii8(const unsigned char *p)
{
	uint64_t w;

	memcpy(&w, p, sizeof(w));
	/* no high bit set, and no zero byte (the classic has-zero test) */
	return (w & 0x8080808080808080ull) == 0 &&
	       ((w - 0x0101010101010101ull) & ~w & 0x8080808080808080ull) == 0;
}

const char *
ag_utf8_check(const char *s, size_t len, size_t *off)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, n;
	uint32_t cp;

	*off = 0;
	if ((len >= 2 && ((p[0] == 0xff && p[1] == 0xfe) || (p[0] == 0xfe && p[1] == 0xff))) ||
	    (len >= 4 && p[0] == 0 && p[1] == 0 && p[2] == 0xfe && p[3] == 0xff))
		return "it is UTF-16 or UTF-32 (it starts with that byte order mark); save it as "
		       "UTF-8";
	while (i < len) {
		/* a run of 8 ASCII bytes without a NUL: nothing to look into */
		while (len - i >= 8 && ascii8(p + i))
			i += 8;
		if (i == len)
			break;
		if (p[i] == 0) {
			*off = i;
			return "it holds a NUL byte (UTF-16 or binary data?); save it as UTF-8";
		}
		if ((n = utf8_seq(p + i, len - i, &cp)) == 0) {
			*off = i;
			return "it is not valid UTF-8";
		}
		i += n;
	}
	return NULL;
}

int
ag_escape_text(struct ag_buf *b, const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, n;
	uint32_t cp;
	int r = 0;

	while (i < len && r == 0) {
		unsigned char c = p[i];

		if (c == '\\')
			r = ag_buf_adds(b, "\\\\");
		else if (c == '\n')
			r = ag_buf_adds(b, "\\n");
		else if (c == '\r')
			r = ag_buf_adds(b, "\\r");
		else if (c == '\t')
			r = ag_buf_adds(b, "\\t");
		else if (c < 0x20 || c == 0x7f)
			r = ag_buf_addf(b, "\\x%02x", c);
		else if (c < 0x80)
			r = ag_buf_addc(b, (char)c);
		else if ((n = utf8_seq(p + i, len - i, &cp)) == 0)
			r = ag_buf_addf(b, "\\x%02x", c);
		else if (is_invisible_control(cp)) {
			r = ag_buf_addf(b, "\\u{%04x}", (unsigned)cp);
			i += n;
			continue;
		} else {
			r = ag_buf_add(b, p + i, n);
			i += n;
			continue;
		}
		i++;
	}
	return r;
}

char *
ag_escape_dup(const char *s)
{
	struct ag_buf b = AG_BUF_INIT((size_t)1 << 30);

	if (s == NULL)
		return NULL;
	(void)ag_escape_text(&b, s, strlen(s));
	return ag_buf_detach(&b, NULL);
}

int
ag_escape_is_plain(const char *s)
{
	struct ag_buf b = AG_BUF_INIT((size_t)1 << 30);
	size_t len = strlen(s);
	int same;

	(void)ag_escape_text(&b, s, len);
	same = b.len == len && memcmp(b.ptr, s, len) == 0;
	ag_buf_release(&b);
	return same;
}

int
ag_escape_md_text(struct ag_buf *b, const char *s)
{
	static const char special[] = "\\`*_{}[]()#+-.!|~:\"'$%=^@/";
	struct ag_buf e = AG_BUF_INIT((size_t)1 << 30);
	size_t i;
	int r = 0;

	(void)ag_escape_text(&e, s, strlen(s));
	for (i = 0; i < e.len && r == 0; i++) {
		char c = e.ptr[i];

		if (c == '<')
			r = ag_buf_adds(b, "&lt;");
		else if (c == '>')
			r = ag_buf_adds(b, "&gt;");
		else if (c == '&')
			r = ag_buf_adds(b, "&amp;");
		else if (strchr(special, c) != NULL)
			r = ag_buf_addf(b, "\\%c", c);
		else
			r = ag_buf_addc(b, c);
	}
	ag_buf_release(&e);
	return r;
}

/* Longest run of backticks in s. */
static size_t
longest_backticks(const char *s)
{
	size_t best = 0, run = 0;

	for (; *s; s++) {
		run = *s == '`' ? run + 1 : 0;
		if (run > best)
			best = run;
	}
	return best;
}

int
ag_escape_md_code(struct ag_buf *b, const char *s)
{
	struct ag_buf e = AG_BUF_INIT((size_t)1 << 30);
	size_t fence, i;
	int pad, r = 0;

	(void)ag_escape_text(&e, s, strlen(s));
	fence = longest_backticks(e.ptr) + 1;
	/* A space on each side keeps a value that starts or ends with a
	 * backtick (or a space) apart from the fence; it is stripped again. */
	pad = e.len > 0 && (e.ptr[0] == '`' || e.ptr[e.len - 1] == '`' || e.ptr[0] == ' ');
	if (e.len == 0)
		pad = 1; /* an empty span would read as a bare fence: a single space */
	for (i = 0; i < fence && r == 0; i++)
		r = ag_buf_addc(b, '`');
	if (r == 0 && pad)
		r = ag_buf_addc(b, ' ');
	if (r == 0)
		r = ag_buf_add(b, e.ptr, e.len);
	if (r == 0 && pad)
		r = ag_buf_addc(b, ' ');
	for (i = 0; i < fence && r == 0; i++)
		r = ag_buf_addc(b, '`');
	ag_buf_release(&e);
	return r;
}

char *
ag_escape_md_fence(const char *text)
{
	size_t n = longest_backticks(text) + 1;
	char *f;

	if (n < 3)
		n = 3;
	f = ag_xmalloc(n + 1);
	memset(f, '`', n);
	f[n] = '\0';
	return f;
}
