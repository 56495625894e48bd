#include "agent/state_outputs.h"
#include "core/buf.h"
#include "core/mem.h"
#include "sys/fs.h"

#include <errno.h>
#include <jansson.h>
#include <sodium.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/compat.h"

#define OUTPUTS_FILE_MAX (16 * 1024 * 1024)
#define DIGEST_LEN 16
/* What the reader returns for a file that is not in the line form. */
#define OTHER_FORM 2
/* The index beside the file (see index_load) and its first line's start. */
#define INDEX_SUFFIX ".index"
#define INDEX_MAGIC "aurora-gitops outputs.json index 1 "
#define FILE_HASH_LEN 32

/* A recorded cluster: its identifier (an offset into the store's keys) and
 * the digest of its record without recorded_at. */
struct entry {
	uint32_t key;
	unsigned char digest[DIGEST_LEN];
};

/* A record set and not yet saved. */
struct held {
	char *key;
	char *text; /* canonical, with recorded_at */
	unsigned char digest[DIGEST_LEN];
};

struct ag_outstore {
	char *path;
	bool readonly;
	bool dirty;  /* the file lacks something the store has */
	bool legacy; /* the file is not in the line form */
	ag_outstore_open_fn open;
	/* writers only: every cluster in the file, sorted by identifier */
	struct ag_buf keys; /* identifiers, each NUL-terminated */
	struct entry *v;
	size_t n, cap;
	struct held *held;
	size_t n_held, cap_held;
};

/* Where json_dump_callback() writes: a bounded buffer. */
struct dump_to {
	struct ag_buf *b;
	bool over; /* the bound stopped the dump */
};

static int
dump_piece(const char *piece, size_t len, void *ctx)
{
	struct dump_to *t = ctx;

	if (ag_buf_add(t->b, piece, len) == 0)
		return 0;
	t->over = true;
	return -1;
}

/*
 * jansson's text of v (flags as json_dumps() takes them) in b, replacing
 * what b held: 1 written, 0 longer than b's bound, -1 jansson cannot write
 * it (b empty but for 1). While b's memory is large enough, jansson writes
 * straight into it, in one call; else (the first text, or one longer than
 * any before) piece by piece through dump_piece(), which grows it.
 */
static int
dump_into(struct ag_buf *b, const json_t *v, size_t flags)
{
	struct dump_to t = {b, false};
	size_t room = b->cap > 0 ? b->cap - 1 : 0, n;

	if (room > b->max)
		room = b->max;
	ag_buf_reset(b);
	if (room > 0 && (n = json_dumpb(v, b->ptr, room, flags)) > 0) {
		if (n <= room) {
			b->len = n;
			b->ptr[n] = '\0';
			return 1;
		}
		ag_buf_reset(b);
		if (n > b->max)
			return 0;
	}
	/* too large for b's memory, or jansson failed (then the pieces
	 * tell whether the bound or jansson stopped it) */
	if (json_dump_callback(v, dump_piece, &t, flags) == 0)
		return 1;
	ag_buf_reset(b);
	return t.over ? 0 : -1;
}

/* Whether every object in v has its members in increasing key order
 * (jansson keeps the order they were added in): then jansson writes v
 * without JSON_SORT_KEYS exactly as with it, and saves the sort (a copy of
 * the keys, a qsort and a lookup a member). strcmp's order of two keys is
 * jansson's whenever it finds one strictly before the other. */
static bool
keys_sorted(json_t *v)
{
	const char *key, *prev = NULL;
	void *it;
	size_t i;

	if (json_is_array(v)) {
		for (i = 0; i < json_array_size(v); i++)
			if (!keys_sorted(json_array_get(v, i)))
				return false;
		return true;
	}
	if (!json_is_object(v))
		return true;
	for (it = json_object_iter(v); it != NULL; it = json_object_iter_next(v, it)) {
		key = json_object_iter_key(it);
		if ((prev != NULL && strcmp(prev, key) >= 0) ||
		    !keys_sorted(json_object_iter_value(it)))
			return false;
		prev = key;
	}
	return true;
}

/* The canonical text of a record (compact, keys sorted) in b, replacing
 * what b held: "{}" when jansson cannot write it. False only when it
 * would be longer than b's bound (b is then empty). */
static bool
canon_into(struct ag_buf *b, json_t *rec)
{
	switch (dump_into(b, rec, JSON_COMPACT | (keys_sorted(rec) ? 0 : JSON_SORT_KEYS))) {
	case 1:
		return true;
	case 0:
		return false;
	default:
		return ag_buf_adds(b, "{}") == 0;
	}
}

/* The canonical text of a record (malloc'd). */
static char *
record_text(json_t *rec)
{
	struct ag_buf b = AG_BUF_INIT(SIZE_MAX / 2);

	(void)canon_into(&b, rec);
	return ag_buf_detach(&b, NULL);
}

/* A member of an object, for putting them in key order. */
struct member {
	const char *key;
	size_t len;
	json_t *value;
};

static int
cmp_member(const void *a, const void *b)
{
	return strcmp(((const struct member *)a)->key, ((const struct member *)b)->key);
}

/* Sorts by key: a few members (read from a file mostly in order already)
 * by insertion, more (a file edited by hand) by qsort. */
static void
sort_members(struct member *m, size_t n)
{
	size_t i, j;

	if (n > 16) {
		qsort(m, n, sizeof(*m), cmp_member);
		return;
	}
	for (i = 1; i < n; i++) {
		struct member x = m[i];

		for (j = i; j > 0 && strcmp(m[j - 1].key, x.key) > 0; j--)
			m[j] = m[j - 1];
		m[j] = x;
	}
}

/* A value's type and length, then the len bytes at p; p NULL: len
 * counts the members or elements that follow. */
static void
form_add(struct ag_buf *b, char tag, const void *p, size_t len)
{
	char head[1 + sizeof(len)];

	head[0] = tag;
	memcpy(head + 1, &len, sizeof(len));
	/* unbounded: only memory stops it */
	(void)ag_buf_add(b, head, sizeof(head));
	if (p != NULL)
		(void)ag_buf_add(b, p, len);
}

/*
 * The form of a value that a digest hashes: each value its type, a
 * string, key, array or object its length first, an object's members in
 * key order (top: without its recorded_at member). Two records have the
 * same form exactly when record_text() writes them the same (jansson
 * writes each value one way), so the digest tells what one of that text
 * would, with no text written: a record read from the file and one made
 * from a describe are compared as trees.
 */
static void
record_form(struct ag_buf *b, json_t *v, bool top)
{
	struct member few[16], *m = few;
	json_int_t i;
	double r;
	size_t k, n = 0;
	const char *key;
	json_t *x;

	switch (json_typeof(v)) {
	case JSON_OBJECT:
		if (json_object_size(v) > sizeof(few) / sizeof(few[0]))
			m = ag_xcalloc(json_object_size(v), sizeof(*m));
		json_object_foreach(v, key, x)
		{
			if (!top || strcmp(key, "recorded_at") != 0)
				m[n++] = (struct member){key, strlen(key), x};
		}
		sort_members(m, n);
		form_add(b, 'o', NULL, n);
		for (k = 0; k < n; k++) {
			form_add(b, 'k', m[k].key, m[k].len);
			record_form(b, m[k].value, false);
		}
		if (m != few)
			free(m);
		break;
	case JSON_ARRAY:
		form_add(b, 'a', NULL, json_array_size(v));
		json_array_foreach(v, k, x) record_form(b, x, false);
		break;
	case JSON_STRING:
		form_add(b, 's', json_string_value(v), json_string_length(v));
		break;
	case JSON_INTEGER:
		i = json_integer_value(v);
		form_add(b, 'i', &i, sizeof(i));
		break;
	case JSON_REAL:
		r = json_real_value(v);
		form_add(b, 'r', &r, sizeof(r));
		break;
	case JSON_TRUE:
		form_add(b, 't', NULL, 0);
		break;
	case JSON_FALSE:
		form_add(b, 'f', NULL, 0);
		break;
	default:
		form_add(b, 'n', NULL, 0);
	}
}

/* The digest of rec without its recorded_at member (a recorded_at inside
 * a nested value counts). scratch (any contents) holds its form. */
static void
record_digest(unsigned char d[DIGEST_LEN], json_t *rec, struct ag_buf *scratch)
{
	ag_buf_reset(scratch);
	record_form(scratch, rec, true);
	crypto_generichash(
	    d, DIGEST_LEN, (const unsigned char *)scratch->ptr, scratch->len, NULL, 0);
}

static const char *
key_of(const struct ag_outstore *o, const struct entry *e)
{
	return o->keys.ptr + e->key;
}

/* Appends a cluster, whose identifier sorts after every one before it. */
static int
index_add(struct ag_outstore *o, const char *key, const unsigned char d[DIGEST_LEN])
{
	size_t off = o->keys.len;

	if (ag_buf_add(&o->keys, key, strlen(key) + 1) < 0)
		return AG_ETOOBIG;
	AG_GROW(o->v, o->cap, o->n + 1);
	o->v[o->n].key = (uint32_t)off;
	memcpy(o->v[o->n].digest, d, DIGEST_LEN);
	o->n++;
	return 0;
}

/* Gives back what the arrays grew by beyond their contents: the index
 * lives as long as the store. */
static void
index_trim(struct ag_outstore *o)
{
	if (o->n > 0 && o->cap > o->n) {
		o->v = ag_xrealloc(o->v, o->n * sizeof(*o->v));
		o->cap = o->n;
	}
	if (o->keys.cap > o->keys.len + 1) {
		o->keys.ptr = ag_xrealloc(o->keys.ptr, o->keys.len + 1);
		o->keys.cap = o->keys.len + 1;
	}
}

static void
index_clear(struct ag_outstore *o)
{
	ag_buf_release(&o->keys);
	free(o->v);
	o->v = NULL;
	o->n = o->cap = 0;
}

static const struct entry *
index_find(const struct ag_outstore *o, const char *key)
{
	size_t lo = 0, hi = o->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(key_of(o, &o->v[mid]), key);

		if (c == 0)
			return &o->v[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

static struct held *
held_find(const struct ag_outstore *o, const char *key)
{
	size_t i;

	for (i = 0; i < o->n_held; i++)
		if (strcmp(o->held[i].key, key) == 0)
			return &o->held[i];
	return NULL;
}

static void
held_clear(struct ag_outstore *o)
{
	size_t i;

	for (i = 0; i < o->n_held; i++) {
		free(o->held[i].key);
		free(o->held[i].text);
	}
	free(o->held);
	o->held = NULL;
	o->n_held = o->cap_held = 0;
}

/*
 * The file read one line at a time. In the line form each member line is
 * "  KEY: RECORD" with an optional trailing comma, RECORD written as
 * record_text() writes it, keys in strictly increasing order.
 */
struct reader {
	const char *path;
	FILE *fp;
	char *line;
	size_t cap;
	size_t total; /* bytes read */
	json_t *member;
	const char *key;  /* of the current member line, owned by member */
	json_t *rec;      /* likewise */
	const char *text; /* the record as it stands in the line */
	size_t text_len;
	struct ag_buf prev; /* the key before; empty before the first */
	/* kept from line to line, so a line costs no allocation of its own */
	struct ag_buf member_text;     /* "{" line "}" */
	struct ag_buf canon;           /* the record as record_text() writes it */
	struct ag_buf scratch;         /* for record_digest() */
	crypto_generichash_state hash; /* of every byte read */
};

static int
reader_open(struct reader *r, const struct ag_outstore *o, struct ag_error *err)
{
	int fd, rc;

	memset(r, 0, sizeof(*r));
	r->path = o->path;
	ag_buf_init(&r->prev, OUTPUTS_FILE_MAX);
	ag_buf_init(&r->member_text, OUTPUTS_FILE_MAX);
	ag_buf_init(&r->canon, OUTPUTS_FILE_MAX);
	ag_buf_init(&r->scratch, SIZE_MAX / 2);
	crypto_generichash_init(&r->hash, NULL, 0, FILE_HASH_LEN);
	if ((rc = o->open(&fd, o->path, err)) < 0)
		return rc;
	r->fp = fdopen(fd, "r");
	if (r->fp == NULL) {
		rc = ag_error_set(err, AG_EIO, "cannot read '%s': %s", o->path, strerror(errno));
		close(fd);
	}
	return rc;
}

static void
reader_close(struct reader *r)
{
	if (r->fp != NULL)
		fclose(r->fp);
	json_decref(r->member);
	free(r->line);
	ag_buf_release(&r->prev);
	ag_buf_release(&r->member_text);
	ag_buf_release(&r->canon);
	ag_buf_release(&r->scratch);
	memset(r, 0, sizeof(*r));
}

/* The next line, without its newline, in *len. 0 at the end of the file;
 * OTHER_FORM for a last line without a newline. */
static int
read_line(struct reader *r, size_t *len, struct ag_error *err)
{
	ssize_t n;

	errno = 0;
	n = getline(&r->line, &r->cap, r->fp);
	if (n < 0) {
		if (ferror(r->fp))
			return ag_error_set(
			    err, AG_EIO, "cannot read '%s': %s", r->path, strerror(errno));
		return 0;
	}
	r->total += (size_t)n;
	crypto_generichash_update(&r->hash, (const unsigned char *)r->line, (size_t)n);
	if (r->total > OUTPUTS_FILE_MAX)
		return ag_error_set(
		    err, AG_ETOOBIG, "'%s' is larger than %d bytes", r->path, OUTPUTS_FILE_MAX);
	if (r->line[n - 1] != '\n')
		return OTHER_FORM;
	*len = (size_t)n - 1;
	return 1;
}

/* The member line in r->line (len bytes): its key, record and the record's
 * text. False when it is not one member whose value is an object written
 * as record_text() writes it. */
static bool
parse_line(struct reader *r, size_t len)
{
	const char *line = r->line;
	struct ag_buf *b = &r->member_text, *canon = &r->canon;
	json_error_t jerr;
	json_t *m, *v;

	if (len > 0 && line[len - 1] == ',')
		len--;
	ag_buf_reset(b);
	if (len < 2 || line[0] != ' ' || line[1] != ' ' || ag_buf_addc(b, '{') < 0 ||
	    ag_buf_add(b, line, len) < 0 || ag_buf_addc(b, '}') < 0)
		return false;
	m = json_loadb(b->ptr, b->len, JSON_REJECT_DUPLICATES, &jerr);
	if (m == NULL || json_object_size(m) != 1) {
		json_decref(m);
		return false;
	}
	v = json_object_iter_value(json_object_iter(m));
	/* the record must stand in the line as record_text() writes it: a
	 * save then copies the same bytes for a record it did not change (a
	 * text longer than the line cannot) */
	canon->max = len;
	if (!json_is_object(v) || !canon_into(canon, v) ||
	    memcmp(line + len - canon->len, canon->ptr, canon->len) != 0) {
		json_decref(m);
		return false;
	}
	json_decref(r->member);
	r->member = m;
	r->key = json_object_iter_key(json_object_iter(m));
	r->rec = v;
	r->text = line + len - canon->len;
	r->text_len = canon->len;
	return true;
}

/* The first line: 1 when member lines follow, 0 for an empty object,
 * OTHER_FORM when the file is not in the line form. */
static int
reader_start(struct reader *r, struct ag_error *err)
{
	size_t len = 0;
	int rc;

	if ((rc = read_line(r, &len, err)) != 1)
		return rc < 0 ? rc : OTHER_FORM;
	if (len == 1 && r->line[0] == '{')
		return 1;
	if (len != 2 || memcmp(r->line, "{}", 2) != 0)
		return OTHER_FORM;
	rc = read_line(r, &len, err);
	return rc <= 0 ? rc : OTHER_FORM;
}

/* The next member line: 1 (r->key, r->rec, r->text), 0 after the closing
 * line, OTHER_FORM when the file is not in the line form or its keys are
 * not in strictly increasing order. */
static int
reader_next(struct reader *r, struct ag_error *err)
{
	size_t len = 0;
	int rc;

	if ((rc = read_line(r, &len, err)) != 1)
		return rc < 0 ? rc : OTHER_FORM;
	if (len == 1 && r->line[0] == '}') {
		rc = read_line(r, &len, err);
		return rc <= 0 ? rc : OTHER_FORM;
	}
	if (!parse_line(r, len) || (r->prev.len > 0 && strcmp(r->prev.ptr, r->key) >= 0))
		return OTHER_FORM;
	ag_buf_reset(&r->prev);
	if (ag_buf_add(&r->prev, r->key, strlen(r->key) + 1) < 0)
		return OTHER_FORM; /* not reached: the key is part of the line */
	return 1;
}

/* The whole file as one JSON object (any form), checked. */
static int
load_whole(json_t **out, struct reader *r, struct ag_error *err)
{
	json_error_t jerr;
	struct stat st;
	const char *k;
	json_t *tree, *v;

	*out = NULL;
	if (fstat(fileno(r->fp), &st) < 0 || fseek(r->fp, 0, SEEK_SET) < 0)
		return ag_error_set(err, AG_EIO, "cannot read '%s': %s", r->path, strerror(errno));
	if (st.st_size > OUTPUTS_FILE_MAX)
		return ag_error_set(
		    err, AG_ETOOBIG, "'%s' is larger than %d bytes", r->path, OUTPUTS_FILE_MAX);
	tree = json_loadf(r->fp, 0, &jerr);
	if (tree == NULL)
		return ag_error_set(err, AG_EINVAL,
		    "%s:%d:%d: state file is damaged: %s (move it away to start over)", r->path,
		    jerr.line > 0 ? jerr.line : 1, jerr.column > 0 ? jerr.column : 1,
		    jerr.text[0] ? jerr.text : "not JSON");
	if (!json_is_object(tree)) {
		json_decref(tree);
		return ag_error_set(err, AG_EINVAL,
		    "%s: state file is damaged: a JSON object was expected (move it away to "
		    "start over)",
		    r->path);
	}
	json_object_foreach(tree, k, v)
	{
		if (!json_is_object(v)) {
			json_decref(tree);
			return ag_error_set(err, AG_EINVAL,
			    "%s: state file is damaged: the outputs of '%s' are not a JSON object "
			    "(move it away to start over)",
			    r->path, k);
		}
	}
	*out = tree;
	return 0;
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Indexes a file not in the line form (a writer's store). */
static int
index_tree(struct ag_outstore *o, json_t *tree, struct ag_buf *scratch)
{
	size_t i = 0, n = json_object_size(tree);
	const char **keys = ag_xcalloc(n ? n : 1, sizeof(*keys));
	unsigned char d[DIGEST_LEN];
	const char *k;
	json_t *v;
	int rc = 0;

	json_object_foreach(tree, k, v) keys[i++] = k;
	qsort(keys, n, sizeof(*keys), cmp_str);
	for (i = 0; i < n && rc == 0; i++) {
		record_digest(d, json_object_get(tree, keys[i]), scratch);
		rc = index_add(o, keys[i], d);
	}
	free(keys);
	return rc;
}

/*
 * The index beside the file (outputs.json.index) spares a writer's open
 * the parse of every line when the file is exactly as a writer last saw
 * it whole: its first line is INDEX_MAGIC, the BLAKE2b-256 of the file's
 * bytes (hex) and the count of records; then a line a record, in the
 * file's order: the record's digest (hex) and its identifier. It is
 * written only for bytes that were checked in full (a file read in the
 * line form, or one just saved), and used only when the file's bytes hash
 * to what it says; anything else about it (missing, another owner,
 * damaged, stale) sends the open the long way, which writes it anew. So a
 * file edited by hand, damaged or replaced is read and checked as before.
 */
static char *
index_path(const struct ag_outstore *o)
{
	return ag_xasprintf("%s" INDEX_SUFFIX, o->path);
}

/* Reads the file at path, opened with open (the store's checks), in
 * pieces, each given to take; false when it cannot be opened or read
 * whole, or take refuses a piece. */
static bool
read_pieces(const char *path, ag_outstore_open_fn open,
    bool (*take)(void *ctx, const unsigned char *p, size_t n), void *ctx)
{
	struct ag_error e = AG_ERROR_INIT;
	unsigned char chunk[65536];
	ssize_t n;
	int fd;

	if (open(&fd, path, &e) < 0)
		return false;
	while ((n = read(fd, chunk, sizeof(chunk))) > 0 && take(ctx, chunk, (size_t)n))
		;
	close(fd);
	return n == 0;
}

/* Hashes a piece of the file, up to the file's bound. */
struct hashing {
	crypto_generichash_state h;
	size_t total;
};

static bool
hash_piece(void *ctx, const unsigned char *p, size_t n)
{
	struct hashing *hs = ctx;

	if ((hs->total += n) > OUTPUTS_FILE_MAX)
		return false;
	crypto_generichash_update(&hs->h, p, n);
	return true;
}

static bool
buf_piece(void *ctx, const unsigned char *p, size_t n)
{
	return ag_buf_add(ctx, p, n) == 0;
}

/* The BLAKE2b-256 of the file's bytes; false when it cannot be read
 * whole. */
static bool
file_hash(unsigned char fh[FILE_HASH_LEN], const struct ag_outstore *o)
{
	struct hashing hs = {.total = 0};
	bool ok;

	crypto_generichash_init(&hs.h, NULL, 0, FILE_HASH_LEN);
	ok = read_pieces(o->path, o->open, hash_piece, &hs);
	crypto_generichash_final(&hs.h, fh, FILE_HASH_LEN);
	return ok;
}

/* Takes the index when it describes the file whose bytes hash to fh:
 * true with the store indexed (a writer's), false with nothing taken. */
static bool
index_load(struct ag_outstore *o, const unsigned char fh[FILE_HASH_LEN])
{
	struct ag_buf b = AG_BUF_INIT(OUTPUTS_FILE_MAX);
	unsigned char d[DIGEST_LEN];
	char hex[2 * FILE_HASH_LEN + 1], *path = index_path(o), *p, *end = NULL, *nl, *key;
	const char *prev = NULL;
	unsigned long count = 0, n = 0;
	size_t got;
	bool ok;

	sodium_bin2hex(hex, sizeof(hex), fh, FILE_HASH_LEN);
	ok = read_pieces(path, o->open, buf_piece, &b) && ag_buf_addc(&b, '\0') == 0 &&
	     strncmp(b.ptr, INDEX_MAGIC, strlen(INDEX_MAGIC)) == 0;
	p = ok ? b.ptr + strlen(INDEX_MAGIC) : NULL;
	if (ok) {
		end = b.ptr + b.len - 1;
		ok = (size_t)(end - p) > sizeof(hex) && memcmp(p, hex, sizeof(hex) - 1) == 0 &&
		     p[sizeof(hex) - 1] == ' ';
	}
	if (ok) {
		errno = 0;
		count = strtoul(p + sizeof(hex), &nl, 10);
		ok = errno == 0 && nl > p + sizeof(hex) && *nl == '\n';
		p = nl + 1;
	}
	while (ok && p < end) {
		/* DIGEST KEY\n: a key of one line, after the one before */
		nl = memchr(p, '\n', (size_t)(end - p));
		key = p + 2 * DIGEST_LEN + 1;
		ok = nl != NULL && nl > key && p[2 * DIGEST_LEN] == ' ' &&
		     sodium_hex2bin(d, sizeof(d), p, 2 * DIGEST_LEN, NULL, &got, NULL) == 0 &&
		     got == DIGEST_LEN;
		if (!ok)
			break;
		*nl = '\0';
		ok = strlen(key) == (size_t)(nl - key) && (prev == NULL || strcmp(prev, key) < 0) &&
		     ++n <= count && (o->readonly || index_add(o, key, d) == 0);
		prev = key;
		p = nl + 1;
	}
	ok = ok && n == count;
	if (!ok)
		index_clear(o);
	ag_buf_release(&b);
	free(path);
	return ok;
}

/* Writes the index of the store for the file whose bytes hash to fh. A
 * failure is not an error: the next open reads the file the long way. */
static void
index_save(const struct ag_outstore *o, const unsigned char fh[FILE_HASH_LEN])
{
	struct ag_error e = AG_ERROR_INIT;
	struct ag_fs_atomic w;
	char hex[2 * FILE_HASH_LEN + 1], head[sizeof(INDEX_MAGIC) + sizeof(hex) + 32];
	char *path = index_path(o);
	size_t i;
	int rc;

	for (i = 0; i < o->n; i++)
		if (strchr(key_of(o, &o->v[i]), '\n') != NULL)
			break;
	rc = i < o->n ? -1 : ag_fs_atomic_open(&w, path, 0600, &e);
	if (rc == 0) {
		sodium_bin2hex(hex, sizeof(hex), fh, FILE_HASH_LEN);
		snprintf(head, sizeof(head), INDEX_MAGIC "%s %zu\n", hex, o->n);
		rc = ag_fs_atomic_write(&w, head, strlen(head), &e);
		for (i = 0; rc == 0 && i < o->n; i++) {
			const char *k = key_of(o, &o->v[i]);

			sodium_bin2hex(hex, sizeof(hex), o->v[i].digest, DIGEST_LEN);
			hex[2 * DIGEST_LEN] = ' ';
			rc = ag_fs_atomic_write(&w, hex, 2 * DIGEST_LEN + 1, &e);
			if (rc == 0)
				rc = ag_fs_atomic_write(&w, k, strlen(k), &e);
			if (rc == 0)
				rc = ag_fs_atomic_write(&w, "\n", 1, &e);
		}
		if (rc == 0)
			rc = ag_fs_atomic_commit(&w, 0, &e);
		ag_fs_atomic_abort(&w);
	}
	if (rc < 0)
		(void)unlink(path); /* a stale index would only cost a hash */
	free(path);
}

/* Reads and checks the file; a writer's store indexes it. */
static int
load(struct ag_outstore *o, struct ag_error *err)
{
	unsigned char d[DIGEST_LEN], fh[FILE_HASH_LEN];
	struct reader r;
	json_t *tree = NULL;
	int rc;

	/* the file as a writer last checked it: its index says it all */
	if (file_hash(fh, o) && index_load(o, fh))
		return 0;

	rc = reader_open(&r, o, err);
	if (rc == AG_ENOTFOUND) {
		ag_error_clear(err);
		return 0;
	}
	if (rc < 0)
		return rc;
	rc = reader_start(&r, err);
	while (rc == 1 && (rc = reader_next(&r, err)) == 1) {
		if (o->readonly)
			continue;
		record_digest(d, r.rec, &r.scratch);
		if (index_add(o, r.key, d) < 0)
			rc = ag_error_set(err, AG_ETOOBIG, "'%s' is larger than %d bytes", o->path,
			    OUTPUTS_FILE_MAX);
	}
	if (rc == OTHER_FORM) {
		/* not the line form: read whole, rewritten at the next save */
		index_clear(o);
		rc = load_whole(&tree, &r, err);
		if (rc == 0 && !o->readonly)
			rc = index_tree(o, tree, &r.scratch);
		o->legacy = true;
		o->dirty = rc == 0 && json_object_size(tree) > 0;
	} else if (rc == 0 && !o->readonly) {
		/* every byte read and checked in the line form */
		crypto_generichash_final(&r.hash, fh, sizeof(fh));
		index_save(o, fh);
	}
	json_decref(tree);
	reader_close(&r);
	index_trim(o);
	return rc;
}

int
ag_outstore_open(struct ag_outstore **out, const char *path, bool readonly,
    ag_outstore_open_fn open, struct ag_error *err)
{
	struct ag_outstore *o = ag_xcalloc(1, sizeof(*o));
	int rc;

	*out = NULL;
	o->path = ag_xstrdup(path);
	o->readonly = readonly;
	o->open = open;
	ag_buf_init(&o->keys, OUTPUTS_FILE_MAX);
	if ((rc = load(o, err)) < 0) {
		ag_outstore_free(o);
		return rc;
	}
	*out = o;
	return 0;
}

void
ag_outstore_free(struct ag_outstore *o)
{
	if (o == NULL)
		return;
	index_clear(o);
	held_clear(o);
	free(o->path);
	free(o);
}

/* What making records keeps from one to the next: the buffers of the
 * form a digest hashes and of the text, and recorded_at as a JSON string
 * that every record made holds a reference to. */
struct maker {
	struct ag_buf form;
	struct ag_buf text;      /* the last record stamped */
	const char *recorded_at; /* NULL: no text is made */
	json_t *at;              /* NULL too when jansson refuses recorded_at */
};

static void
maker_init(struct maker *m, const char *recorded_at)
{
	ag_buf_init(&m->form, SIZE_MAX / 2);
	ag_buf_init(&m->text, SIZE_MAX / 2);
	m->recorded_at = recorded_at;
	m->at = recorded_at != NULL ? json_string(recorded_at) : NULL;
}

static void
maker_release(struct maker *m)
{
	ag_buf_release(&m->form);
	ag_buf_release(&m->text);
	json_decref(m->at);
	memset(m, 0, sizeof(*m));
}

/* rec (an object) with m's recorded_at set, as its canonical text in
 * m->text. A recorded_at jansson refuses is left out, as json_object_set()
 * leaves it. */
static void
stamp_record(struct maker *m, json_t *rec)
{
	(void)json_object_set_nocheck(rec, "recorded_at", m->at);
	(void)canon_into(&m->text, rec);
}

/* The digest of what the store records for key, or NULL. */
static const unsigned char *
digest_of(const struct ag_outstore *o, const char *key)
{
	const struct held *h = held_find(o, key);
	const struct entry *e;

	if (h != NULL)
		return h->digest;
	e = index_find(o, key);
	return e != NULL ? e->digest : NULL;
}

int
ag_outstore_set(
    struct ag_outstore *o, const char *cluster, const char *json_text, const char *recorded_at)
{
	unsigned char d[DIGEST_LEN];
	const unsigned char *old;
	struct held *h;
	struct maker m;
	json_error_t jerr;
	json_t *rec = json_loads(json_text, 0, &jerr);

	if (!json_is_object(rec)) {
		json_decref(rec);
		return AG_EINVAL;
	}
	maker_init(&m, recorded_at);
	record_digest(d, rec, &m.form);
	/* the same outputs are not rewritten: recorded_at says when they were
	 * last seen to change */
	old = digest_of(o, cluster);
	if (old == NULL || memcmp(old, d, DIGEST_LEN) != 0) {
		if ((h = held_find(o, cluster)) == NULL) {
			AG_GROW(o->held, o->cap_held, o->n_held + 1);
			h = &o->held[o->n_held++];
			h->key = ag_xstrdup(cluster);
		} else {
			free(h->text);
		}
		h->text = NULL;
		if (recorded_at != NULL) {
			stamp_record(&m, rec);
			h->text = ag_buf_detach(&m.text, NULL);
		}
		memcpy(h->digest, d, DIGEST_LEN);
		o->dirty = true;
	}
	json_decref(rec);
	maker_release(&m);
	return 0;
}

char *
ag_outstore_get(const struct ag_outstore *o, const char *cluster)
{
	const struct held *h = held_find(o, cluster);
	struct ag_error e = AG_ERROR_INIT;
	json_t *tree = NULL, *rec;
	struct reader r;
	char *text = NULL;
	int rc;

	if (h != NULL)
		return ag_xstrdup(h->text);
	if (!o->readonly && index_find(o, cluster) == NULL)
		return NULL;
	if (reader_open(&r, o, &e) < 0)
		return NULL;
	rc = reader_start(&r, &e);
	while (rc == 1 && (rc = reader_next(&r, &e)) == 1)
		if (strcmp(r.key, cluster) == 0) {
			text = ag_xstrndup(r.text, r.text_len);
			break;
		}
	if (rc == OTHER_FORM && load_whole(&tree, &r, &e) == 0 &&
	    (rec = json_object_get(tree, cluster)) != NULL)
		text = record_text(rec);
	json_decref(tree);
	reader_close(&r);
	return text;
}

static int
cmp_held(const void *a, const void *b)
{
	return strcmp(((const struct held *)a)->key, ((const struct held *)b)->key);
}

/* What src makes for key: its digest in d and, stamped, its text in
 * m->text. False when src makes nothing (or not an object). */
static bool
src_record(struct maker *m, unsigned char d[DIGEST_LEN], const struct ag_state_outputs *src,
    const char *key)
{
	json_t *made = src->make(src->ctx, key);

	if (!json_is_object(made)) {
		json_decref(made);
		return false;
	}
	record_digest(d, made, &m->form);
	if (m->recorded_at != NULL)
		stamp_record(m, made);
	json_decref(made);
	return true;
}

/* Whether src makes a record that differs from the recorded one. */
static bool
src_changes(const struct ag_outstore *o, const struct ag_state_outputs *src)
{
	struct ag_buf scratch = AG_BUF_INIT(SIZE_MAX / 2);
	unsigned char d[DIGEST_LEN];
	const unsigned char *old;
	bool changed = false;
	size_t i;

	for (i = 0; i < src->n && !changed; i++) {
		const char *k = src->clusters[i];
		json_t *made;

		if (held_find(o, k) != NULL || (made = src->make(src->ctx, k)) == NULL)
			continue;
		/* the tree compared as it is: no text made, none parsed */
		record_digest(d, made, &scratch);
		json_decref(made);
		old = digest_of(o, k);
		changed = old == NULL || memcmp(old, d, DIGEST_LEN) != 0;
	}
	ag_buf_release(&scratch);
	return changed;
}

/* One save: the three sorted inputs merged into the new file and index. */
struct save {
	struct ag_outstore *o;
	struct ag_fs_atomic w;
	struct reader r;         /* the old file, line form */
	json_t *tree;            /* the old file, another form */
	struct ag_outstore next; /* the new index */
	struct maker m;          /* src's records */
	struct ag_buf quoted;    /* the key being written, as JSON */
	size_t written;          /* records */
	size_t bytes;
	crypto_generichash_state hash; /* of every byte written */
};

/* Writes to the new file, and hashes what it writes for its index. */
static int
put(struct save *s, const char *data, size_t len, struct ag_error *err)
{
	crypto_generichash_update(&s->hash, (const unsigned char *)data, len);
	return ag_fs_atomic_write(&s->w, data, len, err);
}

static int
emit(struct save *s, const char *key, const char *rec, size_t len,
    const unsigned char d[DIGEST_LEN], struct ag_error *err)
{
	json_t *k = json_string(key);
	int rc = dump_into(&s->quoted, k, JSON_ENCODE_ANY);

	json_decref(k);
	if (rc != 1 || index_add(&s->next, key, d) < 0)
		return ag_error_set(err, AG_ETOOBIG, "cannot save '%s': it would be over %d bytes",
		    s->o->path, OUTPUTS_FILE_MAX);
	rc = put(s, s->written ? ",\n  " : "\n  ", s->written ? 4 : 3, err);
	if (rc == 0)
		rc = put(s, s->quoted.ptr, s->quoted.len, err);
	if (rc == 0)
		rc = put(s, ": ", 2, err);
	if (rc == 0)
		rc = put(s, rec, len, err);
	s->bytes += s->quoted.len + len + 6;
	s->written++;
	if (rc == 0 && s->bytes > OUTPUTS_FILE_MAX)
		rc = ag_error_set(err, AG_ETOOBIG, "cannot save '%s': it would be over %d bytes",
		    s->o->path, OUTPUTS_FILE_MAX);
	return rc;
}

static int
conflict(const struct ag_outstore *o, struct ag_error *err)
{
	return ag_error_set(err, AG_ECONFLICT,
	    "cannot save '%s': it changed while the state directory was locked", o->path);
}

/* The old record of entry e, which comes next in the old file. */
static int
old_record(struct save *s, const struct entry *e, const char **text, size_t *len, char **own,
    struct ag_error *err)
{
	const char *key = key_of(s->o, e);
	json_t *rec;
	int rc;

	*own = NULL;
	if (s->tree != NULL) {
		if ((rec = json_object_get(s->tree, key)) == NULL)
			return conflict(s->o, err);
		*own = record_text(rec);
		*text = *own;
		*len = strlen(*own);
		return 0;
	}
	if ((rc = reader_next(&s->r, err)) < 0)
		return rc;
	if (rc != 1 || strcmp(s->r.key, key) != 0)
		return conflict(s->o, err);
	*text = s->r.text;
	*len = s->r.text_len;
	return 0;
}

/* Opens the old file for copying its records. */
static int
save_start(struct save *s, struct ag_error *err)
{
	struct ag_outstore *o = s->o;
	int rc;

	if (o->n == 0)
		return 0;
	if ((rc = reader_open(&s->r, o, err)) == AG_ENOTFOUND)
		return conflict(o, err);
	if (rc < 0)
		return rc;
	if (o->legacy)
		return load_whole(&s->tree, &s->r, err);
	if ((rc = reader_start(&s->r, err)) < 0)
		return rc;
	return rc == 1 ? 0 : conflict(o, err);
}

/* The old file must end where its last record was copied. */
static int
save_end(struct save *s, struct ag_error *err)
{
	int rc;

	if (s->o->n == 0 || s->tree != NULL)
		return 0;
	if ((rc = reader_next(&s->r, err)) < 0)
		return rc;
	return rc == 0 ? 0 : conflict(s->o, err);
}

/* Writes the merge of the old records, the held ones and src's, in key
 * order, one record at a time. */
static int
save_merge(struct save *s, const char **ids, size_t n_ids, const struct ag_state_outputs *src,
    struct ag_error *err)
{
	struct ag_outstore *o = s->o;
	size_t i = 0, h = 0, j = 0;
	int rc = 0;

	while (rc == 0 && (i < n_ids || h < o->n_held || j < o->n)) {
		const char *ik = i < n_ids ? ids[i] : NULL;
		const char *hk = h < o->n_held ? o->held[h].key : NULL;
		const char *ok = j < o->n ? key_of(o, &o->v[j]) : NULL;
		const char *k = ik, *text = NULL;
		const struct entry *old = NULL;
		unsigned char d[DIGEST_LEN];
		char *own = NULL;
		bool is_h, is_i;
		size_t len = 0;

		/* the smallest key at the head of the three */
		if (hk != NULL && (k == NULL || strcmp(hk, k) < 0))
			k = hk;
		if (ok != NULL && (k == NULL || strcmp(ok, k) < 0))
			k = ok;
		if (k == NULL)
			break; /* not reached: one of the three has a head */
		is_h = hk != NULL && strcmp(hk, k) == 0;
		is_i = ik != NULL && strcmp(ik, k) == 0;
		if (ok != NULL && strcmp(ok, k) == 0) {
			old = &o->v[j++];
			rc = old_record(s, old, &text, &len, &own, err);
			memcpy(d, old->digest, DIGEST_LEN);
		}
		if (rc == 0 && is_h) {
			text = o->held[h].text;
			len = strlen(text);
			memcpy(d, o->held[h].digest, DIGEST_LEN);
		} else if (rc == 0 && is_i && src_record(&s->m, d, src, k) &&
		           (old == NULL || memcmp(old->digest, d, DIGEST_LEN) != 0)) {
			/* without a recorded_at no record was stamped: none is written */
			text = s->m.recorded_at != NULL ? s->m.text.ptr : NULL;
			len = s->m.text.len;
		}
		if (rc == 0 && text != NULL)
			rc = emit(s, k, text, len, d, err);
		free(own);
		if (is_h)
			h++;
		while (is_i && i < n_ids && ids[i] != NULL && strcmp(ids[i], k) == 0)
			i++; /* duplicates count once */
	}
	return rc;
}

int
ag_outstore_save(struct ag_outstore *o, const struct ag_state_outputs *src, struct ag_error *err)
{
	unsigned char fh[FILE_HASH_LEN];
	struct save s;
	const char **ids = NULL;
	size_t n_ids = 0;
	int rc;

	if (o->readonly || (!o->dirty && (src == NULL || !src_changes(o, src))))
		return 0;
	memset(&s, 0, sizeof(s));
	s.o = o;
	ag_buf_init(&s.next.keys, OUTPUTS_FILE_MAX);
	maker_init(&s.m, src != NULL ? src->recorded_at : NULL);
	ag_buf_init(&s.quoted, SIZE_MAX / 2);
	if (src != NULL && src->n > 0) {
		ids = ag_xcalloc(src->n, sizeof(*ids));
		memcpy(ids, src->clusters, src->n * sizeof(*ids));
		n_ids = src->n;
		qsort(ids, n_ids, sizeof(*ids), cmp_str);
	}
	if (o->n_held > 0)
		qsort(o->held, o->n_held, sizeof(*o->held), cmp_held);
	if ((rc = save_start(&s, err)) < 0)
		goto out;
	if ((rc = ag_fs_atomic_open(&s.w, o->path, 0600, err)) < 0)
		goto out;
	crypto_generichash_init(&s.hash, NULL, 0, FILE_HASH_LEN);
	rc = put(&s, "{", 1, err);
	if (rc == 0)
		rc = save_merge(&s, ids, n_ids, src, err);
	if (rc == 0)
		rc = save_end(&s, err);
	if (rc == 0)
		rc = put(&s, s.written ? "\n}\n" : "}\n", s.written ? 3 : 2, err);
	if (rc == 0)
		rc = ag_fs_atomic_commit(&s.w, 0, err);
	ag_fs_atomic_abort(&s.w);
	if (rc < 0)
		goto out;
	/* the file holds every record now: the new index replaces the old */
	index_clear(o);
	o->keys = s.next.keys;
	o->v = s.next.v;
	o->n = s.next.n;
	o->cap = s.next.cap;
	memset(&s.next, 0, sizeof(s.next));
	index_trim(o);
	held_clear(o);
	o->dirty = false;
	o->legacy = false;
	crypto_generichash_final(&s.hash, fh, sizeof(fh));
	index_save(o, fh);
out:
	index_clear(&s.next);
	maker_release(&s.m);
	ag_buf_release(&s.quoted);
	json_decref(s.tree);
	reader_close(&s.r);
	free(ids);
	return rc;
}
