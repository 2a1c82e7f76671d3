/*
 * The TOML printer.
 *
 * A table prints its simple members as `key = value` lines first, then each
 * sub-table under a [header] and each array of tables as [[header]] blocks,
 * because TOML reads every key/value after a header as part of that header's
 * table. Anything inside an array written inline prints inline.
 */
#include "format/toml.h"
#include "format/toml_scan.h"
#include "core/utf8.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

struct key_ref {
	const char *key;
	size_t len;
};

struct printer {
	prov_strbuf *out;
	prov_strbuf path;       /* where we are, for errors: servers[2].ip */
	size_t nsections;       /* keys of the current [header] */
	struct key_ref sections[PROV_DOCUMENT_MAX_DEPTH];
};

static int fail(struct printer *pr, int code, const char *what)
{
	prov_err_set(code, PROV_ERRCAT_DOCUMENT, "%s at key '%s'", what,
		     prov_strbuf_cstr(&pr->path));
	prov_err_context(PROV_ERR_KEY, prov_strbuf_cstr(&pr->path));
	return code;
}

/* Extend the error path by a key or an index; returns the length to go back to. */
static size_t path_push_key(struct printer *pr, const char *key, size_t len)
{
	size_t mark = pr->path.len;

	if (mark)
		prov_strbuf_putc(&pr->path, '.');
	prov_strbuf_append(&pr->path, key, len);
	return mark;
}

static size_t path_push_index(struct printer *pr, size_t index)
{
	size_t mark = pr->path.len;

	prov_strbuf_printf(&pr->path, "[%zu]", index);
	return mark;
}

static void path_pop(struct printer *pr, size_t mark)
{
	prov_strbuf_truncate(&pr->path, mark);
}

static int put_string(struct printer *pr, const char *s, size_t len)
{
	if (prov_utf8_check(s, len) != len)
		return fail(pr, PROV_EINVAL, "invalid UTF-8 cannot be printed as TOML");
	/* JSON's escapes (\" \\ \b \t \n \f \r \u00XX) are all TOML escapes too. */
	return prov_strbuf_put_json_string(pr->out, s, len);
}

static int put_key(struct printer *pr, const char *key, size_t len)
{
	bool bare = len > 0;

	for (size_t i = 0; bare && i < len; i++)
		bare = toml_is((unsigned char)key[i], TOML_BARE_KEY);
	if (bare)
		return prov_strbuf_append(pr->out, key, len);
	return put_string(pr, key, len);
}

/* Whether the datetime's text reads back as the same kind and text. */
static bool datetime_reads_back(const prov_value *v)
{
	size_t len;
	const char *text = prov_value_get_str(v, &len);
	struct toml_scanner s = { text, text + len, 1, "", PROV_STRBUF_INIT };
	struct toml_scalar scalar;
	bool same = len > 0 && toml_scan_number(&s, &scalar) == PROV_OK && s.p == s.end &&
		    scalar.type == PROV_VALUE_DATETIME &&
		    scalar.datetime_kind == prov_value_get_datetime_kind(v) &&
		    scalar.len == len && memcmp(scalar.text, text, len) == 0;

	prov_strbuf_release(&s.text);
	return same;
}

static int put_scalar(struct printer *pr, const prov_value *v)
{
	char number[32];
	const char *text;
	size_t len;

	switch (prov_value_type_of(v)) {
	case PROV_VALUE_BOOL:
		return prov_strbuf_puts(pr->out, prov_value_get_bool(v) ? "true" : "false");
	case PROV_VALUE_INT:
		return prov_strbuf_printf(pr->out, "%" PRId64, prov_value_get_int(v));
	case PROV_VALUE_DOUBLE:
		len = prov_format_double(prov_value_get_double(v), number);
		return prov_strbuf_append(pr->out, number, len);
	case PROV_VALUE_STRING:
		text = prov_value_get_str(v, &len);
		return put_string(pr, text, len);
	case PROV_VALUE_DATETIME:
		if (!datetime_reads_back(v))
			return fail(pr, PROV_EINVAL, "a datetime that is not valid TOML");
		text = prov_value_get_str(v, &len);
		return prov_strbuf_append(pr->out, text, len);
	default:
		return fail(pr, PROV_EUNSUPPORTED, "TOML has no null: cannot print the null");
	}
}

static int put_inline(struct printer *pr, const prov_value *v, int depth);

static int put_inline_array(struct printer *pr, const prov_value *array, int depth)
{
	size_t n = prov_array_len(array);
	int rc = prov_strbuf_putc(pr->out, '[');

	for (size_t i = 0; i < n && rc == PROV_OK; i++) {
		size_t mark = path_push_index(pr, i);
		if (i)
			prov_strbuf_append(pr->out, ", ", 2);
		rc = put_inline(pr, prov_array_at(array, i), depth + 1);
		path_pop(pr, mark);
	}
	return rc ? rc : prov_strbuf_putc(pr->out, ']');
}

static int put_inline_table(struct printer *pr, const prov_value *table, int depth)
{
	size_t n = prov_table_len(table);
	int rc = prov_strbuf_putc(pr->out, '{');

	for (size_t i = 0; i < n && rc == PROV_OK; i++) {
		size_t len;
		const char *key = prov_table_key_at(table, i, &len);
		size_t mark = path_push_key(pr, key, len);

		prov_strbuf_append(pr->out, i ? ", " : " ", i ? 2 : 1);
		if (!(rc = put_key(pr, key, len)) && !(rc = prov_strbuf_append(pr->out, " = ", 3)))
			rc = put_inline(pr, prov_table_value_at(table, i), depth + 1);
		path_pop(pr, mark);
	}
	if (rc)
		return rc;
	return prov_strbuf_puts(pr->out, n ? " }" : "}");
}

static int put_inline(struct printer *pr, const prov_value *v, int depth)
{
	prov_value_type type = prov_value_type_of(v);

	if ((type == PROV_VALUE_ARRAY || type == PROV_VALUE_TABLE) &&
	    depth > PROV_DOCUMENT_MAX_DEPTH)
		return fail(pr, PROV_EINVAL, "nesting too deep to print");
	if (type == PROV_VALUE_ARRAY)
		return put_inline_array(pr, v, depth);
	if (type == PROV_VALUE_TABLE)
		return put_inline_table(pr, v, depth);
	return put_scalar(pr, v);
}

/* A non-empty array of tables only: written as [[header]] blocks. */
static bool is_array_of_tables(const prov_value *v)
{
	size_t n = prov_array_len(v);

	for (size_t i = 0; i < n; i++)
		if (!prov_value_is(prov_array_at(v, i), PROV_VALUE_TABLE))
			return false;
	return n > 0;
}

static bool is_section(const prov_value *v)
{
	return prov_value_is(v, PROV_VALUE_TABLE) || is_array_of_tables(v);
}

/* A table needs its own header unless sub-headers alone create it. */
static bool needs_header(const prov_value *table)
{
	size_t n = prov_table_len(table);

	for (size_t i = 0; i < n; i++)
		if (!is_section(prov_table_value_at(table, i)))
			return true;
	return n == 0;
}

static int put_header(struct printer *pr, bool array_of_tables)
{
	const char *open = array_of_tables ? "[[" : "[";
	int rc = PROV_OK;

	if (pr->out->len)
		prov_strbuf_putc(pr->out, '\n');
	prov_strbuf_puts(pr->out, open);
	for (size_t i = 0; i < pr->nsections && rc == PROV_OK; i++) {
		if (i)
			prov_strbuf_putc(pr->out, '.');
		rc = put_key(pr, pr->sections[i].key, pr->sections[i].len);
	}
	if (rc)
		return rc;
	return prov_strbuf_puts(pr->out, array_of_tables ? "]]\n" : "]\n");
}

static int put_body(struct printer *pr, const prov_value *table, int depth);

/* Member i of table, a sub-table or an array of tables, under its header(s). */
static int put_section(struct printer *pr, const prov_value *table, size_t i, int depth)
{
	size_t len;
	const char *key = prov_table_key_at(table, i, &len);
	const prov_value *v = prov_table_value_at(table, i);
	size_t mark = path_push_key(pr, key, len);
	size_t n = prov_array_len(v);
	int rc = PROV_OK;

	pr->sections[pr->nsections++] = (struct key_ref){ key, len };
	if (prov_value_is(v, PROV_VALUE_TABLE)) {
		if (needs_header(v))
			rc = put_header(pr, false);
		if (rc == PROV_OK)
			rc = put_body(pr, v, depth + 1);
	}
	for (size_t item = 0; item < n && rc == PROV_OK; item++) {
		size_t item_mark = path_push_index(pr, item);
		if (!(rc = put_header(pr, true)))
			rc = put_body(pr, prov_array_at(v, item), depth + 2);
		path_pop(pr, item_mark);
	}
	pr->nsections--;
	path_pop(pr, mark);
	return rc;
}

static int put_body(struct printer *pr, const prov_value *table, int depth)
{
	size_t n = prov_table_len(table);
	int rc = PROV_OK;

	if (depth > PROV_DOCUMENT_MAX_DEPTH)
		return fail(pr, PROV_EINVAL, "nesting too deep to print");
	for (size_t i = 0; i < n && rc == PROV_OK; i++) {
		size_t len;
		const char *key = prov_table_key_at(table, i, &len);
		const prov_value *v = prov_table_value_at(table, i);
		size_t mark;

		if (is_section(v))
			continue;
		mark = path_push_key(pr, key, len);
		if (!(rc = put_key(pr, key, len)) && !(rc = prov_strbuf_append(pr->out, " = ", 3)) &&
		    !(rc = put_inline(pr, v, depth + 1)))
			rc = prov_strbuf_putc(pr->out, '\n');
		path_pop(pr, mark);
	}
	for (size_t i = 0; i < n && rc == PROV_OK; i++)
		if (is_section(prov_table_value_at(table, i)))
			rc = put_section(pr, table, i, depth);
	return rc;
}

int prov_toml_print(prov_strbuf *out, const prov_value *table)
{
	struct printer *pr;
	size_t start = out->len;
	int rc;

	if (!prov_value_is(table, PROV_VALUE_TABLE))
		return prov_err_set(PROV_EINVAL, PROV_ERRCAT_DOCUMENT,
				    "only a table can be printed as a TOML document");
	if (!(pr = calloc(1, sizeof(*pr))))
		return prov_err_nomem();
	pr->out = out;
	pr->path = (prov_strbuf)PROV_STRBUF_INIT;
	rc = put_body(pr, table, 1);
	if (rc == PROV_OK)
		rc = prov_strbuf_status(out);
	if (rc == PROV_OK)
		rc = prov_strbuf_status(&pr->path);
	if (rc && !out->failed)
		prov_strbuf_truncate(out, start);
	prov_strbuf_release(&pr->path);
	free(pr);
	return rc;
}
