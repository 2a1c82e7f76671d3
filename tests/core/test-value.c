#include "test-util.h"

#include "core/value.h"

#include <locale.h>
#include <math.h>
#include <pthread.h>

static prov_source *src;

static void setup(void)
{
	src = prov_source_new("test.toml", "project");
}

static void teardown(void)
{
	prov_source_unref(src);
}

static char *to_json(const prov_value *v, unsigned flags)
{
	prov_strbuf out = PROV_STRBUF_INIT;

	ck_assert_int_eq(prov_value_print_json(&out, v, flags), PROV_OK);
	return prov_strbuf_detach(&out, NULL);
}

START_TEST(test_scalars_keep_type_value_and_origin)
{
	prov_value *i = prov_value_int(INT64_MIN, src, 3);
	prov_value *d = prov_value_double(2.5, src, 4);
	prov_value *b = prov_value_bool(true, src, 5);
	prov_value *s = prov_value_string("a\0b", 3, src, 6);
	prov_value *dt = prov_value_datetime(PROV_DATE_LOCAL, "1979-05-27", 10, src, 7);
	size_t len;

	ck_assert_int_eq(prov_value_type_of(i), PROV_VALUE_INT);
	ck_assert(prov_value_get_int(i) == INT64_MIN);
	ck_assert_double_eq(prov_value_get_double(d), 2.5);
	ck_assert(prov_value_get_bool(b));
	ck_assert_mem_eq(prov_value_get_str(s, &len), "a\0b", 3);
	ck_assert_uint_eq(len, 3);
	ck_assert_int_eq(prov_value_get_datetime_kind(dt), PROV_DATE_LOCAL);
	ck_assert_str_eq(prov_value_get_str(dt, NULL), "1979-05-27");
	ck_assert_str_eq(prov_value_file(s), "test.toml");
	ck_assert_str_eq(prov_source_layer(prov_value_source(s)), "project");
	ck_assert_uint_eq(prov_value_line(s), 6);
	prov_value_unref(i);
	prov_value_unref(d);
	prov_value_unref(b);
	prov_value_unref(s);
	prov_value_unref(dt);
}
END_TEST

START_TEST(test_table_keeps_insertion_order_and_key_lines)
{
	prov_value *t = prov_value_table(src, 1);
	const char *keys[] = { "zeta", "alpha", "mid" };

	for (int i = 0; i < 3; i++)
		ck_assert_int_eq(prov_table_set(t, keys[i], strlen(keys[i]), (uint32_t)(10 + i),
						prov_value_int(i, src, (uint32_t)(10 + i))), PROV_OK);
	ck_assert_uint_eq(prov_table_len(t), 3);
	for (size_t i = 0; i < 3; i++) {
		ck_assert_str_eq(prov_table_key_at(t, i, NULL), keys[i]);
		ck_assert_uint_eq(prov_table_key_line_at(t, i), 10 + i);
	}
	ck_assert_int_eq(prov_value_get_int(prov_table_gets(t, "mid")), 2);
	ck_assert_ptr_null(prov_table_gets(t, "missing"));
	prov_value_unref(t);
}
END_TEST

START_TEST(test_table_set_replaces_and_add_refuses_duplicates)
{
	prov_value *t = prov_value_table(src, 1);

	ck_assert_int_eq(prov_table_set(t, "k", 1, 1, prov_value_int(1, src, 1)), PROV_OK);
	ck_assert_int_eq(prov_table_set(t, "k", 1, 2, prov_value_int(2, src, 2)), PROV_OK);
	ck_assert_uint_eq(prov_table_len(t), 1);
	ck_assert_int_eq(prov_value_get_int(prov_table_gets(t, "k")), 2);
	ck_assert_int_eq(prov_table_add(t, "k", 1, 3, prov_value_int(3, src, 3)), PROV_EEXISTS);
	ck_assert_int_eq(prov_value_get_int(prov_table_gets(t, "k")), 2);
	ck_assert_int_eq(prov_table_add(t, "j", 1, 4, prov_value_int(4, src, 4)), PROV_OK);
	ck_assert_uint_eq(prov_table_len(t), 2);
	prov_value_unref(t);
}
END_TEST

START_TEST(test_large_table_lookups_and_removal)
{
	enum { N = 5000 };
	prov_value *t = prov_value_table(src, 1);
	char key[32];

	for (int i = 0; i < N; i++) {
		int n = snprintf(key, sizeof(key), "key-%d", i);
		ck_assert_int_eq(prov_table_add(t, key, (size_t)n, 1, prov_value_int(i, src, 1)), PROV_OK);
	}
	for (int i = 0; i < N; i++) {
		int n = snprintf(key, sizeof(key), "key-%d", i);
		ck_assert_int_eq(prov_table_find(t, key, (size_t)n), i);
	}
	ck_assert(prov_table_remove(t, "key-10", 6));
	ck_assert(!prov_table_remove(t, "key-10", 6));
	ck_assert_uint_eq(prov_table_len(t), N - 1);
	ck_assert_int_eq(prov_value_get_int(prov_table_gets(t, "key-4999")), 4999);
	ck_assert_int_eq(prov_table_find(t, "key-11", 6), 10);
	prov_value_unref(t);
}
END_TEST

static prov_value *sample_tree(void)
{
	prov_value *root = prov_value_table(src, 1);
	prov_value *providers = prov_value_table(src, 2);
	prov_value *local = prov_value_table(src, 3);
	prov_value *zones = prov_value_array(src, 4);

	prov_array_push(zones, prov_value_string("fi-hel1", 7, src, 4));
	prov_array_push(zones, prov_value_string("de-fra1", 7, src, 4));
	prov_table_set(local, "zones", 5, 4, zones);
	prov_table_set(local, "latency_ms", 10, 5, prov_value_int(0, src, 5));
	prov_table_set(providers, "local", 5, 3, local);
	prov_table_set(root, "providers", 9, 2, providers);
	return root;
}

START_TEST(test_lookup_follows_dotted_paths_and_indexes)
{
	prov_value *root = sample_tree();

	ck_assert_str_eq(prov_value_get_str(prov_value_lookup(root, "providers.local.zones.1"), NULL),
			 "de-fra1");
	ck_assert_int_eq(prov_value_line(prov_value_lookup(root, "providers.local.latency_ms")), 5);
	ck_assert_ptr_null(prov_value_lookup(root, "providers.local.zones.2"));
	ck_assert_ptr_null(prov_value_lookup(root, "providers.local.latency_ms.x"));
	ck_assert_ptr_null(prov_value_lookup(root, "providers.aws"));
	ck_assert_ptr_eq(prov_value_lookup(root, ""), root);
	prov_value_unref(root);
}
END_TEST

START_TEST(test_shallow_copy_shares_children_and_leaves_original)
{
	prov_value *root = sample_tree();
	prov_value *copy = prov_value_shallow_copy(root);

	ck_assert_ptr_eq(prov_table_gets(copy, "providers"), prov_table_gets(root, "providers"));
	prov_table_set(copy, "extra", 5, 9, prov_value_null(src, 9));
	ck_assert_uint_eq(prov_table_len(root), 1);
	ck_assert_uint_eq(prov_table_len(copy), 2);
	prov_value_unref(root);
	ck_assert_str_eq(prov_value_get_str(prov_value_lookup(copy, "providers.local.zones.0"), NULL),
			 "fi-hel1");
	prov_value_unref(copy);
}
END_TEST

START_TEST(test_equal_compares_content_not_origin)
{
	prov_value *a = sample_tree();
	prov_value *b = sample_tree();
	prov_value *i = prov_value_int(1, src, 1);
	prov_value *d = prov_value_double(1.0, src, 1);
	prov_value *nan1 = prov_value_double(NAN, src, 1);
	prov_value *nan2 = prov_value_double(NAN, NULL, 2);

	ck_assert(prov_value_equal(a, b));
	prov_table_set(b, "x", 1, 1, prov_value_null(src, 1));
	ck_assert(!prov_value_equal(a, b));
	ck_assert(!prov_value_equal(i, d));
	ck_assert(prov_value_equal(nan1, nan2));
	prov_value_unref(a);
	prov_value_unref(b);
	prov_value_unref(i);
	prov_value_unref(d);
	prov_value_unref(nan1);
	prov_value_unref(nan2);
}
END_TEST

START_TEST(test_json_printer_compact_and_pretty)
{
	prov_value *root = sample_tree();
	char *compact = to_json(root, 0);
	char *pretty = to_json(root, PROV_JSON_PRETTY);

	ck_assert_str_eq(compact,
			 "{\"providers\":{\"local\":{\"zones\":[\"fi-hel1\",\"de-fra1\"],\"latency_ms\":0}}}");
	ck_assert_str_eq(pretty, "{\n  \"providers\": {\n    \"local\": {\n      \"zones\": [\n"
				 "        \"fi-hel1\",\n        \"de-fra1\"\n      ],\n"
				 "      \"latency_ms\": 0\n    }\n  }\n}");
	free(compact);
	free(pretty);
	prov_value_unref(root);
}
END_TEST

START_TEST(test_json_printer_escapes_and_handles_special_numbers)
{
	prov_value *a = prov_value_array(src, 1);
	char *out;

	prov_array_push(a, prov_value_string("q\"\\\n\x01\xff", 6, src, 1));
	prov_array_push(a, prov_value_double(INFINITY, src, 1));
	prov_array_push(a, prov_value_double(0.1, src, 1));
	prov_array_push(a, prov_value_double(3.0, src, 1));
	prov_array_push(a, prov_value_table(src, 1));
	prov_array_push(a, prov_value_array(src, 1));
	out = to_json(a, PROV_JSON_PRETTY);
	ck_assert_str_eq(out, "[\n  \"q\\\"\\\\\\n\\u0001\\ufffd\",\n  null,\n  0.1,\n  3.0,\n  {},\n  []\n]");
	free(out);
	prov_value_unref(a);
}
END_TEST

START_TEST(test_format_double_round_trips)
{
	const double samples[] = { 0.1, 1.0 / 3.0, 1e300, -2.5e-308, 123456789.125, 5e-324, -0.0 };
	char text[32];

	for (size_t i = 0; i < sizeof(samples) / sizeof(samples[0]); i++) {
		prov_format_double(samples[i], text);
		ck_assert_msg(strtod(text, NULL) == samples[i], "%s does not read back", text);
		ck_assert_ptr_nonnull(strpbrk(text, ".e"));
	}
	prov_format_double(NAN, text);
	ck_assert_str_eq(text, "nan");
	/* A host with a comma-decimal locale still gets '.' in documents. */
	if (setlocale(LC_NUMERIC, "de_DE.UTF-8") || setlocale(LC_NUMERIC, "C.UTF-8")) {
		prov_format_double(0.5, text);
		ck_assert_str_eq(text, "0.5");
		setlocale(LC_NUMERIC, "C");
	}
	prov_format_double(-INFINITY, text);
	ck_assert_str_eq(text, "-inf");
}
END_TEST

struct reader_args {
	prov_value *tree;
	int found;
};

static void *read_and_release(void *arg)
{
	struct reader_args *r = arg;

	for (int i = 0; i < 2000; i++) {
		prov_value *mine = prov_value_ref(r->tree);
		r->found += prov_value_lookup(mine, "providers.local.zones.1") != NULL;
		prov_value_unref(mine);
	}
	prov_value_unref(r->tree);
	return NULL;
}

START_TEST(test_shared_tree_read_from_many_threads)
{
	enum { THREADS = 8 };
	prov_value *root = sample_tree();
	struct reader_args args[THREADS];
	pthread_t threads[THREADS];

	for (int i = 0; i < THREADS; i++) {
		args[i] = (struct reader_args){ prov_value_ref(root), 0 };
		pthread_create(&threads[i], NULL, read_and_release, &args[i]);
	}
	prov_value_unref(root);
	for (int i = 0; i < THREADS; i++) {
		pthread_join(threads[i], NULL);
		ck_assert_int_eq(args[i].found, 2000);
	}
}
END_TEST

static Suite *value_suite(void)
{
	Suite *s = suite_create("value");
	TCase *tc = tcase_create("value");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_scalars_keep_type_value_and_origin);
	tcase_add_test(tc, test_table_keeps_insertion_order_and_key_lines);
	tcase_add_test(tc, test_table_set_replaces_and_add_refuses_duplicates);
	tcase_add_test(tc, test_large_table_lookups_and_removal);
	tcase_add_test(tc, test_lookup_follows_dotted_paths_and_indexes);
	tcase_add_test(tc, test_shallow_copy_shares_children_and_leaves_original);
	tcase_add_test(tc, test_equal_compares_content_not_origin);
	tcase_add_test(tc, test_json_printer_compact_and_pretty);
	tcase_add_test(tc, test_json_printer_escapes_and_handles_special_numbers);
	tcase_add_test(tc, test_format_double_round_trips);
	tcase_add_test(tc, test_shared_tree_read_from_many_threads);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return test_run_suite(value_suite());
}
