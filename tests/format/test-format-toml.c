/* The TOML reader: values, lines, limits and errors. */
#include "test-util.h"

#include "core/value.h"
#include "format/toml.h"

#include <math.h>

static prov_source *src;

static void setup(void)
{
	src = prov_source_new("conf/app.toml", "project");
}

static void teardown(void)
{
	prov_source_unref(src);
}

/* Parse text (NUL-terminated) and assert it succeeds. */
static prov_value *parse_ok(const char *text)
{
	prov_value *tree = NULL;
	int rc = prov_toml_parse(text, strlen(text), src, &tree);

	ck_assert_msg(rc == PROV_OK, "parse failed: %s", prov_error_last()->message);
	ck_assert_ptr_nonnull(tree);
	return tree;
}

/* Parse len bytes and assert the given failure; returns the message. */
static const char *parse_fails_n(const char *text, size_t len, int code)
{
	prov_value *tree = (prov_value *)1;
	int rc = prov_toml_parse(text, len, src, &tree);

	ck_assert_msg(rc == code, "expected %d, got %d for: %.60s", code, rc, text);
	ck_assert_ptr_null(tree);
	ck_assert_int_eq(prov_error_last()->code, code);
	ck_assert_int_eq(prov_error_last()->category, PROV_ERRCAT_DOCUMENT);
	return prov_error_last()->message;
}

static const char *parse_fails(const char *text, int code)
{
	return parse_fails_n(text, strlen(text), code);
}

static void assert_contains(const char *haystack, const char *needle)
{
	ck_assert_msg(strstr(haystack, needle) != NULL, "'%s' does not contain '%s'", haystack,
		      needle);
}

static uint32_t key_line(const prov_value *table, const char *key)
{
	long pos = prov_table_find(table, key, strlen(key));

	ck_assert_int_ge(pos, 0);
	return prov_table_key_line_at(table, (size_t)pos);
}

START_TEST(test_keys_and_values_carry_their_lines)
{
	prov_value *t = parse_ok("# header comment\n"
				 "name = \"app\"\n"
				 "\n"
				 "[server]\n"
				 "port = 8080\n"
				 "motd = \"\"\"\n"
				 "hello\n"
				 "\"\"\"\n"
				 "after = true\n"
				 "[a.b.c]\n"
				 "x.y = 1\n"
				 "list = [\n"
				 "  1,\n"
				 "  { k = 2 },\n"
				 "]\n"
				 "[[jobs]]\n"
				 "id = 1\n"
				 "[[jobs]]\n"
				 "id = 2\n");
	prov_value *server = prov_table_gets(t, "server");
	prov_value *c = prov_value_lookup(t, "a.b.c");
	prov_value *list = prov_table_gets(c, "list");
	prov_value *jobs = prov_table_gets(t, "jobs");

	ck_assert_str_eq(prov_value_file(t), "conf/app.toml");
	ck_assert_uint_eq(key_line(t, "name"), 2);
	ck_assert_uint_eq(prov_value_line(prov_table_gets(t, "name")), 2);
	ck_assert_uint_eq(key_line(t, "server"), 4);
	ck_assert_uint_eq(prov_value_line(server), 4);
	ck_assert_uint_eq(key_line(server, "port"), 5);
	ck_assert_uint_eq(prov_value_line(prov_table_gets(server, "motd")), 6);
	ck_assert_str_eq(prov_value_get_str(prov_table_gets(server, "motd"), NULL), "hello\n");
	ck_assert_uint_eq(key_line(server, "after"), 9);
	ck_assert_uint_eq(prov_value_line(prov_table_gets(t, "a")), 10);
	ck_assert_uint_eq(key_line(prov_table_gets(c, "x"), "y"), 11);
	ck_assert_uint_eq(prov_value_line(prov_table_gets(c, "x")), 11);
	ck_assert_uint_eq(prov_value_line(list), 12);
	ck_assert_uint_eq(prov_value_line(prov_array_at(list, 0)), 13);
	ck_assert_uint_eq(prov_value_line(prov_array_at(list, 1)), 14);
	ck_assert_uint_eq(key_line(prov_array_at(list, 1), "k"), 14);
	ck_assert_uint_eq(prov_value_line(jobs), 16);
	ck_assert_uint_eq(prov_value_line(prov_array_at(jobs, 1)), 18);
	ck_assert_uint_eq(key_line(prov_array_at(jobs, 1), "id"), 19);
	prov_value_unref(t);
}
END_TEST

START_TEST(test_crlf_counts_as_one_line_and_a_bom_is_skipped)
{
	prov_value *t = parse_ok("\xef\xbb\xbf" "a = 1\r\n\r\nb = '''x\r\ny'''\r\nc = 3");

	ck_assert_int_eq(prov_value_get_int(prov_table_gets(t, "a")), 1);
	ck_assert_str_eq(prov_value_get_str(prov_table_gets(t, "b"), NULL), "x\ny");
	ck_assert_uint_eq(key_line(t, "c"), 5);
	prov_value_unref(t);
	assert_contains(parse_fails("a = 1\rb = 2\n", PROV_EPARSE), "carriage return");
}
END_TEST

static void assert_datetime(const prov_value *t, const char *key, prov_datetime_kind kind,
			    const char *text)
{
	const prov_value *v = prov_table_gets(t, key);

	ck_assert_int_eq(prov_value_type_of(v), PROV_VALUE_DATETIME);
	ck_assert_int_eq(prov_value_get_datetime_kind(v), kind);
	ck_assert_str_eq(prov_value_get_str(v, NULL), text);
}

START_TEST(test_every_datetime_kind_is_kept_apart_and_normalised)
{
	prov_value *t = parse_ok("odt = 1979-05-27T07:32:00Z\n"
				 "odt_lower = 1979-05-27t07:32:00.999999z\n"
				 "odt_space = 1979-05-27 00:32:00-07:00\n"
				 "ldt = 1979-05-27T07:32:00.5\n"
				 "ld = 1979-05-27 # a date, then a comment\n"
				 "lt = 07:32:00.123456789\n"
				 "leap = 2000-02-29\n"
				 "leap_second = 1990-12-31T23:59:60Z\n");

	assert_datetime(t, "odt", PROV_DATETIME_OFFSET, "1979-05-27T07:32:00Z");
	assert_datetime(t, "odt_lower", PROV_DATETIME_OFFSET, "1979-05-27T07:32:00.999999Z");
	assert_datetime(t, "odt_space", PROV_DATETIME_OFFSET, "1979-05-27T00:32:00-07:00");
	assert_datetime(t, "ldt", PROV_DATETIME_LOCAL, "1979-05-27T07:32:00.5");
	assert_datetime(t, "ld", PROV_DATE_LOCAL, "1979-05-27");
	assert_datetime(t, "lt", PROV_TIME_LOCAL, "07:32:00.123456789");
	assert_datetime(t, "leap", PROV_DATE_LOCAL, "2000-02-29");
	assert_datetime(t, "leap_second", PROV_DATETIME_OFFSET, "1990-12-31T23:59:60Z");
	prov_value_unref(t);
}
END_TEST

START_TEST(test_impossible_datetimes_are_rejected)
{
	static const char *const bad[] = {
		"d = 2100-02-29", "d = 1979-13-01", "d = 1979-05-27T24:00:00",
		"d = 07:60:00", "d = 07:32", "d = 1979-05-27T07:32:00+24:00",
		"d = 1979-05-27T07:32:00.", "d = 07:32:00Z", "d = 1979-5-27",
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_contains(parse_fails(bad[i], PROV_EPARSE), "conf/app.toml:1: invalid ");
}
END_TEST

START_TEST(test_int64_bounds_are_exact_in_every_base)
{
	prov_value *t = parse_ok("max = 9223372036854775807\n"
				 "min = -9223372036854775808\n"
				 "hex = 0x7FFF_FFFF_ffff_ffff\n"
				 "oct = 0o777_777_777_777_777_777_777\n"
				 "bin = 0b111111111111111111111111111111111111111111111111111111111111111\n"
				 "plus = +1_000\n"
				 "zero = -0\n");

	ck_assert(prov_value_get_int(prov_table_gets(t, "max")) == INT64_MAX);
	ck_assert(prov_value_get_int(prov_table_gets(t, "min")) == INT64_MIN);
	ck_assert(prov_value_get_int(prov_table_gets(t, "hex")) == INT64_MAX);
	ck_assert(prov_value_get_int(prov_table_gets(t, "oct")) == INT64_MAX);
	ck_assert(prov_value_get_int(prov_table_gets(t, "bin")) == INT64_MAX);
	ck_assert(prov_value_get_int(prov_table_gets(t, "plus")) == 1000);
	ck_assert(prov_value_get_int(prov_table_gets(t, "zero")) == 0);
	ck_assert_int_eq(prov_value_type_of(prov_table_gets(t, "zero")), PROV_VALUE_INT);
	prov_value_unref(t);
}
END_TEST

START_TEST(test_int64_overflow_is_a_range_error_naming_the_line)
{
	const char *message;

	message = parse_fails("ok = 1\nbig = 9223372036854775808\n", PROV_ERANGE);
	ck_assert_str_eq(message,
			 "conf/app.toml:2: integer '9223372036854775808' does not fit in 64 bits");
	parse_fails("small = -9223372036854775809", PROV_ERANGE);
	parse_fails("huge = 99999999999999999999999999999999", PROV_ERANGE);
	parse_fails("hex = 0x8000000000000000", PROV_ERANGE);
	parse_fails("bin = 0b1_0000000000000000000000000000000000000000000000000000000000000000",
		    PROV_ERANGE);
}
END_TEST

START_TEST(test_malformed_numbers_are_rejected)
{
	static const char *const bad[] = {
		"n = 01", "n = 1__0", "n = 1_", "n = _1", "n = 0x", "n = +0x1", "n = 0X1",
		"n = 1.", "n = .5", "n = 1.e5", "n = 1e", "n = 1e_5", "n = 00.5", "n = 1.5.3",
		"n = infinity", "n = NaN", "n = 0b102", "n = 12abc",
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		parse_fails(bad[i], PROV_EPARSE);
}
END_TEST

START_TEST(test_floats_are_correctly_rounded_and_special_ones_kept)
{
	prov_value *t = parse_ok("a = 0.1\nb = 1.7976931348623157e308\nc = 5e-324\n"
				 "d = 3.14159265358979323846264338327950288\ne = -0.0\n"
				 "f = inf\ng = -inf\nh = +nan\ni = 6.626e-34\nj = 1_000.000_001\n"
				 "k = 2.2250738585072014E-308\nl = 1e+0_2\n");

	ck_assert(prov_value_get_double(prov_table_gets(t, "a")) == 0.1);
	ck_assert(prov_value_get_double(prov_table_gets(t, "b")) == 1.7976931348623157e308);
	ck_assert(prov_value_get_double(prov_table_gets(t, "c")) == 5e-324);
	ck_assert(prov_value_get_double(prov_table_gets(t, "d")) == 3.141592653589793);
	ck_assert(prov_value_get_double(prov_table_gets(t, "e")) == 0.0);
	ck_assert(signbit(prov_value_get_double(prov_table_gets(t, "e"))));
	ck_assert(isinf(prov_value_get_double(prov_table_gets(t, "f"))));
	ck_assert(prov_value_get_double(prov_table_gets(t, "g")) < 0);
	ck_assert(isnan(prov_value_get_double(prov_table_gets(t, "h"))));
	ck_assert(prov_value_get_double(prov_table_gets(t, "i")) == 6.626e-34);
	ck_assert(prov_value_get_double(prov_table_gets(t, "j")) == 1000.000001);
	ck_assert(prov_value_get_double(prov_table_gets(t, "k")) == 2.2250738585072014e-308);
	ck_assert(prov_value_get_double(prov_table_gets(t, "l")) == 100.0);
	prov_value_unref(t);
	assert_contains(parse_fails("x = 1e400", PROV_ERANGE), "too large");
}
END_TEST

START_TEST(test_every_string_form_and_escape_decodes)
{
	prov_value *t = parse_ok("basic = \"tab\\there \\\"q\\\" \\\\ \\b\\f\\n\\r \\u00e9 \\U0001F600\"\n"
				 "literal = 'C:\\path\\no escapes'\n"
				 "ml = \"\"\"\\\n    joined \\\n    line\"\"\"\n"
				 "ml_quotes = \"\"\"two \"\" quotes\"\"\"\"\"\n"
				 "ml_literal = '''\nfirst\n  'kept'\\n'''\n"
				 "nul = \"a\\u0000b\"\n"
				 "utf8 = \"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\"\n");
	size_t len;
	const char *nul;

	ck_assert_str_eq(prov_value_get_str(prov_table_gets(t, "basic"), NULL),
			 "tab\there \"q\" \\ \b\f\n\r \xc3\xa9 \xf0\x9f\x98\x80");
	ck_assert_str_eq(prov_value_get_str(prov_table_gets(t, "literal"), NULL),
			 "C:\\path\\no escapes");
	ck_assert_str_eq(prov_value_get_str(prov_table_gets(t, "ml"), NULL), "joined line");
	ck_assert_str_eq(prov_value_get_str(prov_table_gets(t, "ml_quotes"), NULL),
			 "two \"\" quotes\"\"");
	ck_assert_str_eq(prov_value_get_str(prov_table_gets(t, "ml_literal"), NULL),
			 "first\n  'kept'\\n");
	nul = prov_value_get_str(prov_table_gets(t, "nul"), &len);
	ck_assert_uint_eq(len, 3);
	ck_assert_mem_eq(nul, "a\0b", 3);
	ck_assert_str_eq(prov_value_get_str(prov_table_gets(t, "utf8"), NULL),
			 "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80");
	prov_value_unref(t);
}
END_TEST

START_TEST(test_bad_escapes_and_unclosed_strings_are_rejected)
{
	assert_contains(parse_fails("s = \"\\x41\"", PROV_EPARSE), "invalid escape");
	assert_contains(parse_fails("s = \"\\uD800\"", PROV_EPARSE), "not a Unicode scalar value");
	assert_contains(parse_fails("s = \"\\U00110000\"", PROV_EPARSE), "not a Unicode scalar");
	assert_contains(parse_fails("s = \"\\u12\"", PROV_EPARSE), "hex digits");
	assert_contains(parse_fails("s = \"open\nt = 1", PROV_EPARSE), "not closed");
	assert_contains(parse_fails("s = \"\"\"open\n\n", PROV_EPARSE),
			"conf/app.toml:3: string opened at line 1 is not closed");
	assert_contains(parse_fails("s = '''a''''''", PROV_EPARSE), "too many quotes");
	assert_contains(parse_fails("\"\"\"key\"\"\" = 1", PROV_EPARSE), "multi-line");
}
END_TEST

START_TEST(test_invalid_utf8_is_rejected_wherever_it_stands)
{
	assert_contains(parse_fails("s = \"a\xff\"", PROV_EPARSE), "conf/app.toml:1: invalid UTF-8");
	assert_contains(parse_fails("s = 'a\xc0\xaf'", PROV_EPARSE), "invalid UTF-8");
	assert_contains(parse_fails("s = \"\xed\xa0\x80\"", PROV_EPARSE), "invalid UTF-8");
	assert_contains(parse_fails("s = \"\"\"\n\xf4\x90\x80\x80\"\"\"", PROV_EPARSE),
			"conf/app.toml:2: invalid UTF-8");
	assert_contains(parse_fails("a = 1\n# note \xe2\x82\n", PROV_EPARSE),
			"conf/app.toml:2: invalid UTF-8 in a comment");
	assert_contains(parse_fails("\"k\xfe\" = 1", PROV_EPARSE), "invalid UTF-8");
	parse_fails("k\xc3\xa9 = 1", PROV_EPARSE);
}
END_TEST

START_TEST(test_control_characters_are_rejected)
{
	static const char nul_in_string[] = "s = \"a\0b\"";
	static const char nul_in_comment[] = "# a\0b\n";

	assert_contains(parse_fails_n(nul_in_string, sizeof(nul_in_string) - 1, PROV_EPARSE),
			"control character U+0000");
	assert_contains(parse_fails_n(nul_in_comment, sizeof(nul_in_comment) - 1, PROV_EPARSE),
			"in a comment");
	parse_fails("s = 'a\x7f'", PROV_EPARSE);
	parse_fails("s = \"\"\"a\x1b\"\"\"", PROV_EPARSE);
	parse_fails("a = 1 \x01", PROV_EPARSE);
}
END_TEST

START_TEST(test_errors_name_file_line_and_what_is_wrong)
{
	const prov_error *err;
	prov_value *tree = NULL;

	ck_assert_str_eq(parse_fails("a = 1\nb =\n", PROV_EPARSE),
			 "conf/app.toml:2: expected a value, found end of line");
	err = prov_error_last();
	ck_assert_str_eq(err->file, "conf/app.toml");
	ck_assert_int_eq(err->line, 2);
	ck_assert_str_eq(parse_fails("\n\nport = eighty\n", PROV_EPARSE),
			 "conf/app.toml:3: invalid value 'eighty' (strings need quotes)");
	ck_assert_str_eq(parse_fails("a = 1 b = 2", PROV_EPARSE),
			 "conf/app.toml:1: expected the end of the line, found 'b'");
	ck_assert_str_eq(parse_fails("a = {x = 1,\ny = 2}", PROV_EPARSE),
			 "conf/app.toml:1: expected a key, found end of line");
	ck_assert_int_eq(prov_toml_parse("[x", 2, NULL, &tree), PROV_EPARSE);
	ck_assert_str_eq(prov_error_last()->message,
			 "<string>:1: expected ']' closing the header, found end of file");
}
END_TEST

START_TEST(test_redefinitions_are_errors_naming_both_lines)
{
	ck_assert_str_eq(parse_fails("a = 1\na = 2", PROV_EPARSE),
			 "conf/app.toml:2: duplicate key 'a' (first defined at line 1)");
	ck_assert_str_eq(parse_fails("[t]\n[t]", PROV_EPARSE),
			 "conf/app.toml:2: table [t] is defined twice (first at line 1)");
	ck_assert_str_eq(parse_fails("[x]\nt.u = 1\n[x.t]", PROV_EPARSE),
			 "conf/app.toml:3: table [x.t] is already defined by dotted keys at line 2");
	ck_assert_str_eq(parse_fails("[a.b.c]\n[a]\nb.c.d = 1", PROV_EPARSE),
			 "conf/app.toml:3: dotted key cannot add to table [a.b.c], defined at line 1");
	ck_assert_str_eq(parse_fails("t = {x = 1}\n[t.y]", PROV_EPARSE),
			 "conf/app.toml:2: cannot add a table to 't': it is an inline table defined at line 1");
	ck_assert_str_eq(parse_fails("t = {x = 1}\nt.y = 2", PROV_EPARSE),
			 "conf/app.toml:2: cannot add keys to 't': it is an inline table defined at line 1");
	ck_assert_str_eq(parse_fails("a = [1]\n[[a]]", PROV_EPARSE),
			 "conf/app.toml:2: cannot append a [[table]] to 'a': it is an array value defined at line 1");
	ck_assert_str_eq(parse_fails("[[a]]\n[a]", PROV_EPARSE),
			 "conf/app.toml:2: [a] is an array of tables (line 1): write [[a]]");
	parse_fails("t = {a = {b = 1}, a.c = 2}", PROV_EPARSE);
	parse_fails("t = {a.b = 1, a = 2}", PROV_EPARSE);
	parse_fails("[a]\nb = 1\n[a.b]", PROV_EPARSE);
	parse_fails("a.b = 1\na.b.c = 2", PROV_EPARSE);
}
END_TEST

START_TEST(test_tables_may_be_defined_in_the_orders_toml_allows)
{
	prov_value *t = parse_ok("[a.b.c]\nx = 1\n[a]\ny = 2\n[a.b]\nz = 3\n"
				 "[f]\napple.color = 'red'\n[f.apple.texture]\nsmooth = true\n"
				 "[[p]]\n[p.q]\nn = 1\n[[p.r]]\n[[p]]\n[p.q]\nn = 2\n"
				 "i = {a.b = 1, a.c = 2}\n");

	ck_assert_int_eq(prov_value_get_int(prov_value_lookup(t, "a.b.c.x")), 1);
	ck_assert_int_eq(prov_value_get_int(prov_value_lookup(t, "a.y")), 2);
	ck_assert_int_eq(prov_value_get_int(prov_value_lookup(t, "a.b.z")), 3);
	ck_assert(prov_value_get_bool(prov_value_lookup(t, "f.apple.texture.smooth")));
	ck_assert_int_eq(prov_value_get_int(prov_value_lookup(t, "p.0.q.n")), 1);
	ck_assert_uint_eq(prov_array_len(prov_value_lookup(t, "p.0.r")), 1);
	ck_assert_int_eq(prov_value_get_int(prov_value_lookup(t, "p.1.q.n")), 2);
	ck_assert_int_eq(prov_value_get_int(prov_value_lookup(t, "p.1.q.i.a.c")), 2);
	prov_value_unref(t);
}
END_TEST

START_TEST(test_every_truncation_of_a_document_fails_cleanly_or_parses)
{
	static const char doc[] = "title = \"demo\" # comment\n"
				  "[server]\nports = [8000, 8001]\n"
				  "limits = { cpu = 2, mem = '4Gi' }\n"
				  "motd = \"\"\"\nhi\n\"\"\"\n"
				  "[[jobs]]\nat = 1979-05-27T07:32:00Z\n";
	int failures = 0;

	for (size_t len = 0; len < sizeof(doc) - 1; len++) {
		prov_value *tree = NULL;
		int rc = prov_toml_parse(doc, len, src, &tree);

		if (rc != PROV_OK) {
			failures++;
			ck_assert_ptr_null(tree);
			ck_assert_int_eq(rc, PROV_EPARSE);
			ck_assert_msg(strncmp(prov_error_last()->message, "conf/app.toml:", 14) == 0,
				      "%s", prov_error_last()->message);
		}
		prov_value_unref(tree);
	}
	ck_assert_int_gt(failures, 50);
	assert_contains(parse_fails("a = [1, 2", PROV_EPARSE), "found end of file");
	assert_contains(parse_fails("a = {b = 1", PROV_EPARSE), "found end of file");
	assert_contains(parse_fails("a = \"abc", PROV_EPARSE), "end of the file");
	assert_contains(parse_fails("a =", PROV_EPARSE), "end of file");
	assert_contains(parse_fails("[[a]", PROV_EPARSE), "']]'");
}
END_TEST

START_TEST(test_input_is_read_only_up_to_its_length)
{
	prov_value *tree = NULL;

	ck_assert_int_eq(prov_toml_parse("n = 12345", 6, src, &tree), PROV_OK);
	ck_assert_int_eq(prov_value_get_int(prov_table_gets(tree, "n")), 12);
	prov_value_unref(tree);
	ck_assert_int_eq(prov_toml_parse("d = 1979-05-27T07:32:00", 16, src, &tree), PROV_EPARSE);
	ck_assert_int_eq(prov_toml_parse("", 0, src, &tree), PROV_OK);
	ck_assert_uint_eq(prov_table_len(tree), 0);
	prov_value_unref(tree);
}
END_TEST

START_TEST(test_a_one_megabyte_line_parses)
{
	size_t n = 1024 * 1024;
	prov_strbuf doc = PROV_STRBUF_INIT;
	prov_value *t;
	size_t len;

	prov_strbuf_puts(&doc, "\"");
	for (size_t i = 0; i < n / 8; i++)
		prov_strbuf_append(&doc, "k\\u00e9y-", 9);
	prov_strbuf_puts(&doc, "\" = \"");
	for (size_t i = 0; i < n; i++)
		prov_strbuf_putc(&doc, (char)('a' + i % 26));
	prov_strbuf_puts(&doc, "\" # and a long comment ");
	for (size_t i = 0; i < n; i++)
		prov_strbuf_putc(&doc, 'c');
	prov_strbuf_puts(&doc, "\nafter = 1\n");
	ck_assert_int_eq(prov_strbuf_status(&doc), PROV_OK);
	t = parse_ok(prov_strbuf_cstr(&doc));
	ck_assert_uint_eq(prov_table_len(t), 2);
	prov_table_key_at(t, 0, &len);
	ck_assert_uint_eq(len, n / 8 * 5);
	prov_value_get_str(prov_table_value_at(t, 0), &len);
	ck_assert_uint_eq(len, n);
	ck_assert_uint_eq(key_line(t, "after"), 2);
	prov_value_unref(t);
	prov_strbuf_release(&doc);
}
END_TEST

/* prefix, then unit repeated n times, then suffix repeated n times. */
static char *nested(const char *prefix, const char *unit, const char *suffix, size_t n)
{
	prov_strbuf b = PROV_STRBUF_INIT;

	prov_strbuf_puts(&b, prefix);
	for (size_t i = 0; i < n; i++)
		prov_strbuf_puts(&b, unit);
	for (size_t i = 0; i < n; i++)
		prov_strbuf_puts(&b, suffix);
	return prov_strbuf_detach(&b, NULL);
}

static void assert_too_deep(const char *prefix, const char *unit, const char *suffix, size_t n)
{
	char *doc = nested(prefix, unit, suffix, n);

	ck_assert_str_eq(parse_fails(doc, PROV_EPARSE),
			 "conf/app.toml:1: nesting deeper than 256 levels");
	free(doc);
}

START_TEST(test_nesting_ten_thousand_deep_is_a_clear_error)
{
	assert_too_deep("a = ", "[", "]", 10000);
	assert_too_deep("a = ", "{b = ", "}", 10000);
	assert_too_deep("a = [", "{b = [", "]}", 5000);
	assert_too_deep("x", ".x", "", 10000);
	assert_too_deep("[x", ".x", "", 10000);
	assert_too_deep("[[x", ".x", "", 10000);
}
END_TEST

START_TEST(test_nesting_up_to_the_limit_is_accepted)
{
	/* The root table and 255 arrays make 256 levels; one more is too many. */
	char *doc = nested("a = ", "[", "]", PROV_DOCUMENT_MAX_DEPTH - 1);
	prov_value *t = parse_ok(doc);

	prov_value_unref(t);
	free(doc);
	assert_too_deep("a = ", "[", "]", PROV_DOCUMENT_MAX_DEPTH);
	/* The root and a header of 255 tables. */
	doc = nested("[x", ".x", "", PROV_DOCUMENT_MAX_DEPTH - 2);
	doc = realloc(doc, strlen(doc) + 2);
	strcat(doc, "]");
	t = parse_ok(doc);
	ck_assert_ptr_nonnull(prov_value_lookup(t, "x.x.x"));
	prov_value_unref(t);
	free(doc);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("format-toml");
	TCase *tc = tcase_create("parse");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_keys_and_values_carry_their_lines);
	tcase_add_test(tc, test_crlf_counts_as_one_line_and_a_bom_is_skipped);
	tcase_add_test(tc, test_every_datetime_kind_is_kept_apart_and_normalised);
	tcase_add_test(tc, test_impossible_datetimes_are_rejected);
	tcase_add_test(tc, test_int64_bounds_are_exact_in_every_base);
	tcase_add_test(tc, test_int64_overflow_is_a_range_error_naming_the_line);
	tcase_add_test(tc, test_malformed_numbers_are_rejected);
	tcase_add_test(tc, test_floats_are_correctly_rounded_and_special_ones_kept);
	tcase_add_test(tc, test_every_string_form_and_escape_decodes);
	tcase_add_test(tc, test_bad_escapes_and_unclosed_strings_are_rejected);
	tcase_add_test(tc, test_invalid_utf8_is_rejected_wherever_it_stands);
	tcase_add_test(tc, test_control_characters_are_rejected);
	tcase_add_test(tc, test_errors_name_file_line_and_what_is_wrong);
	tcase_add_test(tc, test_redefinitions_are_errors_naming_both_lines);
	tcase_add_test(tc, test_tables_may_be_defined_in_the_orders_toml_allows);
	tcase_add_test(tc, test_every_truncation_of_a_document_fails_cleanly_or_parses);
	tcase_add_test(tc, test_input_is_read_only_up_to_its_length);
	tcase_add_test(tc, test_a_one_megabyte_line_parses);
	tcase_add_test(tc, test_nesting_ten_thousand_deep_is_a_clear_error);
	tcase_add_test(tc, test_nesting_up_to_the_limit_is_accepted);
	suite_add_tcase(s, tc);
	return test_run_suite(s);
}
