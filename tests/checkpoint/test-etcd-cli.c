/* `provisioning checkpoint` on the etcd store, configured as users would. */
#include "test-cli.h"
#include "test-util.h"
#include "etcd-helpers.h"
#include "helpers.h"

#include <provisioning/checkpoint.h>

#include <unistd.h>

static struct etcd_test_settings settings;
static char *dir;
static struct test_cli cli;

static void setup(void)
{
	etcd_test_settings_init(&settings, NULL, 10);
	dir = test_tmpdir();
	cli.dir = dir;
}

static void teardown(void)
{
	test_rmtree(dir);
	free(dir);
}

/* A project file that points the command at the test's etcd and prefix. */
static void write_project(const char *endpoints_toml)
{
	char *path = test_path(dir, "provisioning.toml"), text[1024];

	snprintf(text, sizeof(text),
		 "[checkpoint]\nstore = \"etcd\"\n\n[checkpoint.etcd]\nendpoints = %s\n"
		 "prefix = \"%s\"\nretry_timeout_ms = 300\n", endpoints_toml, settings.prefix);
	test_write_file(path, text);
	free(path);
}

static void use_test_etcd(void)
{
	char endpoints[128];

	snprintf(endpoints, sizeof(endpoints), "[\"%s\"]", etcd_test_server.endpoint);
	write_project(endpoints);
}

static void store_workflow(const char *id, int records)
{
	prov_checkpoint_store *store = etcd_test_open(&settings);
	prov_checkpoint_token *token = etcd_test_acquire(store, id);

	etcd_test_save(store, token, 1);
	for (int i = 0; i < records; i++) {
		char op[16];

		snprintf(op, sizeof(op), "op-%d", i);
		etcd_test_record(store, token, op, "completed");
	}
	ck_assert_int_eq(prov_checkpoint_store_release(store, token), PROV_OK);
	prov_checkpoint_token_free(token);
	prov_checkpoint_store_close(store);
}

START_TEST(test_list_and_show_read_the_configured_etcd)
{
	use_test_etcd();
	store_workflow("wf-a", 2);
	store_workflow("wf-b", 0);
	ck_assert_msg(test_cli_run(&cli, "checkpoint list") == 0, "%s", cli.err);
	ck_assert_contains(cli.out, "wf-a");
	ck_assert_contains(cli.out, "wf-b");
	ck_assert_int_eq(test_cli_run(&cli, "--json checkpoint list --limit 1"), 0);
	ck_assert_contains(cli.out, "\"workflow_id\":\"wf-a\",\"step\":2");
	ck_assert_contains(cli.out, "\"next\":\"wf-a\"");
	ck_assert_int_eq(test_cli_run(&cli, "--json checkpoint show wf-a"), 0);
	ck_assert_contains(cli.out, "\"completed_operations\":[\"op-0\",\"op-1\"]");
}
END_TEST

START_TEST(test_delete_of_a_workflow_another_host_owns_exits_4_naming_it)
{
	prov_checkpoint_store *store;
	prov_checkpoint_token *token;
	char pid[32];

	use_test_etcd();
	store_workflow("wf-a", 1);
	store = etcd_test_open(&settings);
	token = etcd_test_acquire(store, "wf-a");
	snprintf(pid, sizeof(pid), "pid %ld", (long)getpid());
	ck_assert_int_eq(test_cli_run(&cli, "checkpoint delete wf-a"), 4);
	ck_assert_contains(cli.err, pid);
	ck_assert_int_eq(prov_checkpoint_store_release(store, token), PROV_OK);
	ck_assert_msg(test_cli_run(&cli, "checkpoint delete wf-a") == 0, "%s", cli.err);
	ck_assert_int_eq(test_cli_run(&cli, "checkpoint show wf-a"), 1);
	ck_assert_contains(cli.err, "no checkpoint for workflow wf-a");
	prov_checkpoint_token_free(token);
	prov_checkpoint_store_close(store);
}
END_TEST

START_TEST(test_endpoints_may_be_one_string_separated_by_commas)
{
	char endpoints[160];

	snprintf(endpoints, sizeof(endpoints), "\"http://127.0.0.1:%d, %s\"",
		 etcd_fixture_unused_port(), etcd_test_server.endpoint);
	write_project(endpoints);
	store_workflow("wf-a", 0);
	ck_assert_msg(test_cli_run(&cli, "checkpoint list") == 0, "%s", cli.err);
	ck_assert_contains(cli.out, "wf-a");
}
END_TEST

START_TEST(test_etcd_down_is_an_error_naming_the_endpoint)
{
	char endpoints[64], named[64];
	int port = etcd_fixture_unused_port();

	snprintf(endpoints, sizeof(endpoints), "[\"127.0.0.1:%d\"]", port);
	snprintf(named, sizeof(named), "http://127.0.0.1:%d", port);
	write_project(endpoints);
	ck_assert_int_eq(test_cli_run(&cli, "checkpoint list"), 1);
	ck_assert_contains(cli.err, named);
	ck_assert_contains(cli.err, "no endpoint answered");
}
END_TEST

START_TEST(test_bad_etcd_settings_are_named)
{
	use_test_etcd();
	ck_assert_int_eq(test_cli_run(&cli, "--set checkpoint.etcd.lease_ttl_s=-1 checkpoint list"), 1);
	ck_assert_contains(cli.err, "checkpoint.etcd.lease_ttl_s");
	ck_assert_int_eq(test_cli_run(&cli, "--set checkpoint.etcd.lease_ttl_s=1 checkpoint list"), 1);
	ck_assert_contains(cli.err, "lease_ttl_s must be at least 2");
	ck_assert_int_eq(test_cli_run(&cli, "--set checkpoint.etcd.endpoints=[1] checkpoint list"), 1);
	ck_assert_contains(cli.err, "checkpoint.etcd.endpoints must be a list of URLs");
	ck_assert_int_eq(test_cli_run(&cli, "--set checkpoint.etcd.cert_file=c.pem checkpoint list"), 1);
	ck_assert_contains(cli.err, "key_file");
}
END_TEST

START_TEST(test_the_directory_store_ignores_etcd_settings)
{
	ck_assert_int_eq(test_cli_run(&cli, "--set checkpoint.etcd.lease_ttl_s=-1 checkpoint list"), 0);
	ck_assert_contains(cli.out, "no checkpoints");
}
END_TEST

int main(void)
{
	Suite *s = suite_create("checkpoint-etcd-cli");
	TCase *tc = tcase_create("cli");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_list_and_show_read_the_configured_etcd);
	tcase_add_test(tc, test_delete_of_a_workflow_another_host_owns_exits_4_naming_it);
	tcase_add_test(tc, test_endpoints_may_be_one_string_separated_by_commas);
	tcase_add_test(tc, test_etcd_down_is_an_error_naming_the_endpoint);
	tcase_add_test(tc, test_bad_etcd_settings_are_named);
	tcase_add_test(tc, test_the_directory_store_ignores_etcd_settings);
	suite_add_tcase(s, tc);
	return etcd_test_main(s, true);
}
