/*
 * The executor behind prov_dag_run(), shared by run.c (setting a run up and
 * summing it up), scheduler.c (who runs what next, threads, waiting) and
 * attempt.c (one node's attempts, retries and what its end releases).
 *
 * A node waits on a counter of unfinished dependencies; the last dependency
 * to finish hands it on. With parallelism 1 everything happens on the
 * calling thread without a lock, and nodes run lowest index first. With more
 * workers, each keeps the next node it released for itself and shares the
 * rest through one locked ready set, so a chain of nodes runs without
 * touching the lock. Retries wait in a timer heap rather than on a thread.
 * Whether the run is over is only asked by a worker about to wait: when it
 * stopped and every other worker waits, or when the workers' counts of
 * settled nodes add up to all of them.
 */
#ifndef PROV_DAG_EXECUTOR_H
#define PROV_DAG_EXECUTOR_H

#include "dag/graph.h"
#include "dag/readyset.h"

#include "core/clock.h"

/* waiting[] holds a count of unfinished dependencies and this flag, set when
 * a hard dependency did not complete: the node will be skipped. */
#define WAITING_BLOCKED (UINT32_C(1) << 31)
#define WAITING_COUNT (WAITING_BLOCKED - 1)

struct dag_timer {
	int64_t due_ns;
	uint32_t node;
};

struct dag_exec {
	prov_dag *dag;
	bool concurrent;                 /* several workers: atomics and the lock */
	unsigned int workers;
	/* The run's options, with defaults applied. */
	int on_failure;
	struct dag_retry retry;
	int64_t timeout_ms;
	prov_dag_clock clock;            /* now_ns NULL: the system clock */
	prov_dag_event_fn on_start, on_retry, on_finish;
	void *userdata;
	uint64_t jitter_seed;

	_Atomic uint32_t *waiting;
	/* Ready nodes: all of them inline, the shared ones (under dag->lock)
	 * when concurrent. */
	struct dag_readyset ready;
	/* Delayed retries, a min-heap by due time (under dag->lock). */
	struct dag_timer *timers;
	uint32_t timer_count;
	bool timer_waiter;               /* a worker waits for timers[0] */
	struct dag_worker *pool;         /* workers[0] is the calling thread */
	unsigned int idle;               /* workers waiting for work */
	bool done;

	uint32_t to_settle;              /* nodes not marked completed: the run's work */
	atomic_int stopping;             /* a node failed under the fail policy */
	atomic_uint failures;
	atomic_bool any_failure;         /* an attempt failed: dag->failures is in use */
	atomic_uint first_failure;       /* DAG_NO_NODE until a node fails */
	atomic_bool fatal_failure;
};

/* Workers sit in cache lines of their own: one's counter is not another's. */
struct dag_worker {
	_Alignas(64) struct dag_exec *ex;
	pthread_t thread;
	atomic_uint settled;             /* nodes it brought to a final state */
	uint32_t next;                   /* concurrent: the node it runs next */
	int64_t now_ns;                  /* the clock when it last looked */
	bool now_fresh;                  /* nothing slow happened since */
	bool holding_lock;               /* shared ready nodes were added */
	unsigned int handed_off;         /* how many, to wake as many idle workers */
};

struct prov_dag_context {
	struct dag_exec *ex;
	uint32_t node;
	uint32_t attempt;
	int64_t deadline_ns;
	int state;
	bool retryable;
	int error_code;
	const prov_err_saved *error;
	int64_t retry_delay_ms;
};

static inline int64_t dag_exec_now(const struct dag_exec *ex)
{
	return ex->clock.now_ns ? ex->clock.now_ns(ex->clock.userdata) : prov_clock_monotonic_ns();
}

/* Whether nothing new may start: a fatal failure or a cancel request. */
static inline bool dag_exec_stopped(struct dag_exec *ex)
{
	return atomic_load(&ex->stopping) || atomic_load(&ex->dag->cancel_requested);
}

static inline bool dag_exec_cancelled(struct dag_exec *ex)
{
	return atomic_load_explicit(&ex->dag->cancel_requested, memory_order_relaxed);
}

/* scheduler.c */
/* Run the workers (the calling thread is one of them) until the run ends. */
void dag_exec_run_workers(struct dag_exec *ex);
/* A node whose dependencies are all finished is ready to run. */
void dag_exec_ready(struct dag_worker *w, uint32_t node);
/* Let go of the lock dag_exec_ready() may have taken, waking idle workers. */
void dag_exec_flush_ready(struct dag_worker *w);
/* Run the node again at due_ns. */
void dag_exec_delay(struct dag_worker *w, uint32_t node, int64_t due_ns);
/* A node taken by the worker reached its final state. */
void dag_exec_node_settled(struct dag_worker *w);
/* The worker's idea of now, read again if something slow happened. */
int64_t dag_worker_now(struct dag_worker *w);

/* attempt.c */
/* Run a node taken from the ready set or the timer heap. */
void dag_exec_node(struct dag_worker *w, uint32_t node);
/* Give a node that never finished its final state, for the run's end. */
void dag_exec_abandon(struct dag_exec *ex, uint32_t node, int state);

#endif
