/*
 * The TOML reader's state, shared by the grammar (toml_parse.c) and the
 * rules on which tables a header or a dotted key may still extend
 * (toml_tables.c).
 */
#ifndef PROV_FORMAT_TOML_PARSER_H
#define PROV_FORMAT_TOML_PARSER_H

#include "format/toml_scan.h"

/*
 * What a header or a dotted key may do with a table or array it meets. Only
 * containers created by headers and dotted keys are recorded; everything
 * else (inline tables, arrays written as values, and all they hold) is
 * sealed: nothing may be added to it after its closing bracket.
 */
enum toml_open_state {
	TOML_SEALED = 0,
	TOML_IMPLICIT,       /* created on the way to a [header]; a header may still define it */
	TOML_DEFINED,        /* defined by a [header], or an element of an [[array]] */
	TOML_DOTTED,         /* created by dotted keys; headers may only add sub-tables */
	TOML_ARRAY_OF_TABLES,/* created by [[header]]; headers extend its last element */
};

struct toml_open_entry {
	const prov_value *node;
	uint32_t line;  /* where it got its state, for errors */
	uint8_t state;
};

/* An open-addressing set of the containers that are not sealed. */
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

/* Handle a [header] or [[header]] whose key is in ps->parts: the new section. */
int toml_open_section(struct toml_parser *ps, bool array_of_tables, uint32_t header_line);

void toml_open_set_free(struct toml_open_set *set);

#endif
