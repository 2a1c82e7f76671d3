/*
 * Trees outside a config (a workflow's params) resolved against a resolved
 * config, and resolving with a layer that is not kept.
 */
#include "config-test.h"

#include "config/config.h"
#include "format/format.h"

static prov_config_resolver *r;

static void setup(void)
{
	const char *env[] = { "REGION=eu-west", NULL };

	ck_assert_int_eq(prov_config_resolver_new(&r), PROV_OK);
	ck_assert_int_eq(prov_config_resolver_add_environment(r, env), PROV_OK);
	add_text(r, PROV_CONFIG_LAYER_PROJECT, "project.yaml",
		 "zone: de-fra1\nport: 8080\nliteral: \"\\\\{{kept}}\"\n"
		 "alias: \"{{zone}}\"\n", PROV_FORMAT_YAML);
}

static void teardown(void)
{
	prov_config_resolver_free(r);
}

static prov_value *parse(const char *name, const char *yaml)
{
	prov_source *src = prov_source_new(name, NULL);
	prov_value *v = NULL;

	ck_assert_int_eq(prov_format_parse(PROV_FORMAT_YAML, yaml, strlen(yaml), src, &v), PROV_OK);
	prov_source_unref(src);
	return v;
}

static prov_value *expand_with(const prov_config *c, const char *yaml,
			       prov_config_reference_fn extra, int expected)
{
	prov_config_expander *x;
	prov_value *params = parse("wf.yaml", yaml), *out = NULL;
	int rc;

	ck_assert_int_eq(prov_config_expander_new(&x, r, c), PROV_OK);
	rc = prov_config_expand(&out, x, params, extra, NULL);
	ck_assert_msg(rc == expected, "expand gave %d: %s", rc, prov_error_last()->message);
	prov_config_expander_free(x);
	prov_value_unref(params);
	return out;
}

static char *json_of(const prov_value *v)
{
	prov_strbuf b = PROV_STRBUF_INIT;

	prov_value_print_json(&b, v, 0);
	return prov_strbuf_detach(&b, NULL);
}

START_TEST(test_a_detached_tree_takes_config_keys_and_environment)
{
	prov_config *c = resolve_ok(r);
	prov_value *out = expand_with(c, "a: \"{{zone}}\"\nb: \"{{port}}\"\n"
				      "c: \"{{env.REGION}}-{{port}}\"\nd: [\"{{alias}}\"]\n", NULL,
				      PROV_OK);
	char *json = json_of(out);

	ck_assert_str_eq(json, "{\"a\":\"de-fra1\",\"b\":8080,\"c\":\"eu-west-8080\","
			 "\"d\":[\"de-fra1\"]}");
	free(json);
	prov_value_unref(out);
	prov_config_free(c);
}
END_TEST

START_TEST(test_resolved_config_values_are_not_resolved_twice)
{
	prov_config *c = resolve_ok(r);
	prov_value *out = expand_with(c, "a: \"{{literal}}\"\n", NULL, PROV_OK);
	char *json = json_of(out);

	/* The config's "\{{kept}}" is the literal text "{{kept}}" once resolved. */
	ck_assert_str_eq(json, "{\"a\":\"{{kept}}\"}");
	free(json);
	prov_value_unref(out);
	prov_config_free(c);
}
END_TEST

START_TEST(test_an_unknown_reference_names_the_string_file_and_line)
{
	prov_config *c = resolve_ok(r);

	ck_assert_ptr_null(expand_with(c, "a: 1\nb: \"{{nowhere.key}}\"\n", NULL, PROV_ECONFIG));
	ck_assert_contains(prov_error_last()->message, "wf.yaml:2: unknown reference {{nowhere.key}}");
	prov_config_free(c);
}
END_TEST

static int ops_reference(prov_value **out, const char *name, const prov_value *where,
			 void *userdata)
{
	(void)where;
	(void)userdata;
	if (strncmp(name, "ops.", 4) != 0)
		return PROV_CONFIG_REFERENCE_NOT_MINE;
	*out = prov_value_string("10.0.0.7", 8, NULL, 0);
	return *out ? PROV_OK : PROV_ENOMEM;
}

START_TEST(test_the_callback_sees_references_before_the_config)
{
	prov_config *c = resolve_ok(r);
	prov_value *out = expand_with(c, "ip: \"{{ops.db.output.ip}}\"\n"
				      "url: \"http://{{ops.db.output.ip}}:{{port}}\"\n",
				      ops_reference, PROV_OK);
	char *json = json_of(out);

	ck_assert_str_eq(json, "{\"ip\":\"10.0.0.7\",\"url\":\"http://10.0.0.7:8080\"}");
	free(json);
	prov_value_unref(out);
	prov_config_free(c);
}
END_TEST

START_TEST(test_resolving_with_a_tree_leaves_the_resolver_as_it_was)
{
	prov_value *layer = parse("wf.yaml", "zone: nl-ams1\nextra: \"{{port}}\"\n");
	prov_config *with = NULL, *without;

	ck_assert_int_eq(prov_config_resolve_with_tree(&with, r, PROV_CONFIG_LAYER_WORKFLOW, layer),
			 PROV_OK);
	ck_assert_str_eq(get_str(with, "zone"), "nl-ams1");
	ck_assert_int_eq(get_int(with, "extra"), 8080);
	without = resolve_ok(r);
	ck_assert_str_eq(get_str(without, "zone"), "de-fra1");
	ck_assert_int_eq(prov_config_get_type(without, "extra", &(int){ 0 }), PROV_ENOTFOUND);
	prov_config_free(with);
	prov_config_free(without);
	prov_value_unref(layer);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("expand");
	TCase *tc = tcase_create("expand");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_a_detached_tree_takes_config_keys_and_environment);
	tcase_add_test(tc, test_resolved_config_values_are_not_resolved_twice);
	tcase_add_test(tc, test_an_unknown_reference_names_the_string_file_and_line);
	tcase_add_test(tc, test_the_callback_sees_references_before_the_config);
	tcase_add_test(tc, test_resolving_with_a_tree_leaves_the_resolver_as_it_was);
	suite_add_tcase(s, tc);
	return test_run_suite(s);
}
