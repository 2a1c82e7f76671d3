/*
 * A growable byte buffer, always NUL-terminated.
 *
 * A failed append marks the buffer failed: later appends do nothing and
 * return PROV_ENOMEM, so a printer can append freely and check once.
 */
#ifndef PROV_CORE_STRBUF_H
#define PROV_CORE_STRBUF_H

#include "core/err.h"

#include <stdbool.h>
#include <stddef.h>

typedef struct prov_strbuf {
	char *data;   /* NULL until the first append */
	size_t len;
	size_t cap;
	bool failed;
} prov_strbuf;

#define PROV_STRBUF_INIT { NULL, 0, 0, false }

int prov_strbuf_reserve(prov_strbuf *b, size_t extra);
int prov_strbuf_append(prov_strbuf *b, const void *data, size_t len);
int prov_strbuf_puts(prov_strbuf *b, const char *s);
int prov_strbuf_putc(prov_strbuf *b, char c);
int prov_strbuf_printf(prov_strbuf *b, const char *fmt, ...) PROV_PRINTF(2, 3);
/*
 * Append s as a JSON string literal, quotes included. Control characters are
 * escaped and invalid UTF-8 becomes U+FFFD, so the output is always valid
 * JSON whatever the input.
 */
int prov_strbuf_put_json_string(prov_strbuf *b, const char *s, size_t len);
/* PROV_OK, or PROV_ENOMEM when any append failed. */
int prov_strbuf_status(const prov_strbuf *b);
/* The contents ("" when empty), valid until the next append. */
const char *prov_strbuf_cstr(const prov_strbuf *b);
/* Hand the contents to the caller (free with free()); the buffer is reset.
 * Returns NULL, with PROV_ENOMEM recorded, when an append failed. */
char *prov_strbuf_detach(prov_strbuf *b, size_t *len);
/* Shorten the contents to len bytes, e.g. back to a length noted before
 * appending a path segment; a len past the end changes nothing. */
void prov_strbuf_truncate(prov_strbuf *b, size_t len);
void prov_strbuf_reset(prov_strbuf *b);
void prov_strbuf_release(prov_strbuf *b);

#endif
