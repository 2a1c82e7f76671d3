/* Semantic versions and the ranges extension manifests state. */
#include "test-util.h"

#include "plugin/semver.h"
#include "core/err.h"

static prov_semver version(const char *text)
{
	prov_semver v;

	ck_assert_msg(prov_semver_parse(&v, text) == PROV_OK, "%s", prov_error_last()->message);
	return v;
}

static bool in(const char *range, const char *text)
{
	prov_semver v = version(text);
	bool satisfied = false;

	ck_assert_msg(prov_semver_satisfies(&satisfied, range, &v) == PROV_OK, "%s",
		      prov_error_last()->message);
	return satisfied;
}

START_TEST(test_versions_order_by_their_numbers_then_prereleases)
{
	const char *ordered[] = { "0.1.0", "0.9.0", "0.10.0", "1.0.0-alpha", "1.0.0-alpha.1",
				  "1.0.0-alpha.beta", "1.0.0-beta.2", "1.0.0-beta.11", "1.0.0",
				  "1.0.1", "2.0.0" };
	size_t n = sizeof(ordered) / sizeof(ordered[0]);

	for (size_t i = 0; i + 1 < n; i++) {
		prov_semver a = version(ordered[i]), b = version(ordered[i + 1]);

		ck_assert_msg(prov_semver_compare(&a, &b) < 0, "%s < %s", ordered[i], ordered[i + 1]);
		ck_assert_msg(prov_semver_compare(&b, &a) > 0, "%s > %s", ordered[i + 1], ordered[i]);
	}
	prov_semver x = version("1.2.3+build.5"), y = version("1.2.3");
	ck_assert_int_eq(prov_semver_compare(&x, &y), 0);
}
END_TEST

START_TEST(test_malformed_versions_are_refused_by_name)
{
	const char *bad[] = { "1", "1.2", "01.2.3", "1.2.3-", "a.b.c", "1.2.3.4", "", NULL };
	prov_semver v;

	for (int i = 0; bad[i]; i++) {
		ck_assert_int_eq(prov_semver_parse(&v, bad[i]), PROV_EINVAL);
		ck_assert(strstr(prov_error_last()->message, "is not a semantic version"));
	}
}
END_TEST

START_TEST(test_comparator_lists_must_all_hold)
{
	ck_assert(in(">=0.1.0, <1.0.0", "0.1.0"));
	ck_assert(in(">=0.1.0, <1.0.0", "0.9.9"));
	ck_assert(!in(">=0.1.0, <1.0.0", "1.0.0"));
	ck_assert(!in(">=0.1.0, <1.0.0", "0.0.9"));
	ck_assert(in(">=0.3", "0.3.0"));
	ck_assert(in(">1.2", "1.3.0"));
	ck_assert(!in(">1.2", "1.2.9"));
	ck_assert(in("<=1.2", "1.2.9"));
	ck_assert(in("=1.2.3", "1.2.3"));
	ck_assert(!in("1.2.3", "1.2.4"));
}
END_TEST

START_TEST(test_caret_allows_changes_that_keep_the_first_non_zero_part)
{
	ck_assert(in("^0.1", "0.1.7"));
	ck_assert(!in("^0.1", "0.2.0"));
	ck_assert(in("^1.2.3", "1.9.0"));
	ck_assert(!in("^1.2.3", "2.0.0"));
	ck_assert(!in("^1.2.3", "1.2.2"));
	ck_assert(in("^0.0.3", "0.0.3"));
	ck_assert(!in("^0.0.3", "0.0.4"));
}
END_TEST

START_TEST(test_tilde_allows_patch_changes)
{
	ck_assert(in("~0.1.2", "0.1.9"));
	ck_assert(!in("~0.1.2", "0.2.0"));
	ck_assert(!in("~0.1.2", "0.1.1"));
	ck_assert(in("~1", "1.5.0"));
}
END_TEST

START_TEST(test_partial_versions_alternatives_and_wildcards)
{
	ck_assert(in("0.1", "0.1.4"));
	ck_assert(!in("0.1", "0.2.0"));
	ck_assert(in("*", "7.0.0"));
	ck_assert(in("1.x", "1.4.0"));
	ck_assert(in("^2 || ^0.1", "0.1.0"));
	ck_assert(!in("^2 || ^0.3", "0.1.0"));
}
END_TEST

START_TEST(test_malformed_ranges_are_refused_naming_the_range)
{
	prov_semver v = version("1.0.0");
	bool ok;

	ck_assert_int_eq(prov_semver_satisfies(&ok, ">=banana", &v), PROV_EINVAL);
	ck_assert(strstr(prov_error_last()->message, "'>=banana' is not a version range"));
	ck_assert_int_eq(prov_semver_satisfies(&ok, "", &v), PROV_EINVAL);
	ck_assert_int_eq(prov_semver_satisfies(&ok, "^1 ||", &v), PROV_EINVAL);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("plugin-semver");
	TCase *tc = tcase_create("semver");

	tcase_add_test(tc, test_versions_order_by_their_numbers_then_prereleases);
	tcase_add_test(tc, test_malformed_versions_are_refused_by_name);
	tcase_add_test(tc, test_comparator_lists_must_all_hold);
	tcase_add_test(tc, test_caret_allows_changes_that_keep_the_first_non_zero_part);
	tcase_add_test(tc, test_tilde_allows_patch_changes);
	tcase_add_test(tc, test_partial_versions_alternatives_and_wildcards);
	tcase_add_test(tc, test_malformed_ranges_are_refused_naming_the_range);
	suite_add_tcase(s, tc);
	return test_run_suite(s);
}
