/*
 * Building graphs, topological order, levels, cycles and DOT export.
 */
#include "test-util.h"

#include <provisioning/dag.h>
#include <provisioning/common.h>

static prov_dag *new_dag(void)
{
	prov_dag *dag = NULL;

	ck_assert_int_eq(prov_dag_new(&dag), PROV_OK);
	return dag;
}

static void add(prov_dag *dag, const char *id)
{
	ck_assert_msg(prov_dag_add_node(dag, id, NULL, NULL) == PROV_OK, "add %s: %s", id,
		      prov_error_last()->message);
}

static void dep(prov_dag *dag, const char *node, const char *on, int type)
{
	ck_assert_msg(prov_dag_add_dependency(dag, node, on, type) == PROV_OK, "%s on %s: %s",
		      node, on, prov_error_last()->message);
}

/* The ids of the topological order, space separated. */
static char *order_string(prov_dag *dag)
{
	size_t n = prov_dag_node_count(dag);
	size_t *order = calloc(n + 1, sizeof(*order));
	char *text = calloc(1, 4096);

	ck_assert_int_eq(prov_dag_topological_order(order, dag), PROV_OK);
	for (size_t i = 0; i < n; i++) {
		if (i)
			strcat(text, " ");
		strcat(text, prov_dag_node_id(dag, order[i]));
	}
	free(order);
	return text;
}

static void assert_order(prov_dag *dag, const char *expected)
{
	char *got = order_string(dag);

	ck_assert_str_eq(got, expected);
	free(got);
}

START_TEST(test_nodes_are_numbered_in_insertion_order)
{
	prov_dag *dag = new_dag();
	size_t index = 99;

	add(dag, "db");
	add(dag, "web");
	ck_assert_uint_eq(prov_dag_node_count(dag), 2);
	ck_assert_str_eq(prov_dag_node_id(dag, 1), "web");
	ck_assert_ptr_null(prov_dag_node_id(dag, 2));
	ck_assert_int_eq(prov_dag_find_node(&index, dag, "db"), PROV_OK);
	ck_assert_uint_eq(index, 0);
	prov_dag_free(dag);
}
END_TEST

START_TEST(test_duplicate_id_is_refused_by_name)
{
	prov_dag *dag = new_dag();

	add(dag, "db");
	ck_assert_int_eq(prov_dag_add_node(dag, "db", NULL, NULL), PROV_EEXISTS);
	ck_assert_str_eq(prov_error_last()->message, "duplicate node id 'db'");
	ck_assert_str_eq(prov_error_last()->operation_id, "db");
	ck_assert_uint_eq(prov_dag_node_count(dag), 1);
	prov_dag_free(dag);
}
END_TEST

START_TEST(test_unknown_ids_are_named)
{
	prov_dag *dag = new_dag();
	size_t index;

	add(dag, "web");
	ck_assert_int_eq(prov_dag_add_dependency(dag, "web", "db", PROV_DAG_HARD), PROV_ENOTFOUND);
	ck_assert_str_eq(prov_error_last()->message, "node 'web' depends on unknown node 'db'");
	ck_assert_int_eq(prov_dag_add_dependency(dag, "dns", "web", PROV_DAG_SOFT), PROV_ENOTFOUND);
	ck_assert_str_eq(prov_error_last()->message, "unknown node 'dns'");
	ck_assert_int_eq(prov_dag_find_node(&index, dag, "cache"), PROV_ENOTFOUND);
	ck_assert_int_eq(prov_dag_mark_completed(dag, "cache"), PROV_ENOTFOUND);
	ck_assert_str_eq(prov_error_last()->message, "unknown node 'cache'");
	prov_dag_free(dag);
}
END_TEST

START_TEST(test_invalid_ids_and_arguments_are_refused)
{
	prov_dag *dag = new_dag();
	prov_dag_node_options opt = PROV_DAG_NODE_OPTIONS_INIT;

	ck_assert_int_eq(prov_dag_add_node(dag, "", NULL, NULL), PROV_EINVAL);
	ck_assert_int_eq(prov_dag_add_node(dag, "line\nbreak", NULL, NULL), PROV_EINVAL);
	ck_assert_int_eq(prov_dag_add_node(dag, "bad\xff", NULL, NULL), PROV_EINVAL);
	ck_assert_int_eq(prov_dag_add_node(dag, NULL, NULL, NULL), PROV_EINVAL);
	ck_assert_int_eq(prov_dag_add_node(NULL, "a", NULL, NULL), PROV_EINVAL);
	add(dag, "caf\xc3\xa9");
	add(dag, "b");
	ck_assert_int_eq(prov_dag_add_dependency(dag, "b", "caf\xc3\xa9", 7), PROV_EINVAL);
	opt.on_failure = 9;
	ck_assert_int_eq(prov_dag_set_node_options(dag, "b", &opt), PROV_EINVAL);
	opt.on_failure = PROV_DAG_ON_FAILURE_CONTINUE;
	opt.size = 2;
	ck_assert_int_eq(prov_dag_set_node_options(dag, "b", &opt), PROV_EINVAL);
	ck_assert_int_eq(prov_dag_new(NULL), PROV_EINVAL);
	ck_assert_int_eq(prov_dag_validate(NULL), PROV_EINVAL);
	prov_dag_free(NULL);
	prov_dag_free(dag);
}
END_TEST

START_TEST(test_invalid_retry_policy_names_the_node)
{
	prov_dag *dag = new_dag();
	prov_dag_node_options opt = PROV_DAG_NODE_OPTIONS_INIT;
	prov_dag_retry_policy retry = PROV_DAG_RETRY_POLICY_INIT;

	add(dag, "db");
	retry.backoff = 5;
	opt.retry = &retry;
	ck_assert_int_eq(prov_dag_set_node_options(dag, "db", &opt), PROV_EINVAL);
	ck_assert_ptr_nonnull(strstr(prov_error_last()->message, "node 'db'"));
	retry.backoff = PROV_DAG_BACKOFF_LINEAR;
	retry.initial_delay_ms = -1;
	ck_assert_int_eq(prov_dag_set_node_options(dag, "db", &opt), PROV_EINVAL);
	retry.initial_delay_ms = 10;
	ck_assert_int_eq(prov_dag_set_node_options(dag, "db", &opt), PROV_OK);
	prov_dag_free(dag);
}
END_TEST

START_TEST(test_self_dependency_is_a_cycle_of_one)
{
	prov_dag *dag = new_dag();

	add(dag, "a");
	ck_assert_int_eq(prov_dag_add_dependency(dag, "a", "a", PROV_DAG_SOFT), PROV_ECYCLE);
	ck_assert_str_eq(prov_error_last()->message, "dependency cycle: a -> a");
	ck_assert_int_eq(prov_dag_validate(dag), PROV_OK);
	prov_dag_free(dag);
}
END_TEST

START_TEST(test_cycle_of_two_is_named)
{
	prov_dag *dag = new_dag();
	size_t order[2];

	add(dag, "a");
	add(dag, "b");
	dep(dag, "a", "b", PROV_DAG_HARD);
	dep(dag, "b", "a", PROV_DAG_OPTIONAL);
	ck_assert_int_eq(prov_dag_validate(dag), PROV_ECYCLE);
	ck_assert_str_eq(prov_error_last()->message, "dependency cycle: a -> b -> a");
	ck_assert_int_eq(prov_dag_topological_order(order, dag), PROV_ECYCLE);
	ck_assert_int_eq(prov_dag_run(dag, NULL), PROV_ECYCLE);
	ck_assert_int_eq(prov_dag_node_state(dag, 0), PROV_DAG_PENDING);
	prov_dag_free(dag);
}
END_TEST

START_TEST(test_long_cycle_is_named_from_its_earliest_node)
{
	prov_dag *dag = new_dag();
	char id[16], prev[16];

	/* x -> n1 -> n2 -> ... -> n9 -> n1, reached through a node outside it. */
	add(dag, "x");
	for (int i = 1; i <= 9; i++) {
		snprintf(id, sizeof(id), "n%d", i);
		add(dag, id);
	}
	dep(dag, "x", "n5", PROV_DAG_HARD);
	for (int i = 1; i <= 9; i++) {
		snprintf(id, sizeof(id), "n%d", i);
		snprintf(prev, sizeof(prev), "n%d", i % 9 + 1);
		dep(dag, id, prev, PROV_DAG_HARD);
	}
	ck_assert_int_eq(prov_dag_validate(dag), PROV_ECYCLE);
	ck_assert_str_eq(prov_error_last()->message,
			 "dependency cycle: n1 -> n2 -> n3 -> n4 -> n5 -> n6 -> n7 -> n8 -> n9 -> n1");
	ck_assert_str_eq(prov_error_last()->operation_id, "n1");
	prov_dag_free(dag);
}
END_TEST

START_TEST(test_order_breaks_ties_by_insertion)
{
	prov_dag *dag = new_dag();

	add(dag, "web");
	add(dag, "cache");
	add(dag, "db");
	add(dag, "dns");
	dep(dag, "web", "db", PROV_DAG_HARD);
	dep(dag, "dns", "web", PROV_DAG_SOFT);
	/* db is needed first; then web (added before cache) comes next. */
	assert_order(dag, "cache db web dns");
	prov_dag_free(dag);
}
END_TEST

START_TEST(test_order_keeps_an_insertion_order_that_already_fits)
{
	prov_dag *dag = new_dag();

	add(dag, "db");
	add(dag, "cache");
	add(dag, "web");
	add(dag, "app");
	dep(dag, "web", "db", PROV_DAG_HARD);
	dep(dag, "app", "cache", PROV_DAG_HARD);
	assert_order(dag, "db cache web app");
	prov_dag_free(dag);
}
END_TEST

START_TEST(test_diamond_order_and_levels)
{
	prov_dag *dag = new_dag();
	size_t levels[4], count = 0;

	add(dag, "join");
	add(dag, "right");
	add(dag, "left");
	add(dag, "root");
	dep(dag, "left", "root", PROV_DAG_HARD);
	dep(dag, "right", "root", PROV_DAG_HARD);
	dep(dag, "join", "left", PROV_DAG_HARD);
	dep(dag, "join", "right", PROV_DAG_SOFT);
	assert_order(dag, "root right left join");
	ck_assert_int_eq(prov_dag_levels(levels, &count, dag), PROV_OK);
	ck_assert_uint_eq(count, 3);
	ck_assert_uint_eq(levels[3], 0);
	ck_assert_uint_eq(levels[1], 1);
	ck_assert_uint_eq(levels[2], 1);
	ck_assert_uint_eq(levels[0], 2);
	prov_dag_free(dag);
}
END_TEST

START_TEST(test_levels_follow_the_longest_path)
{
	prov_dag *dag = new_dag();
	size_t levels[4], count = 0;

	add(dag, "a");
	add(dag, "b");
	add(dag, "c");
	add(dag, "d");
	dep(dag, "b", "a", PROV_DAG_HARD);
	dep(dag, "c", "b", PROV_DAG_HARD);
	dep(dag, "d", "a", PROV_DAG_HARD);
	dep(dag, "d", "c", PROV_DAG_OPTIONAL);
	ck_assert_int_eq(prov_dag_levels(levels, &count, dag), PROV_OK);
	ck_assert_uint_eq(count, 4);
	ck_assert_uint_eq(levels[3], 3);
	prov_dag_free(dag);
}
END_TEST

START_TEST(test_empty_graph_has_no_levels)
{
	prov_dag *dag = new_dag();
	size_t levels[1], count = 7, order[1];

	ck_assert_int_eq(prov_dag_levels(levels, &count, dag), PROV_OK);
	ck_assert_uint_eq(count, 0);
	ck_assert_int_eq(prov_dag_topological_order(order, dag), PROV_OK);
	ck_assert_int_eq(prov_dag_run(dag, NULL), PROV_OK);
	prov_dag_free(dag);
}
END_TEST

START_TEST(test_optional_dependency_on_a_missing_node_is_ignored)
{
	prov_dag *dag = new_dag();

	add(dag, "web");
	dep(dag, "web", "cdn", PROV_DAG_OPTIONAL);
	assert_order(dag, "web");
	ck_assert_int_eq(prov_dag_run(dag, NULL), PROV_OK);
	ck_assert_int_eq(prov_dag_node_state(dag, 0), PROV_DAG_COMPLETED);
	prov_dag_free(dag);
}
END_TEST

START_TEST(test_optional_dependency_applies_once_the_node_is_added)
{
	prov_dag *dag = new_dag();

	add(dag, "web");
	dep(dag, "web", "cdn", PROV_DAG_OPTIONAL);
	add(dag, "cdn");
	assert_order(dag, "cdn web");
	prov_dag_free(dag);
}
END_TEST

START_TEST(test_duplicate_dependencies_are_harmless)
{
	prov_dag *dag = new_dag();
	size_t levels[2], count;
	char *dot = NULL;

	add(dag, "db");
	add(dag, "web");
	dep(dag, "web", "db", PROV_DAG_SOFT);
	dep(dag, "web", "db", PROV_DAG_HARD);
	assert_order(dag, "db web");
	ck_assert_int_eq(prov_dag_levels(levels, &count, dag), PROV_OK);
	ck_assert_uint_eq(count, 2);
	ck_assert_int_eq(prov_dag_run(dag, NULL), PROV_OK);
	ck_assert_int_eq(prov_dag_to_dot(&dot, dag), PROV_OK);
	/* One arrow, drawn as the stronger (hard, solid) type. */
	ck_assert_ptr_nonnull(strstr(dot, "\"db\" -> \"web\";\n"));
	ck_assert_ptr_null(strstr(strstr(dot, "\"db\" -> \"web\"") + 1, "\"db\" -> \"web\""));
	prov_free(dot);
	prov_dag_free(dag);
}
END_TEST

START_TEST(test_dot_draws_types_and_escapes_ids)
{
	prov_dag *dag = new_dag();
	char *dot = NULL;

	add(dag, "db");
	add(dag, "web \"1\"");
	add(dag, "dns");
	dep(dag, "web \"1\"", "db", PROV_DAG_HARD);
	dep(dag, "dns", "web \"1\"", PROV_DAG_SOFT);
	dep(dag, "dns", "db", PROV_DAG_OPTIONAL);
	ck_assert_int_eq(prov_dag_to_dot(&dot, dag), PROV_OK);
	ck_assert_ptr_nonnull(strstr(dot, "digraph dag {"));
	ck_assert_ptr_nonnull(strstr(dot, "\"db\" -> \"web \\\"1\\\"\";"));
	ck_assert_ptr_nonnull(strstr(dot, "\"web \\\"1\\\"\" -> \"dns\" [style=dashed];"));
	ck_assert_ptr_nonnull(strstr(dot, "\"db\" -> \"dns\" [style=dotted];"));
	ck_assert_ptr_nonnull(strstr(dot, "\"db\" [fillcolor=white, tooltip=\"pending\"];"));
	prov_free(dot);
	prov_dag_free(dag);
}
END_TEST

static int fail_task(prov_dag_context *ctx, void *userdata)
{
	(void)userdata;
	return prov_dag_context_fail(ctx, PROV_EPROVIDER, "quota exceeded");
}

START_TEST(test_dot_colours_nodes_by_state_after_a_run)
{
	prov_dag *dag = new_dag();
	prov_dag_run_options opt = PROV_DAG_RUN_OPTIONS_INIT;
	char *dot = NULL;

	add(dag, "done");
	ck_assert_int_eq(prov_dag_add_node(dag, "broken", fail_task, NULL), PROV_OK);
	add(dag, "after");
	add(dag, "resumed");
	dep(dag, "after", "broken", PROV_DAG_HARD);
	ck_assert_int_eq(prov_dag_mark_completed(dag, "resumed"), PROV_OK);
	opt.on_failure = PROV_DAG_ON_FAILURE_CONTINUE;
	ck_assert_int_eq(prov_dag_run(dag, &opt), PROV_EPARTIAL);
	ck_assert_int_eq(prov_dag_to_dot(&dot, dag), PROV_OK);
	ck_assert_ptr_nonnull(strstr(dot, "\"done\" [fillcolor=palegreen, tooltip=\"completed\"]"));
	ck_assert_ptr_nonnull(strstr(dot, "\"broken\" [fillcolor=salmon, tooltip=\"failed\"]"));
	ck_assert_ptr_nonnull(strstr(dot, "\"after\" [fillcolor=lightgrey, tooltip=\"skipped\"]"));
	ck_assert_ptr_nonnull(strstr(dot, "\"resumed\" [fillcolor=palegreen"));
	prov_free(dot);
	prov_dag_free(dag);
}
END_TEST

START_TEST(test_state_names)
{
	ck_assert_str_eq(prov_dag_state_name(PROV_DAG_PENDING), "pending");
	ck_assert_str_eq(prov_dag_state_name(PROV_DAG_RUNNING), "running");
	ck_assert_str_eq(prov_dag_state_name(PROV_DAG_COMPLETED), "completed");
	ck_assert_str_eq(prov_dag_state_name(PROV_DAG_FAILED), "failed");
	ck_assert_str_eq(prov_dag_state_name(PROV_DAG_SKIPPED), "skipped");
	ck_assert_str_eq(prov_dag_state_name(PROV_DAG_CANCELLED), "cancelled");
	ck_assert_str_eq(prov_dag_state_name(6), "unknown");
	ck_assert_str_eq(prov_dag_state_name(-1), "unknown");
}
END_TEST

START_TEST(test_marked_completed_node_reports_completed_before_a_run)
{
	prov_dag *dag = new_dag();

	add(dag, "db");
	add(dag, "web");
	ck_assert_int_eq(prov_dag_mark_completed(dag, "db"), PROV_OK);
	ck_assert_int_eq(prov_dag_node_state(dag, 0), PROV_DAG_COMPLETED);
	ck_assert_int_eq(prov_dag_node_state(dag, 1), PROV_DAG_PENDING);
	ck_assert_int_eq(prov_dag_node_state(dag, 5), PROV_DAG_PENDING);
	ck_assert_int_eq(prov_dag_node_state(NULL, 0), PROV_DAG_PENDING);
	prov_dag_free(dag);
}
END_TEST

static Suite *graph_suite(void)
{
	Suite *s = suite_create("dag-graph");
	TCase *tc = tcase_create("graph");

	tcase_add_test(tc, test_nodes_are_numbered_in_insertion_order);
	tcase_add_test(tc, test_duplicate_id_is_refused_by_name);
	tcase_add_test(tc, test_unknown_ids_are_named);
	tcase_add_test(tc, test_invalid_ids_and_arguments_are_refused);
	tcase_add_test(tc, test_invalid_retry_policy_names_the_node);
	tcase_add_test(tc, test_self_dependency_is_a_cycle_of_one);
	tcase_add_test(tc, test_cycle_of_two_is_named);
	tcase_add_test(tc, test_long_cycle_is_named_from_its_earliest_node);
	tcase_add_test(tc, test_order_breaks_ties_by_insertion);
	tcase_add_test(tc, test_order_keeps_an_insertion_order_that_already_fits);
	tcase_add_test(tc, test_diamond_order_and_levels);
	tcase_add_test(tc, test_levels_follow_the_longest_path);
	tcase_add_test(tc, test_empty_graph_has_no_levels);
	tcase_add_test(tc, test_optional_dependency_on_a_missing_node_is_ignored);
	tcase_add_test(tc, test_optional_dependency_applies_once_the_node_is_added);
	tcase_add_test(tc, test_duplicate_dependencies_are_harmless);
	tcase_add_test(tc, test_dot_draws_types_and_escapes_ids);
	tcase_add_test(tc, test_dot_colours_nodes_by_state_after_a_run);
	tcase_add_test(tc, test_state_names);
	tcase_add_test(tc, test_marked_completed_node_reports_completed_before_a_run);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return test_run_suite(graph_suite());
}
