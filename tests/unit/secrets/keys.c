/* Unit tests for key files, the key ring and key generation. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "core/buf.h"
#include "core/error.h"
#include "secrets/secrets.h"
#include "sys/fs.h"

static char tmpdir[256];

static int
mkscratch(void **state)
{
	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "%s/ag-secrets-keys.XXXXXX",
	    getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	assert_non_null(mkdtemp(tmpdir));
	return 0;
}

static void
rm_tree(const char *dir)
{
	struct dirent *d;
	struct stat st;
	char p[512];
	DIR *dp = opendir(dir);

	if (dp == NULL)
		return;
	while ((d = readdir(dp)) != NULL) {
		if (strcmp(d->d_name, ".") == 0 || strcmp(d->d_name, "..") == 0)
			continue;
		snprintf(p, sizeof(p), "%s/%s", dir, d->d_name);
		if (lstat(p, &st) == 0 && S_ISDIR(st.st_mode))
			rm_tree(p);
		else
			unlink(p);
	}
	closedir(dp);
	rmdir(dir);
}

static int
rmscratch(void **state)
{
	(void)state;
	rm_tree(tmpdir);
	return 0;
}

static char *
path_of(const char *name)
{
	static char p[4][512];
	static int i;

	i = (i + 1) % 4;
	snprintf(p[i], sizeof(p[i]), "%s/%s", tmpdir, name);
	return p[i];
}

static void
write_file(const char *path, const char *text, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	assert_int_equal(fchmod(fd, mode), 0);
	close(fd);
}

static char *
slurp(const char *path)
{
	struct ag_buf b = AG_BUF_INIT(65536);
	struct ag_error err = AG_ERROR_INIT;

	assert_int_equal(ag_fs_read(&b, path, &err), 0);
	return ag_buf_detach(&b, NULL);
}

static mode_t
mode_of(const char *path)
{
	struct stat st;

	assert_int_equal(stat(path, &st), 0);
	return st.st_mode & 07777;
}

static void
test_keygen__writes_both_files(void **state)
{
	struct ag_error err = AG_ERROR_INIT;
	struct ag_pubkey pub, loaded;
	struct ag_keyring *kr;
	unsigned char pk[32];
	char *pubp = NULL, *keyp = NULL, *text;

	(void)state;
	assert_int_equal(ag_keygen(&pub, &pubp, &keyp, path_of("prod-2026"), 1767225600, &err), 0);
	assert_string_equal(pubp, path_of("prod-2026.pub"));
	assert_string_equal(keyp, path_of("prod-2026.key"));
	assert_string_equal(pub.key_id, "prod-2026");
	assert_string_equal(pub.created, "2026-01-01T00:00:00Z");
	assert_int_equal(mode_of(keyp), 0600);
	assert_int_equal(mode_of(pubp), 0644);

	text = slurp(pubp);
	assert_true(strncmp(text,
	                "aurora-gitops public key v1\nkey-id: prod-2026\n"
	                "created: 2026-01-01T00:00:00Z\npublic: ",
	                72) == 0);
	assert_null(strstr(text, "secret"));
	free(text);
	text = slurp(keyp);
	assert_true(strncmp(text, "aurora-gitops secret key v1\n", 28) == 0);
	assert_non_null(strstr(text, "\nsecret: "));
	free(text);

	assert_int_equal(ag_pubkey_load(&loaded, pubp, &err), 0);
	assert_memory_equal(loaded.pk, pub.pk, 32);
	kr = ag_keyring_new();
	assert_int_equal(ag_keyring_add_file(kr, keyp, &err), 0);
	assert_int_equal(ag_keyring_count(kr), 1);
	assert_string_equal(ag_keyring_id(kr, 0), "prod-2026");
	assert_int_equal(ag_keyring_public(pk, kr, "prod-2026", &err), 0);
	assert_memory_equal(pk, pub.pk, 32);
	ag_keyring_free(kr);
	free(pubp);
	free(keyp);
}

static void
test_keygen__refuses_to_overwrite(void **state)
{
	struct ag_error err = AG_ERROR_INIT;
	char *before_pub, *before_key, *after;

	(void)state;
	assert_int_equal(ag_keygen(NULL, NULL, NULL, path_of("k1"), 0, &err), 0);
	before_pub = slurp(path_of("k1.pub"));
	before_key = slurp(path_of("k1.key"));
	assert_int_equal(ag_keygen(NULL, NULL, NULL, path_of("k1"), 0, &err), AG_ECONFLICT);
	assert_non_null(strstr(err.msg, "already exists"));
	after = slurp(path_of("k1.pub"));
	assert_string_equal(after, before_pub);
	free(after);
	after = slurp(path_of("k1.key"));
	assert_string_equal(after, before_key);
	free(after);

	/* Only the .pub exists: still refused, and no .key appears. */
	write_file(path_of("k2.pub"), "keep me\n", 0644);
	assert_int_equal(ag_keygen(NULL, NULL, NULL, path_of("k2"), 0, &err), AG_ECONFLICT);
	assert_int_equal(access(path_of("k2.key"), F_OK), -1);
	after = slurp(path_of("k2.pub"));
	assert_string_equal(after, "keep me\n");
	free(after);
	/* Only the .key exists: refused, no .pub. */
	write_file(path_of("k3.key"), "keep me\n", 0600);
	assert_int_equal(ag_keygen(NULL, NULL, NULL, path_of("k3.pub"), 0, &err), AG_ECONFLICT);
	assert_int_equal(access(path_of("k3.pub"), F_OK), -1);
	/* A bad name writes nothing. */
	assert_int_equal(ag_keygen(NULL, NULL, NULL, path_of("Bad_Name"), 0, &err), AG_EINVAL);
	assert_int_equal(access(path_of("Bad_Name.key"), F_OK), -1);
	free(before_pub);
	free(before_key);
}

static void
test_keyring__mode_checks(void **state)
{
	struct ag_error err = AG_ERROR_INIT;
	struct ag_keyring *kr = ag_keyring_new();
	char want[1024];
	char *p;

	(void)state;
	assert_int_equal(ag_keygen(NULL, NULL, NULL, path_of("m"), 0, &err), 0);
	p = path_of("m.key");
	assert_int_equal(chmod(p, 0644), 0);
	assert_int_equal(ag_keyring_add_file(kr, p, &err), AG_EDENIED);
	snprintf(want, sizeof(want),
	    "key file '%s' is readable by others (mode 0644); run chmod 600 %s", p, p);
	assert_string_equal(err.msg, want);
	assert_int_equal(chmod(p, 0640), 0);
	assert_int_equal(ag_keyring_add_file(kr, p, &err), AG_EDENIED);
	assert_int_equal(chmod(p, 0620), 0);
	assert_int_equal(ag_keyring_add_file(kr, p, &err), AG_EDENIED);
	assert_non_null(strstr(err.msg, "mode 0620"));
	assert_int_equal(chmod(p, 0700), 0);
	assert_int_equal(ag_keyring_add_file(kr, p, &err), AG_EDENIED);
	assert_int_equal(ag_keyring_count(kr), 0);
	assert_int_equal(chmod(p, 0400), 0);
	assert_int_equal(ag_keyring_add_file(kr, p, &err), 0);
	assert_int_equal(chmod(p, 0600), 0);
	assert_int_equal(ag_keyring_add_file(kr, p, &err), 0); /* same key again: fine */
	assert_int_equal(ag_keyring_count(kr), 1);
	/* A directory is not a key file. */
	assert_int_equal(mkdir(path_of("d.key"), 0700), 0);
	assert_int_equal(ag_keyring_add_file(kr, path_of("d.key"), &err), AG_EDENIED);
	assert_non_null(strstr(err.msg, "not a regular file"));
	assert_int_equal(ag_keyring_add_file(kr, path_of("missing.key"), &err), AG_ENOTFOUND);
	ag_keyring_free(kr);
}

static void
test_keyring__bad_contents(void **state)
{
	struct ag_error err = AG_ERROR_INIT;
	struct ag_keyring *kr = ag_keyring_new();
	unsigned char pk[32], sk[32], pk2[32], sk2[32];
	char pk64[64], sk64[64], pk264[64], text[512];

	(void)state;
	crypto_box_keypair(pk, sk);
	crypto_box_keypair(pk2, sk2);
	sodium_bin2base64(pk64, sizeof(pk64), pk, 32, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	sodium_bin2base64(sk64, sizeof(sk64), sk, 32, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	sodium_bin2base64(pk264, sizeof(pk264), pk2, 32, sodium_base64_VARIANT_URLSAFE_NO_PADDING);

	write_file(path_of("a.key"), "aurora-gitops public key v1\nkey-id: a\n", 0600);
	assert_int_equal(ag_keyring_add_file(kr, path_of("a.key"), &err), AG_EINVAL);
	assert_non_null(strstr(err.msg, "not an aurora-gitops key file"));

	snprintf(text, sizeof(text),
	    "aurora-gitops secret key v1\nkey-id: a\npublic: %s\nsecret: %s\n", pk264, sk64);
	write_file(path_of("a.key"), text, 0600);
	assert_int_equal(ag_keyring_add_file(kr, path_of("a.key"), &err), AG_EINVAL);
	assert_non_null(strstr(err.msg, "does not belong to the secret key"));
	assert_null(strstr(err.msg, sk64));

	snprintf(
	    text, sizeof(text), "aurora-gitops secret key v1\nkey-id: a\nsecret: %.20s\n", sk64);
	write_file(path_of("a.key"), text, 0600);
	assert_int_equal(ag_keyring_add_file(kr, path_of("a.key"), &err), AG_EINVAL);
	assert_null(strstr(err.msg, "secret: "));

	snprintf(text, sizeof(text),
	    "aurora-gitops secret key v1\n# comment\n\nkey-id: a\npublic: %s\nsecret: %s\n", pk64,
	    sk64);
	write_file(path_of("a.key"), text, 0600);
	assert_int_equal(ag_keyring_add_file(kr, path_of("a.key"), &err), 0);

	/* Same id, other key: a conflict naming both files. */
	snprintf(text, sizeof(text), "aurora-gitops secret key v1\nkey-id: a\nsecret: %.43s\n",
	    pk264); /* any 32 bytes make a secret key */
	write_file(path_of("b.key"), text, 0600);
	assert_int_equal(ag_keyring_add_file(kr, path_of("b.key"), &err), AG_ECONFLICT);
	assert_non_null(strstr(err.msg, "key id 'a'"));
	ag_keyring_free(kr);
}

static void
test_keyring__dir_and_order(void **state)
{
	struct ag_error err = AG_ERROR_INIT;
	struct ag_keyring *kr = ag_keyring_new();
	char desc[64];

	(void)state;
	assert_int_equal(mkdir(path_of("ring"), 0700), 0);
	assert_int_equal(ag_keygen(NULL, NULL, NULL, path_of("ring/zeta"), 0, &err), 0);
	assert_int_equal(ag_keygen(NULL, NULL, NULL, path_of("ring/alpha"), 0, &err), 0);
	assert_int_equal(ag_keygen(NULL, NULL, NULL, path_of("ring/mid"), 0, &err), 0);
	assert_int_equal(ag_keyring_add_dir(kr, path_of("ring"), &err), 0);
	assert_int_equal(ag_keyring_count(kr), 3);
	assert_string_equal(ag_keyring_id(kr, 0), "alpha");
	assert_string_equal(ag_keyring_id(kr, 1), "mid");
	assert_string_equal(ag_keyring_id(kr, 2), "zeta");
	assert_true(ag_keyring_has(kr, "mid"));
	assert_false(ag_keyring_has(kr, "nope"));
	ag_keyring_describe(kr, desc, sizeof(desc));
	assert_string_equal(desc, "alpha, mid, zeta");
	ag_keyring_describe(kr, desc, 10);
	assert_string_equal(desc, "alpha,...");
	ag_keyring_free(kr);

	/* One loose file in the directory fails the whole load, naming it. */
	assert_int_equal(chmod(path_of("ring/mid.key"), 0644), 0);
	kr = ag_keyring_new();
	assert_int_equal(ag_keyring_add_dir(kr, path_of("ring"), &err), AG_EDENIED);
	assert_non_null(strstr(err.msg, "mid.key"));
	ag_keyring_free(kr);
	kr = NULL;
	assert_int_equal(
	    ag_keyring_load_default(&kr, NULL, 0, (const char *[]){path_of("nope")}, 1, &err),
	    AG_ENOTFOUND);
	assert_null(kr);
	assert_int_equal(ag_keyring_load_default(
	                     &kr, (const char *[]){path_of("ring/zeta.key")}, 1, NULL, 0, &err),
	    0);
	assert_int_equal(ag_keyring_count(kr), 1);
	ag_keyring_free(kr);
}

static void
test_pubkey__parse(void **state)
{
	struct ag_error err = AG_ERROR_INIT;
	struct ag_pubkey k, k2;
	char *text;

	(void)state;
	memset(&k, 0, sizeof(k));
	snprintf(k.key_id, sizeof(k.key_id), "k9");
	memset(k.pk, 0xab, sizeof(k.pk));
	text = ag_pubkey_format(&k);
	assert_string_equal(text, "aurora-gitops public key v1\nkey-id: k9\n"
	                          "public: q6urq6urq6urq6urq6urq6urq6urq6urq6urq6urq6s\n");
	assert_int_equal(ag_pubkey_parse(&k2, text, strlen(text), "k9.pub", &err), 0);
	assert_memory_equal(k2.pk, k.pk, 32);
	assert_string_equal(k2.created, "");
	free(text);

	text = "aurora-gitops public key v1\r\nkey-id: k9\r\n"
	       "public: q6urq6urq6urq6urq6urq6urq6urq6urq6urq6urq6s\r\n";
	assert_int_equal(ag_pubkey_parse(&k2, text, strlen(text), "k9.pub", &err), 0);
#define BAD(txt, frag)                                                                             \
	do {                                                                                       \
		ag_error_clear(&err);                                                              \
		assert_int_equal(                                                                  \
		    ag_pubkey_parse(&k2, txt, strlen(txt), "k.pub", &err), AG_EINVAL);             \
		if (strstr(err.msg, frag) == NULL)                                                 \
			fail_msg("'%s' lacks '%s'", err.msg, frag);                                \
	} while (0)
	BAD("", "empty key file");
	BAD("aurora-gitops secret key v1\nkey-id: a\n", "k.pub is a secret key file");
	BAD("aurora-gitops public key v2\nkey-id: a\n", "k.pub:1: not an aurora-gitops key file");
	BAD("aurora-gitops public key v1\nkey-id: a\n", "missing 'public'");
	BAD("aurora-gitops public key v1\npublic: q6urq6urq6urq6urq6urq6urq6urq6urq6urq6urq6s\n",
	    "missing 'key-id'");
	BAD("aurora-gitops public key v1\nkey-id: A\npublic: x\n", "k.pub:2: invalid key id 'A'");
	BAD("aurora-gitops public key v1\nkey-id: a\npublic: q6ur\n", "k.pub:3: 'public' is not");
	BAD("aurora-gitops public key v1\nkey-id: a\nkey-id: b\n", "k.pub:3: duplicate key");
	BAD("aurora-gitops public key v1\nkey-id: a\nsecret: b\n", "k.pub:3: unknown key 'secret'");
	BAD("aurora-gitops public key v1\nkey-id a\n", "k.pub:2: expected 'key: value'");
#undef BAD
	assert_int_equal(ag_pubkey_load(&k2, path_of("none.pub"), &err), AG_ENOTFOUND);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_keygen__writes_both_files, mkscratch, rmscratch),
	    cmocka_unit_test_setup_teardown(
	        test_keygen__refuses_to_overwrite, mkscratch, rmscratch),
	    cmocka_unit_test_setup_teardown(test_keyring__mode_checks, mkscratch, rmscratch),
	    cmocka_unit_test_setup_teardown(test_keyring__bad_contents, mkscratch, rmscratch),
	    cmocka_unit_test_setup_teardown(test_keyring__dir_and_order, mkscratch, rmscratch),
	    cmocka_unit_test_setup_teardown(test_pubkey__parse, mkscratch, rmscratch),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
