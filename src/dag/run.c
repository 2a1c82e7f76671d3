/*
 * prov_dag_run(): options, setting up the counters and the ready set,
 * running the workers, and summing the run up.
 */
#include "dag/executor.h"

#include "core/mem.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAX_PARALLELISM 4096

static int copy_clock(struct dag_exec *ex, const prov_dag_clock *clock)
{
	if (!clock)
		return PROV_OK;
	if (clock->size < sizeof(*clock) || !clock->now_ns || !clock->sleep_until_ns)
		return prov_err_set(PROV_EINVAL, PROV_ERRCAT_INVALID_ARGUMENT,
				    "run options: a clock needs now_ns and sleep_until_ns "
				    "(use PROV_DAG_CLOCK_INIT)");
	ex->clock = *clock;
	return PROV_OK;
}

static int copy_options(struct dag_exec *ex, const prov_dag_run_options *options)
{
	prov_dag_run_options o = PROV_DAG_RUN_OPTIONS_INIT;
	long cpus;
	int rc;

	if (options) {
		if (options->size < offsetof(prov_dag_run_options, retry))
			return prov_err_set(PROV_EINVAL, PROV_ERRCAT_INVALID_ARGUMENT,
					    "run options too small (use PROV_DAG_RUN_OPTIONS_INIT)");
		memcpy(&o, options, options->size < sizeof(o) ? options->size : sizeof(o));
	}
	if (o.parallelism > MAX_PARALLELISM)
		return prov_err_set(PROV_EINVAL, PROV_ERRCAT_INVALID_ARGUMENT,
				    "run options: parallelism %u is above %d", o.parallelism,
				    MAX_PARALLELISM);
	if (o.on_failure < PROV_DAG_ON_FAILURE_DEFAULT || o.on_failure > PROV_DAG_ON_FAILURE_CONTINUE)
		return prov_err_set(PROV_EINVAL, PROV_ERRCAT_INVALID_ARGUMENT,
				    "run options: unknown failure policy %d", o.on_failure);
	cpus = sysconf(_SC_NPROCESSORS_ONLN);
	ex->workers = o.parallelism ? o.parallelism : cpus > 0 ? (unsigned int)cpus : 1;
	ex->on_failure = o.on_failure ? o.on_failure : PROV_DAG_ON_FAILURE_FAIL;
	ex->retry = (struct dag_retry){ .max_attempts = 1 };
	if (o.retry && (rc = dag_copy_retry(&ex->retry, o.retry, NULL)))
		return rc;
	ex->timeout_ms = o.timeout_ms > 0 ? o.timeout_ms : 0;
	if ((rc = copy_clock(ex, o.clock)))
		return rc;
	ex->on_start = o.on_start;
	ex->on_retry = o.on_retry;
	ex->on_finish = o.on_finish;
	ex->userdata = o.userdata;
	ex->jitter_seed = o.jitter_seed;
	return PROV_OK;
}

/* A fresh report: every node pending, or completed when marked so. */
static int reset_results(prov_dag *dag)
{
	size_t n = dag->node_count ? dag->node_count : 1;

	if (dag->results && dag->result_count == dag->node_count) {
		dag_clear_failures(dag);
		memset(dag->results, 0, n * sizeof(*dag->results));
		return PROV_OK;
	}
	dag_free_results(dag);
	dag->results = prov_calloc(n, sizeof(*dag->results));
	dag->failures = prov_calloc(n, sizeof(*dag->failures));
	if (!dag->results || !dag->failures) {
		dag_free_results(dag);
		return PROV_ENOMEM;
	}
	dag->result_count = dag->node_count;
	return PROV_OK;
}

static int allocate(struct dag_exec *ex)
{
	uint32_t n = ex->dag->node_count;
	int rc = reset_results(ex->dag);

	if (rc)
		return rc;
	ex->waiting = prov_malloc(((size_t)n + 1) * sizeof(*ex->waiting));
	ex->timers = prov_malloc(((size_t)n + 1) * sizeof(*ex->timers));
	ex->pool = aligned_alloc(_Alignof(struct dag_worker), ex->workers * sizeof(*ex->pool));
	if (!ex->waiting || !ex->timers || !ex->pool)
		return prov_err_nomem();
	return dag_readyset_init(&ex->ready, n);
}

/*
 * Count each node's unfinished dependencies. Nodes marked completed never
 * become ready (their count cannot reach zero) and count as finished for
 * their dependents from the start.
 */
static void set_counters(struct dag_exec *ex)
{
	prov_dag *dag = ex->dag;
	uint32_t n = dag->node_count, to_settle = 0;
	bool any_precompleted = false;

	for (uint32_t i = 0; i < n; i++) {
		bool precompleted = dag_precompleted(dag, i);

		if (precompleted) {
			dag->results[i].state = PROV_DAG_COMPLETED;
			any_precompleted = true;
		}
		atomic_init(&ex->waiting[i], precompleted ? WAITING_COUNT : dag->nodes[i].dependency_count);
		to_settle += !precompleted;
	}
	for (uint32_t i = 0; any_precompleted && i < n; i++) {
		if (!dag_precompleted(dag, i))
			continue;
		for (uint32_t k = dag->dependents_at[i]; k < dag->dependents_at[i + 1]; k++)
			atomic_fetch_sub_explicit(&ex->waiting[dag_edge_dependent(dag->dependents[k])],
						  1, memory_order_relaxed);
	}
	for (uint32_t i = 0; i < n; i++)
		if (atomic_load_explicit(&ex->waiting[i], memory_order_relaxed) == 0)
			dag_readyset_insert(&ex->ready, i);
	ex->to_settle = to_settle;
	if (ex->workers > to_settle)
		ex->workers = to_settle ? to_settle : 1;
	ex->concurrent = ex->workers > 1;
}

/* Nodes that never finished: skipped after a failure, else cancelled. */
static unsigned int abandon_unfinished(struct dag_exec *ex)
{
	bool cancelled = dag_exec_cancelled(ex);
	unsigned int count = 0;

	for (uint32_t i = 0; i < ex->dag->node_count; i++) {
		int state = ex->dag->results[i].state;

		if (state == PROV_DAG_PENDING || state == PROV_DAG_RUNNING) {
			dag_exec_abandon(ex, i, cancelled ? PROV_DAG_CANCELLED : PROV_DAG_SKIPPED);
			count++;
		}
	}
	return count;
}

static int outcome(struct dag_exec *ex, unsigned int unfinished)
{
	uint32_t first = atomic_load(&ex->first_failure);
	int code;

	if (dag_exec_cancelled(ex) && (unfinished || first != DAG_NO_NODE))
		return prov_err_set(PROV_ECANCELLED, PROV_ERRCAT_WORKFLOW, "run cancelled");
	if (first == DAG_NO_NODE)
		return PROV_OK;
	code = atomic_load(&ex->fatal_failure) ? PROV_EWORKFLOW : PROV_EPARTIAL;
	prov_err_set(code, PROV_ERRCAT_WORKFLOW, "node '%s' failed: %s (%u failed in all)",
		     ex->dag->nodes[first].id, prov_err_saved_message(ex->dag->failures[first].error),
		     atomic_load(&ex->failures));
	prov_err_context(PROV_ERR_OPERATION, ex->dag->nodes[first].id);
	return code;
}

static int execute(struct dag_exec *ex)
{
	prov_err_saved *callers_error;
	unsigned int unfinished;
	int rc = dag_check_acyclic(ex->dag);

	if (rc || (rc = dag_index(ex->dag)) || (rc = allocate(ex)))
		return rc;
	set_counters(ex);
	/* Tasks on this thread may record errors; a successful run leaves the
	 * caller's last error as it was. */
	callers_error = prov_err_save();
	dag_exec_run_workers(ex);
	ex->dag->any_failure = atomic_load(&ex->any_failure);
	unfinished = abandon_unfinished(ex);
	rc = outcome(ex, unfinished);
	if (rc == PROV_OK && callers_error)
		prov_err_restore(callers_error);
	prov_err_saved_free(callers_error);
	return rc;
}

int prov_dag_run(prov_dag *dag, const prov_dag_run_options *options)
{
	struct dag_exec ex = { .dag = dag };
	int rc;

	if (!dag)
		return prov_err_set(PROV_EINVAL, PROV_ERRCAT_INVALID_ARGUMENT, "graph is NULL");
	if ((rc = copy_options(&ex, options)))
		return rc;
	if (atomic_exchange(&dag->running, 1))
		return prov_err_set(PROV_EBUSY, PROV_ERRCAT_INVALID_ARGUMENT,
				    "the graph is already running");
	atomic_init(&ex.first_failure, DAG_NO_NODE);
	rc = execute(&ex);
	dag_readyset_release(&ex.ready);
	free(ex.waiting);
	free(ex.timers);
	free(ex.pool);
	atomic_store(&dag->cancel_requested, 0);
	atomic_store(&dag->running, 0);
	return rc;
}

void prov_dag_cancel(prov_dag *dag)
{
	if (!dag)
		return;
	atomic_store(&dag->cancel_requested, 1);
	pthread_mutex_lock(&dag->lock);
	pthread_cond_broadcast(&dag->wake);
	pthread_mutex_unlock(&dag->lock);
}
