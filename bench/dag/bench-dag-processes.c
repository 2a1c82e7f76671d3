/*
 * Benchmark 3: a graph of 5,000 tasks (50 layers x 100, each depending on 2
 * tasks of the previous layer) whose tasks each run /bin/true as a child
 * process through prov_process_run() (no shell), at parallelism 2. Its wall
 * time is printed next to `ninja -j2` and `make -j2` running the same graph
 * (written to a temporary directory) and next to the floor: a bare loop that
 * spawns 5,000 /bin/true two at a time with no graph at all.
 */
#include <provisioning/dag.h>
#include <provisioning/process.h>

#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define LAYERS 50
#define WIDTH 100
#define TASKS (LAYERS * WIDTH)
#define ROUNDS 5
#define TRUE_PATH "/bin/true"

extern char **environ;

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* The two dependencies of task i (i >= WIDTH) in the previous layer. */
static void deps_of(unsigned int i, unsigned int dep[2])
{
	unsigned int layer = i / WIDTH, column = i % WIDTH;

	dep[0] = (layer - 1) * WIDTH + column;
	dep[1] = (layer - 1) * WIDTH + (column * 37 + 11) % WIDTH;
	if (dep[1] == dep[0])
		dep[1] = (layer - 1) * WIDTH + (column + 1) % WIDTH;
}

static int run_true(prov_dag_context *ctx, void *userdata)
{
	static const char *const argv[] = { TRUE_PATH, NULL };
	prov_process_options opt = PROV_PROCESS_OPTIONS_INIT;
	prov_process_result *result = NULL;
	int rc;

	(void)ctx;
	(void)userdata;
	opt.argv = argv;
	rc = prov_process_run(&result, &opt);
	if (rc == PROV_OK && prov_process_result_exit_code(result) != 0)
		rc = prov_dag_context_fail(ctx, PROV_EPROCESS, "/bin/true failed");
	prov_process_result_free(result);
	return rc;
}

static double time_dag(void)
{
	prov_dag_run_options opt = PROV_DAG_RUN_OPTIONS_INIT;
	char id[16], on[16];
	prov_dag *dag;
	double t0 = now_s();

	if (prov_dag_new(&dag))
		exit(1);
	for (unsigned int i = 0; i < TASKS; i++) {
		snprintf(id, sizeof(id), "t%u", i);
		if (prov_dag_add_node(dag, id, run_true, NULL))
			exit(1);
		if (i < WIDTH)
			continue;
		unsigned int dep[2];

		deps_of(i, dep);
		for (int k = 0; k < 2; k++) {
			snprintf(on, sizeof(on), "t%u", dep[k]);
			if (prov_dag_add_dependency(dag, id, on, PROV_DAG_HARD))
				exit(1);
		}
	}
	opt.parallelism = 2;
	if (prov_dag_run(dag, &opt) != PROV_OK) {
		fprintf(stderr, "run: %s\n", prov_error_last()->message);
		exit(1);
	}
	prov_dag_free(dag);
	return now_s() - t0;
}

/* The floor: spawn and reap, two children at a time, nothing else. */
static double time_floor(void)
{
	static char program[] = TRUE_PATH;
	char *argv[] = { program, NULL };
	unsigned int started = 0, running = 0;
	double t0 = now_s();

	while (started < TASKS || running) {
		while (running < 2 && started < TASKS) {
			pid_t pid;

			if (posix_spawn(&pid, TRUE_PATH, NULL, NULL, argv, environ) != 0)
				exit(1);
			started++;
			running++;
		}
		if (wait(NULL) > 0)
			running--;
	}
	return now_s() - t0;
}

static void write_build_files(const char *dir)
{
	char path[4096];
	FILE *ninja, *make;

	snprintf(path, sizeof(path), "%s/build.ninja", dir);
	ninja = fopen(path, "w");
	snprintf(path, sizeof(path), "%s/Makefile", dir);
	make = fopen(path, "w");
	if (!ninja || !make)
		exit(1);
	fprintf(ninja, "rule true\n  command = " TRUE_PATH "\n");
	fprintf(make, "all:");
	for (unsigned int i = (LAYERS - 1) * WIDTH; i < TASKS; i++)
		fprintf(make, " t%u", i);
	fprintf(make, "\n.PHONY: all");
	for (unsigned int i = 0; i < TASKS; i++)
		fprintf(make, " t%u", i);
	fprintf(make, "\n");
	for (unsigned int i = 0; i < TASKS; i++) {
		unsigned int dep[2];

		fprintf(ninja, "build t%u: true", i);
		fprintf(make, "t%u:", i);
		if (i >= WIDTH) {
			deps_of(i, dep);
			fprintf(ninja, " | t%u t%u", dep[0], dep[1]);
			fprintf(make, " t%u t%u", dep[0], dep[1]);
		}
		fprintf(ninja, "\n");
		fprintf(make, "\n\t" TRUE_PATH "\n");
	}
	fclose(ninja);
	fclose(make);
}

/* Run a build tool in dir with its output discarded; NAN if it fails. */
static double time_tool(const char *const argv[], const char *dir)
{
	posix_spawn_file_actions_t actions;
	double t0 = now_s();
	int status;
	pid_t pid;

	posix_spawn_file_actions_init(&actions);
	posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
	posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
	posix_spawn_file_actions_addchdir_np(&actions, dir);
	if (posix_spawnp(&pid, argv[0], &actions, NULL, (char *const *)argv, environ) != 0) {
		posix_spawn_file_actions_destroy(&actions);
		return -1;
	}
	posix_spawn_file_actions_destroy(&actions);
	if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return -1;
	return now_s() - t0;
}

static void reset_ninja(const char *dir)
{
	char path[4096];

	snprintf(path, sizeof(path), "%s/.ninja_log", dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/.ninja_deps", dir);
	unlink(path);
}

static int compare(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double median(double *v)
{
	qsort(v, ROUNDS, sizeof(*v), compare);
	return v[ROUNDS / 2];
}

int main(void)
{
	static const char *const ninja_argv[] = { "ninja", "-j2", NULL };
	static const char *const make_argv[] = { "make", "-j2", NULL };
	char dir[] = "/tmp/prov-bench-dag-XXXXXX";
	double dag[ROUNDS], floor[ROUNDS], ninja[ROUNDS], make[ROUNDS];
	double d, f, n, m;
	char path[4096];

	if (!mkdtemp(dir))
		return 1;
	write_build_files(dir);
	/* Interleaved rounds, so a change in machine load hits all four alike. */
	for (int r = 0; r < ROUNDS; r++) {
		floor[r] = time_floor();
		dag[r] = time_dag();
		reset_ninja(dir);
		ninja[r] = time_tool(ninja_argv, dir);
		make[r] = time_tool(make_argv, dir);
	}
	d = median(dag);
	f = median(floor);
	n = median(ninja);
	m = median(make);
	printf("%d tasks (%d layers x %d, 2 dependencies each) running %s, parallelism 2, "
	       "median of %d:\n", TASKS, LAYERS, WIDTH, TRUE_PATH, ROUNDS);
	printf("  floor (bare spawn loop): %.3f s\n", f);
	printf("  prov_dag_run:            %.3f s (%+.1f%% of the floor)\n", d, (d / f - 1) * 100);
	printf("  ninja -j2:               %.3f s%s\n", n, n < 0 ? " (failed)" : "");
	printf("  make -j2:                %.3f s%s\n", m, m < 0 ? " (failed)" : "");
	printf("target: faster than ninja and make, within 10%% of the floor: %s\n",
	       d < n && d < m && d <= f * 1.10 ? "met" : "NOT MET");
	reset_ninja(dir);
	snprintf(path, sizeof(path), "%s/build.ninja", dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/Makefile", dir);
	unlink(path);
	rmdir(dir);
	return 0;
}
