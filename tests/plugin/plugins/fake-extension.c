/*
 * An extension for the lifecycle and task tests. It logs each lifecycle
 * step at info level, so a test's log callback sees their order.
 */
#include <provisioning/extension.h>

#include <string.h>

static int ext_init(const prov_host_api *host, const char *config_json, void **state)
{
	*state = (void *)host;
	host->log(host, PROV_PLUGIN_LOG_INFO, "init");
	return strstr(config_json, "\"refuse\"") ? -1 : 0;
}

static void ext_fini(void *state)
{
	const prov_host_api *host = state;

	host->log(host, PROV_PLUGIN_LOG_INFO, "fini");
}

static int step(void *state, const char *name)
{
	const prov_host_api *host = state;

	host->log(host, PROV_PLUGIN_LOG_INFO, name);
	return 0;
}

static int ext_validate(void *state, const prov_call *call)
{
	(void)call;
	return step(state, "validate");
}

static int ext_activate(void *state, const prov_call *call)
{
	(void)call;
	return step(state, "activate");
}

static int ext_deactivate(void *state, const prov_call *call)
{
	(void)call;
	return step(state, "deactivate");
}

static int ext_run_task(void *state, const prov_call *call)
{
	(void)state;
	if (strcmp(call->action, "greet") == 0)
		return call->output(call, "{\"greeting\":\"hello\"}", 20);
	return call->fail(call, "NOPE", "this task always fails", NULL), 1;
}

static const char *const task_names[] = { "greet", "refuse", NULL };

static const prov_extension_interface ext_interface = {
	.size = sizeof(prov_extension_interface),
	.init = ext_init,
	.fini = ext_fini,
	.validate = ext_validate,
	.activate = ext_activate,
	.deactivate = ext_deactivate,
	.task_names = task_names,
	.run_task = ext_run_task,
};

static const prov_plugin_desc ext_descriptor = {
	.size = sizeof(prov_plugin_desc),
	.abi_version = PROV_PLUGIN_ABI_CURRENT,
	.kind = PROV_PLUGIN_KIND_EXTENSION,
	.name = "greeter",
	.version = "1.0.0",
	.description = "test extension",
	.interface = &ext_interface,
};

PROV_PLUGIN_DEFINE(ext_descriptor)
