/* UTF-8 validation, shared by every reader and printer. */
#ifndef PROV_CORE_UTF8_H
#define PROV_CORE_UTF8_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Length of the well-formed UTF-8 sequence at s (1-4), or 0 when the bytes
 * there are not valid UTF-8 (overlong forms, surrogates and code points past
 * U+10FFFF are invalid).
 */
size_t prov_utf8_sequence(const char *s, size_t avail);

/* Offset of the first invalid byte, or len when s is valid UTF-8. */
size_t prov_utf8_check(const char *s, size_t len);

/* Encode a code point (not a surrogate, <= U+10FFFF) into out; returns 1-4, 0 if invalid. */
size_t prov_utf8_encode(uint32_t cp, char out[4]);

#endif
