/* Base64 for etcd's JSON gateway: encoding straight into a request buffer. */
#include "checkpoint/etcd_base64.h"
#include "core/mem.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>

static const char alphabet[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

int prov_base64_append(prov_strbuf *out, const void *data, size_t len)
{
	const unsigned char *in = data;
	size_t groups = (len + 2) / 3;
	char *p;

	if (prov_strbuf_reserve(out, groups * 4) != PROV_OK)
		return PROV_ENOMEM;
	p = out->data + out->len;
	for (size_t i = 0; i + 2 < len; i += 3) {
		uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 | in[i + 2];

		*p++ = alphabet[v >> 18];
		*p++ = alphabet[(v >> 12) & 63];
		*p++ = alphabet[(v >> 6) & 63];
		*p++ = alphabet[v & 63];
	}
	if (len % 3) {
		size_t i = len - len % 3;
		uint32_t v = (uint32_t)in[i] << 16 | (len % 3 == 2 ? (uint32_t)in[i + 1] << 8 : 0);

		*p++ = alphabet[v >> 18];
		*p++ = alphabet[(v >> 12) & 63];
		*p++ = len % 3 == 2 ? alphabet[(v >> 6) & 63] : '=';
		*p++ = '=';
	}
	out->len += groups * 4;
	out->data[out->len] = '\0';
	return PROV_OK;
}

/* The 6-bit value of a base64 digit, or -1. */
static int digit(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	return c == '/' ? 63 : -1;
}

static bool decode_group(const char *in, size_t pad, unsigned char *out)
{
	uint32_t v = 0;

	for (size_t j = 0; j < 4; j++) {
		int d = j < 4 - pad ? digit((unsigned char)in[j]) : 0;

		if (d < 0 || (j >= 4 - pad && in[j] != '='))
			return false;
		v = v << 6 | (uint32_t)d;
	}
	out[0] = (unsigned char)(v >> 16);
	out[1] = (unsigned char)(v >> 8);
	out[2] = (unsigned char)v;
	return true;
}

int prov_base64_decode(const char *text, size_t text_len, char **out, size_t *len)
{
	size_t pad = 0, n;
	unsigned char *buf;

	*out = NULL;
	*len = 0;
	if (text_len % 4)
		return PROV_EPARSE;
	if (text_len && text[text_len - 1] == '=')
		pad = text_len >= 2 && text[text_len - 2] == '=' ? 2 : 1;
	n = text_len / 4 * 3 - pad;
	if (!(buf = prov_malloc(text_len / 4 * 3 + 1)))
		return PROV_ENOMEM;
	for (size_t i = 0; i < text_len; i += 4) {
		if (!decode_group(text + i, i + 4 == text_len ? pad : 0, buf + i / 4 * 3)) {
			free(buf);
			return PROV_EPARSE;
		}
	}
	buf[n] = '\0';
	*out = (char *)buf;
	*len = n;
	return PROV_OK;
}
