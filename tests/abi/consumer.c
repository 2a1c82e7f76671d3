/*
 * A program built against the installed library with pkg-config only. It
 * checks that the headers, the shared library and the versions agree, then
 * runs a small workflow on the installed local provider: resolver, plugin
 * registry, checkpoint store, event bus and runner, as an embedding program
 * would set them up. It runs in a scratch directory, which holds the
 * provider's state and the checkpoints.
 */
#include <provisioning/provisioning.h>

#include <stdio.h>
#include <string.h>

static const char definition[] =
	"workflow_id: consumer\n"
	"configuration:\n"
	"  providers:\n"
	"    local: { state_dir: \"{{paths.base}}/state\" }\n"
	"operations:\n"
	"  - id: db\n"
	"    provider: local\n"
	"    action: create_server\n"
	"    params: { hostname: db-1 }\n"
	"  - id: web\n"
	"    provider: local\n"
	"    action: create_server\n"
	"    params: { hostname: web-1, tags: { db: \"{{ops.db.output.ip_address}}\" } }\n";

static int fail(const char *what)
{
	fprintf(stderr, "%s: %s\n", what, prov_error_last()->message);
	return 1;
}

static int check_versions(void)
{
	const prov_version_info *v = prov_version();

	if (v->major != PROV_VERSION_MAJOR || strcmp(v->version, PROV_VERSION_STRING) != 0) {
		fprintf(stderr, "header %s, library %s\n", PROV_VERSION_STRING, v->version);
		return 1;
	}
	return strcmp(prov_strerror(PROV_ENOTFOUND), "not found") != 0;
}

static int run_process(void)
{
	const char *argv[] = { "echo", "consumer", NULL };
	prov_process_options opt = PROV_PROCESS_OPTIONS_INIT;
	prov_process_result *result = NULL;
	int bad;

	opt.argv = argv;
	if (prov_process_run(&result, &opt) != PROV_OK)
		return fail("process");
	bad = strcmp(prov_process_result_stdout(result, NULL, NULL), "consumer\n") != 0;
	prov_process_result_free(result);
	return bad;
}

/* The events the run published, counted by type. */
static int count_events(prov_bus_subscriber *sub, const char *type)
{
	const prov_event *event;
	int count = 0;

	while (prov_bus_receive(&event, NULL, sub, 0) == PROV_OK)
		count += strcmp(prov_event_type(event), type) == 0;
	return count;
}

static int run_with(prov_workflow_options *opt, prov_workflow *wf, prov_bus_subscriber *sub)
{
	prov_workflow_runner *runner = NULL;
	char *result = NULL;
	int bad;

	if (prov_workflow_runner_new(&runner, opt) != PROV_OK)
		return fail("runner");
	if (prov_workflow_run(&result, runner, wf) != PROV_OK) {
		prov_workflow_runner_free(runner);
		prov_free(result);
		return fail("workflow run");
	}
	bad = strstr(result, "\"status\":\"success\"") == NULL ||
	      count_events(sub, "OperationCompleted") != 2;
	if (bad)
		fprintf(stderr, "unexpected result: %s\n", result);
	prov_free(result);
	prov_workflow_runner_free(runner);
	return bad;
}

static int run_workflow(void)
{
	prov_workflow_options opt = PROV_WORKFLOW_OPTIONS_INIT;
	prov_checkpoint_store_options store_opt = PROV_CHECKPOINT_STORE_OPTIONS_INIT;
	prov_workflow *wf = NULL;
	prov_bus_subscriber *sub = NULL;
	int bad = 1;

	store_opt.dir = "checkpoints";
	if (prov_workflow_load_string(&wf, "consumer.yaml", definition, sizeof(definition) - 1,
				      PROV_FORMAT_YAML) != PROV_OK ||
	    prov_config_resolver_new(&opt.resolver) != PROV_OK ||
	    prov_registry_new(&opt.registry, NULL) != PROV_OK ||
	    prov_checkpoint_store_open(&opt.store, &store_opt) != PROV_OK ||
	    prov_bus_new(&opt.bus, NULL) != PROV_OK ||
	    prov_bus_subscribe(&sub, opt.bus, NULL) != PROV_OK)
		bad = fail("setting up the workflow");
	else
		bad = run_with(&opt, wf, sub);
	prov_bus_unsubscribe(sub);
	prov_bus_free(opt.bus);
	prov_checkpoint_store_close(opt.store);
	prov_registry_free(opt.registry);
	prov_config_resolver_free(opt.resolver);
	prov_workflow_free(wf);
	return bad;
}

int main(void)
{
	if (check_versions() || run_process() || run_workflow())
		return 1;
	printf("consumer linked against libprovisioning %s and ran a workflow\n",
	       prov_version()->version);
	return 0;
}
