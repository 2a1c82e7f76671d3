/*
 * Running a workflow that the runner owns in the store: the checkpoint is
 * created (or continued), completed operations are restored, the graph
 * runs, and the outcome is decided as DESIGN.md's list says: the status,
 * whether the rollback stack runs, the final checkpoint, the last event.
 */
#include "workflow/run.h"

#include "core/clock.h"
#include "core/json.h"
#include "core/logging.h"
#include "core/mem.h"
#include "core/rfc3339.h"
#include "format/format.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void wf_run_init(struct wf_run *run, prov_workflow_runner *runner, const prov_workflow *wf)
{
	memset(run, 0, sizeof(*run));
	run->runner = runner;
	run->wf = wf;
	run->id = wf ? wf->id : NULL;
	pthread_mutex_init(&run->lock, NULL);
	atomic_init(&run->store_failed, false);
}

int wf_run_end(struct wf_run *run, int rc)
{
	/* Releasing writes a snapshot, whose handled errors must not replace the run's. */
	prov_err_saved *error = rc != PROV_OK ? prov_err_save() : NULL;

	wf_run_release(run);
	if (error) {
		prov_err_restore(error);
		prov_err_saved_free(error);
	}
	return rc;
}

void wf_run_release(struct wf_run *run)
{
	for (size_t i = 0; run->ops && i < run->wf->op_count; i++) {
		prov_value_unref(run->ops[i].output);
		for (size_t a = 0; a < run->ops[i].action_count; a++)
			prov_rollback_action_free(run->ops[i].actions[a]);
		free(run->ops[i].actions);
		free(run->ops[i].error_code);
	}
	free(run->ops);
	prov_dag_free(run->dag);
	prov_checkpoint_free(run->checkpoint);
	if (run->token) {
		prov_checkpoint_store_release(run->runner->store, run->token);
		prov_checkpoint_token_free(run->token);
	}
	wf_env_close(&run->env);
	prov_err_saved_free(run->store_error);
	pthread_mutex_destroy(&run->lock);
}

int wf_store_summary(prov_checkpoint *cp, json_object *summary)
{
	return prov_checkpoint_set_state(cp, "result",
					 json_object_to_json_string_ext(summary, JSON_C_TO_STRING_PLAIN));
}

/* The definition's hash as the checkpoint stored it ("" when it has none). */
void wf_stored_sha256(char out[PROV_SHA256_HEX_SIZE], const prov_checkpoint *cp)
{
	char *json = NULL;
	json_object *v;

	out[0] = '\0';
	if (prov_checkpoint_get_state(&json, cp, "definition_sha256") != PROV_OK)
		return;
	v = json_tokener_parse(json);
	if (json_object_is_type(v, json_type_string))
		snprintf(out, PROV_SHA256_HEX_SIZE, "%s", json_object_get_string(v));
	json_object_put(v);
	prov_free(json);
}

/* A new checkpoint: the normalised, unresolved definition and its hash. */
static int new_checkpoint(prov_checkpoint **out, const prov_workflow *wf)
{
	json_object *meta = json_object_new_object();
	char *definition = NULL, sha[PROV_SHA256_HEX_SIZE + 2];
	int rc = prov_checkpoint_new(out, wf->id);

	snprintf(sha, sizeof(sha), "\"%s\"", wf->sha256);
	json_object_object_add(meta, "name", json_object_new_string(wf->name));
	if (rc == PROV_OK)
		rc = prov_workflow_to_json(&definition, wf);
	if (rc == PROV_OK)
		rc = prov_checkpoint_set_state(*out, "definition", definition);
	if (rc == PROV_OK)
		rc = prov_checkpoint_set_state(*out, "definition_sha256", sha);
	if (rc == PROV_OK)
		rc = prov_checkpoint_set_metadata(*out, json_object_to_json_string(meta));
	prov_free(definition);
	json_object_put(meta);
	return rc;
}

/*
 * The checkpoint this run writes on: a new one, or the stored one with its
 * last result cleared ({}), saved durably before anything runs (a crash from here
 * on leaves an unfinished run that `run FILE` continues).
 */
static int start_checkpoint(struct wf_run *run, prov_checkpoint *stored)
{
	json_object *summary = stored ? wf_stored_summary(stored) : NULL;
	int rc = PROV_OK;

	if (stored)
		run->checkpoint = stored;
	else
		rc = new_checkpoint(&run->checkpoint, run->wf);
	if (rc == PROV_OK && summary)
		rc = prov_checkpoint_set_state(run->checkpoint, "result", "{}");
	if (rc == PROV_OK && (!stored || summary)) {
		rc = prov_checkpoint_store_save(run->runner->store, run->token, run->checkpoint);
		if (rc == PROV_OK)
			WF_PUBLISH(run->runner, checkpoint_saved, run->id,
				   prov_checkpoint_step(run->checkpoint));
	}
	json_object_put(summary);
	return rc;
}

/* Operations completed in earlier runs keep their outputs for {{ops...}}. */
static int restore_outputs(struct wf_run *run, prov_source *src)
{
	int rc = PROV_OK;

	for (size_t i = 0; rc == PROV_OK && i < run->wf->op_count; i++) {
		const char *id = run->wf->ops[i].id, *status;
		prov_operation_record *rec = NULL;
		char *output = NULL;

		atomic_init(&run->ops[i].state, -1);
		status = prov_checkpoint_operation_status(run->checkpoint, id);
		if (!status || strcmp(status, "completed") != 0)
			continue;
		rc = prov_checkpoint_get_operation(&rec, run->checkpoint, id);
		if (rc == PROV_OK)
			rc = prov_operation_record_get_output(&output, rec);
		if (rc == PROV_OK)
			rc = prov_json_read(output, strlen(output), src, &run->ops[i].output);
		if (rc == PROV_OK)
			rc = prov_dag_mark_completed(run->dag, id);
		run->ops[i].restored = rc == PROV_OK;
		atomic_store(&run->ops[i].state, PROV_DAG_COMPLETED);
		prov_free(output);
		prov_operation_record_free(rec);
	}
	return rc;
}

static int prepare(struct wf_run *run)
{
	char name[PROV_WORKFLOW_ID_MAX + 32];
	prov_source *src;
	int rc;

	snprintf(name, sizeof(name), "checkpoint %s", run->id);
	if (!(run->ops = prov_calloc(run->wf->op_count + 1, sizeof(*run->ops))))
		return PROV_ENOMEM;
	rc = wf_build_dag(&run->dag, run->wf, wf_operation_task, run);
	if (rc == PROV_OK && !(src = prov_source_new(name, NULL)))
		rc = PROV_ENOMEM;
	if (rc == PROV_OK) {
		rc = restore_outputs(run, src);
		prov_source_unref(src);
	}
	return rc;
}

static int execute(struct wf_run *run)
{
	prov_dag_run_options options = PROV_DAG_RUN_OPTIONS_INIT;

	options.parallelism = run->runner->parallel_limit ? run->runner->parallel_limit
							   : run->wf->parallel_limit;
	options.on_retry = wf_operation_retrying;
	options.on_finish = wf_operation_finished;
	options.userdata = run;
	return wf_runner_run_dag(run->runner, run->dag, &options);
}

/* Skipped and never-started operations reach the checkpoint with the final save. */
static void fold_unrecorded(struct wf_run *run)
{
	for (size_t i = 0; i < run->wf->op_count; i++) {
		int state = atomic_load(&run->ops[i].state);
		prov_operation_record *rec = NULL;
		const char *status = state == PROV_DAG_SKIPPED ? "skipped" : "cancelled";

		if (state != PROV_DAG_SKIPPED && !(state == PROV_DAG_CANCELLED && !run->ops[i].attempts))
			continue;
		if (prov_operation_record_new(&rec, run->wf->ops[i].id, status) == PROV_OK &&
		    prov_operation_record_set_attempts(rec, 0) == PROV_OK)
			prov_checkpoint_apply_record(run->checkpoint, rec);
		prov_operation_record_free(rec);
	}
}

static void add_ids(json_object *details, const struct wf_run *run, const char *key, int state)
{
	json_object *list = json_object_new_array();

	for (size_t i = 0; i < run->wf->op_count; i++)
		if (atomic_load(&run->ops[i].state) == state)
			json_object_array_add(list, json_object_new_string(run->wf->ops[i].id));
	json_object_object_add(details, key, list);
}

/* The first failure's message, as the operation's own error said it. */
static void first_failure(char *out, size_t size, const struct wf_run *run, size_t *failed)
{
	*failed = 0;
	out[0] = '\0';
	for (size_t i = 0; i < run->wf->op_count; i++) {
		if (atomic_load(&run->ops[i].state) != PROV_DAG_FAILED)
			continue;
		if ((*failed)++ == 0)
			snprintf(out, size, "%s", prov_dag_node_error_message(run->dag, i));
	}
}

static json_object *failure_error(const struct wf_run *run, const char *status)
{
	json_object *error = json_object_new_object(), *details = json_object_new_object();
	char first[768], message[1024];
	size_t failed;

	first_failure(first, sizeof(first), run, &failed);
	snprintf(message, sizeof(message), "workflow %s %s: %s (%zu of %zu operations failed)",
		 run->id, strcmp(status, "partial") == 0 ? "finished in part" : "failed", first,
		 failed, run->wf->op_count);
	add_ids(details, run, "failed", PROV_DAG_FAILED);
	add_ids(details, run, "skipped", PROV_DAG_SKIPPED);
	json_object_object_add(error, "code", json_object_new_string(
		strcmp(status, "partial") == 0 ? "partial_failure" : "operation_failed"));
	json_object_object_add(error, "message", json_object_new_string(message));
	json_object_object_add(error, "details", details);
	return error;
}

json_object *wf_simple_error(const char *code, const char *message)
{
	json_object *error = json_object_new_object();

	json_object_object_add(error, "code", json_object_new_string(code));
	json_object_object_add(error, "message", json_object_new_string(message));
	json_object_object_add(error, "details", json_object_new_object());
	return error;
}

json_object *wf_new_summary(const char *status, json_object *error, int64_t started_ms)
{
	json_object *summary = json_object_new_object();
	int64_t now = prov_clock_realtime_ms();
	char when[PROV_RFC3339_MAX];

	json_object_object_add(summary, "status", json_object_new_string(status));
	json_object_object_add(summary, "error", error);
	json_object_object_add(summary, "rolled_back", json_object_new_boolean(0));
	json_object_object_add(summary, "undone", json_object_new_array());
	prov_rfc3339_format(started_ms, true, when);
	json_object_object_add(summary, "started_at", json_object_new_string(when));
	prov_rfc3339_format(now, true, when);
	json_object_object_add(summary, "finished_at", json_object_new_string(when));
	json_object_object_add(summary, "duration_ms", json_object_new_int64(now - started_ms));
	return summary;
}

/* The status of the graph's outcome and the summary that records it. */
static json_object *decide(struct wf_run *run, int dag_rc)
{
	char message[1024];

	if (atomic_load(&run->store_failed)) {
		snprintf(message, sizeof(message), "workflow %s stopped: the checkpoint store failed: %s",
			 run->id, prov_err_saved_message(run->store_error));
		return wf_new_summary("error", wf_simple_error("checkpoint_store", message), run->started_ms);
	}
	switch (dag_rc) {
	case PROV_OK:
		return wf_new_summary("success", NULL, run->started_ms);
	case PROV_EPARTIAL:
		return wf_new_summary("partial", failure_error(run, "partial"), run->started_ms);
	case PROV_EWORKFLOW:
		return wf_new_summary("error", failure_error(run, "error"), run->started_ms);
	case PROV_ECANCELLED:
		snprintf(message, sizeof(message), "workflow %s was cancelled", run->id);
		return wf_new_summary("cancelled", wf_simple_error("cancelled", message), run->started_ms);
	default:
		snprintf(message, sizeof(message), "workflow %s could not run: %s", run->id,
			 prov_error_last()->message);
		return wf_new_summary("error", wf_simple_error("error", message), run->started_ms);
	}
}

static bool failed_with_rollback(const struct wf_run *run)
{
	for (size_t i = 0; i < run->wf->op_count; i++)
		if (run->wf->ops[i].on_failure == WF_ON_FAILURE_ROLLBACK &&
		    atomic_load(&run->ops[i].state) == PROV_DAG_FAILED)
			return true;
	return false;
}

/* DESIGN.md's decision list: which endings run the rollback stack. */
static bool wants_rollback(const struct wf_run *run, int dag_rc)
{
	if (atomic_load(&run->store_failed))
		return false;
	if (dag_rc == PROV_EWORKFLOW)
		return run->wf->rollback_enabled || failed_with_rollback(run);
	if (dag_rc == PROV_EPARTIAL)
		return run->wf->rollback_on_partial_failure;
	return false;
}

/*
 * Mark the workflow rolled back durably before undoing anything: a crash
 * halfway through leaves a workflow that resume will not continue (its
 * completed operations' resources may be gone) and that `rollback ID`
 * finishes.
 */
static void save_rolling_back(struct wf_run *run, json_object *summary)
{
	json_object_object_add(summary, "status", json_object_new_string("error"));
	json_object_object_add(summary, "rolled_back", json_object_new_boolean(1));
	if (wf_store_summary(run->checkpoint, summary) != PROV_OK ||
	    prov_checkpoint_store_save(run->runner->store, run->token, run->checkpoint) != PROV_OK)
		prov_log(PROV_LOG_WARNING, "workflow", "%s: rolling back before the checkpoint says so: %s",
			 run->id, prov_error_last()->message);
	else
		WF_PUBLISH(run->runner, checkpoint_saved, run->id, prov_checkpoint_step(run->checkpoint));
}

/* Run the stack and note it in the summary: status error, what was undone. */
int wf_roll_back(struct wf_run *run, json_object *summary, bool only_failed)
{
	struct wf_rollback rb = { run->runner, &run->env, run->id, run->wf->timeout_ms, only_failed,
				  run->checkpoint, json_object_new_array(), 0, false };
	json_object *undone = NULL, *error = NULL;
	char message[1536];
	int rc;

	save_rolling_back(run, summary);
	rc = wf_rollback_stack(&rb, run->checkpoint);
	json_object_object_get_ex(summary, "undone", &undone);
	for (size_t i = 0; undone && i < json_object_array_length(rb.undone); i++)
		json_object_array_add(undone, json_object_get(json_object_array_get_idx(rb.undone, i)));
	json_object_object_get_ex(summary, "error", &error);
	if (error && rb.failed > 0) {
		snprintf(message, sizeof(message), "%s; %zu rollback action%s failed and stay%s in "
			 "the checkpoint", prov_json_get_string(error, "message"), rb.failed,
			 rb.failed == 1 ? "" : "s", rb.failed == 1 ? "s" : "");
		json_object_object_add(error, "message", json_object_new_string(message));
	}
	json_object_put(rb.undone);
	return rc;
}

static void save_final(struct wf_run *run, json_object *summary)
{
	int rc = wf_store_summary(run->checkpoint, summary);

	if (rc == PROV_OK && !atomic_load(&run->store_failed))
		rc = prov_checkpoint_store_save(run->runner->store, run->token, run->checkpoint);
	if (rc == PROV_OK && !atomic_load(&run->store_failed))
		WF_PUBLISH(run->runner, checkpoint_saved, run->id, prov_checkpoint_step(run->checkpoint));
	else if (rc != PROV_OK)
		prov_log(PROV_LOG_ERROR, "workflow", "%s: the final checkpoint was not saved: %s",
			 run->id, prov_error_last()->message);
}

/* The last event: the workflow's end as its status says. */
void wf_publish_end(prov_workflow_runner *runner, const char *id, json_object *summary,
		    const char *result)
{
	const char *status = wf_summary_status(summary);
	json_object *error = NULL;

	json_object_object_get_ex(summary, "error", &error);
	if (strcmp(status, "cancelled") == 0)
		WF_PUBLISH(runner, workflow_cancelled, id);
	else if (strcmp(status, "error") == 0)
		WF_PUBLISH(runner, workflow_failed, id, prov_json_get_string(error, "message"));
	else
		WF_PUBLISH(runner, workflow_completed, id, result);
}

static int finish(char **result, struct wf_run *run, int dag_rc)
{
	json_object *summary;
	char *doc = NULL;
	int rc;

	fold_unrecorded(run);
	summary = decide(run, dag_rc);
	if (wants_rollback(run, dag_rc))
		wf_roll_back(run, summary, run->wf->preserve_successful);
	save_final(run, summary);
	rc = wf_result_build(&doc, run->wf, run->checkpoint, summary, run->dag);
	if (rc == PROV_OK) {
		wf_publish_end(run->runner, run->id, summary, doc);
		rc = wf_result_code(summary, run->id);
	}
	if (result)
		*result = doc;
	else
		prov_free(doc);
	json_object_put(summary);
	return rc;
}

int wf_run_owned(char **result, struct wf_run *run, prov_checkpoint *stored)
{
	int rc;

	run->started_ms = prov_clock_realtime_ms();
	WF_PUBLISH(run->runner, workflow_started, run->id, run->wf->name);
	rc = start_checkpoint(run, stored);
	if (rc == PROV_OK)
		rc = prepare(run);
	if (rc == PROV_OK)
		return finish(result, run, execute(run));
	WF_PUBLISH(run->runner, workflow_failed, run->id, prov_error_last()->message);
	return rc;
}

/* A finished run's result, read back; nothing is called. */
int wf_return_stored(char **result, const prov_workflow *wf, const prov_checkpoint *cp,
		     json_object *summary)
{
	char *doc = NULL;
	int rc = wf_result_build(&doc, wf, cp, summary, NULL);

	if (rc == PROV_OK)
		rc = wf_result_code(summary, wf->id);
	if (result)
		*result = doc;
	else
		prov_free(doc);
	return rc;
}

/* Asked by a waiting acquire between its tries. */
static int acquire_cancelled(void *userdata)
{
	return wf_runner_cancelled(((struct wf_run *)userdata)->runner);
}

/*
 * Own the workflow, waiting up to runner->wait_ms while another owner holds
 * it; should the ownership end before the run does (an etcd lease that
 * expired), the run stops as when the store fails.
 */
static int acquire(struct wf_run *run, const char *id)
{
	prov_checkpoint_acquire_options options = PROV_CHECKPOINT_ACQUIRE_OPTIONS_INIT;
	int rc;

	options.wait_ms = run->runner->wait_ms;
	options.cancelled = acquire_cancelled;
	options.on_lost = wf_ownership_lost;
	options.userdata = run;
	rc = prov_checkpoint_store_acquire_with(&run->token, run->runner->store, id, &options);
	if (rc == PROV_ECANCELLED)
		return prov_err_set(PROV_ECANCELLED, PROV_ERRCAT_WORKFLOW,
				    "cancelled while waiting for workflow %s", id);
	if (rc == PROV_EBUSY) {
		prov_err_prefix("workflow %s is already running: ", id);
		prov_err_context(PROV_ERR_WORKFLOW, id);
	}
	return rc;
}

/* Load the workflow's checkpoint under ownership; *out NULL when there is none. */
int wf_load_owned(prov_checkpoint **out, struct wf_run *run, const char *id)
{
	int rc = acquire(run, id);

	*out = NULL;
	if (rc == PROV_OK)
		rc = prov_checkpoint_store_load(out, run->runner->store, id);
	return rc == PROV_ENOTFOUND && run->token ? PROV_OK : rc;
}

static bool finished_for_run(json_object *summary)
{
	const char *status = wf_summary_status(summary);

	return status && strcmp(status, "cancelled") != 0;
}

int wf_require_environment(const prov_workflow_runner *runner)
{
	if (!runner || !runner->registry || !runner->store)
		return prov_err_set(PROV_EINVAL, PROV_ERRCAT_INVALID_ARGUMENT,
				    "running a workflow needs a runner with a registry and a store");
	return PROV_OK;
}

static int run_file(char **result, struct wf_run *run)
{
	char stored_sha[PROV_SHA256_HEX_SIZE];
	prov_checkpoint *stored = NULL;
	json_object *summary = NULL;
	int rc = wf_check(&run->env, NULL, run->runner, run->wf);

	if (rc == PROV_OK)
		rc = wf_load_owned(&stored, run, run->id);
	if (rc == PROV_OK && stored) {
		wf_stored_sha256(stored_sha, stored);
		summary = wf_stored_summary(stored);
		if (strcmp(stored_sha, run->wf->sha256) != 0)
			rc = prov_err_set(PROV_ECONFLICT, PROV_ERRCAT_WORKFLOW,
					  "workflow %s already has a checkpoint of another definition "
					  "(sha256 %.12s..., this one %.12s...)", run->id,
					  stored_sha[0] ? stored_sha : "none", run->wf->sha256);
		else if (finished_for_run(summary))
			rc = wf_return_stored(result, run->wf, stored, summary);
		else {
			rc = wf_run_owned(result, run, stored);
			stored = NULL;
		}
	} else if (rc == PROV_OK) {
		rc = wf_run_owned(result, run, NULL);
	}
	json_object_put(summary);
	prov_checkpoint_free(stored);
	return rc;
}

int prov_workflow_run(char **result, prov_workflow_runner *runner, const prov_workflow *wf)
{
	struct wf_run run;
	int rc;

	if (result)
		*result = NULL;
	if ((rc = wf_require_environment(runner)))
		return rc;
	if (!wf)
		return prov_err_set(PROV_EINVAL, PROV_ERRCAT_INVALID_ARGUMENT,
				    "prov_workflow_run needs a workflow");
	if ((rc = wf_runner_enter(runner)))
		return rc;
	wf_run_init(&run, runner, wf);
	rc = wf_run_end(&run, run_file(result, &run));
	wf_runner_leave(runner, true);
	return rc;
}
