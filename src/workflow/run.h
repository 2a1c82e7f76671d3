/*
 * One run of a workflow: what the DAG's tasks and callbacks share with the
 * code that starts and finishes the run, and the rollback and result code
 * that both runs and `rollback ID` use.
 */
#ifndef PROV_WORKFLOW_RUN_H
#define PROV_WORKFLOW_RUN_H

#include "workflow/internal.h"

#include "core/err.h"

#include <json-c/json.h>

/* What one operation did in this run (or, restored, in an earlier one). */
struct wf_op_run {
	prov_value *output;             /* result.data once completed */
	prov_rollback_action **actions; /* undo steps for what it created */
	size_t action_count;
	char *error_code;               /* the failed call's error.code */
	atomic_int state;               /* prov_dag_state reached in this run; -1 when none */
	unsigned int attempts;
	bool restored;                  /* completed in an earlier run */
};

struct wf_run {
	prov_workflow_runner *runner;
	const prov_workflow *wf;
	struct wf_env env;
	const char *id;
	prov_checkpoint_token *token;
	pthread_mutex_t lock;           /* guards checkpoint and store_error */
	prov_checkpoint *checkpoint;    /* as stored, with this run's records folded in */
	struct wf_op_run *ops;
	prov_dag *dag;
	atomic_bool store_failed;
	prov_err_saved *store_error;
	int64_t started_ms;             /* wall clock */
};

/* task.c: the DAG task and callbacks of operations. */
int wf_operation_task(prov_dag_context *ctx, void *userdata);
/* The store's on_lost for a run's ownership (userdata: the wf_run). */
void wf_ownership_lost(const char *workflow_id, void *userdata);
void wf_operation_retrying(const prov_dag_context *ctx, void *userdata);
void wf_operation_finished(const prov_dag_context *ctx, void *userdata);
/* The JSON text of a value ("null" for NULL); NULL on ENOMEM. */
char *wf_value_json(const prov_value *v);

/* Publish helpers ignore a missing or closed bus: events never stop a run. */
#define WF_PUBLISH(runner, helper, ...) \
	do { \
		if ((runner)->bus) \
			(void)prov_bus_publish_##helper(NULL, (runner)->bus, __VA_ARGS__); \
	} while (0)

/* rollback.c */
struct wf_rollback {
	prov_workflow_runner *runner;
	struct wf_env *env;
	const char *workflow_id;
	long long timeout_ms;           /* per provider call */
	bool only_failed;               /* preserve_successful: actions of failed operations */
	const prov_checkpoint *checkpoint;  /* whose operations say which failed */
	json_object *undone;            /* array: each action undone */
	size_t failed;                  /* actions that failed */
	bool cancelled;                 /* actions left unstarted by a cancel */
};
/* Run cp's stack (events on the way) and store what is left back in cp.
 * Returns PROV_OK, PROV_EPARTIAL (actions failed), PROV_ECANCELLED, PROV_ENOMEM. */
int wf_rollback_stack(struct wf_rollback *rb, prov_checkpoint *cp);

/* result.c */
/* The stored summary of a finished run (current_state.result), or NULL. */
json_object *wf_stored_summary(const prov_checkpoint *cp);
/* The status a summary records ("success", ...), or NULL. */
const char *wf_summary_status(json_object *summary);
bool wf_summary_rolled_back(json_object *summary);
/* The data exchange result of the workflow in cp under summary; ops (may
 * be NULL) adds this run's attempts and durations. Owned JSON text. */
int wf_result_build(char **out, const prov_workflow *wf, const prov_checkpoint *cp,
		    json_object *summary, const prov_dag *dag);
/* The return code a summary stands for, with the error message recorded. */
int wf_result_code(json_object *summary, const char *workflow_id);

/* run.c */
void wf_run_init(struct wf_run *run, prov_workflow_runner *runner, const prov_workflow *wf);
/* Frees what the run holds and releases its ownership. */
void wf_run_release(struct wf_run *run);
/* wf_run_release(), keeping the calling thread's error when rc is one. */
int wf_run_end(struct wf_run *run, int rc);
/* PROV_EINVAL unless the runner has a registry and a store. */
int wf_require_environment(const prov_workflow_runner *runner);
/* Acquire id and load its checkpoint (*out NULL when it has none). */
int wf_load_owned(prov_checkpoint **out, struct wf_run *run, const char *id);
/* Run (or continue) an owned workflow whose env is open; stored is taken over. */
int wf_run_owned(char **result, struct wf_run *run, prov_checkpoint *stored);
/* The stored result of a finished run, and the code its status stands for. */
int wf_return_stored(char **result, const prov_workflow *wf, const prov_checkpoint *cp,
		     json_object *summary);
void wf_stored_sha256(char out[PROV_SHA256_HEX_SIZE], const prov_checkpoint *cp);
int wf_store_summary(prov_checkpoint *cp, json_object *summary);
/* A summary of a run that started at started_ms and ends now (error taken over). */
json_object *wf_new_summary(const char *status, json_object *error, int64_t started_ms);
json_object *wf_simple_error(const char *code, const char *message);
/* Run run->checkpoint's rollback stack; the summary becomes error, rolled back. */
int wf_roll_back(struct wf_run *run, json_object *summary, bool only_failed);
/* WorkflowCompleted, WorkflowFailed or WorkflowCancelled, as the summary says. */
void wf_publish_end(prov_workflow_runner *runner, const char *id, json_object *summary,
		    const char *result);

#endif
