/* The standard event helpers write valid, flat JSON whatever their input. */
#include "test-util.h"

#include <provisioning/bus.h>
#include <provisioning/error.h>

#include <json-c/json.h>

typedef struct fixture {
	prov_bus *bus;
	prov_bus_subscriber *sub;
} fixture;

static fixture setup_bus(void)
{
	fixture f;

	ck_assert_int_eq(prov_bus_new(&f.bus, NULL), PROV_OK);
	ck_assert_int_eq(prov_bus_subscribe(&f.sub, f.bus, NULL), PROV_OK);
	return f;
}

static void teardown_bus(fixture *f)
{
	prov_bus_unsubscribe(f->sub);
	prov_bus_free(f->bus);
}

/* The next event, parsed strictly (UTF-8 checked); asserts its envelope. */
static json_object *next_event(fixture *f, const char *type)
{
	json_tokener *tok = json_tokener_new();
	const prov_event *ev;
	json_object *doc, *member;
	size_t len;
	const char *text;

	ck_assert_int_eq(prov_bus_receive(&ev, NULL, f->sub, 0), PROV_OK);
	text = prov_event_json(ev, &len);
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
	doc = json_tokener_parse_ex(tok, text, (int)len + 1);
	ck_assert_msg(doc != NULL, "not valid JSON: %s", text);
	json_tokener_free(tok);
	ck_assert(json_object_is_type(doc, json_type_object));
	ck_assert(json_object_object_get_ex(doc, "type", &member));
	ck_assert_str_eq(json_object_get_string(member), type);
	ck_assert(json_object_object_get_ex(doc, "seq", &member));
	ck_assert_uint_eq((uint64_t)json_object_get_int64(member), prov_event_seq(ev));
	ck_assert(json_object_object_get_ex(doc, "format_version", &member));
	ck_assert_int_eq(json_object_get_int(member), 1);
	ck_assert(json_object_object_get_ex(doc, "timestamp", &member));
	return doc;
}

static const char *field_string(json_object *doc, const char *name)
{
	json_object *member;

	ck_assert_msg(json_object_object_get_ex(doc, name, &member), "no member %s", name);
	return json_object_get_string(member);
}

/* A member holding a JSON document, printed compactly. */
static const char *field_json(json_object *doc, const char *name)
{
	json_object *member;

	ck_assert_msg(json_object_object_get_ex(doc, name, &member), "no member %s", name);
	return json_object_to_json_string_ext(member, JSON_C_TO_STRING_PLAIN |
						      JSON_C_TO_STRING_NOSLASHESCAPE);
}

static int64_t field_int(json_object *doc, const char *name)
{
	json_object *member;

	ck_assert_msg(json_object_object_get_ex(doc, name, &member), "no member %s", name);
	ck_assert(json_object_is_type(member, json_type_int));
	return json_object_get_int64(member);
}

static bool field_is_null(json_object *doc, const char *name)
{
	json_object *member = (json_object *)1;

	return json_object_object_get_ex(doc, name, &member) && member == NULL;
}

/* The number of members besides format_version, type, seq and timestamp. */
static int field_count(json_object *doc)
{
	return json_object_object_length(doc) - 4;
}

START_TEST(test_workflow_events_carry_their_fields)
{
	fixture f = setup_bus();
	json_object *doc;

	ck_assert_int_eq(prov_bus_publish_workflow_started(NULL, f.bus, "wf-1", "deploy"), PROV_OK);
	ck_assert_int_eq(prov_bus_publish_workflow_completed(NULL, f.bus, "wf-1",
							     "{\"status\":\"success\"}"), PROV_OK);
	ck_assert_int_eq(prov_bus_publish_workflow_failed(NULL, f.bus, "wf-1", "boom"), PROV_OK);
	ck_assert_int_eq(prov_bus_publish_workflow_cancelled(NULL, f.bus, "wf-1"), PROV_OK);
	doc = next_event(&f, "WorkflowStarted");
	ck_assert_str_eq(field_string(doc, "workflow_id"), "wf-1");
	ck_assert_str_eq(field_string(doc, "name"), "deploy");
	ck_assert_int_eq(field_count(doc), 2);
	json_object_put(doc);
	doc = next_event(&f, "WorkflowCompleted");
	ck_assert_str_eq(field_json(doc, "result"), "{\"status\":\"success\"}");
	ck_assert_int_eq(field_count(doc), 2);
	json_object_put(doc);
	doc = next_event(&f, "WorkflowFailed");
	ck_assert_str_eq(field_string(doc, "error"), "boom");
	json_object_put(doc);
	doc = next_event(&f, "WorkflowCancelled");
	ck_assert_int_eq(field_count(doc), 1);
	json_object_put(doc);
	teardown_bus(&f);
}
END_TEST

START_TEST(test_operation_events_carry_their_fields)
{
	fixture f = setup_bus();
	json_object *doc;

	prov_bus_publish_operation_started(NULL, f.bus, "wf", "db", 1);
	prov_bus_publish_operation_completed(NULL, f.bus, "wf", "db", "{\"id\":\"srv-1\"}");
	prov_bus_publish_operation_failed(NULL, f.bus, "wf", "web", "timeout", 3);
	prov_bus_publish_operation_retrying(NULL, f.bus, "wf", "web", 2, 400, "refused");
	prov_bus_publish_operation_skipped(NULL, f.bus, "wf", "dns", "dependency web failed");
	doc = next_event(&f, "OperationStarted");
	ck_assert_str_eq(field_string(doc, "op"), "db");
	ck_assert_int_eq(field_int(doc, "attempt"), 1);
	json_object_put(doc);
	doc = next_event(&f, "OperationCompleted");
	ck_assert_str_eq(field_json(doc, "output"), "{\"id\":\"srv-1\"}");
	json_object_put(doc);
	doc = next_event(&f, "OperationFailed");
	ck_assert_str_eq(field_string(doc, "error"), "timeout");
	ck_assert_int_eq(field_int(doc, "attempts"), 3);
	json_object_put(doc);
	doc = next_event(&f, "OperationRetrying");
	ck_assert_int_eq(field_int(doc, "attempt"), 2);
	ck_assert_int_eq(field_int(doc, "delay_ms"), 400);
	ck_assert_str_eq(field_string(doc, "error"), "refused");
	json_object_put(doc);
	doc = next_event(&f, "OperationSkipped");
	ck_assert_str_eq(field_string(doc, "workflow_id"), "wf");
	ck_assert_str_eq(field_string(doc, "reason"), "dependency web failed");
	json_object_put(doc);
	teardown_bus(&f);
}
END_TEST

START_TEST(test_resource_rollback_and_checkpoint_events_carry_their_fields)
{
	fixture f = setup_bus();
	json_object *doc;

	prov_bus_publish_resource_created(NULL, f.bus, "local", "server", "srv-1");
	prov_bus_publish_resource_deleted(NULL, f.bus, "local", "server", "srv-1");
	prov_bus_publish_rollback_started(NULL, f.bus, "wf");
	prov_bus_publish_rollback_completed(NULL, f.bus, "wf", "[{\"type\":\"DeleteResource\"}]");
	prov_bus_publish_rollback_failed(NULL, f.bus, "wf", "{\"type\":\"CustomAction\"}", "exit 1");
	prov_bus_publish_checkpoint_saved(NULL, f.bus, "wf", 2);
	doc = next_event(&f, "ResourceCreated");
	ck_assert_str_eq(field_string(doc, "provider"), "local");
	ck_assert_str_eq(field_string(doc, "resource_type"), "server");
	ck_assert_str_eq(field_string(doc, "resource_id"), "srv-1");
	ck_assert_int_eq(field_count(doc), 3);
	json_object_put(doc);
	json_object_put(next_event(&f, "ResourceDeleted"));
	json_object_put(next_event(&f, "RollbackStarted"));
	doc = next_event(&f, "RollbackCompleted");
	ck_assert_str_eq(field_json(doc, "undone"), "[{\"type\":\"DeleteResource\"}]");
	json_object_put(doc);
	doc = next_event(&f, "RollbackFailed");
	ck_assert_str_eq(field_json(doc, "action"), "{\"type\":\"CustomAction\"}");
	ck_assert_str_eq(field_string(doc, "error"), "exit 1");
	json_object_put(doc);
	doc = next_event(&f, "CheckpointSaved");
	ck_assert_int_eq(field_int(doc, "step"), 2);
	json_object_put(doc);
	teardown_bus(&f);
}
END_TEST

START_TEST(test_hostile_strings_cannot_break_out_of_their_field)
{
	static const char *const hostile[] = {
		"\",\"seq\":999,\"type\":\"Forged",
		"back\\slash \"quotes\" }{ ] [",
		"ctl \x01\x02\x1f\x7f tab\t nl\n cr\r",
		"line\xe2\x80\xa8sep \xf0\x9f\x98\x80 \xc3\xa9",
		"</script><script>alert(1)</script>",
	};
	fixture f = setup_bus();
	json_object *doc;

	for (size_t i = 0; i < sizeof(hostile) / sizeof(hostile[0]); i++) {
		ck_assert_int_eq(prov_bus_publish_workflow_started(NULL, f.bus, hostile[i],
								   hostile[i]), PROV_OK);
		doc = next_event(&f, "WorkflowStarted");
		ck_assert_str_eq(field_string(doc, "workflow_id"), hostile[i]);
		ck_assert_str_eq(field_string(doc, "name"), hostile[i]);
		ck_assert_int_eq(field_count(doc), 2);
		json_object_put(doc);
	}
	teardown_bus(&f);
}
END_TEST

START_TEST(test_invalid_utf8_becomes_replacement_characters)
{
	fixture f = setup_bus();
	json_object *doc;

	ck_assert_int_eq(prov_bus_publish_operation_failed(NULL, f.bus, "wf\xff", "op\xc0\xaf",
							   "bad \xed\xa0\x80 end", 1), PROV_OK);
	doc = next_event(&f, "OperationFailed");
	ck_assert_str_eq(field_string(doc, "workflow_id"), "wf\xef\xbf\xbd");
	ck_assert_str_eq(field_string(doc, "op"), "op\xef\xbf\xbd\xef\xbf\xbd");
	json_object_put(doc);
	teardown_bus(&f);
}
END_TEST

START_TEST(test_json_fields_are_checked_and_written_compactly)
{
	fixture f = setup_bus();
	json_object *doc;
	const prov_event *ev;

	ck_assert_int_eq(prov_bus_publish_workflow_completed(
				 NULL, f.bus, "wf", "{\n  \"status\" : \"success\",\n  \"n\": [1, 2.5e3] }\n"),
			 PROV_OK);
	ck_assert_int_eq(prov_bus_receive(&ev, NULL, f.sub, 0), PROV_OK);
	ck_assert_ptr_nonnull(strstr(prov_event_json(ev, NULL),
				     "\"result\":{\"status\":\"success\",\"n\":[1,2.5e3]}}"));
	ck_assert_int_eq(prov_bus_publish_workflow_completed(NULL, f.bus, "wf", "{\"a\":"),
			 PROV_EPARSE);
	ck_assert_msg(strncmp(prov_error_last()->message, "WorkflowCompleted: result: line 1", 33)
		      == 0, "%s", prov_error_last()->message);
	ck_assert_int_eq(prov_bus_publish_operation_completed(NULL, f.bus, "wf", "op", "\"\xff\""),
			 PROV_EPARSE);
	ck_assert_int_eq(prov_bus_publish_rollback_completed(NULL, f.bus, "wf", "[1] [2]"),
			 PROV_EPARSE);
	ck_assert_int_eq(prov_bus_publish_operation_completed(NULL, f.bus, "wf", "op", NULL),
			 PROV_OK);
	ck_assert_int_eq(prov_bus_publish_operation_completed(NULL, f.bus, "wf", "op",
							      "\"s\\ud800\""), PROV_OK);
	doc = next_event(&f, "OperationCompleted");
	ck_assert(field_is_null(doc, "output"));
	json_object_put(doc);
	doc = next_event(&f, "OperationCompleted");
	ck_assert_str_eq(field_string(doc, "output"), "s\xef\xbf\xbd");
	json_object_put(doc);
	ck_assert_int_eq(prov_bus_receive(&ev, NULL, f.sub, 0), PROV_EAGAIN);
	teardown_bus(&f);
}
END_TEST

START_TEST(test_missing_identifiers_are_refused_and_missing_messages_are_null)
{
	fixture f = setup_bus();
	json_object *doc;

	ck_assert_int_eq(prov_bus_publish_operation_started(NULL, f.bus, "wf", NULL, 1), PROV_EINVAL);
	ck_assert_str_eq(prov_error_last()->message, "OperationStarted event: op is NULL");
	ck_assert_int_eq(prov_bus_publish_resource_created(NULL, f.bus, "local", NULL, "x"),
			 PROV_EINVAL);
	ck_assert_int_eq(prov_bus_publish_workflow_started(NULL, NULL, "wf", "n"), PROV_EINVAL);
	ck_assert_int_eq(prov_bus_publish_workflow_failed(NULL, f.bus, "wf", NULL), PROV_OK);
	doc = next_event(&f, "WorkflowFailed");
	ck_assert(field_is_null(doc, "error"));
	json_object_put(doc);
	teardown_bus(&f);
}
END_TEST

START_TEST(test_configuration_changes_of_secrets_are_redacted)
{
	static const char *const secret_keys[] = { "providers.aws.API_Key", "db.password",
						   "vault.Token", "ssh.private_key_file",
						   "client_secret" };
	fixture f = setup_bus();
	json_object *doc;

	for (size_t i = 0; i < sizeof(secret_keys) / sizeof(secret_keys[0]); i++) {
		ck_assert_int_eq(prov_bus_publish_configuration_changed(NULL, f.bus, secret_keys[i],
									"\"old-s3cr3t\"",
									"\"new-s3cr3t\""), PROV_OK);
		doc = next_event(&f, "ConfigurationChanged");
		ck_assert_str_eq(field_string(doc, "key"), secret_keys[i]);
		ck_assert_str_eq(field_string(doc, "old_value"), "***");
		ck_assert_str_eq(field_string(doc, "new_value"), "***");
		json_object_put(doc);
	}
	ck_assert_int_eq(prov_bus_publish_configuration_changed(NULL, f.bus, "secrets.region",
								"\"eu-1\"", "{\"a\":1}"), PROV_OK);
	doc = next_event(&f, "ConfigurationChanged");
	ck_assert_str_eq(field_string(doc, "old_value"), "eu-1");
	ck_assert_str_eq(field_json(doc, "new_value"), "{\"a\":1}");
	json_object_put(doc);
	teardown_bus(&f);
}
END_TEST

START_TEST(test_large_events_are_published_whole)
{
	fixture f = setup_bus();
	size_t n = 200000;
	char *big = malloc(n + 3);
	json_object *doc;

	big[0] = '"';
	memset(big + 1, 'x', n);
	strcpy(big + 1 + n, "\"");
	for (int i = 0; i < 3; i++)
		ck_assert_int_eq(prov_bus_publish_operation_completed(NULL, f.bus, "wf", "op", big),
				 PROV_OK);
	for (int i = 0; i < 3; i++) {
		doc = next_event(&f, "OperationCompleted");
		ck_assert_uint_eq(strlen(field_string(doc, "output")), n);
		json_object_put(doc);
	}
	free(big);
	teardown_bus(&f);
}
END_TEST

static Suite *events_suite(void)
{
	Suite *s = suite_create("events");
	TCase *tc = tcase_create("events");

	tcase_add_test(tc, test_workflow_events_carry_their_fields);
	tcase_add_test(tc, test_operation_events_carry_their_fields);
	tcase_add_test(tc, test_resource_rollback_and_checkpoint_events_carry_their_fields);
	tcase_add_test(tc, test_hostile_strings_cannot_break_out_of_their_field);
	tcase_add_test(tc, test_invalid_utf8_becomes_replacement_characters);
	tcase_add_test(tc, test_json_fields_are_checked_and_written_compactly);
	tcase_add_test(tc, test_missing_identifiers_are_refused_and_missing_messages_are_null);
	tcase_add_test(tc, test_configuration_changes_of_secrets_are_redacted);
	tcase_add_test(tc, test_large_events_are_published_whole);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return test_run_suite(events_suite());
}
