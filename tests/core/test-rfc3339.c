#include "test-util.h"

#include "core/rfc3339.h"

START_TEST(test_format_utc_with_and_without_millis)
{
	char out[PROV_RFC3339_MAX];

	ck_assert_uint_eq(prov_rfc3339_format(0, false, out), 20);
	ck_assert_str_eq(out, "1970-01-01T00:00:00Z");
	prov_rfc3339_format(1795608000123LL, true, out);
	ck_assert_str_eq(out, "2026-11-25T12:00:00.123Z");
	prov_rfc3339_format(-1, true, out);
	ck_assert_str_eq(out, "1969-12-31T23:59:59.999Z");
	prov_rfc3339_format(951782400000LL, false, out);
	ck_assert_str_eq(out, "2000-02-29T00:00:00Z");
}
END_TEST

START_TEST(test_parse_offsets_and_fractions)
{
	int64_t ms;

	ck_assert_int_eq(prov_rfc3339_parse("2026-11-25T12:00:00Z", 20, &ms), 0);
	ck_assert_int_eq(ms, 1795608000000LL);
	ck_assert_int_eq(prov_rfc3339_parse("2026-11-25T14:30:00.5+02:30", 27, &ms), 0);
	ck_assert_int_eq(ms, 1795608000500LL);
	ck_assert_int_eq(prov_rfc3339_parse("2026-11-25 07:00:00.123456-05:00", 32, &ms), 0);
	ck_assert_int_eq(ms, 1795608000123LL);
	ck_assert_int_eq(prov_rfc3339_parse("1969-12-31t23:59:59z", 20, &ms), 0);
	ck_assert_int_eq(ms, -1000);
}
END_TEST

START_TEST(test_parse_rejects_invalid_timestamps)
{
	static const char *const bad[] = {
		"2026-02-29T00:00:00Z", /* not a leap year */
		"2026-13-01T00:00:00Z",
		"2026-11-25T24:00:00Z",
		"2026-11-25T12:00:00",  /* no offset */
		"2026-11-25T12:00:00+2:00",
		"2026-11-25T12:00:00.Z",
		"2026-11-25",
		"2026-11-25T12:00:00Zjunk",
		"",
	};
	int64_t ms;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(prov_rfc3339_parse(bad[i], strlen(bad[i]), &ms) == -1, "%s accepted", bad[i]);
}
END_TEST

START_TEST(test_format_then_parse_round_trips)
{
	char out[PROV_RFC3339_MAX];
	int64_t ms;

	for (int64_t t = -5000000000000LL; t < 5000000000000LL; t += 123456789011LL) {
		prov_rfc3339_format(t, true, out);
		ck_assert_int_eq(prov_rfc3339_parse(out, strlen(out), &ms), 0);
		ck_assert_int_eq(ms, t);
	}
}
END_TEST

START_TEST(test_date_validity)
{
	ck_assert(prov_date_valid(2000, 2, 29));
	ck_assert(!prov_date_valid(1900, 2, 29));
	ck_assert(prov_date_valid(2024, 2, 29));
	ck_assert(!prov_date_valid(2023, 4, 31));
	ck_assert(!prov_date_valid(2023, 0, 1));
}
END_TEST

static Suite *rfc3339_suite(void)
{
	Suite *s = suite_create("rfc3339");
	TCase *tc = tcase_create("rfc3339");

	tcase_add_test(tc, test_format_utc_with_and_without_millis);
	tcase_add_test(tc, test_parse_offsets_and_fractions);
	tcase_add_test(tc, test_parse_rejects_invalid_timestamps);
	tcase_add_test(tc, test_format_then_parse_round_trips);
	tcase_add_test(tc, test_date_validity);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return test_run_suite(rfc3339_suite());
}
