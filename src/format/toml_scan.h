/*
 * The lexical layer of the TOML reader: strings, numbers, datetimes and
 * comments. The parser (toml_parse.c) drives it; the printer (toml_print.c)
 * uses it to check that a datetime's text reads back as TOML.
 *
 * A scanner walks bytes [p, end) and counts lines. Scanning functions start
 * at the first byte of their token, leave p just past it, and on error record
 * "FILE:LINE: message" and return the code.
 */
#ifndef PROV_FORMAT_TOML_SCAN_H
#define PROV_FORMAT_TOML_SCAN_H

#include "core/err.h"
#include "core/strbuf.h"
#include "core/value.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct toml_scanner {
	const char *p;
	const char *end;
	uint32_t line;
	const char *file;
	/* Decoded strings and datetime text; valid until the next scan. */
	prov_strbuf text;
};

/* A number or a datetime. */
struct toml_scalar {
	prov_value_type type; /* PROV_VALUE_INT, PROV_VALUE_DOUBLE or PROV_VALUE_DATETIME */
	prov_datetime_kind datetime_kind;
	int64_t i;
	double d;
	const char *text; /* datetime: normalised RFC 3339, in the scanner's text buffer */
	size_t len;
};

/* Character classes, indexed by byte. */
enum {
	TOML_BARE_KEY = 1 << 0,     /* A-Z a-z 0-9 _ - */
	TOML_STRING_PLAIN = 1 << 1, /* copied as is inside basic strings: not " \ or control */
	TOML_LITERAL_PLAIN = 1 << 2,/* copied as is inside literal strings: not ' or control */
	TOML_COMMENT_PLAIN = 1 << 3,/* allowed in comments, ASCII only */
	TOML_VALUE_END = 1 << 4,    /* may follow a number or a keyword */
};
extern const uint8_t toml_char_class[256];

static inline bool toml_is(unsigned char c, unsigned cls)
{
	return (toml_char_class[c] & cls) != 0;
}

/* Record an error at the scanner's current line; returns code. */
int toml_error(struct toml_scanner *s, int code, const char *fmt, ...) PROV_PRINTF(3, 4);

/* Describe the byte at p for "expected X, found Y" messages. */
const char *toml_describe_next(const struct toml_scanner *s, char buf[16]);

/*
 * A basic or literal string at p (single- or multi-line when multiline is
 * true; keys may not be multi-line). *text points into the input when the
 * string needed no decoding, else into s->text.
 */
int toml_scan_string(struct toml_scanner *s, bool multiline, const char **text, size_t *len);

/* An integer, float (inf and nan included) or datetime at p. */
int toml_scan_number(struct toml_scanner *s, struct toml_scalar *out);

/* A comment at p ('#'), up to the end of its line (the newline stays). */
int toml_skip_comment(struct toml_scanner *s);

#endif
