/*
 * RFC 3339 timestamps, the form every document and event carries.
 * The library always writes UTC with a "Z"; it reads any offset.
 */
#ifndef PROV_CORE_RFC3339_H
#define PROV_CORE_RFC3339_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* "2026-11-25T12:00:00.123Z" plus a NUL, with room for 5-digit years. */
#define PROV_RFC3339_MAX 32

/*
 * Write unix_ms as UTC: "2026-11-25T12:00:00Z", or with ".123" milliseconds
 * when with_millis is true. Returns the length written (0 when the year falls
 * outside 0000-9999).
 */
size_t prov_rfc3339_format(int64_t unix_ms, bool with_millis, char out[PROV_RFC3339_MAX]);

/*
 * Read a full RFC 3339 date-time ("T", "t" or " " between date and time, an
 * optional fraction, "Z" or a +hh:mm offset) into milliseconds since the
 * epoch. Fractions past milliseconds are truncated. Returns 0, or -1 when the
 * text is not a valid timestamp (including days that do not exist).
 */
int prov_rfc3339_parse(const char *text, size_t len, int64_t *unix_ms);

/* Days since 1970-01-01 of a proleptic Gregorian date. */
int64_t prov_days_from_civil(int64_t year, unsigned month, unsigned day);

/* Whether year-month-day names a real day (leap years included). */
bool prov_date_valid(int64_t year, unsigned month, unsigned day);

#endif
