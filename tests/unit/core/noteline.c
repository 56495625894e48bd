/* Unit tests for note lines: one JSON object per line, round trip. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/noteline.h"

static void
test_noteline__round_trip(void **unused)
{
	struct ag_buf b = AG_BUF_INIT(65536);
	struct ag_error err = AG_ERROR_INIT;
	struct ag_note_line l, r;

	(void)unused;
	ag_note_line_init(&l);
	l.ts = 1764358800;
	l.agent = strdup("agent-1");
	l.shard = strdup("0/1");
	l.kind = strdup("apply");
	l.cluster = strdup("orders");
	l.revision = strdup("main@3f2a1c9");
	l.digest = strdup("ab12");
	l.changes = 2;
	ag_note_line_add_action(&l, "create", "req-1");
	ag_note_line_add_action(&l, "create-instance", NULL);
	l.result = strdup("applied");
	l.writer_endpoint = strdup("orders.cluster-x.rds.amazonaws.com");
	l.port = 5432;
	l.secret_arn = strdup("arn:aws:secretsmanager:us-east-1:1:secret:rds!x");
	l.error = strdup("line\nbreak");
	assert_int_equal(ag_note_line_format(&b, &l), 0);
	/* exactly one line, ending in a newline */
	assert_int_equal(b.ptr[b.len - 1], '\n');
	assert_null(memchr(b.ptr, '\n', b.len - 1));
	assert_non_null(strstr(b.ptr, "\"time\":\"2025-11-28T19:40:00Z\""));
	ag_note_line_init(&r);
	assert_int_equal(ag_note_line_parse(&r, b.ptr, b.len - 1, &err), 0);
	assert_string_equal(r.kind, "apply");
	assert_string_equal(r.cluster, "orders");
	assert_int_equal(r.ts, l.ts);
	assert_int_equal(r.n_actions, 2);
	assert_string_equal(r.actions[0].request_id, "req-1");
	assert_null(r.actions[1].request_id);
	assert_int_equal(r.port, 5432);
	assert_string_equal(r.error, "line\nbreak");
	assert_null(r.reader_endpoint);
	ag_note_line_release(&r);
	ag_note_line_release(&l);
	ag_buf_release(&b);
}

/* The scope of a cycle that read only the changed clusters survives the
 * round trip; a line without it (a full cycle) reads back without it, and
 * nonsense counts read as unknown (-1), never as a count. */
static void
test_noteline__scope(void **unused)
{
	struct ag_buf b = AG_BUF_INIT(65536);
	struct ag_error err = AG_ERROR_INIT;
	struct ag_note_line l, r;
	const char *bad = "{\"v\":1,\"ts\":1,\"kind\":\"plan\",\"scope\":{\"kind\":"
	                  "\"changed\",\"planned\":-4,\"of\":\"many\"}}";

	(void)unused;
	ag_note_line_init(&l);
	l.ts = 1764358800;
	l.kind = strdup("plan");
	l.result = strdup("scoped");
	l.scope = strdup("changed");
	l.scope_planned = 1;
	l.scope_of = 2000;
	l.scope_since = strdup("3f2a1c9");
	assert_int_equal(ag_note_line_format(&b, &l), 0);
	assert_non_null(strstr(b.ptr, "\"scope\":{\"kind\":\"changed\",\"planned\":1,\"of\":2000,"
	                              "\"since\":\"3f2a1c9\"}"));
	ag_note_line_init(&r);
	assert_int_equal(ag_note_line_parse(&r, b.ptr, b.len - 1, &err), 0);
	assert_string_equal(r.scope, "changed");
	assert_int_equal(r.scope_planned, 1);
	assert_int_equal(r.scope_of, 2000);
	assert_string_equal(r.scope_since, "3f2a1c9");
	ag_note_line_release(&r);
	ag_note_line_release(&l);

	ag_buf_reset(&b);
	ag_note_line_init(&l);
	l.kind = strdup("plan");
	assert_int_equal(ag_note_line_format(&b, &l), 0);
	assert_null(strstr(b.ptr, "scope"));
	ag_note_line_init(&r);
	assert_int_equal(ag_note_line_parse(&r, b.ptr, b.len - 1, &err), 0);
	assert_null(r.scope);
	ag_note_line_release(&r);
	ag_note_line_release(&l);

	ag_note_line_init(&r);
	assert_int_equal(ag_note_line_parse(&r, bad, strlen(bad), &err), 0);
	assert_string_equal(r.scope, "changed");
	assert_int_equal(r.scope_planned, -1);
	assert_int_equal(r.scope_of, -1);
	ag_note_line_release(&r);
	ag_buf_release(&b);
}

static void
test_noteline__bad_lines(void **unused)
{
	struct ag_error err = AG_ERROR_INIT;
	struct ag_note_line l;
	const char *cases[] = {"not json", "[1]", "{\"ts\":1,\"kind\":\"plan\"}",
	    "{\"v\":1,\"kind\":\"plan\"}", "{\"v\":1,\"ts\":1}", "{\"v\":1,\"v\":1,\"ts\":1}",
	    /* versions that would wrap in an int: 2^32 (0) and 2^32 + 1 (1) */
	    "{\"v\":4294967296,\"ts\":1,\"kind\":\"plan\"}",
	    "{\"v\":4294967297,\"ts\":1,\"kind\":\"plan\"}"};
	size_t i;

	(void)unused;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		ag_note_line_init(&l);
		assert_int_equal(
		    ag_note_line_parse(&l, cases[i], strlen(cases[i]), &err), AG_EINVAL);
		ag_note_line_release(&l);
	}
}

/* A port outside 1..65535 reads as unknown, not as a wrapped number. */
static void
test_noteline__port_out_of_range(void **unused)
{
	struct ag_error err = AG_ERROR_INIT;
	struct ag_note_line l;
	const char *cases[] = {"4294967296", "4294967297", "70000", "-1", "0"};
	char line[128];
	size_t i;

	(void)unused;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(line, sizeof(line),
		    "{\"v\":1,\"ts\":1,\"kind\":\"apply\",\"outputs\":{\"port\":%s}}", cases[i]);
		ag_note_line_init(&l);
		assert_int_equal(ag_note_line_parse(&l, line, strlen(line), &err), 0);
		assert_int_equal(l.port, 0);
		ag_note_line_release(&l);
	}
	ag_note_line_init(&l);
	snprintf(line, sizeof(line),
	    "{\"v\":1,\"ts\":1,\"kind\":\"apply\",\"outputs\":{\"port\":65535}}");
	assert_int_equal(ag_note_line_parse(&l, line, strlen(line), &err), 0);
	assert_int_equal(l.port, 65535);
	ag_note_line_release(&l);
}

static void
test_noteline__time_format(void **unused)
{
	char t[32];

	(void)unused;
	ag_note_time_format(t, 0);
	assert_string_equal(t, "1970-01-01T00:00:00Z");
	ag_note_time_format(t, 951782400); /* leap day */
	assert_string_equal(t, "2000-02-29T00:00:00Z");
	ag_note_time_format(t, 4102444799);
	assert_string_equal(t, "2099-12-31T23:59:59Z");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_noteline__round_trip),
	    cmocka_unit_test(test_noteline__scope),
	    cmocka_unit_test(test_noteline__bad_lines),
	    cmocka_unit_test(test_noteline__port_out_of_range),
	    cmocka_unit_test(test_noteline__time_format),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
