/* The `provisioning checkpoint` command, run as a user would: exit codes and output. */
#include "test-cli.h"
#include "test-util.h"
#include "helpers.h"

#include <provisioning/checkpoint.h>

#include <unistd.h>

static char *dir, *store_dir;
static struct test_cli cli;

static void setup(void)
{
	dir = test_tmpdir();
	cli.dir = dir;
	store_dir = test_path(dir, ".provisioning/checkpoints");
}

static void teardown(void)
{
	test_rmtree(dir);
	free(store_dir);
	free(dir);
}

#define ck_assert_contains(haystack, needle) \
	ck_assert_msg(strstr((haystack), (needle)) != NULL, "\"%s\" not in \"%s\"", (needle), (haystack))

static prov_checkpoint_store *open_store(const char *path)
{
	prov_checkpoint_store_options options = PROV_CHECKPOINT_STORE_OPTIONS_INIT;
	prov_checkpoint_store *store;

	options.dir = path;
	ck_assert_int_eq(prov_checkpoint_store_open(&store, &options), PROV_OK);
	return store;
}

/* A workflow with a save and `records` completed operations. */
static void store_workflow(const char *path, const char *id, int records)
{
	prov_checkpoint_store *store = open_store(path);
	prov_checkpoint_token *token;
	prov_checkpoint *cp = helper_checkpoint(id, 1, 10);

	ck_assert_int_eq(prov_checkpoint_store_acquire(&token, store, id), PROV_OK);
	ck_assert_int_eq(prov_checkpoint_store_save(store, token, cp), PROV_OK);
	for (int i = 0; i < records; i++) {
		char op[16];
		prov_operation_record *r;

		snprintf(op, sizeof(op), "op-%d", i);
		r = helper_record(op, "completed", i, 5, 1);
		ck_assert_int_eq(prov_checkpoint_store_record(store, token, r), PROV_OK);
		prov_operation_record_free(r);
	}
	prov_checkpoint_token_free(token);
	prov_checkpoint_free(cp);
	prov_checkpoint_store_close(store);
}

START_TEST(test_list_shows_each_workflow_with_its_step)
{
	store_workflow(store_dir, "wf-a", 2);
	store_workflow(store_dir, "wf-b", 0);
	ck_assert_int_eq(test_cli_run(&cli, "checkpoint list"), 0);
	ck_assert_contains(cli.out, "WORKFLOW");
	ck_assert_contains(cli.out, "wf-a                                          2  20");
	ck_assert_contains(cli.out, "wf-b                                          0  20");
	ck_assert_int_eq(test_cli_run(&cli, "--json checkpoint list"), 0);
	ck_assert_contains(cli.out, "{\"checkpoints\":[{\"workflow_id\":\"wf-a\",\"step\":2,\"timestamp\":\"20");
	ck_assert_contains(cli.out, "\"error\":null}");
	ck_assert_contains(cli.out, "],\"next\":null}\n");
}
END_TEST

START_TEST(test_list_pages_through_the_workflows)
{
	store_workflow(store_dir, "wf-a", 0);
	store_workflow(store_dir, "wf-b", 0);
	store_workflow(store_dir, "other", 0);
	ck_assert_int_eq(test_cli_run(&cli, "checkpoint list --prefix wf- --limit 1"), 0);
	ck_assert_contains(cli.out, "wf-a");
	ck_assert_ptr_null(strstr(cli.out, "wf-b"));
	ck_assert_contains(cli.out, "more: checkpoint list --after wf-a");
	ck_assert_int_eq(test_cli_run(&cli, "checkpoint list --prefix wf- --after wf-a"), 0);
	ck_assert_contains(cli.out, "wf-b");
	ck_assert_ptr_null(strstr(cli.out, "wf-a "));
	ck_assert_ptr_null(strstr(cli.out, "more:"));
	ck_assert_int_eq(test_cli_run(&cli, "checkpoint list --limit many"), 2);
	ck_assert_contains(cli.err, "--limit needs a number");
}
END_TEST

START_TEST(test_list_names_a_damaged_checkpoint_and_goes_on)
{
	char *bad;

	store_workflow(store_dir, "wf-a", 0);
	bad = test_path(store_dir, "checkpoints/wf-bad.json");
	test_write_file(bad, "{\"workflow_id\":");
	ck_assert_int_eq(test_cli_run(&cli, "checkpoint list"), 0);
	ck_assert_contains(cli.out, "wf-a ");
	ck_assert_contains(cli.out, "damaged: ");
	ck_assert_contains(cli.out, bad);
	free(bad);
}
END_TEST

START_TEST(test_show_prints_the_folded_checkpoint)
{
	store_workflow(store_dir, "wf-a", 1);
	ck_assert_int_eq(test_cli_run(&cli, "checkpoint show wf-a"), 0);
	ck_assert_contains(cli.out, "{\n  \"format_version\": 1,\n  \"workflow_id\": \"wf-a\",\n  \"step\": 1,");
	ck_assert_contains(cli.out, "\"completed_operations\": [\n    \"op-0\"\n  ]");
	ck_assert_int_eq(test_cli_run(&cli, "--json checkpoint show wf-a"), 0);
	ck_assert_contains(cli.out, "{\"format_version\":1,\"workflow_id\":\"wf-a\",\"step\":1,");
	ck_assert_ptr_eq(strchr(cli.out, '\n'), cli.out + strlen(cli.out) - 1);
}
END_TEST

START_TEST(test_show_of_an_unknown_or_invalid_id_fails_clearly)
{
	ck_assert_int_eq(test_cli_run(&cli, "checkpoint show nope"), 1);
	ck_assert_contains(cli.err, "provisioning: no checkpoint for workflow nope");
	ck_assert_int_eq(test_cli_run(&cli, "checkpoint show ../etc"), 2);
	ck_assert_contains(cli.err, "invalid workflow id \"../etc\"");
	ck_assert_int_eq(test_cli_run(&cli, "checkpoint show"), 2);
	ck_assert_int_eq(test_cli_run(&cli, "checkpoint frob"), 2);
	ck_assert_contains(cli.err, "unknown checkpoint command 'frob'");
}
END_TEST

START_TEST(test_delete_removes_a_checkpoint_nobody_holds)
{
	prov_checkpoint_store *store;
	prov_checkpoint_token *token;
	char pid[64];

	store_workflow(store_dir, "wf-a", 0);
	store = open_store(store_dir);
	ck_assert_int_eq(prov_checkpoint_store_acquire(&token, store, "wf-a"), PROV_OK);
	ck_assert_int_eq(test_cli_run(&cli, "checkpoint delete wf-a"), 4);
	snprintf(pid, sizeof(pid), "owned by process %ld", (long)getpid());
	ck_assert_contains(cli.err, pid);
	ck_assert_int_eq(prov_checkpoint_store_release(store, token), PROV_OK);
	prov_checkpoint_token_free(token);
	prov_checkpoint_store_close(store);
	ck_assert_int_eq(test_cli_run(&cli, "checkpoint delete wf-a"), 0);
	ck_assert_contains(cli.out, "deleted checkpoint wf-a");
	ck_assert_int_eq(test_cli_run(&cli, "checkpoint show wf-a"), 1);
	ck_assert_int_eq(test_cli_run(&cli, "--json checkpoint delete wf-a"), 1);
	ck_assert_contains(cli.err, "no checkpoint for workflow wf-a");
}
END_TEST

START_TEST(test_the_store_comes_from_configuration_and_reading_creates_nothing)
{
	char *custom = test_path(dir, "elsewhere");

	store_workflow(custom, "wf-far", 0);
	ck_assert_int_eq(test_cli_run(&cli, "checkpoint list"), 0);
	ck_assert_contains(cli.out, "no checkpoints");
	ck_assert_int_ne(access(store_dir, F_OK), 0);
	ck_assert_int_eq(test_cli_run(&cli, "--set checkpoint.dir=elsewhere checkpoint list"), 0);
	ck_assert_contains(cli.out, "wf-far");
	ck_assert_int_eq(test_cli_run(&cli, "--set checkpoint.store=s3 checkpoint list"), 1);
	ck_assert_contains(cli.err, "unknown checkpoint store \"s3\"");
	free(custom);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("checkpoint-cli");
	TCase *tc = tcase_create("cli");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_list_shows_each_workflow_with_its_step);
	tcase_add_test(tc, test_list_pages_through_the_workflows);
	tcase_add_test(tc, test_list_names_a_damaged_checkpoint_and_goes_on);
	tcase_add_test(tc, test_show_prints_the_folded_checkpoint);
	tcase_add_test(tc, test_show_of_an_unknown_or_invalid_id_fails_clearly);
	tcase_add_test(tc, test_delete_removes_a_checkpoint_nobody_holds);
	tcase_add_test(tc, test_the_store_comes_from_configuration_and_reading_creates_nothing);
	suite_add_tcase(s, tc);
	return test_run_suite(s);
}
