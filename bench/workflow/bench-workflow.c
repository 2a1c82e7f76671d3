/*
 * A workflow of 1,000 operations on the shipped local provider (no
 * latency) at parallel 2, the way the command runs one: a bus, durable
 * checkpoints in the directory store, one operation record per operation.
 * Every tenth operation starts a chain; the others depend on the one
 * before through {{ops.ID.output.ip_address}}.
 *
 * Measured (median of five runs each) twice: with everything on disk, as
 * a user runs it, where the local provider's own durable writes (two
 * fsyncs per create) dominate; and with the provider's state on tmpfs, so
 * the provider costs only CPU and what remains shows the runner. Each time:
 * the whole run; the same run over a store that keeps nothing, so the
 * difference is what checkpointing costs; and the provider's 1,000 creates
 * called directly, so what is left is the runner's own overhead; at last
 * the runner's overhead at parallel 1, where no operation changes threads.
 * Target: runner overhead under 100 us per operation.
 */
#include <provisioning/provisioning.h>

#include <ftw.h>
#include <stdio.h>
#include <sys/stat.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define OPERATIONS 1000
#define RUNS 5
#define TARGET_US 100.0

static const char *plugin;
static const char *state_base;   /* where the provider's state goes */
static unsigned int parallel = 2;

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* CPU seconds of the whole process (every thread), user and system. */
static double cpu_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* CPU seconds the last measurement used. */
static double last_cpu;

static void fail(const char *what)
{
	fprintf(stderr, "bench-workflow: %s: %s\n", what, prov_error_last()->message);
	exit(1);
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static char *definition(void)
{
	size_t size = OPERATIONS * 160 + 256, len = 0;
	char *yaml = malloc(size);

	if (!yaml)
		exit(1);
	len += (size_t)snprintf(yaml, size, "workflow_id: bench\nparallel_limit: 2\n"
				"retry: {max_attempts: 1}\noperations:\n");
	for (int i = 0; i < OPERATIONS; i++) {
		len += (size_t)snprintf(yaml + len, size - len,
					"  - {id: op-%d, provider: local, action: create_server, "
					"params: {hostname: host-%d", i, i);
		if (i % 10)
			len += (size_t)snprintf(yaml + len, size - len,
						", tags: {peer: \"{{ops.op-%d.output.ip_address}}\"}",
						i - 1);
		len += (size_t)snprintf(yaml + len, size - len, "}}\n");
	}
	return yaml;
}

/* The provider's state directory for a scratch dir: in it, or beside it under state_base. */
static void state_path(char *out, size_t size, const char *dir)
{
	const char *name = strrchr(dir, '/');

	if (*state_base)
		snprintf(out, size, "%s%s", state_base, name);
	else
		snprintf(out, size, "%s/local", dir);
}

static void make_state_dir(const char *dir)
{
	char path[1024];

	state_path(path, sizeof(path), dir);
	if (*state_base && mkdir(path, 0700) != 0) {
		perror(path);
		exit(1);
	}
}

static void remove_state_dir(const char *dir)
{
	char path[1024];

	state_path(path, sizeof(path), dir);
	if (*state_base)
		nftw(path, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static prov_registry *registry_in(const char *dir)
{
	prov_plugin_options opt = PROV_PLUGIN_OPTIONS_INIT;
	prov_registry *reg = NULL;
	char config[2048], state[1024];

	opt.ignore_environment = 1;
	opt.ignore_default_dir = 1;
	state_path(state, sizeof(state), dir);
	snprintf(config, sizeof(config), "{\"state_dir\":\"%s\",\"cidr\":\"10.0.0.0/16\"}", state);
	if (prov_registry_new(&reg, &opt) != PROV_OK || prov_registry_load_file(reg, plugin) != PROV_OK ||
	    prov_registry_add_provider(reg, "local", config) != PROV_OK)
		fail("registry");
	return reg;
}

/* A store that keeps nothing: the run without the cost of checkpoints. */
static int null_acquire(prov_checkpoint_token **token, void *backend, const char *id)
{
	(void)backend;
	return prov_checkpoint_token_new(token, id, "0");
}

static int null_release(void *backend, const prov_checkpoint_token *token)
{
	(void)backend;
	(void)token;
	return PROV_OK;
}

static int null_save(void *backend, const prov_checkpoint_token *token, const char *json,
		     size_t len)
{
	(void)backend;
	(void)token;
	(void)json;
	(void)len;
	return PROV_OK;
}

static int null_record(void *backend, const prov_checkpoint_token *token, const char *op,
		       const char *json, size_t len)
{
	(void)op;
	return null_save(backend, token, json, len);
}

static int null_load(prov_checkpoint **checkpoint, void *backend, const char *id)
{
	(void)checkpoint;
	(void)backend;
	(void)id;
	return PROV_ENOTFOUND;
}

static int null_list(prov_checkpoint_list *list, void *backend,
		     const prov_checkpoint_list_options *options)
{
	(void)list;
	(void)backend;
	(void)options;
	return PROV_OK;
}

static prov_checkpoint_store *store_in(const char *dir, int durable)
{
	static const prov_checkpoint_store_interface null_store = {
		.size = sizeof(prov_checkpoint_store_interface), .acquire = null_acquire,
		.release = null_release, .save = null_save, .record = null_record,
		.load = null_load, .list = null_list, .remove = null_release,
	};
	prov_checkpoint_store_options opt = PROV_CHECKPOINT_STORE_OPTIONS_INIT;
	prov_checkpoint_store *store = NULL;
	char path[1024];

	snprintf(path, sizeof(path), "%s/checkpoints", dir);
	opt.dir = path;
	if ((durable ? prov_checkpoint_store_open(&store, &opt)
		     : prov_checkpoint_store_new(&store, &null_store, NULL)) != PROV_OK)
		fail("store");
	return store;
}

/* Seconds for one run of the definition in a fresh directory. */
static double run_once(const char *yaml, int durable)
{
	prov_workflow_options opt = PROV_WORKFLOW_OPTIONS_INIT;
	prov_workflow_runner *runner = NULL;
	prov_workflow *wf = NULL;
	char dir[] = "/tmp/bench-workflow-XXXXXX", *result = NULL;
	double start, seconds;

	if (!mkdtemp(dir))
		exit(1);
	make_state_dir(dir);
	opt.registry = registry_in(dir);
	opt.store = store_in(dir, durable);
	if (prov_bus_new(&opt.bus, NULL) != PROV_OK)
		fail("bus");
	opt.parallel_limit = parallel;
	if (prov_workflow_runner_new(&runner, &opt) != PROV_OK ||
	    prov_workflow_load_string(&wf, "bench.yaml", yaml, strlen(yaml), PROV_FORMAT_YAML) != PROV_OK)
		fail("setup");
	start = now_s();
	last_cpu = cpu_s();
	if (prov_workflow_run(&result, runner, wf) != PROV_OK)
		fail("run");
	seconds = now_s() - start;
	last_cpu = cpu_s() - last_cpu;
	prov_free(result);
	prov_workflow_free(wf);
	prov_workflow_runner_free(runner);
	prov_bus_free(opt.bus);
	prov_checkpoint_store_close(opt.store);
	prov_registry_free(opt.registry);
	nftw(dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
	remove_state_dir(dir);
	return seconds;
}

/* Seconds for the provider's creates alone, one after the other. */
static double provider_once(void)
{
	char dir[] = "/tmp/bench-workflow-XXXXXX", spec[128];
	prov_registry *reg;
	double start, seconds;

	if (!mkdtemp(dir))
		exit(1);
	make_state_dir(dir);
	reg = registry_in(dir);
	start = now_s();
	last_cpu = cpu_s();
	for (int i = 0; i < OPERATIONS; i++) {
		char *doc = NULL;

		snprintf(spec, sizeof(spec), "{\"hostname\":\"host-%d\"}", i);
		if (prov_provider_create_server(&doc, reg, "local", spec, NULL) != PROV_OK)
			fail("create_server");
		prov_free(doc);
	}
	seconds = now_s() - start;
	last_cpu = cpu_s() - last_cpu;
	prov_registry_free(reg);
	nftw(dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
	remove_state_dir(dir);
	return seconds;
}

static int by_value(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double median(double *t)
{
	qsort(t, RUNS, sizeof(t[0]), by_value);
	return t[RUNS / 2];
}

/*
 * One configuration: the three measurements, taken in turn round after
 * round so that the disk's own background work (writeback of what the
 * previous run wrote and removed) falls on all three alike.
 */
static void measure(const char *title, const char *yaml)
{
	double durable[RUNS], bare[RUNS], provider[RUNS], bare_cpu[RUNS], provider_cpu[RUNS];
	double d, b, p, overhead_us, cpu_us;

	for (int i = 0; i < RUNS; i++) {
		durable[i] = run_once(yaml, 1);
		bare[i] = run_once(yaml, 0);
		bare_cpu[i] = last_cpu;
		provider[i] = provider_once();
		provider_cpu[i] = last_cpu;
	}
	d = median(durable);
	b = median(bare);
	p = median(provider);
	overhead_us = (b - p) / OPERATIONS * 1e6;
	cpu_us = (median(bare_cpu) - median(provider_cpu)) / OPERATIONS * 1e6;
	printf("%s\n", title);
	printf("  run, durable directory store   %8.3f s  %8.1f us per operation\n", d,
	       d / OPERATIONS * 1e6);
	printf("  run, store that keeps nothing  %8.3f s  %8.1f us per operation\n", b,
	       b / OPERATIONS * 1e6);
	printf("  the provider's creates alone   %8.3f s  %8.1f us per call\n", p,
	       p / OPERATIONS * 1e6);
	printf("  checkpointing                  %7.1f %% of the durable run\n", (d - b) / d * 100.0);
	printf("  runner overhead                %8.1f us per operation, %.1f us of it CPU "
	       "(target < %.0f us): %s\n", overhead_us, cpu_us, TARGET_US,
	       overhead_us < TARGET_US ? "met" : "missed");
}

/* The runner alone, at parallel 1: no thread hands an operation to another. */
static void measure_serial(const char *yaml)
{
	double bare[RUNS], provider[RUNS], overhead_us;

	parallel = 1;
	for (int i = 0; i < RUNS; i++) {
		bare[i] = run_once(yaml, 0);
		provider[i] = provider_once();
	}
	parallel = 2;
	overhead_us = (median(bare) - median(provider)) / OPERATIONS * 1e6;
	printf("  runner overhead at parallel 1  %8.1f us per operation (no store)\n", overhead_us);
}

int main(int argc, char **argv)
{
	char *yaml = definition();

	if (argc != 2) {
		fprintf(stderr, "usage: bench-workflow LOCAL_PLUGIN.so\n");
		return 2;
	}
	plugin = argv[1];
	printf("workflow: %d operations on the local provider (no latency), parallel 2, a bus, "
	       "median of %d runs\n", OPERATIONS, RUNS);
	state_base = "";
	measure("provider state and checkpoints on disk", yaml);
	state_base = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "";
	measure(*state_base ? "provider state on tmpfs, checkpoints on disk"
			    : "(no /dev/shm: provider state on disk again)", yaml);
	measure_serial(yaml);
	free(yaml);
	return 0;
}
