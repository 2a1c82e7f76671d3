/* Base64 as etcd's gateway carries keys and values. */
#include "test-util.h"

#include "checkpoint/etcd_base64.h"

static char *encode(const char *bytes, size_t len)
{
	prov_strbuf b = PROV_STRBUF_INIT;

	ck_assert_int_eq(prov_base64_append(&b, bytes, len), PROV_OK);
	return prov_strbuf_detach(&b, NULL);
}

START_TEST(test_encoding_pads_to_whole_groups)
{
	static const char *const want[] = { "", "Zg==", "Zm8=", "Zm9v", "Zm9vYg==", "Zm9vYmE=",
					    "Zm9vYmFy" };

	for (size_t len = 0; len < 7; len++) {
		char *text = encode("foobar", len);

		ck_assert_str_eq(text, want[len]);
		free(text);
	}
}
END_TEST

START_TEST(test_every_byte_value_survives_a_round_trip)
{
	char bytes[256], *text, *back;
	size_t len;

	for (int i = 0; i < 256; i++)
		bytes[i] = (char)i;
	for (size_t n = 250; n <= 256; n++) {
		text = encode(bytes, n);
		ck_assert_int_eq(prov_base64_decode(text, strlen(text), &back, &len), PROV_OK);
		ck_assert_uint_eq(len, n);
		ck_assert_int_eq(memcmp(back, bytes, n), 0);
		ck_assert_int_eq(back[len], '\0');
		free(text);
		free(back);
	}
}
END_TEST

START_TEST(test_text_that_is_not_base64_is_refused)
{
	static const char *const bad[] = { "Zm9", "Zm9v!A==", "Z===", "=Zm9", "Zm=v", "Zg=A" };
	char *out;
	size_t len;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ck_assert_msg(prov_base64_decode(bad[i], strlen(bad[i]), &out, &len) == PROV_EPARSE,
			      "%s", bad[i]);
		ck_assert_ptr_null(out);
	}
}
END_TEST

int main(void)
{
	Suite *s = suite_create("checkpoint-etcd-base64");
	TCase *tc = tcase_create("base64");

	tcase_add_test(tc, test_encoding_pads_to_whole_groups);
	tcase_add_test(tc, test_every_byte_value_survives_a_round_trip);
	tcase_add_test(tc, test_text_that_is_not_base64_is_refused);
	suite_add_tcase(s, tc);
	return test_run_suite(s);
}
