#ifndef AG_CORE_TAGCHARS_H
#define AG_CORE_TAGCHARS_H

#include <stdbool.h>
#include <stdint.h>

/* True when the non-ASCII code point cp is a Unicode letter, separator or
 * number (categories L, Z, N): characters AWS accepts in tag keys and
 * values. ASCII is decided by the caller. */
bool ag_tagchar_unicode_ok(uint32_t cp);

#endif
