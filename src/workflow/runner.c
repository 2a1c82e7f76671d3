/*
 * The runner handle: the environment runs share, one call at a time, and
 * cancellation from any thread.
 */
#include "workflow/internal.h"

#include "core/err.h"
#include "core/mem.h"

#include <stdlib.h>
#include <string.h>

int prov_workflow_runner_new(prov_workflow_runner **out, const prov_workflow_options *options)
{
	prov_workflow_options o = PROV_WORKFLOW_OPTIONS_INIT;
	prov_workflow_runner *r;

	if (!out)
		return prov_err_set(PROV_EINVAL, PROV_ERRCAT_INVALID_ARGUMENT,
				    "prov_workflow_runner_new needs an out-parameter");
	*out = NULL;
	if (options && options->size < sizeof(unsigned int))
		return prov_err_set(PROV_EINVAL, PROV_ERRCAT_INVALID_ARGUMENT,
				    "prov_workflow_options has a size of %u", options->size);
	if (options)
		memcpy(&o, options, options->size < sizeof(o) ? options->size : sizeof(o));
	if (!(r = prov_calloc(1, sizeof(*r))))
		return PROV_ENOMEM;
	r->registry = o.registry;
	r->resolver = o.resolver;
	r->store = o.store;
	r->bus = o.bus;
	r->parallel_limit = o.parallel_limit;
	r->wait_ms = o.wait_ms;
	pthread_mutex_init(&r->lock, NULL);
	atomic_init(&r->cancelled, false);
	*out = r;
	return PROV_OK;
}

void prov_workflow_runner_free(prov_workflow_runner *runner)
{
	if (!runner)
		return;
	pthread_mutex_destroy(&runner->lock);
	free(runner);
}

int wf_runner_enter(prov_workflow_runner *runner)
{
	bool busy;

	if (!runner)
		return PROV_OK;
	pthread_mutex_lock(&runner->lock);
	busy = runner->busy;
	runner->busy = true;
	pthread_mutex_unlock(&runner->lock);
	if (busy)
		return prov_err_set(PROV_EBUSY, PROV_ERRCAT_WORKFLOW,
				    "the workflow runner is already running a call");
	return PROV_OK;
}

/* A call ends; a cancel that a run saw does not reach the next one. */
void wf_runner_leave(prov_workflow_runner *runner, bool cancel_seen)
{
	if (!runner)
		return;
	pthread_mutex_lock(&runner->lock);
	runner->busy = false;
	if (cancel_seen)
		atomic_store(&runner->cancelled, false);
	pthread_mutex_unlock(&runner->lock);
}

bool wf_runner_cancelled(const prov_workflow_runner *runner)
{
	return runner && atomic_load(&((prov_workflow_runner *)runner)->cancelled);
}

void prov_workflow_cancel(prov_workflow_runner *runner)
{
	if (!runner)
		return;
	pthread_mutex_lock(&runner->lock);
	atomic_store(&runner->cancelled, true);
	if (runner->active)
		prov_dag_cancel(runner->active);
	pthread_mutex_unlock(&runner->lock);
}

int wf_runner_run_dag(prov_workflow_runner *runner, prov_dag *dag,
		      const prov_dag_run_options *options)
{
	int rc;

	pthread_mutex_lock(&runner->lock);
	runner->active = dag;
	if (atomic_load(&runner->cancelled))
		prov_dag_cancel(dag);
	pthread_mutex_unlock(&runner->lock);
	rc = prov_dag_run(dag, options);
	pthread_mutex_lock(&runner->lock);
	runner->active = NULL;
	pthread_mutex_unlock(&runner->lock);
	return rc;
}

/* Open the environment and collect every problem of the definition in it. */
int wf_check(struct wf_env *env, char **report, prov_workflow_runner *runner,
	     const prov_workflow *wf)
{
	struct wf_problems problems = { NULL, 0 };
	int rc;

	wf_problems_append(&problems, &wf->problems);
	rc = wf_env_open(env, runner, wf);
	if (rc == PROV_OK)
		wf_env_check(env, wf, &problems);
	else if (rc != PROV_ENOMEM)
		wf_problem_from_error(&problems, wf->configuration, "configuration: ");
	if (rc != PROV_ENOMEM)
		rc = wf_problems_report(&problems, prov_value_file(wf->document), report);
	wf_problems_release(&problems);
	if (rc)
		wf_env_close(env);
	return rc;
}

int prov_workflow_validate(char **report, prov_workflow_runner *runner, const prov_workflow *wf)
{
	struct wf_env env;
	int rc;

	if (!wf)
		return prov_err_set(PROV_EINVAL, PROV_ERRCAT_INVALID_ARGUMENT,
				    "prov_workflow_validate needs a workflow");
	if ((rc = wf_runner_enter(runner)))
		return rc;
	rc = wf_check(&env, report, runner, wf);
	if (rc == PROV_OK)
		wf_env_close(&env);
	wf_runner_leave(runner, false);
	return rc;
}
