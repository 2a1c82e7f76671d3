/*
 * `provisioning workflow` run as a user would, uninstalled through
 * PROVISIONING_PLUGIN_PATH in a scratch directory with the default config:
 * output and exit codes; a runner SIGKILLed once the store shows progress
 * and resumed by id; SIGINT then resume; two runners of one workflow; a
 * provider written as a shell script.
 */
#include "test-cli.h"
#include "workflow-test.h"

#include <errno.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static char *dir;
static struct test_cli cli;
static const char *const plugin_env[] = { "PROVISIONING_PLUGIN_PATH=" SHIPPED_PLUGIN_DIR, NULL };

static void setup(void)
{
	dir = test_tmpdir();
	cli.dir = dir;
	cli.env = plugin_env;
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

/* The local provider's servers: ten, each created once. */
static void assert_no_duplicate_servers(void)
{
	char *state = test_path(dir, ".provisioning/local");

	test_assert_servers_created_once(state, 10);
	free(state);
}

static prov_checkpoint_store *open_store(void)
{
	prov_checkpoint_store_options opt = PROV_CHECKPOINT_STORE_OPTIONS_INIT;
	prov_checkpoint_store *store = NULL;
	char *path = test_path(dir, ".provisioning/checkpoints");

	opt.dir = path;
	ck_assert_int_eq(prov_checkpoint_store_open(&store, &opt), PROV_OK);
	free(path);
	return store;
}

/* Poll the store (no ownership needed) until the workflow's step reaches n,
 * failing if the runner (0: none) ends first. */
static prov_checkpoint *wait_for_step(const char *id, long long n, pid_t runner)
{
	struct timespec poll = { 0, 2 * 1000000L };
	prov_checkpoint_store *store = open_store();
	prov_checkpoint *cp = NULL;

	for (int i = 0; i < 30000; i++) {
		if (prov_checkpoint_store_load(&cp, store, id) == PROV_OK &&
		    prov_checkpoint_step(cp) >= n)
			break;
		prov_checkpoint_free(cp);
		cp = NULL;
		ck_assert_msg(runner == 0 || waitpid(runner, NULL, WNOHANG) == 0,
			      "the runner ended before step %lld", n);
		nanosleep(&poll, NULL);
	}
	ck_assert_ptr_nonnull(cp);
	prov_checkpoint_store_close(store);
	return cp;
}

/* Ten operations in two interleaved chains, each call taking latency_ms. */
static void write_chains(const char *id, int latency_ms)
{
	char yaml[4096];
	int len = snprintf(yaml, sizeof(yaml),
			   "workflow_id: %s\nparallel_limit: 2\n"
			   "configuration: {providers: {local: {latency_ms: %d}}}\noperations:\n",
			   id, latency_ms);

	for (int i = 0; i < 10; i++) {
		len += snprintf(yaml + len, sizeof(yaml) - (size_t)len,
				"  - {id: op-%d, provider: local, action: create_server,"
				" params: {hostname: host-%d}", i, i);
		if (i >= 2)
			len += snprintf(yaml + len, sizeof(yaml) - (size_t)len,
					", depends_on: [op-%d]", i - 2);
		len += snprintf(yaml + len, sizeof(yaml) - (size_t)len, "}\n");
	}
	write_in_dir("chains.yaml", yaml);
}

START_TEST(test_a_killed_runner_is_resumed_by_id_without_duplicate_creates)
{
	prov_checkpoint *cp;
	struct test_cli_child runner;
	char op[16];

	write_chains("wf-crash", 150);
	runner = test_cli_start(&cli, "workflow run chains.yaml");
	cp = wait_for_step("wf-crash", 4, runner.pid);
	ck_assert_int_eq(kill(runner.pid, SIGKILL), 0);
	ck_assert_int_eq(test_cli_finish(&cli, &runner), 128 + SIGKILL);
	prov_checkpoint_free(cp);
	/* What the store holds now is what the resume must not do again. */
	cp = wait_for_step("wf-crash", 4, 0);
	ck_assert_int_lt(prov_checkpoint_step(cp), 10);
	ck_assert_int_eq(test_cli_run(&cli, "workflow resume wf-crash"), 0);
	for (int i = 0; i < 10; i++) {
		const char *status;

		snprintf(op, sizeof(op), "op-%d", i);
		status = prov_checkpoint_operation_status(cp, op);
		ck_assert_msg(test_cli_shows(cli.out, op, "running") == !(status && strcmp(status, "completed") == 0),
			      "%s (%s before the resume) in:\n%s", op, status ? status : "not started", cli.out);
	}
	ck_assert_contains(cli.out, "success");
	assert_no_duplicate_servers();
	prov_checkpoint_free(cp);
}
END_TEST

START_TEST(test_sigint_cancels_with_exit_130_and_resume_finishes)
{
	prov_checkpoint *cp;
	struct test_cli_child runner;

	write_chains("wf-int", 150);
	runner = test_cli_start(&cli, "workflow run chains.yaml");
	cp = wait_for_step("wf-int", 2, runner.pid);
	ck_assert_int_eq(kill(runner.pid, SIGINT), 0);
	ck_assert_int_eq(test_cli_finish(&cli, &runner), 130);
	ck_assert_contains(cli.err, "cancelling");
	ck_assert_contains(cli.out, "cancelled");
	ck_assert_int_eq(test_cli_run(&cli, "--json workflow status wf-int"), 0);
	ck_assert_contains(cli.out, "\"status\":\"cancelled\"");
	ck_assert_int_eq(test_cli_run(&cli, "workflow resume wf-int"), 0);
	ck_assert_int_eq(test_cli_run(&cli, "workflow status wf-int"), 0);
	ck_assert_contains(cli.out, "status:   success");
	ck_assert_contains(cli.out, "step:     10 of 10");
	assert_no_duplicate_servers();
	prov_checkpoint_free(cp);
}
END_TEST

START_TEST(test_workflow_cancel_id_stops_the_runner_of_another_process)
{
	prov_checkpoint *cp;
	struct test_cli_child runner;

	write_chains("wf-remote", 150);
	runner = test_cli_start(&cli, "workflow run chains.yaml");
	cp = wait_for_step("wf-remote", 2, runner.pid);
	ck_assert_int_eq(test_cli_run(&cli, "workflow cancel wf-remote"), 0);
	ck_assert_contains(cli.out, "workflow wf-remote cancelled at step");
	ck_assert_int_eq(test_cli_finish(&cli, &runner), 130);
	ck_assert_int_eq(test_cli_run(&cli, "workflow cancel wf-remote"), 1);
	ck_assert_contains(cli.err, "is not running");
	prov_checkpoint_free(cp);
}
END_TEST

START_TEST(test_a_second_runner_of_a_running_workflow_exits_4_naming_the_holder)
{
	prov_checkpoint *cp;
	struct test_cli_child runner;
	char holder[64];

	write_chains("wf-twice", 150);
	runner = test_cli_start(&cli, "workflow run chains.yaml");
	cp = wait_for_step("wf-twice", 0, runner.pid);
	ck_assert_int_eq(test_cli_run(&cli, "workflow run chains.yaml"), 4);
	snprintf(holder, sizeof(holder), "process %d", (int)runner.pid);
	ck_assert_contains(cli.err, "workflow wf-twice is already running");
	ck_assert_contains(cli.err, holder);
	ck_assert_int_eq(test_cli_run(&cli, "workflow resume wf-twice"), 4);
	ck_assert_int_eq(test_cli_finish(&cli, &runner), 0);
	prov_checkpoint_free(cp);
}
END_TEST

static const char shell_provider[] =
	"#!/bin/sh\n"
	"# A provider in shell: servers are files named by hostname under $state;\n"
	"# hostnames starting with bad fail to create, and deleting one fails\n"
	"# while a file refuse-HOSTNAME exists beside this script.\n"
	"here=\"$(dirname \"$0\")\"\n"
	"state=\"$here/shell-state\"\n"
	"mkdir -p \"$state\"\n"
	"read -r request\n"
	"field() { printf '%s' \"$request\" | sed -n \"s/.*\\\"$1\\\":\\\"\\([^\\\"]*\\)\\\".*/\\1/p\"; }\n"
	"fail() { printf '{\"format_version\":1,\"status\":\"error\",\"error\":"
	"{\"code\":\"%s\",\"message\":\"%s\"}}\\n' \"$1\" \"$2\"; exit 0; }\n"
	"case \"$1\" in\n"
	"create_server)\n"
	"  host=$(field hostname)\n"
	"  case \"$host\" in bad*) fail REFUSED \"no $host\";; esac\n"
	"  [ -f \"$state/$host\" ] || ls \"$state\" | wc -l | tr -d ' ' > \"$state/$host\"\n"
	"  n=$(cat \"$state/$host\")\n"
	"  printf '{\"format_version\":1,\"status\":\"success\",\"result\":{\"data\":"
	"{\"id\":\"%s\",\"hostname\":\"%s\",\"ip_address\":\"192.0.2.%s\","
	"\"status\":\"running\",\"request\":%s}}}\\n' \"$host\" \"$host\" \"$n\" \"$request\";;\n"
	"delete_server)\n"
	"  host=$(field id)\n"
	"  [ -f \"$here/refuse-$host\" ] && fail REFUSED \"$host stays\"\n"
	"  rm -f \"$state/$host\"\n"
	"  printf '{\"format_version\":1,\"status\":\"success\",\"result\":{\"data\":"
	"{\"id\":\"%s\",\"status\":\"deleted\"}}}\\n' \"$host\";;\n"
	"*)\n"
	"  fail UNSUPPORTED \"$1\";;\n"
	"esac\n";

static void use_shell_provider(void)
{
	char config[1024];

	write_in_dir("provider.sh", shell_provider);
	snprintf(config, sizeof(config),
		 "providers:\n  shell:\n    plugin: exec\n    command: [sh, \"%s/provider.sh\"]\n", dir);
	write_in_dir("provisioning.yaml", config);
}

static bool shell_server_exists(const char *hostname)
{
	char path[2048];

	snprintf(path, sizeof(path), "%s/shell-state/%s", dir, hostname);
	return access(path, F_OK) == 0;
}

START_TEST(test_a_workflow_runs_over_an_exec_provider_written_in_shell)
{
	json_object *doc;

	use_shell_provider();
	write_in_dir("shell.yaml",
		     "workflow_id: wf-shell\noperations:\n"
		     "  - {id: first, provider: shell, action: create_server, params: {hostname: alpha}}\n"
		     "  - {id: second, provider: shell, action: create_server,\n"
		     "     params: {hostname: beta, peer: \"{{ops.first.output.ip_address}}\"}}\n");
	ck_assert_int_eq(test_cli_run(&cli, "--json workflow run shell.yaml"), 0);
	doc = json_tokener_parse(cli.out);
	ck_assert_ptr_nonnull(doc);
	ck_assert_str_eq(doc_string(doc, "status"), "success");
	ck_assert_str_eq(doc_string(doc, "result.data.operations.second.output.request.params.peer"),
			 doc_string(doc, "result.data.operations.first.output.ip_address"));
	ck_assert_str_eq(doc_string(doc, "result.data.operations.second.output.request.context.idempotency_key"),
			 "wf-shell/second");
	json_object_put(doc);
}
END_TEST

START_TEST(test_workflow_rollback_retries_what_a_failed_rollback_left)
{
	use_shell_provider();
	write_in_dir("undo.yaml",
		     "workflow_id: wf-undo\nretry: {max_attempts: 1}\noperations:\n"
		     "  - {id: a, provider: shell, action: create_server, params: {hostname: alpha}}\n"
		     "  - {id: b, provider: shell, action: create_server, params: {hostname: beta},"
		     " depends_on: [a]}\n"
		     "  - {id: c, provider: shell, action: create_server, params: {hostname: bad-1},"
		     " depends_on: [b]}\n");
	write_in_dir("refuse-beta", "");
	ck_assert_int_eq(test_cli_run(&cli, "workflow run undo.yaml"), 1);
	ck_assert_contains(cli.out, "beta                 rollback failed");
	ck_assert_contains(cli.err, "1 rollback action failed");
	ck_assert(!shell_server_exists("alpha"));
	ck_assert(shell_server_exists("beta"));
	ck_assert_int_eq(test_cli_run(&cli, "workflow rollback wf-undo"), 3);
	ck_assert(shell_server_exists("beta"));
	ck_assert_int_eq(test_cli_run(&cli, "workflow status wf-undo"), 0);
	ck_assert_contains(cli.out, "status:   error, rolled back");
	ck_assert_contains(cli.out, "rollback: 1 action recorded");
	touch(dir, "refuse-beta", false);
	ck_assert_int_eq(test_cli_run(&cli, "workflow rollback wf-undo"), 0);
	ck_assert(!shell_server_exists("beta"));
	ck_assert_int_eq(test_cli_run(&cli, "workflow resume wf-undo"), 1);
	ck_assert(!shell_server_exists("alpha"));
}
END_TEST

static const char partial_yaml[] =
	"workflow_id: wf-exit\n"
	"retry: {max_attempts: 1}\n"
	"configuration: {providers: {local: {fail_on: [bad-1]}}}\n"
	"operations:\n"
	"  - {id: good, provider: local, action: create_server, params: {hostname: good-1}}\n"
	"  - {id: bad, provider: local, action: create_server, params: {hostname: bad-1},\n"
	"     on_failure: %s}\n";

START_TEST(test_exit_codes_say_success_failure_partial_and_conflict)
{
	char yaml[1024];

	snprintf(yaml, sizeof(yaml), partial_yaml, "continue");
	write_in_dir("partial.yaml", yaml);
	ck_assert_int_eq(test_cli_run(&cli, "workflow run partial.yaml"), 3);
	ck_assert_contains(cli.out, "partial");
	ck_assert_contains(cli.err, "INJECTED_FAILURE");
	ck_assert_int_eq(test_cli_run(&cli, "workflow run partial.yaml"), 3);
	snprintf(yaml, sizeof(yaml), partial_yaml, "fail");
	write_in_dir("partial.yaml", yaml);
	ck_assert_int_eq(test_cli_run(&cli, "workflow run partial.yaml"), 4);
	ck_assert_contains(cli.err, "another definition");
	ck_assert_int_eq(test_cli_run(&cli, "workflow rollback wf-exit"), 0);
	ck_assert_contains(cli.out, "rolled back");
	ck_assert_int_eq(test_cli_run(&cli, "servers list --provider local"), 0);
	ck_assert_ptr_null(strstr(cli.out, "good-1"));
	ck_assert_int_eq(test_cli_run(&cli, "workflow"), 2);
	ck_assert_int_eq(test_cli_run(&cli, "workflow run"), 2);
	ck_assert_int_eq(test_cli_run(&cli, "workflow resume ../etc"), 2);
	ck_assert_int_eq(test_cli_run(&cli, "workflow run partial.yaml --parallel 0"), 2);
	ck_assert_int_eq(test_cli_run(&cli, "workflow resume wf-nothing"), 1);
	ck_assert_contains(cli.err, "wf-nothing has no checkpoint");
}
END_TEST

START_TEST(test_a_failed_run_rolls_back_and_exits_1)
{
	char yaml[1024];

	snprintf(yaml, sizeof(yaml), partial_yaml, "fail");
	write_in_dir("fail.yaml", yaml);
	ck_assert_int_eq(test_cli_run(&cli, "--json workflow run fail.yaml"), 1);
	ck_assert_contains(cli.out, "\"status\":\"error\"");
	ck_assert_contains(cli.out, "\"rolled_back\":true");
	ck_assert_contains(cli.err, "workflow wf-exit failed");
}
END_TEST

START_TEST(test_an_invalid_file_prints_every_problem_and_exits_1)
{
	write_in_dir("bad.yaml",
		     "workflow_id: wf-bad\n"
		     "operations:\n"
		     "  - {id: a, provider: local, action: create_servr}\n"
		     "  - {id: b, provider: local, action: create_server, depends_on: [zz]}\n"
		     "  - {id: c, provider: local, action: create_server,"
		     " params: {zone: \"{{nowhere}}\"}}\n");
	ck_assert_int_eq(test_cli_run(&cli, "workflow run bad.yaml"), 1);
	ck_assert_contains(cli.err, "bad.yaml:3: operation 'a': provider 'local' has no action 'create_servr'\n");
	ck_assert_contains(cli.err, "bad.yaml:4: operation 'b' depends on 'zz', which does not exist\n");
	ck_assert_contains(cli.err, "bad.yaml:5: unknown reference {{nowhere}}\n");
	ck_assert_int_eq(test_cli_run(&cli, "workflow plan bad.yaml"), 1);
	ck_assert_int_eq(test_cli_run(&cli, "workflow list"), 0);
	ck_assert_contains(cli.out, "no workflows");
}
END_TEST

START_TEST(test_plan_graph_status_and_list_print_what_they_promise)
{
	write_chains("wf-show", 0);
	ck_assert_int_eq(test_cli_run(&cli, "workflow plan chains.yaml"), 0);
	ck_assert_contains(cli.out, "workflow wf-show (wf-show): 10 operations, parallel 2\nlevel 0\n");
	ck_assert_contains(cli.out, "op-9");
	ck_assert_int_eq(test_cli_run(&cli, "--json workflow plan chains.yaml"), 0);
	ck_assert_contains(cli.out, "\"levels\":[[");
	ck_assert_int_eq(test_cli_run(&cli, "workflow graph chains.yaml --format mermaid"), 0);
	ck_assert_contains(cli.out, "flowchart LR\n");
	ck_assert_int_eq(test_cli_run(&cli, "workflow graph chains.yaml"), 0);
	ck_assert_contains(cli.out, "\"op-0\" -> \"op-2\";");
	ck_assert_int_eq(test_cli_run(&cli, "workflow run chains.yaml"), 0);
	ck_assert_contains(cli.out, "  op-9                 completed");
	ck_assert_contains(cli.out, "workflow wf-show (wf-show): success");
	ck_assert_int_eq(test_cli_run(&cli, "workflow list"), 0);
	ck_assert_contains(cli.out, "wf-show");
	ck_assert_contains(cli.out, "10/10");
	ck_assert_int_eq(test_cli_run(&cli, "--json workflow status wf-show"), 0);
	ck_assert_contains(cli.out, "\"workflow_id\":\"wf-show\"");
	ck_assert_contains(cli.out, "\"definition_sha256\"");
}
END_TEST

int main(void)
{
	Suite *s = suite_create("workflow-cli");
	TCase *tc = tcase_create("cli");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_a_killed_runner_is_resumed_by_id_without_duplicate_creates);
	tcase_add_test(tc, test_sigint_cancels_with_exit_130_and_resume_finishes);
	tcase_add_test(tc, test_workflow_cancel_id_stops_the_runner_of_another_process);
	tcase_add_test(tc, test_a_second_runner_of_a_running_workflow_exits_4_naming_the_holder);
	tcase_add_test(tc, test_a_workflow_runs_over_an_exec_provider_written_in_shell);
	tcase_add_test(tc, test_workflow_rollback_retries_what_a_failed_rollback_left);
	tcase_add_test(tc, test_exit_codes_say_success_failure_partial_and_conflict);
	tcase_add_test(tc, test_a_failed_run_rolls_back_and_exits_1);
	tcase_add_test(tc, test_an_invalid_file_prints_every_problem_and_exits_1);
	tcase_add_test(tc, test_plan_graph_status_and_list_print_what_they_promise);
	suite_add_tcase(s, tc);
	return test_run_suite(s);
}
