/*
 * Deadlines on the wall clock: an operation whose call returns after its
 * timeout_ms fails as a timeout once its retries are spent, and its
 * dependents are skipped.
 */
#include "workflow-test.h"

static struct wf_fixture f;

static void setup(void)
{
	fixture_open(&f, 0);
}

static void teardown(void)
{
	fixture_close(&f);
}

START_TEST(test_an_operation_that_overruns_its_timeout_fails_as_a_timeout)
{
	static const char yaml[] =
		"workflow_id: wf-slow\n"
		"rollback: {enabled: false}\n"
		"retry: {max_attempts: 2, backoff: none, initial_delay_ms: 1}\n"
		"operations:\n"
		"  - {id: slow, provider: cloud, action: create_server, timeout_ms: 50,\n"
		"     params: {hostname: slow-1, sleep_ms: 300}}\n"
		"  - {id: after, provider: cloud, action: create_server, params: {hostname: a-1},"
		" depends_on: [slow]}\n";
	json_object *doc = run_yaml(&f, yaml, PROV_EWORKFLOW);
	char *trace = event_trace(&f);

	ck_assert_str_eq(doc_string(doc, "result.data.operations.slow.status"), "failed");
	ck_assert_str_eq(doc_string(doc, "result.data.operations.slow.error.code"), "timeout");
	ck_assert_int_eq(json_object_get_int(doc_get(doc, "result.data.operations.slow.attempts")), 2);
	ck_assert_str_eq(doc_string(doc, "result.data.operations.after.status"), "skipped");
	ck_assert_contains(trace, "OperationStarted slow\nOperationRetrying slow\nOperationStarted slow\n"
			   "OperationFailed slow\n");
	ck_assert_contains(trace, "OperationSkipped after\n");
	free(trace);
	json_object_put(doc);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("workflow-timing");
	TCase *tc = tcase_create("timing");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_an_operation_that_overruns_its_timeout_fails_as_a_timeout);
	suite_add_tcase(s, tc);
	return test_run_suite(s);
}
