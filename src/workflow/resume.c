/*
 * Working from a checkpoint by id alone: resume a run that crashed, was
 * cancelled or ended in error without a rollback, and roll back what a
 * workflow's stack still holds. The definition comes from the checkpoint,
 * checked against the hash stored beside it; config is resolved again from
 * the current environment.
 */
#include "workflow/run.h"

#include "core/clock.h"
#include "core/mem.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The definition a checkpoint holds, verified against its stored hash. */
static int stored_definition(prov_workflow **out, const prov_checkpoint *cp, const char *id)
{
	char *json = NULL, name[PROV_WORKFLOW_ID_MAX + 32], sha[PROV_SHA256_HEX_SIZE];
	int rc = prov_checkpoint_get_state(&json, cp, "definition");

	*out = NULL;
	if (rc == PROV_ENOTFOUND)
		return prov_err_set(PROV_ESTORE, PROV_ERRCAT_CHECKPOINT,
				    "the checkpoint of workflow %s holds no definition", id);
	snprintf(name, sizeof(name), "checkpoint %s", id);
	if (rc == PROV_OK)
		rc = prov_workflow_load_string(out, name, json, strlen(json), PROV_FORMAT_JSON);
	prov_free(json);
	if (rc)
		return rc;
	wf_stored_sha256(sha, cp);
	if (strcmp(sha, (*out)->sha256) != 0 || strcmp((*out)->id, id) != 0) {
		prov_workflow_free(*out);
		*out = NULL;
		return prov_err_set(PROV_ESTORE, PROV_ERRCAT_CHECKPOINT,
				    "the checkpoint of workflow %s holds a definition that does not "
				    "match its sha256", id);
	}
	return PROV_OK;
}

/* Start a run on id: acquire it, load its checkpoint and the definition in it. */
static int open_stored(struct wf_run *run, prov_workflow_runner *runner, prov_checkpoint **cp,
		       prov_workflow **wf, const char *id)
{
	int rc;

	wf_run_init(run, runner, NULL);
	rc = wf_load_owned(cp, run, id);
	*wf = NULL;
	if (rc == PROV_OK && !*cp)
		rc = prov_err_set(PROV_ENOTFOUND, PROV_ERRCAT_WORKFLOW,
				  "workflow %s has no checkpoint", id);
	if (rc == PROV_OK)
		rc = stored_definition(wf, *cp, id);
	if (rc == PROV_OK) {
		run->wf = *wf;
		run->id = (*wf)->id;
	}
	return rc;
}

/* End what open_stored() started (cp is NULL when the run took it) and leave the runner. */
static int close_stored(struct wf_run *run, prov_checkpoint *cp, prov_workflow *wf, int rc)
{
	prov_checkpoint_free(cp);
	rc = wf_run_end(run, rc);
	prov_workflow_free(wf);
	wf_runner_leave(run->runner, true);
	return rc;
}

/* Clear *result, then enter the runner for a valid id. */
static int enter(char **result, prov_workflow_runner *runner, const char *id)
{
	int rc = wf_require_environment(runner);

	if (result)
		*result = NULL;
	if (rc == PROV_OK)
		rc = prov_workflow_id_validate(id);
	return rc ? rc : wf_runner_enter(runner);
}

/* Nothing to continue: it succeeded, or what it did was rolled back. */
static bool finished_for_resume(json_object *summary)
{
	const char *status = wf_summary_status(summary);

	return (status && strcmp(status, "success") == 0) || wf_summary_rolled_back(summary);
}

int prov_workflow_resume(char **result, prov_workflow_runner *runner, const char *workflow_id)
{
	prov_checkpoint *cp = NULL;
	prov_workflow *wf = NULL;
	json_object *summary = NULL;
	struct wf_run run;
	int rc;

	if ((rc = enter(result, runner, workflow_id)))
		return rc;
	rc = open_stored(&run, runner, &cp, &wf, workflow_id);
	if (rc == PROV_OK && finished_for_resume(summary = wf_stored_summary(cp))) {
		rc = wf_return_stored(result, wf, cp, summary);
	} else if (rc == PROV_OK && (rc = wf_check(&run.env, NULL, runner, wf)) == PROV_OK) {
		rc = wf_run_owned(result, &run, cp);
		cp = NULL;
	}
	json_object_put(summary);
	return close_stored(&run, cp, wf, rc);
}

/*
 * The summary after a rollback: the stored one, or for a run that never
 * finished (or succeeded), one that says the workflow was rolled back.
 */
static json_object *rollback_summary(const prov_checkpoint *cp, const char *id)
{
	json_object *summary = wf_stored_summary(cp), *error = NULL;
	char message[256];

	if (!summary)
		summary = wf_new_summary("error", NULL, prov_clock_realtime_ms());
	json_object_object_get_ex(summary, "error", &error);
	if (!json_object_is_type(error, json_type_object)) {
		snprintf(message, sizeof(message), "workflow %s was rolled back", id);
		json_object_object_add(summary, "error", wf_simple_error("rolled_back", message));
	}
	return summary;
}

static int roll_back_stored(char **result, struct wf_run *run, prov_checkpoint *cp)
{
	json_object *summary = rollback_summary(cp, run->id);
	bool only_failed = wf_summary_rolled_back(summary) && run->wf->preserve_successful;
	char *doc = NULL;
	int rc, saved;

	run->checkpoint = cp;
	rc = wf_roll_back(run, summary, only_failed);
	saved = wf_store_summary(cp, summary);
	if (saved == PROV_OK)
		saved = prov_checkpoint_store_save(run->runner->store, run->token, cp);
	if (saved == PROV_OK)
		WF_PUBLISH(run->runner, checkpoint_saved, run->id, prov_checkpoint_step(cp));
	if (saved == PROV_OK)
		saved = wf_result_build(&doc, run->wf, cp, summary, NULL);
	if (saved == PROV_OK)
		wf_publish_end(run->runner, run->id, summary, doc);
	if (result)
		*result = doc;
	else
		prov_free(doc);
	json_object_put(summary);
	return saved ? saved : rc;
}

int prov_workflow_rollback(char **result, prov_workflow_runner *runner, const char *workflow_id)
{
	prov_checkpoint *cp = NULL;
	prov_workflow *wf = NULL;
	struct wf_run run;
	int rc;

	if ((rc = enter(result, runner, workflow_id)))
		return rc;
	rc = open_stored(&run, runner, &cp, &wf, workflow_id);
	if (rc == PROV_OK)
		rc = wf_env_open(&run.env, runner, wf);
	if (rc == PROV_OK) {
		rc = roll_back_stored(result, &run, cp);
		cp = NULL;
	}
	return close_stored(&run, cp, wf, rc);
}
