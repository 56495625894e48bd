/*
 * Reads AwsRdsCluster manifests from YAML.
 *
 * The libyaml event stream of each document is built into a small node
 * tree whose depth, alias count and expanded size are bounded (no "billion
 * laughs"), then walked with descriptor tables: one row per field with its
 * type, its place in the model and an optional value check. Unknown keys
 * get a suggestion computed against the same tables.
 */
#include "core/manifest.h"
#include "core/bug.h"
#include "core/error.h"
#include "core/escape.h"
#include "core/fieldtab.h"
#include "core/alarms.h"
#include "core/arena.h"
#include "core/insights.h"
#include "core/manifest_int.h"
#include "core/mem.h"
#include "core/plan.h"
#include "core/ref.h"
#include "core/suggest.h"

#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "core/compat.h"

/* Nodes per document, counting every alias expansion: bounds the work of
 * walking a document whatever its aliases do. */
#define YN_MAX_WEIGHT 100000

#define AG_INSTANCES_MAX 16 /* a writer and 15 readers */

enum yn_kind {
	YN_SCALAR,
	YN_SEQ,
	YN_MAP,
};

/* A node of a document's tree. Nodes, their texts and their kid arrays
 * live in the reader's arena, which is emptied after each document. */
struct yn {
	const char *val; /* scalar text, NUL-terminated (may hold NULs: see len) */
	size_t len;
	struct yn **kids; /* sequence items; mapping: key, value, key, value ... */
	size_t n;
	size_t weight; /* nodes in the subtree, aliases expanded */
	struct ag_pos pos;
	enum yn_kind kind;
	bool plain; /* plain style and no tag: may be a bool, number or null */
};

struct yanchor {
	const char *name;
	struct yn *node;
};

/*
 * What reading a file needs besides its output, kept from one file to the
 * next so that a directory of manifests costs no allocation per node: the
 * arena of the current document's tree, the kids of its open collections
 * (a collection's kids are gathered here and copied into the arena, in
 * one array of the exact size, when it closes) and its anchors.
 */
/* The keys of spec (the field table's, in its order) with, for each first
 * byte, the first key that starts with it and, for each key, the next one
 * that starts like it: a key is looked up among the few that could match. */
#define KEY_NONE 0xff
_Static_assert(AG_F__COUNT < KEY_NONE, "a key's index fits in a byte");

struct ag_key_index {
	const char *names[AG_F__COUNT];
	unsigned char first[256];
	unsigned char next[AG_F__COUNT];
};

struct ag_manifest_reader {
	struct ag_key_index spec_keys;
	struct ag_arena arena;
	struct yn **pend;
	size_t npend;
	size_t cappend;
	struct yanchor *anchors;
	size_t capanchors;
};

struct ydoc {
	struct ag_manifest_reader *r;
	size_t nanchors;
	struct yn *stack[AG_MANIFEST_MAX_DEPTH];
	size_t stack_first[AG_MANIFEST_MAX_DEPTH]; /* its first kid in r->pend */
	const char *stack_anchor[AG_MANIFEST_MAX_DEPTH];
	size_t depth;
	struct yn *root;
	size_t aliases;
};

static struct ag_pos
mark_pos(const yaml_mark_t *mk)
{
	struct ag_pos p;

	p.line = (unsigned)mk->line + 1;
	p.col = (unsigned)mk->column + 1;
	return p;
}

const char *
ag_mload_show(char *out, size_t n, const char *s)
{
	size_t i, j = 0;

	for (i = 0; s[i] && j + 4 < n && i < 80; i++) {
		unsigned char c = (unsigned char)s[i];

		out[j++] = (c < 0x20 || c == 0x7f) ? '?' : (char)c;
	}
	/* never cut a UTF-8 sequence in two */
	while (s[i] && i > 0 && ((unsigned char)s[i] & 0xc0) == 0x80) {
		i--;
		j--;
	}
	if (s[i] && j + 4 <= n) {
		memcpy(out + j, "...", 3);
		j += 3;
	}
	out[j] = '\0';
	return out;
}

#define SHOWN 128
#define SHOW(buf, s) ag_mload_show((buf), sizeof(buf), (s))

void
ag_mload_error(struct ag_mload *l, struct ag_pos pos, const char *field, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	ag_diags_add(l->diags, AG_DIAG_ERROR, l->file, pos.line ? pos.line : 1,
	    pos.col ? pos.col : 1, NULL, field, "%s", msg);
	l->errors++;
}

/* ---- building the node tree ---------------------------------------- */

/* Built from the last key back, so that each chain runs in table order. */
static void
key_index_init(struct ag_key_index *x)
{
	const struct ag_field_row *rows = ag_fieldtab_rows(&(size_t){0});
	size_t i;

	memset(x->first, KEY_NONE, sizeof(x->first));
	for (i = AG_F__COUNT; i-- > 0;) {
		unsigned char c;

		x->names[i] = ag_fieldtab_key(&rows[i]);
		c = (unsigned char)x->names[i][0];
		x->next[i] = x->first[c];
		x->first[c] = (unsigned char)i;
	}
}

struct ag_manifest_reader *
ag_manifest_reader_new(void)
{
	struct ag_manifest_reader *r = ag_xcalloc(1, sizeof(*r));

	key_index_init(&r->spec_keys);
	return r;
}

void
ag_manifest_reader_free(struct ag_manifest_reader *r)
{
	if (r == NULL)
		return;
	ag_arena_release(&r->arena);
	free(r->pend);
	free(r->anchors);
	free(r);
}

static void
ydoc_init(struct ydoc *d, struct ag_manifest_reader *r)
{
	memset(d, 0, sizeof(*d));
	d->r = r;
	r->npend = 0;
}

/* Everything of the document goes at once; the reader keeps its memory. */
static void
ydoc_release(struct ydoc *d)
{
	ag_arena_reset(&d->r->arena);
	d->r->npend = 0;
	memset(d, 0, sizeof(*d));
}

/* A node, with room for text bytes right behind it (a scalar's value and
 * its terminating NUL: one block of the arena instead of two). */
static struct yn *
yn_new(struct ydoc *d, enum yn_kind kind, const yaml_mark_t *mk, size_t text)
{
	struct yn *n = ag_arena_alloc(&d->r->arena, sizeof(*n) + text, _Alignof(struct yn));

	memset(n, 0, sizeof(*n));
	n->kind = kind;
	n->pos = mark_pos(mk);
	n->weight = 1;
	return n;
}

/* Hangs a finished node (or the target of an alias) under the open
 * collection, or makes it the root. */
static int
attach(struct ag_mload *l, struct ydoc *d, struct yn *n, struct ag_pos pos)
{
	struct ag_manifest_reader *r = d->r;
	struct yn *p;

	if (d->depth == 0) {
		d->root = n;
		return 0;
	}
	p = d->stack[d->depth - 1];
	if (r->npend == r->cappend) /* the list is kept from file to file: rarely grows */
		AG_GROW(r->pend, r->cappend, r->npend + 1);
	r->pend[r->npend++] = n;
	p->weight += n->weight;
	if (p->weight > YN_MAX_WEIGHT) {
		ag_mload_error(l, pos, NULL,
		    "document is too large: more than %d nodes once aliases are expanded",
		    YN_MAX_WEIGHT);
		return -1;
	}
	return 0;
}

/* The innermost open collection is complete: its kids move from the
 * pending list into an array of its own. */
static struct yn *
close_collection(struct ydoc *d)
{
	struct ag_manifest_reader *r = d->r;
	struct yn *n = d->stack[--d->depth];
	size_t first = d->stack_first[d->depth];

	n->n = r->npend - first;
	n->kids = ag_arena_alloc(&r->arena, n->n * sizeof(*n->kids), _Alignof(struct yn *));
	if (n->n > 0)
		memcpy(n->kids, r->pend + first, n->n * sizeof(*n->kids));
	r->npend = first;
	return n;
}

static void
anchor_add(struct ydoc *d, const char *name, struct yn *n)
{
	struct ag_manifest_reader *r = d->r;

	AG_GROW(r->anchors, r->capanchors, d->nanchors + 1);
	r->anchors[d->nanchors].name = name;
	r->anchors[d->nanchors].node = n;
	d->nanchors++;
}

static struct yn *
anchor_find(const struct ydoc *d, const char *name)
{
	size_t i;

	for (i = d->nanchors; i > 0; i--)
		if (strcmp(d->r->anchors[i - 1].name, name) == 0)
			return d->r->anchors[i - 1].node;
	return NULL;
}

static void
syntax_error(struct ag_mload *l, const yaml_parser_t *p)
{
	struct ag_pos pos = mark_pos(&p->problem_mark);
	const char *problem = p->problem ? p->problem : "unknown error";

	if (p->error == YAML_READER_ERROR)
		ag_mload_error(
		    l, pos, NULL, "invalid YAML: %s at byte %zu", problem, p->problem_offset);
	else if (p->context)
		ag_mload_error(l, pos, NULL, "invalid YAML: %s %s at line %zu", problem, p->context,
		    p->context_mark.line + 1);
	else
		ag_mload_error(l, pos, NULL, "invalid YAML: %s", problem);
}

/* Reads the events of one document (after its DOCUMENT-START) into d.
 * Returns 0, or -1 after reporting a syntax error or a passed bound. */
static int
build_doc(struct ag_mload *l, struct ydoc *d, yaml_parser_t *p)
{
	yaml_event_t ev;
	struct yn *n;
	char name[SHOWN];
	int rc = 0, done = 0;

	while (!done && rc == 0) {
		if (!yaml_parser_parse(p, &ev)) {
			syntax_error(l, p);
			return -1;
		}
		switch (ev.type) {
		case YAML_DOCUMENT_END_EVENT:
		case YAML_STREAM_END_EVENT:
			done = 1;
			break;
		case YAML_SCALAR_EVENT:
			/* the length is bounded by the file's (AG_MANIFEST_MAX_BYTES) */
			n = yn_new(d, YN_SCALAR, &ev.start_mark, ev.data.scalar.length + 1);
			n->len = ev.data.scalar.length;
			memcpy(n + 1, ev.data.scalar.value, n->len);
			((char *)(n + 1))[n->len] = '\0';
			n->val = (const char *)(n + 1);
			n->plain = ev.data.scalar.style == YAML_PLAIN_SCALAR_STYLE &&
			           ev.data.scalar.tag == NULL;
			if (ev.data.scalar.anchor)
				anchor_add(d,
				    ag_arena_strdup(
				        &d->r->arena, (const char *)ev.data.scalar.anchor),
				    n);
			rc = attach(l, d, n, n->pos);
			break;
		case YAML_SEQUENCE_START_EVENT:
		case YAML_MAPPING_START_EVENT:
			if (d->depth == AG_MANIFEST_MAX_DEPTH) {
				ag_mload_error(l, mark_pos(&ev.start_mark), NULL,
				    "nesting is deeper than %d levels", AG_MANIFEST_MAX_DEPTH);
				rc = -1;
				break;
			}
			n = yn_new(d, ev.type == YAML_SEQUENCE_START_EVENT ? YN_SEQ : YN_MAP,
			    &ev.start_mark, 0);
			d->stack_anchor[d->depth] = ag_arena_strdup(
			    &d->r->arena, (const char *)(ev.type == YAML_SEQUENCE_START_EVENT
			                                     ? ev.data.sequence_start.anchor
			                                     : ev.data.mapping_start.anchor));
			d->stack_first[d->depth] = d->r->npend;
			d->stack[d->depth++] = n;
			break;
		case YAML_SEQUENCE_END_EVENT:
		case YAML_MAPPING_END_EVENT:
			if (d->depth == 0)
				break;
			n = close_collection(d);
			if (d->stack_anchor[d->depth])
				anchor_add(d, d->stack_anchor[d->depth], n);
			d->stack_anchor[d->depth] = NULL;
			rc = attach(l, d, n, n->pos);
			break;
		case YAML_ALIAS_EVENT:
			n = anchor_find(d, (const char *)ev.data.alias.anchor);
			if (n == NULL) {
				ag_mload_error(l, mark_pos(&ev.start_mark), NULL,
				    "alias '*%s' refers to no anchor defined before it",
				    SHOW(name, (const char *)ev.data.alias.anchor));
				rc = -1;
				break;
			}
			if (++d->aliases > AG_MANIFEST_MAX_ALIASES) {
				ag_mload_error(l, mark_pos(&ev.start_mark), NULL,
				    "too many aliases: more than %d in one document",
				    AG_MANIFEST_MAX_ALIASES);
				rc = -1;
				break;
			}
			rc = attach(l, d, n, mark_pos(&ev.start_mark));
			break;
		default:
			break;
		}
		yaml_event_delete(&ev);
	}
	return rc;
}

/* ---- scalar conversions -------------------------------------------- */

static const char *
kind_name(const struct yn *n)
{
	switch (n->kind) {
	case YN_SEQ:
		return "a list";
	case YN_MAP:
		return "a mapping";
	default:
		return "a scalar";
	}
}

/* The texts are compared as strcmp() compares them (up to a NUL); the first
 * byte rules out most values before any comparison. */
static bool
is_null(const struct yn *n)
{
	if (n->kind != YN_SCALAR || !n->plain)
		return false;
	if (n->len == 0)
		return true;
	switch (n->val[0]) {
	case '~':
		return n->val[1] == '\0';
	case 'n':
	case 'N':
		return strcmp(n->val, "null") == 0 || strcmp(n->val, "Null") == 0 ||
		       strcmp(n->val, "NULL") == 0;
	default:
		return false;
	}
}

/* The string value of a scalar. Numbers and other plain scalars are taken
 * as their source text ("14.6" stays "14.6"). */
static int
get_str(struct ag_mload *l, const struct yn *v, const char *path, char **out)
{
	if (v->kind != YN_SCALAR) {
		ag_mload_error(
		    l, v->pos, path, "%s: expected a string, got %s", path, kind_name(v));
		return -1;
	}
	if (memchr(v->val, '\0', v->len) != NULL) {
		ag_mload_error(l, v->pos, path, "%s: the value contains a NUL character", path);
		return -1;
	}
	free(*out);
	*out = ag_xstrndup(v->val, v->len);
	return 0;
}

static int
get_bool(struct ag_mload *l, const struct yn *v, const char *path, bool *out)
{
	char shown[SHOWN];

	if (v->kind == YN_SCALAR && v->plain) {
		if ((v->val[0] == 't' || v->val[0] == 'T') &&
		    (!strcmp(v->val, "true") || !strcmp(v->val, "True") ||
		        !strcmp(v->val, "TRUE"))) {
			*out = true;
			return 0;
		}
		if ((v->val[0] == 'f' || v->val[0] == 'F') &&
		    (!strcmp(v->val, "false") || !strcmp(v->val, "False") ||
		        !strcmp(v->val, "FALSE"))) {
			*out = false;
			return 0;
		}
	}
	if (v->kind != YN_SCALAR)
		ag_mload_error(l, v->pos, path, "%s: expected a boolean (true or false), got %s",
		    path, kind_name(v));
	else
		ag_mload_error(l, v->pos, path,
		    "%s: expected a boolean (true or false), got %s'%s'", path,
		    v->plain ? "" : "the quoted string ", SHOW(shown, v->val));
	return -1;
}

/* A decimal integer within [min, max], parsed without atoi or sscanf. */
static int
get_int(struct ag_mload *l, const struct yn *v, const char *path, long min, long max, long *out)
{
	char shown[SHOWN];
	const char *s;
	long long x = 0;
	int neg = 0, digits = 0, toolong = 0;

	if (v->kind != YN_SCALAR || !v->plain)
		goto bad;
	s = v->val;
	if (*s == '-' || *s == '+')
		neg = *s++ == '-';
	for (; *s >= '0' && *s <= '9'; s++, digits++) {
		if (digits >= 15)
			toolong = 1;
		else
			x = x * 10 + (*s - '0');
	}
	if (digits == 0 || *s != '\0')
		goto bad;
	if (neg)
		x = -x;
	if (toolong || x < min || x > max) {
		ag_mload_error(l, v->pos, path, "%s: %s is out of range (%ld..%ld)", path,
		    SHOW(shown, v->val), min, max);
		return -1;
	}
	*out = (long)x;
	return 0;
bad:
	if (v->kind != YN_SCALAR)
		ag_mload_error(
		    l, v->pos, path, "%s: expected an integer, got %s", path, kind_name(v));
	else
		ag_mload_error(l, v->pos, path, "%s: expected an integer, got %s'%s'", path,
		    v->plain ? "" : "the quoted string ", SHOW(shown, v->val));
	return -1;
}

static int
get_double(struct ag_mload *l, const struct yn *v, const char *path, double *out)
{
	char shown[SHOWN], *end = NULL;
	size_t i;
	double x;

	if (v->kind != YN_SCALAR || !v->plain || v->len == 0 || v->len > 32)
		goto bad;
	for (i = 0; i < v->len; i++)
		if (!strchr("0123456789.eE+-", v->val[i]))
			goto bad;
	x = strtod(v->val, &end);
	if (end != v->val + v->len || !isfinite(x))
		goto bad;
	*out = x;
	return 0;
bad:
	if (v->kind != YN_SCALAR)
		ag_mload_error(
		    l, v->pos, path, "%s: expected a number, got %s", path, kind_name(v));
	else
		ag_mload_error(l, v->pos, path, "%s: expected a number, got %s'%s'", path,
		    v->plain ? "" : "the quoted string ", SHOW(shown, v->val));
	return -1;
}

/* ---- mappings ------------------------------------------------------ */

struct keyref {
	const struct yn *key;
	size_t idx;
};

static int
cmp_keyref(const void *a, const void *b)
{
	const struct keyref *x = a, *y = b;
	size_t n = x->key->len < y->key->len ? x->key->len : y->key->len;
	int c = memcmp(x->key->val, y->key->val, n);

	if (c)
		return c;
	if (x->key->len != y->key->len)
		return x->key->len < y->key->len ? -1 : 1;
	return x->idx < y->idx ? -1 : (x->idx > y->idx);
}

/*
 * Checks that n is a mapping whose keys are strings without duplicates.
 * Problems are reported; returns false only when n is not a mapping.
 * Callers skip keys that are not scalars.
 */
#define SMALL_MAP 16 /* keys compared pairwise; more are sorted */

/* Whether two of the nk keys in v are the same text. */
static bool
has_dup_key(const struct keyref *v, size_t nk)
{
	size_t i, j;

	for (i = 1; i < nk; i++)
		for (j = 0; j < i; j++)
			if (v[i].key->len == v[j].key->len &&
			    memcmp(v[i].key->val, v[j].key->val, v[i].key->len) == 0)
				return true;
	return false;
}

static bool
check_map(struct ag_mload *l, const struct yn *n, const char *path)
{
	struct keyref small[SMALL_MAP], *v;
	char shown[SHOWN];
	size_t i, nk = 0;

	if (n->kind != YN_MAP) {
		ag_mload_error(
		    l, n->pos, path, "%s: expected a mapping, got %s", path, kind_name(n));
		return false;
	}
	v = n->n / 2 <= SMALL_MAP ? small : ag_xcalloc(n->n / 2 + 1, sizeof(*v));
	for (i = 0; i + 1 < n->n; i += 2) {
		if (n->kids[i]->kind != YN_SCALAR) {
			ag_mload_error(l, n->kids[i]->pos, path,
			    "%s: mapping keys must be strings, got %s", path,
			    kind_name(n->kids[i]));
			continue;
		}
		v[nk].key = n->kids[i];
		v[nk].idx = i;
		nk++;
	}
	/* a small map without a repeated key needs no sort: nothing to report */
	if (v == small && !has_dup_key(v, nk))
		return true;
	qsort(v, nk, sizeof(*v), cmp_keyref);
	for (i = 1; i < nk; i++)
		if (cmp_keyref(&(struct keyref){v[i - 1].key, 0}, &(struct keyref){v[i].key, 0}) ==
		    0)
			ag_mload_error(l, v[i].key->pos, path,
			    "duplicate key '%s' (first at line %u)", SHOW(shown, v[i].key->val),
			    v[i - 1].key->pos.line);
	if (v != small)
		free(v);
	return true;
}

static void
unknown_field(
    struct ag_mload *l, const struct yn *k, const char *parent, const char *const *names, size_t n)
{
	char shown[SHOWN], field[512];
	const char *s = ag_suggest(k->val, names, n);

	snprintf(field, sizeof(field), "%s%s%s", parent ? parent : "", parent ? "." : "",
	    SHOW(shown, k->val));
	if (s)
		ag_mload_error(
		    l, k->pos, field, "unknown field '%s' (did you mean '%s'?)", shown, s);
	else
		ag_mload_error(l, k->pos, field, "unknown field '%s'", shown);
}

static bool
key_is(const char *name, const struct yn *k)
{
	return strlen(name) == k->len && memcmp(name, k->val, k->len) == 0;
}

/* Index of key k in names, or -1. The first byte sorts out most names
 * before their length is taken (k->val is terminated, so val[0] is there). */
static int
lookup(const struct yn *k, const char *const *names, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (names[i][0] == k->val[0] && key_is(names[i], k))
			return (int)i;
	return -1;
}

/* The same over an index: the first match in table order, or -1. */
static int
lookup_indexed(const struct yn *k, const struct ag_key_index *x)
{
	unsigned i;

	for (i = x->first[(unsigned char)k->val[0]]; i != KEY_NONE; i = x->next[i])
		if (key_is(x->names[i], k))
			return (int)i;
	return -1;
}

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/*
 * The walk over the keys of a mapping that every loader of a mapping
 * shares; each loader states only what a key does:
 *
 *	for (walk_init(&w, v, path, names, NELEM(names), true); walk_next(l, &w);)
 *		switch (w.idx) ...
 *
 * walk_next() stops at each key found in names with w.idx, w.k (the key),
 * w.v (its value) and w.sub ("path.name", or "name" when path is NULL). It
 * reports an unknown key at its position, with a suggestion, and counts it
 * in w.unknown; it passes over keys that are not strings (check_map reports
 * them), counting them in w.not_string, and, when skip_null is set, keys
 * whose value is null.
 */
struct walk {
	const struct yn *map;
	const char *path;
	const char *const *names;
	size_t n_names, next;
	bool skip_null;
	bool no_sub;                      /* the caller names its paths itself: sub stays empty */
	const struct ag_key_index *index; /* of names, or NULL */
	int idx;
	const struct yn *k, *v;
	char sub[256];
	size_t sub_prefix; /* bytes of "path." in sub, SIZE_MAX before the first key */
	unsigned unknown, not_string;
};

static void
walk_init(struct walk *w, const struct yn *map, const char *path, const char *const *names,
    size_t n_names, bool skip_null)
{
	memset(w, 0, sizeof(*w));
	w->map = map;
	w->path = path;
	w->names = names;
	w->n_names = n_names;
	w->skip_null = skip_null;
	w->idx = -1;
	w->sub_prefix = SIZE_MAX;
}

/* check_map() then walk_init(): false when map is not a mapping (reported). */
static bool
walk_begin(struct ag_mload *l, struct walk *w, const struct yn *map, const char *path,
    const char *const *names, size_t n_names, bool skip_null)
{
	walk_init(w, map, path, names, n_names, skip_null);
	return check_map(l, map, path);
}

/* "parent.name" (or "name" without a parent) into out (n > 0 bytes), cut
 * as snprintf would cut it: walk_next runs it for every key it returns.
 * The texts are short: copied byte by byte. "parent." is written once,
 * the first time, and its length kept in *prefix (SIZE_MAX until then). */
static void
join_path(char *out, size_t n, size_t *prefix, const char *parent, const char *name)
{
	size_t at = 0;

	if (*prefix == SIZE_MAX) {
		if (parent != NULL) {
			while (*parent != '\0' && at < n - 1)
				out[at++] = *parent++;
			if (at < n - 1)
				out[at++] = '.';
		}
		*prefix = at;
	}
	at = *prefix;
	while (*name != '\0' && at < n - 1)
		out[at++] = *name++;
	out[at] = '\0';
}

/* "path[i]" into out (n > 0 bytes), cut as snprintf would cut it: the
 * loaders name every item of a list so. */
static void
item_path(char *out, size_t n, const char *path, size_t i)
{
	char digits[24];
	size_t nd = 0, at = 0;

	do {
		digits[nd++] = (char)('0' + i % 10);
		i /= 10;
	} while (i != 0);
	while (*path != '\0' && at < n - 1)
		out[at++] = *path++;
	if (at < n - 1)
		out[at++] = '[';
	while (nd > 0 && at < n - 1)
		out[at++] = digits[--nd];
	if (at < n - 1)
		out[at++] = ']';
	out[at] = '\0';
}

static bool
walk_next(struct ag_mload *l, struct walk *w)
{
	while (w->map->kind == YN_MAP && w->next + 1 < w->map->n) {
		w->k = w->map->kids[w->next];
		w->v = w->map->kids[w->next + 1];
		w->next += 2;
		if (w->k->kind != YN_SCALAR) {
			w->not_string++;
			continue;
		}
		w->idx = w->index != NULL ? lookup_indexed(w->k, w->index)
		                          : lookup(w->k, w->names, w->n_names);
		if (w->idx < 0) {
			unknown_field(l, w->k, w->path, w->names, w->n_names);
			w->unknown++;
			continue;
		}
		if (w->skip_null && is_null(w->v))
			continue;
		if (!w->no_sub)
			join_path(
			    w->sub, sizeof(w->sub), &w->sub_prefix, w->path, w->names[w->idx]);
		return true;
	}
	return false;
}

/* ---- lists and references ------------------------------------------ */

struct item {
	const char *s;
	struct ag_pos pos;
	size_t idx;
};

static int
cmp_item(const void *a, const void *b)
{
	const struct item *x = a, *y = b;
	int c = strcmp(x->s, y->s);

	if (c)
		return c;
	return x->idx < y->idx ? -1 : (x->idx > y->idx);
}

/* Sorts v (n items) and returns the next item that repeats an earlier one,
 * starting after *i; NULL when there is none. */
static const struct item *
next_dup(struct item *v, size_t n, size_t *i)
{
	if (*i == 0)
		qsort(v, n, sizeof(*v), cmp_item);
	for ((*i)++; *i < n; (*i)++)
		if (strcmp(v[*i - 1].s, v[*i].s) == 0)
			return &v[*i];
	return NULL;
}

/*
 * {valueFrom: {kind, name, fieldPath, env}}: recorded in the manifest
 * (core/ref.h) with a placeholder in the field; resolved by the cycle.
 */
static int
get_value_from(struct ag_mload *l, const struct yn *v, const char *path,
    const struct ag_field_row *row, long index, char **out)
{
	static const char *const names[] = {"kind", "name", "fieldPath", "env"};
	char *got[4] = {NULL, NULL, NULL, NULL};
	struct ag_pos kpos[4];
	char why[512];
	struct walk w;
	size_t i;
	int rc = 0;

	if (!walk_begin(l, &w, v, path, names, NELEM(names), false))
		return -1;
	while (walk_next(l, &w)) {
		kpos[w.idx] = w.v->pos;
		free(got[w.idx]);
		got[w.idx] = NULL;
		if (is_null(w.v) || get_str(l, w.v, w.sub, &got[w.idx]) < 0 ||
		    got[w.idx][0] == '\0') {
			if (is_null(w.v) || (got[w.idx] != NULL && got[w.idx][0] == '\0'))
				ag_mload_error(l, w.v->pos, w.sub, "%s: the value is empty", w.sub);
			rc = -1;
		}
	}
	if (w.unknown || w.not_string)
		rc = -1;
	for (i = 0; i < 2; i++)
		if (got[i] == NULL && rc == 0) {
			ag_mload_error(
			    l, v->pos, path, "%s: missing required field '%s'", path, names[i]);
			rc = -1;
		}
	if (rc == 0 && ag_ref_check(why, sizeof(why), row->ref_kinds, got[0], got[2]) != NULL) {
		ag_mload_error(l,
		    got[2] != NULL && strstr(why, "fieldPath") == why ? kpos[2] : kpos[0], path,
		    "%s: %s", path, why);
		rc = -1;
	}
	if (rc == 0) {
		struct ag_ref *r;

		l->m->refs = ag_xrealloc(l->m->refs, (l->m->n_refs + 1) * sizeof(*l->m->refs));
		r = &l->m->refs[l->m->n_refs++];
		memset(r, 0, sizeof(*r));
		r->field = row->field;
		r->index = index;
		r->kind = got[0];
		r->name = got[1];
		r->field_path = got[2];
		r->env = got[3];
		r->env_pos = kpos[3];
		r->pos = v->pos;
		got[0] = got[1] = got[2] = got[3] = NULL;
		free(*out); /* a key given twice: the last one counts, as in get_str() */
		*out = ag_ref_placeholder(r->kind, r->name);
	}
	for (i = 0; i < 4; i++)
		free(got[i]);
	return rc;
}

/* A StringValueOrRef: a bare scalar, {value: "..."} or {valueFrom: {...}}
 * (row: the field; index: the list item, -1 for a scalar field). */
static int
get_ref(struct ag_mload *l, const struct yn *v, const char *path, const struct ag_field_row *row,
    long index, char **out)
{
	static const char *const names[] = {"value", "valueFrom"};
	struct walk w;
	int found = 0, rc = 0;

	if (v->kind == YN_SCALAR)
		return get_str(l, v, path, out);
	if (v->kind == YN_SEQ) {
		ag_mload_error(l, v->pos, path,
		    "%s: expected a string, {value: ...} or {valueFrom: ...}, got a list", path);
		return -1;
	}
	check_map(l, v, path);
	for (walk_init(&w, v, path, names, NELEM(names), false); walk_next(l, &w);) {
		const struct yn *k = w.k, *x = w.v;
		const char *sub = w.sub;

		if (found) {
			ag_mload_error(
			    l, k->pos, path, "%s: give either value or valueFrom, not both", path);
			rc = -1;
			continue;
		}
		found = 1;
		if (w.idx == 1) {
			if (is_null(x)) {
				ag_mload_error(l, x->pos, sub, "%s: the value is empty", sub);
				rc = -1;
			} else if (get_value_from(l, x, sub, row, index, out) < 0) {
				rc = -1;
			} else {
				/* the position of the reference is its valueFrom key */
				l->m->refs[l->m->n_refs - 1].pos = k->pos;
			}
			continue;
		}
		if (is_null(x) || get_str(l, x, sub, out) < 0)
			rc = -1;
		if (is_null(x))
			ag_mload_error(l, x->pos, sub, "%s: the value is empty", sub);
	}
	if (w.unknown)
		rc = -1;
	if (!found) {
		ag_mload_error(
		    l, v->pos, path, "%s: expected {value: ...} or {valueFrom: ...}", path);
		rc = -1;
	}
	return rc;
}

/* Runs a row's validation on a loaded value (core/fieldtab.h). */
static void
check_value(struct ag_mload *l, const struct yn *v, const char *path, ag_field_check_fn check,
    const char *s)
{
	char why[512];

	/* a reference is checked once it is resolved (ag_manifest_apply_refs) */
	if (check != NULL && s != NULL && !ag_ref_is_placeholder(s) && !check(why, sizeof(why), s))
		ag_mload_error(l, v->pos, path, "%s: %s", path, why);
}

/* A list of strings (refs when ref is set), each non-empty and unique. */
static void
get_list(struct ag_mload *l, const struct yn *v, const char *path, const struct ag_field_row *ref,
    struct ag_strlist *out, ag_field_check_fn check)
{
	char item[256], shown[SHOWN];
	struct item *items;
	const struct item *dup;
	char *s = NULL;
	size_t i, n = 0;

	ag_strlist_release(out);
	if (v->kind != YN_SEQ) {
		ag_mload_error(l, v->pos, path, "%s: expected a list, got %s", path, kind_name(v));
		return;
	}
	items = ag_xcalloc(v->n + 1, sizeof(*items));
	for (i = 0; i < v->n; i++) {
		const struct yn *x = v->kids[i];

		item_path(item, sizeof(item), path, i);
		if (is_null(x)) {
			ag_mload_error(l, x->pos, path, "%s: empty item", item);
			continue;
		}
		if ((ref ? get_ref(l, x, item, ref, (long)out->n, &s) : get_str(l, x, item, &s)) <
		    0) {
			free(s); /* get_ref may have set it before failing */
			s = NULL;
			continue;
		}
		if (s[0] == '\0') {
			ag_mload_error(l, x->pos, path, "%s: empty item", item);
		} else {
			check_value(l, x, path, check, s);
			ag_strlist_add(out, s);
			items[n].pos = x->pos;
			items[n].idx = n;
			n++;
		}
		free(s);
		s = NULL;
	}
	for (i = 0; i < n; i++)
		items[i].s = out->v[i];
	i = 0;
	while ((dup = next_dup(items, n, &i)) != NULL)
		ag_mload_error(
		    l, dup->pos, path, "%s: '%s' is listed twice", path, SHOW(shown, dup->s));
	free(items);
}

/* ---- value checks used by the tables ------------------------------- */

static void
check_enum(struct ag_mload *l, const struct yn *v, const char *path, const char *s,
    const char *const *allowed, size_t n, const char *what)
{
	char shown[SHOWN], list[256] = "";
	const char *sug;
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(s, allowed[i]) == 0)
			return;
	for (i = 0; i < n; i++) {
		if (allowed[i][0] == '\0')
			continue;
		snprintf(list + strlen(list), sizeof(list) - strlen(list), "%s%s",
		    list[0] ? ", " : "", allowed[i]);
	}
	sug = ag_suggest(s, allowed, n);
	if (sug)
		ag_mload_error(l, v->pos, path, "%s: %s '%s' is not supported (did you mean '%s'?)",
		    path, what, SHOW(shown, s), sug);
	else
		ag_mload_error(l, v->pos, path, "%s: %s '%s' is not supported (one of: %s)", path,
		    what, SHOW(shown, s), list);
}

/* ---- spec ---------------------------------------------------------- */

static bool
step_ok(double x)
{
	return floor(x * 2) == x * 2;
}

static void
load_scaling(struct ag_mload *l, const struct yn *k, const struct yn *v)
{
	static const char *const names[] = {"minCapacity", "maxCapacity", "secondsUntilAutoPause"};
	const char *path = "spec.serverlessV2Scaling";
	struct ag_cluster_spec *c = &l->m->spec;
	struct ag_pos minpos = k->pos, maxpos = k->pos, pausepos = k->pos;
	double x;
	long secs;
	bool have_min = false;
	struct walk w;

	c->has_serverless_v2 = true;
	c->serverless_v2_min_capacity = 0;
	c->serverless_v2_max_capacity = 0;
	c->serverless_v2_seconds_until_auto_pause = 0;
	if (!walk_begin(l, &w, v, path, names, NELEM(names), true))
		return;
	while (walk_next(l, &w)) {
		if (w.idx == 2) {
			/* AWS: "Specify a value between 300 seconds (five minutes)
			 * and 86,400 seconds (one day)" */
			if (get_int(l, w.v, w.sub, 300, 86400, &secs) == 0)
				c->serverless_v2_seconds_until_auto_pause = (int)secs;
			pausepos = w.v->pos;
			continue;
		}
		if (get_double(l, w.v, w.sub, &x) < 0)
			return;
		if (w.idx == 0) {
			c->serverless_v2_min_capacity = x;
			minpos = w.v->pos;
			have_min = true;
		} else {
			c->serverless_v2_max_capacity = x;
			maxpos = w.v->pos;
		}
	}
	x = c->serverless_v2_min_capacity;
	if (!have_min)
		ag_mload_error(l, minpos, "spec.serverlessV2Scaling.minCapacity",
		    "spec.serverlessV2Scaling.minCapacity is required when serverlessV2Scaling is "
		    "set (0 lets the cluster pause, 0.5 or more keeps it running)");
	else if (x < 0 || x > 256 || !step_ok(x))
		ag_mload_error(l, minpos, "spec.serverlessV2Scaling.minCapacity",
		    "spec.serverlessV2Scaling.minCapacity must be 0 (scale to zero) or 0.5 to 256 "
		    "in "
		    "steps of 0.5, got %g",
		    x);
	else if (x > 0 && c->serverless_v2_seconds_until_auto_pause > 0)
		ag_mload_error(l, pausepos, "spec.serverlessV2Scaling.secondsUntilAutoPause",
		    "spec.serverlessV2Scaling.secondsUntilAutoPause applies only with minCapacity: "
		    "0 "
		    "(AWS pauses only instances whose minimum capacity is 0 ACUs), got minCapacity "
		    "%g",
		    x);
	x = c->serverless_v2_max_capacity;
	if (x != 0 && x < c->serverless_v2_min_capacity)
		ag_mload_error(l, maxpos, "spec.serverlessV2Scaling.maxCapacity",
		    "spec.serverlessV2Scaling.maxCapacity (%g) must be 0 (unset) or at least "
		    "minCapacity (%g)",
		    x, c->serverless_v2_min_capacity);
	else if (x != 0 && (x > 256 || !step_ok(x)))
		ag_mload_error(l, maxpos, "spec.serverlessV2Scaling.maxCapacity",
		    "spec.serverlessV2Scaling.maxCapacity must be a multiple of 0.5 up to 256, got "
		    "%g",
		    x);
}

/* An alias KMS accepts: "alias/" then 1..250 of [A-Za-z0-9/_-]; the
 * "alias/aws/" names belong to AWS managed keys. */
static const char *
kms_alias_problem(const char *s)
{
	size_t n = strlen(s), i;

	if (strncmp(s, "alias/", 6) != 0)
		return "must start with 'alias/' (e.g. alias/orders-db)";
	if (n == 6 || n > 256)
		return "must be 'alias/' and 1 to 250 characters";
	if (strncmp(s, "alias/aws/", 10) == 0 || strcmp(s, "alias/aws") == 0)
		return "'alias/aws/' names are reserved for AWS managed keys";
	for (i = 6; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && !strchr("/_-", s[i]))
			return "may contain only letters, digits, '/', '_' and '-'";
	return NULL;
}

static void
load_kms_key(struct ag_mload *l, const struct yn *k, const struct yn *v)
{
	static const char *const names[] = {"create", "rotation", "alias"};
	const char *path = "spec.kmsKey";
	struct ag_kms_key_spec *c = ag_kms_key_spec_make(&l->m->spec.opt_kms_key);
	bool have_create = false;
	char shown[SHOWN];
	const char *why;
	struct walk w;

	c->pos = k->pos;
	c->rotation = true; /* like the bundles: rotation on unless written off */
	if (!walk_begin(l, &w, v, path, names, NELEM(names), true))
		return;
	while (walk_next(l, &w)) {
		if (w.idx == 0) {
			if (get_bool(l, w.v, w.sub, &c->create) == 0) {
				have_create = true;
				if (!c->create)
					ag_mload_error(l, w.v->pos, w.sub,
					    "%s: must be true (the agent makes the key); to use a "
					    "key "
					    "that exists, write spec.kmsKeyId instead of "
					    "spec.kmsKey",
					    w.sub);
			}
		} else if (w.idx == 1) {
			c->rotation_pos = w.v->pos;
			(void)get_bool(l, w.v, w.sub, &c->rotation);
		} else if (get_str(l, w.v, w.sub, &c->alias) == 0) {
			c->alias_pos = w.v->pos;
			if ((why = kms_alias_problem(c->alias)) != NULL)
				ag_mload_error(l, w.v->pos, w.sub, "%s: '%s': %s", w.sub,
				    SHOW(shown, c->alias), why);
		}
	}
	if (!have_create)
		ag_mload_error(l, k->pos, "spec.kmsKey.create",
		    "spec.kmsKey: 'create: true' is required (the key is made by the agent)");
}

static void
load_autoscaling(struct ag_mload *l, const struct yn *k, const struct yn *v)
{
	static const char *const names[] = {"enabled", "minReaders", "maxReaders", "metric",
	    "targetValue", "scaleInCooldown", "scaleOutCooldown", "disableScaleIn"};
	static const char *const metrics[] = {
	    "RDSReaderAverageCPUUtilization", "RDSReaderAverageDatabaseConnections"};
	const char *path = "spec.autoscaling";
	struct ag_autoscaling_spec *c = ag_autoscaling_spec_make(&l->m->spec.opt_autoscaling);
	struct ag_pos maxpos = k->pos, tpos = k->pos;
	bool have_max = false, have_target = false;
	long x;
	struct walk w;

	c->pos = k->pos;
	c->enabled = true;
	c->scale_in_cooldown = -1;
	c->scale_out_cooldown = -1;
	if (!walk_begin(l, &w, v, path, names, NELEM(names), true))
		return;
	while (walk_next(l, &w)) {
		switch (w.idx) {
		case 0:
			(void)get_bool(l, w.v, w.sub, &c->enabled);
			break;
		case 1:
			if (get_int(l, w.v, w.sub, 0, 15, &x) == 0)
				c->min_readers = (int)x;
			break;
		case 2:
			have_max = true; /* an invalid value has its own error */
			maxpos = w.v->pos;
			if (get_int(l, w.v, w.sub, 1, 15, &x) == 0)
				c->max_readers = (int)x;
			else
				c->max_readers = 15;
			break;
		case 3:
			if (get_str(l, w.v, w.sub, &c->metric) == 0)
				check_enum(
				    l, w.v, w.sub, c->metric, metrics, NELEM(metrics), "metric");
			break;
		case 4:
			have_target = true;
			tpos = w.v->pos;
			if (get_double(l, w.v, w.sub, &c->target_value) != 0)
				c->target_value = 1;
			break;
		case 5:
		case 6:
			if (get_int(l, w.v, w.sub, 0, 86400, &x) == 0)
				*(w.idx == 5 ? &c->scale_in_cooldown : &c->scale_out_cooldown) =
				    (int)x;
			break;
		case 7:
			(void)get_bool(l, w.v, w.sub, &c->disable_scale_in);
			break;
		}
	}
	if (c->metric == NULL)
		c->metric = ag_xstrdup(metrics[0]);
	if (!c->enabled)
		return; /* only the deregistration: nothing else is needed */
	if (!have_max)
		ag_mload_error(l, k->pos, "spec.autoscaling.maxReaders",
		    "spec.autoscaling: maxReaders is required (1..15)");
	else if (c->max_readers < c->min_readers)
		ag_mload_error(l, maxpos, "spec.autoscaling.maxReaders",
		    "spec.autoscaling.maxReaders (%d) must be at least minReaders (%d)",
		    c->max_readers, c->min_readers);
	if (!have_target)
		ag_mload_error(l, k->pos, "spec.autoscaling.targetValue",
		    "spec.autoscaling: targetValue is required (the metric's target, e.g. 70)");
	else if (!(c->target_value > 0))
		ag_mload_error(l, tpos, "spec.autoscaling.targetValue",
		    "spec.autoscaling.targetValue must be greater than 0, got %g", c->target_value);
	else if (strcmp(c->metric, metrics[0]) == 0 && c->target_value > 100)
		ag_mload_error(l, tpos, "spec.autoscaling.targetValue",
		    "spec.autoscaling.targetValue is a CPU percentage for %s: at most 100, got %g",
		    metrics[0], c->target_value);
}

/* Serverless v1 scalingConfiguration. The capacities AWS allows depend on
 * the engine: checked once the whole spec is read (manifest_validate.c). */
static void
load_scaling_v1(struct ag_mload *l, const struct yn *v)
{
	static const char *const names[] = {"minCapacity", "maxCapacity", "autoPause",
	    "secondsUntilAutoPause", "timeoutAction", "secondsBeforeTimeout"};
	static const char *const actions[] = {"ForceApplyCapacityChange", "RollbackCapacityChange"};
	const char *path = "spec.scalingConfiguration";
	struct ag_scaling_v1 *s = ag_scaling_v1_make(&l->m->spec.opt_scaling_v1);
	bool b;
	long x;
	struct walk w;

	free(s->timeout_action);
	memset(s, 0, sizeof(*s));
	s->has = true;
	s->auto_pause = -1;
	if (!walk_begin(l, &w, v, path, names, NELEM(names), true))
		return;
	while (walk_next(l, &w)) {
		switch (w.idx) {
		case 0:
		case 1:
			if (get_int(l, w.v, w.sub, 1, 384, &x) == 0)
				*(w.idx == 0 ? &s->min_capacity : &s->max_capacity) = (int)x;
			break;
		case 2:
			if (get_bool(l, w.v, w.sub, &b) == 0)
				s->auto_pause = b ? 1 : 0;
			break;
		case 3:
			/* AWS: "Specify a value between 300 and 86,400 seconds" */
			if (get_int(l, w.v, w.sub, 300, 86400, &x) == 0)
				s->seconds_until_auto_pause = (int)x;
			break;
		case 4:
			if (get_str(l, w.v, w.sub, &s->timeout_action) == 0)
				check_enum(l, w.v, w.sub, s->timeout_action, actions,
				    NELEM(actions), "timeout action");
			break;
		default:
			/* AWS: "Specify a value between 60 and 600 seconds" */
			if (get_int(l, w.v, w.sub, 60, 600, &x) == 0)
				s->seconds_before_timeout = (int)x;
			break;
		}
	}
}

static void
params_release(struct ag_cluster_spec *c)
{
	size_t i;

	for (i = 0; i < c->n_parameters; i++) {
		free(c->parameters[i].name);
		free(c->parameters[i].value);
		free(c->parameters[i].apply_method);
	}
	free(c->parameters);
	c->parameters = NULL;
	c->n_parameters = 0;
}

static void
load_params(struct ag_mload *l, const struct yn *v)
{
	static const char *const names[] = {"name", "value", "applyMethod"};
	static const char *const methods[] = {"", "immediate", "pending-reboot"};
	struct ag_cluster_spec *c = &l->m->spec;
	char path[64], shown[SHOWN];
	struct item *items;
	const struct item *dup;
	size_t i, n = 0;
	struct walk w;

	params_release(c);
	if (v->kind != YN_SEQ) {
		ag_mload_error(l, v->pos, "spec.parameters",
		    "spec.parameters: expected a list of {name, value, applyMethod}, got %s",
		    kind_name(v));
		return;
	}
	c->parameters = ag_xcalloc(v->n ? v->n : 1, sizeof(*c->parameters));
	for (i = 0; i < v->n; i++) {
		const struct yn *it = v->kids[i];
		struct ag_param *p = &c->parameters[c->n_parameters];

		item_path(path, sizeof(path), "spec.parameters", i);
		if (!check_map(l, it, path))
			continue;
		c->n_parameters++;
		p->pos = it->pos;
		for (walk_init(&w, it, path, names, NELEM(names), true); walk_next(l, &w);) {
			const struct yn *x = w.v;
			const char *sub = w.sub;
			int idx = w.idx;
			char **dst;

			dst = idx == 0 ? &p->name : idx == 1 ? &p->value : &p->apply_method;
			if (get_str(l, x, sub, dst) < 0)
				continue;
			if (idx == 2) {
				check_enum(
				    l, x, sub, *dst, methods, NELEM(methods), "apply method");
				if ((*dst)[0] == '\0') {
					free(*dst);
					*dst = NULL;
				}
			}
		}
		if (p->name == NULL || p->name[0] == '\0')
			ag_mload_error(l, it->pos, path, "%s.name is required", path);
	}
	items = ag_xcalloc(c->n_parameters + 1, sizeof(*items));
	for (i = 0; i < c->n_parameters; i++) {
		if (c->parameters[i].name == NULL)
			continue;
		items[n].s = c->parameters[i].name;
		items[n].pos = c->parameters[i].pos;
		items[n].idx = i;
		n++;
	}
	i = 0;
	while ((dup = next_dup(items, n, &i)) != NULL) {
		snprintf(path, sizeof(path), "spec.parameters[%zu]", dup->idx);
		ag_mload_error(l, dup->pos, path,
		    "%s: parameter '%s' is set twice (first at line %u)", path, SHOW(shown, dup->s),
		    items[i - 1].pos.line);
	}
	free(items);
}

static void
instances_release(struct ag_mload *l)
{
	struct ag_cluster_spec *c = &l->m->spec;
	size_t i;

	for (i = 0; i < c->n_instances; i++)
		ag_instance_spec_release(&c->instances[i]);
	free(c->instances);
	c->instances = NULL;
	c->n_instances = 0;
	l->inst_count_form = false;
	l->inst_count = 0;
	free(l->inst_count_class);
	l->inst_count_class = NULL;
	ag_mload_overrides_release(l);
}

void
ag_mload_overrides_release(struct ag_mload *l)
{
	size_t i;

	for (i = 0; i < l->n_inst_overrides; i++)
		ag_instance_spec_release(&l->inst_overrides[i].spec);
	free(l->inst_overrides);
	l->inst_overrides = NULL;
	l->n_inst_overrides = 0;
}

/* ---- performance insights and enhanced monitoring ------------------ */

/* spec.performanceInsights or spec.instances[i].performanceInsights. */
static void
load_pi(struct ag_mload *l, const struct yn *k, const struct yn *v, const char *path,
    struct ag_pi_spec **slot)
{
	static const char *const names[] = {"enabled", "retentionPeriod", "kmsKeyId"};
	struct ag_pi_spec *pi = ag_pi_spec_make(slot);
	const char *why;
	long x;
	struct walk w;

	ag_pi_spec_release(pi);
	pi->pos = k->pos;
	if (!walk_begin(l, &w, v, path, names, NELEM(names), true))
		return;
	while (walk_next(l, &w)) {
		if (w.idx == 0) {
			if (get_bool(l, w.v, w.sub, &pi->enabled) == 0)
				pi->has_enabled = true;
		} else if (w.idx == 1) {
			if (get_int(l, w.v, w.sub, 0, 100000, &x) < 0)
				continue;
			if ((why = ag_insights_check_retention(x)) != NULL)
				ag_mload_error(l, w.v->pos, w.sub,
				    "%s: %ld days is not a retention period: %s", w.sub, x, why);
			else
				pi->retention_period = (int)x;
		} else if (get_str(l, w.v, w.sub, &pi->kms_key_id) == 0 &&
		           pi->kms_key_id[0] == '\0') {
			ag_mload_error(l, w.v->pos, w.sub,
			    "%s: expected a KMS key id, key ARN, alias name or alias ARN, got an "
			    "empty "
			    "string",
			    w.sub);
			free(pi->kms_key_id);
			pi->kms_key_id = NULL;
		}
	}
	if (pi->has_enabled && !pi->enabled && (pi->retention_period > 0 || pi->kms_key_id != NULL))
		ag_mload_error(l, k->pos, path,
		    "%s: retentionPeriod and kmsKeyId need enabled: true (AWS takes them only with "
		    "EnablePerformanceInsights)",
		    path);
}

/* spec.monitoring or spec.instances[i].monitoring. */
static void
load_monitoring(struct ag_mload *l, const struct yn *k, const struct yn *v, const char *path,
    struct ag_monitoring_spec **slot)
{
	static const char *const names[] = {"interval", "roleArn", "createRole", "roleName"};
	struct ag_monitoring_spec *mo = ag_monitoring_spec_make(slot);
	char shown[SHOWN];
	const char *why;
	struct ag_pos ipos = k->pos;
	long x;
	struct walk w;

	ag_monitoring_spec_release(mo);
	mo->pos = k->pos;
	if (!walk_begin(l, &w, v, path, names, NELEM(names), true))
		return;
	while (walk_next(l, &w)) {
		switch (w.idx) {
		case 0:
			if (get_int(l, w.v, w.sub, 0, 100000, &x) < 0)
				break;
			if ((why = ag_insights_check_interval(x)) != NULL) {
				ag_mload_error(l, w.v->pos, w.sub,
				    "%s: %ld is not a monitoring interval: %s", w.sub, x, why);
				break;
			}
			mo->has_interval = true;
			mo->interval = (int)x;
			ipos = w.v->pos;
			break;
		case 1:
			if (get_str(l, w.v, w.sub, &mo->role_arn) == 0 &&
			    (why = ag_insights_check_role_arn(mo->role_arn)) != NULL)
				ag_mload_error(l, w.v->pos, w.sub, "%s: invalid role ARN '%s': %s",
				    w.sub, SHOW(shown, mo->role_arn), why);
			break;
		case 2:
			if (get_bool(l, w.v, w.sub, &mo->create_role) == 0)
				mo->has_create_role = true;
			break;
		default:
			if (get_str(l, w.v, w.sub, &mo->role_name) == 0 &&
			    (why = ag_insights_check_role_name(mo->role_name)) != NULL)
				ag_mload_error(l, w.v->pos, w.sub, "%s: invalid role name '%s': %s",
				    w.sub, SHOW(shown, mo->role_name), why);
		}
	}
	if (mo->has_interval && mo->interval == 0 && mo->role_arn != NULL)
		ag_mload_error(l, ipos, path,
		    "%s: roleArn is set but interval is 0 (AWS: if MonitoringRoleArn is specified, "
		    "MonitoringInterval must be set to a value other than 0)",
		    path);
	if (mo->role_arn != NULL && mo->has_create_role && mo->create_role)
		ag_mload_error(l, k->pos, path,
		    "%s: roleArn and createRole: true exclude each other (give the role, or let "
		    "the "
		    "agent make it)",
		    path);
	if (mo->role_name != NULL && mo->role_arn != NULL)
		ag_mload_error(l, k->pos, path,
		    "%s: roleName names a role the agent makes; with roleArn it is unused", path);
}

/* ---- cloudwatch alarms --------------------------------------------- */

static void
load_alarm(struct ag_mload *l, const struct yn *k, const struct yn *v, const char *path,
    struct ag_alarm_spec *a)
{
	static const char *const names[] = {"enabled", "threshold", "period", "evaluationPeriods"};
	const char *why;
	long x;
	struct walk w;

	memset(a, 0, sizeof(*a));
	a->written = true;
	a->pos = k->pos;
	if (!walk_begin(l, &w, v, path, names, NELEM(names), true))
		return;
	while (walk_next(l, &w)) {
		switch (w.idx) {
		case 0:
			if (get_bool(l, w.v, w.sub, &a->enabled) == 0)
				a->has_enabled = true;
			break;
		case 1:
			if (get_double(l, w.v, w.sub, &a->threshold) == 0) {
				if (a->threshold < 0)
					ag_mload_error(l, w.v->pos, w.sub,
					    "%s: %g is negative; these metrics are never below 0",
					    w.sub, a->threshold);
				else
					a->has_threshold = true;
			}
			break;
		case 2:
			if (get_int(l, w.v, w.sub, 1, 86400, &x) < 0)
				break;
			if ((why = ag_alarm_check_period(x)) != NULL)
				ag_mload_error(l, w.v->pos, w.sub, "%s: %ld is not a period: %s",
				    w.sub, x, why);
			else
				a->period = (int)x;
			break;
		default:
			if (get_int(l, w.v, w.sub, 1, 1440, &x) == 0)
				a->evaluation_periods = (int)x;
		}
	}
}

static void
load_alarms(struct ag_mload *l, const struct yn *v)
{
	static const char *const names[] = {"snsTopicArn", "cpu", "freeableMemory",
	    "freeLocalStorage", "replicaLag", "deadlocks", "capacity"};
	struct ag_alarms_spec *a = ag_alarms_spec_make(&l->m->spec.opt_alarms);
	const char *path = "spec.alarms";
	char shown[SHOWN];
	const char *why;
	struct walk w;

	ag_alarms_spec_release(a);
	if (!walk_begin(l, &w, v, path, names, NELEM(names), false))
		return;
	while (walk_next(l, &w)) {
		if (w.idx == 0) {
			if (is_null(w.v))
				continue;
			if (get_str(l, w.v, w.sub, &a->sns_topic_arn) == 0 &&
			    (why = ag_alarm_check_sns_arn(a->sns_topic_arn)) != NULL)
				ag_mload_error(l, w.v->pos, w.sub, "%s: invalid topic ARN '%s': %s",
				    w.sub, SHOW(shown, a->sns_topic_arn), why);
			continue;
		}
		if (is_null(w.v)) { /* "cpu:" alone: on, with the defaults */
			memset(&a->kinds[ag_alarm_kind_of(names[w.idx])], 0, sizeof(a->kinds[0]));
			a->kinds[ag_alarm_kind_of(names[w.idx])].written = true;
			a->kinds[ag_alarm_kind_of(names[w.idx])].pos = w.k->pos;
			continue;
		}
		load_alarm(l, w.k, w.v, w.sub, &a->kinds[ag_alarm_kind_of(names[w.idx])]);
	}
}

static void
load_instance_class(struct ag_mload *l, const struct yn *x, const char *path, char **out)
{
	char shown[SHOWN];
	const char *why;

	if (get_str(l, x, path, out) < 0)
		return;
	if ((why = ag_mcheck_instance_class(*out)) != NULL)
		ag_mload_error(l, x->pos, path, "%s: invalid instance class '%s': %s", path,
		    SHOW(shown, *out), why);
}

/*
 * The keys of one instance at path into in: an item of the list form, or
 * (without_name) an entry of the count form's overrides.
 */
static void
load_instance_keys(struct ag_mload *l, const struct yn *it, const char *path, bool without_name,
    struct ag_instance_spec *in)
{
	static const char *const names[] = {"name", "instanceClass", "promotionTier",
	    "availabilityZone", "publiclyAccessible", "performanceInsights", "monitoring"};
	size_t first = without_name ? 1 : 0;
	struct walk w;
	long x;

	for (walk_init(&w, it, path, names + first, NELEM(names) - first, true);
	     walk_next(l, &w);) {
		const struct yn *k = w.k, *y = w.v;
		const char *sub = w.sub;

		switch ((size_t)w.idx + first) {
		case 0:
			get_str(l, y, sub, &in->name);
			break;
		case 1:
			load_instance_class(l, y, sub, &in->instance_class);
			break;
		case 2:
			if (get_int(l, y, sub, 0, 15, &x) == 0)
				in->promotion_tier = (int)x;
			break;
		case 3:
			get_str(l, y, sub, &in->availability_zone);
			break;
		case 5:
			load_pi(l, k, y, sub, &in->opt_pi);
			break;
		case 6:
			load_monitoring(l, k, y, sub, &in->opt_monitoring);
			break;
		default:
			get_bool(l, y, sub, &in->publicly_accessible);
			in->public_pos = k->pos;
		}
	}
}

/* spec.instances.overrides: {POSITION: {instanceClass, promotionTier,
 * availabilityZone, publiclyAccessible, performanceInsights, monitoring}},
 * POSITION the N of <cluster-id>-N; checked against count once it is
 * expanded (manifest_validate.c). */
static void
load_overrides(struct ag_mload *l, const struct yn *v)
{
	const char *path = "spec.instances.overrides";
	char sub[96], shown[SHOWN];
	size_t i, j;
	long n;

	ag_mload_overrides_release(l);
	if (!check_map(l, v, path))
		return;
	l->inst_overrides = ag_xcalloc(v->n / 2 + 1, sizeof(*l->inst_overrides));
	for (i = 0; i + 1 < v->n; i += 2) {
		const struct yn *k = v->kids[i], *it = v->kids[i + 1];
		struct ag_inst_override *o;
		char *end;

		if (k->kind != YN_SCALAR)
			continue; /* check_map reported it */
		n = strtol(k->val, &end, 10);
		if (k->len == 0 || !isdigit((unsigned char)k->val[0]) || *end != '\0' || n < 1 ||
		    n > AG_INSTANCES_MAX) {
			ag_mload_error(l, k->pos, path,
			    "%s: '%s' is not an instance position: expected 1 to %d, the N of the "
			    "instance named <cluster-id>-N",
			    path, SHOW(shown, k->val), AG_INSTANCES_MAX);
			continue;
		}
		snprintf(sub, sizeof(sub), "%s.%ld", path, n);
		for (j = 0; j < l->n_inst_overrides; j++)
			/* the same text is check_map's duplicate key; "2" and "02" are ours */
			if (l->inst_overrides[j].position == n &&
			    strcmp(l->inst_overrides[j].key, k->val) != 0)
				ag_mload_error(l, k->pos, sub,
				    "%s: position %ld is overridden twice (first at line %u)", sub,
				    n, l->inst_overrides[j].spec.pos.line);
		if (!check_map(l, it, sub))
			continue;
		o = &l->inst_overrides[l->n_inst_overrides++];
		o->position = n;
		o->key = k->val;
		o->spec.pos = k->pos;
		o->spec.promotion_tier = -1;
		load_instance_keys(l, it, sub, true, &o->spec);
	}
}

static void
load_instances(struct ag_mload *l, const struct yn *v)
{
	static const char *const count_names[] = {"count", "instanceClass", "overrides"};
	struct ag_cluster_spec *c = &l->m->spec;
	char path[64];
	bool have_count = false;
	size_t i;
	long x;
	struct walk w;

	instances_release(l);
	if (v->kind == YN_MAP) {
		check_map(l, v, "spec.instances");
		l->inst_count_form = true;
		for (walk_init(&w, v, "spec.instances", count_names, NELEM(count_names), false);
		     walk_next(l, &w);) {
			const struct yn *y = w.v;

			switch (w.idx) {
			case 0:
				have_count = true;
				if (get_int(
				        l, y, "spec.instances.count", 0, AG_INSTANCES_MAX, &x) == 0)
					l->inst_count = x;
				break;
			case 1:
				if (is_null(y))
					break;
				l->inst_count_class_pos = y->pos;
				load_instance_class(
				    l, y, "spec.instances.instanceClass", &l->inst_count_class);
				break;
			case 2:
				if (!is_null(y))
					load_overrides(l, y);
				break;
			}
		}
		if (!have_count) {
			ag_mload_error(l, v->pos, "spec.instances.count",
			    "spec.instances: 'count' is required in the form {count: N, "
			    "instanceClass: CLASS}");
			l->inst_count_form = false;
		}
		return;
	}
	if (v->kind != YN_SEQ) {
		ag_mload_error(l, v->pos, "spec.instances",
		    "spec.instances: expected {count: N, instanceClass: CLASS} or a list of "
		    "{name, instanceClass, promotionTier, availabilityZone}, got %s",
		    kind_name(v));
		return;
	}
	if (v->n > AG_INSTANCES_MAX) {
		ag_mload_error(l, v->pos, "spec.instances",
		    "spec.instances: %zu instances, at most %d are allowed (a writer and 15 "
		    "readers)",
		    v->n, AG_INSTANCES_MAX);
		return;
	}
	c->instances = ag_xcalloc(v->n ? v->n : 1, sizeof(*c->instances));
	for (i = 0; i < v->n; i++) {
		const struct yn *it = v->kids[i];
		struct ag_instance_spec *in;

		item_path(path, sizeof(path), "spec.instances", i);
		if (!check_map(l, it, path))
			continue;
		in = &c->instances[c->n_instances++];
		in->pos = it->pos;
		in->promotion_tier = (int)i; /* the list order is the failover order */
		load_instance_keys(l, it, path, false, in);
	}
}

static void
load_spec(struct ag_mload *l, const struct yn *spec)
{
	struct walk w;
	struct ag_cluster_spec *c = &l->m->spec;
	const struct ag_field_row *rows = ag_fieldtab_rows(&(size_t){0});
	struct ag_pos at[AG_F__COUNT] = {{0, 0}};
	uint64_t written = 0; /* the fields met, set on the manifest at once */
	long x;

	if (!check_map(l, spec, "spec"))
		return;
	walk_init(&w, spec, "spec", l->spec_keys->names, AG_F__COUNT, true);
	w.index = l->spec_keys;
	w.no_sub = true; /* a row's yaml_path is its "spec.<name>" */
	while (walk_next(l, &w)) {
		const struct yn *k = w.k, *v = w.v;
		const struct ag_field_row *d = &rows[w.idx];
		const char *path = d->yaml_path;
		void *dst;

		written |= UINT64_C(1) << d->field;
		at[d->field] = k->pos;
		dst = d->spec != 0 ? (char *)c + d->spec - 1 : NULL;
		if (dst == NULL && d->type != AG_FT_NONE && d->type != AG_FT_COMPOSITE)
			AG_BUG("a field of spec without its member in the table");
		switch (d->type) {
		case AG_FT_STR:
		case AG_FT_REF: {
			char **sp = dst;

			if ((d->type == AG_FT_REF ? get_ref(l, v, path, d, -1, sp)
			                          : get_str(l, v, path, sp)) < 0)
				break;
			check_value(l, v, path, d->check, *sp);
			if (*sp != NULL && (*sp)[0] == '\0') {
				free(*sp);
				*sp = NULL;
			}
			break;
		}
		case AG_FT_BOOL:
			get_bool(l, v, path, dst);
			break;
		case AG_FT_INT:
			if (get_int(l, v, path, d->min, d->max, &x) == 0)
				*(int *)dst = (int)x;
			break;
		case AG_FT_LIST:
		case AG_FT_REFLIST:
			get_list(l, v, path, d->type == AG_FT_REFLIST ? d : NULL, dst, d->check);
			break;
		case AG_FT_NONE:
		case AG_FT_COMPOSITE:
			/* maps and lists of maps have loaders of their own */
			if (d->field == AG_F_SERVERLESS_V2_SCALING)
				load_scaling(l, k, v);
			else if (d->field == AG_F_SCALING_CONFIGURATION)
				load_scaling_v1(l, v);
			else if (d->field == AG_F_PARAMETERS)
				load_params(l, v);
			else if (d->field == AG_F_INSTANCES)
				load_instances(l, v);
			else if (d->field == AG_F_PERFORMANCE_INSIGHTS)
				load_pi(l, k, v, path, &c->opt_pi);
			else if (d->field == AG_F_MONITORING)
				load_monitoring(l, k, v, path, &c->opt_monitoring);
			else if (d->field == AG_F_ALARMS)
				load_alarms(l, v);
			else if (d->field == AG_F_KMS_KEY)
				load_kms_key(l, k, v);
			else if (d->field == AG_F_AUTOSCALING)
				load_autoscaling(l, k, v);
			else
				AG_BUG("composite field without a loader");
			break;
		}
	}
	ag_manifest_set_fields(l->m, written, at);
}

/* ---- metadata ------------------------------------------------------ */

static void
load_string_map(struct ag_mload *l, const struct yn *v, const char *path, struct ag_kvlist *out)
{
	char sub[256], shown[SHOWN];
	char *s = NULL;
	size_t i;

	ag_kvlist_release(out);
	if (!check_map(l, v, path))
		return;
	for (i = 0; i + 1 < v->n; i += 2) {
		const struct yn *k = v->kids[i], *x = v->kids[i + 1];

		if (k->kind != YN_SCALAR)
			continue;
		if (memchr(k->val, '\0', k->len) != NULL) {
			ag_mload_error(l, k->pos, path, "%s: a key contains a NUL character", path);
			continue;
		}
		snprintf(sub, sizeof(sub), "%s.%s", path, SHOW(shown, k->val));
		if (is_null(x)) {
			ag_kvlist_add(out, k->val, "");
			continue;
		}
		if (get_str(l, x, sub, &s) == 0)
			ag_kvlist_add(out, k->val, s);
		free(s);
		s = NULL;
	}
}

/* metadata.labels become the cluster's AWS tags, so they follow the AWS tag
 * rules (which also keep newlines and Markdown out of reports). */
static void
load_labels(struct ag_mload *l, const struct yn *v, const char *path, bool org, bool env)
{
	char shown[SHOWN], sub[256 + SHOWN], also[160] = "";
	const char *why;
	size_t i, count = 0, max = AG_MANIFEST_MAX_TAGS;

	load_string_map(l, v, path, &l->m->labels);
	if (v->kind != YN_MAP)
		return;
	/* Room for the tags the agent sets besides the labels: AWS counts
	 * every tag of the resource against its limit. */
	if (ag_kvlist_get(&l->m->labels, AG_MANAGED_TAG_KEY) == NULL) {
		max--; /* the agent adds its managed-by tag */
		snprintf(
		    also + strlen(also), sizeof(also) - strlen(also), "'%s', ", AG_MANAGED_TAG_KEY);
	}
	max--; /* and the record of the keys it set */
	snprintf(also + strlen(also), sizeof(also) - strlen(also), "'%s'", AG_OWNED_TAG_KEY);
	if (org && ag_kvlist_get(&l->m->labels, "org") == NULL) {
		max--; /* metadata.org becomes the tag "org" */
		snprintf(also + strlen(also), sizeof(also) - strlen(also),
		    ", 'org' (from metadata.org)");
	}
	if (env && ag_kvlist_get(&l->m->labels, "env") == NULL) {
		max--; /* metadata.env becomes the tag "env" */
		snprintf(also + strlen(also), sizeof(also) - strlen(also),
		    ", 'env' (from metadata.env)");
	}
	for (i = 0; i + 1 < v->n; i += 2) {
		const struct yn *k = v->kids[i], *x = v->kids[i + 1];

		/* the ownership tags are the agent's: never silently replaced */
		if (k->kind == YN_SCALAR && strcmp(k->val, AG_OWNED_TAG_KEY) == 0)
			ag_mload_error(l, k->pos, path,
			    "%s: the label '%s' is reserved: the agent records there the tags it "
			    "sets",
			    path, AG_OWNED_TAG_KEY);
		if (k->kind == YN_SCALAR && strcmp(k->val, AG_MANAGED_TAG_KEY) == 0 &&
		    x->kind == YN_SCALAR && strcmp(x->val, AG_MANAGED_TAG_VALUE) != 0)
			ag_mload_error(l, x->pos, path,
			    "%s: '%s: %s' would be replaced: the agent tags every cluster it "
			    "manages "
			    "%s=%s; remove the label (or set it to %s)",
			    path, AG_MANAGED_TAG_KEY, SHOW(shown, x->val), AG_MANAGED_TAG_KEY,
			    AG_MANAGED_TAG_VALUE, AG_MANAGED_TAG_VALUE);

		if (k->kind != YN_SCALAR || memchr(k->val, '\0', k->len) != NULL)
			continue;
		if (++count == max + 1)
			ag_mload_error(l, k->pos, path,
			    "%s: too many labels: more than %zu (AWS: \"a resource can have a "
			    "maximum of %d tags\"; the agent also sets %s)",
			    path, max, AG_MANIFEST_MAX_TAGS, also);
		snprintf(sub, sizeof(sub), "%s.%s", path, SHOW(shown, k->val));
		if ((why = ag_mcheck_tag_key(k->val)) != NULL)
			ag_mload_error(l, k->pos, sub,
			    "%s: invalid tag key '%s': %s (labels become AWS tags)", path, shown,
			    why);
		if (x->kind == YN_SCALAR && !is_null(x) && memchr(x->val, '\0', x->len) == NULL &&
		    (why = ag_mcheck_tag_value(x->val)) != NULL)
			ag_mload_error(l, x->pos, sub,
			    "%s: invalid tag value '%s': %s (labels become AWS tags)", sub,
			    SHOW(shown, x->val), why);
	}
}

/* metadata.org / metadata.env become the AWS tags "org" / "env" (unless a
 * label names them): their values follow the tag value rules. */
static void
check_tag_source(
    struct ag_mload *l, const struct yn *v, const char *path, const char *tag, const char *s)
{
	char shown[SHOWN];
	const char *why;

	if (s == NULL || s[0] == '\0' || memchr(v->val, '\0', v->len) != NULL)
		return;
	if ((why = ag_mcheck_tag_value(s)) != NULL)
		ag_mload_error(l, v->pos, path,
		    "%s: invalid tag value '%s': %s (it becomes the AWS tag '%s')", path,
		    SHOW(shown, s), why, tag);
}

#define ANN_PREFIX "aurora-gitops/"

static void
load_suspend(struct ag_mload *l, const struct yn *x, const char *path, const char *s)
{
	const char *until = NULL, *p;
	char shown[SHOWN];
	int64_t t;

	for (p = s; (p = strstr(p, " until ")) != NULL; p++)
		until = p;
	if (until == NULL || until == s) {
		ag_mload_error(l, x->pos, path,
		    "%s: expected \"<reason> until <RFC 3339 time>\", e.g. \"migration until "
		    "2026-12-01T00:00:00Z\", got '%s'",
		    path, SHOW(shown, s));
		return;
	}
	if (ag_mparse_rfc3339(&t, until + 7) < 0) {
		ag_mload_error(l, x->pos, path,
		    "%s: invalid time '%s': expected RFC 3339, e.g. 2026-12-01T00:00:00Z", path,
		    SHOW(shown, until + 7));
		return;
	}
	free(l->m->suspend_reason);
	l->m->suspend_reason = ag_xstrndup(s, (size_t)(until - s));
	l->m->suspend_until = t;
}

static void
load_annotations(struct ag_mload *l, const struct yn *v)
{
	static const char *const keys[] = {ANN_PREFIX "mode", ANN_PREFIX "deletion",
	    ANN_PREFIX "suspend", ANN_PREFIX "weakening", ANN_PREFIX "public-access",
	    ANN_PREFIX "reboot-for-pending-parameters", ANN_PREFIX "global-cluster"};
	static const char *const global[] = {"detach"};
	static const char *const weakening[] = {"allow", "forbid"};
	static const char *const yes_no[] = {"true", "false"};
	static const char *const public_access[] = {"acknowledged"};
	static const char *const modes[] = {"observe", "plan", "apply"};
	static const char *const deletions[] = {"retain", "delete"};
	char path[256], shown[SHOWN];
	char *s = NULL;
	size_t i;
	int idx;

	load_string_map(l, v, "metadata.annotations", &l->m->annotations);
	if (v->kind != YN_MAP)
		return;
	for (i = 0; i + 1 < v->n; i += 2) {
		const struct yn *k = v->kids[i], *x = v->kids[i + 1];

		if (k->kind != YN_SCALAR || strncmp(k->val, ANN_PREFIX, strlen(ANN_PREFIX)) != 0)
			continue;
		snprintf(path, sizeof(path), "metadata.annotations.%s", SHOW(shown, k->val));
		idx = lookup(k, keys, NELEM(keys));
		if (idx < 0) {
			const char *sug = ag_suggest(k->val, keys, NELEM(keys));

			if (sug)
				ag_mload_error(l, k->pos, path,
				    "unknown annotation '%s' (did you mean '%s'?)", shown, sug);
			else
				ag_mload_error(l, k->pos, path,
				    "unknown annotation '%s' (aurora-gitops/ annotations are: "
				    "mode, deletion, suspend, weakening, public-access, "
				    "reboot-for-pending-parameters, global-cluster)",
				    shown);
			continue;
		}
		if (is_null(x)) {
			ag_mload_error(l, x->pos, path, "%s: expected a value", path);
			continue;
		}
		if (x->kind != YN_SCALAR || get_str(l, x, path, &s) < 0)
			continue; /* reported with the other annotations */
		if (idx == 0) {
			check_enum(l, x, path, s, modes, NELEM(modes), "mode");
			l->m->mode = !strcmp(s, "observe") ? AG_MODE_OBSERVE
			             : !strcmp(s, "plan")  ? AG_MODE_PLAN
			             : !strcmp(s, "apply") ? AG_MODE_APPLY
			                                   : AG_MODE_UNSET;
		} else if (idx == 1) {
			check_enum(l, x, path, s, deletions, NELEM(deletions), "deletion policy");
			l->m->deletion =
			    !strcmp(s, "delete") ? AG_DELETION_DELETE : AG_DELETION_RETAIN;
		} else if (idx == 2) {
			load_suspend(l, x, path, s);
		} else if (idx == 3) {
			check_enum(l, x, path, s, weakening, NELEM(weakening), "weakening policy");
			l->m->forbid_weakening = strcmp(s, "forbid") == 0;
		} else if (idx == 4) {
			check_enum(
			    l, x, path, s, public_access, NELEM(public_access), "public access");
			l->m->public_access_ack = strcmp(s, "acknowledged") == 0;
		} else if (idx == 5) {
			check_enum(l, x, path, s, yes_no, NELEM(yes_no), "reboot policy");
			l->m->reboot_for_params = strcmp(s, "true") == 0;
		} else {
			check_enum(l, x, path, s, global, NELEM(global), "global cluster action");
			l->m->global_detach = strcmp(s, "detach") == 0;
		}
		free(s);
		s = NULL;
	}
}

static void
load_metadata(struct ag_mload *l, const struct yn *md)
{
	static const char *const names[] = {"name", "slug", "id", "org", "env", "labels",
	    "annotations", "tags", "relationships", "group"};
	struct ag_manifest *m = l->m;
	const struct yn *org = NULL, *env = NULL;
	char *group = NULL;
	size_t i;
	struct walk w;

	if (!check_map(l, md, "metadata"))
		return;
	/* org and env become tags too: the labels leave room for them */
	for (i = 0; i + 1 < md->n; i += 2) {
		const struct yn *k = md->kids[i], *v = md->kids[i + 1];

		if (k->kind != YN_SCALAR || v->kind != YN_SCALAR || is_null(v) || v->len == 0)
			continue;
		if (strcmp(k->val, "org") == 0)
			org = v;
		else if (strcmp(k->val, "env") == 0)
			env = v;
	}
	for (walk_init(&w, md, "metadata", names, NELEM(names), true); walk_next(l, &w);) {
		const struct yn *k = w.k, *v = w.v;
		const char *path = w.sub;

		switch (w.idx) {
		case 0:
			l->name_pos = k->pos;
			get_str(l, v, path, &m->name);
			break;
		case 1:
			get_str(l, v, path, &m->slug);
			break;
		case 2:
			l->idkey_pos = k->pos;
			get_str(l, v, path, &m->id);
			break;
		case 3:
			if (get_str(l, v, path, &m->org) == 0)
				check_tag_source(l, v, path, "org", m->org);
			break;
		case 4:
			if (get_str(l, v, path, &m->env) == 0)
				check_tag_source(l, v, path, "env", m->env);
			break;
		case 5:
			load_labels(l, v, path, org != NULL, env != NULL);
			break;
		case 6:
			load_annotations(l, v);
			break;
		case 7:
			get_list(l, v, path, NULL, &m->tags, NULL);
			break;
		case 8:
			/* accepted for compatibility; this product does not use them */
			break;
		default:
			get_str(l, v, path, &group);
			free(group);
			group = NULL;
		}
	}
}

/* ---- documents ----------------------------------------------------- */

#define API_VERSION "aws.project-planton.org/v1"
/* The renamed OpenMCF catalog publishes the same schema under this name. */
#define API_VERSION_OPENMCF "aws.openmcf.org/v1"
#define KIND "AwsRdsCluster"

static void
load_top(struct ag_mload *l, const struct yn *root)
{
	static const char *const names[] = {"apiVersion", "kind", "metadata", "spec", "status"};
	char shown[SHOWN];
	bool seen[NELEM(names)] = {false};
	size_t i;
	struct walk w;

	check_map(l, root, "document");
	for (walk_init(&w, root, NULL, names, NELEM(names), true); walk_next(l, &w);) {
		const struct yn *k = w.k, *v = w.v;

		seen[w.idx] = true;
		switch (w.idx) {
		case 0:
			if (v->kind != YN_SCALAR || (strcmp(v->val, API_VERSION) != 0 &&
			                                strcmp(v->val, API_VERSION_OPENMCF) != 0))
				ag_mload_error(l, v->pos, "apiVersion",
				    "apiVersion must be '" API_VERSION "' or '" API_VERSION_OPENMCF
				    "', got '%s'",
				    v->kind == YN_SCALAR ? SHOW(shown, v->val) : kind_name(v));
			break;
		case 1:
			if (v->kind != YN_SCALAR || strcmp(v->val, KIND) != 0)
				ag_mload_error(l, v->pos, "kind",
				    "kind must be '" KIND "', got '%s' (aurora-gitops manages "
				    "Aurora clusters only)",
				    v->kind == YN_SCALAR ? SHOW(shown, v->val) : kind_name(v));
			break;
		case 2:
			l->metadata_pos = k->pos;
			l->have_metadata = true;
			load_metadata(l, v);
			break;
		case 3:
			l->m->spec_pos = k->pos;
			l->have_spec = true;
			load_spec(l, v);
			break;
		default:
			/* status is written by tools; accepted and ignored */
			break;
		}
	}
	for (i = 0; i < 4; i++)
		if (!seen[i])
			ag_mload_error(
			    l, l->doc_pos, names[i], "missing required field '%s'", names[i]);
	/* valueFrom.env names the environment of the referenced resource;
	 * lookups are by name in the cluster's own account and region, so
	 * only the manifest's own environment can be meant. */
	for (i = 0; i < l->m->n_refs; i++) {
		const struct ag_ref *r = &l->m->refs[i];

		if (r->env != NULL && (l->m->env == NULL || strcmp(r->env, l->m->env) != 0))
			ag_mload_error(l, r->env_pos, ag_fieldtab_row(r->field)->yaml_path,
			    "%s: valueFrom.env '%s' is not resolved: references are looked up by "
			    "name in the cluster's own account and region (metadata.env is '%s')",
			    ag_fieldtab_row(r->field)->yaml_path, SHOW(shown, r->env),
			    l->m->env ? l->m->env : "not set");
	}
}

static void
load_doc(struct ag_manifest_set *set, struct ag_mload *l, struct ydoc *d, size_t index,
    struct ag_pos start)
{
	struct ag_manifest m;

	if (d->root == NULL || is_null(d->root))
		return; /* an empty document */
	memset(&m, 0, sizeof(m));
	l->errors = 0;
	/* l->m is cleared again before every return below */
	/* cppcheck-suppress autoVariables */
	l->m = &m;
	l->doc_pos = start;
	l->metadata_pos = l->name_pos = l->idkey_pos = (struct ag_pos){0, 0};
	l->have_metadata = l->have_spec = false;
	if (d->root->kind != YN_MAP) {
		ag_mload_error(l, d->root->pos, NULL,
		    "expected a mapping with apiVersion, kind, metadata and spec at the top of the "
		    "document, got %s",
		    kind_name(d->root));
		l->m = NULL; /* m dies with this frame */
		return;
	}
	m.file = ag_xstrdup(l->file);
	m.pos = start;
	m.doc_index = index;
	m.spec.auto_minor_version_upgrade = true;
	load_top(l, d->root);
	ag_mload_finish(l);
	free(l->inst_count_class);
	l->inst_count_class = NULL;
	l->inst_count_form = false;
	l->inst_count = 0;
	ag_mload_overrides_release(l);
	if (l->errors == 0) {
		AG_GROW_UNINIT(set->v, set->cap, set->n + 1);
		set->v[set->n++] = m;
	} else {
		ag_manifest_release(&m);
	}
	l->m = NULL;
}

/* Manifests are UTF-8 only: libyaml would also read UTF-16, which the
 * byte-level readers (reseal, status) cannot see into. */
static int
utf8_refused(struct ag_mload *l, const char *buf, size_t len)
{
	struct ag_pos pos = {1, 1};
	const char *why;
	size_t off, i;

	if ((why = ag_utf8_check(buf, len, &off)) == NULL)
		return 0;
	for (i = 0; i < off; i++) {
		if (buf[i] == '\n') {
			pos.line++;
			pos.col = 1;
		} else {
			pos.col++;
		}
	}
	ag_mload_error(l, pos, NULL, "the file is not UTF-8 text: %s", why);
	return 1;
}

int
ag_manifest_reader_parse(struct ag_manifest_reader *r, struct ag_manifest_set *set,
    struct ag_diags *diags, const char *buf, size_t len, const char *filename)
{
	yaml_parser_t p;
	yaml_event_t ev;
	struct ag_mload l;
	struct ydoc d;
	size_t ndocs = 0, before = diags->errors;
	int done = 0;

	memset(&l, 0, sizeof(l));
	l.file = filename;
	l.diags = diags;
	l.spec_keys = &r->spec_keys;
	if (len > AG_MANIFEST_MAX_BYTES) {
		ag_mload_error(&l, (struct ag_pos){1, 1}, NULL,
		    "file is too large: %zu bytes, the limit is %d", len, AG_MANIFEST_MAX_BYTES);
		return AG_EINVAL;
	}
	if (utf8_refused(&l, buf, len))
		return AG_EINVAL;
	if (!yaml_parser_initialize(&p))
		AG_BUG("cannot initialise the YAML parser");
	yaml_parser_set_input_string(&p, (const unsigned char *)buf, len);
	yaml_parser_set_encoding(&p, YAML_UTF8_ENCODING);
	while (!done) {
		if (!yaml_parser_parse(&p, &ev)) {
			syntax_error(&l, &p);
			break;
		}
		switch (ev.type) {
		case YAML_STREAM_END_EVENT:
			done = 1;
			break;
		case YAML_DOCUMENT_START_EVENT:
			if (ndocs++ == AG_MANIFEST_MAX_DOCS) {
				ag_mload_error(&l, mark_pos(&ev.start_mark), NULL,
				    "too many documents: more than %d in one file",
				    AG_MANIFEST_MAX_DOCS);
				done = 1;
				break;
			}
			ydoc_init(&d, r);
			if (build_doc(&l, &d, &p) == 0)
				load_doc(set, &l, &d, ndocs - 1, mark_pos(&ev.start_mark));
			else
				done = 1;
			ydoc_release(&d);
			break;
		default:
			break;
		}
		yaml_event_delete(&ev);
	}
	yaml_parser_delete(&p);
	return diags->errors > before ? AG_EINVAL : 0;
}

int
ag_manifest_parse(struct ag_manifest_set *set, struct ag_diags *diags, const char *buf, size_t len,
    const char *filename)
{
	struct ag_manifest_reader *r = ag_manifest_reader_new();
	int rc = ag_manifest_reader_parse(r, set, diags, buf, len, filename);

	ag_manifest_reader_free(r);
	return rc;
}
