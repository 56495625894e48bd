/* Escaping of outside text for terminals, logs and Markdown; redaction of
 * known secrets from messages. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/escape.h"
#include "core/redact.h"

static char *
esc(const char *s, size_t len)
{
	struct ag_buf b = AG_BUF_INIT(1 << 16);

	assert_int_equal(ag_escape_text(&b, s, len), 0);
	return ag_buf_detach(&b, NULL);
}

static void
test_escape__line_breaks_and_controls(void **state)
{
	char *s;

	(void)state;
	s = esc("a\nb\rc\td\\e\x1b[31m\x7f", 15);
	assert_string_equal(s, "a\\nb\\rc\\td\\\\e\\x1b[31m\\x7f");
	free(s);
	s = esc("nul\0after", 9);
	assert_string_equal(s, "nul\\x00after");
	free(s);
}

static void
test_escape__unicode(void **state)
{
	char *s;

	(void)state;
	/* Plain UTF-8 stays; C1 CSI, line separator, bidi override escaped. */
	s = ag_escape_dup("caf\xc3\xa9 \xc2\x9b"
	                  "31m \xe2\x80\xa8 \xe2\x80\xae");
	assert_string_equal(s, "caf\xc3\xa9 \\u{009b}31m \\u{2028} \\u{202e}");
	free(s);
	/* Invalid UTF-8: a lone continuation byte, an overlong '/', a surrogate, a cut sequence. */
	s = ag_escape_dup("\x80 \xc0\xaf \xed\xa0\x80 \xe2\x80");
	assert_string_equal(s, "\\x80 \\xc0\\xaf \\xed\\xa0\\x80 \\xe2\\x80");
	free(s);
	assert_true(ag_escape_is_plain("orders-db 16.1 caf\xc3\xa9"));
	assert_false(ag_escape_is_plain("two\nlines"));
}

static void
test_utf8__check(void **state)
{
	size_t off = 99;

	(void)state;
	assert_null(ag_utf8_check("a: caf\xc3\xa9\n", 9, &off));
	assert_null(ag_utf8_check("\xef\xbb\xbf"
	                          "a: b\n",
	    8, &off)); /* UTF-8 BOM */
	assert_non_null(strstr(ag_utf8_check("\xff\xfe"
	                                     "a\0",
	                           4, &off),
	    "UTF-16"));
	assert_non_null(strstr(ag_utf8_check("\xfe\xff\0a", 4, &off), "UTF-16"));
	assert_non_null(strstr(ag_utf8_check("a\0:\0", 4, &off), "NUL"));
	assert_int_equal(off, 1);
	assert_non_null(strstr(ag_utf8_check("ok\n\xe9t\xe9", 6, &off), "not valid UTF-8"));
	assert_int_equal(off, 3);
	assert_non_null(ag_utf8_check("\xed\xa0\x80", 3, &off)); /* surrogate */
}

static void
test_md__text_cannot_open_anything(void **state)
{
	struct ag_buf b = AG_BUF_INIT(1 << 16);

	(void)state;
	assert_int_equal(ag_escape_md_text(&b, "x\n```\n<!-- *hidden* [a](b) | &amp;"), 0);
	assert_null(strchr(b.ptr, '\n'));
	assert_null(strstr(b.ptr, "<!--"));
	assert_null(strstr(b.ptr, "```"));
	assert_string_equal(b.ptr,
	    "x\\\\n\\`\\`\\`\\\\n&lt;\\!\\-\\- \\*hidden\\* \\[a\\]\\(b\\) \\| "
	    "&amp;amp;");
	ag_buf_release(&b);
}

static void
test_md__code_fence_outgrows_backticks(void **state)
{
	struct ag_buf b = AG_BUF_INIT(1 << 16);
	char *f;

	(void)state;
	assert_int_equal(ag_escape_md_code(&b, "plain"), 0);
	assert_string_equal(b.ptr, "`plain`");
	ag_buf_reset(&b);
	assert_int_equal(ag_escape_md_code(&b, "a``b"), 0);
	assert_string_equal(b.ptr, "```a``b```");
	ag_buf_reset(&b);
	assert_int_equal(ag_escape_md_code(&b, "`x\n<!--"), 0);
	assert_string_equal(b.ptr, "`` `x\\n<!-- ``");
	ag_buf_release(&b);
	f = ag_escape_md_fence("no ticks");
	assert_string_equal(f, "```");
	free(f);
	f = ag_escape_md_fence("a ````` b");
	assert_string_equal(f, "``````");
	free(f);
}

static void
test_redact__every_spelling(void **state)
{
	struct ag_redactor r = AG_REDACTOR_INIT;
	char *s;

	(void)state;
	ag_redactor_add(&r, "pa ss&word");
	ag_redactor_add(&r, "ab"); /* too short: ignored */
	ag_redactor_add(&r, NULL);
	assert_int_equal(r.n, 2); /* the value and its form-urlencoded spelling */
	s = ag_redact(&r, "p=pa ss&word q=pa%20ss%26word ab", 32);
	assert_string_equal(s, "p=[redacted] q=[redacted] ab");
	free(s);
	s = ag_redact(NULL, "as is", 5);
	assert_string_equal(s, "as is");
	free(s);
	ag_redactor_release(&r);
}

static void
test_redact__longest_first_and_cut_tail(void **state)
{
	struct ag_redactor r = AG_REDACTOR_INIT;
	char buf[16];
	char *s;

	(void)state;
	ag_redactor_add(&r, "secret");
	ag_redactor_add(&r, "secret-longer");
	s = ag_redact(&r, "a secret-longer b secret", 24);
	assert_string_equal(s, "a [redacted] b [redacted]");
	free(s);
	/* A message cut to its buffer that ends in the start of a secret. */
	memcpy(buf, "message: secre", 15);
	ag_redact_buf(&r, buf, 15);
	assert_null(strstr(buf, "secre"));
	memcpy(buf, "ok: secret", 11);
	ag_redact_buf(&r, buf, sizeof(buf));
	assert_string_equal(buf, "ok: [redacted]");
	ag_redactor_release(&r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_escape__line_breaks_and_controls),
	    cmocka_unit_test(test_escape__unicode),
	    cmocka_unit_test(test_utf8__check),
	    cmocka_unit_test(test_md__text_cannot_open_anything),
	    cmocka_unit_test(test_md__code_fence_outgrows_backticks),
	    cmocka_unit_test(test_redact__every_spelling),
	    cmocka_unit_test(test_redact__longest_first_and_cut_tail),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
