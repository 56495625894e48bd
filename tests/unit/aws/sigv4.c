/*
 * SigV4 against the AWS test suite (botocore's copy, aws4_testsuite) and
 * the RDS reference values. Every case is run: the suite's .req is parsed,
 * signed, and the canonical request, string to sign and Authorization
 * header are compared byte for byte.
 */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <cmocka.h>

#include "aws/sigv4.h"
#include "core/buf.h"
#include "core/kv.h"
#include "core/mem.h"
#include "sys/fs.h"

#define SUITE AG_TEST_DATA "/sigv4/aws4_testsuite"

static const struct ag_sigv4_creds suite_creds = {
    "AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", NULL};

static char *
slurp(const char *path)
{
	struct ag_buf b = AG_BUF_INIT(1 << 20);
	struct ag_error err = AG_ERROR_INIT;

	if (ag_fs_read(&b, path, &err) != 0) {
		print_error("%s\n", err.msg);
		fail();
	}
	return ag_buf_detach(&b, NULL);
}

static int ran;

/* Reads <dir>/<name>.<ext>; a path that does not fit fails the test. */
static char *
slurp_case(char *path, size_t len, const char *dir, const char *name, const char *ext)
{
	int n = snprintf(path, len, "%s/%s.%s", dir, name, ext);

	assert_true(n > 0 && (size_t)n < len);
	return slurp(path);
}

static void
run_case(const char *dir, const char *name)
{
	char path[1024];
	char *req, *creq, *sts, *authz, *p, *line, *body = NULL, *query = NULL, *reqpath;
	struct ag_kvlist hdrs = AG_KVLIST_INIT;
	struct ag_sigv4_request r;
	struct ag_sigv4_result res;
	struct ag_sigv4_creds creds = suite_creds;
	struct ag_error err = AG_ERROR_INIT;
	char *token = NULL;
	char *sp, *httpv;

	req = slurp_case(path, sizeof(path), dir, name, "req");
	creq = slurp_case(path, sizeof(path), dir, name, "creq");
	sts = slurp_case(path, sizeof(path), dir, name, "sts");
	authz = slurp_case(path, sizeof(path), dir, name, "authz");

	/* Request line: METHOD SP path (may hold spaces) SP HTTP/1.1 */
	line = req;
	p = strchr(line, '\n');
	if (p)
		*p++ = '\0';
	sp = strchr(line, ' ');
	assert_non_null(sp);
	*sp = '\0';
	httpv = strstr(sp + 1, " HTTP/1.1");
	assert_non_null(httpv);
	*httpv = '\0';
	reqpath = sp + 1;
	if ((query = strchr(reqpath, '?')) != NULL)
		*query++ = '\0';

	/* Headers; a line starting with whitespace continues the previous value. */
	while (p && *p) {
		char *next = strchr(p, '\n'), *colon;

		if (next)
			*next++ = '\0';
		if (*p == '\0')
			break;
		if ((*p == ' ' || *p == '\t') && hdrs.n) {
			char *v = ag_xasprintf("%s\n%s", hdrs.v[hdrs.n - 1].value, p);

			free(hdrs.v[hdrs.n - 1].value);
			hdrs.v[hdrs.n - 1].value = v;
		} else {
			colon = strchr(p, ':');
			assert_non_null(colon);
			*colon = '\0';
			ag_kvlist_add(&hdrs, p, colon + 1);
		}
		p = next;
		if (p && *p == '\n') {
			body = p + 1;
			break;
		}
	}
	/* The session-token case: the token is in the credentials, not in the .req. */
	if (strcmp(name, "get-vanilla-with-session-token") == 0) {
		char *t = strstr(creq, "x-amz-security-token:");

		assert_non_null(t);
		t += strlen("x-amz-security-token:");
		token = ag_xstrndup(t, strcspn(t, "\n"));
		creds.session_token = token;
	}

	memset(&r, 0, sizeof(r));
	r.method = line;
	r.path = reqpath;
	r.query = query;
	r.headers = &hdrs;
	r.body = body;
	r.body_len = body ? strlen(body) : 0;
	r.normalize_path = 1;
	assert_int_equal(
	    ag_sigv4_sign(&res, &r, &creds, "us-east-1", "service", "20150830T123600Z", &err), 0);
	if (strcmp(res.canonical_request, creq) != 0)
		print_error("%s: canonical request\n--- got\n%s\n--- want\n%s\n", name,
		    res.canonical_request, creq);
	assert_string_equal(res.canonical_request, creq);
	assert_string_equal(res.string_to_sign, sts);
	assert_string_equal(res.authorization, authz);
	ag_sigv4_result_release(&res);
	ag_kvlist_release(&hdrs);
	free(token);
	free(req);
	free(creq);
	free(sts);
	free(authz);
	ran++;
}

static void
walk(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	struct ag_strlist names = AG_STRLIST_INIT;
	size_t i;

	assert_non_null(d);
	while ((e = readdir(d)) != NULL)
		if (e->d_name[0] != '.')
			ag_strlist_add(&names, e->d_name);
	closedir(d);
	ag_strlist_sort(&names);
	for (i = 0; i < names.n; i++) {
		char sub[1024], req[1200];
		struct stat st;

		snprintf(sub, sizeof(sub), "%s/%s", dir, names.v[i]);
		if (stat(sub, &st) != 0 || !S_ISDIR(st.st_mode))
			continue;
		snprintf(req, sizeof(req), "%s/%s.req", sub, names.v[i]);
		if (stat(req, &st) == 0)
			run_case(sub, names.v[i]);
		else
			walk(sub);
	}
	ag_strlist_release(&names);
}

static void
test_suite(void **state)
{
	(void)state;
	ran = 0;
	walk(SUITE);
	/* 24 top-level cases, 8 normalize-path cases, 2 post-sts-token cases. */
	assert_int_equal(ran, 34);
}

static void
rds_case(const char *content_type, const char *want_hash, const char *want_sig)
{
	static const char body[] = "Action=DescribeDBClusters&Version=2014-10-31";
	struct ag_kvlist h = AG_KVLIST_INIT;
	struct ag_sigv4_request r = {"POST", "/", NULL, &h, body, sizeof(body) - 1, 0};
	struct ag_sigv4_result res;
	struct ag_error err = AG_ERROR_INIT;
	char hash[65], bh[65];

	if (content_type)
		ag_kvlist_add(&h, "Content-Type", content_type);
	ag_kvlist_add(&h, "Host", "rds.us-east-1.amazonaws.com");
	ag_kvlist_add(&h, "X-Amz-Date", "20150830T123600Z");
	assert_int_equal(
	    ag_sigv4_sign(&res, &r, &suite_creds, "us-east-1", "rds", "20150830T123600Z", &err), 0);
	ag_sigv4_sha256_hex(bh, body, sizeof(body) - 1);
	assert_string_equal(bh, "ffa8f40118d06da6f9d26ce1a2edd751a25ccb39ebaed373a888804096572cb1");
	ag_sigv4_sha256_hex(hash, res.canonical_request, strlen(res.canonical_request));
	assert_string_equal(hash, want_hash);
	assert_string_equal(res.signature, want_sig);
	if (content_type) {
		assert_string_equal(res.canonical_request,
		    "POST\n/\n\ncontent-type:application/x-www-form-urlencoded; charset=utf-8\n"
		    "host:rds.us-east-1.amazonaws.com\nx-amz-date:20150830T123600Z\n\n"
		    "content-type;host;x-amz-date\n"
		    "ffa8f40118d06da6f9d26ce1a2edd751a25ccb39ebaed373a888804096572cb1");
		assert_string_equal(res.authorization,
		    "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/rds/aws4_request, "
		    "SignedHeaders=content-type;host;x-amz-date, "
		    "Signature=050906c16f82b5906d13edc6a20d6ec8ed5c2fad5419a0943bfb33bf5b101135");
	}
	ag_sigv4_result_release(&res);
	ag_kvlist_release(&h);
}

static void
test_rds_reference(void **state)
{
	(void)state;
	rds_case("application/x-www-form-urlencoded; charset=utf-8",
	    "9a26e19f2ef05f2b078265122d7ec4ca24cf1e0c81097fc2d8210782b367ce23",
	    "050906c16f82b5906d13edc6a20d6ec8ed5c2fad5419a0943bfb33bf5b101135");
	rds_case(NULL, "58074193de83cbeb061c977e5a30aa3bc60f48b6af778bfd55f20c0cc0f61c49",
	    "ae96863cc9d7ae069d2996bc559e2987a78c58a89f992efc07c1bc2f675768d7");
}

static void
test_session_token_header(void **state)
{
	struct ag_kvlist h = AG_KVLIST_INIT;
	struct ag_sigv4_request r = {"POST", "/", NULL, &h, "", 0, 0};
	struct ag_sigv4_creds c = {"AKIDEXAMPLE", "secret", "TOKEN123"};
	struct ag_sigv4_result res;

	(void)state;
	ag_kvlist_add(&h, "Host", "rds.us-east-1.amazonaws.com");
	ag_kvlist_add(&h, "X-Amz-Date", "20150830T123600Z");
	assert_int_equal(
	    ag_sigv4_sign(&res, &r, &c, "us-east-1", "rds", "20150830T123600Z", NULL), 0);
	assert_string_equal(res.signed_headers, "host;x-amz-date;x-amz-security-token");
	assert_non_null(strstr(res.canonical_request, "\nx-amz-security-token:TOKEN123\n"));
	/* The secret never appears in any output. */
	assert_null(strstr(res.authorization, "secret"));
	ag_sigv4_result_release(&res);
	ag_kvlist_release(&h);
}

static void
test_amz_date(void **state)
{
	char d[17];

	(void)state;
	ag_sigv4_amz_date(d, 1440938160000LL);
	assert_string_equal(d, "20150830T123600Z");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_suite),
	    cmocka_unit_test(test_rds_reference),
	    cmocka_unit_test(test_session_token_header),
	    cmocka_unit_test(test_amz_date),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
