#include "core/strbuf.h"
#include "core/utf8.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int prov_strbuf_reserve(prov_strbuf *b, size_t extra)
{
	size_t need, cap;
	char *p;

	if (b->failed)
		return PROV_ENOMEM;
	if (extra > SIZE_MAX - b->len - 1)
		goto fail;
	need = b->len + extra + 1;
	if (need <= b->cap)
		return PROV_OK;
	cap = b->cap ? b->cap : 64;
	while (cap < need)
		cap = cap > SIZE_MAX / 2 ? need : cap * 2;
	p = realloc(b->data, cap);
	if (!p)
		goto fail;
	p[b->len] = '\0'; /* a new buffer must read as "" too */
	b->data = p;
	b->cap = cap;
	return PROV_OK;
fail:
	b->failed = true;
	return prov_err_nomem();
}

int prov_strbuf_append(prov_strbuf *b, const void *data, size_t len)
{
	int rc = prov_strbuf_reserve(b, len);

	if (rc)
		return rc;
	if (len)
		memcpy(b->data + b->len, data, len);
	b->len += len;
	b->data[b->len] = '\0';
	return PROV_OK;
}

int prov_strbuf_puts(prov_strbuf *b, const char *s)
{
	return prov_strbuf_append(b, s, strlen(s));
}

int prov_strbuf_putc(prov_strbuf *b, char c)
{
	return prov_strbuf_append(b, &c, 1);
}

int prov_strbuf_printf(prov_strbuf *b, const char *fmt, ...)
{
	va_list ap, again;
	int n, rc;

	va_start(ap, fmt);
	va_copy(again, ap);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0) {
		va_end(again);
		b->failed = true;
		return prov_err_set(PROV_EINVAL, PROV_ERRCAT_INTERNAL, "bad format string");
	}
	rc = prov_strbuf_reserve(b, (size_t)n);
	if (rc == PROV_OK) {
		vsnprintf(b->data + b->len, (size_t)n + 1, fmt, again);
		b->len += (size_t)n;
	}
	va_end(again);
	return rc;
}

static int put_escaped(prov_strbuf *b, unsigned char c)
{
	static const char hex[] = "0123456789abcdef";
	char esc[7] = { '\\', 'u', '0', '0', hex[c >> 4], hex[c & 15], 0 };

	switch (c) {
	case '"': return prov_strbuf_append(b, "\\\"", 2);
	case '\\': return prov_strbuf_append(b, "\\\\", 2);
	case '\n': return prov_strbuf_append(b, "\\n", 2);
	case '\r': return prov_strbuf_append(b, "\\r", 2);
	case '\t': return prov_strbuf_append(b, "\\t", 2);
	case '\b': return prov_strbuf_append(b, "\\b", 2);
	case '\f': return prov_strbuf_append(b, "\\f", 2);
	default: return prov_strbuf_append(b, esc, 6);
	}
}

int prov_strbuf_put_json_string(prov_strbuf *b, const char *s, size_t len)
{
	size_t i = 0, run = 0;

	prov_strbuf_reserve(b, len + 2);
	prov_strbuf_putc(b, '"');
	while (i < len) {
		unsigned char c = (unsigned char)s[i];
		size_t n;

		if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') {
			i++;
			continue;
		}
		prov_strbuf_append(b, s + run, i - run);
		if (c < 0x80) {
			put_escaped(b, c);
			n = 1;
		} else if ((n = prov_utf8_sequence(s + i, len - i)) > 0) {
			prov_strbuf_append(b, s + i, n);
		} else {
			prov_strbuf_append(b, "\\ufffd", 6);
			n = 1;
		}
		i += n;
		run = i;
	}
	prov_strbuf_append(b, s + run, len - run);
	return prov_strbuf_putc(b, '"');
}

int prov_strbuf_status(const prov_strbuf *b)
{
	return b->failed ? PROV_ENOMEM : PROV_OK;
}

const char *prov_strbuf_cstr(const prov_strbuf *b)
{
	return b->data ? b->data : "";
}

char *prov_strbuf_detach(prov_strbuf *b, size_t *len)
{
	char *data;

	if (b->failed) {
		prov_strbuf_release(b);
		prov_err_nomem();
		return NULL;
	}
	if (!b->data && prov_strbuf_reserve(b, 0))
		return NULL;
	data = b->data;
	if (len)
		*len = b->len;
	*b = (prov_strbuf)PROV_STRBUF_INIT;
	return data;
}

void prov_strbuf_truncate(prov_strbuf *b, size_t len)
{
	if (len >= b->len)
		return;
	b->len = len;
	b->data[len] = '\0';
}

void prov_strbuf_reset(prov_strbuf *b)
{
	b->len = 0;
	b->failed = false;
	if (b->data)
		b->data[0] = '\0';
}

void prov_strbuf_release(prov_strbuf *b)
{
	free(b->data);
	*b = (prov_strbuf)PROV_STRBUF_INIT;
}
