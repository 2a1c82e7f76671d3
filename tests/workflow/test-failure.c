/*
 * DESIGN.md's failure and rollback decision list, a row per test: the
 * fail, continue and rollback policies, when the rollback stack runs and
 * in which order, preserve_successful, a rollback action that fails and is
 * retried by a later rollback, and that a cancel never rolls back.
 */
#include "workflow-test.h"

#include <unistd.h>

static struct wf_fixture f;

static void setup(void)
{
	fixture_open(&f, 0);
}

static void teardown(void)
{
	fixture_close(&f);
}

static int deleted_seq(const char *hostname)
{
	json_object *server = cloud_server(&f, hostname);
	int seq;

	ck_assert_msg(server != NULL, "no server %s", hostname);
	seq = json_object_get_int(doc_get(server, "deleted_seq"));
	json_object_put(server);
	return seq;
}

static const char *op_status(json_object *doc, const char *op)
{
	char path[128];

	snprintf(path, sizeof(path), "result.data.operations.%s.status", op);
	return doc_string(doc, path);
}

/* a runs while b fails; c waits for a; d waits for a free worker. */
static char *fail_policy(const char *rollback)
{
	static char yaml[2048];

	snprintf(yaml, sizeof(yaml),
		 "workflow_id: wf-fail\n"
		 "parallel_limit: 2\n"
		 "rollback: %s\n"
		 "retry: {max_attempts: 1}\n"
		 "operations:\n"
		 "  - {id: a, provider: cloud, action: create_server,\n"
		 "     params: {hostname: a-1, wait_while: \"%s/hold\"}}\n"
		 "  - {id: b, provider: cloud, action: create_server, params: {hostname: b-1, fail: true}}\n"
		 "  - {id: c, provider: cloud, action: create_server, params: {hostname: c-1},"
		 " depends_on: [a]}\n"
		 "  - {id: d, provider: cloud, action: create_server, params: {hostname: d-1}}\n",
		 rollback, f.dir);
	return yaml;
}

/* Run with a held until b has failed: a is running when the failure comes. */
static json_object *run_with_failure_while_running(const char *yaml, int expected)
{
	struct wf_trigger t;
	char *hold = test_path(f.dir, "hold");
	json_object *doc;

	touch(f.dir, "hold", true);
	trigger_start(&t, &f, "OperationFailed", "\"op\":\"b\"", hold);
	doc = run_yaml(&f, yaml, expected);
	ck_assert(trigger_join(&t));
	free(hold);
	return doc;
}

START_TEST(test_fail_lets_running_operations_finish_and_skips_the_rest)
{
	json_object *doc = run_with_failure_while_running(fail_policy("{enabled: false}"),
							  PROV_EWORKFLOW);

	ck_assert_str_eq(doc_string(doc, "status"), "error");
	ck_assert_str_eq(op_status(doc, "a"), "completed");
	ck_assert_str_eq(op_status(doc, "b"), "failed");
	ck_assert_str_eq(op_status(doc, "c"), "skipped");
	ck_assert_str_eq(op_status(doc, "d"), "skipped");
	ck_assert_str_eq(doc_string(doc, "error.code"), "operation_failed");
	ck_assert_contains(doc_string(doc, "error.message"), "SCRIPTED_FAILURE");
	ck_assert_str_eq(doc_string(doc, "result.data.operations.b.error.code"), "SCRIPTED_FAILURE");
	ck_assert(!json_object_get_boolean(doc_get(doc, "result.data.rolled_back")));
	ck_assert_int_eq(deleted_seq("a-1"), 0);
	ck_assert_contains(prov_error_last()->message, "workflow wf-fail failed");
	json_object_put(doc);
}
END_TEST

START_TEST(test_an_error_with_rollback_enabled_undoes_newest_first)
{
	static const char yaml[] =
		"workflow_id: wf-undo\n"
		"retry: {max_attempts: 1}\n"
		"operations:\n"
		"  - {id: a, provider: cloud, action: create_server, params: {hostname: a-1}}\n"
		"  - {id: b, provider: cloud, action: create_server, params: {hostname: b-1},"
		" depends_on: [a]}\n"
		"  - {id: c, provider: cloud, action: create_server, params: {hostname: c-1},"
		" depends_on: [b]}\n"
		"  - {id: d, provider: cloud, action: create_server, params: {hostname: d-1, fail: true},"
		" depends_on: [c]}\n";
	json_object *doc = run_yaml(&f, yaml, PROV_EWORKFLOW);
	char *trace = event_trace(&f);

	ck_assert_str_eq(doc_string(doc, "status"), "error");
	ck_assert(json_object_get_boolean(doc_get(doc, "result.data.rolled_back")));
	ck_assert_int_eq(json_object_array_length(doc_get(doc, "result.data.undone")), 3);
	ck_assert_int_eq(json_object_array_length(doc_get(doc, "result.resources")), 0);
	ck_assert_int_eq(deleted_seq("c-1"), 1);
	ck_assert_int_eq(deleted_seq("b-1"), 2);
	ck_assert_int_eq(deleted_seq("a-1"), 3);
	ck_assert_contains(trace, "OperationFailed d\nCheckpointSaved\nCheckpointSaved\n"
			   "RollbackStarted\nResourceDeleted\nResourceDeleted\nResourceDeleted\n"
			   "RollbackCompleted\nCheckpointSaved\nWorkflowFailed\n");
	free(trace);
	json_object_put(doc);
}
END_TEST

START_TEST(test_on_failure_rollback_rolls_back_even_when_rollback_is_disabled)
{
	static const char yaml[] =
		"workflow_id: wf-forced\n"
		"rollback: {enabled: false}\n"
		"retry: {max_attempts: 1}\n"
		"operations:\n"
		"  - {id: a, provider: cloud, action: create_server, params: {hostname: a-1}}\n"
		"  - {id: b, provider: cloud, action: create_server, params: {hostname: b-1, fail: true},\n"
		"     depends_on: [a], on_failure: rollback}\n";
	json_object *doc = run_yaml(&f, yaml, PROV_EWORKFLOW);

	ck_assert(json_object_get_boolean(doc_get(doc, "result.data.rolled_back")));
	ck_assert_int_eq(deleted_seq("a-1"), 1);
	json_object_put(doc);
}
END_TEST

static const char partial[] =
	"workflow_id: wf-partial\n"
	"parallel_limit: 1\n"
	"rollback: {on_partial_failure: %s}\n"
	"retry: {max_attempts: 1}\n"
	"operations:\n"
	"  - {id: a, provider: cloud, action: create_server, params: {hostname: a-1}}\n"
	"  - {id: b, provider: cloud, action: create_server, params: {hostname: b-1, fail: true},\n"
	"     on_failure: continue}\n"
	"  - {id: hard, provider: cloud, action: create_server, params: {hostname: hard-1},\n"
	"     depends_on: [b]}\n"
	"  - {id: soft, provider: cloud, action: create_server, params: {hostname: soft-1},\n"
	"     depends_on: [{op: b, type: soft}]}\n"
	"  - {id: other, provider: cloud, action: create_server, params: {hostname: other-1}}\n";

START_TEST(test_continue_skips_hard_dependents_and_ends_partial)
{
	char yaml[2048];
	json_object *doc;

	snprintf(yaml, sizeof(yaml), partial, "false");
	doc = run_yaml(&f, yaml, PROV_EPARTIAL);
	ck_assert_str_eq(doc_string(doc, "status"), "partial");
	ck_assert_str_eq(op_status(doc, "b"), "failed");
	ck_assert_str_eq(op_status(doc, "hard"), "skipped");
	ck_assert_str_eq(op_status(doc, "soft"), "completed");
	ck_assert_str_eq(op_status(doc, "other"), "completed");
	ck_assert_str_eq(doc_string(doc, "error.code"), "partial_failure");
	ck_assert_str_eq(doc_string(doc, "error.details.skipped.0"), "hard");
	ck_assert(!json_object_get_boolean(doc_get(doc, "result.data.rolled_back")));
	ck_assert_int_eq(deleted_seq("a-1"), 0);
	json_object_put(doc);
}
END_TEST

START_TEST(test_partial_with_rollback_on_partial_failure_rolls_back)
{
	char yaml[2048];
	json_object *doc;

	snprintf(yaml, sizeof(yaml), partial, "true");
	doc = run_yaml(&f, yaml, PROV_EWORKFLOW);
	ck_assert_str_eq(doc_string(doc, "status"), "error");
	ck_assert(json_object_get_boolean(doc_get(doc, "result.data.rolled_back")));
	ck_assert_int_gt(deleted_seq("a-1"), deleted_seq("other-1"));
	ck_assert_int_gt(deleted_seq("other-1"), 0);
	json_object_put(doc);
}
END_TEST

START_TEST(test_preserve_successful_keeps_what_completed_operations_made)
{
	static const char yaml[] =
		"workflow_id: wf-keep\n"
		"rollback: {preserve_successful: true}\n"
		"retry: {max_attempts: 1}\n"
		"operations:\n"
		"  - {id: a, provider: cloud, action: create_server, params: {hostname: a-1}}\n"
		"  - {id: b, provider: cloud, action: create_server, params: {hostname: b-1, fail: true},"
		" depends_on: [a]}\n";
	json_object *doc = run_yaml(&f, yaml, PROV_EWORKFLOW);

	ck_assert(json_object_get_boolean(doc_get(doc, "result.data.rolled_back")));
	ck_assert_int_eq(json_object_array_length(doc_get(doc, "result.data.undone")), 0);
	ck_assert_int_eq(json_object_array_length(doc_get(doc, "result.resources")), 1);
	ck_assert_int_eq(deleted_seq("a-1"), 0);
	json_object_put(doc);
}
END_TEST

/* A checkpoint by hand: a failed and a completed operation, each with a server. */
static void seed_checkpoint(const char *id, const char *yaml)
{
	prov_workflow *wf = load_yaml(yaml);
	prov_checkpoint *cp = NULL;
	prov_checkpoint_token *token = NULL;
	prov_rollback_action *action = NULL;
	prov_operation_record *rec = NULL;
	char *definition = NULL, sha[80];
	const char *ops[] = { "kept", "broken" }, *status[] = { "completed", "failed" };

	ck_assert_int_eq(prov_checkpoint_new(&cp, id), PROV_OK);
	ck_assert_int_eq(prov_workflow_to_json(&definition, wf), PROV_OK);
	snprintf(sha, sizeof(sha), "\"%s\"", prov_workflow_sha256(wf));
	ck_assert_int_eq(prov_checkpoint_set_state(cp, "definition", definition), PROV_OK);
	ck_assert_int_eq(prov_checkpoint_set_state(cp, "definition_sha256", sha), PROV_OK);
	ck_assert_int_eq(prov_checkpoint_set_state(cp, "result",
		"{\"status\":\"error\",\"rolled_back\":true,\"undone\":[],"
		"\"error\":{\"code\":\"operation_failed\",\"message\":\"m\",\"details\":{}}}"), PROV_OK);
	ck_assert_int_eq(prov_checkpoint_store_acquire(&token, f.store, id), PROV_OK);
	ck_assert_int_eq(prov_checkpoint_store_save(f.store, token, cp), PROV_OK);
	for (int i = 0; i < 2; i++) {
		char host[32], *doc = NULL, spec[64];
		json_object *d;

		snprintf(host, sizeof(host), "%s-1", ops[i]);
		snprintf(spec, sizeof(spec), "{\"hostname\":\"%s\"}", host);
		ck_assert_int_eq(prov_provider_create_server(&doc, f.registry, "cloud", spec, NULL), PROV_OK);
		d = json_tokener_parse(doc);
		ck_assert_int_eq(prov_rollback_action_delete_resource(&action, "cloud",
			doc_string(d, "result.data.id")), PROV_OK);
		ck_assert_int_eq(prov_operation_record_new(&rec, ops[i], status[i]), PROV_OK);
		ck_assert_int_eq(prov_operation_record_add_rollback(rec, action), PROV_OK);
		ck_assert_int_eq(prov_checkpoint_store_record(f.store, token, rec), PROV_OK);
		prov_operation_record_free(rec);
		prov_rollback_action_free(action);
		json_object_put(d);
		prov_free(doc);
	}
	ck_assert_int_eq(prov_checkpoint_store_release(f.store, token), PROV_OK);
	prov_checkpoint_token_free(token);
	prov_checkpoint_free(cp);
	prov_free(definition);
	prov_workflow_free(wf);
}

START_TEST(test_preserve_successful_undoes_only_what_failed_operations_recorded)
{
	seed_checkpoint("wf-seeded",
			"workflow_id: wf-seeded\n"
			"rollback: {preserve_successful: true}\n"
			"operations:\n"
			"  - {id: kept, provider: cloud, action: create_server, params: {hostname: kept-1}}\n"
			"  - {id: broken, provider: cloud, action: create_server, params: {hostname: broken-1}}\n");
	json_object_put(rollback_id(&f, "wf-seeded", PROV_OK));
	ck_assert_int_eq(deleted_seq("kept-1"), 0);
	ck_assert_int_eq(deleted_seq("broken-1"), 1);
}
END_TEST

static const char chain_then_failure[] =
	"workflow_id: wf-retry-undo\n"
	"retry: {max_attempts: 1}\n"
	"operations:\n"
	"  - {id: a, provider: cloud, action: create_server, params: {hostname: a-1}}\n"
	"  - {id: b, provider: cloud, action: create_server, params: {hostname: b-1}, depends_on: [a]}\n"
	"  - {id: c, provider: cloud, action: create_server, params: {hostname: c-1}, depends_on: [b]}\n"
	"  - {id: d, provider: cloud, action: create_server, params: {hostname: d-1, fail: true},"
	" depends_on: [c]}\n";

START_TEST(test_a_failing_rollback_action_stays_and_a_later_rollback_retries_it)
{
	json_object *doc, *again;
	char *trace;

	refuse_delete(&f, "b-1", true);
	doc = run_yaml(&f, chain_then_failure, PROV_EWORKFLOW);
	trace = event_trace(&f);
	ck_assert_contains(trace, "RollbackStarted\nResourceDeleted\nRollbackFailed\n"
			   "ResourceDeleted\nRollbackCompleted\n");
	ck_assert_int_eq(deleted_seq("c-1"), 1);
	ck_assert_int_eq(deleted_seq("b-1"), 0);
	ck_assert_int_eq(deleted_seq("a-1"), 2);
	ck_assert_int_eq(json_object_array_length(doc_get(doc, "result.resources")), 1);
	ck_assert_contains(doc_string(doc, "error.message"), "1 rollback action failed");
	/* Still refused: the action stays. */
	json_object_put(rollback_id(&f, "wf-retry-undo", PROV_EPARTIAL));
	refuse_delete(&f, "b-1", false);
	again = rollback_id(&f, "wf-retry-undo", PROV_OK);
	ck_assert_int_eq(deleted_seq("b-1"), 3);
	ck_assert_int_eq(json_object_array_length(doc_get(again, "result.resources")), 0);
	ck_assert_int_eq(json_object_array_length(doc_get(again, "result.data.undone")), 3);
	ck_assert_str_eq(doc_string(again, "status"), "error");
	free(trace);
	json_object_put(doc);
	json_object_put(again);
}
END_TEST

START_TEST(test_a_rolled_back_workflow_is_not_resumed)
{
	json_object *doc = run_yaml(&f, chain_then_failure, PROV_EWORKFLOW), *again;
	json_object *server;

	again = resume_id(&f, "wf-retry-undo", PROV_EWORKFLOW);
	server = cloud_server(&f, "a-1");
	ck_assert_int_eq(json_object_get_int(doc_get(server, "creates")), 1);
	ck_assert(json_object_get_boolean(doc_get(again, "result.data.rolled_back")));
	json_object_put(server);
	json_object_put(doc);
	json_object_put(again);
}
END_TEST

START_TEST(test_resume_runs_failed_and_skipped_operations_again)
{
	static const char yaml[] =
		"workflow_id: wf-again\n"
		"rollback: {enabled: false}\n"
		"retry: {max_attempts: 1}\n"
		"operations:\n"
		"  - {id: a, provider: cloud, action: create_server, params: {hostname: a-1}}\n"
		"  - {id: b, provider: cloud, action: create_server,\n"
		"     params: {hostname: b-1, fail_attempts: 1}, depends_on: [a]}\n"
		"  - {id: c, provider: cloud, action: create_server,\n"
		"     params: {hostname: c-1, ip: \"{{ops.a.output.ip_address}}\"}, depends_on: [b]}\n";
	json_object *doc = run_yaml(&f, yaml, PROV_EWORKFLOW), *again, *a, *c;

	ck_assert_str_eq(op_status(doc, "c"), "skipped");
	again = resume_id(&f, "wf-again", PROV_OK);
	ck_assert_str_eq(op_status(again, "b"), "completed");
	ck_assert_str_eq(op_status(again, "c"), "completed");
	a = cloud_server(&f, "a-1");
	c = cloud_server(&f, "c-1");
	ck_assert_int_eq(json_object_get_int(doc_get(a, "creates")), 1);
	ck_assert_str_eq(doc_string(c, "spec.ip"), doc_string(a, "ip_address"));
	json_object_put(a);
	json_object_put(c);
	json_object_put(doc);
	json_object_put(again);
}
END_TEST

START_TEST(test_a_cancel_never_rolls_back)
{
	static char yaml[1024];
	struct wf_trigger t;
	json_object *doc;

	snprintf(yaml, sizeof(yaml),
		 "workflow_id: wf-no-undo\n"
		 "operations:\n"
		 "  - {id: a, provider: cloud, action: create_server, params: {hostname: a-1}}\n"
		 "  - {id: b, provider: cloud, action: create_server,\n"
		 "     params: {hostname: b-1, wait_while: \"%s/hold\"}, depends_on: [a]}\n", f.dir);
	touch(f.dir, "hold", true);
	trigger_start(&t, &f, "OperationStarted", "\"op\":\"b\"", NULL);
	doc = run_yaml(&f, yaml, PROV_ECANCELLED);
	ck_assert(trigger_join(&t));
	ck_assert(!json_object_get_boolean(doc_get(doc, "result.data.rolled_back")));
	ck_assert_int_eq(deleted_seq("a-1"), 0);
	ck_assert_str_eq(op_status(doc, "b"), "cancelled");
	json_object_put(doc);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("workflow-failure");
	TCase *tc = tcase_create("failure");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_fail_lets_running_operations_finish_and_skips_the_rest);
	tcase_add_test(tc, test_an_error_with_rollback_enabled_undoes_newest_first);
	tcase_add_test(tc, test_on_failure_rollback_rolls_back_even_when_rollback_is_disabled);
	tcase_add_test(tc, test_continue_skips_hard_dependents_and_ends_partial);
	tcase_add_test(tc, test_partial_with_rollback_on_partial_failure_rolls_back);
	tcase_add_test(tc, test_preserve_successful_keeps_what_completed_operations_made);
	tcase_add_test(tc, test_preserve_successful_undoes_only_what_failed_operations_recorded);
	tcase_add_test(tc, test_a_failing_rollback_action_stays_and_a_later_rollback_retries_it);
	tcase_add_test(tc, test_a_rolled_back_workflow_is_not_resumed);
	tcase_add_test(tc, test_resume_runs_failed_and_skipped_operations_again);
	tcase_add_test(tc, test_a_cancel_never_rolls_back);
	suite_add_tcase(s, tc);
	return test_run_suite(s);
}
