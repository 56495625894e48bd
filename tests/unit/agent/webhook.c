/* Unit tests for webhook authentication (GitHub HMAC, GitLab token). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "agent/webhook.h"
#include "core/buf.h"
#include "core/error.h"

/* GitHub's documented example: secret "It's a Secret to Everybody", body
 * "Hello, World!". */
#define SECRET "It's a Secret to Everybody"
#define BODY "Hello, World!"
#define GOOD "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"

static enum ag_webhook_verdict
check(const struct ag_webhook_headers *h, const char *body, char *why)
{
	return ag_webhook_check(
	    h, body, strlen(body), (const unsigned char *)SECRET, strlen(SECRET), why, 128);
}

static void
test_webhook__github_right_signature_is_a_push(void **state)
{
	struct ag_webhook_headers h = {"push", GOOD, NULL, NULL};
	char why[128];

	(void)state;
	assert_int_equal(check(&h, BODY, why), AG_WEBHOOK_PUSH);
	/* upper-case hex is the same signature */
	h.github_signature =
	    "sha256=757107EA0EB2509FC211221CCE984B8A37570B6D7586C22C46F4379C8B043E17";
	assert_int_equal(check(&h, BODY, why), AG_WEBHOOK_PUSH);
}

static void
test_webhook__github_wrong_signature_rejected(void **state)
{
	struct ag_webhook_headers h = {"push", GOOD, NULL, NULL};
	char why[128];

	(void)state;
	/* one changed body byte */
	assert_int_equal(check(&h, "Hello, World?", why), AG_WEBHOOK_REJECT);
	assert_non_null(strstr(why, "does not match"));
	/* right length, wrong digest */
	h.github_signature =
	    "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e18";
	assert_int_equal(check(&h, BODY, why), AG_WEBHOOK_REJECT);
	/* malformed: wrong prefix, short, non-hex, missing */
	h.github_signature = "sha1=757107ea0eb2509fc211221cce984b8a37570b6d";
	assert_int_equal(check(&h, BODY, why), AG_WEBHOOK_REJECT);
	assert_non_null(strstr(why, "malformed"));
	h.github_signature = "sha256=7571";
	assert_int_equal(check(&h, BODY, why), AG_WEBHOOK_REJECT);
	h.github_signature =
	    "sha256=zz7107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17";
	assert_int_equal(check(&h, BODY, why), AG_WEBHOOK_REJECT);
	h.github_signature = NULL;
	assert_int_equal(check(&h, BODY, why), AG_WEBHOOK_REJECT);
	/* the reason never carries the signature */
	assert_null(strstr(why, "757107"));
}

static void
test_webhook__github_other_event_authenticated_but_ignored(void **state)
{
	struct ag_webhook_headers h = {"ping", GOOD, NULL, NULL};
	char why[128];

	(void)state;
	assert_int_equal(check(&h, BODY, why), AG_WEBHOOK_OTHER);
}

static void
test_webhook__gitlab_token(void **state)
{
	struct ag_webhook_headers h = {NULL, NULL, "Push Hook", SECRET};
	char why[128];

	(void)state;
	assert_int_equal(check(&h, "{}", why), AG_WEBHOOK_PUSH);
	h.gitlab_token = SECRET "x";
	assert_int_equal(check(&h, "{}", why), AG_WEBHOOK_REJECT);
	assert_null(strstr(why, SECRET));
	h.gitlab_token = "";
	assert_int_equal(check(&h, "{}", why), AG_WEBHOOK_REJECT);
	h.gitlab_token = SECRET;
	h.gitlab_event = "Tag Push Hook";
	assert_int_equal(check(&h, "{}", why), AG_WEBHOOK_OTHER);
}

static void
test_webhook__nothing_without_secret_or_headers(void **state)
{
	struct ag_webhook_headers none = {NULL, NULL, NULL, NULL};
	struct ag_webhook_headers gh = {"push", GOOD, NULL, NULL};
	char why[128];

	(void)state;
	assert_int_equal(check(&none, BODY, why), AG_WEBHOOK_REJECT);
	assert_int_equal(ag_webhook_check(&gh, BODY, strlen(BODY), NULL, 0, why, sizeof(why)),
	    AG_WEBHOOK_REJECT);
	assert_non_null(strstr(why, "no webhook secret"));
}

static void
test_webhook__secret_file(void **state)
{
	struct ag_buf b = AG_BUF_INIT(4096);
	struct ag_error err = AG_ERROR_INIT;
	char path[] = "/tmp/ag-webhook-secret-XXXXXX";
	int fd;

	(void)state;
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "s3cret\n", 7), 7);
	close(fd);
	assert_int_equal(chmod(path, 0600), 0);
	assert_int_equal(ag_webhook_load_secret(&b, path, "from-env", &err), 0);
	assert_string_equal(b.ptr, "s3cret");
	assert_int_equal(chmod(path, 0620), 0);
	assert_int_equal(ag_webhook_load_secret(&b, path, NULL, &err), AG_EDENIED);
	assert_non_null(strstr(err.msg, path));
	ag_error_clear(&err);
	assert_int_equal(ag_webhook_load_secret(&b, NULL, "from-env\n", &err), 0);
	assert_string_equal(b.ptr, "from-env");
	assert_int_equal(ag_webhook_load_secret(&b, NULL, "\n", &err), AG_EINVAL);
	unlink(path);
	ag_buf_release(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_webhook__github_right_signature_is_a_push),
	    cmocka_unit_test(test_webhook__github_wrong_signature_rejected),
	    cmocka_unit_test(test_webhook__github_other_event_authenticated_but_ignored),
	    cmocka_unit_test(test_webhook__gitlab_token),
	    cmocka_unit_test(test_webhook__nothing_without_secret_or_headers),
	    cmocka_unit_test(test_webhook__secret_file),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
