#include "test-util.h"

#include "format/format.h"

#include <locale.h>
#include <sys/stat.h>
#include <unistd.h>

static prov_source *src;

static void setup(void)
{
	src = prov_source_new("conf.json", "project");
}

static void teardown(void)
{
	prov_source_unref(src);
}

static prov_value *parse_ok(const char *text)
{
	prov_value *v = NULL;
	int rc = prov_json_read(text, strlen(text), src, &v);

	ck_assert_msg(rc == PROV_OK, "parse failed: %s", prov_error_last()->message);
	return v;
}

/* Parse must fail with code; returns the message. */
static const char *parse_fails(const char *text, size_t len, int code)
{
	prov_value *v = (prov_value *)1;

	ck_assert_int_eq(prov_json_read(text, len, src, &v), code);
	ck_assert_ptr_null(v);
	return prov_error_last()->message;
}

static char *to_json(const prov_value *v)
{
	prov_strbuf out = PROV_STRBUF_INIT;

	ck_assert_int_eq(prov_value_print_json(&out, v, 0), PROV_OK);
	return prov_strbuf_detach(&out, NULL);
}

START_TEST(test_values_keep_their_json_types)
{
	prov_value *v = parse_ok("{\"s\": \"x\", \"i\": -42, \"d\": 2.5, \"e\": 1e3, \"t\": true,"
				 " \"f\": false, \"n\": null, \"a\": [1, \"two\"], \"o\": {}}");

	ck_assert_int_eq(prov_value_type_of(prov_table_gets(v, "s")), PROV_VALUE_STRING);
	ck_assert_int_eq(prov_value_get_int(prov_table_gets(v, "i")), -42);
	ck_assert_int_eq(prov_value_type_of(prov_table_gets(v, "d")), PROV_VALUE_DOUBLE);
	ck_assert_double_eq(prov_value_get_double(prov_table_gets(v, "e")), 1000.0);
	ck_assert_int_eq(prov_value_type_of(prov_table_gets(v, "e")), PROV_VALUE_DOUBLE);
	ck_assert(prov_value_get_bool(prov_table_gets(v, "t")));
	ck_assert_int_eq(prov_value_type_of(prov_table_gets(v, "f")), PROV_VALUE_BOOL);
	ck_assert_int_eq(prov_value_type_of(prov_table_gets(v, "n")), PROV_VALUE_NULL);
	ck_assert_uint_eq(prov_array_len(prov_table_gets(v, "a")), 2);
	ck_assert_uint_eq(prov_table_len(prov_table_gets(v, "o")), 0);
	prov_value_unref(v);
}
END_TEST

START_TEST(test_every_key_and_value_has_its_line)
{
	prov_value *v = parse_ok("{\n  \"a\": 1,\n  \"b\": {\n    \"c\": [\n      true\n    ]\n  }\n}");
	prov_value *b = prov_table_gets(v, "b");

	ck_assert_uint_eq(prov_value_line(v), 1);
	ck_assert_uint_eq(prov_table_key_line_at(v, 0), 2);
	ck_assert_uint_eq(prov_value_line(prov_table_gets(v, "a")), 2);
	ck_assert_uint_eq(prov_table_key_line_at(v, 1), 3);
	ck_assert_uint_eq(prov_table_key_line_at(b, 0), 4);
	ck_assert_uint_eq(prov_value_line(prov_value_lookup(v, "b.c.0")), 5);
	ck_assert_str_eq(prov_value_file(prov_table_gets(v, "a")), "conf.json");
	ck_assert_str_eq(prov_source_layer(prov_value_source(v)), "project");
	prov_value_unref(v);
}
END_TEST

START_TEST(test_escapes_and_surrogate_pairs_decode)
{
	prov_value *v = parse_ok("[\"a\\\"\\\\\\/\\b\\f\\n\\r\\t\", \"\\u00e9\\ud83d\\ude00\", \"\\u0000x\"]");
	size_t len;

	ck_assert_str_eq(prov_value_get_str(prov_array_at(v, 0), NULL), "a\"\\/\b\f\n\r\t");
	ck_assert_str_eq(prov_value_get_str(prov_array_at(v, 1), NULL), "\xC3\xA9\xF0\x9F\x98\x80");
	ck_assert_mem_eq(prov_value_get_str(prov_array_at(v, 2), &len), "\0x", 2);
	ck_assert_uint_eq(len, 2);
	prov_value_unref(v);
}
END_TEST

START_TEST(test_integer_limits_and_overflow)
{
	prov_value *v = parse_ok("[9223372036854775807, -9223372036854775808]");

	ck_assert(prov_value_get_int(prov_array_at(v, 0)) == INT64_MAX);
	ck_assert(prov_value_get_int(prov_array_at(v, 1)) == INT64_MIN);
	prov_value_unref(v);
	ck_assert_ptr_nonnull(strstr(parse_fails("9223372036854775808", 19, PROV_ERANGE),
				     "does not fit in 64 bits"));
}
END_TEST

START_TEST(test_duplicate_key_is_an_error_naming_key_and_line)
{
	const char *text = "{\n\"a\": 1,\n\"a\": 2}";

	ck_assert_str_eq(parse_fails(text, strlen(text), PROV_EPARSE),
			 "conf.json:3: duplicate key 'a'");
	ck_assert_int_eq(prov_error_last()->line, 3);
	ck_assert_str_eq(prov_error_last()->file, "conf.json");
}
END_TEST

START_TEST(test_malformed_documents_are_errors_with_lines)
{
	static const struct {
		const char *text;
		const char *message;
	} cases[] = {
		{ "", "conf.json:1: unexpected end of input, expected a value" },
		{ "{\"a\": 1", "conf.json:1: unexpected end of input, expected ',' or '}' in an object" },
		{ "{\"a\" 1}", "conf.json:1: expected ':' after a key" },
		{ "[1,]", "conf.json:1: unexpected character ']'" },
		{ "{\"a\": 1,}", "conf.json:1: expected a string key" },
		{ "[01]", "conf.json:1: expected ',' or ']' in an array" },
		{ "[1.]", "conf.json:1: invalid number: digits must follow '.'" },
		{ "\n\n\"abc", "conf.json:3: unterminated string" },
		{ "\"a\nb\"", "conf.json:1: unterminated string" },
		{ "\"\\x\"", "conf.json:1: invalid escape '\\x'" },
		{ "\"\\ud800\"", "conf.json:1: unpaired high surrogate in \\u escape" },
		{ "\"\\udc00\"", "conf.json:1: unpaired low surrogate in \\u escape" },
		{ "{} {}", "conf.json:1: unexpected text after the document" },
		{ "tru", "conf.json:1: unexpected character 't'" },
		{ "{'a': 1}", "conf.json:1: expected a string key" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		ck_assert_str_eq(parse_fails(cases[i].text, strlen(cases[i].text), PROV_EPARSE),
				 cases[i].message);
}
END_TEST

START_TEST(test_invalid_utf8_is_an_error)
{
	ck_assert_str_eq(parse_fails("\"a\xC3\x28\"", 5, PROV_EPARSE),
			 "conf.json:1: invalid UTF-8 in string");
	ck_assert_str_eq(parse_fails("[\xFF]", 3, PROV_EPARSE), "conf.json:1: invalid UTF-8");
}
END_TEST

START_TEST(test_truncated_documents_are_errors_at_every_cut)
{
	const char *text = "{\"a\": [1, 2.5, {\"b\": \"x\\u00e9\"}], \"c\": null}";

	for (size_t cut = 0; cut < strlen(text); cut++)
		parse_fails(text, cut, PROV_EPARSE);
}
END_TEST

START_TEST(test_nesting_past_the_limit_is_an_error_not_a_crash)
{
	size_t depth = 10000;
	char *text = malloc(depth * 2 + 1);

	memset(text, '[', depth);
	memset(text + depth, ']', depth);
	text[depth * 2] = '\0';
	ck_assert_str_eq(parse_fails(text, depth * 2, PROV_EPARSE),
			 "conf.json:1: nesting deeper than 256 levels");
	free(text);
}
END_TEST

START_TEST(test_nesting_at_the_limit_is_accepted)
{
	size_t depth = PROV_DOCUMENT_MAX_DEPTH;
	char *text = malloc(depth * 2 + 1);
	prov_value *v;

	memset(text, '[', depth);
	memset(text + depth, ']', depth);
	text[depth * 2] = '\0';
	v = parse_ok(text);
	prov_value_unref(v);
	free(text);
}
END_TEST

START_TEST(test_a_one_megabyte_line_parses)
{
	size_t n = 1024 * 1024;
	char *text = malloc(n + 3);
	prov_value *v;
	size_t len;

	text[0] = '"';
	memset(text + 1, 'x', n);
	text[n + 1] = '"';
	text[n + 2] = '\0';
	v = parse_ok(text);
	prov_value_get_str(v, &len);
	ck_assert_uint_eq(len, n);
	prov_value_unref(v);
	free(text);
}
END_TEST

START_TEST(test_printed_tree_reads_back_equal)
{
	const char *text = "{\"a\":[1,2.5,\"x\\n\",null,true],\"b\":{\"c\":-1e-300}}";
	prov_value *v = parse_ok(text), *again;
	char *printed = to_json(v);

	again = parse_ok(printed);
	ck_assert(prov_value_equal(v, again));
	free(printed);
	prov_value_unref(v);
	prov_value_unref(again);
}
END_TEST

START_TEST(test_numbers_ignore_the_host_locale)
{
	prov_value *v;

	/* A locale with a decimal comma must not change how "2.5" reads. */
	if (!setlocale(LC_NUMERIC, "de_DE.UTF-8"))
		setlocale(LC_NUMERIC, "C");
	v = parse_ok("2.5");
	ck_assert_double_eq(prov_value_get_double(v), 2.5);
	setlocale(LC_NUMERIC, "C");
	prov_value_unref(v);
}
END_TEST

START_TEST(test_format_comes_from_the_extension)
{
	prov_format f = PROV_FORMAT_AUTO;

	ck_assert_int_eq(prov_format_from_path("a/b.toml", &f), PROV_OK);
	ck_assert_int_eq(f, PROV_FORMAT_TOML);
	ck_assert_int_eq(prov_format_from_path("b.YML", &f), PROV_OK);
	ck_assert_int_eq(f, PROV_FORMAT_YAML);
	ck_assert_int_eq(prov_format_from_path("c.yaml", &f), PROV_OK);
	ck_assert_int_eq(f, PROV_FORMAT_YAML);
	ck_assert_int_eq(prov_format_from_path("d.json", &f), PROV_OK);
	ck_assert_int_eq(f, PROV_FORMAT_JSON);
	ck_assert_int_eq(prov_format_from_path("dir.json/conf", &f), PROV_EINVAL);
	ck_assert_ptr_nonnull(strstr(prov_error_last()->message, "dir.json/conf: unknown document format"));
}
END_TEST

START_TEST(test_load_file_names_the_file_and_layer)
{
	char *dir = test_tmpdir(), *path = test_path(dir, "c.json");
	prov_value *v;

	test_write_file(path, "{\n\"k\": \"v\"}\n");
	ck_assert_int_eq(prov_format_load_file(path, PROV_FORMAT_AUTO, "user", &v), PROV_OK);
	ck_assert_str_eq(prov_value_file(prov_table_gets(v, "k")), path);
	ck_assert_str_eq(prov_source_layer(prov_value_source(v)), "user");
	ck_assert_uint_eq(prov_value_line(prov_table_gets(v, "k")), 2);
	prov_value_unref(v);
	test_rmtree(dir);
	free(path);
	free(dir);
}
END_TEST

START_TEST(test_a_directory_given_as_a_file_is_a_clear_error)
{
	char *dir = test_tmpdir(), *path = test_path(dir, "conf.json");
	prov_value *v;

	ck_assert_int_eq(mkdir(path, 0700), 0);
	ck_assert_int_eq(prov_format_load_file(path, PROV_FORMAT_AUTO, NULL, &v), PROV_EINVAL);
	ck_assert_ptr_null(v);
	ck_assert_ptr_nonnull(strstr(prov_error_last()->message, "is a directory"));
	ck_assert_ptr_nonnull(strstr(prov_error_last()->message, path));
	test_rmtree(dir);
	free(path);
	free(dir);
}
END_TEST

START_TEST(test_a_missing_file_is_not_found)
{
	prov_value *v;

	ck_assert_int_eq(prov_format_load_file("/nonexistent/c.yaml", PROV_FORMAT_AUTO, NULL, &v),
			 PROV_ENOTFOUND);
	ck_assert_ptr_nonnull(strstr(prov_error_last()->message, "/nonexistent/c.yaml"));
}
END_TEST

static Suite *json_suite(void)
{
	Suite *s = suite_create("format-json");
	TCase *tc = tcase_create("reader");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_values_keep_their_json_types);
	tcase_add_test(tc, test_every_key_and_value_has_its_line);
	tcase_add_test(tc, test_escapes_and_surrogate_pairs_decode);
	tcase_add_test(tc, test_integer_limits_and_overflow);
	tcase_add_test(tc, test_duplicate_key_is_an_error_naming_key_and_line);
	tcase_add_test(tc, test_malformed_documents_are_errors_with_lines);
	tcase_add_test(tc, test_invalid_utf8_is_an_error);
	tcase_add_test(tc, test_truncated_documents_are_errors_at_every_cut);
	tcase_add_test(tc, test_nesting_past_the_limit_is_an_error_not_a_crash);
	tcase_add_test(tc, test_nesting_at_the_limit_is_accepted);
	tcase_add_test(tc, test_a_one_megabyte_line_parses);
	tcase_add_test(tc, test_printed_tree_reads_back_equal);
	tcase_add_test(tc, test_numbers_ignore_the_host_locale);
	suite_add_tcase(s, tc);
	tc = tcase_create("files");
	tcase_add_test(tc, test_format_comes_from_the_extension);
	tcase_add_test(tc, test_load_file_names_the_file_and_layer);
	tcase_add_test(tc, test_a_directory_given_as_a_file_is_a_clear_error);
	tcase_add_test(tc, test_a_missing_file_is_not_found);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return test_run_suite(json_suite());
}
