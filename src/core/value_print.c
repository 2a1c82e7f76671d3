/* The JSON printer of the value tree. */
#include "core/value.h"

#include <locale.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static locale_t c_locale;
static pthread_once_t c_locale_once = PTHREAD_ONCE_INIT;

static void create_c_locale(void)
{
	c_locale = newlocale(LC_ALL_MASK, "C", (locale_t)0);
}

size_t prov_format_double(double d, char out[32])
{
	locale_t previous = (locale_t)0;
	int n;

	if (isnan(d))
		return (size_t)snprintf(out, 32, "nan");
	if (isinf(d))
		return (size_t)snprintf(out, 32, d < 0 ? "-inf" : "inf");
	/* Documents use '.' whatever locale the host program has set. */
	pthread_once(&c_locale_once, create_c_locale);
	if (c_locale)
		previous = uselocale(c_locale);
	/* The shortest of 15, 16 or 17 digits that reads back exactly. */
	for (int precision = 15;; precision++) {
		n = snprintf(out, 32, "%.*g", precision, d);
		if (precision == 17 || strtod(out, NULL) == d)
			break;
	}
	if (previous)
		uselocale(previous);
	if (!strpbrk(out, ".en")) {
		out[n++] = '.';
		out[n++] = '0';
		out[n] = '\0';
	}
	return (size_t)n;
}

static void newline_indent(prov_strbuf *out, unsigned flags, int depth)
{
	if (!(flags & PROV_JSON_PRETTY))
		return;
	prov_strbuf_putc(out, '\n');
	for (int i = 0; i < depth; i++)
		prov_strbuf_append(out, "  ", 2);
}

static void print_value(prov_strbuf *out, const prov_value *v, unsigned flags, int depth);

static void print_table(prov_strbuf *out, const prov_value *v, unsigned flags, int depth)
{
	size_t n = prov_table_len(v);

	prov_strbuf_putc(out, '{');
	for (size_t i = 0; i < n; i++) {
		size_t key_len;
		const char *key = prov_table_key_at(v, i, &key_len);

		if (i)
			prov_strbuf_putc(out, ',');
		newline_indent(out, flags, depth + 1);
		prov_strbuf_put_json_string(out, key, key_len);
		prov_strbuf_append(out, (flags & PROV_JSON_PRETTY) ? ": " : ":",
				   (flags & PROV_JSON_PRETTY) ? 2 : 1);
		print_value(out, prov_table_value_at(v, i), flags, depth + 1);
	}
	if (n)
		newline_indent(out, flags, depth);
	prov_strbuf_putc(out, '}');
}

static void print_array(prov_strbuf *out, const prov_value *v, unsigned flags, int depth)
{
	size_t n = prov_array_len(v);

	prov_strbuf_putc(out, '[');
	for (size_t i = 0; i < n; i++) {
		if (i)
			prov_strbuf_putc(out, ',');
		newline_indent(out, flags, depth + 1);
		print_value(out, prov_array_at(v, i), flags, depth + 1);
	}
	if (n)
		newline_indent(out, flags, depth);
	prov_strbuf_putc(out, ']');
}

static void print_value(prov_strbuf *out, const prov_value *v, unsigned flags, int depth)
{
	char number[32];
	const char *text;
	size_t len;

	switch (prov_value_type_of(v)) {
	case PROV_VALUE_NULL:
		prov_strbuf_append(out, "null", 4);
		break;
	case PROV_VALUE_BOOL:
		prov_strbuf_puts(out, prov_value_get_bool(v) ? "true" : "false");
		break;
	case PROV_VALUE_INT:
		prov_strbuf_printf(out, "%lld", (long long)prov_value_get_int(v));
		break;
	case PROV_VALUE_DOUBLE:
		/* JSON has no NaN or infinity; null is the conventional stand-in. */
		if (!isfinite(prov_value_get_double(v))) {
			prov_strbuf_append(out, "null", 4);
			break;
		}
		len = prov_format_double(prov_value_get_double(v), number);
		prov_strbuf_append(out, number, len);
		break;
	case PROV_VALUE_STRING:
	case PROV_VALUE_DATETIME:
		text = prov_value_get_str(v, &len);
		prov_strbuf_put_json_string(out, text, len);
		break;
	case PROV_VALUE_ARRAY:
		print_array(out, v, flags, depth);
		break;
	case PROV_VALUE_TABLE:
		print_table(out, v, flags, depth);
		break;
	}
}

int prov_value_print_json(prov_strbuf *out, const prov_value *v, unsigned flags)
{
	print_value(out, v, flags, 0);
	return prov_strbuf_status(out);
}
