/* Unit tests for SSH signature verification and allowed-signers parsing
 * (fixtures made with ssh-keygen -Y sign). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "git/sshsig.h"

#define DIR AG_TEST_DATA "/git/sshsig/"
#define WHEN 1700000000 /* 2023-11-14 */

static char *
slurp(const char *name, size_t *n)
{
	char path[512];
	FILE *f;
	char *buf;
	long len;

	snprintf(path, sizeof(path), "%s%s", DIR, name);
	f = fopen(path, "rb");
	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	len = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = malloc((size_t)len + 1);
	assert_int_equal(fread(buf, 1, (size_t)len, f), (size_t)len);
	buf[len] = '\0';
	fclose(f);
	*n = (size_t)len;
	return buf;
}

static int
verify(const char *signers_file, const char *sig_file, const char *ns, char **who,
    struct ag_error *err)
{
	struct ag_allowed_signers s;
	size_t sn, gn, mn;
	char *st = slurp(signers_file, &sn), *sig = slurp(sig_file, &gn),
	     *msg = slurp("message", &mn);
	int rc;

	rc = ag_allowed_signers_parse(&s, st, sn, signers_file, err);
	assert_int_equal(rc, 0);
	rc = ag_sshsig_verify(who, sig, gn, msg, mn, ns, &s, WHEN, err);
	ag_allowed_signers_release(&s);
	free(st);
	free(sig);
	free(msg);
	return rc;
}

static void
test_sshsig__good_signature_by_allowed_signer(void **unused)
{
	struct ag_error err = AG_ERROR_INIT;
	char *who = NULL;

	(void)unused;
	assert_int_equal(verify("allowed_signers", "message.git.sig", "git", &who, &err), 0);
	assert_string_equal(who, "alice@example.com");
	free(who);
}

static void
test_sshsig__signer_not_allowed(void **unused)
{
	struct ag_error err = AG_ERROR_INIT;
	char *who = NULL;

	(void)unused;
	assert_int_equal(
	    verify("allowed_signers", "message.mallory.sig", "git", &who, &err), AG_EDENIED);
	assert_null(who);
	assert_non_null(strstr(err.msg, "not in the allowed signers"));
}

static void
test_sshsig__wrong_namespace(void **unused)
{
	struct ag_error err = AG_ERROR_INIT;
	char *who = NULL;

	(void)unused;
	assert_int_equal(
	    verify("allowed_signers", "message.file.sig", "git", &who, &err), AG_ECRYPTO);
	assert_non_null(strstr(err.msg, "namespace"));
}

static void
test_sshsig__namespaces_option_restricts(void **unused)
{
	struct ag_error err = AG_ERROR_INIT;
	char *who = NULL;

	(void)unused;
	assert_int_equal(
	    verify("allowed_signers.file_ns", "message.git.sig", "git", &who, &err), AG_EDENIED);
}

static void
test_sshsig__validity_window(void **unused)
{
	struct ag_error err = AG_ERROR_INIT;
	char *who = NULL;

	(void)unused;
	assert_int_equal(
	    verify("allowed_signers.expired", "message.git.sig", "git", &who, &err), AG_EDENIED);
}

static void
test_sshsig__tampered_message(void **unused)
{
	struct ag_error err = AG_ERROR_INIT;
	struct ag_allowed_signers s;
	size_t sn, gn, mn;
	char *st = slurp("allowed_signers", &sn), *sig = slurp("message.git.sig", &gn);
	char *msg = slurp("message", &mn);
	char *who = NULL;

	(void)unused;
	assert_int_equal(ag_allowed_signers_parse(&s, st, sn, "f", &err), 0);
	msg[mn - 2] ^= 1;
	assert_int_equal(
	    ag_sshsig_verify(&who, sig, gn, msg, mn, "git", &s, WHEN, &err), AG_ECRYPTO);
	assert_non_null(strstr(err.msg, "bad signature"));
	ag_allowed_signers_release(&s);
	free(st);
	free(sig);
	free(msg);
}

static void
test_sshsig__truncated_blobs_are_refused(void **unused)
{
	struct ag_error err = AG_ERROR_INIT;
	struct ag_allowed_signers s;
	size_t sn, gn, mn, cut;
	char *st = slurp("allowed_signers", &sn), *sig = slurp("message.git.sig", &gn);
	char *msg = slurp("message", &mn);
	char *armored;

	(void)unused;
	assert_int_equal(ag_allowed_signers_parse(&s, st, sn, "f", &err), 0);
	/* Cut the base64 body at every 4-character boundary: every prefix
	 * of the blob must be refused, never read past its end. */
	for (cut = 0; cut < 400; cut += 4) {
		char *body = strstr(sig, "\n") + 1;
		size_t keep = (size_t)(body - sig) + cut;
		char *who = NULL;

		if (sig + keep >= strstr(sig, "-----END") - 1)
			break; /* the whole body: no longer truncated */
		armored = calloc(1, keep + 64);
		memcpy(armored, sig, keep);
		memcpy(armored + keep, "\n-----END SSH SIGNATURE-----\n", 30);
		assert_int_not_equal(ag_sshsig_verify(&who, armored, strlen(armored), msg, mn,
		                         "git", &s, WHEN, &err),
		    0);
		assert_null(who);
		free(armored);
	}
	ag_allowed_signers_release(&s);
	free(st);
	free(sig);
	free(msg);
}

static void
test_sshsig__allowed_signers_errors(void **unused)
{
	struct ag_error err = AG_ERROR_INIT;
	struct ag_allowed_signers s;
	const char *bad_opt =
	    "a@x cert-authority ssh-ed25519 "
	    "AAAAC3NzaC1lZDI1NTE5AAAAIObsNIjKIl8B/b9mHzfdjbflfFcmoGCbanRToplnphc4\n";
	const char *bad_key = "# comment\n\na@x ssh-ed25519 !!!\n";
	const char *rsa = "a@x ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQ\n";

	(void)unused;
	assert_int_equal(
	    ag_allowed_signers_parse(&s, bad_opt, strlen(bad_opt), "as", &err), AG_EINVAL);
	assert_non_null(strstr(err.msg, "as:1: unsupported option"));
	assert_int_equal(
	    ag_allowed_signers_parse(&s, bad_key, strlen(bad_key), "as", &err), AG_EINVAL);
	assert_non_null(strstr(err.msg, "as:3: malformed"));
	assert_int_equal(ag_allowed_signers_parse(&s, rsa, strlen(rsa), "as", &err), 0);
	assert_int_equal(s.n, 0);
	ag_allowed_signers_release(&s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_sshsig__good_signature_by_allowed_signer),
	    cmocka_unit_test(test_sshsig__signer_not_allowed),
	    cmocka_unit_test(test_sshsig__wrong_namespace),
	    cmocka_unit_test(test_sshsig__namespaces_option_restricts),
	    cmocka_unit_test(test_sshsig__validity_window),
	    cmocka_unit_test(test_sshsig__tampered_message),
	    cmocka_unit_test(test_sshsig__truncated_blobs_are_refused),
	    cmocka_unit_test(test_sshsig__allowed_signers_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
