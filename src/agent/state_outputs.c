#include "agent/state_outputs.h"
#include "core/mem.h"
#include "sys/fs.h"

#include <jansson.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "core/compat.h"

#define OUTPUTS_FILE_MAX (16 * 1024 * 1024)
#define DIGEST_LEN 16

struct ag_outstore {
	char *path;
	bool readonly;
	bool dirty;
	ag_outstore_read_fn read;
	json_t *digests; /* cluster -> hex digest of its record without recorded_at */
	json_t *texts;   /* cluster -> record text, for records the file lacks or */
	                 /* does not hold in the line form (see the header) */
};

/* The canonical text of a record: compact, keys sorted. */
static char *
record_text(const json_t *rec)
{
	char *t = json_dumps(rec, JSON_COMPACT | JSON_SORT_KEYS);
	char *r = ag_xstrdup(t != NULL ? t : "{}");

	free(t);
	return r;
}

/* hex: the digest of rec without its recorded_at member. */
static void
record_digest(char hex[2 * DIGEST_LEN + 1], const json_t *rec)
{
	json_t *c = json_copy((json_t *)rec);
	unsigned char h[DIGEST_LEN];
	char *t;

	json_object_del(c, "recorded_at");
	t = record_text(c);
	crypto_generichash(h, sizeof(h), (const unsigned char *)t, strlen(t), NULL, 0);
	sodium_bin2hex(hex, 2 * DIGEST_LEN + 1, h, sizeof(h));
	free(t);
	json_decref(c);
}

/* Records rec's digest for cluster (hex when the caller has it already,
 * else computed here) and, with keep_text, its text. */
static void
remember(
    struct ag_outstore *o, const char *cluster, const json_t *rec, const char *hex, bool keep_text)
{
	char own[2 * DIGEST_LEN + 1];

	if (hex == NULL) {
		record_digest(own, rec);
		hex = own;
	}
	json_object_set_new(o->digests, cluster, json_string(hex));
	if (keep_text) {
		char *t = record_text(rec);

		json_object_set_new(o->texts, cluster, json_string(t));
		free(t);
	} else {
		json_object_del(o->texts, cluster);
	}
}

/*
 * One member line of the line form ("  KEY: RECORD" with an optional
 * trailing comma, len bytes without the newline): its key (in *key, owned
 * by *member) and record. False when the line is not one member whose
 * value is an object written as record_text() writes it.
 */
static bool
parse_line(json_t **member, const char **key, json_t **rec, const char *line, size_t len)
{
	json_error_t jerr;
	struct ag_buf b = AG_BUF_INIT(OUTPUTS_FILE_MAX);
	json_t *m, *v;
	char *canon;
	bool ok;

	*member = NULL;
	if (len > 0 && line[len - 1] == ',')
		len--;
	if (len < 2 || line[0] != ' ' || line[1] != ' ' || ag_buf_addc(&b, '{') < 0 ||
	    ag_buf_add(&b, line, len) < 0 || ag_buf_addc(&b, '}') < 0) {
		ag_buf_release(&b);
		return false;
	}
	m = json_loadb(b.ptr, b.len, JSON_REJECT_DUPLICATES, &jerr);
	ag_buf_release(&b);
	if (m == NULL || json_object_size(m) != 1) {
		json_decref(m);
		return false;
	}
	*key = json_object_iter_key(json_object_iter(m));
	v = json_object_iter_value(json_object_iter(m));
	/* the record must stand in the line as record_text() writes it: a
	 * save then writes the same bytes for a record it did not change */
	canon = json_is_object(v) ? record_text(v) : NULL;
	ok = canon != NULL && len >= strlen(canon) &&
	     memcmp(line + len - strlen(canon), canon, strlen(canon)) == 0;
	free(canon);
	if (!ok) {
		json_decref(m);
		return false;
	}
	*member = m;
	*rec = v;
	return true;
}

/* Calls fn for each member line of text in the line form, in order; false
 * (having called fn for some lines) when text is not in that form or its
 * keys are not in strictly increasing order. */
typedef bool (*line_fn)(void *arg, const char *key, const json_t *rec);

static bool
foreach_line(const char *text, size_t len, line_fn fn, void *arg)
{
	const char *p = text, *end = text + len, *nl;
	char *prev = NULL;
	bool ok = true;

	if (len == 3 && memcmp(text, "{}\n", 3) == 0)
		return true;
	if (len < 4 || memcmp(p, "{\n", 2) != 0 || memcmp(end - 2, "}\n", 2) != 0)
		return false;
	for (p += 2; ok && p < end - 2; p = nl + 1) {
		json_t *member, *rec;
		const char *key;

		nl = memchr(p, '\n', (size_t)(end - 2 - p));
		if (nl == NULL || !parse_line(&member, &key, &rec, p, (size_t)(nl - p)))
			ok = false;
		else {
			ok = (prev == NULL || strcmp(prev, key) < 0) && fn(arg, key, rec);
			free(prev);
			prev = ag_xstrdup(key);
			json_decref(member);
		}
	}
	free(prev);
	return ok;
}

static bool
load_line(void *arg, const char *key, const json_t *rec)
{
	struct ag_outstore *o = arg;

	remember(o, key, rec, NULL, o->readonly);
	return true;
}

int
ag_outstore_open(struct ag_outstore **out, const char *path, bool readonly,
    ag_outstore_read_fn read, struct ag_error *err)
{
	struct ag_outstore *o = ag_xcalloc(1, sizeof(*o));
	struct ag_buf b = AG_BUF_INIT(OUTPUTS_FILE_MAX);
	json_error_t jerr;
	json_t *tree = NULL, *v;
	const char *k;
	int rc;

	*out = NULL;
	o->path = ag_xstrdup(path);
	o->readonly = readonly;
	o->read = read;
	o->digests = json_object();
	o->texts = json_object();
	rc = read(&b, path, err);
	if (rc == AG_ENOTFOUND) {
		ag_error_clear(err);
		rc = 0;
		goto done;
	}
	if (rc < 0)
		goto out;
	if (foreach_line(b.ptr, b.len, load_line, o))
		goto done;
	/* not the line form: read whole, kept as text, rewritten at the next
	 * save */
	json_object_clear(o->digests);
	json_object_clear(o->texts);
	tree = json_loadb(b.ptr, b.len, 0, &jerr);
	if (tree == NULL) {
		rc = ag_error_set(err, AG_EINVAL,
		    "%s:%d:%d: state file is damaged: %s (move it away to start over)", path,
		    jerr.line > 0 ? jerr.line : 1, jerr.column > 0 ? jerr.column : 1,
		    jerr.text[0] ? jerr.text : "not JSON");
		goto out;
	}
	if (!json_is_object(tree)) {
		rc = ag_error_set(err, AG_EINVAL,
		    "%s: state file is damaged: a JSON object was expected (move it away to "
		    "start over)",
		    path);
		goto out;
	}
	json_object_foreach(tree, k, v)
	{
		if (!json_is_object(v)) {
			rc = ag_error_set(err, AG_EINVAL,
			    "%s: state file is damaged: the outputs of '%s' are not a JSON object "
			    "(move it away to start over)",
			    path, k);
			goto out;
		}
		remember(o, k, v, NULL, true);
	}
	o->dirty = json_object_size(tree) > 0;
done:
	*out = o;
	o = NULL;
out:
	json_decref(tree);
	ag_buf_release(&b);
	ag_outstore_free(o);
	return rc;
}

void
ag_outstore_free(struct ag_outstore *o)
{
	if (o == NULL)
		return;
	json_decref(o->digests);
	json_decref(o->texts);
	free(o->path);
	free(o);
}

bool
ag_outstore_dirty(const struct ag_outstore *o)
{
	return o->dirty;
}

int
ag_outstore_set(
    struct ag_outstore *o, const char *cluster, const char *json_text, const char *recorded_at)
{
	json_error_t jerr;
	json_t *rec = json_loads(json_text, 0, &jerr);
	char hex[2 * DIGEST_LEN + 1];
	const char *old;

	if (rec == NULL || !json_is_object(rec)) {
		json_decref(rec);
		return AG_EINVAL;
	}
	/* the same outputs are not rewritten: recorded_at says when they were
	 * last seen to change */
	record_digest(hex, rec);
	old = json_string_value(json_object_get(o->digests, cluster));
	if (old == NULL || strcmp(old, hex) != 0) {
		json_object_set_new(rec, "recorded_at", json_string(recorded_at));
		remember(o, cluster, rec, hex, true);
		o->dirty = true;
	}
	json_decref(rec);
	return 0;
}

struct find {
	const char *key;
	char *text;
};

static bool
find_line(void *arg, const char *key, const json_t *rec)
{
	struct find *f = arg;

	if (strcmp(key, f->key) != 0)
		return true;
	f->text = record_text(rec);
	return false; /* found: stop */
}

char *
ag_outstore_get(const struct ag_outstore *o, const char *cluster)
{
	const char *t = json_string_value(json_object_get(o->texts, cluster));
	struct ag_buf b = AG_BUF_INIT(OUTPUTS_FILE_MAX);
	struct ag_error e = AG_ERROR_INIT;
	struct find f = {cluster, NULL};

	if (t != NULL)
		return ag_xstrdup(t);
	if (json_object_get(o->digests, cluster) == NULL)
		return NULL;
	/* in the file only (a writer holds the state's lock: it is ours) */
	if (o->read(&b, o->path, &e) == 0)
		foreach_line(b.ptr, b.len, find_line, &f);
	ag_buf_release(&b);
	return f.text;
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* While saving: the old file's records, walked in step with the sorted
 * keys, for the records the store does not hold as text. */
struct copy {
	const struct ag_outstore *o;
	const char **keys;
	size_t n, next;
	struct ag_buf *out;
	int rc;
};

static int
emit(struct ag_buf *out, size_t i, const char *key, const char *rec, size_t len)
{
	json_t *k = json_string(key);
	char *q = json_dumps(k, JSON_ENCODE_ANY);
	int rc;

	rc = ag_buf_addf(out, "%s\n  %s: ", i ? "," : "", q);
	if (rc == 0)
		rc = ag_buf_add(out, rec, len);
	free(q);
	json_decref(k);
	return rc;
}

/* Emits every key before `upto` (all when NULL) that has a text; a key
 * without one that is passed over is lost from the file: an error. */
static int
emit_texts(struct copy *c, const char *upto)
{
	while (c->next < c->n && (upto == NULL || strcmp(c->keys[c->next], upto) < 0)) {
		const char *k = c->keys[c->next];
		const char *t = json_string_value(json_object_get(c->o->texts, k));

		if (t == NULL)
			return AG_ECONFLICT;
		if (emit(c->out, c->next, k, t, strlen(t)) < 0)
			return AG_ETOOBIG;
		c->next++;
	}
	return 0;
}

static bool
copy_line(void *arg, const char *key, const json_t *rec)
{
	struct copy *c = arg;
	const char *t;

	if ((c->rc = emit_texts(c, key)) < 0)
		return false;
	if (c->next >= c->n || strcmp(c->keys[c->next], key) != 0)
		return true; /* a record the store no longer has */
	t = json_string_value(json_object_get(c->o->texts, key));
	if (t != NULL) {
		c->rc = emit(c->out, c->next, key, t, strlen(t)) < 0 ? AG_ETOOBIG : 0;
	} else {
		/* the line holds the record as record_text() writes it (parse_line
		 * checked): the same bytes */
		char *r = record_text(rec);

		c->rc = emit(c->out, c->next, key, r, strlen(r)) < 0 ? AG_ETOOBIG : 0;
		free(r);
	}
	c->next++;
	return c->rc == 0;
}

int
ag_outstore_save(struct ag_outstore *o, struct ag_error *err)
{
	struct ag_buf old = AG_BUF_INIT(OUTPUTS_FILE_MAX), b = AG_BUF_INIT(OUTPUTS_FILE_MAX);
	size_t n = json_object_size(o->digests), i = 0;
	struct copy c = {o, NULL, n, 0, &b, 0};
	const char *k;
	json_t *v;
	int rc = 0;

	if (!o->dirty || o->readonly)
		return 0;
	c.keys = ag_xcalloc(n ? n : 1, sizeof(*c.keys));
	json_object_foreach(o->digests, k, v) c.keys[i++] = k;
	qsort(c.keys, n, sizeof(*c.keys), cmp_str);
	if (n > json_object_size(o->texts)) {
		/* some records are in the file only */
		if ((rc = o->read(&old, o->path, err)) < 0)
			goto out;
	}
	if (ag_buf_adds(&b, "{") < 0)
		goto too_big;
	if (old.len > 0 && !foreach_line(old.ptr, old.len, copy_line, &c) && c.rc == 0)
		c.rc = AG_ECONFLICT;
	if (c.rc == 0)
		c.rc = emit_texts(&c, NULL);
	if (c.rc == AG_ECONFLICT) {
		rc = ag_error_set(err, AG_ECONFLICT,
		    "cannot save '%s': it changed while the state directory was locked", o->path);
		goto out;
	}
	if (c.rc < 0 || ag_buf_adds(&b, n ? "\n}\n" : "}\n") < 0)
		goto too_big;
	if ((rc = ag_fs_write_atomic(o->path, b.ptr, b.len, 0600, 0, err)) < 0)
		goto out;
	/* every record is in the file now: keep only the digests */
	json_object_clear(o->texts);
	o->dirty = false;
	goto out;
too_big:
	rc = ag_error_set(err, AG_ETOOBIG, "cannot save '%s': it would be over %d bytes", o->path,
	    OUTPUTS_FILE_MAX);
out:
	free(c.keys);
	ag_buf_release(&old);
	ag_buf_release(&b);
	return rc;
}
