/*
 * One node's life on a worker: its attempts, the timeout check, retries and
 * their delays, its final state, and what that releases downstream.
 */
#include "dag/executor.h"

#include <stdlib.h>

#define NS_PER_MS INT64_C(1000000)
/* Delays stay far from overflowing when turned into nanoseconds. */
#define MAX_DELAY_MS (INT64_MAX / NS_PER_MS / 4)

/* A time ms from now, pinned at the end of time rather than overflowing. */
static int64_t later_ns(int64_t now_ns, int64_t ms)
{
	if (ms > (INT64_MAX - now_ns) / NS_PER_MS)
		return INT64_MAX;
	return now_ns + ms * NS_PER_MS;
}

/* A node's retry policy, timeout and failure policy, run defaults applied. */
struct settings {
	const struct dag_retry *retry;
	int64_t timeout_ms;     /* 0: none */
	int on_failure;
};

static void node_settings(const struct dag_exec *ex, const struct dag_node *n, struct settings *s)
{
	const struct dag_policy *p = n->policy;

	s->retry = p && p->has_retry ? &p->retry : &ex->retry;
	s->timeout_ms = p && p->timeout_ms ? p->timeout_ms : ex->timeout_ms;
	if (s->timeout_ms < 0)
		s->timeout_ms = 0;
	s->on_failure = p && p->on_failure ? p->on_failure : ex->on_failure;
}

/* splitmix64: a stateless draw, so jitter needs no shared generator. */
static uint64_t mix(uint64_t x)
{
	x += 0x9e3779b97f4a7c15u;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9u;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebu;
	return x ^ (x >> 31);
}

/* The wait before retry number `retry` (1 for the second attempt). */
static int64_t retry_delay_ms(const struct dag_retry *r, uint32_t retry, uint64_t seed,
			      uint32_t node)
{
	int64_t delay = r->initial_delay_ms < MAX_DELAY_MS ? r->initial_delay_ms : MAX_DELAY_MS;

	if (r->backoff == PROV_DAG_BACKOFF_LINEAR)
		delay = delay && retry > MAX_DELAY_MS / delay ? MAX_DELAY_MS : delay * retry;
	else if (r->backoff == PROV_DAG_BACKOFF_EXPONENTIAL)
		for (uint32_t i = 1; i < retry && delay < MAX_DELAY_MS; i++)
			delay = delay > MAX_DELAY_MS / 2 ? MAX_DELAY_MS : delay * 2;
	if (r->max_delay_ms > 0 && delay > r->max_delay_ms)
		delay = r->max_delay_ms;
	if (r->jitter && delay > 1) {
		uint64_t draw = mix(seed ^ mix((uint64_t)node << 32 | retry));
		int64_t half = delay / 2;

		delay = half + (int64_t)(draw % (uint64_t)(delay - half + 1));
	}
	return delay;
}

/* Keep what the task recorded (or say that it recorded nothing). */
static void record_error(struct dag_failure *f, const struct dag_node *n, int rc)
{
	if (prov_err_code() == PROV_OK)
		prov_err_set(rc, PROV_ERRCAT_WORKFLOW, "task failed: %s", prov_strerror(rc));
	if (!prov_error_last()->operation_id[0])
		prov_err_context(PROV_ERR_OPERATION, n->id);
	prov_err_saved_free(f->error);
	f->error = prov_err_save();
	f->code = rc;
}

static int timed_out(const struct dag_node *n, int64_t timeout_ms)
{
	prov_err_set(PROV_ETIMEOUT, PROV_ERRCAT_WORKFLOW, "node '%s' timed out after %lld ms",
		     n->id, (long long)timeout_ms);
	prov_err_context(PROV_ERR_OPERATION, n->id);
	return PROV_ETIMEOUT;
}

static void note_failure(struct dag_exec *ex, uint32_t node, int on_failure)
{
	uint32_t none = DAG_NO_NODE;

	atomic_fetch_add(&ex->failures, 1);
	atomic_compare_exchange_strong(&ex->first_failure, &none, node);
	if (on_failure != PROV_DAG_ON_FAILURE_CONTINUE) {
		atomic_store(&ex->fatal_failure, true);
		atomic_store(&ex->stopping, 1);
	}
}

/*
 * Count the node as finished for each dependent; the last dependency to
 * finish makes a dependent ready. A hard dependency that did not complete
 * marks the dependent blocked, and it is skipped when its turn comes.
 */
static void release_dependents(struct dag_worker *w, uint32_t node, bool completed)
{
	struct dag_exec *ex = w->ex;
	const uint32_t *dependents = ex->dag->dependents;
	uint32_t end = ex->dag->dependents_at[node + 1];

	for (uint32_t k = ex->dag->dependents_at[node]; k < end; k++) {
		uint32_t d = dag_edge_dependent(dependents[k]);
		bool block = !completed && dag_edge_type(dependents[k]) == PROV_DAG_HARD;
		_Atomic uint32_t *waiting = &ex->waiting[d];
		uint32_t left;

		if (ex->concurrent) {
			if (block)
				atomic_fetch_or_explicit(waiting, WAITING_BLOCKED, memory_order_relaxed);
			left = atomic_fetch_sub_explicit(waiting, 1, memory_order_acq_rel) - 1;
		} else {
			/* One thread: plain loads and stores, no locked instructions. */
			left = atomic_load_explicit(waiting, memory_order_relaxed) - 1;
			if (block)
				left |= WAITING_BLOCKED;
			atomic_store_explicit(waiting, left, memory_order_relaxed);
		}
		if (!(left & WAITING_COUNT))
			dag_exec_ready(w, d);
	}
	dag_exec_flush_ready(w);
}

static void finish(struct dag_worker *w, prov_dag_context *ctx, int state, int on_failure)
{
	struct dag_exec *ex = w->ex;
	struct dag_result *r = &ex->dag->results[ctx->node];
	const struct dag_failure *f = &ex->dag->failures[ctx->node];

	r->state = (uint8_t)state;
	r->time_ns = r->attempts ? dag_worker_now(w) - r->time_ns : 0;
	if (ex->on_finish) {
		ctx->state = state;
		ctx->error = f->error;
		ctx->error_code = f->code;
		ex->on_finish(ctx, ex->userdata);
		w->now_fresh = false;
	}
	if (state == PROV_DAG_FAILED || state == PROV_DAG_CANCELLED)
		note_failure(ex, ctx->node, on_failure);
	release_dependents(w, ctx->node, state == PROV_DAG_COMPLETED);
	dag_exec_node_settled(w);
}

/* After a failed attempt: retry later, or end the node. */
static void after_failure(struct dag_worker *w, prov_dag_context *ctx, const struct settings *s,
			  int rc)
{
	struct dag_exec *ex = w->ex;
	struct dag_failure *f = &ex->dag->failures[ctx->node];
	bool retry_left = ctx->retryable && ctx->attempt < s->retry->max_attempts;

	record_error(f, &ex->dag->nodes[ctx->node], rc);
	atomic_store_explicit(&ex->any_failure, true, memory_order_relaxed);
	ctx->error = f->error;
	ctx->error_code = rc;
	if (retry_left && !dag_exec_cancelled(ex)) {
		ctx->retry_delay_ms = retry_delay_ms(s->retry, ctx->attempt, ex->jitter_seed, ctx->node);
		if (ex->on_retry) {
			ex->on_retry(ctx, ex->userdata);
			w->now_fresh = false;
		}
		dag_exec_delay(w, ctx->node, later_ns(dag_worker_now(w), ctx->retry_delay_ms));
		return;
	}
	/* A retry the cancel took away ends the node as a dropped retry does. */
	finish(w, ctx, rc == PROV_ECANCELLED || retry_left ? PROV_DAG_CANCELLED : PROV_DAG_FAILED,
	       s->on_failure);
}

static void attempt(struct dag_worker *w, prov_dag_context *ctx)
{
	struct dag_exec *ex = w->ex;
	const struct dag_node *n = &ex->dag->nodes[ctx->node];
	struct dag_result *r = &ex->dag->results[ctx->node];
	struct settings s;
	int rc = PROV_OK;

	node_settings(ex, n, &s);
	ctx->attempt = ++r->attempts;
	if (ctx->attempt == 1) {
		r->time_ns = dag_worker_now(w);
		r->state = PROV_DAG_RUNNING;
		if (ex->on_start) {
			ex->on_start(ctx, ex->userdata);
			w->now_fresh = false;
		}
	}
	if (s.timeout_ms)
		ctx->deadline_ns = later_ns(dag_worker_now(w), s.timeout_ms);
	if (n->task) {
		prov_error_clear();
		rc = n->task(ctx, n->userdata);
	}
	w->now_fresh = false;
	/* Cooperative timeout: a late attempt fails, whatever it returned. */
	if (ctx->deadline_ns && dag_worker_now(w) > ctx->deadline_ns)
		rc = timed_out(n, s.timeout_ms);
	if (rc == PROV_OK)
		finish(w, ctx, PROV_DAG_COMPLETED, s.on_failure);
	else
		after_failure(w, ctx, &s, rc);
}

void dag_exec_node(struct dag_worker *w, uint32_t node)
{
	struct dag_exec *ex = w->ex;
	prov_dag_context ctx = { .ex = ex, .node = node, .state = PROV_DAG_RUNNING,
				 .retryable = true, .attempt = ex->dag->results[node].attempts };

	if (atomic_load_explicit(&ex->waiting[node], memory_order_relaxed) & WAITING_BLOCKED)
		finish(w, &ctx, PROV_DAG_SKIPPED, ex->on_failure);
	else if (ctx.attempt && dag_exec_cancelled(ex))
		finish(w, &ctx, PROV_DAG_CANCELLED, ex->on_failure);
	else
		attempt(w, &ctx);
}

void dag_exec_abandon(struct dag_exec *ex, uint32_t node, int state)
{
	struct dag_result *r = &ex->dag->results[node];
	const struct dag_failure *f = &ex->dag->failures[node];
	prov_dag_context ctx = { .ex = ex, .node = node, .state = state, .attempt = r->attempts,
				 .error = f->error, .error_code = f->code };

	r->state = (uint8_t)state;
	r->time_ns = r->attempts ? dag_exec_now(ex) - r->time_ns : 0;
	if (ex->on_finish)
		ex->on_finish(&ctx, ex->userdata);
}
