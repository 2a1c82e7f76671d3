/*
 * Retries, backoff schedules and cooperative timeouts, on a fake clock:
 * nothing here sleeps for real.
 */
#include "dag-harness.h"

#include <limits.h>

#define MS 1000000LL

static void set_retry(struct harness *h, const char *id, unsigned int attempts, int backoff,
		      long long initial_ms, long long max_ms)
{
	prov_dag_node_options opt = PROV_DAG_NODE_OPTIONS_INIT;
	prov_dag_retry_policy retry = PROV_DAG_RETRY_POLICY_INIT;

	retry.max_attempts = attempts;
	retry.backoff = backoff;
	retry.initial_delay_ms = initial_ms;
	retry.max_delay_ms = max_ms;
	opt.retry = &retry;
	ck_assert_int_eq(prov_dag_set_node_options(h->dag, id, &opt), PROV_OK);
}

/* The gaps between attempt starts, in ms, must be `expected`. */
static void assert_schedule(struct script *s, const long long *expected, unsigned int count)
{
	ck_assert_uint_eq(s->calls, count + 1);
	for (unsigned int i = 0; i < count; i++)
		ck_assert_msg((s->attempt_at[i + 1] - s->attempt_at[i]) / MS == expected[i],
			      "retry %u came after %lld ms, expected %lld", i + 1,
			      (s->attempt_at[i + 1] - s->attempt_at[i]) / MS, expected[i]);
}

START_TEST(test_retries_until_success)
{
	struct harness *h = harness_new(1);
	prov_dag_run_options opt = harness_options(h, (unsigned int)_i);
	struct script *s = harness_add(h, "flaky");

	s->fail_attempts = 2;
	set_retry(h, "flaky", 5, PROV_DAG_BACKOFF_NONE, 0, 0);
	ck_assert_int_eq(prov_dag_run(h->dag, &opt), PROV_OK);
	ck_assert_uint_eq(s->calls, 3);
	ck_assert_uint_eq(prov_dag_node_attempts(h->dag, 0), 3);
	ck_assert_int_eq(prov_dag_node_state(h->dag, 0), PROV_DAG_COMPLETED);
	ck_assert_uint_eq(atomic_load(&h->retried), 2);
	ck_assert_uint_eq(atomic_load(&h->started), 1);
	harness_free(h);
}
END_TEST

START_TEST(test_gives_up_after_max_attempts)
{
	struct harness *h = harness_new(2);
	prov_dag_run_options opt = harness_options(h, 1);

	harness_add(h, "broken")->fail_attempts = UINT_MAX;
	harness_add(h, "after");
	harness_dep(h, "after", "broken", PROV_DAG_HARD);
	set_retry(h, "broken", 3, PROV_DAG_BACKOFF_LINEAR, 10, 0);
	ck_assert_int_eq(prov_dag_run(h->dag, &opt), PROV_EWORKFLOW);
	ck_assert_uint_eq(harness_script(h, "broken")->calls, 3);
	ck_assert_uint_eq(prov_dag_node_attempts(h->dag, 0), 3);
	ck_assert_int_eq(prov_dag_node_state(h->dag, 0), PROV_DAG_FAILED);
	ck_assert_int_eq(prov_dag_node_state(h->dag, 1), PROV_DAG_SKIPPED);
	ck_assert_uint_eq(atomic_load(&h->retried), 2);
	harness_free(h);
}
END_TEST

START_TEST(test_not_retryable_failure_is_final)
{
	struct harness *h = harness_new(1);
	prov_dag_run_options opt = harness_options(h, 1);
	struct script *s = harness_add(h, "invalid-spec");

	s->fail_attempts = UINT_MAX;
	s->not_retryable = 1;
	set_retry(h, "invalid-spec", 5, PROV_DAG_BACKOFF_NONE, 0, 0);
	ck_assert_int_eq(prov_dag_run(h->dag, &opt), PROV_EWORKFLOW);
	ck_assert_uint_eq(s->calls, 1);
	ck_assert_uint_eq(atomic_load(&h->retried), 0);
	harness_free(h);
}
END_TEST

START_TEST(test_backoff_none_waits_the_initial_delay_each_time)
{
	struct harness *h = harness_new(1);
	prov_dag_run_options opt = harness_options(h, 1);
	struct script *s = harness_add(h, "n");
	static const long long expected[] = { 100, 100, 100 };

	s->fail_attempts = 3;
	set_retry(h, "n", 4, PROV_DAG_BACKOFF_NONE, 100, 0);
	ck_assert_int_eq(prov_dag_run(h->dag, &opt), PROV_OK);
	assert_schedule(s, expected, 3);
	harness_free(h);
}
END_TEST

START_TEST(test_backoff_linear_grows_by_the_initial_delay)
{
	struct harness *h = harness_new(1);
	prov_dag_run_options opt = harness_options(h, 1);
	struct script *s = harness_add(h, "n");
	static const long long expected[] = { 100, 200, 300, 350 };

	s->fail_attempts = 4;
	set_retry(h, "n", 5, PROV_DAG_BACKOFF_LINEAR, 100, 350);
	ck_assert_int_eq(prov_dag_run(h->dag, &opt), PROV_OK);
	assert_schedule(s, expected, 4);
	for (unsigned int i = 0; i < 4; i++)
		ck_assert_int_eq(h->retry_delays[i], expected[i]);
	harness_free(h);
}
END_TEST

START_TEST(test_backoff_exponential_doubles_up_to_the_cap)
{
	struct harness *h = harness_new(1);
	prov_dag_run_options opt = harness_options(h, 1);
	struct script *s = harness_add(h, "n");
	static const long long expected[] = { 200, 400, 800, 1000, 1000 };

	s->fail_attempts = 5;
	set_retry(h, "n", 6, PROV_DAG_BACKOFF_EXPONENTIAL, 200, 1000);
	ck_assert_int_eq(prov_dag_run(h->dag, &opt), PROV_OK);
	assert_schedule(s, expected, 5);
	harness_free(h);
}
END_TEST

START_TEST(test_huge_backoff_saturates_instead_of_overflowing)
{
	struct harness *h = harness_new(1);
	prov_dag_run_options opt = harness_options(h, 1);
	struct script *s = harness_add(h, "n");

	/* A thousand-year delay doubling: time itself runs out on the fake clock. */
	s->fail_attempts = UINT_MAX;
	set_retry(h, "n", 8, PROV_DAG_BACKOFF_EXPONENTIAL, 1000LL * 3600 * 24 * 365 * 1000, 0);
	ck_assert_int_eq(prov_dag_run(h->dag, &opt), PROV_EWORKFLOW);
	ck_assert_uint_eq(s->calls, 8);
	for (unsigned int i = 1; i < 7; i++) {
		ck_assert_int_ge(h->retry_delays[i], h->retry_delays[i - 1]);
		ck_assert_int_ge(s->attempt_at[i], s->attempt_at[i - 1]);
	}
	harness_free(h);
}
END_TEST

START_TEST(test_run_retry_policy_is_the_default)
{
	struct harness *h = harness_new(2);
	prov_dag_run_options opt = harness_options(h, 1);
	prov_dag_retry_policy retry = PROV_DAG_RETRY_POLICY_INIT;
	static const long long expected[] = { 50, 100 };

	retry.max_attempts = 3;
	retry.backoff = PROV_DAG_BACKOFF_EXPONENTIAL;
	retry.initial_delay_ms = 50;
	opt.retry = &retry;
	harness_add(h, "a")->fail_attempts = 2;
	harness_add(h, "b")->fail_attempts = 2;
	set_retry(h, "b", 1, PROV_DAG_BACKOFF_NONE, 0, 0);   /* b opts out */
	opt.on_failure = PROV_DAG_ON_FAILURE_CONTINUE;
	ck_assert_int_eq(prov_dag_run(h->dag, &opt), PROV_EPARTIAL);
	assert_schedule(harness_script(h, "a"), expected, 2);
	ck_assert_uint_eq(harness_script(h, "b")->calls, 1);
	harness_free(h);
}
END_TEST

static void jitter_delays(unsigned long long seed, long long *delays)
{
	struct harness *h = harness_new(1);
	prov_dag_run_options opt = harness_options(h, 1);
	prov_dag_node_options node = PROV_DAG_NODE_OPTIONS_INIT;
	prov_dag_retry_policy retry = PROV_DAG_RETRY_POLICY_INIT;

	harness_add(h, "n")->fail_attempts = 4;
	retry.max_attempts = 5;
	retry.backoff = PROV_DAG_BACKOFF_EXPONENTIAL;
	retry.initial_delay_ms = 1000;
	retry.jitter = 1;
	node.retry = &retry;
	ck_assert_int_eq(prov_dag_set_node_options(h->dag, "n", &node), PROV_OK);
	opt.jitter_seed = seed;
	ck_assert_int_eq(prov_dag_run(h->dag, &opt), PROV_OK);
	memcpy(delays, h->retry_delays, 4 * sizeof(*delays));
	harness_free(h);
}

START_TEST(test_jitter_stays_between_half_and_full_delay_and_follows_the_seed)
{
	long long a[4], b[4], c[4];
	int differs = 0;

	jitter_delays(7, a);
	jitter_delays(7, b);
	jitter_delays(8, c);
	for (int i = 0; i < 4; i++) {
		long long full = 1000LL << i;

		ck_assert_int_ge(a[i], full / 2);
		ck_assert_int_le(a[i], full);
		ck_assert_int_eq(a[i], b[i]);
		differs |= a[i] != c[i];
	}
	ck_assert(differs);
}
END_TEST

START_TEST(test_timeout_fails_an_overrun_when_the_task_returns)
{
	struct harness *h = harness_new(3);
	prov_dag_run_options opt = harness_options(h, (unsigned int)_i);
	prov_dag_node_options node = PROV_DAG_NODE_OPTIONS_INIT;
	struct script *slow = harness_add(h, "slow");

	harness_add(h, "hard");
	harness_add(h, "soft");
	harness_dep(h, "hard", "slow", PROV_DAG_HARD);
	harness_dep(h, "soft", "slow", PROV_DAG_SOFT);
	slow->advance_ms = 500;
	node.timeout_ms = 200;
	ck_assert_int_eq(prov_dag_set_node_options(h->dag, "slow", &node), PROV_OK);
	opt.on_failure = PROV_DAG_ON_FAILURE_CONTINUE;
	ck_assert_int_eq(prov_dag_run(h->dag, &opt), PROV_EPARTIAL);
	ck_assert_int_eq(prov_dag_node_state(h->dag, 0), PROV_DAG_FAILED);
	ck_assert_int_eq(prov_dag_node_error_code(h->dag, 0), PROV_ETIMEOUT);
	ck_assert_str_eq(prov_dag_node_error_message(h->dag, 0), "node 'slow' timed out after 200 ms");
	ck_assert_int_eq(slow->deadline[0] - slow->attempt_at[0], 200 * MS);
	/* No dependent started before the overrun was judged. */
	ck_assert_int_eq(prov_dag_node_state(h->dag, 1), PROV_DAG_SKIPPED);
	ck_assert_int_eq(prov_dag_node_state(h->dag, 2), PROV_DAG_COMPLETED);
	ck_assert_uint_gt(harness_script(h, "soft")->start_seq, slow->end_seq);
	ck_assert_int_ge(prov_dag_node_duration_ns(h->dag, 0), 500 * MS);
	harness_free(h);
}
END_TEST

START_TEST(test_task_within_its_timeout_completes)
{
	struct harness *h = harness_new(1);
	prov_dag_run_options opt = harness_options(h, 1);
	struct script *s = harness_add(h, "quick");

	s->advance_ms = 199;
	opt.timeout_ms = 200;
	ck_assert_int_eq(prov_dag_run(h->dag, &opt), PROV_OK);
	ck_assert_int_eq(s->deadline[0], s->attempt_at[0] + 200 * MS);
	harness_free(h);
}
END_TEST

START_TEST(test_each_attempt_gets_its_own_deadline)
{
	struct harness *h = harness_new(1);
	prov_dag_run_options opt = harness_options(h, 1);
	prov_dag_node_options node = PROV_DAG_NODE_OPTIONS_INIT;
	prov_dag_retry_policy retry = PROV_DAG_RETRY_POLICY_INIT;
	struct script *s = harness_add(h, "slow");

	s->advance_ms = 300;
	retry.max_attempts = 3;
	retry.initial_delay_ms = 10;
	node.retry = &retry;
	node.timeout_ms = 100;
	opt.timeout_ms = 10000;   /* the node's own timeout wins */
	ck_assert_int_eq(prov_dag_set_node_options(h->dag, "slow", &node), PROV_OK);
	ck_assert_int_eq(prov_dag_run(h->dag, &opt), PROV_EWORKFLOW);
	ck_assert_uint_eq(s->calls, 3);
	for (unsigned int i = 0; i < 3; i++)
		ck_assert_int_eq(s->deadline[i] - s->attempt_at[i], 100 * MS);
	ck_assert_int_eq(prov_dag_node_error_code(h->dag, 0), PROV_ETIMEOUT);
	harness_free(h);
}
END_TEST

START_TEST(test_negative_node_timeout_means_none)
{
	struct harness *h = harness_new(1);
	prov_dag_run_options opt = harness_options(h, 1);
	prov_dag_node_options node = PROV_DAG_NODE_OPTIONS_INIT;
	struct script *s = harness_add(h, "long");

	s->advance_ms = 5000;
	node.timeout_ms = -1;
	opt.timeout_ms = 100;
	ck_assert_int_eq(prov_dag_set_node_options(h->dag, "long", &node), PROV_OK);
	ck_assert_int_eq(prov_dag_run(h->dag, &opt), PROV_OK);
	ck_assert_int_eq(s->deadline[0], 0);
	harness_free(h);
}
END_TEST

START_TEST(test_cancel_drops_a_waiting_retry)
{
	struct harness *h = harness_new(2);
	prov_dag_run_options opt = harness_options(h, 1);

	harness_add(h, "flaky")->fail_attempts = UINT_MAX;
	harness_add(h, "trigger");
	set_retry(h, "flaky", 5, PROV_DAG_BACKOFF_NONE, 1000, 0);
	/* flaky fails, waits for its retry; trigger runs meanwhile and cancels. */
	h->cancel_when_started = 1;
	ck_assert_int_eq(prov_dag_run(h->dag, &opt), PROV_ECANCELLED);
	ck_assert_int_eq(prov_dag_node_state(h->dag, 0), PROV_DAG_CANCELLED);
	ck_assert_uint_eq(harness_script(h, "flaky")->calls, 1);
	ck_assert_int_eq(prov_dag_node_error_code(h->dag, 0), PROV_EPROVIDER);
	harness_free(h);
}
END_TEST

static Suite *retry_suite(void)
{
	Suite *s = suite_create("dag-retry");
	TCase *tc = tcase_create("retry");

	tcase_add_loop_test(tc, test_retries_until_success, 1, 3);
	tcase_add_test(tc, test_gives_up_after_max_attempts);
	tcase_add_test(tc, test_not_retryable_failure_is_final);
	tcase_add_test(tc, test_backoff_none_waits_the_initial_delay_each_time);
	tcase_add_test(tc, test_backoff_linear_grows_by_the_initial_delay);
	tcase_add_test(tc, test_backoff_exponential_doubles_up_to_the_cap);
	tcase_add_test(tc, test_huge_backoff_saturates_instead_of_overflowing);
	tcase_add_test(tc, test_run_retry_policy_is_the_default);
	tcase_add_test(tc, test_jitter_stays_between_half_and_full_delay_and_follows_the_seed);
	tcase_add_loop_test(tc, test_timeout_fails_an_overrun_when_the_task_returns, 1, 3);
	tcase_add_test(tc, test_task_within_its_timeout_completes);
	tcase_add_test(tc, test_each_attempt_gets_its_own_deadline);
	tcase_add_test(tc, test_negative_node_timeout_means_none);
	tcase_add_test(tc, test_cancel_drops_a_waiting_retry);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return test_run_suite(retry_suite());
}
