/*
 * The host's cost per provider call: lookup, params check, the prov_call,
 * the plugin writing its output, and the data exchange document. Measured
 * with the shipped local provider's list_plans (no file I/O), on one thread
 * and on two threads (local is not concurrent, so they take turns), and,
 * for scale, create_server, which writes a record durably (fsync).
 * Target: under 20 us of host overhead per in-process call.
 */
#include <provisioning/plugin.h>
#include <provisioning/error.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#define CALLS 20000
#define CREATES 200
#define TARGET_US 20.0

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void *list_plans(void *arg)
{
	prov_registry *reg = arg;

	for (int i = 0; i < CALLS; i++) {
		char *doc = NULL;

		if (prov_provider_call(&doc, reg, "local", "list_plans", NULL, NULL) != PROV_OK) {
			fprintf(stderr, "call failed: %s\n", prov_error_last()->message);
			exit(1);
		}
		prov_free(doc);
	}
	return NULL;
}

static double per_call_us(prov_registry *reg, int threads)
{
	pthread_t t[2];
	double start = now_s();

	for (int i = 0; i < threads; i++)
		pthread_create(&t[i], NULL, list_plans, reg);
	for (int i = 0; i < threads; i++)
		pthread_join(t[i], NULL);
	return (now_s() - start) * 1e6 / (CALLS * threads);
}

static double create_us(prov_registry *reg)
{
	double start = now_s();

	for (int i = 0; i < CREATES; i++) {
		char spec[64], *doc = NULL;

		snprintf(spec, sizeof(spec), "{\"hostname\":\"bench-%d\"}", i);
		if (prov_provider_create_server(&doc, reg, "local", spec, NULL) != PROV_OK)
			exit(1);
		prov_free(doc);
	}
	return (now_s() - start) * 1e6 / CREATES;
}

int main(int argc, char **argv)
{
	prov_plugin_options opt = PROV_PLUGIN_OPTIONS_INIT;
	char dir[] = "/tmp/prov-bench-XXXXXX", config[256], command[300];
	prov_registry *reg = NULL;
	double one, two, create;

	if (argc < 2 || !mkdtemp(dir))
		return 1;
	opt.ignore_environment = 1;
	opt.ignore_default_dir = 1;
	snprintf(config, sizeof(config), "{\"state_dir\":\"%s\"}", dir);
	if (prov_registry_new(&reg, &opt) != PROV_OK || prov_registry_load_file(reg, argv[1]) != PROV_OK ||
	    prov_registry_add_provider(reg, "local", config) != PROV_OK) {
		fprintf(stderr, "setup: %s\n", prov_error_last()->message);
		return 1;
	}
	one = per_call_us(reg, 1);
	two = per_call_us(reg, 2);
	create = create_us(reg);
	printf("in-process call (local list_plans), 1 thread:  %.2f us/call  (target < %.0f us)\n",
	       one, TARGET_US);
	printf("in-process call, 2 threads, serialised:          %.2f us/call\n", two);
	printf("create_server with a durable record (fsync):     %.1f us/call\n", create);
	prov_registry_free(reg);
	snprintf(command, sizeof(command), "rm -rf '%s'", dir);
	if (system(command) != 0)
		return 1;
	return one < TARGET_US ? 0 : 1;
}
