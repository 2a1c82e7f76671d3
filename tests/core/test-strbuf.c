#include "test-util.h"

#include "core/strbuf.h"
#include "core/utf8.h"

START_TEST(test_append_and_printf_grow_the_buffer)
{
	prov_strbuf b = PROV_STRBUF_INIT;
	char *s;
	size_t len;

	ck_assert_str_eq(prov_strbuf_cstr(&b), "");
	for (int i = 0; i < 1000; i++)
		prov_strbuf_printf(&b, "%d,", i % 10);
	ck_assert_uint_eq(b.len, 2000);
	ck_assert_int_eq(prov_strbuf_status(&b), PROV_OK);
	s = prov_strbuf_detach(&b, &len);
	ck_assert_uint_eq(len, 2000);
	ck_assert_uint_eq(strlen(s), 2000);
	ck_assert_ptr_null(b.data);
	free(s);
}
END_TEST

START_TEST(test_an_empty_buffer_detaches_as_an_empty_string)
{
	prov_strbuf b = PROV_STRBUF_INIT;
	char *s;
	size_t len = 1;

	ck_assert_int_eq(prov_strbuf_reserve(&b, 100), PROV_OK);
	ck_assert_str_eq(prov_strbuf_cstr(&b), "");
	prov_strbuf_release(&b);
	s = prov_strbuf_detach(&b, &len);
	ck_assert_str_eq(s, "");
	ck_assert_uint_eq(len, 0);
	free(s);
}
END_TEST

START_TEST(test_json_string_escaping)
{
	prov_strbuf b = PROV_STRBUF_INIT;

	prov_strbuf_put_json_string(&b, "a\"b\\c\n\t\x1f/\xc3\xa9", 11);
	ck_assert_str_eq(prov_strbuf_cstr(&b), "\"a\\\"b\\\\c\\n\\t\\u001f/\xc3\xa9\"");
	prov_strbuf_reset(&b);
	/* A truncated sequence, a surrogate and an overlong form each become U+FFFD. */
	prov_strbuf_put_json_string(&b, "\xe2\x82|\xed\xa0\x80|\xc0\xaf", 9);
	ck_assert_str_eq(prov_strbuf_cstr(&b), "\"\\ufffd\\ufffd|\\ufffd\\ufffd\\ufffd|\\ufffd\\ufffd\"");
	prov_strbuf_release(&b);
}
END_TEST

START_TEST(test_utf8_validation)
{
	char out[4];

	ck_assert_uint_eq(prov_utf8_check("plain", 5), 5);
	ck_assert_uint_eq(prov_utf8_check("ok\xf0\x9f\x98\x80", 6), 6);
	ck_assert_uint_eq(prov_utf8_check("ab\xf4\x90\x80\x80", 6), 2);
	ck_assert_uint_eq(prov_utf8_check("a\xff", 2), 1);
	ck_assert_uint_eq(prov_utf8_encode(0x20ac, out), 3);
	ck_assert_mem_eq(out, "\xe2\x82\xac", 3);
	ck_assert_uint_eq(prov_utf8_encode(0xd800, out), 0);
	ck_assert_uint_eq(prov_utf8_encode(0x110000, out), 0);
}
END_TEST

static Suite *strbuf_suite(void)
{
	Suite *s = suite_create("strbuf");
	TCase *tc = tcase_create("strbuf");

	tcase_add_test(tc, test_append_and_printf_grow_the_buffer);
	tcase_add_test(tc, test_an_empty_buffer_detaches_as_an_empty_string);
	tcase_add_test(tc, test_json_string_escaping);
	tcase_add_test(tc, test_utf8_validation);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return test_run_suite(strbuf_suite());
}
