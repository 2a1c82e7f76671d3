#include "test-util.h"

#include "format/format.h"

#include <math.h>

static prov_source *src;

static void setup(void)
{
	src = prov_source_new("conf.yaml", "user");
}

static void teardown(void)
{
	prov_source_unref(src);
}

static prov_value *parse_ok(const char *text)
{
	prov_value *v = NULL;
	int rc = prov_yaml_read(text, strlen(text), src, &v);

	ck_assert_msg(rc == PROV_OK, "parse failed: %s", prov_error_last()->message);
	return v;
}

static const char *parse_fails_len(const char *text, size_t len, int code)
{
	prov_value *v = (prov_value *)1;

	ck_assert_int_eq(prov_yaml_read(text, len, src, &v), code);
	ck_assert_ptr_null(v);
	return prov_error_last()->message;
}

static const char *parse_fails(const char *text)
{
	return parse_fails_len(text, strlen(text), PROV_EPARSE);
}

static prov_value *at(const prov_value *root, const char *path)
{
	prov_value *v = prov_value_lookup(root, path);

	ck_assert_msg(v != NULL, "no %s", path);
	return v;
}

START_TEST(test_core_schema_scalars_get_their_types)
{
	prov_value *v = parse_ok("n1: null\nn2: ~\nn3:\nb1: true\nb2: False\ni1: -42\ni2: 0x1F\n"
				 "i3: 0o17\nf1: 1.5\nf2: .inf\nf3: -.Inf\nf4: .nan\nf5: 1e3\n"
				 "s1: yes\ns2: '123'\ns3: \"true\"\ns4: 0x\ns5: 1.2.3\n");

	ck_assert_int_eq(prov_value_type_of(at(v, "n1")), PROV_VALUE_NULL);
	ck_assert_int_eq(prov_value_type_of(at(v, "n2")), PROV_VALUE_NULL);
	ck_assert_int_eq(prov_value_type_of(at(v, "n3")), PROV_VALUE_NULL);
	ck_assert(prov_value_get_bool(at(v, "b1")));
	ck_assert_int_eq(prov_value_type_of(at(v, "b2")), PROV_VALUE_BOOL);
	ck_assert_int_eq(prov_value_get_int(at(v, "i1")), -42);
	ck_assert_int_eq(prov_value_get_int(at(v, "i2")), 31);
	ck_assert_int_eq(prov_value_get_int(at(v, "i3")), 15);
	ck_assert_double_eq(prov_value_get_double(at(v, "f1")), 1.5);
	ck_assert(isinf(prov_value_get_double(at(v, "f2"))) && prov_value_get_double(at(v, "f2")) > 0);
	ck_assert(isinf(prov_value_get_double(at(v, "f3"))) && prov_value_get_double(at(v, "f3")) < 0);
	ck_assert(isnan(prov_value_get_double(at(v, "f4"))));
	ck_assert_int_eq(prov_value_type_of(at(v, "f5")), PROV_VALUE_DOUBLE);
	ck_assert_str_eq(prov_value_get_str(at(v, "s1"), NULL), "yes");
	ck_assert_str_eq(prov_value_get_str(at(v, "s2"), NULL), "123");
	ck_assert_str_eq(prov_value_get_str(at(v, "s3"), NULL), "true");
	ck_assert_str_eq(prov_value_get_str(at(v, "s4"), NULL), "0x");
	ck_assert_str_eq(prov_value_get_str(at(v, "s5"), NULL), "1.2.3");
	prov_value_unref(v);
}
END_TEST

START_TEST(test_explicit_tags_decide_the_type)
{
	prov_value *v = parse_ok("a: !!str 123\nb: !!int \"7\"\nc: !!float 1\nd: ! 12\n");

	ck_assert_str_eq(prov_value_get_str(at(v, "a"), NULL), "123");
	ck_assert_int_eq(prov_value_get_int(at(v, "b")), 7);
	ck_assert_int_eq(prov_value_type_of(at(v, "c")), PROV_VALUE_DOUBLE);
	ck_assert_str_eq(prov_value_get_str(at(v, "d"), NULL), "12");
	prov_value_unref(v);
	ck_assert_str_eq(parse_fails("a: !!int abc\n"), "conf.yaml:1: invalid integer 'abc'");
	ck_assert_str_eq(parse_fails("a: !custom x\n"), "conf.yaml:1: unsupported tag '!custom'");
}
END_TEST

START_TEST(test_block_and_flow_styles_build_the_same_tree)
{
	prov_value *block = parse_ok("a:\n  b: [1, 2]\n  c:\n    - x\n    - {d: e}\n");
	prov_value *flow = parse_ok("{a: {b: [1, 2], c: [x, {d: e}]}}");

	ck_assert(prov_value_equal(block, flow));
	prov_value_unref(block);
	prov_value_unref(flow);
}
END_TEST

START_TEST(test_every_key_and_value_has_its_line)
{
	prov_value *v = parse_ok("# comment\na: 1\nb:\n  c:\n    - x\n    - y\n");
	prov_value *b = at(v, "b");

	ck_assert_uint_eq(prov_table_key_line_at(v, 0), 2);
	ck_assert_uint_eq(prov_value_line(at(v, "a")), 2);
	ck_assert_uint_eq(prov_table_key_line_at(v, 1), 3);
	ck_assert_uint_eq(prov_table_key_line_at(b, 0), 4);
	ck_assert_uint_eq(prov_value_line(at(v, "b.c.1")), 6);
	ck_assert_str_eq(prov_value_file(at(v, "b.c.1")), "conf.yaml");
	prov_value_unref(v);
}
END_TEST

START_TEST(test_aliases_share_the_anchored_node)
{
	prov_value *v = parse_ok("base: &b {x: 1, y: [2]}\ncopy: *b\nname: &n hello\nagain: *n\n");

	ck_assert(prov_value_equal(at(v, "base"), at(v, "copy")));
	ck_assert_str_eq(prov_value_get_str(at(v, "again"), NULL), "hello");
	prov_value_unref(v);
	ck_assert_str_eq(parse_fails("a: *missing\n"),
			 "conf.yaml:1: unknown anchor 'missing' (an alias must follow its anchor)");
}
END_TEST

START_TEST(test_merge_keys_fill_in_keys_the_mapping_lacks)
{
	prov_value *v = parse_ok("base: &b {x: 1, y: 2}\nmore: &m {z: 3}\n"
				 "one:\n  y: 20\n  <<: *b\n"
				 "two:\n  <<: [*b, *m]\n  x: 10\n");

	ck_assert_int_eq(prov_value_get_int(at(v, "one.x")), 1);
	ck_assert_int_eq(prov_value_get_int(at(v, "one.y")), 20);
	ck_assert_int_eq(prov_value_get_int(at(v, "two.x")), 10);
	ck_assert_int_eq(prov_value_get_int(at(v, "two.y")), 2);
	ck_assert_int_eq(prov_value_get_int(at(v, "two.z")), 3);
	ck_assert_ptr_null(prov_value_lookup(v, "two.<<"));
	prov_value_unref(v);
	ck_assert_str_eq(parse_fails("a:\n  <<: 5\n"),
			 "conf.yaml:2: a merge key '<<' takes a mapping or a list of mappings");
}
END_TEST

START_TEST(test_an_alias_bomb_is_an_error_not_an_explosion)
{
	const char *bomb =
		"a: &a [x, x, x, x, x, x, x, x, x, x]\n"
		"b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
		"c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\n"
		"d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\n"
		"e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]\n"
		"f: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e, *e]\n"
		"g: &g [*f, *f, *f, *f, *f, *f, *f, *f, *f, *f]\n"
		"h: &h [*g, *g, *g, *g, *g, *g, *g, *g, *g, *g]\n"
		"i: &i [*h, *h, *h, *h, *h, *h, *h, *h, *h, *h]\n";
	const char *message = parse_fails(bomb);

	ck_assert_ptr_nonnull(strstr(message, "aliases expand to more than 1000000 nodes"));
	ck_assert_ptr_nonnull(strstr(message, "conf.yaml:"));
}
END_TEST

START_TEST(test_duplicate_keys_are_errors)
{
	ck_assert_str_eq(parse_fails("a: 1\nb: 2\na: 3\n"), "conf.yaml:3: duplicate key 'a'");
	ck_assert_str_eq(parse_fails("x: {a: 1, a: 2}\n"), "conf.yaml:1: duplicate key 'a'");
}
END_TEST

START_TEST(test_non_scalar_keys_are_errors)
{
	ck_assert_str_eq(parse_fails("? [a, b]\n: 1\n"), "conf.yaml:1: mapping keys must be scalars");
	ck_assert_str_eq(parse_fails("? {a: 1}\n: 1\n"), "conf.yaml:1: mapping keys must be scalars");
	ck_assert_str_eq(parse_fails("a: &x k\n? *x\n: 1\n"), "conf.yaml:2: mapping keys must be scalars");
}
END_TEST

START_TEST(test_a_second_document_is_an_error)
{
	ck_assert_str_eq(parse_fails("a: 1\n---\nb: 2\n"),
			 "conf.yaml:2: a second document: a file holds one YAML document");
}
END_TEST

START_TEST(test_empty_input_is_null)
{
	prov_value *v = parse_ok("# only a comment\n");

	ck_assert_int_eq(prov_value_type_of(v), PROV_VALUE_NULL);
	prov_value_unref(v);
}
END_TEST

START_TEST(test_syntax_errors_name_the_line)
{
	const char *message = parse_fails("a: 1\nb: [1, 2\nc: 3\n");

	ck_assert_ptr_nonnull(strstr(message, "conf.yaml:"));
	ck_assert_int_gt(prov_error_last()->line, 1);
}
END_TEST

START_TEST(test_integer_overflow_is_a_range_error)
{
	ck_assert_str_eq(parse_fails_len("a: 99999999999999999999\n", 24, PROV_ERANGE),
			 "conf.yaml:1: integer 99999999999999999999 does not fit in 64 bits");
}
END_TEST

START_TEST(test_invalid_utf8_is_an_error)
{
	const char *message = parse_fails_len("a: \xC3\x28\n", 6, PROV_EPARSE);

	ck_assert_ptr_nonnull(strstr(message, "conf.yaml:1:"));
}
END_TEST

START_TEST(test_truncated_documents_never_crash)
{
	const char *text = "a: &x\n  b: [1, 'two', {c: \"d\\n\"}]\nm:\n  <<: *x\n  e: |\n    text\n";

	for (size_t cut = 0; cut < strlen(text); cut++) {
		prov_value *v = NULL;
		int rc = prov_yaml_read(text, cut, src, &v);

		ck_assert(rc == PROV_OK || rc == PROV_EPARSE);
		ck_assert((rc == PROV_OK) == (v != NULL));
		prov_value_unref(v);
	}
}
END_TEST

static char *nested(size_t depth)
{
	char *text = malloc(depth * 2 + 1);

	memset(text, '[', depth);
	memset(text + depth, ']', depth);
	text[depth * 2] = '\0';
	return text;
}

START_TEST(test_nesting_past_the_limit_is_an_error)
{
	char *text = nested(10000);

	ck_assert_str_eq(parse_fails(text), "conf.yaml:1: nesting deeper than 256 levels");
	free(text);
}
END_TEST

START_TEST(test_a_one_megabyte_line_parses)
{
	size_t n = 1024 * 1024;
	char *text = malloc(n + 8);
	prov_value *v;
	size_t len;

	memcpy(text, "k: ", 3);
	memset(text + 3, 'x', n);
	strcpy(text + 3 + n, "\n");
	v = parse_ok(text);
	prov_value_get_str(at(v, "k"), &len);
	ck_assert_uint_eq(len, n);
	prov_value_unref(v);
	free(text);
}
END_TEST

START_TEST(test_printed_yaml_reads_back_equal)
{
	const char *json = "{\"plain\":\"hello world\",\"looks_bool\":\"true\",\"looks_int\":\"0x10\","
			   "\"looks_float\":\"1e5\",\"empty\":\"\",\"colon\":\"a: b\",\"hash\":\"a #b\","
			   "\"lines\":\"a\\nb\",\"lead\":\"-x\",\"space\":\" x\",\"merge\":\"<<\","
			   "\"nul\":\"a\\u0000b\",\"breaks\":\"a\\u0085b\\u2028c\\u007fd\\u00a0e\\ufeff\",\"tab\":\"a\\tb\",\"unicode\":\"\\u00e9t\\u00e9\","
			   "\"n\":null,\"b\":false,\"i\":-7,\"d\":0.1,\"big\":1e300,"
			   "\"list\":[1,[2,[3]],{\"k\":\"v\",\"k2\":[]},{}],\"t\":{\"u\":{\"v\":1}},"
			   "\"<<\":1,\"a: b\":2,\"yes\":3,\"\":4}";
	prov_value *v = NULL, *again = NULL;
	prov_strbuf out = PROV_STRBUF_INIT;

	ck_assert_int_eq(prov_json_read(json, strlen(json), src, &v), PROV_OK);
	ck_assert_int_eq(prov_yaml_print(&out, v), PROV_OK);
	ck_assert_msg(prov_yaml_read(out.data, out.len, src, &again) == PROV_OK,
		      "%s\n%s", prov_error_last()->message, out.data);
	ck_assert_msg(prov_value_equal(v, again), "differs:\n%s", out.data);
	prov_strbuf_release(&out);
	prov_value_unref(v);
	prov_value_unref(again);
}
END_TEST

START_TEST(test_special_floats_print_as_yaml_words)
{
	prov_value *v = parse_ok("[.inf, -.inf, .nan, 1.0]");
	prov_strbuf out = PROV_STRBUF_INIT;

	ck_assert_int_eq(prov_yaml_print(&out, v), PROV_OK);
	ck_assert_str_eq(out.data, "- .inf\n- -.inf\n- .nan\n- 1.0\n");
	prov_strbuf_release(&out);
	prov_value_unref(v);
}
END_TEST

START_TEST(test_a_long_key_prints_as_an_explicit_key)
{
	char *key = malloc(2001), *text = malloc(2100);
	prov_value *v, *again = NULL;
	prov_strbuf out = PROV_STRBUF_INIT;

	memset(key, 'k', 2000);
	key[2000] = '\0';
	snprintf(text, 2100, "? %s\n: {a: 1}\n", key);
	v = parse_ok(text);
	ck_assert_int_eq(prov_yaml_print(&out, v), PROV_OK);
	ck_assert_msg(prov_yaml_read(out.data, out.len, src, &again) == PROV_OK, "%s",
		      prov_error_last()->message);
	ck_assert(prov_value_equal(v, again));
	prov_strbuf_release(&out);
	prov_value_unref(v);
	prov_value_unref(again);
	free(key);
	free(text);
}
END_TEST

static Suite *yaml_suite(void)
{
	Suite *s = suite_create("format-yaml");
	TCase *tc = tcase_create("reader");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_core_schema_scalars_get_their_types);
	tcase_add_test(tc, test_explicit_tags_decide_the_type);
	tcase_add_test(tc, test_block_and_flow_styles_build_the_same_tree);
	tcase_add_test(tc, test_every_key_and_value_has_its_line);
	tcase_add_test(tc, test_aliases_share_the_anchored_node);
	tcase_add_test(tc, test_merge_keys_fill_in_keys_the_mapping_lacks);
	tcase_add_test(tc, test_an_alias_bomb_is_an_error_not_an_explosion);
	tcase_add_test(tc, test_duplicate_keys_are_errors);
	tcase_add_test(tc, test_non_scalar_keys_are_errors);
	tcase_add_test(tc, test_a_second_document_is_an_error);
	tcase_add_test(tc, test_empty_input_is_null);
	tcase_add_test(tc, test_syntax_errors_name_the_line);
	tcase_add_test(tc, test_integer_overflow_is_a_range_error);
	tcase_add_test(tc, test_invalid_utf8_is_an_error);
	tcase_add_test(tc, test_truncated_documents_never_crash);
	tcase_add_test(tc, test_nesting_past_the_limit_is_an_error);
	tcase_add_test(tc, test_a_one_megabyte_line_parses);
	suite_add_tcase(s, tc);
	tc = tcase_create("printer");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_printed_yaml_reads_back_equal);
	tcase_add_test(tc, test_special_floats_print_as_yaml_words);
	tcase_add_test(tc, test_a_long_key_prints_as_an_explicit_key);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return test_run_suite(yaml_suite());
}
