#include "config-test.h"

#include "config/config.h"
#include "format/format.h"

#include <sys/stat.h>

static prov_config_resolver *r;

static void setup(void)
{
	ck_assert_int_eq(prov_config_resolver_new(&r), PROV_OK);
}

static void teardown(void)
{
	prov_config_resolver_free(r);
}

/* Give layer kind `kind` the value m.k = value, by that kind's own means. */
static void add_kind(int kind, const char *value)
{
	char text[128];

	if (kind == PROV_CONFIG_LAYER_ENV_VARS) {
		char var[128];
		const char *env[] = { var, NULL };
		snprintf(var, sizeof(var), "PROVISIONING_M__K=%s", value);
		ck_assert_int_eq(prov_config_resolver_add_environment(r, env), PROV_OK);
	} else if (kind == PROV_CONFIG_LAYER_RUNTIME) {
		snprintf(text, sizeof(text), "m.k=%s", value);
		ck_assert_int_eq(prov_config_resolver_add_override(r, text), PROV_OK);
	} else {
		snprintf(text, sizeof(text), "m:\n  k: %s\n", value);
		add_text(r, kind, prov_config_layer_name(kind), text, PROV_FORMAT_YAML);
	}
}

START_TEST(test_precedence_follows_layer_kind_not_call_order)
{
	for (int low = 0; low <= PROV_CONFIG_LAYER_RUNTIME; low++) {
		for (int high = low + 1; high <= PROV_CONFIG_LAYER_RUNTIME; high++) {
			prov_config *c;
			const char *layer;

			prov_config_resolver_free(r);
			ck_assert_int_eq(prov_config_resolver_new(&r), PROV_OK);
			add_kind(high, prov_config_layer_name(high));
			add_kind(low, prov_config_layer_name(low));
			c = resolve_ok(r);
			ck_assert_msg(strcmp(get_str(c, "m.k"), prov_config_layer_name(high)) == 0,
				      "%s over %s gave %s", prov_config_layer_name(high),
				      prov_config_layer_name(low), get_str(c, "m.k"));
			ck_assert_int_eq(prov_config_get_origin(c, "m.k", &layer, NULL, NULL), PROV_OK);
			ck_assert_str_eq(layer, prov_config_layer_name(high));
			prov_config_free(c);
		}
	}
}
END_TEST

START_TEST(test_within_a_kind_the_later_call_wins)
{
	prov_config *c;

	add_text(r, PROV_CONFIG_LAYER_EXPLICIT, "a.json", "{\"k\": 1, \"only_a\": true}", PROV_FORMAT_JSON);
	add_text(r, PROV_CONFIG_LAYER_EXPLICIT, "b.json", "{\"k\": 2}", PROV_FORMAT_JSON);
	ck_assert_int_eq(prov_config_resolver_add_override(r, "o=first"), PROV_OK);
	ck_assert_int_eq(prov_config_resolver_add_override(r, "o=second"), PROV_OK);
	c = resolve_ok(r);
	ck_assert_int_eq(get_int(c, "k"), 2);
	ck_assert_str_eq(get_str(c, "o"), "second");
	ck_assert_int_eq(prov_config_get_type(c, "only_a", &(int){ 0 }), PROV_OK);
	prov_config_free(c);
}
END_TEST

START_TEST(test_tables_merge_deeply_and_arrays_and_scalars_replace)
{
	prov_config *c;
	size_t n;

	add_text(r, PROV_CONFIG_LAYER_USER, "user.yaml",
		 "a:\n  b:\n    keep: 1\n    over: 1\n  list: [1, 2, 3]\n  t: {x: 1}\n", PROV_FORMAT_YAML);
	add_text(r, PROV_CONFIG_LAYER_PROJECT, "p.json",
		 "{\"a\": {\"b\": {\"over\": 2, \"new\": 3}, \"list\": [9], \"t\": 5}}", PROV_FORMAT_JSON);
	c = resolve_ok(r);
	ck_assert_int_eq(get_int(c, "a.b.keep"), 1);
	ck_assert_int_eq(get_int(c, "a.b.over"), 2);
	ck_assert_int_eq(get_int(c, "a.b.new"), 3);
	ck_assert_int_eq(prov_config_get_array_length(c, "a.list", &n), PROV_OK);
	ck_assert_uint_eq(n, 1);
	ck_assert_int_eq(get_int(c, "a.list.0"), 9);
	ck_assert_int_eq(get_int(c, "a.t"), 5);
	prov_config_free(c);
}
END_TEST

START_TEST(test_builtin_defaults_are_present)
{
	prov_config *c;
	size_t n;

	ck_assert_int_eq(prov_config_resolver_set_base_dir(r, "/srv/project"), PROV_OK);
	c = resolve_ok(r);
	ck_assert_str_eq(get_str(c, "paths.base"), "/srv/project");
	ck_assert_str_eq(get_str(c, "checkpoint.store"), "dir");
	ck_assert_str_eq(get_str(c, "checkpoint.dir"), "/srv/project/.provisioning/checkpoints");
	ck_assert_int_eq(prov_config_get_array_length(c, "plugins.paths", &n), PROV_OK);
	ck_assert_uint_eq(n, 0);
	prov_config_free(c);
}
END_TEST

START_TEST(test_env_vars_take_the_type_of_the_lower_layer)
{
	const char *env[] = { "PROVISIONING_SERVERS__COUNT=7", "PROVISIONING_DB__PASSWORD=12345",
			      "PROVISIONING_NEW__KEY=12345", "PROVISIONING_FLAGS__ON=yes",
			      "PROVISIONING_FLAGS__RATIO=0.5", "PROVISIONING_PLUGINS__PATHS=[\"/opt/p\"]",
			      "PROVISIONING_ENV=prod", "PROVISIONING_DEBUG=1", "OTHER__X=1", NULL };
	prov_config *c;
	int b = 0;
	double d = 0;

	add_text(r, PROV_CONFIG_LAYER_PROJECT, "p.toml.json",
		 "{\"servers\": {\"count\": 1}, \"db\": {\"password\": \"x\"},"
		 " \"flags\": {\"on\": false, \"ratio\": 1.0}}", PROV_FORMAT_JSON);
	ck_assert_int_eq(prov_config_resolver_add_environment(r, env), PROV_OK);
	c = resolve_ok(r);
	ck_assert_int_eq(get_int(c, "servers.count"), 7);
	ck_assert_str_eq(get_str(c, "db.password"), "12345");
	ck_assert_str_eq(get_str(c, "new.key"), "12345");
	ck_assert_int_eq(prov_config_get_bool(c, "flags.on", &b), PROV_OK);
	ck_assert_int_eq(b, 1);
	ck_assert_int_eq(prov_config_get_double(c, "flags.ratio", &d), PROV_OK);
	ck_assert_double_eq(d, 0.5);
	ck_assert_str_eq(get_str(c, "plugins.paths.0"), "/opt/p");
	ck_assert_int_eq(prov_config_get_type(c, "env", &b), PROV_ENOTFOUND);
	ck_assert_int_eq(prov_config_get_type(c, "debug", &b), PROV_ENOTFOUND);
	prov_config_free(c);
}
END_TEST

START_TEST(test_env_var_origin_names_the_variable)
{
	const char *env[] = { "PROVISIONING_PROVIDERS__AWS__REGION=eu-west-1", NULL };
	const char *layer, *file;
	prov_config *c;
	int line;

	ck_assert_int_eq(prov_config_resolver_add_environment(r, env), PROV_OK);
	c = resolve_ok(r);
	ck_assert_str_eq(get_str(c, "providers.aws.region"), "eu-west-1");
	ck_assert_int_eq(prov_config_get_origin(c, "providers.aws.region", &layer, &file, &line), PROV_OK);
	ck_assert_str_eq(layer, "env-vars");
	ck_assert_str_eq(file, "PROVISIONING_PROVIDERS__AWS__REGION");
	ck_assert_int_eq(line, 0);
	prov_config_free(c);
}
END_TEST

START_TEST(test_env_var_that_does_not_convert_is_an_error_naming_it)
{
	const char *env[] = { "PROVISIONING_SERVERS__COUNT=many", NULL };
	const char *message;

	add_text(r, PROV_CONFIG_LAYER_PROJECT, "p.yaml", "servers:\n  count: 3\n", PROV_FORMAT_YAML);
	ck_assert_int_eq(prov_config_resolver_add_environment(r, env), PROV_OK);
	message = resolve_fails(r, PROV_ECONFIG);
	ck_assert_str_eq(message, "PROVISIONING_SERVERS__COUNT: 'many' is not an integer "
			 "(the type of key servers.count, set at p.yaml:2 (project))");
	ck_assert_str_eq(prov_error_last()->key, "servers.count");
}
END_TEST

START_TEST(test_malformed_env_var_names_are_errors)
{
	const char *env[] = { "PROVISIONING_A____B=1", NULL };

	ck_assert_int_eq(prov_config_resolver_add_environment(r, env), PROV_EINVAL);
	ck_assert_contains(prov_error_last()->message, "PROVISIONING_A____B");
}
END_TEST

START_TEST(test_overrides_are_typed_and_checked)
{
	prov_config *c;

	add_text(r, PROV_CONFIG_LAYER_USER, "u.yaml", "a: {n: 1, s: x}\n", PROV_FORMAT_YAML);
	ck_assert_int_eq(prov_config_resolver_add_override(r, "a.n=42"), PROV_OK);
	ck_assert_int_eq(prov_config_resolver_add_override(r, "a.s=42"), PROV_OK);
	ck_assert_int_eq(prov_config_resolver_add_override(r, "hosts.\"example.com\".ip=10.0.0.1"), PROV_OK);
	ck_assert_int_eq(prov_config_resolver_add_override(r, "empty="), PROV_OK);
	c = resolve_ok(r);
	ck_assert_int_eq(get_int(c, "a.n"), 42);
	ck_assert_str_eq(get_str(c, "a.s"), "42");
	ck_assert_str_eq(get_str(c, "hosts.\"example.com\".ip"), "10.0.0.1");
	ck_assert_str_eq(get_str(c, "empty"), "");
	prov_config_free(c);
	ck_assert_int_eq(prov_config_resolver_add_override(r, "novalue"), PROV_EINVAL);
	ck_assert_str_eq(prov_error_last()->message,
			 "override 'novalue' must have the form key.path=value");
	ck_assert_int_eq(prov_config_resolver_add_override(r, "a..b=1"), PROV_EINVAL);
	ck_assert_int_eq(prov_config_resolver_add_override(r, "=1"), PROV_EINVAL);
}
END_TEST

START_TEST(test_an_override_takes_the_type_an_earlier_one_gave)
{
	add_text(r, PROV_CONFIG_LAYER_USER, "u.yaml", "a: 1\n", PROV_FORMAT_YAML);
	ck_assert_int_eq(prov_config_resolver_add_override(r, "a.b=2"), PROV_OK);
	ck_assert_int_eq(prov_config_resolver_add_override(r, "a=3"), PROV_OK);
	/* After a.b=2, a is a table below the second override, so "3" does not convert. */
	ck_assert_str_eq(resolve_fails(r, PROV_ECONFIG),
			 "override: '3' is not a JSON object (the type of key a, set at override (runtime))");
}
END_TEST

START_TEST(test_bad_layer_files_are_clear_errors)
{
	char *dir = test_tmpdir(), *bad = test_path(dir, "bad.yaml"), *list = test_path(dir, "l.json");
	char *sub = test_path(dir, "sub.toml"), *odd = test_path(dir, "c.ini");

	test_write_file(bad, "a: 1\nb: [\n");
	test_write_file(list, "[1, 2]");
	test_write_file(odd, "a=1");
	ck_assert_int_eq(mkdir(sub, 0700), 0);
	ck_assert_int_eq(prov_config_resolver_add_file(r, bad), PROV_EPARSE);
	ck_assert_contains(prov_error_last()->message, bad);
	ck_assert_int_eq(prov_config_resolver_add_file(r, list), PROV_ECONFIG);
	ck_assert_contains(prov_error_last()->message, "a config layer must be a table of keys, not a array");
	ck_assert_int_eq(prov_config_resolver_add_file(r, sub), PROV_EINVAL);
	ck_assert_contains(prov_error_last()->message, "is a directory");
	ck_assert_int_eq(prov_config_resolver_add_file(r, odd), PROV_EINVAL);
	ck_assert_int_eq(prov_config_resolver_add_file(r, "/nonexistent/x.yaml"), PROV_ENOTFOUND);
	ck_assert_int_eq(prov_config_resolver_add_string(r, 99, "x", "{}", 2, PROV_FORMAT_JSON), PROV_EINVAL);
	ck_assert_int_eq(prov_config_resolver_add_string(r, 1, "x", "{}", 2, PROV_FORMAT_AUTO), PROV_EINVAL);
	test_rmtree(dir);
	free(dir);
	free(bad);
	free(list);
	free(sub);
	free(odd);
}
END_TEST

START_TEST(test_an_empty_file_is_an_empty_layer)
{
	prov_config *c;

	add_text(r, PROV_CONFIG_LAYER_USER, "empty.yaml", "# nothing yet\n", PROV_FORMAT_YAML);
	c = resolve_ok(r);
	ck_assert_str_eq(get_str(c, "checkpoint.store"), "dir");
	prov_config_free(c);
}
END_TEST

START_TEST(test_added_trees_report_their_layer)
{
	prov_source *src = prov_source_new("wf.yaml", "");
	prov_value *tree = NULL;
	const char *layer, *file;
	prov_config *c;
	int line;

	ck_assert_int_eq(prov_format_parse(PROV_FORMAT_YAML, "x:\n  y: 1\n", 10, src, &tree), PROV_OK);
	ck_assert_int_eq(prov_config_resolver_add_tree(r, PROV_CONFIG_LAYER_WORKFLOW, tree), PROV_OK);
	ck_assert_int_eq(prov_config_resolver_add_override(r, "x.z=2"), PROV_OK);
	c = resolve_ok(r);
	ck_assert_int_eq(prov_config_get_origin(c, "x.y", &layer, &file, &line), PROV_OK);
	ck_assert_str_eq(layer, "workflow");
	ck_assert_str_eq(file, "wf.yaml");
	ck_assert_int_eq(line, 2);
	ck_assert_str_eq(prov_source_layer(prov_value_source(prov_table_gets(tree, "x"))), "");
	ck_assert_ptr_nonnull(prov_config_root(c));
	ck_assert_ptr_nonnull(prov_config_lookup(c, "x.z"));
	prov_config_free(c);
	prov_value_unref(tree);
	prov_source_unref(src);
}
END_TEST

START_TEST(test_a_resolver_resolves_again_after_more_layers)
{
	prov_config *first, *second;

	ck_assert_int_eq(prov_config_resolver_add_override(r, "k=1"), PROV_OK);
	first = resolve_ok(r);
	ck_assert_int_eq(prov_config_resolver_add_override(r, "k=2"), PROV_OK);
	second = resolve_ok(r);
	ck_assert_str_eq(get_str(first, "k"), "1");
	ck_assert_str_eq(get_str(second, "k"), "2");
	prov_config_free(first);
	prov_config_resolver_free(r);
	r = NULL;
	ck_assert_str_eq(get_str(second, "k"), "2");
	prov_config_free(second);
}
END_TEST

static Suite *resolve_suite(void)
{
	Suite *s = suite_create("config-resolve");
	TCase *tc = tcase_create("layers");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_precedence_follows_layer_kind_not_call_order);
	tcase_add_test(tc, test_within_a_kind_the_later_call_wins);
	tcase_add_test(tc, test_tables_merge_deeply_and_arrays_and_scalars_replace);
	tcase_add_test(tc, test_builtin_defaults_are_present);
	tcase_add_test(tc, test_env_vars_take_the_type_of_the_lower_layer);
	tcase_add_test(tc, test_env_var_origin_names_the_variable);
	tcase_add_test(tc, test_env_var_that_does_not_convert_is_an_error_naming_it);
	tcase_add_test(tc, test_malformed_env_var_names_are_errors);
	tcase_add_test(tc, test_overrides_are_typed_and_checked);
	tcase_add_test(tc, test_an_override_takes_the_type_an_earlier_one_gave);
	tcase_add_test(tc, test_bad_layer_files_are_clear_errors);
	tcase_add_test(tc, test_an_empty_file_is_an_empty_layer);
	tcase_add_test(tc, test_added_trees_report_their_layer);
	tcase_add_test(tc, test_a_resolver_resolves_again_after_more_layers);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return test_run_suite(resolve_suite());
}
