/*
 * The TOML reader's state, shared by the grammar (toml_parse.c) and the
 * rules on which tables a header or a dotted key may still extend
 * (toml_tables.c).
 */
#ifndef PROV_FORMAT_TOML_PARSER_H
#define PROV_FORMAT_TOML_PARSER_H

#include "format/toml_scan.h"

/*
 * What a header or a dotted key may do with a table or array it meets (see
 * toml_tables.c). Most tables need no entry: a table not in the set was
 * defined by a [header] or is an element of an [[array]] (or, inside an
 * inline value, is an inline table), and an array not in the set is an
 * array value.
 */
enum toml_open_state {
	TOML_IMPLICIT = 1,    /* created on the way to a [header]; a header may still define it */
	TOML_DEFINED,         /* an implicit table that got its [header] */
	TOML_DOTTED,          /* created by dotted keys; headers may only add sub-tables */
	TOML_INLINE,          /* an inline table, complete at its closing brace */
	TOML_ARRAY_OF_TABLES, /* created by [[header]]; headers extend its last element */
};

struct toml_open_entry {
	const prov_value *node;
	uint32_t line;  /* where it got its state, for errors */
	uint8_t state;
};

/* An open-addressing set of the containers with a state of their own. */
struct toml_open_set {
	struct toml_open_entry *slots;
	size_t cap;
	size_t count;
};

/* One part of a dotted key; ptr points into the input or the key buffer. */
struct toml_key_part {
	const char *ptr;
	size_t len;
	uint32_t line;
};

struct toml_parser {
	struct toml_scanner s;
	prov_source *src;
	prov_value *root;
	prov_value *table; /* the current [section], which receives key/values */
	int table_depth;   /* containers from the root to it, both included */
	const char *section; /* its header's key as written, for errors */
	int section_len;     /* 0 at the top of the document */
	int inline_level;    /* > 0 inside an array or inline table value */
	struct toml_open_set open;
	prov_strbuf keys;  /* decoded quoted keys of the current key */
	size_t nparts;
	struct toml_key_part parts[PROV_DOCUMENT_MAX_DEPTH];
};

/* The error for a container past PROV_DOCUMENT_MAX_DEPTH. */
int toml_too_deep(struct toml_parser *ps);

/* The key parts [0, upto] as written ("a.\"b c\".d"), bounded, for errors. */
const char *toml_key_display(const struct toml_parser *ps, size_t upto, char *buf, size_t size);

/*
 * From the current section, follow the first nparts - 1 parts of a dotted
 * key (creating tables as needed) to the table that gets the last part.
 * *depth is the section's depth on entry and the target's on return.
 */
int toml_dotted_target(struct toml_parser *ps, prov_value **table, int *depth);

/* Record that table is an inline table given as a value in a section. */
int toml_mark_inline(struct toml_parser *ps, const prov_value *table, uint32_t line);

/* Handle a [header] or [[header]] whose key is in ps->parts: the new section. */
int toml_open_section(struct toml_parser *ps, bool array_of_tables, uint32_t header_line);

void toml_open_set_free(struct toml_open_set *set);

#endif
