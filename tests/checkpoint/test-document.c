/* Checkpoint documents, operation records and rollback actions as JSON. */
#include "test-util.h"
#include "helpers.h"

#include <provisioning/checkpoint.h>

static prov_checkpoint *parse(const char *json)
{
	prov_checkpoint *cp;

	ck_assert_msg(prov_checkpoint_from_json(&cp, json, strlen(json)) == PROV_OK, "%s",
		      prov_error_last()->message);
	return cp;
}

static void assert_refused(const char *json, int code, const char *needle)
{
	prov_checkpoint *cp = (prov_checkpoint *)1;

	ck_assert_int_eq(prov_checkpoint_from_json(&cp, json, strlen(json)), code);
	ck_assert_ptr_null(cp);
	ck_assert_msg(strstr(prov_error_last()->message, needle), "\"%s\" not in \"%s\"", needle,
		      prov_error_last()->message);
}

START_TEST(test_workflow_ids_follow_the_documented_alphabet)
{
	char longest[PROV_WORKFLOW_ID_MAX + 2];

	memset(longest, 'a', PROV_WORKFLOW_ID_MAX);
	longest[PROV_WORKFLOW_ID_MAX] = '\0';
	ck_assert_int_eq(prov_workflow_id_validate("wf-123"), PROV_OK);
	ck_assert_int_eq(prov_workflow_id_validate("A.b_c-9"), PROV_OK);
	ck_assert_int_eq(prov_workflow_id_validate(longest), PROV_OK);
	longest[PROV_WORKFLOW_ID_MAX] = 'a';
	longest[PROV_WORKFLOW_ID_MAX + 1] = '\0';
	ck_assert_int_eq(prov_workflow_id_validate(longest), PROV_EINVAL);
	ck_assert_ptr_nonnull(strstr(prov_error_last()->message, "longer than 128"));
	ck_assert_int_eq(prov_workflow_id_validate(""), PROV_EINVAL);
	ck_assert_int_eq(prov_workflow_id_validate(NULL), PROV_EINVAL);
	ck_assert_int_eq(prov_workflow_id_validate(".hidden"), PROV_EINVAL);
	ck_assert_ptr_nonnull(strstr(prov_error_last()->message, "must not start with '.'"));
	ck_assert_int_eq(prov_workflow_id_validate("../etc"), PROV_EINVAL);
	ck_assert_int_eq(prov_workflow_id_validate("a/b"), PROV_EINVAL);
	ck_assert_ptr_nonnull(strstr(prov_error_last()->message, "\"a/b\""));
	ck_assert_str_eq(prov_error_last()->workflow_id, "a/b");
	ck_assert_int_eq(prov_workflow_id_validate("a b"), PROV_EINVAL);
	ck_assert_int_eq(prov_workflow_id_validate("caf\xc3\xa9"), PROV_EINVAL);
}
END_TEST

START_TEST(test_new_checkpoint_has_the_documented_shape)
{
	prov_checkpoint *cp;
	char *json;

	ck_assert_int_eq(prov_checkpoint_new(&cp, "wf-1"), PROV_OK);
	ck_assert_int_eq(prov_checkpoint_to_json(&json, cp), PROV_OK);
	ck_assert_ptr_nonnull(strstr(json, "{\"format_version\":1,\"workflow_id\":\"wf-1\",\"step\":0,"
				     "\"completed_operations\":[],\"current_state\":{\"operations\":{},"
				     "\"rollback_stack\":[]},\"metadata\":{},\"timestamp\":\""));
	ck_assert_int_eq(strlen(prov_checkpoint_timestamp(cp)), 24);
	ck_assert_int_eq(prov_checkpoint_revision(cp), 0);
	prov_free(json);
	prov_checkpoint_free(cp);
	ck_assert_int_eq(prov_checkpoint_new(&cp, "../x"), PROV_EINVAL);
	ck_assert_ptr_null(cp);
	prov_checkpoint_free(NULL);
}
END_TEST

START_TEST(test_checkpoint_survives_a_json_round_trip)
{
	prov_checkpoint *cp = helper_checkpoint("wf-1", 7, 10), *back;
	prov_operation_record *record = helper_record("db", "completed", 1, 3, 1);
	char *first, *second;

	ck_assert_int_eq(prov_checkpoint_set_state(cp, "definition_sha256", "\"abc\""), PROV_OK);
	ck_assert_int_eq(prov_checkpoint_apply_record(cp, record), PROV_OK);
	ck_assert_int_eq(prov_checkpoint_to_json(&first, cp), PROV_OK);
	back = parse(first);
	ck_assert_int_eq(prov_checkpoint_to_json(&second, back), PROV_OK);
	ck_assert_str_eq(first, second);
	free(second);
	ck_assert_int_eq(prov_checkpoint_to_json_pretty(&second, back), PROV_OK);
	ck_assert_ptr_nonnull(strstr(second, "{\n  \"format_version\": 1,\n  \"workflow_id\": \"wf-1\","));
	ck_assert_str_eq(prov_checkpoint_workflow_id(back), "wf-1");
	ck_assert_int_eq(prov_checkpoint_step(back), 1);
	ck_assert_int_eq(helper_metadata_n(back), 7);
	free(first);
	free(second);
	prov_operation_record_free(record);
	prov_checkpoint_free(cp);
	prov_checkpoint_free(back);
}
END_TEST

START_TEST(test_missing_members_take_empty_values_and_version_1)
{
	prov_checkpoint *cp = parse("{\"workflow_id\":\"wf-9\"}");
	char *state;

	ck_assert_int_eq(prov_checkpoint_step(cp), 0);
	ck_assert_uint_eq(prov_checkpoint_completed_count(cp), 0);
	ck_assert_uint_eq(prov_checkpoint_operation_count(cp), 0);
	ck_assert_str_eq(prov_checkpoint_timestamp(cp), "");
	ck_assert_int_eq(prov_checkpoint_get_state(&state, cp, "operations"), PROV_OK);
	ck_assert_str_eq(state, "{}");
	free(state);
	ck_assert_int_eq(prov_checkpoint_get_state(&state, cp, "definition"), PROV_ENOTFOUND);
	ck_assert_ptr_nonnull(strstr(prov_error_last()->message, "definition"));
	prov_checkpoint_free(cp);
}
END_TEST

START_TEST(test_newer_format_version_is_refused_by_name)
{
	assert_refused("{\"format_version\":2,\"workflow_id\":\"wf\"}", PROV_EVERSION,
		       "format_version 2 is newer than this library reads (1)");
}
END_TEST

START_TEST(test_malformed_checkpoints_are_refused_naming_the_member)
{
	assert_refused("[]", PROV_EPARSE, "must be a JSON object");
	assert_refused("{\"workflow_id\":\"a b\"}", PROV_EPARSE, "\"workflow_id\" must be");
	assert_refused("{\"workflow_id\":\"w\",\"step\":-1}", PROV_EPARSE, "\"step\"");
	assert_refused("{\"workflow_id\":\"w\",\"completed_operations\":[1]}", PROV_EPARSE,
		       "\"completed_operations\"");
	assert_refused("{\"workflow_id\":\"w\",\"metadata\":[]}", PROV_EPARSE, "\"metadata\"");
	assert_refused("{\"workflow_id\":\"w\",\"timestamp\":\"yesterday\"}", PROV_EPARSE,
		       "\"timestamp\"");
	assert_refused("{\"workflow_id\":\"w\",\"current_state\":{\"operations\":{\"db\":{}}}}",
		       PROV_EPARSE, "operation \"db\" needs a \"status\"");
	assert_refused("{\"workflow_id\":\"w\",\"current_state\":{\"rollback_stack\":"
		       "[{\"type\":\"Explode\"}]}}", PROV_EPARSE,
		       "unknown rollback action type \"Explode\"");
	assert_refused("{\"workflow_id\":\"w\",", PROV_EPARSE, "invalid JSON");
}
END_TEST

static void apply(prov_checkpoint *cp, const char *op, const char *status, int actions)
{
	prov_operation_record *record = helper_record(op, status, 0, 0, actions);

	ck_assert_int_eq(prov_checkpoint_apply_record(cp, record), PROV_OK);
	prov_operation_record_free(record);
}

START_TEST(test_records_fold_into_operations_completed_and_the_stack)
{
	prov_checkpoint *cp = helper_checkpoint("wf-1", 0, 0);
	prov_rollback_stack *stack;
	prov_operation_record *state;
	char *error;

	apply(cp, "db", "completed", 1);
	apply(cp, "web", "failed", 2);
	apply(cp, "dns", "completed", 0);
	ck_assert_int_eq(prov_checkpoint_step(cp), 2);
	ck_assert_uint_eq(prov_checkpoint_completed_count(cp), 2);
	ck_assert_str_eq(prov_checkpoint_completed_at(cp, 0), "db");
	ck_assert_str_eq(prov_checkpoint_completed_at(cp, 1), "dns");
	ck_assert_ptr_null(prov_checkpoint_completed_at(cp, 2));
	ck_assert_uint_eq(prov_checkpoint_operation_count(cp), 3);
	ck_assert_str_eq(prov_checkpoint_operation_status(cp, "web"), "failed");
	ck_assert_ptr_null(prov_checkpoint_operation_status(cp, "nope"));
	ck_assert_int_eq(prov_checkpoint_get_rollback_stack(&stack, cp), PROV_OK);
	ck_assert_uint_eq(prov_rollback_stack_count(stack), 3);
	ck_assert_str_eq(prov_rollback_action_field(prov_rollback_stack_at(stack, 0), "op"), "web");
	ck_assert_str_eq(prov_rollback_action_field(prov_rollback_stack_at(stack, 0), "resource_id"),
			 "srv-0-1");
	ck_assert_str_eq(prov_rollback_action_field(prov_rollback_stack_at(stack, 2), "op"), "db");
	ck_assert_int_eq(prov_checkpoint_get_operation(&state, cp, "web"), PROV_OK);
	ck_assert_str_eq(prov_operation_record_status(state), "failed");
	ck_assert_int_eq(prov_operation_record_get_error(&error, state), PROV_OK);
	ck_assert_str_eq(error, "null");
	prov_operation_record_free(state);
	ck_assert_int_eq(prov_checkpoint_get_operation(&state, cp, "nope"), PROV_ENOTFOUND);
	free(error);
	prov_rollback_stack_free(stack);
	prov_checkpoint_free(cp);
}
END_TEST

START_TEST(test_an_operation_no_longer_completed_leaves_completed_operations)
{
	prov_checkpoint *cp = helper_checkpoint("wf-1", 0, 0);

	apply(cp, "db", "completed", 0);
	apply(cp, "web", "completed", 0);
	apply(cp, "db", "failed", 0);
	ck_assert_int_eq(prov_checkpoint_step(cp), 1);
	ck_assert_str_eq(prov_checkpoint_completed_at(cp, 0), "web");
	apply(cp, "db", "completed", 0);
	apply(cp, "db", "completed", 0);
	ck_assert_int_eq(prov_checkpoint_step(cp), 2);
	prov_checkpoint_free(cp);
}
END_TEST

START_TEST(test_operation_record_survives_a_json_round_trip)
{
	prov_operation_record *record = helper_record("db", "failed", 3, 5, 2), *back;
	char *first, *second, *output;

	ck_assert_int_eq(prov_operation_record_set_error(record, "{\"code\":\"E1\",\"message\":\"m\"}"),
			 PROV_OK);
	ck_assert_int_eq(prov_operation_record_set_attempts(record, 3), PROV_OK);
	ck_assert_int_eq(prov_operation_record_to_json(&first, record), PROV_OK);
	ck_assert_int_eq(prov_operation_record_from_json(&back, first, strlen(first)), PROV_OK);
	ck_assert_int_eq(prov_operation_record_to_json(&second, back), PROV_OK);
	ck_assert_str_eq(first, second);
	ck_assert_str_eq(prov_operation_record_op(back), "db");
	ck_assert_int_eq(prov_operation_record_attempts(back), 3);
	ck_assert_uint_eq(prov_operation_record_rollback_count(back), 2);
	ck_assert_ptr_null(prov_operation_record_rollback_at(back, 2));
	ck_assert_int_eq(prov_operation_record_get_output(&output, back), PROV_OK);
	ck_assert_str_eq(output, "{\"n\":3,\"pad\":\"xxxxx\"}");
	free(first);
	free(second);
	free(output);
	prov_operation_record_free(record);
	prov_operation_record_free(back);
}
END_TEST

START_TEST(test_operation_records_refuse_bad_input)
{
	prov_operation_record *record;
	const char *bad = "{\"op\":\"db\",\"status\":\"exploded\"}";

	ck_assert_int_eq(prov_operation_record_new(&record, "db", "done"), PROV_EINVAL);
	ck_assert_ptr_nonnull(strstr(prov_error_last()->message, "unknown operation status \"done\""));
	ck_assert_int_eq(prov_operation_record_new(&record, "", "completed"), PROV_EINVAL);
	ck_assert_int_eq(prov_operation_record_from_json(&record, bad, strlen(bad)), PROV_EPARSE);
	ck_assert_int_eq(prov_operation_record_new(&record, "db", "completed"), PROV_OK);
	ck_assert_int_eq(prov_operation_record_set_error(record, "\"text\""), PROV_EINVAL);
	ck_assert_int_eq(prov_operation_record_set_attempts(record, -1), PROV_ERANGE);
	ck_assert_int_eq(prov_operation_record_set_output(record, "{"), PROV_EPARSE);
	prov_operation_record_free(record);
}
END_TEST

static char *action_json(const prov_rollback_action *action)
{
	char *json;

	ck_assert_int_eq(prov_rollback_action_to_json(&json, action), PROV_OK);
	return json;
}

START_TEST(test_rollback_actions_of_every_type_round_trip)
{
	const char *const args[] = { "--zone", "de-fra1", NULL };
	prov_rollback_action *actions[4], *back;
	char *value;

	ck_assert_int_eq(prov_rollback_action_delete_resource(&actions[0], "local", "srv-1"), PROV_OK);
	ck_assert_int_eq(prov_rollback_action_restore_file(&actions[1], "/etc/x", "a\nb", 3), PROV_OK);
	ck_assert_int_eq(prov_rollback_action_revert_configuration(&actions[2], "db.size", "{\"gb\":4}"),
			 PROV_OK);
	ck_assert_int_eq(prov_rollback_action_custom(&actions[3], "cleanup", args), PROV_OK);
	for (int i = 0; i < 4; i++) {
		char *first = action_json(actions[i]), *second;

		ck_assert_int_eq(prov_rollback_action_from_json(&back, first, strlen(first)), PROV_OK);
		second = action_json(back);
		ck_assert_str_eq(first, second);
		ck_assert_int_eq(prov_rollback_action_type(back), i + 1);
		free(first);
		free(second);
		prov_rollback_action_free(back);
	}
	ck_assert_str_eq(prov_rollback_type_name(PROV_ROLLBACK_REVERT_CONFIGURATION),
			 "RevertConfiguration");
	ck_assert_ptr_null(prov_rollback_type_name(9));
	ck_assert_str_eq(prov_rollback_action_field(actions[1], "content"), "a\nb");
	ck_assert_ptr_null(prov_rollback_action_field(actions[1], "provider"));
	ck_assert_int_eq(prov_rollback_action_get_value(&value, actions[2]), PROV_OK);
	ck_assert_str_eq(value, "{\"gb\":4}");
	free(value);
	ck_assert_int_eq(prov_rollback_action_get_value(&value, actions[0]), PROV_ETYPE);
	ck_assert_uint_eq(prov_rollback_action_arg_count(actions[3]), 2);
	ck_assert_str_eq(prov_rollback_action_arg_at(actions[3], 1), "de-fra1");
	ck_assert_ptr_null(prov_rollback_action_arg_at(actions[3], 2));
	ck_assert_ptr_null(prov_rollback_action_field(actions[0], "type"));
	for (int i = 0; i < 4; i++)
		prov_rollback_action_free(actions[i]);
}
END_TEST

START_TEST(test_rollback_actions_refuse_missing_fields)
{
	prov_rollback_action *action;
	const char *no_id = "{\"type\":\"DeleteResource\",\"provider\":\"local\"}";
	const char *bad_args = "{\"type\":\"CustomAction\",\"command\":\"x\",\"args\":[1]}";

	ck_assert_int_eq(prov_rollback_action_delete_resource(&action, NULL, "srv-1"), PROV_EINVAL);
	ck_assert_ptr_nonnull(strstr(prov_error_last()->message, "provider"));
	ck_assert_int_eq(prov_rollback_action_custom(&action, "", NULL), PROV_EINVAL);
	ck_assert_int_eq(prov_rollback_action_restore_file(&action, "/x", "\xff", 1), PROV_EINVAL);
	ck_assert_ptr_nonnull(strstr(prov_error_last()->message, "UTF-8"));
	ck_assert_int_eq(prov_rollback_action_from_json(&action, no_id, strlen(no_id)), PROV_EPARSE);
	ck_assert_ptr_nonnull(strstr(prov_error_last()->message, "\"resource_id\""));
	ck_assert_int_eq(prov_rollback_action_from_json(&action, bad_args, strlen(bad_args)),
			 PROV_EPARSE);
	ck_assert_ptr_nonnull(strstr(prov_error_last()->message, "\"args\""));
}
END_TEST

START_TEST(test_rollback_stack_iterates_newest_first_and_stores_oldest_first)
{
	prov_rollback_stack *stack, *back;
	prov_checkpoint *cp = helper_checkpoint("wf-1", 0, 0);
	prov_rollback_action *action;
	char *json, *stored;

	ck_assert_int_eq(prov_rollback_stack_new(&stack), PROV_OK);
	for (int i = 0; i < 3; i++) {
		char id[16];

		snprintf(id, sizeof(id), "srv-%d", i);
		ck_assert_int_eq(prov_rollback_action_delete_resource(&action, "local", id), PROV_OK);
		ck_assert_int_eq(prov_rollback_stack_push(stack, action), PROV_OK);
		prov_rollback_action_free(action);
	}
	ck_assert_str_eq(prov_rollback_action_field(prov_rollback_stack_at(stack, 0), "resource_id"),
			 "srv-2");
	ck_assert_ptr_null(prov_rollback_stack_at(stack, 3));
	ck_assert_int_eq(prov_rollback_stack_to_json(&json, stack), PROV_OK);
	ck_assert_ptr_nonnull(strstr(json, "[{\"type\":\"DeleteResource\",\"provider\":\"local\","
				     "\"resource_id\":\"srv-0\"}"));
	ck_assert_int_eq(prov_checkpoint_set_rollback_stack(cp, stack), PROV_OK);
	ck_assert_int_eq(prov_checkpoint_get_state(&stored, cp, "rollback_stack"), PROV_OK);
	ck_assert_str_eq(stored, json);
	ck_assert_int_eq(prov_rollback_stack_from_json(&back, stored, strlen(stored)), PROV_OK);
	ck_assert_uint_eq(prov_rollback_stack_count(back), 3);
	free(json);
	free(stored);
	prov_rollback_stack_free(stack);
	prov_rollback_stack_free(back);
	prov_checkpoint_free(cp);
}
END_TEST

START_TEST(test_state_members_with_a_meaning_are_checked)
{
	prov_checkpoint *cp = helper_checkpoint("wf-1", 0, 0);
	char *json;

	ck_assert_int_eq(prov_checkpoint_set_state(cp, "operations", "[]"), PROV_EPARSE);
	ck_assert_int_eq(prov_checkpoint_set_state(cp, "rollback_stack", "[{\"type\":1}]"),
			 PROV_EPARSE);
	ck_assert_int_eq(prov_checkpoint_set_state(cp, "operations",
						   "{\"db\":{\"status\":\"completed\"}}"), PROV_OK);
	ck_assert_str_eq(prov_checkpoint_operation_status(cp, "db"), "completed");
	ck_assert_int_eq(prov_checkpoint_set_state(cp, "result", "{\"status\":\"success\"}"), PROV_OK);
	ck_assert_int_eq(prov_checkpoint_get_state(&json, cp, "result"), PROV_OK);
	ck_assert_str_eq(json, "{\"status\":\"success\"}");
	ck_assert_int_eq(prov_checkpoint_set_metadata(cp, "[]"), PROV_EINVAL);
	ck_assert_int_eq(prov_checkpoint_set_step(cp, -2), PROV_ERANGE);
	free(json);
	prov_checkpoint_free(cp);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("checkpoint-document");
	TCase *tc = tcase_create("document");

	tcase_add_test(tc, test_workflow_ids_follow_the_documented_alphabet);
	tcase_add_test(tc, test_new_checkpoint_has_the_documented_shape);
	tcase_add_test(tc, test_checkpoint_survives_a_json_round_trip);
	tcase_add_test(tc, test_missing_members_take_empty_values_and_version_1);
	tcase_add_test(tc, test_newer_format_version_is_refused_by_name);
	tcase_add_test(tc, test_malformed_checkpoints_are_refused_naming_the_member);
	tcase_add_test(tc, test_records_fold_into_operations_completed_and_the_stack);
	tcase_add_test(tc, test_an_operation_no_longer_completed_leaves_completed_operations);
	tcase_add_test(tc, test_operation_record_survives_a_json_round_trip);
	tcase_add_test(tc, test_operation_records_refuse_bad_input);
	tcase_add_test(tc, test_rollback_actions_of_every_type_round_trip);
	tcase_add_test(tc, test_rollback_actions_refuse_missing_fields);
	tcase_add_test(tc, test_rollback_stack_iterates_newest_first_and_stores_oldest_first);
	tcase_add_test(tc, test_state_members_with_a_meaning_are_checked);
	suite_add_tcase(s, tc);
	return test_run_suite(s);
}
