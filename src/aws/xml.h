#ifndef AG_AWS_XML_H
#define AG_AWS_XML_H

#include <stdbool.h>
#include <stddef.h>

#include "core/error.h"
#include "core/kv.h"

/*
 * A small element tree built with expat from an AWS XML reply. Element
 * names lose their namespace prefix; text is the concatenated character
 * data of the element itself. Attributes are dropped (AWS replies use none
 * that matter). Depth and node count are bounded. The whole tree is one
 * allocation unit (its nodes, names, texts and child arrays live in an
 * arena of the document) and is read-only. Names are interned per
 * document: two nodes of one document with the same name share its text.
 * Lookups keep hints in the document: one thread at a time reads it.
 */
struct ag_xml_node {
	char *name;
	char *text; /* never NULL ("" when empty) */
	struct ag_xml_node **kids;
	size_t n_kids;
	struct ag_xml_node *next; /* the next sibling, NULL for the last */
	struct ag_xml_node *parent;
};

/* Parses data (what: a name for messages, e.g. "DescribeDBClusters reply"). */
int ag_xml_parse(
    struct ag_xml_node **out, const char *data, size_t len, const char *what, struct ag_error *err);
/* A parser kept for many documents (its buffers stay allocated between
 * them); one thread at a time uses a reader. */
struct ag_xml_reader;
struct ag_xml_reader *ag_xml_reader_new(void);
void ag_xml_reader_free(struct ag_xml_reader *rd);
/* ag_xml_parse with rd's parser. */
int ag_xml_reader_parse(struct ag_xml_reader *rd, struct ag_xml_node **out, const char *data,
    size_t len, const char *what, struct ag_error *err);
/* Frees a document: n must be the root ag_xml_parse gave (NULL is fine). */
void ag_xml_free(struct ag_xml_node *n);

/* First child named name, or NULL. n may be NULL. */
const struct ag_xml_node *ag_xml_child(const struct ag_xml_node *n, const char *name);
/* Number of children named name (0 when n is NULL). */
size_t ag_xml_count(const struct ag_xml_node *n, const char *name);
/* Text of the first child named name, or NULL when absent. */
const char *ag_xml_text(const struct ag_xml_node *n, const char *name);
/* First element named name anywhere below n (depth first), or NULL. */
const struct ag_xml_node *ag_xml_find(const struct ag_xml_node *n, const char *name);
/* Follows a path of child names separated by '/', e.g. "Endpoint/Address". */
const struct ag_xml_node *ag_xml_path(const struct ag_xml_node *n, const char *path);

/* Typed reads of a child's text; return false (out untouched) when absent or malformed. */
bool ag_xml_bool(const struct ag_xml_node *n, const char *name, bool *out);
bool ag_xml_int(const struct ag_xml_node *n, const char *name, int *out);
bool ag_xml_double(const struct ag_xml_node *n, const char *name, double *out);
/* Heap copy of a child's text, or NULL when absent. */
char *ag_xml_dup(const struct ag_xml_node *n, const char *name);

/* Texts of the children of n/list (any element name, e.g. <member>, <item>). */
void ag_xml_strlist(struct ag_strlist *out, const struct ag_xml_node *n, const char *list);
/* Tags under n/list: each child has Key and Value (RDS <Tag>, EC2 <item>). */
void ag_xml_tags(struct ag_kvlist *out, const struct ag_xml_node *n, const char *list);

#endif
