/*
 * The TOML 1.0 grammar: lines, keys, values, arrays and inline tables.
 *
 * One pass over the bytes with no tokenizer in between: each function looks
 * at the next byte and calls the scanner for the token it starts. Containers
 * are added to their parent as soon as they open and filled in place, so the
 * tree grows without copies and every node gets the line where it starts.
 * Recursion happens only for nested values, and never past
 * PROV_DOCUMENT_MAX_DEPTH.
 */
#include "format/toml.h"
#include "format/toml_parser.h"
#include "core/mem.h"

#include <stdlib.h>
#include <string.h>

static void skip_blanks(struct toml_scanner *s)
{
	while (s->p < s->end && (*s->p == ' ' || *s->p == '\t'))
		s->p++;
}

/* A newline (LF or CRLF) at p, counted; false when there is none. */
static bool take_newline(struct toml_scanner *s)
{
	if (s->p < s->end && *s->p == '\n') {
		s->p++;
		s->line++;
		return true;
	}
	if (s->end - s->p >= 2 && s->p[0] == '\r' && s->p[1] == '\n') {
		s->p += 2;
		s->line++;
		return true;
	}
	return false;
}

/* Something that is no value: name it, with a hint for the common mistake. */
static int not_a_value(struct toml_scanner *s)
{
	const char *end = s->p;
	char buf[16];

	while (end < s->end && end - s->p < 40 && !toml_is((unsigned char)*end, TOML_VALUE_END))
		end++;
	if (end == s->p)
		return toml_error(s, PROV_EPARSE, "expected a value, found %s",
				  toml_describe_next(s, buf));
	return toml_error(s, PROV_EPARSE, "invalid value '%.*s'%s", (int)(end - s->p), s->p,
			  toml_is((unsigned char)*s->p, TOML_BARE_KEY) ? " (strings need quotes)" : "");
}

static int expected(struct toml_scanner *s, const char *what)
{
	char buf[16];

	return toml_error(s, PROV_EPARSE, "expected %s, found %s", what, toml_describe_next(s, buf));
}

/* Blanks, newlines and comments between the items of an array. */
static int skip_array_space(struct toml_scanner *s)
{
	int rc;

	for (;;) {
		skip_blanks(s);
		if (take_newline(s))
			continue;
		if (s->p < s->end && *s->p == '#') {
			if ((rc = toml_skip_comment(s)))
				return rc;
			continue;
		}
		return PROV_OK;
	}
}

/* One key part at p: bare, or a quoted string kept in ps->keys. */
static int parse_key_part(struct toml_parser *ps, struct toml_key_part *part, size_t *offset)
{
	struct toml_scanner *s = &ps->s;
	const char *text;
	size_t len;
	int rc;

	part->line = s->line;
	*offset = SIZE_MAX;
	if (s->p < s->end && toml_is((unsigned char)*s->p, TOML_BARE_KEY)) {
		part->ptr = s->p;
		while (s->p < s->end && toml_is((unsigned char)*s->p, TOML_BARE_KEY))
			s->p++;
		part->len = (size_t)(s->p - part->ptr);
		return PROV_OK;
	}
	if (s->p == s->end || (*s->p != '"' && *s->p != '\''))
		return expected(s, "a key");
	if ((rc = toml_scan_string(s, false, &text, &len)))
		return rc;
	part->ptr = text;
	part->len = len;
	/* A decoded key lives in the scanner's buffer, which the next string reuses. */
	if (text == prov_strbuf_cstr(&s->text)) {
		*offset = ps->keys.len;
		prov_strbuf_append(&ps->keys, text, len);
	}
	return prov_strbuf_status(&ps->keys);
}

/* A key, dotted or not, into ps->parts; leaves p after its blanks. */
static int parse_key(struct toml_parser *ps)
{
	size_t offsets[PROV_DOCUMENT_MAX_DEPTH];
	int rc;

	ps->nparts = 0;
	prov_strbuf_reset(&ps->keys);
	for (;;) {
		skip_blanks(&ps->s);
		if (ps->nparts == PROV_DOCUMENT_MAX_DEPTH)
			return toml_too_deep(ps);
		rc = parse_key_part(ps, &ps->parts[ps->nparts], &offsets[ps->nparts]);
		if (rc)
			return rc;
		ps->nparts++;
		skip_blanks(&ps->s);
		if (ps->s.p == ps->s.end || *ps->s.p != '.')
			break;
		ps->s.p++;
	}
	for (size_t i = 0; i < ps->nparts; i++)
		if (offsets[i] != SIZE_MAX)
			ps->parts[i].ptr = ps->keys.data + offsets[i];
	return PROV_OK;
}

static int parse_container(struct toml_parser *ps, prov_value *container, int depth);

/* true, false, a string, a number or a datetime at p. */
static int parse_scalar(struct toml_parser *ps, prov_value **out)
{
	struct toml_scanner *s = &ps->s;
	uint32_t line = s->line;
	struct toml_scalar scalar;
	const char *text;
	size_t len;
	int rc;

	if (*s->p == '"' || *s->p == '\'') {
		if ((rc = toml_scan_string(s, true, &text, &len)))
			return rc;
		*out = prov_value_string(text, len, ps->src, line);
	} else if (*s->p == 't' || *s->p == 'f') {
		bool b = *s->p == 't';
		len = b ? 4 : 5;
		if ((size_t)(s->end - s->p) < len || memcmp(s->p, b ? "true" : "false", len) != 0 ||
		    (s->p + len < s->end && !toml_is((unsigned char)s->p[len], TOML_VALUE_END)))
			return not_a_value(s);
		s->p += len;
		*out = prov_value_bool(b, ps->src, line);
	} else {
		if ((rc = toml_scan_number(s, &scalar)))
			return rc;
		if (scalar.type == PROV_VALUE_INT)
			*out = prov_value_int(scalar.i, ps->src, line);
		else if (scalar.type == PROV_VALUE_DOUBLE)
			*out = prov_value_double(scalar.d, ps->src, line);
		else
			*out = prov_value_datetime(scalar.datetime_kind, scalar.text, scalar.len,
						   ps->src, line);
	}
	return *out ? PROV_OK : PROV_ENOMEM;
}

static bool starts_scalar(char c)
{
	return c == '"' || c == '\'' || c == 't' || c == 'f' || c == '+' || c == '-' ||
	       c == 'i' || c == 'n' || (c >= '0' && c <= '9');
}

/* Where a value goes: under a key of a table, or at the end of an array. */
struct toml_place {
	prov_value *parent;
	const struct toml_key_part *key; /* NULL: push onto the parent array */
};

static int put(struct toml_parser *ps, const struct toml_place *place, prov_value *value)
{
	char key[160];
	long pos;
	int rc;

	if (!place->key)
		return prov_array_push(place->parent, value);
	rc = prov_table_add(place->parent, place->key->ptr, place->key->len, place->key->line,
			    value);
	if (rc != PROV_EEXISTS)
		return rc;
	pos = prov_table_find(place->parent, place->key->ptr, place->key->len);
	ps->s.line = place->key->line;
	return toml_error(&ps->s, PROV_EPARSE, "duplicate key '%s' (first defined at line %u)",
			  toml_key_display(ps, ps->nparts - 1, key, sizeof(key)),
			  (unsigned)prov_table_key_line_at(place->parent, (size_t)pos));
}

/*
 * The value at p. A container is created empty and put in its place at once
 * (before the key or array is reused by nested values), then filled.
 */
static int parse_value(struct toml_parser *ps, const struct toml_place *place, int depth)
{
	struct toml_scanner *s = &ps->s;
	prov_value *value = NULL;
	int rc;

	if (s->p < s->end && (*s->p == '[' || *s->p == '{')) {
		if (depth > PROV_DOCUMENT_MAX_DEPTH)
			return toml_too_deep(ps);
		value = *s->p == '[' ? prov_value_array(ps->src, s->line)
				     : prov_value_table(ps->src, s->line);
		if (!value)
			return PROV_ENOMEM;
		if ((rc = put(ps, place, value)))
			return rc;
		/* Headers and dotted keys can reach only the outermost inline tables. */
		if (*s->p == '{' && !ps->inline_level && (rc = toml_mark_inline(ps, value, s->line)))
			return rc;
		return parse_container(ps, value, depth);
	}
	if (s->p == s->end || !starts_scalar(*s->p))
		return not_a_value(s);
	if ((rc = parse_scalar(ps, &value)))
		return rc;
	return put(ps, place, value);
}

/* key = value, into table (at depth) or the tables its dotted key names. */
static int parse_keyval(struct toml_parser *ps, prov_value *table, int depth)
{
	struct toml_scanner *s = &ps->s;
	struct toml_place place;
	int rc;

	if ((rc = parse_key(ps)))
		return rc;
	if (s->p == s->end || *s->p != '=')
		return expected(s, "'=' after the key");
	s->p++;
	skip_blanks(s);
	if ((rc = toml_dotted_target(ps, &table, &depth)))
		return rc;
	place.parent = table;
	place.key = &ps->parts[ps->nparts - 1];
	return parse_value(ps, &place, depth + 1);
}

static int parse_array(struct toml_parser *ps, prov_value *array, int depth)
{
	struct toml_scanner *s = &ps->s;
	struct toml_place place = { array, NULL };
	uint32_t opened = s->line;
	int rc;

	for (s->p++;;) {
		if ((rc = skip_array_space(s)))
			return rc;
		if (s->p < s->end && *s->p == ']')
			break;
		if (s->p == s->end)
			return toml_error(s, PROV_EPARSE, "array opened at line %u is not closed",
					  (unsigned)opened);
		if ((rc = parse_value(ps, &place, depth + 1)) || (rc = skip_array_space(s)))
			return rc;
		if (s->p < s->end && *s->p == ',')
			s->p++;
		else if (s->p == s->end || *s->p != ']')
			return expected(s, "',' or ']' in the array");
	}
	s->p++;
	return PROV_OK;
}

/* TOML 1.0 inline tables: one line, no trailing comma. */
static int parse_inline_table(struct toml_parser *ps, prov_value *table, int depth)
{
	struct toml_scanner *s = &ps->s;
	int rc;

	s->p++;
	skip_blanks(s);
	if (s->p < s->end && *s->p == '}') {
		s->p++;
		return PROV_OK;
	}
	for (;;) {
		if ((rc = parse_keyval(ps, table, depth)))
			return rc;
		skip_blanks(s);
		if (s->p < s->end && *s->p == '}')
			break;
		if (s->p == s->end || *s->p != ',')
			return expected(s, "',' or '}' in the inline table (which must fit on one line)");
		s->p++;
	}
	s->p++;
	return PROV_OK;
}

static int parse_container(struct toml_parser *ps, prov_value *container, int depth)
{
	int rc;

	ps->inline_level++;
	if (prov_value_is(container, PROV_VALUE_ARRAY))
		rc = parse_array(ps, container, depth);
	else
		rc = parse_inline_table(ps, container, depth);
	ps->inline_level--;
	return rc;
}

static int parse_header(struct toml_parser *ps)
{
	struct toml_scanner *s = &ps->s;
	uint32_t line = s->line;
	bool array_of_tables = s->end - s->p >= 2 && s->p[1] == '[';
	const char *name;
	int rc;

	s->p += array_of_tables ? 2 : 1;
	skip_blanks(s);
	name = s->p;
	if ((rc = parse_key(ps)))
		return rc;
	if (s->p == s->end || *s->p != ']' ||
	    (array_of_tables && (s->end - s->p < 2 || s->p[1] != ']')))
		return expected(s, array_of_tables ? "']]' closing the header" : "']' closing the header");
	ps->section = name;
	ps->section_len = (int)(s->p - name);
	while (ps->section_len && (name[ps->section_len - 1] == ' ' || name[ps->section_len - 1] == '\t'))
		ps->section_len--;
	s->p += array_of_tables ? 2 : 1;
	return toml_open_section(ps, array_of_tables, line);
}

/* After a key/value or a header: blanks, an optional comment, the line's end. */
static int finish_line(struct toml_scanner *s)
{
	int rc;

	skip_blanks(s);
	if (s->p < s->end && *s->p == '#' && (rc = toml_skip_comment(s)))
		return rc;
	if (s->p == s->end || take_newline(s))
		return PROV_OK;
	return expected(s, "the end of the line");
}

static int parse_document(struct toml_parser *ps)
{
	struct toml_scanner *s = &ps->s;
	int rc;

	if (s->end - s->p >= 3 && memcmp(s->p, "\xef\xbb\xbf", 3) == 0)
		s->p += 3;
	for (;;) {
		skip_blanks(s);
		if (s->p == s->end)
			return PROV_OK;
		if (take_newline(s))
			continue;
		if (*s->p == '#')
			rc = toml_skip_comment(s);
		else if (*s->p == '[')
			rc = parse_header(ps);
		else
			rc = parse_keyval(ps, ps->table, ps->table_depth);
		if (rc || (rc = finish_line(s)))
			return rc;
	}
}

int prov_toml_parse(const char *text, size_t len, prov_source *src, prov_value **out)
{
	const char *name = prov_source_name(src);
	struct toml_parser *ps;
	int rc;

	*out = NULL;
	if (!(ps = prov_calloc(1, sizeof(*ps))))
		return PROV_ENOMEM;
	ps->s.p = text;
	ps->s.end = text + len;
	ps->s.line = 1;
	ps->s.file = *name ? name : "<string>";
	ps->s.text = (prov_strbuf)PROV_STRBUF_INIT;
	ps->keys = (prov_strbuf)PROV_STRBUF_INIT;
	ps->src = src;
	ps->table_depth = 1;
	ps->root = ps->table = prov_value_table(src, 1);
	rc = ps->root ? parse_document(ps) : PROV_ENOMEM;
	if (rc == PROV_OK)
		*out = ps->root;
	else
		prov_value_unref(ps->root);
	prov_strbuf_release(&ps->s.text);
	prov_strbuf_release(&ps->keys);
	toml_open_set_free(&ps->open);
	free(ps);
	return rc;
}
