/*
 * Several workers: the parallelism limit, cancellation from another thread,
 * and a large graph.
 */
#include "dag-harness.h"

#include <pthread.h>
#include <sched.h>
#include <time.h>

/*
 * Tasks wait at the gate until `limit` of them are inside at once, or until
 * every task has come (the last ones may be fewer than the limit).
 */
struct gate {
	pthread_mutex_t lock;
	pthread_cond_t changed;
	int inside, most, limit, generation, entered, total, stuck;
};

static void deadline_in(struct timespec *at, int seconds)
{
	clock_gettime(CLOCK_REALTIME, at);
	at->tv_sec += seconds;
}

static int gated_task(prov_dag_context *ctx, void *userdata)
{
	struct gate *g = userdata;
	struct timespec at;
	int generation;

	(void)ctx;
	deadline_in(&at, 30);
	pthread_mutex_lock(&g->lock);
	g->inside++;
	g->entered++;
	if (g->inside > g->most)
		g->most = g->inside;
	generation = g->generation;
	if (g->inside >= g->limit || g->entered == g->total) {
		g->generation++;
		pthread_cond_broadcast(&g->changed);
	}
	while (g->generation == generation && g->entered < g->total && !g->stuck)
		if (pthread_cond_timedwait(&g->changed, &g->lock, &at) != 0)
			g->stuck = 1;
	g->inside--;
	pthread_mutex_unlock(&g->lock);
	return PROV_OK;
}

START_TEST(test_parallelism_limit_is_reached_and_never_exceeded)
{
	const int limit = _i, waves = 8;
	struct gate g = { PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0, 0, limit, 0, 0,
			  limit * waves, 0 };
	prov_dag_run_options opt = PROV_DAG_RUN_OPTIONS_INIT;
	prov_dag *dag;
	char id[32];

	ck_assert_int_eq(prov_dag_new(&dag), PROV_OK);
	for (int i = 0; i < limit * waves; i++) {
		snprintf(id, sizeof(id), "wide-%d", i);
		ck_assert_int_eq(prov_dag_add_node(dag, id, gated_task, &g), PROV_OK);
	}
	opt.parallelism = (unsigned int)limit;
	ck_assert_int_eq(prov_dag_run(dag, &opt), PROV_OK);
	ck_assert_msg(!g.stuck, "tasks waited 30 s for %d to run at once", limit);
	ck_assert_int_eq(g.most, limit);
	prov_dag_free(dag);
}
END_TEST

struct cancel_probe {
	pthread_mutex_t lock;
	pthread_cond_t changed;
	int started;
	prov_dag *dag;
};

static int wait_for_cancel(prov_dag_context *ctx, void *userdata)
{
	struct cancel_probe *p = userdata;

	pthread_mutex_lock(&p->lock);
	p->started = 1;
	pthread_cond_broadcast(&p->changed);
	pthread_mutex_unlock(&p->lock);
	while (!prov_dag_context_cancelled(ctx))
		sched_yield();
	return prov_dag_context_fail(ctx, PROV_ECANCELLED, "stopped on request");
}

static void *canceller(void *arg)
{
	struct cancel_probe *p = arg;

	pthread_mutex_lock(&p->lock);
	while (!p->started)
		pthread_cond_wait(&p->changed, &p->lock);
	pthread_mutex_unlock(&p->lock);
	prov_dag_cancel(p->dag);
	return NULL;
}

static int count_calls(prov_dag_context *ctx, void *userdata)
{
	(void)ctx;
	atomic_fetch_add((atomic_int *)userdata, 1);
	return PROV_OK;
}

START_TEST(test_cancel_from_another_thread_stops_the_run)
{
	struct cancel_probe p = { PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0, NULL };
	prov_dag_run_options opt = PROV_DAG_RUN_OPTIONS_INIT;
	atomic_int calls = 0;
	pthread_t thread;
	char id[32];

	ck_assert_int_eq(prov_dag_new(&p.dag), PROV_OK);
	ck_assert_int_eq(prov_dag_add_node(p.dag, "long", wait_for_cancel, &p), PROV_OK);
	for (int i = 0; i < 50; i++) {
		snprintf(id, sizeof(id), "after-%d", i);
		ck_assert_int_eq(prov_dag_add_node(p.dag, id, count_calls, &calls), PROV_OK);
		ck_assert_int_eq(prov_dag_add_dependency(p.dag, id, "long", PROV_DAG_SOFT), PROV_OK);
	}
	ck_assert_int_eq(pthread_create(&thread, NULL, canceller, &p), 0);
	opt.parallelism = (unsigned int)_i;
	ck_assert_int_eq(prov_dag_run(p.dag, &opt), PROV_ECANCELLED);
	pthread_join(thread, NULL);
	ck_assert_str_eq(prov_error_last()->message, "run cancelled");
	ck_assert_int_eq(prov_dag_node_state(p.dag, 0), PROV_DAG_CANCELLED);
	ck_assert_str_eq(prov_dag_node_error_message(p.dag, 0), "stopped on request");
	ck_assert_int_eq(atomic_load(&calls), 0);
	for (size_t i = 1; i <= 50; i++)
		ck_assert_int_eq(prov_dag_node_state(p.dag, i), PROV_DAG_CANCELLED);
	/* The request ended with the run: the graph runs again. */
	p.started = 0;
	ck_assert_int_eq(pthread_create(&thread, NULL, canceller, &p), 0);
	ck_assert_int_eq(prov_dag_run(p.dag, &opt), PROV_ECANCELLED);
	pthread_join(thread, NULL);
	prov_dag_free(p.dag);
}
END_TEST

START_TEST(test_cancel_before_the_run_starts_nothing)
{
	struct harness *h = harness_new(3);
	prov_dag_run_options opt = harness_options(h, (unsigned int)_i);

	harness_add(h, "a");
	harness_add(h, "b");
	harness_add(h, "c");
	prov_dag_cancel(h->dag);
	ck_assert_int_eq(prov_dag_run(h->dag, &opt), PROV_ECANCELLED);
	for (unsigned int i = 0; i < 3; i++) {
		ck_assert_uint_eq(h->scripts[i].calls, 0);
		ck_assert_int_eq(prov_dag_node_state(h->dag, i), PROV_DAG_CANCELLED);
	}
	ck_assert_uint_eq(atomic_load(&h->finished), 3);
	prov_dag_cancel(NULL);
	harness_free(h);
}
END_TEST

START_TEST(test_cancel_from_a_task_cancels_running_peers)
{
	struct harness *h = harness_new(3);
	prov_dag_run_options opt = harness_options(h, 2);

	harness_add(h, "watcher")->wait_for_cancel = 1;
	harness_add(h, "trigger");
	harness_add(h, "later");
	harness_dep(h, "later", "trigger", PROV_DAG_HARD);
	h->cancel_when_started = 1;
	ck_assert_int_eq(prov_dag_run(h->dag, &opt), PROV_ECANCELLED);
	ck_assert_int_eq(harness_state(h, "watcher"), PROV_DAG_CANCELLED);
	ck_assert_int_eq(harness_state(h, "trigger"), PROV_DAG_COMPLETED);
	ck_assert_int_eq(harness_state(h, "later"), PROV_DAG_CANCELLED);
	harness_free(h);
}
END_TEST

struct big_run {
	atomic_uint seq;
	unsigned int *start, *end;
};

struct big_node {
	struct big_run *run;
	unsigned int index;
};

static int record_order(prov_dag_context *ctx, void *userdata)
{
	struct big_node *n = userdata;

	(void)ctx;
	n->run->start[n->index] = atomic_fetch_add(&n->run->seq, 1) + 1;
	n->run->end[n->index] = atomic_fetch_add(&n->run->seq, 1) + 1;
	return PROV_OK;
}

START_TEST(test_hundred_thousand_nodes_run_in_dependency_order)
{
	unsigned int n = test_under_valgrind() ? 10000 : 100000, seed = 42;
	struct big_run run = { 0, calloc(n, sizeof(unsigned int)), calloc(n, sizeof(unsigned int)) };
	struct big_node *nodes = calloc(n, sizeof(*nodes));
	unsigned int (*deps)[3] = calloc(n, sizeof(*deps));
	prov_dag_run_options opt = PROV_DAG_RUN_OPTIONS_INIT;
	prov_dag *dag;
	char id[32], on[32];

	ck_assert_int_eq(prov_dag_new(&dag), PROV_OK);
	for (unsigned int i = 0; i < n; i++) {
		nodes[i] = (struct big_node){ &run, i };
		snprintf(id, sizeof(id), "node-%u", i);
		ck_assert_int_eq(prov_dag_add_node(dag, id, record_order, &nodes[i]), PROV_OK);
		for (int k = 0; k < 3 && i > 0; k++) {
			deps[i][k] = i - 1 - rand_r(&seed) % (i < 1000 ? i : 1000);
			snprintf(on, sizeof(on), "node-%u", deps[i][k]);
			ck_assert_int_eq(prov_dag_add_dependency(dag, id, on, PROV_DAG_HARD), PROV_OK);
		}
	}
	opt.parallelism = 4;
	ck_assert_int_eq(prov_dag_run(dag, &opt), PROV_OK);
	for (unsigned int i = 0; i < n; i++) {
		ck_assert_int_eq(prov_dag_node_state(dag, i), PROV_DAG_COMPLETED);
		for (int k = 0; k < 3 && i > 0; k++)
			ck_assert_msg(run.start[i] > run.end[deps[i][k]], "node-%u started before node-%u ended",
				      i, deps[i][k]);
	}
	prov_dag_free(dag);
	free(deps);
	free(nodes);
	free(run.start);
	free(run.end);
}
END_TEST

static Suite *parallel_suite(void)
{
	Suite *s = suite_create("dag-parallel");
	TCase *tc = tcase_create("parallel");

	tcase_set_timeout(tc, 120);
	tcase_add_loop_test(tc, test_parallelism_limit_is_reached_and_never_exceeded, 2, 6);
	tcase_add_loop_test(tc, test_cancel_from_another_thread_stops_the_run, 1, 4);
	tcase_add_loop_test(tc, test_cancel_before_the_run_starts_nothing, 1, 3);
	tcase_add_test(tc, test_cancel_from_a_task_cancels_running_peers);
	tcase_add_test(tc, test_hundred_thousand_nodes_run_in_dependency_order);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return test_run_suite(parallel_suite());
}
