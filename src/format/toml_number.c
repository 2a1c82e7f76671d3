/*
 * TOML integers, floats and datetimes.
 *
 * Integers are accumulated digit by digit with an exact overflow check. Floats
 * with at most 19 significant digits and a small exponent are computed
 * exactly (one correctly rounded multiplication or division of two exact
 * doubles); the rest go to strtod_l in the "C" locale, so a host program's
 * locale never changes what "3.14" means.
 */
#include "format/toml_scan.h"
#include "core/rfc3339.h"

#include <locale.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>

/* A token is named in errors by at most this many bytes. */
#define TOKEN_SHOWN 40

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool at_value_end(const struct toml_scanner *s, const char *p)
{
	return p == s->end || toml_is((unsigned char)*p, TOML_VALUE_END);
}

static int invalid_token(struct toml_scanner *s, const char *start, const char *what)
{
	const char *p = start;

	while (p < s->end && p - start < TOKEN_SHOWN && !toml_is((unsigned char)*p, TOML_VALUE_END))
		p++;
	s->p = start;
	return toml_error(s, PROV_EPARSE, "invalid %s '%.*s'", what, (int)(p - start), start);
}

/* End of DIGIT *( DIGIT / "_" DIGIT ), or NULL when there is no digit or an
 * underscore is not between two digits. */
static const char *digit_run_end(const char *p, const char *end)
{
	if (p == end || !is_digit(*p))
		return NULL;
	for (p++;;) {
		if (p < end && is_digit(*p))
			p++;
		else if (p < end && *p == '_' && end - p >= 2 && is_digit(p[1]))
			p += 2;
		else if (p < end && *p == '_')
			return NULL;
		else
			return p;
	}
}

/* The significant digits of a float: up to 19 kept exactly, the rest noted. */
struct mantissa {
	uint64_t digits;
	int count;
	long exponent;
	bool truncated;
};

static void add_digits(struct mantissa *m, const char *p, const char *end, bool fraction)
{
	for (; p < end; p++) {
		unsigned d = (unsigned)(*p - '0');

		if (*p == '_' || (m->digits == 0 && d == 0)) {
			m->exponent -= fraction && *p != '_';
		} else if (m->count < 19) {
			m->digits = m->digits * 10 + d;
			m->count++;
			m->exponent -= fraction;
		} else {
			m->truncated = true;
			m->exponent += !fraction;
		}
	}
}

static locale_t c_locale;
static pthread_once_t c_locale_once = PTHREAD_ONCE_INIT;

static void make_c_locale(void)
{
	c_locale = newlocale(LC_ALL_MASK, "C", (locale_t)0);
}

/* The correctly rounded value of the float text [start, end), underscores skipped. */
static int slow_float(struct toml_scanner *s, const char *start, const char *end, double *out)
{
	prov_strbuf_reset(&s->text);
	for (const char *p = start; p < end; p++)
		if (*p != '_')
			prov_strbuf_putc(&s->text, *p);
	if (prov_strbuf_status(&s->text))
		return PROV_ENOMEM;
	pthread_once(&c_locale_once, make_c_locale);
	if (!c_locale)
		return prov_err_nomem();
	*out = strtod_l(prov_strbuf_cstr(&s->text), NULL, c_locale);
	return PROV_OK;
}

static double exact_float(const struct mantissa *m, long exponent)
{
	static const double powers[] = {
		1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
		1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
	};
	double d = (double)m->digits;

	return exponent < 0 ? d / powers[-exponent] : d * powers[exponent];
}

/* Exponent digits after 'e', saturated far beyond any double's range. */
static long exponent_value(const char *p, const char *end)
{
	long e = 0;
	bool negative = *p == '-';

	for (p += *p == '-' || *p == '+'; p < end; p++)
		if (*p != '_' && e < 100000)
			e = e * 10 + (*p - '0');
	return negative ? -e : e;
}

static int finish_float(struct toml_scanner *s, const char *start, const char *p,
			struct mantissa *m, long exponent, bool negative,
			struct toml_scalar *out)
{
	double d;
	int rc;

	if (m->digits == 0) {
		d = 0.0;
	} else if (!m->truncated && m->digits <= (UINT64_C(1) << 53) &&
		   exponent >= -22 && exponent <= 22) {
		d = exact_float(m, exponent);
	} else {
		if ((rc = slow_float(s, start, p, &d)))
			return rc;
		if (isinf(d)) {
			s->p = start;
			return toml_error(s, PROV_ERANGE, "float '%.*s' is too large for a double",
					  (int)(p - start > TOKEN_SHOWN ? TOKEN_SHOWN : p - start), start);
		}
		d = fabs(d);
	}
	out->type = PROV_VALUE_DOUBLE;
	out->d = negative ? -d : d;
	s->p = p;
	return PROV_OK;
}

/* Fraction and exponent after the integer part [int_start, p). */
static int scan_float(struct toml_scanner *s, const char *int_start, const char *p,
		      bool negative, struct toml_scalar *out)
{
	const char *start = s->p, *end = s->end, *run;
	struct mantissa m = { 0, 0, 0, false };
	long exponent = 0;

	add_digits(&m, int_start, p, false);
	if (*p == '.') {
		if (!(run = digit_run_end(p + 1, end)))
			return invalid_token(s, start, "float");
		add_digits(&m, p + 1, run, true);
		p = run;
	}
	if (p < end && (*p == 'e' || *p == 'E')) {
		const char *digits = p + 1 + (p + 1 < end && (p[1] == '+' || p[1] == '-'));
		if (!(run = digit_run_end(digits, end)))
			return invalid_token(s, start, "float");
		exponent = exponent_value(p + 1, run);
		p = run;
	}
	if (!at_value_end(s, p))
		return invalid_token(s, start, "float");
	return finish_float(s, start, p, &m, m.exponent + exponent, negative, out);
}

static int scan_decimal(struct toml_scanner *s, const char *p, bool negative,
			struct toml_scalar *out)
{
	const char *start = s->p, *int_start = p, *run = digit_run_end(p, s->end);
	uint64_t limit = negative ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
	uint64_t value = 0;

	if (!run)
		return invalid_token(s, start, "number");
	if (*p == '0' && run - p > 1) {
		s->p = start;
		return toml_error(s, PROV_EPARSE, "leading zeros are not allowed in '%.*s'",
				  (int)(run - start > TOKEN_SHOWN ? TOKEN_SHOWN : run - start), start);
	}
	if (run < s->end && (*run == '.' || *run == 'e' || *run == 'E'))
		return scan_float(s, int_start, run, negative, out);
	if (!at_value_end(s, run))
		return invalid_token(s, start, "number");
	for (; p < run; p++) {
		unsigned d = (unsigned)(*p - '0');
		if (*p == '_')
			continue;
		if (value > (limit - d) / 10) {
			s->p = start;
			return toml_error(s, PROV_ERANGE, "integer '%.*s' does not fit in 64 bits",
					  (int)(run - start > TOKEN_SHOWN ? TOKEN_SHOWN : run - start),
					  start);
		}
		value = value * 10 + d;
	}
	out->type = PROV_VALUE_INT;
	out->i = negative ? (int64_t)(0 - value) : (int64_t)value;
	s->p = run;
	return PROV_OK;
}

static int digit_in_base(char c, unsigned base)
{
	int d = c >= '0' && c <= '9' ? c - '0'
		: c >= 'a' && c <= 'f' ? c - 'a' + 10
		: c >= 'A' && c <= 'F' ? c - 'A' + 10 : 99;

	return d < (int)base ? d : -1;
}

/* 0x, 0o and 0b integers: never signed, at most INT64_MAX. */
static int scan_prefixed(struct toml_scanner *s, struct toml_scalar *out)
{
	const char *start = s->p, *p = start + 2, *end = s->end;
	unsigned base = start[1] == 'x' ? 16 : start[1] == 'o' ? 8 : 2;
	unsigned shift = base == 16 ? 4 : base == 8 ? 3 : 1;
	uint64_t value = 0;
	bool overflow = false;

	if (p == end || digit_in_base(*p, base) < 0)
		return invalid_token(s, start, "integer");
	for (; p < end; p++) {
		int d = digit_in_base(*p, base);
		if (*p == '_' && end - p >= 2 && digit_in_base(p[1], base) >= 0)
			continue;
		if (d < 0)
			break;
		overflow |= value > ((uint64_t)INT64_MAX >> shift);
		value = value << shift | (uint64_t)d;
	}
	if (!at_value_end(s, p))
		return invalid_token(s, start, "integer");
	if (overflow) {
		s->p = start;
		return toml_error(s, PROV_ERANGE, "integer '%.*s' does not fit in 64 bits",
				  (int)(p - start > TOKEN_SHOWN ? TOKEN_SHOWN : p - start), start);
	}
	out->type = PROV_VALUE_INT;
	out->i = (int64_t)value;
	s->p = p;
	return PROV_OK;
}

static int scan_inf_nan(struct toml_scanner *s, const char *p, bool negative,
			struct toml_scalar *out)
{
	bool inf = s->end - p >= 3 && p[0] == 'i' && p[1] == 'n' && p[2] == 'f';
	bool nan = s->end - p >= 3 && p[0] == 'n' && p[1] == 'a' && p[2] == 'n';

	if ((!inf && !nan) || !at_value_end(s, p + 3))
		return invalid_token(s, s->p, "value");
	out->type = PROV_VALUE_DOUBLE;
	out->d = inf ? (negative ? -INFINITY : INFINITY) : (negative ? -NAN : NAN);
	s->p = p + 3;
	return PROV_OK;
}

/* Two digits at p, or -1. */
static int two_digits(const char *p, const char *end)
{
	if (end - p < 2 || !is_digit(p[0]) || !is_digit(p[1]))
		return -1;
	return (p[0] - '0') * 10 + (p[1] - '0');
}

/* YYYY-MM-DD at p: returns whether it is a day of the calendar. */
static bool read_date(const char *p, const char *end)
{
	int century = two_digits(p, end), year = two_digits(p + 2, end);
	int month = end - p >= 10 && p[4] == '-' && p[7] == '-' ? two_digits(p + 5, end) : -1;
	int day = month >= 0 ? two_digits(p + 8, end) : -1;

	return century >= 0 && year >= 0 && day >= 0 &&
	       prov_date_valid(century * 100 + year, (unsigned)month, (unsigned)day);
}

/* HH:MM:SS (leap second 60 allowed) and an optional fraction; returns its end. */
static const char *read_time(const char *p, const char *end)
{
	int hour = two_digits(p, end);
	int minute = end - p >= 8 && p[2] == ':' && p[5] == ':' ? two_digits(p + 3, end) : -1;
	int second = minute >= 0 ? two_digits(p + 6, end) : -1;

	if (hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 60)
		return NULL;
	p += 8;
	if (p < end && *p == '.') {
		if (p + 1 == end || !is_digit(p[1]))
			return NULL;
		for (p++; p < end && is_digit(*p); p++)
			;
	}
	return p;
}

/* Z or +HH:MM / -HH:MM; returns its end. */
static const char *read_offset(const char *p, const char *end)
{
	int hour, minute;

	if (p < end && (*p == 'Z' || *p == 'z'))
		return p + 1;
	if (p == end || (*p != '+' && *p != '-'))
		return p;
	hour = two_digits(p + 1, end);
	minute = end - p >= 6 && p[3] == ':' ? two_digits(p + 4, end) : -1;
	if (hour < 0 || hour > 23 || minute < 0 || minute > 59)
		return NULL;
	return p + 6;
}

/* The text as stored: separator 'T' and offset 'Z' upper case. */
static int normalised_datetime(struct toml_scanner *s, const char *start, const char *p,
			       struct toml_scalar *out)
{
	prov_strbuf_reset(&s->text);
	prov_strbuf_append(&s->text, start, (size_t)(p - start));
	if (prov_strbuf_status(&s->text))
		return PROV_ENOMEM;
	if (s->text.len > 10 && out->datetime_kind != PROV_TIME_LOCAL)
		s->text.data[10] = 'T';
	if (s->text.data[s->text.len - 1] == 'z')
		s->text.data[s->text.len - 1] = 'Z';
	out->type = PROV_VALUE_DATETIME;
	out->text = s->text.data;
	out->len = s->text.len;
	s->p = p;
	return PROV_OK;
}

static int scan_datetime(struct toml_scanner *s, struct toml_scalar *out)
{
	const char *start = s->p, *p = start, *end = s->end, *after;

	out->datetime_kind = PROV_TIME_LOCAL;
	if (end - p > 4 && p[4] == '-') {
		if (!read_date(p, end))
			return invalid_token(s, start, "date");
		p += 10;
		out->datetime_kind = PROV_DATE_LOCAL;
		if (p == end || !(*p == 'T' || *p == 't' || (*p == ' ' && end - p >= 2 && is_digit(p[1]))))
			return at_value_end(s, p) ? normalised_datetime(s, start, p, out)
						  : invalid_token(s, start, "date");
		p++;
		out->datetime_kind = PROV_DATETIME_LOCAL;
	}
	if (!(after = read_time(p, end)))
		return invalid_token(s, start, out->datetime_kind == PROV_TIME_LOCAL ? "time" : "datetime");
	p = after;
	if (out->datetime_kind == PROV_DATETIME_LOCAL) {
		if (!(after = read_offset(p, end)))
			return invalid_token(s, start, "datetime");
		if (after != p)
			out->datetime_kind = PROV_DATETIME_OFFSET;
		p = after;
	}
	if (!at_value_end(s, p))
		return invalid_token(s, start, out->datetime_kind == PROV_TIME_LOCAL ? "time" : "datetime");
	return normalised_datetime(s, start, p, out);
}

/* Four digits then '-' start a date; two digits then ':' a time. */
static bool starts_datetime(const char *p, const char *end)
{
	int n = 0;

	while (n < 5 && p + n < end && is_digit(p[n]))
		n++;
	return (n == 4 && p + 4 < end && p[4] == '-') || (n == 2 && p + 2 < end && p[2] == ':');
}

int toml_scan_number(struct toml_scanner *s, struct toml_scalar *out)
{
	const char *p = s->p, *end = s->end;
	bool sign = *p == '+' || *p == '-', negative = *p == '-';

	p += sign;
	if (p < end && (*p == 'i' || *p == 'n'))
		return scan_inf_nan(s, p, negative, out);
	if (!sign && end - p >= 2 && p[0] == '0' && (p[1] == 'x' || p[1] == 'o' || p[1] == 'b'))
		return scan_prefixed(s, out);
	if (!sign && starts_datetime(p, end))
		return scan_datetime(s, out);
	return scan_decimal(s, p, negative, out);
}
