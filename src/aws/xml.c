#include "aws/xml.h"
#include "core/arena.h"
#include "core/buf.h"
#include "core/bug.h"
#include "core/intern.h"
#include "core/mem.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <expat.h>

#include "core/compat.h"

#define XML_MAX_DEPTH 64
#define XML_MAX_NODES 1000000
#define XML_MAX_TEXT (1024 * 1024)
#define XML_PIECE (1024 * 1024)
#define XML_GUESSES 1024 /* a power of two */
#define XML_HINTS 256    /* a power of two */

/* A name a caller looked up (its pointer: decoders pass the same literals
 * for every record) and the document's copy of it. */
struct name_hint {
	const char *key;
	const char *in;
};

/*
 * A document: its root and the arena every other node, name, text and
 * child array lives in. A describe page of 100 clusters has some ten
 * thousand elements; as one malloc each for the node, its name, its text
 * and its child array they cost about three times their bytes. Names are
 * interned (a page has a few dozen distinct ones), and a node's child
 * array is made once, of its exact length, when the element ends.
 */
struct xml_doc {
	struct ag_xml_node root; /* first: the root's address is the document's */
	struct ag_arena arena;
	struct ag_intern names;  /* every element name in the document */
	struct name_hint *hints; /* XML_HINTS, direct mapped; see doc_name */
};

/* The children of an open element, linked through next until it ends. */
struct open_kids {
	struct ag_xml_node *first;
	struct ag_xml_node *last;
};

/* The name an element had after (parent, previous sibling) last time. */
struct guess {
	const char *parent;
	const char *prev;
	const char *name;
};

struct xml_state {
	struct xml_doc *doc;
	struct guess *guesses; /* XML_GUESSES, direct mapped */
	struct ag_xml_node *cur;
	struct open_kids open[XML_MAX_DEPTH];
	struct ag_buf *text; /* the reader's */
	size_t depth;
	size_t nodes;
	int failed;
	const char *why;
	XML_Parser p;
};

/* The text of every element without any: the tree is read-only. */
static char xml_empty[1];

static const char *
local_name(const char *name)
{
	const char *c = strrchr(name, ':');

	return c ? c + 1 : name;
}

/*
 * The interned local name of an element whose parent and previous sibling
 * have the (interned) names parent and prev (NULL for none). The records of
 * a describe page repeat one sequence of names, so the name that came
 * after the same two last time is tried first: one strcmp instead of
 * hashing the name and probing the table. A wrong guess only costs that
 * strcmp.
 */
static const char *
name_of(struct xml_state *st, const char *parent, const char *prev, const char *name)
{
	const char *local;
	uintptr_t h = ((uintptr_t)parent >> 4) * 0x9E3779B97F4A7C15ULL ^ ((uintptr_t)prev >> 4);
	struct guess *g = &st->guesses[(h ^ (h >> 29)) & (XML_GUESSES - 1)];

	/* AWS's elements carry no prefix: the name as given is tried before
	 * the prefix is looked for */
	if (g->name != NULL && g->parent == parent && g->prev == prev && strcmp(g->name, name) == 0)
		return g->name;
	local = local_name(name);
	if (g->name != NULL && g->parent == parent && g->prev == prev && local != name &&
	    strcmp(g->name, local) == 0)
		return g->name;
	g->parent = parent;
	g->prev = prev;
	g->name = ag_intern_get(&st->doc->names, &st->doc->arena, local);
	return g->name;
}

static void
xml_fail(struct xml_state *st, const char *why)
{
	if (!st->failed) {
		st->failed = 1;
		st->why = why;
		XML_StopParser(st->p, XML_FALSE);
	}
}

static void XMLCALL
on_start(void *ud, const XML_Char *name, const XML_Char **atts)
{
	struct xml_state *st = ud;
	struct ag_xml_node *n;
	const char *prev = NULL;

	(void)atts;
	if (st->failed)
		return;
	if (st->depth >= XML_MAX_DEPTH || ++st->nodes > XML_MAX_NODES) {
		xml_fail(st, st->depth >= XML_MAX_DEPTH ? "elements nested too deeply"
		                                        : "too many elements");
		return;
	}
	if (st->cur) {
		struct open_kids *k = &st->open[st->depth - 1];

		ag_buf_reset(st->text); /* mixed content: keep only leaf text */
		n = ag_arena_alloc(
		    &st->doc->arena, sizeof(struct ag_xml_node), _Alignof(struct ag_xml_node));
		*n = (struct ag_xml_node){0}; /* stores, not a call to memset */
		if (k->last) {
			prev = k->last->name;
			k->last->next = n;
		} else {
			k->first = n;
		}
		k->last = n;
		st->cur->n_kids++;
	} else if (!st->doc) {
		st->doc = ag_xcalloc(1, sizeof(*st->doc));
		st->doc->hints = ag_xcalloc(XML_HINTS, sizeof(*st->doc->hints));
		n = &st->doc->root;
	} else {
		xml_fail(st, "more than one root element");
		return;
	}
	n->name = (char *)name_of(st, st->cur ? st->cur->name : NULL, prev, name);
	n->parent = st->cur;
	st->open[st->depth].first = st->open[st->depth].last = NULL;
	st->cur = n;
	st->depth++;
}

static void XMLCALL
on_end(void *ud, const XML_Char *name)
{
	struct xml_state *st = ud;
	struct ag_xml_node *n = st->cur, *k;
	size_t i = 0;

	(void)name;
	if (st->failed || !n)
		return;
	/* a container's text (and an empty leaf's) is "": one shared copy */
	n->text = st->text->len > 0
	              ? ag_arena_strndup(&st->doc->arena, st->text->ptr, st->text->len)
	              : xml_empty;
	ag_buf_reset(st->text);
	if (n->n_kids > 0) {
		n->kids = AG_ARENA_NEW(&st->doc->arena, struct ag_xml_node *, n->n_kids);
		for (k = st->open[st->depth - 1].first; k != NULL; k = k->next)
			n->kids[i++] = k;
	}
	st->cur = n->parent;
	st->depth--;
}

static void XMLCALL
on_text(void *ud, const XML_Char *s, int len)
{
	struct xml_state *st = ud;

	if (st->failed || !st->cur)
		return;
	if (ag_buf_add(st->text, s, (size_t)len) != 0)
		xml_fail(st, "element text too long");
}

/* AWS replies never carry a DTD; refusing one rules out entity tricks. */
static void XMLCALL
on_doctype(void *ud, const XML_Char *name, const XML_Char *sysid, const XML_Char *pubid,
    int has_internal_subset)
{
	(void)name;
	(void)sysid;
	(void)pubid;
	(void)has_internal_subset;
	xml_fail(ud, "a document type declaration is not allowed");
}

/* Gives expat the document in pieces of XML_PIECE bytes: it copies what it
 * is given into a buffer of its own, which then holds at most a piece (plus
 * the token that spans two), whatever the reply's length. The piece is
 * larger than a describe page (100 records, some 300-400 KB), so a page goes
 * in as one final piece: after each piece that is not the last, expat walks
 * every byte of it again to count lines and columns, which cost about a
 * tenth of a sync's CPU when pages went in 16 KiB pieces. */
static enum XML_Status
feed(XML_Parser p, const char *data, size_t len)
{
	size_t off = 0, n;
	enum XML_Status st;

	do {
		n = len - off < XML_PIECE ? len - off : XML_PIECE;
		st = XML_Parse(p, data + off, (int)n, off + n == len ? XML_TRUE : XML_FALSE);
		off += n;
	} while (st == XML_STATUS_OK && off < len);
	return st;
}

/*
 * A reader keeps its expat parser from one document to the next (reset in
 * between), so expat's buffers stay allocated: a fresh parser allocated a
 * page-sized buffer for every reply and took a page fault for each 4 KB
 * of it. The guesses are cleared for each document: the names they point
 * at were the last document's.
 */
struct ag_xml_reader {
	XML_Parser p; /* NULL until the first document */
	struct guess *guesses;
	struct ag_buf text;
};

struct ag_xml_reader *
ag_xml_reader_new(void)
{
	struct ag_xml_reader *rd = ag_xcalloc(1, sizeof(*rd));

	rd->guesses = ag_xcalloc(XML_GUESSES, sizeof(*rd->guesses));
	ag_buf_init(&rd->text, XML_MAX_TEXT);
	return rd;
}

void
ag_xml_reader_free(struct ag_xml_reader *rd)
{
	if (rd == NULL)
		return;
	if (rd->p != NULL)
		XML_ParserFree(rd->p);
	free(rd->guesses);
	ag_buf_release(&rd->text);
	free(rd);
}

int
ag_xml_reader_parse(struct ag_xml_reader *rd, struct ag_xml_node **out, const char *data,
    size_t len, const char *what, struct ag_error *err)
{
	struct xml_state st;
	int ret = AG_OK;

	*out = NULL;
	if (rd->p == NULL)
		rd->p = XML_ParserCreate(NULL);
	else if (!XML_ParserReset(rd->p, NULL)) {
		XML_ParserFree(rd->p);
		rd->p = XML_ParserCreate(NULL);
	}
	if (rd->p == NULL)
		return ag_error_set(err, AG_ERROR, "cannot create an XML parser");
	memset(&st, 0, sizeof(st));
	memset(rd->guesses, 0, XML_GUESSES * sizeof(*rd->guesses));
	ag_buf_reset(&rd->text);
	st.p = rd->p;
	st.guesses = rd->guesses;
	st.text = &rd->text;
	XML_SetUserData(st.p, &st);
	XML_SetElementHandler(st.p, on_start, on_end);
	XML_SetCharacterDataHandler(st.p, on_text);
	XML_SetStartDoctypeDeclHandler(st.p, on_doctype);
	/* a document that parses has closed every element: each has its
	 * text and its children */
	if (feed(st.p, data, len) != XML_STATUS_OK || st.failed || !st.doc || st.cur != NULL) {
		if (st.failed)
			ret = ag_error_set(err, AG_EAWS, "%s: malformed XML: %s", what, st.why);
		else if (!st.doc || len == 0)
			ret = ag_error_set(err, AG_EAWS, "%s: empty reply (no XML element)", what);
		else
			ret = ag_error_set(err, AG_EAWS,
			    "%s: malformed XML at line %lu column %lu: %s", what,
			    (unsigned long)XML_GetCurrentLineNumber(st.p),
			    (unsigned long)XML_GetCurrentColumnNumber(st.p) + 1,
			    XML_ErrorString(XML_GetErrorCode(st.p)));
		ag_xml_free(st.doc ? &st.doc->root : NULL);
		goto out;
	}
	*out = &st.doc->root;
out:
	return ret;
}

int
ag_xml_parse(
    struct ag_xml_node **out, const char *data, size_t len, const char *what, struct ag_error *err)
{
	struct ag_xml_reader *rd = ag_xml_reader_new();
	int ret = ag_xml_reader_parse(rd, out, data, len, what, err);

	ag_xml_reader_free(rd);
	return ret;
}

void
ag_xml_free(struct ag_xml_node *n)
{
	struct xml_doc *doc = (struct xml_doc *)n;

	if (!n)
		return;
	if (n->parent != NULL)
		AG_BUG("ag_xml_free: not the root of a document");
	ag_intern_release(&doc->names);
	ag_arena_release(&doc->arena);
	free(doc->hints);
	free(doc);
}

/*
 * The document's copy of name, or NULL when no element has it. The copy
 * found last for the same pointer is tried first: decoders look up the
 * same literals in every record, and a strcmp costs less than hashing the
 * name and probing the table. The strcmp is what makes the answer right
 * whatever the pointer now holds (a caller's buffer may be reused). The
 * hints are the only part of a document that a lookup writes.
 */
static const char *
doc_name(const struct ag_xml_node *n, const char *name)
{
	const struct ag_xml_node *root = n;
	struct xml_doc *doc;
	struct name_hint *h;
	uintptr_t k = (uintptr_t)name * 0x9E3779B97F4A7C15ULL;
	const char *in;

	while (root->parent != NULL)
		root = root->parent;
	doc = (struct xml_doc *)(uintptr_t)root;
	h = &doc->hints[(k >> 32) & (XML_HINTS - 1)];
	if (h->key == name && strcmp(h->in, name) == 0)
		return h->in;
	in = ag_intern_find(&doc->names, name);
	if (in != NULL) {
		h->key = name;
		h->in = in;
	}
	return in;
}

/*
 * Names are interned per document, so a lookup finds the document's copy
 * of name once (a name the document never uses ends it there: most
 * lookups of optional members) and compares pointers along the children.
 */
const struct ag_xml_node *
ag_xml_child(const struct ag_xml_node *n, const char *name)
{
	const char *in;
	size_t i;

	if (n == NULL || n->n_kids == 0)
		return NULL;
	in = doc_name(n, name);
	for (i = 0; in != NULL && i < n->n_kids; i++)
		if (n->kids[i]->name == in)
			return n->kids[i];
	return NULL;
}

/* The name is looked up once; the children then compare pointers. */
size_t
ag_xml_count(const struct ag_xml_node *n, const char *name)
{
	const struct ag_xml_node *first = ag_xml_child(n, name);
	size_t i, k = 0;

	for (i = 0; first != NULL && i < n->n_kids; i++)
		k += n->kids[i]->name == first->name;
	return k;
}

const char *
ag_xml_text(const struct ag_xml_node *n, const char *name)
{
	const struct ag_xml_node *c = ag_xml_child(n, name);

	return c ? c->text : NULL;
}

const struct ag_xml_node *
ag_xml_find(const struct ag_xml_node *n, const char *name)
{
	size_t i;

	if (!n)
		return NULL;
	for (i = 0; i < n->n_kids; i++) {
		const struct ag_xml_node *r;

		if (strcmp(n->kids[i]->name, name) == 0)
			return n->kids[i];
		if ((r = ag_xml_find(n->kids[i], name)) != NULL)
			return r;
	}
	return NULL;
}

const struct ag_xml_node *
ag_xml_path(const struct ag_xml_node *n, const char *path)
{
	char part[256];

	while (n && *path) {
		const char *e = strchr(path, '/');
		size_t len = e ? (size_t)(e - path) : strlen(path);

		if (len >= sizeof(part))
			return NULL;
		memcpy(part, path, len);
		part[len] = '\0';
		n = ag_xml_child(n, part);
		path += len + (e ? 1 : 0);
	}
	return n;
}

bool
ag_xml_bool(const struct ag_xml_node *n, const char *name, bool *out)
{
	const char *t = ag_xml_text(n, name);

	if (!t)
		return false;
	if (strcmp(t, "true") == 0)
		*out = true;
	else if (strcmp(t, "false") == 0)
		*out = false;
	else
		return false;
	return true;
}

bool
ag_xml_int(const struct ag_xml_node *n, const char *name, int *out)
{
	const char *t = ag_xml_text(n, name);
	char *end;
	long v;

	if (!t || !*t)
		return false;
	errno = 0;
	v = strtol(t, &end, 10);
	if (errno || *end || v < -2147483647L - 1 || v > 2147483647L)
		return false;
	*out = (int)v;
	return true;
}

bool
ag_xml_double(const struct ag_xml_node *n, const char *name, double *out)
{
	const char *t = ag_xml_text(n, name);
	char *end;
	double v;

	if (!t || !*t)
		return false;
	errno = 0;
	v = strtod(t, &end);
	if (errno || *end)
		return false;
	*out = v;
	return true;
}

char *
ag_xml_dup(const struct ag_xml_node *n, const char *name)
{
	return ag_xstrdup(ag_xml_text(n, name));
}

void
ag_xml_strlist(struct ag_strlist *out, const struct ag_xml_node *n, const char *list)
{
	const struct ag_xml_node *l = ag_xml_child(n, list);
	size_t i;

	for (i = 0; l && i < l->n_kids; i++)
		ag_strlist_add(out, l->kids[i]->text);
}

void
ag_xml_tags(struct ag_kvlist *out, const struct ag_xml_node *n, const char *list)
{
	const struct ag_xml_node *l = ag_xml_child(n, list);
	size_t i;

	for (i = 0; l && i < l->n_kids; i++) {
		const char *k = ag_xml_text(l->kids[i], "Key");
		const char *v = ag_xml_text(l->kids[i], "Value");

		if (k)
			ag_kvlist_add(out, k, v ? v : "");
	}
}
