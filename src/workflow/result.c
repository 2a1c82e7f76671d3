/*
 * The data exchange result of a workflow, built from its checkpoint: the
 * operations' states and outputs as stored, and the summary of the run that
 * finished it (current_state.result). Building it from the checkpoint alone
 * is what lets a finished run return the same result again without calling
 * anything.
 */
#include "workflow/run.h"

#include "core/json.h"
#include "core/mem.h"

#include <stdlib.h>
#include <string.h>

json_object *wf_stored_summary(const prov_checkpoint *cp)
{
	char *json = NULL;
	json_object *summary;

	if (prov_checkpoint_get_state(&json, cp, "result") != PROV_OK)
		return NULL;
	summary = json_tokener_parse(json);
	prov_free(json);
	/* A run in progress clears the member to {}: no status, no summary. */
	if (!json_object_is_type(summary, json_type_object) || !prov_json_get_string(summary, "status")) {
		json_object_put(summary);
		return NULL;
	}
	return summary;
}

const char *wf_summary_status(json_object *summary)
{
	return summary ? prov_json_get_string(summary, "status") : NULL;
}

bool wf_summary_rolled_back(json_object *summary)
{
	json_object *v;

	return json_object_object_get_ex(summary, "rolled_back", &v) && json_object_get_boolean(v);
}

/* A JSON document from text, or null. */
static json_object *parsed(char *json)
{
	json_object *v = json ? json_tokener_parse(json) : NULL;

	prov_free(json);
	return v;
}

static json_object *operation_entry(const prov_checkpoint *cp, const char *id, const prov_dag *dag,
				    size_t index)
{
	json_object *entry = json_object_new_object();
	const char *status = prov_checkpoint_operation_status(cp, id);
	prov_operation_record *rec = NULL;
	char *output = NULL, *error = NULL;

	json_object_object_add(entry, "status", json_object_new_string(status ? status : "pending"));
	if (status && prov_checkpoint_get_operation(&rec, cp, id) == PROV_OK) {
		json_object_object_add(entry, "attempts",
				       json_object_new_int(prov_operation_record_attempts(rec)));
		prov_operation_record_get_output(&output, rec);
		prov_operation_record_get_error(&error, rec);
		json_object_object_add(entry, "output", parsed(output));
		json_object_object_add(entry, "error", parsed(error));
	}
	if (dag && prov_dag_node_attempts(dag, index) > 0)
		json_object_object_add(entry, "duration_ms", json_object_new_int64(
			prov_dag_node_duration_ns(dag, index) / 1000000));
	prov_operation_record_free(rec);
	return entry;
}

/* The resources the workflow still holds: what its rollback stack would delete. */
static json_object *held_resources(const prov_checkpoint *cp)
{
	json_object *list = json_object_new_array();
	prov_rollback_stack *stack = NULL;

	if (prov_checkpoint_get_rollback_stack(&stack, cp) != PROV_OK)
		return list;
	for (size_t i = prov_rollback_stack_count(stack); i-- > 0;) {
		const prov_rollback_action *a = prov_rollback_stack_at(stack, i);

		if (prov_rollback_action_type(a) == PROV_ROLLBACK_DELETE_RESOURCE)
			json_object_array_add(list, json_object_new_string(
				prov_rollback_action_field(a, "resource_id")));
	}
	prov_rollback_stack_free(stack);
	return list;
}

static json_object *member_copy(json_object *summary, const char *key)
{
	json_object *v = NULL;

	json_object_object_get_ex(summary, key, &v);
	return json_object_get(v);
}

static json_object *result_data(const prov_workflow *wf, const prov_checkpoint *cp,
				json_object *summary, const prov_dag *dag)
{
	json_object *data = json_object_new_object(), *ops = json_object_new_object();
	json_object *undone = member_copy(summary, "undone");

	json_object_object_add(data, "workflow_id", json_object_new_string(wf->id));
	json_object_object_add(data, "name", json_object_new_string(wf->name));
	json_object_object_add(data, "definition_sha256", json_object_new_string(wf->sha256));
	json_object_object_add(data, "step", json_object_new_int64(prov_checkpoint_step(cp)));
	for (size_t i = 0; i < wf->op_count; i++)
		json_object_object_add(ops, wf->ops[i].id, operation_entry(cp, wf->ops[i].id, dag, i));
	json_object_object_add(data, "operations", ops);
	json_object_object_add(data, "rolled_back",
			       json_object_new_boolean(wf_summary_rolled_back(summary)));
	json_object_object_add(data, "undone", undone ? undone : json_object_new_array());
	return data;
}

static json_object *result_metadata(const prov_workflow *wf, json_object *summary)
{
	json_object *meta = json_object_new_object();
	static const char *const copied[] = { "started_at", "finished_at", "duration_ms" };

	for (size_t i = 0; i < sizeof(copied) / sizeof(copied[0]); i++) {
		json_object *v = member_copy(summary, copied[i]);

		if (v)
			json_object_object_add(meta, copied[i], v);
	}
	json_object_object_add(meta, "operation_count", json_object_new_int64((int64_t)wf->op_count));
	return meta;
}

int wf_result_build(char **out, const prov_workflow *wf, const prov_checkpoint *cp,
		    json_object *summary, const prov_dag *dag)
{
	json_object *doc = json_object_new_object(), *result = json_object_new_object();
	json_object *context = json_object_new_object();
	const char *status = wf_summary_status(summary);

	json_object_object_add(result, "operation", json_object_new_string("workflow"));
	json_object_object_add(result, "resources", held_resources(cp));
	json_object_object_add(result, "data", result_data(wf, cp, summary, dag));
	json_object_object_add(result, "metadata", result_metadata(wf, summary));
	json_object_object_add(context, "workflow_id", json_object_new_string(wf->id));
	json_object_object_add(context, "step", json_object_new_int64(prov_checkpoint_step(cp)));
	json_object_object_add(doc, "format_version", json_object_new_int(1));
	json_object_object_add(doc, "status", json_object_new_string(status ? status : "error"));
	json_object_object_add(doc, "result", result);
	json_object_object_add(doc, "error", member_copy(summary, "error"));
	json_object_object_add(doc, "context", context);
	*out = prov_json_to_string(doc, NULL);
	json_object_put(doc);
	return *out ? PROV_OK : prov_err_nomem();
}

int wf_result_code(json_object *summary, const char *workflow_id)
{
	const char *status = wf_summary_status(summary), *message = NULL;
	json_object *error = NULL;
	int code;

	if (status && strcmp(status, "success") == 0)
		return PROV_OK;
	if (json_object_object_get_ex(summary, "error", &error))
		message = prov_json_get_string(error, "message");
	if (status && strcmp(status, "partial") == 0)
		code = PROV_EPARTIAL;
	else if (status && strcmp(status, "cancelled") == 0)
		code = PROV_ECANCELLED;
	else
		code = PROV_EWORKFLOW;
	prov_err_set(code, PROV_ERRCAT_WORKFLOW, "%s",
		     message ? message : "the workflow did not succeed");
	prov_err_context(PROV_ERR_WORKFLOW, workflow_id);
	return code;
}
