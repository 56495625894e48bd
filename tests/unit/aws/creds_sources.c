/*
 * Unit tests for the credential sources people use on laptops:
 * credential_process (the command splitter, a bounded run, the JSON, the
 * cache until Expiration on a fake clock) and IAM Identity Center (the
 * cache file name, the portal reply, an expired token).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "aws/client.h"
#include "aws/internal.h"
#include "core/mem.h"
#include "sys/proc.h"

static int64_t now_ms;

static int64_t
f_now(void *ctx)
{
	(void)ctx;
	return now_ms;
}

static void
f_sleep(void *ctx, int64_t ms)
{
	(void)ctx;
	now_ms += ms;
}

static double
f_half(void *ctx)
{
	(void)ctx;
	return 0.5;
}

static struct ag_clock fclock = {f_now, f_now, f_sleep, NULL};
static struct ag_rand frand = {f_half, NULL};

static void
split_is(const char *cmd, const char *const *want)
{
	struct ag_error err = AG_ERROR_INIT;
	char **argv = NULL;
	size_t argc = 0, i;

	if (ag_proc_split(&argv, &argc, cmd, &err) != 0)
		fail_msg("'%s': %s", cmd, err.msg);
	for (i = 0; want[i]; i++) {
		assert_true(i < argc);
		assert_string_equal(argv[i], want[i]);
	}
	assert_int_equal(argc, i);
	assert_null(argv[argc]);
	ag_proc_argv_free(argv);
}

static void
test_split(void **state)
{
	struct ag_error err = AG_ERROR_INIT;
	char **argv = NULL;
	size_t argc = 0;

	(void)state;
	split_is("aws-vault export --format=json prod",
	    (const char *const[]){"aws-vault", "export", "--format=json", "prod", NULL});
	split_is("  tool\t 'two words'  \"x y\" ",
	    (const char *const[]){"tool", "two words", "x y", NULL});
	split_is("a 'b;c' $HOME `id` *.txt ~ |x",
	    (const char *const[]){"a", "b;c", "$HOME", "`id`", "*.txt", "~", "|x", NULL});
	split_is("a\\ b c\\'d", (const char *const[]){"a b", "c'd", NULL});
	split_is("\"q\\\"uote\" \"back\\\\slash\" \"keep\\n\"",
	    (const char *const[]){"q\"uote", "back\\slash", "keep\\n", NULL});
	split_is("pre'mid'\"post\" '' x", (const char *const[]){"premidpost", "", "x", NULL});
	split_is("'it'\\''s'", (const char *const[]){"it's", NULL});

	assert_int_equal(ag_proc_split(&argv, &argc, "tool 'open", &err), AG_EINVAL);
	assert_string_equal(err.msg, "command 'tool 'open': no closing quotation (')");
	ag_error_clear(&err);
	assert_int_equal(ag_proc_split(&argv, &argc, "tool \"open", &err), AG_EINVAL);
	ag_error_clear(&err);
	assert_int_equal(ag_proc_split(&argv, &argc, "tool \\", &err), AG_EINVAL);
	ag_error_clear(&err);
	assert_int_equal(ag_proc_split(&argv, &argc, "   ", &err), AG_EINVAL);
	assert_string_equal(err.msg, "command is empty");
	assert_null(argv);
}

static void
test_run(void **state)
{
	struct ag_error err = AG_ERROR_INIT;
	struct ag_buf b = AG_BUF_INIT(1024);
	char *sh[] = {"sh", "-c", "printf 'hi there'; exit 3", NULL};
	char *big[] = {"sh", "-c", "head -c 100000 /dev/zero", NULL};
	char *slow[] = {"sleep", "5", NULL};
	char *none[] = {"no-such-program-for-tests", NULL};
	int status = 0;

	(void)state;
	assert_int_equal(ag_proc_run(&b, &status, sh, 10000, &err), 0);
	assert_string_equal(b.ptr, "hi there");
	assert_int_equal(status, 3);
	ag_buf_reset(&b);
	assert_int_equal(ag_proc_run(&b, &status, big, 10000, &err), AG_ETOOBIG);
	assert_string_equal(err.msg, "'sh' wrote more than 1024 bytes to its standard output");
	ag_error_clear(&err);
	ag_buf_reset(&b);
	assert_int_equal(ag_proc_run(&b, &status, slow, 300, &err), AG_ETIMEOUT);
	assert_int_equal(status, 128 + 9);
	ag_error_clear(&err);
	assert_int_equal(ag_proc_run(&b, &status, none, 1000, &err), AG_ENOTFOUND);
	assert_non_null(strstr(err.msg, "cannot run 'no-such-program-for-tests'"));
	ag_buf_release(&b);
}

static int
parse_process(struct ag_aws_creds *out, const char *json, struct ag_error *err)
{
	ag_error_clear(err);
	return ag_aws_process_creds_parse(out, json, strlen(json), "credential_process 'x'", err);
}

static void
test_process_json(void **state)
{
	struct ag_error err = AG_ERROR_INIT;
	struct ag_aws_creds cr;
	int64_t utc = 0;

	(void)state;
	assert_int_equal(parse_process(&cr,
	                     "{\"Version\": 1, \"AccessKeyId\": \"AK\", \"SecretAccessKey\": "
	                     "\"SK\", \"SessionToken\": \"ST\", \"Expiration\": "
	                     "\"2026-01-01T01:00:00+01:00\"}",
	                     &err),
	    0);
	assert_string_equal(cr.access_key_id, "AK");
	assert_string_equal(cr.secret_access_key, "SK");
	assert_string_equal(cr.session_token, "ST");
	assert_int_equal(ag_aws_parse_time("2026-01-01T00:00:00Z", &utc), 0);
	assert_int_equal(cr.expires_ms, utc);
	ag_aws_creds_release(&cr);
	/* every field has its digits: no sign, space or short field reads */
	assert_int_equal(ag_aws_parse_time("2026-01-01T-1:00:00Z", &utc), AG_EINVAL);
	assert_int_equal(ag_aws_parse_time("2026-1-01T00:00:00Z", &utc), AG_EINVAL);
	assert_int_equal(ag_aws_parse_time("2026-01-01T00: 0:00Z", &utc), AG_EINVAL);
	assert_int_equal(ag_aws_parse_time("2026-01-01T00:00", &utc), AG_EINVAL);
	assert_int_equal(ag_aws_parse_time("2026-01-01t00:00:00.5Z", &utc), 0);

	/* long-lived keys: no token, no expiry */
	assert_int_equal(
	    parse_process(&cr,
	        "{\"Version\": 1, \"AccessKeyId\": \"AK\", \"SecretAccessKey\": \"SK\"}", &err),
	    0);
	assert_null(cr.session_token);
	assert_int_equal(cr.expires_ms, 0);
	ag_aws_creds_release(&cr);

	assert_int_equal(
	    parse_process(&cr, "{\"AccessKeyId\": \"AK\", \"SecretAccessKey\": \"SK\"}", &err),
	    AG_EINVAL);
	assert_string_equal(err.msg, "credential_process 'x': output needs \"Version\": 1");
	assert_int_equal(parse_process(&cr,
	                     "{\"Version\": \"1\", \"AccessKeyId\": \"AK\", \"SecretAccessKey\": "
	                     "\"SK\"}",
	                     &err),
	    AG_EINVAL);
	assert_int_equal(
	    parse_process(&cr,
	        "{\"Version\": 2, \"AccessKeyId\": \"AK\", \"SecretAccessKey\": \"SK\"}", &err),
	    AG_EINVAL);
	assert_int_equal(
	    parse_process(&cr, "{\"Version\": 1, \"AccessKeyId\": \"AK\"}", &err), AG_EINVAL);
	assert_string_equal(
	    err.msg, "credential_process 'x': output has no AccessKeyId or SecretAccessKey");
	assert_int_equal(
	    parse_process(&cr,
	        "{\"Version\": 1, \"AccessKeyId\": \"AK\", \"SecretAccessKey\": \"SK\", "
	        "\"Expiration\": \"tomorrow\"}",
	        &err),
	    AG_EINVAL);
	assert_string_equal(err.msg, "credential_process 'x': Expiration is not an RFC 3339 time");
	assert_int_equal(parse_process(&cr, "not json", &err), AG_EINVAL);
	assert_string_equal(err.msg, "credential_process 'x': output is not a JSON object");
	ag_error_clear(&err);
}

static void
test_sso_reply_and_cache_name(void **state)
{
	struct ag_error err = AG_ERROR_INIT;
	struct ag_aws_creds cr;
	const char *ok = "{\"roleCredentials\": {\"accessKeyId\": \"ASIA1\", \"secretAccessKey\": "
	                 "\"s\", \"sessionToken\": \"t\", \"expiration\": 1767225600000}}";
	const char *no_exp = "{\"roleCredentials\": {\"accessKeyId\": \"A\", "
	                     "\"secretAccessKey\": \"s\", \"sessionToken\": \"t\"}}";
	char *f;

	(void)state;
	assert_int_equal(ag_aws_sso_creds_parse(&cr, ok, strlen(ok), "portal", &err), 0);
	assert_string_equal(cr.access_key_id, "ASIA1");
	assert_string_equal(cr.session_token, "t");
	assert_int_equal(cr.expires_ms, 1767225600000LL);
	ag_aws_creds_release(&cr);
	assert_int_equal(ag_aws_sso_creds_parse(&cr, "{}", 2, "portal", &err), AG_EINVAL);
	assert_string_equal(err.msg, "portal: reply has no roleCredentials object");
	ag_error_clear(&err);
	assert_int_equal(
	    ag_aws_sso_creds_parse(&cr, no_exp, strlen(no_exp), "portal", &err), AG_EINVAL);
	assert_non_null(strstr(err.msg, "no expiration"));
	ag_error_clear(&err);

	/* sha1 hex of the session name, or of the start URL (legacy) */
	f = ag_aws_sso_cache_file("/c", "corp");
	assert_string_equal(f, "/c/ee0bfd2552fbd840c02cc48b6e823320543c450f.json");
	free(f);
	f = ag_aws_sso_cache_file("/c", "https://corp.awsapps.com/start");
	assert_string_equal(f, "/c/a51746d4aa793ae07b25e90c3a5db96fc7832bd7.json");
	free(f);
}

/* Writes DIR/config; returns its path. */
static char *
write_config(const char *dir, const char *text)
{
	char *path = ag_xasprintf("%s/config", dir);
	FILE *fp = fopen(path, "w");

	assert_non_null(fp);
	fputs(text, fp);
	fclose(fp);
	return path;
}

static struct ag_aws_client *
client_for(const char *profile, const char *config)
{
	struct ag_aws_config cfg;
	struct ag_aws_client *c;
	struct ag_error err = AG_ERROR_INIT;

	ag_aws_config_init(&cfg);
	cfg.region = ag_xstrdup("us-east-1");
	cfg.profile = ag_xstrdup(profile);
	cfg.config_file = ag_xstrdup(config);
	cfg.credentials_file = ag_xstrdup("/nonexistent/credentials");
	cfg.sso_cache_dir = ag_xstrdup(AG_TEST_DATA "/aws/sso-cache");
	cfg.imds_disabled = true;
	assert_int_equal(ag_aws_client_new(&c, &cfg, &fclock, &frand, &err), 0);
	ag_aws_config_release(&cfg);
	return c;
}

static int
runs(const char *path)
{
	char line[64];
	int n = 0;
	FILE *fp = fopen(path, "r");

	if (fp == NULL)
		return 0;
	while (fgets(line, sizeof(line), fp))
		n++;
	fclose(fp);
	return n;
}

static void
test_process_cached_until_expiration(void **state)
{
	char dir[] = "/tmp/ag-creds-test.XXXXXX";
	struct ag_error err = AG_ERROR_INIT;
	const struct ag_aws_creds *cr;
	struct ag_aws_client *c;
	char *config, *text, *count;
	int64_t exp = 0;

	(void)state;
	assert_int_equal(ag_aws_parse_time("2030-01-01T00:00:00Z", &exp), 0);
	assert_non_null(mkdtemp(dir));
	count = ag_xasprintf("%s/count", dir);
	text = ag_xasprintf("[profile proc]\ncredential_process = /bin/sh '" AG_TEST_DATA
	                    "/aws/cred-process.sh' '%s' 2030-01-01T00:00:00Z\n",
	    count);
	config = write_config(dir, text);
	now_ms = exp - 3600 * 1000;
	c = client_for("proc", config);
	assert_int_equal(ag_aws_client_credentials(c, &cr, &err), 0);
	assert_string_equal(cr->access_key_id, "ASIAUNITPROCESS00001");
	assert_int_equal(cr->expires_ms, exp);
	assert_int_equal(runs(count), 1);
	/* well before Expiration: the cached keys */
	now_ms = exp - 30 * 60 * 1000;
	assert_int_equal(ag_aws_client_credentials(c, &cr, &err), 0);
	assert_int_equal(runs(count), 1);
	/* within the refresh margin: run again */
	now_ms = exp - 60 * 1000;
	assert_int_equal(ag_aws_client_credentials(c, &cr, &err), 0);
	assert_int_equal(runs(count), 2);
	ag_aws_client_free(c);
	unlink(count);
	unlink(config);
	rmdir(dir);
	free(count);
	free(config);
	free(text);
}

static void
test_sso_expired_token_on_fake_clock(void **state)
{
	char dir[] = "/tmp/ag-creds-test.XXXXXX";
	struct ag_error err = AG_ERROR_INIT;
	const struct ag_aws_creds *cr;
	struct ag_aws_client *c;
	char *config;

	(void)state;
	assert_non_null(mkdtemp(dir));
	config = write_config(dir, "[profile dev]\nsso_session = expired-session\n"
	                           "sso_account_id = 111122223333\nsso_role_name = ReadOnly\n\n"
	                           "[sso-session expired-session]\n"
	                           "sso_start_url = https://corp.awsapps.com/start\n"
	                           "sso_region = us-east-1\n");
	assert_int_equal(ag_aws_parse_time("2026-06-01T00:00:00Z", &now_ms), 0);
	c = client_for("dev", config);
	assert_int_equal(ag_aws_client_credentials(c, &cr, &err), AG_EDENIED);
	assert_non_null(strstr(err.msg, "the IAM Identity Center token in " AG_TEST_DATA
	                                "/aws/sso-cache/b3afb0f0ce69f54b9c225570bf945e965e2149b7."
	                                "json expired at 2020-01-01T00:00:00Z: run aws sso login "
	                                "--profile dev"));
	assert_null(strstr(err.msg, "expired-token-value"));
	ag_aws_client_free(c);
	unlink(config);
	rmdir(dir);
	free(config);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_split),
	    cmocka_unit_test(test_run),
	    cmocka_unit_test(test_process_json),
	    cmocka_unit_test(test_sso_reply_and_cache_name),
	    cmocka_unit_test(test_process_cached_until_expiration),
	    cmocka_unit_test(test_sso_expired_token_on_fake_clock),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
