/*
 * TOML 1.0's rules on defining tables, enforced on the tree as it grows.
 *
 * - A [header] defines a table once. Tables created on the way to it
 *   ([a.b.c] creates a and a.b) stay implicit until a header of their own.
 * - Dotted keys define the tables they create; a header may not define those
 *   again but may add sub-tables under them. Dotted keys may walk through
 *   tables that are still implicit, never into one a header defined.
 * - [[a]] appends a table to the array of tables a; a header under it
 *   ([a.b]) extends the array's last table.
 * - Inline tables and arrays written as values are complete: nothing is ever
 *   added to them or to anything inside them.
 *
 * The tree has no room for these states, so they live in a set keyed by node
 * address. Only the states a table does not have by default are stored
 * (implicit, dotted and inline tables, arrays of tables): the tables of
 * [headers] and [[arrays]], the bulk of a config, cost no entry.
 */
#include "format/toml_parser.h"
#include "core/mem.h"

#include <stdio.h>
#include <stdlib.h>

static size_t slot_of(const struct toml_open_set *set, const prov_value *node)
{
	uint64_t h = (uint64_t)(uintptr_t)node * UINT64_C(0x9e3779b97f4a7c15);

	return (size_t)(h ^ (h >> 32)) & (set->cap - 1);
}

static struct toml_open_entry *find_slot(const struct toml_open_set *set, const prov_value *node)
{
	size_t mask = set->cap - 1;

	for (size_t i = slot_of(set, node);; i = (i + 1) & mask)
		if (set->slots[i].node == node || !set->slots[i].node)
			return &set->slots[i];
}

static int grow(struct toml_open_set *set)
{
	struct toml_open_set bigger = { NULL, set->cap ? set->cap * 2 : 64, set->count };

	if (!(bigger.slots = prov_calloc(bigger.cap, sizeof(*bigger.slots))))
		return PROV_ENOMEM;
	for (size_t i = 0; i < set->cap; i++)
		if (set->slots[i].node)
			*find_slot(&bigger, set->slots[i].node) = set->slots[i];
	free(set->slots);
	*set = bigger;
	return PROV_OK;
}

static int set_state(struct toml_open_set *set, const prov_value *node,
		     enum toml_open_state state, uint32_t line)
{
	struct toml_open_entry *entry;

	if ((set->count + 1) * 2 > set->cap && grow(set))
		return PROV_ENOMEM;
	entry = find_slot(set, node);
	if (!entry->node)
		set->count++;
	*entry = (struct toml_open_entry){ node, line, (uint8_t)state };
	return PROV_OK;
}

/* A container's effective state, including the defaults no entry records. */
enum effective_state {
	STATE_IMPLICIT = TOML_IMPLICIT,
	STATE_DEFINED = TOML_DEFINED,
	STATE_DOTTED = TOML_DOTTED,
	STATE_INLINE = TOML_INLINE,
	STATE_ARRAY_OF_TABLES = TOML_ARRAY_OF_TABLES,
	STATE_ARRAY_VALUE,
	STATE_SCALAR,
};

static enum effective_state state_of(const struct toml_parser *ps, const prov_value *node,
				     uint32_t *line)
{
	const struct toml_open_entry *entry = ps->open.cap ? find_slot(&ps->open, node) : NULL;

	*line = prov_value_line(node);
	if (entry && entry->node) {
		*line = entry->line;
		return (enum effective_state)entry->state;
	}
	if (prov_value_is(node, PROV_VALUE_TABLE))
		return ps->inline_level ? STATE_INLINE : STATE_DEFINED;
	return prov_value_is(node, PROV_VALUE_ARRAY) ? STATE_ARRAY_VALUE : STATE_SCALAR;
}

int toml_mark_inline(struct toml_parser *ps, const prov_value *table, uint32_t line)
{
	return set_state(&ps->open, table, TOML_INLINE, line);
}

void toml_open_set_free(struct toml_open_set *set)
{
	free(set->slots);
	*set = (struct toml_open_set){ NULL, 0, 0 };
}

int toml_too_deep(struct toml_parser *ps)
{
	return toml_error(&ps->s, PROV_EPARSE, "nesting deeper than %d levels",
			  PROV_DOCUMENT_MAX_DEPTH);
}

static bool is_bare(const char *key, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (!toml_is((unsigned char)key[i], TOML_BARE_KEY))
			return false;
	return len > 0;
}

const char *toml_key_display(const struct toml_parser *ps, size_t upto, char *buf, size_t size)
{
	size_t used = 0;

	buf[0] = '\0';
	for (size_t i = 0; i <= upto && used + 1 < size; i++) {
		const struct toml_key_part *part = &ps->parts[i];
		bool bare = is_bare(part->ptr, part->len);
		int n = snprintf(buf + used, size - used, "%s%s%.*s%s", i ? "." : "",
				 bare ? "" : "\"", (int)(part->len > 64 ? 64 : part->len),
				 part->ptr, bare ? "" : "\"");

		used += n > 0 ? (size_t)n : 0;
	}
	return buf;
}

/* What node is, with its article, for errors. */
static const char *describe(const struct toml_parser *ps, const prov_value *node)
{
	uint32_t line;

	switch (state_of(ps, node, &line)) {
	case STATE_INLINE:
		return "an inline table";
	case STATE_ARRAY_OF_TABLES:
		return "an array of tables";
	case STATE_ARRAY_VALUE:
		return "an array value";
	case STATE_SCALAR:
		break;
	default:
		return "a table";
	}
	switch (prov_value_type_of(node)) {
	case PROV_VALUE_INT:
		return "an integer";
	case PROV_VALUE_DOUBLE:
		return "a float";
	case PROV_VALUE_BOOL:
		return "a boolean";
	case PROV_VALUE_DATETIME:
		return "a datetime";
	default:
		return "a string";
	}
}

/* The error for meeting a node of the wrong kind at part i of the key. */
static int conflict(struct toml_parser *ps, size_t i, const prov_value *node, const char *what)
{
	char key[160];

	ps->s.line = ps->parts[i].line;
	return toml_error(&ps->s, PROV_EPARSE, "%s '%s': it is %s defined at line %u", what,
			  toml_key_display(ps, i, key, sizeof(key)), describe(ps, node),
			  (unsigned)prov_value_line(node));
}

/* A new table under key part i of parent; state 0 records none. */
static int add_table(struct toml_parser *ps, prov_value *parent, size_t i,
		     enum toml_open_state state, prov_value **out)
{
	const struct toml_key_part *part = &ps->parts[i];
	prov_value *table = prov_value_table(ps->src, part->line);

	if (!table)
		return PROV_ENOMEM;
	if (prov_table_add(parent, part->ptr, part->len, part->line, table))
		return PROV_ENOMEM; /* the key was looked up first: only ENOMEM remains */
	*out = table;
	return state ? set_state(&ps->open, table, state, part->line) : PROV_OK;
}

int toml_dotted_target(struct toml_parser *ps, prov_value **table, int *depth)
{
	for (size_t i = 0; i + 1 < ps->nparts; i++) {
		const struct toml_key_part *part = &ps->parts[i];
		prov_value *child = prov_table_get(*table, part->ptr, part->len);
		enum effective_state state;
		uint32_t line;
		char key[160];
		int rc;

		if (++*depth > PROV_DOCUMENT_MAX_DEPTH)
			return toml_too_deep(ps);
		if (!child) {
			if ((rc = add_table(ps, *table, i, TOML_DOTTED, table)))
				return rc;
			continue;
		}
		state = state_of(ps, child, &line);
		if (state == STATE_DEFINED) {
			/* Only at a section's level: inline values hold no headers. */
			ps->s.line = part->line;
			return toml_error(&ps->s, PROV_EPARSE,
					  "dotted key cannot add to table [%.*s%s%s], defined at line %u",
					  ps->section_len, ps->section, ps->section_len ? "." : "",
					  toml_key_display(ps, i, key, sizeof(key)), (unsigned)line);
		}
		if (state != STATE_DOTTED && state != STATE_IMPLICIT)
			return conflict(ps, i, child, "cannot add keys to");
		*table = child;
	}
	return PROV_OK;
}

/* Step from table into key part i of a header's key. */
static int header_step(struct toml_parser *ps, size_t i, prov_value **table, int *depth)
{
	prov_value *child = prov_table_get(*table, ps->parts[i].ptr, ps->parts[i].len);
	enum effective_state state;
	uint32_t line;

	if (!child) {
		if (++*depth > PROV_DOCUMENT_MAX_DEPTH)
			return toml_too_deep(ps);
		return add_table(ps, *table, i, TOML_IMPLICIT, table);
	}
	state = state_of(ps, child, &line);
	if (state == STATE_ARRAY_OF_TABLES) {
		if ((*depth += 2) > PROV_DOCUMENT_MAX_DEPTH)
			return toml_too_deep(ps);
		*table = prov_array_at(child, prov_array_len(child) - 1);
		return PROV_OK;
	}
	if (state != STATE_IMPLICIT && state != STATE_DEFINED && state != STATE_DOTTED)
		return conflict(ps, i, child, "cannot add a table to");
	if (++*depth > PROV_DOCUMENT_MAX_DEPTH)
		return toml_too_deep(ps);
	*table = child;
	return PROV_OK;
}

/* [header]: define the table named by the last key part. */
static int define_table(struct toml_parser *ps, prov_value *parent, int depth,
			uint32_t header_line)
{
	size_t last = ps->nparts - 1;
	prov_value *table = prov_table_get(parent, ps->parts[last].ptr, ps->parts[last].len);
	enum effective_state state;
	uint32_t line;
	char key[160];

	ps->table_depth = depth + 1;
	if (ps->table_depth > PROV_DOCUMENT_MAX_DEPTH)
		return toml_too_deep(ps);
	if (!table)
		return add_table(ps, parent, last, 0, &ps->table);
	state = state_of(ps, table, &line);
	if (state == STATE_IMPLICIT) {
		ps->table = table;
		return set_state(&ps->open, table, TOML_DEFINED, header_line);
	}
	ps->s.line = header_line;
	toml_key_display(ps, last, key, sizeof(key));
	if (state == STATE_DEFINED)
		return toml_error(&ps->s, PROV_EPARSE, "table [%s] is defined twice (first at line %u)",
				  key, (unsigned)line);
	if (state == STATE_DOTTED)
		return toml_error(&ps->s, PROV_EPARSE,
				  "table [%s] is already defined by dotted keys at line %u", key,
				  (unsigned)line);
	if (state == STATE_ARRAY_OF_TABLES)
		return toml_error(&ps->s, PROV_EPARSE,
				  "[%s] is an array of tables (line %u): write [[%s]]", key,
				  (unsigned)line, key);
	return conflict(ps, last, table, "cannot define a table at");
}

/* [[header]]: append a new table to the array named by the last key part. */
static int append_table(struct toml_parser *ps, prov_value *parent, int depth, uint32_t line)
{
	size_t last = ps->nparts - 1;
	const struct toml_key_part *part = &ps->parts[last];
	prov_value *array = prov_table_get(parent, part->ptr, part->len);
	prov_value *table;
	uint32_t array_line;

	ps->table_depth = depth + 2;
	if (ps->table_depth > PROV_DOCUMENT_MAX_DEPTH)
		return toml_too_deep(ps);
	if (!array) {
		if (!(array = prov_value_array(ps->src, line)))
			return PROV_ENOMEM;
		if (prov_table_add(parent, part->ptr, part->len, part->line, array) ||
		    set_state(&ps->open, array, TOML_ARRAY_OF_TABLES, line))
			return PROV_ENOMEM;
	} else if (state_of(ps, array, &array_line) != STATE_ARRAY_OF_TABLES) {
		return conflict(ps, last, array, "cannot append a [[table]] to");
	}
	/* The new element needs no entry: headers reach it through the array. */
	if (!(table = prov_value_table(ps->src, line)) || prov_array_push(array, table))
		return PROV_ENOMEM;
	ps->table = table;
	return PROV_OK;
}

int toml_open_section(struct toml_parser *ps, bool array_of_tables, uint32_t header_line)
{
	prov_value *table = ps->root;
	int depth = 1;
	int rc;

	for (size_t i = 0; i + 1 < ps->nparts; i++)
		if ((rc = header_step(ps, i, &table, &depth)))
			return rc;
	if (array_of_tables)
		return append_table(ps, table, depth, header_line);
	return define_table(ps, table, depth, header_line);
}
