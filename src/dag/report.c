/*
 * What a run tells: each node's report after it, and the context a task or
 * callback reads during it.
 */
#include "dag/executor.h"

static const struct dag_result *result(const prov_dag *dag, size_t index)
{
	return dag && index < dag->result_count ? &dag->results[index] : NULL;
}

int prov_dag_node_state(const prov_dag *dag, size_t index)
{
	const struct dag_result *r = result(dag, index);

	if (r)
		return r->state;
	return dag && index < dag->node_count && dag_precompleted(dag, (uint32_t)index)
		       ? PROV_DAG_COMPLETED : PROV_DAG_PENDING;
}

unsigned int prov_dag_node_attempts(const prov_dag *dag, size_t index)
{
	const struct dag_result *r = result(dag, index);

	return r ? r->attempts : 0;
}

long long prov_dag_node_duration_ns(const prov_dag *dag, size_t index)
{
	const struct dag_result *r = result(dag, index);

	return r && r->state >= PROV_DAG_COMPLETED ? r->time_ns : 0;
}

static const struct dag_failure *failure(const prov_dag *dag, size_t index)
{
	return result(dag, index) ? &dag->failures[index] : NULL;
}

int prov_dag_node_error_code(const prov_dag *dag, size_t index)
{
	const struct dag_failure *f = failure(dag, index);

	return f ? f->code : PROV_OK;
}

const char *prov_dag_node_error_message(const prov_dag *dag, size_t index)
{
	const struct dag_failure *f = failure(dag, index);

	return f && f->code ? prov_err_saved_message(f->error) : "";
}

int prov_dag_node_restore_error(const prov_dag *dag, size_t index)
{
	const struct dag_failure *f = failure(dag, index);

	if (f && f->error)
		return prov_err_restore(f->error);
	return f ? f->code : PROV_OK;
}

const char *prov_dag_state_name(int state)
{
	static const char *const names[] = {
		[PROV_DAG_PENDING] = "pending",     [PROV_DAG_RUNNING] = "running",
		[PROV_DAG_COMPLETED] = "completed", [PROV_DAG_FAILED] = "failed",
		[PROV_DAG_SKIPPED] = "skipped",     [PROV_DAG_CANCELLED] = "cancelled",
	};

	if (state < 0 || state >= (int)(sizeof(names) / sizeof(names[0])))
		return "unknown";
	return names[state];
}

const char *prov_dag_context_node_id(const prov_dag_context *ctx)
{
	return ctx->ex->dag->nodes[ctx->node].id;
}

size_t prov_dag_context_node_index(const prov_dag_context *ctx)
{
	return ctx->node;
}

void *prov_dag_context_node_userdata(const prov_dag_context *ctx)
{
	return ctx->ex->dag->nodes[ctx->node].userdata;
}

unsigned int prov_dag_context_attempt(const prov_dag_context *ctx)
{
	return ctx->attempt;
}

long long prov_dag_context_deadline_ns(const prov_dag_context *ctx)
{
	return ctx->deadline_ns;
}

long long prov_dag_context_now_ns(const prov_dag_context *ctx)
{
	return dag_exec_now(ctx->ex);
}

int prov_dag_context_cancelled(const prov_dag_context *ctx)
{
	return dag_exec_cancelled(ctx->ex);
}

int prov_dag_context_fail(prov_dag_context *ctx, int code, const char *message)
{
	if (code == PROV_OK)
		code = PROV_ERROR;
	prov_err_set(code, PROV_ERRCAT_WORKFLOW, "%s", message ? message : prov_strerror(code));
	prov_err_context(PROV_ERR_OPERATION, prov_dag_context_node_id(ctx));
	return code;
}

void prov_dag_context_set_retryable(prov_dag_context *ctx, int retryable)
{
	ctx->retryable = retryable != 0;
}

int prov_dag_context_state(const prov_dag_context *ctx)
{
	return ctx->state;
}

int prov_dag_context_error_code(const prov_dag_context *ctx)
{
	return ctx->error_code;
}

const char *prov_dag_context_error_message(const prov_dag_context *ctx)
{
	return ctx->error_code ? prov_err_saved_message(ctx->error) : "";
}

long long prov_dag_context_retry_delay_ms(const prov_dag_context *ctx)
{
	return ctx->retry_delay_ms;
}
