/*
 * Who runs what next: the ready set, the timer heap of delayed retries,
 * worker threads and how idle workers wait.
 *
 * Inline (parallelism 1) the calling thread takes the lowest ready index,
 * without a lock. Concurrent, a worker keeps the first node its finished node
 * released and runs it next; further released nodes go to the shared ready
 * set under dag->lock, which is also where a worker with nothing of its own
 * looks and, if need be, sleeps. The run is over when every node is settled,
 * or once nothing new may start (failure, cancellation) and no worker is
 * busy.
 */
#include "dag/executor.h"

#include "core/logging.h"

#include <signal.h>
#include <string.h>
#include <time.h>

int64_t dag_worker_now(struct dag_worker *w)
{
	if (!w->now_fresh) {
		w->now_ns = dag_exec_now(w->ex);
		w->now_fresh = true;
	}
	return w->now_ns;
}

static void lock(struct dag_exec *ex)
{
	pthread_mutex_lock(&ex->dag->lock);
}

static void unlock(struct dag_exec *ex)
{
	pthread_mutex_unlock(&ex->dag->lock);
}

/* Earlier due time first; the lower index on a tie, for determinism. */
static bool timer_before(const struct dag_timer *a, const struct dag_timer *b)
{
	return a->due_ns < b->due_ns || (a->due_ns == b->due_ns && a->node < b->node);
}

/* The heap has room for every node: a node waits in it at most once. */
static void timer_push(struct dag_exec *ex, uint32_t node, int64_t due_ns)
{
	struct dag_timer t = { due_ns, node };
	uint32_t i = ex->timer_count++;

	while (i > 0 && timer_before(&t, &ex->timers[(i - 1) / 2])) {
		ex->timers[i] = ex->timers[(i - 1) / 2];
		i = (i - 1) / 2;
	}
	ex->timers[i] = t;
}

static uint32_t timer_pop(struct dag_exec *ex)
{
	uint32_t node = ex->timers[0].node;
	struct dag_timer last = ex->timers[--ex->timer_count];
	uint32_t i = 0, n = ex->timer_count;

	for (;;) {
		uint32_t child = 2 * i + 1;

		if (child >= n)
			break;
		if (child + 1 < n && timer_before(&ex->timers[child + 1], &ex->timers[child]))
			child++;
		if (!timer_before(&ex->timers[child], &last))
			break;
		ex->timers[i] = ex->timers[child];
		i = child;
	}
	if (n)
		ex->timers[i] = last;
	return node;
}

/* A retry whose time came, or any waiting retry once cancelled (it ends). */
static bool timer_due(struct dag_worker *w)
{
	struct dag_exec *ex = w->ex;

	return ex->timer_count &&
	       (dag_exec_cancelled(ex) || ex->timers[0].due_ns <= dag_worker_now(w));
}

static void wait_until(struct dag_exec *ex, int64_t due_ns)
{
	struct timespec at = { (time_t)(due_ns / 1000000000), (long)(due_ns % 1000000000) };

	pthread_cond_timedwait(&ex->dag->wake, &ex->dag->lock, &at);
}

/* Parallelism 1: nothing else runs, so wait for the first timer (or cancel). */
static void inline_wait_for_timer(struct dag_worker *w)
{
	struct dag_exec *ex = w->ex;

	if (ex->clock.now_ns) {
		ex->clock.sleep_until_ns(ex->timers[0].due_ns, ex->clock.userdata);
	} else {
		lock(ex);
		if (!dag_exec_cancelled(ex))
			wait_until(ex, ex->timers[0].due_ns);
		unlock(ex);
	}
	w->now_fresh = false;
}

static uint32_t next_inline(struct dag_worker *w)
{
	struct dag_exec *ex = w->ex;

	for (;;) {
		uint32_t node;

		if (timer_due(w))
			return timer_pop(ex);
		if (!dag_exec_stopped(ex) &&
		    (node = dag_readyset_pop_min(&ex->ready)) != READYSET_NONE)
			return node;
		if (!ex->timer_count)
			return DAG_NO_NODE;
		inline_wait_for_timer(w);
	}
}

/*
 * Under the lock, with nothing to take: whether the run is over. Nobody
 * else can start anything once it stopped and every other worker waits
 * (and no retry is due later); otherwise, whether every node is settled.
 */
static bool run_over_locked(struct dag_worker *w)
{
	struct dag_exec *ex = w->ex;
	uint32_t settled = 0;

	if (ex->done)
		return true;
	if (ex->timer_count)
		return false;
	if (dag_exec_stopped(ex))
		return ex->idle + 1 == ex->workers;
	for (unsigned int i = 0; i < ex->workers; i++)
		settled += atomic_load_explicit(&ex->pool[i].settled, memory_order_relaxed);
	return settled == ex->to_settle;
}

/* Under the lock, after taking work: pass the wake-up on if more is left. */
static void wake_another_if_more(struct dag_worker *w)
{
	struct dag_exec *ex = w->ex;

	if (ex->idle && (!dag_readyset_empty(&ex->ready) || timer_due(w)))
		pthread_cond_signal(&ex->dag->wake);
}

/*
 * Under the lock, with nothing to take. On the system clock every idle worker
 * waits at most until the first retry is due. An injected clock's sleep
 * cannot be interrupted, so one worker sleeps on it while the others wait to
 * be woken.
 */
static void wait_for_work(struct dag_worker *w)
{
	struct dag_exec *ex = w->ex;

	if (ex->timer_count && ex->clock.now_ns && !ex->timer_waiter) {
		int64_t due = ex->timers[0].due_ns;

		ex->timer_waiter = true;
		unlock(ex);
		ex->clock.sleep_until_ns(due, ex->clock.userdata);
		lock(ex);
		ex->timer_waiter = false;
	} else {
		ex->idle++;
		if (ex->timer_count && !ex->clock.now_ns)
			wait_until(ex, ex->timers[0].due_ns);
		else
			pthread_cond_wait(&ex->dag->wake, &ex->dag->lock);
		ex->idle--;
	}
	w->now_fresh = false;
}

static uint32_t take_shared_locked(struct dag_worker *w)
{
	struct dag_exec *ex = w->ex;

	for (;;) {
		uint32_t node;

		if (ex->done)
			return DAG_NO_NODE;
		if (timer_due(w)) {
			node = timer_pop(ex);
			wake_another_if_more(w);
			return node;
		}
		if (!dag_exec_stopped(ex) &&
		    (node = dag_readyset_pop_min(&ex->ready)) != READYSET_NONE) {
			wake_another_if_more(w);
			return node;
		}
		if (run_over_locked(w)) {
			ex->done = true;
			pthread_cond_broadcast(&ex->dag->wake);
			return DAG_NO_NODE;
		}
		wait_for_work(w);
	}
}

static uint32_t next_concurrent(struct dag_worker *w)
{
	struct dag_exec *ex = w->ex;
	uint32_t node = w->next;

	w->next = DAG_NO_NODE;
	if (node != DAG_NO_NODE && !dag_exec_stopped(ex))
		return node;
	lock(ex);
	node = take_shared_locked(w);
	unlock(ex);
	return node;
}

void dag_exec_ready(struct dag_worker *w, uint32_t node)
{
	struct dag_exec *ex = w->ex;

	if (!ex->concurrent) {
		dag_readyset_insert(&ex->ready, node);
		return;
	}
	if (w->next == DAG_NO_NODE) {
		w->next = node;
		return;
	}
	if (!w->holding_lock) {
		lock(ex);
		w->holding_lock = true;
	}
	dag_readyset_insert(&ex->ready, node);
	w->handed_off++;
}

void dag_exec_flush_ready(struct dag_worker *w)
{
	struct dag_exec *ex = w->ex;

	if (!w->holding_lock)
		return;
	for (unsigned int i = 0; i < w->handed_off && i < ex->idle; i++)
		pthread_cond_signal(&ex->dag->wake);
	w->handed_off = 0;
	w->holding_lock = false;
	unlock(ex);
}

void dag_exec_delay(struct dag_worker *w, uint32_t node, int64_t due_ns)
{
	struct dag_exec *ex = w->ex;

	if (!ex->concurrent) {
		timer_push(ex, node, due_ns);
		return;
	}
	lock(ex);
	timer_push(ex, node, due_ns);
	/* A worker may be waiting for a later timer: let it look again. */
	if (ex->timer_waiter || ex->idle)
		pthread_cond_broadcast(&ex->dag->wake);
	unlock(ex);
}

void dag_exec_node_settled(struct dag_worker *w)
{
	/* Only this worker writes its count; others read it under the lock. */
	atomic_store_explicit(&w->settled, atomic_load_explicit(&w->settled, memory_order_relaxed) + 1,
			      memory_order_relaxed);
}

static void worker_loop(struct dag_worker *w)
{
	uint32_t node;

	while ((node = w->ex->concurrent ? next_concurrent(w) : next_inline(w)) != DAG_NO_NODE)
		dag_exec_node(w, node);
}

static void *worker_main(void *arg)
{
	worker_loop(arg);
	return NULL;
}

/*
 * Worker threads block every signal, so the host's handlers (SIGINT leading
 * to prov_dag_cancel(), say) run on its own threads, never in the middle of a
 * task. Threads that cannot be created leave fewer workers, which the
 * parallelism limit allows.
 */
static unsigned int start_threads(struct dag_exec *ex)
{
	sigset_t all, old;
	unsigned int started = 1;

	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	for (; started < ex->workers; started++) {
		int err = pthread_create(&ex->pool[started].thread, NULL, worker_main, &ex->pool[started]);

		if (err) {
			prov_log(PROV_LOG_WARNING, "dag", "running with %u of %u workers: %s",
				 started, ex->workers, strerror(err));
			/* Workers waiting for the missing ones to show up look again. */
			lock(ex);
			ex->workers = started;
			pthread_cond_broadcast(&ex->dag->wake);
			unlock(ex);
			break;
		}
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return started;
}

void dag_exec_run_workers(struct dag_exec *ex)
{
	unsigned int started;

	for (unsigned int i = 0; i < ex->workers; i++) {
		ex->pool[i] = (struct dag_worker){ .ex = ex, .next = DAG_NO_NODE };
		atomic_init(&ex->pool[i].settled, 0);
	}
	if (!ex->concurrent) {
		worker_loop(&ex->pool[0]);
		return;
	}
	started = start_threads(ex);
	worker_loop(&ex->pool[0]);
	for (unsigned int i = 1; i < started; i++)
		pthread_join(ex->pool[i].thread, NULL);
}
