/*
 * An operation as a DAG node. The task resolves the params (config
 * references, and {{ops...}} from the outputs of operations that completed
 * before), calls the provider action or extension task with the attempt's
 * deadline and the run's cancellation, and notes what the call created. The
 * callbacks publish the transitions and write one operation record per
 * finished operation; records of operations that finish together share the
 * store's durable commit (its group commit), and no dependent starts before
 * its dependency's record is durable.
 */
#include "workflow/run.h"

#include "core/json.h"
#include "core/logging.h"
#include "core/mem.h"
#include "plugin/call.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

char *wf_value_json(const prov_value *v)
{
	prov_strbuf b = PROV_STRBUF_INIT;

	if (v)
		prov_value_print_json(&b, v, 0);
	else
		prov_strbuf_puts(&b, "null");
	return prov_strbuf_detach(&b, NULL);
}

/* {{ops.ID.output.PATH}}: from the output of ID, a completed dependency. */
static int ops_reference(prov_value **out, const char *name, const prov_value *where,
			 void *userdata)
{
	const struct wf_run *run = userdata;
	const prov_value *output, *v;
	const char *path;
	char *id = NULL;
	long op;

	if (!wf_is_ops_reference(name))
		return PROV_CONFIG_REFERENCE_NOT_MINE;
	if (!wf_parse_ops_reference(name, &id, &path) || (op = wf_find_operation(run->wf, id)) < 0) {
		free(id);
		return prov_err_at(PROV_ECONFIG, PROV_ERRCAT_WORKFLOW, prov_value_file(where),
				   (int)prov_value_line(where), "{{%s}} names no operation", name);
	}
	output = run->ops[op].output;
	v = output && *path ? prov_value_lookup(output, path) : output;
	if (!v) {
		int rc = prov_err_at(PROV_ECONFIG, PROV_ERRCAT_WORKFLOW, prov_value_file(where),
				     (int)prov_value_line(where),
				     output ? "{{%s}}: the output of operation '%s' has no %s"
					    : "{{%s}}: operation '%s' has no output%s", name, id,
				     output ? path : "");
		free(id);
		return rc;
	}
	free(id);
	*out = prov_value_ref(v);
	return PROV_OK;
}

static int call_cancelled(void *userdata)
{
	return prov_dag_context_cancelled(userdata);
}

/* The attempt's deadline, from the run's clock to the plugins' monotonic ms. */
static int64_t call_deadline(prov_dag_context *ctx)
{
	long long deadline = prov_dag_context_deadline_ns(ctx), left_ms;

	if (deadline <= 0)
		return 0;
	left_ms = (deadline - prov_dag_context_now_ns(ctx)) / 1000000;
	return prov_call_deadline_in(left_ms > 0 ? left_ms : 1);
}

/* error.code of a failed call's document ("error" when it has none). */
static char *error_code_of(const prov_call_result *res)
{
	json_object *doc = res->document ? json_tokener_parse(res->document) : NULL, *error;
	const char *code = NULL;
	char *copy;

	if (json_object_object_get_ex(doc, "error", &error))
		code = prov_json_get_string(error, "code");
	copy = strdup(code && *code ? code : "error");
	json_object_put(doc);
	return copy;
}

static bool retryable(int rc)
{
	switch (rc) {
	case PROV_ECANCELLED:
	case PROV_EUNSUPPORTED:
	case PROV_ENOTFOUND:
	case PROV_EINVAL:
	case PROV_ECONFIG:
	case PROV_ENOMEM:
		return false;
	default:
		return true;
	}
}

static bool has_resource(const struct wf_op_run *state, const char *id)
{
	for (size_t i = 0; i < state->action_count; i++)
		if (strcmp(prov_rollback_action_field(state->actions[i], "resource_id"), id) == 0)
			return true;
	return false;
}

/* A server made by create_server is undone by deleting it. */
static void note_created(struct wf_run *run, size_t i)
{
	const struct wf_operation *op = &run->wf->ops[i];
	struct wf_op_run *state = &run->ops[i];
	const prov_value *id = prov_value_is(state->output, PROV_VALUE_TABLE)
			       ? prov_table_gets(state->output, "id") : NULL;
	prov_rollback_action *action = NULL;

	if (!op->provider || strcmp(op->action, "create_server") != 0 ||
	    !prov_value_is(id, PROV_VALUE_STRING) || has_resource(state, prov_value_get_str(id, NULL)))
		return;
	if (prov_grow(&state->actions, state->action_count + 1, sizeof(*state->actions)) ||
	    prov_rollback_action_delete_resource(&action, op->provider,
						 prov_value_get_str(id, NULL)) != PROV_OK) {
		prov_log(PROV_LOG_ERROR, "workflow", "%s: cannot note the rollback of %s: %s",
			 op->id, prov_value_get_str(id, NULL), prov_error_last()->message);
		return;
	}
	state->actions[state->action_count++] = action;
	WF_PUBLISH(run->runner, resource_created, op->provider, "server",
		   prov_value_get_str(id, NULL));
}

static int call_operation(struct wf_run *run, prov_dag_context *ctx, size_t i, const char *params)
{
	const struct wf_operation *op = &run->wf->ops[i];
	struct wf_op_run *state = &run->ops[i];
	prov_call_context call = { run->id, op->id, call_deadline(ctx), call_cancelled, ctx };
	prov_call_result res;
	int rc = op->provider
		 ? prov_registry_call_action(&res, run->env.registry, op->provider, op->action,
					     params, &call)
		 : prov_registry_call_task(&res, run->env.registry, op->extension, op->action,
					   params, &call);

	if (rc == PROV_OK) {
		prov_value_unref(state->output);
		state->output = res.data ? res.data : prov_value_null(NULL, 0);
		res.data = NULL;
		note_created(run, i);
	} else if (rc != PROV_ENOMEM) {
		state->error_code = error_code_of(&res);
	}
	prov_call_result_release(&res);
	return rc;
}

int wf_operation_task(prov_dag_context *ctx, void *userdata)
{
	struct wf_run *run = userdata;
	size_t i = prov_dag_context_node_index(ctx);
	const struct wf_operation *op = &run->wf->ops[i];
	prov_value *params = NULL;
	char *json = NULL;
	int rc;

	WF_PUBLISH(run->runner, operation_started, run->id, op->id,
		   (int)prov_dag_context_attempt(ctx));
	free(run->ops[i].error_code);
	run->ops[i].error_code = NULL;
	rc = wf_expand_params(&params, &run->env, op, ops_reference, run);
	if (rc == PROV_OK && !(json = wf_value_json(params)))
		rc = PROV_ENOMEM;
	else if (rc == PROV_ECONFIG)
		run->ops[i].error_code = strdup("invalid_params");
	prov_value_unref(params);
	if (rc == PROV_OK)
		rc = call_operation(run, ctx, i, json);
	free(json);
	if (rc != PROV_OK) {
		if (!retryable(rc))
			prov_dag_context_set_retryable(ctx, 0);
		prov_err_prefix("operation %s: ", op->id);
		prov_err_context(PROV_ERR_WORKFLOW, run->id);
		prov_err_context(PROV_ERR_OPERATION, op->id);
	}
	return rc;
}

void wf_operation_retrying(const prov_dag_context *ctx, void *userdata)
{
	struct wf_run *run = userdata;
	const struct wf_operation *op = &run->wf->ops[prov_dag_context_node_index(ctx)];

	WF_PUBLISH(run->runner, operation_retrying, run->id, op->id,
		   (int)prov_dag_context_attempt(ctx) + 1, prov_dag_context_retry_delay_ms(ctx),
		   prov_dag_context_error_message(ctx));
}

/* The store refused a write: the run stops; its error is kept for the result. */
static void store_failure(struct wf_run *run)
{
	pthread_mutex_lock(&run->lock);
	if (!run->store_error)
		run->store_error = prov_err_save();
	pthread_mutex_unlock(&run->lock);
	atomic_store(&run->store_failed, true);
	prov_dag_cancel(run->dag);
}

/*
 * The ownership ended without a release (the store's lease expired): every
 * later write would be refused, so the run stops now as when the store
 * fails, through the runner's cancel, which is safe from the store's thread.
 */
void wf_ownership_lost(const char *workflow_id, void *userdata)
{
	struct wf_run *run = userdata;

	pthread_mutex_lock(&run->lock);
	if (!run->store_error) {
		prov_err_set(PROV_ESTALE, PROV_ERRCAT_CHECKPOINT,
			     "the ownership of workflow %s was lost (the store's lease ended); "
			     "another host may resume it", workflow_id);
		run->store_error = prov_err_save();
	}
	pthread_mutex_unlock(&run->lock);
	atomic_store(&run->store_failed, true);
	prov_workflow_cancel(run->runner);
}

static prov_operation_record *new_record(struct wf_run *run, size_t i, const char *status)
{
	const struct wf_op_run *state = &run->ops[i];
	prov_operation_record *rec = NULL;
	int rc = prov_operation_record_new(&rec, run->wf->ops[i].id, status);

	if (rc == PROV_OK)
		rc = prov_operation_record_set_attempts(rec, (int)state->attempts);
	for (size_t a = 0; rc == PROV_OK && a < state->action_count; a++)
		rc = prov_operation_record_add_rollback(rec, state->actions[a]);
	if (rc) {
		prov_operation_record_free(rec);
		return NULL;
	}
	return rec;
}

/*
 * Make the record durable, fold it in, and publish: OperationCompleted with
 * the output, or OperationFailed with the message, then CheckpointSaved.
 * Under the lock, so steps are published in the order they were reached.
 */
static void commit_record(struct wf_run *run, size_t i, prov_operation_record *rec,
			  const char *output, const char *message)
{
	const char *op = run->wf->ops[i].id;
	int rc = rec ? prov_checkpoint_store_record(run->runner->store, run->token, rec)
		     : PROV_ENOMEM;

	if (rc) {
		store_failure(run);
		return;
	}
	pthread_mutex_lock(&run->lock);
	if (prov_checkpoint_apply_record(run->checkpoint, rec) != PROV_OK)
		prov_log(PROV_LOG_ERROR, "workflow", "%s: %s", op, prov_error_last()->message);
	if (output)
		WF_PUBLISH(run->runner, operation_completed, run->id, op, output);
	else
		WF_PUBLISH(run->runner, operation_failed, run->id, op, message,
			   (int)run->ops[i].attempts);
	WF_PUBLISH(run->runner, checkpoint_saved, run->id, prov_checkpoint_step(run->checkpoint));
	pthread_mutex_unlock(&run->lock);
}

static void finish_completed(struct wf_run *run, size_t i)
{
	char *output = wf_value_json(run->ops[i].output);
	prov_operation_record *rec = output ? new_record(run, i, "completed") : NULL;

	if (rec && prov_operation_record_set_output(rec, output) != PROV_OK) {
		prov_operation_record_free(rec);
		rec = NULL;
	}
	commit_record(run, i, rec, output ? output : "null", NULL);
	prov_operation_record_free(rec);
	free(output);
}

static const char *failure_code(const struct wf_op_run *state, int code)
{
	if (state->error_code)
		return state->error_code;
	return code == PROV_ETIMEOUT ? "timeout" : code == PROV_ECANCELLED ? "cancelled" : "error";
}

static void finish_failed(struct wf_run *run, size_t i, const prov_dag_context *ctx,
			  const char *status)
{
	const char *message = prov_dag_context_error_message(ctx);
	prov_operation_record *rec = new_record(run, i, status);
	json_object *error = json_object_new_object();

	json_object_object_add(error, "code", json_object_new_string(
		failure_code(&run->ops[i], prov_dag_context_error_code(ctx))));
	json_object_object_add(error, "message", json_object_new_string(message));
	if (rec && prov_operation_record_set_error(rec, json_object_to_json_string(error))) {
		prov_operation_record_free(rec);
		rec = NULL;
	}
	json_object_put(error);
	commit_record(run, i, rec, NULL, message);
	prov_operation_record_free(rec);
}

/* Why a node was skipped: a hard dependency that did not complete, or the stop. */
static void skip_reason(char *reason, size_t size, const struct wf_run *run, size_t i)
{
	const struct wf_operation *op = &run->wf->ops[i];

	for (size_t d = 0; d < op->dep_count + op->ref_count; d++) {
		bool explicit = d < op->dep_count;
		long dep = explicit ? op->deps[d].op : (long)op->refs[d - op->dep_count];
		int state;

		if (dep < 0 || (explicit && op->deps[d].type != PROV_DAG_HARD))
			continue;
		state = atomic_load(&run->ops[dep].state);
		if (state == PROV_DAG_FAILED || state == PROV_DAG_SKIPPED || state == PROV_DAG_CANCELLED) {
			snprintf(reason, size, "dependency %s %s", run->wf->ops[dep].id,
				 state == PROV_DAG_FAILED ? "failed" : state == PROV_DAG_SKIPPED
				 ? "was skipped" : "was cancelled");
			return;
		}
	}
	snprintf(reason, size, "the workflow stopped after a failure");
}

void wf_operation_finished(const prov_dag_context *ctx, void *userdata)
{
	struct wf_run *run = userdata;
	size_t i = prov_dag_context_node_index(ctx);
	int state = prov_dag_context_state(ctx);
	char reason[256];

	run->ops[i].attempts = prov_dag_context_attempt(ctx);
	atomic_store(&run->ops[i].state, state);
	if (state == PROV_DAG_COMPLETED) {
		finish_completed(run, i);
	} else if (state == PROV_DAG_FAILED) {
		finish_failed(run, i, ctx, "failed");
	} else if (state == PROV_DAG_CANCELLED && run->ops[i].attempts > 0) {
		finish_failed(run, i, ctx, "cancelled");
	} else {
		if (state == PROV_DAG_CANCELLED)
			snprintf(reason, sizeof(reason), "the workflow was cancelled");
		else
			skip_reason(reason, sizeof(reason), run, i);
		WF_PUBLISH(run->runner, operation_skipped, run->id, run->wf->ops[i].id, reason);
	}
}
