#ifndef AG_CORE_ESCAPE_H
#define AG_CORE_ESCAPE_H

#include <stddef.h>

#include "core/buf.h"

/*
 * Escaping of text that comes from outside (server error messages, manifest
 * values) before it reaches a terminal, a log line or a Markdown report, so
 * such text can neither forge lines nor steer a terminal nor hide what
 * follows it.
 */

/*
 * Appends len bytes of s to b on one line: backslash, newline, carriage
 * return and tab become \\ \n \r \t; other C0 controls, DEL and bytes that
 * are not valid UTF-8 become \xNN; C1 controls (U+0080..U+009F), line and
 * paragraph separators and bidirectional controls become \u{XXXX}. Every
 * other character is copied. Returns 0 or AG_ETOOBIG (b is then cut short).
 */
int ag_escape_text(struct ag_buf *b, const char *s, size_t len);

/*
 * Checks that len bytes of s are UTF-8 text: no NUL byte, no byte order
 * mark of UTF-16 or UTF-32, only valid sequences (a UTF-8 byte order mark
 * is fine). Returns NULL, or why not (static) with *off the offset of the
 * first offending byte. Manifests are read only when this holds, so every
 * reader (loader, reseal, status) sees the same bytes.
 */
const char *ag_utf8_check(const char *s, size_t len, size_t *off);

/* ag_escape_text() of a NUL-terminated string into a new heap string. */
char *ag_escape_dup(const char *s);

/* True when ag_escape_text() would copy s unchanged. */
int ag_escape_is_plain(const char *s);

/*
 * Markdown. ag_escape_md_text(): s escaped as above, then every ASCII punctuation
 * character that Markdown or GitHub gives a meaning to is backslash-escaped
 * and <, > and & become entities, so the value renders as the literal text
 * and can open no code block, comment, link or HTML element.
 * ag_escape_md_code(): s escaped as above inside an inline code span whose
 * backtick fence is longer than any backtick run in the value.
 * ag_escape_md_fence(): a code fence (at least three backticks) longer than any
 * backtick run in text (heap string, free()).
 */
int ag_escape_md_text(struct ag_buf *b, const char *s);
int ag_escape_md_code(struct ag_buf *b, const char *s);
char *ag_escape_md_fence(const char *text);

#endif
