/*
 * The JSON reader for configuration files.
 *
 * json-c serves the library's own documents, but config files need what it
 * cannot give: the line of every key (for origins and errors) and duplicate
 * keys reported instead of silently kept last. So this is a small recursive
 * descent reader (RFC 8259) that builds the value tree directly, one pass,
 * with the nesting depth bounded by PROV_DOCUMENT_MAX_DEPTH.
 */
#include "format/format.h"
#include "core/err.h"
#include "core/utf8.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct reader {
	const char *p, *end;
	uint32_t line;
	prov_source *src;
	prov_strbuf scratch; /* decoded strings with escapes */
};

static int fail(struct reader *r, const char *fmt, ...) PROV_PRINTF(2, 3);

static int fail(struct reader *r, const char *fmt, ...)
{
	char message[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(message, sizeof(message), fmt, ap);
	va_end(ap);
	return prov_err_at(PROV_EPARSE, PROV_ERRCAT_DOCUMENT, prov_source_name(r->src),
			   (int)r->line, "%s", message);
}

static void skip_space(struct reader *r)
{
	while (r->p < r->end) {
		char c = *r->p;

		if (c == '\n')
			r->line++;
		else if (c != ' ' && c != '\t' && c != '\r')
			return;
		r->p++;
	}
}

static int parse_value(struct reader *r, int depth, prov_value **out);

static int parse_hex4(struct reader *r, uint32_t *out)
{
	uint32_t v = 0;

	if (r->end - r->p < 4)
		return fail(r, "%s", "truncated \\u escape");
	for (int i = 0; i < 4; i++) {
		char c = *r->p++;
		v <<= 4;
		if (c >= '0' && c <= '9')
			v |= (uint32_t)(c - '0');
		else if (c >= 'a' && c <= 'f')
			v |= (uint32_t)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			v |= (uint32_t)(c - 'A' + 10);
		else
			return fail(r, "%s", "invalid \\u escape");
	}
	*out = v;
	return PROV_OK;
}

/* After "\u": one code point, joining a surrogate pair. */
static int parse_unicode_escape(struct reader *r)
{
	uint32_t cp, low;
	char utf8[4];
	size_t n;

	if (parse_hex4(r, &cp))
		return PROV_EPARSE;
	if (cp >= 0xDC00 && cp <= 0xDFFF)
		return fail(r, "%s", "unpaired low surrogate in \\u escape");
	if (cp >= 0xD800 && cp <= 0xDBFF) {
		if (r->end - r->p < 2 || r->p[0] != '\\' || r->p[1] != 'u')
			return fail(r, "%s", "unpaired high surrogate in \\u escape");
		r->p += 2;
		if (parse_hex4(r, &low))
			return PROV_EPARSE;
		if (low < 0xDC00 || low > 0xDFFF)
			return fail(r, "%s", "unpaired high surrogate in \\u escape");
		cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
	}
	n = prov_utf8_encode(cp, utf8);
	return prov_strbuf_append(&r->scratch, utf8, n);
}

static int parse_escape(struct reader *r)
{
	static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
	const char *hit;

	if (r->p >= r->end)
		return fail(r, "%s", "unterminated string");
	if (*r->p == 'u') {
		r->p++;
		return parse_unicode_escape(r);
	}
	hit = *r->p ? strchr(from, *r->p) : NULL;
	if (!hit && (unsigned char)*r->p > 0x20 && (unsigned char)*r->p < 0x7f)
		return fail(r, "invalid escape '\\%c'", *r->p);
	if (!hit)
		return fail(r, "%s", "invalid escape");
	r->p++;
	return prov_strbuf_putc(&r->scratch, to[hit - from]);
}

/*
 * A string after its opening quote. Runs without escapes are copied in one
 * append; the result is in r->scratch.
 */
static int parse_string_body(struct reader *r)
{
	prov_strbuf_reset(&r->scratch);
	for (;;) {
		const char *run = r->p;
		size_t n;

		while (r->p < r->end && *r->p != '"' && *r->p != '\\' &&
		       (unsigned char)*r->p >= 0x20 && (unsigned char)*r->p < 0x80)
			r->p++;
		if (prov_strbuf_append(&r->scratch, run, (size_t)(r->p - run)))
			return PROV_ENOMEM;
		if (r->p >= r->end)
			return fail(r, "%s", "unterminated string");
		if (*r->p == '"') {
			r->p++;
			return prov_strbuf_status(&r->scratch);
		}
		if (*r->p == '\\') {
			r->p++;
			if (parse_escape(r))
				return prov_err_code();
			continue;
		}
		if ((unsigned char)*r->p < 0x20)
			return fail(r, "%s", *r->p == '\n' ? "unterminated string"
							     : "control character in string");
		n = prov_utf8_sequence(r->p, (size_t)(r->end - r->p));
		if (n == 0)
			return fail(r, "%s", "invalid UTF-8 in string");
		if (prov_strbuf_append(&r->scratch, r->p, n))
			return PROV_ENOMEM;
		r->p += n;
	}
}

/* The extent of a number per the JSON grammar; returns whether it has a fraction or exponent. */
static int scan_number(struct reader *r, const char **start, bool *is_float)
{
	const char *p = r->p;

	*start = p;
	*is_float = false;
	if (p < r->end && *p == '-')
		p++;
	if (p < r->end && *p == '0')
		p++;
	else if (p < r->end && *p >= '1' && *p <= '9')
		while (p < r->end && *p >= '0' && *p <= '9')
			p++;
	else
		return fail(r, "%s", "invalid number");
	if (p < r->end && *p == '.') {
		*is_float = true;
		if (++p >= r->end || *p < '0' || *p > '9')
			return fail(r, "%s", "invalid number: digits must follow '.'");
		while (p < r->end && *p >= '0' && *p <= '9')
			p++;
	}
	if (p < r->end && (*p == 'e' || *p == 'E')) {
		*is_float = true;
		p++;
		if (p < r->end && (*p == '+' || *p == '-'))
			p++;
		if (p >= r->end || *p < '0' || *p > '9')
			return fail(r, "%s", "invalid number: digits must follow the exponent");
		while (p < r->end && *p >= '0' && *p <= '9')
			p++;
	}
	r->p = p;
	return PROV_OK;
}

static int parse_number(struct reader *r, prov_value **out)
{
	const char *start;
	char text[400], *end;
	bool is_float;
	size_t len;

	if (scan_number(r, &start, &is_float))
		return PROV_EPARSE;
	len = (size_t)(r->p - start);
	if (len >= sizeof(text))
		return fail(r, "%s", "number too long");
	memcpy(text, start, len);
	text[len] = '\0';
	errno = 0;
	if (is_float) {
		double d = prov_format_strtod(text, &end);
		if (errno == ERANGE && (d > 1.0 || d < -1.0))
			return fail(r, "number %s is out of range", text);
		*out = prov_value_double(d, r->src, r->line);
	} else {
		long long i = strtoll(text, &end, 10);
		if (errno == ERANGE)
			return prov_err_at(PROV_ERANGE, PROV_ERRCAT_DOCUMENT, prov_source_name(r->src),
					   (int)r->line, "integer %s does not fit in 64 bits", text);
		*out = prov_value_int(i, r->src, r->line);
	}
	return *out ? PROV_OK : PROV_ENOMEM;
}

static int parse_literal(struct reader *r, prov_value **out)
{
	size_t avail = (size_t)(r->end - r->p);

	if (avail >= 4 && memcmp(r->p, "true", 4) == 0) {
		r->p += 4;
		*out = prov_value_bool(true, r->src, r->line);
	} else if (avail >= 5 && memcmp(r->p, "false", 5) == 0) {
		r->p += 5;
		*out = prov_value_bool(false, r->src, r->line);
	} else if (avail >= 4 && memcmp(r->p, "null", 4) == 0) {
		r->p += 4;
		*out = prov_value_null(r->src, r->line);
	} else {
		size_t n = prov_utf8_sequence(r->p, avail);

		if (n == 0)
			return fail(r, "%s", "invalid UTF-8");
		return fail(r, "unexpected character '%.*s'", (int)n, r->p);
	}
	return *out ? PROV_OK : PROV_ENOMEM;
}

static int expect(struct reader *r, char c, const char *what)
{
	skip_space(r);
	if (r->p >= r->end)
		return fail(r, "unexpected end of input, expected %s", what);
	if (*r->p != c)
		return fail(r, "expected %s", what);
	r->p++;
	return PROV_OK;
}

static int parse_member(struct reader *r, prov_value *table, int depth)
{
	prov_value *value = NULL;
	uint32_t key_line;
	char *key;
	size_t key_len;
	int rc;

	if (expect(r, '"', "a string key"))
		return PROV_EPARSE;
	key_line = r->line;
	if (parse_string_body(r))
		return prov_err_code();
	/* The key is in the scratch buffer, which the value will reuse. */
	key = prov_strbuf_detach(&r->scratch, &key_len);
	if (!key)
		return PROV_ENOMEM;
	rc = expect(r, ':', "':' after a key");
	if (rc == PROV_OK)
		rc = parse_value(r, depth, &value);
	if (rc == PROV_OK) {
		rc = prov_table_add(table, key, key_len, key_line, value);
		if (rc == PROV_EEXISTS)
			rc = prov_err_at(PROV_EPARSE, PROV_ERRCAT_DOCUMENT, prov_source_name(r->src),
					 (int)key_line, "duplicate key '%s'", key);
	}
	free(key);
	return rc;
}

static int parse_item(struct reader *r, prov_value *array, int depth)
{
	prov_value *item;
	int rc = parse_value(r, depth, &item);

	return rc == PROV_OK ? prov_array_push(array, item) : rc;
}

/* An object or an array: how to make one, read an element, and where it ends. */
typedef struct container_kind {
	prov_value *(*make)(prov_source *src, uint32_t line);
	int (*parse_element)(struct reader *r, prov_value *container, int depth);
	char close;
	const char *expected;   /* what the error says belongs after an element */
} container_kind;

static const container_kind object_kind = {
	prov_value_table, parse_member, '}', "',' or '}' in an object",
};
static const container_kind array_kind = {
	prov_value_array, parse_item, ']', "',' or ']' in an array",
};

/* The elements after the opening bracket, separated by commas, to the closing one. */
static int parse_container(struct reader *r, int depth, const container_kind *kind,
			   prov_value **out)
{
	prov_value *container = kind->make(r->src, r->line);
	int rc = PROV_OK;

	if (!container)
		return PROV_ENOMEM;
	r->p++;
	skip_space(r);
	if (r->p < r->end && *r->p == kind->close) {
		r->p++;
		*out = container;
		return PROV_OK;
	}
	for (;;) {
		rc = kind->parse_element(r, container, depth);
		if (rc)
			break;
		skip_space(r);
		if (r->p < r->end && *r->p == ',') {
			r->p++;
			continue;
		}
		rc = expect(r, kind->close, kind->expected);
		break;
	}
	if (rc) {
		prov_value_unref(container);
		return rc;
	}
	*out = container;
	return PROV_OK;
}

static int parse_value(struct reader *r, int depth, prov_value **out)
{
	skip_space(r);
	if (r->p >= r->end)
		return fail(r, "%s", "unexpected end of input, expected a value");
	switch (*r->p) {
	case '{':
	case '[':
		if (depth >= PROV_DOCUMENT_MAX_DEPTH)
			return fail(r, "nesting deeper than %d levels", PROV_DOCUMENT_MAX_DEPTH);
		return parse_container(r, depth + 1, *r->p == '{' ? &object_kind : &array_kind,
				       out);
	case '"':
		r->p++;
		if (parse_string_body(r))
			return prov_err_code();
		*out = prov_value_string(r->scratch.data ? r->scratch.data : "", r->scratch.len,
					 r->src, r->line);
		return *out ? PROV_OK : PROV_ENOMEM;
	case '-':
	case '0': case '1': case '2': case '3': case '4':
	case '5': case '6': case '7': case '8': case '9':
		return parse_number(r, out);
	default:
		return parse_literal(r, out);
	}
}

int prov_json_read(const char *text, size_t len, prov_source *src, prov_value **out)
{
	struct reader r = { text, text + len, 1, src, PROV_STRBUF_INIT };
	prov_value *v = NULL;
	int rc;

	*out = NULL;
	if (len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0)
		r.p += 3;
	rc = parse_value(&r, 0, &v);
	if (rc == PROV_OK) {
		skip_space(&r);
		if (r.p < r.end) {
			rc = fail(&r, "%s", "unexpected text after the document");
			prov_value_unref(v);
		}
	}
	prov_strbuf_release(&r.scratch);
	if (rc == PROV_OK)
		*out = v;
	return rc;
}
