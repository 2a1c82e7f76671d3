/*
 * The exec provider: the request on stdin, the document on stdout, stderr
 * kept, malformed output quoted, exit status, the output cap, and several
 * instances of one plugin.
 */
#include "test-util.h"
#include "plugin-test.h"

typedef struct fixture {
	char *dir;
	prov_registry *reg;
} fixture;

static fixture start_exec(void)
{
	const char *plugins[] = { "shipped:exec", NULL };
	fixture f = { test_tmpdir(), test_registry(plugins) };

	return f;
}

/* Add instance `name` running a shell script with `body`; extra config members. */
static void add_script(fixture *f, const char *name, const char *body, const char *extra)
{
	char *script = test_path(f->dir, name);
	char config[2048];
	int rc;

	test_write_file(script, body);
	snprintf(config, sizeof(config), "{\"plugin\":\"exec\",\"command\":[\"sh\",\"%s\"]%s%s}",
		 script, extra ? "," : "", extra ? extra : "");
	rc = prov_registry_add_provider(f->reg, name, config);
	ck_assert_msg(rc == PROV_OK, "%s", prov_error_last()->message);
	free(script);
}

static void stop_exec(fixture *f)
{
	prov_registry_free(f->reg);
	test_rmtree(f->dir);
	free(f->dir);
}

/* Echoes the request back as result.data, so tests can read what it got. */
static const char echo_script[] =
	"read -r request\n"
	"printf '{\"format_version\":1,\"status\":\"success\",\"result\":{\"data\":{\"action\":\"%s\",\"request\":%s}}}' \"$1\" \"$request\"\n";

START_TEST(test_the_program_gets_the_action_and_a_json_request)
{
	fixture f = start_exec();
	prov_call_options opt = PROV_CALL_OPTIONS_INIT;
	char *doc = NULL;
	json_object *d;

	add_script(&f, "cloud", echo_script, "\"region\":\"eu\"");
	opt.workflow_id = "wf-9";
	opt.operation_id = "web";
	ck_assert_int_eq(prov_provider_create_server(&doc, f.reg, "cloud", "{\"hostname\":\"h\"}", &opt),
			 PROV_OK);
	d = test_document(doc, "success");
	ck_assert_str_eq(test_doc_string(d, "result.data.action"), "create_server");
	ck_assert_str_eq(test_doc_string(d, "result.data.request.action"), "create_server");
	ck_assert_str_eq(test_doc_string(d, "result.data.request.params.hostname"), "h");
	ck_assert_str_eq(test_doc_string(d, "result.data.request.config.region"), "eu");
	ck_assert_str_eq(test_doc_string(d, "result.data.request.context.idempotency_key"), "wf-9/web");
	ck_assert_str_eq(test_doc_string(d, "result.data.request.context.operation"), "web");
	ck_assert_str_eq(test_doc_string(d, "result.data.request.format_version"), "1");
	json_object_put(d);
	stop_exec(&f);
}
END_TEST

START_TEST(test_several_instances_run_their_own_programs)
{
	fixture f = start_exec();
	char *doc = NULL;
	json_object *d;

	add_script(&f, "aws", "echo '{\"status\":\"success\",\"result\":{\"data\":\"aws\"}}'\n", NULL);
	add_script(&f, "upcloud", "echo '{\"status\":\"success\",\"result\":{\"data\":\"upcloud\"}}'\n", NULL);
	ck_assert_int_eq(prov_provider_list_servers(&doc, f.reg, "aws", NULL), PROV_OK);
	d = test_document(doc, "success");
	ck_assert_str_eq(test_doc_string(d, "result.data"), "aws");
	json_object_put(d);
	ck_assert_int_eq(prov_provider_list_servers(&doc, f.reg, "upcloud", NULL), PROV_OK);
	d = test_document(doc, "success");
	ck_assert_str_eq(test_doc_string(d, "result.data"), "upcloud");
	json_object_put(d);
	stop_exec(&f);
}
END_TEST

START_TEST(test_malformed_output_is_quoted_and_stderr_kept)
{
	fixture f = start_exec();
	char *doc = NULL;
	json_object *d;

	add_script(&f, "broken", "echo 'Traceback: something broke' >&2\n"
		   "echo 'this is not json at all'\n", NULL);
	ck_assert_int_eq(prov_provider_list_servers(&doc, f.reg, "broken", NULL), PROV_EPROVIDER);
	ck_assert(test_error_mentions("malformed output"));
	ck_assert(test_error_mentions("it begins: this is not json at all"));
	d = test_document(doc, "error");
	ck_assert_str_eq(test_doc_string(d, "error.code"), "INVALID_OUTPUT");
	ck_assert_str_eq(test_doc_string(d, "error.details.stderr"), "Traceback: something broke\n");
	json_object_put(d);
	stop_exec(&f);
}
END_TEST

START_TEST(test_only_the_first_200_bytes_are_quoted)
{
	fixture f = start_exec();
	char *doc = NULL;
	const char *message;

	add_script(&f, "long", "i=0; while [ $i -lt 100 ]; do printf 'abcdefghij'; i=$((i+1)); done\n", NULL);
	ck_assert_int_eq(prov_provider_list_servers(&doc, f.reg, "long", NULL), PROV_EPROVIDER);
	message = strstr(prov_error_last()->message, "it begins: ");
	ck_assert_ptr_nonnull(message);
	ck_assert_int_eq(strlen(message + strlen("it begins: ")), 200);
	prov_free(doc);
	stop_exec(&f);
}
END_TEST

START_TEST(test_a_reported_error_keeps_the_programs_code)
{
	fixture f = start_exec();
	char *doc = NULL;
	json_object *d;

	add_script(&f, "quota", "echo '{\"status\":\"error\",\"error\":{\"code\":\"ERR001\","
		   "\"message\":\"quota exceeded\",\"details\":{\"limit\":2}}}'\nexit 1\n", NULL);
	ck_assert_int_eq(prov_provider_create_server(&doc, f.reg, "quota", "{}", NULL), PROV_EPROVIDER);
	ck_assert(test_error_mentions("ERR001: quota exceeded"));
	d = test_document(doc, "error");
	ck_assert_str_eq(test_doc_string(d, "error.code"), "ERR001");
	ck_assert_str_eq(test_doc_string(d, "error.details.limit"), "2");
	json_object_put(d);
	stop_exec(&f);
}
END_TEST

START_TEST(test_a_non_zero_exit_without_a_document_is_a_failure)
{
	fixture f = start_exec();
	char *doc = NULL;
	json_object *d;

	add_script(&f, "crash", "echo 'segfault' >&2\nexit 3\n", NULL);
	ck_assert_int_eq(prov_provider_list_servers(&doc, f.reg, "crash", NULL), PROV_EPROVIDER);
	ck_assert(test_error_mentions("exited with status 3"));
	d = test_document(doc, "error");
	ck_assert_str_eq(test_doc_string(d, "error.code"), "EXIT_STATUS");
	ck_assert_str_eq(test_doc_string(d, "error.details.stderr"), "segfault\n");
	json_object_put(d);
	stop_exec(&f);
}
END_TEST

START_TEST(test_output_past_the_cap_is_refused)
{
	fixture f = start_exec();
	char *doc = NULL;
	json_object *d;

	add_script(&f, "chatty", "i=0; while [ $i -lt 500 ]; do echo 0123456789; i=$((i+1)); done\n",
		   "\"output_limit\":1000");
	ck_assert_int_eq(prov_provider_list_servers(&doc, f.reg, "chatty", NULL), PROV_EPROVIDER);
	ck_assert(test_error_mentions("output limit of 1000 bytes"));
	d = test_document(doc, "error");
	ck_assert_str_eq(test_doc_string(d, "error.code"), "OUTPUT_TOO_LARGE");
	json_object_put(d);
	stop_exec(&f);
}
END_TEST

START_TEST(test_a_missing_program_is_reported)
{
	const char *plugins[] = { "shipped:exec", NULL };
	prov_registry *reg = test_registry(plugins);
	char *doc = NULL;

	ck_assert_int_eq(prov_registry_add_provider(reg, "ghost",
		"{\"plugin\":\"exec\",\"command\":[\"/nonexistent/program\"]}"), PROV_OK);
	ck_assert_int_eq(prov_provider_list_servers(&doc, reg, "ghost", NULL), PROV_EPROVIDER);
	ck_assert(test_error_mentions("/nonexistent/program"));
	json_object_put(test_document(doc, "error"));
	ck_assert_int_eq(prov_registry_add_provider(reg, "nocommand", "{\"plugin\":\"exec\"}"),
			 PROV_EPLUGIN);
	ck_assert(test_error_mentions("providers.nocommand.command"));
	prov_registry_free(reg);
}
END_TEST

static Suite *exec_suite(void)
{
	Suite *s = suite_create("plugin-exec");
	TCase *tc = tcase_create("exec provider");

	tcase_add_test(tc, test_the_program_gets_the_action_and_a_json_request);
	tcase_add_test(tc, test_several_instances_run_their_own_programs);
	tcase_add_test(tc, test_malformed_output_is_quoted_and_stderr_kept);
	tcase_add_test(tc, test_only_the_first_200_bytes_are_quoted);
	tcase_add_test(tc, test_a_reported_error_keeps_the_programs_code);
	tcase_add_test(tc, test_a_non_zero_exit_without_a_document_is_a_failure);
	tcase_add_test(tc, test_output_past_the_cap_is_refused);
	tcase_add_test(tc, test_a_missing_program_is_reported);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return test_run_suite(exec_suite());
}
