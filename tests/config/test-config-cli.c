/* The `provisioning config` command, run as a user would: exit codes and output. */
#include "config-test.h"
#include "test-cli.h"

static char *dir;
static struct test_cli cli;

static void setup(void)
{
	dir = test_tmpdir();
	cli.dir = dir;
	cli.env = NULL;
}

static void teardown(void)
{
	test_rmtree(dir);
	free(dir);
}

static void write_in_dir(const char *name, const char *text)
{
	char *path = test_path(dir, name);

	test_write_file(path, text);
	free(path);
}

START_TEST(test_show_prints_yaml_with_secrets_redacted)
{
	write_in_dir("provisioning.yaml", "name: web\ndb: {password: hunter2, port: 5432}\n");
	ck_assert_int_eq(test_cli_run(&cli, "config show"), 0);
	ck_assert_contains(cli.out, "name: web\n");
	ck_assert_contains(cli.out, "password: \"***\"");
	ck_assert_ptr_null(strstr(cli.out, "hunter2"));
	ck_assert_int_eq(test_cli_run(&cli, "config show --show-secrets --format json"), 0);
	ck_assert_contains(cli.out, "\"password\": \"hunter2\"");
	ck_assert_int_eq(test_cli_run(&cli, "--json config show"), 0);
	ck_assert_contains(cli.out, "\"port\": 5432");
	ck_assert_int_eq(test_cli_run(&cli, "config show --format toml"), 0);
	ck_assert_contains(cli.out, "name = \"web\"\n");
	ck_assert_contains(cli.out, "[db]\npassword = \"***\"\nport = 5432\n");
}
END_TEST

START_TEST(test_show_origin_names_file_line_and_layer)
{
	static const char *const env_layer[] = { "PROVISIONING_A__B=x", NULL };

	write_in_dir("provisioning.yaml", "name: web\n");
	write_in_dir("extra.json", "{\n  \"zone\": \"de-fra1\"\n}");
	cli.env = env_layer;
	ck_assert_int_eq(test_cli_run(&cli, "--config extra.json --set n=1 config show --origin"), 0);
	cli.env = NULL;
	ck_assert_contains(cli.out, "name = \"web\"  # ");
	ck_assert_contains(cli.out, "provisioning.yaml:1 (project)\n");
	ck_assert_contains(cli.out, "zone = \"de-fra1\"  # extra.json:2 (explicit)\n");
	ck_assert_contains(cli.out, "a.b = \"x\"  # PROVISIONING_A__B (env-vars)\n");
	ck_assert_contains(cli.out, "n = \"1\"  # override (runtime)\n");
	ck_assert_int_eq(test_cli_run(&cli, "--json config show --origin"), 0);
	ck_assert_contains(cli.out, "{\"key\": \"name\", \"value\": \"web\", \"layer\": \"project\"");
}
END_TEST

START_TEST(test_get_prints_a_value_and_fails_when_missing)
{
	write_in_dir("provisioning.yaml", "name: web\nlist: [1, 2]\n");
	ck_assert_int_eq(test_cli_run(&cli, "config get name"), 0);
	ck_assert_str_eq(cli.out, "web\n");
	ck_assert_int_eq(test_cli_run(&cli, "config get list"), 0);
	ck_assert_str_eq(cli.out, "[1,2]\n");
	ck_assert_int_eq(test_cli_run(&cli, "--json config get name"), 0);
	ck_assert_str_eq(cli.out, "\"web\"\n");
	ck_assert_int_eq(test_cli_run(&cli, "config get missing.key"), 1);
	ck_assert_str_eq(cli.out, "");
	ck_assert_str_eq(cli.err, "provisioning: config key 'missing.key' is not set\n");
	ck_assert_int_eq(test_cli_run(&cli, "config get"), 2);
}
END_TEST

START_TEST(test_workspace_env_and_set_apply)
{
	write_in_dir("provisioning.yaml", "a: 1\n");
	write_in_dir("config.staging.yaml", "a: 2\n");
	ck_assert_int_eq(test_cli_run(&cli, "--env staging config get a"), 0);
	ck_assert_str_eq(cli.out, "2\n");
	ck_assert_int_eq(test_cli_run(&cli, "--env staging --set a=3 config get a"), 0);
	ck_assert_str_eq(cli.out, "3\n");
	ck_assert_int_eq(test_cli_run(&cli, "--workspace missing-dir config get a"), 1);
	ck_assert_contains(cli.err, "missing-dir: the workspace directory does not exist");
}
END_TEST

START_TEST(test_load_errors_are_one_line_with_exit_1)
{
	write_in_dir("provisioning.yaml", "a: [1,\n");
	ck_assert_int_eq(test_cli_run(&cli, "config show"), 1);
	ck_assert_contains(cli.err, "provisioning.yaml:");
	ck_assert_ptr_eq(strchr(cli.err, '\n'), cli.err + strlen(cli.err) - 1);
}
END_TEST

START_TEST(test_validate_reports_every_violation)
{
	write_in_dir("provisioning.yaml", "count: x\nstore: s3\nold: 1\n");
	write_in_dir("schema.yaml", "keys:\n  count: {type: integer}\n  store: {enum: [dir, etcd]}\n"
		     "  old: {deprecated: new}\n");
	ck_assert_int_eq(test_cli_run(&cli, "config validate --schema schema.yaml"), 1);
	ck_assert_contains(cli.err, "provisioning.yaml:1 (project): key 'count' must be an integer, not string\n");
	ck_assert_contains(cli.err, "provisioning.yaml:2 (project): key 'store' must be one of");
	ck_assert_contains(cli.err, "warning: config:");
	ck_assert_contains(cli.err, "key 'old' is deprecated; use 'new'");
	ck_assert_contains(cli.err, "provisioning: 2 schema violations; the first:");
	ck_assert_int_eq(test_cli_run(&cli, "--json config validate --schema schema.yaml"), 1);
	ck_assert_contains(cli.out, "[{\"key\":\"count\"");
	write_in_dir("provisioning.yaml", "count: 1\nschema: schema.yaml\n");
	ck_assert_int_eq(test_cli_run(&cli, "config validate"), 0);
	ck_assert_str_eq(cli.out, "configuration is valid\n");
}
END_TEST

START_TEST(test_dump_converts_one_file)
{
	write_in_dir("one.yaml", "a: {b: [1, x]}\ntoken: t\n");
	ck_assert_int_eq(test_cli_run(&cli, "config dump one.yaml"), 0);
	ck_assert_str_eq(cli.out, "{\n  \"a\": {\n    \"b\": [\n      1,\n      \"x\"\n    ]\n  },\n"
			 "  \"token\": \"***\"\n}\n");
	ck_assert_int_eq(test_cli_run(&cli, "config dump one.yaml --format yaml --show-secrets"), 0);
	ck_assert_str_eq(cli.out, "a:\n  b:\n  - 1\n  - x\ntoken: t\n");
	ck_assert_int_eq(test_cli_run(&cli, "config dump one.yaml --format toml"), 0);
	ck_assert_str_eq(cli.out, "token = \"***\"\n\n[a]\nb = [1, \"x\"]\n");
	write_in_dir("two.toml", "[server]\nport = 8080\n");
	ck_assert_int_eq(test_cli_run(&cli, "config dump two.toml"), 0);
	ck_assert_str_eq(cli.out, "{\n  \"server\": {\n    \"port\": 8080\n  }\n}\n");
	write_in_dir("null.yaml", "a: ~\n");
	ck_assert_int_eq(test_cli_run(&cli, "config dump null.yaml --format toml"), 1);
	ck_assert_int_eq(test_cli_run(&cli, "config dump missing.json"), 1);
	ck_assert_int_eq(test_cli_run(&cli, "config dump one.yaml --format xml"), 2);
	ck_assert_int_eq(test_cli_run(&cli, "config dump ."), 1);
}
END_TEST

START_TEST(test_usage_errors_exit_2)
{
	ck_assert_int_eq(test_cli_run(&cli, "config"), 2);
	ck_assert_int_eq(test_cli_run(&cli, "config frobnicate"), 2);
	ck_assert_int_eq(test_cli_run(&cli, "config show --bogus"), 2);
}
END_TEST

static Suite *cli_suite(void)
{
	Suite *s = suite_create("config-cli");
	TCase *tc = tcase_create("command");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_show_prints_yaml_with_secrets_redacted);
	tcase_add_test(tc, test_show_origin_names_file_line_and_layer);
	tcase_add_test(tc, test_get_prints_a_value_and_fails_when_missing);
	tcase_add_test(tc, test_workspace_env_and_set_apply);
	tcase_add_test(tc, test_load_errors_are_one_line_with_exit_1);
	tcase_add_test(tc, test_validate_reports_every_violation);
	tcase_add_test(tc, test_dump_converts_one_file);
	tcase_add_test(tc, test_usage_errors_exit_2);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return test_run_suite(cli_suite());
}
