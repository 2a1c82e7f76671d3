/*
 * The YAML printer: block style, two-space indents, keys in table order.
 *
 * A string is written plain only when a YAML 1.2 core-schema reader (and a
 * YAML 1.1 one: yes/no/on/off) would read it back as the same string;
 * otherwise it is double-quoted, with every character a reader would not
 * take back as itself (controls, C1 characters, line separators) escaped.
 */
#include "format/format.h"
#include "core/utf8.h"

#include <math.h>
#include <string.h>
#include <strings.h>

static bool reads_as_other_type(const char *s)
{
	static const char *const words[] = {
		"null", "true", "false", "yes", "no", "on", "off", "y", "n", "~",
		".inf", "+.inf", "-.inf", ".nan",
	};
	const char *p = s;

	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (strcasecmp(s, words[i]) == 0)
			return true;
	/* Anything number-like (digits, signs, dots, exponents, 0x/0o) is quoted. */
	if (*p == '-' || *p == '+')
		p++;
	if (*p == '.')
		p++;
	return *p >= '0' && *p <= '9';
}

/* The code point of a valid UTF-8 sequence of n bytes. */
static uint32_t decode(const unsigned char *p, size_t n)
{
	static const unsigned char lead_mask[] = { 0, 0x7f, 0x1f, 0x0f, 0x07 };
	uint32_t cp = p[0] & lead_mask[n];

	for (size_t i = 1; i < n; i++)
		cp = (cp << 6) | (p[i] & 0x3f);
	return cp;
}

/* Characters a YAML reader would not read back as themselves: controls, C1, line separators, BOMs. */
static bool must_escape(uint32_t cp)
{
	return cp < 0x20 || cp == 0x7f || (cp >= 0x80 && cp <= 0x9f) || cp == 0x2028 ||
	       cp == 0x2029 || cp == 0xfeff || cp == 0xfffe || cp == 0xffff;
}

static bool plain_is_safe(const char *s, size_t len)
{
	if (len == 0 || s[0] == ' ' || s[len - 1] == ' ' || s[len - 1] == ':')
		return false;
	if (strchr("-?:,[]{}#&*!|>'\"%@`", s[0]) || strncmp(s, "...", 3) == 0 ||
	    strncmp(s, "<<", 2) == 0)
		return false;
	if (strlen(s) != len || strstr(s, ": ") || strstr(s, " #") || reads_as_other_type(s))
		return false;
	for (size_t i = 0; i < len;) {
		size_t n = prov_utf8_sequence(s + i, len - i);
		if (n == 0 || must_escape(decode((const unsigned char *)s + i, n)))
			return false;
		i += n;
	}
	return true;
}

/* A double-quoted scalar; invalid UTF-8 becomes U+FFFD, as in the JSON writer. */
static void put_quoted(prov_strbuf *out, const char *s, size_t len)
{
	prov_strbuf_putc(out, '"');
	for (size_t i = 0; i < len;) {
		size_t n = prov_utf8_sequence(s + i, len - i);
		uint32_t cp = n ? decode((const unsigned char *)s + i, n) : 0xfffd;

		if (cp == '"' || cp == '\\')
			prov_strbuf_printf(out, "\\%c", (char)cp);
		else if (cp == '\n')
			prov_strbuf_puts(out, "\\n");
		else if (cp == '\t')
			prov_strbuf_puts(out, "\\t");
		else if (must_escape(cp))
			prov_strbuf_printf(out, "\\u%04x", (unsigned)cp);
		else if (n)
			prov_strbuf_append(out, s + i, n);
		else
			prov_strbuf_puts(out, "\xEF\xBF\xBD");
		i += n ? n : 1;
	}
	prov_strbuf_putc(out, '"');
}

static void put_text(prov_strbuf *out, const char *s, size_t len)
{
	if (plain_is_safe(s, len))
		prov_strbuf_append(out, s, len);
	else
		put_quoted(out, s, len);
}

static void put_indent(prov_strbuf *out, int indent)
{
	for (int i = 0; i < indent; i++)
		prov_strbuf_putc(out, ' ');
}

static void put_scalar(prov_strbuf *out, const prov_value *v)
{
	char number[32];
	const char *text;
	size_t len;
	double d;

	switch (prov_value_type_of(v)) {
	case PROV_VALUE_NULL:
		prov_strbuf_puts(out, "null");
		break;
	case PROV_VALUE_BOOL:
		prov_strbuf_puts(out, prov_value_get_bool(v) ? "true" : "false");
		break;
	case PROV_VALUE_INT:
		prov_strbuf_printf(out, "%lld", (long long)prov_value_get_int(v));
		break;
	case PROV_VALUE_DOUBLE:
		d = prov_value_get_double(v);
		if (isnan(d))
			prov_strbuf_puts(out, ".nan");
		else if (isinf(d))
			prov_strbuf_puts(out, d < 0 ? "-.inf" : ".inf");
		else
			prov_strbuf_append(out, number, prov_format_double(d, number));
		break;
	default:
		text = prov_value_get_str(v, &len);
		put_text(out, text, len);
		break;
	}
}

static void put_node(prov_strbuf *out, const prov_value *v, int indent, bool inline_first);

/* A value after "key:" or "-": nested blocks go below, everything else on the line. */
static void put_member_value(prov_strbuf *out, const prov_value *v, int indent)
{
	if (prov_value_is(v, PROV_VALUE_TABLE) && prov_table_len(v) > 0) {
		prov_strbuf_putc(out, '\n');
		put_node(out, v, indent + 2, false);
	} else if (prov_value_is(v, PROV_VALUE_ARRAY) && prov_array_len(v) > 0) {
		prov_strbuf_putc(out, '\n');
		put_node(out, v, indent, false);
	} else {
		prov_strbuf_putc(out, ' ');
		put_node(out, v, indent, true);
	}
}

/* YAML readers limit implicit keys to 1024 characters; longer ones need "? key". */
#define IMPLICIT_KEY_MAX 1000

static void put_key(prov_strbuf *out, const char *key, size_t key_len, int indent)
{
	size_t start = out->len;

	put_text(out, key, key_len);
	if (out->len - start > IMPLICIT_KEY_MAX && !out->failed) {
		/* Make room for "? " in front of the key, then end its line. */
		size_t printed = out->len - start;
		if (prov_strbuf_append(out, "  ", 2) == PROV_OK) {
			memmove(out->data + start + 2, out->data + start, printed);
			memcpy(out->data + start, "? ", 2);
		}
		prov_strbuf_putc(out, '\n');
		put_indent(out, indent);
	}
	prov_strbuf_putc(out, ':');
}

static void put_table(prov_strbuf *out, const prov_value *t, int indent, bool inline_first)
{
	for (size_t i = 0; i < prov_table_len(t); i++) {
		size_t key_len;
		const char *key = prov_table_key_at(t, i, &key_len);

		if (i > 0 || !inline_first)
			put_indent(out, indent);
		put_key(out, key, key_len, indent);
		put_member_value(out, prov_table_value_at(t, i), indent);
	}
}

static void put_array(prov_strbuf *out, const prov_value *a, int indent, bool inline_first)
{
	for (size_t i = 0; i < prov_array_len(a); i++) {
		const prov_value *item = prov_array_at(a, i);

		if (i > 0 || !inline_first)
			put_indent(out, indent);
		/* "- key: v" and "- - x": an item's first line shares the dash's. */
		prov_strbuf_append(out, "- ", 2);
		put_node(out, item, indent + 2, true);
	}
}

static void put_node(prov_strbuf *out, const prov_value *v, int indent, bool inline_first)
{
	if (prov_value_is(v, PROV_VALUE_TABLE) && prov_table_len(v) > 0) {
		put_table(out, v, indent, inline_first);
		return;
	}
	if (prov_value_is(v, PROV_VALUE_ARRAY) && prov_array_len(v) > 0) {
		put_array(out, v, indent, inline_first);
		return;
	}
	if (prov_value_is(v, PROV_VALUE_TABLE))
		prov_strbuf_puts(out, "{}");
	else if (prov_value_is(v, PROV_VALUE_ARRAY))
		prov_strbuf_puts(out, "[]");
	else
		put_scalar(out, v);
	prov_strbuf_putc(out, '\n');
}

int prov_yaml_print(prov_strbuf *out, const prov_value *v)
{
	put_node(out, v, 0, false);
	return prov_strbuf_status(out) ? prov_err_nomem() : PROV_OK;
}
