/*
 * Definitions: the three formats, defaults and the normalised form, every
 * kind of problem reported together with its file:line, plans and graphs.
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

static prov_workflow *load_as(const char *name, const char *text, prov_format format)
{
	prov_workflow *wf = NULL;
	int rc = prov_workflow_load_string(&wf, name, text, strlen(text), format);

	ck_assert_msg(rc == PROV_OK, "load failed: %s", prov_error_last()->message);
	return wf;
}

START_TEST(test_the_three_formats_of_one_definition_have_one_hash)
{
	prov_workflow *yaml = load_as("w.yaml",
				      "workflow_id: wf-1\nname: n\noperations:\n"
				      "  - {id: a, provider: cloud, action: create_server, params: {hostname: h}}\n"
				      "  - {id: b, provider: cloud, action: create_server, params: {hostname: i}}\n"
				      "dependencies: {b: [a]}\n", PROV_FORMAT_YAML);
	prov_workflow *toml = load_as("w.toml",
				      "workflow_id = \"wf-1\"\nname = \"n\"\n"
				      "[[operations]]\nid = \"a\"\nprovider = \"cloud\"\naction = \"create_server\"\n"
				      "params = { hostname = \"h\" }\n"
				      "[[operations]]\nid = \"b\"\nprovider = \"cloud\"\naction = \"create_server\"\n"
				      "params = { hostname = \"i\" }\ndepends_on = [\"a\"]\n", PROV_FORMAT_TOML);
	prov_workflow *json = load_as("w.json",
				      "{\"workflow_id\":\"wf-1\",\"name\":\"n\",\"operations\":["
				      "{\"id\":\"a\",\"provider\":\"cloud\",\"action\":\"create_server\","
				      "\"params\":{\"hostname\":\"h\"}},"
				      "{\"id\":\"b\",\"provider\":\"cloud\",\"action\":\"create_server\","
				      "\"params\":{\"hostname\":\"i\"},\"depends_on\":[{\"op\":\"a\"}]}]}",
				      PROV_FORMAT_JSON);

	ck_assert_str_eq(prov_workflow_sha256(yaml), prov_workflow_sha256(toml));
	ck_assert_str_eq(prov_workflow_sha256(yaml), prov_workflow_sha256(json));
	ck_assert_int_eq(strlen(prov_workflow_sha256(yaml)), 64);
	prov_workflow_free(yaml);
	prov_workflow_free(toml);
	prov_workflow_free(json);
}
END_TEST

START_TEST(test_the_normalised_form_spells_out_defaults_and_reads_back_the_same)
{
	prov_workflow *wf = load_yaml("workflow_id: wf-2\noperations:\n"
				      "  - {id: a, provider: cloud, action: create_server,"
				      " params: {hostname: \"{{env.HOST}}\"}, retry: {max_attempts: 5}}\n");
	prov_workflow *again;
	json_object *doc;
	char *json = NULL;

	ck_assert_int_eq(prov_workflow_to_json(&json, wf), PROV_OK);
	doc = json_tokener_parse(json);
	ck_assert_int_eq(json_object_get_int(doc_get(doc, "format_version")), 1);
	ck_assert_int_eq(json_object_get_int(doc_get(doc, "parallel_limit")), 4);
	ck_assert_int_eq(json_object_get_int(doc_get(doc, "timeout_ms")), 300000);
	ck_assert_str_eq(doc_string(doc, "retry.backoff"), "exponential");
	ck_assert_int_eq(json_object_get_int(doc_get(doc, "retry.max_attempts")), 3);
	ck_assert_int_eq(json_object_get_int(doc_get(doc, "retry.initial_delay_ms")), 500);
	ck_assert_int_eq(json_object_get_int(doc_get(doc, "retry.max_delay_ms")), 30000);
	ck_assert(json_object_get_boolean(doc_get(doc, "rollback.enabled")));
	ck_assert(!json_object_get_boolean(doc_get(doc, "rollback.on_partial_failure")));
	ck_assert(!json_object_get_boolean(doc_get(doc, "rollback.preserve_successful")));
	ck_assert_str_eq(doc_string(doc, "operations.0.on_failure"), "fail");
	ck_assert_int_eq(json_object_get_int(doc_get(doc, "operations.0.retry.max_attempts")), 5);
	ck_assert_str_eq(doc_string(doc, "operations.0.params.hostname"), "{{env.HOST}}");
	again = load_as("checkpoint wf-2", json, PROV_FORMAT_JSON);
	ck_assert_str_eq(prov_workflow_sha256(again), prov_workflow_sha256(wf));
	json_object_put(doc);
	prov_free(json);
	prov_workflow_free(again);
	prov_workflow_free(wf);
}
END_TEST

START_TEST(test_a_definition_without_an_id_gets_one)
{
	prov_workflow *wf = load_yaml("operations:\n"
				      "  - {id: a, provider: cloud, action: create_server}\n");
	const char *id = prov_workflow_id(wf);

	ck_assert_int_eq(strncmp(id, "wf-", 3), 0);
	ck_assert_int_eq(strlen(id), strlen("wf-20260101-120000-abcdef"));
	ck_assert_int_eq(prov_workflow_id_validate(id), PROV_OK);
	ck_assert_str_eq(prov_workflow_name(wf), id);
	prov_workflow_free(wf);
}
END_TEST

START_TEST(test_a_newer_format_version_is_refused_by_name)
{
	prov_workflow *wf = NULL;
	const char *text = "format_version: 2\noperations: []\n";

	ck_assert_int_eq(prov_workflow_load_string(&wf, "new.yaml", text, strlen(text),
						   PROV_FORMAT_YAML), PROV_EVERSION);
	ck_assert_contains(prov_error_last()->message, "new.yaml:1: workflow definition format_version 2");
	ck_assert_ptr_null(wf);
}
END_TEST

START_TEST(test_syntax_errors_name_the_file_and_line)
{
	prov_workflow *wf = NULL;
	const char *text = "operations:\n  - id: a\n   bad: [\n";

	ck_assert_int_eq(prov_workflow_load_string(&wf, "broken.yaml", text, strlen(text),
						   PROV_FORMAT_YAML), PROV_EPARSE);
	ck_assert_contains(prov_error_last()->message, "broken.yaml:");
}
END_TEST

static const char every_problem[] =
	"workflow_id: wf-bad\n"                                                     /* 1 */
	"paralel_limit: 3\n"                                                        /* 2 */
	"timeout_ms: soon\n"                                                        /* 3 */
	"operations:\n"                                                             /* 4 */
	"  - {id: a, provider: cloud, action: create_server, depends_on: [ghost]}\n" /* 5 */
	"  - {id: a, provider: cloud, action: create_server}\n"                     /* 6 */
	"  - {provider: cloud, action: create_server}\n"                            /* 7 */
	"  - {id: b, provider: nowhere, action: create_server}\n"                   /* 8 */
	"  - {id: c, provider: cloud, action: create_servr}\n"                      /* 9 */
	"  - {id: d, extension: greeter, action: wave}\n"                           /* 10 */
	"  - {id: e, provider: cloud, action: create_server, depends_on: [f]}\n"    /* 11 */
	"  - {id: f, provider: cloud, action: create_server, depends_on: [e]}\n"    /* 12 */
	"  - id: g\n"                                                               /* 13 */
	"    provider: cloud\n"                                                     /* 14 */
	"    action: create_server\n"                                               /* 15 */
	"    params: {ip: \"{{ops.zz.output.ip}}\", zone: \"{{site.nowhere}}\",\n"  /* 16 */
	"             key: \"{{env.NOT_SET_ANYWHERE}}\", shape: \"{{ops.a.result}}\"}\n" /* 17 */
	"    on_failure: explode\n";                                                /* 18 */

START_TEST(test_every_kind_of_problem_is_reported_together_with_file_and_line)
{
	prov_workflow *wf = load_yaml(every_problem);
	char *report = NULL;
	static const char *const expected[] = {
		"wf.yaml:2: unknown key 'paralel_limit' in the workflow\n",
		"wf.yaml:3: timeout_ms must be an integer of at least 1\n",
		"wf.yaml:7: an operation needs an id\n",
		"wf.yaml:18: on_failure must be fail, continue or rollback\n",
		"wf.yaml:6: duplicate operation id 'a' (first at line 5)\n",
		"wf.yaml:5: operation 'a' depends on 'ghost', which does not exist\n",
		"wf.yaml:16: {{ops.zz.output.ip}} refers to operation 'zz', which does not exist\n",
		"wf.yaml:17: {{ops.a.result}}: an operation's output is written {{ops.ID.output.FIELD}}\n",
		"wf.yaml:11: dependency cycle: e -> f -> e\n",
		"wf.yaml:8: operation 'b': unknown provider 'nowhere': ",
		"wf.yaml:9: operation 'c': provider 'cloud' has no action 'create_servr'\n",
		"wf.yaml:10: operation 'd': no loaded extension 'greeter' with a task 'wave'",
		"wf.yaml:16: unknown reference {{site.nowhere}}\n",
		"wf.yaml:17: environment variable NOT_SET_ANYWHERE is not set",
	};

	ck_assert_int_eq(prov_workflow_validate(&report, f.runner, wf), PROV_ECONFIG);
	ck_assert_contains(prov_error_last()->message, "wf.yaml has 14 problems; the first: "
			   "wf.yaml:2: unknown key 'paralel_limit'");
	ck_assert_str_eq(prov_error_last()->file, "wf.yaml");
	ck_assert_int_eq(prov_error_last()->line, 2);
	for (size_t i = 0; i < sizeof(expected) / sizeof(expected[0]); i++)
		ck_assert_contains(report, expected[i]);
	prov_free(report);
	prov_workflow_free(wf);
}
END_TEST

START_TEST(test_without_a_runner_only_the_definition_is_checked)
{
	prov_workflow *wf = load_yaml("operations:\n"
				      "  - {id: a, provider: nowhere, action: anything}\n");
	char *report = NULL;

	ck_assert_int_eq(prov_workflow_validate(&report, NULL, wf), PROV_OK);
	ck_assert_str_eq(report, "");
	prov_free(report);
	ck_assert_int_eq(prov_workflow_validate(&report, f.runner, wf), PROV_ECONFIG);
	ck_assert_contains(report, "unknown provider 'nowhere'");
	prov_free(report);
	prov_workflow_free(wf);
}
END_TEST

START_TEST(test_a_bad_reference_in_the_configuration_layer_is_a_problem)
{
	prov_workflow *wf = load_yaml("configuration: {zone: \"{{missing.key}}\"}\n"
				      "operations:\n"
				      "  - {id: a, provider: cloud, action: create_server}\n");
	char *report = NULL;

	ck_assert_int_eq(prov_workflow_validate(&report, f.runner, wf), PROV_ECONFIG);
	ck_assert_contains(report, "wf.yaml:1: configuration: unknown reference {{missing.key}}");
	prov_free(report);
	prov_workflow_free(wf);
}
END_TEST

START_TEST(test_a_run_refuses_an_invalid_definition_before_calling_anything)
{
	prov_workflow *wf = load_yaml("workflow_id: wf-x\noperations:\n"
				      "  - {id: a, provider: cloud, action: create_server,"
				      " params: {hostname: a-1}}\n"
				      "  - {id: b, provider: cloud, action: create_server, depends_on: [zz]}\n");
	char *result = NULL;
	prov_checkpoint *cp = NULL;

	ck_assert_int_eq(prov_workflow_run(&result, f.runner, wf), PROV_ECONFIG);
	ck_assert_ptr_null(result);
	ck_assert_ptr_null(cloud_server(&f, "a-1"));
	ck_assert_int_eq(prov_checkpoint_store_load(&cp, f.store, "wf-x"), PROV_ENOTFOUND);
	prov_workflow_free(wf);
}
END_TEST

START_TEST(test_the_plan_shows_levels_and_resolved_calls_without_calling)
{
	prov_workflow *wf = load_yaml(
		"workflow_id: wf-plan\n"
		"configuration: {site: {zone: wf-zone}}\n"
		"operations:\n"
		"  - {id: db, provider: cloud, action: create_server,\n"
		"     params: {hostname: db-1, zone: \"{{site.zone}}\", api_token: \"{{env.ZONE_FROM_ENV}}\"}}\n"
		"  - {id: web, provider: cloud, action: create_server,\n"
		"     params: {hostname: web-1, db: \"{{ops.db.output.ip_address}}\"}}\n"
		"  - {id: hi, extension: greeter, action: greet, depends_on: [{op: web, type: soft}]}\n");
	char *plan = NULL;
	json_object *doc;

	ck_assert_int_eq(prov_workflow_plan(&plan, f.runner, wf), PROV_OK);
	doc = json_tokener_parse(plan);
	ck_assert_int_eq(json_object_array_length(doc_get(doc, "levels")), 3);
	ck_assert_str_eq(doc_string(doc, "levels.0.0.op"), "db");
	ck_assert_str_eq(doc_string(doc, "levels.0.0.params.zone"), "wf-zone");
	ck_assert_str_eq(doc_string(doc, "levels.0.0.params.api_token"), "***");
	ck_assert_str_eq(doc_string(doc, "levels.1.0.params.db"), "{{ops.db.output.ip_address}}");
	ck_assert_str_eq(doc_string(doc, "levels.1.0.depends_on.0"), "db");
	ck_assert_str_eq(doc_string(doc, "levels.2.0.extension"), "greeter");
	ck_assert_str_eq(doc_string(doc, "definition_sha256"), prov_workflow_sha256(wf));
	ck_assert_ptr_null(cloud_server(&f, "db-1"));
	json_object_put(doc);
	prov_free(plan);
	prov_workflow_free(wf);
}
END_TEST

START_TEST(test_graphs_draw_explicit_and_implied_dependencies)
{
	prov_workflow *wf = load_yaml(
		"name: g\noperations:\n"
		"  - {id: db, provider: cloud, action: create_server}\n"
		"  - {id: web, provider: cloud, action: create_server,\n"
		"     params: {db: \"{{ops.db.output.ip_address}}\"}}\n"
		"  - {id: dns, provider: cloud, action: create_server, depends_on: [{op: web, type: soft}]}\n");
	char *dot = NULL, *mermaid = NULL;

	ck_assert_int_eq(prov_workflow_graph(&dot, wf, "dot"), PROV_OK);
	ck_assert_contains(dot, "digraph \"g\" {");
	ck_assert_contains(dot, "\"db\" -> \"web\";");
	ck_assert_contains(dot, "\"web\" -> \"dns\" [style=dashed];");
	ck_assert_contains(dot, "\"db\" [label=\"db\\ncloud create_server\"];");
	ck_assert_int_eq(prov_workflow_graph(&mermaid, wf, "mermaid"), PROV_OK);
	ck_assert_contains(mermaid, "flowchart LR\n");
	ck_assert_contains(mermaid, "  op0 --> op1\n");
	ck_assert_contains(mermaid, "  op1 -.-> op2\n");
	ck_assert_contains(mermaid, "op0[\"db<br/>cloud create_server\"]");
	ck_assert_int_eq(prov_workflow_graph(&dot, wf, "svg"), PROV_EINVAL);
	prov_free(dot);
	prov_free(mermaid);
	prov_workflow_free(wf);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("workflow-definition");
	TCase *tc = tcase_create("definition");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_the_three_formats_of_one_definition_have_one_hash);
	tcase_add_test(tc, test_the_normalised_form_spells_out_defaults_and_reads_back_the_same);
	tcase_add_test(tc, test_a_definition_without_an_id_gets_one);
	tcase_add_test(tc, test_a_newer_format_version_is_refused_by_name);
	tcase_add_test(tc, test_syntax_errors_name_the_file_and_line);
	tcase_add_test(tc, test_every_kind_of_problem_is_reported_together_with_file_and_line);
	tcase_add_test(tc, test_without_a_runner_only_the_definition_is_checked);
	tcase_add_test(tc, test_a_bad_reference_in_the_configuration_layer_is_a_problem);
	tcase_add_test(tc, test_a_run_refuses_an_invalid_definition_before_calling_anything);
	tcase_add_test(tc, test_the_plan_shows_levels_and_resolved_calls_without_calling);
	tcase_add_test(tc, test_graphs_draw_explicit_and_implied_dependencies);
	suite_add_tcase(s, tc);
	return test_run_suite(s);
}
