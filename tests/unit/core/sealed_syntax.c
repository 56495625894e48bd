/* What counts as a sealed value in a manifest: a near miss is never plain text. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "core/manifest.h"

#define TOKEN "AGSEALED:v1:prod:QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVo"

static void
test_sealed__valid_token(void **state)
{
	(void)state;
	assert_true(ag_manifest_is_sealed(TOKEN));
	assert_null(ag_manifest_sealed_problem(TOKEN));
	assert_null(ag_manifest_sealed_problem("AGSEALED:v1:k-2.x_y:abcd-_09"));
}

static void
test_sealed__plain_passwords(void **state)
{
	(void)state;
	assert_false(ag_manifest_is_sealed("correct horse battery staple"));
	assert_null(ag_manifest_sealed_problem("correct horse battery staple"));
	assert_false(ag_manifest_is_sealed(NULL));
	assert_null(ag_manifest_sealed_problem(NULL));
}

static void
check_near_miss(const char *s, const char *why)
{
	const char *p = ag_manifest_sealed_problem(s);

	assert_true(ag_manifest_is_sealed(s));
	assert_non_null(p);
	assert_non_null(strstr(p, why));
}

static void
test_sealed__near_misses(void **state)
{
	(void)state;
	check_near_miss("AGSEALED:v2:prod:QUJDREVG", "only format v1");
	check_near_miss("agsealed:v1:prod:QUJDREVG", "must be upper case");
	check_near_miss("AgSealed:v1:prod:QUJDREVG", "must be upper case");
	check_near_miss(" " TOKEN, "starts with white space");
	check_near_miss("\t" TOKEN, "starts with white space");
	check_near_miss(TOKEN "\n", "ends with white space");
	check_near_miss(TOKEN " ", "ends with white space");
	check_near_miss(TOKEN "=", "not base64url");
	check_near_miss("AGSEALED:v1:Prod:QUJDREVG", "key id must start");
	check_near_miss("AGSEALED:v1:pr/od:QUJDREVG", "followed by ':'");
	check_near_miss("AGSEALED:v1:prod:", "no data");
	check_near_miss("AGSEALED:v1:prod:QUJDR", "length is wrong");
	check_near_miss("AGSEALED:v1:", "key id must start");
	check_near_miss("AGSEALED:", "exactly 'AGSEALED:v1:'");
	check_near_miss("my-AGSEALED:v1:prod:QUJD", "exactly 'AGSEALED:v1:'");
	check_near_miss(
	    "AGSEALED:v1:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa:QUJD",
	    "longer than 63");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_sealed__valid_token),
	    cmocka_unit_test(test_sealed__plain_passwords),
	    cmocka_unit_test(test_sealed__near_misses),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
