/*
 * Loading plugins: the bad-plugin matrix (each refused with an error naming
 * the file and the reason, the host still working), older and newer
 * plugins, the permission rule and the search path.
 */
#include "test-util.h"
#include "plugin-test.h"

#include <sys/stat.h>
#include <unistd.h>

/* Load a test plugin into a fresh registry and expect a refusal. */
static void assert_refused(const char *plugin, int code, const char *reason)
{
	prov_registry *reg = test_registry(NULL);
	char *path = test_plugin_path(plugin);

	ck_assert_int_eq(prov_registry_load_file(reg, path), code);
	ck_assert_msg(test_error_mentions(path), "error does not name the file: %s",
		      prov_error_last()->message);
	ck_assert_msg(test_error_mentions(reason), "error lacks '%s': %s", reason,
		      prov_error_last()->message);
	ck_assert_str_eq(prov_error_last()->file, path);
	ck_assert_int_eq(prov_error_last()->category, PROV_ERRCAT_ABI);
	/* The host still works: a good plugin loads and answers. */
	char *good = test_plugin_path("fake");
	char *doc = NULL;

	ck_assert_int_eq(prov_registry_load_file(reg, good), PROV_OK);
	ck_assert_int_eq(prov_registry_add_provider(reg, "fake", NULL), PROV_OK);
	ck_assert_int_eq(prov_provider_list_servers(&doc, reg, "fake", NULL), PROV_OK);
	json_object_put(test_document(doc, "success"));
	free(good);
	free(path);
	prov_registry_free(reg);
}

START_TEST(test_a_file_that_is_not_elf_is_refused)
{
	char *dir = test_tmpdir();
	char *path = test_path(dir, "text.so");
	prov_registry *reg = test_registry(NULL);

	test_write_file(path, "this is not a shared object\n");
	ck_assert_int_eq(prov_registry_load_file(reg, path), PROV_EPLUGIN);
	ck_assert(test_error_mentions(path));
	ck_assert(test_error_mentions("cannot load plugin"));
	prov_registry_free(reg);
	free(path);
	test_rmtree(dir);
	free(dir);
}
END_TEST

START_TEST(test_a_missing_negotiation_symbol_is_refused)
{
	assert_refused("bad-no-negotiate", PROV_EPLUGIN, "no prov_plugin_negotiate symbol");
}
END_TEST

START_TEST(test_a_missing_descriptor_symbol_is_refused)
{
	assert_refused("bad-no-descriptor", PROV_EPLUGIN, "no prov_plugin_descriptor symbol");
}
END_TEST

START_TEST(test_a_newer_major_abi_is_refused_naming_both)
{
	assert_refused("bad-abi2", PROV_EABI, "speaks plugin ABI 2.x, this host 1.x");
}
END_TEST

START_TEST(test_a_failed_negotiation_is_refused)
{
	assert_refused("bad-negotiation", PROV_EPLUGIN, "refused ABI negotiation");
}
END_TEST

START_TEST(test_a_descriptor_smaller_than_the_oldest_is_refused)
{
	assert_refused("bad-small-descriptor", PROV_EABI, "smaller than the oldest supported");
}
END_TEST

START_TEST(test_a_descriptor_without_name_is_refused)
{
	assert_refused("bad-null-name", PROV_EABI, "no name");
}
END_TEST

START_TEST(test_a_missing_required_function_is_refused)
{
	assert_refused("bad-null-required", PROV_EABI, "required function create_server");
}
END_TEST

START_TEST(test_a_failing_init_reports_the_plugins_reason)
{
	const char *plugins[] = { "bad-init", NULL };
	prov_registry *reg = test_registry(plugins);

	ck_assert_int_eq(prov_registry_add_provider(reg, "cloud", "{\"plugin\":\"bad-init\"}"),
			 PROV_EPLUGIN);
	ck_assert(test_error_mentions("cloud"));
	ck_assert(test_error_mentions("cannot reach the fake cloud"));
	ck_assert_str_eq(prov_error_last()->provider, "cloud");
	prov_registry_free(reg);
}
END_TEST

START_TEST(test_a_plugin_writable_by_others_is_refused_unless_allowed)
{
	char *dir = test_tmpdir();
	char *copy = test_path(dir, "fake.so");
	char *source = test_plugin_path("fake");
	char command[1024];
	prov_plugin_options opt = PROV_PLUGIN_OPTIONS_INIT;
	prov_registry *reg = test_registry(NULL), *lenient;

	snprintf(command, sizeof(command), "cp '%s' '%s'", source, copy);
	ck_assert_int_eq(system(command), 0);
	ck_assert_int_eq(chmod(copy, 0666), 0);
	ck_assert_int_eq(prov_registry_load_file(reg, copy), PROV_EPERM);
	ck_assert(test_error_mentions(copy));
	ck_assert(test_error_mentions("writable by others"));
	opt.allow_writable = 1;
	lenient = test_registry_with(&opt, NULL);
	ck_assert_int_eq(prov_registry_load_file(lenient, copy), PROV_OK);
	prov_registry_free(lenient);
	prov_registry_free(reg);
	test_rmtree(dir);
	free(dir);
	free(copy);
	free(source);
}
END_TEST

START_TEST(test_an_older_plugin_is_served_without_its_missing_functions)
{
	const char *plugins[] = { "fake-old", NULL };
	prov_registry *reg = test_registry(plugins);
	char *doc = NULL;
	json_object *d;

	ck_assert_int_eq(prov_registry_add_provider(reg, "old", "{\"plugin\":\"fake-old\"}"), PROV_OK);
	ck_assert_int_eq(prov_provider_list_servers(&doc, reg, "old", NULL), PROV_OK);
	json_object_put(test_document(doc, "success"));
	/* list_zones is in the plugin's memory but past the size it declared. */
	ck_assert_int_eq(prov_provider_call(&doc, reg, "old", "list_zones", NULL, NULL),
			 PROV_EUNSUPPORTED);
	d = test_document(doc, "error");
	ck_assert_str_eq(test_doc_string(d, "error.code"), "unsupported");
	json_object_put(d);
	prov_registry_free(reg);
}
END_TEST

START_TEST(test_a_plugin_built_against_newer_headers_is_served_as_1_0)
{
	const char *plugins[] = { "fake-newer", NULL };
	prov_registry *reg = test_registry(plugins);
	char *json = NULL, *doc = NULL;
	json_object *list;

	ck_assert_int_eq(prov_registry_plugins_json(&json, reg), PROV_OK);
	list = json_tokener_parse(json);
	ck_assert_str_eq(test_doc_string(list, "plugins.0.abi"), "1.0");
	ck_assert_str_eq(test_doc_string(list, "plugins.0.name"), "fake-newer");
	json_object_put(list);
	prov_free(json);
	ck_assert_int_eq(prov_registry_add_provider(reg, "n", "{\"plugin\":\"fake-newer\"}"), PROV_OK);
	ck_assert_int_eq(prov_provider_call(&doc, reg, "n", "list_zones", NULL, NULL), PROV_OK);
	json_object_put(test_document(doc, "success"));
	prov_registry_free(reg);
}
END_TEST

static void copy_plugin(const char *dir, const char *plugin, const char *as)
{
	char *source = test_plugin_path(plugin);
	char command[1024];

	snprintf(command, sizeof(command), "cp '%s' '%s/%s.so'", source, dir, as);
	ck_assert_int_eq(system(command), 0);
	free(source);
}

START_TEST(test_the_search_path_loads_good_plugins_and_lists_failures)
{
	char *first = test_tmpdir(), *second = test_tmpdir();
	const char *paths[] = { first, second, NULL };
	prov_plugin_options opt = PROV_PLUGIN_OPTIONS_INIT;
	prov_registry *reg;
	char *json = NULL;
	json_object *list;

	copy_plugin(first, "fake", "a-fake");
	copy_plugin(first, "bad-abi2", "b-bad");
	copy_plugin(second, "fake", "fake-again");
	copy_plugin(second, "greeter", "greeter");
	opt.paths = paths;
	reg = test_registry_with(&opt, NULL);
	ck_assert_int_eq(prov_registry_plugins_json(&json, reg), PROV_OK);
	list = json_tokener_parse(json);
	ck_assert_int_eq(json_object_array_length(json_object_object_get(list, "plugins")), 2);
	ck_assert_str_eq(test_doc_string(list, "plugins.0.name"), "fake");
	ck_assert(strstr(test_doc_string(list, "plugins.0.file"), first));
	ck_assert_str_eq(test_doc_string(list, "plugins.1.kind"), "extension");
	ck_assert_int_eq(json_object_array_length(json_object_object_get(list, "failed")), 2);
	ck_assert(strstr(test_doc_string(list, "failed.0.reason"), "speaks plugin ABI 2.x"));
	/* The same name later on the path loses, with the reason. */
	ck_assert(strstr(test_doc_string(list, "failed.1.file"), "fake-again.so"));
	ck_assert(strstr(test_doc_string(list, "failed.1.reason"), "already loaded"));
	json_object_put(list);
	prov_free(json);
	prov_registry_free(reg);
	test_rmtree(first);
	test_rmtree(second);
	free(first);
	free(second);
}
END_TEST

START_TEST(test_the_environment_path_comes_first)
{
	char *dir = test_tmpdir();
	prov_plugin_options opt = PROV_PLUGIN_OPTIONS_INIT;
	prov_registry *reg = NULL;
	char *json = NULL;

	copy_plugin(dir, "greeter", "greeter");
	setenv("PROVISIONING_PLUGIN_PATH", dir, 1);
	opt.ignore_default_dir = 1;
	ck_assert_int_eq(prov_registry_new(&reg, &opt), PROV_OK);
	unsetenv("PROVISIONING_PLUGIN_PATH");
	ck_assert_int_eq(prov_registry_plugins_json(&json, reg), PROV_OK);
	ck_assert(strstr(json, "\"greeter\""));
	prov_free(json);
	prov_registry_free(reg);
	test_rmtree(dir);
	free(dir);
}
END_TEST

START_TEST(test_an_unknown_plugin_for_an_instance_is_named)
{
	prov_registry *reg = test_registry(NULL);

	ck_assert_int_eq(prov_registry_add_provider(reg, "aws", NULL), PROV_ENOTFOUND);
	ck_assert(test_error_mentions("no provider plugin named 'aws'"));
	prov_registry_free(reg);
}
END_TEST

static Suite *loader_suite(void)
{
	Suite *s = suite_create("plugin-loader");
	TCase *bad = tcase_create("bad plugins");
	TCase *good = tcase_create("versions and search path");

	tcase_add_test(bad, test_a_file_that_is_not_elf_is_refused);
	tcase_add_test(bad, test_a_missing_negotiation_symbol_is_refused);
	tcase_add_test(bad, test_a_missing_descriptor_symbol_is_refused);
	tcase_add_test(bad, test_a_newer_major_abi_is_refused_naming_both);
	tcase_add_test(bad, test_a_failed_negotiation_is_refused);
	tcase_add_test(bad, test_a_descriptor_smaller_than_the_oldest_is_refused);
	tcase_add_test(bad, test_a_descriptor_without_name_is_refused);
	tcase_add_test(bad, test_a_missing_required_function_is_refused);
	tcase_add_test(bad, test_a_failing_init_reports_the_plugins_reason);
	tcase_add_test(bad, test_a_plugin_writable_by_others_is_refused_unless_allowed);
	tcase_add_test(good, test_an_older_plugin_is_served_without_its_missing_functions);
	tcase_add_test(good, test_a_plugin_built_against_newer_headers_is_served_as_1_0);
	tcase_add_test(good, test_the_search_path_loads_good_plugins_and_lists_failures);
	tcase_add_test(good, test_the_environment_path_comes_first);
	tcase_add_test(good, test_an_unknown_plugin_for_an_instance_is_named);
	suite_add_tcase(s, bad);
	suite_add_tcase(s, good);
	return s;
}

int main(void)
{
	return test_run_suite(loader_suite());
}
