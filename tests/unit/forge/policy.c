/* Unit tests for the forge transport rules: which URLs may carry the token,
 * pagination links, retry waits, project names. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/kv.h"
#include "forge/forge.h"
#include "sys/sysclock.h"

static void
test_forge__url_rules(void **state)
{
	struct ag_error err = AG_ERROR_INIT;

	(void)state;
	assert_int_equal(ag_forge_check_url("https://api.github.com", &err), 0);
	assert_int_equal(ag_forge_check_url("https://ghe.example.com/api/v3", &err), 0);
	assert_int_equal(ag_forge_check_url("http://127.0.0.1:8080/api", &err), 0);
	assert_int_equal(ag_forge_check_url("http://localhost:1/", &err), 0);
	assert_int_equal(ag_forge_check_url("http://[::1]:9/api/v4", &err), 0);
	assert_int_equal(ag_forge_check_url("http://gitlab.example.com/api/v4", &err), AG_EINVAL);
	assert_non_null(strstr(err.msg, "not loopback"));
	assert_int_equal(ag_forge_check_url("http://127.0.0.1.evil.com/", &err), AG_EINVAL);
	assert_int_equal(ag_forge_check_url("http://localhost.evil.com/", &err), AG_EINVAL);
	assert_int_equal(ag_forge_check_url("ftp://x/", &err), AG_EINVAL);
	assert_int_equal(ag_forge_check_url("https://user:pw@host/", &err), AG_EINVAL);
	assert_int_equal(ag_forge_check_url("https://host/a b", &err), AG_EINVAL);
	assert_int_equal(ag_forge_check_url("https://", &err), AG_EINVAL);
	assert_int_equal(ag_forge_check_url("", &err), AG_EINVAL);
}

static void
test_forge__link_next(void **state)
{
	char *n;

	(void)state;
	n = ag_forge_link_next("<https://api.github.com/repositories/1/issues/3/comments?page=2>; "
	                       "rel=\"next\", <https://api.github.com/repositories/1/issues/3/"
	                       "comments?page=5>; rel=\"last\"");
	assert_string_equal(n, "https://api.github.com/repositories/1/issues/3/comments?page=2");
	free(n);
	n = ag_forge_link_next(
	    "<https://x/?page=1>; rel=\"prev\", <https://x/?page=3>; rel=\"next\"");
	assert_string_equal(n, "https://x/?page=3");
	free(n);
	n = ag_forge_link_next("<https://x/?a=1,2>; rel=\"first\", <https://x/?p=9>; rel=next");
	assert_string_equal(n, "https://x/?p=9");
	free(n);
	assert_null(ag_forge_link_next("<https://x/?page=5>; rel=\"last\""));
	assert_null(ag_forge_link_next(NULL));
	assert_null(ag_forge_link_next("garbage"));
}

static void
test_forge__same_origin(void **state)
{
	(void)state;
	assert_true(ag_forge_same_origin("https://api.github.com", "https://api.github.com/repos"));
	assert_true(ag_forge_same_origin("https://h/api/v4/", "https://h/api/v4/projects"));
	assert_false(
	    ag_forge_same_origin("https://api.github.com", "https://api.github.com.evil/"));
	assert_false(ag_forge_same_origin("https://h/api/v4", "https://h/api/v40/x"));
	assert_false(ag_forge_same_origin("https://h/api", "http://h/api/x"));
}

static void
test_forge__retry_waits(void **state)
{
	struct ag_kvlist h = AG_KVLIST_INIT;
	bool limited;
	int64_t w;

	(void)state;
	/* plain 403: final (a permission problem, not a rate limit) */
	assert_int_equal(ag_forge_retry_wait(&limited, 403, &h, 0, 1000, 1000, 0.5), -1);
	assert_false(limited);
	assert_int_equal(ag_forge_retry_wait(&limited, 404, &h, 0, 1000, 1000, 0.5), -1);
	assert_int_equal(ag_forge_retry_wait(&limited, 201, &h, 0, 1000, 1000, 0.5), -1);
	/* 5xx and network failures: backoff doubling, with jitter in [cap/2, cap) */
	w = ag_forge_retry_wait(&limited, 502, &h, 0, 1000, 1000, 0.0);
	assert_int_equal(w, 500);
	w = ag_forge_retry_wait(&limited, 503, &h, 2, 1000, 1000, 0.999);
	assert_true(w >= 2000 && w < 4000);
	w = ag_forge_retry_wait(&limited, 0, &h, 1, 1000, 1000, 0.0);
	assert_int_equal(w, 1000);
	assert_false(limited);
	/* primary rate limit: remaining 0 + reset time */
	ag_kvlist_add(&h, "x-ratelimit-remaining", "0");
	ag_kvlist_add(&h, "x-ratelimit-reset", "1030");
	w = ag_forge_retry_wait(&limited, 403, &h, 0, 1000, 1000, 0.5);
	assert_true(limited);
	assert_int_equal(w, 31000);
	/* Retry-After wins */
	ag_kvlist_add(&h, "retry-after", "7");
	w = ag_forge_retry_wait(&limited, 429, &h, 0, 1000, 1000, 0.5);
	assert_true(limited);
	assert_int_equal(w, 7000);
	ag_kvlist_release(&h);
	/* secondary rate limit with no hint: a minute */
	ag_kvlist_add(&h, "retry-after", "soon");
	w = ag_forge_retry_wait(&limited, 429, &h, 0, 1000, 1000, 0.5);
	assert_true(limited);
	assert_int_equal(w, 60000);
	ag_kvlist_release(&h);
}

static void
test_forge__escape_segment(void **state)
{
	char *s;

	(void)state;
	s = ag_forge_escape_segment("group/sub group/proj.x");
	assert_string_equal(s, "group%2Fsub%20group%2Fproj.x");
	free(s);
}

static void
test_forge__new_checks_config(void **state)
{
	struct ag_forge_config cfg = {0};
	struct ag_forge *f = NULL;
	struct ag_error err = AG_ERROR_INIT;

	(void)state;
	cfg.kind = AG_FORGE_GITHUB;
	cfg.api_url = "https://api.github.com";
	cfg.project = "acme/db";
	cfg.token = "t0ken";
	cfg.clock = ag_sysclock();
	cfg.rand = ag_sysrand();
	assert_int_equal(ag_forge_new(&f, &cfg, &err), 0);
	assert_non_null(f);
	/* a bad commit id is refused before anything is sent */
	assert_int_equal(
	    ag_forge_set_status(f, "HEAD", AG_FORGE_SUCCESS, "c", "d", NULL, &err), AG_EINVAL);
	assert_null(strstr(err.msg, "t0ken"));
	ag_forge_free(f);
	cfg.project = "acme/db/extra";
	assert_int_equal(ag_forge_new(&f, &cfg, &err), AG_EINVAL);
	assert_non_null(strstr(err.msg, "OWNER/REPO"));
	cfg.project = "acme/../x";
	assert_int_equal(ag_forge_new(&f, &cfg, &err), AG_EINVAL);
	cfg.kind = AG_FORGE_GITLAB;
	cfg.project = "group/sub/project";
	assert_int_equal(ag_forge_new(&f, &cfg, &err), 0);
	ag_forge_free(f);
	cfg.project = "12345";
	cfg.api_url = "http://gitlab.example.com/api/v4";
	assert_int_equal(ag_forge_new(&f, &cfg, &err), AG_EINVAL);
	assert_null(f);
	cfg.api_url = "https://gitlab.example.com/api/v4";
	cfg.token = "";
	assert_int_equal(ag_forge_new(&f, &cfg, &err), AG_EINVAL);
	cfg.token = "a\nb";
	assert_int_equal(ag_forge_new(&f, &cfg, &err), AG_EINVAL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_forge__url_rules),
	    cmocka_unit_test(test_forge__link_next),
	    cmocka_unit_test(test_forge__same_origin),
	    cmocka_unit_test(test_forge__retry_waits),
	    cmocka_unit_test(test_forge__escape_segment),
	    cmocka_unit_test(test_forge__new_checks_config),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
