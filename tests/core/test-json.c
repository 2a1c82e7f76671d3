#include "test-util.h"

#include "core/json.h"

START_TEST(test_parse_and_convert_round_trip)
{
	const char *text = "{\"a\":[1,2.5,\"x\",true,null],\"b\":{\"c\":-9007199254740993}}";
	json_object *obj, *back;
	prov_value *tree;
	char *printed;

	ck_assert_int_eq(prov_json_parse(text, strlen(text), "sample", &obj), PROV_OK);
	tree = prov_value_from_json_c(obj, NULL);
	ck_assert_ptr_nonnull(tree);
	ck_assert(prov_value_get_int(prov_value_lookup(tree, "b.c")) == -9007199254740993LL);
	ck_assert_int_eq(prov_value_type_of(prov_value_lookup(tree, "a.4")), PROV_VALUE_NULL);
	ck_assert_int_eq(prov_value_to_json_c(tree, &back), PROV_OK);
	printed = prov_json_to_string(back, NULL);
	ck_assert_str_eq(printed, text);
	free(printed);
	json_object_put(obj);
	json_object_put(back);
	prov_value_unref(tree);
}
END_TEST

START_TEST(test_parse_error_names_document_and_line)
{
	const char *text = "{\n  \"a\": 1,\n  \"b\": [1, 2\n}";
	json_object *obj = (json_object *)1;

	ck_assert_int_eq(prov_json_parse(text, strlen(text), "checkpoint wf-1", &obj), PROV_EPARSE);
	ck_assert_ptr_null(obj);
	ck_assert_msg(strstr(prov_error_last()->message, "checkpoint wf-1: line 4") != NULL,
		      "%s", prov_error_last()->message);
}
END_TEST

START_TEST(test_trailing_garbage_is_an_error)
{
	const char *text = "{\"a\":1} x";
	json_object *obj;

	ck_assert_int_eq(prov_json_parse(text, strlen(text), "doc", &obj), PROV_EPARSE);
	ck_assert_msg(strncmp(prov_error_last()->message, "doc: line 1: ", 13) == 0, "%s",
		      prov_error_last()->message);
	ck_assert_int_eq(prov_json_parse("{\"a\":1}\n", 8, "doc", &obj), PROV_OK);
	json_object_put(obj);
}
END_TEST

START_TEST(test_truncated_document_is_an_error)
{
	json_object *obj;

	ck_assert_int_eq(prov_json_parse("{\"a\":", 5, "doc", &obj), PROV_EPARSE);
	ck_assert_int_eq(prov_json_parse("", 0, "doc", &obj), PROV_EPARSE);
}
END_TEST

START_TEST(test_a_number_or_literal_alone_is_a_whole_document)
{
	json_object *obj = (json_object *)1;

	ck_assert_int_eq(prov_json_parse("null", 4, "doc", &obj), PROV_OK);
	ck_assert_ptr_null(obj);
	ck_assert_int_eq(prov_json_parse("42", 2, "doc", &obj), PROV_OK);
	ck_assert_int_eq(json_object_get_int(obj), 42);
	json_object_put(obj);
	ck_assert_int_eq(prov_json_parse("true", 4, "doc", &obj), PROV_OK);
	ck_assert(json_object_get_boolean(obj));
	json_object_put(obj);
	ck_assert_int_eq(prov_json_parse("nul", 3, "doc", &obj), PROV_EPARSE);
	ck_assert_int_eq(prov_json_parse("4e", 2, "doc", &obj), PROV_EPARSE);
}
END_TEST

START_TEST(test_nesting_beyond_limit_is_refused)
{
	char text[2 * (PROV_JSON_MAX_DEPTH + 10) + 1];
	size_t n = PROV_JSON_MAX_DEPTH + 10;
	json_object *obj;

	memset(text, '[', n);
	memset(text + n, ']', n);
	text[2 * n] = '\0';
	ck_assert_int_eq(prov_json_parse(text, 2 * n, "deep", &obj), PROV_EPARSE);
	ck_assert_ptr_nonnull(strstr(prov_error_last()->message, "deep"));
}
END_TEST

START_TEST(test_getters_tolerate_missing_members)
{
	json_object *obj;
	int64_t n = 0;

	ck_assert_int_eq(prov_json_parse("{\"s\":\"v\",\"n\":\"7\",\"i\":7}", 24, "doc", &obj), PROV_OK);
	ck_assert_str_eq(prov_json_get_string(obj, "s"), "v");
	ck_assert_ptr_null(prov_json_get_string(obj, "i"));
	ck_assert_ptr_null(prov_json_get_string(obj, "missing"));
	ck_assert(prov_json_get_int64(obj, "i", &n));
	ck_assert_int_eq(n, 7);
	ck_assert(!prov_json_get_int64(obj, "n", &n));
	json_object_put(obj);
}
END_TEST

static Suite *json_suite(void)
{
	Suite *s = suite_create("json");
	TCase *tc = tcase_create("json");

	tcase_add_test(tc, test_parse_and_convert_round_trip);
	tcase_add_test(tc, test_parse_error_names_document_and_line);
	tcase_add_test(tc, test_trailing_garbage_is_an_error);
	tcase_add_test(tc, test_truncated_document_is_an_error);
	tcase_add_test(tc, test_a_number_or_literal_alone_is_a_whole_document);
	tcase_add_test(tc, test_nesting_beyond_limit_is_refused);
	tcase_add_test(tc, test_getters_tolerate_missing_members);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return test_run_suite(json_suite());
}
