/*
 * Instance lifecycle. init runs with the instance marked "in init" so an
 * error the plugin logs becomes the reason its failure is reported with;
 * extensions then go through validate and activate before they serve tasks,
 * and deactivate before fini.
 */
#include "plugin/instance.h"
#include "plugin/call.h"

#include "core/err.h"
#include "core/logging.h"
#include "core/mem.h"

#include <stdlib.h>
#include <string.h>

static int init_failed(prov_instance *inst, const char *step, int returned)
{
	const char *kind = prov_plugin_kind_name(inst->plugin->kind);

	if (inst->init_error[0])
		prov_err_set(PROV_EPLUGIN, PROV_ERRCAT_PROVIDER,
			     "%s %s (plugin %s): %s failed: %s", kind, inst->name,
			     inst->plugin->name, step, inst->init_error);
	else
		prov_err_set(PROV_EPLUGIN, PROV_ERRCAT_PROVIDER,
			     "%s %s (plugin %s): %s failed (returned %d)", kind, inst->name,
			     inst->plugin->name, step, returned);
	prov_err_context(PROV_ERR_PROVIDER, inst->name);
	prov_err_context(PROV_ERR_FILE, inst->plugin->path);
	return PROV_EPLUGIN;
}

/* A lifecycle step of an extension, run as a call without a deadline. */
static int run_step(prov_instance *inst, const char *step,
		    int (*fn)(void *state, const prov_call *call))
{
	prov_call_result result;
	int rc;

	if (!fn)
		return PROV_OK;
	inst->init_error[0] = '\0';
	rc = prov_lifecycle_call(&result, inst, step, fn);
	if (rc != PROV_OK && rc != PROV_ENOMEM) {
		prov_copy_bounded(inst->init_error, sizeof(inst->init_error),
				  prov_error_last()->message);
		rc = init_failed(inst, step, rc);
	}
	prov_call_result_release(&result);
	return rc;
}

static int start(prov_instance *inst, const char *config_json)
{
	const prov_extension_interface *ext = &inst->plugin->iface.extension;
	int (*init)(const prov_host_api *, const char *, void **) =
		inst->plugin->kind == PROV_PLUGIN_KIND_PROVIDER
		? inst->plugin->iface.provider.init : ext->init;
	int rc;

	inst->in_init = true;
	rc = init(&inst->host, config_json ? config_json : "{}", &inst->state);
	inst->in_init = false;
	if (rc != 0)
		return init_failed(inst, "init", rc);
	inst->initialised = true;
	if (inst->plugin->kind == PROV_PLUGIN_KIND_PROVIDER)
		return PROV_OK;
	rc = run_step(inst, "validate", ext->validate);
	if (rc == PROV_OK)
		rc = run_step(inst, "activate", ext->activate);
	inst->active = rc == PROV_OK;
	return rc;
}

int prov_instance_create(prov_instance **out, prov_plugin *plugin, const char *name,
			 const char *config_json, const prov_plugin_options *services)
{
	prov_instance *inst = prov_calloc(1, sizeof(*inst));
	int rc;

	*out = NULL;
	if (!inst)
		return PROV_ENOMEM;
	atomic_init(&inst->refs, 1);
	inst->plugin = prov_plugin_ref(plugin);
	inst->services = *services;
	inst->services.paths = NULL;
	pthread_mutex_init(&inst->serial, NULL);
	inst->name = prov_strdup(name);
	if (!inst->name) {
		prov_instance_unref(inst);
		return PROV_ENOMEM;
	}
	prov_host_api_init(inst);
	rc = start(inst, config_json);
	if (rc != PROV_OK) {
		prov_instance_unref(inst);
		return rc;
	}
	*out = inst;
	return PROV_OK;
}

prov_instance *prov_instance_ref(prov_instance *inst)
{
	atomic_fetch_add(&inst->refs, 1);
	return inst;
}

static void stop(prov_instance *inst)
{
	const prov_extension_interface *ext = &inst->plugin->iface.extension;

	if (inst->active && ext->deactivate) {
		int rc = run_step(inst, "deactivate", ext->deactivate);

		if (rc != PROV_OK)
			prov_log(PROV_LOG_WARNING, "plugin", "%s", prov_error_last()->message);
	}
	if (!inst->initialised)
		return;
	if (inst->plugin->kind == PROV_PLUGIN_KIND_PROVIDER)
		inst->plugin->iface.provider.fini(inst->state);
	else
		ext->fini(inst->state);
}

void prov_instance_unref(prov_instance *inst)
{
	if (!inst || atomic_fetch_sub(&inst->refs, 1) != 1)
		return;
	stop(inst);
	pthread_mutex_destroy(&inst->serial);
	prov_plugin_unref(inst->plugin);
	free(inst->name);
	free(inst);
}
