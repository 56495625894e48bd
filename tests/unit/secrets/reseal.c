/* Unit tests for finding sealed values in text and re-sealing them. */
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

#include <sodium.h>

#include "core/buf.h"
#include "core/error.h"
#include "secrets/secrets.h"
#include "sys/fs.h"

struct fixture {
	unsigned char pk[3][32], sk[3][32];
	struct ag_pubkey to;   /* k3 */
	struct ag_keyring *kr; /* k1, k2 */
	char *a1, *b1, *c2;    /* sealed: cluster a under k1, b under k1, c under k2 */
	char *doc;
	size_t doclen;
};

static char *
seal(struct fixture *f, int k, const char *cluster, const char *value)
{
	struct ag_error err = AG_ERROR_INIT;
	char id[16], *s = NULL;

	snprintf(id, sizeof(id), "k%d", k + 1);
	assert_int_equal(
	    ag_sealed_seal(&s, f->pk[k], id, cluster, "spec.password", value, strlen(value), &err),
	    0);
	return s;
}

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	struct ag_error err = AG_ERROR_INIT;
	struct ag_buf b = AG_BUF_INIT(1 << 20);
	int i;

	assert_int_equal(ag_secrets_init(), 0);
	for (i = 0; i < 3; i++)
		crypto_box_keypair(f->pk[i], f->sk[i]);
	f->kr = ag_keyring_new();
	assert_int_equal(ag_keyring_add_secret(f->kr, "k1", f->sk[0], "test", &err), 0);
	assert_int_equal(ag_keyring_add_secret(f->kr, "k2", f->sk[1], "test", &err), 0);
	snprintf(f->to.key_id, sizeof(f->to.key_id), "k3");
	memcpy(f->to.pk, f->pk[2], 32);
	f->a1 = seal(f, 0, "db-a", "alpha-password");
	f->b1 = seal(f, 0, "db-b", "bravo-password");
	f->c2 = seal(f, 1, "db-c", "charlie-password");
	ag_buf_addf(&b,
	    "# Sealed values look like AGSEALED:v1:<key_id>:<data>\r\n"
	    "apiVersion: aws.project-planton.org/v1\n"
	    "kind: AwsRdsCluster\n"
	    "metadata:\n  name: db-a   # keep this comment\n"
	    "spec:\n  password: %s\n"
	    "---\n"
	    "metadata: {name: db-b}\n"
	    "spec:\n  password: \"%s\"   # quoted\n"
	    "---\n"
	    "metadata: {name: db-c}\n"
	    "spec:\n  password: '%s'\n"
	    "  note: \"AGSEALED:v1:k1:\"\n"
	    "  tail: \xc3\xa9t\xc3\xa9 AGSEALED:v9:x:y",
	    f->a1, f->b1, f->c2);
	f->doc = ag_buf_detach(&b, &f->doclen);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	ag_keyring_free(f->kr);
	free(f->a1);
	free(f->b1);
	free(f->c2);
	free(f->doc);
	free(f);
	return 0;
}

static void
test_find__tokens_and_positions(void **state)
{
	struct fixture *f = *state;
	struct ag_sealed_refs r;

	ag_sealed_refs_init(&r);
	ag_sealed_find(&r, f->doc, f->doclen);
	assert_int_equal(r.n, 6);
	assert_false(r.v[0].valid); /* the comment */
	assert_int_equal(r.v[0].line, 1);
	assert_int_equal(r.v[0].col, 27);
	assert_true(r.v[1].valid);
	assert_string_equal(r.v[1].key_id, "k1");
	assert_int_equal(r.v[1].line, 7);
	assert_int_equal(r.v[1].col, 13);
	assert_int_equal(r.v[1].len, strlen(f->a1));
	assert_memory_equal(f->doc + r.v[1].off, f->a1, r.v[1].len);
	assert_true(r.v[2].valid);
	assert_int_equal(r.v[2].col, 14); /* after the quote */
	assert_int_equal(r.v[2].len, strlen(f->b1));
	assert_true(r.v[3].valid);
	assert_string_equal(r.v[3].key_id, "k2");
	assert_false(r.v[4].valid); /* no data */
	assert_int_equal(r.v[4].line, 16);
	assert_false(r.v[5].valid); /* v9 */
	assert_int_equal(r.v[5].line, 17);
	assert_int_equal(r.v[5].col, 15); /* bytes, not characters */
	ag_sealed_refs_release(&r);

	ag_sealed_refs_init(&r);
	ag_sealed_find(&r, "", 0);
	ag_sealed_find(&r, "AGSEALED", 8);
	ag_sealed_find(&r, "AGSEALED:", 9);
	assert_int_equal(r.n, 1);
	assert_false(r.v[0].valid);
	ag_sealed_refs_release(&r);
}

/* Random text with pieces of tokens: refs stay in bounds, valid refs are
 * well-formed tokens, and re-sealing a key nobody uses is the identity. */
static void
test_find__random_text(void **state)
{
	static const char *const pieces[] = {"AGSEALED:", "v1:", "k1:", "K1:", "abc", "-_", "\n",
	    " ", "'", "\"", ":", "AGSEALED:v1:k1:", "AGSEALED:v2:", "=", "\xc3\xa9"};
	struct fixture *f = *state;
	struct ag_error err = AG_ERROR_INIT;
	struct ag_sealed_refs r;
	struct ag_buf out = AG_BUF_INIT(1 << 20);
	char buf[512];
	size_t len, i, j, n;
	const struct ag_sealed_ref *ref;

	for (i = 0; i < 2000; i++) {
		len = 0;
		while (len < sizeof(buf) - 32) {
			const char *p =
			    pieces[randombytes_uniform(sizeof(pieces) / sizeof(pieces[0]))];

			if (randombytes_uniform(4) == 0)
				buf[len++] = (char)randombytes_uniform(256);
			else {
				memcpy(buf + len, p, strlen(p));
				len += strlen(p);
			}
			if (randombytes_uniform(40) == 0)
				break;
		}
		ag_sealed_refs_init(&r);
		ag_sealed_find(&r, buf, len);
		for (j = 0; j < r.n; j++) {
			ref = &r.v[j];
			assert_true(ref->off + 9 <= len);
			assert_memory_equal(buf + ref->off, "AGSEALED:", 9);
			if (j > 0)
				assert_true(ref->off > r.v[j - 1].off);
			if (ref->valid) {
				assert_true(ref->off + ref->len <= len);
				assert_true(ag_key_id_valid(ref->key_id));
				assert_true(
				    ref->off + ref->len == len ||
				    strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
				           "0123456789-_",
				        buf[ref->off + ref->len]) == NULL ||
				    buf[ref->off + ref->len] == '\0');
			}
		}
		ag_sealed_refs_release(&r);
		ag_buf_reset(&out);
		assert_int_equal(
		    ag_reseal_buf(&out, &n, f->kr, "k9", &f->to, buf, len, "fuzz", &err), 0);
		assert_int_equal(n, 0);
		assert_int_equal(out.len, len);
		assert_memory_equal(out.ptr, buf, len);
	}
	ag_buf_release(&out);
}

static void
test_stats__count_per_key(void **state)
{
	struct fixture *f = *state;
	struct ag_sealed_stats st;

	ag_sealed_stats_init(&st);
	ag_sealed_stats_add_buf(&st, f->doc, f->doclen);
	ag_sealed_stats_add_buf(&st, f->c2, strlen(f->c2));
	assert_int_equal(st.files, 2);
	assert_int_equal(st.n, 2);
	assert_string_equal(st.v[0].key_id, "k1");
	assert_int_equal(st.v[0].count, 2);
	assert_string_equal(st.v[1].key_id, "k2");
	assert_int_equal(st.v[1].count, 2);
	assert_int_equal(st.malformed, 3);
	assert_int_equal(ag_sealed_stats_get(&st, "k1"), 2);
	assert_int_equal(ag_sealed_stats_get(&st, "k9"), 0);
	ag_sealed_stats_release(&st);
}

/* Every byte outside the re-sealed tokens is identical, and the new tokens
 * open under k3 to the same value for the same cluster. */
static void
test_reseal__only_retired_tokens_change(void **state)
{
	struct fixture *f = *state;
	struct ag_error err = AG_ERROR_INIT;
	struct ag_buf out = AG_BUF_INIT(1 << 20);
	struct ag_sealed_refs before, after;
	struct ag_secret *s = NULL;
	struct ag_keyring *kr3;
	size_t n = 0, i, pa, pb;
	static const char *const clusters[] = {"db-a", "db-b"};
	static const char *const values[] = {"alpha-password", "bravo-password"};
	char *tok;

	assert_int_equal(
	    ag_reseal_buf(&out, &n, f->kr, "k1", &f->to, f->doc, f->doclen, "db.yaml", &err), 0);
	assert_int_equal(n, 2);
	ag_sealed_refs_init(&before);
	ag_sealed_refs_init(&after);
	ag_sealed_find(&before, f->doc, f->doclen);
	ag_sealed_find(&after, out.ptr, out.len);
	assert_int_equal(before.n, after.n);

	/* Walk both buffers: equal outside the k1 tokens. */
	pa = pb = 0;
	for (i = 0; i < before.n; i++) {
		if (!before.v[i].valid || strcmp(before.v[i].key_id, "k1") != 0)
			continue;
		assert_int_equal(before.v[i].off - pa, after.v[i].off - pb);
		assert_memory_equal(f->doc + pa, out.ptr + pb, before.v[i].off - pa);
		assert_string_equal(after.v[i].key_id, "k3");
		pa = before.v[i].off + before.v[i].len;
		pb = after.v[i].off + after.v[i].len;
	}
	assert_int_equal(f->doclen - pa, out.len - pb);
	assert_memory_equal(f->doc + pa, out.ptr + pb, f->doclen - pa);
	/* The k2 token is byte-identical. */
	assert_non_null(strstr(out.ptr, f->c2));
	assert_null(strstr(out.ptr, f->a1));
	assert_null(strstr(out.ptr, f->b1));

	kr3 = ag_keyring_new();
	assert_int_equal(ag_keyring_add_secret(kr3, "k3", f->sk[2], "test", &err), 0);
	for (i = 1; i <= 2; i++) {
		tok = strndup(out.ptr + after.v[i].off, after.v[i].len);
		assert_int_equal(
		    ag_sealed_open(&s, kr3, tok, clusters[i - 1], "spec.password", &err), 0);
		assert_string_equal(s->ptr, values[i - 1]);
		ag_secret_free(s);
		/* Still bound to its cluster. */
		assert_int_equal(
		    ag_sealed_open(&s, kr3, tok, "db-c", "spec.password", &err), AG_EDENIED);
		free(tok);
	}
	ag_keyring_free(kr3);
	ag_sealed_refs_release(&before);
	ag_sealed_refs_release(&after);
	ag_buf_release(&out);
}

static void
test_reseal__nothing_to_do_is_identity(void **state)
{
	struct fixture *f = *state;
	struct ag_error err = AG_ERROR_INIT;
	struct ag_buf out = AG_BUF_INIT(1 << 20);
	size_t n = 99;

	assert_int_equal(
	    ag_reseal_buf(&out, &n, f->kr, "k7", &f->to, f->doc, f->doclen, "db.yaml", &err), 0);
	assert_int_equal(n, 0);
	assert_int_equal(out.len, f->doclen);
	assert_memory_equal(out.ptr, f->doc, f->doclen);
	ag_buf_release(&out);
}

static void
test_reseal__errors(void **state)
{
	struct fixture *f = *state;
	struct ag_error err = AG_ERROR_INIT;
	struct ag_buf out = AG_BUF_INIT(1 << 20);
	struct ag_keyring *kr2 = ag_keyring_new();
	struct ag_pubkey same = f->to;
	size_t n;

	/* The retired key's secret is not loaded. */
	assert_int_equal(ag_keyring_add_secret(kr2, "k2", f->sk[1], "test", &err), 0);
	assert_int_equal(
	    ag_reseal_buf(&out, &n, kr2, "k1", &f->to, f->doc, f->doclen, "db.yaml", &err),
	    AG_ENOTFOUND);
	assert_true(strncmp(err.msg, "db.yaml:7:13: cannot open sealed value", 38) == 0);
	assert_non_null(strstr(err.msg, "no key 'k1' in the keyring (loaded: k2)"));
	/* Re-sealing to the retired key itself. */
	snprintf(same.key_id, sizeof(same.key_id), "k1");
	ag_buf_reset(&out);
	assert_int_equal(
	    ag_reseal_buf(&out, &n, f->kr, "k1", &same, f->doc, f->doclen, "db.yaml", &err),
	    AG_EINVAL);
	ag_keyring_free(kr2);
	ag_buf_release(&out);
}

static void
write_tmp(char *path, const char *text, mode_t mode)
{
	int fd = mkstemp(path);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	assert_int_equal(fchmod(fd, mode), 0);
	close(fd);
}

/* The file is rewritten in place with its mode; dry runs and files
 * without matching tokens are left alone (same inode). */
static void
test_reseal__file(void **state)
{
	struct fixture *f = *state;
	struct ag_error err = AG_ERROR_INIT;
	struct ag_buf b = AG_BUF_INIT(1 << 20);
	char p1[] = "/tmp/ag-reseal-a.XXXXXX", p2[] = "/tmp/ag-reseal-b.XXXXXX";
	struct stat st1, st2, after;
	size_t n = 0;

	write_tmp(p1, f->doc, 0640);
	write_tmp(p2, "spec:\n  password: plain\n", 0604);
	assert_int_equal(stat(p1, &st1), 0);
	assert_int_equal(stat(p2, &st2), 0);

	assert_int_equal(ag_reseal_file(&n, f->kr, "k1", &f->to, p1, true, &err), 0);
	assert_int_equal(n, 2);
	assert_int_equal(stat(p1, &after), 0);
	assert_int_equal(after.st_ino, st1.st_ino);
	assert_int_equal(ag_fs_read(&b, p1, &err), 0);
	assert_int_equal(b.len, f->doclen);
	assert_memory_equal(b.ptr, f->doc, f->doclen);

	assert_int_equal(ag_reseal_file(&n, f->kr, "k1", &f->to, p2, false, &err), 0);
	assert_int_equal(n, 0);
	assert_int_equal(stat(p2, &after), 0);
	assert_int_equal(after.st_ino, st2.st_ino);

	assert_int_equal(ag_reseal_file(&n, f->kr, "k1", &f->to, p1, false, &err), 0);
	assert_int_equal(n, 2);
	assert_int_equal(stat(p1, &after), 0);
	assert_true(after.st_ino != st1.st_ino);
	assert_int_equal(after.st_mode & 07777, 0640);
	ag_buf_reset(&b);
	assert_int_equal(ag_fs_read(&b, p1, &err), 0);
	assert_null(strstr(b.ptr, f->a1));
	assert_non_null(strstr(b.ptr, f->c2));
	assert_non_null(strstr(b.ptr, "AGSEALED:v1:k3:"));

	assert_int_equal(
	    ag_reseal_file(&n, f->kr, "k1", &f->to, "/nonexistent/x.yaml", false, &err),
	    AG_ENOTFOUND);
	unlink(p1);
	unlink(p2);
	ag_buf_release(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_find__tokens_and_positions, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_find__random_text, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_stats__count_per_key, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_reseal__only_retired_tokens_change, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_reseal__nothing_to_do_is_identity, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_reseal__errors, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_reseal__file, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
