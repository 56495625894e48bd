/* Unit tests for the transport helpers: which URLs are local, and the
 * known_hosts check of ssh host keys. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "git/internal.h"

static void
check_local(const char *url, const char *want)
{
	char *got = ag_git_local_path(url);

	if (want == NULL)
		assert_null(got);
	else
		assert_string_equal(got, want);
	free(got);
}

static void
test_transport__local_urls(void **unused)
{
	(void)unused;
	check_local("file:///srv/config.git", "/srv/config.git");
	check_local("/srv/config.git", "/srv/config.git");
	check_local("./config.git", "./config.git");
	check_local("config.git", "config.git");
	check_local("git://127.0.0.1:9418/config.git", NULL);
	check_local("https://git.example.com/config.git", NULL);
	check_local("ssh://git@git.example.com/config.git", NULL);
	check_local("git@git.example.com:team/config.git", NULL);
	check_local("git.example.com:config.git", NULL);
	/* a colon after the first slash is part of a path */
	check_local("./dir:with/colon", "./dir:with/colon");
}

static void
test_transport__known_hosts(void **unused)
{
	/* an ssh-ed25519 public key blob (51 bytes) in base64 */
	static const char b64[] =
	    "AAAAC3NzaC1lZDI1NTE5AAAAIObsNIjKIl8B/b9mHzfdjbflfFcmoGCbanRToplnphc4";
	unsigned char key[51];
	git_cert_hostkey hk;
	char path[] = "/tmp/ag-unit-kh.XXXXXX";
	FILE *f;
	int fd;

	(void)unused;
	memset(&hk, 0, sizeof(hk));
	fd = mkstemp(path);
	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	fprintf(f, "# comment\n|1|hashed|entry ssh-ed25519 %s\n", b64);
	fprintf(f, "git.example.com,10.0.0.1 ssh-ed25519 %s\n", b64);
	fprintf(f, "[other.example.com]:2222 ssh-ed25519 %s\n", b64);
	fprintf(f, "changed.example.com ssh-ed25519 "
	           "AAAAC3NzaC1lZDI1NTE5AAAAIAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\n");
	fclose(f);
	{
		/* the raw key is the decoded blob */
		static const unsigned char prefix[] = {0, 0, 0, 11, 's', 's', 'h', '-', 'e', 'd',
		    '2', '5', '5', '1', '9', 0, 0, 0, 32};
		static const unsigned char pk[32] = {0xe6, 0xec, 0x34, 0x88, 0xca, 0x22, 0x5f, 0x01,
		    0xfd, 0xbf, 0x66, 0x1f, 0x37, 0xdd, 0x8d, 0xb7, 0xe5, 0x7c, 0x57, 0x26, 0xa0,
		    0x60, 0x9b, 0x6a, 0x74, 0x53, 0xa2, 0x99, 0x67, 0xa6, 0x17, 0x38};

		memcpy(key, prefix, sizeof(prefix));
		memcpy(key + sizeof(prefix), pk, sizeof(pk));
	}
	hk.type = GIT_CERT_SSH_RAW;
	hk.hostkey = (const char *)key;
	hk.hostkey_len = sizeof(key);
	assert_int_equal(ag_git_known_hosts_match(path, "git.example.com", &hk), 1);
	assert_int_equal(ag_git_known_hosts_match(path, "10.0.0.1", &hk), 1);
	assert_int_equal(ag_git_known_hosts_match(path, "other.example.com", &hk), 1);
	assert_int_equal(ag_git_known_hosts_match(path, "unknown.example.com", &hk), 0);
	/* a host listed with a different key is a changed key: refused */
	assert_int_equal(ag_git_known_hosts_match(path, "changed.example.com", &hk), -1);
	/* hashed entries are not read: never a match by accident */
	assert_int_equal(ag_git_known_hosts_match(path, "entry", &hk), 0);
	unlink(path);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_transport__local_urls),
	    cmocka_unit_test(test_transport__known_hosts),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
