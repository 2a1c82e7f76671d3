/* Running a rollback stack: built-in runners, the callback, and failures. */
#include "test-util.h"

#include <provisioning/checkpoint.h>

#include <sys/stat.h>
#include <unistd.h>

static char *dir;

static void setup(void)
{
	dir = test_tmpdir();
}

static void teardown(void)
{
	test_rmtree(dir);
	free(dir);
}

static void push(prov_rollback_stack *stack, prov_rollback_action *action)
{
	ck_assert_int_eq(prov_rollback_stack_push(stack, action), PROV_OK);
	prov_rollback_action_free(action);
}

static void push_restore(prov_rollback_stack *stack, const char *path, const char *content)
{
	prov_rollback_action *action;

	ck_assert_int_eq(prov_rollback_action_restore_file(&action, path, content, strlen(content)),
			 PROV_OK);
	push(stack, action);
}

static void push_command(prov_rollback_stack *stack, const char *command, const char *const *args)
{
	prov_rollback_action *action;

	ck_assert_int_eq(prov_rollback_action_custom(&action, command, args), PROV_OK);
	push(stack, action);
}

static void push_delete(prov_rollback_stack *stack, const char *resource)
{
	prov_rollback_action *action;

	ck_assert_int_eq(prov_rollback_action_delete_resource(&action, "local", resource), PROV_OK);
	push(stack, action);
}

static char *read_text(const char *path)
{
	static char buf[256];
	FILE *f = fopen(path, "r");
	size_t n;

	if (!f)
		return NULL;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

/* What the callbacks saw, in order. */
struct trace {
	char log[512];
	int results;
	int failures;
};

static int delete_resource(const prov_rollback_action *action, void *userdata)
{
	struct trace *t = userdata;
	const char *id = prov_rollback_action_field(action, "resource_id");

	strcat(t->log, id);
	strcat(t->log, " ");
	return strcmp(id, "broken") == 0 ? PROV_EPROVIDER : PROV_OK;
}

static void on_result(const prov_rollback_action *action, int status, const char *message,
		      void *userdata)
{
	struct trace *t = userdata;

	(void)action;
	t->results++;
	if (status != PROV_OK) {
		t->failures++;
		ck_assert_str_ne(message, "");
	} else {
		ck_assert_str_eq(message, "");
	}
}

START_TEST(test_restore_file_writes_the_content_back_privately)
{
	char *path = test_path(dir, "app.conf");
	prov_rollback_options options = PROV_ROLLBACK_OPTIONS_INIT;
	prov_rollback_stack *stack;
	struct stat st;

	test_write_file(path, "changed");
	ck_assert_int_eq(prov_rollback_stack_new(&stack), PROV_OK);
	push_restore(stack, path, "original\n");
	ck_assert_int_eq(prov_rollback_stack_run(stack, &options), PROV_OK);
	ck_assert_str_eq(read_text(path), "original\n");
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_int_eq(st.st_mode & 0777, 0600);
	ck_assert_uint_eq(prov_rollback_stack_count(stack), 0);
	prov_rollback_stack_free(stack);
	free(path);
}
END_TEST

START_TEST(test_custom_action_runs_its_argv_without_a_shell)
{
	/* A shell would expand $HOME, run "false" and choke on the quote. */
	char *literal = test_path(dir, "it's $HOME; false");
	const char *args[] = { literal, NULL };
	prov_rollback_options options = PROV_ROLLBACK_OPTIONS_INIT;
	prov_rollback_stack *stack;

	ck_assert_int_eq(prov_rollback_stack_new(&stack), PROV_OK);
	push_command(stack, "touch", args);
	ck_assert_int_eq(prov_rollback_stack_run(stack, &options), PROV_OK);
	ck_assert_int_eq(access(literal, F_OK), 0);
	ck_assert_uint_eq(prov_rollback_stack_count(stack), 0);
	prov_rollback_stack_free(stack);
	free(literal);
}
END_TEST

START_TEST(test_a_failing_action_stays_and_the_others_still_run)
{
	char *path = test_path(dir, "state");
	const char *false_args[] = { "-c", "echo no space left >&2; exit 3", NULL };
	prov_rollback_options options = PROV_ROLLBACK_OPTIONS_INIT;
	prov_rollback_stack *stack;
	struct trace t = { "", 0, 0 };

	options.run_action = delete_resource;
	options.on_result = on_result;
	options.userdata = &t;
	ck_assert_int_eq(prov_rollback_stack_new(&stack), PROV_OK);
	push_delete(stack, "srv-1");
	push_command(stack, "sh", false_args);
	push_restore(stack, path, "restored");
	push_delete(stack, "broken");
	push_delete(stack, "srv-2");
	ck_assert_int_eq(prov_rollback_stack_run(stack, &options), PROV_EPARTIAL);
	ck_assert_ptr_nonnull(strstr(prov_error_last()->message, "2 of 5 rollback actions failed"));
	ck_assert_str_eq(t.log, "srv-2 broken srv-1 ");
	ck_assert_int_eq(t.results, 5);
	ck_assert_int_eq(t.failures, 2);
	ck_assert_str_eq(read_text(path), "restored");
	ck_assert_uint_eq(prov_rollback_stack_count(stack), 2);
	ck_assert_str_eq(prov_rollback_action_field(prov_rollback_stack_at(stack, 0), "resource_id"),
			 "broken");
	ck_assert_str_eq(prov_rollback_action_field(prov_rollback_stack_at(stack, 1), "command"), "sh");
	prov_rollback_stack_free(stack);
	free(path);
}
END_TEST

START_TEST(test_a_failing_command_reports_its_status_and_stderr)
{
	const char *args[] = { "-c", "echo disk is gone >&2; exit 4", NULL };
	prov_rollback_options options = PROV_ROLLBACK_OPTIONS_INIT;
	prov_rollback_stack *stack;

	ck_assert_int_eq(prov_rollback_stack_new(&stack), PROV_OK);
	push_command(stack, "sh", args);
	ck_assert_int_eq(prov_rollback_stack_run(stack, &options), PROV_EPARTIAL);
	ck_assert_ptr_nonnull(strstr(prov_error_last()->message,
				     "rollback command sh exited with status 4: disk is gone"));
	prov_rollback_stack_free(stack);
}
END_TEST

START_TEST(test_actions_without_a_runner_fail_and_stay)
{
	prov_rollback_options options = PROV_ROLLBACK_OPTIONS_INIT;
	prov_rollback_stack *stack;

	ck_assert_int_eq(prov_rollback_stack_new(&stack), PROV_OK);
	push_delete(stack, "srv-1");
	ck_assert_int_eq(prov_rollback_stack_run(stack, &options), PROV_EPARTIAL);
	ck_assert_ptr_nonnull(strstr(prov_error_last()->message,
				     "no runner was given for DeleteResource"));
	ck_assert_uint_eq(prov_rollback_stack_count(stack), 1);
	ck_assert_int_eq(prov_rollback_stack_run(stack, NULL), PROV_EINVAL);
	prov_rollback_stack_free(stack);
}
END_TEST

static int only_srv_2(const prov_rollback_action *action, void *userdata)
{
	(void)userdata;
	return strcmp(prov_rollback_action_field(action, "resource_id"), "srv-2") == 0;
}

START_TEST(test_unselected_actions_are_left_untouched)
{
	prov_rollback_options options = PROV_ROLLBACK_OPTIONS_INIT;
	prov_rollback_stack *stack;
	struct trace t = { "", 0, 0 };

	options.run_action = delete_resource;
	options.select = only_srv_2;
	options.userdata = &t;
	ck_assert_int_eq(prov_rollback_stack_new(&stack), PROV_OK);
	push_delete(stack, "srv-1");
	push_delete(stack, "srv-2");
	push_delete(stack, "srv-3");
	ck_assert_int_eq(prov_rollback_stack_run(stack, &options), PROV_OK);
	ck_assert_str_eq(t.log, "srv-2 ");
	ck_assert_uint_eq(prov_rollback_stack_count(stack), 2);
	ck_assert_str_eq(prov_rollback_action_field(prov_rollback_stack_at(stack, 0), "resource_id"),
			 "srv-3");
	prov_rollback_stack_free(stack);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("checkpoint-rollback");
	TCase *tc = tcase_create("rollback");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_restore_file_writes_the_content_back_privately);
	tcase_add_test(tc, test_custom_action_runs_its_argv_without_a_shell);
	tcase_add_test(tc, test_a_failing_action_stays_and_the_others_still_run);
	tcase_add_test(tc, test_a_failing_command_reports_its_status_and_stderr);
	tcase_add_test(tc, test_actions_without_a_runner_fail_and_stay);
	tcase_add_test(tc, test_unselected_actions_are_left_untouched);
	suite_add_tcase(s, tc);
	return test_run_suite(s);
}
