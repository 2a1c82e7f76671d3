/*
 * The executor on the real clock: retry delays are waited for, overruns
 * are caught, durations are measured, and a cancel cuts a retry wait short.
 * Wall-clock dependent, so in the `timing` suite.
 */
#include "test-util.h"

#include <provisioning/dag.h>

#include <pthread.h>
#include <time.h>

#define MS 1000000LL

static long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) != 0)
		;
}

static int fail_twice(prov_dag_context *ctx, void *userdata)
{
	(void)userdata;
	return prov_dag_context_attempt(ctx) <= 2 ? prov_dag_context_fail(ctx, PROV_EIO, "not yet")
						   : PROV_OK;
}

static prov_dag *one_node(prov_dag_task_fn task, void *userdata, unsigned int attempts,
			  long long delay_ms, long long timeout_ms)
{
	prov_dag_node_options opt = PROV_DAG_NODE_OPTIONS_INIT;
	prov_dag_retry_policy retry = PROV_DAG_RETRY_POLICY_INIT;
	prov_dag *dag;

	ck_assert_int_eq(prov_dag_new(&dag), PROV_OK);
	ck_assert_int_eq(prov_dag_add_node(dag, "n", task, userdata), PROV_OK);
	retry.max_attempts = attempts;
	retry.initial_delay_ms = delay_ms;
	opt.retry = &retry;
	opt.timeout_ms = timeout_ms;
	ck_assert_int_eq(prov_dag_set_node_options(dag, "n", &opt), PROV_OK);
	return dag;
}

START_TEST(test_retry_delays_are_waited_for_on_the_real_clock)
{
	prov_dag *dag = one_node(fail_twice, NULL, 3, 30, 0);
	prov_dag_run_options opt = PROV_DAG_RUN_OPTIONS_INIT;
	long long start = now_ns();

	opt.parallelism = (unsigned int)_i;
	ck_assert_int_eq(prov_dag_run(dag, &opt), PROV_OK);
	ck_assert_int_ge(now_ns() - start, 60 * MS);
	ck_assert_int_ge(prov_dag_node_duration_ns(dag, 0), 60 * MS);
	ck_assert_uint_eq(prov_dag_node_attempts(dag, 0), 3);
	prov_dag_free(dag);
}
END_TEST

static int sleep_50ms(prov_dag_context *ctx, void *userdata)
{
	(void)userdata;
	ck_assert_int_gt(prov_dag_context_deadline_ns(ctx), prov_dag_context_now_ns(ctx) - 1);
	sleep_ms(50);
	return PROV_OK;
}

START_TEST(test_real_overrun_fails_with_timeout)
{
	prov_dag *dag = one_node(sleep_50ms, NULL, 1, 0, 10);

	ck_assert_int_eq(prov_dag_run(dag, NULL), PROV_EWORKFLOW);
	ck_assert_int_eq(prov_dag_node_error_code(dag, 0), PROV_ETIMEOUT);
	ck_assert_int_ge(prov_dag_node_duration_ns(dag, 0), 50 * MS);
	prov_dag_free(dag);
}
END_TEST

struct canceller {
	prov_dag *dag;
	pthread_mutex_t lock;
	pthread_cond_t failed;
	int attempts;
};

static int fail_and_tell(prov_dag_context *ctx, void *userdata)
{
	struct canceller *c = userdata;

	pthread_mutex_lock(&c->lock);
	c->attempts++;
	pthread_cond_signal(&c->failed);
	pthread_mutex_unlock(&c->lock);
	return prov_dag_context_fail(ctx, PROV_EIO, "down");
}

static void *cancel_after_first_failure(void *arg)
{
	struct canceller *c = arg;

	pthread_mutex_lock(&c->lock);
	while (!c->attempts)
		pthread_cond_wait(&c->failed, &c->lock);
	pthread_mutex_unlock(&c->lock);
	prov_dag_cancel(c->dag);
	return NULL;
}

START_TEST(test_cancel_cuts_a_retry_wait_short)
{
	struct canceller c = { NULL, PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0 };
	prov_dag_run_options opt = PROV_DAG_RUN_OPTIONS_INIT;
	long long start = now_ns();
	pthread_t thread;

	c.dag = one_node(fail_and_tell, &c, 5, 60000, 0);
	ck_assert_int_eq(pthread_create(&thread, NULL, cancel_after_first_failure, &c), 0);
	opt.parallelism = (unsigned int)_i;
	ck_assert_int_eq(prov_dag_run(c.dag, &opt), PROV_ECANCELLED);
	pthread_join(thread, NULL);
	ck_assert_int_lt(now_ns() - start, 30000 * MS);
	ck_assert_int_eq(c.attempts, 1);
	ck_assert_int_eq(prov_dag_node_state(c.dag, 0), PROV_DAG_CANCELLED);
	prov_dag_free(c.dag);
}
END_TEST

static Suite *timing_suite(void)
{
	Suite *s = suite_create("dag-timing");
	TCase *tc = tcase_create("timing");

	tcase_set_timeout(tc, 60);
	tcase_add_loop_test(tc, test_retry_delays_are_waited_for_on_the_real_clock, 1, 3);
	tcase_add_test(tc, test_real_overrun_fails_with_timeout);
	tcase_add_loop_test(tc, test_cancel_cuts_a_retry_wait_short, 1, 3);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return test_run_suite(timing_suite());
}
