/* A rollback command that hangs is killed at its timeout (wall-clock: suite timing). */
#include "test-util.h"

#include <provisioning/checkpoint.h>

#include <time.h>

static double seconds_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

START_TEST(test_a_hanging_command_is_killed_at_the_timeout_and_stays)
{
	const char *args[] = { "-c", "sleep 30 & sleep 30", NULL };
	prov_rollback_options options = PROV_ROLLBACK_OPTIONS_INIT;
	prov_rollback_stack *stack;
	prov_rollback_action *action;
	double started = seconds_now();

	options.command_timeout_ms = 200;
	ck_assert_int_eq(prov_rollback_stack_new(&stack), PROV_OK);
	ck_assert_int_eq(prov_rollback_action_custom(&action, "sh", args), PROV_OK);
	ck_assert_int_eq(prov_rollback_stack_push(stack, action), PROV_OK);
	ck_assert_int_eq(prov_rollback_stack_run(stack, &options), PROV_EPARTIAL);
	ck_assert_ptr_nonnull(strstr(prov_error_last()->message, "did not finish in time"));
	ck_assert_uint_eq(prov_rollback_stack_count(stack), 1);
	ck_assert_double_lt(seconds_now() - started, 10.0);
	prov_rollback_action_free(action);
	prov_rollback_stack_free(stack);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("checkpoint-rollback-timeout");
	TCase *tc = tcase_create("timeout");

	tcase_add_test(tc, test_a_hanging_command_is_killed_at_the_timeout_and_stays);
	suite_add_tcase(s, tc);
	return test_run_suite(s);
}
