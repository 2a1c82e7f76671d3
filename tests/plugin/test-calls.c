/*
 * Host-side calls: the data exchange document on success and failure, the
 * error recorded for the caller, idempotency keys, cancellation, and
 * extension lifecycles and tasks.
 */
#include "test-util.h"
#include "plugin-test.h"

#include "plugin/call.h"

static prov_registry *fake_registry(void)
{
	const char *plugins[] = { "fake", NULL };
	prov_registry *reg = test_registry(plugins);

	ck_assert_int_eq(prov_registry_add_provider(reg, "cloud", "{\"plugin\":\"fake\"}"), PROV_OK);
	return reg;
}

START_TEST(test_a_successful_call_returns_the_result_document)
{
	prov_registry *reg = fake_registry();
	char *doc = NULL;
	json_object *d;

	ck_assert_int_eq(prov_provider_create_server(&doc, reg, "cloud", "{\"hostname\":\"web\"}", NULL),
			 PROV_OK);
	d = test_document(doc, "success");
	ck_assert_str_eq(test_doc_string(d, "result.operation"), "create_server");
	ck_assert_str_eq(test_doc_string(d, "result.resources.0"), "fake-1");
	ck_assert_str_eq(test_doc_string(d, "result.data.hostname"), "web");
	ck_assert_str_eq(test_doc_string(d, "result.metadata.provider"), "cloud");
	ck_assert(json_object_get_type(json_object_object_get(d, "error")) == json_type_null);
	json_object_put(d);
	prov_registry_free(reg);
}
END_TEST

START_TEST(test_a_provider_failure_carries_its_code_and_the_provider_name)
{
	prov_registry *reg = fake_registry();
	char *doc = NULL;
	json_object *d;

	ck_assert_int_eq(prov_provider_create_server(&doc, reg, "cloud", "{\"hostname\":\"fail\"}", NULL),
			 PROV_EPROVIDER);
	ck_assert_int_eq(prov_error_last()->category, PROV_ERRCAT_PROVIDER);
	ck_assert_str_eq(prov_error_last()->provider, "cloud");
	ck_assert(test_error_mentions("QUOTA: quota exceeded"));
	d = test_document(doc, "error");
	ck_assert_str_eq(test_doc_string(d, "error.code"), "QUOTA");
	ck_assert_str_eq(test_doc_string(d, "error.message"), "quota exceeded");
	ck_assert_str_eq(test_doc_string(d, "error.details.limit"), "3");
	json_object_put(d);
	prov_registry_free(reg);
}
END_TEST

START_TEST(test_a_failure_without_a_reason_still_names_the_call)
{
	prov_registry *reg = fake_registry();
	char *doc = NULL;
	json_object *d;

	ck_assert_int_eq(prov_provider_create_server(&doc, reg, "cloud", "{\"hostname\":\"silent\"}", NULL),
			 PROV_EPROVIDER);
	ck_assert(test_error_mentions("create_server failed (returned 7)"));
	d = test_document(doc, "error");
	ck_assert_str_eq(test_doc_string(d, "error.code"), "provider_error");
	json_object_put(d);
	prov_registry_free(reg);
}
END_TEST

START_TEST(test_malformed_output_is_reported_with_its_beginning)
{
	prov_registry *reg = fake_registry();
	char *doc = NULL;
	json_object *d;

	ck_assert_int_eq(prov_provider_create_server(&doc, reg, "cloud",
						     "{\"hostname\":\"malformed\"}", NULL),
			 PROV_EPROVIDER);
	ck_assert(test_error_mentions("malformed JSON"));
	ck_assert(test_error_mentions("it begins: {\"id\": oops"));
	d = test_document(doc, "error");
	ck_assert_str_eq(test_doc_string(d, "error.code"), "invalid_output");
	json_object_put(d);
	prov_registry_free(reg);
}
END_TEST

START_TEST(test_the_idempotency_key_joins_workflow_and_operation)
{
	prov_registry *reg = fake_registry();
	prov_call_options opt = PROV_CALL_OPTIONS_INIT;
	char *doc = NULL;
	json_object *d;

	opt.workflow_id = "wf-123";
	opt.operation_id = "db";
	ck_assert_int_eq(prov_provider_get_server(&doc, reg, "cloud", "srv-9", &opt), PROV_OK);
	d = test_document(doc, "success");
	ck_assert_str_eq(test_doc_string(d, "result.data.key"), "wf-123/db");
	ck_assert_str_eq(test_doc_string(d, "result.data.id"), "srv-9");
	ck_assert_str_eq(test_doc_string(d, "context.idempotency_key"), "wf-123/db");
	ck_assert_str_eq(test_doc_string(d, "context.workflow_id"), "wf-123");
	json_object_put(d);
	prov_registry_free(reg);
}
END_TEST

START_TEST(test_an_unknown_instance_still_gets_a_document)
{
	prov_registry *reg = fake_registry();
	char *doc = NULL;
	json_object *d;

	ck_assert_int_eq(prov_provider_list_servers(&doc, reg, "nowhere", NULL), PROV_ENOTFOUND);
	ck_assert(test_error_mentions("no provider instance named 'nowhere'"));
	d = test_document(doc, "error");
	ck_assert_str_eq(test_doc_string(d, "error.code"), "not_found");
	json_object_put(d);
	prov_registry_free(reg);
}
END_TEST

START_TEST(test_an_action_on_one_server_needs_its_id)
{
	prov_registry *reg = fake_registry();
	char *doc = NULL;

	ck_assert_int_eq(prov_provider_call(&doc, reg, "cloud", "get_server", "{}", NULL), PROV_EINVAL);
	ck_assert(test_error_mentions("needs a server id"));
	json_object_put(test_document(doc, "error"));
	ck_assert_int_eq(prov_provider_call(&doc, reg, "cloud", "get_server", "[1]", NULL), PROV_EINVAL);
	json_object_put(test_document(doc, "error"));
	ck_assert_int_eq(prov_provider_call(&doc, reg, "cloud", "teleport", NULL, NULL), PROV_EUNSUPPORTED);
	json_object_put(test_document(doc, "error"));
	prov_registry_free(reg);
}
END_TEST

static int always(void *userdata)
{
	(void)userdata;
	return 1;
}

START_TEST(test_a_cancelled_call_ends_cancelled)
{
	prov_registry *reg = fake_registry();
	prov_call_options opt = PROV_CALL_OPTIONS_INIT;
	char *doc = NULL;

	opt.cancelled = always;
	ck_assert_int_eq(prov_provider_create_server(&doc, reg, "cloud", "{\"hostname\":\"patient\"}", &opt),
			 PROV_ECANCELLED);
	json_object_put(test_document(doc, "cancelled"));
	prov_registry_free(reg);
}
END_TEST

START_TEST(test_the_internal_api_returns_the_data_as_a_tree)
{
	prov_registry *reg = fake_registry();
	prov_call_context ctx = { "wf-1", "web", prov_call_deadline_in(60000), NULL, NULL };
	prov_call_result result;

	ck_assert(prov_registry_has_action(reg, "cloud", "create_server"));
	ck_assert(!prov_registry_has_action(reg, "cloud", "start_server"));
	ck_assert_int_eq(prov_registry_call_action(&result, reg, "cloud", "create_server",
						   "{\"hostname\":\"web\"}", &ctx), PROV_OK);
	ck_assert_str_eq(prov_value_get_str(prov_value_lookup(result.data, "id"), NULL), "fake-1");
	ck_assert(strstr(result.document, "\"wf-1/web\""));
	prov_call_result_release(&result);
	prov_registry_free(reg);
}
END_TEST

static void collect(int level, const char *instance, const char *message, void *userdata)
{
	char *trace = userdata;

	(void)level;
	(void)instance;
	strcat(trace, message);
	strcat(trace, " ");
}

START_TEST(test_an_extension_runs_its_lifecycle_in_order)
{
	char trace[256] = "";
	const char *plugins[] = { "greeter", NULL };
	prov_plugin_options opt = PROV_PLUGIN_OPTIONS_INIT;
	prov_registry *reg;

	opt.log = collect;
	opt.userdata = trace;
	reg = test_registry_with(&opt, plugins);
	ck_assert_int_eq(prov_registry_add_extension(reg, "hello", "greeter", NULL), PROV_OK);
	ck_assert_str_eq(trace, "init validate activate ");
	prov_registry_free(reg);
	ck_assert_str_eq(trace, "init validate activate deactivate fini ");
}
END_TEST

START_TEST(test_extension_tasks_are_called_by_name)
{
	const char *plugins[] = { "greeter", NULL };
	prov_registry *reg = test_registry(plugins);
	char *doc = NULL;
	json_object *d;

	ck_assert_int_eq(prov_registry_add_extension(reg, "greeter", NULL, NULL), PROV_OK);
	ck_assert_int_eq(prov_extension_run_task(&doc, reg, "greeter", "greet", NULL, NULL), PROV_OK);
	d = test_document(doc, "success");
	ck_assert_str_eq(test_doc_string(d, "result.data.greeting"), "hello");
	json_object_put(d);
	ck_assert_int_eq(prov_extension_run_task(&doc, reg, "greeter", "refuse", NULL, NULL),
			 PROV_EPROVIDER);
	json_object_put(test_document(doc, "error"));
	ck_assert_int_eq(prov_extension_run_task(&doc, reg, "greeter", "dance", NULL, NULL),
			 PROV_EUNSUPPORTED);
	ck_assert(test_error_mentions("has no task 'dance'"));
	json_object_put(test_document(doc, "error"));
	prov_registry_free(reg);
}
END_TEST

START_TEST(test_an_extension_refusing_init_is_not_added)
{
	const char *plugins[] = { "greeter", NULL };
	prov_registry *reg = test_registry(plugins);
	char *doc = NULL;

	ck_assert_int_eq(prov_registry_add_extension(reg, "greeter", NULL, "{\"mode\":\"refuse\"}"),
			 PROV_EPLUGIN);
	ck_assert_int_eq(prov_extension_run_task(&doc, reg, "greeter", "greet", NULL, NULL),
			 PROV_ENOTFOUND);
	json_object_put(test_document(doc, "error"));
	prov_registry_free(reg);
}
END_TEST

START_TEST(test_instance_names_are_unique)
{
	prov_registry *reg = fake_registry();

	ck_assert_int_eq(prov_registry_add_provider(reg, "cloud", "{\"plugin\":\"fake\"}"), PROV_EEXISTS);
	ck_assert_int_eq(prov_registry_add_provider(reg, "bad", "[1, 2]"), PROV_ECONFIG);
	prov_registry_free(reg);
}
END_TEST

static Suite *calls_suite(void)
{
	Suite *s = suite_create("plugin-calls");
	TCase *providers = tcase_create("providers");
	TCase *extensions = tcase_create("extensions");

	tcase_add_test(providers, test_a_successful_call_returns_the_result_document);
	tcase_add_test(providers, test_a_provider_failure_carries_its_code_and_the_provider_name);
	tcase_add_test(providers, test_a_failure_without_a_reason_still_names_the_call);
	tcase_add_test(providers, test_malformed_output_is_reported_with_its_beginning);
	tcase_add_test(providers, test_the_idempotency_key_joins_workflow_and_operation);
	tcase_add_test(providers, test_an_unknown_instance_still_gets_a_document);
	tcase_add_test(providers, test_an_action_on_one_server_needs_its_id);
	tcase_add_test(providers, test_a_cancelled_call_ends_cancelled);
	tcase_add_test(providers, test_the_internal_api_returns_the_data_as_a_tree);
	tcase_add_test(providers, test_instance_names_are_unique);
	tcase_add_test(extensions, test_an_extension_runs_its_lifecycle_in_order);
	tcase_add_test(extensions, test_extension_tasks_are_called_by_name);
	tcase_add_test(extensions, test_an_extension_refusing_init_is_not_added);
	suite_add_tcase(s, providers);
	suite_add_tcase(s, extensions);
	return s;
}

int main(void)
{
	return test_run_suite(calls_suite());
}
