/*
 * Executing graphs: ordering, failure policies, dependency types, nodes
 * completed beforehand, callbacks and the report.
 */
#include "dag-harness.h"

#include <limits.h>

static void assert_state(struct harness *h, const char *id, int state)
{
	int got = harness_state(h, id);

	ck_assert_msg(got == state, "%s is %s, expected %s", id, prov_dag_state_name(got),
		      prov_dag_state_name(state));
}

/* `node` started only after `on` had finished. */
static void assert_after(struct harness *h, const char *node, const char *on)
{
	struct script *a = harness_script(h, node), *b = harness_script(h, on);

	ck_assert_msg(a->start_seq && b->end_seq && a->start_seq > b->end_seq,
		      "%s (start %u) did not start after %s ended (%u)", node, a->start_seq, on,
		      b->end_seq);
}

static int run(struct harness *h, unsigned int parallelism, int on_failure)
{
	prov_dag_run_options opt = harness_options(h, parallelism);

	opt.on_failure = on_failure;
	return prov_dag_run(h->dag, &opt);
}

START_TEST(test_diamond_runs_each_node_once_after_its_dependencies)
{
	struct harness *h = harness_new(4);

	harness_add(h, "root");
	harness_add(h, "left");
	harness_add(h, "right");
	harness_add(h, "join");
	harness_dep(h, "left", "root", PROV_DAG_HARD);
	harness_dep(h, "right", "root", PROV_DAG_HARD);
	harness_dep(h, "join", "left", PROV_DAG_HARD);
	harness_dep(h, "join", "right", PROV_DAG_HARD);
	ck_assert_int_eq(run(h, (unsigned int)_i, 0), PROV_OK);
	for (unsigned int i = 0; i < 4; i++) {
		ck_assert_uint_eq(h->scripts[i].calls, 1);
		ck_assert_int_eq(prov_dag_node_state(h->dag, i), PROV_DAG_COMPLETED);
		ck_assert_uint_eq(prov_dag_node_attempts(h->dag, i), 1);
		ck_assert_int_eq(prov_dag_node_error_code(h->dag, i), PROV_OK);
		ck_assert_str_eq(prov_dag_node_error_message(h->dag, i), "");
	}
	assert_after(h, "left", "root");
	assert_after(h, "right", "root");
	assert_after(h, "join", "left");
	assert_after(h, "join", "right");
	ck_assert_uint_eq(atomic_load(&h->started), 4);
	ck_assert_uint_eq(atomic_load(&h->finished), 4);
	harness_free(h);
}
END_TEST

START_TEST(test_parallelism_one_runs_in_insertion_order_where_allowed)
{
	struct harness *h = harness_new(4);

	harness_add(h, "db");
	harness_add(h, "web");
	harness_add(h, "cache");
	harness_add(h, "app");
	harness_dep(h, "web", "db", PROV_DAG_HARD);
	harness_dep(h, "app", "cache", PROV_DAG_HARD);
	ck_assert_int_eq(run(h, 1, 0), PROV_OK);
	for (unsigned int i = 0; i < 4; i++)
		ck_assert_uint_eq(h->finish_order[i], i);
	harness_free(h);
}
END_TEST

START_TEST(test_fail_policy_starts_nothing_new_and_skips_the_rest)
{
	struct harness *h = harness_new(4);
	const prov_error *err;

	harness_add(h, "db")->fail_attempts = UINT_MAX;
	harness_add(h, "web");
	harness_add(h, "cache");
	harness_add(h, "dns");
	harness_dep(h, "web", "db", PROV_DAG_HARD);
	harness_dep(h, "cache", "db", PROV_DAG_SOFT);
	ck_assert_int_eq(run(h, 1, PROV_DAG_ON_FAILURE_FAIL), PROV_EWORKFLOW);
	err = prov_error_last();
	ck_assert_str_eq(err->message, "node 'db' failed: scripted failure (1 failed in all)");
	ck_assert_str_eq(err->operation_id, "db");
	assert_state(h, "db", PROV_DAG_FAILED);
	assert_state(h, "web", PROV_DAG_SKIPPED);
	assert_state(h, "cache", PROV_DAG_SKIPPED);
	assert_state(h, "dns", PROV_DAG_SKIPPED);
	ck_assert_uint_eq(harness_script(h, "dns")->calls, 0);
	ck_assert_int_eq(prov_dag_node_error_code(h->dag, 0), PROV_EPROVIDER);
	ck_assert_str_eq(prov_dag_node_error_message(h->dag, 0), "scripted failure");
	/* Every node still gets its finish callback, skipped ones included. */
	ck_assert_uint_eq(atomic_load(&h->finished), 4);
	harness_free(h);
}
END_TEST

START_TEST(test_continue_policy_skips_only_hard_dependents)
{
	struct harness *h = harness_new(6);

	harness_add(h, "db")->fail_attempts = UINT_MAX;
	harness_add(h, "web");
	harness_add(h, "app");
	harness_add(h, "metrics");
	harness_add(h, "cache");
	harness_add(h, "report");
	harness_dep(h, "web", "db", PROV_DAG_HARD);
	harness_dep(h, "app", "web", PROV_DAG_HARD);      /* skipped in turn */
	harness_dep(h, "metrics", "db", PROV_DAG_SOFT);   /* runs anyway, after db */
	harness_dep(h, "report", "app", PROV_DAG_SOFT);   /* a skipped node finishes too */
	ck_assert_int_eq(run(h, (unsigned int)_i, PROV_DAG_ON_FAILURE_CONTINUE), PROV_EPARTIAL);
	ck_assert_ptr_nonnull(strstr(prov_error_last()->message, "node 'db' failed"));
	assert_state(h, "db", PROV_DAG_FAILED);
	assert_state(h, "web", PROV_DAG_SKIPPED);
	assert_state(h, "app", PROV_DAG_SKIPPED);
	assert_state(h, "metrics", PROV_DAG_COMPLETED);
	assert_state(h, "cache", PROV_DAG_COMPLETED);
	assert_state(h, "report", PROV_DAG_COMPLETED);
	assert_after(h, "metrics", "db");
	ck_assert_uint_eq(harness_script(h, "web")->calls, 0);
	ck_assert_uint_eq(prov_dag_node_attempts(h->dag, 1), 0);
	harness_free(h);
}
END_TEST

START_TEST(test_node_policy_overrides_the_run_default)
{
	struct harness *h = harness_new(3);
	prov_dag_node_options opt = PROV_DAG_NODE_OPTIONS_INIT;

	harness_add(h, "optional-check")->fail_attempts = UINT_MAX;
	harness_add(h, "db");
	harness_add(h, "web");
	harness_dep(h, "web", "db", PROV_DAG_HARD);
	opt.on_failure = PROV_DAG_ON_FAILURE_CONTINUE;
	ck_assert_int_eq(prov_dag_set_node_options(h->dag, "optional-check", &opt), PROV_OK);
	ck_assert_int_eq(run(h, 1, PROV_DAG_ON_FAILURE_FAIL), PROV_EPARTIAL);
	assert_state(h, "web", PROV_DAG_COMPLETED);
	/* And the other way round: a node that must stop a tolerant run. */
	opt.on_failure = PROV_DAG_ON_FAILURE_FAIL;
	ck_assert_int_eq(prov_dag_set_node_options(h->dag, "optional-check", &opt), PROV_OK);
	ck_assert_int_eq(run(h, 1, PROV_DAG_ON_FAILURE_CONTINUE), PROV_EWORKFLOW);
	assert_state(h, "db", PROV_DAG_SKIPPED);
	harness_free(h);
}
END_TEST

START_TEST(test_soft_dependency_orders_without_propagating_failure)
{
	struct harness *h = harness_new(2);

	harness_add(h, "backup")->fail_attempts = UINT_MAX;
	harness_add(h, "upgrade");
	harness_dep(h, "upgrade", "backup", PROV_DAG_SOFT);
	ck_assert_int_eq(run(h, (unsigned int)_i, PROV_DAG_ON_FAILURE_CONTINUE), PROV_EPARTIAL);
	assert_state(h, "upgrade", PROV_DAG_COMPLETED);
	assert_after(h, "upgrade", "backup");
	harness_free(h);
}
END_TEST

START_TEST(test_optional_dependency_orders_when_present_and_never_blocks)
{
	struct harness *h = harness_new(3);

	harness_add(h, "web");
	harness_add(h, "cdn")->fail_attempts = UINT_MAX;
	harness_add(h, "dns");
	harness_dep(h, "web", "cdn", PROV_DAG_OPTIONAL);
	harness_dep(h, "dns", "firewall", PROV_DAG_OPTIONAL);
	ck_assert_int_eq(run(h, (unsigned int)_i, PROV_DAG_ON_FAILURE_CONTINUE), PROV_EPARTIAL);
	assert_after(h, "web", "cdn");
	assert_state(h, "web", PROV_DAG_COMPLETED);
	assert_state(h, "dns", PROV_DAG_COMPLETED);
	harness_free(h);
}
END_TEST

START_TEST(test_marked_completed_node_is_not_run_and_satisfies_dependents)
{
	struct harness *h = harness_new(3);

	harness_add(h, "db");
	harness_add(h, "web");
	harness_add(h, "dns");
	harness_dep(h, "web", "db", PROV_DAG_HARD);
	harness_dep(h, "dns", "web", PROV_DAG_HARD);
	ck_assert_int_eq(prov_dag_mark_completed(h->dag, "db"), PROV_OK);
	ck_assert_int_eq(prov_dag_mark_completed(h->dag, "dns"), PROV_OK);
	ck_assert_int_eq(run(h, (unsigned int)_i, 0), PROV_OK);
	ck_assert_uint_eq(harness_script(h, "db")->calls, 0);
	ck_assert_uint_eq(harness_script(h, "dns")->calls, 0);
	ck_assert_uint_eq(harness_script(h, "web")->calls, 1);
	assert_state(h, "db", PROV_DAG_COMPLETED);
	assert_state(h, "dns", PROV_DAG_COMPLETED);
	ck_assert_uint_eq(prov_dag_node_attempts(h->dag, 0), 0);
	/* Callbacks are about this run's work only. */
	ck_assert_uint_eq(atomic_load(&h->started), 1);
	ck_assert_uint_eq(atomic_load(&h->finished), 1);
	harness_free(h);
}
END_TEST

START_TEST(test_finish_callback_comes_before_dependents_start)
{
	struct harness *h = harness_new(3);

	harness_add(h, "a");
	harness_add(h, "b");
	harness_add(h, "c");
	harness_dep(h, "b", "a", PROV_DAG_HARD);
	harness_dep(h, "c", "b", PROV_DAG_HARD);
	ck_assert_int_eq(run(h, (unsigned int)_i, 0), PROV_OK);
	ck_assert_uint_eq(h->finish_order[0], 0);
	ck_assert_uint_eq(h->finish_order[1], 1);
	ck_assert_uint_eq(h->finish_order[2], 2);
	harness_free(h);
}
END_TEST

static int record_rich_error(prov_dag_context *ctx, void *userdata)
{
	(void)ctx;
	(void)userdata;
	prov_error_clear();
	/* What a provider call inside the task would leave behind. */
	return prov_dag_context_fail(ctx, PROV_EPROVIDER, "server limit reached");
}

static int return_code_only(prov_dag_context *ctx, void *userdata)
{
	(void)ctx;
	(void)userdata;
	return PROV_EIO;
}

START_TEST(test_report_carries_the_task_error)
{
	prov_dag *dag;
	prov_dag_run_options opt = PROV_DAG_RUN_OPTIONS_INIT;

	ck_assert_int_eq(prov_dag_new(&dag), PROV_OK);
	ck_assert_int_eq(prov_dag_add_node(dag, "create", record_rich_error, NULL), PROV_OK);
	ck_assert_int_eq(prov_dag_add_node(dag, "write", return_code_only, NULL), PROV_OK);
	opt.on_failure = PROV_DAG_ON_FAILURE_CONTINUE;
	ck_assert_int_eq(prov_dag_run(dag, &opt), PROV_EPARTIAL);
	ck_assert_str_eq(prov_error_last()->message,
			 "node 'create' failed: server limit reached (2 failed in all)");
	ck_assert_int_eq(prov_dag_node_error_code(dag, 1), PROV_EIO);
	ck_assert_str_eq(prov_dag_node_error_message(dag, 1), "task failed: input/output error");
	ck_assert_int_eq(prov_dag_node_restore_error(dag, 0), PROV_EPROVIDER);
	ck_assert_str_eq(prov_error_last()->message, "server limit reached");
	ck_assert_str_eq(prov_error_last()->operation_id, "create");
	ck_assert_int_eq(prov_error_last()->category, PROV_ERRCAT_WORKFLOW);
	prov_dag_free(dag);
}
END_TEST

START_TEST(test_successful_run_leaves_the_callers_error_alone)
{
	struct harness *h = harness_new(2);
	prov_dag_node_options opt = PROV_DAG_NODE_OPTIONS_INIT;
	prov_dag_retry_policy retry = PROV_DAG_RETRY_POLICY_INIT;

	harness_add(h, "flaky")->fail_attempts = 1;
	retry.max_attempts = 2;
	opt.retry = &retry;
	ck_assert_int_eq(prov_dag_set_node_options(h->dag, "flaky", &opt), PROV_OK);
	prov_dag_add_node(h->dag, "flaky", NULL, NULL);   /* records "duplicate" */
	ck_assert_int_eq(run(h, 1, 0), PROV_OK);
	ck_assert_str_eq(prov_error_last()->message, "duplicate node id 'flaky'");
	/* The node completed on its retry and keeps its earlier failure. */
	ck_assert_int_eq(prov_dag_node_error_code(h->dag, 0), PROV_EPROVIDER);
	harness_free(h);
}
END_TEST

static int run_again(prov_dag_context *ctx, void *userdata)
{
	prov_dag *dag = userdata;
	int rc = prov_dag_run(dag, NULL);

	(void)ctx;
	ck_assert_int_eq(rc, PROV_EBUSY);
	ck_assert_int_eq(prov_dag_add_node(dag, "late", NULL, NULL), PROV_EBUSY);
	return PROV_OK;
}

START_TEST(test_graph_cannot_change_or_rerun_while_running)
{
	prov_dag *dag;

	ck_assert_int_eq(prov_dag_new(&dag), PROV_OK);
	ck_assert_int_eq(prov_dag_add_node(dag, "a", run_again, dag), PROV_OK);
	ck_assert_int_eq(prov_dag_run(dag, NULL), PROV_OK);
	ck_assert_uint_eq(prov_dag_node_count(dag), 1);
	/* Once finished it may run again, with a fresh report. */
	ck_assert_int_eq(prov_dag_run(dag, NULL), PROV_OK);
	ck_assert_uint_eq(prov_dag_node_attempts(dag, 0), 1);
	prov_dag_free(dag);
}
END_TEST

START_TEST(test_run_options_are_checked)
{
	prov_dag *dag;
	prov_dag_run_options opt = PROV_DAG_RUN_OPTIONS_INIT;
	prov_dag_clock clock = PROV_DAG_CLOCK_INIT;

	ck_assert_int_eq(prov_dag_new(&dag), PROV_OK);
	ck_assert_int_eq(prov_dag_run(NULL, &opt), PROV_EINVAL);
	opt.parallelism = 100000;
	ck_assert_int_eq(prov_dag_run(dag, &opt), PROV_EINVAL);
	opt.parallelism = 1;
	opt.on_failure = 3;
	ck_assert_int_eq(prov_dag_run(dag, &opt), PROV_EINVAL);
	opt.on_failure = 0;
	opt.clock = &clock;
	ck_assert_int_eq(prov_dag_run(dag, &opt), PROV_EINVAL);
	ck_assert_ptr_nonnull(strstr(prov_error_last()->message, "clock"));
	opt.clock = NULL;
	opt.size = 4;
	ck_assert_int_eq(prov_dag_run(dag, &opt), PROV_EINVAL);
	opt.size = sizeof(opt);
	opt.parallelism = 0;   /* one per CPU */
	ck_assert_int_eq(prov_dag_run(dag, &opt), PROV_OK);
	prov_dag_free(dag);
}
END_TEST

static Suite *run_suite(void)
{
	Suite *s = suite_create("dag-run");
	TCase *tc = tcase_create("run");

	/* A loop test runs once per parallelism in its range. */
	tcase_add_loop_test(tc, test_diamond_runs_each_node_once_after_its_dependencies, 1, 5);
	tcase_add_test(tc, test_parallelism_one_runs_in_insertion_order_where_allowed);
	tcase_add_test(tc, test_fail_policy_starts_nothing_new_and_skips_the_rest);
	tcase_add_loop_test(tc, test_continue_policy_skips_only_hard_dependents, 1, 5);
	tcase_add_test(tc, test_node_policy_overrides_the_run_default);
	tcase_add_loop_test(tc, test_soft_dependency_orders_without_propagating_failure, 1, 3);
	tcase_add_loop_test(tc, test_optional_dependency_orders_when_present_and_never_blocks, 1, 3);
	tcase_add_loop_test(tc, test_marked_completed_node_is_not_run_and_satisfies_dependents, 1, 3);
	tcase_add_loop_test(tc, test_finish_callback_comes_before_dependents_start, 1, 3);
	tcase_add_test(tc, test_report_carries_the_task_error);
	tcase_add_test(tc, test_successful_run_leaves_the_callers_error_alone);
	tcase_add_test(tc, test_graph_cannot_change_or_rerun_while_running);
	tcase_add_test(tc, test_run_options_are_checked);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return test_run_suite(run_suite());
}
