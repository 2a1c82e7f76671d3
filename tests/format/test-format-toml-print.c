/* The TOML printer: what it writes, and that the reader gives back the same tree. */
#include "test-util.h"

#include "core/value.h"
#include "format/toml.h"

#include <math.h>

static char *print_ok(const prov_value *tree)
{
	prov_strbuf out = PROV_STRBUF_INIT;
	int rc = prov_toml_print(&out, tree);

	ck_assert_msg(rc == PROV_OK, "print failed: %s", prov_error_last()->message);
	return prov_strbuf_detach(&out, NULL);
}

/* Print, parse back, compare; returns the text (free with free()). */
static char *round_trip(const prov_value *tree)
{
	char *text = print_ok(tree);
	prov_value *again = NULL;
	int rc = prov_toml_parse(text, strlen(text), NULL, &again);

	ck_assert_msg(rc == PROV_OK, "reading back failed: %s\n%s", prov_error_last()->message,
		      text);
	ck_assert_msg(prov_value_equal(tree, again), "read back differs:\n%s", text);
	prov_value_unref(again);
	return text;
}

static void set(prov_value *table, const char *key, prov_value *value)
{
	ck_assert_int_eq(prov_table_set(table, key, strlen(key), 0, value), PROV_OK);
}

static prov_value *str(const char *s)
{
	return prov_value_string(s, strlen(s), NULL, 0);
}

static prov_value *table_of_int(const char *key, int64_t i)
{
	prov_value *t = prov_value_table(NULL, 0);

	set(t, key, prov_value_int(i, NULL, 0));
	return t;
}

START_TEST(test_simple_keys_come_before_headers_and_arrays_of_tables_use_double_brackets)
{
	prov_value *root = prov_value_table(NULL, 0);
	prov_value *server = table_of_int("port", 8080);
	prov_value *jobs = prov_value_array(NULL, 0);
	char *text;

	set(root, "server", server);
	set(root, "name", str("demo"));
	prov_array_push(jobs, table_of_int("id", 1));
	prov_array_push(jobs, table_of_int("id", 2));
	set(root, "jobs", jobs);
	set(root, "a b", prov_value_int(1, NULL, 0));
	text = round_trip(root);
	ck_assert_str_eq(text, "name = \"demo\"\n"
			       "\"a b\" = 1\n"
			       "\n[server]\n"
			       "port = 8080\n"
			       "\n[[jobs]]\n"
			       "id = 1\n"
			       "\n[[jobs]]\n"
			       "id = 2\n");
	free(text);
	prov_value_unref(root);
}
END_TEST

START_TEST(test_keys_that_need_quotes_are_quoted_and_escaped)
{
	static const char *const keys[] = {
		"plain-key_1", "a b", "", "a.b", "\"q\"", "tab\there", "caf\xc3\xa9", "1", "true",
		"new\nline", "del\x7f",
	};
	prov_value *root = prov_value_table(NULL, 0);
	prov_value *nested = prov_value_table(NULL, 0);
	char *text;

	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		set(root, keys[i], prov_value_int((int64_t)i, NULL, 0));
		set(nested, keys[i], table_of_int(keys[i], (int64_t)i));
	}
	ck_assert_int_eq(prov_table_set(root, "nul\0key", 7, 0, str("x")), PROV_OK);
	set(root, "sub tables", nested);
	text = round_trip(root);
	ck_assert_ptr_nonnull(strstr(text, "\nplain-key_1 = 0\n"));
	ck_assert_ptr_nonnull(strstr(text, "\n\"a.b\" = 3\n"));
	ck_assert_ptr_nonnull(strstr(text, "\n[\"sub tables\".\"a b\"]\n"));
	ck_assert_ptr_nonnull(strstr(text, "\"nul\\u0000key\" = \"x\"\n"));
	free(text);
	prov_value_unref(root);
}
END_TEST

START_TEST(test_special_floats_and_integer_bounds_read_back_exactly)
{
	static const double doubles[] = {
		INFINITY, -INFINITY, 0.0, -0.0, 0.1, 1e300, 5e-324, 2.2250738585072014e-308,
		1.7976931348623157e308, 123456789.125, 1e22, 1e23, -3.5,
	};
	prov_value *root = prov_value_table(NULL, 0);
	prov_value *floats = prov_value_array(NULL, 0);
	char *text;

	for (size_t i = 0; i < sizeof(doubles) / sizeof(doubles[0]); i++)
		prov_array_push(floats, prov_value_double(doubles[i], NULL, 0));
	set(root, "floats", floats);
	set(root, "nan", prov_value_double(NAN, NULL, 0));
	set(root, "max", prov_value_int(INT64_MAX, NULL, 0));
	set(root, "min", prov_value_int(INT64_MIN, NULL, 0));
	text = round_trip(root);
	ck_assert_ptr_nonnull(strstr(text, "floats = [inf, -inf, 0.0, -0.0, 0.1, 1e+300,"));
	ck_assert_ptr_nonnull(strstr(text, "nan = nan\n"));
	ck_assert_ptr_nonnull(strstr(text, "min = -9223372036854775808\n"));
	free(text);
	prov_value_unref(root);
}
END_TEST

START_TEST(test_strings_with_any_character_read_back)
{
	static const char tricky[] = "quote \" backslash \\ tab \t nl \n cr \r esc \x1b del \x7f "
				     "nul \0 bell \x07 \xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80 '''\"\"\"";
	prov_value *root = prov_value_table(NULL, 0);
	char *text;

	set(root, "s", prov_value_string(tricky, sizeof(tricky) - 1, NULL, 0));
	set(root, "empty", str(""));
	text = round_trip(root);
	ck_assert_ptr_null(strchr(text, '\r'));
	free(text);
	prov_value_unref(root);
}
END_TEST

START_TEST(test_nested_inline_tables_and_arrays_print_inline)
{
	prov_value *root = prov_value_table(NULL, 0);
	prov_value *mixed = prov_value_array(NULL, 0);
	prov_value *inner = prov_value_table(NULL, 0);
	prov_value *deeper = table_of_int("z", 3);
	prov_value *matrix = prov_value_array(NULL, 0);
	prov_value *row = prov_value_array(NULL, 0);
	char *text;

	set(inner, "y", deeper);
	set(inner, "list", prov_value_array(NULL, 0));
	prov_array_push(mixed, prov_value_int(1, NULL, 0));
	prov_array_push(mixed, inner);
	prov_array_push(mixed, prov_value_table(NULL, 0));
	prov_array_push(row, table_of_int("cell", 1));
	prov_array_push(matrix, row);
	set(root, "mixed", mixed);
	set(root, "matrix", matrix);
	set(root, "empty", prov_value_array(NULL, 0));
	set(root, "empty_table", prov_value_table(NULL, 0));
	text = round_trip(root);
	ck_assert_ptr_nonnull(strstr(text, "mixed = [1, { y = { z = 3 }, list = [] }, {}]\n"));
	ck_assert_ptr_nonnull(strstr(text, "matrix = [[{ cell = 1 }]]\n"));
	ck_assert_ptr_nonnull(strstr(text, "\n[empty_table]\n"));
	free(text);
	prov_value_unref(root);
}
END_TEST

START_TEST(test_arrays_of_tables_nest_with_their_sub_tables)
{
	prov_value *root = prov_value_table(NULL, 0);
	prov_value *fruits = prov_value_array(NULL, 0);
	prov_value *apple = prov_value_table(NULL, 0);
	prov_value *varieties = prov_value_array(NULL, 0);
	prov_value *only_sub = prov_value_table(NULL, 0);
	char *text;

	prov_array_push(varieties, table_of_int("n", 1));
	prov_array_push(varieties, prov_value_table(NULL, 0));
	set(apple, "physical", table_of_int("weight", 5));
	set(apple, "variety", varieties);
	set(apple, "name", str("apple"));
	prov_array_push(fruits, apple);
	prov_array_push(fruits, prov_value_table(NULL, 0));
	set(only_sub, "leaf", table_of_int("x", 1));
	set(root, "fruits", fruits);
	set(root, "only_sub", only_sub);
	text = round_trip(root);
	ck_assert_ptr_nonnull(strstr(text, "[[fruits]]\nname = \"apple\"\n\n[fruits.physical]\n"));
	ck_assert_ptr_nonnull(strstr(text, "\n[[fruits.variety]]\nn = 1\n"));
	ck_assert_ptr_null(strstr(text, "[only_sub]\n"));
	ck_assert_ptr_nonnull(strstr(text, "[only_sub.leaf]\n"));
	free(text);
	prov_value_unref(root);
}
END_TEST

START_TEST(test_every_datetime_kind_prints_as_written)
{
	prov_value *root = prov_value_table(NULL, 0);
	char *text;

	set(root, "odt", prov_value_datetime(PROV_DATETIME_OFFSET, "1979-05-27T07:32:00.5-07:00",
					      27, NULL, 0));
	set(root, "ldt", prov_value_datetime(PROV_DATETIME_LOCAL, "1979-05-27T07:32:00", 19,
					      NULL, 0));
	set(root, "ld", prov_value_datetime(PROV_DATE_LOCAL, "1979-05-27", 10, NULL, 0));
	set(root, "lt", prov_value_datetime(PROV_TIME_LOCAL, "07:32:00.999", 12, NULL, 0));
	text = round_trip(root);
	ck_assert_str_eq(text, "odt = 1979-05-27T07:32:00.5-07:00\nldt = 1979-05-27T07:32:00\n"
			       "ld = 1979-05-27\nlt = 07:32:00.999\n");
	free(text);
	prov_value_unref(root);
}
END_TEST

/* Print tree, expecting failure code; the output buffer must be unchanged. */
static const char *print_fails(const prov_value *tree, int code)
{
	prov_strbuf out = PROV_STRBUF_INIT;

	prov_strbuf_puts(&out, "kept");
	ck_assert_int_eq(prov_toml_print(&out, tree), code);
	ck_assert_str_eq(prov_strbuf_cstr(&out), "kept");
	prov_strbuf_release(&out);
	ck_assert_int_eq(prov_error_last()->code, code);
	return prov_error_last()->message;
}

START_TEST(test_null_is_an_error_naming_its_key_path)
{
	prov_value *root = prov_value_table(NULL, 0);
	prov_value *servers = prov_value_array(NULL, 0);
	prov_value *server = prov_value_table(NULL, 0);

	set(root, "name", str("x"));
	prov_array_push(servers, table_of_int("id", 1));
	set(server, "ip", prov_value_null(NULL, 0));
	prov_array_push(servers, server);
	set(root, "servers", servers);
	ck_assert_str_eq(print_fails(root, PROV_EUNSUPPORTED),
			 "TOML has no null: cannot print the null at key 'servers[1].ip'");
	ck_assert_str_eq(prov_error_last()->key, "servers[1].ip");
	prov_value_unref(root);

	root = prov_value_table(NULL, 0);
	servers = prov_value_array(NULL, 0);
	prov_array_push(servers, prov_value_int(1, NULL, 0));
	prov_array_push(servers, prov_value_null(NULL, 0));
	set(root, "list", servers);
	ck_assert_str_eq(print_fails(root, PROV_EUNSUPPORTED),
			 "TOML has no null: cannot print the null at key 'list[1]'");
	prov_value_unref(root);
}
END_TEST

START_TEST(test_what_toml_cannot_hold_is_refused)
{
	prov_value *root = prov_value_table(NULL, 0);
	prov_value *scalar = prov_value_int(1, NULL, 0);

	set(root, "bad", str("a\xff"));
	ck_assert_str_eq(print_fails(root, PROV_EINVAL),
			 "invalid UTF-8 cannot be printed as TOML at key 'bad'");
	prov_value_unref(root);

	root = prov_value_table(NULL, 0);
	set(root, "when", prov_value_datetime(PROV_DATETIME_OFFSET, "2001-12-14 21:59:43 -5", 22,
					       NULL, 0));
	print_fails(root, PROV_EINVAL);
	prov_value_unref(root);

	root = prov_value_table(NULL, 0);
	set(root, "when", prov_value_datetime(PROV_DATE_LOCAL, "1979-05-27T07:32:00", 19, NULL, 0));
	print_fails(root, PROV_EINVAL);
	prov_value_unref(root);

	print_fails(scalar, PROV_EINVAL);
	prov_value_unref(scalar);
}
END_TEST

START_TEST(test_a_tree_deeper_than_the_limit_is_refused_not_overflowed)
{
	prov_value *root = prov_value_table(NULL, 0);
	prov_value *t = root;

	for (int i = 0; i < 10000; i++) {
		prov_value *child = prov_value_table(NULL, 0);
		set(t, "k", child);
		t = child;
	}
	print_fails(root, PROV_EINVAL);
	ck_assert(strncmp(prov_error_last()->message, "nesting too deep to print at key 'k.k.k.", 40) == 0);
	/* The table past the limit is the 256th below the root. */
	ck_assert_uint_eq(strlen(prov_error_last()->key), 256 * 2 - 1);
	prov_value_unref(root);
}
END_TEST

/* xorshift64: the same trees on every run. */
static uint64_t rng_state = 0x9e3779b97f4a7c15u;

static unsigned rnd(unsigned n)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return (unsigned)(rng_state % n);
}

static prov_value *random_value(int depth);

static const char *random_key(size_t *len)
{
	static const char *const keys[] = {
		"a", "b", "name", "a b", "", "x.y", "caf\xc3\xa9", "1", "true", "q\"q", "-_-",
		"inf", "nan", "tab\t", "z",
	};
	const char *key = keys[rnd(sizeof(keys) / sizeof(keys[0]))];

	*len = strlen(key);
	return key;
}

static prov_value *random_string(void)
{
	static const char *const pieces[] = {
		"abc", " ", "\"", "\\", "\n", "\t", "\x01", "\x7f", "\xc3\xa9", "\xf0\x9f\x98\x80",
		"'''", "\"\"\"", "#", "=",
	};
	char buf[128];
	size_t len = 0;

	for (unsigned n = rnd(6); n > 0; n--) {
		const char *piece = pieces[rnd(sizeof(pieces) / sizeof(pieces[0]))];
		memcpy(buf + len, piece, strlen(piece));
		len += strlen(piece);
	}
	return prov_value_string(buf, len, NULL, 0);
}

static prov_value *random_scalar(void)
{
	static const double doubles[] = { 0.5, -0.0, 1e-300, 6.02e23, INFINITY, -INFINITY, NAN };
	static const int64_t ints[] = { 0, -1, 42, INT64_MAX, INT64_MIN };
	static const char *const datetimes[] = {
		"1979-05-27T07:32:00Z", "1979-05-27T07:32:00.25", "2024-02-29", "23:59:60",
	};
	unsigned kind = rnd(5), which = rnd(4);

	switch (kind) {
	case 0:
		return prov_value_int(ints[rnd(5)], NULL, 0);
	case 1:
		return prov_value_double(doubles[rnd(7)], NULL, 0);
	case 2:
		return prov_value_bool(rnd(2), NULL, 0);
	case 3:
		return prov_value_datetime((prov_datetime_kind)which, datetimes[which],
					   strlen(datetimes[which]), NULL, 0);
	default:
		return random_string();
	}
}

static prov_value *random_table(int depth)
{
	prov_value *t = prov_value_table(NULL, 0);

	for (unsigned n = rnd(6); n > 0; n--) {
		size_t len;
		const char *key = random_key(&len);
		ck_assert_int_eq(prov_table_set(t, key, len, 0, random_value(depth + 1)), PROV_OK);
	}
	return t;
}

static prov_value *random_array(int depth)
{
	prov_value *a = prov_value_array(NULL, 0);
	bool only_tables = rnd(2);

	for (unsigned n = rnd(4); n > 0; n--)
		prov_array_push(a, only_tables ? random_table(depth + 1) : random_value(depth + 1));
	return a;
}

static prov_value *random_value(int depth)
{
	unsigned kind = depth > 5 ? 0 : rnd(4);

	if (kind == 1)
		return random_table(depth);
	if (kind == 2)
		return random_array(depth);
	return random_scalar();
}

START_TEST(test_random_trees_read_back_equal)
{
	int rounds = test_under_valgrind() ? 100 : 2000;

	for (int i = 0; i < rounds; i++) {
		prov_value *tree = random_table(0);
		free(round_trip(tree));
		prov_value_unref(tree);
	}
}
END_TEST

int main(void)
{
	Suite *s = suite_create("format-toml-print");
	TCase *tc = tcase_create("print");

	tcase_add_test(tc, test_simple_keys_come_before_headers_and_arrays_of_tables_use_double_brackets);
	tcase_add_test(tc, test_keys_that_need_quotes_are_quoted_and_escaped);
	tcase_add_test(tc, test_special_floats_and_integer_bounds_read_back_exactly);
	tcase_add_test(tc, test_strings_with_any_character_read_back);
	tcase_add_test(tc, test_nested_inline_tables_and_arrays_print_inline);
	tcase_add_test(tc, test_arrays_of_tables_nest_with_their_sub_tables);
	tcase_add_test(tc, test_every_datetime_kind_prints_as_written);
	tcase_add_test(tc, test_null_is_an_error_naming_its_key_path);
	tcase_add_test(tc, test_what_toml_cannot_hold_is_refused);
	tcase_add_test(tc, test_a_tree_deeper_than_the_limit_is_refused_not_overflowed);
	tcase_add_test(tc, test_random_trees_read_back_equal);
	suite_add_tcase(s, tc);
	return test_run_suite(s);
}
