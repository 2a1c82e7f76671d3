/*
 * TOML strings and comments, byte by byte.
 *
 * The hot loops skip runs of ordinary bytes with one table lookup each and
 * stop only at quotes, backslashes, line ends, control characters and
 * non-ASCII bytes (validated as UTF-8 where they stand, so the input needs no
 * separate validation pass). A string that needs no decoding is returned as a
 * slice of the input: no copy.
 */
#include "format/toml_scan.h"
#include "core/utf8.h"

#include <stdarg.h>
#include <stdio.h>

#define IS_BARE(c) (((c) >= 'A' && (c) <= 'Z') || ((c) >= 'a' && (c) <= 'z') || \
		    ((c) >= '0' && (c) <= '9') || (c) == '_' || (c) == '-')
#define IS_TEXT(c) ((c) == '\t' || ((c) >= 0x20 && (c) < 0x7f))
#define IS_VALUE_END(c) ((c) == ' ' || (c) == '\t' || (c) == '\r' || (c) == '\n' || \
			 (c) == '#' || (c) == ',' || (c) == ']' || (c) == '}')
#define CLASS(c) ((IS_BARE(c) ? TOML_BARE_KEY : 0) | \
		  (IS_TEXT(c) && (c) != '"' && (c) != '\\' ? TOML_STRING_PLAIN : 0) | \
		  (IS_TEXT(c) && (c) != '\'' ? TOML_LITERAL_PLAIN : 0) | \
		  (IS_TEXT(c) ? TOML_COMMENT_PLAIN : 0) | \
		  (IS_VALUE_END(c) ? TOML_VALUE_END : 0))
#define ROW4(b) CLASS((b)), CLASS((b) + 1), CLASS((b) + 2), CLASS((b) + 3)
#define ROW16(b) ROW4(b), ROW4((b) + 4), ROW4((b) + 8), ROW4((b) + 12)
#define ROW64(b) ROW16(b), ROW16((b) + 16), ROW16((b) + 32), ROW16((b) + 48)

const uint8_t toml_char_class[256] = {
	ROW64(0x00), ROW64(0x40), ROW64(0x80), ROW64(0xc0),
};

int toml_error(struct toml_scanner *s, int code, const char *fmt, ...)
{
	char message[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(message, sizeof(message), fmt, ap);
	va_end(ap);
	return prov_err_at(code, PROV_ERRCAT_DOCUMENT, s->file, (int)s->line, "%s", message);
}

const char *toml_describe_next(const struct toml_scanner *s, char buf[16])
{
	unsigned char c;

	if (s->p >= s->end)
		return "end of file";
	c = (unsigned char)*s->p;
	if (c == '\n' || (c == '\r' && s->end - s->p >= 2 && s->p[1] == '\n'))
		return "end of line";
	if (c == '\r')
		return "a carriage return without a newline";
	if (c > 0x20 && c < 0x7f)
		snprintf(buf, 16, "'%c'", c);
	else
		snprintf(buf, 16, "byte 0x%02x", c);
	return buf;
}

/* A byte that cannot stand where it is: say why, at its position. */
static int bad_byte(struct toml_scanner *s, const char *p, const char *where)
{
	unsigned char c = (unsigned char)*p;

	s->p = p;
	if (c >= 0x80)
		return toml_error(s, PROV_EPARSE, "invalid UTF-8 in %s", where);
	if (c == '\r')
		return toml_error(s, PROV_EPARSE, "carriage return not followed by a newline in %s",
				  where);
	return toml_error(s, PROV_EPARSE, "control character U+%04X in %s (write it as an escape)",
			  c, where);
}

/* Past the UTF-8 sequence at p, or NULL when it is not valid UTF-8. */
static const char *skip_utf8(const char *p, const char *end)
{
	size_t n = prov_utf8_sequence(p, (size_t)(end - p));

	return n ? p + n : NULL;
}

/* End of file, LF or CRLF at p. */
static bool at_line_end(const struct toml_scanner *s, const char *p)
{
	return p == s->end || *p == '\n' || (*p == '\r' && s->end - p >= 2 && p[1] == '\n');
}

static int unterminated(struct toml_scanner *s, const char *p, uint32_t start_line)
{
	s->p = p;
	if (s->line != start_line)
		return toml_error(s, PROV_EPARSE, "string opened at line %u is not closed",
				  (unsigned)start_line);
	return toml_error(s, PROV_EPARSE, "string is not closed before the end of the %s",
			  p < s->end ? "line" : "file");
}

/* Copy [run, p) into the decoded text, switching to it on first use. */
static void flush_run(struct toml_scanner *s, bool *decoding, const char *run, const char *p)
{
	if (!*decoding) {
		prov_strbuf_reset(&s->text);
		*decoding = true;
	}
	prov_strbuf_append(&s->text, run, (size_t)(p - run));
}

static int hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static int decode_unicode(struct toml_scanner *s, const char *p, int digits)
{
	uint32_t cp = 0;
	char utf8[4];
	size_t n;

	if (s->end - p < digits)
		return toml_error(s, PROV_EPARSE, "\\%c escape needs %d hex digits",
				  digits == 4 ? 'u' : 'U', digits);
	for (int i = 0; i < digits; i++) {
		int h = hex_value(p[i]);
		if (h < 0)
			return toml_error(s, PROV_EPARSE, "\\%c escape needs %d hex digits",
					  digits == 4 ? 'u' : 'U', digits);
		cp = cp << 4 | (uint32_t)h;
	}
	n = prov_utf8_encode(cp, utf8);
	if (n == 0)
		return toml_error(s, PROV_EPARSE, "escape \\%c%.*s is not a Unicode scalar value",
				  digits == 4 ? 'u' : 'U', digits, p);
	return prov_strbuf_append(&s->text, utf8, n);
}

/* The escape at *pp (a backslash), appended to the decoded text. */
static int decode_escape(struct toml_scanner *s, const char **pp)
{
	const char *p = *pp + 1;
	char buf[16];
	char c;
	int rc;

	if (p == s->end)
		return unterminated(s, p, s->line);
	switch (*p) {
	case 'b': c = '\b'; break;
	case 't': c = '\t'; break;
	case 'n': c = '\n'; break;
	case 'f': c = '\f'; break;
	case 'r': c = '\r'; break;
	case '"': c = '"'; break;
	case '\\': c = '\\'; break;
	case 'u':
	case 'U':
		rc = decode_unicode(s, p + 1, *p == 'u' ? 4 : 8);
		*pp = p + 1 + (*p == 'u' ? 4 : 8);
		return rc;
	default:
		s->p = p;
		return toml_error(s, PROV_EPARSE, "invalid escape: backslash followed by %s",
				  toml_describe_next(s, buf));
	}
	*pp = p + 1;
	return prov_strbuf_append(&s->text, &c, 1);
}

static void finish(struct toml_scanner *s, bool decoding, const char *run, const char *p,
		   const char **text, size_t *len)
{
	if (!decoding) {
		*text = run;
		*len = (size_t)(p - run);
		return;
	}
	prov_strbuf_append(&s->text, run, (size_t)(p - run));
	*text = prov_strbuf_cstr(&s->text);
	*len = s->text.len;
}

static int scan_basic(struct toml_scanner *s, const char **text, size_t *len)
{
	const char *p = s->p + 1, *end = s->end, *run = p, *next;
	bool decoding = false;
	int rc;

	for (;;) {
		while (p < end && toml_is((unsigned char)*p, TOML_STRING_PLAIN))
			p++;
		if (at_line_end(s, p))
			return unterminated(s, p, s->line);
		if (*p == '"')
			break;
		if (*p == '\\') {
			flush_run(s, &decoding, run, p);
			if ((rc = decode_escape(s, &p)))
				return rc;
			run = p;
		} else if ((unsigned char)*p < 0x80 || !(next = skip_utf8(p, end))) {
			return bad_byte(s, p, "a string");
		} else {
			p = next;
		}
	}
	finish(s, decoding, run, p, text, len);
	s->p = p + 1;
	return prov_strbuf_status(&s->text);
}

static int scan_literal(struct toml_scanner *s, const char **text, size_t *len)
{
	const char *p = s->p + 1, *end = s->end, *start = p, *next;

	for (;;) {
		while (p < end && toml_is((unsigned char)*p, TOML_LITERAL_PLAIN))
			p++;
		if (at_line_end(s, p))
			return unterminated(s, p, s->line);
		if (*p == '\'')
			break;
		if ((unsigned char)*p < 0x80 || !(next = skip_utf8(p, end)))
			return bad_byte(s, p, "a string");
		p = next;
	}
	*text = start;
	*len = (size_t)(p - start);
	s->p = p + 1;
	return PROV_OK;
}

/* Past a newline (LF or CRLF) at p, counting it; NULL when there is none. */
static const char *skip_newline(struct toml_scanner *s, const char *p)
{
	if (p < s->end && *p == '\n') {
		s->line++;
		return p + 1;
	}
	if (s->end - p >= 2 && p[0] == '\r' && p[1] == '\n') {
		s->line++;
		return p + 2;
	}
	return NULL;
}

/*
 * A backslash at the end of a line (spaces may follow it) joins the lines:
 * it and all whitespace and newlines after it vanish. NULL when the
 * backslash at p is an ordinary escape.
 */
static const char *skip_line_ending_backslash(struct toml_scanner *s, const char *p)
{
	const char *q = p + 1, *after;

	while (q < s->end && (*q == ' ' || *q == '\t'))
		q++;
	if (!(after = skip_newline(s, q)))
		return NULL;
	for (q = after;;) {
		while (q < s->end && (*q == ' ' || *q == '\t'))
			q++;
		if (!(after = skip_newline(s, q)))
			return q;
		q = after;
	}
}

/*
 * At a quote inside a multi-line string: whether it starts the closing
 * delimiter. Up to two more quotes right before the delimiter belong to the
 * content, so *content_end moves past them.
 */
static int at_closing_quotes(struct toml_scanner *s, const char *p, char quote,
			     const char **content_end)
{
	size_t n = 0;

	while (p + n < s->end && p[n] == quote)
		n++;
	if (n < 3)
		return 0;
	if (n > 5) {
		s->p = p;
		return toml_error(s, PROV_EPARSE, "too many quotes (%zu) closing a multi-line string", n);
	}
	*content_end = p + (n - 3);
	return 1;
}

/*
 * The body of a multi-line string, up to its closing delimiter. CRLF
 * becomes LF; with escapes (basic strings) backslashes are decoded.
 */
static int scan_multiline_body(struct toml_scanner *s, char quote, const char **text, size_t *len)
{
	unsigned plain = quote == '"' ? TOML_STRING_PLAIN : TOML_LITERAL_PLAIN;
	uint32_t start_line = s->line;
	const char *p = s->p + 3, *end = s->end, *run, *after;
	bool decoding = false;
	int rc;

	if ((after = skip_newline(s, p)))
		p = after;
	for (run = p;;) {
		while (p < end && toml_is((unsigned char)*p, plain))
			p++;
		if (p == end)
			return unterminated(s, p, start_line);
		if (*p == quote) {
			const char *content_end = p;
			if ((rc = at_closing_quotes(s, p, quote, &content_end)) < 0)
				return rc;
			if (rc) {
				p = content_end;
				break;
			}
			p++;
		} else if (*p == '\n') {
			s->line++;
			p++;
		} else if (*p == '\r' && (after = skip_newline(s, p))) {
			flush_run(s, &decoding, run, p);
			prov_strbuf_putc(&s->text, '\n');
			run = p = after;
		} else if (*p == '\\' && quote == '"') {
			flush_run(s, &decoding, run, p);
			if ((after = skip_line_ending_backslash(s, p)))
				p = after;
			else if ((rc = decode_escape(s, &p)))
				return rc;
			run = p;
		} else if ((unsigned char)*p < 0x80 || !(after = skip_utf8(p, end))) {
			return bad_byte(s, p, "a string");
		} else {
			p = after;
		}
	}
	finish(s, decoding, run, p, text, len);
	s->p = p + 3;
	return prov_strbuf_status(&s->text);
}

int toml_scan_string(struct toml_scanner *s, bool multiline, const char **text, size_t *len)
{
	char quote = *s->p;
	bool triple = s->end - s->p >= 3 && s->p[1] == quote && s->p[2] == quote;

	if (triple && !multiline)
		return toml_error(s, PROV_EPARSE, "a key cannot be a multi-line string");
	if (triple)
		return scan_multiline_body(s, quote, text, len);
	return quote == '"' ? scan_basic(s, text, len) : scan_literal(s, text, len);
}

int toml_skip_comment(struct toml_scanner *s)
{
	const char *p = s->p + 1, *end = s->end, *next;

	for (;;) {
		while (p < end && toml_is((unsigned char)*p, TOML_COMMENT_PLAIN))
			p++;
		if (at_line_end(s, p))
			break;
		if ((unsigned char)*p < 0x80 || !(next = skip_utf8(p, end)))
			return bad_byte(s, p, "a comment");
		p = next;
	}
	s->p = p;
	return PROV_OK;
}
