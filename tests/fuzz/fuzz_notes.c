/*
 * libFuzzer target for the notes reader. The input is a git note as the
 * agent reads it back from refs/notes: lines split on '\n', each parsed
 * with ag_note_line_parse (as the sync and status readers do). Every line
 * that parses is formatted again and the result parsed once more: it must
 * parse, and formatting it must give the same bytes (format is a fixed
 * point after one round), so a note the agent wrote is always read back as
 * the same facts. Everything is freed, so LeakSanitizer reports any leak.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/error.h"
#include "core/noteline.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
round_trip(const struct ag_note_line *l)
{
	struct ag_buf a = AG_BUF_INIT(2 * AG_NOTELINE_MAX), b = AG_BUF_INIT(2 * AG_NOTELINE_MAX);
	struct ag_error err = AG_ERROR_INIT;
	struct ag_note_line again;

	ag_note_line_init(&again);
	if (ag_note_line_format(&a, l) != 0)
		goto out; /* too long once re-encoded: refused, not a crash */
	if (ag_note_line_parse(&again, a.ptr, a.len - 1, &err) != 0)
		abort(); /* a line we wrote must read back */
	if (ag_note_line_format(&b, &again) != 0 || a.len != b.len ||
	    memcmp(a.ptr, b.ptr, a.len) != 0)
		abort(); /* and mean the same */
out:
	ag_note_line_release(&again);
	ag_buf_release(&a);
	ag_buf_release(&b);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *p = (const char *)data, *end = p + size;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = (size_t)((nl ? nl : end) - p);
		struct ag_error err = AG_ERROR_INIT;
		struct ag_note_line l;

		ag_note_line_init(&l);
		if (n > 0 && ag_note_line_parse(&l, p, n, &err) == 0) {
			if (l.kind == NULL)
				abort(); /* parse promises kind */
			round_trip(&l);
		}
		ag_note_line_release(&l);
		p = nl ? nl + 1 : end;
	}
	return 0;
}
