#include "core/utf8.h"

static bool is_continuation(unsigned char c)
{
	return (c & 0xc0) == 0x80;
}

size_t prov_utf8_sequence(const char *s, size_t avail)
{
	const unsigned char *p = (const unsigned char *)s;
	unsigned char c = p[0];

	if (avail == 0)
		return 0;
	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		return avail >= 2 && is_continuation(p[1]) ? 2 : 0;
	if (c >= 0xe0 && c <= 0xef) {
		if (avail < 3 || !is_continuation(p[1]) || !is_continuation(p[2]))
			return 0;
		if (c == 0xe0 && p[1] < 0xa0)
			return 0; /* overlong */
		if (c == 0xed && p[1] >= 0xa0)
			return 0; /* surrogate */
		return 3;
	}
	if (c >= 0xf0 && c <= 0xf4) {
		if (avail < 4 || !is_continuation(p[1]) || !is_continuation(p[2]) ||
		    !is_continuation(p[3]))
			return 0;
		if (c == 0xf0 && p[1] < 0x90)
			return 0; /* overlong */
		if (c == 0xf4 && p[1] >= 0x90)
			return 0; /* past U+10FFFF */
		return 4;
	}
	return 0;
}

size_t prov_utf8_check(const char *s, size_t len)
{
	size_t i = 0;

	while (i < len) {
		size_t n;

		if ((unsigned char)s[i] < 0x80) {
			i++;
			continue;
		}
		n = prov_utf8_sequence(s + i, len - i);
		if (n == 0)
			return i;
		i += n;
	}
	return len;
}

size_t prov_utf8_encode(uint32_t cp, char out[4])
{
	if (cp < 0x80) {
		out[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (char)(0xc0 | (cp >> 6));
		out[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp >= 0xd800 && cp <= 0xdfff)
		return 0;
	if (cp < 0x10000) {
		out[0] = (char)(0xe0 | (cp >> 12));
		out[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		out[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	if (cp <= 0x10ffff) {
		out[0] = (char)(0xf0 | (cp >> 18));
		out[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
		out[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
		out[3] = (char)(0x80 | (cp & 0x3f));
		return 4;
	}
	return 0;
}
