#include "config-test.h"

#include <sys/stat.h>

static prov_config_resolver *r;
static char *root;
static prov_config_discovery_options opts;
static const char *env[8];

static char *dir_at(const char *relative)
{
	char *path = test_path(root, relative);

	ck_assert_int_eq(mkdir(path, 0700), 0);
	return path;
}

static void write_at(const char *relative, const char *text)
{
	char *path = test_path(root, relative);

	test_write_file(path, text);
	free(path);
}

static void setup(void)
{
	static const prov_config_discovery_options init = PROV_CONFIG_DISCOVERY_OPTIONS_INIT;

	root = test_tmpdir();
	ck_assert_int_eq(prov_config_resolver_new(&r), PROV_OK);
	opts = init;
	free(dir_at("defaults"));
	free(dir_at("etc"));
	free(dir_at("user"));
	free(dir_at("proj"));
	free(dir_at("proj/sub"));
	free(dir_at("ws"));
	opts.defaults_dir = test_path(root, "defaults");
	opts.system_dir = test_path(root, "etc");
	opts.user_dir = test_path(root, "user");
	opts.cwd = test_path(root, "proj/sub");
	env[0] = NULL;
	opts.environment = env;
}

static void teardown(void)
{
	prov_config_resolver_free(r);
	free((char *)opts.defaults_dir);
	free((char *)opts.system_dir);
	free((char *)opts.user_dir);
	free((char *)opts.cwd);
	test_rmtree(root);
	free(root);
}

static prov_config *discover_ok(void)
{
	int rc = prov_config_resolver_discover(r, &opts);

	ck_assert_msg(rc == PROV_OK, "discover: %s", prov_error_last()->message);
	return resolve_ok(r);
}

static const char *layer_of(const prov_config *c, const char *path)
{
	const char *layer = NULL;

	ck_assert_int_eq(prov_config_get_origin(c, path, &layer, NULL, NULL), PROV_OK);
	return layer;
}

START_TEST(test_every_standard_layer_is_found_in_order)
{
	prov_config *c;
	char *ws = test_path(root, "ws");
	int line;

	write_at("defaults/config.defaults.yaml", "k: {defaults: 1, system: 1, user: 1, project: 1, workspace: 1, envfile: 1, var: 1}\n");
	write_at("etc/config.json", "{\"k\": {\"system\": 2, \"user\": 2, \"project\": 2, \"workspace\": 2, \"envfile\": 2, \"var\": 2}}");
	write_at("user/config.yml", "k: {user: 3, project: 3, workspace: 3, envfile: 3, var: 3}\n");
	write_at("proj/provisioning.toml", "[k]\nproject = 4\nworkspace = 4\nenvfile = 4\nvar = 4\n");
	write_at("ws/config.json", "{\"k\": {\"workspace\": 5, \"envfile\": 5, \"var\": 5}}");
	write_at("user/config.prod.yaml", "k: {envfile: 6, var: 6}\nfrom_user_env: 1\n");
	write_at("proj/config.prod.toml", "k.envfile = 7\nk.var = 7\n");
	env[0] = "PROVISIONING_K__VAR=8";
	env[1] = NULL;
	opts.workspace_dir = ws;
	opts.env_name = "prod";
	c = discover_ok();
	ck_assert_int_eq(get_int(c, "k.defaults"), 1);
	ck_assert_str_eq(layer_of(c, "k.defaults"), "defaults");
	ck_assert_int_eq(get_int(c, "k.system"), 2);
	ck_assert_int_eq(get_int(c, "k.user"), 3);
	ck_assert_int_eq(get_int(c, "k.project"), 4);
	ck_assert_str_eq(layer_of(c, "k.project"), "project");
	ck_assert_int_eq(prov_config_get_origin(c, "k.project", NULL, NULL, &line), PROV_OK);
	ck_assert_int_eq(line, 2);
	ck_assert_int_eq(get_int(c, "k.workspace"), 5);
	ck_assert_int_eq(get_int(c, "k.envfile"), 7);
	ck_assert_str_eq(layer_of(c, "k.envfile"), "env-file");
	ck_assert_int_eq(get_int(c, "from_user_env"), 1);
	ck_assert_int_eq(get_int(c, "k.var"), 8);
	ck_assert_str_eq(layer_of(c, "k.var"), "env-vars");
	prov_config_free(c);
	free(ws);
}
END_TEST

START_TEST(test_the_project_directory_becomes_paths_base)
{
	char *proj = test_path(root, "proj");
	prov_config *c;

	write_at("proj/provisioning.json", "{\"name\": \"p\"}");
	c = discover_ok();
	ck_assert_str_eq(get_str(c, "paths.base"), proj);
	ck_assert_str_eq(get_str(c, "name"), "p");
	prov_config_free(c);
	free(proj);
}
END_TEST

START_TEST(test_without_a_project_paths_base_is_the_cwd)
{
	prov_config *c = discover_ok();

	ck_assert_str_eq(get_str(c, "paths.base"), opts.cwd);
	prov_config_free(c);
}
END_TEST

START_TEST(test_two_formats_in_one_place_is_an_error_naming_both)
{
	const char *message;

	write_at("user/config.toml", "a = 1\n");
	write_at("user/config.json", "{\"a\": 1}");
	ck_assert_int_eq(prov_config_resolver_discover(r, &opts), PROV_ECONFIG);
	message = prov_error_last()->message;
	ck_assert_contains(message, "two config files for one layer in one place");
	ck_assert_contains(message, "user/config.toml");
	ck_assert_contains(message, "user/config.json");
}
END_TEST

START_TEST(test_yaml_and_yml_together_are_two_formats)
{
	write_at("proj/provisioning.yml", "a: 1\n");
	write_at("proj/provisioning.yaml", "a: 1\n");
	ck_assert_int_eq(prov_config_resolver_discover(r, &opts), PROV_ECONFIG);
}
END_TEST

START_TEST(test_workspace_and_env_come_from_variables)
{
	char ws_var[512], *ws = test_path(root, "ws");
	prov_config *c;

	snprintf(ws_var, sizeof(ws_var), "PROVISIONING_WORKSPACE=%s", ws);
	env[0] = ws_var;
	env[1] = "PROVISIONING_ENV=dev";
	env[2] = NULL;
	write_at("ws/config.yaml", "w: 1\n");
	write_at("user/config.dev.yaml", "e: 1\n");
	c = discover_ok();
	ck_assert_str_eq(layer_of(c, "w"), "workspace");
	ck_assert_str_eq(layer_of(c, "e"), "env-file");
	ck_assert_int_eq(prov_config_get_type(c, "workspace", &(int){ 0 }), PROV_ENOTFOUND);
	prov_config_free(c);
	free(ws);
}
END_TEST

START_TEST(test_a_missing_workspace_directory_is_an_error)
{
	opts.workspace_dir = "/nonexistent/ws";
	ck_assert_int_eq(prov_config_resolver_discover(r, &opts), PROV_ENOTFOUND);
	ck_assert_str_eq(prov_error_last()->message,
			 "/nonexistent/ws: the workspace directory does not exist");
}
END_TEST

START_TEST(test_an_unsafe_env_name_is_refused)
{
	opts.env_name = "../x";
	ck_assert_int_eq(prov_config_resolver_discover(r, &opts), PROV_EINVAL);
}
END_TEST

START_TEST(test_a_directory_where_a_config_file_should_be_is_a_clear_error)
{
	free(dir_at("etc/config.toml"));
	ck_assert_int_eq(prov_config_resolver_discover(r, &opts), PROV_EINVAL);
	ck_assert_contains(prov_error_last()->message, "etc/config.toml: is a directory, not a file");
}
END_TEST

START_TEST(test_empty_locations_are_skipped)
{
	const char *system_dir = opts.system_dir;
	prov_config *c;

	write_at("etc/config.yaml", "sys: 1\n");
	opts.system_dir = "";
	free((char *)opts.user_dir);
	opts.user_dir = NULL;
	env[0] = "HOME=/nonexistent-home";
	env[1] = NULL;
	c = discover_ok();
	ck_assert_int_eq(prov_config_get_type(c, "sys", &(int){ 0 }), PROV_ENOTFOUND);
	prov_config_free(c);
	opts.system_dir = system_dir;
}
END_TEST

START_TEST(test_options_without_a_size_are_refused)
{
	prov_config_discovery_options bad = { 0 };

	ck_assert_int_eq(prov_config_resolver_discover(r, &bad), PROV_EINVAL);
}
END_TEST

static Suite *discover_suite(void)
{
	Suite *s = suite_create("config-discover");
	TCase *tc = tcase_create("layers");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_every_standard_layer_is_found_in_order);
	tcase_add_test(tc, test_the_project_directory_becomes_paths_base);
	tcase_add_test(tc, test_without_a_project_paths_base_is_the_cwd);
	tcase_add_test(tc, test_two_formats_in_one_place_is_an_error_naming_both);
	tcase_add_test(tc, test_yaml_and_yml_together_are_two_formats);
	tcase_add_test(tc, test_workspace_and_env_come_from_variables);
	tcase_add_test(tc, test_a_missing_workspace_directory_is_an_error);
	tcase_add_test(tc, test_an_unsafe_env_name_is_refused);
	tcase_add_test(tc, test_a_directory_where_a_config_file_should_be_is_a_clear_error);
	tcase_add_test(tc, test_empty_locations_are_skipped);
	tcase_add_test(tc, test_options_without_a_size_are_refused);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return test_run_suite(discover_suite());
}
