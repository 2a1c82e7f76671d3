/*
 * The plugin commands run as a user would, uninstalled through
 * PROVISIONING_PLUGIN_PATH: plugins list, servers list|get|create|delete,
 * extensions list; exit codes and output.
 */
#include "test-cli.h"
#include "test-util.h"
#include "plugin-test.h"

#include <sys/stat.h>

static char *dir;
static struct test_cli cli;
static const char *const plugin_env[] = { "PROVISIONING_PLUGIN_PATH=" SHIPPED_PLUGIN_DIR, NULL };

static void setup(void)
{
	char config[2048], *path, *script, *ext, *manifest, *lib, command[2048];

	dir = test_tmpdir();
	cli.dir = dir;
	cli.env = plugin_env;
	script = test_path(dir, "cloud.sh");
	test_write_file(script, "echo '{\"status\":\"success\",\"result\":{\"data\":"
			"[{\"id\":\"c-1\",\"hostname\":\"far\",\"status\":\"running\"}]}}'\n");
	ext = test_path(dir, "ext");
	snprintf(config, sizeof(config),
		 "[providers.cloud]\nplugin = \"exec\"\ncommand = [\"sh\", \"%s\"]\n"
		 "[providers.local]\ncidr = \"10.5.0.0/24\"\n"
		 "[extensions]\npaths = [\"%s\"]\n", script, ext);
	path = test_path(dir, "provisioning.toml");
	test_write_file(path, config);
	ck_assert_int_eq(mkdir(ext, 0700), 0);
	snprintf(command, sizeof(command), "%s/greet", ext);
	ck_assert_int_eq(mkdir(command, 0700), 0);
	manifest = test_path(command, "extension.toml");
	test_write_file(manifest, "[extension]\nname = \"greet\"\nversion = \"1.0.0\"\n"
			"type = \"taskserv\"\nlibrary = \"greeter.so\"\n");
	lib = test_plugin_path("greeter");
	snprintf(command, sizeof(command), "cp '%s' '%s/greet/greeter.so'", lib, ext);
	ck_assert_int_eq(system(command), 0);
	free(lib);
	free(manifest);
	free(path);
	free(script);
	free(ext);
}

static void teardown(void)
{
	test_rmtree(dir);
	free(dir);
}

#define assert_contains(text, part) \
	ck_assert_msg(strstr(text, part) != NULL, "'%s' not in: %s", part, text)

START_TEST(test_plugins_list_shows_the_shipped_providers)
{
	ck_assert_int_eq(test_cli_run(&cli, "plugins list"), 0);
	assert_contains(cli.out, "local ");
	assert_contains(cli.out, "exec ");
	ck_assert_int_eq(test_cli_run(&cli, "--json plugins list"), 0);
	assert_contains(cli.out, "\"name\":\"local\"");
}
END_TEST

START_TEST(test_servers_create_is_idempotent_and_lists)
{
	ck_assert_int_eq(test_cli_run(&cli, "servers create --provider local --param hostname=web-1"), 0);
	assert_contains(cli.out, "srv-1");
	assert_contains(cli.out, "10.5.0.2");
	ck_assert_int_eq(test_cli_run(&cli, "--json servers create --provider local --param hostname=web-1"), 0);
	assert_contains(cli.out, "\"resources\":[\"srv-1\"]");
	ck_assert_int_eq(test_cli_run(&cli, "servers list --provider local"), 0);
	assert_contains(cli.out, "web-1");
	ck_assert_int_eq(test_cli_run(&cli, "servers get srv-1 --provider local"), 0);
	assert_contains(cli.out, "hostname     web-1");
	ck_assert_int_eq(test_cli_run(&cli, "servers delete srv-1 --provider local"), 0);
	assert_contains(cli.out, "deleted");
}
END_TEST

START_TEST(test_servers_options_take_their_value_after_an_equals_sign)
{
	ck_assert_int_eq(test_cli_run(&cli, "servers create --provider=local --param=hostname=web-2"), 0);
	assert_contains(cli.out, "web-2");
	ck_assert_int_eq(test_cli_run(&cli, "servers list --provider=local"), 0);
	assert_contains(cli.out, "web-2");
	ck_assert_int_eq(test_cli_run(&cli, "servers list --provider"), 2);
	assert_contains(cli.err, "unexpected argument '--provider'");
}
END_TEST

START_TEST(test_servers_create_reads_a_spec_file)
{
	char *spec = test_path(dir, "spec.json");

	test_write_file(spec, "{\"hostname\":\"db-1\",\"plan\":\"2xCPU-4GB\"}");
	ck_assert_int_eq(test_cli_run(&cli, "servers create --provider local --spec spec.json --param plan=4xCPU-8GB"), 0);
	assert_contains(cli.out, "db-1");
	assert_contains(cli.out, "4xCPU-8GB");
	free(spec);
}
END_TEST

START_TEST(test_a_provider_failure_exits_1_with_its_message)
{
	ck_assert_int_eq(test_cli_run(&cli, "servers get srv-9 --provider local"), 1);
	assert_contains(cli.err, "provider local: get_server failed: NOT_FOUND");
	ck_assert_int_eq(test_cli_run(&cli, "--json servers get srv-9 --provider local"), 1);
	assert_contains(cli.out, "\"status\":\"error\"");
	ck_assert_int_eq(test_cli_run(&cli, "servers list --provider nowhere"), 1);
	assert_contains(cli.err, "nowhere");
}
END_TEST

START_TEST(test_an_exec_instance_is_configured_by_its_section)
{
	ck_assert_int_eq(test_cli_run(&cli, "servers list --provider cloud"), 0);
	assert_contains(cli.out, "c-1");
	assert_contains(cli.out, "far");
}
END_TEST

START_TEST(test_bad_usage_exits_2)
{
	ck_assert_int_eq(test_cli_run(&cli, "servers list"), 2);
	assert_contains(cli.err, "--provider");
	ck_assert_int_eq(test_cli_run(&cli, "servers get --provider local"), 2);
	ck_assert_int_eq(test_cli_run(&cli, "servers fly --provider local"), 2);
	ck_assert_int_eq(test_cli_run(&cli, "plugins"), 2);
}
END_TEST

START_TEST(test_extensions_list_shows_loaded_and_refused)
{
	ck_assert_int_eq(test_cli_run(&cli, "extensions list"), 0);
	assert_contains(cli.out, "greet");
	assert_contains(cli.out, "loaded");
	ck_assert_int_eq(test_cli_run(&cli, "--set extensions.mode=disabled extensions list"), 0);
	assert_contains(cli.out, "extensions are disabled");
	ck_assert_int_eq(test_cli_run(&cli, "--json extensions list"), 0);
	assert_contains(cli.out, "\"loaded\":true");
}
END_TEST

int main(void)
{
	Suite *s = suite_create("plugin-cli");
	TCase *tc = tcase_create("commands");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_plugins_list_shows_the_shipped_providers);
	tcase_add_test(tc, test_servers_create_is_idempotent_and_lists);
	tcase_add_test(tc, test_servers_options_take_their_value_after_an_equals_sign);
	tcase_add_test(tc, test_servers_create_reads_a_spec_file);
	tcase_add_test(tc, test_a_provider_failure_exits_1_with_its_message);
	tcase_add_test(tc, test_an_exec_instance_is_configured_by_its_section);
	tcase_add_test(tc, test_bad_usage_exits_2);
	tcase_add_test(tc, test_extensions_list_shows_loaded_and_refused);
	suite_add_tcase(s, tc);
	return test_run_suite(s);
}
