/*
 * Benchmark 2: build, run and free a level graph of 451 levels x 451 no-op
 * tasks, each depending on 1 to 4 distinct tasks of the previous level (the
 * graph of Taskflow's graph-traversal benchmark), with string ids, at
 * parallelism 1 and 2. Prints ns per task for the whole cycle and for each
 * phase. The ids are formatted once, before timing: they stand for ids a
 * caller already holds (a workflow definition's).
 *
 * The graph is built the way a level graph is written down, each task
 * followed by its dependencies (as Taskflow's benchmark does); a second line
 * at parallelism 1 adds every task first and the dependencies afterwards, as
 * a reader of a file with forward references must.
 */
#include <provisioning/dag.h>
#include <provisioning/error.h>

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define LEVELS 451
#define WIDTH 451
#define TASKS (LEVELS * WIDTH)
#define MAX_DEPS 4
#define ROUNDS 7
#define TARGET_NS 400.0
#define TASKFLOW_NS 475.0

struct graph {
	char (*ids)[16];
	unsigned char dep_count[TASKS];
	unsigned int deps[TASKS][MAX_DEPS];
};

static atomic_ulong ran;

static int noop(prov_dag_context *ctx, void *userdata)
{
	(void)ctx;
	(void)userdata;
	atomic_fetch_add_explicit(&ran, 1, memory_order_relaxed);
	return PROV_OK;
}

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

/* Each task of level l > 0 depends on 1-4 distinct tasks of level l - 1. */
static void make_graph(struct graph *g)
{
	unsigned int seed = 1;

	for (unsigned int i = 0; i < TASKS; i++) {
		snprintf(g->ids[i], sizeof(g->ids[i]), "t%u_%u", i / WIDTH, i % WIDTH);
		g->dep_count[i] = 0;
		if (i < WIDTH)
			continue;
		unsigned int want = 1 + rand_r(&seed) % MAX_DEPS;
		while (g->dep_count[i] < want) {
			unsigned int d = (i / WIDTH - 1) * WIDTH + rand_r(&seed) % WIDTH;
			int dup = 0;

			for (unsigned int k = 0; k < g->dep_count[i]; k++)
				dup |= g->deps[i][k] == d;
			if (!dup)
				g->deps[i][g->dep_count[i]++] = d;
		}
	}
}

static void check(int rc, const char *what)
{
	if (rc != PROV_OK) {
		fprintf(stderr, "%s: %s\n", what, prov_error_last()->message);
		exit(1);
	}
}

static void add_dependencies(prov_dag *dag, const struct graph *g, unsigned int i)
{
	for (unsigned int k = 0; k < g->dep_count[i]; k++)
		check(prov_dag_add_dependency(dag, g->ids[i], g->ids[g->deps[i][k]], PROV_DAG_HARD),
		      "add dependency");
}

static int nodes_first;

/* One cycle; phase times in ns added to t[0..3] (build, deps, run, free). */
static void cycle(const struct graph *g, unsigned int parallelism, double t[4])
{
	prov_dag_run_options opt = PROV_DAG_RUN_OPTIONS_INIT;
	prov_dag *dag;
	double t0 = now_ns(), t1, t2, t3;

	check(prov_dag_new(&dag), "new");
	for (unsigned int i = 0; i < TASKS; i++) {
		check(prov_dag_add_node(dag, g->ids[i], noop, NULL), "add node");
		if (!nodes_first)
			add_dependencies(dag, g, i);
	}
	t1 = now_ns();
	for (unsigned int i = 0; nodes_first && i < TASKS; i++)
		add_dependencies(dag, g, i);
	t2 = now_ns();
	opt.parallelism = parallelism;
	check(prov_dag_run(dag, &opt), "run");
	t3 = now_ns();
	prov_dag_free(dag);
	t[0] += t1 - t0;
	t[1] += t2 - t1;
	t[2] += t3 - t2;
	t[3] += now_ns() - t3;
}

static int compare(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double measure(const struct graph *g, unsigned int parallelism)
{
	double totals[ROUNDS], phases[4] = { 0 };

	cycle(g, parallelism, phases);  /* warm-up: page faults, allocator */
	memset(phases, 0, sizeof(phases));
	atomic_store(&ran, 0);
	for (int r = 0; r < ROUNDS; r++) {
		double before[4];

		memcpy(before, phases, sizeof(before));
		cycle(g, parallelism, phases);
		totals[r] = 0;
		for (int p = 0; p < 4; p++)
			totals[r] += phases[p] - before[p];
	}
	if (atomic_load(&ran) != (unsigned long)ROUNDS * TASKS) {
		fprintf(stderr, "ran %lu tasks, expected %lu\n", atomic_load(&ran),
			(unsigned long)ROUNDS * TASKS);
		exit(1);
	}
	qsort(totals, ROUNDS, sizeof(totals[0]), compare);
	printf("parallelism %u%s: %.0f ns/task median (best %.0f): build %.0f + %.0f, "
	       "run %.0f, free %.0f\n", parallelism, nodes_first ? ", nodes first" : "", totals[ROUNDS / 2] / TASKS, totals[0] / TASKS,
	       phases[0] / ROUNDS / TASKS, phases[1] / ROUNDS / TASKS, phases[2] / ROUNDS / TASKS,
	       phases[3] / ROUNDS / TASKS);
	return totals[ROUNDS / 2] / TASKS;
}

/* With an argument, only that parallelism is measured (for profiling). */
int main(int argc, char **argv)
{
	struct graph *g = calloc(1, sizeof(*g));
	unsigned long edges = 0;
	double p1;

	if (!g || !(g->ids = calloc(TASKS, sizeof(*g->ids))))
		return 1;
	make_graph(g);
	for (unsigned int i = 0; i < TASKS; i++)
		edges += g->dep_count[i];
	printf("level graph: %d levels x %d tasks, %lu dependencies, string ids, "
	       "build + run + free per round, %d rounds\n", LEVELS, WIDTH, edges, ROUNDS);
	if (argc > 1) {
		measure(g, (unsigned int)atoi(argv[1]));
		return 0;
	}
	p1 = measure(g, 1);
	measure(g, 2);
	nodes_first = 1;
	measure(g, 1);
	printf("target: <= %.0f ns/task at parallelism 1 (Taskflow, one worker: ~%.0f ns/task): %s\n",
	       TARGET_NS, TASKFLOW_NS, p1 <= TARGET_NS ? "met" : "NOT MET");
	free(g->ids);
	free(g);
	return 0;
}
