/*
 * Property tests on random graphs, checked against plain reference
 * implementations. Every failure message carries the seed that made the
 * graph, so it can be replayed.
 */
#include "test-util.h"

#include <provisioning/dag.h>

#include <stdatomic.h>

#define MAX_NODES 120
#define MAX_DEPS 6

/* How many random graphs a test draws; fewer under valgrind. */
static unsigned int graphs(unsigned int count)
{
	return test_under_valgrind() ? count / 5 : count;
}

struct model {
	unsigned int seed;
	unsigned int n;
	unsigned int dep_count[MAX_NODES];
	unsigned int deps[MAX_NODES][MAX_DEPS];   /* node indices */
	int types[MAX_NODES][MAX_DEPS];
	int fails[MAX_NODES];
	/* Filled by runs. */
	atomic_uint seq;
	unsigned int start[MAX_NODES], end[MAX_NODES];
};

/*
 * Nodes get a hidden rank and depend only on nodes of lower rank, so the
 * graph is acyclic whatever the insertion order (random too).
 */
static void make_model(struct model *m, unsigned int seed)
{
	unsigned int rank[MAX_NODES];

	memset(m, 0, sizeof(*m));
	m->seed = seed;
	m->n = 1 + rand_r(&seed) % MAX_NODES;
	for (unsigned int i = 0; i < m->n; i++)
		rank[i] = i;
	for (unsigned int i = m->n; i-- > 1;) {
		unsigned int j = rand_r(&seed) % (i + 1), t = rank[i];

		rank[i] = rank[j];
		rank[j] = t;
	}
	for (unsigned int i = 0; i < m->n; i++) {
		unsigned int want = rand_r(&seed) % (MAX_DEPS + 1);

		m->fails[i] = rand_r(&seed) % 8 == 0;
		for (unsigned int tries = 0; tries < 4 * MAX_DEPS && m->dep_count[i] < want; tries++) {
			unsigned int d = rand_r(&seed) % m->n;

			if (rank[d] >= rank[i])
				continue;
			m->deps[i][m->dep_count[i]] = d;
			m->types[i][m->dep_count[i]++] = rand_r(&seed) % 3;
		}
	}
}

static int model_task(prov_dag_context *ctx, void *userdata)
{
	struct model *m = userdata;
	size_t i = prov_dag_context_node_index(ctx);

	m->start[i] = atomic_fetch_add(&m->seq, 1) + 1;
	m->end[i] = atomic_fetch_add(&m->seq, 1) + 1;
	return m->fails[i] ? prov_dag_context_fail(ctx, PROV_EPROVIDER, "planned") : PROV_OK;
}

static prov_dag *build(struct model *m)
{
	prov_dag *dag;
	char id[16], on[16];

	ck_assert_int_eq(prov_dag_new(&dag), PROV_OK);
	for (unsigned int i = 0; i < m->n; i++) {
		snprintf(id, sizeof(id), "n%u", i);
		ck_assert_int_eq(prov_dag_add_node(dag, id, model_task, m), PROV_OK);
	}
	for (unsigned int i = 0; i < m->n; i++)
		for (unsigned int k = 0; k < m->dep_count[i]; k++) {
			snprintf(id, sizeof(id), "n%u", i);
			snprintf(on, sizeof(on), "n%u", m->deps[i][k]);
			ck_assert_msg(prov_dag_add_dependency(dag, id, on, m->types[i][k]) == PROV_OK,
				      "seed %u: %s", m->seed, prov_error_last()->message);
		}
	return dag;
}

/* Reference: repeatedly take the lowest index whose dependencies are placed. */
static void reference_order(const struct model *m, unsigned int *order)
{
	int placed[MAX_NODES] = { 0 };

	for (unsigned int k = 0; k < m->n; k++)
		for (unsigned int i = 0; i < m->n; i++) {
			int ready = !placed[i];

			for (unsigned int j = 0; ready && j < m->dep_count[i]; j++)
				ready = placed[m->deps[i][j]];
			if (ready) {
				placed[i] = 1;
				order[k] = i;
				break;
			}
		}
}

/* Reference levels, filled in the reference order. */
static void reference_levels(const struct model *m, const unsigned int *order, size_t *levels)
{
	for (unsigned int k = 0; k < m->n; k++) {
		unsigned int i = order[k];

		levels[i] = 0;
		for (unsigned int j = 0; j < m->dep_count[i]; j++)
			if (levels[m->deps[i][j]] + 1 > levels[i])
				levels[i] = levels[m->deps[i][j]] + 1;
	}
}

START_TEST(test_random_graphs_order_and_levels_match_the_reference)
{
	struct model *m = malloc(sizeof(*m));

	for (unsigned int seed = 1; seed <= graphs(200); seed++) {
		unsigned int expected[MAX_NODES];
		size_t order[MAX_NODES], levels[MAX_NODES], want[MAX_NODES], count;
		prov_dag *dag;

		make_model(m, seed);
		dag = build(m);
		reference_order(m, expected);
		ck_assert_int_eq(prov_dag_topological_order(order, dag), PROV_OK);
		for (unsigned int k = 0; k < m->n; k++)
			ck_assert_msg(order[k] == expected[k], "seed %u: position %u is n%zu, expected n%u",
				      seed, k, order[k], expected[k]);
		ck_assert_int_eq(prov_dag_levels(levels, &count, dag), PROV_OK);
		reference_levels(m, expected, want);
		for (unsigned int i = 0; i < m->n; i++)
			ck_assert_msg(levels[i] == want[i], "seed %u: level of n%u is %zu, expected %zu",
				      seed, i, levels[i], want[i]);
		prov_dag_free(dag);
	}
	free(m);
}
END_TEST

/* Reference outcome under the continue policy. */
static int expected_state(const struct model *m, unsigned int i, int *memo)
{
	if (memo[i] >= 0)
		return memo[i];
	memo[i] = m->fails[i] ? PROV_DAG_FAILED : PROV_DAG_COMPLETED;
	for (unsigned int j = 0; j < m->dep_count[i]; j++)
		if (m->types[i][j] != PROV_DAG_SOFT && m->types[i][j] != PROV_DAG_OPTIONAL &&
		    expected_state(m, m->deps[i][j], memo) != PROV_DAG_COMPLETED)
			memo[i] = PROV_DAG_SKIPPED;
	return memo[i];
}

START_TEST(test_random_graphs_run_in_order_with_expected_outcomes)
{
	struct model *m = malloc(sizeof(*m));
	unsigned int parallelism = (unsigned int)_i;

	for (unsigned int seed = 1000; seed < 1000 + graphs(100); seed++) {
		prov_dag_run_options opt = PROV_DAG_RUN_OPTIONS_INIT;
		int memo[MAX_NODES];
		prov_dag *dag;

		make_model(m, seed);
		dag = build(m);
		opt.parallelism = parallelism;
		opt.on_failure = PROV_DAG_ON_FAILURE_CONTINUE;
		prov_dag_run(dag, &opt);
		memset(memo, -1, sizeof(memo));
		for (unsigned int i = 0; i < m->n; i++) {
			int state = prov_dag_node_state(dag, i), want = expected_state(m, i, memo);

			ck_assert_msg(state == want, "seed %u, parallelism %u: n%u is %s, expected %s", seed,
				      parallelism, i, prov_dag_state_name(state), prov_dag_state_name(want));
			for (unsigned int j = 0; state != PROV_DAG_SKIPPED && j < m->dep_count[i]; j++)
				ck_assert_msg(m->start[i] > m->end[m->deps[i][j]],
					      "seed %u, parallelism %u: n%u started before n%u ended", seed,
					      parallelism, i, m->deps[i][j]);
		}
		prov_dag_free(dag);
	}
	free(m);
}
END_TEST

/* "dependency cycle: a -> b -> a": each node must depend on the next. */
static void assert_real_cycle(prov_dag *dag, const struct model *m, const char *message,
			      unsigned int extra_from, unsigned int extra_to)
{
	const char *p = strstr(message, ": ");
	unsigned int path[MAX_NODES + 1], len = 0;

	ck_assert_ptr_nonnull(p);
	for (p += 2; *p && len <= MAX_NODES; len++) {
		char *end;

		path[len] = (unsigned int)strtoul(p + 1, &end, 10);
		p = strncmp(end, " -> ", 4) == 0 ? end + 4 : end;
	}
	ck_assert_msg(len >= 3 && path[0] == path[len - 1], "seed %u: %s", m->seed, message);
	for (unsigned int k = 0; k + 1 < len; k++) {
		int edge = path[k] == extra_from && path[k + 1] == extra_to;

		for (unsigned int j = 0; !edge && j < m->dep_count[path[k]]; j++)
			edge = m->deps[path[k]][j] == path[k + 1];
		ck_assert_msg(edge, "seed %u: n%u does not depend on n%u in %s", m->seed, path[k],
			      path[k + 1], message);
	}
	(void)dag;
}

START_TEST(test_random_back_edge_gives_a_real_cycle)
{
	struct model *m = malloc(sizeof(*m));
	unsigned int found = 0;

	for (unsigned int seed = 5000; seed < 5000 + graphs(200); seed++) {
		prov_dag *dag;
		char id[16], on[16];

		make_model(m, seed);
		/* Close a loop: a dependency's dependency (or further) depends back. */
		for (unsigned int i = 0; i < m->n; i++) {
			if (!m->dep_count[i])
				continue;
			unsigned int d = m->deps[i][0];

			dag = build(m);
			snprintf(id, sizeof(id), "n%u", d);
			snprintf(on, sizeof(on), "n%u", i);
			ck_assert_int_eq(prov_dag_add_dependency(dag, id, on, PROV_DAG_SOFT), PROV_OK);
			ck_assert_msg(prov_dag_validate(dag) == PROV_ECYCLE, "seed %u: no cycle found", seed);
			assert_real_cycle(dag, m, prov_error_last()->message, d, i);
			prov_dag_free(dag);
			found++;
			break;
		}
	}
	ck_assert_uint_gt(found, graphs(200) / 2);
	free(m);
}
END_TEST

static Suite *property_suite(void)
{
	Suite *s = suite_create("dag-property");
	TCase *tc = tcase_create("property");

	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_random_graphs_order_and_levels_match_the_reference);
	tcase_add_loop_test(tc, test_random_graphs_run_in_order_with_expected_outcomes, 1, 5);
	tcase_add_test(tc, test_random_back_edge_gives_a_real_cycle);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return test_run_suite(property_suite());
}
