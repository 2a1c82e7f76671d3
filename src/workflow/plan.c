/*
 * The plan: the execution levels of a valid definition and the call each
 * operation would make, with config references resolved and no provider
 * called. Values of secret keys are shown as "***".
 */
#include "workflow/internal.h"

#include "core/err.h"
#include "core/json.h"
#include "core/mem.h"

#include <stdlib.h>
#include <string.h>

static void redact_secrets(json_object *v)
{
	if (json_object_is_type(v, json_type_array)) {
		for (size_t i = 0; i < json_object_array_length(v); i++)
			redact_secrets(json_object_array_get_idx(v, i));
		return;
	}
	if (!json_object_is_type(v, json_type_object))
		return;
	json_object_object_foreach(v, key, member) {
		if (prov_config_is_secret_key(key) && !json_object_is_type(member, json_type_null))
			json_object_object_add(v, key, json_object_new_string("***"));
		else
			redact_secrets(member);
	}
}

static json_object *dependency_ids(const prov_workflow *wf, const struct wf_operation *op)
{
	json_object *list = json_object_new_array();

	for (size_t i = 0; i < op->dep_count; i++)
		if (op->deps[i].op >= 0)
			json_object_array_add(list, json_object_new_string(op->deps[i].op_id));
	for (size_t i = 0; i < op->ref_count; i++)
		json_object_array_add(list, json_object_new_string(wf->ops[op->refs[i]].id));
	return list;
}

static json_object *retry_object(const struct wf_retry *r)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "max_attempts", json_object_new_int64(r->max_attempts));
	json_object_object_add(o, "backoff", json_object_new_string(wf_backoff_name(r->backoff)));
	json_object_object_add(o, "initial_delay_ms", json_object_new_int64(r->initial_delay_ms));
	json_object_object_add(o, "max_delay_ms", json_object_new_int64(r->max_delay_ms));
	return o;
}

static int planned_call(json_object **out, const struct wf_env *env, const prov_workflow *wf,
			const struct wf_operation *op)
{
	prov_value *params = NULL;
	json_object *o, *p = NULL;
	int rc = wf_expand_params(&params, env, op, NULL, NULL);

	if (rc == PROV_OK)
		rc = prov_value_to_json_c(params, &p);
	prov_value_unref(params);
	if (rc)
		return rc;
	redact_secrets(p);
	o = json_object_new_object();
	json_object_object_add(o, "op", json_object_new_string(op->id));
	json_object_object_add(o, op->provider ? "provider" : "extension",
			       json_object_new_string(op->provider ? op->provider : op->extension));
	json_object_object_add(o, "action", json_object_new_string(op->action));
	json_object_object_add(o, "params", p);
	json_object_object_add(o, "depends_on", dependency_ids(wf, op));
	json_object_object_add(o, "timeout_ms", json_object_new_int64(op->timeout_ms));
	json_object_object_add(o, "on_failure",
			       json_object_new_string(wf_on_failure_name(op->on_failure)));
	json_object_object_add(o, "retry", retry_object(&op->retry));
	*out = o;
	return PROV_OK;
}

static int plan_levels(json_object *levels, const struct wf_env *env, const prov_workflow *wf)
{
	prov_dag *dag = NULL;
	size_t *level_of = prov_calloc(wf->op_count + 1, sizeof(*level_of)), count = 0;
	int rc = level_of ? wf_build_dag(&dag, wf, NULL, NULL) : PROV_ENOMEM;

	if (rc == PROV_OK)
		rc = prov_dag_levels(level_of, &count, dag);
	for (size_t level = 0; rc == PROV_OK && level < count; level++) {
		json_object *ops = json_object_new_array();

		json_object_array_add(levels, ops);
		for (size_t i = 0; rc == PROV_OK && i < wf->op_count; i++) {
			json_object *call = NULL;

			if (level_of[i] != level)
				continue;
			rc = planned_call(&call, env, wf, &wf->ops[i]);
			if (rc == PROV_OK)
				json_object_array_add(ops, call);
		}
	}
	prov_dag_free(dag);
	free(level_of);
	return rc;
}

static int build_plan(char **out, const struct wf_env *env, const prov_workflow *wf,
		      unsigned int parallel_limit)
{
	json_object *plan = json_object_new_object(), *levels = json_object_new_array();
	int rc;

	json_object_object_add(plan, "format_version", json_object_new_int(1));
	json_object_object_add(plan, "workflow_id", json_object_new_string(wf->id));
	json_object_object_add(plan, "name", json_object_new_string(wf->name));
	json_object_object_add(plan, "definition_sha256", json_object_new_string(wf->sha256));
	json_object_object_add(plan, "parallel_limit",
			       json_object_new_int64(parallel_limit ? parallel_limit
								    : wf->parallel_limit));
	json_object_object_add(plan, "operation_count", json_object_new_int64((int64_t)wf->op_count));
	json_object_object_add(plan, "levels", levels);
	rc = plan_levels(levels, env, wf);
	if (rc == PROV_OK && !(*out = prov_json_to_string(plan, NULL)))
		rc = PROV_ENOMEM;
	json_object_put(plan);
	return rc;
}

int prov_workflow_plan(char **out, prov_workflow_runner *runner, const prov_workflow *wf)
{
	struct wf_env env;
	int rc;

	if (!out || !wf)
		return prov_err_set(PROV_EINVAL, PROV_ERRCAT_INVALID_ARGUMENT,
				    "prov_workflow_plan needs a workflow and an out-parameter");
	*out = NULL;
	if ((rc = wf_runner_enter(runner)))
		return rc;
	rc = wf_check(&env, NULL, runner, wf);
	if (rc == PROV_OK) {
		rc = build_plan(out, &env, wf, runner ? runner->parallel_limit : 0);
		wf_env_close(&env);
	}
	wf_runner_leave(runner, false);
	return rc;
}
