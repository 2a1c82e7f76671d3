#include "core/rfc3339.h"

#include <stdio.h>

/* Howard Hinnant's days_from_civil: exact for the whole proleptic calendar. */
int64_t prov_days_from_civil(int64_t year, unsigned month, unsigned day)
{
	int64_t y = year - (month <= 2);
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	unsigned yoe = (unsigned)(y - era * 400);
	unsigned doy = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1;
	unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;

	return era * 146097 + (int64_t)doe - 719468;
}

static void civil_from_days(int64_t z, int64_t *year, unsigned *month, unsigned *day)
{
	int64_t era;
	unsigned doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = (unsigned)(z - era * 146097);
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*day = doy - (153 * mp + 2) / 5 + 1;
	*month = mp < 10 ? mp + 3 : mp - 9;
	*year = (int64_t)yoe + era * 400 + (*month <= 2);
}

bool prov_date_valid(int64_t year, unsigned month, unsigned day)
{
	static const unsigned char days_in_month[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
	unsigned last;

	if (month < 1 || month > 12 || day < 1)
		return false;
	last = days_in_month[month - 1] + (month == 2 && leap);
	return day <= last;
}

static int64_t floor_div(int64_t a, int64_t b)
{
	return a / b - (a % b != 0 && (a < 0) != (b < 0));
}

size_t prov_rfc3339_format(int64_t unix_ms, bool with_millis, char out[PROV_RFC3339_MAX])
{
	int64_t days = floor_div(unix_ms, 86400000);
	int64_t ms_of_day = unix_ms - days * 86400000;
	int64_t year;
	unsigned month, day, secs = (unsigned)(ms_of_day / 1000), millis = (unsigned)(ms_of_day % 1000);
	int n;

	civil_from_days(days, &year, &month, &day);
	if (year < 0 || year > 9999) {
		out[0] = '\0';
		return 0;
	}
	if (with_millis)
		n = snprintf(out, PROV_RFC3339_MAX, "%04d-%02u-%02uT%02u:%02u:%02u.%03uZ",
			     (int)year, month, day, secs / 3600, secs / 60 % 60, secs % 60, millis);
	else
		n = snprintf(out, PROV_RFC3339_MAX, "%04d-%02u-%02uT%02u:%02u:%02uZ",
			     (int)year, month, day, secs / 3600, secs / 60 % 60, secs % 60);
	return n > 0 ? (size_t)n : 0;
}

/* Read exactly `width` decimal digits at *pos. */
static bool read_digits(const char *s, size_t len, size_t *pos, int width, unsigned *value)
{
	unsigned v = 0;

	if (*pos + (size_t)width > len)
		return false;
	for (int i = 0; i < width; i++) {
		char c = s[*pos + (size_t)i];
		if (c < '0' || c > '9')
			return false;
		v = v * 10 + (unsigned)(c - '0');
	}
	*pos += (size_t)width;
	*value = v;
	return true;
}

static bool expect(const char *s, size_t len, size_t *pos, const char *choices)
{
	if (*pos >= len)
		return false;
	for (; *choices; choices++) {
		if (s[*pos] == *choices) {
			(*pos)++;
			return true;
		}
	}
	return false;
}

/* Fraction digits after '.', truncated to milliseconds. */
static bool read_fraction(const char *s, size_t len, size_t *pos, unsigned *millis)
{
	unsigned ms = 0;
	int digits = 0;

	while (*pos < len && s[*pos] >= '0' && s[*pos] <= '9') {
		if (digits < 3)
			ms = ms * 10 + (unsigned)(s[*pos] - '0');
		digits++;
		(*pos)++;
	}
	if (digits == 0)
		return false;
	for (; digits < 3; digits++)
		ms *= 10;
	*millis = ms;
	return true;
}

static bool read_offset(const char *s, size_t len, size_t *pos, int64_t *offset_minutes)
{
	unsigned oh = 0, om = 0;
	int sign;

	if (expect(s, len, pos, "Zz")) {
		*offset_minutes = 0;
		return true;
	}
	if (*pos >= len || (s[*pos] != '+' && s[*pos] != '-'))
		return false;
	sign = s[(*pos)++] == '-' ? -1 : 1;
	if (!read_digits(s, len, pos, 2, &oh) || !expect(s, len, pos, ":") ||
	    !read_digits(s, len, pos, 2, &om) || oh > 23 || om > 59)
		return false;
	*offset_minutes = sign * (int64_t)(oh * 60 + om);
	return true;
}

int prov_rfc3339_parse(const char *s, size_t len, int64_t *unix_ms)
{
	unsigned year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0, millis = 0;
	int64_t offset_minutes = 0, days;
	size_t pos = 0;

	if (!read_digits(s, len, &pos, 4, &year) || !expect(s, len, &pos, "-") ||
	    !read_digits(s, len, &pos, 2, &month) || !expect(s, len, &pos, "-") ||
	    !read_digits(s, len, &pos, 2, &day) || !expect(s, len, &pos, "Tt ") ||
	    !read_digits(s, len, &pos, 2, &hour) || !expect(s, len, &pos, ":") ||
	    !read_digits(s, len, &pos, 2, &minute) || !expect(s, len, &pos, ":") ||
	    !read_digits(s, len, &pos, 2, &second))
		return -1;
	if (expect(s, len, &pos, ".") && !read_fraction(s, len, &pos, &millis))
		return -1;
	if (!read_offset(s, len, &pos, &offset_minutes) || pos != len)
		return -1;
	/* RFC 3339 allows a leap second (:60); it is read as the next second. */
	if (!prov_date_valid(year, month, day) || hour > 23 || minute > 59 || second > 60)
		return -1;
	days = prov_days_from_civil(year, month, day);
	*unix_ms = ((days * 86400 + hour * 3600 + minute * 60 + second) - offset_minutes * 60) * 1000 + millis;
	return 0;
}
