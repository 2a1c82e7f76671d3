/*
 * A workflow run on the etcd store while etcd restarts: the runner's
 * writes wait out the outage and the run goes on to success, with every
 * operation recorded once and every server created once. The run is the
 * library's own runner, in process, on the shipped local provider.
 */
#include "test-util.h"
#include "etcd-helpers.h"

#include <provisioning/provisioning.h>

#include <json-c/json.h>
#include <pthread.h>
#include <stdatomic.h>
#include <time.h>
#include <unistd.h>

#define OPERATIONS 5
#define LATENCY_MS 300
/* Longer than an operation, so at least one record is written while etcd is down. */
#define OUTAGE_MS 1000

static struct etcd_fixture server;
static struct etcd_test_settings settings;
static char *dir;

/* The store's warnings (renewals failing, retries) explain a failure. */
static void log_to_stderr(int level, const char *component, const char *message, void *userdata)
{
	struct timespec ts;

	(void)userdata;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	fprintf(stderr, "[%ld.%03ld] %s: %s: %s\n", (long)ts.tv_sec, ts.tv_nsec / 1000000L,
		prov_log_level_name(level), component, message);
}

static void setup(void)
{
	prov_log_set_handler(log_to_stderr, PROV_LOG_WARNING, NULL);
	ck_assert(etcd_fixture_start(&server, false));
	etcd_test_settings_init(&settings, &server, 10);
	settings.etcd.retry_timeout_ms = 30000;
	dir = test_tmpdir();
}

static void teardown(void)
{
	etcd_fixture_destroy(&server);
	test_rmtree(dir);
	free(dir);
}

/* Restarts etcd once the first operation completed; notes what the run had done by then. */
struct restarter {
	prov_bus_subscriber *events;
	pthread_t thread;
	atomic_int completed_at_stop;  /* -1 until etcd was stopped */
	atomic_bool restarted;
	atomic_bool quit;
};

/* OperationCompleted events among those published so far, waiting up to timeout_ms for one. */
static int count_completed(prov_bus_subscriber *events, long long timeout_ms)
{
	const prov_event *event;
	int n = 0;

	while (prov_bus_receive(&event, NULL, events, timeout_ms) == PROV_OK) {
		n += strcmp(prov_event_type(event), "OperationCompleted") == 0;
		timeout_ms = 0;
	}
	return n;
}

static void *restart_etcd(void *arg)
{
	struct restarter *r = arg;
	int completed = 0;

	while (!atomic_load(&r->quit) && completed == 0)
		completed = count_completed(r->events, 50);
	if (completed == 0)
		return NULL;
	etcd_fixture_stop(&server);
	atomic_store(&r->completed_at_stop, completed + count_completed(r->events, 0));
	usleep(OUTAGE_MS * 1000);
	atomic_store(&r->restarted, etcd_fixture_restart(&server));
	/* etcd dies with the thread that started it (PR_SET_PDEATHSIG): stay until the end. */
	while (!atomic_load(&r->quit))
		usleep(10 * 1000);
	return NULL;
}

static prov_registry *local_registry(void)
{
	prov_plugin_options options = PROV_PLUGIN_OPTIONS_INIT;
	prov_registry *registry;
	char path[1024];

	options.ignore_environment = 1;
	options.ignore_default_dir = 1;
	ck_assert_int_eq(prov_registry_new(&registry, &options), PROV_OK);
	snprintf(path, sizeof(path), "%s/local.so", SHIPPED_PLUGIN_DIR);
	ck_assert_msg(prov_registry_load_file(registry, path) == PROV_OK, "%s",
		      prov_error_last()->message);
	return registry;
}

static prov_config_resolver *local_config(void)
{
	prov_config_resolver *resolver;
	char layer[1024];

	snprintf(layer, sizeof(layer),
		 "{\"providers\":{\"local\":{\"state_dir\":\"%s/local\",\"latency_ms\":%d}}}", dir,
		 LATENCY_MS);
	ck_assert_int_eq(prov_config_resolver_new(&resolver), PROV_OK);
	ck_assert_int_eq(prov_config_resolver_add_string(resolver, PROV_CONFIG_LAYER_PROJECT,
							 "project.json", layer, strlen(layer),
							 PROV_FORMAT_JSON), PROV_OK);
	return resolver;
}

/* OPERATIONS create_server operations, one at a time. */
static prov_workflow *chain(void)
{
	char yaml[2048];
	int len = snprintf(yaml, sizeof(yaml), "workflow_id: wf-restart\nparallel_limit: 1\n"
			   "operations:\n");
	prov_workflow *workflow;

	for (int i = 0; i < OPERATIONS; i++)
		len += snprintf(yaml + len, sizeof(yaml) - (size_t)len,
				"  - {id: op-%d, provider: local, action: create_server,"
				" params: {hostname: host-%d}}\n", i, i);
	ck_assert_msg(prov_workflow_load_string(&workflow, "wf.yaml", yaml, strlen(yaml),
						PROV_FORMAT_YAML) == PROV_OK,
		      "%s", prov_error_last()->message);
	return workflow;
}

START_TEST(test_a_run_waits_out_an_etcd_restart_and_completes)
{
	prov_workflow_options options = PROV_WORKFLOW_OPTIONS_INIT;
	struct restarter r = { .completed_at_stop = -1 };
	prov_workflow_runner *runner;
	prov_workflow *workflow = chain();
	prov_checkpoint *cp;
	prov_bus *bus;
	char *result = NULL, *local_state;
	int rc;

	options.registry = local_registry();
	options.resolver = local_config();
	options.store = etcd_test_open(&settings);
	ck_assert_int_eq(prov_bus_new(&bus, NULL), PROV_OK);
	options.bus = bus;
	ck_assert_int_eq(prov_bus_subscribe(&r.events, bus, NULL), PROV_OK);
	ck_assert_int_eq(prov_workflow_runner_new(&runner, &options), PROV_OK);
	ck_assert_int_eq(pthread_create(&r.thread, NULL, restart_etcd, &r), 0);

	rc = prov_workflow_run(&result, runner, workflow);
	ck_assert_msg(rc == PROV_OK, "%s: %s", prov_error_last()->message, result ? result : "");
	/* etcd went down with the run under way, and came back. */
	ck_assert_int_ge(atomic_load(&r.completed_at_stop), 1);
	ck_assert_int_lt(atomic_load(&r.completed_at_stop), OPERATIONS);
	ck_assert(atomic_load(&r.restarted));
	ck_assert_contains(result, "\"success\"");
	cp = etcd_test_load(options.store, "wf-restart");
	ck_assert_int_eq(prov_checkpoint_step(cp), OPERATIONS);
	for (int i = 0; i < OPERATIONS; i++) {
		char op[16];

		snprintf(op, sizeof(op), "op-%d", i);
		ck_assert_str_eq(prov_checkpoint_operation_status(cp, op), "completed");
	}
	local_state = test_path(dir, "local");
	test_assert_servers_created_once(local_state, OPERATIONS);
	free(local_state);
	atomic_store(&r.quit, true);
	ck_assert_int_eq(pthread_join(r.thread, NULL), 0);

	prov_checkpoint_free(cp);
	prov_free(result);
	prov_workflow_free(workflow);
	prov_workflow_runner_free(runner);
	prov_bus_unsubscribe(r.events);
	prov_bus_free(bus);
	prov_checkpoint_store_close(options.store);
	prov_registry_free(options.registry);
	prov_config_resolver_free(options.resolver);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("checkpoint-etcd-restart");
	TCase *tc = tcase_create("restart");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_a_run_waits_out_an_etcd_restart_and_completes);
	suite_add_tcase(s, tc);
	return etcd_test_main(s, false);
}
