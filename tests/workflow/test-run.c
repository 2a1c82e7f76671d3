/*
 * Runs through the API: the happy path, references between operations and
 * to the config, the events of a run in order, the checkpoint a run leaves,
 * `run` over an id that has a checkpoint, resume after a cancel, and
 * ownership.
 */
#include "workflow-test.h"

#include <pthread.h>
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

static const char diamond[] =
	"workflow_id: wf-diamond\n"
	"name: diamond\n"
	"retry: {max_attempts: 1}\n"
	"operations:\n"
	"  - {id: net, provider: cloud, action: create_server, params: {hostname: net-1}}\n"
	"  - id: db\n"
	"    provider: cloud\n"
	"    action: create_server\n"
	"    params: {hostname: db-1, zone: \"{{site.zone}}\", region: \"{{env.ZONE_FROM_ENV}}\"}\n"
	"    depends_on: [net]\n"
	"  - {id: cache, provider: cloud, action: create_server, params: {hostname: cache-1},\n"
	"     depends_on: [net]}\n"
	"  - id: web\n"
	"    provider: cloud\n"
	"    action: create_server\n"
	"    params:\n"
	"      hostname: web-1\n"
	"      db_ip: \"{{ops.db.output.ip_address}}\"\n"
	"      cache: \"http://{{ops.cache.output.hostname}}:{{site.size}}\"\n"
	"  - {id: hello, extension: greeter, action: greet, depends_on: [web]}\n";

START_TEST(test_a_diamond_runs_to_success_and_returns_every_output)
{
	json_object *doc = run_yaml(&f, diamond, PROV_OK);
	json_object *web = cloud_server(&f, "web-1");

	ck_assert_str_eq(doc_string(doc, "status"), "success");
	ck_assert_ptr_null(doc_get(doc, "error"));
	ck_assert_str_eq(doc_string(doc, "context.workflow_id"), "wf-diamond");
	ck_assert_int_eq(json_object_get_int(doc_get(doc, "context.step")), 5);
	for (const char *const *op = (const char *const[]){ "net", "db", "cache", "web", "hello", NULL };
	     *op; op++) {
		char path[128];

		snprintf(path, sizeof(path), "result.data.operations.%s.status", *op);
		ck_assert_str_eq(doc_string(doc, path), "completed");
	}
	ck_assert_str_eq(doc_string(doc, "result.data.operations.hello.output.greeting"), "hello");
	ck_assert_int_eq(json_object_array_length(doc_get(doc, "result.resources")), 4);
	ck_assert_str_eq(doc_string(web, "spec.db_ip"),
			 doc_string(doc, "result.data.operations.db.output.ip_address"));
	ck_assert_str_eq(doc_string(web, "spec.cache"), "http://cache-1:3");
	json_object_put(web);
	web = cloud_server(&f, "db-1");
	ck_assert_str_eq(doc_string(web, "spec.zone"), "z2");
	ck_assert_str_eq(doc_string(web, "spec.region"), "env-zone-1");
	json_object_put(web);
	json_object_put(doc);
}
END_TEST

START_TEST(test_the_events_of_a_small_workflow_come_in_this_order)
{
	static const char yaml[] =
		"workflow_id: wf-events\n"
		"parallel_limit: 1\n"
		"retry: {max_attempts: 2, backoff: none, initial_delay_ms: 1}\n"
		"operations:\n"
		"  - {id: a, provider: cloud, action: create_server, params: {hostname: a-1}}\n"
		"  - {id: b, provider: cloud, action: create_server,\n"
		"     params: {hostname: b-1, fail_attempts: 1}, depends_on: [a]}\n"
		"  - {id: c, extension: greeter, action: greet, depends_on: [b]}\n";
	json_object *doc = run_yaml(&f, yaml, PROV_OK);
	char *trace = event_trace(&f);

	ck_assert_str_eq(trace,
			 "WorkflowStarted\n"
			 "CheckpointSaved\n"
			 "OperationStarted a\n"
			 "ResourceCreated\n"
			 "OperationCompleted a\n"
			 "CheckpointSaved\n"
			 "OperationStarted b\n"
			 "OperationRetrying b\n"
			 "OperationStarted b\n"
			 "ResourceCreated\n"
			 "OperationCompleted b\n"
			 "CheckpointSaved\n"
			 "OperationStarted c\n"
			 "OperationCompleted c\n"
			 "CheckpointSaved\n"
			 "CheckpointSaved\n"
			 "WorkflowCompleted\n");
	ck_assert_int_eq(json_object_get_int(doc_get(doc, "result.data.operations.b.attempts")), 2);
	free(trace);
	json_object_put(doc);
}
END_TEST

START_TEST(test_the_checkpoint_holds_the_unresolved_definition_and_its_hash)
{
	prov_workflow *wf = load_yaml(diamond);
	prov_checkpoint *cp = NULL;
	char *definition = NULL, *sha = NULL, *result = NULL;

	ck_assert_int_eq(prov_workflow_run(&result, f.runner, wf), PROV_OK);
	ck_assert_int_eq(prov_checkpoint_store_load(&cp, f.store, "wf-diamond"), PROV_OK);
	ck_assert_int_eq(prov_checkpoint_get_state(&definition, cp, "definition"), PROV_OK);
	ck_assert_contains(definition, "{{env.ZONE_FROM_ENV}}");
	ck_assert_contains(definition, "{{ops.db.output.ip_address}}");
	ck_assert_int_eq(prov_checkpoint_get_state(&sha, cp, "definition_sha256"), PROV_OK);
	ck_assert_int_eq(strlen(sha), 66);
	ck_assert_int_eq(strncmp(sha + 1, prov_workflow_sha256(wf), 64), 0);
	ck_assert_int_eq(prov_checkpoint_step(cp), 5);
	ck_assert_uint_eq(prov_checkpoint_completed_count(cp), 5);
	prov_free(definition);
	prov_free(sha);
	prov_free(result);
	prov_checkpoint_free(cp);
	prov_workflow_free(wf);
}
END_TEST

START_TEST(test_running_a_finished_workflow_again_returns_the_stored_result)
{
	json_object *first = run_yaml(&f, diamond, PROV_OK), *second, *server;
	char *trace;

	free(event_trace(&f));
	second = run_yaml(&f, diamond, PROV_OK);
	trace = event_trace(&f);
	ck_assert_str_eq(trace, "");
	ck_assert_str_eq(doc_string(second, "result.data.operations.web.output.id"),
			 doc_string(first, "result.data.operations.web.output.id"));
	server = cloud_server(&f, "web-1");
	ck_assert_int_eq(json_object_get_int(doc_get(server, "creates")), 1);
	json_object_put(server);
	free(trace);
	json_object_put(first);
	json_object_put(second);
}
END_TEST

START_TEST(test_another_definition_under_a_used_id_is_refused)
{
	json_object *doc = run_yaml(&f, diamond, PROV_OK);
	prov_workflow *other = load_yaml("workflow_id: wf-diamond\noperations:\n"
					 "  - {id: x, provider: cloud, action: create_server,"
					 " params: {hostname: x}}\n");
	char *result = NULL;

	ck_assert_int_eq(prov_workflow_run(&result, f.runner, other), PROV_ECONFLICT);
	ck_assert_ptr_null(result);
	ck_assert_contains(prov_error_last()->message, "another definition");
	prov_workflow_free(other);
	json_object_put(doc);
}
END_TEST

/* quick and slow side by side, then after; slow waits while dir/hold exists. */
static char *cancellable(void)
{
	static char yaml[1024];

	snprintf(yaml, sizeof(yaml),
		 "workflow_id: wf-cancel\n"
		 "parallel_limit: 2\n"
		 "operations:\n"
		 "  - {id: quick, provider: cloud, action: create_server, params: {hostname: quick-1}}\n"
		 "  - {id: slow, provider: cloud, action: create_server,\n"
		 "     params: {hostname: slow-1, wait_while: \"%s/hold\"}}\n"
		 "  - {id: after, provider: cloud, action: create_server, params: {hostname: after-1},\n"
		 "     depends_on: [quick, slow]}\n", f.dir);
	return yaml;
}

static void hold(bool on)
{
	touch(f.dir, "hold", on);
}

START_TEST(test_a_cancel_from_another_thread_saves_the_checkpoint_without_rollback)
{
	struct wf_trigger t;
	json_object *doc, *quick;
	prov_checkpoint *cp = NULL;

	hold(true);
	trigger_start(&t, &f, "OperationStarted", "\"op\":\"slow\"", NULL);
	doc = run_yaml(&f, cancellable(), PROV_ECANCELLED);
	ck_assert(trigger_join(&t));
	ck_assert_str_eq(doc_string(doc, "status"), "cancelled");
	ck_assert_str_eq(doc_string(doc, "result.data.operations.slow.status"), "cancelled");
	ck_assert_str_eq(doc_string(doc, "result.data.operations.after.status"), "cancelled");
	ck_assert(!json_object_get_boolean(doc_get(doc, "result.data.rolled_back")));
	quick = cloud_server(&f, "quick-1");
	ck_assert_int_eq(json_object_get_int(doc_get(quick, "deleted_seq")), 0);
	ck_assert_int_eq(prov_checkpoint_store_load(&cp, f.store, "wf-cancel"), PROV_OK);
	ck_assert_str_eq(prov_checkpoint_operation_status(cp, "slow"), "cancelled");
	prov_checkpoint_free(cp);
	json_object_put(quick);
	json_object_put(doc);
}
END_TEST

START_TEST(test_resume_by_id_continues_a_cancelled_run_from_its_checkpoint)
{
	struct wf_trigger t;
	json_object *doc, *quick, *slow;
	prov_workflow *changed = load_yaml("workflow_id: wf-cancel\noperations:\n"
					   "  - {id: x, provider: cloud, action: create_server,"
					   " params: {hostname: x}}\n");
	char *result = NULL;

	hold(true);
	trigger_start(&t, &f, "OperationStarted", "\"op\":\"slow\"", NULL);
	json_object_put(run_yaml(&f, cancellable(), PROV_ECANCELLED));
	ck_assert(trigger_join(&t));
	/* The file changed since: run FILE refuses, resume ID uses the stored one. */
	ck_assert_int_eq(prov_workflow_run(&result, f.runner, changed), PROV_ECONFLICT);
	prov_workflow_free(changed);
	hold(false);
	doc = resume_id(&f, "wf-cancel", PROV_OK);
	ck_assert_str_eq(doc_string(doc, "result.data.operations.after.status"), "completed");
	quick = cloud_server(&f, "quick-1");
	slow = cloud_server(&f, "slow-1");
	ck_assert_int_eq(json_object_get_int(doc_get(quick, "creates")), 1);
	ck_assert_int_eq(json_object_get_int(doc_get(slow, "creates")), 1);
	json_object_put(quick);
	json_object_put(slow);
	json_object_put(doc);
}
END_TEST

START_TEST(test_a_second_owner_is_refused_naming_the_holder)
{
	prov_checkpoint_store_options opt = PROV_CHECKPOINT_STORE_OPTIONS_INIT;
	prov_checkpoint_store *other = NULL;
	prov_checkpoint_token *token = NULL;
	prov_workflow *wf = load_yaml(diamond);
	char *result = NULL, *dir = test_path(f.dir, "checkpoints");

	opt.dir = dir;
	ck_assert_int_eq(prov_checkpoint_store_open(&other, &opt), PROV_OK);
	ck_assert_int_eq(prov_checkpoint_store_acquire(&token, other, "wf-diamond"), PROV_OK);
	ck_assert_int_eq(prov_workflow_run(&result, f.runner, wf), PROV_EBUSY);
	ck_assert_ptr_null(result);
	ck_assert_contains(prov_error_last()->message, "workflow wf-diamond is already running");
	ck_assert_contains(prov_error_last()->message, "process");
	prov_checkpoint_store_release(other, token);
	prov_checkpoint_token_free(token);
	prov_checkpoint_store_close(other);
	ck_assert_int_eq(prov_workflow_run(&result, f.runner, wf), PROV_OK);
	prov_free(result);
	prov_workflow_free(wf);
	free(dir);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("workflow-run");
	TCase *tc = tcase_create("run");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_a_diamond_runs_to_success_and_returns_every_output);
	tcase_add_test(tc, test_the_events_of_a_small_workflow_come_in_this_order);
	tcase_add_test(tc, test_the_checkpoint_holds_the_unresolved_definition_and_its_hash);
	tcase_add_test(tc, test_running_a_finished_workflow_again_returns_the_stored_result);
	tcase_add_test(tc, test_another_definition_under_a_used_id_is_refused);
	tcase_add_test(tc, test_a_cancel_from_another_thread_saves_the_checkpoint_without_rollback);
	tcase_add_test(tc, test_resume_by_id_continues_a_cancelled_run_from_its_checkpoint);
	tcase_add_test(tc, test_a_second_owner_is_refused_naming_the_holder);
	suite_add_tcase(s, tc);
	return test_run_suite(s);
}
